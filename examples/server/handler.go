package main

import (
	"net/http"

	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/examples/storefront"
)

// newHandler serves the JSON API under /api/ (with the routes it owns
// outside it: external sign-in under /auth/, images under /static/ and the
// health checks) and the storefront's pages everywhere else. Both read the
// same session cookie, so a browser has one session and one cart.
func newHandler(a *api.API, shop *storefront.Storefront) http.Handler {
	mux := http.NewServeMux()
	for _, prefix := range []string{"/api/", "/auth/", "/static/", "/healthz", "/readyz"} {
		mux.Handle(prefix, a.Handler())
	}
	mux.Handle("/", shop.Handler())
	return mux
}
