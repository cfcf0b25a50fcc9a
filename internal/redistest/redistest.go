// Package redistest starts real Redis servers for tests that need more
// than the single Redis of testdb.RedisURL: a Redis Cluster of three
// masters, each with a replica if asked (StartCluster), and a Sentinel
// group of a master, its replica and a sentinel (StartSentinel). They run
// the redis-server and redis-cli binaries on free ports of 127.0.0.1, in
// a directory from t.TempDir, without persistence (--save "" --appendonly
// no: a restarted node comes back empty), and t.Cleanup kills every
// process that a test started.
//
// # Binaries
//
// redis-server and redis-cli are looked up on PATH, or taken from
// COMMERCE_REDIS_SERVER and COMMERCE_REDIS_CLI. When one is missing, the
// test is skipped with a message naming the binary and its variable;
// under CI=true it fails instead, since CI must never pass by skipping.
//
// # Failing over fast
//
// The servers are set up so that a test sees a failover within a few
// seconds: a cluster node is marked failed after ClusterNodeTimeout, and
// a sentinel declares the master down after SentinelDownAfter. Every
// helper that waits gives up after a bound and fails the test; when a
// test has failed, the end of each of its servers' logs is printed as
// the test ends.
//
// The helpers call t.Fatal, so they must be called from the test's own
// goroutine.
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce/internal/proctest"
)

// Environment variables that name the binaries, when they are not on PATH.
const (
	ServerEnv = "COMMERCE_REDIS_SERVER"
	CLIEnv    = "COMMERCE_REDIS_CLI"
)

// startTimeout bounds how long a server may take to answer after it
// starts, and how long a cluster or a Sentinel group may take to form.
const startTimeout = 20 * time.Second

// Node is one redis-server process: a cluster node, a master or replica
// of a Sentinel group, or a sentinel.
type Node struct {
	// Addr is the address the node listens on, 127.0.0.1:port.
	Addr string

	t       testing.TB
	port    int
	busPort int // a cluster node's cluster bus port
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	admin   *redis.Client
}

// Kill stops the node at once with SIGKILL, as a crash would, and waits
// for the process to end. Killing a node that has already ended does
// nothing.
func (n *Node) Kill() {
	n.t.Helper()
	select {
	case <-n.exited:
		return
	default:
	}
	if err := n.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		n.t.Fatalf("redistest: killing %s: %v", n.Addr, err)
	}
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		n.t.Fatalf("redistest: %s (pid %d) did not end after SIGKILL", n.Addr, n.cmd.Process.Pid)
	}
}

// Alive reports whether the node's process is running.
func (n *Node) Alive() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// info returns the fields of one section of the node's INFO.
func (n *Node) info(ctx context.Context, section string) (map[string]string, error) {
	text, err := n.admin.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	return fields, nil
}

// startNode starts redis-server with the arguments that args makes for a
// set of free ports (the first is the node's own), in dir, and waits until
// it answers PING. A port that another process took in the meantime is
// retried with new ports. t.Cleanup kills the process.
func startNode(t testing.TB, server, dir, name string, nports int, args func(ports []int) ([]string, error)) *Node {
	t.Helper()
	var lastErr error
	for range 5 {
		ports, err := proctest.FreePorts(nports)
		if err != nil {
			t.Fatalf("redistest: finding free ports: %v", err)
		}
		argv, err := args(ports)
		if err != nil {
			t.Fatalf("redistest: %s: %v", name, err)
		}
		n, err := runNode(t, server, dir, name, ports[0], argv)
		if err == nil {
			return n
		}
		lastErr = err
		if !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	t.Fatalf("redistest: starting %s: %v", name, lastErr)
	return nil
}

// runNode starts one process and waits until it answers. If the process
// ends first, the error holds the end of its log.
func runNode(t testing.TB, server, dir, name string, port int, argv []string) (*Node, error) {
	t.Helper()
	logPath := filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, port))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(server, argv...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	proctest.SetProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &Node{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		t:    t, port: port, logPath: logPath, cmd: cmd, exited: make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(n.exited)
	}()
	n.admin = redis.NewClient(&redis.Options{
		Addr: n.Addr, DialTimeout: time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: time.Second,
		MaxRetries: -1, DialerRetries: 1,
	})
	t.Cleanup(func() {
		n.admin.Close()
		if n.Alive() {
			_ = cmd.Process.Kill()
			<-n.exited
		}
		if t.Failed() {
			t.Logf("redistest: the end of %s's log (%s):\n%s", name, n.Addr, proctest.LogTail(n.logPath, 15))
		}
	})
	deadline := time.Now().Add(startTimeout)
	for {
		// Dial before sending PING, so that go-redis does not log each
		// refused connection while the server starts.
		var err error
		if conn, derr := net.DialTimeout("tcp", n.Addr, time.Second); derr != nil {
			err = derr
		} else {
			conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err = n.admin.Ping(ctx).Err()
			cancel()
			if err == nil {
				return n, nil
			}
		}
		select {
		case <-n.exited:
			return nil, fmt.Errorf("%s ended: %s", name, proctest.LogTail(n.logPath, 5))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s does not answer on %s after %v: %v", name, n.Addr, startTimeout, err)
		}
	}
}

// serverArgs are the arguments every data node takes: it listens on
// 127.0.0.1 only, keeps nothing on disk, and logs to its standard output.
func serverArgs(port int, dir string) []string {
	return []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", "",
		// A master sends a new replica its data through a file, and
		// the replica is in sync as soon as it is sent. Diskless sync
		// waits 5s for more replicas to come, then up to a second
		// more for the replica's first acknowledgement.
		"--repl-diskless-sync", "no",
	}
}

// waitFor calls check until it returns nil, and fails the test with its
// last error after timeout.
func waitFor(t testing.TB, what string, timeout time.Duration, check func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := check(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s: not after %v: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReplicated waits until the replicas of master have received what
// master has written so far: until the replication offset of each, by
// its own INFO, has reached the master's. (The master learns its
// replicas' offsets only from their acknowledgements, once a second.)
// replicas are the nodes that may be master's replicas.
func waitReplicated(t testing.TB, master *Node, replicas []*Node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	fields, err := master.info(ctx, "replication")
	cancel()
	if err != nil {
		t.Fatalf("redistest: INFO replication of %s: %v", master.Addr, err)
	}
	target, err := strconv.ParseInt(fields["master_repl_offset"], 10, 64)
	if err != nil {
		t.Fatalf("redistest: %s reports no replication offset: %q", master.Addr, fields["master_repl_offset"])
	}
	for _, port := range replicaPorts(fields) {
		var r *Node
		for _, n := range replicas {
			if n.port == port {
				r = n
			}
		}
		if r == nil {
			t.Fatalf("redistest: %s has a replica on port %d, which the test did not start", master.Addr, port)
		}
		waitFor(t, "replica "+r.Addr+" catching up with "+master.Addr, 10*time.Second, func(ctx context.Context) error {
			fields, err := r.info(ctx, "replication")
			if err != nil {
				return err
			}
			return caughtUp(fields, target)
		})
	}
}

// replicaPorts returns the ports of the replicas that a master's INFO
// replication lists (slave0:ip=127.0.0.1,port=6380,state=online,...).
func replicaPorts(fields map[string]string) []int {
	var ports []int
	for k, v := range fields {
		if n, ok := strings.CutPrefix(k, "slave"); !ok || n == "" || strings.Trim(n, "0123456789") != "" {
			continue
		}
		for _, kv := range strings.Split(v, ",") {
			if p, ok := strings.CutPrefix(kv, "port="); ok {
				if port, err := strconv.Atoi(p); err == nil {
					ports = append(ports, port)
				}
			}
		}
	}
	return ports
}

// caughtUp reports, from a replica's INFO replication, whether it is
// linked to its master and has received the master's stream up to
// target. It returns an error saying why not.
func caughtUp(fields map[string]string, target int64) error {
	if fields["master_link_status"] != "up" {
		return fmt.Errorf("master_link_status:%s", fields["master_link_status"])
	}
	offset, err := strconv.ParseInt(fields["slave_repl_offset"], 10, 64)
	if err != nil {
		return fmt.Errorf("slave_repl_offset:%q", fields["slave_repl_offset"])
	}
	if offset < target {
		return fmt.Errorf("at offset %d, want %d", offset, target)
	}
	return nil
}

// runCLI runs redis-cli with args and returns what it printed.
func runCLI(ctx context.Context, cli string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	proctest.SetProcAttr(cmd)
	err := cmd.Run()
	return out.String(), err
}
