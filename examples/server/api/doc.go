// Package api is the JSON API of the reference server: net/http handlers
// over the catalog, account, cart, order and board services, and the
// optional webhook service, that any router can mount.
//
// # Mounting
//
// [New] returns an [API]. [API.Handler] is a complete http.Handler with
// every route, the middleware, and problem documents for unknown routes
// (404) and wrong methods (405). To mount the routes on another router,
// register the handler methods ([API.ListProducts], [API.SignIn], …) on the
// same paths; wrap the session routes (SignUp, SignIn, SignOut,
// SocialLogin, SocialCallback) with [API.AuthenticateForSignIn], the other
// /api/ routes with [API.Authenticate], and everything with
// [API.Middleware]. The handlers read path parameters with
// http.Request.PathValue ("id", "product_id", "provider", and "path" for
// [API.Static]);
// a router that does not fill them in must call http.Request.SetPathValue
// first.
//
// # Routes
//
//	GET    /api/products          ?q= &phrase= &sort= &brand_id= &limit= &cursor=  newest first, or by relevance
//	GET    /api/products/{id}     a product
//	POST   /api/products          staff: 201 product
//	PATCH  /api/products/{id}     staff: the fields present change
//	DELETE /api/products/{id}     staff: 204
//	GET    /api/brands            ?q= &phrase= &problem_id= &limit= &cursor=  newest first
//	GET    /api/brands/{id}       a brand with "products" and "products_next_cursor"
//	POST, PATCH, DELETE /api/brands[/{id}]      staff
//	GET    /api/problems          every problem, oldest first
//	GET    /api/problems/{id}     a problem with "brands" and "brands_next_cursor"
//	POST, PATCH, DELETE /api/problems[/{id}]    staff; 409 for a problem with brands
//	GET    /api/search/suggest    ?q=  {"suggestions": [{"kind", "id", "name"}…]}, at most 8
//	POST   /api/media             staff: multipart "file", an image: 201 its URL and sizes
//	POST   /api/accounts          sign up: 201 {"token", "account"} and the cookie
//	POST   /api/session           sign in: 200 {"token", "account"} and the cookie
//	DELETE /api/session           sign out: 204, the session ends on every server
//	GET    /api/me                the account
//	PATCH  /api/me                username, nickname, email, interests
//	POST   /api/me/password       current_password, new_password: 204
//	GET    /auth/{provider}/login     ?next=/path: 302 to Google or Kakao
//	GET    /auth/{provider}/callback  ?code= &state=: the session, 302 to next
//	GET    /api/cart              the cart of the customer or guest session
//	POST   /api/cart/items        product_id, quantity (default 1): adds to the line
//	PUT    /api/cart/items/{product_id}  quantity (0 removes)
//	DELETE /api/cart/items/{product_id}  the line goes
//	GET    /api/addresses         signed in: the address book
//	POST   /api/addresses         signed in: 201 address
//	DELETE /api/addresses/{id}    signed in: 204
//	POST   /api/orders            Idempotency-Key header; the cart or one product: 201 order
//	GET    /api/orders            ?limit= &cursor=  the caller's orders, newest first
//	GET    /api/orders/{id}       the owner or staff, else 404
//	POST   /api/orders/{id}/cancel    the owner before shipping, or staff
//	POST   /api/orders/{id}/status    staff: status
//	GET    /api/admin/orders      ?status= &limit= &cursor=  staff: every order
//	GET    /api/posts             ?page= &category=  the pinned posts and a page of ten
//	GET    /api/posts/{id}        a post
//	POST   /api/posts             staff: 201 post
//	PATCH  /api/posts/{id}        the author: the fields present change
//	DELETE /api/posts/{id}        the author or staff: 204
//	GET    /api/admin/webhooks    ?limit= &cursor=  staff: the webhook endpoints, newest first
//	POST   /api/admin/webhooks    staff: url, event_types, description, enabled: 201 with its secret
//	GET    /api/admin/webhooks/{id}   staff: an endpoint and its health, no secret
//	PATCH  /api/admin/webhooks/{id}   staff: url, event_types, description, enabled, version
//	DELETE /api/admin/webhooks/{id}   staff: 204, with its deliveries
//	POST   /api/admin/webhooks/{id}/secret      staff: a new secret, shown once
//	GET    /api/admin/webhooks/{id}/deliveries  ?limit= &cursor=  staff: its deliveries, newest first
//	GET    /api/openapi.json      the OpenAPI 3.1 document of these routes
//	GET    /healthz               200 while the process runs
//	GET    /readyz                200 while Options.Ready succeeds, else 503
//	GET    /static/placeholder.svg  the cover of a product without images
//	GET    /static/{path...}      the files of Options.Static, if any
//
// Lists are {"items": [...], "next_cursor": "…" | null}; pass next_cursor
// back as ?cursor= for the next page. limit is 1..100 and defaults to 20.
// The brand's "products_next_cursor" continues through
// /api/products?brand_id=…&cursor=…, and the problem's "brands_next_cursor"
// through /api/brands?problem_id=…&cursor=….
//
// # OpenAPI
//
// openapi.yaml, embedded in the package, is the OpenAPI 3.1 document of
// every route above: its parameters and body, each status it answers with
// that answer's headers and schema (the problem document of each error
// status, with its "errors"), and who may call it (the "session" cookie or
// a Bearer token). GET /api/openapi.json serves it as JSON, cached like a
// static file, and [LoadOpenAPI] returns it for a program to extend or to
// generate a client from. 405 is in components.responses rather than in
// each operation, as any path of the API may answer it. The package's
// tests keep the document true: every route is an operation and every
// operation a route, and every request they send and every answer they
// get is checked against it.
//
// # Search
//
// q finds the products whose name or brand's name holds every word of it,
// each word in either, with spacing, case, full-width letters and Latin
// accents ignored (package catalog, ParseSearch): "사과 잼", "사과잼" and
// "잼 사과" all find 유기농사과잼, and "cafe" finds "Café". A q of more
// than 8 words, of more than 200 characters or not UTF-8 is a 400 naming
// q. phrase=true makes q one exact phrase, spaces included; phrase takes
// true or false, anything else is a 400 naming phrase. Brands are searched
// by their own name alone.
//
// sort=relevance lists the products that match best first: those whose
// name holds every word and starts with the first, then those whose name
// holds every word, then those matched through their brand's name, each
// group newest first. sort=newest, the default, lists them newest first;
// any other sort is a 400 naming sort. Each order has its own cursors:
// pass a relevance page's next_cursor back with the same q and
// sort=relevance; given to the newest order (or a newest cursor to
// relevance) it is a 400 naming cursor.
//
// GET /api/search/suggest offers what a search box may complete q to, in
// a drop-down: the brands whose name holds every word (at most 4), then
// the products whose own name does, best first, each name once. A blank q
// has no suggestions; a q that the products list refuses is a 400 naming
// q. The answer is the same for everyone, so it carries Cache-Control:
// public, max-age=60 (private when it clears a dead session cookie).
//
// An account is {"id", "username", "nickname", "email", "interests": [problem
// ids], "staff", "identities": ["google", "kakao"], "has_password",
// "created_at", "cart_count"}. No answer ever holds a password hash.
//
// A cart is {"items": [{"product", "quantity", "line_total"}], "count",
// "subtotal"}; an order {"id", "number", "status", "lines": [{"product_id",
// "name", "unit_price", "quantity", "line_total"}], "subtotal", "total",
// "address", "payment_method", "placed_at", "updated_at"}; a post {"id",
// "number", "title", "category", "category_label", "body", "pinned",
// "author": {"id", "nickname"}, "created_at", "updated_at"}, whose number is
// null for pinned posts and a post read on its own. The board's listing is
// {"pinned", "items", "page", "pages", "total"}.
//
// # Guests and checkout
//
// A visitor without a session who puts something in the cart gets a guest
// session and its cookie, as a sign-in does; reading the cart or removing
// from it starts none. Signing in from a guest session merges its cart into
// the customer's, when the account service was given the cart service as
// account.Options.GuestCarts, and replaces the cookie.
//
// A cart item whose product can no longer be bought (priced in another
// currency than the shop's, from before the catalog refused that) carries
// "unavailable" with the reason; it is in neither "count" nor "subtotal",
// and checkout refuses the cart until it is removed.
//
// POST /api/orders needs an Idempotency-Key header (400 without): the same
// key with the same body returns the same order, with another body it is
// 409. A product out of stock is 409 with "errors" naming product_id; an
// empty cart is 422 naming source; a status change the order does not
// allow is 409.
//
// # Authentication
//
// Sign-up and sign-in answer with a token and set it as the cookie
// "session" (HttpOnly, SameSite=Lax, Path=/, Secure over TLS or with
// Options.SecureCookies, expiring with the session). A client sends it back
// as that cookie or as "Authorization: Bearer <token>". A Bearer token whose
// session has ended gets 401; a dead cookie makes the request anonymous
// and is cleared. A session store that does not answer gets 503, never an
// anonymous pass.
//
// Writes (any method but GET, HEAD and OPTIONS) that do not carry a Bearer
// token and that a browser marks as coming from another origin
// (Sec-Fetch-Site, Origin) get 403, whether or not they carry the cookie:
// no other site can act with a visitor's session, nor sign a visitor in to
// an account of its choosing. Options.TrustedOrigins admits a front-end on
// another origin.
//
// Failed sign-ins are counted per username and client, per username and
// per client, and sign-ups per client (package account documents the
// limits); Options.ClientIP says who the client is (the TCP peer by
// default, as no proxy header can be trusted unless the deployment says
// so).
//
// Google and Kakao sign-in (Options.Providers) use OpenID Connect's
// authorization-code flow with PKCE and a nonce (package account/social).
// The login route has the provider keep the state, the verifier, the nonce
// and next in its Config.States for ten minutes, and sets the state alone
// in a cookie (auth_state: HttpOnly, SameSite=Lax, Path=/auth/, as long);
// the callback clears the cookie, and the provider completes the sign-in
// only for the cookie's state and only once, so that a replayed callback
// fails (400). A provider that refuses the shop's settings (a wrong client
// secret) gives 503 and an ERROR in the log. A signed-in visitor who
// completes a sign-in gets the identity linked to their account. next must be a path of this site ("/…" but not "//…" or "/\…"),
// else the callback goes to "/". A provider that is not configured answers
// 404.
//
// # Webhooks
//
// With Services.Webhooks (package webhook), staff register the URLs that
// receive the shop's events as signed POSTs (Standard Webhooks) and follow
// them under /api/admin/webhooks; without it those routes answer 404
// ("webhooks are not configured"), though they are routes all the same.
// An endpoint is {"id", "url", "event_types", "description", "enabled",
// "disabled_at", "disabled_reason", "failing_since", "given_up",
// "created_at", "updated_at", "version"}, the times and the reason null
// while they do not apply. Its "secret" is in two answers only, its
// registration's (201) and a rotation's (POST …/secret); every webhook
// answer is Cache-Control: no-store. A URL that the service refuses — not
// https, with a user name, or naming a loopback, private or link-local
// address, unless webhook.Options allow them — is 422 naming url, an
// unknown event type 422 naming event_types. In a PATCH no field may be
// null; "enabled": true enables a disabled endpoint and clears what
// counted against it. A delivery is {"id", "endpoint_id", "event_id",
// "event_type", "status" (pending, delivered or failed), "attempts",
// "created_at", "first_attempt_at", "last_attempt_at", "next_attempt_at",
// "last_status_code", "last_error"}, without the event's body. The OpenAPI
// document lists the events themselves under webhooks.
//
// # Request bodies
//
// Bodies are JSON objects of at most Options.MaxBodyBytes (1 MiB by
// default; more gets 413), sent as Content-Type: application/json (else
// 415). Fields are matched by their exact names. A body that is not one
// JSON object, that has an unknown field or a field of the wrong JSON type
// gets 400 with "errors" naming those fields; a body that decodes but whose
// values fail validation gets 422 with "errors" naming every failing field.
// In a PATCH, an absent field stays as it is, and null clears brand_id and
// stock; "version", when given, must be the version last read (else 409).
//
// # Errors
//
// Every error is an application/problem+json document (RFC 9457):
//
//	{"type": "about:blank", "title": "Bad Request", "status": 400,
//	 "detail": "…", "errors": {"limit": "must be a whole number from 1 to 100"}}
//
// "errors" appears when fields are at fault and names each of them. The
// status comes from the kind of the error (commerce.ErrInvalid → 400 from
// the path or query, 422 from a body; ErrNotFound → 404, ErrConflict → 409,
// ErrUnauthenticated → 401, ErrForbidden → 403, ErrTooManyRequests → 429
// and ErrUnavailable → 503, both with Retry-After), in one table; any other
// error is a 500 whose detail says nothing of the cause, which goes to the
// log instead. Bad input is never a 500.
//
// # Middleware
//
// [API.Middleware] logs each request with log/slog (method, path, status,
// bytes, duration; never a header, a query string or a body, so never a
// password, a token or an authorization code), turns a panic into a 500
// problem and a log line, bounds each request's context by
// Options.RequestTimeout, and sets X-Content-Type-Options: nosniff and a
// Content-Security-Policy that lets nothing load, as a JSON API needs
// nothing.
package api
