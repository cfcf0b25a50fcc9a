package storagetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
)

// Exclusive is the capability of a store that runs start-up work once
// across the servers sharing it, such as loading the demo:
// bunstore.Store.Exclusive and memstore.Store.Exclusive.
type Exclusive interface {
	Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) error
}

// RunExclusiveTests checks an adapter's Exclusive. newStorage makes a new,
// empty storage for t and returns a function that opens a handle on it:
// each call a new one, as another server would have (a Store over a pool
// of its own, for a database; the same Store, for memory).
func RunExclusiveTests(t *testing.T, newStorage func(t *testing.T) (open func() Exclusive)) {
	ctx := context.Background()
	open := newStorage(t)

	t.Run("OneAtATime", func(t *testing.T) {
		var inside, most, runs atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			handle := open()
			for range 2 {
				wg.Go(func() {
					err := handle.Exclusive(ctx, "work", func(context.Context) error {
						n := inside.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						time.Sleep(20 * time.Millisecond)
						inside.Add(-1)
						runs.Add(1)
						return nil
					})
					if err != nil {
						t.Errorf("Exclusive: %v", err)
					}
				})
			}
		}
		wg.Wait()
		if runs.Load() != 8 || most.Load() != 1 {
			t.Errorf("%d runs, at most %d at once; want 8, one at a time", runs.Load(), most.Load())
		}
	})

	t.Run("ReturnsFnsError", func(t *testing.T) {
		errFn := errors.New("fn failed")
		if err := open().Exclusive(ctx, "work", func(context.Context) error { return errFn }); err != errFn {
			t.Errorf("got %v, want fn's error", err)
		}
	})

	t.Run("WaitsForTheSameNameOnly", func(t *testing.T) {
		held, other, elsewhere := open(), open(), newStorage(t)()
		err := held.Exclusive(ctx, "work", func(ctx context.Context) error {
			short, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := other.Exclusive(short, "other", func(context.Context) error { return nil }); err != nil {
				t.Errorf("another name waited: %v", err)
			}
			if err := elsewhere.Exclusive(short, "work", func(context.Context) error { return nil }); err != nil {
				t.Errorf("the same name on another storage waited: %v", err)
			}
			// The same name waits until ctx ends, and never runs fn.
			shorter, cancel2 := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel2()
			err := other.Exclusive(shorter, "work", func(context.Context) error {
				t.Error("fn ran while another held the name")
				return nil
			})
			if !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("waiting past the deadline: got %v, want ErrUnavailable and DeadlineExceeded", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The name is free again.
		if err := other.Exclusive(ctx, "work", func(context.Context) error { return nil }); err != nil {
			t.Errorf("after the holder returned: %v", err)
		}
	})
}
