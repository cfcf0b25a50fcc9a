package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/examples/server/api"
)

var (
	cartFields     = sortedList("items", "count", "subtotal")
	cartLineFields = sortedList("product", "quantity", "line_total")
)

// demoProducts returns the first n demo products, as the catalog lists
// them.
func demoProducts(t *testing.T, f *fixture, n int) []obj {
	t.Helper()
	var list obj
	f.getJSON(t, "/api/products?limit="+strconv.Itoa(n), &list)
	ps := items(t, list)
	if len(ps) != n {
		t.Fatalf("the demo has %d products, want %d", len(ps), n)
	}
	return ps
}

func amount(t *testing.T, money any) int {
	t.Helper()
	m, _ := money.(obj)
	if m == nil || m["currency"] != "KRW" {
		t.Fatalf("money %v, want an amount in KRW", money)
	}
	n, err := strconv.Atoi(m["amount"].(string))
	if err != nil {
		t.Fatalf("money %v: %v", money, err)
	}
	return n
}

// checkCart checks the shape and the sums of a cart, and returns its
// lines as product id → quantity.
func checkCart(t *testing.T, c obj) map[string]int {
	t.Helper()
	if got := keys(c); got != cartFields {
		t.Fatalf("cart fields: got %s, want %s", got, cartFields)
	}
	lines := map[string]int{}
	count, subtotal := 0, 0
	for _, it := range items(t, c) {
		if got := keys(it); got != cartLineFields {
			t.Fatalf("cart line fields: got %s, want %s", got, cartLineFields)
		}
		p := it["product"].(obj)
		checkProduct(t, p)
		n := int(it["quantity"].(float64))
		if got, want := amount(t, it["line_total"]), amount(t, p["price"])*n; got != want {
			t.Errorf("line_total %d, want %d × price", got, want)
		}
		lines[p["id"].(string)] = n
		count += n
		subtotal += amount(t, it["line_total"])
	}
	if c["count"] != float64(count) {
		t.Errorf("count %v, want the sum of quantities %d", c["count"], count)
	}
	if got := amount(t, c["subtotal"]); got != subtotal {
		t.Errorf("subtotal %d, want the sum of line totals %d", got, subtotal)
	}
	return lines
}

// guestToken returns the token of the session cookie that res sets.
func (f *fixture) guestToken(t *testing.T, res response) string {
	t.Helper()
	c := res.cookie(api.SessionCookie)
	if c == nil || c.Value == "" {
		t.Fatalf("no session cookie set; headers %v", res.header)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Errorf("guest cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", c)
	}
	if until := time.Until(c.Expires); until < 29*24*time.Hour || until > 31*24*time.Hour {
		t.Errorf("guest cookie expires in %s, want the session's 30 days", until)
	}
	return f.secret(c.Value)
}

func TestGuestCart(t *testing.T) {
	f := startAccounts(t, nil)
	ps := demoProducts(t, f, 2)
	p1, p2 := ps[0]["id"].(string), ps[1]["id"].(string)

	// Reading a cart, or removing from it, starts no session.
	res := f.call(t, call{method: "GET", path: "/api/cart"})
	if lines := checkCart(t, res.want(t, http.StatusOK)); len(lines) != 0 {
		t.Errorf("a visitor's cart: %v, want empty", lines)
	}
	if res.cookie(api.SessionCookie) != nil {
		t.Error("GET /api/cart without a session set a cookie")
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	for _, c := range []call{
		{method: "DELETE", path: "/api/cart/items/" + p1},
		{method: "PUT", path: "/api/cart/items/" + p1, body: obj{"quantity": 0}},
	} {
		res := f.call(t, c)
		checkCart(t, res.want(t, http.StatusOK))
		if res.cookie(api.SessionCookie) != nil {
			t.Errorf("%s %s without a session set a cookie", c.method, c.path)
		}
	}
	// A failed first write starts none either.
	res = f.call(t, call{method: "POST", path: "/api/cart/items", body: obj{"product_id": p1, "quantity": 0}})
	wantFields(t, res.want(t, http.StatusUnprocessableEntity), "quantity")
	if res.cookie(api.SessionCookie) != nil {
		t.Error("a refused first write set a cookie")
	}

	// The first item starts a guest session.
	res = f.call(t, call{method: "POST", path: "/api/cart/items", body: obj{"product_id": p1, "quantity": 2}})
	lines := checkCart(t, res.want(t, http.StatusOK))
	guest := f.guestToken(t, res)
	if lines[p1] != 2 || len(lines) != 1 {
		t.Errorf("after adding 2: %v", lines)
	}
	// quantity defaults to 1; the session goes on, with no new cookie.
	res = f.call(t, call{method: "POST", path: "/api/cart/items", cookie: guest, body: obj{"product_id": p2}})
	if lines := checkCart(t, res.want(t, http.StatusOK)); lines[p2] != 1 || lines[p1] != 2 {
		t.Errorf("after adding p2: %v", lines)
	}
	if res.cookie(api.SessionCookie) != nil {
		t.Error("a write in a guest session set a new cookie")
	}
	// Adding again adds to the line.
	c := f.call(t, call{method: "POST", path: "/api/cart/items", cookie: guest, body: obj{"product_id": p1, "quantity": 3}}).
		want(t, http.StatusOK)
	if lines := checkCart(t, c); lines[p1] != 5 || c["count"] != float64(6) {
		t.Errorf("after adding 3 more of p1: %v, count %v", lines, c["count"])
	}
	// The lines keep the order in which products were first added.
	if first := items(t, c)[0]["product"].(obj)["id"]; first != p1 {
		t.Errorf("the first line is %v, want p1", first)
	}
	c = f.call(t, call{method: "GET", path: "/api/cart", cookie: guest}).want(t, http.StatusOK)
	if lines := checkCart(t, c); lines[p1] != 5 || lines[p2] != 1 {
		t.Errorf("GET /api/cart: %v", lines)
	}
	// As a Bearer token, the guest token works too.
	c = f.call(t, call{method: "PUT", path: "/api/cart/items/" + p2, bearer: guest, body: obj{"quantity": 7}}).want(t, http.StatusOK)
	if lines := checkCart(t, c); lines[p2] != 7 {
		t.Errorf("after PUT 7: %v", lines)
	}
	c = f.call(t, call{method: "PUT", path: "/api/cart/items/" + p2, cookie: guest, body: obj{"quantity": 0}}).want(t, http.StatusOK)
	if lines := checkCart(t, c); len(lines) != 1 || lines[p1] != 5 {
		t.Errorf("after PUT 0: %v", lines)
	}
	c = f.call(t, call{method: "DELETE", path: "/api/cart/items/" + p1, cookie: guest}).want(t, http.StatusOK)
	if lines := checkCart(t, c); len(lines) != 0 {
		t.Errorf("after DELETE: %v", lines)
	}
	// Removing what is not there changes nothing.
	f.call(t, call{method: "DELETE", path: "/api/cart/items/" + p2, cookie: guest}).want(t, http.StatusOK)

	// A guest has no account.
	f.call(t, call{method: "GET", path: "/api/me", cookie: guest}).want(t, http.StatusUnauthorized)
	f.call(t, call{method: "GET", path: "/api/orders", cookie: guest}).want(t, http.StatusUnauthorized)
}

// guestWith returns the token of a new guest session whose cart holds the
// given quantities.
func (f *fixture) guestWith(t *testing.T, quantities map[string]int) string {
	t.Helper()
	guest := ""
	for id, n := range quantities {
		res := f.call(t, call{method: "POST", path: "/api/cart/items", cookie: guest, body: obj{"product_id": id, "quantity": n}})
		res.want(t, http.StatusOK)
		if guest == "" {
			guest = f.guestToken(t, res)
		}
	}
	return guest
}

func TestGuestCartMergesAtSignUp(t *testing.T) {
	f := startAccounts(t, nil)
	ps := demoProducts(t, f, 2)
	p1, p2 := ps[0]["id"].(string), ps[1]["id"].(string)
	guest := f.guestWith(t, map[string]int{p1: 2, p2: 1})

	res := f.call(t, call{method: "POST", path: "/api/accounts", cookie: guest, body: obj{
		"username": "guest1", "password": password, "password_confirm": password,
		"nickname": "손님", "email": "guest1@example.com",
	}})
	doc := res.want(t, http.StatusCreated)
	token := f.secret(doc["token"].(string))
	if c := res.cookie(api.SessionCookie); c == nil || c.Value != token || c.Value == guest {
		t.Errorf("sign-up cookie %v: want the new token, replacing the guest's", c)
	}
	if n := doc["account"].(obj)["cart_count"]; n != float64(3) {
		t.Errorf("cart_count at sign-up %v, want 3", n)
	}
	me := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, http.StatusOK)
	if me["cart_count"] != float64(3) {
		t.Errorf("GET /api/me cart_count %v, want 3", me["cart_count"])
	}
	lines := checkCart(t, f.call(t, call{method: "GET", path: "/api/cart", cookie: token}).want(t, http.StatusOK))
	if lines[p1] != 2 || lines[p2] != 1 {
		t.Errorf("the account's cart %v, want the guest's", lines)
	}

	// The guest session has ended: its cookie is cleared, and its cart is
	// gone with it.
	res = f.call(t, call{method: "GET", path: "/api/cart", cookie: guest})
	if lines := checkCart(t, res.want(t, http.StatusOK)); len(lines) != 0 {
		t.Errorf("the old guest cookie still has a cart: %v", lines)
	}
	if c := res.cookie(api.SessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("the dead guest cookie is not cleared: %v", c)
	}
}

func TestGuestCartMergesAtSignIn(t *testing.T) {
	f := startAccounts(t, nil)
	ps := demoProducts(t, f, 3)
	p1, p2, p3 := ps[0]["id"].(string), ps[1]["id"].(string), ps[2]["id"].(string)
	token, _ := f.signUp(t, "hyun")
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": p1, "quantity": 1}}).want(t, 200)
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": p3, "quantity": 98}}).want(t, 200)

	guest := f.guestWith(t, map[string]int{p1: 2, p2: 4, p3: 5})
	res := f.call(t, call{method: "POST", path: "/api/session", cookie: guest, body: obj{"username": "hyun", "password": password}})
	doc := res.want(t, http.StatusOK)
	again := f.secret(doc["token"].(string))
	if c := res.cookie(api.SessionCookie); c == nil || c.Value != again {
		t.Errorf("sign-in cookie %v, want the new token", c)
	}
	// Quantities add up, capped at 99 a line.
	if n := doc["account"].(obj)["cart_count"]; n != float64(3+4+99) {
		t.Errorf("cart_count at sign-in %v, want %d", n, 3+4+99)
	}
	lines := checkCart(t, f.call(t, call{method: "GET", path: "/api/cart", bearer: token}).want(t, http.StatusOK))
	if lines[p1] != 3 || lines[p2] != 4 || lines[p3] != 99 {
		t.Errorf("merged cart %v, want p1 3, p2 4, p3 99", lines)
	}
	f.call(t, call{method: "GET", path: "/api/cart", bearer: guest}).want(t, http.StatusUnauthorized)

	// Signing in from a customer's session merges nothing.
	res = f.call(t, call{method: "POST", path: "/api/session", cookie: again, body: obj{"username": "hyun", "password": password}})
	if n := res.want(t, http.StatusOK)["account"].(obj)["cart_count"]; n != float64(106) {
		t.Errorf("cart_count after signing in again %v, want 106", n)
	}
}

func TestCartCount(t *testing.T) {
	f := startAccounts(t, nil)
	ps := demoProducts(t, f, 1)
	token, acct := f.signUp(t, "count")
	if acct["cart_count"] != float64(0) {
		t.Errorf("a new account's cart_count %v", acct["cart_count"])
	}
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": ps[0]["id"], "quantity": 4}}).want(t, 200)
	for _, c := range []call{
		{method: "GET", path: "/api/me", bearer: token},
		{method: "PATCH", path: "/api/me", bearer: token, body: obj{"nickname": "셈"}},
	} {
		if n := f.call(t, c).want(t, http.StatusOK)["cart_count"]; n != float64(4) {
			t.Errorf("%s %s: cart_count %v, want 4", c.method, c.path, n)
		}
	}
}

func TestCartQuantityBounds(t *testing.T) {
	f := startAccounts(t, nil)
	p := demoProducts(t, f, 1)[0]["id"].(string)
	token, _ := f.signUp(t, "bounds")
	for _, tc := range []struct {
		name string
		c    call
	}{
		{"add 0", call{method: "POST", path: "/api/cart/items", body: obj{"product_id": p, "quantity": 0}}},
		{"add -1", call{method: "POST", path: "/api/cart/items", body: obj{"product_id": p, "quantity": -1}}},
		{"add 100", call{method: "POST", path: "/api/cart/items", body: obj{"product_id": p, "quantity": 100}}},
		{"add null", call{method: "POST", path: "/api/cart/items", body: `{"product_id":"` + p + `","quantity":null}`}},
		{"set -1", call{method: "PUT", path: "/api/cart/items/" + p, body: obj{"quantity": -1}}},
		{"set 100", call{method: "PUT", path: "/api/cart/items/" + p, body: obj{"quantity": 100}}},
		{"set nothing", call{method: "PUT", path: "/api/cart/items/" + p, body: obj{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.bearer = token
			wantFields(t, f.call(t, tc.c).want(t, http.StatusUnprocessableEntity), "quantity")
		})
	}
	// A line holds at most 99: adding past that is refused, not capped.
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": p, "quantity": 98}}).want(t, 200)
	doc := f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": p, "quantity": 2}}).
		want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "quantity")
	c := f.call(t, call{method: "PUT", path: "/api/cart/items/" + p, bearer: token, body: obj{"quantity": 99}}).want(t, 200)
	if c["count"] != float64(99) {
		t.Errorf("count %v after setting 99", c["count"])
	}
}

// badInput is a request that must get status, naming fields (if any) in
// "errors".
type badInput struct {
	name   string
	c      call
	status int
	fields []string
}

// checkBadInputs sends each request and checks its problem document, then
// that nothing was logged as an error.
func checkBadInputs(t *testing.T, f *fixture, tests []badInput) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.call(t, tc.c)
			doc := res.want(t, tc.status)
			if doc["status"] != float64(tc.status) || doc["title"] != http.StatusText(tc.status) || doc["detail"] == "" {
				t.Errorf("problem %s: status, title or detail wrong", res.body)
			}
			if len(tc.fields) > 0 {
				wantFields(t, doc, tc.fields...)
			}
		})
	}
	if strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("bad input logged an error:\n%s", f.logs)
	}
}

func TestCartBadInput(t *testing.T) {
	f := startAccounts(t, nil)
	p := demoProducts(t, f, 1)[0]["id"].(string)
	token, _ := f.signUp(t, "badcart")
	unknown := uuid.NewString()
	big := `{"product_id":"` + p + `","x":"` + strings.Repeat("a", 2<<20) + `"}`
	add := func(body any) call { return call{method: "POST", path: "/api/cart/items", bearer: token, body: body} }
	set := func(id string, body any) call {
		return call{method: "PUT", path: "/api/cart/items/" + id, bearer: token, body: body}
	}
	checkBadInputs(t, f, []badInput{
		{"unknown product", add(obj{"product_id": unknown}), 422, []string{"product_id"}},
		{"malformed product_id", add(obj{"product_id": "xyz"}), 422, []string{"product_id"}},
		{"no product_id", add(obj{"quantity": 1}), 422, []string{"product_id"}},
		{"product_id a number", add(obj{"product_id": 5}), 400, []string{"product_id"}},
		{"quantity a string", add(obj{"product_id": p, "quantity": "2"}), 400, []string{"quantity"}},
		{"quantity a fraction", add(obj{"product_id": p, "quantity": 1.5}), 400, []string{"quantity"}},
		{"quantity huge", add(`{"product_id":"` + p + `","quantity":1e30}`), 400, []string{"quantity"}},
		{"unknown field", add(obj{"product_id": p, "qty": 1}), 400, []string{"qty"}},
		{"not an object", add(`[1]`), 400, nil},
		{"malformed JSON", add(`{"product_id":`), 400, nil},
		{"empty body", add(""), 400, nil},
		{"not JSON", call{method: "POST", path: "/api/cart/items", bearer: token, body: "product_id=1", contentType: "application/x-www-form-urlencoded"}, 415, nil},
		{"too large", add(big), 413, nil},
		{"PUT malformed id", set("xyz", obj{"quantity": 1}), 400, []string{"product_id"}},
		{"PUT unknown product", set(unknown, obj{"quantity": 1}), 404, nil},
		{"PUT quantity a string", set(p, obj{"quantity": "1"}), 400, []string{"quantity"}},
		{"PUT unknown field", set(p, obj{"quantity": 1, "product_id": p}), 400, []string{"product_id"}},
		{"DELETE malformed id", call{method: "DELETE", path: "/api/cart/items/xyz", bearer: token}, 400, []string{"product_id"}},
		{"PATCH a line", call{method: "PATCH", path: "/api/cart/items/" + p, bearer: token, body: obj{}}, 405, nil},
		{"POST the cart", call{method: "POST", path: "/api/cart", bearer: token, body: obj{}}, 405, nil},
		{"dead Bearer token", call{method: "POST", path: "/api/cart/items", bearer: "x3P6pJv5rQ0Wc8Ue1yLz4N7bDfA9sTgKhMiOqRu2wEo", body: obj{"product_id": p}}, 401, nil},
		{"from another site", call{method: "POST", path: "/api/cart/items", body: obj{"product_id": p},
			header: http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}}, 403, nil},
	})
}

// TestGuestCartDeadCookie: a visitor whose guest session has ended gets a
// new one with the next item, and the old cookie is replaced.
func TestGuestCartDeadCookie(t *testing.T) {
	f := startAccounts(t, nil)
	p := demoProducts(t, f, 1)[0]["id"].(string)
	dead := f.secret("x3P6pJv5rQ0Wc8Ue1yLz4N7bDfA9sTgKhMiOqRu2wEo")
	res := f.call(t, call{method: "POST", path: "/api/cart/items", cookie: dead, body: obj{"product_id": p}})
	checkCart(t, res.want(t, http.StatusOK))
	if cs := res.header.Values("Set-Cookie"); len(cs) != 1 {
		t.Errorf("Set-Cookie %q, want one instruction: the new session", cs)
	}
	guest := f.guestToken(t, res)
	if guest == dead {
		t.Error("the dead token was kept")
	}
	c := f.call(t, call{method: "GET", path: "/api/cart", cookie: guest}).want(t, http.StatusOK)
	if c["count"] != float64(1) {
		t.Errorf("the new guest cart: %v", c)
	}
}

// postJSON sends body with client, for tests that use a cookie jar.
func (f *fixture) postJSON(t *testing.T, client *http.Client, path string, body any) response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", f.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return f.roundTrip(t, client, req)
}

// TestCartUnavailableLine stores a product in the cart in another currency
// through the repository, as data from before the catalog refused such
// prices: the item says why it cannot be bought, count and subtotal leave
// it out together, and checkout refuses the cart until it is removed.
func TestCartUnavailableLine(t *testing.T) {
	store, cat := newDemoStore(t)
	f := startWith(t, newServices(store, cat), nil)
	f.secret(password)
	ps := demoProducts(t, f, 2)
	p1, p2 := ps[0]["id"].(string), ps[1]["id"].(string)
	token, _ := f.signUp(t, "mixed")
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": p1, "quantity": 2}}).want(t, 200)
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": p2, "quantity": 3}}).want(t, 200)

	id := uuid.MustParse(p2)
	p, err := store.Catalog().GetProduct(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	next := p
	next.Price, next.Version = commerce.MustMoney("9.50", "USD"), p.Version+1
	if err := store.Catalog().UpdateProduct(context.Background(), next, p.Version); err != nil {
		t.Fatal(err)
	}

	c := f.call(t, call{method: "GET", path: "/api/cart", bearer: token}).want(t, http.StatusOK)
	var unavailable obj
	for _, it := range items(t, c) {
		if it["product"].(obj)["id"] == p2 {
			unavailable = it
		} else if _, ok := it["unavailable"]; ok {
			t.Errorf("a line that can be bought has unavailable: %v", it["unavailable"])
		}
	}
	if why, _ := unavailable["unavailable"].(string); !strings.Contains(why, "USD") {
		t.Errorf("the USD line: unavailable %q, want the reason", why)
	}
	price := amount(t, ps[0]["price"])
	if c["count"] != float64(2) || amount(t, c["subtotal"]) != 2*price {
		t.Errorf("count %v, subtotal %v; want the line that can be bought alone: 2 and %d", c["count"], c["subtotal"], 2*price)
	}
	if n := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, http.StatusOK)["cart_count"]; n != float64(2) {
		t.Errorf("cart_count %v, want 2", n)
	}

	addr := f.call(t, call{method: "POST", path: "/api/addresses", bearer: token, body: home()}).want(t, 201)
	body := obj{"source": "cart", "address_id": addr["id"], "payment_method": "card"}
	wantFields(t, f.checkout(t, token, "mixed-1", body).want(t, http.StatusUnprocessableEntity), "product_id")
	f.call(t, call{method: "DELETE", path: "/api/cart/items/" + p2, bearer: token}).want(t, http.StatusOK)
	f.checkout(t, token, "mixed-2", body).want(t, http.StatusCreated)
}
