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
	logged := web.Logged(a.log, web.Timeouts{Request: a.timeout, Upload: a.uploadTimeout}, func(w http.ResponseWriter, r *http.Request) {
		a.writeProblem(w, r, problemDoc{
			Status: http.StatusInternalServerError,
			Detail: "something went wrong on our side; it has been logged",
		})
	}, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		logged.ServeHTTP(w, r)
	})
}
