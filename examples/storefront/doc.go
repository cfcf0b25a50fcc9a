// Package storefront is the shop in a browser: server-rendered Korean
// pages over the engine's services, for shoppers and staff, that work with
// JavaScript off.
//
// New returns a Storefront, an http.Handler to mount at "/" beside the
// JSON API of examples/server/api; both read the same session cookie
// (package examples/internal/webauth), so a browser has one session and
// one cart whichever it talks to.
//
// # Pages
//
// The page map is in README.md: the catalog (home with the newest
// products and search, product, brands, problems), accounts (sign-up,
// sign-in, my page), the cart, checkout and orders, and the notice board.
// Search results come newest first or, with ?sort=relevance, best match
// first. With JavaScript on, the header's search box suggests brand and
// product names as the shopper types, from GET /search/suggest, which
// answers the JSON of the API's GET /api/search/suggest.
//
// # Staff pages
//
// Under /staff/, for staff only (a visitor is sent to sign in, a customer
// gets 403, and every change is decided again by its service): problems,
// brands and products (searchable lists, forms with the optimistic version
// check, photos uploaded through the catalog's media store, ordered and
// removed), orders (a list by status, the status machine's moves as
// buttons), notices (pin, unpin, delete) and users (search, promote,
// demote). Forms with files have a deadline of their own
// (Options.UploadTimeout), so a photo over a slow connection is stored.
//
// # Forms
//
// Every form posts to the page's own path and, on success, redirects
// (303 See Other) to the page that shows the result, so a reload never
// posts again. A failed form is shown again with every error next to its
// field, in Korean, and what was typed (never a password). The checkout
// form carries an idempotency key, so a double click places one order.
//
// # Security
//
// Forms posted from another origin are refused (http.CrossOriginProtection).
// Pages carry a Content-Security-Policy without 'unsafe-inline', deny
// framing, and are escaped by html/template. Every permission is decided
// by the services; the pages only hide what a visitor may not use.
//
// # Making it your shop
//
// Options.Templates and Options.Assets replace the embedded templates and
// assets; the handlers stay. Routes returns the handlers by pattern for
// another router.
package storefront
