package api

import (
	"net/http"

	"github.com/impactmuseum/commerce/examples/internal/web"
)

// Middleware wraps next with what every route of the API needs: security
// headers, a request log, panic recovery and a request timeout. Handler
// already applies it; use it when mounting the handler methods on another
// router.
func (a *API) Middleware(next http.Handler) http.Handler {
	logged := web.Logged(a.log, web.Timeouts{Request: a.timeout, Upload: a.uploadTimeout}, a.InternalError, next)
	return a.Headers(logged)
}

// Headers wraps next with the API's security headers: nosniff, and a
// Content-Security-Policy that lets nothing load, as a JSON API needs
// nothing. Middleware applies it; use it alone when the router brings its
// own logging and recovery (then add Timeout too).
func (a *API) Headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// Timeout bounds each request's context by Options.RequestTimeout, and an
// upload's by Options.UploadTimeout. Middleware applies it.
func (a *API) Timeout(next http.Handler) http.Handler {
	return web.Timeout(web.Timeouts{Request: a.timeout, Upload: a.uploadTimeout}, next)
}

// InternalError answers 500 with the API's problem document, which says
// nothing of the cause: for a router's panic recovery, which has logged
// the cause already.
func (a *API) InternalError(w http.ResponseWriter, r *http.Request) {
	a.writeProblem(w, r, problemDoc{
		Status: http.StatusInternalServerError,
		Detail: "something went wrong on our side; it has been logged",
	})
}
