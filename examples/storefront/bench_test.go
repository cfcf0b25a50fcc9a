package storefront_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkPages renders the busiest pages on memstore, through the
// storefront's whole handler (middleware, session lookup, services,
// templates) but without a network, as a visitor and as a customer with
// a cart: run with -benchmem.
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
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"search", "/?query=" + url.QueryEscape("사과")},
		{"product", "/products/" + jam.ID.String()},
		{"board", "/board"},
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
				b.ReportMetric(float64(bytes), "html-bytes")
			})
		}
	}
}
