package commerce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Event is a domain event: something that happened in the shop, such as
// "order.placed", told to the world outside the shop (brokers, webhooks)
// after the change it reports has committed. The package that owns the
// change defines the event's type and its data (package order defines
// "order.placed" and its OrderPlaced data, say).
//
// An event is stored in the same transaction as its change, in the
// store's outbox (see WithEvents), and delivered from there at least once
// and in order per aggregate: consumers must ignore an ID they have seen.
type Event struct {
	// ID identifies the event: a UUIDv7, new for each event. A consumer
	// that receives an ID again has received a duplicate.
	ID uuid.UUID
	// Type names what happened, as "<aggregate>.<past tense>":
	// "order.placed", "product.out_of_stock".
	Type string
	// AggregateID is the id of the record the event is about: the order,
	// the product, the user, the post.
	AggregateID uuid.UUID
	// Version is the aggregate's version after the change: a consumer
	// that keeps the last version it applied can ignore an older one.
	Version int64
	// Time is when the change happened, UTC, to the microsecond.
	Time time.Time
	// Data is the event's payload, a JSON object whose shape the event's
	// type fixes.
	Data json.RawMessage
}

// eventJSON is an event's JSON form: the body of a broker's message and of
// a webhook's request.
type eventJSON struct {
	ID          uuid.UUID       `json:"id"`
	Type        string          `json:"type"`
	AggregateID uuid.UUID       `json:"aggregate_id"`
	Version     int64           `json:"version"`
	Time        time.Time       `json:"time"`
	Data        json.RawMessage `json:"data"`
}

// MarshalJSON writes the event as {"id", "type", "aggregate_id",
// "version", "time", "data"}.
func (e Event) MarshalJSON() ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return json.Marshal(eventJSON{ID: e.ID, Type: e.Type, AggregateID: e.AggregateID,
		Version: e.Version, Time: e.Time.UTC(), Data: data})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Event{ID: j.ID, Type: j.Type, AggregateID: j.AggregateID, Version: j.Version, Time: j.Time.UTC(), Data: j.Data}
	return nil
}

// NewEvent returns a new event of typ about the aggregate id at version,
// happened at t, its Data the JSON of data. It panics if data cannot be
// written as JSON, which is a bug of the caller's type.
func NewEvent(typ string, id uuid.UUID, version int64, t time.Time, data any) Event {
	b, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("commerce: the data of a %s event: %v", typ, err))
	}
	return Event{ID: NewID(), Type: typ, AggregateID: id, Version: version, Time: t.UTC().Truncate(time.Microsecond), Data: b}
}

// pendingEvents are the events a context carries to a write.
type pendingEvents struct {
	events []Event
	mu     sync.Mutex
	// in is the transaction that holds the events, once a write has
	// stored them in it; committed once that transaction has committed.
	in        any
	committed bool
}

type eventsKey struct{}

// WithEvents returns a copy of ctx that carries evs to a repository write:
// the write stores them in the store's outbox in the same transaction as
// its change, so that the change and its events commit together or not
// at all. The repository methods that store the events they are given say
// so in their documentation (catalog's CreateProduct, say); the others
// ignore them.
//
// The events are stored once: a second write in the same transaction, or
// any write after the transaction that stored them has committed, does
// not store them again. A transaction that rolls back and runs again (a
// deadlock retried) stores them again, as the first run left nothing.
// Carry the events of one change to the one write that makes it.
func WithEvents(ctx context.Context, evs ...Event) context.Context {
	if len(evs) == 0 {
		return ctx
	}
	return context.WithValue(ctx, eventsKey{}, &pendingEvents{events: evs})
}

// EventsToStore returns, for an adapter's write, the events ctx carries
// that the transaction tx has to store: none when ctx carries none, when
// tx itself has stored them already, or when the transaction that stored
// them has committed. tx identifies the adapter's transaction and must be
// distinct for each transaction: a pointer to its state (a *sql.Tx, say),
// never a pointer to a zero-size value, which may equal another.
//
// The adapter stores the events in tx and then calls stored(). A write
// that runs its own transaction calls committed() once that transaction
// has committed; a write inside a transaction that the adapter runs for
// someone else (order.Transactor) need not, as the events it stored
// commit or roll back with that transaction. Both are safe to call when
// there was nothing to store.
func EventsToStore(ctx context.Context, tx any) (evs []Event, stored, committed func()) {
	p, _ := ctx.Value(eventsKey{}).(*pendingEvents)
	if p == nil {
		return nil, func() {}, func() {}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.committed || p.in == tx {
		return nil, func() {}, func() {}
	}
	stored = func() {
		p.mu.Lock()
		p.in = tx
		p.mu.Unlock()
	}
	committed = func() {
		p.mu.Lock()
		if p.in == tx {
			p.committed = true
		}
		p.mu.Unlock()
	}
	return p.events, stored, committed
}

// MaxEventTypeLen is the longest event type, in bytes, that a store keeps.
const MaxEventTypeLen = 64

// ValidateEvents returns an error wrapping ErrInvalid, naming the event and
// its field, when one of evs cannot be stored: every event needs an id
// (none twice among evs), a type of at most MaxEventTypeLen bytes, an
// aggregate id, a version of at least 1, a time, and data that is a JSON
// object or empty. Adapters call it on what EventsToStore gives them.
func ValidateEvents(evs []Event) error {
	seen := make(map[uuid.UUID]bool, len(evs))
	for i, e := range evs {
		var field, problem string
		switch {
		case e.ID == uuid.Nil:
			field, problem = "id", "is empty"
		case seen[e.ID]:
			field, problem = "id", "is another event's of the same write"
		case e.Type == "":
			field, problem = "type", "is empty"
		case len(e.Type) > MaxEventTypeLen:
			field, problem = "type", fmt.Sprintf("is longer than %d bytes", MaxEventTypeLen)
		case e.AggregateID == uuid.Nil:
			field, problem = "aggregate_id", "is empty"
		case e.Version < 1:
			field, problem = "version", fmt.Sprintf("is %d, below 1", e.Version)
		case e.Time.IsZero():
			field, problem = "time", "is zero"
		case len(e.Data) > 0 && (!json.Valid(e.Data) || !bytes.HasPrefix(bytes.TrimLeft(e.Data, " \t\r\n"), []byte("{"))):
			field, problem = "data", "is not a JSON object"
		default:
			seen[e.ID] = true
			continue
		}
		return fmt.Errorf("commerce: event %d (%q) to store: %s %s: %w", i+1, e.Type, field, problem, ErrInvalid)
	}
	return nil
}
