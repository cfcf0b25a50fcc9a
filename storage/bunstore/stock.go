package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// Stock returns the repository that takes and returns tracked stock. Each
// change increments the product's version, so that a staff edit read
// before it cannot write the old stock back, and leaves the update time,
// which belongs to staff edits, alone. Inside a checkout, use the order.Tx's Stock instead,
// so that the stock taken is given back when the checkout fails.
func (s *Store) Stock() catalog.StockRepository { return s.stock }

// stockRepo changes products.stock with conditional updates; db is the
// *bun.DB or, inside a transaction, the bun.Tx.
type stockRepo struct {
	db bun.IDB
}

var _ catalog.StockRepository = (*stockRepo)(nil)

// maxTakeRuns bounds the retries of TakeStock's update in the unlikely case
// described in TakeStock.
const maxTakeRuns = 3

// TakeStock is one conditional UPDATE when it succeeds: the row changes
// only if its stock is tracked (not NULL) and at least n remain, so two
// checkouts never both take the last unit. No row changed can mean a
// missing product, untracked stock or too little of it; a locking read of
// the row, which sees the latest committed stock whatever the
// transaction's snapshot, tells them apart. Under READ COMMITTED the
// update's lock on a row it did not change is released, so stock given
// back in between can make that read find enough: the update then runs
// again. The events ctx carries are stored in the same transaction: the
// order.Tx's, or one of the UPDATE and the events' own (withEvents).
func (r *stockRepo) TakeStock(ctx context.Context, id uuid.UUID, n int) error {
	if n < 0 {
		return fmt.Errorf("bunstore: taking %d units of stock: %w", n, commerce.ErrInvalid)
	}
	return withEvents(ctx, r.db, func(ctx context.Context, db bun.IDB) error {
		return takeStock(ctx, db, id, n)
	})
}

// takeStock is TakeStock's conditional UPDATE on db.
func takeStock(ctx context.Context, db bun.IDB, id uuid.UUID, n int) error {
	for run := 1; ; run++ {
		res, err := db.NewRaw("UPDATE products SET stock = stock - ?, version = version + 1 WHERE id = ? AND stock >= ?", n, binID(id), n).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		if changed, err := res.RowsAffected(); err != nil {
			return translate(err)
		} else if changed > 0 {
			return nil
		}
		var stock sql.NullInt64
		err = db.NewRaw("SELECT stock FROM products WHERE id = ? FOR UPDATE", binID(id)).Scan(ctx, &stock)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return catalog.ErrProductNotFound
		case err != nil:
			return translate(err)
		case !stock.Valid:
			return nil // not tracked
		case stock.Int64 < int64(n):
			return catalog.ErrOutOfStock
		case n == 0 || run == maxTakeRuns:
			// Taking nothing changes no row. A row that keeps showing
			// enough stock without matching is left to a new run of the
			// whole transaction.
			if n == 0 {
				return nil
			}
			return &abortedError{fmt.Sprintf("bunstore: the stock of product %s kept changing while it was taken: %v", id, commerce.ErrUnavailable)}
		}
	}
}

// ReturnStock is one UPDATE of tracked stock; a missing product or an
// untracked stock changes no row, and that is no error.
func (r *stockRepo) ReturnStock(ctx context.Context, id uuid.UUID, n int) error {
	if n < 0 {
		return fmt.Errorf("bunstore: returning %d units of stock: %w", n, commerce.ErrInvalid)
	}
	_, err := r.db.NewRaw("UPDATE products SET stock = stock + ?, version = version + 1 WHERE id = ? AND stock IS NOT NULL", n, binID(id)).Exec(ctx)
	return translate(err)
}
