package bunstore_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// txRuns is the store's bound on the runs of one transaction, as its
// package documentation gives it.
const txRuns = 8

// collideKey carries, in a context, the collider of a test's write.
type collideKey struct{}

// collider makes the account write whose context carries it lose a
// deadlock: right after the write's UPDATE of the users row (a run of the
// transaction), a second transaction on another connection, heavier than
// the write, locks the user's interests and then asks for the users row,
// while the write goes on to replace the interests. Each waits for the
// other; InnoDB rolls back the lighter one, the write.
type collider struct {
	db     *sql.DB
	userID uuid.UUID
	// times is how many runs of the write are made to collide.
	times int
	runs  atomic.Int64
	wg    sync.WaitGroup
	errs  chan error
}

// hook starts the second transaction after a run's UPDATE of users,
// and returns once that transaction holds the interests.
func (c *collider) hook(ctx context.Context, e *bun.QueryEvent) {
	if c != ctx.Value(collideKey{}) || e.Err != nil || !strings.HasPrefix(e.Query, "UPDATE `users`") {
		return
	}
	if run := c.runs.Add(1); run > int64(c.times) {
		return
	}
	locked := make(chan struct{})
	c.wg.Go(func() {
		if err := c.collide(sync.OnceFunc(func() { close(locked) })); err != nil {
			c.errs <- err
		}
	})
	<-locked
}

// collide runs the second transaction, calling locked once it holds the
// interests (or has failed).
func (c *collider) collide(locked func()) error {
	ctx := context.Background()
	defer locked()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Weight: InnoDB picks the transaction that changed fewer rows as
	// the victim.
	if _, err := tx.ExecContext(ctx, "UPDATE ballast SET n = n + 1"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "SELECT problem_id FROM user_interests WHERE user_id = ? FOR UPDATE", c.userID[:]); err != nil {
		return err
	}
	locked()
	_, err = tx.ExecContext(ctx, "UPDATE users SET nickname = nickname WHERE id = ?", c.userID[:])
	return err
}

type collideHook struct{}

func (collideHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (collideHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if c, ok := ctx.Value(collideKey{}).(*collider); ok {
		c.hook(ctx, e)
	}
}

// retryFixture is a store with a user who has an interest, and the table
// that weighs down the transactions that collide with the user's writes.
type retryFixture struct {
	s    *bunstore.Store
	db   *bun.DB
	user account.User
}

func newRetryFixture(t *testing.T, db *bun.DB) *retryFixture {
	t.Helper()
	ctx := context.Background()
	s, err := bunstore.New(ctx, db, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	rec := newRecords()
	problem := rec.problem("환경")
	must(t, s.Catalog().CreateProblem(ctx, problem))
	u := rec.user("retry")
	u.Interests = []uuid.UUID{problem.ID}
	must(t, s.Accounts().CreateUser(ctx, u, nil))
	for _, q := range []string{
		"CREATE TABLE ballast (id INT PRIMARY KEY, n INT NOT NULL)",
		"INSERT INTO ballast (id, n) WITH RECURSIVE seq (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 50) SELECT i, 0 FROM seq",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The fixture's store sees the hook; the tables were made by s.
	hooked, err := bunstore.New(ctx, db.WithQueryHook(collideHook{}), &bunstore.Options{SkipMigrations: true})
	if err != nil {
		t.Fatalf("New with the hook: %v", err)
	}
	return &retryFixture{s: hooked, db: db, user: u}
}

// rename changes the user's nickname, its write colliding times times.
func (f *retryFixture) rename(t *testing.T, nickname string, times int) (runs int64, err error) {
	t.Helper()
	c := &collider{db: f.db.DB, userID: f.user.ID, times: times, errs: make(chan error, txRuns)}
	next := f.user
	next.Nickname, next.Version = nickname, f.user.Version+1
	err = f.s.Accounts().UpdateUser(context.WithValue(context.Background(), collideKey{}, c), next, f.user.Version)
	c.wg.Wait()
	close(c.errs)
	for cerr := range c.errs {
		t.Errorf("the colliding transaction: %v", cerr)
	}
	return c.runs.Load(), err
}

// TestTransactionRetriesDeadlock makes an account write lose a deadlock on
// its first run: the store's retry policy runs it again, and it goes
// through.
func TestTransactionRetriesDeadlock(t *testing.T) {
	t.Parallel()
	f := newRetryFixture(t, openDB(t, testdb.MySQLDSN(t)))
	runs, err := f.rename(t, "새 닉네임", 1)
	if err != nil {
		t.Fatalf("UpdateUser after a deadlock: %v", err)
	}
	if runs != 2 {
		t.Errorf("%d runs of the write, want 2 (one run again after the deadlock)", runs)
	}
	got, err := f.s.Accounts().GetUser(context.Background(), f.user.ID)
	must(t, err)
	if got.Nickname != "새 닉네임" || got.Version != f.user.Version+1 || len(got.Interests) != 1 {
		t.Errorf("after the write: nickname %q, version %d, interests %v", got.Nickname, got.Version, got.Interests)
	}
}

// TestTransactionGivesUpAfterDeadlocks makes every run of an account write
// lose a deadlock: the store runs it as often as its one policy allows,
// and then fails with commerce.ErrUnavailable, changing nothing.
func TestTransactionGivesUpAfterDeadlocks(t *testing.T) {
	t.Parallel()
	f := newRetryFixture(t, openDB(t, testdb.MySQLDSN(t)))
	runs, err := f.rename(t, "못 바꾼 닉네임", txRuns)
	if !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("UpdateUser that always deadlocks: %v, want commerce.ErrUnavailable", err)
	}
	noLeak(t, err)
	if runs != txRuns {
		t.Errorf("%d runs of the write, want %d", runs, txRuns)
	}
	got, err := f.s.Accounts().GetUser(context.Background(), f.user.ID)
	must(t, err)
	if got.Nickname != f.user.Nickname || got.Version != f.user.Version {
		t.Errorf("a write that gave up changed the user: nickname %q, version %d", got.Nickname, got.Version)
	}
}

// TestTransactionRetriesLockWaitTimeout holds the users row of an account
// write past innodb_lock_wait_timeout (1 s here) and lets it go when the
// write times out: the store runs the write again, and it goes through.
func TestTransactionRetriesLockWaitTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, withParams(t, testdb.MySQLDSN(t), map[string]string{"innodb_lock_wait_timeout": "1"}))
	f := newRetryFixture(t, db)
	holder, err := db.DB.BeginTx(ctx, nil)
	must(t, err)
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, "SELECT id FROM users WHERE id = ? FOR UPDATE", f.user.ID[:]); err != nil {
		t.Fatal(err)
	}
	var timeouts atomic.Int64
	waiting, err := bunstore.New(ctx, db.WithQueryHook(releaseOnTimeout{holder: holder, timeouts: &timeouts}), &bunstore.Options{SkipMigrations: true})
	if err != nil {
		t.Fatalf("New with the hook: %v", err)
	}
	next := f.user
	next.Nickname, next.Version = "기다린 닉네임", f.user.Version+1
	if err := waiting.Accounts().UpdateUser(ctx, next, f.user.Version); err != nil {
		t.Fatalf("UpdateUser after a lock wait timeout: %v", err)
	}
	if n := timeouts.Load(); n != 1 {
		t.Errorf("%d lock wait timeouts, want 1", n)
	}
	got, err := f.s.Accounts().GetUser(ctx, f.user.ID)
	must(t, err)
	if got.Nickname != "기다린 닉네임" {
		t.Errorf("nickname %q after the write", got.Nickname)
	}
}

// releaseOnTimeout ends holder's transaction once a query has timed out
// waiting for its lock.
type releaseOnTimeout struct {
	holder   *sql.Tx
	timeouts *atomic.Int64
}

func (h releaseOnTimeout) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h releaseOnTimeout) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Err != nil && strings.Contains(e.Err.Error(), "1205") {
		h.timeouts.Add(1)
		h.holder.Rollback()
	}
}
