package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// shop is a store with a brand and a customer, for the tests of carts,
// stock and orders that call the repositories directly.
type shop struct {
	ctx   context.Context
	s     *bunstore.Store
	rec   *records
	brand catalog.Brand
	user  account.User
}

func newShop(t testing.TB, s *bunstore.Store) *shop {
	t.Helper()
	ctx := context.Background()
	rec := newRecords()
	problem := rec.problem("환경")
	brand := rec.brand("초록상점", problem)
	user := rec.user("shopper")
	for _, err := range []error{
		s.Catalog().CreateProblem(ctx, problem),
		s.Catalog().CreateBrand(ctx, brand),
		s.Accounts().CreateUser(ctx, user, nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &shop{ctx: ctx, s: s, rec: rec, brand: brand, user: user}
}

// product stores a product of the shop's brand with stock (nil: not
// tracked).
func (sh *shop) product(t testing.TB, name string, stock *int) catalog.Product {
	t.Helper()
	p := sh.rec.product(name, &sh.brand)
	p.Stock = stock
	if err := sh.s.Catalog().CreateProduct(sh.ctx, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func intp(n int) *int { return &n }

// order makes an order of the shop's customer buying one unit of p.
func (sh *shop) order(p catalog.Product, key, number string) order.Order {
	price := p.Price
	return order.Order{
		ID: sh.rec.ids(), Number: number, UserID: sh.user.ID, Status: order.PendingPayment,
		Lines:    []order.Line{{ProductID: p.ID, Name: p.Name, UnitPrice: price, Quantity: 1, LineTotal: price}},
		Subtotal: price, Total: price,
		Address:       order.Address{UserID: sh.user.ID, Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울", Zipcode: "04524"},
		PaymentMethod: order.BankTransfer, IdempotencyKey: key, RequestHash: "h",
		PlacedAt: sh.rec.now, UpdatedAt: sh.rec.now,
	}
}

// TestStock checks the conditional updates of TakeStock and ReturnStock:
// never below zero, untracked stock left NULL, missing products, and the
// product's version and update time left alone.
func TestStock(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	ctx, stock := sh.ctx, s.Stock()
	tracked := sh.product(t, "한정판", intp(3))
	untracked := sh.product(t, "무한", nil)
	missing := commerce.NewID()

	read := func(p catalog.Product) catalog.Product {
		t.Helper()
		got, err := s.Catalog().GetProduct(ctx, p.ID)
		must(t, err)
		return got
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"take 2 of 3", stock.TakeStock(ctx, tracked.ID, 2), nil},
		{"take 2 of 1", stock.TakeStock(ctx, tracked.ID, 2), catalog.ErrOutOfStock},
		{"take the last", stock.TakeStock(ctx, tracked.ID, 1), nil},
		{"take from none", stock.TakeStock(ctx, tracked.ID, 1), catalog.ErrOutOfStock},
		{"take untracked", stock.TakeStock(ctx, untracked.ID, 50), nil},
		{"take missing", stock.TakeStock(ctx, missing, 1), catalog.ErrProductNotFound},
		{"return missing", stock.ReturnStock(ctx, missing, 1), nil},
		{"return untracked", stock.ReturnStock(ctx, untracked.ID, 5), nil},
		{"negative", stock.TakeStock(ctx, tracked.ID, -1), commerce.ErrInvalid},
	} {
		if !errors.Is(tc.err, tc.want) || (tc.want == nil && tc.err != nil) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.err, tc.want)
		}
		noLeak(t, tc.err)
	}
	if got := read(tracked); got.Stock == nil || *got.Stock != 0 {
		t.Errorf("stock after taking all: %v, want 0", got.Stock)
	}
	if got := read(untracked); got.Stock != nil {
		t.Errorf("untracked stock became %d", *got.Stock)
	}
	must(t, stock.ReturnStock(ctx, tracked.ID, 2))
	got := read(tracked)
	if got.Stock == nil || *got.Stock != 2 {
		t.Errorf("stock after returning 2: %v, want 2", got.Stock)
	}
	// Three changes of tracked stock, three versions; the update time is
	// for edits by staff and stays.
	if got.Version != tracked.Version+3 || !got.UpdatedAt.Equal(tracked.UpdatedAt) {
		t.Errorf("after three stock changes: version %d (want %d), update time %v", got.Version, tracked.Version+3, got.UpdatedAt)
	}
}

// TestStockRace takes the last units from many goroutines at once,
// straight through the repository: the conditional update alone keeps the
// stock from going below zero.
func TestStockRace(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	p := sh.product(t, "한정판", intp(25))
	var won, out atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			switch err := s.Stock().TakeStock(sh.ctx, p.ID, 1); {
			case err == nil:
				won.Add(1)
			case errors.Is(err, catalog.ErrOutOfStock):
				out.Add(1)
			default:
				t.Errorf("TakeStock: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 25 || out.Load() != 75 {
		t.Errorf("100 takers of 25 units: %d took one, %d were out of stock", won.Load(), out.Load())
	}
}

// TestOrderErrors checks what the unique indexes and foreign keys of orders
// and addresses come back as, and that refused writes leave nothing.
func TestOrderErrors(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	ctx, repo := sh.ctx, s.Orders()
	p := sh.product(t, "사과잼", nil)
	first := sh.order(p, "k1", "20261125-00000001")
	must(t, repo.CreateOrder(ctx, first))

	sameKey := sh.order(p, "k1", "20261125-00000002")
	sameNumber := sh.order(p, "k2", first.Number)
	sameID := sh.order(p, "k3", "20261125-00000003")
	sameID.ID = first.ID
	stranger := sh.order(p, "k4", "20261125-00000004")
	stranger.UserID = commerce.NewID()
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"same key", repo.CreateOrder(ctx, sameKey), order.ErrDuplicateKey},
		{"same number", repo.CreateOrder(ctx, sameNumber), order.ErrDuplicateNumber},
		{"same id", repo.CreateOrder(ctx, sameID), commerce.ErrConflict},
		{"missing user", repo.CreateOrder(ctx, stranger), commerce.ErrNotFound},
		{"get missing", second(repo.GetOrder(ctx, commerce.NewID())), order.ErrOrderNotFound},
		{"get missing key", second(repo.GetOrderByKey(ctx, sh.user.ID, "k2")), order.ErrOrderNotFound},
		{"key of another user", second(repo.GetOrderByKey(ctx, commerce.NewID(), "k1")), order.ErrOrderNotFound},
		{"key differing in case", second(repo.GetOrderByKey(ctx, sh.user.ID, "K1")), order.ErrOrderNotFound},
		{"status of missing", repo.SetStatus(ctx, commerce.NewID(), order.PendingPayment, order.Paid, sh.rec.now), order.ErrOrderNotFound},
		{"status moved first", repo.SetStatus(ctx, first.ID, order.Paid, order.Shipped, sh.rec.now), order.ErrStatusConflict},
		{"address of missing user", repo.CreateAddress(ctx, order.Address{ID: commerce.NewID(), UserID: commerce.NewID(), CreatedAt: sh.rec.now}), commerce.ErrNotFound},
		{"get missing address", second(repo.GetAddress(ctx, commerce.NewID())), order.ErrAddressNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("got %v, want %v", tc.err, tc.want)
			}
			noLeak(t, tc.err)
		})
	}
	all, err := repo.ListOrders(ctx, order.Query{Limit: 10})
	must(t, err)
	if len(all) != 1 || all[0].ID != first.ID {
		t.Errorf("after refused orders: %d orders stored", len(all))
	}
	got, err := repo.GetOrder(ctx, first.ID)
	must(t, err)
	want := first
	want.Version = 1 // an order stored without a version is a new one
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order read back (-stored +read):\n%s", diff)
	}
	// A status written again matches and is no conflict; it counts as a
	// change of the order.
	must(t, repo.SetStatus(ctx, first.ID, order.PendingPayment, order.PendingPayment, first.UpdatedAt))
	if got, err := repo.GetOrder(ctx, first.ID); err != nil || got.Version != 2 {
		t.Errorf("after a status written again: version %d, %v; want 2", got.Version, err)
	}
}

// TestOrderRoundTrip checks what the columns give back: the canonical form
// of each amount, UTC times, the address copy with the book entry it came
// from, and lines in their order.
func TestOrderRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	ctx, repo := sh.ctx, s.Orders()
	seoul := time.FixedZone("KST", 9*60*60)
	placed := time.Date(2026, 11, 25, 18, 30, 0, 123456000, seoul)
	book := order.Address{
		ID: sh.rec.ids(), UserID: sh.user.ID, Recipient: "김민준", Phone: "+82 2 123 4567", Line1: "서울특별시 중구 세종대로 110",
		Line2: "3층", City: "서울", Zipcode: "04524", Note: "문 앞에 놓아 주세요 🚪", CreatedAt: placed.Add(-time.Hour),
	}
	must(t, repo.CreateAddress(ctx, book))
	usd := func(s string) commerce.Money { return commerce.MustMoney(s, "USD") }
	o := order.Order{
		ID: sh.rec.ids(), Number: "20261125-12345678", UserID: sh.user.ID, Status: order.Paid,
		Lines: []order.Line{
			{ProductID: commerce.NewID(), Name: "Mug", UnitPrice: usd("12.5"), Quantity: 3, LineTotal: usd("37.5")},
			{ProductID: commerce.NewID(), Name: "Bag", UnitPrice: usd("0.05"), Quantity: 1, LineTotal: usd("0.05")},
		},
		Subtotal: usd("37.55"), Total: usd("37.55"), Address: book, PaymentMethod: order.Card, PaymentRef: "fake-1",
		IdempotencyKey: "키 1", RequestHash: "abc", PlacedAt: placed, UpdatedAt: placed,
	}
	must(t, repo.CreateOrder(ctx, o))
	// The book entry may go; the order keeps its copy.
	must(t, repo.DeleteAddress(ctx, sh.user.ID, book.ID))
	got, err := repo.GetOrderByKey(ctx, sh.user.ID, "키 1")
	must(t, err)
	want := o
	want.PlacedAt, want.UpdatedAt, want.Address.CreatedAt = placed.UTC(), placed.UTC(), book.CreatedAt.UTC()
	want.Version = 1 // an order stored without a version is a new one
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order read back (-stored +read):\n%s", diff)
	}
	for _, m := range []commerce.Money{got.Lines[0].UnitPrice, got.Lines[1].LineTotal, got.Subtotal, got.Total} {
		if m.Amount.Exponent() != -2 {
			t.Errorf("amount %s read back with exponent %d, want the canonical -2 of USD", m, m.Amount.Exponent())
		}
	}
	// A typed-in address has no book entry.
	typed := o
	typed.ID, typed.Number, typed.IdempotencyKey = sh.rec.ids(), "20261125-00000000", "키 2"
	typed.Address.ID, typed.Address.CreatedAt = uuid.Nil, time.Time{}
	must(t, repo.CreateOrder(ctx, typed))
	got, err = repo.GetOrder(ctx, typed.ID)
	must(t, err)
	if got.Address.ID != uuid.Nil || !got.Address.CreatedAt.IsZero() || got.Address.Recipient != "김민준" {
		t.Errorf("typed-in address read back as %+v", got.Address)
	}
}

// TestCartRepository checks the cart repository on its own: a missing
// product changes nothing, quantities of 0 and below remove lines, new
// lines keep the time they were added, and a cart merged into itself stays.
func TestCartRepository(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	ctx, repo := sh.ctx, s.Carts()
	jam, tea, cup := sh.product(t, "사과잼", nil), sh.product(t, "보리차", nil), sh.product(t, "머그컵", nil)
	key := cart.UserKey(sh.user.ID)
	t0 := sh.rec.now
	set := func(at time.Time, q map[uuid.UUID]int) error {
		return repo.Update(ctx, key, at, func(m map[uuid.UUID]int) error {
			for id, n := range q {
				m[id] = n
			}
			return nil
		})
	}
	lines := func() []string {
		t.Helper()
		ls, err := repo.Lines(ctx, key)
		must(t, err)
		out := []string{}
		for _, l := range ls {
			out = append(out, fmt.Sprintf("%s×%d@%s", l.Product.Name, l.Quantity, l.AddedAt.Sub(t0)))
		}
		return out
	}
	must(t, set(t0, map[uuid.UUID]int{jam.ID: 2}))
	must(t, set(t0.Add(time.Second), map[uuid.UUID]int{tea.ID: 1, jam.ID: 3}))
	err := set(t0.Add(2*time.Second), map[uuid.UUID]int{cup.ID: 1, commerce.NewID(): 1, jam.ID: 0})
	if !errors.Is(err, cart.ErrProductNotFound) {
		t.Errorf("a line of a missing product: %v, want cart.ErrProductNotFound", err)
	}
	if diff := cmp.Diff([]string{"사과잼×3@0s", "보리차×1@1s"}, lines()); diff != "" {
		t.Errorf("after a refused update (-want +got):\n%s", diff)
	}
	must(t, set(t0.Add(3*time.Second), map[uuid.UUID]int{jam.ID: -1, cup.ID: 4}))
	if diff := cmp.Diff([]string{"보리차×1@1s", "머그컵×4@3s"}, lines()); diff != "" {
		t.Errorf("after removing and adding (-want +got):\n%s", diff)
	}
	err = repo.UpdatePair(ctx, key, key, t0, func(a, b map[uuid.UUID]cart.StoredLine) error {
		clear(a)
		return nil
	})
	if !errors.Is(err, cart.ErrSameCart) {
		t.Errorf("a pair of one cart: %v, want cart.ErrSameCart", err)
	}
	if diff := cmp.Diff([]string{"보리차×1@1s", "머그컵×4@3s"}, lines()); diff != "" {
		t.Errorf("after a pair of one cart (-want +got):\n%s", diff)
	}
	if ls, err := repo.Lines(ctx, cart.GuestKey("never-used")); err != nil || ls == nil || len(ls) != 0 {
		t.Errorf("a cart never used: %v, %v; want no lines", ls, err)
	}
	err = repo.Update(ctx, cart.Key(strings.Repeat("x", 101)), t0, func(m map[uuid.UUID]int) error { return nil })
	if !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("a key longer than its column: %v, want ErrInvalid", err)
	}
}

// TestTransactorRetriesDeadlocks makes two transactions take the stock of
// two products in opposite orders at the same moment. InnoDB rolls one back
// to break the deadlock; the transactor runs it again, and both succeed.
func TestTransactorRetriesDeadlocks(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	a, b := sh.product(t, "가", intp(10)), sh.product(t, "나", intp(10))
	var (
		runs    atomic.Int64
		arrived sync.WaitGroup
		first   sync.Once
		ready   = make(chan struct{})
	)
	arrived.Add(2)
	take := func(x, y catalog.Product) error {
		return s.Transactor().InTx(sh.ctx, func(ctx context.Context, tx order.Tx) error {
			runs.Add(1)
			if err := tx.Stock().TakeStock(ctx, x.ID, 1); err != nil {
				return err
			}
			// The first runs of both wait for each other here, so that
			// each holds one row the other wants.
			select {
			case <-ready:
			default:
				arrived.Done()
				first.Do(func() { go func() { arrived.Wait(); close(ready) }() })
				<-ready
			}
			return tx.Stock().TakeStock(ctx, y.ID, 1)
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = take(a, b) })
	wg.Go(func() { errs[1] = take(b, a) })
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("%d runs of the transactions, want 3 (one run again after the deadlock)", n)
	}
	for _, p := range []catalog.Product{a, b} {
		got, err := s.Catalog().GetProduct(sh.ctx, p.ID)
		must(t, err)
		if *got.Stock != 8 {
			t.Errorf("stock of %s: %d, want 8", p.Name, *got.Stock)
		}
	}
}

// TestTransactorErrors checks that fn's own error comes back as it is,
// that a failing fn leaves nothing, and that a cancelled context is
// ErrUnavailable without a driver type.
func TestTransactorErrors(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	p := sh.product(t, "사과잼", intp(5))
	boom := errors.New("boom")
	err := s.Transactor().InTx(sh.ctx, func(ctx context.Context, tx order.Tx) error {
		must(t, tx.Stock().TakeStock(ctx, p.ID, 5))
		must(t, tx.Orders().CreateOrder(ctx, sh.order(p, "k", "1")))
		must(t, tx.Carts().Update(ctx, cart.UserKey(sh.user.ID), sh.rec.now, func(q map[uuid.UUID]int) error {
			q[p.ID] = 1
			return nil
		}))
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want fn's error", err)
	}
	if got, _ := s.Catalog().GetProduct(sh.ctx, p.ID); *got.Stock != 5 {
		t.Errorf("stock %d after a rolled-back transaction, want 5", *got.Stock)
	}
	if all, _ := s.Orders().ListOrders(sh.ctx, order.Query{Limit: 1}); len(all) != 0 {
		t.Errorf("a rolled-back transaction left an order")
	}
	if ls, _ := s.Carts().Lines(sh.ctx, cart.UserKey(sh.user.ID)); len(ls) != 0 {
		t.Errorf("a rolled-back transaction left a cart line")
	}
	cancelled, cancel := context.WithCancel(sh.ctx)
	cancel()
	err = s.Transactor().InTx(cancelled, func(context.Context, order.Tx) error { return nil })
	if !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context: %v, want ErrUnavailable and context.Canceled", err)
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		t.Errorf("%v leaks *mysql.MySQLError", err)
	}
}

// TestCheckoutPool runs 200 checkouts at once over the pool Open sets up
// (32 connections), half of them buying the last units of one product and
// half checking out carts: no transaction waits for a second connection
// while it holds one, so the pool never starves, and the stock ends exact.
func TestCheckoutPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := bunstore.Open(testdb.MySQLDSN(t))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	s, err := bunstore.New(ctx, db, nil)
	must(t, err)
	if got := db.Stats().MaxOpenConnections; got != bunstore.DefaultMaxOpenConns {
		t.Fatalf("pool of %d connections, want %d", got, bunstore.DefaultMaxOpenConns)
	}
	sh := newShop(t, s)
	const buyers, units = 200, 30
	scarce := sh.product(t, "한정판", intp(units))
	plenty := sh.product(t, "넉넉한", intp(1000))
	untracked := sh.product(t, "무한", nil)
	carts := cart.NewService(s.Carts(), s.Catalog(), nil)
	orders := order.NewService(s.Orders(), s.Transactor(), nil)
	actors := make([]commerce.Actor, buyers)
	for i := range actors {
		u := sh.rec.user(fmt.Sprintf("buyer%03d", i))
		must(t, s.Accounts().CreateUser(ctx, u, nil))
		actors[i] = commerce.UserActor(u.ID)
		if i%2 == 1 {
			_, err := carts.Add(ctx, actors[i], plenty.ID, 2)
			must(t, err)
			_, err = carts.Add(ctx, actors[i], untracked.ID, 1)
			must(t, err)
		}
	}
	address := &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울", Zipcode: "04524"}
	var (
		wg       sync.WaitGroup
		won, oos atomic.Int64
	)
	for i, a := range actors {
		wg.Go(func() {
			in := order.CheckoutInput{
				FromCart: i%2 == 1, ProductID: scarce.ID, Quantity: 1,
				Address: address, PaymentMethod: order.BankTransfer, IdempotencyKey: "k",
			}
			if in.FromCart {
				in.ProductID, in.Quantity = uuid.Nil, 0
			}
			_, err := orders.Checkout(ctx, a, in)
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, catalog.ErrOutOfStock) && !in.FromCart:
				oos.Add(1)
			default:
				t.Errorf("checkout %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if won.Load() != buyers/2+units || oos.Load() != buyers/2-units {
		t.Errorf("%d orders and %d out of stock; want %d and %d", won.Load(), oos.Load(), buyers/2+units, buyers/2-units)
	}
	for _, c := range []struct {
		p    catalog.Product
		want int
	}{{scarce, 0}, {plenty, 1000 - buyers}} {
		got, err := s.Catalog().GetProduct(ctx, c.p.ID)
		must(t, err)
		if *got.Stock != c.want {
			t.Errorf("stock of %s: %d, want %d", c.p.Name, *got.Stock, c.want)
		}
	}
}

// shopQueryCounts is the shop part of TestQueryCounts: a cart of many
// lines, a page of many orders with many lines and a board page each cost
// a fixed number of queries. It makes its records in s before counting
// starts; the returned function counts on the store it is given.
func shopQueryCounts(ctx context.Context, t *testing.T, s *bunstore.Store) func(*bunstore.Store, func(string, int64, func() (int, error))) {
	sh := newShop(t, s)
	staffUser := sh.rec.user("staff")
	staffUser.Staff = true
	must(t, s.Accounts().CreateUser(ctx, staffUser, nil))
	me := commerce.UserActor(sh.user.ID)
	carts := cart.NewService(s.Carts(), s.Catalog(), nil)
	const products = 12
	for i := range products {
		p := sh.product(t, fmt.Sprintf("담을 상품 %02d", i), intp(1000))
		_, err := carts.Add(ctx, me, p.ID, i+1)
		must(t, err)
	}
	orders := order.NewService(s.Orders(), s.Transactor(), nil)
	address := &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울", Zipcode: "04524"}
	const placed = 15
	var last order.Order
	for i := range placed {
		// Orders of 1, 2 or 3 lines.
		for j := range i%3 + 1 {
			p := sh.product(t, fmt.Sprintf("주문 상품 %02d-%d", i, j), intp(10))
			_, err := carts.Add(ctx, commerce.Actor{UserID: staffUser.ID}, p.ID, 1)
			must(t, err)
		}
		o, err := orders.Checkout(ctx, commerce.Actor{UserID: staffUser.ID}, order.CheckoutInput{
			FromCart: true, Address: address, PaymentMethod: order.BankTransfer, IdempotencyKey: fmt.Sprint("k", i),
		})
		must(t, err)
		last = o
	}
	posts := board.NewService(s.Board(), nil)
	staff := commerce.StaffActor(staffUser.ID)
	for i := range 25 {
		_, err := posts.Create(ctx, staff, board.PostInput{Title: fmt.Sprint("공지 ", i), Category: board.Normal, Body: "본문", Pinned: i%10 == 0})
		must(t, err)
	}
	buyNow := sh.product(t, "바로 구매", intp(1000))

	return func(s *bunstore.Store, count func(name string, want int64, read func() (int, error))) {
		carts := cart.NewService(s.Carts(), s.Catalog(), nil)
		orders := order.NewService(s.Orders(), s.Transactor(), nil)
		posts := board.NewService(s.Board(), nil)
		count("cart (lines with products and brands)", 1, func() (int, error) {
			c, err := carts.Cart(ctx, me)
			if len(c.Lines) != products || c.Lines[0].Product.Brand == nil || c.Lines[0].Product.Brand.Name == "" {
				t.Errorf("cart: %d lines, first brand %v", len(c.Lines), c.Lines[0].Product.Brand)
			}
			return len(c.Lines), err
		})
		for _, limit := range []int{1, 5, 100} {
			count(fmt.Sprintf("orders page of %d (with lines)", limit), 2, func() (int, error) {
				page, err := orders.AllOrders(ctx, staff, order.Filter{Limit: limit})
				lines := 0
				for _, o := range page.Items {
					lines += len(o.Lines)
				}
				if want := min(limit, placed); len(page.Items) != want || (limit == 100 && lines != 30) {
					t.Errorf("page of %d: %d orders, %d lines", limit, len(page.Items), lines)
				}
				return len(page.Items), err
			})
		}
		count("order (with lines)", 2, func() (int, error) {
			o, err := orders.Order(ctx, staff, last.ID)
			if len(o.Lines) != len(last.Lines) {
				t.Errorf("order with %d lines, want %d", len(o.Lines), len(last.Lines))
			}
			return len(o.Lines), err
		})
		count("board page (pinned, page, total)", 3, func() (int, error) {
			l, err := posts.List(ctx, 2, "")
			if len(l.Pinned) != 3 || len(l.Items) != 10 || l.Total != 22 {
				t.Errorf("board page 2: %d pinned, %d items, total %d", len(l.Pinned), len(l.Items), l.Total)
			}
			return len(l.Items), err
		})
		// A buy-now checkout of a tracked product: the idempotency check,
		// BEGIN, the product, the stock, the product again (the stock the
		// take left, for product.out_of_stock), the order, its lines, its
		// events, COMMIT.
		count("buy-now checkout", 9, func() (int, error) {
			o, err := orders.Checkout(ctx, me, order.CheckoutInput{
				ProductID: buyNow.ID, Quantity: 2, Address: address, PaymentMethod: order.BankTransfer, IdempotencyKey: "counted",
			})
			return len(o.Lines), err
		})
	}
}

// TestCartsDoNotBlockNeighbours holds a transaction that changed a line of
// one cart and, meanwhile, adds a line to the next cart in key order whose
// place in the index is right after the first cart's lines. A change that
// locked the gap after its cart's lines would make the add wait until the
// transaction ended.
func TestCartsDoNotBlockNeighbours(t *testing.T) {
	t.Parallel()
	s, _ := newStore(context.Background(), t)
	sh := newShop(t, s)
	ctx, repo := sh.ctx, s.Carts()
	// Ids increase: lines of cart a, then (b, p2) between (a, p1) and (b, p3).
	p1, p2, p3 := sh.product(t, "하나", nil), sh.product(t, "둘", nil), sh.product(t, "셋", nil)
	a, b := cart.GuestKey("a"), cart.GuestKey("b")
	add := func(ctx context.Context, repo cart.Repository, key cart.Key, p catalog.Product) error {
		return repo.Update(ctx, key, sh.rec.now, func(q map[uuid.UUID]int) error {
			q[p.ID]++
			return nil
		})
	}
	must(t, add(ctx, repo, a, p1))
	must(t, add(ctx, repo, b, p3))

	changed, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Transactor().InTx(ctx, func(ctx context.Context, tx order.Tx) error {
			if err := add(ctx, tx.Carts(), a, p1); err != nil { // an UPDATE of (a, p1)
				return err
			}
			close(changed)
			<-release
			return nil
		})
	}()
	select {
	case <-changed:
	case err := <-done:
		t.Fatalf("the transaction ended before holding its change: %v", err)
	}
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := add(quick, repo, b, p2)
	cancel()
	close(release)
	if err != nil {
		t.Errorf("adding to a neighbouring cart while a change of another is open: %v", err)
	}
	must(t, <-done)
	for key, want := range map[cart.Key]int{a: 2, b: 2} {
		ls, err := repo.Lines(ctx, key)
		must(t, err)
		n := 0
		for _, l := range ls {
			n += l.Quantity
		}
		if n != want {
			t.Errorf("cart %s holds %d units, want %d", key, n, want)
		}
	}
}
