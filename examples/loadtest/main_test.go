package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeShop mimics the routes loadtest uses, just enough to check the
// requests it builds and to count them. It answers 400 for anything it
// does not expect, so a malformed request shows up as an error in the
// run.
type fakeShop struct {
	// failCart makes every failCart-th GET /api/cart answer 503 (0: never).
	failCart int

	mu        sync.Mutex
	counts    map[string]int // by scenario, from the timed requests
	failed    int            // 503s answered
	users     map[string]bool
	carts     map[string][]string // by token
	cartReads map[string]int      // by token
	keys      map[string]bool     // idempotency keys seen
	products  []string            // made by staff, the first is fakeProduct
	ordered   map[string]int      // units ordered, by product
	reads     map[string]int      // GET /api/products/{id}, by id

	// What the instances of a shop (instance) saw, by instance name.
	byInstance map[string]map[string]int // timed requests, by scenario
	last       map[string]string         // the instance of each scenario's last request
	repeats    map[string]int            // requests of a scenario to the same instance as the one before
	tokenSeen  map[string]map[string]bool
	signUps    map[string]int
	// madeOn is the instance where each token was made.
	madeOn map[string]string
}

func newFakeShop() *fakeShop {
	return &fakeShop{
		counts: map[string]int{}, users: map[string]bool{}, carts: map[string][]string{},
		cartReads: map[string]int{}, keys: map[string]bool{}, ordered: map[string]int{}, reads: map[string]int{},
		byInstance: map[string]map[string]int{}, last: map[string]string{}, repeats: map[string]int{},
		tokenSeen: map[string]map[string]bool{}, signUps: map[string]int{}, madeOn: map[string]string{},
	}
}

// instanceHeader carries the name of the instance of a fake shop that a
// request reached, from instance to serve.
const instanceHeader = "X-Fake-Instance"

// instance is one instance of a fake shop: several share the shop's
// state, as instances of the server share a database and a Redis.
func (f *fakeShop) instance(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(instanceHeader, name)
		f.ServeHTTP(w, r)
	})
}

// count counts a timed request of scenario, in all and by instance.
func (f *fakeShop) count(r *http.Request, scenario string) {
	f.counts[scenario]++
	inst := r.Header.Get(instanceHeader)
	if f.byInstance[inst] == nil {
		f.byInstance[inst] = map[string]int{}
	}
	f.byInstance[inst][scenario]++
	if last, ok := f.last[scenario]; ok && last == inst {
		f.repeats[scenario]++
	}
	f.last[scenario] = inst
}

const (
	fakeStaffUser  = "boss"
	fakeStaffPass  = "Quokka-lantern-93"
	fakeStaffToken = "staff-token"
	fakeProduct    = "p-load"
)

func (f *fakeShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, out := f.serve(r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}

// bad is a 400 answer saying why.
func bad(format string, args ...any) (int, any) {
	return http.StatusBadRequest, map[string]string{"detail": fmt.Sprintf(format, args...)}
}

func (f *fakeShop) serve(r *http.Request) (int, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token != "" {
		if f.tokenSeen[token] == nil {
			f.tokenSeen[token] = map[string]bool{}
		}
		f.tokenSeen[token][r.Header.Get(instanceHeader)] = true
	}
	decode := func(v any) error {
		if r.Header.Get("Content-Type") != "application/json" {
			return errors.New("not JSON")
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	switch route := r.Method + " " + r.URL.Path; route {
	case "POST /api/session":
		var in struct{ Username, Password string }
		if err := decode(&in); err != nil || in.Username != fakeStaffUser || in.Password != fakeStaffPass {
			return http.StatusUnauthorized, map[string]string{"detail": "wrong username or password"}
		}
		return http.StatusOK, map[string]string{"token": fakeStaffToken}

	case "POST /api/products":
		var in struct {
			Name, Description string
			Price             struct{ Amount, Currency string }
			Images            []string
			Stock             *int
		}
		if token != fakeStaffToken {
			return http.StatusForbidden, nil
		}
		if err := decode(&in); err != nil || in.Name == "" || in.Price.Currency != "KRW" || in.Stock == nil || *in.Stock != orderStock {
			return bad("product %+v: %v", in, err)
		}
		id := fakeProduct
		if len(f.products) > 0 {
			id = fmt.Sprintf("%s-%d", fakeProduct, len(f.products))
		}
		f.products = append(f.products, id)
		return http.StatusCreated, map[string]string{"id": id}

	case "GET /api/products":
		q := r.URL.Query()
		switch {
		case q.Has("q"):
			if q.Get("q") != "사과" || !strings.Contains(r.URL.RawQuery, "%EC%82%AC%EA%B3%BC") {
				return bad("q %q in %q", q.Get("q"), r.URL.RawQuery)
			}
			f.count(r, "search")
		case q.Get("limit") == "8":
			f.count(r, "home")
		case q.Get("limit") == "20": // the setup's look for cart products, and for the product scenarios
		default:
			return bad("query %q", r.URL.RawQuery)
		}
		five := 5
		zero := 0
		big := orderStock
		return http.StatusOK, map[string]any{"items": []map[string]any{
			{"id": fakeProduct, "stock": &big}, {"id": "p1", "stock": nil},
			{"id": "p2", "stock": &zero}, {"id": "p3", "stock": &five},
		}}

	case "POST /api/accounts":
		var in struct {
			Username, Password string
			PasswordConfirm    string `json:"password_confirm"`
			Nickname, Email    string
			Interests          []string
		}
		if err := decode(&in); err != nil || in.Password != in.PasswordConfirm || in.Nickname == "" || !strings.Contains(in.Email, "@") {
			return bad("sign-up %+v: %v", in, err)
		}
		if f.users[in.Username] {
			return http.StatusConflict, nil
		}
		f.users[in.Username] = true
		t := "tok-" + in.Username
		f.carts[t] = []string{}
		f.signUps[r.Header.Get(instanceHeader)]++
		f.madeOn[t] = r.Header.Get(instanceHeader)
		return http.StatusCreated, map[string]string{"token": t}

	case "POST /api/cart/items":
		var in struct {
			ProductID string `json:"product_id"`
			Quantity  int
		}
		if _, ok := f.carts[token]; !ok {
			return http.StatusUnauthorized, nil
		}
		if err := decode(&in); err != nil || in.Quantity != 1 {
			return bad("cart item %+v: %v", in, err)
		}
		f.carts[token] = append(f.carts[token], in.ProductID)
		return http.StatusOK, map[string]int{"count": len(f.carts[token])}

	case "GET /api/cart":
		cart, ok := f.carts[token]
		if !ok {
			return http.StatusUnauthorized, nil
		}
		if len(cart) != 2 || cart[0] == cart[1] || slices.Contains(cart, "p2") {
			return bad("cart %q, want two products in stock", cart)
		}
		f.count(r, "cart")
		f.cartReads[token]++
		if f.failCart > 0 && f.counts["cart"]%f.failCart == 0 {
			f.failed++
			return http.StatusServiceUnavailable, map[string]string{"detail": "the fake is down"}
		}
		return http.StatusOK, map[string]int{"count": len(cart)}

	case "POST /api/orders":
		var in struct {
			ProductID     string `json:"product_id"`
			Quantity      int
			Address       struct{ Recipient, Phone, Line1, Line2, City, Zipcode, Note string }
			PaymentMethod string `json:"payment_method"`
		}
		if _, ok := f.carts[token]; !ok {
			return http.StatusUnauthorized, nil
		}
		key := r.Header.Get("Idempotency-Key")
		if key == "" || f.keys[key] {
			return bad("idempotency key %q is empty or used", key)
		}
		f.keys[key] = true
		if err := decode(&in); err != nil || !slices.Contains(f.products, in.ProductID) || in.Quantity != 1 ||
			in.PaymentMethod != "card" || in.Address.Recipient == "" || in.Address.Zipcode == "" {
			return bad("order %+v: %v", in, err)
		}
		f.count(r, "order")
		f.ordered[in.ProductID]++
		return http.StatusCreated, map[string]string{"id": "o-" + strconv.Itoa(f.counts["order"])}
	case "GET /":
		if q := r.URL.Query(); q.Has("query") {
			if q.Get("query") != "사과" {
				return bad("query %q", r.URL.RawQuery)
			}
			f.count(r, "page-search")
		} else {
			f.count(r, "page-home")
		}
		return http.StatusOK, nil
	case "GET /products/" + fakeProduct:
		f.count(r, "page-product")
		return http.StatusOK, nil
	case "GET /board":
		f.count(r, "page-board")
		return http.StatusOK, nil
	case "GET /api/products/" + fakeProduct, "GET /api/products/p1", "GET /api/products/p2", "GET /api/products/p3":
		f.count(r, "product")
		f.reads[strings.TrimPrefix(r.URL.Path, "/api/products/")]++
		return http.StatusOK, map[string]string{"id": strings.TrimPrefix(r.URL.Path, "/api/products/")}
	default:
		return http.StatusNotFound, map[string]string{"detail": route}
	}
}

// tableRows returns the rows of the table run printed, by scenario.
func tableRows(t *testing.T, out string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	for line := range strings.Lines(out) {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 7 && len(cells) != 8 { // 8 with a column per instance
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[cells[0]] = cells
	}
	return rows
}

func cell(t *testing.T, row []string, i int) int {
	t.Helper()
	n, err := strconv.Atoi(row[i])
	if err != nil {
		t.Fatalf("row %q, cell %d: %v", row, i, err)
	}
	return n
}

func TestRunAgainstFakeShop(t *testing.T) {
	f := newFakeShop()
	srv := httptest.NewServer(f)
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{
		"-url", srv.URL, "-duration", "100ms", "-concurrency", "4", "-users", "3",
		"-staff", fakeStaffUser + ":" + fakeStaffPass,
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}

	rows := tableRows(t, stdout.String())
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, name := range allScenarios {
		row, ok := rows[name]
		if !ok {
			t.Errorf("no row for %s in\n%s", name, &stdout)
			continue
		}
		want := f.counts[name]
		if name == "search" {
			want-- // the setup searches once, to report what the query finds
		}
		if got := cell(t, row, 1); got != want || got == 0 {
			t.Errorf("%s: the table counts %d requests, the server %d (want equal and not 0)", name, got, want)
		}
		if got := cell(t, row, 6); got != 0 {
			t.Errorf("%s: %d errors, want 0\n%s", name, got, &stdout)
		}
	}
	if len(f.users) != 3 {
		t.Errorf("signed up %d customers, want 3", len(f.users))
	}
	for tok, cart := range f.carts {
		// The product made for the orders is left out of the carts.
		if got := strings.Join(cart, ","); got != "p1,p3" {
			t.Errorf("the cart of %s holds %s, want p1,p3", tok, got)
		}
	}
	if f.counts["cart"] >= 3 {
		for tok, n := range f.cartReads {
			if n == 0 {
				t.Errorf("the cart of %s was never read: the customers are not taken in turn", tok)
			}
		}
	}
	if len(f.keys) != f.counts["order"] {
		t.Errorf("%d idempotency keys for %d orders", len(f.keys), f.counts["order"])
	}
	if len(f.products) != 1 || f.ordered[fakeProduct] != f.counts["order"] {
		t.Errorf("made %q, ordered %v; want one product, all orders of it", f.products, f.ordered)
	}
	// The product scenario reads the catalog's first page in turn.
	if f.counts["product"] >= 4 {
		for _, id := range []string{fakeProduct, "p1", "p2", "p3"} {
			if f.reads[id] == 0 {
				t.Errorf("product %s was never read (%v): the products are not taken in turn", id, f.reads)
			}
		}
	}
	if strings.Contains(stdout.String(), "per instance") {
		t.Errorf("one instance, yet a column per instance:\n%s", &stdout)
	}
}

// TestRunRoundRobin drives three instances of one fake shop: each
// request goes to the next instance, whichever worker sends it, the
// table counts each instance's requests as the instances do, and the
// setup and the customers' tokens work across instances.
func TestRunRoundRobin(t *testing.T) {
	f := newFakeShop()
	names := []string{"a", "b", "c"}
	var urls []string
	for _, name := range names {
		srv := httptest.NewServer(f.instance(name))
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	for _, workers := range []string{"1", "4"} {
		t.Run("concurrency="+workers, func(t *testing.T) {
			f.mu.Lock()
			clear(f.byInstance)
			clear(f.last)
			clear(f.repeats)
			f.mu.Unlock()
			var stdout bytes.Buffer
			err := run(context.Background(), []string{
				"-url", strings.Join(urls, ",") + "/", "-duration", "100ms", "-concurrency", workers, "-users", "4",
				"-scenarios", "home,product,cart,order", "-staff", fakeStaffUser + ":" + fakeStaffPass,
			}, &stdout, io.Discard)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, &stdout)
			}
			if !strings.Contains(stdout.String(), "3 instances, each request to the next in turn") ||
				!strings.Contains(stdout.String(), "| per instance |") {
				t.Errorf("the output does not say it drives 3 instances:\n%s", &stdout)
			}
			rows := tableRows(t, stdout.String())
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, name := range []string{"home", "product", "cart", "order"} {
				row := rows[name]
				if len(row) != 8 {
					t.Errorf("%s: row %q, want 8 cells", name, row)
					continue
				}
				var want []string
				low, high := -1, 0
				for _, inst := range names {
					n := f.byInstance[inst][name]
					want = append(want, strconv.Itoa(n))
					if low < 0 || n < low {
						low = n
					}
					high = max(high, n)
				}
				if got := row[7]; got != strings.Join(want, " / ") {
					t.Errorf("%s: the table counts %s per instance, the instances %s", name, got, strings.Join(want, " / "))
				}
				// Requests are numbered as they are sent, and request n
				// goes to instance n mod 3: the counts differ by one at
				// most, whatever the workers' speeds.
				if low == 0 || high-low > 1 {
					t.Errorf("%s: per instance %v, want all used and within one of each other", name, want)
				}
				// With one worker, the instances take turns strictly.
				if workers == "1" && f.repeats[name] != 0 {
					t.Errorf("%s: %d requests went to the instance of the request before", name, f.repeats[name])
				}
				if got := cell(t, row, 6); got != 0 {
					t.Errorf("%s: %d errors, want 0", name, got)
				}
			}
			// Every customer signed up on one instance, and its token
			// served on the others: in the setup's cart additions and in
			// the timed requests.
			for tok, seen := range f.tokenSeen {
				if tok == fakeStaffToken || f.madeOn[tok] == "" {
					continue
				}
				if len(seen) != len(names) {
					t.Errorf("token %s (made on %s) reached only %v", tok, f.madeOn[tok], seen)
				}
			}
		})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// 2 runs × 4 customers, signed up on the instances in turn.
	if f.signUps["a"] != 4 || f.signUps["b"] != 2 || f.signUps["c"] != 2 {
		t.Errorf("sign-ups by instance %v, want a 4, b 2, c 2", f.signUps)
	}
}

func TestRunOrdersSeveralProducts(t *testing.T) {
	f := newFakeShop()
	srv := httptest.NewServer(f)
	defer srv.Close()

	var stdout bytes.Buffer
	err := run(context.Background(), []string{
		"-url", srv.URL, "-duration", "100ms", "-concurrency", "2", "-users", "2", "-products", "3",
		"-scenarios", "order", "-staff", fakeStaffUser + ":" + fakeStaffPass,
	}, &stdout, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, &stdout)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.products) != 3 {
		t.Fatalf("made %d products, want 3", len(f.products))
	}
	if f.counts["order"] >= 3 {
		for _, id := range f.products {
			if f.ordered[id] == 0 {
				t.Errorf("%s was never ordered (%v): the products are not taken in turn", id, f.ordered)
			}
		}
	}
}

func TestRunCountsFailures(t *testing.T) {
	f := newFakeShop()
	f.failCart = 3
	srv := httptest.NewServer(f)
	defer srv.Close()

	var stdout bytes.Buffer
	err := run(context.Background(), []string{
		"-url", srv.URL, "-duration", "100ms", "-concurrency", "2", "-users", "2", "-scenarios", "cart,home",
	}, &stdout, io.Discard)
	if !errors.Is(err, errFailures) {
		t.Fatalf("run: got %v, want errFailures\n%s", err, &stdout)
	}
	rows := tableRows(t, stdout.String())
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := cell(t, rows["cart"], 6); got != f.failed || got == 0 {
		t.Errorf("cart errors: got %d, the server failed %d (want equal and not 0)", got, f.failed)
	}
	if got := cell(t, rows["home"], 6); got != 0 {
		t.Errorf("home errors: got %d, want 0", got)
	}
	if !strings.Contains(stdout.String(), "GET /api/cart: 503 Service Unavailable") ||
		!strings.Contains(stdout.String(), "the fake is down") {
		t.Errorf("the failures are not described:\n%s", &stdout)
	}
	if strings.Index(stdout.String(), "| home |") > strings.Index(stdout.String(), "| cart |") {
		t.Errorf("scenarios out of order:\n%s", &stdout)
	}
}

func TestRunCountsTransportErrors(t *testing.T) {
	srv := httptest.NewServer(newFakeShop())
	url := srv.URL
	srv.Close() // nothing listens there any more

	var stdout bytes.Buffer
	err := run(context.Background(), []string{
		"-url", url, "-duration", "50ms", "-concurrency", "1", "-scenarios", "home", "-max-requests", "5",
	}, &stdout, io.Discard)
	if !errors.Is(err, errFailures) {
		t.Fatalf("run: got %v, want errFailures\n%s", err, &stdout)
	}
	row := tableRows(t, stdout.String())["home"]
	if requests, errs := cell(t, row, 1), cell(t, row, 6); requests == 0 || requests > 5 || errs != requests {
		t.Errorf("got %d requests and %d errors, want 1..5 requests, all errors", requests, errs)
	}
}

func TestParseConfig(t *testing.T) {
	good, err := parseConfig([]string{"-staff", "a:b:c", "-scenarios", "order, home,home"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(good.scenarios, ","); got != "home,order" {
		t.Errorf("scenarios: got %q, want home,order", got)
	}
	if good.staffUser != "a" || good.staffPass != "b:c" {
		t.Errorf("staff: got %q %q, want a and b:c", good.staffUser, good.staffPass)
	}
	if len(good.bases) != 1 || good.bases[0].String() != "http://127.0.0.1:8080" || good.concurrency != 16 || good.users != 32 || good.query != "사과" {
		t.Errorf("defaults: got %+v", good)
	}
	if got := strings.Join(good.scenarios, ","); got != "home,order" {
		t.Errorf("scenarios: got %q", got)
	}

	for _, args := range [][]string{
		{},                              // order needs -staff
		{"-scenarios", "cart,checkout"}, // unknown scenario
		{"-scenarios", " , "},
		{"-scenarios", "home", "-duration", "0s"},
		{"-scenarios", "home", "-duration", "11m"},
		{"-scenarios", "home", "-concurrency", "0"},
		{"-scenarios", "home", "-users", "0"},
		{"-scenarios", "home", "-products", "0"},
		{"-scenarios", "home", "-url", "127.0.0.1:8080"},
		{"-scenarios", "home", "-q", " "},
		{"-staff", "nopass"},
		{"-scenarios", "home", "extra"},
		{"-nope"},
	} {
		if _, err := parseConfig(args, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%q: got %v, want a usage error", args, err)
		}
	}
}

func TestParseConfigURLs(t *testing.T) {
	c, err := parseConfig([]string{"-scenarios", "home", "-url", "http://127.0.0.1:8081/, https://shop.example:8443/api/ ,http://[::1]:8083"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range c.bases {
		got = append(got, u.String())
	}
	if want := []string{"http://127.0.0.1:8081", "https://shop.example:8443/api", "http://[::1]:8083"}; !slices.Equal(got, want) {
		t.Errorf("bases: got %q, want %q", got, want)
	}

	for _, tc := range []struct {
		url  string
		want []string // in the message
	}{
		{"", []string{"-url", "base URL 1 of 1", "empty"}},
		{"http://127.0.0.1:8081,", []string{"-url", "base URL 2 of 2", "empty"}},
		{"http://127.0.0.1:8081,,http://127.0.0.1:8082", []string{"-url", "base URL 2 of 3", "empty"}},
		{"http://127.0.0.1:8081,127.0.0.1:8082", []string{`-url "127.0.0.1:8082"`, "http://host:port"}},
		{"http://127.0.0.1:8081,ftp://127.0.0.1:8082", []string{`-url "ftp://127.0.0.1:8082"`}},
		{"http://127.0.0.1:8081,http://", []string{`-url "http://"`}},
		{"http://127.0.0.1:8081?x=1", []string{`-url "http://127.0.0.1:8081?x=1"`}},
		{"http://u:p@127.0.0.1:8081", []string{`-url "http://u:xxxxx@127.0.0.1:8081"`, "no user name or password"}},
		{"http://127.0.0.1:8081,http://u:p@[::1", []string{"-url: base URL 2 of 2 is not a URL"}},
		{"http://127.0.0.1:8081,http://127.0.0.1:8081/,http://127.0.0.1:8081", []string{"-url lists http://127.0.0.1:8081 more than once"}},
		{strings.Repeat("http://127.0.0.1:1,", 64) + "http://127.0.0.1:2", []string{"-url lists 65 base URLs, at most 64"}},
	} {
		_, err := parseConfig([]string{"-scenarios", "home", "-url", tc.url}, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Errorf("-url %q: got %v, want a usage error", tc.url, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("-url %q: got %q, want it to say %q", tc.url, err, w)
			}
		}
		if strings.Contains(err.Error(), "u:p@") || strings.Count(err.Error(), "more than once") > 1 {
			t.Errorf("-url %q: the message shows the password, or a duplicate twice: %q", tc.url, err)
		}
	}
}

func TestRunSetupFailureIsShort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/accounts" {
			http.Error(w, "sign-up is broken", http.StatusInternalServerError)
			return
		}
		newFakeShop().ServeHTTP(w, r)
	}))
	defer srv.Close()

	err := run(context.Background(), []string{
		"-url", srv.URL, "-duration", "50ms", "-users", "10", "-scenarios", "cart",
	}, io.Discard, io.Discard)
	if err == nil || errors.Is(err, errUsage) || errors.Is(err, errFailures) {
		t.Fatalf("run: got %v, want a setup error", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "sign-up is broken") || !strings.Contains(msg, "and 7 more customers failed") ||
		strings.Count(msg, "signing up") != 3 {
		t.Errorf("got %q, want three sign-up failures and a count of the rest", msg)
	}
}
