package bunstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
)

// Read replicas (Options.Replicas). A read goes to a replica only when
// all of these hold:
//
//   - its context allows stale reads (commerce.AllowStaleReads) and
//     carries no events to store (a write's context);
//   - it is one of the reads that may be a little stale: the catalog's
//     lookups and lists of problems, brands and products, its searches
//     (and so Suggest), and the board's posts;
//   - it runs outside a transaction: the repositories of an order.Tx, and
//     every read a write makes, run on the primary.
//
// Everything else — carts, orders, accounts, the outbox, webhooks, stock,
// the imports' reads, ImageURLs (a sweep must see every image in use) —
// is the primary's, whatever the context says.
//
// A monitor checks each replica every replicaCheckInterval: it must answer
// a ping, and SHOW REPLICA STATUS (SHOW SLAVE STATUS where the server
// does not know it) must show both replication threads running and a
// lag (Seconds_Behind_Master or Seconds_Behind_Source) of at most
// Options.MaxReplicaLag. The healthy replicas take the reads in turn; with
// none healthy, reads go to the primary. A read that fails on a replica
// runs again on the primary, once, so its caller sees no error; a lost
// connection also marks the replica down until the monitor finds it
// healthy again. A lookup by id that a replica does not find runs again
// on the primary too: the record may be newer than the replica.

// DefaultMaxReplicaLag is the lag beyond which a replica takes no reads,
// unless Options.MaxReplicaLag says otherwise.
const DefaultMaxReplicaLag = 5 * time.Second

// replicaCheckInterval is how often the monitor checks each replica, and
// replicaCheckTimeout how long one check may take before the replica is
// taken for down.
const (
	replicaCheckInterval = time.Second
	replicaCheckTimeout  = time.Second
)

// OpenReplicas opens each DSN with Open, for Options.Replicas: the
// replicas' sessions are set up as the primary's. The caller owns the
// returned DBs and closes them after the Store. A malformed DSN is an
// error wrapping commerce.ErrInvalid that says which one (counting from
// 1), and the DBs opened before it are closed.
func OpenReplicas(dsns ...string) ([]*bun.DB, error) {
	dbs := make([]*bun.DB, 0, len(dsns))
	for i, dsn := range dsns {
		db, err := Open(dsn)
		if err != nil {
			for _, d := range dbs {
				d.Close()
			}
			return nil, fmt.Errorf("bunstore: replica %d of %d: %w", i+1, len(dsns), err)
		}
		dbs = append(dbs, db)
	}
	return dbs, nil
}

// ReplicaStats is what Store.ReplicaStats reports: the state of each
// replica and what the reads that could go to one did. The counts run
// from New.
type ReplicaStats struct {
	// Replicas are the replicas of Options.Replicas, in order.
	Replicas []ReplicaStatus
	// NoReplica counts the reads that could have gone to a replica but
	// went to the primary, since no replica was healthy.
	NoReplica uint64
	// Retried counts the reads that failed on a replica and ran again on
	// the primary.
	Retried uint64
	// NotFound counts the lookups by id that a replica did not find and
	// that ran again on the primary.
	NotFound uint64
}

// ReplicaStatus is the state of one replica.
type ReplicaStatus struct {
	// Healthy reports whether the replica takes reads now.
	Healthy bool
	// Err says why it does not, when it does not.
	Err error
	// Lag is the replica's delay as last checked: its
	// Seconds_Behind_Master (or Seconds_Behind_Source), or -1 when it
	// could not be read.
	Lag time.Duration
	// Checked is when the monitor last checked it; zero before the first
	// check has ended.
	Checked time.Time
	// Reads counts the reads it answered.
	Reads uint64
	// Failures counts the reads that failed on it (and ran again on the
	// primary).
	Failures uint64
}

// checkSession checks the replica's session as New checks the primary's
// (checkSession), and that it reads the primary's database.
func (r *replica) checkSession(ctx context.Context) error {
	name, err := checkSession(ctx, r.db)
	if err == nil && name != r.database {
		err = fmt.Errorf("bunstore: the replica's DSN names the database %q, the primary's %q: %w",
			name, r.database, commerce.ErrInvalid)
	}
	return err
}

// replica is one read replica and what the store knows of it.
type replica struct {
	// database is the primary's database, which the replica must read.
	database string
	db       *bun.DB
	healthy  atomic.Bool
	// legacy is set once the server refuses SHOW REPLICA STATUS: it is
	// asked SHOW SLAVE STATUS from then on.
	legacy atomic.Bool
	// sessionOK is set once the replica's session has passed the checks
	// of the primary's (checkSession): by New, or by the first check of
	// the monitor that finds the replica up.
	sessionOK atomic.Bool
	reads     atomic.Uint64
	failures  atomic.Uint64

	mu      sync.Mutex
	err     error
	lag     time.Duration
	checked time.Time
}

// replicaSet is a Store's replicas and their monitor. A nil *replicaSet
// has no replica: every read goes to the primary.
type replicaSet struct {
	list      []*replica
	maxLag    time.Duration
	next      atomic.Uint64
	noReplica atomic.Uint64
	retried   atomic.Uint64
	notFound  atomic.Uint64

	stop     context.CancelFunc
	stopOnce sync.Once
	done     sync.WaitGroup
}

// newReplicaSet checks the replicas' sessions, checks their health once
// and starts the monitor, which runs until close. A replica that does not
// answer is no error: it is down until the monitor finds it up, and has
// its session checked then. One whose session is not as the Store needs
// it, or that refuses the connection for good (ErrDenied), is an error
// wrapping commerce.ErrInvalid that says which one.
//
// A replica must read the primary's database (named database): one whose
// DSN names another would serve another shop's catalog.
func newReplicaSet(ctx context.Context, dbs []*bun.DB, maxLag time.Duration, database string) (*replicaSet, error) {
	if err := checkReplicaOptions(dbs, maxLag); err != nil || len(dbs) == 0 {
		return nil, err
	}
	if maxLag == 0 {
		maxLag = DefaultMaxReplicaLag
	}
	rs := &replicaSet{maxLag: maxLag}
	for i, db := range dbs {
		r := &replica{db: db, lag: -1, database: database}
		cctx, cancel := context.WithTimeout(ctx, replicaCheckTimeout)
		err := r.checkSession(cctx)
		cancel()
		switch {
		case err == nil:
			r.sessionOK.Store(true)
		case errors.Is(err, commerce.ErrInvalid):
			return nil, fmt.Errorf("bunstore: Options.Replicas[%d]: %w", i, err)
		}
		rs.list = append(rs.list, r)
	}
	// The first check is made before New returns, so that the reads of
	// a Store just made go to its healthy replicas at once.
	var first sync.WaitGroup
	for _, r := range rs.list {
		first.Go(func() { rs.check(ctx, r) })
	}
	first.Wait()
	watch, stop := context.WithCancel(context.WithoutCancel(ctx))
	rs.stop = stop
	for _, r := range rs.list {
		rs.done.Go(func() { rs.watch(watch, r) })
	}
	return rs, nil
}

// checkReplicaOptions returns an error wrapping commerce.ErrInvalid, naming
// the option, when Options.Replicas holds a nil or MaxReplicaLag is
// negative.
func checkReplicaOptions(dbs []*bun.DB, maxLag time.Duration) error {
	if maxLag < 0 {
		return fmt.Errorf("bunstore: Options.MaxReplicaLag is %v; it must not be negative (0 means %v): %w",
			maxLag, DefaultMaxReplicaLag, commerce.ErrInvalid)
	}
	for i, db := range dbs {
		if db == nil {
			return fmt.Errorf("bunstore: Options.Replicas[%d] is nil: %w", i, commerce.ErrInvalid)
		}
	}
	return nil
}

// close stops the monitor, waits for it, and takes every replica out of
// the reads.
func (rs *replicaSet) close() {
	if rs == nil {
		return
	}
	rs.stopOnce.Do(rs.stop)
	rs.done.Wait()
	for _, r := range rs.list {
		r.mu.Lock()
		r.err = errors.New("bunstore: the Store is closed")
		r.healthy.Store(false)
		r.mu.Unlock()
	}
}

// watch checks r every replicaCheckInterval until ctx ends.
func (rs *replicaSet) watch(ctx context.Context, r *replica) {
	tick := time.NewTicker(replicaCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			rs.check(ctx, r)
		}
	}
}

// check checks r's health and records it.
func (rs *replicaSet) check(ctx context.Context, r *replica) {
	ctx, cancel := context.WithTimeout(ctx, replicaCheckTimeout)
	defer cancel()
	lag, err := r.status(ctx)
	if err == nil && lag > rs.maxLag {
		err = fmt.Errorf("bunstore: the replica is %v behind, more than the %v allowed (Options.MaxReplicaLag)", lag, rs.maxLag)
	}
	r.mu.Lock()
	r.err, r.lag, r.checked = err, lag, time.Now()
	r.healthy.Store(err == nil)
	r.mu.Unlock()
}

// markDown takes r out of the reads after a read lost its connection to
// it, until the monitor finds it healthy again.
func (r *replica) markDown(err error) {
	r.mu.Lock()
	r.err = fmt.Errorf("bunstore: a read lost its connection to the replica: %v", err)
	r.healthy.Store(false)
	r.mu.Unlock()
}

// status pings the replica and reads its replication status. It returns
// the replica's lag, or -1 and an error saying why the replica cannot
// take reads.
func (r *replica) status(ctx context.Context) (time.Duration, error) {
	if err := r.db.PingContext(ctx); err != nil {
		return -1, fmt.Errorf("bunstore: the replica does not answer: %w", unavailable(err))
	}
	if !r.sessionOK.Load() {
		// The replica did not answer when New checked it.
		if err := r.checkSession(ctx); err != nil {
			return -1, err
		}
		r.sessionOK.Store(true)
	}
	query := "SHOW REPLICA STATUS"
	if r.legacy.Load() {
		query = "SHOW SLAVE STATUS"
	}
	rows, err := r.db.QueryContext(ctx, query)
	if isErrno(err, errParse) && !r.legacy.Load() {
		// MySQL before 8.0.22 and MariaDB before 10.5.1.
		r.legacy.Store(true)
		query = "SHOW SLAVE STATUS"
		rows, err = r.db.QueryContext(ctx, query)
	}
	if err != nil {
		if isErrno(err, errSpecificAccessDenied, errTableAccessDenied) {
			return -1, fmt.Errorf("bunstore: the replica's user may not run %s: grant it REPLICA MONITOR (MariaDB) or REPLICATION CLIENT (MySQL): %w",
				query, translate(err))
		}
		return -1, fmt.Errorf("bunstore: %s on the replica: %w", query, translate(err))
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return -1, translate(err)
	}
	var (
		n   int
		lag time.Duration
	)
	for rows.Next() {
		n++
		values := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range values {
			dest[i] = &values[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return -1, translate(err)
		}
		field := func(names ...string) sql.NullString {
			for i, c := range cols {
				for _, name := range names {
					if strings.EqualFold(c, name) {
						return values[i]
					}
				}
			}
			return sql.NullString{}
		}
		receiver := field("Replica_IO_Running", "Slave_IO_Running")
		applier := field("Replica_SQL_Running", "Slave_SQL_Running")
		if !strings.EqualFold(receiver.String, "Yes") || !strings.EqualFold(applier.String, "Yes") {
			why := ""
			for _, e := range []sql.NullString{field("Last_IO_Error"), field("Last_SQL_Error")} {
				if e.String != "" {
					why += ": " + e.String
				}
			}
			return -1, fmt.Errorf("bunstore: the replica is not replicating (IO thread %s, SQL thread %s)%s: %w",
				orNull(receiver), orNull(applier), why, commerce.ErrUnavailable)
		}
		behind := field("Seconds_Behind_Source", "Seconds_Behind_Master")
		if !behind.Valid {
			return -1, fmt.Errorf("bunstore: the replica does not know how far behind it is (Seconds_Behind_Master is NULL): %w", commerce.ErrUnavailable)
		}
		s, err := strconv.ParseInt(behind.String, 10, 64)
		if err != nil {
			return -1, fmt.Errorf("bunstore: the replica reports a lag of %q seconds: %w", behind.String, commerce.ErrUnavailable)
		}
		lag = max(lag, time.Duration(s)*time.Second)
	}
	if err := rows.Err(); err != nil {
		return -1, translate(err)
	}
	if n == 0 {
		return -1, fmt.Errorf("bunstore: the server is not a replica: %s shows no replication: %w", query, commerce.ErrUnavailable)
	}
	return lag, nil
}

func orNull(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// MySQL and MariaDB error numbers that the monitor tells apart.
const (
	errParse                = 1064 // ER_PARSE_ERROR: a server without SHOW REPLICA STATUS
	errSpecificAccessDenied = 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR: a privilege is missing
	errTableAccessDenied    = 1142 // ER_TABLEACCESS_DENIED_ERROR
)

// pick returns the next healthy replica in turn, or nil when none is:
// the healthy ones share the reads evenly, whichever are down.
func (rs *replicaSet) pick() *replica {
	var healthy uint64
	for _, r := range rs.list {
		if r.healthy.Load() {
			healthy++
		}
	}
	if healthy == 0 {
		return nil
	}
	turn := rs.next.Add(1) % healthy
	var last *replica
	for _, r := range rs.list {
		if !r.healthy.Load() {
			continue
		}
		// One may have gone down since it was counted: then the last
		// healthy one seen takes the read.
		if last = r; turn == 0 {
			return r
		}
		turn--
	}
	return last
}

// read runs fn, a read that may be served a little stale, on a healthy
// replica when ctx allows it (see the top of this file), and otherwise on
// primary. When fn fails on the replica — and its context has not ended —
// it runs again on primary, once: so fn must have no effect but its
// result, and must start afresh each time. fn's error comes back as fn
// returned it, for the caller to translate.
func (rs *replicaSet) read(ctx context.Context, primary bun.IDB, fn func(db bun.IDB) error) error {
	if rs == nil || !commerce.StaleReadsAllowed(ctx) || carriesEvents(ctx) {
		return fn(primary)
	}
	r := rs.pick()
	if r == nil {
		rs.noReplica.Add(1)
		return fn(primary)
	}
	err := fn(r.db)
	switch {
	case err == nil:
		r.reads.Add(1)
		return nil
	case ctx.Err() != nil:
		return err
	case errors.Is(err, sql.ErrNoRows):
		r.reads.Add(1)
		rs.notFound.Add(1)
		return fn(primary)
	}
	r.failures.Add(1)
	rs.retried.Add(1)
	if connectionLost(err) {
		r.markDown(err)
	}
	return fn(primary)
}

// connectionLost reports whether err means that the connection to the
// server failed or was lost, rather than that the server refused the
// statement.
func connectionLost(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// The server is shutting down, has too many connections, or killed
	// the connection.
	return isErrno(err, 1040, 1053, 1927)
}

// stats returns the replicas' state and counts.
func (rs *replicaSet) stats() ReplicaStats {
	if rs == nil {
		return ReplicaStats{}
	}
	out := ReplicaStats{
		Replicas:  make([]ReplicaStatus, len(rs.list)),
		NoReplica: rs.noReplica.Load(), Retried: rs.retried.Load(), NotFound: rs.notFound.Load(),
	}
	for i, r := range rs.list {
		r.mu.Lock()
		out.Replicas[i] = ReplicaStatus{
			Healthy: r.healthy.Load(), Err: r.err, Lag: r.lag, Checked: r.checked,
			Reads: r.reads.Load(), Failures: r.failures.Load(),
		}
		r.mu.Unlock()
	}
	return out
}

// ReplicaStats returns the state of the Store's read replicas
// (Options.Replicas) and what the reads that could go to one did, for
// metrics and health pages. A Store without replicas returns the zero
// ReplicaStats.
func (s *Store) ReplicaStats() ReplicaStats { return s.replicas.stats() }

// Close stops the monitor of the Store's read replicas
// (Options.Replicas); reads go to the primary from then on. It closes no
// *bun.DB: the caller owns them. It may be called more than once, and
// does nothing for a Store without replicas.
func (s *Store) Close() { s.replicas.close() }
