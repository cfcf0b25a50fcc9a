package mariadbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce/internal/proctest"
	"github.com/impactmuseum/commerce/internal/testdb"
)

// Pair is a primary and a replica of it that a test started (or, for the
// primary, found: see the package doc).
type Pair struct {
	// Primary is the primary's server, or nil when the primary is the
	// machine's own server, which a test must not kill.
	Primary *Server
	// Replica is the replica's server.
	Replica *Server
	// Database is the name of the pair's database, made on the primary
	// after the replica started, and replicated.
	Database string

	t          testing.TB
	primaryCfg *mysql.Config // as the admin of the primary, no database
	primary    *sql.DB       // admin connection to the primary
}

// StartPair starts a replica, and a primary unless the machine's server
// can be one, makes the pair's database on the primary and waits until
// the replica has it. The replica's replication threads run as
//
//	CHANGE MASTER TO MASTER_HOST=…, MASTER_PORT=…, MASTER_USER=…,
//	  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE
//
// from the primary's @@gtid_binlog_pos, replicating Database alone.
// t.Cleanup stops the servers it started and drops the database from the
// machine's server when that was the primary.
func StartPair(t testing.TB) *Pair {
	t.Helper()
	p := &Pair{t: t, Database: "commerce_test_" + randomHex(8)}
	// The binaries are looked up first, so that a machine without them
	// skips before anything starts.
	proctest.Binary(t, ServerEnv, "mariadbd", "mariadb-server")
	proctest.Binary(t, InstallEnv, "mariadb-install-db", "mariadb-server")
	if cfg, db := machinePrimary(); db != nil {
		p.primaryCfg, p.primary = cfg, db
		t.Cleanup(func() {
			defer db.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+p.Database+"`"); err != nil {
				t.Errorf("mariadbtest: dropping database %s: %v", p.Database, err)
			}
		})
	} else {
		p.Primary = startServer(t, "primary", "--server-id=1", "--log-bin=binlog", "--binlog-format=ROW")
		p.primaryCfg = adminConfig(p.Primary.Addr)
		p.primary = p.Primary.admin
	}
	p.Replica = startServer(t, "replica", "--server-id="+strconv.FormatInt(randomServerID(), 10),
		"--read-only", "--userstat=ON", "--relay-log=relay", "--replicate-wild-do-table="+p.Database+".%")
	pos := p.primaryGTID()
	p.Replica.Exec(
		"CREATE USER '"+ReaderUser+"'@'127.0.0.1'",
		"GRANT SELECT, SLAVE MONITOR ON *.* TO '"+ReaderUser+"'@'127.0.0.1'",
		"SET GLOBAL gtid_slave_pos = '"+pos+"'",
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST = %s, MASTER_PORT = %s, MASTER_USER = %s, MASTER_PASSWORD = %s, "+
			"MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1",
			quote(hostOf(p.primaryCfg.Addr)), portOf(p.primaryCfg.Addr), quote(p.primaryCfg.User), quote(p.primaryCfg.Passwd)),
		"START SLAVE",
	)
	execAll(t, p.primary, "the primary",
		"CREATE DATABASE `"+p.Database+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	p.WaitCaughtUp()
	return p
}

// machinePrimary returns an admin connection to the machine's server
// (testdb.MySQLEnv) when it can be a primary: it answers over TCP and
// writes a binary log. Otherwise it returns nil.
func machinePrimary() (*mysql.Config, *sql.DB) {
	dsn := os.Getenv(testdb.MySQLEnv)
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/"
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil || cfg.Net != "tcp" {
		return nil, nil
	}
	cfg.DBName = ""
	cfg.Timeout = 2 * time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, nil
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var logBin bool
	if err := db.QueryRowContext(ctx, "SELECT @@log_bin").Scan(&logBin); err != nil || !logBin {
		db.Close()
		return nil, nil
	}
	return cfg, db
}

// adminConfig returns the settings of root on a server a test started.
func adminConfig(addr string) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "tcp", addr
	return cfg
}

// PrimaryDSN returns the DSN of the pair's database on the primary, as
// the primary's admin (root on a primary the test started, or the user of
// COMMERCE_MYSQL_DSN), with no other parameters: bunstore.Open adds
// its own.
func (p *Pair) PrimaryDSN() string {
	cfg := p.primaryCfg.Clone()
	cfg.DBName = p.Database
	cfg.Timeout = 0
	return cfg.FormatDSN()
}

// ReplicaDSN returns the DSN of the pair's database on the replica as
// ReaderUser, who may only read.
func (p *Pair) ReplicaDSN() string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = ReaderUser, "tcp", p.Replica.Addr, p.Database
	return cfg.FormatDSN()
}

// StopApplying stops the replica's SQL thread (STOP SLAVE SQL_THREAD):
// the replica keeps receiving the primary's changes but applies none, so
// it falls behind, and SHOW REPLICA STATUS reports the thread stopped and
// Seconds_Behind_Master NULL.
func (p *Pair) StopApplying() {
	p.t.Helper()
	p.Replica.Exec("STOP SLAVE SQL_THREAD")
}

// StartApplying starts the replica's SQL thread again.
func (p *Pair) StartApplying() {
	p.t.Helper()
	p.Replica.Exec("START SLAVE SQL_THREAD")
}

// SetDelay makes the replica apply each change d after the primary made
// it (CHANGE MASTER TO MASTER_DELAY, whole seconds): a replica that is
// stale by d, whose threads both run and whose Seconds_Behind_Master
// grows up to d after each write. 0 turns the delay off.
func (p *Pair) SetDelay(d time.Duration) {
	p.t.Helper()
	p.Replica.Exec("STOP SLAVE",
		"CHANGE MASTER TO MASTER_DELAY = "+strconv.Itoa(int(d.Round(time.Second)/time.Second)),
		"START SLAVE")
}

// WaitCaughtUp waits until the replica has applied everything that the
// primary had written when it was called (MASTER_GTID_WAIT on the
// replica, as root), and fails the test after a bound. With a delay
// (SetDelay), that takes the delay.
func (p *Pair) WaitCaughtUp() {
	p.t.Helper()
	pos := p.primaryGTID()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout+5*time.Second)
	defer cancel()
	var res sql.NullInt64
	err := p.Replica.admin.QueryRowContext(ctx, "SELECT MASTER_GTID_WAIT(?, ?)", pos, waitTimeout.Seconds()).Scan(&res)
	switch {
	case err != nil:
		p.t.Fatalf("mariadbtest: waiting for the replica %s: %v", p.Replica.Addr, err)
	case !res.Valid || res.Int64 != 0:
		p.t.Fatalf("mariadbtest: the replica %s has not reached the primary's position %s after %v",
			p.Replica.Addr, pos, waitTimeout)
	}
}

// primaryGTID returns the primary's @@gtid_binlog_pos.
func (p *Pair) primaryGTID() string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var pos string
	if err := p.primary.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos").Scan(&pos); err != nil {
		p.t.Fatalf("mariadbtest: reading the primary's GTID position: %v", err)
	}
	return pos
}

// Stats are the replica's own counts of what ReaderUser sent it since the
// replica started, or restarted (information_schema.USER_STATISTICS).
type Stats struct {
	// Selects counts the SELECT statements that ran.
	Selects int64
	// Updates counts the statements that changed data (INSERT, UPDATE,
	// DELETE, REPLACE and the like). The reader's are refused before
	// they run, so it stays 0 unless the grants change.
	Updates int64
	// Others counts the other statements that ran: SET, BEGIN, COMMIT.
	Others int64
	// Commits and Rollbacks count transactions ended so. A statement in
	// autocommit mode that reads InnoDB tables is a transaction of its
	// own, and counts as a commit.
	Commits, Rollbacks int64
}

// ReaderStats returns what ReaderUser has sent the replica so far. A
// statement is counted once it has run. The replica must be running.
func (p *Pair) ReaderStats() Stats {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var s Stats
	err := p.Replica.admin.QueryRowContext(ctx, "SELECT SELECT_COMMANDS, UPDATE_COMMANDS, OTHER_COMMANDS, "+
		"COMMIT_TRANSACTIONS, ROLLBACK_TRANSACTIONS FROM information_schema.USER_STATISTICS WHERE USER = ?", ReaderUser).
		Scan(&s.Selects, &s.Updates, &s.Others, &s.Commits, &s.Rollbacks)
	if err == sql.ErrNoRows {
		return Stats{} // the user has not connected yet
	}
	if err != nil {
		p.t.Fatalf("mariadbtest: reading the replica's user statistics: %v", err)
	}
	return s
}

// quote returns s as an SQL string literal.
func quote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '\\':
			out = append(out, '\\', c)
		default:
			out = append(out, c)
		}
	}
	return string(append(out, '\''))
}

func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "3306"
	}
	return port
}
