package storefront_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestEveryPageCarriesTheSecurityHeaders(t *testing.T) {
	s := newShop(t)
	c := s.client()
	for _, path := range []string{"/", "/brands", "/nope", "/products/not-an-id", "/assets/style.css", "/search/suggest?q=%EC%82%AC%EA%B3%BC"} {
		p := c.get(path)
		csp := p.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q allows inline code", path, csp)
		}
		if got := p.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q, want DENY", path, got)
		}
		if got := p.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", path, got)
		}
	}
}

func TestNoInlineScriptOrStyle(t *testing.T) {
	s := newShop(t)
	c := s.client()
	jam := s.product("유기농사과잼")
	for _, path := range []string{"/", "/?query=사과", "/products/" + jam.ID.String(), "/brands", "/problems", "/nope"} {
		p := c.get(path)
		for _, bad := range []string{"<script>", " style=", "<style", "javascript:", " onclick=", " onload="} {
			if strings.Contains(p.Body, bad) {
				t.Errorf("%s: the page has %q, which the Content-Security-Policy blocks", path, bad)
			}
		}
	}
}

func TestErrorPagesAreTheShopsOwn(t *testing.T) {
	s := newShop(t)
	c := s.client()
	for _, tc := range []struct {
		name   string
		path   string
		status int
		words  string
	}{
		{"unknown path", "/nope", http.StatusNotFound, "페이지를 찾을 수 없습니다"},
		{"malformed product id", "/products/%27%3Cscript%3E", http.StatusNotFound, "페이지를 찾을 수 없습니다"},
		{"missing product", "/products/0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c", http.StatusNotFound, "페이지를 찾을 수 없습니다"},
		{"missing brand", "/brands/0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c", http.StatusNotFound, "페이지를 찾을 수 없습니다"},
		{"malformed brand id", "/brands/x", http.StatusNotFound, "페이지를 찾을 수 없습니다"},
		{"malformed problem id", "/problems/x", http.StatusNotFound, "페이지를 찾을 수 없습니다"},
		{"mangled cursor", "/brands?cursor=zz", http.StatusBadRequest, "잘못된 요청입니다"},
		{"mangled search cursor", "/?query=%EC%82%AC&cursor=zz", http.StatusBadRequest, "다음 페이지 주소가 올바르지 않습니다"},
		{"query too long", "/?query=" + strings.Repeat("가", 300), http.StatusBadRequest, "검색어는"},
		{"missing asset", "/assets/nope.css", http.StatusNotFound, "페이지를 찾을 수 없습니다"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.get(tc.path)
			if p.Status != tc.status {
				t.Fatalf("got %d, want %d", p.Status, tc.status)
			}
			if !strings.Contains(p.Body, tc.words) {
				t.Errorf("the page does not say %q:\n%s", tc.words, p.Body)
			}
			if !strings.Contains(p.Body, `href="/cart"`) || !strings.Contains(p.Body, `name="query"`) {
				t.Errorf("the error page lacks the shop's header")
			}
			if got := p.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
		})
	}
}

func TestMethodNotAllowedIsAPage(t *testing.T) {
	s := newShop(t)
	p := s.client().post("/brands", url.Values{})
	if p.Status != http.StatusMethodNotAllowed || p.Header.Get("Allow") == "" {
		t.Fatalf("got %d, Allow %q; want 405 with Allow", p.Status, p.Header.Get("Allow"))
	}
	if !strings.Contains(p.Body, "허용되지 않은 요청입니다") {
		t.Errorf("the page does not explain:\n%s", p.Body)
	}
}

// A page of another site cannot make a visitor's browser post the shop's
// forms: the browser tells where the form came from, and the shop refuses
// it before anything happens.
func TestFormsFromAnotherOriginAreRefused(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	c := s.client()
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/cart/items",
			strings.NewReader(url.Values{"product_id": {jam.ID.String()}, "quantity": {"1"}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		p := c.do(req)
		if p.Status != http.StatusForbidden {
			t.Errorf("%v: got %d, want 403", h, p.Status)
		}
		if !strings.Contains(p.Body, "다른 사이트에서 보낸 양식") {
			t.Errorf("%v: the page does not explain:\n%s", h, p.Body)
		}
		if c.cookie(storefrontCookie) != "" {
			t.Errorf("%v: a session started for a refused form", h)
		}
	}
}

func TestHugeFormsAreRefused(t *testing.T) {
	s := newShop(t)
	p := s.client().post("/accounts/login", url.Values{"username": {strings.Repeat("a", 100<<10)}, "password": {"x"}})
	if p.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %d, want 413", p.Status)
	}
}

func TestAssetsAreCachedByVersion(t *testing.T) {
	s := newShop(t)
	c := s.client()
	home := c.get("/")
	i := strings.Index(home.Body, `href="/assets/style.css?v=`)
	if i < 0 {
		t.Fatal("the home page does not link the versioned stylesheet")
	}
	link := home.Body[i+len(`href="`):]
	link = link[:strings.IndexByte(link, '"')]
	p := c.get(link)
	if p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("%s: got %d %q", link, p.Status, p.Header.Get("Content-Type"))
	}
	if got := p.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("versioned asset: Cache-Control %q, want immutable", got)
	}
	if got := c.get("/assets/style.css").Header.Get("Cache-Control"); strings.Contains(got, "immutable") {
		t.Errorf("unversioned asset: Cache-Control %q must not be immutable", got)
	}
}

func TestHomePageIsSmall(t *testing.T) {
	s := newShop(t)
	p := s.client().get("/")
	if len(p.Body) > 30<<10 {
		t.Errorf("the home page is %d bytes, want under 30 KB", len(p.Body))
	}
}
