package smoke

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requestTimeout bounds each request of the walk: the shop answers in
// milliseconds, and a hung server must fail the step rather than the
// whole test binary's timeout.
const requestTimeout = 10 * time.Second

// sessionCookie is the name of the cookie that carries the session, which
// the API and the pages share.
const sessionCookie = "session"

// query is the search the walk makes: the demo catalog has products whose
// name holds it and products matched through their brand's name.
const query = "사과"

// steps are the walk's steps, in order. A step that needs what an earlier
// one made fails, saying so, when that one did not make it.
var steps = []struct {
	name string
	run  func(*walker, *testing.T)
}{
	{"browse", (*walker).browse},
	{"search", (*walker).search},
	{"sign_up", (*walker).signUp},
	{"cart", (*walker).cart},
	{"checkout", (*walker).checkout},
	{"board", (*walker).board},
	{"errors", (*walker).errors},
	{"security_headers", (*walker).securityHeaders},
	{"sign_out", (*walker).signOut},
}

// Steps returns the names of the walk's steps, in the order Walk takes
// them. Each is a subtest of the test given to Walk, so that a failure
// names its step: TestX/checkout.
func Steps() []string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.name
	}
	return names
}

// Walk walks through the shop served at base, an absolute http or https
// URL without a path ("http://127.0.0.1:8080"; https needs a certificate
// the system trusts), as a shopper's browser and an API client do, and
// fails t for every answer that is not the shop's. Each step runs as a
// subtest of t (see Steps). The shop must be the demo shop: the walk
// browses its catalog and its notices, and makes two new customers and an
// order for each.
func Walk(t *testing.T, base string) {
	t.Helper()
	w, err := newWalker(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.transport.CloseIdleConnections)
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { s.run(w, t) })
	}
}

// walker is one walk: its two clients and what its steps made for the
// next ones.
type walker struct {
	base      *url.URL
	origin    string
	run       string // unique to the walk, in usernames and keys
	transport *http.Transport
	// browser keeps cookies and does not follow redirects, so that the
	// steps check each one and follow it themselves.
	browser *http.Client
	// api sends no cookies: it is signed in by its Bearer token.
	api *http.Client

	// shopper signed up through the pages; its session is in the browser's
	// jar. customer signed up through the API, with its token.
	shopper  *account
	customer *account
	// browserLine and customerLine are what the cart step put in each
	// cart, for the checkout step to buy.
	browserLine  *line
	customerLine *line
}

type account struct {
	username string
	token    string
}

type line struct {
	product  product
	quantity int
}

// newWalker checks base and makes the walk's clients.
func newWalker(base string) (*walker, error) {
	u, err := url.Parse(base)
	switch {
	case err != nil:
		return nil, fmt.Errorf("smoke: base %q: %v", base, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, fmt.Errorf("smoke: base %q: must be an absolute http or https URL", base)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("smoke: base %q: must be scheme and host alone, without a path (or trailing slash), query, fragment or user", base)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("smoke: cookie jar: %v", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	noRedirects := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &walker{
		base:      u,
		origin:    u.Scheme + "://" + u.Host,
		run:       strings.ToLower(rand.Text()[:10]),
		transport: tr,
		browser:   &http.Client{Transport: tr, Jar: jar, CheckRedirect: noRedirects, Timeout: requestTimeout},
		api:       &http.Client{Transport: tr, CheckRedirect: noRedirects, Timeout: requestTimeout},
	}, nil
}

// ---- requests and answers ----

// request is one request of the walk.
type request struct {
	method string
	path   string // with its query
	// json is sent as an application/json body, form as a browser's
	// form: with the browser's Origin and Sec-Fetch-Site headers.
	json any
	form url.Values
	// token is sent as "Authorization: Bearer".
	token string
	// header is added last, over what the fields above set.
	header http.Header
}

// answer is a response, its body read.
type answer struct {
	what   string // "GET /path", for messages
	status int
	header http.Header
	body   []byte
}

// get sends GET path with c.
func (w *walker) get(t *testing.T, c *http.Client, path string) *answer {
	t.Helper()
	return w.send(t, c, request{method: http.MethodGet, path: path})
}

// send sends req with c and reads the answer; a request that gets no
// answer fails t at once.
func (w *walker) send(t *testing.T, c *http.Client, req request) *answer {
	t.Helper()
	what := req.method + " " + req.path
	if readable, err := url.QueryUnescape(req.path); err == nil {
		what = req.method + " " + readable // the query as typed, for messages
	}
	var body io.Reader
	contentType := ""
	switch {
	case req.json != nil:
		b, err := json.Marshal(req.json)
		if err != nil {
			t.Fatalf("%s: encoding the body: %v", what, err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
	case req.form != nil:
		body, contentType = strings.NewReader(req.form.Encode()), "application/x-www-form-urlencoded"
	}
	r, err := http.NewRequestWithContext(t.Context(), req.method, w.origin+req.path, body)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if req.form != nil {
		// A browser posting a form of the page it shows.
		r.Header.Set("Origin", w.origin)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for name, values := range req.header {
		r.Header[name] = values
	}
	res, err := c.Do(r)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: reading the answer: %v", what, err)
	}
	return &answer{what: what, status: res.StatusCode, header: res.Header, body: b}
}

// excerpt is the start of the answer's body, as text, for messages.
func (a *answer) excerpt() string {
	s := string(a.body)
	if a.mediaType() == "text/html" {
		s = pageText(s)
	}
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	if s = strings.TrimSpace(s); s == "" {
		return "(empty)"
	}
	return s
}

// mediaType is the answer's Content-Type without its parameters.
func (a *answer) mediaType() string {
	mt, _, err := mime.ParseMediaType(a.header.Get("Content-Type"))
	if err != nil {
		return a.header.Get("Content-Type")
	}
	return mt
}

// typeNote is " (media type)" of the answer, or "" when it has none.
func (a *answer) typeNote() string {
	if mt := a.mediaType(); mt != "" {
		return " (" + mt + ")"
	}
	return ""
}

// want fails t at once unless the answer has status and, when mediaType
// is not "", that media type.
func (a *answer) want(t *testing.T, status int, mediaType string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d%s, want %d; body: %s", a.what, a.status, a.typeNote(), status, a.excerpt())
	}
	if mediaType != "" && a.mediaType() != mediaType {
		t.Fatalf("%s: Content-Type %q, want %s; body: %s", a.what, a.header.Get("Content-Type"), mediaType, a.excerpt())
	}
}

// json checks that the answer is status with a JSON body and decodes it
// into v.
func (a *answer) json(t *testing.T, status int, v any) {
	t.Helper()
	a.want(t, status, "application/json")
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("%s: the body is not the JSON expected: %v; body: %s", a.what, err, a.excerpt())
	}
}

// problemDoc is an RFC 9457 problem document, as the API answers errors.
type problemDoc struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Errors map[string]string `json:"errors"`
}

// problem checks that the answer is status with a problem document that
// says the same status, and returns the document.
func (a *answer) problem(t *testing.T, status int) problemDoc {
	t.Helper()
	a.want(t, status, "application/problem+json")
	var doc problemDoc
	if err := json.Unmarshal(a.body, &doc); err != nil {
		t.Fatalf("%s: the problem document does not decode: %v; body: %s", a.what, err, a.excerpt())
	}
	if doc.Status != status || doc.Title == "" || doc.Type == "" {
		t.Errorf("%s: problem document %+v, want status %d with a type and a title", a.what, doc, status)
	}
	return doc
}

// page is an HTML answer: its markup, and its text as a reader sees it.
type page struct {
	what string
	body string
	text string
}

// page checks that the answer is status with an HTML page and returns it.
func (a *answer) page(t *testing.T, status int) page {
	t.Helper()
	a.want(t, status, "text/html")
	body := string(a.body)
	if !strings.Contains(body, "<html") {
		t.Fatalf("%s: the page has no <html> element; body: %s", a.what, a.excerpt())
	}
	return page{what: a.what, body: body, text: pageText(body)}
}

// has fails t unless the page's text holds s; what says what s is.
func (p page) has(t *testing.T, s, what string) {
	t.Helper()
	if !strings.Contains(p.text, collapse(s)) {
		t.Errorf("%s: the page does not show %s (%q)", p.what, what, s)
	}
}

// redirect checks that the answer is 303 See Other to a page of the shop,
// and returns that page's path with its query.
func (w *walker) redirect(t *testing.T, a *answer) string {
	t.Helper()
	if a.status != http.StatusSeeOther {
		t.Fatalf("%s: status %d%s, want 303 See Other; body: %s", a.what, a.status, a.typeNote(), a.excerpt())
	}
	loc, err := w.base.Parse(a.header.Get("Location"))
	if err != nil || loc.Scheme != w.base.Scheme || loc.Host != w.base.Host {
		t.Fatalf("%s: Location %q is not a page of the shop", a.what, a.header.Get("Location"))
	}
	return loc.RequestURI()
}

// postForm posts the form values to action as the browser, which must
// answer 303, and returns where it goes.
func (w *walker) postForm(t *testing.T, action string, values url.Values) string {
	t.Helper()
	return w.redirect(t, w.send(t, w.browser, request{method: http.MethodPost, path: action, form: values}))
}

// sessionToken returns the browser's session cookie, or "".
func (w *walker) sessionToken() string {
	for _, c := range w.browser.Jar.Cookies(w.base) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// ---- what the API answers ----

type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

type money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type product struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Price money  `json:"price"`
	Brand *ref   `json:"brand"`
}

type brand struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Problem ref    `json:"problem"`
}

type problem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type accountJSON struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Nickname  string `json:"nickname"`
	CartCount int    `json:"cart_count"`
}

type session struct {
	Token   string      `json:"token"`
	Account accountJSON `json:"account"`
}

type cartJSON struct {
	Items []struct {
		Product   product `json:"product"`
		Quantity  int     `json:"quantity"`
		LineTotal money   `json:"line_total"`
	} `json:"items"`
	Count    int   `json:"count"`
	Subtotal money `json:"subtotal"`
}

type orderJSON struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Status string `json:"status"`
	Lines  []struct {
		ProductID string `json:"product_id"`
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		LineTotal money  `json:"line_total"`
	} `json:"lines"`
	Total         money  `json:"total"`
	PaymentMethod string `json:"payment_method"`
	Address       struct {
		Recipient string `json:"recipient"`
		Zipcode   string `json:"zipcode"`
	} `json:"address"`
}

type post struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	Pinned bool   `json:"pinned"`
	Author struct {
		Nickname string `json:"nickname"`
	} `json:"author"`
}

type boardJSON struct {
	Pinned []post `json:"pinned"`
	Items  []post `json:"items"`
	Page   int    `json:"page"`
	Pages  int    `json:"pages"`
	Total  int    `json:"total"`
}

// products returns the two newest products, which the cart steps buy.
func (w *walker) products(t *testing.T) (product, product) {
	t.Helper()
	var l list[product]
	w.get(t, w.api, "/api/products?limit=2").json(t, http.StatusOK, &l)
	if len(l.Items) < 2 {
		t.Fatalf("GET /api/products?limit=2: %d products, want 2: the walk needs the demo catalog", len(l.Items))
	}
	return l.Items[0], l.Items[1]
}

// ---- browse ----

func (w *walker) browse(t *testing.T) {
	home := w.get(t, w.browser, "/").page(t, http.StatusOK)
	linked := ids(home.body, "/products/")
	if len(linked) == 0 {
		t.Fatalf("GET /: the home page links to no product; text: %.300s", home.text)
	}

	var newest list[product]
	w.get(t, w.api, "/api/products").json(t, http.StatusOK, &newest)
	if len(newest.Items) == 0 {
		t.Fatal("GET /api/products: no products: the walk needs the demo catalog")
	}
	for _, p := range newest.Items {
		if p.ID == "" || p.Name == "" || p.Price.Amount == "" || p.Price.Currency == "" {
			t.Errorf("GET /api/products: a product without id, name or price: %+v", p)
		}
	}
	// The home page shows the newest products, which the API lists first.
	for _, id := range linked {
		if !slices.ContainsFunc(newest.Items, func(p product) bool { return p.ID == id }) {
			t.Errorf("GET /: links to product %s, which is not among the newest of GET /api/products", id)
		}
	}

	var p product
	w.get(t, w.api, "/api/products/"+linked[0]).json(t, http.StatusOK, &p)
	if p.ID != linked[0] || p.Name == "" {
		t.Errorf("GET /api/products/%s: %+v, want that product", linked[0], p)
	}
	home.has(t, p.Name, "the name of the product it links to")
	pp := w.get(t, w.browser, "/products/"+p.ID).page(t, http.StatusOK)
	pp.has(t, p.Name, "the product's name")
	if f, err := formOf(pp.body, "/cart/items"); err != nil {
		t.Errorf("GET /products/%s: %v", p.ID, err)
	} else if f.values.Get("product_id") != p.ID {
		t.Errorf("GET /products/%s: the cart form names product %q", p.ID, f.values.Get("product_id"))
	}

	var brands list[brand]
	w.get(t, w.api, "/api/brands").json(t, http.StatusOK, &brands)
	if len(brands.Items) == 0 {
		t.Fatal("GET /api/brands: no brands: the walk needs the demo catalog")
	}
	bp := w.get(t, w.browser, "/brands").page(t, http.StatusOK)
	for _, b := range brands.Items {
		bp.has(t, b.Name, "a brand of GET /api/brands")
	}
	brandIDs := ids(bp.body, "/brands/")
	if len(brandIDs) == 0 {
		t.Fatal("GET /brands: the page links to no brand")
	}
	i := slices.IndexFunc(brands.Items, func(b brand) bool { return b.ID == brandIDs[0] })
	if i < 0 {
		t.Fatalf("GET /brands: links to brand %s, which GET /api/brands does not list", brandIDs[0])
	}
	brandPage := w.get(t, w.browser, "/brands/"+brandIDs[0]).page(t, http.StatusOK)
	brandPage.has(t, brands.Items[i].Name, "the brand's name")
	if brands.Items[i].Problem.Name != "" {
		brandPage.has(t, brands.Items[i].Problem.Name, "the brand's social problem")
	}

	var problems list[problem]
	w.get(t, w.api, "/api/problems").json(t, http.StatusOK, &problems)
	if len(problems.Items) == 0 {
		t.Error("GET /api/problems: no problems: the walk needs the demo catalog")
	}
	pr := w.get(t, w.browser, "/problems").page(t, http.StatusOK)
	for _, p := range problems.Items {
		pr.has(t, p.Name, "a problem of GET /api/problems")
	}

	svg := w.get(t, w.browser, "/static/placeholder.svg")
	svg.want(t, http.StatusOK, "image/svg+xml")
	if !bytes.Contains(svg.body, []byte("<svg")) {
		t.Errorf("GET /static/placeholder.svg: not an SVG image: %s", svg.excerpt())
	}

	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		var st struct{ Status string }
		w.get(t, w.api, path).json(t, http.StatusOK, &st)
		if st.Status != want {
			t.Errorf("GET %s: status %q, want %q", path, st.Status, want)
		}
	}

	var doc struct {
		OpenAPI string                     `json:"openapi"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	w.get(t, w.api, "/api/openapi.json").json(t, http.StatusOK, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("GET /api/openapi.json: openapi %q, want an OpenAPI 3 version", doc.OpenAPI)
	}
	// That the document describes every route is the API's own tests'
	// to check; the walk checks that it is served whole, with the paths
	// the walk itself takes.
	for _, path := range []string{"/api/products", "/api/products/{id}", "/api/search/suggest", "/api/accounts",
		"/api/me", "/api/cart", "/api/cart/items", "/api/orders", "/api/orders/{id}", "/api/posts", "/api/posts/{id}"} {
		if _, ok := doc.Paths[path]; !ok {
			t.Errorf("GET /api/openapi.json: no path %s", path)
		}
	}
}

// ---- search ----

// matches reports whether p is found by the walk's query: through its
// own name or its brand's.
func matches(p product) (byName, byBrand bool) {
	return strings.Contains(p.Name, query), p.Brand != nil && strings.Contains(p.Brand.Name, query)
}

func (w *walker) search(t *testing.T) {
	q := url.Values{"q": {query}}.Encode()
	var found list[product]
	w.get(t, w.api, "/api/products?"+q).json(t, http.StatusOK, &found)
	named := 0
	for _, p := range found.Items {
		byName, byBrand := matches(p)
		if byName {
			named++
		}
		if !byName && !byBrand {
			t.Errorf("GET /api/products?q=%s: %q (brand %v) holds %q neither in its name nor its brand's", query, p.Name, p.Brand, query)
		}
	}
	if named == 0 {
		t.Fatalf("GET /api/products?q=%s: no product whose name holds it among %d results", query, len(found.Items))
	}

	var best list[product]
	w.get(t, w.api, "/api/products?"+q+"&sort=relevance").json(t, http.StatusOK, &best)
	if found.NextCursor == nil && best.NextCursor == nil && len(best.Items) != len(found.Items) {
		t.Errorf("GET /api/products?q=%s&sort=relevance: %d products, the newest order %d", query, len(best.Items), len(found.Items))
	}
	// Products whose own name holds the query come before those found
	// through their brand, and one whose name starts with it comes first.
	startsWith, brandOnly := false, false
	for i, p := range best.Items {
		byName, _ := matches(p)
		if byName && brandOnly {
			t.Errorf("sort=relevance: %q, whose name holds %q, comes after a product found through its brand", p.Name, query)
		}
		brandOnly = brandOnly || !byName
		if strings.HasPrefix(p.Name, query) {
			startsWith = true
			if i > 0 && !strings.HasPrefix(best.Items[0].Name, query) {
				t.Errorf("sort=relevance: %q starts with %q, but %q comes first", p.Name, query, best.Items[0].Name)
			}
		}
	}
	if !startsWith && len(best.Items) > 0 {
		t.Logf("sort=relevance: no product's name starts with %q; the order is not checked further", query)
	}

	var suggest struct {
		Suggestions []struct {
			Kind string `json:"kind"`
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"suggestions"`
	}
	w.get(t, w.api, "/api/search/suggest?"+q).json(t, http.StatusOK, &suggest)
	if len(suggest.Suggestions) == 0 {
		t.Errorf("GET /api/search/suggest?q=%s: no suggestions", query)
	}
	for _, s := range suggest.Suggestions {
		if (s.Kind != "brand" && s.Kind != "product") || s.ID == "" || !strings.Contains(s.Name, query) {
			t.Errorf("GET /api/search/suggest?q=%s: suggestion %+v, want a brand or product whose name holds it", query, s)
		}
	}

	// The storefront's search is its home page with ?query=.
	results := w.get(t, w.browser, "/?"+url.Values{"query": {query}}.Encode()).page(t, http.StatusOK)
	shown := ids(results.body, "/products/")
	if len(shown) == 0 {
		t.Fatalf("GET /?query=%s: the results page links to no product; text: %.300s", query, results.text)
	}
	results.has(t, found.Items[0].Name, "the newest product found")
	for _, id := range shown {
		if !slices.ContainsFunc(found.Items, func(p product) bool { return p.ID == id }) {
			t.Errorf("GET /?query=%s: shows product %s, which GET /api/products?q=%s does not find", query, id, query)
		}
	}
}

// ---- sign up ----

// newAccount returns the fields of a new account of this walk; who tells
// the accounts of one walk apart.
func (w *walker) newAccount(who string) (username, password, nickname, email string) {
	username = "walk_" + w.run + "_" + who
	password = "Walk-" + rand.Text()[:14]
	return username, password, "산책" + w.run[:6] + who, username + "@example.com"
}

func (w *walker) signUp(t *testing.T) {
	t.Run("page", func(t *testing.T) {
		p := w.get(t, w.browser, "/accounts/signup").page(t, http.StatusOK)
		f, err := formOf(p.body, "/accounts/signup")
		if err != nil {
			t.Fatalf("GET /accounts/signup: %v", err)
		}
		username, password, nickname, email := w.newAccount("page")
		f.values.Set("username", username)
		f.values.Set("password", password)
		f.values.Set("password_confirm", password)
		f.values.Set("nickname", nickname)
		f.values.Set("email", email)
		if choices := f.choices["interests"]; len(choices) > 0 {
			f.values.Set("interests", choices[0])
		}
		next := w.postForm(t, "/accounts/signup", f.values)
		token := w.sessionToken()
		if token == "" {
			t.Fatal("POST /accounts/signup: no session cookie set")
		}
		landing := w.get(t, w.browser, next).page(t, http.StatusOK)
		if _, err := formOf(landing.body, "/accounts/logout"); err != nil {
			t.Errorf("GET %s after signing up: the page does not show a signed-in shopper: %v", next, err)
		}
		var me accountJSON
		w.get(t, w.browser, "/api/me").json(t, http.StatusOK, &me)
		if me.Username != username || me.Nickname != nickname {
			t.Fatalf("GET /api/me with the page's session: %+v, want %s (%s)", me, username, nickname)
		}
		w.shopper = &account{username: username, token: token}
	})

	t.Run("api", func(t *testing.T) {
		username, password, nickname, email := w.newAccount("api")
		a := w.send(t, w.api, request{method: http.MethodPost, path: "/api/accounts", json: map[string]string{
			"username": username, "password": password, "password_confirm": password,
			"nickname": nickname, "email": email,
		}})
		var s session
		a.json(t, http.StatusCreated, &s)
		if s.Token == "" || s.Account.Username != username || s.Account.CartCount != 0 {
			t.Fatalf("POST /api/accounts: %+v, want a token and the account %s with an empty cart", s, username)
		}
		var me accountJSON
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/me", token: s.Token}).json(t, http.StatusOK, &me)
		if me.Username != username || me.ID != s.Account.ID {
			t.Fatalf("GET /api/me with the Bearer token: %+v, want %+v", me, s.Account)
		}
		w.customer = &account{username: username, token: s.Token}
	})
}

// ---- cart ----

func (w *walker) cart(t *testing.T) {
	first, second := w.products(t)

	t.Run("page", func(t *testing.T) {
		if w.shopper == nil {
			t.Fatal("no shopper signed in through the pages: the sign_up step failed")
		}
		p := w.get(t, w.browser, "/products/"+first.ID).page(t, http.StatusOK)
		f, err := formOf(p.body, "/cart/items")
		if err != nil {
			t.Fatalf("GET /products/%s: %v", first.ID, err)
		}
		f.values.Set("quantity", "2")
		next := w.postForm(t, "/cart/items", f.values)
		if !strings.HasPrefix(next, "/products/"+first.ID) {
			t.Errorf("POST /cart/items: goes to %s, want the product's page", next)
		}
		w.get(t, w.browser, next).page(t, http.StatusOK).has(t, "장바구니에 담았습니다", "that the product went in the cart")

		cp := w.get(t, w.browser, "/cart").page(t, http.StatusOK)
		cp.has(t, first.Name, "the product put in it")
		cp.has(t, "(2개)", "the count of units")
		var c cartJSON
		w.get(t, w.browser, "/api/cart").json(t, http.StatusOK, &c)
		if c.Count != 2 || len(c.Items) != 1 || c.Items[0].Product.ID != first.ID || c.Items[0].Quantity != 2 {
			t.Fatalf("GET /api/cart with the page's session: %+v, want 2 of %s", c, first.ID)
		}
		w.browserLine = &line{product: first, quantity: 2}
	})

	t.Run("api", func(t *testing.T) {
		if w.customer == nil {
			t.Fatal("no customer signed up through the API: the sign_up step failed")
		}
		var c cartJSON
		w.send(t, w.api, request{
			method: http.MethodPost, path: "/api/cart/items", token: w.customer.token,
			json: map[string]any{"product_id": second.ID, "quantity": 3},
		}).json(t, http.StatusOK, &c)
		if c.Count != 3 {
			t.Errorf("POST /api/cart/items: count %d, want 3", c.Count)
		}
		c = cartJSON{}
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/cart", token: w.customer.token}).json(t, http.StatusOK, &c)
		if c.Count != 3 || len(c.Items) != 1 || c.Items[0].Product.ID != second.ID || c.Items[0].Quantity != 3 {
			t.Fatalf("GET /api/cart: %+v, want 3 of %s", c, second.ID)
		}
		if want := times(t, second.Price.Amount, 3); c.Subtotal.Amount != want {
			t.Errorf("GET /api/cart: subtotal %s, want 3 × %s = %s", c.Subtotal.Amount, second.Price.Amount, want)
		}
		w.customerLine = &line{product: second, quantity: 3}
	})
}

// times returns the whole amount times n, as the API writes amounts.
func times(t *testing.T, amount string, n int) string {
	t.Helper()
	v, err := strconv.ParseInt(amount, 10, 64)
	if err != nil {
		t.Fatalf("amount %q is not a whole number of won: %v", amount, err)
	}
	return strconv.FormatInt(v*int64(n), 10)
}

// ---- checkout ----

// address is where the walk's orders go.
var address = map[string]string{
	"recipient": "김산책",
	"phone":     "010-1234-5678",
	"line1":     "서울특별시 중구 세종대로 110",
	"zipcode":   "04524",
}

// orderPath matches the address of an order's page.
var orderPath = regexp.MustCompile(`^/orders/(` + uuidPattern + `)$`)

// checkOrder fails t unless o is a paid order of l, to the walk's
// address.
func checkOrder(t *testing.T, what string, o orderJSON, l *line) {
	t.Helper()
	if o.ID == "" || o.Number == "" || o.Status != "paid" || o.PaymentMethod != "card" {
		t.Errorf("%s: order %s (%s): status %q, payment %q; want a paid card order with an id and number", what, o.ID, o.Number, o.Status, o.PaymentMethod)
	}
	if len(o.Lines) != 1 || o.Lines[0].ProductID != l.product.ID || o.Lines[0].Quantity != l.quantity {
		t.Errorf("%s: lines %+v, want %d of %s", what, o.Lines, l.quantity, l.product.ID)
	}
	if want := times(t, l.product.Price.Amount, l.quantity); o.Total.Amount != want {
		t.Errorf("%s: total %s, want %d × %s = %s", what, o.Total.Amount, l.quantity, l.product.Price.Amount, want)
	}
	if o.Address.Recipient != address["recipient"] || o.Address.Zipcode != address["zipcode"] {
		t.Errorf("%s: address %+v, want the one given", what, o.Address)
	}
}

func (w *walker) checkout(t *testing.T) {
	t.Run("page", func(t *testing.T) {
		if w.browserLine == nil {
			t.Fatal("no cart to check out: the cart step failed")
		}
		p := w.get(t, w.browser, "/checkout").page(t, http.StatusOK)
		p.has(t, w.browserLine.product.Name, "the product in the cart")
		f, err := formOf(p.body, "/checkout")
		if err != nil {
			t.Fatalf("GET /checkout: %v", err)
		}
		if f.values.Get("idempotency_key") == "" {
			t.Errorf("GET /checkout: the form carries no idempotency_key")
		}
		if !slices.Contains(f.choices["payment_method"], "card") {
			t.Fatalf("GET /checkout: payment methods %v, want card among them", f.choices["payment_method"])
		}
		for name, v := range address {
			f.values.Set(name, v)
		}
		f.values.Set("payment_method", "card")
		next := w.postForm(t, "/checkout", f.values)
		m := orderPath.FindStringSubmatch(next)
		if m == nil {
			t.Fatalf("POST /checkout: goes to %s, want an order's page", next)
		}
		op := w.get(t, w.browser, next).page(t, http.StatusOK)
		op.has(t, w.browserLine.product.Name, "the product ordered")
		op.has(t, address["recipient"], "the recipient")

		var o orderJSON
		w.get(t, w.browser, "/api/orders/"+m[1]).json(t, http.StatusOK, &o)
		checkOrder(t, "GET /api/orders/"+m[1], o, w.browserLine)
		op.has(t, o.Number, "the order's number")

		// The same form sent again (a reload, a double click) is the same
		// order.
		if again := w.postForm(t, "/checkout", f.values); again != next {
			t.Errorf("POST /checkout again: goes to %s, want the same order %s", again, next)
		}
		var orders list[orderJSON]
		w.get(t, w.browser, "/api/orders").json(t, http.StatusOK, &orders)
		if len(orders.Items) != 1 || orders.Items[0].ID != o.ID {
			t.Errorf("GET /api/orders: %d orders, want the one order %s", len(orders.Items), o.ID)
		}
		var c cartJSON
		w.get(t, w.browser, "/api/cart").json(t, http.StatusOK, &c)
		if c.Count != 0 {
			t.Errorf("GET /api/cart after the checkout: count %d, want 0", c.Count)
		}
	})

	t.Run("api", func(t *testing.T) {
		if w.customerLine == nil {
			t.Fatal("no cart to check out: the cart step failed")
		}
		body := map[string]any{"source": "cart", "address": address, "payment_method": "card"}
		noKey := w.send(t, w.api, request{method: http.MethodPost, path: "/api/orders", token: w.customer.token, json: body})
		if doc := noKey.problem(t, http.StatusBadRequest); doc.Errors["Idempotency-Key"] == "" {
			t.Errorf("POST /api/orders without Idempotency-Key: errors %v, want it named", doc.Errors)
		}

		key := http.Header{"Idempotency-Key": {"walk-" + w.run + "-" + rand.Text()}}
		checkout := request{method: http.MethodPost, path: "/api/orders", token: w.customer.token, json: body, header: key}
		var o orderJSON
		first := w.send(t, w.api, checkout)
		first.json(t, http.StatusCreated, &o)
		checkOrder(t, "POST /api/orders", o, w.customerLine)
		if loc := first.header.Get("Location"); loc != "/api/orders/"+o.ID {
			t.Errorf("POST /api/orders: Location %q, want /api/orders/%s", loc, o.ID)
		}
		var again orderJSON
		w.send(t, w.api, checkout).json(t, http.StatusCreated, &again)
		if again.ID != o.ID || again.Number != o.Number {
			t.Errorf("POST /api/orders with the same Idempotency-Key: order %s (%s), want the same %s (%s)", again.ID, again.Number, o.ID, o.Number)
		}

		var read orderJSON
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/orders/" + o.ID, token: w.customer.token}).json(t, http.StatusOK, &read)
		if read.ID != o.ID || read.Number != o.Number {
			t.Errorf("GET /api/orders/%s: order %s (%s)", o.ID, read.ID, read.Number)
		}
		var orders list[orderJSON]
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/orders", token: w.customer.token}).json(t, http.StatusOK, &orders)
		if len(orders.Items) != 1 || orders.Items[0].ID != o.ID {
			t.Errorf("GET /api/orders: %d orders, want the one order %s", len(orders.Items), o.ID)
		}
		var c cartJSON
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/cart", token: w.customer.token}).json(t, http.StatusOK, &c)
		if c.Count != 0 {
			t.Errorf("GET /api/cart after the checkout: count %d, want 0", c.Count)
		}
	})
}

// ---- board ----

func (w *walker) board(t *testing.T) {
	var l boardJSON
	w.get(t, w.api, "/api/posts").json(t, http.StatusOK, &l)
	posts := append(slices.Clone(l.Pinned), l.Items...)
	if len(posts) == 0 || l.Page != 1 || l.Total < len(l.Items) {
		t.Fatalf("GET /api/posts: %d pinned, %d items, page %d, total %d: want the demo notices on page 1",
			len(l.Pinned), len(l.Items), l.Page, l.Total)
	}
	bp := w.get(t, w.browser, "/board").page(t, http.StatusOK)
	linked := ids(bp.body, "/board/")
	for _, p := range posts {
		bp.has(t, p.Title, "a notice of GET /api/posts")
		if !slices.Contains(linked, p.ID) {
			t.Errorf("GET /board: no link to notice %s (%q)", p.ID, p.Title)
		}
	}

	p := posts[len(posts)-1]
	var read post
	w.get(t, w.api, "/api/posts/"+p.ID).json(t, http.StatusOK, &read)
	if read.ID != p.ID || read.Title != p.Title || read.Body == "" {
		t.Errorf("GET /api/posts/%s: %+v, want the notice %q with its body", p.ID, read, p.Title)
	}
	pp := w.get(t, w.browser, "/board/"+p.ID).page(t, http.StatusOK)
	pp.has(t, p.Title, "the notice's title")
	pp.has(t, p.Author.Nickname, "the notice's author")
	if first, _, _ := strings.Cut(strings.TrimSpace(read.Body), "\n"); first != "" {
		pp.has(t, first, "the first line of the notice's body")
	}
}

// ---- errors ----

func (w *walker) errors(t *testing.T) {
	missing := randomID()
	w.get(t, w.api, "/api/nope").problem(t, http.StatusNotFound)
	w.get(t, w.api, "/api/products/"+missing).problem(t, http.StatusNotFound)

	for _, path := range []string{"/nope-" + w.run, "/products/" + missing} {
		w.get(t, w.browser, path).page(t, http.StatusNotFound).has(t, "페이지를 찾을 수 없습니다", "the shop's 404 page")
	}

	wrong := w.send(t, w.api, request{method: http.MethodPut, path: "/api/products", json: map[string]string{}})
	wrong.problem(t, http.StatusMethodNotAllowed)
	allow := strings.Split(strings.ReplaceAll(wrong.header.Get("Allow"), " ", ""), ",")
	if !slices.Contains(allow, http.MethodGet) || !slices.Contains(allow, http.MethodPost) || slices.Contains(allow, http.MethodPut) {
		t.Errorf("PUT /api/products: Allow %q, want GET and POST", wrong.header.Get("Allow"))
	}

	if doc := w.get(t, w.api, "/api/products?limit=0").problem(t, http.StatusBadRequest); doc.Errors["limit"] == "" {
		t.Errorf("GET /api/products?limit=0: errors %v, want limit named", doc.Errors)
	}

	// A form that another site posts with the shopper's cookie is
	// refused, for the pages and the API alike, and changes nothing.
	first, _ := w.products(t)
	var before, after cartJSON
	w.get(t, w.browser, "/api/cart").json(t, http.StatusOK, &before)
	evil := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	w.send(t, w.browser, request{
		method: http.MethodPost, path: "/cart/items", header: evil,
		form: url.Values{"product_id": {first.ID}, "quantity": {"1"}},
	}).page(t, http.StatusForbidden)
	w.send(t, w.browser, request{
		method: http.MethodPost, path: "/api/cart/items", header: evil,
		json: map[string]any{"product_id": first.ID, "quantity": 1},
	}).problem(t, http.StatusForbidden)
	w.get(t, w.browser, "/api/cart").json(t, http.StatusOK, &after)
	if after.Count != before.Count {
		t.Errorf("the cross-site posts changed the cart: count %d, was %d", after.Count, before.Count)
	}
}

// randomID returns a random version 4 UUID, which names nothing in the
// shop.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ---- security headers ----

func (w *walker) securityHeaders(t *testing.T) {
	check := func(c *http.Client, path string) {
		t.Helper()
		a := w.get(t, c, path)
		if got := a.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (%d): X-Content-Type-Options %q, want nosniff", path, a.status, got)
		}
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src") {
			t.Errorf("GET %s (%d): Content-Security-Policy %q, want a policy with default-src", path, a.status, csp)
		}
	}
	for _, path := range []string{"/api/products", "/api/nope", "/api/me", "/healthz", "/api/openapi.json", "/static/placeholder.svg"} {
		check(w.api, path)
	}
	for _, path := range []string{"/", "/brands", "/cart", "/board", "/accounts/login", "/nope-" + w.run} {
		check(w.browser, path)
	}
}

// ---- sign out ----

func (w *walker) signOut(t *testing.T) {
	t.Run("api", func(t *testing.T) {
		if w.customer == nil {
			t.Fatal("no API customer to sign out: the sign_up step failed")
		}
		w.send(t, w.api, request{method: http.MethodDelete, path: "/api/session", token: w.customer.token}).want(t, http.StatusNoContent, "")
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/me", token: w.customer.token}).problem(t, http.StatusUnauthorized)
	})

	t.Run("page", func(t *testing.T) {
		if w.shopper == nil {
			t.Fatal("no shopper to sign out: the sign_up step failed")
		}
		home := w.get(t, w.browser, "/").page(t, http.StatusOK)
		f, err := formOf(home.body, "/accounts/logout")
		if err != nil {
			t.Fatalf("GET / signed in: %v", err)
		}
		if next := w.postForm(t, "/accounts/logout", f.values); next != "/" {
			t.Errorf("POST /accounts/logout: goes to %s, want /", next)
		}
		if w.sessionToken() != "" {
			t.Error("POST /accounts/logout: the session cookie is still set")
		}
		after := w.get(t, w.browser, "/").page(t, http.StatusOK)
		if _, err := formOf(after.body, "/accounts/logout"); err == nil {
			t.Error("GET / after signing out: the page still offers to sign out")
		}
		// The session itself has ended: its token signs no one in, as a
		// cookie or as a Bearer token.
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/me",
			header: http.Header{"Cookie": {sessionCookie + "=" + w.shopper.token}}}).problem(t, http.StatusUnauthorized)
		w.send(t, w.api, request{method: http.MethodGet, path: "/api/me", token: w.shopper.token}).problem(t, http.StatusUnauthorized)
	})
}

// ---- reading pages ----

const uuidPattern = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

var (
	tagRE       = regexp.MustCompile(`<[^>]*>`)
	formRE      = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	controlRE   = regexp.MustCompile(`(?is)<input\b([^>]*)>|<textarea\b([^>]*)>(.*?)</textarea>`)
	attributeRE = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>` + "`" + `]+)))?`)
)

// pageText is the text of an HTML page as a reader sees it: without
// tags, with entities decoded and runs of spaces made one.
func pageText(body string) string {
	return collapse(html.UnescapeString(tagRE.ReplaceAllString(body, " ")))
}

// collapse makes every run of white space in s one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// ids returns the ids that the links of body (href="{prefix}{id}") name,
// each once, in their order; nil when there are none.
func ids(body, prefix string) []string {
	re := regexp.MustCompile(`href="` + regexp.QuoteMeta(prefix) + `(` + uuidPattern + `)"`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// attributes returns the attributes of a tag's inside, by lower-case
// name, their values decoded; an attribute without a value is "".
func attributes(inside string) map[string]string {
	out := make(map[string]string)
	for _, m := range attributeRE.FindAllStringSubmatch(inside, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2] + m[3] + m[4])
	}
	return out
}

// form is what a browser sends of a form as the page shows it.
type form struct {
	// values are the form's successful controls: every named input but
	// buttons and files, checkboxes and radio buttons only when checked,
	// and textareas.
	values url.Values
	// choices are the values of the checkboxes and radio buttons by name,
	// checked or not, in their order.
	choices map[string][]string
}

// formOf finds the form of body that posts to action and returns what a
// browser would send of it.
func formOf(body, action string) (form, error) {
	for _, m := range formRE.FindAllStringSubmatch(body, -1) {
		attrs := attributes(m[1])
		if attrs["action"] != action || !strings.EqualFold(attrs["method"], http.MethodPost) {
			continue
		}
		f := form{values: url.Values{}, choices: map[string][]string{}}
		for _, c := range controlRE.FindAllStringSubmatch(m[2], -1) {
			if c[2] != "" || strings.HasPrefix(strings.ToLower(c[0]), "<textarea") {
				a := attributes(c[2])
				if name, ok := a["name"]; ok && name != "" {
					if _, disabled := a["disabled"]; !disabled {
						f.values.Add(name, html.UnescapeString(c[3]))
					}
				}
				continue
			}
			a := attributes(c[1])
			name := a["name"]
			if _, disabled := a["disabled"]; name == "" || disabled {
				continue
			}
			value, hasValue := a["value"]
			switch typ := strings.ToLower(a["type"]); typ {
			case "submit", "button", "reset", "image", "file":
			case "checkbox", "radio":
				if !hasValue {
					value = "on"
				}
				f.choices[name] = append(f.choices[name], value)
				if _, checked := a["checked"]; checked {
					f.values.Add(name, value)
				}
			default:
				f.values.Add(name, value)
			}
		}
		return f, nil
	}
	return form{}, errors.New("no form that posts to " + action)
}
