package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/impactmuseum/commerce/examples/internal/serve"
	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/internal/smoke"
)

// syncBuffer is a log's destination that the server's goroutines write
// while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// openDemo returns the demo shop and a logger into the returned buffer.
func openDemo(t *testing.T) (*shop.Demo, *slog.Logger, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	d, err := shop.OpenDemo(t.Context(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Images.Close() })
	return d, log, logs
}

// The parts of an http.ServeMux pattern that echoRoutes translates.
var (
	restParam = regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_]*\.\.\.\}$`)
	endAnchor = regexp.MustCompile(`\{\$\}$`)
	param     = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// echoRoutes translates an http.ServeMux pattern into the "METHOD path"
// routes echo should have for it (HEAD beside GET), independently of
// parsePattern, for comparing route tables.
func echoRoutes(pattern string) []string {
	method, path, _ := strings.Cut(pattern, " ")
	path = restParam.ReplaceAllString(path, "*")
	path = endAnchor.ReplaceAllString(path, "")
	path = param.ReplaceAllString(path, ":$1")
	routes := []string{method + " " + path}
	if method == http.MethodGet {
		routes = append(routes, http.MethodHead+" "+path)
	}
	return routes
}

// TestRouteTable checks that echo's own route table holds every route of
// the API and of the storefront (GET with HEAD, as http.ServeMux matches
// HEAD with GET), and the image prefix, and nothing else: no catch-all
// that would hide a route from the router or turn its 405 into a 404.
func TestRouteTable(t *testing.T) {
	d, log, _ := openDemo(t)
	e := newRouter(d, log)

	want := map[string]bool{}
	for _, routes := range []map[string]http.Handler{d.API.Routes(), d.Storefront.Routes()} {
		for pattern := range routes {
			for _, r := range echoRoutes(pattern) {
				if want[r] {
					t.Errorf("route %s twice in the API's and the storefront's routes", r)
				}
				want[r] = true
			}
		}
	}
	want["GET "+d.Images.Prefix()+"*"] = true
	want["HEAD "+d.Images.Prefix()+"*"] = true

	got := map[string]bool{}
	for _, r := range e.Routes() {
		key := r.Method + " " + r.Path
		if got[key] {
			t.Errorf("echo has route %s twice", key)
		}
		got[key] = true
	}
	var missing, extra []string
	for r := range want {
		if !got[r] {
			missing = append(missing, r)
		}
	}
	for r := range got {
		if !want[r] {
			extra = append(extra, r)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	for _, r := range missing {
		t.Errorf("echo lacks route %s", r)
	}
	for _, r := range extra {
		t.Errorf("echo has route %s, which is neither the API's nor the storefront's nor the images'", r)
	}
	if len(want) < 60 {
		t.Errorf("only %d routes expected: the API's and the storefront's tables look empty", len(want))
	}
}

// TestSmokeWalk walks through the shop as a browser and an API client do
// (package smoke), against the echo router.
func TestSmokeWalk(t *testing.T) {
	d, log, _ := openDemo(t)
	srv := httptest.NewServer(newRouter(d, log))
	defer srv.Close()
	smoke.Walk(t, srv.URL)
}

func TestParsePattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, path, wildcard string
		methods                 []string
	}{
		{"GET /{$}", "/", "", []string{"GET", "HEAD"}},
		{"GET /products/{id}", "/products/:id", "", []string{"GET", "HEAD"}},
		{"POST /cart/items/{product_id}/delete", "/cart/items/:product_id/delete", "", []string{"POST"}},
		{"GET /static/{path...}", "/static/*", "path", []string{"GET", "HEAD"}},
		{"DELETE /api/session", "/api/session", "", []string{"DELETE"}},
	} {
		rt := parsePattern(tc.pattern)
		if rt.path != tc.path || rt.wildcard != tc.wildcard || !slices.Equal(rt.methods, tc.methods) {
			t.Errorf("parsePattern(%q) = %+v, want path %q, wildcard %q, methods %v",
				tc.pattern, rt, tc.path, tc.wildcard, tc.methods)
		}
	}
	for _, bad := range []string{"/no-method", "GET", "GET /a/{path...}/b", "GET /a/{$}/b", "GET /a:b", "GET /x{id}", "GET /a/*"} {
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), bad) {
					t.Errorf("parsePattern(%q) panicked with %v, want a panic naming the route", bad, v)
				}
			}()
			parsePattern(bad)
		}()
	}
}

// send sends method to srv's path with the headers given as name, value
// pairs and returns the answer with its body read.
func send(t *testing.T, srv *httptest.Server, method, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// wantProblem checks that resp is a problem document of status.
func wantProblem(t *testing.T, what string, resp *http.Response, body string, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d; body %s", what, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var doc struct {
		Status int `json:"status"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Status != status {
		t.Errorf("%s: body %s is not a problem document of status %d (%v)", what, body, status, err)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("%s: Content-Security-Policy %q, want the API's", what, csp)
	}
}

// wantPage checks that resp is the shop's HTML page of status.
func wantPage(t *testing.T, what string, resp *http.Response, body string, status int, title string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d", what, resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want text/html", what, ct)
	}
	if !strings.Contains(body, title) {
		t.Errorf("%s: the page lacks %q:\n%s", what, title, body)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: X-Frame-Options %q, want the storefront's DENY", what, resp.Header.Get("X-Frame-Options"))
	}
}

// TestLogRequestIDAndErrors checks that the request log holds neither
// query strings nor headers, that every answer carries a request id that
// the log names, and that the router's 404 and 405 are the API's problem
// documents under the API's paths and the shop's pages elsewhere.
func TestLogRequestIDAndErrors(t *testing.T) {
	d, log, logs := openDemo(t)
	srv := httptest.NewServer(newRouter(d, log))
	defer srv.Close()

	resp, body := send(t, srv, http.MethodGet, "/api/products?q="+url.QueryEscape("비밀검색어"),
		"Cookie", "session=SECRETCOOKIE", "User-Agent", "SECRETAGENT", "Referer", "http://example.com/SECRETREFERER")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("search: status %d: %s", resp.StatusCode, body)
	}
	searchID := resp.Header.Get(echo.HeaderXRequestID)
	if searchID == "" {
		t.Error("search: no X-Request-Id in the answer")
	}
	resp, _ = send(t, srv, http.MethodGet, "/auth/google/callback?code=SECRETCODE&state=SECRETSTATE")
	if resp.Header.Get(echo.HeaderXRequestID) == "" || resp.Header.Get(echo.HeaderXRequestID) == searchID {
		t.Errorf("callback: X-Request-Id %q, want a new one", resp.Header.Get(echo.HeaderXRequestID))
	}

	resp, body = send(t, srv, http.MethodGet, "/api/nothing-here")
	wantProblem(t, "GET /api/nothing-here", resp, body, http.StatusNotFound)
	resp, body = send(t, srv, http.MethodPut, "/api/products")
	wantProblem(t, "PUT /api/products", resp, body, http.StatusMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("PUT /api/products: Allow %q, want the API's GET, HEAD, POST", allow)
	}
	resp, body = send(t, srv, http.MethodPost, "/healthz")
	wantProblem(t, "POST /healthz", resp, body, http.StatusMethodNotAllowed)
	resp, body = send(t, srv, http.MethodGet, "/api/products/a/b")
	wantProblem(t, "GET /api/products/a/b", resp, body, http.StatusNotFound)
	resp, body = send(t, srv, http.MethodGet, "/api")
	wantProblem(t, "GET /api", resp, body, http.StatusNotFound)
	resp, body = send(t, srv, http.MethodGet, "/static/nothing.png")
	wantProblem(t, "GET /static/nothing.png", resp, body, http.StatusNotFound)

	resp, body = send(t, srv, http.MethodGet, "/no-such-page")
	wantPage(t, "GET /no-such-page", resp, body, http.StatusNotFound, "페이지를 찾을 수 없습니다")
	resp, body = send(t, srv, http.MethodGet, "/apis")
	wantPage(t, "GET /apis", resp, body, http.StatusNotFound, "페이지를 찾을 수 없습니다")
	resp, body = send(t, srv, http.MethodGet, "/products/a/b")
	wantPage(t, "GET /products/a/b", resp, body, http.StatusNotFound, "페이지를 찾을 수 없습니다")
	resp, body = send(t, srv, http.MethodDelete, "/cart")
	wantPage(t, "DELETE /cart", resp, body, http.StatusMethodNotAllowed, "허용되지 않은 요청입니다")
	if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("DELETE /cart: Allow %q, want the storefront's GET, HEAD", allow)
	}
	resp, _ = send(t, srv, http.MethodHead, "/brands")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD /brands: status %d, want 200 as for GET", resp.StatusCode)
	}

	srv.Close() // waits for the requests, and so for their log lines
	out := logs.String()
	for _, secret := range []string{"비밀검색어", url.QueryEscape("비밀검색어"), "q=", "SECRETCODE", "SECRETSTATE",
		"code=", "SECRETCOOKIE", "SECRETAGENT", "SECRETREFERER"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows %q:\n%s", secret, out)
		}
	}
	for _, line := range []string{
		"method=GET path=/api/products status=200",
		"method=GET path=/auth/google/callback status=",
		"method=PUT path=/api/products status=405",
		"method=GET path=/no-such-page status=404",
		"request_id=" + searchID,
	} {
		if !strings.Contains(out, line) {
			t.Errorf("the log lacks %q:\n%s", line, out)
		}
	}
}

// TestPanics checks that a panic is logged with its stack and answered
// with the API's 500 problem document under /api and the shop's 500 page
// elsewhere, behind the route's own middleware as the shop's routes are.
func TestPanics(t *testing.T) {
	d, log, logs := openDemo(t)
	e := newRouter(d, log)
	boom := func(echo.Context) error { panic("boom") }
	e.GET("/api/boom", boom, echo.WrapMiddleware(d.API.Headers), echo.WrapMiddleware(d.API.Timeout))
	e.GET("/boom", boom, echo.WrapMiddleware(d.Storefront.Headers), echo.WrapMiddleware(d.Storefront.Timeout))
	srv := httptest.NewServer(e)
	defer srv.Close()

	resp, body := send(t, srv, http.MethodGet, "/api/boom")
	wantProblem(t, "GET /api/boom", resp, body, http.StatusInternalServerError)
	resp, body = send(t, srv, http.MethodGet, "/boom")
	wantPage(t, "GET /boom", resp, body, http.StatusInternalServerError, "문제가 생겼습니다")

	srv.Close()
	out := logs.String()
	for _, want := range []string{"msg=panic method=GET path=/api/boom", "msg=panic method=GET path=/boom",
		"panic=boom", "stack=", "path=/boom status=500"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
}

// TestPathValues checks that the handlers get their path values from
// echo's parameters: a product by id, the wildcard of /static/ and of
// /assets/, and an escaped value unescaped as http.ServeMux would.
func TestPathValues(t *testing.T) {
	d, log, _ := openDemo(t)
	srv := httptest.NewServer(newRouter(d, log))
	defer srv.Close()

	resp, body := send(t, srv, http.MethodGet, "/api/products?limit=1")
	var list struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 1 {
		t.Fatalf("GET /api/products: %d %s (%v)", resp.StatusCode, body, err)
	}
	p := list.Items[0]
	resp, body = send(t, srv, http.MethodGet, "/api/products/"+p.ID)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, p.ID) {
		t.Errorf("GET /api/products/%s: %d %s", p.ID, resp.StatusCode, body)
	}
	resp, body = send(t, srv, http.MethodGet, "/products/"+p.ID)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, p.Name) {
		t.Errorf("GET /products/%s: %d, want the page of %q", p.ID, resp.StatusCode, p.Name)
	}
	resp, body = send(t, srv, http.MethodGet, "/static/placeholder.svg")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<svg") {
		t.Errorf("GET /static/placeholder.svg: %d %.200s", resp.StatusCode, body)
	}
	// An escaped slash is part of one segment, and the handler gets it
	// unescaped, as from http.ServeMux: here it refuses the id, where the
	// router would have answered 404 for a second segment.
	resp, body = send(t, srv, http.MethodGet, "/api/products/a%2Fb")
	wantProblem(t, "GET /api/products/a%2Fb", resp, body, http.StatusBadRequest)
	// "%2E" is an escaped ".": the asset is found only if the wildcard's
	// value is unescaped.
	resp, body = send(t, srv, http.MethodGet, "/assets/style%2Ecss")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("GET /assets/style%%2Ecss: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// TestRun checks that run serves at -addr, shuts down when its context
// ends, and names the setting of an address it cannot listen on.
func TestRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", addr}, func(string) string { return "" }, &stderr) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /healthz: status %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer at %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(serve.ShutdownTimeout + 5*time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("the log lacks the shutdown:\n%s", stderr.String())
	}

	env := func(v string) func(string) string {
		return func(name string) string {
			if name == "COMMERCE_ADDR" {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"-addr", "no-such-host.invalid:x"}, "", `-addr "`},
		{nil, "no-such-host.invalid:x", `COMMERCE_ADDR "`},
		{[]string{"-addr", "no-such-host.invalid:x"}, "127.0.0.1:0", `-addr "`},
		{[]string{"extra"}, "", `"extra"`},
	} {
		err := run(t.Context(), tc.args, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, COMMERCE_ADDR=%q) = %v, want an error naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}
