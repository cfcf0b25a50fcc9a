package bunstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/outbox"
)

// outboxStore is a Store over a new database, with an author for the posts
// that carry events.
type outboxStore struct {
	*Store
	ctx    context.Context
	author uuid.UUID
}

func newOutboxStore(t *testing.T) *outboxStore {
	t.Helper()
	ctx := context.Background()
	db, err := Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	s, err := New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := commerce.Now()
	u := account.User{ID: commerce.NewID(), Username: "writer", Nickname: "글쓴이", Interests: []uuid.UUID{},
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.Accounts().CreateUser(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	return &outboxStore{Store: s, ctx: ctx, author: u.ID}
}

// write stores evs with a new post, under ctx.
func (s *outboxStore) write(ctx context.Context, evs ...commerce.Event) error {
	now := commerce.Now()
	return s.Board().CreatePost(commerce.WithEvents(ctx, evs...), board.Post{
		ID: commerce.NewID(), Author: board.Author{ID: s.author}, Title: "공지", Category: board.Normal, Body: "본문",
		CreatedAt: now, UpdatedAt: now, Version: 1,
	})
}

func newEvents(n int) []commerce.Event {
	evs := make([]commerce.Event, n)
	for i := range evs {
		evs[i] = commerce.NewEvent("bunstore.checked", commerce.NewID(), 1, time.Now(), map[string]int{"n": i})
	}
	return evs
}

func ids(evs []commerce.Event) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// claimed returns how many events a claim of all gets, and releases it.
func claimed(t *testing.T, box outbox.Store) int {
	t.Helper()
	c, err := box.Claim(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	return len(c.Events())
}

// TestClaimEndsWithItsConnection kills the connection of a claim, as the
// server drops the connection of a relay that died: the server rolls the
// claim back, and the next claim takes its events.
func TestClaimEndsWithItsConnection(t *testing.T) {
	t.Parallel()
	s := newOutboxStore(t)
	evs := newEvents(3)
	if err := s.write(s.ctx, evs...); err != nil {
		t.Fatal(err)
	}
	box := s.Outbox()
	c, err := box.Claim(s.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Events()); n != 3 {
		t.Fatalf("the claim holds %d events, want 3", n)
	}
	var id int64
	if err := c.(*sqlClaim).conn.NewRaw("SELECT CONNECTION_ID()").Scan(s.ctx, &id); err != nil {
		t.Fatal(err)
	}
	if n := claimed(t, box); n != 0 {
		t.Fatalf("another claim got %d of the held events", n)
	}
	if _, err := s.db.ExecContext(s.ctx, "KILL CONNECTION ?", id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for claimed(t, box) != 3 {
		if time.Now().After(deadline) {
			t.Fatal("10 s after its connection was killed, the claim's events are still held")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Sent(s.ctx, ids(evs)); !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("Sent of a claim whose connection was killed: got %v, want commerce.ErrUnavailable", err)
	}
	if n := claimed(t, box); n != 3 {
		t.Errorf("after Sent of the dead claim, %d events unsent, want 3", n)
	}
}

// TestWritesDoNotWaitForClaims holds a claim of every unsent event while
// writes store new events: a claim locks the rows it read and no gap, so
// the inserts go through at once.
func TestWritesDoNotWaitForClaims(t *testing.T) {
	t.Parallel()
	s := newOutboxStore(t)
	if err := s.write(s.ctx, newEvents(2)...); err != nil {
		t.Fatal(err)
	}
	// Some sent events too, so that the claim's scan ends at a row.
	c, err := s.Outbox().Claim(s.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sent(s.ctx, ids(c.Events())); err != nil {
		t.Fatal(err)
	}
	held, err := s.Outbox().Claim(s.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	if n := len(held.Events()); n != 1 {
		t.Fatalf("the claim holds %d events, want 1", n)
	}
	for i := range 3 {
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		start := time.Now()
		err := s.write(ctx, newEvents(2)...)
		cancel()
		if err != nil {
			t.Fatalf("write %d while a claim is held: %v (after %v)", i, err, time.Since(start))
		}
	}
	if n := claimed(t, s.Outbox()); n != 6 {
		t.Errorf("a second claim gets %d events, want the 6 new ones", n)
	}
}

// TestClaimSkipsUncommittedEvents holds a transaction that stored an event
// and has not committed: a claim passes over it without waiting, and the
// next claim after the commit gets it.
func TestClaimSkipsUncommittedEvents(t *testing.T) {
	t.Parallel()
	s := newOutboxStore(t)
	evs := newEvents(2)
	if err := s.write(s.ctx, evs[0]); err != nil {
		t.Fatal(err)
	}
	writer, err := s.db.BeginTx(s.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Rollback()
	rows, err := eventRows(evs[1:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.NewInsert().Model(&rows).Exec(s.ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	c, err := s.Outbox().Claim(ctx, 10)
	if err != nil {
		t.Fatalf("a claim while a write is open: %v", err)
	}
	if got := c.Events(); len(got) != 1 || got[0].ID != evs[0].ID {
		t.Errorf("a claim while a write is open got %d events, want the committed one", len(got))
	}
	c.Release()
	if err := writer.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := claimed(t, s.Outbox()); n != 2 {
		t.Errorf("after the commit, a claim gets %d events, want 2", n)
	}
}

// TestPruneBySentTime marks events sent at two times of the database's
// clock and prunes between them.
func TestPruneBySentTime(t *testing.T) {
	t.Parallel()
	s := newOutboxStore(t)
	box := s.Outbox()
	evs := newEvents(3)
	if err := s.write(s.ctx, evs...); err != nil {
		t.Fatal(err)
	}
	send := func(n int) {
		t.Helper()
		c, err := box.Claim(s.ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Sent(s.ctx, ids(c.Events())); err != nil {
			t.Fatal(err)
		}
	}
	send(1)
	var between time.Time
	time.Sleep(2 * time.Millisecond)
	if err := s.db.NewRaw("SELECT UTC_TIMESTAMP(6)").Scan(s.ctx, &between); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	send(1)
	n, err := box.Prune(s.ctx, between, 100)
	if err != nil || n != 1 {
		t.Fatalf("Prune of the events sent before the second: %d, %v; want 1", n, err)
	}
	var (
		left []uuid.UUID
		rows []binID
	)
	if err := s.db.NewRaw("SELECT id FROM outbox_events ORDER BY seq").Scan(s.ctx, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		left = append(left, uuid.UUID(r))
	}
	if len(left) != 2 || left[0] != evs[1].ID || left[1] != evs[2].ID {
		t.Errorf("after pruning, the outbox holds %v; want the second (sent) and third (unsent) events", left)
	}
}
