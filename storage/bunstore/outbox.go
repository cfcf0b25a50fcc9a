package bunstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/outbox"
)

// ---- storing events ----

// txRun is one run of a transaction (runOnce): the identity under which
// its writes store the events their contexts carry
// (commerce.EventsToStore), and the callbacks that tell those events that
// the run committed. Each run is a new txRun, so a run after a rollback
// stores the events again.
type txRun struct {
	onCommit []func()
}

// committed tells the events stored in the run that it has committed, so
// that no later write stores them again.
func (r *txRun) committed() {
	for _, f := range r.onCommit {
		f()
	}
	r.onCommit = nil
}

// txConn is the connection of one run of a transaction, as the writes in
// it see it: bun.IDB, on which the store's repositories run their queries,
// and the run, in which storeEvents stores events.
type txConn struct {
	bun.Conn
	run *txRun
}

var _ bun.IDB = txConn{}

// noRun is a run that never stores an event, for carriesEvents to ask
// with.
var noRun = &txRun{}

// carriesEvents reports whether ctx carries events that a write has yet to
// store.
func carriesEvents(ctx context.Context) bool {
	evs, _, _ := commerce.EventsToStore(ctx, noRun)
	return len(evs) > 0
}

// noOutboxArg is the named argument (bun.DB.WithNamedArg) that marks the
// *bun.DB of a Store made with Options.NoOutbox. No query refers to it. The
// Store's repositories, its transactor and its outbox all run on that
// *bun.DB, and every transaction they run is on a connection of it, so
// each write that would store events can tell from the *bun.DB or the
// connection it runs on whether its Store has the outbox off. With a named
// argument bound, bun also formats the query templates that come without
// arguments, which only changes an escaped placeholder (\?); the store's
// templates have none.
const noOutboxArg = "bunstore_no_outbox"

// markNoOutbox returns a copy of db marked as a NoOutbox Store's. The copy
// shares db's connection pool and its query hooks.
func markNoOutbox(db *bun.DB) *bun.DB { return db.WithNamedArg(noOutboxArg, true) }

// outboxOff reports whether db is marked by markNoOutbox: whether the
// named argument takes the place of its placeholder.
func outboxOff(db *bun.DB) bool {
	const placeholder = "?" + noOutboxArg
	return db.QueryGen().FormatQuery(placeholder) != placeholder
}

// storeEvents inserts into outbox_events, in the transaction that tx runs,
// the events ctx carries that it has to store: all of them in one
// multi-row INSERT, unless an earlier write of the same run, or a run that
// committed, stored them, or the Store has the outbox off
// (Options.NoOutbox). A write calls it once its change has succeeded.
func storeEvents(ctx context.Context, tx bun.IDB) error {
	tc, ok := tx.(txConn)
	if !ok {
		return fmt.Errorf("bunstore: events can only be stored in a transaction, not on %T", tx)
	}
	evs, stored, committed := commerce.EventsToStore(ctx, tc.run)
	if len(evs) == 0 || outboxOff(tc.NewRaw("").DB()) {
		return nil
	}
	rows, err := eventRows(evs)
	if err != nil {
		return err
	}
	if _, err := tc.NewInsert().Model(&rows).Exec(ctx); err != nil {
		if isErrno(err, errDupEntry) {
			return fmt.Errorf("bunstore: an event's id is already in the outbox: %w", commerce.ErrConflict)
		}
		return translate(err)
	}
	stored()
	tc.run.onCommit = append(tc.run.onCommit, committed)
	return nil
}

// withEvents runs fn, a write, on db and stores the events ctx carries in
// the write's transaction: the one db runs, inside an order.Tx, or, when
// db is the pool, one of its own. A write on the pool whose ctx carries
// no event to store, or whose Store has the outbox off, runs fn alone,
// without a transaction.
func withEvents(ctx context.Context, db bun.IDB, fn func(ctx context.Context, db bun.IDB) error) error {
	if pool, ok := db.(*bun.DB); ok && (!carriesEvents(ctx) || outboxOff(pool)) {
		return fn(ctx, pool)
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.IDB) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return storeEvents(ctx, tx)
	})
}

// eventInsert is an event as storeEvents inserts it; seq and sent_at take
// their defaults.
type eventInsert struct {
	bun.BaseModel `bun:"table:outbox_events"`

	ID          binID     `bun:"id"`
	Type        string    `bun:"type"`
	AggregateID binID     `bun:"aggregate_id"`
	Version     int64     `bun:"version"`
	OccurredAt  time.Time `bun:"occurred_at"`
	Data        string    `bun:"data"`
}

// eventRows checks evs and returns their rows.
func eventRows(evs []commerce.Event) ([]eventInsert, error) {
	if err := commerce.ValidateEvents(evs); err != nil {
		return nil, err
	}
	rows := make([]eventInsert, len(evs))
	for i, e := range evs {
		rows[i] = eventInsert{
			ID: binID(e.ID), Type: e.Type, AggregateID: binID(e.AggregateID), Version: e.Version,
			OccurredAt: e.Time.UTC(), Data: string(eventData(e.Data)),
		}
	}
	return rows, nil
}

// eventData returns the data an event is stored with: its own, or {} when
// it has none, as Event.MarshalJSON writes it.
func eventData(data json.RawMessage) json.RawMessage {
	if len(data) == 0 {
		return json.RawMessage("{}")
	}
	return data
}

// ---- the outbox ----

// Outbox returns the outbox of domain events, as relays (package outbox)
// read it.
//
// A claim is a MySQL transaction on a connection of its own, at READ
// COMMITTED, so that its locks are on the rows it claims and never on the
// gaps between them, where the writes of other transactions insert new
// events. Claim reads the oldest unsent events with SELECT … FOR UPDATE
// SKIP LOCKED, passing over the rows that other claims hold (and those
// not yet committed), then leaves out every event whose aggregate has an
// earlier unsent event outside the batch, which another claim holds: one
// more query, a plain read that sees the rows other claims lock. The
// transaction stays open, holding one connection of the pool, until Sent
// (UPDATE … SET sent_at = UTC_TIMESTAMP(6), then COMMIT) or Release
// (ROLLBACK), or until the claim's context ends; then the connection is
// closed and the server rolls back. A relay that dies loses its
// connection, and the server rolls back its claims likewise. The events a
// claim left out stay locked until it ends.
//
// A Store made with Options.NoOutbox stores no events, and its claims are
// empty without a query; Prune works as it does otherwise.
func (s *Store) Outbox() outbox.Store { return sqlOutbox{s.db} }

type sqlOutbox struct{ db *bun.DB }

var _ outbox.Store = sqlOutbox{}

// claimedRow is an unsent event as Claim reads it.
type claimedRow struct {
	Seq         uint64    `bun:"seq"`
	ID          binID     `bun:"id"`
	Type        string    `bun:"type"`
	AggregateID binID     `bun:"aggregate_id"`
	Version     int64     `bun:"version"`
	OccurredAt  time.Time `bun:"occurred_at"`
	Data        string    `bun:"data"`
}

// Claim takes up to limit unsent events in seq order, none when the Store
// has the outbox off. It returns an error wrapping commerce.ErrInvalid for
// a limit below 1, and one wrapping commerce.ErrUnavailable when the
// database does not answer or ctx ends.
func (o sqlOutbox) Claim(ctx context.Context, limit int) (outbox.Claim, error) {
	if limit < 1 {
		return nil, fmt.Errorf("bunstore: claiming events: limit is %d, below 1: %w", limit, commerce.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, unavailable(err)
	}
	if outboxOff(o.db) {
		return &sqlClaim{events: []commerce.Event{}}, nil
	}
	conn, err := beginReadCommitted(ctx, o.db)
	if err != nil {
		return nil, ended(ctx, translate(err))
	}
	got, err := claimEvents(ctx, conn, limit)
	if err == nil && len(got) == 0 {
		// Nothing that may go yet: the rows left out are let go at once,
		// and the connection goes back to the pool.
		if err = rollback(ctx, conn); err == nil {
			conn.Close()
			return &sqlClaim{events: []commerce.Event{}}, nil
		}
	}
	if err != nil {
		discard(conn)
		conn.Close()
		return nil, ended(ctx, translate(err))
	}
	c := &sqlClaim{conn: conn, ctx: ctx, held: true,
		events: make([]commerce.Event, len(got)), seqs: make(map[uuid.UUID]uint64, len(got))}
	for i, g := range got {
		c.events[i] = g.event
		c.seqs[g.event.ID] = g.seq
	}
	c.stop = context.AfterFunc(ctx, c.endWithContext)
	return c, nil
}

// beginReadCommitted takes a connection of db's pool and starts a READ
// COMMITTED transaction on it, as begin starts one at the server's level.
// A connection that fails after SET TRANSACTION is closed rather than
// returned to the pool, where its next transaction would take the level.
func beginReadCommitted(ctx context.Context, db *bun.DB) (bun.Conn, error) {
	for try := 1; ; try++ {
		conn, err := db.Conn(ctx)
		if err != nil {
			return bun.Conn{}, err
		}
		if _, err = conn.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"); err == nil {
			if _, err = conn.ExecContext(ctx, "START TRANSACTION"); err == nil {
				return conn, nil
			}
			discard(conn)
		}
		conn.Close()
		if !errors.Is(err, driver.ErrBadConn) || try == maxBeginTries {
			return bun.Conn{}, err
		}
	}
}

// claimedEvent is an event a claim holds, with its seq.
type claimedEvent struct {
	event commerce.Event
	seq   uint64
}

// claimEvents reads and locks up to limit unsent events on conn, and
// returns those that may go: in seq order, each aggregate's events before
// its first unsent event that the batch does not hold.
func claimEvents(ctx context.Context, conn bun.Conn, limit int) ([]claimedEvent, error) {
	var rows []claimedRow
	err := conn.NewRaw("SELECT seq, id, type, aggregate_id, version, occurred_at, data "+
		"FROM outbox_events FORCE INDEX (outbox_events_unsent) "+
		"WHERE sent_at IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED", limit).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	// The earliest unsent event of each aggregate of the batch that the
	// batch does not hold: another claim holds it (or the write that
	// stored it committed after the locking read). A plain read under
	// READ COMMITTED sees the latest committed rows, those that other
	// claims lock included.
	aggregates := make([]binID, 0, len(rows))
	seqs := make([]uint64, len(rows))
	seen := make(map[binID]bool, len(rows))
	for i, r := range rows {
		seqs[i] = r.Seq
		if !seen[r.AggregateID] {
			seen[r.AggregateID] = true
			aggregates = append(aggregates, r.AggregateID)
		}
	}
	var gaps []struct {
		AggregateID binID  `bun:"aggregate_id"`
		Seq         uint64 `bun:"seq"`
	}
	err = conn.NewRaw("SELECT aggregate_id, MIN(seq) AS seq FROM outbox_events "+
		"WHERE aggregate_id IN (?) AND sent_at IS NULL AND seq NOT IN (?) GROUP BY aggregate_id",
		bun.List(aggregates), bun.List(seqs)).Scan(ctx, &gaps)
	if err != nil {
		return nil, err
	}
	gap := make(map[binID]uint64, len(gaps))
	for _, g := range gaps {
		gap[g.AggregateID] = g.Seq
	}
	out := make([]claimedEvent, 0, len(rows))
	for _, r := range rows {
		if g, ok := gap[r.AggregateID]; ok && g < r.Seq {
			continue
		}
		out = append(out, claimedEvent{seq: r.Seq, event: commerce.Event{
			ID: uuid.UUID(r.ID), Type: r.Type, AggregateID: uuid.UUID(r.AggregateID), Version: r.Version,
			Time: r.OccurredAt.UTC(), Data: json.RawMessage(r.Data),
		}})
	}
	return out, nil
}

// sqlClaim is a claim: the transaction that locks its events, on a
// connection of its own. A claim that found nothing holds no transaction
// (held is false).
type sqlClaim struct {
	mu     sync.Mutex
	conn   bun.Conn
	ctx    context.Context // the claim's, which ends it
	stop   func() bool     // stops the end of the claim with ctx
	held   bool            // a transaction is open on conn
	ended  bool
	endErr error // ctx's error, when the claim ended with ctx
	events []commerce.Event
	seqs   map[uuid.UUID]uint64
}

var _ outbox.Claim = (*sqlClaim)(nil)

// Events returns copies of the claimed events, in seq order.
func (c *sqlClaim) Events() []commerce.Event {
	out := make([]commerce.Event, len(c.events))
	for i, e := range c.events {
		e.Data = bytes.Clone(e.Data)
		out[i] = e
	}
	return out
}

// Sent marks the events with ids sent at the database's UTC time and
// commits, in one UPDATE and COMMIT bounded by both ctx and the claim's
// context. It ends the claim whatever it returns. An id the claim does not
// hold is an error wrapping commerce.ErrInvalid, and nothing is marked. A
// claim that has ended already answers an error wrapping
// commerce.ErrConflict, or commerce.ErrUnavailable and the context's error
// when it ended with its context; a failed UPDATE or COMMIT one wrapping
// commerce.ErrUnavailable, and then nothing is marked either — unless the
// COMMIT went through unanswered, in which case the events go out once
// more.
func (c *sqlClaim) Sent(ctx context.Context, ids []uuid.UUID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return c.endedError()
	}
	seqs := make([]uint64, 0, len(ids))
	var unknown error
	for _, id := range ids {
		seq, ok := c.seqs[id]
		if !ok {
			unknown = fmt.Errorf("bunstore: marking events sent: event %s is not in the claim: %w", id, commerce.ErrInvalid)
			break
		}
		seqs = append(seqs, seq)
	}
	if unknown != nil {
		c.release()
		return unknown
	}
	if !c.held {
		c.ended = true
		return nil
	}
	c.ended = true
	if !c.stop() {
		// The claim's context ended, and endWithContext waits for c.mu.
		c.endErr = c.ctx.Err()
		c.close(false)
		return c.endedError()
	}
	run, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.ctx, cancel)()
	if err := run.Err(); err != nil {
		// Nothing was sent: the transaction rolls back at once.
		c.close(c.ctx.Err() == nil && rollback(c.ctx, c.conn) == nil)
		if ctx.Err() == nil {
			return fmt.Errorf("bunstore: marking events sent: the claim ended with its context: %w: %w", commerce.ErrUnavailable, c.ctx.Err())
		}
		return unavailable(err)
	}
	var err error
	if len(seqs) > 0 {
		_, err = c.conn.ExecContext(run, "UPDATE outbox_events SET sent_at = UTC_TIMESTAMP(6) WHERE seq IN (?)", bun.List(seqs))
	}
	if err == nil {
		_, err = c.conn.ExecContext(run, "COMMIT")
	}
	c.close(err == nil)
	if err != nil {
		if cerr := c.ctx.Err(); cerr != nil && ctx.Err() == nil {
			return fmt.Errorf("bunstore: marking events sent: the claim ended with its context: %w: %w", commerce.ErrUnavailable, cerr)
		}
		return ended(ctx, translate(err))
	}
	return nil
}

// Release rolls the claim's transaction back, leaving its events unsent,
// and ends the claim. It returns nil: when the ROLLBACK fails, the
// connection is closed and the server rolls back. Releasing an ended
// claim does nothing.
func (c *sqlClaim) Release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ended {
		c.release()
	}
	return nil
}

// release ends the claim with a ROLLBACK, under c.mu.
func (c *sqlClaim) release() {
	c.ended = true
	if !c.held {
		return
	}
	if !c.stop() {
		c.endErr = c.ctx.Err()
		c.close(false)
		return
	}
	c.close(c.ctx.Err() == nil && rollback(c.ctx, c.conn) == nil)
}

// endWithContext ends the claim when its context ends: the connection is
// closed, and the server rolls the transaction back.
func (c *sqlClaim) endWithContext() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	c.endErr = c.ctx.Err()
	c.close(false)
}

// close gives the connection back to the pool when its transaction ended
// cleanly, and otherwise closes it, so that the server rolls back what is
// still open.
func (c *sqlClaim) close(clean bool) {
	if !clean {
		discard(c.conn)
	}
	c.conn.Close()
	c.held = false
}

// endedError is the error of Sent on an ended claim.
func (c *sqlClaim) endedError() error {
	if c.endErr != nil {
		return fmt.Errorf("bunstore: marking events sent: the claim ended with its context: %w: %w", commerce.ErrUnavailable, c.endErr)
	}
	return fmt.Errorf("bunstore: marking events sent: the claim has ended: %w", commerce.ErrConflict)
}

// Prune deletes at most limit events sent before sentBefore, oldest sent
// first, in one DELETE … ORDER BY sent_at, seq LIMIT through
// outbox_events_unsent. It runs at READ COMMITTED, which locks the rows it
// deletes and no gap, so the writes that store new events never wait for
// it. A limit below 1 is an error wrapping commerce.ErrInvalid.
func (o sqlOutbox) Prune(ctx context.Context, sentBefore time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("bunstore: pruning the outbox: limit is %d, below 1: %w", limit, commerce.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return 0, unavailable(err)
	}
	conn, err := o.db.Conn(ctx)
	if err != nil {
		return 0, ended(ctx, translate(err))
	}
	defer conn.Close()
	var res sql.Result
	if _, err = conn.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"); err == nil {
		res, err = conn.ExecContext(ctx, "DELETE FROM outbox_events WHERE sent_at < ? ORDER BY sent_at, seq LIMIT ?",
			sentBefore.UTC(), limit)
		if err != nil {
			// The level may be left for the connection's next
			// transaction.
			discard(conn)
		}
	}
	if err != nil {
		return 0, ended(ctx, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err)
	}
	return int(n), nil
}
