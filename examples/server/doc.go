// Command server is the reference server of the commerce engine: the shop's
// pages (package examples/storefront) at / and a JSON API (package api)
// under /api/ — the catalog, accounts, carts, orders and notice board of
// the engine's packages over net/http, on the in-memory store with the demo catalog and
// board by default, or on MySQL and Redis. Payments are fake: card and
// mobile orders are paid at once, and no money moves.
//
//	go run ./examples/server    # then open http://localhost:8080/
//	curl 'localhost:8080/api/products?q=%EC%82%AC%EA%B3%BC'
//
// # Configuration
//
// Every setting is a flag and a COMMERCE_* environment variable; a flag on
// the command line wins. -h lists them all:
//
//	-addr                 COMMERCE_ADDR                 address to listen on (:8080)
//	-mysql-dsn            COMMERCE_MYSQL_DSN            MySQL or MariaDB DSN; none means memory
//	-redis-url            COMMERCE_REDIS_URL            Redis for sessions and throttling; none means memory
//	-redis-prefix         COMMERCE_REDIS_PREFIX         prefix of every Redis key (commerce:)
//	-demo                 COMMERCE_DEMO                 load the demo catalog and board (1 in memory, 0 on MySQL)
//	-log-format           COMMERCE_LOG_FORMAT           text or json (text)
//	-db-wait              COMMERCE_DB_WAIT              how long to wait for MySQL and Redis at start (30s)
//	-bootstrap-staff      COMMERCE_BOOTSTRAP_STAFF      user:pass[,user2:pass2], staff ensured at start
//	-password-iterations  COMMERCE_PASSWORD_ITERATIONS  PBKDF2 iterations of new hashes (600000)
//	-public-url           COMMERCE_PUBLIC_URL           the server's URL, for sign-in redirect URIs
//	-cookie-secure        COMMERCE_COOKIE_SECURE        Secure cookies (1 if the public URL is https)
//	-media-url            COMMERCE_MEDIA_URL            bucket of uploaded images (file://…/shop-media)
//	-media-sweep          COMMERCE_MEDIA_SWEEP          how often unused images are deleted (1h; 0 never)
//	-google-client-id     COMMERCE_GOOGLE_CLIENT_ID     turns Google sign-in on
//	-google-client-secret COMMERCE_GOOGLE_CLIENT_SECRET
//	-kakao-client-id      COMMERCE_KAKAO_CLIENT_ID      turns Kakao sign-in on
//	-kakao-client-secret  COMMERCE_KAKAO_CLIENT_SECRET
//	-kakao-oidc           COMMERCE_KAKAO_OIDC           0 for Kakao by plain OAuth (1: OpenID Connect)
//	-google-issuer, -kakao-issuer (COMMERCE_GOOGLE_ISSUER, …): the OpenID
//	Connect issuers, for tests
//	-google-auth-url, -google-token-url, -google-userinfo-url, and the same
//	for kakao (COMMERCE_GOOGLE_AUTH_URL, …): the providers' endpoints, for tests
//
// A bad value, or a database or Redis that still does not answer after the
// wait, ends the server with a non-zero status and a message naming the
// setting; it never serves half-configured. Messages never repeat a
// password. On MySQL the server migrates the schema at start.
//
// # Routes
//
// The shop's pages and staff pages are those of package
// github.com/impactmuseum/commerce/examples/storefront, at /; the JSON API
// is that of package github.com/impactmuseum/commerce/examples/server/api,
// under /api/ (with /auth/ for Google and Kakao, /static/ for the demo's
// pictures and /healthz and /readyz); uploaded images are served under
// /media/. Other routers can mount the same handlers. SIGINT or SIGTERM stop the server gracefully: it stops
// accepting connections and lets requests in flight finish.
package main
