// Package testdb gives tests the real services they need: a fresh MySQL
// database or a private Redis key prefix, each removed when the test ends.
//
// # Where the services are
//
// [MySQLDSN] connects to COMMERCE_MYSQL_DSN (default
// root@tcp(127.0.0.1:3306)/) and [RedisURL] to COMMERCE_REDIS_URL (default
// redis://127.0.0.1:6379/0), the standard local ports.
//
// # When a service is missing
//
// A test whose service does not answer is skipped, and the skip message
// names the variable to set, so that go test ./... passes on a fresh
// machine. Under CI=true it fails instead: CI must never pass by skipping.
//
// # Isolation
//
// Each call makes its own database (commerce_test_<random>) or its own key
// prefix (commerce_test_<random>:), so parallel tests and concurrent runs
// never see each other's data, and t.Cleanup drops them afterwards.
// [RedisPrefix] gives a prefix for a Redis the test reaches through a
// client of its own, such as a Redis Cluster or a Sentinel group that the
// test started (package internal/redistest starts them). Keys are
// deleted one per DEL, on every master of a cluster, since a cluster
// refuses a command whose keys lie in different hash slots.
package testdb
