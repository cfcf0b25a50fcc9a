package bunstore

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
)

// BenchmarkReplicaDecision measures the routing of one read alone, with a
// read that does nothing: what a Store with replicas adds to each read of
// the catalog or the board, beside the query itself.
//
//	go test -run '^$' -bench ReplicaDecision ./storage/bunstore/
func BenchmarkReplicaDecision(b *testing.B) {
	rs := &replicaSet{list: []*replica{{}, {}}}
	for _, r := range rs.list {
		r.healthy.Store(true)
	}
	read := func(bun.IDB) error { return nil }
	for _, c := range []struct {
		name string
		rs   *replicaSet
		ctx  context.Context
	}{
		{"no replicas", nil, commerce.AllowStaleReads(context.Background())},
		{"primary", rs, context.Background()},
		{"replica", rs, commerce.AllowStaleReads(context.Background())},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.rs.read(c.ctx, nil, read); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestReplicaPickTurns checks that the healthy replicas take the reads in
// turn and that the unhealthy ones take none, with reads from many
// goroutines at once.
func TestReplicaPickTurns(t *testing.T) {
	rs := &replicaSet{list: []*replica{{}, {}, {}}}
	rs.list[0].healthy.Store(true)
	rs.list[2].healthy.Store(true)
	ctx := commerce.AllowStaleReads(context.Background())
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 1000 {
				if err := rs.read(ctx, nil, func(bun.IDB) error { return nil }); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	a, down, c := rs.list[0].reads.Load(), rs.list[1].reads.Load(), rs.list[2].reads.Load()
	if down != 0 || a+c != 4000 || a < 1500 || c < 1500 {
		t.Errorf("reads per replica: %d, %d (down), %d; want 4000 shared by the healthy two", a, down, c)
	}
	rs.list[0].healthy.Store(false)
	rs.list[2].healthy.Store(false)
	if err := rs.read(ctx, nil, func(bun.IDB) error { return nil }); err != nil || rs.noReplica.Load() != 1 {
		t.Errorf("with none healthy: %v, NoReplica %d; want the read on the primary", err, rs.noReplica.Load())
	}
}
