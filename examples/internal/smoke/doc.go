// Package smoke is the walk through the reference shop that every way of
// serving it must pass: the reference server (examples/server) and the
// router examples (examples/chi, examples/gin, examples/echo) each run
// [Walk] against the shop they serve.
//
// The walk goes through the shop over real HTTP, as a shopper's browser
// (a cookie jar, forms posted with the browser's Origin and
// Sec-Fetch-Site headers, redirects seen one by one) and as an API client
// (a Bearer token, no cookies) do, and checks the status, the content type
// and the content of every answer. Its steps, each a subtest named by
// [Steps]:
//
//   - browse: the home page, a product's page, the brands, a brand's page
//     and the social problems, and the same through the JSON API; the
//     placeholder image, the health checks and the OpenAPI document.
//   - search: the API's search, by newest and by relevance, its
//     suggestions, and the storefront's results page.
//   - sign_up: one customer through the storefront's form, landing signed
//     in, another through POST /api/accounts, read back with GET /api/me.
//   - cart: a product put in the cart through the product page's form and
//     another through the API, each counted in the cart page and GET
//     /api/cart.
//   - checkout: the checkout page's form, ending on the order's page, and
//     POST /api/orders with an Idempotency-Key, repeated to the same order.
//   - board: the notice board's page and a notice's, and the same through
//     the API.
//   - errors: unknown routes and pages, a wrong method, a bad query and a
//     form posted from another site.
//   - security_headers: nosniff and a Content-Security-Policy on the API's
//     answers and on the pages.
//   - sign_out: the API's session and the page's end, and their tokens no
//     longer sign anyone in.
//
// The walk expects the demo shop (package examples/internal/shop:
// shop.OpenDemo) and makes new accounts with usernames of its own run, so
// that it may run again against the same shop. It uses only the standard
// library.
package smoke
