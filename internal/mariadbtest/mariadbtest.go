// Package mariadbtest starts real MariaDB servers for tests that need more
// than the one database server of testdb.MySQLDSN: a primary and a read
// replica that replicates it (StartPair), which a test can kill, restart,
// hold back or delay.
//
// # The primary
//
// The machine's own server (testdb.MySQLEnv, COMMERCE_MYSQL_DSN) is the
// primary when it writes a binary log (@@log_bin is on) and is reached
// over TCP: a replica can then follow it, and the pair's database is
// made there. Otherwise — a server started without log_bin cannot turn
// it on without a restart, which a test must not do to a shared server —
// StartPair starts a primary of its own, with log_bin, server_id 1 and
// binlog_format ROW. Either way, the replica replicates the pair's
// database only (replicate_wild_do_table), from the primary's binary log
// position when the pair started (GTID, MASTER_USE_GTID=slave_pos).
//
// # Binaries
//
// The servers are Debian's mariadbd and mariadb-install-db, looked up on
// PATH and in /usr/sbin, or taken from COMMERCE_MARIADBD and
// COMMERCE_MARIADB_INSTALL_DB. When one is missing, the test is skipped
// with a message naming the binary and its variable; under CI=true it
// fails instead, since CI must never pass by skipping.
//
// Each server has its own data and temporary directories (from
// t.TempDir), a free port of 127.0.0.1 and a socket in a short temporary
// directory, and starts in about a second: a small buffer pool and redo
// log, no name resolution, and durability relaxed
// (innodb_flush_log_at_trx_commit=2, sync_binlog 0), which a test's data
// does not need. Run as root, mariadbd is given
// --user=root, which it requires to run as root. t.Cleanup kills every
// process a test started and removes the directories; when a test has
// failed, the end of each server's error log is printed.
//
// # Counting what reaches the replica
//
// The replica runs with read_only and userstat on. ReplicaDSN connects as
// ReaderUser, a user of the replica alone that may only SELECT and ask
// for the replication status (REPLICA MONITOR): a write sent there fails.
// ReaderStats reads the server's own per-user counters of that user
// (information_schema.USER_STATISTICS), which the replication threads and
// the test's own admin queries (as root) never add to.
//
// The helpers call t.Fatal, so they must be called from the test's own
// goroutine.
package mariadbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce/internal/proctest"
)

// Environment variables that name the binaries, when they are not on PATH
// or in /usr/sbin.
const (
	ServerEnv  = "COMMERCE_MARIADBD"
	InstallEnv = "COMMERCE_MARIADB_INSTALL_DB"
)

// ReaderUser is the replica's user of ReplicaDSN: it may SELECT anything
// and read the replication status, nothing else.
const ReaderUser = "reader"

// startTimeout bounds how long a server may take to answer after it
// starts, and waitTimeout how long a helper waits for the replica.
const (
	startTimeout = 30 * time.Second
	waitTimeout  = 30 * time.Second
)

// Server is one mariadbd process that a test started.
type Server struct {
	// Addr is the address the server listens on, 127.0.0.1:port.
	Addr string

	t       testing.TB
	bin     string
	args    []string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	admin   *sql.DB // as root, one connection at a time
}

// Kill stops the server at once with SIGKILL, as a crash would, and waits
// for the process to end. Killing a server that has already ended does
// nothing.
func (s *Server) Kill() {
	s.t.Helper()
	if !s.Alive() {
		return
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Fatalf("mariadbtest: killing %s: %v", s.Addr, err)
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.t.Fatalf("mariadbtest: %s (pid %d) did not end after SIGKILL", s.Addr, s.cmd.Process.Pid)
	}
}

// Restart starts a server that Kill stopped again, on the same port and
// data directory, and waits until it answers. A replica resumes
// replicating by itself, from where it was.
func (s *Server) Restart() {
	s.t.Helper()
	if s.Alive() {
		s.t.Fatalf("mariadbtest: Restart of %s, which is running", s.Addr)
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("mariadbtest: restarting %s: %v", s.Addr, err)
	}
}

// Alive reports whether the server's process is running.
func (s *Server) Alive() bool {
	if s.exited == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Exec runs statements on the server as root, one after the other, and
// fails the test on the first error.
func (s *Server) Exec(statements ...string) {
	s.t.Helper()
	execAll(s.t, s.admin, s.Addr, statements...)
}

func execAll(t testing.TB, db *sql.DB, where string, statements ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for _, q := range statements {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("mariadbtest: %s on %s: %v", q, where, err)
		}
	}
}

// startServer makes a data directory with mariadb-install-db and starts
// mariadbd on it with the common arguments and extra, on a free port,
// and waits until it answers. A port that another process took in the
// meantime is retried with another. t.Cleanup kills the process.
func startServer(t testing.TB, name string, extra ...string) *Server {
	t.Helper()
	bin := proctest.Binary(t, ServerEnv, "mariadbd", "mariadb-server")
	install := proctest.Binary(t, InstallEnv, "mariadb-install-db", "mariadb-server")
	dir := t.TempDir()
	// A Unix socket's path must be short (108 bytes), which a test's
	// TempDir under a long test name may not be.
	sockDir, err := os.MkdirTemp("", "mariadbtest")
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	data := filepath.Join(dir, "data")
	// Temporary tables go to a directory of the server's own: servers
	// that share /tmp have been seen to remove each other's.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	var user []string
	if os.Geteuid() == 0 {
		// mariadbd refuses to run as root unless told to.
		user = []string{"--user=root"}
	}
	cmd := exec.Command(install, append([]string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
		"--innodb-log-file-size=8M"}, user...)...)
	proctest.SetProcAttr(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mariadbtest: %s for %s: %v\n%s", install, name, err, out)
	}
	s := &Server{t: t, bin: bin, logPath: filepath.Join(dir, name+".err")}
	t.Cleanup(func() {
		if s.admin != nil {
			s.admin.Close()
		}
		if s.Alive() {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("mariadbtest: the end of %s's log (%s):\n%s", name, s.Addr, proctest.LogTail(s.logPath, 15))
		}
	})
	var lastErr error
	for range 5 {
		ports, err := proctest.FreePorts(1)
		if err != nil {
			t.Fatalf("mariadbtest: finding a free port: %v", err)
		}
		port := ports[0]
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.args = append(append([]string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp,
			"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
			"--socket=" + filepath.Join(sockDir, "s"), "--pid-file=" + filepath.Join(dir, name+".pid"),
			"--log-error=" + s.logPath, "--skip-name-resolve",
			"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M",
			"--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
			"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
		}, user...), extra...)
		if lastErr = s.start(); lastErr == nil {
			return s
		}
		if !strings.Contains(lastErr.Error(), "already in use") {
			break
		}
	}
	t.Fatalf("mariadbtest: starting %s: %v", name, lastErr)
	return nil
}

// start runs the process and waits until it answers as root. If the
// process ends first, the error holds the end of its log.
func (s *Server) start() error {
	cmd := exec.Command(s.bin, s.args...)
	proctest.SetProcAttr(cmd)
	// mariadbd writes to its --log-error file; anything else it prints
	// before opening it goes there too.
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	exited := s.exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	if s.admin == nil {
		cfg := mysql.NewConfig()
		cfg.User, cfg.Net, cfg.Addr = "root", "tcp", s.Addr
		cfg.Timeout = time.Second
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return err
		}
		s.admin = sql.OpenDB(conn)
		s.admin.SetMaxOpenConns(1)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.admin.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("mariadbd ended: %s", proctest.LogTail(s.logPath, 8))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadbd does not answer on %s after %v: %v", s.Addr, startTimeout, err)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("mariadbtest: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// randomServerID returns a server_id that no server a test meets has: the
// machine's server may already have replicas of its own.
func randomServerID() int64 {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<31))
	if err != nil {
		panic(fmt.Sprintf("mariadbtest: crypto/rand: %v", err))
	}
	return 1000 + n.Int64()
}
