package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

// The reference server serves the storefront at / and the JSON API under
// /api/, with one session for both: a guest cart filled through the API
// is the cart the pages count, and a route of neither gets the API's
// problem document under /api/ and the shop's page elsewhere.
func TestRunServesTheShopBesideTheAPI(t *testing.T) {
	s := startRun(t, nil, nil)
	s.waitReady(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	fetch := func(method, path, body string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	res, home := fetch(http.MethodGet, "/", "")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if n := strings.Count(home, `<li class="card">`); n != 8 {
		t.Errorf("GET /: %d product cards, want 8", n)
	}
	if !strings.Contains(home, `장바구니 <span class="count">0</span>`) {
		t.Error("GET /: the header does not show an empty cart")
	}

	var page struct {
		Items []struct{ ID string } `json:"items"`
	}
	if status := s.get(t, "/api/products?limit=1", &page); status != http.StatusOK || len(page.Items) != 1 {
		t.Fatalf("GET /api/products: %d %+v", status, page)
	}
	res, _ = fetch(http.MethodPost, "/api/cart/items", `{"product_id":"`+page.Items[0].ID+`","quantity":3}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/cart/items: %d", res.StatusCode)
	}
	_, home = fetch(http.MethodGet, "/", "")
	if !strings.Contains(home, `장바구니 <span class="count">3</span>`) {
		t.Error("the page does not count the cart the API filled: one session for both")
	}

	res, body := fetch(http.MethodGet, "/api/nope", "")
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /api/nope: %d %s, want the API's 404 problem", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, body = fetch(http.MethodGet, "/nope", "")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "페이지를 찾을 수 없습니다") {
		t.Errorf("GET /nope: %d, want the shop's 404 page", res.StatusCode)
	}
	if status := s.get(t, "/static/placeholder.svg", nil); status != http.StatusOK {
		t.Errorf("GET /static/placeholder.svg: %d", status)
	}
	s.stop(t)
}
