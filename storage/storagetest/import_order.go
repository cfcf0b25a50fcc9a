package storagetest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
)

func runOrderImportTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *orderFixture)
	}{
		{"Create", testImportOrdersCreate},
		{"Unchanged", testImportOrdersUnchanged},
		{"Update", testImportOrdersUpdate},
		{"KeptWhenChangedInTheShop", testImportOrdersKept},
		{"Invalid", testImportOrdersInvalid},
		{"Missing", testImportOrdersMissing},
		{"Conflicts", testImportOrdersConflicts},
		{"LargeBatch", testImportOrdersLargeBatch},
		{"Concurrent", testImportOrdersConcurrent},
		{"ReadBack", testImportOrdersReadBack},
		{"EndedContext", testImportOrdersEnded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newOrderFixture(t, h))
		})
	}
}

// pastZone is the time zone in which the old shop kept its times.
var pastZone = time.FixedZone("KST", 9*60*60)

// pastOrder returns an order of the old shop, placed at at by user, with
// the id an importer gives it, paid by card and delivered, and lines of
// unit prices in won. The caller's totals are nonsense on purpose: the
// service computes them.
func pastOrder(user uuid.UUID, at time.Time, source string, lines ...order.Line) order.Order {
	for i := range lines {
		lines[i].LineTotal = commerce.MustMoney("1", "KRW")
	}
	return order.Order{
		ID: commerce.ImportedID(at, source), UserID: user, Status: order.Delivered, Lines: lines,
		Subtotal: commerce.MustMoney("7", "KRW"), Total: commerce.MustMoney("7", "KRW"),
		Address:       order.Address{Line1: "서울특별시 종로구 자하문로 1", City: "서울", Zipcode: "03045"},
		PaymentMethod: order.Card, PaymentRef: "django-txn-" + source,
		PlacedAt: at, UpdatedAt: at.Add(72 * time.Hour),
	}
}

func pastWon(amount string) commerce.Money { return commerce.MustMoney(amount, "KRW") }

// line is a line of n units of p at price.
func pastLine(p catalog.Product, price string, n int) order.Line {
	return order.Line{ProductID: p.ID, Name: p.Name, UnitPrice: pastWon(price), Quantity: n}
}

// importedAs returns what an import stores of o: its totals computed, its
// times in UTC at microsecond precision, its address the customer's, its
// key the import's own, when o has none, the number it was given, and,
// when o has none, Version 1, a created order's.
func importedAs(o order.Order, number string) order.Order {
	o.Lines = slices.Clone(o.Lines)
	o.Subtotal = pastWon("0")
	for i, l := range o.Lines {
		o.Lines[i].LineTotal = l.UnitPrice.Mul(int64(l.Quantity))
		o.Subtotal, _ = o.Subtotal.Add(o.Lines[i].LineTotal)
	}
	o.Total = o.Subtotal
	if o.Number == "" {
		o.Number = number
	}
	o.Address.UserID = o.UserID
	o.Address.CreatedAt = o.Address.CreatedAt.UTC().Truncate(time.Microsecond)
	o.IdempotencyKey, o.RequestHash = "import:"+o.ID.String(), ""
	o.PlacedAt = o.PlacedAt.UTC().Truncate(time.Microsecond)
	o.UpdatedAt = o.UpdatedAt.UTC().Truncate(time.Microsecond)
	o.Version = max(o.Version, 1)
	return o
}

// importOrders imports orders and fails unless every outcome is want.
func (f *orderFixture) importOrders(t *testing.T, orders []order.Order, want commerce.ImportOutcome) {
	t.Helper()
	results, err := f.orders.ImportOrders(f.ctx, orders)
	if err != nil {
		t.Fatalf("ImportOrders: %v", err)
	}
	if len(results) != len(orders) {
		t.Fatalf("ImportOrders: %d results for %d orders", len(results), len(orders))
	}
	for i, r := range results {
		if r.Outcome != want || r.Err != nil {
			t.Errorf("order %d (%s): %v, %v; want %v", i, orders[i].ID, r.Outcome, r.Err, want)
		}
	}
}

// importedNumber matches the numbers the import makes: the date and
// eight digits.
var importedNumber = regexp.MustCompile(`^[0-9]{8}-[0-9]{8}$`)

// checkRead fails unless the order with want's id reads as want, through
// the customer's and staff's reads.
func (f *orderFixture) checkRead(t *testing.T, want order.Order) {
	t.Helper()
	for _, who := range []commerce.Actor{commerce.UserActor(want.UserID), staff} {
		got, err := f.orders.Order(f.ctx, who, want.ID)
		if err != nil {
			t.Fatalf("Order(%s): %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got, moneyEqual); diff != "" {
			t.Errorf("order %s as read (-want +got):\n%s", want.ID, diff)
		}
	}
}

func testImportOrdersCreate(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(5))
	tea := f.item(t, "보리차", "4500", nil)
	me := f.customer(t)
	if _, err := f.carts.Add(f.ctx, me, tea.ID, 2); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 3, 29, 19, 4, 5, 123456789, pastZone)
	gone := order.Line{Name: "단종된 머그컵", UnitPrice: pastWon("8000"), Quantity: 1} // a deleted product
	orders := []order.Order{
		pastOrder(me.UserID, at, "products_order:1", pastLine(jam, "11000", 2), pastLine(tea, "4500", 1)),
		pastOrder(me.UserID, at.Add(24*time.Hour), "products_order:2", gone),
		pastOrder(me.UserID, at.Add(48*time.Hour), "products_order:3", pastLine(tea, "4000", 3)),
	}
	orders[1].Status, orders[1].PaymentMethod, orders[1].PaymentRef = order.Paid, "", "" // no payment recorded
	orders[2].Number = "DJ-3"
	orders[2].Address = order.Address{} // no address kept at all
	results, err := f.orders.ImportOrders(f.ctx, orders)
	if err != nil {
		t.Fatalf("ImportOrders: %v", err)
	}
	for i, r := range results {
		if r.Outcome != commerce.ImportCreated || r.Err != nil {
			t.Errorf("order %d: %v, %v; want created", i, r.Outcome, r.Err)
		}
	}
	for i, o := range orders {
		got, err := f.orders.Order(f.ctx, me, o.ID)
		if err != nil {
			t.Fatalf("Order %d: %v", i, err)
		}
		if o.Number == "" && (!importedNumber.MatchString(got.Number) || got.Number[:8] != o.PlacedAt.UTC().Format("20060102")) {
			t.Errorf("order %d numbered %q; want the UTC date of %v and eight digits", i, got.Number, o.PlacedAt)
		}
		f.checkRead(t, importedAs(o, got.Number))
	}
	if got, _ := f.orders.Order(f.ctx, me, orders[0].ID); !got.Total.Equal(pastWon("26500")) {
		t.Errorf("total %v, want 26500 KRW computed from the lines", got.Total)
	}
	// History takes no stock and leaves carts alone.
	if n := f.stock(t, jam); *n != 5 {
		t.Errorf("stock %d after an import, want 5", *n)
	}
	if c := f.cart(t, me); c.Count != 2 {
		t.Errorf("cart holds %d after an import, want 2", c.Count)
	}
	// An imported order moves along the status machine; its deleted
	// product's line is no obstacle.
	cancelled, err := f.orders.Cancel(f.ctx, me, orders[1].ID)
	if err != nil || cancelled.Status != order.Cancelled {
		t.Errorf("cancelling an imported paid order: %v, %v", cancelled.Status, err)
	}
}

func testImportOrdersUnchanged(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	at := time.Date(2021, 11, 2, 8, 0, 0, 999999999, pastZone)
	var orders []order.Order
	for i := range 5 {
		o := pastOrder(me.UserID, at.Add(time.Duration(i)*time.Hour), fmt.Sprint("products_order:", i), pastLine(jam, "12000", i+1))
		o.Address.CreatedAt = at.Add(-time.Hour)
		orders = append(orders, o)
	}
	f.importOrders(t, orders, commerce.ImportCreated)
	before := f.allOrders(t)
	f.importOrders(t, orders, commerce.ImportUnchanged)
	// An order given with its stored, computed totals is the same order.
	again := slices.Clone(orders)
	for i := range again {
		again[i] = importedAs(again[i], before[len(before)-1-i].Number)
	}
	f.importOrders(t, again, commerce.ImportUnchanged)
	if diff := cmp.Diff(before, f.allOrders(t), moneyEqual); diff != "" {
		t.Errorf("a second run changed orders (-before +after):\n%s", diff)
	}
}

func testImportOrdersUpdate(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	me, you := f.customer(t), f.customer(t)
	at := time.Date(2023, 1, 5, 10, 30, 0, 0, pastZone)
	a := pastOrder(me.UserID, at, "products_order:10", pastLine(jam, "12000", 1), pastLine(tea, "4500", 2))
	b := pastOrder(me.UserID, at.Add(time.Minute), "products_order:11", pastLine(tea, "4500", 1))
	f.importOrders(t, []order.Order{a, b}, commerce.ImportCreated)
	first, _ := f.orders.Order(f.ctx, me, a.ID)

	a.Status, a.Lines = order.Cancelled, []order.Line{pastLine(tea, "4000", 4)}
	a.Address.Note = "경비실에 맡겨 주세요"
	a.UpdatedAt = a.UpdatedAt.Add(time.Hour)
	b.UserID = you.UserID // the importer fixed whose order it was
	b.Number = "DJ-11"
	results, err := f.orders.ImportOrders(f.ctx, []order.Order{a, b})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Outcome != commerce.ImportUpdated || r.Err != nil {
			t.Errorf("order %d: %v, %v; want updated", i, r.Outcome, r.Err)
		}
	}
	// Each keeps its number (unless given another) and is at version 2.
	a.Version, b.Version = 2, 2
	f.checkRead(t, importedAs(a, first.Number))
	f.checkRead(t, importedAs(b, ""))
	if page, _ := f.orders.Orders(f.ctx, me, order.Filter{}); len(page.Items) != 1 || page.Items[0].ID != a.ID {
		t.Errorf("the first customer's orders after the update: %d", len(page.Items))
	}
	if page, _ := f.orders.Orders(f.ctx, you, order.Filter{}); len(page.Items) != 1 || page.Items[0].ID != b.ID {
		t.Errorf("the second customer's orders after the update: %d", len(page.Items))
	}
	f.importOrders(t, []order.Order{a, b}, commerce.ImportUnchanged)
}

// testImportOrdersKept: an order whose status staff set in the shop after
// the import keeps it when the import runs again.
func testImportOrdersKept(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	at := time.Date(2023, 2, 5, 10, 30, 0, 0, pastZone)
	a := pastOrder(me.UserID, at, "products_order:20", pastLine(jam, "12000", 1))
	a.Status = order.Paid
	f.importOrders(t, []order.Order{a}, commerce.ImportCreated)
	shipped, err := f.orders.SetStatus(f.ctx, staff, a.ID, order.Shipped)
	if err != nil {
		t.Fatal(err)
	}
	a.Status = order.Delivered
	f.importOrders(t, []order.Order{a}, commerce.ImportKept)
	if got, err := f.orders.Order(f.ctx, me, a.ID); err != nil || got.Status != shipped.Status {
		t.Errorf("the order staff shipped: %v, %v; want %s kept", got.Status, err, shipped.Status)
	}
}

func testImportOrdersInvalid(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	at := time.Date(2022, 6, 1, 12, 0, 0, 0, pastZone)
	n := 0
	past := func(edit func(*order.Order)) order.Order {
		n++
		o := pastOrder(me.UserID, at.Add(time.Duration(n)*time.Minute), fmt.Sprint("products_order:", n), pastLine(jam, "12000", 1))
		edit(&o)
		return o
	}
	cases := []struct {
		order  order.Order
		fields []string
	}{
		{past(func(o *order.Order) { o.Lines = nil }), []string{"lines"}},
		{past(func(o *order.Order) { o.Lines[0].Quantity = 0 }), []string{"lines[0].quantity"}},
		{past(func(o *order.Order) { o.Lines[0].UnitPrice = commerce.MustMoney("10.00", "USD") }), []string{"lines[0].unit_price"}},
		{past(func(o *order.Order) { o.Lines[0].UnitPrice = pastWon("-1") }), []string{"lines[0].unit_price"}},
		{past(func(o *order.Order) { o.Lines[0].Name = " " }), []string{"lines[0].name"}},
		{past(func(o *order.Order) { o.Status = "" }), []string{"status"}},
		{past(func(o *order.Order) { o.Status = "lost" }), []string{"status"}},
		{past(func(o *order.Order) { o.ID = uuid.Nil }), []string{"id"}},
		{past(func(o *order.Order) { o.UserID = uuid.Nil }), []string{"user_id"}},
		{past(func(o *order.Order) { o.PlacedAt = time.Time{} }), []string{"placed_at"}},
		{past(func(o *order.Order) { o.Number = "abc 1" }), []string{"number"}},
		{past(func(o *order.Order) { o.PaymentMethod = "cash" }), []string{"payment_method"}},
		{past(func(o *order.Order) { o.Address.Zipcode = "서울" }), []string{"address.zipcode"}},
		{past(func(o *order.Order) { o.Address.Phone = "call me" }), []string{"address.phone"}},
	}
	orders := []order.Order{past(func(*order.Order) {})}
	for _, c := range cases {
		orders = append(orders, c.order)
	}
	orders = append(orders, past(func(o *order.Order) { o.Address.Recipient, o.Address.Phone = "", "" }))
	results, err := f.orders.ImportOrders(f.ctx, orders)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, len(orders) - 1} {
		if results[i].Outcome != commerce.ImportCreated {
			t.Errorf("valid order %d: %v, %v", i, results[i].Outcome, results[i].Err)
		}
	}
	for i, c := range cases {
		r := results[i+1]
		if r.Outcome != commerce.ImportSkipped {
			t.Errorf("case %d (%v): %v, want skipped", i, c.fields, r.Outcome)
			continue
		}
		wantFields(t, fmt.Sprintf("case %d", i), r.Err, c.fields...)
		if c.order.ID == uuid.Nil {
			continue
		}
		_, err := f.orders.Order(f.ctx, staff, c.order.ID)
		wantErr(t, fmt.Sprintf("case %d: a skipped order", i), err, order.ErrOrderNotFound)
	}
	if all := f.allOrders(t); len(all) != 2 {
		t.Errorf("%d orders stored, want the 2 valid ones", len(all))
	}
}

func testImportOrdersMissing(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	at := time.Date(2022, 7, 1, 9, 0, 0, 0, pastZone)
	nobody := commerce.NewID()
	removed := order.Line{ProductID: commerce.NewID(), Name: "없는 상품", UnitPrice: pastWon("1000"), Quantity: 1}
	orders := []order.Order{
		pastOrder(nobody, at, "products_order:1", pastLine(jam, "12000", 1)),
		pastOrder(me.UserID, at.Add(time.Minute), "products_order:2", pastLine(jam, "12000", 1), removed),
		pastOrder(me.UserID, at.Add(2*time.Minute), "products_order:3", pastLine(jam, "12000", 1)),
	}
	results, err := f.orders.ImportOrders(f.ctx, orders)
	if err != nil {
		t.Fatal(err)
	}
	for i, field := range []string{"user_id", "lines[1].product_id"} {
		r := results[i]
		if r.Outcome != commerce.ImportSkipped || !errors.Is(r.Err, commerce.ErrNotFound) {
			t.Errorf("order %d: %v, %v; want skipped, not found", i, r.Outcome, r.Err)
			continue
		}
		if _, ok := commerce.FieldErrors(r.Err)[field]; !ok {
			t.Errorf("order %d: %v names %v, want %s", i, r.Err, commerce.FieldErrors(r.Err), field)
		}
		_, err := f.orders.Order(f.ctx, staff, orders[i].ID)
		wantErr(t, "a skipped order", err, order.ErrOrderNotFound)
	}
	if results[2].Outcome != commerce.ImportCreated {
		t.Errorf("the valid order: %v, %v", results[2].Outcome, results[2].Err)
	}
}

func testImportOrdersConflicts(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	live, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, "k"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 8, 1, 9, 0, 0, 0, pastZone)
	a := pastOrder(me.UserID, at, "products_order:1", pastLine(jam, "12000", 1))
	taken := pastOrder(me.UserID, at.Add(time.Minute), "products_order:2", pastLine(jam, "12000", 1))
	taken.Number = live.Number
	// Two orders placed in the same millisecond: the second gets the
	// other number the import makes.
	twin := pastOrder(me.UserID, at, "products_order:3", pastLine(jam, "12000", 2))
	results, err := f.orders.ImportOrders(f.ctx, []order.Order{a, taken, a, twin})
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Outcome != commerce.ImportCreated || results[3].Outcome != commerce.ImportCreated {
		t.Errorf("the valid orders: %v, %v", results[0], results[3])
	}
	for i, field := range map[int]string{1: "number", 2: "id"} {
		r := results[i]
		if r.Outcome != commerce.ImportSkipped || !errors.Is(r.Err, commerce.ErrConflict) {
			t.Errorf("order %d: %v, %v; want skipped, conflict", i, r.Outcome, r.Err)
		} else if _, ok := commerce.FieldErrors(r.Err)[field]; !ok {
			t.Errorf("order %d: %v names %v, want %s", i, r.Err, commerce.FieldErrors(r.Err), field)
		}
	}
	if !errors.Is(results[1].Err, order.ErrDuplicateNumber) {
		t.Errorf("a taken number: %v, want order.ErrDuplicateNumber", results[1].Err)
	}
	x, _ := f.orders.Order(f.ctx, me, a.ID)
	y, _ := f.orders.Order(f.ctx, me, twin.ID)
	if x.Number == y.Number || !importedNumber.MatchString(y.Number) || x.Number[:9] != y.Number[:9] {
		t.Errorf("orders of the same millisecond numbered %q and %q; want two numbers of the same day", x.Number, y.Number)
	}
	if got, _ := f.orders.Order(f.ctx, me, live.ID); got.Number != live.Number || len(got.Lines) != 1 {
		t.Errorf("the checkout's order changed: %+v", got)
	}
	// Running it again, the same orders are numbered the same.
	results, err = f.orders.ImportOrders(f.ctx, []order.Order{twin, a})
	if err != nil || results[0].Outcome != commerce.ImportUnchanged || results[1].Outcome != commerce.ImportUnchanged {
		t.Errorf("a second run: %v, %v", results, err)
	}
}

func testImportOrdersLargeBatch(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	users := []commerce.Actor{f.customer(t), f.customer(t), f.customer(t)}
	at := time.Date(2021, 1, 1, 0, 0, 0, 0, pastZone)
	n := 2*commerce.ImportBatchSize + 7
	orders := make([]order.Order, n)
	for i := range orders {
		orders[i] = pastOrder(users[i%3].UserID, at.Add(time.Duration(i)*time.Hour), fmt.Sprint("products_order:", i), pastLine(jam, "12000", i%5+1))
	}
	f.importOrders(t, orders, commerce.ImportCreated)
	all := f.allOrders(t)
	if len(all) != n {
		t.Fatalf("%d orders stored, want %d", len(all), n)
	}
	for i, o := range all {
		if want := orders[n-1-i].ID; o.ID != want {
			t.Fatalf("order %d listed is %s, want %s: newest first", i, o.ID, want)
		}
	}
	f.importOrders(t, orders, commerce.ImportUnchanged)
}

// testImportOrdersConcurrent runs imports of overlapping batches at once:
// every order is created by exactly one of them, and the others find it
// unchanged.
func testImportOrdersConcurrent(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me, you := f.customer(t), f.customer(t)
	at := time.Date(2022, 2, 2, 0, 0, 0, 0, pastZone)
	const n = 120
	orders := make([]order.Order, n)
	for i := range orders {
		user := me
		if i%2 == 1 {
			user = you
		}
		orders[i] = pastOrder(user.UserID, at.Add(time.Duration(i)*time.Minute), fmt.Sprint("products_order:", i), pastLine(jam, "12000", 1))
	}
	batches := [][2]int{{0, 60}, {30, 90}, {60, 120}, {0, 120}}
	created := make([][]uuid.UUID, len(batches))
	var wg sync.WaitGroup
	for b, r := range batches {
		wg.Go(func() {
			part := orders[r[0]:r[1]]
			results, err := f.orders.ImportOrders(f.ctx, part)
			if err != nil {
				t.Errorf("import %d: %v", b, err)
				return
			}
			for i, res := range results {
				switch res.Outcome {
				case commerce.ImportCreated:
					created[b] = append(created[b], part[i].ID)
				case commerce.ImportUnchanged:
				default:
					t.Errorf("import %d, order %d: %v, %v", b, i, res.Outcome, res.Err)
				}
			}
		})
	}
	wg.Wait()
	count := make(map[uuid.UUID]int)
	for _, ids := range created {
		for _, id := range ids {
			count[id]++
		}
	}
	for _, o := range orders {
		if count[o.ID] != 1 {
			t.Errorf("order %s created %d times, want once", o.ID, count[o.ID])
		}
	}
	if all := f.allOrders(t); len(all) != n {
		t.Errorf("%d orders stored, want %d", len(all), n)
	}
	f.importOrders(t, orders, commerce.ImportUnchanged)
}

// testImportOrdersReadBack checks that imported orders read back through
// the ordinary reads exactly, newest first among a checkout's, with
// paging, and through the status filter.
func testImportOrdersReadBack(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me, you := f.customer(t), f.customer(t)
	live, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, "now"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2021, 5, 5, 23, 59, 59, 999999000, pastZone)
	// Given out of time order, as rows of an old table may come.
	orders := []order.Order{
		pastOrder(me.UserID, at.Add(3*time.Second), "products_order:4", pastLine(jam, "10000", 1)),
		pastOrder(me.UserID, at, "products_order:1", pastLine(jam, "10000", 2)),
		pastOrder(you.UserID, at.Add(time.Second), "products_order:2", pastLine(jam, "10000", 3)),
		pastOrder(me.UserID, at.Add(2*time.Second+time.Microsecond), "products_order:3", pastLine(jam, "10000", 4)),
	}
	orders[2].Status = order.Paid
	f.importOrders(t, orders, commerce.ImportCreated)
	want := make(map[uuid.UUID]order.Order)
	for _, o := range orders {
		got, err := f.orders.Order(f.ctx, staff, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[o.ID] = importedAs(o, got.Number)
	}
	var mine []order.Order
	filter := order.Filter{Limit: 2}
	for {
		page, err := f.orders.Orders(f.ctx, me, filter)
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, page.Items...)
		if page.NextCursor == "" {
			break
		}
		filter.Cursor = page.NextCursor
	}
	wantMine := []order.Order{live, want[orders[0].ID], want[orders[3].ID], want[orders[1].ID]}
	if diff := cmp.Diff(wantMine, mine, moneyEqual); diff != "" {
		t.Errorf("the customer's orders, newest first (-want +got):\n%s", diff)
	}
	all := f.allOrders(t)
	if len(all) != 5 || all[0].ID != live.ID || all[1].ID != orders[0].ID {
		t.Errorf("staff's list: %d orders", len(all))
	}
	if diff := cmp.Diff(want[orders[2].ID], all[3], moneyEqual); diff != "" {
		t.Errorf("another customer's order in staff's list (-want +got):\n%s", diff)
	}
	paid, err := f.orders.AllOrders(f.ctx, staff, order.Filter{Status: order.Paid})
	if err != nil || len(paid.Items) != 2 {
		t.Fatalf("paid orders: %d, %v", len(paid.Items), err)
	}
	if diff := cmp.Diff(want[orders[2].ID], paid.Items[1], moneyEqual); diff != "" {
		t.Errorf("a paid imported order (-want +got):\n%s", diff)
	}
}

// testImportOrdersEnded holds ImportOrders to the rule of context.go: with
// an ended context it fails with an error wrapping commerce.ErrUnavailable
// and the context's, and writes nothing.
func testImportOrdersEnded(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	o := pastOrder(me.UserID, time.Date(2022, 9, 1, 9, 0, 0, 0, pastZone), "products_order:1", pastLine(jam, "12000", 1))
	callEnded(t, []endedCall{{"ImportOrders", func(ctx context.Context) error {
		_, err := f.orders.ImportOrders(ctx, []order.Order{o})
		return err
	}}})
	if all := f.allOrders(t); len(all) != 0 {
		t.Errorf("%d orders stored by imports with an ended context", len(all))
	}
}
