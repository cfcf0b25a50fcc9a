package bunstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

// TestNoOutbox checks Options.NoOutbox on two Stores over one database,
// one with the outbox and one without: the same writes, whose contexts
// carry events, make their changes on both; the Store without the outbox
// sends no statement to outbox_events, ignores even events the outbox
// would refuse, keeps CreatePost one statement, and claims nothing, not
// even the events the other Store stored, which that Store's outbox still
// holds.
func TestNoOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, testdb.MySQLDSN(t))
	onLog, offLog := &queryLog{}, &queryLog{}
	on, err := bunstore.New(ctx, db.WithQueryHook(onLog), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	offDB := db.WithQueryHook(offLog)
	off, err := bunstore.New(ctx, offDB, &bunstore.Options{NoOutbox: true})
	if err != nil {
		t.Fatalf("New with NoOutbox: %v", err)
	}
	if off.DB() != offDB {
		t.Errorf("DB() of the Store without the outbox is not the *bun.DB it was made with")
	}

	want := shopChanges(t, on)
	if n := onLog.count("INSERT INTO `outbox_events`"); n == 0 {
		t.Errorf("the Store with the outbox inserted no event")
	}
	offLog.reset()
	shopChanges(t, off)
	if n := offLog.count("outbox_events"); n != 0 {
		t.Errorf("the Store without the outbox sent %d statements on outbox_events:\n%s", n, strings.Join(offLog.all(), "\n"))
	}
	rows := func() int {
		t.Helper()
		n, err := db.NewSelect().Table("outbox_events").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	if n := rows(); n != len(want) {
		t.Errorf("%d rows in outbox_events, want the %d events of the Store with the outbox", n, len(want))
	}

	// A write that is one statement without events stays one statement.
	offLog.reset()
	staff := newUser()
	if err := off.Accounts().CreateUser(ctx, staff, nil); err != nil {
		t.Fatal(err)
	}
	offLog.reset()
	post := board.Post{ID: commerce.NewID(), Author: board.Author{ID: staff.ID}, Title: "공지", Category: board.Normal,
		Body: "본문", CreatedAt: staff.CreatedAt, UpdatedAt: staff.CreatedAt, Version: 1}
	postEvent := commerce.NewEvent("bunstore.post", post.ID, 1, time.Now(), map[string]string{})
	if err := off.Board().CreatePost(commerce.WithEvents(ctx, postEvent), post); err != nil {
		t.Fatal(err)
	}
	if got := offLog.all(); len(got) != 1 || !strings.HasPrefix(got[0], "INSERT INTO `posts`") {
		t.Errorf("CreatePost with events without the outbox sent:\n%s\nwant one INSERT INTO `posts`", strings.Join(got, "\n"))
	}

	// Events the outbox would refuse are not even checked.
	broken := commerce.Event{Type: "bunstore.broken"} // no id, aggregate, version or time
	if err := on.Accounts().CreateUser(commerce.WithEvents(ctx, broken), newUser(), nil); !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("an event without an id, with the outbox: %v, want commerce.ErrInvalid", err)
	}
	u := newUser()
	if err := off.Accounts().CreateUser(commerce.WithEvents(ctx, broken), u, nil); err != nil {
		t.Errorf("an event without an id, without the outbox: %v, want it ignored", err)
	} else if _, err := off.Accounts().GetUser(ctx, u.ID); err != nil {
		t.Errorf("the user whose write carried an ignored event: %v", err)
	}
	if n := rows(); n != len(want) {
		t.Errorf("%d rows in outbox_events, want %d", n, len(want))
	}

	// The Store without the outbox claims nothing, though the table holds
	// the other Store's unsent events; that one claims them all.
	offLog.reset()
	if got := claimAll(t, off.Outbox()); len(got) != 0 {
		t.Errorf("the Store without the outbox claimed %q, want none", eventTypes(got))
	}
	if got := offLog.all(); len(got) != 0 {
		t.Errorf("a claim without the outbox sent:\n%s\nwant no statement", strings.Join(got, "\n"))
	}
	if _, err := off.Outbox().Claim(ctx, 0); !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("Claim(0) without the outbox: %v, want commerce.ErrInvalid", err)
	}
	if got := claimAll(t, on.Outbox()); !slices.Equal(eventTypes(got), want) {
		t.Errorf("the Store with the outbox claimed %q, want %q", eventTypes(got), want)
	}
}

// TestConformanceNoOutbox runs the conformance suite on Stores made with
// Options.NoOutbox: everything but the outbox works as it does with it.
// The Stores offer no outbox to the suite, whose outbox cases skip.
func TestConformanceNoOutbox(t *testing.T) {
	storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
		return noOutboxHarness{}, nil
	})
}

type noOutboxHarness struct{}

func (noOutboxHarness) MakeStores(ctx context.Context, t *testing.T) storagetest.Stores {
	db := openDB(t, testdb.MySQLDSN(t))
	s, err := bunstore.New(ctx, db, &bunstore.Options{NoOutbox: true})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clock := storagetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	mem := memstore.New(&memstore.Options{Now: clock.Now})
	return storagetest.Stores{
		Catalog:    s.Catalog(),
		Accounts:   s.Accounts(),
		Sessions:   mem.Sessions(),
		Attempts:   mem.Attempts(),
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
func shopChanges(t *testing.T, s *bunstore.Store) []string {
	t.Helper()
	ctx := context.Background()
	staff := newUser()
	userEvent := commerce.NewEvent("bunstore.user", staff.ID, 1, time.Now(), map[string]string{})
	if err := s.Accounts().CreateUser(commerce.WithEvents(ctx, userEvent), staff, nil); err != nil {
		t.Fatal(err)
	}
	admin := commerce.StaffActor(staff.ID)

	shop := catalog.NewService(s.Catalog(), nil)
	jam, err := shop.CreateProduct(ctx, admin, catalog.ProductInput{
		Name: "사과잼", Price: commerce.MustMoney("12000", "KRW"), Stock: intp(1),
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
	return []string{"bunstore.user", "product.created", "product.created", "product.updated",
		"order.placed", "product.out_of_stock", "order.paid", "product.deleted", "post.published"}
}

// queryLog is a bun.QueryHook that keeps the statements a *bun.DB sends.
type queryLog struct {
	mu      sync.Mutex
	queries []string
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	l.queries = append(l.queries, e.Query)
	l.mu.Unlock()
}

func (l *queryLog) reset() {
	l.mu.Lock()
	l.queries = nil
	l.mu.Unlock()
}

func (l *queryLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.queries)
}

// count returns how many statements contain s.
func (l *queryLog) count(s string) int {
	n := 0
	for _, q := range l.all() {
		if strings.Contains(q, s) {
			n++
		}
	}
	return n
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
