package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/order"
)

// ImportOrders runs one transaction (or joins the one it is in). It first
// takes the database's lock of order imports (lockImports), so that imports
// run one at a time: their locking reads of ids and numbers that no order
// has yet hold the gaps where those would go, and two imports holding one
// gap and inserting into it would deadlock each other. It then reads the
// stored orders with q's ids and the orders holding q's numbers with
// locking reads, which hold those rows and gaps against checkouts until it
// commits; reads which of q's users exist with a shared lock, so that none
// is deleted before the orders that name it are written; and reads which
// of q's products exist. Then it calls decide and writes its orders in
// three statements whatever their number: one INSERT … ON DUPLICATE KEY
// UPDATE of the orders, one DELETE of the lines of the orders it replaces
// and one INSERT of all the lines. A deadlock with a checkout is retried
// by runInTx, calling decide again on what the retry reads.
func (r *orderRepo) ImportOrders(ctx context.Context, q order.ImportQuery, decide func(order.ImportState) ([]order.Order, error)) error {
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		release, err := lockImports(ctx, tx, "orders")
		if err != nil {
			return err
		}
		defer release()
		st, err := readImportState(ctx, tx, q)
		if err != nil {
			return err
		}
		write, err := decide(st)
		if err != nil {
			return err
		}
		return writeImportedOrders(ctx, tx, write, st.Orders)
	})
}

// importLock returns the SQL expression of the name of the lock of the
// imports of what (orders, carts): MySQL's and MariaDB's named locks
// belong to the server, not to a database, so the name carries a digest
// of the database's (and stays within the 64 characters a name may have).
func importLock(what string) string {
	return "CONCAT('commerce.import_" + what + ".', MD5(DATABASE()))"
}

// importLockWait is how long an import waits for its lock when its
// context sets no deadline.
const importLockWait = 50 * time.Second

// lockImports takes the lock of the imports of what on tx's connection,
// waiting until ctx's deadline (or importLockWait) for another import to
// release it, and returns the function that releases it. The release
// comes at the end of the transaction's function, before COMMIT: the next
// import may then read, but its locking reads wait for the rows this one
// wrote until it commits. A named lock is the session's: should the
// connection be dropped, the server releases it.
func lockImports(ctx context.Context, tx bun.IDB, what string) (func(), error) {
	wait := importLockWait
	if d, ok := ctx.Deadline(); ok {
		wait = time.Until(d)
	}
	seconds := max(1, int64(math.Ceil(wait.Seconds())))
	var got sql.NullInt64
	if err := tx.NewRaw("SELECT GET_LOCK("+importLock(what)+", ?)", seconds).Scan(ctx, &got); err != nil {
		return nil, translate(err)
	}
	if got.Int64 != 1 {
		return nil, fmt.Errorf("bunstore: another import of %s held their lock for %d s: %w", what, seconds, commerce.ErrUnavailable)
	}
	return func() {
		// Released even when ctx has ended: a connection back in the
		// pool must not keep it.
		_, _ = tx.NewRaw("DO RELEASE_LOCK(" + importLock(what) + ")").Exec(context.WithoutCancel(ctx))
	}, nil
}

// readImportState reads what q names, in at most five queries.
func readImportState(ctx context.Context, tx bun.IDB, q order.ImportQuery) (order.ImportState, error) {
	st := order.ImportState{
		Orders:   make(map[uuid.UUID]order.Order),
		Numbers:  make(map[string]uuid.UUID),
		Users:    make(map[uuid.UUID]bool),
		Products: make(map[uuid.UUID]bool),
	}
	if len(q.IDs) > 0 {
		var rows []orderRow
		err := tx.NewSelect().Model(&rows).ColumnExpr(orderColumns).
			Where("o.id IN (?)", bun.List(binIDs(q.IDs))).For("UPDATE").Scan(ctx)
		if err != nil {
			return st, translate(err)
		}
		orders, err := (&orderRepo{db: tx}).withLines(ctx, rows)
		if err != nil {
			return st, err
		}
		for _, o := range orders {
			st.Orders[o.ID] = o
		}
	}
	if len(q.Numbers) > 0 {
		var rows []struct {
			ID     binID  `bun:"id"`
			Number string `bun:"number"`
		}
		err := tx.NewRaw("SELECT id, number FROM orders WHERE number IN (?) FOR UPDATE", bun.List(q.Numbers)).Scan(ctx, &rows)
		if err != nil {
			return st, translate(err)
		}
		for _, row := range rows {
			st.Numbers[row.Number] = uuid.UUID(row.ID)
		}
	}
	if err := existing(ctx, tx, "SELECT id FROM users WHERE id IN (?) LOCK IN SHARE MODE", q.UserIDs, st.Users); err != nil {
		return st, err
	}
	if err := existing(ctx, tx, "SELECT id FROM products WHERE id IN (?)", q.ProductIDs, st.Products); err != nil {
		return st, err
	}
	return st, nil
}

// existing runs query, which selects the ids among ids (its one
// parameter) that a table holds, and puts them in found.
func existing(ctx context.Context, tx bun.IDB, query string, ids []uuid.UUID, found map[uuid.UUID]bool) error {
	if len(ids) == 0 {
		return nil
	}
	var rows []binID
	if err := tx.NewRaw(query, bun.List(binIDs(ids))).Scan(ctx, &rows); err != nil {
		return translate(err)
	}
	for _, id := range rows {
		found[uuid.UUID(id)] = true
	}
	return nil
}

// writeImportedOrders writes orders, replacing those of stored with the
// same ids, lines included.
func writeImportedOrders(ctx context.Context, tx bun.IDB, orders []order.Order, stored map[uuid.UUID]order.Order) error {
	if len(orders) == 0 {
		return nil
	}
	rows := make([]orderRow, len(orders))
	var (
		lines    []orderLineRow
		replaced []binID
	)
	for i, o := range orders {
		row, ls := orderIn(o)
		rows[i] = *row
		lines = append(lines, ls...)
		if _, ok := stored[o.ID]; ok {
			replaced = append(replaced, binID(o.ID))
		}
	}
	// The rows go in the order given: an order that gives up its number
	// comes before one of the same batch that takes it.
	if _, err := tx.NewInsert().Model(&rows).On("DUPLICATE KEY UPDATE").Exec(ctx); err != nil {
		return translate(err)
	}
	if len(replaced) > 0 {
		if _, err := tx.NewDelete().TableExpr("order_lines").Where("order_id IN (?)", bun.List(replaced)).Exec(ctx); err != nil {
			return translate(err)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	_, err := tx.NewInsert().Model(&lines).Exec(ctx)
	return translate(err)
}
