package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impactmuseum/commerce/internal/proctest"
)

// SentinelMasterName is the name the sentinel knows the master by.
const SentinelMasterName = "commerce"

// SentinelDownAfter is the sentinel's down-after-milliseconds (Redis's
// default is 30s): a master that has not answered for this long is down,
// and the sentinel promotes its replica a second or two later.
const SentinelDownAfter = time.Second

// Sentinel is a Sentinel group that a test started: a master, a replica
// of it, and one sentinel that watches them with a quorum of one.
type Sentinel struct {
	// Master and Replica are the data nodes as the group started. After a
	// failover, Replica is the master.
	Master, Replica *Node
	// Sentinel is the sentinel.
	Sentinel *Node

	t testing.TB
}

// StartSentinel starts a master, a replica of it (--replicaof) and a
// sentinel that monitors the master under SentinelMasterName, each on a
// free port, and waits until the replica has synchronised and the
// sentinel has found it, so that the sentinel can fail over from then
// on. t.Cleanup kills the processes.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	server := proctest.Binary(t, ServerEnv, "redis-server", "redis-server")
	dir := t.TempDir()
	g := &Sentinel{t: t}
	g.Master = startNode(t, server, dir, "sentinel-master", 1, func(ports []int) ([]string, error) {
		return serverArgs(ports[0], dir), nil
	})
	g.Replica = startNode(t, server, dir, "sentinel-replica", 1, func(ports []int) ([]string, error) {
		return append(serverArgs(ports[0], dir), "--replicaof", "127.0.0.1", strconv.Itoa(g.Master.port)), nil
	})
	waitFor(t, "replica "+g.Replica.Addr+" linked", startTimeout, func(ctx context.Context) error {
		fields, err := g.Replica.info(ctx, "replication")
		if err != nil {
			return err
		}
		if fields["master_link_status"] != "up" {
			return fmt.Errorf("master_link_status:%s", fields["master_link_status"])
		}
		return nil
	})
	g.Sentinel = startNode(t, server, dir, "sentinel", 1, func(ports []int) ([]string, error) {
		// A sentinel needs a configuration file, which it rewrites.
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", ports[0]))
		text := strings.Join([]string{
			"port " + strconv.Itoa(ports[0]),
			"bind 127.0.0.1",
			"dir " + dir,
			`logfile ""`,
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1", SentinelMasterName, g.Master.port),
			fmt.Sprintf("sentinel down-after-milliseconds %s %d", SentinelMasterName, SentinelDownAfter.Milliseconds()),
			fmt.Sprintf("sentinel failover-timeout %s 10000", SentinelMasterName),
			fmt.Sprintf("sentinel parallel-syncs %s 1", SentinelMasterName),
		}, "\n") + "\n"
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return nil, err
		}
		return []string{conf, "--sentinel"}, nil
	})
	waitFor(t, "sentinel "+g.Sentinel.Addr+" finding the replica", startTimeout, func(ctx context.Context) error {
		replicas, err := g.Sentinel.admin.Do(ctx, "SENTINEL", "REPLICAS", SentinelMasterName).Slice()
		if err != nil {
			return err
		}
		for _, r := range replicas {
			fields := map[string]string{}
			if kv, ok := r.([]any); ok {
				for i := 0; i+1 < len(kv); i += 2 {
					fields[fmt.Sprint(kv[i])] = fmt.Sprint(kv[i+1])
				}
			} else if m, ok := r.(map[any]any); ok {
				for k, v := range m {
					fields[fmt.Sprint(k)] = fmt.Sprint(v)
				}
			}
			if fields["port"] == strconv.Itoa(g.Replica.port) && fields["flags"] == "slave" &&
				fields["master-link-status"] == "ok" {
				return nil
			}
		}
		return fmt.Errorf("SENTINEL REPLICAS %s: %v", SentinelMasterName, replicas)
	})
	return g
}

// URL returns the group's URL in the form redis.ParseFailoverURL reads:
// redis://127.0.0.1:<sentinel port>/0?master_name=commerce.
func (g *Sentinel) URL() string {
	return "redis://" + g.Sentinel.Addr + "/0?master_name=" + SentinelMasterName
}

// MasterAddr returns the address the sentinel gives for the master now.
func (g *Sentinel) MasterAddr() string {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addr, err := g.Sentinel.admin.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelMasterName).StringSlice()
	if err != nil || len(addr) != 2 {
		g.t.Fatalf("redistest: SENTINEL GET-MASTER-ADDR-BY-NAME %s: %v %v", SentinelMasterName, addr, err)
	}
	return net.JoinHostPort(addr[0], addr[1])
}

// WaitReplicated waits until the replica has received everything the
// master had written when WaitReplicated was called, so that a failover
// then loses nothing.
func (g *Sentinel) WaitReplicated() {
	g.t.Helper()
	waitReplicated(g.t, g.Master, []*Node{g.Replica})
}
