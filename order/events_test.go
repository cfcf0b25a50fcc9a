package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// drain returns the events of ob that no earlier drain returned, in the
// order they were stored, and marks them sent.
func drain(t *testing.T, ob outbox.Store) []commerce.Event {
	t.Helper()
	evs, err := outbox.TakeAll(context.Background(), ob)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// expectNone fails t if the outbox holds events no drain returned.
func expectNone(t *testing.T, what string, ob outbox.Store) {
	t.Helper()
	if evs := drain(t, ob); len(evs) > 0 {
		t.Errorf("%s stored %d events, the first %s: %s", what, len(evs), evs[0].Type, evs[0].Data)
	}
}

// wantEvent fails t unless ev is of type typ about id at version, at time
// at.
func wantEvent(t *testing.T, what string, ev commerce.Event, typ string, id uuid.UUID, version int64, at time.Time) {
	t.Helper()
	if ev.Type != typ || ev.AggregateID != id || ev.Version != version || !ev.Time.Equal(at) {
		t.Errorf("%s: event %s about %s at version %d, %v; want %s about %s at version %d, %v",
			what, ev.Type, ev.AggregateID, ev.Version, ev.Time, typ, id, version, at)
	}
}

// wantMove checks the one event of an order's move from from to o.Status.
func wantMove(t *testing.T, what string, evs []commerce.Event, typ string, o order.Order, from order.Status, version int64, at time.Time) {
	t.Helper()
	if len(evs) != 1 {
		t.Fatalf("%s stored %d events, want one %s", what, len(evs), typ)
	}
	wantEvent(t, what, evs[0], typ, o.ID, version, at)
	var d order.OrderStatusChanged
	if err := json.Unmarshal(evs[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	want := order.OrderStatusChanged{ID: o.ID, Number: o.Number, UserID: o.UserID, Status: o.Status, PreviousStatus: from, Total: o.Total, ChangedAt: at}
	if d.ID != want.ID || d.Number != want.Number || d.UserID != want.UserID || d.Status != want.Status ||
		d.PreviousStatus != want.PreviousStatus || !d.Total.Equal(want.Total) || !d.ChangedAt.Equal(want.ChangedAt) {
		t.Errorf("%s: data %s, want %+v", what, evs[0].Data, want)
	}
	if o.Version != version {
		t.Errorf("%s: the order returned is at version %d, want %d", what, o.Version, version)
	}
}

// eventShop is a store with a customer, two products and the services
// over it, on a clock the test moves.
type eventShop struct {
	store    *memstore.Store
	ob       outbox.Store
	clock    time.Time
	catalog  *catalog.Service
	carts    *cart.Service
	orders   *order.Service
	staff    commerce.Actor
	customer commerce.Actor
	card     *order.FakeCardProvider
	jam, tea catalog.Product // jam's stock is tracked, tea's is not
}

func newEventShop(t *testing.T) *eventShop {
	ctx := context.Background()
	store := memstore.New(nil)
	s := &eventShop{store: store, ob: store.Outbox(), clock: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	now := func() time.Time { return s.clock }
	s.card = &order.FakeCardProvider{Decline: func(o order.Order) bool { return o.Total.Amount.IntPart() > 100000 }}
	s.catalog = catalog.NewService(store.Catalog(), &catalog.Options{Now: now})
	s.carts = cart.NewService(store.Carts(), store.Catalog(), &cart.Options{Now: now})
	s.orders = order.NewService(store.Orders(), store.Transactor(), &order.Options{Now: now, Payments: map[order.PaymentMethod]order.PaymentProvider{
		order.BankTransfer: order.ManualProvider{}, order.Card: s.card,
	}})
	s.staff = commerce.StaffActor(commerce.NewID())
	s.customer = commerce.UserActor(commerce.NewID())
	at := s.clock
	if err := store.Accounts().CreateUser(ctx, account.User{
		ID: s.customer.UserID, Username: "minjun", Nickname: "민준", Interests: []uuid.UUID{}, CreatedAt: at, UpdatedAt: at, Version: 1,
	}, nil); err != nil {
		t.Fatal(err)
	}
	stock := 3
	var err error
	if s.jam, err = s.catalog.CreateProduct(ctx, s.staff, catalog.ProductInput{Name: "유기농 사과잼", Price: commerce.MustMoney("12000", "KRW"), Stock: &stock}); err != nil {
		t.Fatal(err)
	}
	if s.tea, err = s.catalog.CreateProduct(ctx, s.staff, catalog.ProductInput{Name: "제주 녹차", Price: commerce.MustMoney("8500", "KRW")}); err != nil {
		t.Fatal(err)
	}
	drain(t, s.ob) // the products' own events
	return s
}

var address = &order.AddressInput{
	Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Line2: "3층",
	City: "서울", Zipcode: "04524", Note: "문 앞에 놓아 주세요",
}

func TestCheckoutEvents(t *testing.T) {
	ctx := context.Background()
	s := newEventShop(t)

	// A bank transfer waits for payment: order.placed alone, at version 1.
	in := order.CheckoutInput{ProductID: s.jam.ID, Quantity: 2, Address: address, PaymentMethod: order.BankTransfer, IdempotencyKey: "checkout-1"}
	o, err := s.orders.Checkout(ctx, s.customer, in)
	if err != nil {
		t.Fatal(err)
	}
	if o.Version != 1 {
		t.Errorf("a placed order is at version %d, want 1", o.Version)
	}
	evs := drain(t, s.ob)
	if len(evs) != 1 {
		t.Fatalf("a checkout by bank transfer stored %d events, want order.placed", len(evs))
	}
	wantEvent(t, "order.placed", evs[0], "order.placed", o.ID, 1, s.clock)
	var d order.OrderPlaced
	if err := json.Unmarshal(evs[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != o.ID || d.Number != o.Number || d.UserID != s.customer.UserID || d.Status != order.PendingPayment ||
		len(d.Lines) != 1 || d.Lines[0].ProductID != s.jam.ID || d.Lines[0].Name != "유기농 사과잼" || d.Lines[0].Quantity != 2 ||
		!d.Lines[0].UnitPrice.Equal(commerce.MustMoney("12000", "KRW")) || !d.Lines[0].LineTotal.Equal(commerce.MustMoney("24000", "KRW")) ||
		!d.Subtotal.Equal(o.Subtotal) || !d.Total.Equal(commerce.MustMoney("24000", "KRW")) || d.PaymentMethod != order.BankTransfer ||
		d.Address != (order.OrderPlacedAddress{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Line2: "3층", City: "서울", Zipcode: "04524", Note: "문 앞에 놓아 주세요"}) ||
		!d.PlacedAt.Equal(s.clock) {
		t.Errorf("order.placed data %s", evs[0].Data)
	}

	// The same request again is the same order, and stores nothing.
	if again, err := s.orders.Checkout(ctx, s.customer, in); err != nil || again.ID != o.ID {
		t.Fatalf("a replay: %v, %v", again.ID, err)
	}
	expectNone(t, "a replayed checkout", s.ob)

	// Paid by card at once, from the cart, taking the jam's last unit:
	// order.placed, order.paid, then the jam's product.out_of_stock.
	s.clock = s.clock.Add(time.Hour)
	for _, id := range []uuid.UUID{s.jam.ID, s.tea.ID} {
		if _, err := s.carts.Add(ctx, s.customer, id, 1); err != nil {
			t.Fatal(err)
		}
	}
	expectNone(t, "filling a cart", s.ob)
	paid, err := s.orders.Checkout(ctx, s.customer, order.CheckoutInput{FromCart: true, Address: address, PaymentMethod: order.Card, IdempotencyKey: "checkout-2"})
	if err != nil {
		t.Fatal(err)
	}
	jam, err := s.catalog.Product(ctx, s.jam.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *jam.Stock != 0 {
		t.Fatalf("the jam's stock is %d, want 0", *jam.Stock)
	}
	evs = drain(t, s.ob)
	if len(evs) != 3 {
		t.Fatalf("a checkout paid at once taking the last unit stored %d events, want 3", len(evs))
	}
	wantEvent(t, "order.placed", evs[0], "order.placed", paid.ID, 1, s.clock)
	wantEvent(t, "order.paid", evs[1], "order.paid", paid.ID, 1, s.clock)
	wantEvent(t, "product.out_of_stock", evs[2], "product.out_of_stock", s.jam.ID, jam.Version, s.clock)
	if err := json.Unmarshal(evs[0].Data, &d); err != nil || d.Status != order.Paid || len(d.Lines) != 2 || !d.Total.Equal(commerce.MustMoney("20500", "KRW")) {
		t.Errorf("order.placed data %s, %v", evs[0].Data, err)
	}
	var moved order.OrderStatusChanged
	if err := json.Unmarshal(evs[1].Data, &moved); err != nil || moved.Status != order.Paid || moved.PreviousStatus != order.PendingPayment || moved.Number != paid.Number {
		t.Errorf("order.paid data %s, %v", evs[1].Data, err)
	}
	var out catalog.ProductOutOfStock
	if err := json.Unmarshal(evs[2].Data, &out); err != nil || out != (catalog.ProductOutOfStock{ID: s.jam.ID, Name: "유기농 사과잼", Version: jam.Version}) {
		t.Errorf("product.out_of_stock data %s, %v", evs[2].Data, err)
	}
	if jam.Version <= s.jam.Version {
		t.Errorf("the jam's version went from %d to %d", s.jam.Version, jam.Version)
	}

	// Checkouts that fail store nothing.
	for _, c := range []struct {
		what string
		in   order.CheckoutInput
	}{
		{"out of stock", order.CheckoutInput{ProductID: s.jam.ID, Quantity: 1, Address: address, PaymentMethod: order.BankTransfer, IdempotencyKey: "checkout-3"}},
		{"declined", order.CheckoutInput{ProductID: s.tea.ID, Quantity: 20, Address: address, PaymentMethod: order.Card, IdempotencyKey: "checkout-4"}},
		{"invalid", order.CheckoutInput{ProductID: s.tea.ID, Quantity: 0, Address: address, PaymentMethod: order.Card, IdempotencyKey: "checkout-5"}},
		{"an empty cart", order.CheckoutInput{FromCart: true, Address: address, PaymentMethod: order.Card, IdempotencyKey: "checkout-6"}},
		{"no such product", order.CheckoutInput{ProductID: commerce.NewID(), Quantity: 1, Address: address, PaymentMethod: order.Card, IdempotencyKey: "checkout-7"}},
		{"a key used for another request", order.CheckoutInput{ProductID: s.tea.ID, Quantity: 1, Address: address, PaymentMethod: order.Card, IdempotencyKey: "checkout-1"}},
	} {
		if _, err := s.orders.Checkout(ctx, s.customer, c.in); err == nil {
			t.Errorf("a checkout %s succeeded", c.what)
		}
		expectNone(t, "a checkout "+c.what, s.ob)
	}
	if n, _ := s.card.Charged(); n != 0 {
		t.Errorf("%d charges left", n)
	}
}

func TestStatusEvents(t *testing.T) {
	ctx := context.Background()
	s := newEventShop(t)
	o, err := s.orders.Checkout(ctx, s.customer, order.CheckoutInput{
		ProductID: s.jam.ID, Quantity: 1, Address: address, PaymentMethod: order.BankTransfer, IdempotencyKey: "k1",
	})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s.ob)

	// Staff move the order along: each move one event, one version more.
	from := order.PendingPayment
	for i, step := range []struct {
		to  order.Status
		typ string
	}{
		{order.Paid, "order.paid"},
		{order.Shipped, "order.shipped"},
		{order.Delivered, "order.delivered"},
	} {
		s.clock = s.clock.Add(time.Hour)
		moved, err := s.orders.SetStatus(ctx, s.staff, o.ID, step.to)
		if err != nil {
			t.Fatal(err)
		}
		wantMove(t, step.typ, drain(t, s.ob), step.typ, moved, from, int64(i+2), s.clock)
		stored, err := s.orders.Order(ctx, s.staff, o.ID)
		if err != nil || stored.Version != int64(i+2) {
			t.Errorf("after %s the stored order is at version %d (%v), want %d", step.typ, stored.Version, err, i+2)
		}
		from = step.to
	}

	// Moves that fail store nothing.
	if _, err := s.orders.SetStatus(ctx, s.staff, o.ID, order.Cancelled); !errors.Is(err, order.ErrStatusConflict) {
		t.Errorf("cancelling a delivered order: %v, want ErrStatusConflict", err)
	}
	if _, err := s.orders.Cancel(ctx, s.customer, o.ID); !errors.Is(err, order.ErrTooLate) {
		t.Errorf("a customer cancelling a delivered order: %v, want ErrTooLate", err)
	}
	if _, err := s.orders.SetStatus(ctx, s.customer, o.ID, order.Shipped); !errors.Is(err, order.ErrStaffOnly) {
		t.Errorf("a customer moving an order: %v, want ErrStaffOnly", err)
	}
	if _, err := s.orders.SetStatus(ctx, s.staff, commerce.NewID(), order.Paid); !errors.Is(err, order.ErrOrderNotFound) {
		t.Errorf("moving no order: %v, want ErrOrderNotFound", err)
	}
	expectNone(t, "refused moves", s.ob)

	// A customer cancels an order paid at checkout: order.cancelled from
	// paid, at version 2; the stock that comes back tells nothing.
	paid, err := s.orders.Checkout(ctx, s.customer, order.CheckoutInput{
		ProductID: s.jam.ID, Quantity: 2, Address: address, PaymentMethod: order.Card, IdempotencyKey: "k2",
	})
	if err != nil {
		t.Fatal(err)
	}
	if evs := drain(t, s.ob); len(evs) != 3 || evs[2].Type != "product.out_of_stock" {
		t.Fatalf("the checkout of the last units stored %d events", len(evs))
	}
	s.clock = s.clock.Add(time.Hour)
	cancelled, err := s.orders.Cancel(ctx, s.customer, paid.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantMove(t, "order.cancelled", drain(t, s.ob), "order.cancelled", cancelled, order.Paid, 2, s.clock)
	if jam, _ := s.catalog.Product(ctx, s.jam.ID); *jam.Stock != 2 {
		t.Errorf("the jam's stock after the cancellation is %d, want 2", *jam.Stock)
	}
}

// Imported orders are history: they store no events, and they are stored
// at version 1, then one more with each change.
func TestImportOrdersStoreNoEvents(t *testing.T) {
	ctx := context.Background()
	s := newEventShop(t)
	at := time.Date(2021, 6, 1, 3, 0, 0, 0, time.UTC)
	o := order.Order{
		ID: commerce.ImportedID(at, "order 1"), UserID: s.customer.UserID, Status: order.Paid,
		Lines:         []order.Line{{ProductID: s.jam.ID, Name: "유기농 사과잼", UnitPrice: commerce.MustMoney("11000", "KRW"), Quantity: 1}},
		PaymentMethod: order.BankTransfer, PlacedAt: at,
	}
	for run, want := range []commerce.ImportOutcome{commerce.ImportCreated, commerce.ImportUpdated, commerce.ImportUnchanged} {
		res, err := s.orders.ImportOrders(ctx, []order.Order{o})
		if err != nil || res[0].Outcome != want {
			t.Fatalf("import %d: %+v, %v; want %v", run+1, res, err, want)
		}
		expectNone(t, "an import", s.ob)
		stored, err := s.orders.Order(ctx, s.staff, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if wantVersion := min(int64(run+1), 2); stored.Version != wantVersion {
			t.Errorf("import %d: the order is at version %d, want %d", run+1, stored.Version, wantVersion)
		}
		if run == 0 {
			o.Status, o.UpdatedAt = order.Delivered, at.Add(72*time.Hour)
		}
	}
}
