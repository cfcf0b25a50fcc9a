package outbox_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/outbox/internal/outboxtest"
)

// eachStore runs f against the outbox of every store.
func eachStore(t *testing.T, f func(t *testing.T, o outboxtest.Outbox)) {
	for _, m := range outboxtest.Makers {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			f(t, m.Make(t))
		})
	}
}

// quiet is a logger that drops everything: the tests' failures are meant.
var quiet = slog.New(slog.DiscardHandler)

func newRelay(t testing.TB, o outboxtest.Outbox, pub outbox.Publisher, opts outbox.RelayOptions) *outbox.Relay {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	if opts.Now == nil {
		opts.Now = o.Now
	}
	r, err := outbox.NewRelay(o.Store, pub, &opts)
	if err != nil {
		t.Fatalf("NewRelay: %v", err)
	}
	return r
}

// waitFor polls cond until it holds or the time runs out.
func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// distinct counts the different events in evs.
func distinct(evs []commerce.Event) int {
	seen := make(map[[16]byte]bool)
	for _, ev := range evs {
		seen[ev.ID] = true
	}
	return len(seen)
}

func TestDrainDeliversEveryEventInOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		ctx := context.Background()
		evs := outboxtest.Events(20, 10)
		outboxtest.Fill(t, o, evs, 7)
		rec := &outboxtest.Recorder{Delay: time.Millisecond}
		r := newRelay(t, o, rec, outbox.RelayOptions{Batch: 16, Concurrency: 4})
		sent, err := r.Drain(ctx)
		if err != nil || sent != len(evs) {
			t.Fatalf("Drain = %d, %v; want %d, nil", sent, err, len(evs))
		}
		outboxtest.CheckDelivered(t, evs, rec.Events(), true)
		most, same := rec.Concurrency()
		if most < 2 || most > 4 {
			t.Errorf("at most %d publishes ran at once; want 2 to 4 (Concurrency 4, 20 aggregates)", most)
		}
		if same {
			t.Error("two events of one aggregate were being published at once")
		}
		if sent, err := r.Drain(ctx); err != nil || sent != 0 {
			t.Errorf("Drain of a sent outbox = %d, %v; want 0, nil", sent, err)
		}
		st := r.Stats()
		if st.Published != uint64(len(evs)) || st.Failed != 0 || st.Claims < uint64(len(evs)/16) || !st.LastError.IsZero() {
			t.Errorf("Stats = %+v; want %d published, none failed, at least %d claims, no error", st, len(evs), len(evs)/16)
		}
	})
}

func TestRelaysShareOneOutbox(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		ctx := context.Background()
		evs := outboxtest.Events(30, 10)
		outboxtest.Fill(t, o, evs, 50)
		// One recorder stands for the broker both relays publish to: it
		// sees the order in which the events went out.
		broker := &outboxtest.Recorder{Delay: 200 * time.Microsecond}
		counts := make([]*countingPublisher, 3)
		var wg sync.WaitGroup
		errs := make(chan error, len(counts))
		for i := range counts {
			counts[i] = &countingPublisher{next: broker}
			r := newRelay(t, o, counts[i], outbox.RelayOptions{Batch: 10, Concurrency: 3})
			wg.Go(func() {
				deadline := time.Now().Add(time.Minute)
				for distinct(broker.Events()) < len(evs) && time.Now().Before(deadline) {
					sent, err := r.Drain(ctx)
					if err != nil {
						errs <- err
						return
					}
					if sent == 0 {
						// The others hold what is left.
						time.Sleep(time.Millisecond)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Drain: %v", err)
		}
		outboxtest.CheckDelivered(t, evs, broker.Events(), true)
		for i, c := range counts {
			if c.n() == 0 {
				t.Errorf("relay %d published nothing: the relays did not share the work", i)
			}
		}
		if _, same := broker.Concurrency(); same {
			t.Error("two events of one aggregate were being published at once")
		}
	})
}

// countingPublisher counts what one relay publishes and passes it on.
type countingPublisher struct {
	next  outbox.Publisher
	mu    sync.Mutex
	count int
}

func (c *countingPublisher) Publish(ctx context.Context, ev commerce.Event) error {
	if err := c.next.Publish(ctx, ev); err != nil {
		return err
	}
	c.mu.Lock()
	c.count++
	c.mu.Unlock()
	return nil
}

func (c *countingPublisher) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

var errBroker = errors.New("the broker is down")

func TestRunRetriesFailedPublishesInOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		evs := outboxtest.Events(8, 12)
		outboxtest.Fill(t, o, evs, 10)
		rec := &outboxtest.Recorder{Fail: func(call int, _ commerce.Event) error {
			if call%3 == 0 {
				return errBroker
			}
			return nil
		}}
		r := newRelay(t, o, rec, outbox.RelayOptions{Batch: 20, Concurrency: 4, Poll: 5 * time.Millisecond,
			Backoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		waitFor(t, "every event", time.Minute, func() bool { return distinct(rec.Events()) == len(evs) })
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v after its context ended; want nil", err)
		}
		// Every failed event was sent again, after the ones before it and
		// before the ones after it; none went out twice.
		outboxtest.CheckDelivered(t, evs, rec.Events(), true)
		st := r.Stats()
		if calls := rec.Calls(); st.Failed != uint64(calls/3) || st.Published != uint64(len(evs)) {
			t.Errorf("Stats = %+v after %d calls; want %d failed, %d published", st, calls, calls/3, len(evs))
		}
		if st.LastError.IsZero() {
			t.Error("Stats.LastError is zero after failures")
		}
	})
}

func TestDrainStopsAtAFailedPublish(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		ctx := context.Background()
		evs := outboxtest.Events(1, 5)
		outboxtest.Fill(t, o, evs, 5)
		rec := &outboxtest.Recorder{Fail: func(call int, _ commerce.Event) error {
			if call == 3 {
				return errBroker
			}
			return nil
		}}
		r := newRelay(t, o, rec, outbox.RelayOptions{})
		sent, err := r.Drain(ctx)
		if sent != 2 || !errors.Is(err, errBroker) || !strings.Contains(err.Error(), evs[2].ID.String()) {
			t.Fatalf("Drain = %d, %v; want 2 and the broker's error naming event %s", sent, err, evs[2].ID)
		}
		// The two published were marked sent; the rest go out next time.
		sent, err = r.Drain(ctx)
		if sent != 3 || err != nil {
			t.Fatalf("second Drain = %d, %v; want 3, nil", sent, err)
		}
		outboxtest.CheckDelivered(t, evs, rec.Events(), true)
	})
}

func TestPublishTimeout(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		ctx := context.Background()
		evs := outboxtest.Events(1, 2)
		outboxtest.Fill(t, o, evs, 2)
		stuck := &outboxtest.Recorder{Delay: time.Hour}
		r := newRelay(t, o, stuck, outbox.RelayOptions{PublishTimeout: 20 * time.Millisecond})
		start := time.Now()
		sent, err := r.Drain(ctx)
		if sent != 0 || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
			t.Fatalf("Drain over a stuck publisher = %d, %v after %v; want 0 and a deadline error at once", sent, err, time.Since(start))
		}
		if st := r.Stats(); st.Failed != 1 {
			t.Errorf("Stats.Failed = %d; want 1 (the aggregate's second event waits behind the first)", st.Failed)
		}
		rec := &outboxtest.Recorder{}
		if sent, err := newRelay(t, o, rec, outbox.RelayOptions{}).Drain(ctx); sent != 2 || err != nil {
			t.Fatalf("Drain after the timeout = %d, %v; want 2, nil", sent, err)
		}
		outboxtest.CheckDelivered(t, evs, rec.Events(), true)
	})
}

func TestAbandonedClaimGoesToAnotherRelay(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		evs := outboxtest.Events(4, 5)
		outboxtest.Fill(t, o, evs, 20)

		// A relay claims the events and dies: its context ends, and it
		// neither marks nor releases them.
		claimCtx, crash := context.WithCancel(context.Background())
		c, err := o.Store.Claim(claimCtx, 10)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		if n := len(c.Events()); n != 10 {
			t.Fatalf("the claim holds %d events; want 10", n)
		}
		rec := &outboxtest.Recorder{}
		other := newRelay(t, o, rec, outbox.RelayOptions{Batch: 7})
		// While the claim lives, the other relay gets none of its events,
		// nor any later event of their aggregates: here, none at all.
		if sent, err := other.Drain(context.Background()); err != nil || sent != 0 {
			t.Fatalf("Drain beside a live claim = %d, %v; want 0, nil", sent, err)
		}
		crash()
		waitFor(t, "the other relay to send the abandoned events", 30*time.Second, func() bool {
			if _, err := other.Drain(context.Background()); err != nil {
				t.Fatalf("Drain: %v", err)
			}
			return distinct(rec.Events()) == len(evs)
		})
		outboxtest.CheckDelivered(t, evs, rec.Events(), true)
	})
}

func TestRelayStoppedMidClaim(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		evs := outboxtest.Events(1, 8)
		outboxtest.Fill(t, o, evs, 8)
		blocked := make(chan struct{})
		first := &outboxtest.Recorder{Fail: func(call int, _ commerce.Event) error {
			if call == 4 {
				close(blocked)
			}
			return nil
		}}
		// The fourth publish hangs until the relay's context ends.
		hang := publisherFunc(func(ctx context.Context, ev commerce.Event) error {
			if err := first.Publish(ctx, ev); err != nil {
				return err
			}
			if first.Calls() >= 4 {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		})
		r := newRelay(t, o, hang, outbox.RelayOptions{})
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		<-blocked
		stop()
		if err := <-done; err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
		// The stopped relay marked sent the three it published before the
		// fourth hung; the next relay sends the others.
		rec := &outboxtest.Recorder{}
		if sent, err := newRelay(t, o, rec, outbox.RelayOptions{}).Drain(context.Background()); sent != 5 || err != nil {
			t.Fatalf("Drain after the stop = %d, %v; want 5, nil", sent, err)
		}
		got := append(first.Events()[:3], rec.Events()...)
		outboxtest.CheckDelivered(t, evs, got, true)
	})
}

type publisherFunc func(ctx context.Context, ev commerce.Event) error

func (f publisherFunc) Publish(ctx context.Context, ev commerce.Event) error { return f(ctx, ev) }

func TestPrune(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		ctx := context.Background()
		evs := outboxtest.Events(3, 4)
		outboxtest.Fill(t, o, evs, 4)
		rec := &outboxtest.Recorder{}
		r := newRelay(t, o, rec, outbox.RelayOptions{Retention: time.Hour})
		if sent, err := r.Drain(ctx); sent != len(evs) || err != nil {
			t.Fatalf("Drain = %d, %v", sent, err)
		}
		late := outboxtest.Events(2, 2)
		outboxtest.Fill(t, o, late, 4)
		if n, err := r.Prune(ctx); n != 0 || err != nil {
			t.Fatalf("Prune of events sent just now = %d, %v; want 0, nil", n, err)
		}

		// Two hours on, the sent events are past the retention period.
		later := r
		if o.Advance != nil {
			o.Advance(2 * time.Hour)
		} else {
			later = newRelay(t, o, rec, outbox.RelayOptions{Retention: time.Hour,
				Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
		}
		if n, err := later.Prune(ctx); n != len(evs) || err != nil {
			t.Fatalf("Prune two hours on = %d, %v; want %d, nil", n, err, len(evs))
		}
		if st := later.Stats(); st.Pruned != uint64(len(evs)) {
			t.Errorf("Stats.Pruned = %d; want %d", st.Pruned, len(evs))
		}
		// Pruning never touches an unsent event.
		if sent, err := later.Drain(ctx); sent != len(late) || err != nil {
			t.Fatalf("Drain after pruning = %d, %v; want %d, nil", sent, err, len(late))
		}
		outboxtest.CheckDelivered(t, append(evs, late...), rec.Events(), true)

		forever := newRelay(t, o, rec, outbox.RelayOptions{Retention: -1,
			Now: func() time.Time { return o.Now().Add(1000 * time.Hour) }})
		if n, err := forever.Prune(ctx); n != 0 || err != nil {
			t.Errorf("Prune with a negative retention = %d, %v; want 0, nil", n, err)
		}
		if n, err := r.Prune(ctx); n != 0 || err != nil {
			t.Errorf("Prune of the events sent last = %d, %v; want 0, nil", n, err)
		}
	})
}

func TestRunPrunesWhenItStarts(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		ctx := context.Background()
		evs := outboxtest.Events(2, 2)
		outboxtest.Fill(t, o, evs, 4)
		now := func() time.Time { return o.Now().Add(48 * time.Hour) }
		first := newRelay(t, o, &outboxtest.Recorder{}, outbox.RelayOptions{})
		if sent, err := first.Drain(ctx); sent != len(evs) || err != nil {
			t.Fatalf("Drain = %d, %v", sent, err)
		}
		r := newRelay(t, o, &outboxtest.Recorder{}, outbox.RelayOptions{Retention: 24 * time.Hour, Now: now})
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- r.Run(runCtx) }()
		waitFor(t, "Run to prune", 30*time.Second, func() bool { return r.Stats().Pruned == uint64(len(evs)) })
		stop()
		<-done
	})
}

func TestNotifyWakesRun(t *testing.T) {
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		early := outboxtest.Events(2, 2)
		outboxtest.Fill(t, o, early, 4)
		rec := &outboxtest.Recorder{}
		r := newRelay(t, o, rec, outbox.RelayOptions{Poll: time.Hour})
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		defer func() {
			stop()
			<-done
		}()
		// Run claims as soon as it starts.
		waitFor(t, "the events stored before Run", 30*time.Second, func() bool { return len(rec.Events()) == len(early) })

		// Then it waits out its poll interval, an hour, unless notified.
		late := outboxtest.Events(2, 2)
		outboxtest.Fill(t, o, late, 4)
		time.Sleep(200 * time.Millisecond)
		if n := len(rec.Events()); n != len(early) {
			t.Fatalf("%d events went out before Notify; want %d", n, len(early))
		}
		r.Notify()
		r.Notify() // folds into the first
		waitFor(t, "the events stored after Run started", 30*time.Second, func() bool {
			return len(rec.Events()) == len(early)+len(late)
		})
		outboxtest.CheckDelivered(t, append(early, late...), rec.Events(), true)
	})
}

func TestRunBacksOff(t *testing.T) {
	o := outboxtest.Mem(t)
	outboxtest.Fill(t, o, outboxtest.Events(1, 1), 1)
	down := &outboxtest.Recorder{Fail: func(int, commerce.Event) error { return errBroker }}
	r := newRelay(t, o, down, outbox.RelayOptions{Poll: time.Millisecond, Backoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
	ctx, stop := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer stop()
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
	// Each wait is at least half of 20 ms, so 400 ms hold at most 41
	// tries; without a backoff the 1 ms poll would allow hundreds.
	if calls := down.Calls(); calls < 3 || calls > 41 {
		t.Errorf("Run tried a failing publisher %d times in 400 ms; want 3 to 41", calls)
	}
	if st := r.Stats(); st.Failed != uint64(down.Calls()) || st.LastError.IsZero() {
		t.Errorf("Stats = %+v; want %d failed and a last error", st, down.Calls())
	}
}

func TestNewRelayRejectsBadOptions(t *testing.T) {
	o := outboxtest.Mem(t)
	pub := &outboxtest.Recorder{}
	for _, c := range []struct {
		store outbox.Store
		pub   outbox.Publisher
		opts  *outbox.RelayOptions
		field string
	}{
		{nil, pub, nil, "store"},
		{o.Store, nil, nil, "pub"},
		{o.Store, pub, &outbox.RelayOptions{Batch: -1}, "Batch"},
		{o.Store, pub, &outbox.RelayOptions{Concurrency: -2}, "Concurrency"},
		{o.Store, pub, &outbox.RelayOptions{Poll: -time.Second}, "Poll"},
		{o.Store, pub, &outbox.RelayOptions{PublishTimeout: -1}, "PublishTimeout"},
		{o.Store, pub, &outbox.RelayOptions{PruneEvery: -1}, "PruneEvery"},
		{o.Store, pub, &outbox.RelayOptions{Backoff: -1}, "Backoff"},
		{o.Store, pub, &outbox.RelayOptions{Backoff: time.Minute, MaxBackoff: time.Second}, "MaxBackoff"},
		{o.Store, pub, &outbox.RelayOptions{Backoff: time.Hour}, "MaxBackoff"},
	} {
		r, err := outbox.NewRelay(c.store, c.pub, c.opts)
		if r != nil || !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("NewRelay with a bad %s = %v, %v; want an invalid-input error naming it", c.field, r, err)
		}
	}
	if _, err := outbox.NewRelay(o.Store, pub, &outbox.RelayOptions{Retention: -1}); err != nil {
		t.Errorf("NewRelay with a negative Retention (keep for ever) = %v", err)
	}
}

func TestFanout(t *testing.T) {
	ctx := context.Background()
	var a, b []string
	failB := true
	pa := outbox.PublisherFunc(func(_ context.Context, ev commerce.Event) error { a = append(a, ev.Type); return nil })
	pb := outbox.PublisherFunc(func(_ context.Context, ev commerce.Event) error {
		if failB {
			return errors.New("broker down")
		}
		b = append(b, ev.Type)
		return nil
	})
	f := outbox.Fanout(pa, nil, pb)
	ev := commerce.NewEvent("order.placed", commerce.NewID(), 1, time.Now(), map[string]int{})
	if err := f.Publish(ctx, ev); err == nil || !strings.Contains(err.Error(), "publisher 2 of 2") {
		t.Fatalf("Publish with the second publisher failing: %v", err)
	}
	failB = false
	if err := f.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if len(a) != 2 || len(b) != 1 {
		t.Errorf("the first publisher got %v, the second %v; want the event twice and once", a, b)
	}
}
