package bunstore

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce/catalog"
)

// txProducts is the order.ProductReader of a transaction: it reads
// products on the transaction, so it sees the stock the transaction took,
// and offers no catalog write.
type txProducts struct{ r *catalogRepo }

func (p txProducts) GetProduct(ctx context.Context, id uuid.UUID) (catalog.Product, error) {
	return p.r.GetProduct(ctx, id)
}

// runOnce runs fn in one transaction on a connection of db's pool and
// commits it, all within ctx: BEGIN, fn's statements, and COMMIT or
// ROLLBACK are each a statement on the connection bounded by ctx, so a
// transaction ends when its request does. (database/sql's Tx.Commit and
// Tx.Rollback take no context: a COMMIT that a stalled database answers
// late would hold a checkout past its deadline and then store its order.)
//
// Once ctx has ended nothing more is sent: the connection is closed
// instead, and the server rolls back what it had not committed. A COMMIT
// sent before ctx ended whose answer had not come is reported with ctx's
// error, though the server may still apply it; the order's idempotency
// key then tells. Errors come back untranslated, for runInTx.
//
// fn gets the connection as a txConn, which names this run of the
// transaction: the events that fn's writes store (storeEvents) are told
// that they committed once COMMIT has succeeded, and a new run stores them
// again.
func runOnce(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.IDB) error) error {
	conn, err := begin(ctx, db)
	if err != nil {
		return err
	}
	open := true // a transaction is open on conn
	defer func() {
		if open && (ctx.Err() != nil || rollback(ctx, conn) != nil) {
			discard(conn)
		}
		conn.Close()
	}()
	run := &txRun{}
	if err := fn(ctx, txConn{Conn: conn, run: run}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // fn did not notice; no COMMIT after the end
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	open = false
	run.committed()
	return nil
}

// maxBeginTries bounds the connections begin tries, as database/sql's
// BeginTx does.
const maxBeginTries = 3

// begin takes a connection of db's pool and starts a transaction on it. A
// connection that turns out to be dead before BEGIN was sent on it
// (driver.ErrBadConn) is dropped and another tried.
func begin(ctx context.Context, db *bun.DB) (bun.Conn, error) {
	for try := 1; ; try++ {
		conn, err := db.Conn(ctx)
		if err != nil {
			return bun.Conn{}, err
		}
		if _, err = conn.ExecContext(ctx, "BEGIN"); err == nil {
			return conn, nil
		}
		conn.Close()
		if !errors.Is(err, driver.ErrBadConn) || try == maxBeginTries {
			return bun.Conn{}, err
		}
	}
}

func rollback(ctx context.Context, conn bun.Conn) error {
	_, err := conn.ExecContext(ctx, "ROLLBACK")
	return err
}

// discard closes conn's connection rather than return it to the pool, as
// database/sql does with a connection its driver calls bad.
func discard(conn bun.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}
