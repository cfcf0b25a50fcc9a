// Command loadtest measures the reference server (examples/server) from a
// second process: requests per second and latency percentiles of the
// storefront's hot paths, with the number of failed requests.
//
// # Scenarios
//
// Each scenario runs for -duration with -concurrency workers, one after
// another, each worker sending its next request when the last one has
// been answered (a closed loop):
//
//   - home: GET /api/products?limit=8, the front page.
//   - search: GET /api/products?q=<-q, default 사과>, percent-encoded.
//   - cart: GET /api/cart with a customer's Bearer token, the customers
//     taken in turn; every cart holds two products.
//   - order: POST /api/orders, a buy-now of one unit of a product made
//     for the run, to a typed address, paid by "card", with a new
//     Idempotency-Key each time and the customers taken in turn. With
//     -products above 1 the orders go to that many products in turn;
//     with 1 (the default) they all take stock from one product, the
//     hardest case for a database, which must serialise them.
//
// # Setup
//
// Before any clock runs, loadtest signs in as the -staff account and
// creates -products products with the largest stock the catalog accepts
// (so the order scenario never sells out), then signs up -users customers with
// names unique to the run and puts two products in each cart. Sign-up
// hashes a password on the server, which is slow on purpose; that is why
// it is not part of a scenario. Every run leaves its product, customers
// and orders behind: point it at a server whose data you can throw away.
//
// # Output
//
// A Markdown table: scenario, requests, rps, p50, p99, max and errors. Every
// latency is kept and sorted, so the percentiles are exact (nearest rank).
// Any transport error or non-2xx answer counts as an error; the first few
// are printed with the start of their answer, and the command then exits
// with status 1. Bad flags exit with status 2.
//
// # Usage
//
//	go run ./examples/loadtest -staff admin:Quokka-lantern-93
//	go run ./examples/loadtest -scenarios home,search -duration 30s -concurrency 64
//
// The flags:
//
//	-url          base URL of the server (http://127.0.0.1:8080)
//	-duration     how long each scenario runs (10s; at most 10m)
//	-concurrency  workers per scenario (16)
//	-users        customers to sign up (32)
//	-products     products made for the order scenario, bought in turn (1)
//	-staff        user:pass of a staff account; required by the order scenario
//	-scenarios    comma-separated, run in the order home, search, cart, order (all)
//	-q            search term of the search scenario (사과)
//	-timeout      timeout of one request (15s)
//	-max-requests most requests one scenario sends (5000000)
package main
