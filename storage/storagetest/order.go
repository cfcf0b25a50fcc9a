package storagetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/outbox"
)

// orderFixture adds orders to a shopFixture.
type orderFixture struct {
	*shopFixture
	orders *order.Service
	card   *order.FakeCardProvider
}

func newOrderFixture(t *testing.T, h Harness) *orderFixture {
	f := newShopFixture(t, h)
	if f.stores.Orders == nil || f.stores.Transactor == nil || f.stores.Stock == nil {
		t.Skip("the adapter has no orders, stock or transactor")
	}
	of := &orderFixture{shopFixture: f, card: &order.FakeCardProvider{Record: true}}
	of.orders = of.service(f.stores.Transactor)
	return of
}

// service returns an order service over tx, with the fixture's providers.
func (f *orderFixture) service(tx order.Transactor) *order.Service {
	return order.NewService(f.stores.Orders, tx, &order.Options{
		Now: f.now,
		Payments: map[order.PaymentMethod]order.PaymentProvider{
			order.Card: f.card, order.Mobile: f.card, order.BankTransfer: order.ManualProvider{},
		},
	})
}

var seoul = &order.AddressInput{
	Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Line2: "3층", Zipcode: "04524", Note: "문 앞에 놓아 주세요",
}

func buyNow(p catalog.Product, n int, key string) order.CheckoutInput {
	return order.CheckoutInput{ProductID: p.ID, Quantity: n, Address: seoul, PaymentMethod: order.Card, IdempotencyKey: key}
}

func fromCart(key string) order.CheckoutInput {
	return order.CheckoutInput{FromCart: true, Address: seoul, PaymentMethod: order.BankTransfer, IdempotencyKey: key}
}

func (f *orderFixture) stock(t *testing.T, p catalog.Product) *int {
	t.Helper()
	got, err := f.stores.Catalog.GetProduct(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Stock
}

func (f *orderFixture) allOrders(t *testing.T) []order.Order {
	t.Helper()
	var out []order.Order
	filter := order.Filter{Limit: 100}
	for {
		page, err := f.orders.AllOrders(f.ctx, staff, filter)
		if err != nil {
			t.Fatalf("AllOrders: %v", err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		filter.Cursor = page.NextCursor
	}
}

func runOrderTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *orderFixture)
	}{
		{"Addresses", testAddresses},
		{"CheckoutCart", testCheckoutCart},
		{"BuyNow", testBuyNow},
		{"CheckoutValidation", testCheckoutValidation},
		{"OutOfStock", testOutOfStock},
		{"Idempotency", testIdempotency},
		{"ConcurrentDuplicateCheckouts", testConcurrentDuplicateCheckouts},
		{"LastUnits", testLastUnits},
		{"StatusMachine", testStatusMachine},
		{"CustomerCancel", testCustomerCancel},
		{"Visibility", testOrderVisibility},
		{"Paging", testOrderPaging},
		{"Rollback", testCheckoutRollback},
		{"Totals", testOrderTotals},
		{"EditsKeepStockTaken", testEditsKeepStockTaken},
		{"TxCatalog", testTxCatalog},
		{"IdempotencyKeys", testIdempotencyKeys},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newOrderFixture(t, h))
		})
	}
}

func testAddresses(t *testing.T, f *orderFixture) {
	me, you := f.customer(t), f.customer(t)
	a, err := f.orders.AddAddress(f.ctx, me, *seoul)
	if err != nil {
		t.Fatalf("AddAddress: %v", err)
	}
	if a.ID == uuid.Nil || a.UserID != me.UserID || a.Recipient != "김민준" || a.Note != seoul.Note {
		t.Errorf("AddAddress: %+v", a)
	}
	b, _ := f.orders.AddAddress(f.ctx, me, order.AddressInput{Recipient: "이서연", Phone: "+82 2 123 4567", Line1: "부산광역시 해운대구", Zipcode: "48094"})
	list, err := f.orders.Addresses(f.ctx, me)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Errorf("Addresses: %+v, %v", list, err)
	}
	if got, _ := f.stores.Orders.GetAddress(f.ctx, a.ID); !cmp.Equal(got, a) {
		t.Errorf("GetAddress:\n%s", cmp.Diff(a, got))
	}
	if list, _ := f.orders.Addresses(f.ctx, you); len(list) != 0 {
		t.Errorf("another customer's address book: %+v", list)
	}
	wantErr(t, "DeleteAddress of another's address", f.orders.DeleteAddress(f.ctx, you, a.ID), order.ErrAddressNotFound)
	if err := f.orders.DeleteAddress(f.ctx, me, a.ID); err != nil {
		t.Fatalf("DeleteAddress: %v", err)
	}
	wantErr(t, "DeleteAddress twice", f.orders.DeleteAddress(f.ctx, me, a.ID), order.ErrAddressNotFound)
	_, err = f.orders.AddAddress(f.ctx, me, order.AddressInput{Phone: "call me", Zipcode: "!"})
	wantFields(t, "AddAddress empty", err, "recipient", "line1", "phone", "zipcode")
	_, err = f.orders.AddAddress(f.ctx, commerce.Anonymous, *seoul)
	wantErr(t, "AddAddress anonymously", err, commerce.ErrUnauthenticated)
	for i := len(list) - 1; i < 20; i++ {
		f.orders.AddAddress(f.ctx, me, *seoul)
	}
	_, err = f.orders.AddAddress(f.ctx, me, *seoul)
	wantFields(t, "a 21st address", err, "address")
}

func testCheckoutCart(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(5))
	tea := f.item(t, "보리차", "4500", nil)
	me := f.customer(t)
	f.carts.Add(f.ctx, me, tea.ID, 3)
	f.carts.Add(f.ctx, me, jam.ID, 2)
	addr, _ := f.orders.AddAddress(f.ctx, me, *seoul)

	in := order.CheckoutInput{FromCart: true, AddressID: addr.ID, PaymentMethod: order.BankTransfer, IdempotencyKey: "k-1"}
	o, err := f.orders.Checkout(f.ctx, me, in)
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	if o.Status != order.PendingPayment || o.UserID != me.UserID || o.PaymentMethod != order.BankTransfer || o.Number == "" {
		t.Errorf("order: %+v", o)
	}
	if o.Subtotal.AmountString() != "37500" || !o.Total.Equal(o.Subtotal) || len(o.Lines) != 2 {
		t.Errorf("order totals: subtotal %s total %s, %d lines", o.Subtotal, o.Total, len(o.Lines))
	}
	if o.Address.Recipient != "김민준" || o.Address.Line1 != seoul.Line1 {
		t.Errorf("address copy: %+v", o.Address)
	}
	if *f.stock(t, jam) != 3 || f.stock(t, tea) != nil {
		t.Errorf("stock after checkout: jam %v, tea %v; want 3 and untracked", *f.stock(t, jam), f.stock(t, tea))
	}
	if c := f.cart(t, me); len(c.Lines) != 0 {
		t.Errorf("cart after checkout: %q", quantities(c))
	}
	got, err := f.orders.Order(f.ctx, me, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o, got, moneyEqual); diff != "" {
		t.Errorf("Order (-placed +read):\n%s", diff)
	}
	// Prices are copies: a later price change leaves the order alone.
	f.catalog.UpdateProduct(f.ctx, staff, jam.ID, catalog.ProductPatch{Price: commerce.Some(commerce.MustMoney("1", "KRW"))})
	f.catalog.DeleteProduct(f.ctx, staff, tea.ID)
	got, _ = f.orders.Order(f.ctx, me, o.ID)
	if diff := cmp.Diff(o, got, moneyEqual); diff != "" {
		t.Errorf("Order after its products changed (-placed +read):\n%s", diff)
	}
	_, err = f.orders.Checkout(f.ctx, me, fromCart("k-2"))
	wantErr(t, "checking out an empty cart", err, order.ErrEmptyCart)
}

func testBuyNow(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(5))
	tea := f.item(t, "보리차", "4500", nil)
	me := f.customer(t)
	f.carts.Add(f.ctx, me, tea.ID, 1)
	f.carts.Add(f.ctx, me, jam.ID, 1)
	o, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 2, "now-1"))
	if err != nil {
		t.Fatalf("buy now: %v", err)
	}
	if o.Status != order.Paid || o.PaymentRef == "" || len(o.Lines) != 1 || o.Lines[0].Quantity != 2 || o.Total.AmountString() != "24000" {
		t.Errorf("buy-now order: %+v", o)
	}
	if *f.stock(t, jam) != 3 {
		t.Errorf("stock: %d, want 3", *f.stock(t, jam))
	}
	if c := f.cart(t, me); c.Count != 2 {
		t.Errorf("buy now touched the cart: %q", quantities(c))
	}
	if n, sum := f.card.Charged(); n != 1 || sum.AmountString() != "24000" {
		t.Errorf("card charges: %d for %s", n, sum)
	}
}

func testCheckoutValidation(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me, you := f.customer(t), f.customer(t)
	yours, _ := f.orders.AddAddress(f.ctx, you, *seoul)
	cases := []struct {
		name   string
		in     order.CheckoutInput
		fields []string
	}{
		{"empty", order.CheckoutInput{}, []string{"idempotency_key", "product_id", "quantity", "payment_method", "address"}},
		{"bad quantity and method", order.CheckoutInput{ProductID: jam.ID, Quantity: 100, Address: seoul, PaymentMethod: "bitcoin", IdempotencyKey: "x"}, []string{"quantity", "payment_method"}},
		{"another's address", order.CheckoutInput{ProductID: jam.ID, Quantity: 1, AddressID: yours.ID, PaymentMethod: order.Card, IdempotencyKey: "x"}, []string{"address_id"}},
		{"bad inline address", order.CheckoutInput{ProductID: jam.ID, Quantity: 1, Address: &order.AddressInput{Phone: "010-1234-5678"}, PaymentMethod: order.Card, IdempotencyKey: "x"}, []string{"address.recipient", "address.line1", "address.zipcode"}},
		{"missing product", buyNow(catalog.Product{ID: commerce.NewID()}, 1, "x"), []string{"product_id"}},
		{"long key", buyNow(jam, 1, strings.Repeat("k", 101)), []string{"idempotency_key"}},
	}
	for _, c := range cases {
		_, err := f.orders.Checkout(f.ctx, me, c.in)
		wantFields(t, c.name, err, c.fields...)
	}
	// A method the shop does not take.
	svc := order.NewService(f.stores.Orders, f.stores.Transactor, &order.Options{Now: f.now})
	_, err := svc.Checkout(f.ctx, me, buyNow(jam, 1, "x"))
	wantFields(t, "card where only bank transfers are taken", err, "payment_method")
	_, err = f.orders.Checkout(f.ctx, commerce.Anonymous, buyNow(jam, 1, "x"))
	wantErr(t, "anonymous checkout", err, commerce.ErrUnauthenticated)
	if all := f.allOrders(t); len(all) != 0 {
		t.Errorf("refused checkouts left %d orders", len(all))
	}
}

func testOutOfStock(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(5))
	last := f.item(t, "마지막 하나", "3000", intp(1))
	me := f.customer(t)
	f.carts.Add(f.ctx, me, jam.ID, 2)
	f.carts.Add(f.ctx, me, last.ID, 2)
	_, err := f.orders.Checkout(f.ctx, me, fromCart("oos-1"))
	var oos *order.OutOfStockError
	if !errors.As(err, &oos) || oos.ProductID != last.ID || oos.Name != "마지막 하나" {
		t.Fatalf("checkout past the stock: %v, want an *order.OutOfStockError naming %q", err, last.Name)
	}
	wantErr(t, "out of stock", err, catalog.ErrOutOfStock)
	wantErr(t, "out of stock", err, commerce.ErrConflict)
	if fields := commerce.FieldErrors(err); !strings.Contains(fields["product_id"], last.ID.String()) {
		t.Errorf("fields %v do not name the product", fields)
	}
	if *f.stock(t, jam) != 5 || *f.stock(t, last) != 1 {
		t.Errorf("stock after a failed checkout: %d and %d, want 5 and 1", *f.stock(t, jam), *f.stock(t, last))
	}
	if c := f.cart(t, me); c.Count != 4 {
		t.Errorf("cart after a failed checkout: %q", quantities(c))
	}
	if n, _ := f.card.Charged(); n != 0 || len(f.allOrders(t)) != 0 {
		t.Errorf("a failed checkout left %d charges and %d orders", n, len(f.allOrders(t)))
	}
	// Sold out means zero, not "untracked".
	f.carts.SetQuantity(f.ctx, me, last.ID, 1)
	if _, err := f.orders.Checkout(f.ctx, me, fromCart("oos-2")); err != nil {
		t.Fatal(err)
	}
	if s := f.stock(t, last); s == nil || *s != 0 {
		t.Errorf("stock of the last unit: %v, want 0", s)
	}
	_, err = f.orders.Checkout(f.ctx, me, buyNow(last, 1, "oos-3"))
	wantErr(t, "buying a sold-out product", err, catalog.ErrOutOfStock)
}

func testIdempotency(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(10))
	me, you := f.customer(t), f.customer(t)
	first, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, "same"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, "same"))
	if err != nil || again.ID != first.ID {
		t.Errorf("a replay: %v, %v; want the first order %v", again.ID, err, first.ID)
	}
	_, err = f.orders.Checkout(f.ctx, me, buyNow(jam, 2, "same"))
	wantErr(t, "the same key with another request", err, order.ErrIdempotencyConflict)
	// Keys belong to a customer: another may use the same one.
	if o, err := f.orders.Checkout(f.ctx, you, buyNow(jam, 1, "same")); err != nil || o.ID == first.ID {
		t.Errorf("another customer's key: %v, %v", o.ID, err)
	}
	if *f.stock(t, jam) != 8 || len(f.allOrders(t)) != 2 {
		t.Errorf("stock %d and %d orders; want 8 and 2", *f.stock(t, jam), len(f.allOrders(t)))
	}
	if n, _ := f.card.Charged(); n != 2 {
		t.Errorf("%d charges, want 2", n)
	}
	// The order a key made, for a form sent again after its order went
	// through; a key is the customer's own.
	if o, err := f.orders.OrderByKey(f.ctx, me, " same "); err != nil || o.ID != first.ID {
		t.Errorf("OrderByKey: %v, %v; want the first order %v", o.ID, err, first.ID)
	}
	_, err = f.orders.OrderByKey(f.ctx, me, "never-used")
	wantErr(t, "OrderByKey of an unused key", err, order.ErrOrderNotFound)
	_, err = f.orders.OrderByKey(f.ctx, commerce.Anonymous, "same")
	wantErr(t, "OrderByKey for a visitor", err, order.ErrSignInRequired)
}

func testConcurrentDuplicateCheckouts(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(100))
	tea := f.item(t, "보리차", "4500", nil)
	me := f.customer(t)
	f.carts.Add(f.ctx, me, jam.ID, 2)
	f.carts.Add(f.ctx, me, tea.ID, 1)
	const n = 20
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in := fromCart("double-click")
			in.PaymentMethod = order.Card
			o, err := f.orders.Checkout(f.ctx, me, in)
			if err != nil {
				t.Errorf("concurrent duplicate checkout: %v", err)
				return
			}
			ids[i] = o.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent duplicates gave different orders: %v", ids)
		}
	}
	if all := f.allOrders(t); len(all) != 1 {
		t.Errorf("%d orders, want 1", len(all))
	}
	if *f.stock(t, jam) != 98 {
		t.Errorf("stock %d, want 98", *f.stock(t, jam))
	}
	if n, _ := f.card.Charged(); n != 1 {
		t.Errorf("%d charges kept, want 1 (the others refunded)", n)
	}
}

func testLastUnits(t *testing.T, f *orderFixture) {
	const buyers, stock = 200, 10
	jam := f.item(t, "한정판 사과잼", "12000", intp(stock))
	actors := make([]commerce.Actor, buyers)
	for i := range actors {
		actors[i] = f.customer(t)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		won, oos int
	)
	for i, a := range actors {
		wg.Go(func() {
			_, err := f.orders.Checkout(f.ctx, a, buyNow(jam, 1, fmt.Sprintf("buyer-%d", i)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, catalog.ErrOutOfStock):
				oos++
			default:
				t.Errorf("buyer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if won != stock || oos != buyers-stock {
		t.Errorf("%d buyers of %d units: %d orders, %d out of stock", buyers, stock, won, oos)
	}
	if s := f.stock(t, jam); *s != 0 {
		t.Errorf("stock after the race: %d, want 0", *s)
	}
	if all := f.allOrders(t); len(all) != stock {
		t.Errorf("%d orders stored, want %d", len(all), stock)
	}
	if n, _ := f.card.Charged(); n != stock {
		t.Errorf("%d charges kept, want %d", n, stock)
	}
}

func testStatusMachine(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(10))
	me := f.customer(t)
	o, err := f.orders.Checkout(f.ctx, me, order.CheckoutInput{ProductID: jam.ID, Quantity: 3, Address: seoul, PaymentMethod: order.BankTransfer, IdempotencyKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.orders.SetStatus(f.ctx, me, o.ID, order.Paid)
	wantErr(t, "a customer moving an order", err, commerce.ErrForbidden)
	_, err = f.orders.SetStatus(f.ctx, staff, o.ID, order.Shipped)
	wantErr(t, "pending → shipped", err, order.ErrStatusConflict)
	_, err = f.orders.SetStatus(f.ctx, staff, o.ID, "lost")
	wantFields(t, "an unknown status", err, "status")
	for _, to := range []order.Status{order.Paid, order.Shipped, order.Delivered} {
		moved, err := f.orders.SetStatus(f.ctx, staff, o.ID, to)
		if err != nil || moved.Status != to {
			t.Fatalf("→ %s: %v, %v", to, moved.Status, err)
		}
	}
	for _, to := range []order.Status{order.Cancelled, order.Paid, order.Delivered, order.PendingPayment} {
		_, err = f.orders.SetStatus(f.ctx, staff, o.ID, to)
		wantErr(t, "delivered → "+string(to), err, order.ErrStatusConflict)
	}
	got, _ := f.orders.Order(f.ctx, me, o.ID)
	if got.Status != order.Delivered || *f.stock(t, jam) != 7 {
		t.Errorf("after delivery: %s, stock %d", got.Status, *f.stock(t, jam))
	}
	// Staff cancel a paid card order: stock returns, the charge is refunded.
	p, _ := f.orders.Checkout(f.ctx, me, buyNow(jam, 2, "s2"))
	if n, _ := f.card.Charged(); n != 1 || *f.stock(t, jam) != 5 {
		t.Fatalf("before cancelling: %d charges, stock %d", n, *f.stock(t, jam))
	}
	cancelled, err := f.orders.SetStatus(f.ctx, staff, p.ID, order.Cancelled)
	if err != nil || cancelled.Status != order.Cancelled {
		t.Fatalf("staff cancel: %v", err)
	}
	if n, _ := f.card.Charged(); n != 0 || *f.stock(t, jam) != 7 {
		t.Errorf("after cancelling: %d charges, stock %d; want 0 and 7", n, *f.stock(t, jam))
	}
	_, err = f.orders.Cancel(f.ctx, staff, p.ID)
	wantErr(t, "cancelling twice", err, order.ErrStatusConflict)
	if *f.stock(t, jam) != 7 {
		t.Errorf("a second cancel returned stock again: %d", *f.stock(t, jam))
	}
}

func testCustomerCancel(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(10))
	me, you := f.customer(t), f.customer(t)
	o, _ := f.orders.Checkout(f.ctx, me, buyNow(jam, 4, "c1"))
	_, err := f.orders.Cancel(f.ctx, you, o.ID)
	wantErr(t, "cancelling another's order", err, order.ErrOrderNotFound)
	if got, err := f.orders.Cancel(f.ctx, me, o.ID); err != nil || got.Status != order.Cancelled {
		t.Fatalf("cancelling my paid order: %v", err)
	}
	if *f.stock(t, jam) != 10 {
		t.Errorf("stock after cancel: %d", *f.stock(t, jam))
	}
	shipped, _ := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, "c2"))
	f.orders.SetStatus(f.ctx, staff, shipped.ID, order.Shipped)
	_, err = f.orders.Cancel(f.ctx, me, shipped.ID)
	wantErr(t, "cancelling a shipped order", err, order.ErrTooLate)
	if got, _ := f.orders.Order(f.ctx, me, shipped.ID); got.Status != order.Shipped {
		t.Errorf("a refused cancel changed the status to %s", got.Status)
	}
	_, err = f.orders.Cancel(f.ctx, me, commerce.NewID())
	wantErr(t, "cancelling a missing order", err, order.ErrOrderNotFound)
}

func testOrderVisibility(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me, you := f.customer(t), f.customer(t)
	mine, _ := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, "v"))
	yours, _ := f.orders.Checkout(f.ctx, you, order.CheckoutInput{ProductID: jam.ID, Quantity: 1, Address: seoul, PaymentMethod: order.BankTransfer, IdempotencyKey: "v"})
	_, err := f.orders.Order(f.ctx, me, yours.ID)
	wantErr(t, "reading another's order", err, order.ErrOrderNotFound)
	if _, err := f.orders.Order(f.ctx, staff, yours.ID); err != nil {
		t.Errorf("staff reading an order: %v", err)
	}
	page, err := f.orders.Orders(f.ctx, me, order.Filter{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != mine.ID {
		t.Errorf("my orders: %v, %v", page.Items, err)
	}
	_, err = f.orders.AllOrders(f.ctx, me, order.Filter{})
	wantErr(t, "a customer listing all orders", err, commerce.ErrForbidden)
	pending, err := f.orders.AllOrders(f.ctx, staff, order.Filter{Status: order.PendingPayment})
	if err != nil || len(pending.Items) != 1 || pending.Items[0].ID != yours.ID {
		t.Errorf("pending orders: %v, %v", pending.Items, err)
	}
	_, err = f.orders.AllOrders(f.ctx, staff, order.Filter{Status: "lost"})
	wantFields(t, "a bad status filter", err, "status")
	_, err = f.orders.Orders(f.ctx, commerce.Anonymous, order.Filter{})
	wantErr(t, "anonymous orders", err, commerce.ErrUnauthenticated)
}

func testOrderPaging(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "1000", nil)
	tea := f.item(t, "보리차", "2000", nil)
	me := f.customer(t)
	var want []uuid.UUID
	for i := range 7 {
		f.carts.Add(f.ctx, me, jam.ID, i+1)
		f.carts.Add(f.ctx, me, tea.ID, 1)
		o, err := f.orders.Checkout(f.ctx, me, fromCart(fmt.Sprint("p", i)))
		if err != nil {
			t.Fatal(err)
		}
		want = append([]uuid.UUID{o.ID}, want...)
	}
	var got []uuid.UUID
	filter := order.Filter{Limit: 3}
	for {
		page, err := f.orders.Orders(f.ctx, me, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Items {
			if len(o.Lines) != 2 {
				t.Errorf("order %s listed with %d lines, want 2", o.Number, len(o.Lines))
			}
			got = append(got, o.ID)
		}
		if page.NextCursor == "" {
			break
		}
		filter.Cursor = page.NextCursor
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("orders newest first across pages (-want +got):\n%s", diff)
	}
	_, err := f.orders.Orders(f.ctx, me, order.Filter{Cursor: "bad"})
	wantFields(t, "a bad cursor", err, "cursor")
}

// testCheckoutRollback makes each step of a checkout fail in turn and
// checks that nothing is left behind: no order, stock and cart as they
// were, no charge kept, and no event in the outbox — neither those the
// service attached to the checkout's writes nor one more that each stock
// take and the order's write carry here.
func testCheckoutRollback(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(5))
	tea := f.item(t, "보리차", "4500", intp(5))
	me := f.customer(t)
	box := f.stores.Outbox
	var before []commerce.Event
	if box != nil {
		before = unsentEvents(t, f.ctx, box)
	}
	for i, step := range []string{"cart", "product", "stock", "second stock", "charge", "order", "commit"} {
		f.carts.Clear(f.ctx, me)
		f.carts.Add(f.ctx, me, jam.ID, 2)
		f.carts.Add(f.ctx, me, tea.ID, 1)
		card := f.card
		if step == "charge" {
			card = &order.FakeCardProvider{Record: true, Decline: func(order.Order) bool { return true }}
		}
		svc := order.NewService(f.stores.Orders, &failingTransactor{Transactor: f.stores.Transactor, step: step, mark: box != nil}, &order.Options{
			Now: f.now, Payments: map[order.PaymentMethod]order.PaymentProvider{order.Card: card},
		})
		in := fromCart(fmt.Sprint("rollback-", i))
		in.PaymentMethod = order.Card
		_, err := svc.Checkout(f.ctx, me, in)
		switch {
		case step == "charge":
			wantErr(t, "a declined card", err, order.ErrPaymentDeclined)
		case !errors.Is(err, errInjected):
			t.Errorf("failing at %s: got %v, want the injected error", step, err)
		}
		if all := f.allOrders(t); len(all) != 0 {
			t.Errorf("failing at %s left %d orders", step, len(all))
		}
		if *f.stock(t, jam) != 5 || *f.stock(t, tea) != 5 {
			t.Errorf("failing at %s: stock %d and %d, want 5 and 5", step, *f.stock(t, jam), *f.stock(t, tea))
		}
		if c := f.cart(t, me); c.Count != 3 {
			t.Errorf("failing at %s: cart %q", step, quantities(c))
		}
		if n, _ := f.card.Charged(); n != 0 {
			t.Errorf("failing at %s: %d charges kept", step, n)
		}
		if box != nil {
			if after := unsentEvents(t, f.ctx, box); len(after) != len(before) {
				t.Errorf("failing at %s left %d events in the outbox: %s", step, len(after)-len(before), eventTypes(after[min(len(before), len(after)):]))
			}
		}
	}
	// The same checkout then goes through, with its events.
	ft := &failingTransactor{Transactor: f.stores.Transactor, mark: box != nil}
	svc := order.NewService(f.stores.Orders, ft, &order.Options{
		Now: f.now, Payments: map[order.PaymentMethod]order.PaymentProvider{order.Card: f.card},
	})
	in := fromCart("rollback-ok")
	in.PaymentMethod = order.Card
	if _, err := svc.Checkout(f.ctx, me, in); err != nil {
		t.Fatalf("checkout after the failures: %v", err)
	}
	if *f.stock(t, jam) != 3 || *f.stock(t, tea) != 4 {
		t.Errorf("stock after the checkout: %d and %d", *f.stock(t, jam), *f.stock(t, tea))
	}
	if box != nil {
		after := unsentEvents(t, f.ctx, box)
		stored := make(map[uuid.UUID]int)
		for _, e := range after {
			stored[e.ID]++
		}
		if len(ft.marks) != 3 {
			t.Errorf("the checkout's writes carried %d marked events, want 3 (two stock takes, the order)", len(ft.marks))
		}
		for _, e := range ft.marks {
			if stored[e.ID] != 1 {
				t.Errorf("the checkout's event of %s is stored %d times, want once", e.Type, stored[e.ID])
			}
		}
	}
}

// eventTypes lists the types of evs, for a message.
func eventTypes(evs []commerce.Event) string {
	types := make([]string, len(evs))
	for i, e := range evs {
		types[i] = e.Type
	}
	return strings.Join(types, ", ")
}

// unsentEvents returns the events of box that a claim of all gets, and
// releases them.
func unsentEvents(t *testing.T, ctx context.Context, box outbox.Store) []commerce.Event {
	t.Helper()
	c, err := box.Claim(ctx, 10000)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	evs := c.Events()
	if err := c.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	return evs
}

// testOrderTotals checks the money rules over many carts: every line total
// is the unit price times the quantity, the total is their sum, and KRW
// amounts have no minor unit.
func testOrderTotals(t *testing.T, f *orderFixture) {
	prices := []string{"990", "1000", "12500", "33333", "7", "150000"}
	products := make([]catalog.Product, len(prices))
	for i, p := range prices {
		products[i] = f.item(t, fmt.Sprintf("상품 %d", i), p, nil)
	}
	me := f.customer(t)
	for round := range 12 {
		want := commerce.Zero("KRW")
		for i, p := range products {
			n := (round*7+i*3)%5 + (round % 3)
			if n == 0 {
				continue
			}
			f.carts.Add(f.ctx, me, p.ID, n)
			want, _ = want.Add(p.Price.Mul(int64(n)))
		}
		if want.IsZero() {
			continue
		}
		o, err := f.orders.Checkout(f.ctx, me, fromCart(fmt.Sprint("t", round)))
		if err != nil {
			t.Fatal(err)
		}
		sum := commerce.Zero("KRW")
		for _, l := range o.Lines {
			if !l.LineTotal.Equal(l.UnitPrice.Mul(int64(l.Quantity))) {
				t.Errorf("line %s: %s × %d = %s", l.Name, l.UnitPrice, l.Quantity, l.LineTotal)
			}
			sum, _ = sum.Add(l.LineTotal)
		}
		if !o.Total.Equal(sum) || !o.Total.Equal(want) || o.Total.Amount.Exponent() != 0 {
			t.Errorf("round %d: total %s, Σ lines %s, expected %s", round, o.Total, sum, want)
		}
	}
}

// errInjected is the failure failingTransactor injects.
var errInjected = errors.New("storagetest: injected failure")

// failingTransactor runs transactions whose step fails: "cart" (emptying
// the cart), "product" (reading a product), "stock" and "second stock"
// (taking stock), "order" (storing the order) or "commit" (after fn
// succeeded, as if the commit failed); with no step, none fails. With
// mark, each stock take and the order's write carry one more event, which
// marks records, besides those the service gave them.
type failingTransactor struct {
	order.Transactor
	step  string
	mark  bool
	marks []commerce.Event
}

func (ft *failingTransactor) InTx(ctx context.Context, fn func(context.Context, order.Tx) error) error {
	return ft.Transactor.InTx(ctx, func(ctx context.Context, tx order.Tx) error {
		ftx := &failingTx{Tx: tx, step: ft.step, mark: ft.mark}
		if err := fn(ctx, ftx); err != nil {
			return err
		}
		if ft.step == "commit" {
			return errInjected
		}
		ft.marks = ftx.marks
		return nil
	})
}

type failingTx struct {
	order.Tx
	step  string
	takes int
	mark  bool
	marks []commerce.Event
}

// marked returns ctx carrying the events it carries and, when t marks, a
// new event of aggregate agg.
func (t *failingTx) marked(ctx context.Context, typ string, agg uuid.UUID) context.Context {
	if !t.mark {
		return ctx
	}
	// EventsToStore under an identity of its own, whose stored is never
	// called, reads the events ctx carries without storing them.
	carried, _, _ := commerce.EventsToStore(ctx, new(int))
	ev := commerce.NewEvent(typ, agg, 1, time.Now(), map[string]string{"check": "rollback"})
	t.marks = append(t.marks, ev)
	return commerce.WithEvents(ctx, append(slices.Clone(carried), ev)...)
}

func (t *failingTx) Carts() cart.Repository {
	if t.step == "cart" {
		return failingCarts{t.Tx.Carts()}
	}
	return t.Tx.Carts()
}

func (t *failingTx) Products() order.ProductReader {
	if t.step == "product" {
		return failingProducts{t.Tx.Products()}
	}
	return t.Tx.Products()
}

func (t *failingTx) Stock() catalog.StockRepository {
	return &failingStock{StockRepository: t.Tx.Stock(), tx: t}
}

func (t *failingTx) Orders() order.Repository {
	return failingOrders{Repository: t.Tx.Orders(), tx: t}
}

type failingCarts struct{ cart.Repository }

func (c failingCarts) Update(ctx context.Context, key cart.Key, at time.Time, fn func(map[uuid.UUID]int) error) error {
	if err := c.Repository.Update(ctx, key, at, fn); err != nil {
		return err
	}
	return errInjected // after the change, so the rollback must undo it
}

type failingProducts struct{ order.ProductReader }

func (failingProducts) GetProduct(context.Context, uuid.UUID) (catalog.Product, error) {
	return catalog.Product{}, errInjected
}

type failingStock struct {
	catalog.StockRepository
	tx *failingTx
}

func (s *failingStock) TakeStock(ctx context.Context, id uuid.UUID, n int) error {
	if err := s.StockRepository.TakeStock(s.tx.marked(ctx, "storagetest.stock_taken", id), id, n); err != nil {
		return err
	}
	s.tx.takes++
	if (s.tx.step == "stock" && s.tx.takes == 1) || (s.tx.step == "second stock" && s.tx.takes == 2) {
		return errInjected
	}
	return nil
}

type failingOrders struct {
	order.Repository
	tx *failingTx
}

func (o failingOrders) CreateOrder(ctx context.Context, ord order.Order) error {
	if err := o.Repository.CreateOrder(o.tx.marked(ctx, "storagetest.order_stored", ord.ID), ord); err != nil {
		return err
	}
	if o.tx.step == "order" {
		return errInjected
	}
	return nil
}

// testEditsKeepStockTaken checks that a product edit read before a checkout
// took stock cannot write the old stock back: taking stock changes the
// product's version.
func testEditsKeepStockTaken(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(5))
	stale, err := f.stores.Catalog.GetProduct(f.ctx, jam.ID)
	if err != nil {
		t.Fatal(err)
	}
	me := f.customer(t)
	if _, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 2, "edit-race")); err != nil {
		t.Fatal(err)
	}
	after, _ := f.stores.Catalog.GetProduct(f.ctx, jam.ID)
	if *after.Stock != 3 || after.Version <= stale.Version {
		t.Fatalf("after the checkout: stock %d, version %d (was %d); want 3 and a higher version", *after.Stock, after.Version, stale.Version)
	}
	stale.Name, stale.Version = "사과잼 (고침)", stale.Version+1
	err = f.stores.Catalog.UpdateProduct(f.ctx, stale, stale.Version-1)
	wantErr(t, "an edit read before the checkout", err, catalog.ErrVersionConflict)
	// Through the service, an edit that names no version is retried on the
	// current one and keeps the stock.
	edited, err := f.catalog.UpdateProduct(f.ctx, staff, jam.ID, catalog.ProductPatch{Name: commerce.Some("사과잼 (고침)")})
	if err != nil || *edited.Stock != 3 {
		t.Errorf("edit after the checkout: %v, stock %v", err, edited.Stock)
	}
}

// testTxCatalog checks what a transaction offers of the catalog: a read of
// products that sees the transaction's own stock changes, and stock taken
// and given back, undone with the transaction — and nothing else, so that
// no adapter can be asked for a catalog write that another would refuse.
func testTxCatalog(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", intp(5))
	stockOf := func(ctx context.Context, tx order.Tx) int {
		t.Helper()
		p, err := tx.Products().GetProduct(ctx, jam.ID)
		if err != nil || p.Stock == nil {
			t.Fatalf("GetProduct in the transaction: %v, stock %v", err, p.Stock)
		}
		return *p.Stock
	}
	err := f.stores.Transactor.InTx(f.ctx, func(ctx context.Context, tx order.Tx) error {
		for _, c := range []struct {
			name string
			v    any
			want []string
		}{
			{"Products", tx.Products(), []string{"GetProduct"}},
			{"Stock", tx.Stock(), []string{"ReturnStock", "TakeStock"}},
		} {
			// Exported methods only: a type assertion reaches no other.
			var got []string
			for m := range reflect.TypeOf(c.v).Methods() {
				got = append(got, m.Name)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("the transaction's %s offers more than it should (-want +got):\n%s", c.name, diff)
			}
		}
		if got := stockOf(ctx, tx); got != 5 {
			t.Errorf("stock read in the transaction before any change: %d, want 5", got)
		}
		if err := tx.Stock().TakeStock(ctx, jam.ID, 2); err != nil {
			return err
		}
		if got := stockOf(ctx, tx); got != 3 {
			t.Errorf("stock read in the transaction after taking 2: %d, want 3", got)
		}
		if err := tx.Stock().ReturnStock(ctx, jam.ID, 1); err != nil {
			return err
		}
		if got := stockOf(ctx, tx); got != 4 {
			t.Errorf("stock read in the transaction after giving 1 back: %d, want 4", got)
		}
		_, err := tx.Products().GetProduct(ctx, commerce.NewID())
		wantErr(t, "GetProduct of a missing product in the transaction", err, catalog.ErrProductNotFound)
		return errInjected
	})
	wantErr(t, "a failed transaction", err, errInjected)
	if got := f.stock(t, jam); got == nil || *got != 5 {
		t.Errorf("stock after a failed transaction: %v, want 5", got)
	}
	err = f.stores.Transactor.InTx(f.ctx, func(ctx context.Context, tx order.Tx) error {
		return tx.Stock().TakeStock(ctx, jam.ID, 2)
	})
	if err != nil {
		t.Fatalf("a transaction taking stock: %v", err)
	}
	if got := f.stock(t, jam); got == nil || *got != 3 {
		t.Errorf("stock after a committed transaction: %v, want 3", got)
	}
}

// testIdempotencyKeys checks that keys are printable ASCII compared byte
// for byte: keys that differ in case or in one character are different
// keys, and a key a store could change on the way in (bytes that are not
// valid UTF-8, which MySQL stores as U+FFFD, so that "\xff\xfe" and
// "\x80\x81" became one key) is refused, by Checkout and by OrderByKey.
func testIdempotencyKeys(t *testing.T, f *orderFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	var every []byte
	for c := byte(0x21); c <= 0x7e; c++ {
		every = append(every, c)
	}
	keys := []string{"a", "A", "key", "Key", "KEY", "order-1", "order_1", "order 1", "order.1",
		string(every), strings.Repeat("k", order.MaxKeyLen)}
	placed := make(map[string]uuid.UUID)
	for _, key := range keys {
		o, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, key))
		if err != nil {
			t.Fatalf("checkout with key %q: %v", key, err)
		}
		for other, id := range placed {
			if o.ID == id {
				t.Errorf("keys %q and %q gave one order", key, other)
			}
		}
		placed[key] = o.ID
	}
	for _, key := range keys {
		if o, err := f.orders.OrderByKey(f.ctx, me, key); err != nil || o.ID != placed[key] {
			t.Errorf("OrderByKey(%q): %v, %v; want %v", key, o.ID, err, placed[key])
		}
		// The spaces around a key are not part of it.
		if o, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, " "+key+" ")); err != nil || o.ID != placed[key] {
			t.Errorf("checkout with key %q between spaces: %v, %v; want the order of %q", key, o.ID, err, key)
		}
	}
	for _, key := range []string{"\xff\xfe", "\x80\x81", "\xef\xbf\xbd", "caf\xc3\xa9", "사과잼", "a\tb", "a\x00b", "a\x7f",
		strings.Repeat("k", order.MaxKeyLen+1), "", "   "} {
		_, err := f.orders.Checkout(f.ctx, me, buyNow(jam, 1, key))
		wantFields(t, fmt.Sprintf("checkout with key %q", key), err, "idempotency_key")
		_, err = f.orders.OrderByKey(f.ctx, me, key)
		wantFields(t, fmt.Sprintf("OrderByKey(%q)", key), err, "idempotency_key")
	}
	if got := len(f.allOrders(t)); got != len(keys) {
		t.Errorf("%d orders, want %d: one per valid key", got, len(keys))
	}
}
