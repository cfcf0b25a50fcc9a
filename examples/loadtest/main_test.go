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
}

func newFakeShop() *fakeShop {
	return &fakeShop{
		counts: map[string]int{}, users: map[string]bool{}, carts: map[string][]string{},
		cartReads: map[string]int{}, keys: map[string]bool{}, ordered: map[string]int{},
	}
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
			f.counts["search"]++
		case q.Get("limit") == "8":
			f.counts["home"]++
		case q.Get("limit") == "20": // the setup's look for cart products
		case q.Get("limit") == "1": // the setup's pick for page-product
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
		f.counts["cart"]++
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
		f.counts["order"]++
		f.ordered[in.ProductID]++
		return http.StatusCreated, map[string]string{"id": "o-" + strconv.Itoa(f.counts["order"])}
	case "GET /":
		if q := r.URL.Query(); q.Has("query") {
			if q.Get("query") != "사과" {
				return bad("query %q", r.URL.RawQuery)
			}
			f.counts["page-search"]++
		} else {
			f.counts["page-home"]++
		}
		return http.StatusOK, nil
	case "GET /products/" + fakeProduct:
		f.counts["page-product"]++
		return http.StatusOK, nil
	case "GET /board":
		f.counts["page-board"]++
		return http.StatusOK, nil
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
		if len(cells) != 7 {
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
	if good.base.String() != "http://127.0.0.1:8080" || good.concurrency != 16 || good.users != 32 || good.query != "사과" {
		t.Errorf("defaults: got %+v", good)
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
