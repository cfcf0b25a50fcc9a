package storagetest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/outbox"
)

// The outbox cases check the transactional outbox (commerce.WithEvents,
// outbox.Store) through the repositories, never the services, so that
// they fix the events each write carries: the writes that store the
// events their context carries — catalog's CreateProduct, UpdateProduct
// and DeleteProduct, the stock take, account's CreateUser, order's
// CreateOrder and SetStatus, inside a transaction and outside, and
// board's CreatePost — store exactly those, once, in the write's own
// transaction; and relays' claims share the outbox without sending an
// event twice or an aggregate's events out of order.

func runOutboxTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *outboxFixture)
	}{
		{"WritesStoreTheirEvents", testOutboxWrites},
		{"FailedWritesStoreNone", testOutboxFailedWrites},
		{"InvalidEvents", testOutboxInvalidEvents},
		{"Transactions", testOutboxTransactions},
		{"ClaimOrder", testOutboxClaimOrder},
		{"ConcurrentClaims", testOutboxConcurrentClaims},
		{"SentAndRelease", testOutboxSentAndRelease},
		{"ClaimEndsWithContext", testOutboxClaimContext},
		{"LeaseEnds", testOutboxLease},
		{"Prune", testOutboxPrune},
		{"OrderVersion", testOrderVersion},
		{"Concurrency", testOutboxConcurrency},
		{"EndedContext", testOutboxEnded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newOutboxFixture(t, h))
		})
	}
}

// outboxFixture is an order fixture with the store's outbox, drained of
// the events its making stored, and an author for posts.
type outboxFixture struct {
	*orderFixture
	box     outbox.Store
	lease   time.Duration
	drained int // events sent while making the fixture
	author  uuid.UUID
}

func newOutboxFixture(t *testing.T, h Harness) *outboxFixture {
	of := newOrderFixture(t, h)
	if of.stores.Outbox == nil || of.stores.Board == nil {
		t.Skip("the adapter has no outbox or board")
	}
	f := &outboxFixture{orderFixture: of, box: of.stores.Outbox, lease: of.stores.OutboxLease}
	f.author = f.customer(t).UserID
	f.drained = drainOutbox(t, f.ctx, f.box)
	return f
}

// drainOutbox marks every unsent event sent, and returns how many.
func drainOutbox(t *testing.T, ctx context.Context, box outbox.Store) int {
	t.Helper()
	n := 0
	for {
		c, err := box.Claim(ctx, 1000)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		evs := c.Events()
		if err := c.Sent(ctx, eventIDs(evs)); err != nil {
			t.Fatalf("Sent: %v", err)
		}
		if len(evs) == 0 {
			return n
		}
		n += len(evs)
	}
}

// eventSeq numbers the events the cases make, so that each is told apart.
var eventSeq atomic.Int64

// event returns a new event of the aggregate agg at version, with data.
func event(agg uuid.UUID, version int64) commerce.Event {
	n := eventSeq.Add(1)
	return commerce.NewEvent("storagetest.checked", agg, version, time.Now(),
		map[string]any{"n": n, "note": "확인 <&>", "version": version})
}

// events returns n new events, each of an aggregate of its own.
func events(n int) []commerce.Event {
	out := make([]commerce.Event, n)
	for i := range out {
		out[i] = event(commerce.NewID(), 1)
	}
	return out
}

func eventIDs(evs []commerce.Event) []uuid.UUID {
	ids := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

// claim claims up to limit events, failing the test on an error.
func (f *outboxFixture) claim(t *testing.T, limit int) outbox.Claim {
	t.Helper()
	c, err := f.box.Claim(f.ctx, limit)
	if err != nil {
		t.Fatalf("Claim(%d): %v", limit, err)
	}
	return c
}

// unsent returns the unsent events that a claim of all would get, in the
// order they were stored, and releases them.
func (f *outboxFixture) unsent(t *testing.T) []commerce.Event {
	t.Helper()
	c := f.claim(t, 10000)
	evs := c.Events()
	if err := c.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	return evs
}

// wantEvents fails unless got holds exactly want, in that order.
func wantEvents(t *testing.T, what string, got, want []commerce.Event) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: events (-want +got):\n%s", what, diff)
	}
}

// wantNew fails unless the outbox's unsent events are those of before
// followed by exactly want.
func (f *outboxFixture) wantNew(t *testing.T, what string, before, want []commerce.Event) {
	t.Helper()
	now := f.unsent(t)
	if len(now) < len(before) || !slices.EqualFunc(now[:len(before)], before, func(a, b commerce.Event) bool { return a.ID == b.ID }) {
		t.Fatalf("%s: the unsent events before it changed: %d before, %d after", what, len(before), len(now))
	}
	wantEvents(t, what, now[len(before):], want)
}

// store stores evs with a post, the events' write.
func (f *outboxFixture) store(t *testing.T, evs ...commerce.Event) {
	t.Helper()
	if err := f.stores.Board.CreatePost(commerce.WithEvents(f.ctx, evs...), f.post()); err != nil {
		t.Fatalf("CreatePost with %d events: %v", len(evs), err)
	}
}

// post returns a new post by the fixture's author.
func (f *outboxFixture) post() board.Post {
	now := commerce.Now()
	return board.Post{ID: commerce.NewID(), Author: board.Author{ID: f.author}, Title: "공지", Category: board.Normal,
		Body: "본문", CreatedAt: now, UpdatedAt: now, Version: 1}
}

// product returns a new product of the fixture's brand with stock units,
// as a repository stores it.
func (f *outboxFixture) product(name string, stock int) catalog.Product {
	now := commerce.Now()
	return catalog.Product{ID: commerce.NewID(), Name: name, Price: commerce.MustMoney("12000", "KRW"),
		Brand: &catalog.BrandRef{ID: f.brand.ID, Name: f.brand.Name}, Images: []string{}, Stock: intp(stock),
		CreatedAt: now, UpdatedAt: now, Version: 1}
}

// user returns a new user, as a repository stores it.
func (f *outboxFixture) user() account.User {
	now := commerce.Now()
	id := commerce.NewID()
	tail := strings.ReplaceAll(id.String(), "-", "")[20:]
	return account.User{ID: id, Username: "ob" + tail, Nickname: "손님" + tail, Interests: []uuid.UUID{},
		CreatedAt: now, UpdatedAt: now, Version: 1}
}

// order returns a new paid order of user, as a repository stores it, with
// no Version: the store gives it 1.
func (f *outboxFixture) order(user uuid.UUID) order.Order {
	now := f.now().UTC().Truncate(time.Microsecond)
	id := commerce.NewID()
	won := commerce.MustMoney("12000", "KRW")
	return order.Order{
		ID: id, Number: fmt.Sprintf("20261125-%08d", binary.BigEndian.Uint32(id[12:])%100000000), UserID: user,
		Status: order.Paid, Lines: []order.Line{{ProductID: commerce.NewID(), Name: "사과잼", UnitPrice: won, Quantity: 1, LineTotal: won}},
		Subtotal: won, Total: won, Address: order.Address{Recipient: "김민준", Line1: "서울특별시 중구 세종대로 110", City: "서울", Zipcode: "04524"},
		PaymentMethod: order.Card, IdempotencyKey: "outbox-" + id.String(), RequestHash: "h", PlacedAt: now, UpdatedAt: now,
	}
}

// inTx runs fn in a transaction of the store's Transactor.
func (f *outboxFixture) inTx(fn func(tx order.Tx) error) error {
	return f.stores.Transactor.InTx(f.ctx, func(_ context.Context, tx order.Tx) error { return fn(tx) })
}

// testOutboxWrites checks that each write that stores events stores the
// events its context carries, exactly and once: a second write with the
// same context, after the first committed, stores none.
func testOutboxWrites(t *testing.T, f *outboxFixture) {
	cat, users, posts, orders, stock := f.stores.Catalog, f.stores.Accounts, f.stores.Board, f.stores.Orders, f.stores.Stock
	step := func(name string, first, second func(ctx context.Context) error) {
		t.Helper()
		evs := []commerce.Event{event(commerce.NewID(), 1), event(commerce.NewID(), 2)}
		ctx := commerce.WithEvents(f.ctx, evs...)
		before := f.unsent(t)
		if err := first(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.wantNew(t, name, before, evs)
		before = f.unsent(t)
		if err := second(ctx); err != nil {
			t.Fatalf("%s again: %v", name, err)
		}
		f.wantNew(t, name+", again with the same context", before, nil)
	}

	p1, p2 := f.product("사과잼", 10), f.product("보리차", 10)
	step("CreateProduct",
		func(ctx context.Context) error { return cat.CreateProduct(ctx, p1) },
		func(ctx context.Context) error { return cat.CreateProduct(ctx, p2) })
	step("UpdateProduct",
		func(ctx context.Context) error {
			p1.Name, p1.Version = "유기농 사과잼", 2
			return cat.UpdateProduct(ctx, p1, 1)
		},
		func(ctx context.Context) error {
			p1.Description, p1.Version = "국산 사과", 3
			return cat.UpdateProduct(ctx, p1, 2)
		})
	step("TakeStock",
		func(ctx context.Context) error { return stock.TakeStock(ctx, p1.ID, 1) },
		func(ctx context.Context) error { return stock.TakeStock(ctx, p1.ID, 1) })
	step("TakeStock in a transaction",
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error { return tx.Stock().TakeStock(ctx, p1.ID, 1) })
		},
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error { return tx.Stock().TakeStock(ctx, p1.ID, 1) })
		})
	if got, err := cat.GetProduct(f.ctx, p1.ID); err != nil || got.Stock == nil || *got.Stock != 6 {
		t.Errorf("after four stock takes: %v, %v; want 6 units", got.Stock, err)
	}
	step("DeleteProduct",
		func(ctx context.Context) error { return cat.DeleteProduct(ctx, p2.ID) },
		func(ctx context.Context) error { return cat.DeleteProduct(ctx, p1.ID) })

	u1, u2 := f.user(), f.user()
	step("CreateUser",
		func(ctx context.Context) error { return users.CreateUser(ctx, u1, nil) },
		func(ctx context.Context) error {
			return users.CreateUser(ctx, u2, &account.Identity{Provider: "kakao", Subject: "k-" + u2.ID.String(), CreatedAt: u2.CreatedAt})
		})
	step("CreatePost",
		func(ctx context.Context) error { return posts.CreatePost(ctx, f.post()) },
		func(ctx context.Context) error { return posts.CreatePost(ctx, f.post()) })

	o1, o2, o3, o4 := f.order(u1.ID), f.order(u1.ID), f.order(u2.ID), f.order(u2.ID)
	step("CreateOrder",
		func(ctx context.Context) error { return orders.CreateOrder(ctx, o1) },
		func(ctx context.Context) error { return orders.CreateOrder(ctx, o2) })
	step("SetStatus",
		func(ctx context.Context) error {
			return orders.SetStatus(ctx, o1.ID, order.Paid, order.Shipped, f.now())
		},
		func(ctx context.Context) error {
			return orders.SetStatus(ctx, o1.ID, order.Shipped, order.Delivered, f.now())
		})
	step("CreateOrder in a transaction",
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error { return tx.Orders().CreateOrder(ctx, o3) })
		},
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error { return tx.Orders().CreateOrder(ctx, o4) })
		})
	step("SetStatus in a transaction",
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error {
				return tx.Orders().SetStatus(ctx, o3.ID, order.Paid, order.Shipped, f.now())
			})
		},
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error {
				return tx.Orders().SetStatus(ctx, o3.ID, order.Shipped, order.Delivered, f.now())
			})
		})

	// A context without events stores none.
	before := f.unsent(t)
	if err := posts.CreatePost(f.ctx, f.post()); err != nil {
		t.Fatal(err)
	}
	f.wantNew(t, "a post without events", before, nil)
}

// testOutboxFailedWrites checks that a write that fails stores none of its
// events, and that the same context then stores them with a write that
// succeeds.
func testOutboxFailedWrites(t *testing.T, f *outboxFixture) {
	cat, users, posts, orders, stock := f.stores.Catalog, f.stores.Accounts, f.stores.Board, f.stores.Orders, f.stores.Stock
	p := f.product("사과잼", 1)
	if err := cat.CreateProduct(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	u := f.user()
	if err := users.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	o := f.order(u.ID)
	if err := orders.CreateOrder(f.ctx, o); err != nil {
		t.Fatal(err)
	}
	post := f.post()
	if err := posts.CreatePost(f.ctx, post); err != nil {
		t.Fatal(err)
	}
	check := func(name string, fail func(ctx context.Context) error, want error, succeed func(ctx context.Context) error) {
		t.Helper()
		evs := []commerce.Event{event(commerce.NewID(), 1), event(commerce.NewID(), 1)}
		ctx := commerce.WithEvents(f.ctx, evs...)
		before := f.unsent(t)
		if err := fail(ctx); !errors.Is(err, want) {
			t.Fatalf("%s: got %v, want %v", name, err, want)
		}
		f.wantNew(t, name, before, nil)
		if err := succeed(ctx); err != nil {
			t.Fatalf("%s, then a write that succeeds: %v", name, err)
		}
		f.wantNew(t, name+", then a write that succeeds", before, evs)
		if err := f.unsentDrain(t); err != nil {
			t.Fatal(err)
		}
	}
	missingBrand := f.product("유령 상품", 1)
	missingBrand.Brand = &catalog.BrandRef{ID: commerce.NewID()}
	check("CreateProduct of a taken id",
		func(ctx context.Context) error { return cat.CreateProduct(ctx, p) }, catalog.ErrDuplicateID,
		func(ctx context.Context) error { return cat.CreateProduct(ctx, f.product("새 상품", 1)) })
	check("CreateProduct of a missing brand",
		func(ctx context.Context) error { return cat.CreateProduct(ctx, missingBrand) }, catalog.ErrBrandNotFound,
		func(ctx context.Context) error { return cat.CreateProduct(ctx, f.product("새 상품", 1)) })
	check("UpdateProduct of another version",
		func(ctx context.Context) error {
			next := p
			next.Name, next.Version = "다른 이름", 8
			return cat.UpdateProduct(ctx, next, 7)
		}, catalog.ErrVersionConflict,
		func(ctx context.Context) error {
			next := p
			next.Name, next.Version = "사과잼 (고침)", 2
			return cat.UpdateProduct(ctx, next, 1)
		})
	check("DeleteProduct of a missing product",
		func(ctx context.Context) error { return cat.DeleteProduct(ctx, commerce.NewID()) }, catalog.ErrProductNotFound,
		func(ctx context.Context) error { return cat.DeleteProduct(ctx, p.ID) })
	q := f.product("마지막 하나", 1)
	if err := cat.CreateProduct(f.ctx, q); err != nil {
		t.Fatal(err)
	}
	check("TakeStock of more than there is",
		func(ctx context.Context) error { return stock.TakeStock(ctx, q.ID, 2) }, catalog.ErrOutOfStock,
		func(ctx context.Context) error { return stock.TakeStock(ctx, q.ID, 1) })
	check("TakeStock of a missing product in a transaction",
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error { return tx.Stock().TakeStock(ctx, commerce.NewID(), 1) })
		}, catalog.ErrProductNotFound,
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error { return tx.Stock().TakeStock(ctx, q.ID, 0) })
		})
	check("CreateUser of a taken id",
		func(ctx context.Context) error { return users.CreateUser(ctx, u, nil) }, account.ErrDuplicateID,
		func(ctx context.Context) error { return users.CreateUser(ctx, f.user(), nil) })
	check("CreatePost of a taken id",
		func(ctx context.Context) error { return posts.CreatePost(ctx, post) }, board.ErrDuplicateID,
		func(ctx context.Context) error { return posts.CreatePost(ctx, f.post()) })
	check("CreatePost of a missing author",
		func(ctx context.Context) error {
			p := f.post()
			p.Author.ID = commerce.NewID()
			return posts.CreatePost(ctx, p)
		}, board.ErrAuthorNotFound,
		func(ctx context.Context) error { return posts.CreatePost(ctx, f.post()) })
	check("CreateOrder of a taken key",
		func(ctx context.Context) error {
			again := f.order(u.ID)
			again.IdempotencyKey = o.IdempotencyKey
			return orders.CreateOrder(ctx, again)
		}, order.ErrDuplicateKey,
		func(ctx context.Context) error { return orders.CreateOrder(ctx, f.order(u.ID)) })
	check("SetStatus from a status the order is not in",
		func(ctx context.Context) error {
			return orders.SetStatus(ctx, o.ID, order.Shipped, order.Delivered, f.now())
		},
		order.ErrStatusConflict,
		func(ctx context.Context) error {
			return orders.SetStatus(ctx, o.ID, order.Paid, order.Shipped, f.now())
		})
	check("SetStatus of a missing order in a transaction",
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error {
				return tx.Orders().SetStatus(ctx, commerce.NewID(), order.Paid, order.Shipped, f.now())
			})
		}, order.ErrOrderNotFound,
		func(ctx context.Context) error {
			return f.inTx(func(tx order.Tx) error {
				return tx.Orders().SetStatus(ctx, o.ID, order.Shipped, order.Delivered, f.now())
			})
		})
}

// unsentDrain marks every unsent event sent, so that a case starts the
// next check from an empty outbox.
func (f *outboxFixture) unsentDrain(t *testing.T) error {
	t.Helper()
	drainOutbox(t, f.ctx, f.box)
	if left := f.unsent(t); len(left) != 0 {
		return fmt.Errorf("%d events left unsent after draining", len(left))
	}
	return nil
}

// testOutboxInvalidEvents checks that a write refuses events the outbox
// cannot hold, with an error naming the field, and then changes nothing.
func testOutboxInvalidEvents(t *testing.T, f *outboxFixture) {
	agg := commerce.NewID()
	u := f.user()
	if err := f.stores.Accounts.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		field string
		bad   func(e *commerce.Event)
	}{
		{"id", func(e *commerce.Event) { e.ID = uuid.Nil }},
		{"type", func(e *commerce.Event) { e.Type = "" }},
		{"type", func(e *commerce.Event) { e.Type = strings.Repeat("x", 65) }},
		{"aggregate_id", func(e *commerce.Event) { e.AggregateID = uuid.Nil }},
		{"version", func(e *commerce.Event) { e.Version = 0 }},
		{"time", func(e *commerce.Event) { e.Time = time.Time{} }},
		{"data", func(e *commerce.Event) { e.Data = []byte(`[1, 2]`) }},
		{"data", func(e *commerce.Event) { e.Data = []byte(`{"n": `) }},
	} {
		good, bad := event(agg, 1), event(agg, 2)
		c.bad(&bad)
		ctx := commerce.WithEvents(f.ctx, good, bad)
		p := f.product("사과잼", 1)
		err := f.stores.Catalog.CreateProduct(ctx, p)
		if !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("an event with a bad %s: got %v, want commerce.ErrInvalid naming the field", c.field, err)
		}
		if _, err := f.stores.Catalog.GetProduct(f.ctx, p.ID); !errors.Is(err, catalog.ErrProductNotFound) {
			t.Errorf("an event with a bad %s stored its product: %v", c.field, err)
		}
		// Inside a transaction, the write fails, and with it the
		// transaction.
		o := f.order(u.ID)
		err = f.inTx(func(tx order.Tx) error { return tx.Orders().CreateOrder(ctx, o) })
		if !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("an event with a bad %s in a transaction: got %v, want commerce.ErrInvalid", c.field, err)
		}
		if _, err := f.stores.Orders.GetOrder(f.ctx, o.ID); !errors.Is(err, order.ErrOrderNotFound) {
			t.Errorf("an event with a bad %s stored its order: %v", c.field, err)
		}
	}
	dup := event(agg, 1)
	err := f.stores.Catalog.CreateProduct(commerce.WithEvents(f.ctx, dup, dup), f.product("사과잼", 1))
	if !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), "id") {
		t.Errorf("two events of one id: got %v, want commerce.ErrInvalid naming the id", err)
	}
	if left := f.unsent(t); len(left) != 0 {
		t.Errorf("refused events left %d events in the outbox", len(left))
	}
	// An id already in the outbox is refused too.
	f.store(t, dup)
	err = f.stores.Board.CreatePost(commerce.WithEvents(f.ctx, dup), f.post())
	if !errors.Is(err, commerce.ErrConflict) {
		t.Errorf("an event whose id is stored: got %v, want commerce.ErrConflict", err)
	}
	wantEvents(t, "after an event whose id is stored", f.unsent(t), []commerce.Event{dup})
}

// testOutboxTransactions checks the events stored inside a transaction:
// they roll back with it, a new run of the same contexts stores them
// again, and two writes with one context in one transaction store them
// once.
func testOutboxTransactions(t *testing.T, f *outboxFixture) {
	p := f.product("사과잼", 5)
	if err := f.stores.Catalog.CreateProduct(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	u := f.user()
	if err := f.stores.Accounts.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	o := f.order(u.ID)
	placed := []commerce.Event{event(o.ID, 1)}
	taken := []commerce.Event{event(p.ID, 2), event(p.ID, 3)}
	orderCtx, stockCtx := commerce.WithEvents(f.ctx, placed...), commerce.WithEvents(f.ctx, taken...)
	checkout := func(fail bool) error {
		return f.inTx(func(tx order.Tx) error {
			if err := tx.Stock().TakeStock(stockCtx, p.ID, 2); err != nil {
				return err
			}
			if err := tx.Orders().CreateOrder(orderCtx, o); err != nil {
				return err
			}
			if fail {
				return errInjected
			}
			return nil
		})
	}
	if err := checkout(true); !errors.Is(err, errInjected) {
		t.Fatalf("a failing transaction: %v", err)
	}
	wantEvents(t, "after a transaction that failed", f.unsent(t), nil)
	if _, err := f.stores.Orders.GetOrder(f.ctx, o.ID); !errors.Is(err, order.ErrOrderNotFound) {
		t.Fatalf("the failed transaction's order: %v", err)
	}
	if err := checkout(false); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "after the same transaction succeeded", f.unsent(t), append(slices.Clone(taken), placed...))
	if err := f.unsentDrain(t); err != nil {
		t.Fatal(err)
	}

	// Two writes with one context in one transaction store its events once.
	shipped := []commerce.Event{event(o.ID, 2)}
	ctx := commerce.WithEvents(f.ctx, shipped...)
	err := f.inTx(func(tx order.Tx) error {
		if err := tx.Orders().SetStatus(ctx, o.ID, order.Paid, order.Shipped, f.now()); err != nil {
			return err
		}
		return tx.Orders().SetStatus(ctx, o.ID, order.Shipped, order.Delivered, f.now())
	})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "two writes with one context", f.unsent(t), shipped)
}

// testOutboxClaimOrder checks that a claim returns events in the order
// they were stored, at most limit of them.
func testOutboxClaimOrder(t *testing.T, f *outboxFixture) {
	a, b, c := commerce.NewID(), commerce.NewID(), commerce.NewID()
	stored := []commerce.Event{event(a, 1), event(b, 1), event(a, 2), event(c, 1), event(b, 2), event(a, 3), event(c, 2)}
	f.store(t, stored[:3]...)
	f.store(t, stored[3])
	f.store(t, stored[4:]...)
	wantEvents(t, "a claim of all", f.unsent(t), stored)
	cl := f.claim(t, 3)
	wantEvents(t, "a claim of 3", cl.Events(), stored[:3])
	if err := cl.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.box.Claim(f.ctx, 0); !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("a claim of 0: got %v, want commerce.ErrInvalid", err)
	}
	// Events returns copies.
	cl = f.claim(t, 1)
	got := cl.Events()
	got[0].Data[0] = 'X'
	got[0].Type = "changed"
	wantEvents(t, "Events after changing what it returned", cl.Events(), stored[:1])
	cl.Release()
}

// testOutboxConcurrentClaims checks that claims held at once get disjoint
// events, and never an event whose aggregate has an earlier one that
// another claim holds.
func testOutboxConcurrentClaims(t *testing.T, f *outboxFixture) {
	a, b, c := commerce.NewID(), commerce.NewID(), commerce.NewID()
	a1, a2, b1, c1, a3, b2 := event(a, 1), event(a, 2), event(b, 1), event(c, 1), event(a, 3), event(b, 2)
	f.store(t, a1, a2, b1)
	f.store(t, c1, a3, b2)

	first := f.claim(t, 1)
	wantEvents(t, "the first claim", first.Events(), []commerce.Event{a1})
	second := f.claim(t, 100)
	wantEvents(t, "the second claim, while the first holds a1", second.Events(), []commerce.Event{b1, c1, b2})
	third := f.claim(t, 100)
	wantEvents(t, "a third claim, while the others hold their events", third.Events(), nil)
	third.Release()

	if err := first.Sent(f.ctx, []uuid.UUID{a1.ID}); err != nil {
		t.Fatal(err)
	}
	if err := second.Release(); err != nil {
		t.Fatal(err)
	}
	fourth := f.claim(t, 100)
	wantEvents(t, "a claim after the first was sent and the second released", fourth.Events(), []commerce.Event{a2, b1, c1, a3, b2})

	// Two claims that split one aggregate's events: the second gets none
	// of its later events while the first holds the earlier.
	fourth.Release()
	head := f.claim(t, 2)
	wantEvents(t, "a claim of 2", head.Events(), []commerce.Event{a2, b1})
	rest := f.claim(t, 100)
	wantEvents(t, "the claim after it", rest.Events(), []commerce.Event{c1})
	head.Release()
	rest.Release()
}

// testOutboxSentAndRelease checks how claims end: Release leaves events
// unsent, Sent marks the ones it names sent and leaves the others unsent,
// an id the claim does not hold marks nothing, and an ended claim cannot
// mark events.
func testOutboxSentAndRelease(t *testing.T, f *outboxFixture) {
	agg := commerce.NewID()
	e1, e2, e3, e4 := event(agg, 1), event(commerce.NewID(), 1), event(agg, 2), event(commerce.NewID(), 1)
	f.store(t, e1, e2, e3, e4)
	all := []commerce.Event{e1, e2, e3, e4}

	c := f.claim(t, 10)
	wantEvents(t, "the claim", c.Events(), all)
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err != nil {
		t.Errorf("releasing twice: %v", err)
	}
	if err := c.Sent(f.ctx, []uuid.UUID{e1.ID}); err == nil {
		t.Error("Sent after Release succeeded")
	}
	c = f.claim(t, 10)
	wantEvents(t, "a claim after Release", c.Events(), all)

	// An id the claim does not hold: an error, nothing marked.
	if err := c.Sent(f.ctx, []uuid.UUID{e1.ID, commerce.NewID()}); !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("Sent of an id not claimed: got %v, want commerce.ErrInvalid", err)
	}
	c = f.claim(t, 10)
	wantEvents(t, "a claim after Sent of an id not claimed", c.Events(), all)

	if err := c.Sent(f.ctx, []uuid.UUID{e1.ID, e4.ID}); err != nil {
		t.Fatal(err)
	}
	if err := c.Sent(f.ctx, []uuid.UUID{e2.ID}); err == nil {
		t.Error("Sent twice succeeded")
	}
	if err := c.Release(); err != nil {
		t.Errorf("Release after Sent: %v", err)
	}
	c = f.claim(t, 10)
	wantEvents(t, "a claim after Sent of e1 and e4", c.Events(), []commerce.Event{e2, e3})
	if err := c.Sent(f.ctx, nil); err != nil {
		t.Fatalf("Sent of no event: %v", err)
	}
	c = f.claim(t, 10)
	wantEvents(t, "a claim after Sent of no event", c.Events(), []commerce.Event{e2, e3})
	if err := c.Sent(f.ctx, eventIDs(c.Events())); err != nil {
		t.Fatal(err)
	}
	c = f.claim(t, 10)
	wantEvents(t, "a claim after every event was sent", c.Events(), nil)
	if err := c.Sent(f.ctx, nil); err != nil {
		t.Errorf("Sent of an empty claim: %v", err)
	}
}

// testOutboxClaimContext checks that a claim ends with its context: its
// events are claimed again, and it can no longer mark them sent.
func testOutboxClaimContext(t *testing.T, f *outboxFixture) {
	evs := events(2)
	f.store(t, evs...)
	ctx, cancel := context.WithCancel(f.ctx)
	c, err := f.box.Claim(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "the claim", c.Events(), evs)
	wantEvents(t, "another claim meanwhile", f.unsent(t), nil)
	cancel()
	// A database rolls back once it notices the closed connection: wait.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := f.unsent(t)
		if len(got) == len(evs) {
			wantEvents(t, "a claim after the first one's context ended", got, evs)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the claim's context ended, a claim gets %d of its %d events", len(got), len(evs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Sent(f.ctx, eventIDs(evs)); err == nil {
		t.Error("Sent of a claim whose context ended succeeded")
	}
	if err := c.Release(); err != nil {
		t.Errorf("Release of a claim whose context ended: %v", err)
	}
	wantEvents(t, "after Sent of a claim whose context ended", f.unsent(t), evs)
}

// testOutboxLease checks, on an adapter whose claims have a lease on the
// test's clock, that a claim not ended within its lease loses its events
// to the next claim, and can no longer mark them sent.
func testOutboxLease(t *testing.T, f *outboxFixture) {
	if f.lease <= 0 {
		t.Skip("the adapter's claims have no lease (Stores.OutboxLease)")
	}
	evs := events(2)
	f.store(t, evs...)
	old := f.claim(t, 10)
	wantEvents(t, "the claim", old.Events(), evs)
	f.advance(f.lease / 2)
	wantEvents(t, "a claim within the first one's lease", f.unsent(t), nil)
	f.advance(f.lease)
	next := f.claim(t, 10)
	wantEvents(t, "a claim after the first one's lease", next.Events(), evs)
	if err := old.Sent(f.ctx, eventIDs(evs)); !errors.Is(err, commerce.ErrConflict) {
		t.Errorf("Sent of a claim whose lease ran out: got %v, want commerce.ErrConflict", err)
	}
	if err := next.Sent(f.ctx, eventIDs(evs)); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "after the second claim's Sent", f.unsent(t), nil)
}

// testOutboxPrune checks that Prune deletes sent events only, those sent
// before its time, at most limit of them.
func testOutboxPrune(t *testing.T, f *outboxFixture) {
	evs := events(3)
	f.store(t, evs...)
	c := f.claim(t, 10)
	if err := c.Sent(f.ctx, eventIDs(evs[:2])); err != nil {
		t.Fatal(err)
	}
	// The store marks events sent by its own clock: the test's, or the
	// database's.
	now := time.Now()
	past, future := now, now
	if f.now().Before(now) {
		past = f.now()
	} else {
		future = f.now()
	}
	prune := func(before time.Time, limit int) int {
		t.Helper()
		n, err := f.box.Prune(f.ctx, before, limit)
		if err != nil {
			t.Fatalf("Prune: %v", err)
		}
		return n
	}
	if n := prune(past.Add(-time.Hour), 100); n != 0 {
		t.Errorf("Prune before anything was sent deleted %d events", n)
	}
	sent := f.drained + 2
	if n := prune(future.Add(time.Hour), 1); n != 1 {
		t.Errorf("Prune with limit 1 deleted %d events", n)
	}
	if n := prune(future.Add(time.Hour), 100); n != sent-1 {
		t.Errorf("Prune deleted %d events, want the %d sent ones left", n, sent-1)
	}
	if n := prune(future.Add(time.Hour), 100); n != 0 {
		t.Errorf("Prune of a pruned outbox deleted %d events", n)
	}
	wantEvents(t, "the unsent events after pruning", f.unsent(t), evs[2:])
	if _, err := f.box.Prune(f.ctx, future, 0); !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("Prune with limit 0: got %v, want commerce.ErrInvalid", err)
	}
}

// testOrderVersion checks Order.Version: 1 when an order is created, one
// more with each status change, unchanged by a change that fails or rolls
// back, and an imported order's own.
func testOrderVersion(t *testing.T, f *outboxFixture) {
	orders := f.stores.Orders
	u := f.user()
	if err := f.stores.Accounts.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	o := f.order(u.ID)
	if err := orders.CreateOrder(f.ctx, o); err != nil {
		t.Fatal(err)
	}
	version := func(what string, want int64) {
		t.Helper()
		got, err := orders.GetOrder(f.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		page, err := orders.ListOrders(f.ctx, order.Query{UserID: u.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(page, func(x order.Order) bool { return x.ID == o.ID })
		if got.Version != want || i < 0 || page[i].Version != want {
			t.Errorf("%s: version %d (listed: %v), want %d", what, got.Version, page, want)
		}
	}
	version("a new order", 1)
	if err := orders.SetStatus(f.ctx, o.ID, order.Paid, order.Shipped, f.now()); err != nil {
		t.Fatal(err)
	}
	version("after a status change", 2)
	if err := orders.SetStatus(f.ctx, o.ID, order.Paid, order.Shipped, f.now()); !errors.Is(err, order.ErrStatusConflict) {
		t.Fatalf("a status change from the wrong status: %v", err)
	}
	version("after a status change that failed", 2)
	err := f.inTx(func(tx order.Tx) error {
		if err := tx.Orders().SetStatus(f.ctx, o.ID, order.Shipped, order.Delivered, f.now()); err != nil {
			return err
		}
		return errInjected
	})
	if !errors.Is(err, errInjected) {
		t.Fatal(err)
	}
	version("after a status change that rolled back", 2)
	err = f.inTx(func(tx order.Tx) error {
		return tx.Orders().SetStatus(f.ctx, o.ID, order.Shipped, order.Delivered, f.now())
	})
	if err != nil {
		t.Fatal(err)
	}
	version("after a status change in a transaction", 3)

	// A placed order is at version 1.
	p := f.item(t, "사과잼", "12000", intp(3))
	me := f.customer(t)
	placed, err := f.orders.Checkout(f.ctx, me, buyNow(p, 1, "version"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := orders.GetOrder(f.ctx, placed.ID); err != nil || got.Version != 1 {
		t.Errorf("a placed order: version %d, %v; want 1", got.Version, err)
	}

	// An import stores the order's own version, 1 when it has none.
	kept, fresh := f.order(u.ID), f.order(u.ID)
	kept.Version = 5
	err = orders.ImportOrders(f.ctx, order.ImportQuery{
		IDs: []uuid.UUID{kept.ID, fresh.ID}, Numbers: []string{kept.Number, fresh.Number}, UserIDs: []uuid.UUID{u.ID},
	}, func(order.ImportState) ([]order.Order, error) { return []order.Order{kept, fresh}, nil })
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uuid.UUID]int64{kept.ID: 5, fresh.ID: 1} {
		if got, err := orders.GetOrder(f.ctx, id); err != nil || got.Version != want {
			t.Errorf("an imported order: version %d, %v; want %d", got.Version, err, want)
		}
	}
}

// testOutboxConcurrency runs writers that store events of their own
// aggregates, one after another, while two relays claim and mark them
// sent: every event goes out exactly once, and each aggregate's in the
// order its writer stored them.
func testOutboxConcurrency(t *testing.T, f *outboxFixture) {
	const writers, perWriter = 6, 12
	var (
		mu       sync.Mutex
		received = map[uuid.UUID][]int64{} // by aggregate, the versions in the order they went out
		seen     = map[uuid.UUID]int{}     // by event id, how often it went out
		done     atomic.Bool
		wg       sync.WaitGroup
		errs     = make(chan error, writers+2)
	)
	aggregates := make([]uuid.UUID, writers)
	for w := range writers {
		aggregates[w] = commerce.NewID()
		wg.Go(func() {
			for v := range int64(perWriter) {
				ctx := commerce.WithEvents(f.ctx, event(aggregates[w], v+1))
				if err := f.stores.Board.CreatePost(ctx, f.post()); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
	}
	var relays sync.WaitGroup
	for r := range 2 {
		relays.Go(func() {
			for {
				finished := done.Load() // read before the claim: all events were stored by then
				c, err := f.box.Claim(f.ctx, 5)
				if err != nil {
					errs <- fmt.Errorf("relay %d: %w", r, err)
					return
				}
				evs := c.Events()
				mu.Lock()
				for _, e := range evs {
					received[e.AggregateID] = append(received[e.AggregateID], e.Version)
					seen[e.ID]++
				}
				mu.Unlock()
				if err := c.Sent(f.ctx, eventIDs(evs)); err != nil {
					errs <- fmt.Errorf("relay %d: Sent: %w", r, err)
					return
				}
				if len(evs) == 0 {
					if finished {
						return
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	relays.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if len(seen) != writers*perWriter {
		t.Errorf("%d events went out, want %d", len(seen), writers*perWriter)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s went out %d times", id, n)
		}
	}
	for _, agg := range aggregates {
		got := received[agg]
		for i, v := range got {
			if v != int64(i+1) {
				t.Errorf("aggregate %s: versions went out as %v, want 1 to %d in order", agg, got, perWriter)
				break
			}
		}
	}
	if left := f.unsent(t); len(left) != 0 {
		t.Errorf("%d events left unsent", len(left))
	}
}

// testOutboxEnded checks the outbox's calls with a context that has ended.
func testOutboxEnded(t *testing.T, f *outboxFixture) {
	f.store(t, events(1)...)
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := f.box.Claim(ctx, 10); !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("Claim: got %v, want commerce.ErrUnavailable and context.Canceled", err)
	}
	if _, err := f.box.Prune(ctx, time.Now(), 10); !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("Prune: got %v, want commerce.ErrUnavailable and context.Canceled", err)
	}
	c := f.claim(t, 10)
	if err := c.Sent(ctx, eventIDs(c.Events())); !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("Sent: got %v, want commerce.ErrUnavailable", err)
	}
	if n := len(f.unsent(t)); n != 1 {
		t.Errorf("after Sent with an ended context, %d events unsent, want 1", n)
	}
}
