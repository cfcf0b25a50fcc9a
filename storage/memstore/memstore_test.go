package memstore_test

import (
	"context"
	"testing"

	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

type harness struct{}

func (harness) MakeStores(ctx context.Context, t *testing.T) storagetest.Stores {
	s := memstore.New(nil)
	return storagetest.Stores{Catalog: s.Catalog()}
}

func (harness) Close() {}

func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
		return harness{}, nil
	})
}
