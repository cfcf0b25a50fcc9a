package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// The defaults of RelayOptions.
const (
	DefaultBatch          = 100
	DefaultConcurrency    = 16
	DefaultPoll           = 250 * time.Millisecond
	DefaultPublishTimeout = 10 * time.Second
	DefaultRetention      = 7 * 24 * time.Hour
	DefaultPruneEvery     = time.Hour
	DefaultBackoff        = 500 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
)

// pruneBatch is how many sent events one Prune call deletes at most: small
// enough that a delete holds its locks briefly, large enough that a day's
// events go in a few calls.
const pruneBatch = 1000

// endTimeout bounds how long a relay takes to end a claim (mark its events
// sent or release them) once the relay's context has ended, so that a
// relay that is shutting down still records what it published.
const endTimeout = 5 * time.Second

// RelayOptions configure a Relay. The zero value, or nil, gives the
// defaults.
type RelayOptions struct {
	// Batch is how many events one claim takes at most. Default
	// DefaultBatch (100).
	Batch int
	// Concurrency is how many aggregates' events a relay publishes at
	// once within a claim; each aggregate's events go one after another.
	// Default DefaultConcurrency (16).
	Concurrency int
	// Poll is how long Run waits, when a claim found less than a full
	// batch, before it claims again; Notify ends the wait at once.
	// Default DefaultPoll (250 ms).
	Poll time.Duration
	// PublishTimeout bounds each Publish call; a call that runs out
	// counts as a failed publish. Default DefaultPublishTimeout (10 s).
	PublishTimeout time.Duration
	// Retention is how long sent events stay in the outbox before Run
	// prunes them: for looking into what went out, and for replaying it
	// by hand. Default DefaultRetention (7 days); a negative value keeps
	// them for ever.
	Retention time.Duration
	// PruneEvery is how often Run prunes: when it starts, then every
	// PruneEvery. Default DefaultPruneEvery (1 hour).
	PruneEvery time.Duration
	// Backoff is how long Run waits after a claim that failed (the store
	// or the publisher returned an error) before it claims again. The wait
	// doubles with each failed claim in a row, up to MaxBackoff, and each
	// wait is chosen at random between half of it and all of it, so that
	// the relays of several instances do not retry in step. A claim that
	// goes well resets it. Default DefaultBackoff (500 ms).
	Backoff time.Duration
	// MaxBackoff caps the wait after failures. Default DefaultMaxBackoff
	// (30 s).
	MaxBackoff time.Duration
	// Logger receives the relay's failures (Warn for a failed publish,
	// Error for a store that failed) and its prunes (Info). Default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock by which Retention is counted. It must agree with
	// the store's clock, which stamps the time an event was sent. Default
	// time.Now.
	Now func() time.Time
}

// Relay moves events from an outbox to a publisher: it claims a batch of
// unsent events (Store.Claim), publishes each (Publisher.Publish), and
// marks sent those that were published (Claim.Sent), leaving the others
// for a later claim.
//
// Delivery is at least once and in order per aggregate:
//
//   - Within a claim, the events of one aggregate are published one after
//     another, each only once the one before it was published. When an
//     event fails, the aggregate's later events in the claim are not
//     published either: they wait, unsent, behind it for the next claim.
//     Events of different aggregates are published concurrently, up to
//     RelayOptions.Concurrency at once, so their relative order is not
//     kept.
//   - An event is marked sent only after Publish returned nil for it. A
//     relay that dies after publishing and before marking publishes the
//     event again, as does the relay that takes over its events: the
//     consumer sees a duplicate, which it recognizes by the event's ID.
//   - Several relays may share one outbox. The store gives each claim
//     events that no other claim holds, and none of an aggregate whose
//     earlier events another claim holds, so that in the normal case no
//     event is published twice and an aggregate's events are never
//     published by two relays at once. A claim whose relay dies ends with
//     its relay's connection or lease (see Store), and another relay takes
//     its events.
//   - A publish that keeps failing holds up its aggregate, and only its
//     aggregate: the relay retries it with each claim, after a backoff
//     that grows with each failed claim in a row.
//
// A Relay is safe for concurrent use. Its counters (Stats) are for a
// server's metrics.
type Relay struct {
	store Store
	pub   Publisher
	opts  RelayOptions
	log   *slog.Logger
	wake  chan struct{}

	published atomic.Uint64
	failed    atomic.Uint64
	claims    atomic.Uint64
	pruned    atomic.Uint64
	lastError atomic.Int64 // Unix nanoseconds; 0 for none
}

// NewRelay returns a relay from store to pub. It returns an error wrapping
// commerce.ErrInvalid that names the field when store or pub is nil or an
// option is out of range.
func NewRelay(store Store, pub Publisher, opts *RelayOptions) (*Relay, error) {
	if store == nil {
		return nil, fmt.Errorf("outbox: NewRelay: store is nil: %w", commerce.ErrInvalid)
	}
	if pub == nil {
		return nil, fmt.Errorf("outbox: NewRelay: pub is nil: %w", commerce.ErrInvalid)
	}
	var o RelayOptions
	if opts != nil {
		o = *opts
	}
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"Batch", int64(o.Batch)},
		{"Concurrency", int64(o.Concurrency)},
		{"Poll", int64(o.Poll)},
		{"PublishTimeout", int64(o.PublishTimeout)},
		{"PruneEvery", int64(o.PruneEvery)},
		{"Backoff", int64(o.Backoff)},
		{"MaxBackoff", int64(o.MaxBackoff)},
	} {
		if f.value < 0 {
			return nil, fmt.Errorf("outbox: RelayOptions.%s is negative (%d); use 0 for the default: %w", f.name, f.value, commerce.ErrInvalid)
		}
	}
	setDefault(&o.Batch, DefaultBatch)
	setDefault(&o.Concurrency, DefaultConcurrency)
	setDefault(&o.Poll, DefaultPoll)
	setDefault(&o.PublishTimeout, DefaultPublishTimeout)
	setDefault(&o.Retention, DefaultRetention)
	setDefault(&o.PruneEvery, DefaultPruneEvery)
	setDefault(&o.Backoff, DefaultBackoff)
	setDefault(&o.MaxBackoff, DefaultMaxBackoff)
	if o.MaxBackoff < o.Backoff {
		return nil, fmt.Errorf("outbox: RelayOptions.MaxBackoff (%v) is less than Backoff (%v): %w", o.MaxBackoff, o.Backoff, commerce.ErrInvalid)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Relay{store: store, pub: pub, opts: o, log: o.Logger, wake: make(chan struct{}, 1)}, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Stats are a relay's counters since it was made.
type Stats struct {
	// Published counts the events that Publish accepted.
	Published uint64
	// Failed counts the Publish calls that returned an error (or ran
	// past PublishTimeout), not counting those cut short because the
	// relay's context ended.
	Failed uint64
	// Claims counts the claims taken, empty ones included.
	Claims uint64
	// Pruned counts the sent events deleted.
	Pruned uint64
	// LastError is when the store or the publisher last failed; zero if
	// neither has.
	LastError time.Time
}

// Stats returns the relay's counters.
func (r *Relay) Stats() Stats {
	s := Stats{
		Published: r.published.Load(),
		Failed:    r.failed.Load(),
		Claims:    r.claims.Load(),
		Pruned:    r.pruned.Load(),
	}
	if ns := r.lastError.Load(); ns != 0 {
		s.LastError = time.Unix(0, ns).UTC()
	}
	return s
}

// Notify wakes Run to claim at once instead of at the end of its poll
// interval: call it after committing a change that stored events. It never
// blocks, and calls that come while Run is busy fold into one. It does not
// cut short the backoff after a failure.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays events until ctx ends, and then returns nil. It claims again
// at once after a full batch, waits RelayOptions.Poll (or for Notify)
// after a smaller one, and backs off after a failure. It prunes sent
// events when it starts and every RelayOptions.PruneEvery. When ctx ends
// during a claim, the relay stops publishing, marks sent what it has
// published and leaves the rest for another relay.
//
// Failures of the store or the publisher do not end Run: they are logged,
// counted (Stats) and retried.
func (r *Relay) Run(ctx context.Context) error {
	var nextPrune time.Time
	failures := 0
	for ctx.Err() == nil {
		if r.opts.Retention > 0 && !r.opts.Now().Before(nextPrune) {
			if _, err := r.Prune(ctx); err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "outbox: pruning sent events failed", "err", err)
			}
			nextPrune = r.opts.Now().Add(r.opts.PruneEvery)
		}
		res, err := r.claimOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil || res.failed > 0:
			if err != nil {
				r.log.ErrorContext(ctx, "outbox: the store failed", "err", err)
			}
			failures++
			sleep(ctx, r.backoff(failures), nil)
		case res.events == r.opts.Batch:
			failures = 0
		default:
			failures = 0
			sleep(ctx, r.opts.Poll, r.wake)
		}
	}
	return nil
}

// Drain claims and publishes until a claim comes back empty, and returns
// how many events it published: for tests, benchmarks and tools that empty
// an outbox once. Events that another relay holds are left to it. Drain
// does not retry: when a publish fails, it marks sent what the claim
// published and returns the count so far with the publisher's error; when
// the store fails, with the store's error.
func (r *Relay) Drain(ctx context.Context) (sent int, err error) {
	for {
		res, err := r.claimOnce(ctx)
		sent += res.published
		if err != nil {
			return sent, err
		}
		if res.err != nil {
			return sent, res.err
		}
		if res.events == 0 {
			return sent, nil
		}
	}
}

// Prune deletes the events that were sent more than RelayOptions.Retention
// ago, and returns how many it deleted. It deletes nothing when Retention
// is negative. Run calls it; tools may too.
func (r *Relay) Prune(ctx context.Context) (int, error) {
	if r.opts.Retention < 0 {
		return 0, nil
	}
	before := r.opts.Now().Add(-r.opts.Retention)
	total := 0
	for {
		n, err := r.store.Prune(ctx, before, pruneBatch)
		total += n
		r.pruned.Add(uint64(n))
		if err != nil {
			r.noteError()
			return total, fmt.Errorf("outbox: pruning events sent before %s: %w", before.UTC().Format(time.RFC3339), err)
		}
		if n < pruneBatch {
			if total > 0 {
				r.log.InfoContext(ctx, "outbox: pruned sent events", "count", total, "sent_before", before.UTC())
			}
			return total, nil
		}
	}
}

// claimResult tells how one claim went.
type claimResult struct {
	events    int   // how many the claim held
	published int   // how many were published
	failed    int   // how many Publish calls failed
	err       error // the first publish error
}

// claimOnce takes one claim, publishes its events and ends the claim. The
// returned error is the store's; the publisher's errors are in the result.
func (r *Relay) claimOnce(ctx context.Context) (claimResult, error) {
	// The claim lives on a context of its own, so that when ctx ends
	// mid-claim the relay can still mark sent what it has published. Until
	// Claim returns, the end of ctx cancels the claim too.
	claimCtx, cancelClaim := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelClaim()
	stop := context.AfterFunc(ctx, cancelClaim)
	c, err := r.store.Claim(claimCtx, r.opts.Batch)
	if !stop() {
		// ctx ended while claiming; claimCtx was cancelled with it, which
		// ends the claim.
		if err == nil {
			_ = c.Release()
		}
		return claimResult{}, ctx.Err()
	}
	if err != nil {
		r.noteError()
		return claimResult{}, fmt.Errorf("outbox: claiming events: %w", err)
	}
	r.claims.Add(1)
	evs := c.Events()
	if len(evs) == 0 {
		if err := c.Release(); err != nil {
			r.noteError()
			return claimResult{}, fmt.Errorf("outbox: releasing an empty claim: %w", err)
		}
		return claimResult{}, nil
	}

	sent, res := r.publish(ctx, evs)
	if len(sent) == 0 {
		if err := c.Release(); err != nil {
			r.noteError()
			return res, fmt.Errorf("outbox: releasing a claim of %d events: %w", len(evs), err)
		}
		return res, nil
	}
	endCtx, cancel := context.WithTimeout(claimCtx, endTimeout)
	defer cancel()
	if err := c.Sent(endCtx, sent); err != nil {
		// The events went out but stay unsent: the next claim publishes
		// them again, which at-least-once delivery allows.
		r.noteError()
		return res, fmt.Errorf("outbox: marking %d published events sent: %w", len(sent), err)
	}
	return res, nil
}

// publish publishes evs, each aggregate's in order and up to Concurrency
// aggregates at once, and returns the ids of the events published.
func (r *Relay) publish(ctx context.Context, evs []commerce.Event) ([]uuid.UUID, claimResult) {
	groups := byAggregate(evs)
	var (
		mu   sync.Mutex
		sent = make([]uuid.UUID, 0, len(evs))
		res  = claimResult{events: len(evs)}
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(r.opts.Concurrency, len(groups)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(groups) || ctx.Err() != nil {
					return
				}
				for _, ev := range groups[i] {
					if ctx.Err() != nil {
						return
					}
					err := r.publishOne(ctx, ev)
					mu.Lock()
					if err == nil {
						sent = append(sent, ev.ID)
						res.published++
					} else if ctx.Err() == nil {
						res.failed++
						if res.err == nil {
							res.err = err
						}
					}
					mu.Unlock()
					if err != nil {
						break // the aggregate's later events wait behind this one
					}
				}
			}
		})
	}
	wg.Wait()
	return sent, res
}

// publishOne publishes ev within PublishTimeout, and counts and logs the
// outcome.
func (r *Relay) publishOne(ctx context.Context, ev commerce.Event) error {
	pctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()
	err := r.pub.Publish(pctx, ev)
	if err == nil {
		r.published.Add(1)
		return nil
	}
	if ctx.Err() != nil {
		// The relay is stopping; the event waits for the next claim.
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) && pctx.Err() != nil {
		err = fmt.Errorf("no answer within %v: %w", r.opts.PublishTimeout, err)
	}
	r.failed.Add(1)
	r.noteError()
	r.log.WarnContext(ctx, "outbox: publishing an event failed; it and its aggregate's later events wait for the next claim",
		"event_id", ev.ID, "event_type", ev.Type, "aggregate_id", ev.AggregateID, "version", ev.Version, "err", err)
	return fmt.Errorf("outbox: publishing event %s (%s): %w", ev.ID, ev.Type, err)
}

func (r *Relay) noteError() { r.lastError.Store(time.Now().UnixNano()) }

// backoff returns the wait after the given number of failed claims in a
// row: Backoff doubled for each failure after the first, capped at
// MaxBackoff, then a random duration between half of that and all of it.
func (r *Relay) backoff(failures int) time.Duration {
	d := r.opts.Backoff
	for i := 1; i < failures && d < r.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.opts.MaxBackoff)
	half := d / 2
	return half + rand.N(d-half+1)
}

// byAggregate splits evs, which are in stored order, into one list per
// aggregate, each in stored order, the lists in the order of their
// aggregates' first events.
func byAggregate(evs []commerce.Event) [][]commerce.Event {
	index := make(map[uuid.UUID]int)
	var groups [][]commerce.Event
	for _, ev := range evs {
		i, ok := index[ev.AggregateID]
		if !ok {
			i = len(groups)
			index[ev.AggregateID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], ev)
	}
	return groups
}

// sleep waits for d, for ctx to end, or for a value on wake (nil: no
// waking).
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-wake:
	}
}
