package bunstore_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/mariadbtest"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// replicated is a store over a primary and its replica, with a little
// catalog and board on it, replicated.
type replicated struct {
	*shop
	pair     *mariadbtest.Pair
	catalog  *catalog.Service
	board    *board.Service
	products []catalog.Product
	post     board.Post
}

// newReplicated starts a pair, opens a Store with the replica and lag
// limit maxLag, stores a catalog and a post on the primary, and waits
// until the replica has them.
func newReplicated(t *testing.T, maxLag time.Duration) *replicated {
	t.Helper()
	pair := mariadbtest.StartPair(t)
	primary := openDB(t, pair.PrimaryDSN())
	replicas, err := bunstore.OpenReplicas(pair.ReplicaDSN())
	if err != nil {
		t.Fatal(err)
	}
	replicas[0].SetMaxOpenConns(4)
	t.Cleanup(func() { replicas[0].Close() })
	s, err := bunstore.New(context.Background(), primary, &bunstore.Options{Replicas: replicas, MaxReplicaLag: maxLag})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	r := &replicated{shop: newShop(t, s), pair: pair,
		catalog: catalog.NewService(s.Catalog(), nil), board: board.NewService(s.Board(), nil)}
	for _, name := range []string{"유기농 사과잼", "사과 주스", "대나무 칫솔"} {
		r.products = append(r.products, r.product(t, name, intp(10)))
	}
	r.post = board.Post{ID: r.rec.ids(), Author: board.Author{ID: r.user.ID}, Title: "공지", Category: board.Normal,
		Body: "본문", CreatedAt: r.rec.now, UpdatedAt: r.rec.now, Version: 1}
	must(t, s.Board().CreatePost(r.ctx, r.post))
	pair.WaitCaughtUp()
	waitHealthy(t, s, true)
	return r
}

// waitHealthy waits until the store's replica is healthy (or not), and
// fails the test after a bound of a few monitor checks.
func waitHealthy(t *testing.T, s *bunstore.Store, want bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		st := s.ReplicaStats().Replicas[0]
		if st.Healthy == want {
			return time.Since(start)
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the replica is not healthy=%v after %v: lag %v, %v", want, time.Since(start), st.Lag, st.Err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reads makes every read that may go to a replica, through the services:
// the catalog's lists and lookups, a search, Suggest, and the board. It
// returns how many repository reads it made.
func (r *replicated) reads(t *testing.T, ctx context.Context) int {
	t.Helper()
	p := r.products[0]
	calls := []func() error{
		func() error { _, err := r.catalog.Products(ctx, catalog.ProductFilter{Limit: 10}); return err },
		func() error { _, err := r.catalog.Product(ctx, p.ID); return err },
		func() error {
			_, err := r.catalog.Products(ctx, catalog.ProductFilter{Query: "사과", Limit: 10})
			return err
		},
		func() error { _, err := r.catalog.Brands(ctx, catalog.BrandFilter{Limit: 10}); return err },
		func() error { _, err := r.catalog.Problems(ctx); return err },
		func() error { _, err := r.catalog.Suggest(ctx, "사과"); return err },               // two reads
		func() error { _, err := r.catalog.Brand(ctx, r.brand.ID); return err },           // two reads
		func() error { _, err := r.catalog.Problem(ctx, r.brand.Problem.ID); return err }, // two reads
		func() error { _, err := r.board.List(ctx, 1, ""); return err },                   // two reads
		func() error { _, err := r.board.Post(ctx, r.post.ID); return err },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	return len(calls) + 4
}

func replicaReads(s *bunstore.Store) uint64 { return s.ReplicaStats().Replicas[0].Reads }

// TestReplicaRouting checks where each kind of work goes: the catalog's,
// the search's and the board's reads to the replica when the context
// allows stale reads, and to the primary when it does not; writes,
// transactions and the reads of carts, orders and accounts never to the
// replica. The replica's own per-user counters say what reached it.
func TestReplicaRouting(t *testing.T) {
	t.Parallel()
	r := newReplicated(t, 0)
	stale := commerce.AllowStaleReads(r.ctx)

	before, served := r.pair.ReaderStats(), replicaReads(r.s)
	n := r.reads(t, stale)
	after := r.pair.ReaderStats()
	if got := replicaReads(r.s) - served; got != uint64(n) {
		t.Errorf("the store counts %d reads served by the replica, want %d", got, n)
	}
	// A search is several queries; each read at least one.
	if got := after.Selects - before.Selects; got < int64(n) {
		t.Errorf("the replica ran %d SELECTs for %d reads that allow stale data", got, n)
	}
	t.Logf("%d reads, %d SELECTs on the replica", n, after.Selects-before.Selects)

	t.Run("without the opt-in", func(t *testing.T) {
		before, served := r.pair.ReaderStats(), replicaReads(r.s)
		r.reads(t, r.ctx)
		r.reads(t, commerce.WithoutStaleReads(stale))
		// A write's context (one that carries events) is never stale.
		r.reads(t, commerce.WithEvents(stale, commerce.NewEvent("test.happened", uuid.New(), 1, r.rec.now, struct{}{})))
		if got := r.pair.ReaderStats().Selects - before.Selects; got != 0 {
			t.Errorf("reads without the opt-in ran %d SELECTs on the replica", got)
		}
		if got := replicaReads(r.s) - served; got != 0 {
			t.Errorf("the store counts %d reads served by the replica without the opt-in", got)
		}
	})

	t.Run("writes, transactions and private reads", func(t *testing.T) {
		before, served := r.pair.ReaderStats(), replicaReads(r.s)
		// The repositories' writes, with a context that allows stale
		// reads.
		p := r.products[0]
		p.Name, p.Version = "유기농 사과잼 500g", 2
		must(t, r.s.Catalog().UpdateProduct(stale, p, 1))
		must(t, r.s.Catalog().CreateProduct(stale, r.rec.product("새 상품", &r.brand)))
		post := r.post
		post.Pinned, post.Version = true, 2
		must(t, r.s.Board().UpdatePost(stale, post, 1))
		// The services' edits read the record, then write it: each
		// write method undoes the opt-in (commerce.WithoutStaleReads)
		// itself, so that even under a context that allows stale
		// reads its reads are the primary's, and the edit returns what
		// it stored.
		write := stale
		editor := commerce.StaffActor(r.user.ID)
		edited, err := r.catalog.UpdateProduct(write, editor, r.products[1].ID, catalog.ProductPatch{Name: commerce.Some("사과 주스 1L")})
		must(t, err)
		if edited.Name != "사과 주스 1L" {
			t.Errorf("the edit returned the product named %q", edited.Name)
		}
		posted, err := r.board.Create(write, editor, board.PostInput{Title: "새 글", Category: board.Normal, Body: "내용"})
		must(t, err)
		if updated, err := r.board.Update(write, editor, posted.ID, board.PostPatch{Pinned: commerce.Some(true)}); err != nil || !updated.Pinned {
			t.Errorf("the pin returned %+v, %v", updated, err)
		}
		// A cart, a checkout in a transaction, and the reads of the
		// customer's own records.
		key := cart.UserKey(r.user.ID)
		must(t, r.s.Carts().Update(stale, key, r.rec.now, func(q map[uuid.UUID]int) error {
			q[r.products[2].ID] = 2
			return nil
		}))
		if _, err := r.s.Carts().Lines(stale, key); err != nil {
			t.Fatal(err)
		}
		o := r.order(r.products[2], "routing", "20260301-00000001")
		must(t, r.s.Transactor().InTx(stale, func(ctx context.Context, tx order.Tx) error {
			if _, err := tx.Products().GetProduct(ctx, r.products[2].ID); err != nil {
				return err
			}
			if err := tx.Stock().TakeStock(ctx, r.products[2].ID, 1); err != nil {
				return err
			}
			return tx.Orders().CreateOrder(ctx, o)
		}))
		if _, err := r.s.Orders().GetOrder(stale, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.Accounts().GetUser(stale, r.user.ID); err != nil {
			t.Fatal(err)
		}
		got := r.pair.ReaderStats()
		if d := got.Selects - before.Selects; d != 0 {
			t.Errorf("writes, transactions and private reads ran %d SELECTs on the replica", d)
		}
		if d := got.Updates - before.Updates; d != 0 {
			t.Errorf("%d changes reached the replica", d)
		}
		if d := replicaReads(r.s) - served; d != 0 {
			t.Errorf("the store counts %d reads served by the replica during writes", d)
		}
	})
}

// TestReplicaStaleButOwnWritesFresh runs on a replica that applies every
// change 30 seconds late, which a lag limit of an hour still accepts: the
// catalog read from it is stale, while the customer's new order, cart and
// profile, read at once after their writes, are fresh, and a product the
// replica does not have yet is found on the primary.
func TestReplicaStaleButOwnWritesFresh(t *testing.T) {
	t.Parallel()
	r := newReplicated(t, time.Hour)
	r.pair.SetDelay(30 * time.Second)
	stale := commerce.AllowStaleReads(r.ctx)

	// A staff edit and a new product, on the primary.
	renamed, err := r.catalog.UpdateProduct(r.ctx, staff, r.products[0].ID, catalog.ProductPatch{Name: commerce.Some("유기농 딸기잼")})
	must(t, err)
	added := r.product(t, "새 칫솔", nil)
	// The customer's writes.
	key := cart.UserKey(r.user.ID)
	must(t, r.s.Carts().Update(r.ctx, key, r.rec.now, func(q map[uuid.UUID]int) error {
		q[r.products[1].ID] = 3
		return nil
	}))
	o := r.order(r.products[1], "fresh", "20260301-00000002")
	must(t, r.s.Orders().CreateOrder(r.ctx, o))
	u := r.user
	u.Nickname, u.Version = "새닉네임", 2
	must(t, r.s.Accounts().UpdateUser(r.ctx, u, 1))
	waitHealthy(t, r.s, true)

	served := replicaReads(r.s)
	got, err := r.catalog.Product(stale, renamed.ID)
	must(t, err)
	if got.Name != r.products[0].Name {
		t.Errorf("the replica 30s behind read the product as %q, want the stale %q", got.Name, r.products[0].Name)
	}
	page, err := r.catalog.Products(stale, catalog.ProductFilter{Limit: 10})
	must(t, err)
	for _, p := range page.Items {
		if p.ID == added.ID {
			t.Error("the replica 30s behind lists the product just added")
		}
	}
	if d := replicaReads(r.s) - served; d != 2 {
		t.Errorf("the replica served %d of the 2 catalog reads", d)
	}
	// Without the opt-in, the same read is fresh.
	if got, err := r.catalog.Product(r.ctx, renamed.ID); err != nil || got.Name != renamed.Name {
		t.Errorf("the primary read the product as %q (%v), want %q", got.Name, err, renamed.Name)
	}
	// A product the replica does not have yet is asked of the primary.
	notFound := r.s.ReplicaStats().NotFound
	if got, err := r.catalog.Product(stale, added.ID); err != nil || got.Name != added.Name {
		t.Errorf("the new product read %q, %v; want it from the primary", got.Name, err)
	}
	if d := r.s.ReplicaStats().NotFound - notFound; d != 1 {
		t.Errorf("NotFound grew by %d, want 1", d)
	}

	// The customer's own records, read with the opt-in, are fresh.
	before := r.pair.ReaderStats()
	if got, err := r.s.Orders().GetOrder(stale, o.ID); err != nil || got.Number != o.Number {
		t.Errorf("the new order read back as %q, %v", got.Number, err)
	}
	lines, err := r.s.Carts().Lines(stale, key)
	must(t, err)
	if len(lines) != 1 || lines[0].Quantity != 3 {
		t.Errorf("the cart read back as %+v, want 3 of %s", lines, r.products[1].Name)
	}
	if got, err := r.s.Accounts().GetUser(stale, u.ID); err != nil || got.Nickname != "새닉네임" {
		t.Errorf("the profile read back with nickname %q, %v", got.Nickname, err)
	}
	if d := r.pair.ReaderStats().Selects - before.Selects; d != 0 {
		t.Errorf("the customer's own reads ran %d SELECTs on the replica", d)
	}
	r.pair.SetDelay(0)
}

// TestReplicaLagSkipped checks that a replica lagging beyond the limit,
// or not applying changes at all, takes no reads within a couple of
// monitor checks, and takes them again once it has caught up.
func TestReplicaLagSkipped(t *testing.T) {
	t.Parallel()
	r := newReplicated(t, time.Second)
	stale := commerce.AllowStaleReads(r.ctx)
	r.reads(t, stale)
	if replicaReads(r.s) == 0 {
		t.Fatal("the healthy replica served no read")
	}

	// Behind by more than a second: every change waits 6 seconds.
	r.pair.SetDelay(6 * time.Second)
	_ = r.product(t, "지연 상품", nil)
	wrote := time.Now()
	waitHealthy(t, r.s, false)
	t.Logf("the replica was skipped %v after a write that it applies 6s late, with a limit of 1s", time.Since(wrote))
	if since := time.Since(wrote); since > 4*time.Second {
		t.Errorf("the replica was skipped only %v after the write", since)
	}
	st := r.s.ReplicaStats()
	if st.Replicas[0].Err == nil || !strings.Contains(st.Replicas[0].Err.Error(), "behind") {
		t.Errorf("the lagging replica's error is %v", st.Replicas[0].Err)
	}
	before, served := r.pair.ReaderStats(), replicaReads(r.s)
	n := r.reads(t, stale)
	if d := r.pair.ReaderStats().Selects - before.Selects; d != 0 {
		t.Errorf("reads ran %d SELECTs on a replica behind the limit", d)
	}
	if replicaReads(r.s) != served {
		t.Error("the store counts reads served by a replica behind the limit")
	}
	if d := r.s.ReplicaStats().NoReplica - st.NoReplica; d != uint64(n) {
		t.Errorf("NoReplica grew by %d, want %d", d, n)
	}
	r.pair.SetDelay(0)
	r.pair.WaitCaughtUp()
	t.Logf("healthy again %v after catching up", waitHealthy(t, r.s, true))

	// Not applying at all: the SQL thread stopped.
	r.pair.StopApplying()
	waitHealthy(t, r.s, false)
	if err := r.s.ReplicaStats().Replicas[0].Err; err == nil || !strings.Contains(err.Error(), "not replicating") {
		t.Errorf("the stopped replica's error is %v", err)
	}
	r.pair.StartApplying()
	waitHealthy(t, r.s, true)
	served = replicaReads(r.s)
	r.reads(t, stale)
	if replicaReads(r.s) == served {
		t.Error("the replica took no reads after it caught up")
	}
}

// TestReplicaKilled kills the replica while goroutines read through the
// store: no read fails, reads move to the primary, and come back to the
// replica once it has been restarted and caught up.
func TestReplicaKilled(t *testing.T) {
	t.Parallel()
	r := newReplicated(t, 0)
	stale := commerce.AllowStaleReads(r.ctx)
	ctx, cancel := context.WithCancel(stale)
	defer cancel()
	var (
		wg     sync.WaitGroup
		done   atomic.Int64
		failed atomic.Int64
		first  atomic.Value
	)
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				var err error
				switch (g + i) % 4 {
				case 0:
					_, err = r.catalog.Product(ctx, r.products[i%len(r.products)].ID)
				case 1:
					_, err = r.catalog.Products(ctx, catalog.ProductFilter{Query: "사과", Limit: 10})
				case 2:
					_, err = r.board.List(ctx, 1, "")
				case 3:
					_, err = r.catalog.Brand(ctx, r.brand.ID)
				}
				if err != nil && ctx.Err() == nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err)
				}
				done.Add(1)
			}
		})
	}
	waitReads := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 10s: %+v", what, r.s.ReplicaStats())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	served := replicaReads(r.s)
	waitReads("reads on the replica", func() bool { return replicaReads(r.s) > served+50 })

	r.pair.Replica.Kill()
	killed := time.Now()
	waitHealthy(t, r.s, false)
	t.Logf("the replica was marked down %v after the kill", time.Since(killed))
	// The reads go on, on the primary.
	onPrimary := done.Load()
	waitReads("reads on the primary", func() bool { return done.Load() > onPrimary+50 })
	st := r.s.ReplicaStats()
	t.Logf("with the replica down: %+v", st)
	if st.NoReplica == 0 {
		t.Error("no read went to the primary while the replica was down")
	}

	r.pair.Replica.Restart()
	restarted := time.Now()
	r.pair.WaitCaughtUp()
	waitHealthy(t, r.s, true)
	t.Logf("healthy again %v after the restart", time.Since(restarted))
	served = replicaReads(r.s)
	waitReads("reads back on the replica", func() bool { return replicaReads(r.s) > served+50 })
	if got := r.pair.ReaderStats().Selects; got == 0 {
		t.Error("the restarted replica ran no SELECT")
	}
	cancel()
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d reads failed; the first: %v", n, done.Load(), first.Load())
	}
	t.Logf("%d reads, none failed; %+v", done.Load(), r.s.ReplicaStats())
}

// TestReplicaOptions checks New's handling of the replicas it is given:
// a bad lag limit or a nil replica is refused, naming the option; a
// replica that does not answer, or a server that is no replica, is no
// error but takes no reads, which go to the primary; and a replica whose
// user may not read the replication status says what to grant.
func TestReplicaOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.MySQLDSN(t)
	primary := openDB(t, dsn)
	// The primary's own database through a second pool: a server that
	// replicates nothing.
	notReplica := openDB(t, dsn)
	for _, c := range []struct {
		opts *bunstore.Options
		want string
	}{
		{&bunstore.Options{Replicas: []*bun.DB{notReplica}, MaxReplicaLag: -time.Second}, "MaxReplicaLag"},
		{&bunstore.Options{Replicas: []*bun.DB{notReplica, nil}}, "Options.Replicas[1]"},
	} {
		_, err := bunstore.New(ctx, primary, c.opts)
		if !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New: %v, want commerce.ErrInvalid naming %s", err, c.want)
		}
	}
	// A replica whose session is not the Store's: its reads would
	// truncate silently.
	sqldb, err := sql.Open("mysql", withParams(t, testdb.MySQLDSN(t), map[string]string{"sql_mode": "''", "parseTime": "true", "loc": "UTC"}))
	must(t, err)
	lax := bun.NewDB(sqldb, mysqldialect.New())
	defer lax.Close()
	if _, err := bunstore.New(ctx, primary, &bunstore.Options{Replicas: []*bun.DB{lax}}); !errors.Is(err, commerce.ErrInvalid) ||
		!strings.Contains(err.Error(), "Options.Replicas[0]") || !strings.Contains(err.Error(), "strict mode") {
		t.Errorf("New with a replica without a strict sql_mode: %v", err)
	}
	// A replica whose DSN names another database would serve another
	// shop's catalog.
	other := openDB(t, testdb.MySQLDSN(t))
	if _, err := bunstore.New(ctx, primary, &bunstore.Options{Replicas: []*bun.DB{other}}); !errors.Is(err, commerce.ErrInvalid) ||
		!strings.Contains(err.Error(), "Options.Replicas[0]") || !strings.Contains(err.Error(), "names the database") {
		t.Errorf("New with a replica of another database: %v", err)
	}
	if _, err := bunstore.OpenReplicas("root@tcp(127.0.0.1:3306)/a", "root@tcp(127.0.0.1:3306)"); !errors.Is(err, commerce.ErrInvalid) ||
		!strings.Contains(err.Error(), "replica 2 of 2") {
		t.Errorf("OpenReplicas with a DSN without a database: %v", err)
	}

	down, err := bunstore.Open("reader@tcp(127.0.0.1:1)/shop")
	must(t, err)
	defer down.Close()
	s, err := bunstore.New(ctx, primary, &bunstore.Options{Replicas: []*bun.DB{down, notReplica}})
	if err != nil {
		t.Fatalf("New with a replica that is down: %v", err)
	}
	defer s.Close()
	st := s.ReplicaStats()
	for i, want := range []string{"does not answer", "not a replica"} {
		if st.Replicas[i].Healthy || st.Replicas[i].Err == nil || !strings.Contains(st.Replicas[i].Err.Error(), want) {
			t.Errorf("replica %d: healthy %v, %v; want an error saying %q", i, st.Replicas[i].Healthy, st.Replicas[i].Err, want)
		}
	}
	if _, err := s.Catalog().ListProblems(commerce.AllowStaleReads(ctx)); err != nil {
		t.Errorf("a read with no healthy replica: %v", err)
	}
	if got := s.ReplicaStats().NoReplica; got != 1 {
		t.Errorf("NoReplica = %d, want 1", got)
	}
	s.Close()
	s.Close()

	t.Run("without REPLICA MONITOR", func(t *testing.T) {
		pair := mariadbtest.StartPair(t)
		pair.Replica.Exec("CREATE USER 'blind'@'127.0.0.1'", "GRANT SELECT ON *.* TO 'blind'@'127.0.0.1'")
		dsn := strings.Replace(pair.ReplicaDSN(), mariadbtest.ReaderUser+"@", "blind@", 1)
		blind := openDB(t, dsn)
		s, err := bunstore.New(ctx, openDB(t, pair.PrimaryDSN()), &bunstore.Options{Replicas: []*bun.DB{blind}})
		must(t, err)
		defer s.Close()
		if err := s.ReplicaStats().Replicas[0].Err; err == nil || !strings.Contains(err.Error(), "REPLICA MONITOR") {
			t.Errorf("a replica whose user may not read its status: %v", err)
		}
	})
}
