// Command server is the reference JSON server of the commerce engine: the
// catalog of package catalog over net/http, on the in-memory store with the
// demo catalog by default, or on MySQL.
//
//	go run ./examples/server
//	curl 'localhost:8080/api/products?q=%EC%82%AC%EA%B3%BC'
//
// # Configuration
//
// Every setting is a flag and a COMMERCE_* environment variable; a flag on
// the command line wins. -h lists them all:
//
//	-addr        COMMERCE_ADDR        address to listen on (:8080)
//	-mysql-dsn   COMMERCE_MYSQL_DSN   MySQL or MariaDB DSN; none means memory
//	-demo        COMMERCE_DEMO        load the demo catalog (1 in memory, 0 on MySQL)
//	-log-format  COMMERCE_LOG_FORMAT  text or json (text)
//	-db-wait     COMMERCE_DB_WAIT     how long to wait for the database at start (30s)
//
// A bad value, or a database that still does not answer after the wait,
// ends the server with a non-zero status and a message naming the setting;
// it never serves half-configured. On MySQL the server migrates the schema
// at start.
//
// # Routes
//
// The routes are those of package
// github.com/impactmuseum/commerce/examples/server/api, which other routers
// can mount too. SIGINT or SIGTERM stop the server gracefully: it stops
// accepting connections and lets requests in flight finish.
package main
