package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

type harness struct{}

func (harness) MakeStores(ctx context.Context, t *testing.T) storagetest.Stores {
	clock := storagetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
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

		Transactor:  s.Transactor(),
		Outbox:      s.Outbox(),
		Webhooks:    s.Webhooks(),
		OutboxLease: memstore.DefaultOutboxLease,
		Now:         clock.Now,
		Advance:     clock.Advance,
	}
}

func (harness) Close() {}

func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
		return harness{}, nil
	})
}
