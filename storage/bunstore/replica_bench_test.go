package bunstore_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/mariadbtest"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// BenchmarkReplicaRouting reads a product by id through three Stores over
// one primary: one without replicas, one with a replica and a context
// that does not allow stale reads (the routing decides for the primary),
// and one whose reads the replica serves. The first two cost the same:
// the routing is a context lookup and an atomic load or two.
//
//	go test -run '^$' -bench ReplicaRouting -count 5 ./storage/bunstore/
func BenchmarkReplicaRouting(b *testing.B) {
	pair := mariadbtest.StartPair(b)
	ctx := context.Background()
	primary := openDB(b, pair.PrimaryDSN())
	plain, err := bunstore.New(ctx, primary, nil)
	if err != nil {
		b.Fatal(err)
	}
	sh := newShop(b, plain)
	p := sh.product(b, "벤치마크 상품", nil)
	pair.WaitCaughtUp()
	replica := openDB(b, pair.ReplicaDSN())
	routed, err := bunstore.New(ctx, primary, &bunstore.Options{Replicas: []*bun.DB{replica}})
	if err != nil {
		b.Fatal(err)
	}
	defer routed.Close()
	if !routed.ReplicaStats().Replicas[0].Healthy {
		b.Fatalf("the replica is not healthy: %v", routed.ReplicaStats().Replicas[0].Err)
	}
	stale := commerce.AllowStaleReads(ctx)
	for _, c := range []struct {
		name  string
		store *bunstore.Store
		ctx   context.Context
	}{
		{"no replicas", plain, stale},
		{"replica, primary read", routed, ctx},
		{"replica, replica read", routed, stale},
	} {
		b.Run(c.name, func(b *testing.B) {
			repo := c.store.Catalog()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := repo.GetProduct(c.ctx, p.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
