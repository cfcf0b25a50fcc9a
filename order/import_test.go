package order_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// importShop is a store with one customer, and the order service over it.
type importShop struct {
	store  *memstore.Store
	orders *order.Service
	user   uuid.UUID
}

func newImportShop(t testing.TB) importShop {
	ctx := context.Background()
	store := memstore.New(nil)
	now := commerce.Now()
	user := commerce.NewID()
	err := store.Accounts().CreateUser(ctx, account.User{
		ID: user, Username: "minjun", Nickname: "민준", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return importShop{store: store, orders: order.NewService(store.Orders(), store.Transactor(), nil), user: user}
}

// history returns an order of a deleted product, placed at at.
func (s importShop) history(at time.Time, source string) order.Order {
	return order.Order{
		ID: commerce.ImportedID(at, source), UserID: s.user, Status: order.Delivered,
		Lines:    []order.Line{{Name: "단종된 머그컵", UnitPrice: commerce.MustMoney("8000", "KRW"), Quantity: 2}},
		PlacedAt: at,
	}
}

func (s importShop) importOne(t *testing.T, o order.Order) order.Order {
	t.Helper()
	ctx := context.Background()
	results, err := s.orders.ImportOrders(ctx, []order.Order{o})
	if err != nil || len(results) != 1 || results[0].Outcome != commerce.ImportCreated {
		t.Fatalf("ImportOrders: %v, %v; want one created", results, err)
	}
	got, err := s.orders.Order(ctx, commerce.UserActor(s.user), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// An order imported without a number gets one from the time it was
// placed: its UTC date and the millisecond of that day. Another placed in
// the same millisecond gets the same date and eight digits above any
// millisecond, from its id. Every store, every run, numbers them alike.
func TestImportOrdersNumbers(t *testing.T) {
	at := time.Date(2022, 3, 29, 19, 4, 5, 123456789, time.FixedZone("KST", 9*60*60)) // 10:04:05.123 UTC
	var first []string
	for run := range 2 {
		shop := newImportShop(t)
		a := shop.importOne(t, shop.history(at, "products_order:1"))
		b := shop.importOne(t, shop.history(at, "products_order:2"))
		if a.Number != "20220329-36245123" {
			t.Errorf("numbered %q, want 20220329-36245123", a.Number)
		}
		var digits int
		if _, err := fmt.Sscanf(b.Number, "20220329-%08d", &digits); err != nil || digits < 86_400_000 || len(b.Number) != 17 {
			t.Errorf("the second order of the millisecond numbered %q; want 20220329- and eight digits above 86399999", b.Number)
		}
		if run == 0 {
			first = []string{a.Number, b.Number}
		} else if a.Number != first[0] || b.Number != first[1] {
			t.Errorf("numbered %q and %q in one store, %q and %q in another", first[0], first[1], a.Number, b.Number)
		}
	}
}

// An imported order keeps what it is given, with the service's own totals
// and key, and with its times at microsecond precision in UTC.
func TestImportOrdersKeepsHistory(t *testing.T) {
	shop := newImportShop(t)
	at := time.Date(2021, 12, 24, 23, 30, 0, 999, time.FixedZone("KST", 9*60*60))
	in := shop.history(at, "products_order:7")
	in.Number = "DJ-7"
	in.Lines[0].LineTotal = commerce.MustMoney("1", "KRW")
	in.Total = commerce.MustMoney("1", "KRW")
	in.Address = order.Address{Line1: " 서울특별시 종로구 자하문로 1 ", Zipcode: "03045"}
	in.IdempotencyKey, in.RequestHash = "caller's key", "caller's hash"
	got := shop.importOne(t, in)
	switch {
	case got.Number != "DJ-7" || got.Status != order.Delivered || got.PaymentMethod != "":
		t.Errorf("number %q, status %s, payment %q", got.Number, got.Status, got.PaymentMethod)
	case !got.Total.Equal(commerce.MustMoney("16000", "KRW")) || !got.Lines[0].LineTotal.Equal(got.Total) || !got.Subtotal.Equal(got.Total):
		t.Errorf("line total %v, subtotal %v, total %v; want 16000 KRW computed", got.Lines[0].LineTotal, got.Subtotal, got.Total)
	case got.Lines[0].ProductID != uuid.Nil || got.Lines[0].Name != "단종된 머그컵":
		t.Errorf("line %+v", got.Lines[0])
	case got.Address.Line1 != "서울특별시 종로구 자하문로 1" || got.Address.Recipient != "" || got.Address.UserID != shop.user:
		t.Errorf("address %+v", got.Address)
	case got.IdempotencyKey != "import:"+in.ID.String() || got.RequestHash != "":
		t.Errorf("key %q, hash %q", got.IdempotencyKey, got.RequestHash)
	case !got.PlacedAt.Equal(at.Truncate(time.Microsecond)) || got.PlacedAt.Location() != time.UTC || !got.UpdatedAt.Equal(got.PlacedAt):
		t.Errorf("placed at %v, updated at %v; want %v in UTC", got.PlacedAt, got.UpdatedAt, at.Truncate(time.Microsecond))
	}
}

// An import reports each order's own reason for skipping it, and still
// writes the others.
func TestImportOrdersSkips(t *testing.T) {
	shop := newImportShop(t)
	at := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := shop.history(at, "products_order:1")
	tooMany := shop.history(at.Add(time.Second), "products_order:2")
	tooMany.Lines[0].Quantity = cart.MaxQuantity + 1
	stranger := shop.history(at.Add(2*time.Second), "products_order:3")
	stranger.UserID = commerce.NewID()
	results, err := shop.orders.ImportOrders(context.Background(), []order.Order{ok, tooMany, stranger, ok})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		outcome commerce.ImportOutcome
		kind    error
		field   string
	}{
		{commerce.ImportCreated, nil, ""},
		{commerce.ImportSkipped, commerce.ErrInvalid, "lines[0].quantity"},
		{commerce.ImportSkipped, commerce.ErrNotFound, "user_id"},
		{commerce.ImportSkipped, commerce.ErrConflict, "id"},
	}
	for i, w := range want {
		r := results[i]
		if r.Outcome != w.outcome || (w.kind == nil) != (r.Err == nil) || (w.kind != nil && !errors.Is(r.Err, w.kind)) {
			t.Errorf("order %d: %v, %v; want %v, %v", i, r.Outcome, r.Err, w.outcome, w.kind)
			continue
		}
		if _, named := commerce.FieldErrors(r.Err)[w.field]; w.field != "" && !named {
			t.Errorf("order %d: %v does not name %s", i, r.Err, w.field)
		}
	}
}

// An ended context stops an import before it writes: the error says so,
// and nothing is stored.
func TestImportOrdersEndedContext(t *testing.T) {
	shop := newImportShop(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := shop.history(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), "products_order:1")
	if _, err := shop.orders.ImportOrders(ctx, []order.Order{o}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ImportOrders with an ended context: %v", err)
	}
	if _, err := shop.orders.Order(context.Background(), commerce.UserActor(shop.user), o.ID); !errors.Is(err, order.ErrOrderNotFound) {
		t.Errorf("an order of an import that failed: %v", err)
	}
}

// Move an old shop's order into the engine: it is stored as history,
// numbered from the time it was placed, and a second run changes nothing.
func ExampleService_ImportOrders() {
	ctx := context.Background()
	store := memstore.New(nil)
	orders := order.NewService(store.Orders(), store.Transactor(), nil)
	placed := time.Date(2022, 3, 29, 19, 4, 5, 0, time.FixedZone("KST", 9*60*60))
	user := commerce.ImportedID(placed.AddDate(-1, 0, 0), "auth_user:1")
	if err := store.Accounts().CreateUser(ctx, account.User{
		ID: user, Username: "minjun", Nickname: "민준", Interests: []uuid.UUID{}, CreatedAt: placed, UpdatedAt: placed, Version: 1,
	}, nil); err != nil {
		log.Fatal(err)
	}
	old := []order.Order{{
		ID: commerce.ImportedID(placed, "products_order:42"), UserID: user, Status: order.Delivered,
		Lines: []order.Line{
			{Name: "유기농사과잼", UnitPrice: commerce.MustMoney("12000", "KRW"), Quantity: 2}, // a product deleted since
		},
		Address:  order.Address{Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"},
		PlacedAt: placed,
	}}
	for range 2 {
		results, err := orders.ImportOrders(ctx, old)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(results[0].Outcome)
	}
	o, err := orders.Order(ctx, commerce.UserActor(user), old[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.Number, o.Status, o.Total)
	// Output:
	// created
	// unchanged
	// 20220329-36245000 delivered 24000 KRW
}
