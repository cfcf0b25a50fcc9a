package memstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

type harness struct{}

// fakeClock is a clock that tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (harness) MakeStores(ctx context.Context, t *testing.T) storagetest.Stores {
	clock := &fakeClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	s := memstore.New(&memstore.Options{Now: clock.Now})
	return storagetest.Stores{
		Catalog:  s.Catalog(),
		Accounts: s.Accounts(),
		Sessions: s.Sessions(),
		Attempts: s.Attempts(),
		Board:    s.Board(),
		Carts:    s.Carts(),
		Orders:   s.Orders(),
		Stock:    s.Stock(),

		Transactor: s.Transactor(),
		Now:        clock.Now,
		Advance:    clock.Advance,
	}
}

func (harness) Close() {}

func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
		return harness{}, nil
	})
}
