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

// The retry policy of every transaction of the store: runInTx runs each
// one — catalog and account writes, cart changes, checkouts and status
// changes alike — and is the only place that decides when one runs again.
//
//   - What: InnoDB aborts a transaction with ER_LOCK_DEADLOCK (1213) to
//     break a deadlock, having rolled the whole transaction back, and with
//     ER_LOCK_WAIT_TIMEOUT (1205) when a lock was not granted within
//     innodb_lock_wait_timeout, having rolled back the statement; runInTx
//     then rolls back the rest. Either way nothing of the run is left, and
//     a new run, which sees what the other transactions committed, may
//     well go through. Every other error is final: a lost or refused
//     connection may have taken a COMMIT with it, so running again could
//     apply the transaction twice.
//   - How often: maxTxRuns runs in all. Past that the abort comes back,
//     translated: an error that wraps commerce.ErrUnavailable.
//   - How long between runs: a random pause (full jitter) below a ceiling
//     that starts at txBackoff and doubles with each run — 4, 8, 16, …,
//     256 ms — so that the transactions that collided do not collide again
//     in step, and a burst spreads out: 200 buyers of the last units of a
//     product, on two instances of a busy two-core machine, ran out of five
//     runs; eight wait half a second at most in all.
//   - The context bounds it all: no run starts and no pause goes on once
//     ctx has ended, and the error then says so (ended): the retries never
//     keep a request past its deadline.
const (
	// maxTxRuns bounds the runs of one transaction.
	maxTxRuns = 8
	// txBackoff is the ceiling of the pause before the second run; it
	// doubles before each run after that.
	txBackoff = 4 * time.Millisecond
)

// runInTx runs fn in a transaction on db and commits it, under the store's
// retry policy (above): when InnoDB aborts the transaction with a deadlock
// or a lock wait timeout — in fn or at COMMIT — it is rolled back and run
// again from the start. So fn may run more than once, and must have no
// effect outside tx.
//
// fn's own error comes back as it is, a MySQL error in it translated so
// that no driver type leaks; callers whose fn returns the driver's other
// errors (a context's, database/sql's) translate those. An error of BEGIN
// or COMMIT is translated. Everything fn does runs on tx's one connection:
// it never waits for a second connection of the pool while holding one, so
// any number of concurrent transactions share a pool of any size without
// starving it.
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
		if aborted(err) && run < maxTxRuns && pause(ctx, run) == nil {
			continue
		}
		if fnErr != nil {
			if _, ok := mysqlErrno(fnErr); !ok {
				return ended(ctx, fnErr)
			}
			err = fnErr
		}
		return ended(ctx, translate(err))
	}
}

// pause waits before run+1 of an aborted transaction: a random time below
// txBackoff doubled run-1 times. It returns ctx's error at once if ctx has
// ended or ends meanwhile.
func pause(ctx context.Context, run int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(rand.N(txBackoff << (run - 1)))
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
// run again under the store's one retry policy (runInTx), as
// order.Transactor allows.
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
