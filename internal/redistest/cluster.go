package redistest

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce/internal/proctest"
)

// ClusterNodeTimeout is the cluster-node-timeout of every cluster node
// (Redis's default is 15s): a master that has not answered for this long
// is marked failing, and its replica, if it has one, takes its slots
// over a second or two later.
const ClusterNodeTimeout = time.Second

// ClusterOptions configure StartCluster. The zero value gives three
// masters without replicas.
type ClusterOptions struct {
	// Replicas gives each master one replica, which takes the master's
	// slots over when the master dies.
	Replicas bool
}

// Cluster is a Redis Cluster that a test started.
type Cluster struct {
	// Masters are the cluster's three masters as it was created: the nth
	// holds the nth third of the 16384 slots.
	Masters []*Node
	// Replicas holds, with ClusterOptions.Replicas, one replica for each
	// master: Replicas[i] replicates Masters[i]. After a failover,
	// Replicas[i] is the master of Masters[i]'s slots.
	Replicas []*Node

	t testing.TB
}

// StartCluster starts a Redis Cluster of three masters, and a replica for
// each with opts.Replicas, and waits until every node agrees that the
// cluster is whole. Each node runs with
//
//	--cluster-enabled yes --cluster-config-file <dir>/nodes-<port>.conf
//	--cluster-node-timeout 1000 --cluster-require-full-coverage no
//	--cluster-replica-validity-factor 0 --save "" --appendonly no
//
// on a free port and a free cluster bus port (--cluster-port); redis-cli
// --cluster create assigns the slots. With cluster-require-full-coverage
// off, the masters that are alive keep serving their slots while another
// master is down, as a shop's cluster should be configured. A replica
// with any validity factor but 0 may refuse to take over from a master
// it lost contact with some time before; 0 lets it always. t.Cleanup
// kills the processes.
func StartCluster(t testing.TB, opts *ClusterOptions) *Cluster {
	t.Helper()
	if opts == nil {
		opts = &ClusterOptions{}
	}
	server := proctest.Binary(t, ServerEnv, "redis-server", "redis-server")
	cli := proctest.Binary(t, CLIEnv, "redis-cli", "redis-tools")
	dir := t.TempDir()
	c := &Cluster{t: t}
	start := func(role string) *Node {
		var bus int
		n := startNode(t, server, dir, "cluster-"+role, 2, func(ports []int) ([]string, error) {
			bus = ports[1]
			return append(serverArgs(ports[0], dir),
				"--cluster-enabled", "yes",
				"--cluster-port", strconv.Itoa(ports[1]),
				"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", ports[0])),
				"--cluster-node-timeout", strconv.FormatInt(ClusterNodeTimeout.Milliseconds(), 10),
				"--cluster-require-full-coverage", "no",
				"--cluster-replica-validity-factor", "0",
			), nil
		})
		n.busPort = bus
		return n
	}
	for range 3 {
		c.Masters = append(c.Masters, start("master"))
	}
	if opts.Replicas {
		for range c.Masters {
			c.Replicas = append(c.Replicas, start("replica"))
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	args := []string{"--cluster", "create"}
	for _, m := range c.Masters {
		args = append(args, m.Addr)
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := runCLI(ctx, cli, args...); err != nil {
		t.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	for i, r := range c.Replicas {
		m := c.Masters[i]
		id, err := m.admin.ClusterMyID(ctx).Result()
		if err != nil {
			t.Fatalf("redistest: CLUSTER MYID of %s: %v", m.Addr, err)
		}
		if err := r.admin.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", m.port, m.busPort).Err(); err != nil {
			t.Fatalf("redistest: CLUSTER MEET %s from %s: %v", m.Addr, r.Addr, err)
		}
		// The replica can follow the master once it has learnt of it by
		// the handshake that MEET starts.
		waitFor(t, r.Addr+" replicating "+m.Addr, startTimeout, func(ctx context.Context) error {
			return r.admin.Do(ctx, "CLUSTER", "REPLICATE", id).Err()
		})
	}
	c.waitWhole()
	return c
}

// all returns every node of the cluster.
func (c *Cluster) all() []*Node {
	return append(append([]*Node(nil), c.Masters...), c.Replicas...)
}

// waitWhole waits until every node knows every other, sees all slots
// assigned and the cluster's state ok, and every replica's link to its
// master is up.
func (c *Cluster) waitWhole() {
	c.t.Helper()
	nodes := c.all()
	for _, n := range nodes {
		waitFor(c.t, "cluster node "+n.Addr+" ready", startTimeout, func(ctx context.Context) error {
			info, err := n.admin.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			for _, want := range []string{
				"cluster_state:ok",
				"cluster_slots_assigned:16384",
				"cluster_slots_ok:16384",
				"cluster_known_nodes:" + strconv.Itoa(len(nodes)),
			} {
				if !strings.Contains(info, want+"\r\n") {
					return fmt.Errorf("CLUSTER INFO lacks %s:\n%s", want, info)
				}
			}
			text, err := n.admin.ClusterNodes(ctx).Result()
			if err != nil {
				return err
			}
			replicas := 0
			for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
				f := strings.Fields(line)
				if len(f) < 3 {
					return fmt.Errorf("CLUSTER NODES line %q", line)
				}
				for _, flag := range strings.Split(f[2], ",") {
					switch flag {
					case "slave":
						replicas++
					case "fail?", "fail", "handshake", "noaddr":
						return fmt.Errorf("CLUSTER NODES: %s", line)
					}
				}
			}
			if replicas != len(c.Replicas) {
				return fmt.Errorf("CLUSTER NODES lists %d replicas, want %d:\n%s", replicas, len(c.Replicas), text)
			}
			return nil
		})
	}
	for _, r := range c.Replicas {
		waitFor(c.t, "replica "+r.Addr+" linked", startTimeout, func(ctx context.Context) error {
			fields, err := r.info(ctx, "replication")
			if err != nil {
				return err
			}
			if fields["master_link_status"] != "up" {
				return fmt.Errorf("master_link_status:%s", fields["master_link_status"])
			}
			return nil
		})
	}
}

// URL returns the cluster's URL in the form redis.ParseClusterURL reads:
// redis://127.0.0.1:<port>?addr=127.0.0.1:<port>&..., listing every node,
// masters first, so that a client made after a node died still finds
// the others.
func (c *Cluster) URL() string {
	nodes := c.all()
	var b strings.Builder
	b.WriteString("redis://" + nodes[0].Addr)
	for i, n := range nodes[1:] {
		if i == 0 {
			b.WriteString("?")
		} else {
			b.WriteString("&")
		}
		b.WriteString("addr=" + n.Addr)
	}
	return b.String()
}

// MasterOf returns the node that serves key now, by the view of a node
// that is alive: the master of key's slot that this node sees online, or
// else the master it still lists, which may be dead but not yet marked
// failed.
func (c *Cluster) MasterOf(key string) *Node {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range c.all() {
		if !n.Alive() {
			continue
		}
		slot, err := n.admin.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			c.t.Fatalf("redistest: CLUSTER KEYSLOT on %s: %v", n.Addr, err)
		}
		shards, err := n.admin.ClusterShards(ctx).Result()
		if err != nil {
			c.t.Fatalf("redistest: CLUSTER SHARDS on %s: %v", n.Addr, err)
		}
		for _, shard := range shards {
			if !slices.ContainsFunc(shard.Slots, func(r redis.SlotRange) bool { return r.Start <= slot && slot <= r.End }) {
				continue
			}
			port := int64(-1)
			for _, node := range shard.Nodes {
				if node.Role == "master" && (port < 0 || node.Health == "online") {
					port = node.Port
				}
			}
			for _, m := range c.all() {
				if int64(m.port) == port {
					return m
				}
			}
			c.t.Fatalf("redistest: %s puts slot %d on port %d, where the test started no node", n.Addr, slot, port)
		}
		c.t.Fatalf("redistest: %s assigns slot %d to no node", n.Addr, slot)
	}
	c.t.Fatal("redistest: no node of the cluster is alive")
	return nil
}

// WaitReplicated waits until the replicas of every master that is alive
// have received everything the master had written when WaitReplicated
// was called, so that a failover then loses nothing.
func (c *Cluster) WaitReplicated() {
	c.t.Helper()
	for _, n := range c.all() {
		if !n.Alive() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		fields, err := n.info(ctx, "replication")
		cancel()
		if err != nil {
			c.t.Fatalf("redistest: INFO replication of %s: %v", n.Addr, err)
		}
		if fields["role"] == "master" {
			waitReplicated(c.t, n, c.all())
		}
	}
}
