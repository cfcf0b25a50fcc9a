package bunstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
)

// maxTxRuns bounds how often a transaction of the shop (a checkout, a
// status change, a cart change) runs when InnoDB keeps aborting it with a
// deadlock or a lock wait timeout.
const maxTxRuns = 5

// txBackoff is the longest pause before the second run of an aborted
// transaction; it grows with each run. The pause is random, so that the
// transactions that collided do not collide again in step.
const txBackoff = 4 * time.Millisecond

// runInTx runs fn in a transaction on db and commits it. When the
// transaction is aborted by a deadlock or a lock wait timeout — in fn or at
// COMMIT — it is rolled back and run again from the start, up to maxTxRuns
// in all: the next run sees what the winner committed. So fn may run more
// than once, and must have no effect outside tx.
//
// fn's own error comes back as it is (a MySQL error in it translated, so
// that no driver type leaks); an error of BEGIN or COMMIT is translated.
// Everything fn does runs on tx's one connection: it never waits for a
// second connection of the pool while holding one, so any number of
// concurrent transactions share a pool of any size without starving it.
func runInTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.IDB) error) error {
	for run := 1; ; run++ {
		var fnErr error
		err := runOnce(ctx, db, func(ctx context.Context, tx bun.IDB) error {
			fnErr = fn(ctx, tx)
			return fnErr
		})
		if err == nil {
			return nil
		}
		if aborted(err) && run < maxTxRuns && ctx.Err() == nil {
			if pause(ctx, run) == nil {
				continue
			}
		}
		if fnErr != nil {
			if _, ok := mysqlErrno(fnErr); ok {
				return ended(ctx, translate(fnErr))
			}
			return fnErr
		}
		return ended(ctx, translate(err))
	}
}

// pause waits a random time before run+1 of an aborted transaction, or
// until ctx ends.
func pause(ctx context.Context, run int) error {
	t := time.NewTimer(rand.N(time.Duration(run) * txBackoff))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// inTx runs fn in a transaction: on db itself when db already is one (a
// repository of an order.Tx), which must not open another; otherwise in a
// new one through runInTx.
func inTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.IDB) error) error {
	if pool, ok := db.(*bun.DB); ok {
		return runInTx(ctx, pool, fn)
	}
	return fn(ctx, db)
}

// Transactor returns the transactor of checkouts and status changes, for
// order.NewService. A transaction is a MySQL transaction on one connection
// of the pool, at the server's isolation level, REPEATABLE READ by default;
// the repositories of its order.Tx run their queries on it. Each of its
// statements, COMMIT included, is bounded by the context (runOnce), so no
// order is committed after its request's deadline. A transaction that
// InnoDB aborts with a deadlock or a lock wait timeout is rolled back and
// run again, up to five times in all, as order.Transactor allows.
func (s *Store) Transactor() order.Transactor { return transactor{s.db} }

type transactor struct{ db *bun.DB }

var _ order.Transactor = transactor{}

func (t transactor) InTx(ctx context.Context, fn func(ctx context.Context, tx order.Tx) error) error {
	if fn == nil {
		return errors.New("bunstore: InTx with a nil function")
	}
	return runInTx(ctx, t.db, func(ctx context.Context, tx bun.IDB) error {
		return fn(ctx, sqlTx{tx})
	})
}

// sqlTx is the order.Tx of one transaction: the store's repositories over
// the connection that runs it.
type sqlTx struct{ tx bun.IDB }

func (t sqlTx) Orders() order.Repository       { return &orderRepo{db: t.tx} }
func (t sqlTx) Carts() cart.Repository         { return &cartRepo{db: t.tx} }
func (t sqlTx) Products() order.ProductReader  { return txProducts{&catalogRepo{db: t.tx}} }
func (t sqlTx) Stock() catalog.StockRepository { return &stockRepo{db: t.tx} }
