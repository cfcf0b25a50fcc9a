package bunstore_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// deadline is the deadline of the checkouts below: short, so that the
// tests are quick, and long enough for a checkout to reach the stall on a
// busy machine.
const deadline = time.Second

// stalled bounds how long a test holds the database before it lets go by
// itself, so that a checkout that does not stop at its deadline fails the
// test instead of hanging it.
const stalled = 10 * time.Second

// deadlineShop is a store whose database a test can stall, a product with
// tracked stock and a card provider that keeps its charges.
type deadlineShop struct {
	*shop
	jam    catalog.Product
	card   *order.FakeCardProvider
	orders *order.Service
}

func newDeadlineShop(t *testing.T, s *bunstore.Store) *deadlineShop {
	sh := newShop(t, s)
	card := &order.FakeCardProvider{Record: true}
	return &deadlineShop{
		shop: sh, jam: sh.product(t, "사과잼", intp(5)), card: card,
		orders: order.NewService(s.Orders(), s.Transactor(), &order.Options{
			Payments: map[order.PaymentMethod]order.PaymentProvider{order.Card: card},
		}),
	}
}

// checkout buys one jam with a deadline while stall holds the database,
// releases it, and fails the test if the checkout returned only after the
// database had let go by itself.
func (d *deadlineShop) checkout(t *testing.T, stall *stall) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, deadline)
	defer cancel()
	_, err := d.orders.Checkout(ctx, commerce.UserActor(d.user.ID), order.CheckoutInput{
		ProductID: d.jam.ID, Quantity: 1, PaymentMethod: order.Card, IdempotencyKey: "late",
		Address: &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울", Zipcode: "04524"},
	})
	if !stall.release() {
		t.Errorf("the checkout returned only after the database let go by itself, %s after it began: it waited past its deadline", stalled)
	}
	return err
}

// left checks, after the database let go, that the checkout left nothing:
// no order, the stock as it was, no charge.
func (d *deadlineShop) left(t *testing.T) {
	t.Helper()
	if o, err := d.s.Orders().GetOrderByKey(d.ctx, d.user.ID, "late"); !errors.Is(err, order.ErrOrderNotFound) {
		t.Errorf("after the stall: order %v, %v; want none", o.Number, err)
	}
	if all, err := d.s.Orders().ListOrders(d.ctx, order.Query{Limit: 10}); err != nil || len(all) != 0 {
		t.Errorf("after the stall: %d orders, %v; want none", len(all), err)
	}
	if p, err := d.s.Catalog().GetProduct(d.ctx, d.jam.ID); err != nil || *p.Stock != 5 {
		t.Errorf("stock after the stall: %v, %v; want 5", p.Stock, err)
	}
	if n, _ := d.card.Charged(); n != 0 {
		t.Errorf("%d charges kept, want none (refunded)", n)
	}
}

func wantDeadline(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("checkout past its deadline: %v, want an error wrapping context.DeadlineExceeded and commerce.ErrUnavailable", err)
	}
}

// stall is a hold on the database that a test releases, or that lets go
// by itself after stalled.
type stall struct {
	once  sync.Once
	timer *time.Timer
	free  func()
	early bool // released by the test, before the timer
}

func newStall(free func()) *stall {
	s := &stall{free: free}
	s.timer = time.AfterFunc(stalled, func() { s.once.Do(free) })
	return s
}

// release lets go of the database and reports whether it was still held.
func (s *stall) release() bool {
	s.once.Do(func() { s.early = true; s.free() })
	s.timer.Stop()
	return s.early
}

// TestCheckoutStopsAtDeadlineOnALockedRow holds the lock of the product's
// row from another connection, so that the checkout's stock update waits:
// the checkout gives up at its deadline with 503's error, and leaves
// nothing once the lock is gone.
func TestCheckoutStopsAtDeadlineOnALockedRow(t *testing.T) {
	t.Parallel()
	s, db := newStore(context.Background(), t)
	d := newDeadlineShop(t, s)
	holder, err := db.DB.BeginTx(d.ctx, nil)
	must(t, err)
	var stock int
	must(t, holder.QueryRowContext(d.ctx, "SELECT stock FROM products WHERE id = ? FOR UPDATE", d.jam.ID[:]).Scan(&stock))
	stall := newStall(func() { holder.Rollback() })
	t.Cleanup(func() { stall.release() })

	wantDeadline(t, d.checkout(t, stall))
	d.left(t)
}

// TestCheckoutStopsAtDeadlineInCommit stalls the database at the
// checkout's COMMIT: a proxy between the store and MariaDB holds the
// COMMIT, as a network that stopped delivering would. The checkout gives
// up at its deadline rather than wait for the COMMIT's answer
// (database/sql's Tx.Commit takes no context and would wait as long as
// the stall lasts), and its transaction is rolled back.
func TestCheckoutStopsAtDeadlineInCommit(t *testing.T) {
	t.Parallel()
	cfg, err := mysql.ParseDSN(testdb.MySQLDSN(t))
	must(t, err)
	p := newCommitProxy(t, cfg.Addr)
	cfg.Addr, cfg.TLSConfig = p.addr(), "false" // the proxy reads the packets
	db := openDB(t, cfg.FormatDSN())
	s, err := bunstore.New(context.Background(), db, nil)
	must(t, err)
	d := newDeadlineShop(t, s)

	stall := newStall(p.hold())
	t.Cleanup(func() { stall.release() })
	wantDeadline(t, d.checkout(t, stall))
	if p.held.Load() == 0 {
		t.Errorf("the proxy held no COMMIT: the checkout ended before it committed")
	}
	d.left(t)

	// With the database answering again, the same checkout goes through.
	ctx, cancel := context.WithTimeout(d.ctx, stalled)
	defer cancel()
	if _, err := d.orders.Checkout(ctx, commerce.UserActor(d.user.ID), order.CheckoutInput{
		ProductID: d.jam.ID, Quantity: 1, PaymentMethod: order.Card, IdempotencyKey: "late",
		Address: &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울", Zipcode: "04524"},
	}); err != nil {
		t.Errorf("checkout after the stall: %v", err)
	}
}

// TestCheckoutKeepsAChargeWhoseCommitWasApplied loses the answer to the
// checkout's COMMIT after the database applied it: the checkout reports
// its deadline, but the order exists, paid, so its charge must not be
// refunded — and a retry with the same key finds the order.
func TestCheckoutKeepsAChargeWhoseCommitWasApplied(t *testing.T) {
	t.Parallel()
	cfg, err := mysql.ParseDSN(testdb.MySQLDSN(t))
	must(t, err)
	p := newCommitProxy(t, cfg.Addr)
	p.apply = true
	cfg.Addr, cfg.TLSConfig = p.addr(), "false"
	db := openDB(t, cfg.FormatDSN())
	s, err := bunstore.New(context.Background(), db, nil)
	must(t, err)
	d := newDeadlineShop(t, s)

	stall := newStall(p.hold())
	t.Cleanup(func() { stall.release() })
	wantDeadline(t, d.checkout(t, stall))
	if p.held.Load() == 0 {
		t.Fatal("the proxy held no COMMIT")
	}
	stored, err := d.s.Orders().GetOrderByKey(d.ctx, d.user.ID, "late")
	if err != nil {
		t.Fatalf("the order whose COMMIT was applied: %v", err)
	}
	if n, _ := d.card.Charged(); n != 1 {
		t.Errorf("%d charges kept, want 1: the order exists, so its payment must stay", n)
	}
	ctx, cancel := context.WithTimeout(d.ctx, stalled)
	defer cancel()
	again, err := d.orders.Checkout(ctx, commerce.UserActor(d.user.ID), order.CheckoutInput{
		ProductID: d.jam.ID, Quantity: 1, PaymentMethod: order.Card, IdempotencyKey: "late",
		Address: &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울", Zipcode: "04524"},
	})
	if err != nil || again.ID != stored.ID {
		t.Errorf("the retry: %v, %v; want the stored order %v", again.ID, err, stored.ID)
	}
}

// commitProxy forwards TCP connections to MySQL and, while it holds,
// keeps every COMMIT a client sends from reaching the server, as a network
// that stopped delivering would: the COMMIT is dropped, and the connection
// to the server closed (so the server rolls back), when the client gives
// up or when the hold ends. A held COMMIT never reaches the server.
type commitProxy struct {
	ln   net.Listener
	held atomic.Int64 // COMMITs held
	// apply makes a hold deliver the COMMIT to the server and drop its
	// answer instead, as a network that lost the answer would: the
	// transaction is committed, and the client never learns it.
	apply bool

	mu       sync.Mutex
	released chan struct{} // nil when not holding
}

func newCommitProxy(t *testing.T, target string) *commitProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &commitProxy{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.serve(client, target) })
		}
	})
	return p
}

func (p *commitProxy) addr() string { return p.ln.Addr().String() }

// hold starts holding COMMITs and returns the function that stops.
func (p *commitProxy) hold() func() {
	released := make(chan struct{})
	p.mu.Lock()
	p.released = released
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.released = nil
		p.mu.Unlock()
		close(released)
	}
}

// holding returns the channel that a hold of chunk waits on, or nil.
func (p *commitProxy) holding(chunk []byte) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	// A COM_QUERY packet (0x03) whose text is COMMIT.
	if p.released != nil && bytes.Contains(chunk, []byte("\x03COMMIT")) {
		return p.released
	}
	return nil
}

func (p *commitProxy) serve(client net.Conn, target string) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	done := make(chan struct{})
	defer close(done)
	var mute atomic.Bool // drop what the server answers
	go func() {
		defer client.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && !mute.Load() {
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 64<<10)
			n, err := client.Read(buf)
			if n > 0 {
				select {
				case chunks <- buf[:n]:
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for chunk := range chunks {
		if released := p.holding(chunk); released != nil {
			p.held.Add(1)
			if p.apply {
				mute.Store(true)
				if _, err := server.Write(chunk); err != nil {
					return
				}
			}
			select {
			case <-released:
			case <-chunks: // the client gave up (closed, or sent more)
			}
			return
		}
		if _, err := server.Write(chunk); err != nil {
			return
		}
	}
}
