package redistest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestCluster checks that the cluster serves every slot from the three
// masters, that MasterOf names the node that holds a key, and that
// WaitReplicated waits for the replicas.
func TestCluster(t *testing.T) {
	t.Parallel()
	c := StartCluster(t, &ClusterOptions{Replicas: true})
	opts, err := redis.ParseClusterURL(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Addrs) != 6 {
		t.Errorf("URL %s lists %d nodes, want 6", c.URL(), len(opts.Addrs))
	}
	rdb := redis.NewClusterClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	held := map[*Node]int{}
	for i := range 30 {
		key := fmt.Sprintf("key-%d", i)
		if err := rdb.Set(ctx, key, i, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		m := c.MasterOf(key)
		held[m]++
		// The key is on its master, in the master's own keyspace.
		if n, err := m.admin.Exists(ctx, key).Result(); err != nil || n != 1 {
			t.Errorf("%s is not on %s, which MasterOf named: %d, %v", key, m.Addr, n, err)
		}
	}
	for i, m := range c.Masters {
		if held[m] == 0 {
			t.Errorf("master %d (%s) holds none of 30 keys", i, m.Addr)
		}
	}
	if len(held) != 3 {
		t.Errorf("keys on %d nodes, want the 3 masters", len(held))
	}
	c.WaitReplicated()
	for i, r := range c.Replicas {
		// A replica answers MOVED for its master's keys unless the
		// connection is READONLY; the key count needs neither.
		n, err := r.admin.DBSize(ctx).Result()
		if err != nil || int(n) != held[c.Masters[i]] {
			t.Errorf("replica of master %d holds %d keys (%v), want %d", i, n, err, held[c.Masters[i]])
		}
	}
}

// TestSentinel checks that the sentinel names the master, and that
// WaitReplicated waits for the replica.
func TestSentinel(t *testing.T) {
	t.Parallel()
	g := StartSentinel(t)
	if got := g.MasterAddr(); got != g.Master.Addr {
		t.Errorf("the sentinel names %s as the master, want %s", got, g.Master.Addr)
	}
	opts, err := redis.ParseFailoverURL(g.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewFailoverClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	for i := range 100 {
		if err := rdb.Set(ctx, fmt.Sprintf("key-%d", i), i, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	g.WaitReplicated()
	if n, err := g.Replica.admin.DBSize(ctx).Result(); err != nil || n != 100 {
		t.Errorf("the replica holds %d keys (%v), want 100", n, err)
	}
}

func TestReplicationInfo(t *testing.T) {
	master := map[string]string{
		"role":             "master",
		"connected_slaves": "2",
		"slave0":           "ip=127.0.0.1,port=6380,state=online,offset=120,lag=0",
		"slave1":           "ip=127.0.0.1,port=6381,state=online,offset=120,lag=0",
		"slave_read_only":  "1",
	}
	ports := replicaPorts(master)
	slices.Sort(ports)
	if !slices.Equal(ports, []int{6380, 6381}) {
		t.Errorf("replica ports %v, want 6380 and 6381", ports)
	}
	replica := map[string]string{"role": "slave", "master_link_status": "up", "slave_repl_offset": "120"}
	if err := caughtUp(replica, 120); err != nil {
		t.Errorf("at the target: %v", err)
	}
	if err := caughtUp(replica, 121); err == nil {
		t.Error("behind the target: no error")
	}
	replica["master_link_status"] = "down"
	if err := caughtUp(replica, 0); err == nil {
		t.Error("a replica whose link is down: no error")
	}
}
