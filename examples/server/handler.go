package main

import (
	"net/http"

	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/media"
)

// newHandler serves the JSON API under /api/ (with the routes it owns
// outside it: external sign-in under /auth/, the demo's images under
// /static/ and the health checks), the uploaded images under their
// prefix, and the storefront's pages everywhere else. The API and the
// pages read the same session cookie, so a browser has one session and
// one cart.
func newHandler(a *api.API, shop *storefront.Storefront, images *media.Store) http.Handler {
	mux := http.NewServeMux()
	for _, prefix := range api.Paths {
		mux.Handle(prefix, a.Handler())
	}
	mux.Handle(images.Prefix(), images)
	mux.Handle("/", shop.Handler())
	return mux
}
