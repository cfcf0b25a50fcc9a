package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// ---- fixtures ----

// syncBuffer is a log destination that the server's goroutines and the
// test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	srv      *httptest.Server
	api      *api.API
	logs     *syncBuffer
	accounts *account.Service
	svc      api.Services

	mu sync.Mutex
	// bodies are every response body the fixture's requests got.
	bodies [][]byte
	// secrets must never appear in the log.
	secrets []string
}

// testIterations makes password hashing cheap in tests.
const testIterations = 1000

// newServices returns the services over store, with cat as the catalog,
// wired as the server wires them: a guest's cart merges at sign-in, cards
// and mobile payments go through a fake provider that pays at once, bank
// transfers stay pending, and webhooks take every event type and refuse
// http URLs and private addresses.
func newServices(store *memstore.Store, cat *catalog.Service) api.Services {
	carts := cart.NewService(store.Carts(), store.Catalog(), nil)
	fake := &order.FakeCardProvider{}
	return api.Services{
		Catalog: cat,
		Accounts: account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), &account.Options{
			Hasher:     account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
			GuestCarts: carts,
		}),
		Carts: carts,
		Orders: order.NewService(store.Orders(), store.Transactor(), &order.Options{
			Payments: map[order.PaymentMethod]order.PaymentProvider{
				order.Card: fake, order.Mobile: fake, order.BankTransfer: order.ManualProvider{},
			},
		}),
		Board:    board.NewService(store.Board(), nil),
		Webhooks: newWebhooks(store, nil),
	}
}

// newDemoStore returns a memstore with the demo catalog loaded, and the
// catalog service over it.
func newDemoStore(t *testing.T) (*memstore.Store, *catalog.Service) {
	t.Helper()
	store := memstore.New(nil)
	cat := catalog.NewService(store.Catalog(), nil)
	if err := demo.Load(context.Background(), store, cat, commerce.StaffActor(commerce.NewID())); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	return store, cat
}

// newDemoCatalog returns a memstore catalog with the demo loaded.
func newDemoCatalog(t *testing.T) *catalog.Service {
	t.Helper()
	_, cat := newDemoStore(t)
	return cat
}

// start serves an API over cat, with the other services on a store of
// their own; opts may be nil. Its logs go to a buffer.
func start(t *testing.T, cat *catalog.Service, opts *api.Options) *fixture {
	t.Helper()
	return startWith(t, newServices(memstore.New(nil), cat), opts)
}

// startWith serves an API over svc; opts may be nil. Every request and
// every answer is checked against the OpenAPI document (openAPIChecker),
// and each mismatch fails the test. When the test ends it checks that no
// answer showed a password hash and that the log shows no secret the test
// registered.
func startWith(t *testing.T, svc api.Services, opts *api.Options) *fixture {
	t.Helper()
	if opts == nil {
		opts = &api.Options{}
	}
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	a := api.New(svc, opts)
	doc, err := openAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	check, err := newOpenAPIChecker(doc, slices.Collect(maps.Keys(a.Routes())))
	if err != nil {
		t.Fatal(err)
	}
	check.anyErrorStatus = storageFails(svc)
	srv := httptest.NewServer(check.handler(t.Errorf, a.Handler()))
	f := &fixture{srv: srv, api: a, logs: logs, accounts: svc.Accounts, svc: svc}
	t.Cleanup(func() {
		srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, b := range f.bodies {
			if bytes.Contains(b, []byte("pbkdf2_sha256")) {
				t.Errorf("an answer shows a password hash: %s", b)
			}
		}
		l := logs.String()
		for _, s := range f.secrets {
			if strings.Contains(l, s) {
				t.Errorf("the log shows the secret %q:\n%s", s, l)
			}
		}
	})
	return f
}

// storageFails reports whether the catalog's storage fails on purpose, as
// in TestStorageErrors: then any route may answer any status of the table
// from error kinds to statuses (see openAPIChecker.anyErrorStatus).
func storageFails(svc api.Services) bool {
	_, err := svc.Catalog.Problems(context.Background())
	return err != nil
}

// secret registers s as something the log must never show.
func (f *fixture) secret(s string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets = append(f.secrets, s)
	return s
}

func startDemo(t *testing.T) *fixture {
	t.Helper()
	return start(t, newDemoCatalog(t), &api.Options{Static: demo.Images()})
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) do(t *testing.T, method, path string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	maps.Copy(req.Header, header)
	return f.roundTrip(t, f.srv.Client(), req)
}

// roundTrip sends req with client and records the body of the answer.
func (f *fixture) roundTrip(t *testing.T, client *http.Client, req *http.Request) response {
	t.Helper()
	method, path := req.Method, req.URL.Path
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func (f *fixture) get(t *testing.T, path string) response {
	t.Helper()
	return f.do(t, http.MethodGet, path, nil)
}

// getJSON GETs path, wants 200 with a JSON body, and decodes it into v.
func (f *fixture) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	res := f.get(t, path)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200; body %s", path, res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: Content-Type %q, want application/json", path, ct)
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		t.Fatalf("GET %s: decoding %s: %v", path, res.body, err)
	}
}

// obj is a decoded JSON object.
type obj = map[string]any

func keys(o obj) string { return strings.Join(slices.Sorted(maps.Keys(o)), ",") }

func sortedList(fields ...string) string {
	return strings.Join(slices.Sorted(slices.Values(fields)), ",")
}

var (
	productFields = sortedList("id", "name", "description", "price", "brand", "images", "image_details", "image_url",
		"stock", "created_at", "updated_at", "version")
	brandFields = sortedList("id", "name", "summary", "story", "logo_url", "image_url", "logo", "image", "homepage",
		"problem", "created_at", "version")
	problemFields = sortedList("id", "name", "summary", "description", "image_url", "image", "version")
	listFields    = sortedList("items", "next_cursor")
	refFields     = sortedList("id", "name")
	moneyFields   = sortedList("amount", "currency")
	problemDoc    = sortedList("type", "title", "status", "detail")
)

func items(t *testing.T, list obj) []obj {
	t.Helper()
	raw, ok := list["items"].([]any)
	if !ok {
		t.Fatalf("items is %T, want an array", list["items"])
	}
	out := make([]obj, len(raw))
	for i, it := range raw {
		out[i] = it.(obj)
	}
	return out
}

func checkTime(t *testing.T, what string, v any) {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") || tm.IsZero() {
		t.Errorf("%s = %v, want an RFC 3339 time in UTC", what, v)
	}
}

func checkProduct(t *testing.T, p obj) {
	t.Helper()
	if got := keys(p); got != productFields {
		t.Fatalf("product fields: got %s, want %s", got, productFields)
	}
	price := p["price"].(obj)
	if got := keys(price); got != moneyFields {
		t.Errorf("price fields: got %s, want %s", got, moneyFields)
	}
	if _, ok := price["amount"].(string); !ok || price["currency"] != "KRW" {
		t.Errorf("price = %v, want a string amount in KRW", price)
	}
	if b := p["brand"]; b != nil {
		if got := keys(b.(obj)); got != refFields {
			t.Errorf("brand fields: got %s, want %s", got, refFields)
		}
	}
	images, ok := p["images"].([]any)
	if !ok {
		t.Errorf("images = %v, want an array (never null)", p["images"])
	}
	details, ok := p["image_details"].([]any)
	if !ok || len(details) != len(images) {
		t.Errorf("image_details = %v, want one for each of images %v", p["image_details"], images)
	}
	for i := range min(len(details), len(images)) {
		if d, _ := details[i].(obj); d["url"] != images[i] {
			t.Errorf("image_details[%d] = %v, want the url %v", i, details[i], images[i])
		}
	}
	switch cover := p["image_url"]; {
	case len(images) == 0 && cover != catalog.DefaultPlaceholderImage:
		t.Errorf("product without images: image_url %v, want the placeholder", cover)
	case len(images) > 0 && cover != images[0]:
		t.Errorf("image_url %v, want the first image %v", cover, images[0])
	}
	if n, ok := p["stock"].(float64); !ok || n < 0 {
		t.Errorf("stock = %v, want a count: demo products have stock", p["stock"])
	}
	checkTime(t, "created_at", p["created_at"])
	checkTime(t, "updated_at", p["updated_at"])
	if v, _ := p["version"].(float64); v < 1 {
		t.Errorf("version = %v, want at least 1", p["version"])
	}
}

func checkBrand(t *testing.T, b obj) {
	t.Helper()
	if got := keys(b); got != brandFields {
		t.Fatalf("brand fields: got %s, want %s", got, brandFields)
	}
	if got := keys(b["problem"].(obj)); got != refFields {
		t.Errorf("brand problem fields: got %s, want %s", got, refFields)
	}
	checkTime(t, "created_at", b["created_at"])
}

// ---- happy paths ----

func TestListProducts(t *testing.T) {
	f := startDemo(t)
	var list obj
	f.getJSON(t, "/api/products", &list)
	if got := keys(list); got != listFields {
		t.Fatalf("list fields: got %s, want %s", got, listFields)
	}
	ps := items(t, list)
	if len(ps) != commerce.DefaultLimit {
		t.Errorf("got %d products, want the default page of %d", len(ps), commerce.DefaultLimit)
	}
	if c, _ := list["next_cursor"].(string); c == "" {
		t.Errorf("next_cursor = %v, want a cursor (the demo has more than one page)", list["next_cursor"])
	}
	var placeholders, brandless int
	for i, p := range ps {
		checkProduct(t, p)
		if i > 0 && p["id"].(string) >= ps[i-1]["id"].(string) {
			t.Errorf("products not newest first at %d", i)
		}
		if p["image_url"] == catalog.DefaultPlaceholderImage {
			placeholders++
		}
		if p["brand"] == nil {
			brandless++
		}
	}
	if placeholders == 0 {
		t.Error("no product on the first page shows the placeholder")
	}

	f.getJSON(t, "/api/products?limit=100", &list)
	if list["next_cursor"] != nil {
		t.Errorf("limit=100: next_cursor = %v, want null", list["next_cursor"])
	}
	for _, p := range items(t, list) {
		if p["brand"] == nil {
			brandless++
		}
	}
	if brandless == 0 {
		t.Error("no product without a brand (brand: null)")
	}
}

func TestGetProduct(t *testing.T) {
	f := startDemo(t)
	var list obj
	f.getJSON(t, "/api/products?limit=100", &list)
	for _, want := range items(t, list) {
		var got obj
		f.getJSON(t, "/api/products/"+want["id"].(string), &got)
		checkProduct(t, got)
		if !equalJSON(got, want) {
			t.Errorf("GET /api/products/%s = %v, want the listed %v", want["id"], got, want)
		}
	}
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestBrands(t *testing.T) {
	f := startDemo(t)
	var list obj
	f.getJSON(t, "/api/brands", &list)
	if got := keys(list); got != listFields {
		t.Fatalf("list fields: got %s, want %s", got, listFields)
	}
	bs := items(t, list)
	if len(bs) < 6 {
		t.Fatalf("got %d brands, want at least 6", len(bs))
	}
	for i, b := range bs {
		checkBrand(t, b)
		if i > 0 && b["id"].(string) >= bs[i-1]["id"].(string) {
			t.Errorf("brands not newest first at %d", i)
		}
	}

	for _, b := range bs {
		id := b["id"].(string)
		var detail obj
		f.getJSON(t, "/api/brands/"+id, &detail)
		want := sortedList(append(strings.Split(brandFields, ","), "products", "products_next_cursor")...)
		if got := keys(detail); got != want {
			t.Fatalf("brand detail fields: got %s, want %s", got, want)
		}
		if detail["products_next_cursor"] != nil {
			t.Errorf("brand %s: products_next_cursor = %v, want null", id, detail["products_next_cursor"])
		}
		products := detail["products"].([]any)
		if len(products) == 0 {
			t.Errorf("brand %s has no products", b["name"])
		}
		for _, p := range products {
			p := p.(obj)
			checkProduct(t, p)
			if p["brand"].(obj)["id"] != id {
				t.Errorf("brand %s lists product %s of brand %v", id, p["name"], p["brand"])
			}
		}
	}
}

func TestBrandsOfProblem(t *testing.T) {
	f := startDemo(t)
	var problems obj
	f.getJSON(t, "/api/problems", &problems)
	total := 0
	for _, p := range items(t, problems) {
		var list obj
		f.getJSON(t, "/api/brands?problem_id="+p["id"].(string), &list)
		for _, b := range items(t, list) {
			if b["problem"].(obj)["id"] != p["id"] {
				t.Errorf("problem_id=%s lists brand %s of problem %v", p["id"], b["name"], b["problem"])
			}
			total++
		}
	}
	var all obj
	f.getJSON(t, "/api/brands?limit=100", &all)
	if n := len(items(t, all)); total != n {
		t.Errorf("the problems' brands add up to %d, want all %d brands", total, n)
	}
}

func TestProblems(t *testing.T) {
	f := startDemo(t)
	var list obj
	f.getJSON(t, "/api/problems", &list)
	if got := keys(list); got != listFields {
		t.Fatalf("list fields: got %s, want %s", got, listFields)
	}
	if list["next_cursor"] != nil {
		t.Errorf("next_cursor = %v, want null", list["next_cursor"])
	}
	ps := items(t, list)
	var names []string
	for _, p := range ps {
		if got := keys(p); got != problemFields {
			t.Fatalf("problem fields: got %s, want %s", got, problemFields)
		}
		names = append(names, p["name"].(string))
	}
	if got, want := strings.Join(names, ","), "장애인,환경,고용,교육,노인"; got != want {
		t.Errorf("problems: got %s, want %s", got, want)
	}

	for _, p := range ps {
		id := p["id"].(string)
		var detail obj
		f.getJSON(t, "/api/problems/"+id, &detail)
		want := sortedList(append(strings.Split(problemFields, ","), "brands", "brands_next_cursor")...)
		if got := keys(detail); got != want {
			t.Fatalf("problem detail fields: got %s, want %s", got, want)
		}
		if detail["brands_next_cursor"] != nil {
			t.Errorf("problem %s: brands_next_cursor = %v, want null", id, detail["brands_next_cursor"])
		}
		brands := detail["brands"].([]any)
		if len(brands) == 0 {
			t.Errorf("problem %s has no brands", p["name"])
		}
		for _, b := range brands {
			b := b.(obj)
			checkBrand(t, b)
			if b["problem"].(obj)["id"] != id {
				t.Errorf("problem %s lists brand %s of problem %v", id, b["name"], b["problem"])
			}
		}
	}
}

// ---- search and paging ----

// search returns every product that GET /api/products?q=query lists.
func search(t *testing.T, f *fixture, query string) []obj {
	t.Helper()
	var list obj
	f.getJSON(t, "/api/products?limit=100&q="+url.QueryEscape(query), &list)
	return items(t, list)
}

func ids(ps []obj) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p["id"].(string))
	}
	return out
}

func TestSearchKorean(t *testing.T) {
	f := startDemo(t)
	found := search(t, f, "사과")
	var byName, byBrand int
	for _, p := range found {
		name := p["name"].(string)
		brand := ""
		if b, ok := p["brand"].(obj); ok {
			brand = b["name"].(string)
		}
		switch {
		case strings.Contains(name, "사과"):
			byName++
		case strings.Contains(brand, "사과"):
			byBrand++
		default:
			t.Errorf("사과 found %s of %s", name, brand)
		}
	}
	if byName < 3 || byBrand < 1 {
		t.Errorf("사과: %d products by name and %d by brand only; want at least 3 and 1", byName, byBrand)
	}

	for _, tc := range []struct{ name, query string }{
		{"NFD", norm.NFD.String("사과")},
		{"spaces around", "  사과 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := ids(search(t, f, tc.query)), ids(found); !slices.Equal(got, want) {
				t.Errorf("q=%q found %v, want the same as 사과: %v", tc.query, got, want)
			}
		})
	}

	// The raw percent-encoding that curl users type finds the same.
	var list obj
	f.getJSON(t, "/api/products?limit=100&q=%EC%82%AC%EA%B3%BC", &list)
	if got, want := ids(items(t, list)), ids(found); !slices.Equal(got, want) {
		t.Errorf("q=%%EC%%82%%AC%%EA%%B3%%BC found %v, want %v", got, want)
	}

	brandOnly := search(t, f, "할머니")
	if len(brandOnly) < 3 {
		t.Errorf("할머니 found %d products, want the products of 할머니손맛", len(brandOnly))
	}
	if none := search(t, f, "없는상품이름"); len(none) != 0 {
		t.Errorf("a query matching nothing found %d products", len(none))
	}
}

func TestPagingReturnsEveryProductOnce(t *testing.T) {
	f := startDemo(t)
	var all obj
	f.getJSON(t, "/api/products?limit=100", &all)
	want := ids(items(t, all))

	for _, tc := range []struct{ name, filter string }{
		{"all", ""},
		{"search", "&q=" + url.QueryEscape("사과")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var full obj
			f.getJSON(t, "/api/products?limit=100"+tc.filter, &full)
			want := ids(items(t, full))
			var got []string
			path := "/api/products?limit=3" + tc.filter
			for pages := 0; ; pages++ {
				if pages > len(want) {
					t.Fatal("paging does not end")
				}
				var page obj
				f.getJSON(t, path, &page)
				got = append(got, ids(items(t, page))...)
				next, _ := page["next_cursor"].(string)
				if next == "" {
					break
				}
				path = "/api/products?limit=3" + tc.filter + "&cursor=" + url.QueryEscape(next)
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages gave %d ids %v, want each of %d once: %v", len(got), got, len(want), want)
			}
		})
	}
	if len(want) < 30 {
		t.Errorf("the demo has %d products, want at least 30", len(want))
	}
}

func TestBrandProductsContinueThroughProducts(t *testing.T) {
	// A brand with more products than fit in the brand's page.
	ctx := context.Background()
	staff := commerce.StaffActor(commerce.NewID())
	cat := catalog.NewService(memstore.New(nil).Catalog(), nil)
	problem, err := cat.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "환경"})
	if err != nil {
		t.Fatal(err)
	}
	brand, err := cat.CreateBrand(ctx, staff, catalog.BrandInput{Name: "초록순환", ProblemID: problem.ID})
	if err != nil {
		t.Fatal(err)
	}
	const n = commerce.MaxLimit + 5
	for i := range n {
		_, err := cat.CreateProduct(ctx, staff, catalog.ProductInput{
			Name: "수세미 " + strings.Repeat("가", i%5+1), Price: commerce.MustMoney("1000", "KRW"), BrandID: brand.ID,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	f := start(t, cat, nil)

	var detail obj
	f.getJSON(t, "/api/brands/"+brand.ID.String(), &detail)
	seen := make(map[string]bool)
	for _, p := range detail["products"].([]any) {
		seen[p.(obj)["id"].(string)] = true
	}
	next, _ := detail["products_next_cursor"].(string)
	if next == "" {
		t.Fatalf("a brand with %d products: products_next_cursor = null", n)
	}
	for next != "" {
		var page obj
		f.getJSON(t, "/api/products?brand_id="+brand.ID.String()+"&cursor="+url.QueryEscape(next), &page)
		for _, id := range ids(items(t, page)) {
			if seen[id] {
				t.Errorf("product %s seen twice", id)
			}
			seen[id] = true
		}
		next, _ = page["next_cursor"].(string)
	}
	if len(seen) != n {
		t.Errorf("saw %d products, want %d", len(seen), n)
	}
}

// ---- bad input ----

func TestBadInput(t *testing.T) {
	f := startDemo(t)
	var list obj
	f.getJSON(t, "/api/products?limit=1", &list)
	productID := items(t, list)[0]["id"].(string)
	unknown := "0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c"

	tests := []struct {
		name   string
		method string
		path   string
		status int
		fields []string // the fields "errors" must name; none means no "errors"
	}{
		{"malformed product id", "GET", "/api/products/xyz", 400, []string{"id"}},
		{"short product id", "GET", "/api/products/0190f3c2-8d7a-7b2e-9c41", 400, []string{"id"}},
		{"braced product id", "GET", "/api/products/%7B" + unknown + "%7D", 400, []string{"id"}},
		{"malformed brand id", "GET", "/api/brands/xyz", 400, []string{"id"}},
		{"malformed problem id", "GET", "/api/problems/123", 400, []string{"id"}},
		{"malformed brand_id", "GET", "/api/products?brand_id=nope", 400, []string{"brand_id"}},
		{"malformed problem_id", "GET", "/api/brands?problem_id=nope", 400, []string{"problem_id"}},
		{"limit zero", "GET", "/api/products?limit=0", 400, []string{"limit"}},
		{"limit negative", "GET", "/api/products?limit=-1", 400, []string{"limit"}},
		{"limit too big", "GET", "/api/products?limit=101", 400, []string{"limit"}},
		{"limit not a number", "GET", "/api/products?limit=abc", 400, []string{"limit"}},
		{"limit fraction", "GET", "/api/products?limit=1.5", 400, []string{"limit"}},
		{"limit huge", "GET", "/api/products?limit=99999999999999999999", 400, []string{"limit"}},
		{"brands limit", "GET", "/api/brands?limit=1000", 400, []string{"limit"}},
		{"malformed cursor", "GET", "/api/products?cursor=garbage", 400, []string{"cursor"}},
		{"short cursor", "GET", "/api/products?cursor=AQ", 400, []string{"cursor"}},
		{"brands cursor", "GET", "/api/brands?cursor=%2F%2F", 400, []string{"cursor"}},
		{"q not UTF-8", "GET", "/api/products?q=%FF", 400, []string{"q"}},
		{"q too long", "GET", "/api/products?q=" + strings.Repeat("%EA%B0%80", 201), 400, []string{"q"}},
		{"every bad field at once", "GET", "/api/products?brand_id=x&limit=x&cursor=x", 400,
			[]string{"brand_id", "limit", "cursor"}},
		{"malformed query string", "GET", "/api/products?q=%zz", 400, nil},
		{"unknown product", "GET", "/api/products/" + unknown, 404, nil},
		{"unknown brand", "GET", "/api/brands/" + unknown, 404, nil},
		{"unknown problem", "GET", "/api/problems/" + unknown, 404, nil},
		{"unknown route", "GET", "/api/nope", 404, nil},
		{"unknown static file", "GET", "/static/nope.svg", 404, nil},
		{"static directory", "GET", "/static/demo/", 404, nil},
		{"root", "GET", "/", 404, nil},
		{"PUT to a list", "PUT", "/api/products", 405, nil},
		{"PUT a product", "PUT", "/api/products/" + productID, 405, nil},
		{"POST to a brand", "POST", "/api/brands/" + unknown, 405, nil},
		{"PUT healthz", "PUT", "/healthz", 405, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, tc.method, tc.path, nil)
			if res.status != tc.status {
				t.Fatalf("%s %s: status %d, want %d; body %s", tc.method, tc.path, res.status, tc.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var doc obj
			if err := json.Unmarshal(res.body, &doc); err != nil {
				t.Fatalf("decoding %s: %v", res.body, err)
			}
			want := problemDoc
			if len(tc.fields) > 0 {
				want = sortedList(append(strings.Split(problemDoc, ","), "errors")...)
			}
			if got := keys(doc); got != want {
				t.Errorf("problem fields: got %s, want %s; body %s", got, want, res.body)
			}
			if doc["status"] != float64(tc.status) || doc["title"] != http.StatusText(tc.status) || doc["detail"] == "" {
				t.Errorf("problem %s: status, title or detail wrong", res.body)
			}
			if len(tc.fields) > 0 {
				errs, _ := doc["errors"].(obj)
				if got, want := keys(errs), sortedList(tc.fields...); got != want {
					t.Errorf("errors name %s, want %s", got, want)
				}
			}
			if tc.status == 405 {
				if allow := res.header.Get("Allow"); !strings.Contains(allow, "GET") {
					t.Errorf("Allow = %q, want GET among the methods", allow)
				}
			}
		})
	}
	if strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("bad input logged an error:\n%s", f.logs)
	}
}

// ---- errors from storage ----

// failingRepo fails the reads that the tests call.
type failingRepo struct {
	catalog.Repository
	err error
}

func (r failingRepo) ListProducts(context.Context, catalog.ProductQuery) ([]catalog.Product, error) {
	return nil, r.err
}

func (r failingRepo) ListProblems(context.Context) ([]catalog.Problem, error) {
	return nil, r.err
}

// tooMany is an error that says how long to wait.
type tooMany struct{ wait time.Duration }

func (e tooMany) Error() string             { return "x: too many attempts" }
func (e tooMany) Unwrap() error             { return commerce.ErrTooManyRequests }
func (e tooMany) RetryAfter() time.Duration { return e.wait }

func TestStorageErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"unavailable", fmt.Errorf("bunstore: dial tcp 10.0.0.7:3306: connection refused: %w", commerce.ErrUnavailable), 503},
		{"unknown", errors.New("bunstore: Error 1146: table commerce.products doesn't exist"), 500},
		{"deadline", fmt.Errorf("bunstore: %w", context.DeadlineExceeded), 503},
		{"conflict", fmt.Errorf("x: %w", commerce.ErrConflict), 409},
		{"forbidden", fmt.Errorf("x: %w", commerce.ErrForbidden), 403},
		{"unauthenticated", fmt.Errorf("x: %w", commerce.ErrUnauthenticated), 401},
		{"too many", tooMany{wait: 1500 * time.Millisecond}, 429},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t, catalog.NewService(failingRepo{err: tc.err}, nil), nil)
			for _, path := range []string{"/api/products", "/api/problems"} {
				res := f.get(t, path)
				if res.status != tc.status {
					t.Fatalf("GET %s: status %d, want %d; body %s", path, res.status, tc.status, res.body)
				}
				if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q, want application/problem+json", ct)
				}
				if tc.status >= 500 {
					if bytes.Contains(res.body, []byte("bunstore")) {
						t.Errorf("a %d shows its cause to the client: %s", tc.status, res.body)
					}
					if !strings.Contains(f.logs.String(), "bunstore") {
						t.Errorf("the cause of a %d is not in the log:\n%s", tc.status, f.logs)
					}
				}
				want := map[int]string{503: "5", 429: "2"}[tc.status]
				if got := res.header.Get("Retry-After"); got != want {
					t.Errorf("Retry-After %q on a %d, want %q", got, tc.status, want)
				}
			}
		})
	}
}

// ---- operations ----

func TestHealthAndReadiness(t *testing.T) {
	f := startDemo(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		var body obj
		f.getJSON(t, path, &body)
	}

	var down error
	var mu sync.Mutex
	cat := newDemoCatalog(t)
	g := start(t, cat, &api.Options{Ready: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return down
	}})
	if res := g.get(t, "/readyz"); res.status != 200 {
		t.Fatalf("/readyz while storage answers: %d, want 200", res.status)
	}
	mu.Lock()
	down = fmt.Errorf("bunstore: ping: %w", commerce.ErrUnavailable)
	mu.Unlock()
	res := g.get(t, "/readyz")
	if res.status != 503 || res.header.Get("Retry-After") == "" ||
		res.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("/readyz while storage is down: %d, Retry-After %q, Content-Type %q; want a 503 problem with Retry-After",
			res.status, res.header.Get("Retry-After"), res.header.Get("Content-Type"))
	}
	if res := g.get(t, "/healthz"); res.status != 200 {
		t.Errorf("/healthz while storage is down: %d, want 200", res.status)
	}
}

func TestRequestTimeout(t *testing.T) {
	f := start(t, newDemoCatalog(t), &api.Options{
		RequestTimeout: 20 * time.Millisecond,
		// A storage that hangs until the request's context ends.
		Ready: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
	})
	if res := f.get(t, "/readyz"); res.status != 503 {
		t.Errorf("/readyz over hanging storage: %d, want 503", res.status)
	}
}

func TestPlaceholderAndStatic(t *testing.T) {
	f := startDemo(t)
	for _, path := range []string{catalog.DefaultPlaceholderImage, "/static/demo/apple-jam.svg"} {
		res := f.get(t, path)
		if res.status != 200 || res.header.Get("Content-Type") != "image/svg+xml" ||
			!bytes.Contains(res.body, []byte("<svg")) {
			t.Fatalf("GET %s: %d %q %.40s; want 200 and an SVG", path, res.status, res.header.Get("Content-Type"), res.body)
		}
		if cc := res.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
			t.Errorf("GET %s: Cache-Control %q, want a max-age", path, cc)
		}
		etag := res.header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", path)
		}
		again := f.do(t, "GET", path, http.Header{"If-None-Match": {etag}})
		if again.status != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: %d, want 304", path, again.status)
		}
	}

	// Without Options.Static only the placeholder is served.
	g := start(t, newDemoCatalog(t), nil)
	if res := g.get(t, "/static/demo/apple-jam.svg"); res.status != 404 {
		t.Errorf("a static file without Options.Static: %d, want 404", res.status)
	}
	if res := g.get(t, catalog.DefaultPlaceholderImage); res.status != 200 {
		t.Errorf("the placeholder without Options.Static: %d, want 200", res.status)
	}
}

func TestSecurityHeadersAndLog(t *testing.T) {
	f := startDemo(t)
	secret := http.Header{"Cookie": {"session=cookie-that-must-not-be-logged"}}
	for _, path := range []string{"/api/products", "/api/nope", "/api/products/xyz"} {
		res := f.do(t, "GET", path, secret)
		if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", path, got)
		}
	}
	if res := f.do(t, "GET", "/api/products", http.Header{"Authorization": {"Bearer token-that-must-not-be-logged"}}); res.status != 401 {
		t.Errorf("a dead Bearer token: %d, want 401", res.status)
	}
	logs := f.logs.String()
	if strings.Contains(logs, "must-not-be-logged") {
		t.Errorf("the log shows a credential:\n%s", logs)
	}
	for _, want := range []string{"method=GET", "path=/api/products", "status=200", "status=404", "status=400", "bytes=", "duration="} {
		if !strings.Contains(logs, want) {
			t.Errorf("the request log lacks %q:\n%s", want, logs)
		}
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	logs := &syncBuffer{}
	a := api.New(newServices(memstore.New(nil), newDemoCatalog(t)),
		&api.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	h := a.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/products", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("a panic: %d %q, want a 500 problem", rec.Code, rec.Header().Get("Content-Type"))
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("the panic value reached the client: %s", rec.Body)
	}
	if l := logs.String(); !strings.Contains(l, "boom") || !strings.Contains(l, "status=500") {
		t.Errorf("the log lacks the panic or its 500:\n%s", l)
	}
}

func TestHead(t *testing.T) {
	f := startDemo(t)
	res := f.do(t, "HEAD", "/api/products", nil)
	if res.status != 200 || len(res.body) != 0 {
		t.Errorf("HEAD /api/products: %d with %d bytes, want 200 and no body", res.status, len(res.body))
	}
}

func TestOwns(t *testing.T) {
	for path, want := range map[string]bool{
		"/api": true, "/api/": true, "/api/products": true, "/auth/google/login": true, "/auth": true,
		"/static/placeholder.svg": true, "/healthz": true, "/readyz": true,
		"/apiary": false, "/healthz/x": false, "/healthzx": false, "/": false, "/products/1": false, "/media/a.jpg": false,
	} {
		if got := api.Owns(path); got != want {
			t.Errorf("Owns(%q) = %v, want %v", path, got, want)
		}
	}
	// Every route of the API is in its part of the URL space.
	a := api.New(newServices(memstore.New(nil), newDemoCatalog(t)), &api.Options{Static: demo.Images()})
	for pattern := range a.Routes() {
		_, path, _ := strings.Cut(pattern, " ")
		if !api.Owns(path) {
			t.Errorf("the route %s is outside api.Paths", pattern)
		}
	}
}
