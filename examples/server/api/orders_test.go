package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/order"
)

var (
	addressFields   = sortedList("id", "recipient", "phone", "line1", "line2", "city", "zipcode", "note", "created_at")
	shippingFields  = sortedList("recipient", "phone", "line1", "line2", "city", "zipcode", "note")
	orderFields     = sortedList("id", "number", "status", "lines", "subtotal", "total", "address", "payment_method", "placed_at", "updated_at")
	orderLineFields = sortedList("product_id", "name", "unit_price", "quantity", "line_total")
)

// home is an address as a customer types it.
func home() obj {
	return obj{
		"recipient": "김지우", "phone": "010-1234-5678", "line1": "서울특별시 중구 세종대로 110",
		"line2": "3층", "city": "서울", "zipcode": "04524", "note": "문 앞에 놓아 주세요",
	}
}

// checkout sends POST /api/orders with an Idempotency-Key.
func (f *fixture) checkout(t *testing.T, token, key string, body any) response {
	t.Helper()
	c := call{method: "POST", path: "/api/orders", bearer: token, body: body}
	if key != "" {
		c.header = http.Header{api.IdempotencyKeyHeader: {key}}
	}
	return f.call(t, c)
}

// product makes a product with stock (nil: untracked) as staff, and
// returns its id.
func (f *fixture) product(t *testing.T, staff, name, price string, stock *int) string {
	t.Helper()
	body := obj{"name": name, "price": obj{"amount": price, "currency": "KRW"}}
	if stock != nil {
		body["stock"] = *stock
	}
	p := f.call(t, call{method: "POST", path: "/api/products", bearer: staff, body: body}).want(t, http.StatusCreated)
	return p["id"].(string)
}

func (f *fixture) stock(t *testing.T, product string) any {
	t.Helper()
	var p obj
	f.getJSON(t, "/api/products/"+product, &p)
	return p["stock"]
}

func ptr(n int) *int { return &n }

// checkOrder checks the shape and sums of an order.
func checkOrder(t *testing.T, o obj) {
	t.Helper()
	if got := keys(o); got != orderFields {
		t.Fatalf("order fields: got %s, want %s", got, orderFields)
	}
	if got := keys(o["address"].(obj)); got != shippingFields {
		t.Errorf("order address fields: got %s, want %s", got, shippingFields)
	}
	sum := 0
	for _, l := range o["lines"].([]any) {
		l := l.(obj)
		if got := keys(l); got != orderLineFields {
			t.Fatalf("order line fields: got %s, want %s", got, orderLineFields)
		}
		n := int(l["quantity"].(float64))
		if got, want := amount(t, l["line_total"]), amount(t, l["unit_price"])*n; got != want {
			t.Errorf("line_total %d, want %d", got, want)
		}
		sum += amount(t, l["line_total"])
	}
	if amount(t, o["subtotal"]) != sum || amount(t, o["total"]) != sum {
		t.Errorf("subtotal %v, total %v, want both the sum of the lines, %d", o["subtotal"], o["total"], sum)
	}
	if n, _ := o["number"].(string); len(n) < 10 {
		t.Errorf("number %q", o["number"])
	}
	checkTime(t, "placed_at", o["placed_at"])
	checkTime(t, "updated_at", o["updated_at"])
}

func TestAddresses(t *testing.T) {
	f := startAccounts(t, nil)
	token, _ := f.signUp(t, "addr")
	other, _ := f.signUp(t, "addr2")

	res := f.call(t, call{method: "POST", path: "/api/addresses", bearer: token, body: home()})
	a := res.want(t, http.StatusCreated)
	if got := keys(a); got != addressFields {
		t.Fatalf("address fields: got %s, want %s", got, addressFields)
	}
	if a["recipient"] != "김지우" || a["zipcode"] != "04524" || a["note"] != "문 앞에 놓아 주세요" {
		t.Errorf("address %v", a)
	}
	checkTime(t, "created_at", a["created_at"])
	second := home()
	second["recipient"], second["line2"], second["city"], second["note"] = "박서준", "", "", ""
	f.call(t, call{method: "POST", path: "/api/addresses", bearer: token, body: second}).want(t, http.StatusCreated)

	list := f.call(t, call{method: "GET", path: "/api/addresses", bearer: token}).want(t, http.StatusOK)
	if got := keys(list); got != listFields || list["next_cursor"] != nil {
		t.Fatalf("address list %v", list)
	}
	book := items(t, list)
	if len(book) != 2 || book[0]["id"] != a["id"] || book[1]["recipient"] != "박서준" {
		t.Errorf("address book %v, want both, oldest first", book)
	}
	if n := len(items(t, f.call(t, call{method: "GET", path: "/api/addresses", bearer: other}).want(t, 200))); n != 0 {
		t.Errorf("another customer sees %d addresses", n)
	}

	// Every failing field at once.
	doc := f.call(t, call{method: "POST", path: "/api/addresses", bearer: token, body: obj{"phone": "call me", "zipcode": "!"}}).
		want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "recipient", "line1", "phone", "zipcode")

	id := a["id"].(string)
	f.call(t, call{method: "DELETE", path: "/api/addresses/" + id, bearer: other}).want(t, http.StatusNotFound)
	f.call(t, call{method: "DELETE", path: "/api/addresses/" + id, bearer: token}).want(t, http.StatusNoContent)
	f.call(t, call{method: "DELETE", path: "/api/addresses/" + id, bearer: token}).want(t, http.StatusNotFound)
	if n := len(items(t, f.call(t, call{method: "GET", path: "/api/addresses", bearer: token}).want(t, 200))); n != 1 {
		t.Errorf("%d addresses after deleting one of two", n)
	}

	for _, c := range []call{
		{method: "GET", path: "/api/addresses"},
		{method: "POST", path: "/api/addresses", body: home()},
		{method: "DELETE", path: "/api/addresses/" + id},
	} {
		f.call(t, c).want(t, http.StatusUnauthorized)
	}
}

func TestCheckoutCart(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	jam := f.product(t, staff, "유기농사과잼", "8900", ptr(5))
	tea := f.product(t, staff, "보리차", "4500", nil)
	token, _ := f.signUp(t, "buyer")
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": jam, "quantity": 2}}).want(t, 200)
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": tea, "quantity": 3}}).want(t, 200)
	addr := f.call(t, call{method: "POST", path: "/api/addresses", bearer: token, body: home()}).want(t, 201)

	body := obj{"source": "cart", "address_id": addr["id"], "payment_method": "card"}
	res := f.checkout(t, token, "order-1", body)
	o := res.want(t, http.StatusCreated)
	checkOrder(t, o)
	id := o["id"].(string)
	if loc := res.header.Get("Location"); loc != "/api/orders/"+id {
		t.Errorf("Location %q", loc)
	}
	if o["status"] != "paid" || o["payment_method"] != "card" || amount(t, o["total"]) != 2*8900+3*4500 {
		t.Errorf("order %v: want paid by card, 31300", o)
	}
	if len(o["lines"].([]any)) != 2 || o["address"].(obj)["recipient"] != "김지우" {
		t.Errorf("order lines or address %v", o)
	}
	// The cart is empty, the tracked stock went down, the untracked stays
	// untracked.
	if n := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, 200)["cart_count"]; n != float64(0) {
		t.Errorf("cart_count after checkout %v", n)
	}
	if s := f.stock(t, jam); s != float64(3) {
		t.Errorf("stock after buying 2 of 5: %v", s)
	}
	if s := f.stock(t, tea); s != nil {
		t.Errorf("untracked stock became %v", s)
	}

	// A replay is the same order, and takes nothing more.
	again := f.checkout(t, token, "order-1", body).want(t, http.StatusCreated)
	if again["id"] != id || again["number"] != o["number"] {
		t.Errorf("replay: order %v, want %v", again["id"], id)
	}
	if s := f.stock(t, jam); s != float64(3) {
		t.Errorf("stock after a replay: %v", s)
	}
	// The same key with another request is a conflict.
	doc := f.checkout(t, token, "order-1", obj{"source": "cart", "address_id": addr["id"], "payment_method": "bank_transfer"}).
		want(t, http.StatusConflict)
	if !strings.Contains(doc["detail"].(string), "idempotency key") {
		t.Errorf("detail %q", doc["detail"])
	}
	// A new key on the empty cart: 422 naming source.
	wantFields(t, f.checkout(t, token, "order-2", body).want(t, http.StatusUnprocessableEntity), "source")

	got := f.call(t, call{method: "GET", path: "/api/orders/" + id, bearer: token}).want(t, http.StatusOK)
	checkOrder(t, got)
	if got["id"] != id || got["status"] != "paid" {
		t.Errorf("GET the order: %v", got)
	}
	// Staff see it too.
	f.call(t, call{method: "GET", path: "/api/orders/" + id, bearer: staff}).want(t, http.StatusOK)
}

func TestBuyNow(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	jam := f.product(t, staff, "유기농사과잼", "8900", ptr(5))
	other := demoProducts(t, f, 1)[0]["id"].(string)
	token, _ := f.signUp(t, "now")
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": other}}).want(t, 200)

	o := f.checkout(t, token, "k1", obj{"product_id": jam, "quantity": 2, "address": home(), "payment_method": "bank_transfer"}).
		want(t, http.StatusCreated)
	checkOrder(t, o)
	if o["status"] != "pending_payment" || amount(t, o["total"]) != 17800 || o["address"].(obj)["note"] != "문 앞에 놓아 주세요" {
		t.Errorf("order %v", o)
	}
	// quantity defaults to 1; mobile payments are paid at once.
	o = f.checkout(t, token, "k2", obj{"product_id": jam, "address": home(), "payment_method": "mobile"}).want(t, http.StatusCreated)
	if o["status"] != "paid" || o["lines"].([]any)[0].(obj)["quantity"] != float64(1) {
		t.Errorf("order %v", o)
	}
	// The cart is not touched.
	if n := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, 200)["cart_count"]; n != float64(1) {
		t.Errorf("cart_count after buying now %v, want 1", n)
	}
	if s := f.stock(t, jam); s != float64(2) {
		t.Errorf("stock %v, want 2", s)
	}
}

func TestCheckoutIdempotencyKey(t *testing.T) {
	f := startAccounts(t, nil)
	p := demoProducts(t, f, 1)[0]["id"].(string)
	token, _ := f.signUp(t, "keyless")
	body := obj{"product_id": p, "address": home(), "payment_method": "card"}

	for _, key := range []string{"", "   "} {
		doc := f.checkout(t, token, key, body).want(t, http.StatusBadRequest)
		wantFields(t, doc, "Idempotency-Key")
		if !strings.Contains(doc["detail"].(string), "Idempotency-Key") {
			t.Errorf("detail %q does not name the header", doc["detail"])
		}
	}
	// Without the header, nothing is checked or bought.
	f.checkout(t, token, "", obj{"nonsense": true}).want(t, http.StatusBadRequest)
	// A malformed key is a 400 naming the header, whatever the body:
	// order.CheckKey's rule, printable ASCII of at most 100 bytes. Bytes
	// that are not UTF-8 would be one key ("\xff\xfe", "\x80\x81") once
	// MySQL stored them.
	for _, key := range []string{strings.Repeat("k", 101), "\xff\xfe", "\x80\x81", "caf\xc3\xa9", "a\tb"} {
		for _, b := range []obj{body, {"product_id": p}} {
			doc := f.checkout(t, token, key, b).want(t, http.StatusBadRequest)
			wantFields(t, doc, "Idempotency-Key")
			if !strings.Contains(doc["detail"].(string), "Idempotency-Key") {
				t.Errorf("key %q: detail %q does not name the header", key, doc["detail"])
			}
		}
	}
	list := f.call(t, call{method: "GET", path: "/api/orders", bearer: token}).want(t, 200)
	if n := len(items(t, list)); n != 0 {
		t.Errorf("%d orders after refused checkouts", n)
	}
	// Keys compare byte for byte: keys that differ in case are two orders.
	lower := f.checkout(t, token, "order-a", body).want(t, http.StatusCreated)
	upper := f.checkout(t, token, "ORDER-A", body).want(t, http.StatusCreated)
	if lower["id"] == upper["id"] {
		t.Errorf("keys order-a and ORDER-A gave one order %v", lower["id"])
	}
}

// slowCard charges, but answers only after the request's deadline, as a
// provider that does not watch the context would.
type slowCard struct{ *order.FakeCardProvider }

func (p slowCard) Charge(ctx context.Context, o order.Order) (order.Status, string, error) {
	<-ctx.Done()
	return p.FakeCardProvider.Charge(ctx, o)
}

// TestCheckoutPastDeadline checks that a checkout still working when its
// request's deadline passes answers 503 and leaves no order and no charge.
func TestCheckoutPastDeadline(t *testing.T) {
	store, cat := newDemoStore(t)
	svc := newServices(store, cat)
	card := &order.FakeCardProvider{Record: true}
	svc.Orders = order.NewService(store.Orders(), store.Transactor(), &order.Options{
		Payments: map[order.PaymentMethod]order.PaymentProvider{order.Card: slowCard{card}},
	})
	f := startWith(t, svc, &api.Options{RequestTimeout: time.Second})
	f.secret(password)
	token, _ := f.signUp(t, "late")
	p := demoProducts(t, f, 1)[0]["id"].(string)
	res := f.checkout(t, token, "late-1", obj{"product_id": p, "address": home(), "payment_method": "card"})
	res.want(t, http.StatusServiceUnavailable)
	if res.header.Get("Retry-After") == "" {
		t.Errorf("a 503 without Retry-After")
	}
	list := f.call(t, call{method: "GET", path: "/api/orders", bearer: token}).want(t, 200)
	if n := len(items(t, list)); n != 0 {
		t.Errorf("%d orders after a checkout past its deadline, want none", n)
	}
	if n, _ := card.Charged(); n != 0 {
		t.Errorf("%d charges kept after a checkout past its deadline, want none", n)
	}
}

func TestCheckoutOutOfStock(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	last := f.product(t, staff, "마지막 하나", "1000", ptr(1))
	plenty := f.product(t, staff, "넉넉한 것", "1000", ptr(50))
	token, _ := f.signUp(t, "late")

	doc := f.checkout(t, token, "a", obj{"product_id": last, "quantity": 2, "address": home(), "payment_method": "card"}).
		want(t, http.StatusConflict)
	wantFields(t, doc, "product_id")
	if msg := doc["errors"].(obj)["product_id"].(string); !strings.Contains(msg, last) || !strings.Contains(msg, "마지막 하나") {
		t.Errorf("errors.product_id %q does not name the product", msg)
	}

	// From the cart: nothing is taken, and the cart stays as it was.
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": plenty, "quantity": 3}}).want(t, 200)
	f.call(t, call{method: "POST", path: "/api/cart/items", bearer: token, body: obj{"product_id": last, "quantity": 2}}).want(t, 200)
	doc = f.checkout(t, token, "b", obj{"source": "cart", "address": home(), "payment_method": "card"}).want(t, http.StatusConflict)
	if msg, _ := doc["errors"].(obj)["product_id"].(string); !strings.Contains(msg, last) {
		t.Errorf("errors %v do not name the product that ran out", doc["errors"])
	}
	if s := f.stock(t, plenty); s != float64(50) {
		t.Errorf("a failed checkout took stock: %v", s)
	}
	if n := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, 200)["cart_count"]; n != float64(5) {
		t.Errorf("cart_count after a failed checkout %v, want 5", n)
	}
	// The last unit sells.
	f.checkout(t, token, "c", obj{"product_id": last, "address": home(), "payment_method": "card"}).want(t, http.StatusCreated)
	if s := f.stock(t, last); s != float64(0) {
		t.Errorf("stock %v, want 0", s)
	}
	f.checkout(t, token, "d", obj{"product_id": last, "address": home(), "payment_method": "card"}).want(t, http.StatusConflict)
}

func TestOrderStatus(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	p := f.product(t, staff, "상태", "2000", ptr(10))
	token, _ := f.signUp(t, "status")
	place := func(key string) string {
		t.Helper()
		o := f.checkout(t, token, key, obj{"product_id": p, "quantity": 2, "address": home(), "payment_method": "bank_transfer"}).
			want(t, http.StatusCreated)
		return o["id"].(string)
	}
	move := func(bearer, id, status string) response {
		t.Helper()
		return f.call(t, call{method: "POST", path: "/api/orders/" + id + "/status", bearer: bearer, body: obj{"status": status}})
	}

	id := place("1")
	move("", id, "paid").want(t, http.StatusUnauthorized)
	move(token, id, "paid").want(t, http.StatusForbidden)
	for _, s := range []string{"paid", "shipped"} {
		if o := move(staff, id, s).want(t, http.StatusOK); o["status"] != s {
			t.Errorf("after moving to %s: %v", s, o["status"])
		}
	}
	move(staff, id, "paid").want(t, http.StatusConflict)
	// The customer cannot cancel a shipped order.
	f.call(t, call{method: "POST", path: "/api/orders/" + id + "/cancel", bearer: token}).want(t, http.StatusConflict)
	o := move(staff, id, "delivered").want(t, http.StatusOK)
	checkOrder(t, o)
	move(staff, id, "cancelled").want(t, http.StatusConflict)
	wantFields(t, move(staff, id, "lost").want(t, http.StatusUnprocessableEntity), "status")
	wantFields(t, f.call(t, call{method: "POST", path: "/api/orders/" + id + "/status", bearer: staff, body: obj{}}).
		want(t, http.StatusUnprocessableEntity), "status")
	move(staff, uuid.NewString(), "paid").want(t, http.StatusNotFound)

	// The customer cancels a pending order: the stock comes back.
	id2 := place("2")
	if s := f.stock(t, p); s != float64(6) {
		t.Errorf("stock %v, want 6", s)
	}
	if o := f.call(t, call{method: "POST", path: "/api/orders/" + id2 + "/cancel", bearer: token}).want(t, 200); o["status"] != "cancelled" {
		t.Errorf("after cancel: %v", o["status"])
	}
	if s := f.stock(t, p); s != float64(8) {
		t.Errorf("stock after cancelling %v, want 8", s)
	}
	f.call(t, call{method: "POST", path: "/api/orders/" + id2 + "/cancel", bearer: token}).want(t, http.StatusConflict)
	// Staff cancel a paid order.
	id3 := place("3")
	move(staff, id3, "paid").want(t, http.StatusOK)
	if o := f.call(t, call{method: "POST", path: "/api/orders/" + id3 + "/cancel", bearer: staff}).want(t, 200); o["status"] != "cancelled" {
		t.Errorf("staff cancel: %v", o["status"])
	}
	f.call(t, call{method: "POST", path: "/api/orders/" + id3 + "/cancel"}).want(t, http.StatusUnauthorized)
}

func TestOtherCustomersOrder(t *testing.T) {
	f := startAccounts(t, nil)
	p := demoProducts(t, f, 1)[0]["id"].(string)
	owner, _ := f.signUp(t, "owner")
	other, _ := f.signUp(t, "other")
	o := f.checkout(t, owner, "mine", obj{"product_id": p, "address": home(), "payment_method": "bank_transfer"}).want(t, 201)
	id := o["id"].(string)

	unknown := f.call(t, call{method: "GET", path: "/api/orders/" + uuid.NewString(), bearer: other}).want(t, http.StatusNotFound)
	theirs := f.call(t, call{method: "GET", path: "/api/orders/" + id, bearer: other}).want(t, http.StatusNotFound)
	if unknown["detail"] != theirs["detail"] {
		t.Errorf("another's order answers %q, an unknown one %q: want the same", theirs["detail"], unknown["detail"])
	}
	f.call(t, call{method: "POST", path: "/api/orders/" + id + "/cancel", bearer: other}).want(t, http.StatusNotFound)
	f.call(t, call{method: "GET", path: "/api/orders/" + id}).want(t, http.StatusUnauthorized)
	if n := len(items(t, f.call(t, call{method: "GET", path: "/api/orders", bearer: other}).want(t, 200))); n != 0 {
		t.Errorf("another customer lists %d orders", n)
	}
	// The same key is each customer's own.
	o2 := f.checkout(t, other, "mine", obj{"product_id": p, "address": home(), "payment_method": "bank_transfer"}).want(t, 201)
	if o2["id"] == id {
		t.Error("two customers' keys collide")
	}
	// Still pending and the owner's.
	if got := f.call(t, call{method: "GET", path: "/api/orders/" + id, bearer: owner}).want(t, 200); got["status"] != "pending_payment" {
		t.Errorf("after another's attempts: %v", got["status"])
	}
}

func TestListOrders(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	p := demoProducts(t, f, 1)[0]["id"].(string)
	token, _ := f.signUp(t, "lister")
	other, _ := f.signUp(t, "lister2")
	var placed []string
	for _, key := range []string{"a", "b", "c"} {
		o := f.checkout(t, token, key, obj{"product_id": p, "address": home(), "payment_method": "bank_transfer"}).want(t, 201)
		placed = append([]string{o["id"].(string)}, placed...) // newest first
	}
	f.checkout(t, other, "a", obj{"product_id": p, "address": home(), "payment_method": "card"}).want(t, 201)

	// Mine, newest first, two at a time.
	var got []string
	path := "/api/orders?limit=2"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		list := f.call(t, call{method: "GET", path: path, bearer: token}).want(t, http.StatusOK)
		if k := keys(list); k != listFields {
			t.Fatalf("list fields %s", k)
		}
		for _, o := range items(t, list) {
			checkOrder(t, o)
			got = append(got, o["id"].(string))
		}
		next, _ := list["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/api/orders?limit=2&cursor=" + url.QueryEscape(next)
	}
	if strings.Join(got, ",") != strings.Join(placed, ",") {
		t.Errorf("orders %v, want %v", got, placed)
	}

	// Staff see everyone's, by status.
	all := items(t, f.call(t, call{method: "GET", path: "/api/admin/orders", bearer: staff}).want(t, http.StatusOK))
	if len(all) != 4 {
		t.Errorf("staff list %d orders, want 4", len(all))
	}
	paid := items(t, f.call(t, call{method: "GET", path: "/api/admin/orders?status=paid", bearer: staff}).want(t, http.StatusOK))
	if len(paid) != 1 || paid[0]["status"] != "paid" {
		t.Errorf("paid orders %v, want the one paid by card", paid)
	}
	pending := items(t, f.call(t, call{method: "GET", path: "/api/admin/orders?status=pending_payment&limit=2", bearer: staff}).want(t, 200))
	if len(pending) != 2 {
		t.Errorf("pending, limit 2: %d orders", len(pending))
	}
	f.call(t, call{method: "GET", path: "/api/admin/orders", bearer: token}).want(t, http.StatusForbidden)
	f.call(t, call{method: "GET", path: "/api/admin/orders"}).want(t, http.StatusUnauthorized)
	f.call(t, call{method: "GET", path: "/api/orders"}).want(t, http.StatusUnauthorized)
}

func TestOrdersBadInput(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	p := demoProducts(t, f, 1)[0]["id"].(string)
	token, _ := f.signUp(t, "badorders")
	addr := f.call(t, call{method: "POST", path: "/api/addresses", bearer: token, body: home()}).want(t, 201)["id"].(string)
	o := f.checkout(t, token, "ok", obj{"product_id": p, "address_id": addr, "payment_method": "bank_transfer"}).want(t, 201)
	id := o["id"].(string)
	otherAddr := func() string {
		other, _ := f.signUp(t, "badorders2")
		return f.call(t, call{method: "POST", path: "/api/addresses", bearer: other, body: home()}).want(t, 201)["id"].(string)
	}()
	key := http.Header{api.IdempotencyKeyHeader: {"bad-1"}}
	buy := func(body any) call {
		return call{method: "POST", path: "/api/orders", bearer: token, body: body, header: key}
	}
	badAddress := home()
	badAddress["zipcod"] = "1"
	checkBadInputs(t, f, []badInput{
		{"addresses: unknown field", call{method: "POST", path: "/api/addresses", bearer: token, body: obj{"recipient": "a", "street": "b"}}, 400, []string{"street"}},
		{"addresses: number", call{method: "POST", path: "/api/addresses", bearer: token, body: obj{"phone": 1012345678}}, 400, []string{"phone"}},
		{"addresses: too long", call{method: "POST", path: "/api/addresses", bearer: token, body: obj{
			"recipient": strings.Repeat("가", 51), "phone": "010-1234-5678", "line1": "x", "zipcode": "04524"}}, 422, []string{"recipient"}},
		{"addresses: control character", call{method: "POST", path: "/api/addresses", bearer: token, body: obj{
			"recipient": "a\x00b", "phone": "010-1234-5678", "line1": "x", "zipcode": "04524"}}, 422, []string{"recipient"}},
		{"addresses: not JSON", call{method: "POST", path: "/api/addresses", bearer: token, body: "x", contentType: "text/plain"}, 415, nil},
		{"addresses: malformed id", call{method: "DELETE", path: "/api/addresses/1", bearer: token}, 400, []string{"id"}},
		{"addresses: PUT", call{method: "PUT", path: "/api/addresses/" + addr, bearer: token, body: obj{}}, 405, nil},

		{"orders: both sources", buy(obj{"source": "cart", "product_id": p, "address_id": addr, "payment_method": "card"}), 422, []string{"source"}},
		{"orders: unknown source", buy(obj{"source": "wishlist", "address_id": addr, "payment_method": "card"}), 422, []string{"source"}},
		{"orders: nothing", buy(obj{}), 422, []string{"product_id", "address", "payment_method"}},
		{"orders: malformed product_id", buy(obj{"product_id": "x", "address_id": addr, "payment_method": "card"}), 422, []string{"product_id"}},
		{"orders: unknown product", buy(obj{"product_id": uuid.NewString(), "address_id": addr, "payment_method": "card"}), 422, []string{"product_id"}},
		{"orders: quantity 0", buy(obj{"product_id": p, "quantity": 0, "address_id": addr, "payment_method": "card"}), 422, []string{"quantity"}},
		{"orders: quantity 100", buy(obj{"product_id": p, "quantity": 100, "address_id": addr, "payment_method": "card"}), 422, []string{"quantity"}},
		{"orders: quantity a string", buy(obj{"product_id": p, "quantity": "1", "address_id": addr, "payment_method": "card"}), 400, []string{"quantity"}},
		{"orders: payment method", buy(obj{"product_id": p, "address_id": addr, "payment_method": "cash"}), 422, []string{"payment_method"}},
		{"orders: both addresses", buy(obj{"product_id": p, "address_id": addr, "address": home(), "payment_method": "card"}), 422, []string{"address"}},
		{"orders: malformed address_id", buy(obj{"product_id": p, "address_id": "x", "payment_method": "card"}), 422, []string{"address_id"}},
		{"orders: another's address", buy(obj{"product_id": p, "address_id": otherAddr, "payment_method": "card"}), 422, []string{"address_id"}},
		{"orders: invalid address", buy(obj{"product_id": p, "address": obj{"recipient": "a"}, "payment_method": "card"}), 422,
			[]string{"address.line1", "address.phone", "address.zipcode"}},
		{"orders: address unknown field", buy(obj{"product_id": p, "address": badAddress, "payment_method": "card"}), 400, []string{"address"}},
		{"orders: address a string", buy(obj{"product_id": p, "address": "서울", "payment_method": "card"}), 400, []string{"address"}},
		{"orders: unknown field", buy(obj{"product_id": p, "address_id": addr, "payment_method": "card", "coupon": "x"}), 400, []string{"coupon"}},
		{"orders: not an object", buy("[]"), 400, nil},
		{"orders: anonymous", call{method: "POST", path: "/api/orders", body: obj{}, header: key}, 401, nil},
		{"orders: a guest", call{method: "POST", path: "/api/orders", body: obj{}, header: key,
			cookie: f.guestWith(t, map[string]int{p: 1})}, 401, nil},
		{"orders: malformed id", call{method: "GET", path: "/api/orders/nope", bearer: token}, 400, []string{"id"}},
		{"orders: unknown id", call{method: "GET", path: "/api/orders/" + uuid.NewString(), bearer: token}, 404, nil},
		{"orders: limit 0", call{method: "GET", path: "/api/orders?limit=0", bearer: token}, 400, []string{"limit"}},
		{"orders: limit abc", call{method: "GET", path: "/api/orders?limit=abc", bearer: token}, 400, []string{"limit"}},
		{"orders: bad cursor", call{method: "GET", path: "/api/orders?cursor=zz", bearer: token}, 400, []string{"cursor"}},
		{"orders: PUT", call{method: "PUT", path: "/api/orders/" + id, bearer: token, body: obj{}}, 405, nil},
		{"cancel: malformed id", call{method: "POST", path: "/api/orders/x/cancel", bearer: token}, 400, []string{"id"}},
		{"cancel: GET", call{method: "GET", path: "/api/orders/" + id + "/cancel", bearer: token}, 405, nil},
		{"status: malformed id", call{method: "POST", path: "/api/orders/x/status", bearer: staff, body: obj{"status": "paid"}}, 400, []string{"id"}},
		{"status: number", call{method: "POST", path: "/api/orders/" + id + "/status", bearer: staff, body: obj{"status": 1}}, 400, []string{"status"}},
		{"status: unknown field", call{method: "POST", path: "/api/orders/" + id + "/status", bearer: staff, body: obj{"state": "paid"}}, 400, []string{"state"}},
		{"status: customer, bad body", call{method: "POST", path: "/api/orders/" + id + "/status", bearer: token, body: "{"}, 403, nil},
		{"admin: bad status", call{method: "GET", path: "/api/admin/orders?status=lost", bearer: staff}, 400, []string{"status"}},
		{"admin: bad limit and cursor", call{method: "GET", path: "/api/admin/orders?limit=101&cursor=x", bearer: staff}, 400, []string{"limit", "cursor"}},
		{"admin: customer, bad query", call{method: "GET", path: "/api/admin/orders?limit=x", bearer: token}, 403, nil},
	})
	// None of them placed an order.
	if n := len(items(t, f.call(t, call{method: "GET", path: "/api/orders", bearer: token}).want(t, 200))); n != 1 {
		t.Errorf("%d orders, want the one placed", n)
	}
}
