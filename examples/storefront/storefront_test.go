package storefront_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestHomeShowsTheEightNewestProducts(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			p := s.client().get("/")
			if p.Status != http.StatusOK {
				t.Fatalf("got %d", p.Status)
			}
			if n := strings.Count(p.Body, `<li class="card">`); n != 8 {
				t.Errorf("got %d product cards, want 8", n)
			}
			for _, want := range []string{`<html lang="ko">`, `name="query"`, "장바구니 <span", `href="/accounts/login"`, `href="/accounts/signup"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("home page lacks %s", want)
				}
			}
			if got := cartCountOf(t, p.Body); got != "0" {
				t.Errorf("cart count %s, want 0", got)
			}
		})
	}
}
