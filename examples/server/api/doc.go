// Package api is the JSON API of the reference server: net/http handlers
// over catalog.Service that any router can mount.
//
// # Mounting
//
// [New] returns an [API]. [API.Handler] is a complete http.Handler with
// every route, the middleware, and problem documents for unknown routes
// (404) and wrong methods (405). To mount the routes on another router,
// register the handler methods ([API.ListProducts], [API.GetProduct], …)
// on the same paths and wrap them with [API.Middleware]. The handlers read
// path parameters with http.Request.PathValue ("id", and "path" for
// [API.Static]); a router that does not fill them in must call
// http.Request.SetPathValue first.
//
// # Routes
//
//	GET /api/products          ?q= &brand_id= &limit= &cursor=  newest first
//	GET /api/products/{id}     a product
//	GET /api/brands            ?problem_id= &limit= &cursor=    newest first
//	GET /api/brands/{id}       a brand with "products" and "products_next_cursor"
//	GET /api/problems          every problem, oldest first
//	GET /api/problems/{id}     a problem with "brands" and "brands_next_cursor"
//	GET /healthz               200 while the process runs
//	GET /readyz                200 while Options.Ready succeeds, else 503
//	GET /static/placeholder.svg  the cover of a product without images
//	GET /static/{path...}      the files of Options.Static, if any
//
// Lists are {"items": [...], "next_cursor": "…" | null}; pass next_cursor
// back as ?cursor= for the next page. limit is 1..100 and defaults to 20.
// The brand's "products_next_cursor" continues through
// /api/products?brand_id=…&cursor=…, and the problem's "brands_next_cursor"
// through /api/brands?problem_id=…&cursor=….
//
// # Errors
//
// Every error is an application/problem+json document (RFC 9457):
//
//	{"type": "about:blank", "title": "Bad Request", "status": 400,
//	 "detail": "…", "errors": {"limit": "must be a whole number from 1 to 100"}}
//
// "errors" appears when fields are at fault and names each of them. The
// status comes from the kind of the error (commerce.ErrInvalid → 400,
// ErrNotFound → 404, ErrConflict → 409, ErrUnauthenticated → 401,
// ErrForbidden → 403, ErrTooManyRequests → 429 and ErrUnavailable → 503,
// both with Retry-After), in one table;
// any other error is a 500 whose detail says nothing of the cause, which
// goes to the log instead. Bad input is never a 500.
//
// # Middleware
//
// [API.Middleware] logs each request with log/slog (method, path, status,
// bytes, duration; never a header), turns a panic into a 500 problem and a
// log line, bounds each request's context by Options.RequestTimeout, and
// sets X-Content-Type-Options: nosniff and a Content-Security-Policy that
// lets nothing load, as a JSON API needs nothing.
package api
