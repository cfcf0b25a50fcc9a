package memstore_test

import (
	"context"
	"testing"

	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

func TestExclusive(t *testing.T) {
	t.Parallel()
	storagetest.RunExclusiveTests(t, func(*testing.T) func() storagetest.Exclusive {
		s := memstore.New(nil)
		return func() storagetest.Exclusive { return s }
	})
}

// The lock of Exclusive is not the lock of the store's data: fn may use
// the store.
func TestExclusiveUsesTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.New(nil)
	err := s.Exclusive(ctx, "work", func(ctx context.Context) error {
		_, err := s.Catalog().ListProblems(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("the store inside Exclusive: %v", err)
	}
}
