package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/internal/smoke"
)

func TestMain(m *testing.M) {
	// Test mode: gin prints no route table while the tests build routers.
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// syncBuffer is a log destination that the server's goroutines write to
// while the test reads it.
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

// openDemo returns the demo shop, logging to log, closed at the end of
// the test.
func openDemo(t *testing.T, log *slog.Logger) *shop.Demo {
	t.Helper()
	d, err := shop.OpenDemo(t.Context(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Images.Close() })
	return d
}

// startServer serves the demo shop on gin and returns its URL and its
// log. The server is closed at the end of the test.
func startServer(t *testing.T) (string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewServer(newRouter(openDemo(t, log), log))
	t.Cleanup(srv.Close)
	return srv.URL, logs
}

// response is what a test reads of an answer.
type response struct {
	status int
	header http.Header
	body   string
}

// noRedirects is a client that shows each redirect instead of following it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// do sends a request with c and returns the answer.
func do(t *testing.T, c *http.Client, method, url, contentType, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// wildcard is one "{name}" or "{name...}" of an http.ServeMux pattern.
var wildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)

// ginSyntax translates an http.ServeMux pattern to gin's, as the test
// expects the router to hold it: "{$}" drops, "{name}" becomes ":name" and
// "{name...}" "*name".
func ginSyntax(pattern string) string {
	return wildcard.ReplaceAllStringFunc(strings.TrimSuffix(pattern, "{$}"), func(w string) string {
		if name, ok := strings.CutSuffix(w[1:len(w)-1], "..."); ok {
			return "*" + name
		}
		return ":" + w[1:len(w)-1]
	})
}

// insideCatchAll are the routes that gin cannot hold beside a catch-all
// at the same place, and the catch-all that serves them instead
// (TestRoutesServe requests them).
var insideCatchAll = map[string]string{
	"GET /static/placeholder.svg": "GET /static/*path",
}

// The router's own table (engine.Routes) holds every route of the API and
// of the storefront, in gin's syntax, with HEAD beside each GET, and the
// images' prefix, and nothing else: no catch-all hides a route from gin.
func TestRouterHoldsEveryRoute(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	d := openDemo(t, log)
	r := newRouter(d, log)

	want := make(map[string]bool)
	seen := make(map[string]bool)
	add := func(pattern string) {
		route := ginSyntax(pattern)
		if seen[route] {
			t.Errorf("%s is a route of both the API and the storefront", pattern)
		}
		seen[route] = true
		if via, ok := insideCatchAll[pattern]; ok {
			route = via
		}
		want[route] = true
		if method, path, _ := strings.Cut(route, " "); method == http.MethodGet {
			want[http.MethodHead+" "+path] = true
		}
	}
	for pattern := range d.API.Routes() {
		add(pattern)
	}
	for pattern := range d.Storefront.Routes() {
		add(pattern)
	}
	if len(want) < 120 {
		t.Fatalf("%d routes expected in all: the API or the storefront lost its routes", len(want))
	}
	for route, via := range insideCatchAll {
		if !seen[ginSyntax(route)] || !seen[via] {
			t.Errorf("%s is no longer a route beside the catch-all %s: drop it from insideCatchAll", route, via)
		}
	}
	want["GET "+d.Images.Prefix()+"*file"] = true
	want["HEAD "+d.Images.Prefix()+"*file"] = true

	got := make(map[string]bool)
	for _, route := range r.Routes() {
		key := route.Method + " " + route.Path
		if got[key] {
			t.Errorf("%s is registered twice", key)
		}
		got[key] = true
	}
	var missing, extra []string
	for route := range want {
		if !got[route] {
			missing = append(missing, route)
		}
	}
	for route := range got {
		if !want[route] {
			extra = append(extra, route)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("routes the router does not know:\n\t%s", strings.Join(missing, "\n\t"))
	}
	if len(extra) > 0 {
		t.Errorf("routes of neither the API nor the storefront:\n\t%s", strings.Join(extra, "\n\t"))
	}
}

// The walk through the shop that every way of serving it passes: browsing,
// search, sign-up, cart, checkout, the board, errors, security headers and
// sign-out, over real HTTP through gin.
func TestSmokeWalk(t *testing.T) {
	base, _ := startServer(t)
	smoke.Walk(t, base)
}

// The request log holds the method, path, status, duration and request id
// of each request, and never a query string: not the search terms, not
// the code and state of a sign-in callback.
func TestLogShowsNoQueryString(t *testing.T) {
	base, logs := startServer(t)
	c := &http.Client{}

	search := do(t, c, http.MethodGet, base+"/api/products?q="+url.QueryEscape("비밀검색어"), "", "")
	if search.status != http.StatusOK {
		t.Fatalf("GET /api/products?q=…: %d %s", search.status, search.body)
	}
	callback := do(t, c, http.MethodGet, base+"/auth/google/callback?code=SECRETCODE&state=x", "", "")
	// Google sign-in is not configured in the demo: the provider is unknown.
	if callback.status != http.StatusNotFound {
		t.Fatalf("GET /auth/google/callback: %d %s", callback.status, callback.body)
	}
	id := search.header.Get("X-Request-Id")
	if id == "" || callback.header.Get("X-Request-Id") == "" {
		t.Fatalf("no X-Request-Id header came back: %q, %q", id, callback.header.Get("X-Request-Id"))
	}
	if id == callback.header.Get("X-Request-Id") {
		t.Errorf("two requests got the same id %q", id)
	}

	log := logs.String()
	for _, secret := range []string{"비밀검색어", url.QueryEscape("비밀검색어"), "SECRETCODE", "state=x", "code=", "q="} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
	var line string
	for l := range strings.Lines(log) {
		if strings.Contains(l, "path=/api/products ") {
			line = l
		}
	}
	for _, field := range []string{"msg=request", "method=GET", "status=200", "duration=", "request_id=" + id} {
		if !strings.Contains(line, field) {
			t.Errorf("the log line of GET /api/products lacks %s: %q", field, line)
		}
	}
	if !strings.Contains(log, "path=/auth/google/callback status=404") {
		t.Errorf("the log has no line for the callback:\n%s", log)
	}
}

// A request id from a proxy comes back and is logged when it is well
// formed; any other is replaced, so that it cannot disguise a log line.
func TestRequestIDFromTheClient(t *testing.T) {
	base, logs := startServer(t)
	for _, tc := range []struct {
		sent string
		kept bool
	}{
		{"proxy-7f3a.1_b", true},
		{"two words", false},
		{strings.Repeat("x", 65), false},
	} {
		req, err := http.NewRequest(http.MethodGet, base+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Request-Id", tc.sent)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("X-Request-Id")
		if (got == tc.sent) != tc.kept || got == "" {
			t.Errorf("X-Request-Id %q came back as %q; kept: %v", tc.sent, got, tc.kept)
		}
		if !strings.Contains(logs.String(), "request_id="+got+"\n") {
			t.Errorf("the log does not hold request id %q:\n%s", got, logs.String())
		}
	}
}

// Unknown routes and wrong methods get the API's problem documents on the
// API's paths (with Allow on a 405, from the API's own routes) and the
// shop's pages elsewhere; the pages show the visitor's session, as
// s.Authenticate runs before them.
func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	base, _ := startServer(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: noRedirects.CheckRedirect}

	for _, tc := range []struct {
		method, path, allow string
		status              int
	}{
		{http.MethodGet, "/api/nope", "", http.StatusNotFound},
		{http.MethodGet, "/api", "", http.StatusNotFound},
		{http.MethodGet, "/api/products/", "", http.StatusNotFound},
		{http.MethodGet, "/auth/google/nope", "", http.StatusNotFound},
		{http.MethodGet, "/static/nope.svg", "", http.StatusNotFound},
		{http.MethodDelete, "/api/products", "GET, HEAD, POST", http.StatusMethodNotAllowed},
		{http.MethodPut, "/api/products/0190f3a2-0000-7000-8000-000000000000", "DELETE, GET, HEAD, PATCH", http.StatusMethodNotAllowed},
		{http.MethodPost, "/healthz", "GET, HEAD", http.StatusMethodNotAllowed},
		{http.MethodPost, "/static/placeholder.svg", "GET, HEAD", http.StatusMethodNotAllowed},
	} {
		res := do(t, c, tc.method, base+tc.path, "", "")
		if res.status != tc.status || res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s, want the API's %d problem", tc.method, tc.path, res.status,
				res.header.Get("Content-Type"), tc.status)
			continue
		}
		var problem struct{ Status int }
		if err := json.Unmarshal([]byte(res.body), &problem); err != nil || problem.Status != tc.status {
			t.Errorf("%s %s: the problem document %s", tc.method, tc.path, res.body)
		}
		if got := res.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
		if res.header.Get("Content-Security-Policy") != "default-src 'none'; frame-ancestors 'none'" {
			t.Errorf("%s %s: not the API's headers: %v", tc.method, tc.path, res.header)
		}
	}

	// A guest cart, so that the pages have a session to show.
	var products struct{ Items []struct{ ID string } }
	list := do(t, c, http.MethodGet, base+"/api/products?limit=1", "", "")
	if err := json.Unmarshal([]byte(list.body), &products); err != nil || len(products.Items) != 1 {
		t.Fatalf("GET /api/products: %d %s", list.status, list.body)
	}
	add := do(t, c, http.MethodPost, base+"/api/cart/items", "application/json",
		`{"product_id":"`+products.Items[0].ID+`","quantity":2}`)
	if add.status != http.StatusOK {
		t.Fatalf("POST /api/cart/items: %d %s", add.status, add.body)
	}

	for _, tc := range []struct {
		method, path, allow string
		status              int
	}{
		{http.MethodGet, "/nope", "", http.StatusNotFound},
		{http.MethodGet, "/healthz/nope", "", http.StatusNotFound},
		{http.MethodGet, "/products/", "", http.StatusNotFound},
		{http.MethodGet, "/brands/", "", http.StatusNotFound},
		{http.MethodDelete, "/cart", "GET, HEAD", http.StatusMethodNotAllowed},
		{http.MethodGet, "/cart/clear", "POST", http.StatusMethodNotAllowed},
	} {
		res := do(t, c, tc.method, base+tc.path, "", "")
		if res.status != tc.status || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s %s: %d %s, want the shop's %d page", tc.method, tc.path, res.status,
				res.header.Get("Content-Type"), tc.status)
			continue
		}
		if got := res.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
		if res.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s %s: not the shop's headers: %v", tc.method, tc.path, res.header)
		}
		if !strings.Contains(res.body, `장바구니 <span class="count">2</span>`) {
			t.Errorf("%s %s: the page does not show the session's cart", tc.method, tc.path)
		}
	}
	if res := do(t, c, http.MethodGet, base+"/nope", "", ""); !strings.Contains(res.body, "페이지를 찾을 수 없습니다") {
		t.Errorf("GET /nope is not the shop's 404 page:\n%s", res.body)
	}

	// The media store answers for its prefix, as in the reference server.
	if res := do(t, c, http.MethodPost, base+"/media/nope.jpg", "", ""); res.status != http.StatusMethodNotAllowed ||
		res.header.Get("Allow") != "GET, HEAD" || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
		t.Errorf("POST /media/nope.jpg: %d %s Allow %q, want the media store's 405 with GET, HEAD", res.status,
			res.header.Get("Content-Type"), res.header.Get("Allow"))
	}
}

// Every kind of route answers through gin: path values (":id"), the rest
// of a path ("*path"), a route inside a catch-all, exact paths ("{$}"),
// HEAD on GET routes, and the images' prefix.
func TestRoutesServe(t *testing.T) {
	base, _ := startServer(t)
	var products struct{ Items []struct{ ID string } }
	list := do(t, &http.Client{}, http.MethodGet, base+"/api/products?limit=1", "", "")
	if err := json.Unmarshal([]byte(list.body), &products); err != nil || len(products.Items) != 1 {
		t.Fatalf("GET /api/products: %d %s", list.status, list.body)
	}
	id := products.Items[0].ID
	for _, tc := range []struct {
		method, path, contentType string
		status                    int
		body                      string
	}{
		{http.MethodGet, "/", "text/html", http.StatusOK, "</html>"},
		{http.MethodGet, "/api/products/" + id, "application/json", http.StatusOK, `"id":"` + id + `"`},
		{http.MethodGet, "/products/" + id, "text/html", http.StatusOK, id},
		{http.MethodGet, "/api/products/not-an-id", "application/problem+json", http.StatusBadRequest, `"id"`},
		{http.MethodGet, "/static/placeholder.svg", "image/svg+xml", http.StatusOK, "<svg"},
		{http.MethodGet, "/static/demo/apple-jam.svg", "image/svg+xml", http.StatusOK, "<svg"},
		{http.MethodGet, "/assets/style.css", "text/css", http.StatusOK, ""},
		{http.MethodHead, "/api/products", "application/json", http.StatusOK, ""},
		{http.MethodHead, "/", "text/html", http.StatusOK, ""},
		{http.MethodGet, "/healthz", "application/json", http.StatusOK, `"ok"`},
		{http.MethodGet, "/readyz", "application/json", http.StatusOK, `"ready"`},
		{http.MethodGet, "/board/new", "", http.StatusSeeOther, ""},
		{http.MethodGet, "/staff", "", http.StatusSeeOther, ""},
		{http.MethodGet, "/media/nope.jpg", "", http.StatusNotFound, ""},
	} {
		res := do(t, noRedirects, tc.method, base+tc.path, "", "")
		if res.status != tc.status || !strings.HasPrefix(res.header.Get("Content-Type"), tc.contentType) ||
			!strings.Contains(res.body, tc.body) {
			t.Errorf("%s %s: %d %s, want %d %s with %q:\n%.300s", tc.method, tc.path, res.status,
				res.header.Get("Content-Type"), tc.status, tc.contentType, tc.body, res.body)
		}
	}
}

// A panic in a route is logged with the request's id and answered by gin's
// recovery with the 500 of whoever owns the path: the API's problem
// document, the shop's page (showing the session); an answer already
// sent stays.
func TestPanicAnswersTheOwnersInternalError(t *testing.T) {
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	r := newRouter(openDemo(t, slog.New(slog.DiscardHandler)), log)
	boom := func(*gin.Context) { panic("the cause, for the log only") }
	r.GET("/api/boom", boom)
	r.GET("/boom", boom)
	r.GET("/late", func(c *gin.Context) {
		c.Status(http.StatusAccepted)
		c.Writer.WriteHeaderNow()
		panic("after the answer")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	c := &http.Client{}

	res := do(t, c, http.MethodGet, srv.URL+"/api/boom", "", "")
	if res.status != http.StatusInternalServerError || res.header.Get("Content-Type") != "application/problem+json" ||
		strings.Contains(res.body, "the cause") {
		t.Errorf("GET /api/boom: %d %s %s, want the API's 500 problem", res.status, res.header.Get("Content-Type"), res.body)
	}
	page := do(t, c, http.MethodGet, srv.URL+"/boom", "", "")
	if page.status != http.StatusInternalServerError || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page.body, "장바구니") || strings.Contains(page.body, "the cause") {
		t.Errorf("GET /boom: %d %s, want the shop's 500 page:\n%s", page.status, page.header.Get("Content-Type"), page.body)
	}
	if late := do(t, c, http.MethodGet, srv.URL+"/late", "", ""); late.status != http.StatusAccepted {
		t.Errorf("GET /late: %d, want the 202 sent before the panic", late.status)
	}
	srv.Close() // the log lines are written once the handlers return
	got := logs.String()
	id := res.header.Get("X-Request-Id")
	if !strings.Contains(got, "msg=panic method=GET path=/api/boom request_id="+id+` panic="the cause, for the log only"`) ||
		!strings.Contains(got, "path=/api/boom status=500") || !strings.Contains(got, "stack=") {
		t.Errorf("the panic is not logged with its request id %q:\n%s", id, got)
	}
	if !strings.Contains(got, "path=/late status=202") {
		t.Errorf("the late panic's request is not logged with its 202:\n%s", got)
	}
}

// run serves until its context ends and then stops gracefully; a bad
// address or argument is an error naming where it came from.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	logs := &syncBuffer{}
	env := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0"}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, logs) }()

	addr := regexp.MustCompile(`msg=listening addr=(\S+)`)
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; m = addr.FindStringSubmatch(logs.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("run did not start listening:\n%s", logs.String())
		}
		select {
		case err := <-done:
			t.Fatalf("run returned %v:\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	res := do(t, &http.Client{}, http.MethodGet, "http://"+m[1]+"/healthz", "", "")
	if res.status != http.StatusOK || res.header.Get("X-Request-Id") == "" {
		t.Errorf("GET /healthz: %d %v", res.status, res.header)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not stop")
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("no graceful stop in the log:\n%s", logs.String())
	}

	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"-addr", "127.0.0.1:notaport"}, "", `-addr "127.0.0.1:notaport"`},
		{nil, "127.0.0.1:notaport", `COMMERCE_ADDR "127.0.0.1:notaport"`},
		{[]string{"-addr", "127.0.0.1:bad"}, "127.0.0.1:0", `-addr "127.0.0.1:bad"`},
		{[]string{"extra"}, "", `unexpected argument "extra"`},
		{[]string{"-port", "1"}, "", "-port"},
	} {
		err := run(t.Context(), tc.args, func(string) string { return tc.env }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %q with COMMERCE_ADDR=%q: %v, want an error naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}
