// Command loadtest measures the reference server (examples/server) from a
// second process: requests per second and latency percentiles of the
// storefront's hot paths, with the number of failed requests. It drives
// one instance, or several that share one database and one Redis, each
// request going to the next instance in turn.
//
// # Scenarios
//
// Each scenario runs for -duration with -concurrency workers, one after
// another, each worker sending its next request when the last one has
// been answered (a closed loop):
//
//   - home: GET /api/products?limit=8, the front page.
//   - search: GET /api/products?q=<-q, default 사과>, percent-encoded.
//   - product: GET /api/products/{id}, one product, the products of the
//     catalog's first page (newest first, up to 20) taken in turn.
//   - cart: GET /api/cart with a customer's Bearer token, the customers
//     taken in turn; every cart holds two products.
//   - order: the checkout, POST /api/orders: a buy-now of one unit of a
//     product made for the run, to a typed address, paid by "card", with
//     a new Idempotency-Key each time and the customers taken in turn. With
//     -products above 1 the orders go to that many products in turn;
//     with 1 (the default) they all take stock from one product, the
//     hardest case for a database, which must serialise them.
//   - page-home, page-search, page-product, page-board: the storefront's
//     HTML pages as a visitor without a session: /, /?query=<-q>,
//     /products/{the newest product} and /board.
//
// # Several instances
//
// -url takes one base URL or several, separated by commas. Requests are
// numbered as the workers send them, and request n goes to instance n
// mod the number of instances: the instances take turns request by
// request, whatever worker sends it, so each gets the same share (within
// one request) however fast it answers. The customers and the products
// are taken in turn by round of the instances rather than by request, so
// that every customer's token is used on every instance. The setup also
// goes to the instances in turn: the staff signs in on the first and makes
// the products on the others, and each customer signs up on one instance
// and fills the cart through the next. This works only when the instances
// share a database and a Redis (as a deployment behind a load balancer
// does); when they do not, the setup fails before any clock runs. With
// several instances, the table gets a column of the requests each
// instance took, in the order of -url.
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
// A Markdown table: scenario, requests, rps, p50, p99, max and errors (and
// the requests per instance, with several). Every latency is kept and
// sorted, so the percentiles are exact (nearest rank).
// Any transport error or non-2xx answer counts as an error; the first few
// are printed with the start of their answer, and the command then exits
// with status 1. Bad flags exit with status 2.
//
// # Usage
//
//	go run ./examples/loadtest -staff admin:Quokka-lantern-93
//	go run ./examples/loadtest -scenarios home,search -duration 30s -concurrency 64
//	go run ./examples/loadtest -url http://127.0.0.1:8081,http://127.0.0.1:8082 -staff admin:Quokka-lantern-93
//
// examples/loadtest/instances.sh starts N instances on a new MariaDB
// database and Redis prefix, runs the tool against them and removes
// everything after; see README.md.
//
// The flags:
//
//	-url          base URL of the server, or comma-separated base URLs of
//	              several instances (http://127.0.0.1:8080)
//	-duration     how long each scenario runs (10s; at most 10m)
//	-concurrency  workers per scenario (16)
//	-users        customers to sign up (32)
//	-products     products made for the order scenario, bought in turn (1)
//	-staff        user:pass of a staff account; required by the order scenario
//	-scenarios    comma-separated, run in the order home, search, product,
//	              cart, order, page-home, page-search, page-product,
//	              page-board (all)
//	-q            search term of the search scenario (사과)
//	-timeout      timeout of one request (15s)
//	-max-requests most requests one scenario sends (5000000)
package main
