package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/outbox"
)

// DefaultOutboxLease is how long a claim of the outbox holds its events
// when Options.OutboxLease is not set.
const DefaultOutboxLease = 30 * time.Second

// eventOutbox is the store's outbox of domain events, under the store's
// lock (mu). Events are appended in the order they are stored, which is
// their seq; each stays in unsent until a claim marks it sent, then in
// sent, in the order they were marked, until Prune deletes it.
type eventOutbox struct {
	unsent []*outboxEntry
	sent   []*outboxEntry
	ids    map[uuid.UUID]bool // the ids of the events held, sent or not
	seq    uint64             // the last seq given
}

// outboxEntry is one stored event.
type outboxEntry struct {
	event  commerce.Event
	seq    uint64
	sentAt time.Time // zero until the event is sent
	claim  *memClaim // the claim that holds the event, if any; see memClaim.live
}

// ---- storing events ----

// eventBatch is what a write stores in the outbox: the events its context
// carries, checked, with the callbacks of commerce.EventsToStore.
type eventBatch struct {
	events            []commerce.Event
	stored, committed func()
}

// eventsToStore returns the events ctx carries that a write has to store,
// once it has checked them; it runs under the store's lock, before the
// write changes anything, so that a batch it refuses leaves the store as
// it was. tx is the transaction the write runs in; nil, for a write
// outside one, which is then a transaction of its own. A store made with
// Options.NoOutbox returns an empty batch: the write ignores the events.
func (s *Store) eventsToStore(ctx context.Context, tx *undoLog) (eventBatch, error) {
	if s.noOutbox {
		return eventBatch{}, nil
	}
	var id any = tx
	if tx == nil {
		id = &undoLog{}
	}
	evs, stored, committed := commerce.EventsToStore(ctx, id)
	if err := s.checkEvents(evs); err != nil {
		return eventBatch{}, err
	}
	return eventBatch{events: evs, stored: stored, committed: committed}, nil
}

// storeEvents appends the batch to the outbox, under the store's lock, in
// the same critical section as the write's change. Inside a transaction
// (tx not nil) a rollback takes the events out again, and they learn that
// they committed when the transaction does; outside one they commit at
// once.
func (s *Store) storeEvents(b eventBatch, tx *undoLog) {
	if len(b.events) == 0 {
		return
	}
	entries := make([]*outboxEntry, len(b.events))
	for i, e := range b.events {
		s.outbox.seq++
		entries[i] = &outboxEntry{event: copyEvent(e), seq: s.outbox.seq}
		s.outbox.ids[e.ID] = true
	}
	s.outbox.unsent = append(s.outbox.unsent, entries...)
	b.stored()
	if tx == nil {
		b.committed()
		return
	}
	tx.record(func() {
		s.outbox.unsent = slices.DeleteFunc(s.outbox.unsent, func(e *outboxEntry) bool {
			return slices.Contains(entries, e)
		})
		for _, e := range entries {
			delete(s.outbox.ids, e.event.ID)
		}
	})
	tx.commits = append(tx.commits, b.committed)
}

// copyEvent returns e in the form the store keeps and returns: its own
// Data, {} when it has none, and its time in UTC to the microsecond, as
// bunstore keeps it.
func copyEvent(e commerce.Event) commerce.Event {
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	} else {
		e.Data = bytes.Clone(e.Data)
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	return e
}

// checkEvents returns an error when an event cannot be stored: one that
// commerce.ValidateEvents refuses (ErrInvalid), or whose id is in the
// outbox already (ErrConflict, as bunstore's unique key has it).
func (s *Store) checkEvents(evs []commerce.Event) error {
	if err := commerce.ValidateEvents(evs); err != nil {
		return err
	}
	for i, e := range evs {
		if s.outbox.ids[e.ID] {
			return fmt.Errorf("memstore: event %d (%q) to store: its id is already in the outbox: %w", i+1, e.Type, commerce.ErrConflict)
		}
	}
	return nil
}

// ---- the outbox ----

// Outbox returns the store's outbox of domain events, as relays (package
// outbox) read it. A claim holds its events until Sent or Release, until
// its context ends, or until its lease (Options.OutboxLease, on the
// store's clock, Options.Now) runs out: a relay that stops without ending
// its claim loses it, and another relay takes its events. With
// Options.NoOutbox the outbox stays empty, and every claim is empty.
func (s *Store) Outbox() outbox.Store { return memOutbox{s} }

type memOutbox struct{ s *Store }

var _ outbox.Store = memOutbox{}

// Claim takes up to limit unsent events in the order they were stored,
// passing over those that a live claim holds and every later event of
// their aggregates. It returns an error wrapping commerce.ErrInvalid for a
// limit below 1.
func (o memOutbox) Claim(ctx context.Context, limit int) (outbox.Claim, error) {
	if limit < 1 {
		return nil, fmt.Errorf("memstore: claiming events: limit is %d, below 1: %w", limit, commerce.ErrInvalid)
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := &memClaim{s: s, ctx: ctx, expires: now.Add(s.lease)}
	blocked := make(map[uuid.UUID]bool)
	for _, e := range s.outbox.unsent {
		if len(c.entries) == limit {
			break
		}
		agg := e.event.AggregateID
		switch {
		case blocked[agg]:
		case e.claim.live(now):
			blocked[agg] = true
		default:
			e.claim = c
			c.entries = append(c.entries, e)
		}
	}
	if len(c.entries) > 0 {
		c.stop = context.AfterFunc(ctx, c.endWithContext)
	}
	return c, nil
}

// Prune deletes at most limit events marked sent before sentBefore, the
// oldest sent first. A limit below 1 is an error wrapping
// commerce.ErrInvalid.
func (o memOutbox) Prune(ctx context.Context, sentBefore time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("memstore: pruning the outbox: limit is %d, below 1: %w", limit, commerce.ErrInvalid)
	}
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	s.outbox.sent = slices.DeleteFunc(s.outbox.sent, func(e *outboxEntry) bool {
		if n == limit || !e.sentAt.Before(sentBefore) {
			return false
		}
		n++
		delete(s.outbox.ids, e.event.ID)
		return true
	})
	return n, nil
}

// memClaim is a claim of the outbox: the entries it holds, while it is
// live. An entry whose claim is no longer live is free for the next.
type memClaim struct {
	s       *Store
	ctx     context.Context
	stop    func() bool // stops endWithContext; nil when the claim holds nothing
	expires time.Time   // the end of the lease
	entries []*outboxEntry
	ended   bool  // by Sent, Release or ctx
	endErr  error // ctx's error, when the claim ended with ctx
}

var _ outbox.Claim = (*memClaim)(nil)

// live reports whether c holds its events at now; a nil claim does not.
func (c *memClaim) live(now time.Time) bool {
	return c != nil && !c.ended && now.Before(c.expires)
}

// Events returns copies of the claimed events, in the order they were
// stored.
func (c *memClaim) Events() []commerce.Event {
	out := make([]commerce.Event, len(c.entries))
	for i, e := range c.entries {
		out[i] = copyEvent(e.event)
	}
	return out
}

// Sent marks the events with ids sent at the store's time (Options.Now)
// and ends the claim, whatever it returns. An id the claim does not hold
// is an error wrapping commerce.ErrInvalid, and nothing is marked. A claim
// that has ended answers an error wrapping commerce.ErrConflict — one
// whose lease ran out among them, as another claim may hold its events
// now — or commerce.ErrUnavailable and the context's error when it ended
// with its context, or ctx has; nothing is marked then either.
func (c *memClaim) Sent(ctx context.Context, ids []uuid.UUID) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	switch {
	case len(c.entries) == 0:
		// A claim of nothing holds nothing to lose.
		c.ended = true
		if len(ids) > 0 {
			return fmt.Errorf("memstore: marking events sent: event %s is not in the claim: %w", ids[0], commerce.ErrInvalid)
		}
		return nil
	case c.ended && c.endErr != nil:
		return fmt.Errorf("memstore: marking events sent: the claim ended with its context: %w: %w", commerce.ErrUnavailable, c.endErr)
	case c.ended:
		return fmt.Errorf("memstore: marking events sent: the claim has ended: %w", commerce.ErrConflict)
	case !c.live(now):
		c.end()
		return fmt.Errorf("memstore: marking events sent: the claim's lease ran out at %s: %w", c.expires.Format(time.RFC3339), commerce.ErrConflict)
	}
	if err := ctxErr(ctx); err != nil {
		c.end()
		return err
	}
	held := make(map[uuid.UUID]*outboxEntry, len(c.entries))
	for _, e := range c.entries {
		held[e.event.ID] = e
	}
	marked := make(map[*outboxEntry]bool, len(ids))
	for _, id := range ids {
		e, ok := held[id]
		if !ok {
			c.end()
			return fmt.Errorf("memstore: marking events sent: event %s is not in the claim: %w", id, commerce.ErrInvalid)
		}
		marked[e] = true
	}
	for _, e := range c.entries {
		if marked[e] {
			e.sentAt = now
			s.outbox.sent = append(s.outbox.sent, e)
		}
	}
	s.outbox.unsent = slices.DeleteFunc(s.outbox.unsent, func(e *outboxEntry) bool { return marked[e] })
	c.end()
	return nil
}

// Release ends the claim and leaves its events unsent. Releasing an ended
// claim does nothing.
func (c *memClaim) Release() error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.end()
	return nil
}

// endWithContext ends the claim when its context ends.
func (c *memClaim) endWithContext() {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if !c.ended {
		c.endErr = c.ctx.Err()
		c.end()
	}
}

// end ends the claim, under the store's lock: its events are free for the
// next claim.
func (c *memClaim) end() {
	if c.ended {
		return
	}
	c.ended = true
	for _, e := range c.entries {
		if e.claim == c {
			e.claim = nil
		}
	}
	if c.stop != nil {
		c.stop()
	}
}
