package storefront_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/impactmuseum/commerce/examples/server/api"
)

// BenchmarkPages renders the busiest pages on memstore, through the
// storefront's whole handler (middleware, session lookup, services,
// templates) but without a network, as a visitor and as a guest with a
// cart; beside each, the JSON API's answer of the same reads over the same
// services, as the baseline: run with -benchmem.
func BenchmarkPages(b *testing.B) {
	s := newShop(b)
	jam := s.product("유기농사과잼")
	token, sess, err := s.Accounts.StartGuest(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Carts.Add(context.Background(), guestActor(sess.ID), jam.ID, 2); err != nil {
		b.Fatal(err)
	}
	json := api.New(api.Services{Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board},
		&api.Options{Logger: discardLogger()}).Handler()
	pages := []struct{ name, path, api string }{
		{"home", "/", "/api/products?limit=8"},
		{"search", "/?query=" + url.QueryEscape("사과"), "/api/products?q=" + url.QueryEscape("사과")},
		{"product", "/products/" + jam.ID.String(), "/api/products/" + jam.ID.String()},
		{"board", "/board", "/api/posts"},
	}
	for _, p := range pages {
		b.Run(p.name+"/api-visitor", func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.api, nil)
			var bytes int
			for b.Loop() {
				rec := httptest.NewRecorder()
				json.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: got %d", p.api, rec.Code)
				}
				bytes = rec.Body.Len()
			}
			b.ReportMetric(float64(bytes), "body-bytes")
		})
	}
	for _, who := range []struct {
		name   string
		cookie string
	}{{"visitor", ""}, {"guest-with-cart", token}} {
		for _, p := range pages {
			b.Run(p.name+"/"+who.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, p.path, nil)
				if who.cookie != "" {
					req.AddCookie(&http.Cookie{Name: storefrontCookie, Value: who.cookie})
				}
				var bytes int
				for b.Loop() {
					rec := httptest.NewRecorder()
					s.Handler.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: got %d", p.path, rec.Code)
					}
					bytes = rec.Body.Len()
				}
				b.ReportMetric(float64(bytes), "body-bytes")
			})
		}
	}
}
