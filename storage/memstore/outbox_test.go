package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

// post stores a post of a new author with evs.
func post(t *testing.T, s *memstore.Store, evs ...commerce.Event) {
	t.Helper()
	ctx := context.Background()
	now := commerce.Now()
	u := account.User{ID: commerce.NewID(), Username: "w" + commerce.NewID().String()[24:], Nickname: "글쓴이" + commerce.NewID().String()[24:],
		Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.Accounts().CreateUser(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	err := s.Board().CreatePost(commerce.WithEvents(ctx, evs...), board.Post{ID: commerce.NewID(), Author: board.Author{ID: u.ID},
		Title: "공지", Category: board.Normal, Body: "본문", CreatedAt: now, UpdatedAt: now, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
}

func newEvent() commerce.Event {
	return commerce.NewEvent("memstore.checked", commerce.NewID(), 1, time.Now(), map[string]string{})
}

// TestOutboxLeaseOption checks that Options.OutboxLease sets how long a
// claim holds its events on the store's clock.
func TestOutboxLeaseOption(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s := memstore.New(&memstore.Options{Now: clock.Now, OutboxLease: 5 * time.Second})
	ev := newEvent()
	post(t, s, ev)
	box := s.Outbox()
	first, err := box.Claim(ctx, 10)
	if err != nil || len(first.Events()) != 1 {
		t.Fatalf("the first claim: %v, %v", first, err)
	}
	clock.Advance(4 * time.Second)
	if c, _ := box.Claim(ctx, 10); len(c.Events()) != 0 {
		t.Errorf("a claim 4 s into a 5 s lease got %d events", len(c.Events()))
	}
	clock.Advance(time.Second)
	second, err := box.Claim(ctx, 10)
	if err != nil || len(second.Events()) != 1 {
		t.Fatalf("a claim as the lease ends: %d events, %v; want 1", len(second.Events()), err)
	}
	if err := first.Sent(ctx, []uuid.UUID{ev.ID}); !errors.Is(err, commerce.ErrConflict) {
		t.Errorf("Sent after the lease: got %v, want commerce.ErrConflict", err)
	}
	if err := second.Sent(ctx, []uuid.UUID{ev.ID}); err != nil {
		t.Fatal(err)
	}
}

// TestOutboxDefaultLease checks the lease of a store made without one.
func TestOutboxDefaultLease(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s := memstore.New(&memstore.Options{Now: clock.Now})
	post(t, s, newEvent())
	if _, err := s.Outbox().Claim(ctx, 10); err != nil {
		t.Fatal(err)
	}
	clock.Advance(memstore.DefaultOutboxLease - time.Nanosecond)
	if c, _ := s.Outbox().Claim(ctx, 10); len(c.Events()) != 0 {
		t.Errorf("a claim within the default lease got %d events", len(c.Events()))
	}
	clock.Advance(time.Nanosecond)
	if c, _ := s.Outbox().Claim(ctx, 10); len(c.Events()) != 1 {
		t.Errorf("a claim after the default lease got %d events, want 1", len(c.Events()))
	}
}

// TestOutboxPruneBySentTime marks events sent at two times of the store's
// clock and prunes between them.
func TestOutboxPruneBySentTime(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	clock := storagetest.NewClock(start)
	s := memstore.New(&memstore.Options{Now: clock.Now})
	box := s.Outbox()
	evs := []commerce.Event{newEvent(), newEvent(), newEvent()}
	post(t, s, evs...)
	send := func(n int) {
		t.Helper()
		c, err := box.Claim(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, e := range c.Events() {
			ids = append(ids, e.ID)
		}
		if err := c.Sent(ctx, ids); err != nil {
			t.Fatal(err)
		}
	}
	send(1)
	clock.Advance(time.Hour)
	send(1)
	if n, err := box.Prune(ctx, start, 100); err != nil || n != 0 {
		t.Errorf("Prune at the first Sent's time: %d, %v; want 0 (before, not at)", n, err)
	}
	if n, err := box.Prune(ctx, start.Add(time.Minute), 100); err != nil || n != 1 {
		t.Errorf("Prune between the two: %d, %v; want 1", n, err)
	}
	c, _ := box.Claim(ctx, 10)
	if got := c.Events(); len(got) != 1 || got[0].ID != evs[2].ID {
		t.Errorf("after pruning, the unsent events are %v; want the third", got)
	}
	c.Release()
	if n, err := box.Prune(ctx, start.Add(2*time.Hour), 100); err != nil || n != 1 {
		t.Errorf("Prune after the second: %d, %v; want 1", n, err)
	}
}
