package mariadbtest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPair checks that the replica follows the primary, refuses the
// reader's writes, counts the reader's statements, falls behind when
// told to, and resumes after a crash.
func TestPair(t *testing.T) {
	p := StartPair(t)
	primary, replica := open(t, p.PrimaryDSN()), open(t, p.ReplicaDSN())
	if _, err := primary.Exec("CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := primary.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	p.WaitCaughtUp()
	before := p.ReaderStats()
	if n := count(t, replica); n != 1 {
		t.Fatalf("the replica has %d rows, want 1", n)
	}
	if _, err := replica.Exec("INSERT INTO t VALUES (2)"); err == nil {
		t.Error("the reader wrote on the replica")
	}
	after := p.ReaderStats()
	if after.Selects-before.Selects != 1 {
		t.Errorf("the replica counted %d SELECTs of the reader, want 1", after.Selects-before.Selects)
	}
	if after.Updates != before.Updates {
		t.Errorf("the replica counted %d changes by the reader, want none", after.Updates-before.Updates)
	}

	// Held back: the replica's SQL thread stops, and the rows wait.
	p.StopApplying()
	if _, err := primary.Exec("INSERT INTO t VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := count(t, replica); n != 1 {
		t.Errorf("a replica that applies nothing has %d rows, want 1", n)
	}
	p.StartApplying()
	p.WaitCaughtUp()
	if n := count(t, replica); n != 2 {
		t.Errorf("the replica has %d rows after catching up, want 2", n)
	}

	// Delayed: a change shows after the delay.
	p.SetDelay(2 * time.Second)
	if _, err := primary.Exec("INSERT INTO t VALUES (4)"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := count(t, replica); n != 2 {
		t.Errorf("a replica 2s behind has %d rows half a second after a write, want 2", n)
	}
	start := time.Now()
	p.WaitCaughtUp()
	if n := count(t, replica); n != 3 {
		t.Errorf("the delayed replica has %d rows after catching up, want 3", n)
	}
	t.Logf("the delayed replica caught up %v after the wait began", time.Since(start))
	p.SetDelay(0)

	// Crashed and restarted: it resumes from where it was.
	p.Replica.Kill()
	if p.Replica.Alive() {
		t.Fatal("the replica is alive after Kill")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := replica.PingContext(ctx); err == nil {
		t.Error("a killed replica answers")
	}
	if _, err := primary.Exec("INSERT INTO t VALUES (5)"); err != nil {
		t.Fatal(err)
	}
	p.Replica.Restart()
	p.WaitCaughtUp()
	if n := count(t, replica); n != 4 {
		t.Errorf("the restarted replica has %d rows, want 4", n)
	}
}
