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
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/internal/smoke"
)

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

// startServer serves the demo shop on chi and returns its URL and its
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

// restWildcard is a trailing "{name...}" of an http.ServeMux pattern.
var restWildcard = regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_]*\.\.\.\}$`)

// chiSyntax translates an http.ServeMux pattern to chi's, as the test
// expects the router to hold it: "{$}" drops and a trailing "{name...}"
// becomes "*".
func chiSyntax(pattern string) string {
	return restWildcard.ReplaceAllString(strings.TrimSuffix(pattern, "{$}"), "*")
}

// The router's own table (chi.Walk) holds every route of the API and of
// the storefront, in chi's syntax, and the images' prefix, and nothing
// else: no catch-all hides a route from chi.
func TestRouterHoldsEveryRoute(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	d := openDemo(t, log)
	r := newRouter(d, log)

	want := make(map[string]bool)
	for pattern := range d.API.Routes() {
		want[chiSyntax(pattern)] = true
	}
	for pattern := range d.Storefront.Routes() {
		if want[chiSyntax(pattern)] {
			t.Errorf("%s is a route of both the API and the storefront", pattern)
		}
		want[chiSyntax(pattern)] = true
	}
	if len(want) < 80 {
		t.Fatalf("%d routes expected in all: the API or the storefront lost its routes", len(want))
	}

	got := make(map[string]bool)
	imageMethods := make(map[string]bool)
	images := d.Images.Prefix() + "*"
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route == images {
			imageMethods[method] = true
			return nil
		}
		if got[method+" "+route] {
			t.Errorf("%s %s is registered twice", method, route)
		}
		got[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !imageMethods[http.MethodGet] || !imageMethods[http.MethodHead] {
		t.Errorf("the images' prefix %s is not mounted for GET and HEAD: %v", images, imageMethods)
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

// The shared walk through the shop (package smoke) passes on chi: pages
// and API, sign-up, cart, checkout, board, errors and security headers.
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

// Unknown routes and wrong methods get the API's problem documents on the
// API's paths (with Allow on a 405, from the API's own routes) and the
// shop's pages elsewhere; the pages show the visitor's session, as
// s.Authenticate runs before them.
func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	base, _ := startServer(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}

	for _, tc := range []struct {
		method, path, allow string
		status              int
	}{
		{http.MethodGet, "/api/nope", "", http.StatusNotFound},
		{http.MethodGet, "/api", "", http.StatusNotFound},
		{http.MethodGet, "/auth/google/nope", "", http.StatusNotFound},
		{http.MethodGet, "/static/nope.svg", "", http.StatusNotFound},
		{http.MethodDelete, "/api/products", "GET, HEAD, POST", http.StatusMethodNotAllowed},
		{http.MethodPut, "/api/products/0190f3a2-0000-7000-8000-000000000000", "DELETE, GET, HEAD, PATCH", http.StatusMethodNotAllowed},
		{http.MethodPost, "/healthz", "GET, HEAD", http.StatusMethodNotAllowed},
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
}

// Every kind of route answers through chi: path values ({id}), the rest of
// a path ({path...} as chi's *), exact paths ({$}), HEAD on GET routes,
// and the images' prefix.
func TestRoutesServe(t *testing.T) {
	base, _ := startServer(t)
	c := &http.Client{}
	var products struct{ Items []struct{ ID string } }
	list := do(t, c, http.MethodGet, base+"/api/products?limit=1", "", "")
	if err := json.Unmarshal([]byte(list.body), &products); err != nil || len(products.Items) != 1 {
		t.Fatalf("GET /api/products: %d %s", list.status, list.body)
	}
	id := products.Items[0].ID
	for _, tc := range []struct {
		method, path, contentType string
		status                    int
	}{
		{http.MethodGet, "/", "text/html", http.StatusOK},
		{http.MethodGet, "/api/products/" + id, "application/json", http.StatusOK},
		{http.MethodGet, "/products/" + id, "text/html", http.StatusOK},
		{http.MethodGet, "/api/products/not-an-id", "application/problem+json", http.StatusBadRequest},
		{http.MethodGet, "/static/placeholder.svg", "image/svg+xml", http.StatusOK},
		{http.MethodGet, "/static/demo/apple-jam.svg", "image/svg+xml", http.StatusOK},
		{http.MethodGet, "/assets/style.css", "text/css", http.StatusOK},
		{http.MethodHead, "/api/products", "application/json", http.StatusOK},
		{http.MethodHead, "/", "text/html", http.StatusOK},
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodGet, "/readyz", "", http.StatusOK},
		{http.MethodGet, "/staff", "", http.StatusSeeOther},
		{http.MethodGet, "/media/nope.jpg", "", http.StatusNotFound},
	} {
		res := do(t, &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}, tc.method, base+tc.path, "", "")
		if res.status != tc.status || !strings.HasPrefix(res.header.Get("Content-Type"), tc.contentType) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, res.status, res.header.Get("Content-Type"),
				tc.status, tc.contentType)
		}
	}
}

// A panic in a route is logged with the request's id and answered with
// the 500 of the group it happened in: the API's problem document, the
// shop's page.
func TestPanicAnswersTheGroupsInternalError(t *testing.T) {
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	d := openDemo(t, slog.New(slog.DiscardHandler))
	r := chi.NewRouter()
	r.Use(middleware.RequestID, echoRequestID, middleware.RequestLogger(logFormatter{log}), middleware.Recoverer)
	boom := func(http.ResponseWriter, *http.Request) { panic("boom") }
	r.With(d.API.Headers, recoverWith(http.HandlerFunc(d.API.InternalError))).Get("/api/boom", boom)
	r.With(d.Storefront.Headers, recoverWith(d.Storefront.Authenticate(http.HandlerFunc(d.Storefront.InternalError)))).
		Get("/boom", boom)
	r.With(recoverWith(http.HandlerFunc(d.API.InternalError))).Get("/late", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("after the answer")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	c := &http.Client{}

	res := do(t, c, http.MethodGet, srv.URL+"/api/boom", "", "")
	if res.status != http.StatusInternalServerError || res.header.Get("Content-Type") != "application/problem+json" ||
		strings.Contains(res.body, "boom") {
		t.Errorf("GET /api/boom: %d %s %s, want the API's 500 problem", res.status, res.header.Get("Content-Type"), res.body)
	}
	page := do(t, c, http.MethodGet, srv.URL+"/boom", "", "")
	if page.status != http.StatusInternalServerError || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page.body, "장바구니") {
		t.Errorf("GET /boom: %d %s, want the shop's 500 page", page.status, page.header.Get("Content-Type"))
	}
	if late := do(t, c, http.MethodGet, srv.URL+"/late", "", ""); late.status != http.StatusAccepted {
		t.Errorf("GET /late: %d, want the 202 sent before the panic", late.status)
	}
	srv.Close() // the log lines are written once the handlers return
	log2 := logs.String()
	id := res.header.Get("X-Request-Id")
	if !strings.Contains(log2, "msg=panic method=GET path=/api/boom request_id="+id+" panic=boom") ||
		!strings.Contains(log2, "path=/api/boom status=500") || !strings.Contains(log2, "stack=") {
		t.Errorf("the panic is not logged with its request id %q:\n%s", id, log2)
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
