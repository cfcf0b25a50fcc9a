package memstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

// TestNoOutbox checks Options.NoOutbox: the writes whose context carries
// events make their changes and store none of them, not even events the
// outbox would refuse, and Outbox claims nothing; the same writes on a
// store without the option store every event.
func TestNoOutbox(t *testing.T) {
	ctx := context.Background()
	on := memstore.New(nil)
	off := memstore.New(&memstore.Options{NoOutbox: true})

	want := shopChanges(t, on)
	if got := claimAll(t, on.Outbox()); !slices.Equal(eventTypes(got), want) {
		t.Fatalf("the store with the outbox stored %q, want %q", eventTypes(got), want)
	}
	shopChanges(t, off)
	if got := claimAll(t, off.Outbox()); len(got) != 0 {
		t.Errorf("the store without the outbox stored %q, want none", eventTypes(got))
	}

	broken := commerce.Event{Type: "memstore.broken"} // no id, aggregate, version or time
	err := on.Accounts().CreateUser(commerce.WithEvents(ctx, broken), newUser(), nil)
	if !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("an event without an id, with the outbox: %v, want commerce.ErrInvalid", err)
	}
	u := newUser()
	if err := off.Accounts().CreateUser(commerce.WithEvents(ctx, broken), u, nil); err != nil {
		t.Errorf("an event without an id, without the outbox: %v, want it ignored", err)
	} else if _, err := off.Accounts().GetUser(ctx, u.ID); err != nil {
		t.Errorf("the user whose write carried an ignored event: %v", err)
	}
	if got := claimAll(t, off.Outbox()); len(got) != 0 {
		t.Errorf("the store without the outbox stored %q, want none", eventTypes(got))
	}
	if _, err := off.Outbox().Claim(ctx, 0); !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("Claim(0) without the outbox: %v, want commerce.ErrInvalid", err)
	}
}

// TestConformanceNoOutbox runs the conformance suite on stores made with
// Options.NoOutbox: everything but the outbox works as it does with it.
// The stores offer no outbox to the suite, whose outbox cases skip.
func TestConformanceNoOutbox(t *testing.T) {
	storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
		return noOutboxHarness{}, nil
	})
}

type noOutboxHarness struct{}

func (noOutboxHarness) MakeStores(ctx context.Context, t *testing.T) storagetest.Stores {
	clock := storagetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s := memstore.New(&memstore.Options{Now: clock.Now, NoOutbox: true})
	return storagetest.Stores{
		Catalog:    s.Catalog(),
		Accounts:   s.Accounts(),
		Sessions:   s.Sessions(),
		Attempts:   s.Attempts(),
		Board:      s.Board(),
		Carts:      s.Carts(),
		Orders:     s.Orders(),
		Stock:      s.Stock(),
		Transactor: s.Transactor(),
		Webhooks:   s.Webhooks(),
		Now:        clock.Now,
		Advance:    clock.Advance,
	}
}

func (noOutboxHarness) Close() {}

// shopChanges makes, through the services, one of each change whose write
// stores the events its context carries, and checks that each change was
// made: a user (whose write carries an event of the test's, as the
// services' sign-up would take a password hash), two products created,
// one renamed and then sold out by a checkout, the order paid, the other
// product deleted, and a notice. It returns the types of the events the
// writes carried, in the order they were made.
func shopChanges(t *testing.T, s *memstore.Store) []string {
	t.Helper()
	ctx := context.Background()
	staff := newUser()
	userEvent := commerce.NewEvent("memstore.user", staff.ID, 1, time.Now(), map[string]string{})
	if err := s.Accounts().CreateUser(commerce.WithEvents(ctx, userEvent), staff, nil); err != nil {
		t.Fatal(err)
	}
	admin := commerce.StaffActor(staff.ID)

	shop := catalog.NewService(s.Catalog(), nil)
	jam, err := shop.CreateProduct(ctx, admin, catalog.ProductInput{
		Name: "사과잼", Price: commerce.MustMoney("12000", "KRW"), Stock: new(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	tea, err := shop.CreateProduct(ctx, admin, catalog.ProductInput{Name: "보리차", Price: commerce.MustMoney("4500", "KRW")})
	if err != nil {
		t.Fatal(err)
	}
	if jam, err = shop.UpdateProduct(ctx, admin, jam.ID, catalog.ProductPatch{Name: commerce.Some("유기농 사과잼")}); err != nil {
		t.Fatal(err)
	}

	orders := order.NewService(s.Orders(), s.Transactor(), nil)
	placed, err := orders.Checkout(ctx, admin, order.CheckoutInput{
		ProductID: jam.ID, Quantity: 1, PaymentMethod: order.BankTransfer, IdempotencyKey: "no-outbox",
		Address: &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if paid, err := orders.SetStatus(ctx, admin, placed.ID, order.Paid); err != nil || paid.Status != order.Paid {
		t.Fatalf("SetStatus: %v, %v", paid.Status, err)
	}
	if got, err := s.Catalog().GetProduct(ctx, jam.ID); err != nil || got.Stock == nil || *got.Stock != 0 {
		t.Fatalf("the product sold out: %v, %v; want 0 units", got.Stock, err)
	}
	if err := shop.DeleteProduct(ctx, admin, tea.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Catalog().GetProduct(ctx, tea.ID); !errors.Is(err, catalog.ErrProductNotFound) {
		t.Fatalf("the deleted product: %v, want catalog.ErrProductNotFound", err)
	}

	notices := board.NewService(s.Board(), nil)
	if _, err := notices.Create(ctx, admin, board.PostInput{Title: "배송 안내", Category: board.Normal, Body: "설 연휴 배송 안내"}); err != nil {
		t.Fatal(err)
	}
	return []string{"memstore.user", "product.created", "product.created", "product.updated",
		"order.placed", "product.out_of_stock", "order.paid", "product.deleted", "post.published"}
}

// newUser returns a user that no other test has.
func newUser() account.User {
	id := commerce.NewID()
	name := "n" + id.String()[24:]
	now := commerce.Now()
	return account.User{ID: id, Username: name, Nickname: "닉" + name, Email: name + "@example.com",
		Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1}
}

// claimAll claims every event the outbox holds and marks it sent.
func claimAll(t *testing.T, box outbox.Store) []commerce.Event {
	t.Helper()
	ctx := context.Background()
	c, err := box.Claim(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	evs := c.Events()
	ids := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	if err := c.Sent(ctx, ids); err != nil {
		t.Fatal(err)
	}
	return evs
}

func eventTypes(evs []commerce.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}
