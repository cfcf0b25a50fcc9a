// Package outboxtest gives the tests of package outbox and its publishers
// the outboxes of the real stores, events to fill them with, a publisher
// that records what it is given, and the checks of at-least-once, ordered
// delivery.
package outboxtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// Outbox is a store's outbox, with the means to fill it.
type Outbox struct {
	// Name is the store's, for subtests.
	Name string
	// Store is the outbox as relays see it.
	Store outbox.Store
	// Write stores evs, in order, in one transaction: a repository write
	// (a new user) that carries them, as a service's write would.
	Write func(ctx context.Context, evs ...commerce.Event) error
	// Now is the store's clock, which stamps the time an event was sent.
	Now func() time.Time
	// Advance moves the store's clock on; nil when the store keeps the
	// database's time, which a test cannot move.
	Advance func(d time.Duration)
}

// Maker makes an outbox for a test.
type Maker func(t testing.TB) Outbox

// Makers are the outboxes of every store: memstore's and bunstore's.
var Makers = []struct {
	Name string
	Make Maker
}{
	{"memstore", Mem},
	{"bunstore", Bun},
}

// Mem returns memstore's outbox, on a clock that the test moves by hand.
func Mem(t testing.TB) Outbox {
	clock := &Clock{now: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	s := memstore.New(&memstore.Options{Now: clock.Now})
	return Outbox{
		Name:    "memstore",
		Store:   s.Outbox(),
		Write:   userWriter(s.Accounts()),
		Now:     clock.Now,
		Advance: clock.Advance,
	}
}

// Bun returns bunstore's outbox in a new database (testdb), and skips the
// test when there is no MySQL server (failing it under CI=true).
func Bun(t testing.TB) Outbox {
	t.Helper()
	db, err := bunstore.Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatalf("bunstore.Open: %v", err)
	}
	// Closed before testdb drops the database: cleanups run last first.
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := bunstore.New(ctx, db, nil)
	if err != nil {
		t.Fatalf("bunstore.New: %v", err)
	}
	return Outbox{
		Name:  "bunstore",
		Store: s.Outbox(),
		Write: userWriter(s.Accounts()),
		Now:   time.Now,
	}
}

// userWriter stores events by creating a user whose write carries them:
// CreateUser is one of the writes that store the events of their context.
func userWriter(repo account.Repository) func(ctx context.Context, evs ...commerce.Event) error {
	return func(ctx context.Context, evs ...commerce.Event) error {
		id := commerce.NewID()
		name := "relay" + hex.EncodeToString(id[10:])
		now := time.Now().UTC().Truncate(time.Microsecond)
		u := account.User{
			ID: id, Username: name, Nickname: name, Email: name + "@example.com",
			CreatedAt: now, UpdatedAt: now, Version: 1,
		}
		if err := repo.CreateUser(commerce.WithEvents(ctx, evs...), u, nil); err != nil {
			return fmt.Errorf("storing %d events with a new user: %w", len(evs), err)
		}
		return nil
	}
}

// Fill writes evs in writes of at most per events each, in order.
func Fill(t testing.TB, o Outbox, evs []commerce.Event, per int) {
	t.Helper()
	ctx := context.Background()
	for chunk := range slices.Chunk(evs, per) {
		if err := o.Write(ctx, chunk...); err != nil {
			t.Fatal(err)
		}
	}
}

// Events returns perAggregate events of each of aggregates new aggregates,
// interleaved as a shop's changes come: the first version of every
// aggregate, then the second of every one, and so on. Their data holds a
// little Korean text, to see that it goes out byte for byte.
func Events(aggregates, perAggregate int) []commerce.Event {
	ids := make([]uuid.UUID, aggregates)
	for i := range ids {
		ids[i] = commerce.NewID()
	}
	t := time.Now()
	evs := make([]commerce.Event, 0, aggregates*perAggregate)
	for v := 1; v <= perAggregate; v++ {
		for i, id := range ids {
			evs = append(evs, commerce.NewEvent("test.changed", id, int64(v), t,
				map[string]any{"aggregate": i, "version": v, "note": "주문 변경"}))
		}
	}
	return evs
}

// Recorder is an outbox.Publisher that keeps what it is given, in the
// order Publish accepted it.
type Recorder struct {
	// Fail, when set, is asked before each call, numbered from 1; a
	// non-nil error fails the call.
	Fail func(call int, ev commerce.Event) error
	// Delay, when set, is how long each call takes.
	Delay time.Duration

	mu    sync.Mutex
	calls int
	got   []commerce.Event
	// inFlight counts the calls under way, in all and per aggregate.
	inFlight    int
	maxInFlight int
	perAgg      map[uuid.UUID]int
	overlapped  bool
}

// Publish records ev, unless Fail fails the call.
func (r *Recorder) Publish(ctx context.Context, ev commerce.Event) error {
	r.mu.Lock()
	r.calls++
	call := r.calls
	if r.perAgg == nil {
		r.perAgg = make(map[uuid.UUID]int)
	}
	r.inFlight++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	r.perAgg[ev.AggregateID]++
	if r.perAgg[ev.AggregateID] > 1 {
		r.overlapped = true
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.perAgg[ev.AggregateID]--
		r.mu.Unlock()
	}()

	if r.Fail != nil {
		if err := r.Fail(call, ev); err != nil {
			return err
		}
	}
	if r.Delay > 0 {
		select {
		case <-time.After(r.Delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.got = append(r.got, ev)
	r.mu.Unlock()
	return nil
}

// Events returns the events published so far, in order.
func (r *Recorder) Events() []commerce.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// Calls returns how many times Publish was called.
func (r *Recorder) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// Concurrency returns the most calls that were under way at once, and
// whether two calls for one aggregate ever were.
func (r *Recorder) Concurrency() (most int, sameAggregate bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxInFlight, r.overlapped
}

// Equal reports whether two events are the same, field by field, the data
// byte for byte.
func Equal(a, b commerce.Event) bool {
	return a.ID == b.ID && a.Type == b.Type && a.AggregateID == b.AggregateID && a.Version == b.Version &&
		a.Time.Equal(b.Time) && bytes.Equal(a.Data, b.Data)
}

// CheckDelivered checks that got, the events in the order a consumer
// received them, holds every event of want (in stored order), each equal
// to the one stored; that each aggregate's events were first received in
// stored order; and, when once is set, that none was received twice.
// It returns how many duplicates got holds.
func CheckDelivered(t testing.TB, want, got []commerce.Event, once bool) (duplicates int) {
	t.Helper()
	stored := make(map[uuid.UUID]commerce.Event, len(want))
	for _, ev := range want {
		stored[ev.ID] = ev
	}
	seen := make(map[uuid.UUID]bool, len(got))
	perAgg := make(map[uuid.UUID][]uuid.UUID)
	for _, ev := range got {
		w, ok := stored[ev.ID]
		switch {
		case !ok:
			t.Errorf("received event %s (%s), which was not stored", ev.ID, ev.Type)
			continue
		case !Equal(w, ev):
			t.Errorf("received event %s as %+v; stored %+v", ev.ID, ev, w)
		}
		if seen[ev.ID] {
			duplicates++
			if once {
				t.Errorf("received event %s (%s v%d) twice", ev.ID, ev.AggregateID, ev.Version)
			}
			continue
		}
		seen[ev.ID] = true
		perAgg[ev.AggregateID] = append(perAgg[ev.AggregateID], ev.ID)
	}
	missing := 0
	wantAgg := make(map[uuid.UUID][]uuid.UUID)
	for _, ev := range want {
		if !seen[ev.ID] {
			missing++
		}
		wantAgg[ev.AggregateID] = append(wantAgg[ev.AggregateID], ev.ID)
	}
	if missing > 0 {
		t.Errorf("%d of %d events never arrived", missing, len(want))
		return duplicates
	}
	for agg, ids := range wantAgg {
		if !slices.Equal(perAgg[agg], ids) {
			t.Errorf("aggregate %s: received in the order %v; stored %v", agg, perAgg[agg], ids)
		}
	}
	return duplicates
}

// DecodeBody reads an event from a message body, and fails the test when
// the body is not the event's JSON form, byte for byte, with its "type".
func DecodeBody(t testing.TB, body []byte) commerce.Event {
	t.Helper()
	var ev commerce.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatalf("a message body is not an event's JSON: %v: %s", err, body)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || string(fields["type"]) != fmt.Sprintf("%q", ev.Type) || ev.Type == "" {
		t.Errorf("a message body has no \"type\" field: %s", body)
	}
	again, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, body) {
		t.Errorf("a message body is not the event's JSON form:\n got %s\nwant %s", body, again)
	}
	return ev
}

// Clock is a clock that a test moves by hand.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Unique returns prefix followed by random hex, a name no other run uses.
func Unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Unreachable skips t because a service it needs does not answer, naming
// the variable that points at the service; under CI=true it fails t.
func Unreachable(t testing.TB, variable, service string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is unreachable (set %s): %v", service, variable, err)
	}
	t.Skipf("%s is unreachable, skipping (set %s to run this test): %v", service, variable, err)
}

// Env returns the variable's value, or def when it is unset.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
