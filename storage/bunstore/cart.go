package bunstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
)

// Carts returns the cart repository. Each change of a cart is one
// transaction that first locks the cart's row in carts, so concurrent
// changes of one cart run one after the other, and changes of different
// carts take no lock in common. Update and Merge may call their function
// again when InnoDB aborts the transaction (a deadlock or a lock wait
// timeout); the function gets fresh quantities each time.
func (s *Store) Carts() cart.Repository { return s.carts }

// cartRepo is the carts; db is the *bun.DB or, inside a transaction, the
// bun.Tx, on which Update and Merge then run without a transaction of
// their own.
type cartRepo struct {
	db bun.IDB
}

var _ cart.Repository = (*cartRepo)(nil)

// cartLineRow is a product read with a cart line (join cart_lines AS cl).
type cartLineRow struct {
	productRow `bun:",extend"`

	Quantity int       `bun:"quantity,scanonly"`
	AddedAt  time.Time `bun:"added_at,scanonly"`
}

// quantityRow is a stored cart line without its product.
type quantityRow struct {
	CartKey   string    `bun:"cart_key"`
	ProductID binID     `bun:"product_id"`
	Quantity  int       `bun:"quantity"`
	AddedAt   time.Time `bun:"added_at"`
}

// Lines reads the lines with their products and the products' brand names
// in one query. Lines of deleted products are gone already: the foreign
// key deletes them with the product.
func (r *cartRepo) Lines(ctx context.Context, key cart.Key) ([]cart.Line, error) {
	var rows []cartLineRow
	err := r.db.NewSelect().Model(&rows).ColumnExpr(productColumns+", cl.quantity, cl.added_at").
		Join("JOIN cart_lines AS cl ON cl.product_id = p.id").
		Join("LEFT JOIN brands AS b ON b.id = p.brand_id").
		Where("cl.cart_key = ?", string(key)).
		OrderExpr("cl.added_at ASC, cl.product_id ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]cart.Line, len(rows))
	for i := range rows {
		p, err := rows[i].out()
		if err != nil {
			return nil, err
		}
		out[i] = cart.Line{Product: p, Quantity: rows[i].Quantity, AddedAt: rows[i].AddedAt.UTC()}
	}
	return out, nil
}

// Update locks the cart's row, reads its lines, calls fn and writes what
// fn changed: new lines in one INSERT, changed quantities in one UPDATE,
// removed lines in one DELETE — in that order, so that a new line naming a
// missing product fails before anything else is written.
func (r *cartRepo) Update(ctx context.Context, key cart.Key, at time.Time, fn func(quantities map[uuid.UUID]int) error) error {
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		if err := lockCarts(ctx, tx, key); err != nil {
			return err
		}
		lines, err := readLines(ctx, tx, key)
		if err != nil {
			return err
		}
		old := make(map[uuid.UUID]int, len(lines))
		for _, l := range lines {
			old[uuid.UUID(l.ProductID)] = l.Quantity
		}
		q := make(map[uuid.UUID]int, len(old))
		for id, n := range old {
			q[id] = n
		}
		if err := fn(q); err != nil {
			return err
		}
		var added []quantityRow
		changed := map[uuid.UUID]int{}
		removed := map[uuid.UUID]int{}
		for _, id := range sortedIDs(q) {
			n, was := q[id], old[id]
			switch {
			case n > 0 && was == 0:
				added = append(added, quantityRow{CartKey: string(key), ProductID: binID(id), Quantity: n, AddedAt: at.UTC()})
			case n > 0 && n != was:
				changed[id] = n
			}
		}
		for id, was := range old {
			if q[id] <= 0 {
				removed[id] = was
			}
		}
		if err := insertLines(ctx, tx, added); err != nil {
			return err
		}
		if err := setQuantities(ctx, tx, key, old, changed); err != nil {
			return err
		}
		return deleteLines(ctx, tx, key, removed)
	})
}

// Merge moves the lines of from into to. A cart that has no lines is
// found by one query and nothing more is done; otherwise one transaction
// locks both carts' rows, in key order so that two merges of the same
// carts never deadlock, and moves the lines.
func (r *cartRepo) Merge(ctx context.Context, from, to cart.Key, max int) error {
	if from == to {
		return nil
	}
	var has bool
	if err := r.db.NewRaw("SELECT EXISTS (SELECT 1 FROM cart_lines WHERE cart_key = ?)", string(from)).Scan(ctx, &has); err != nil {
		return translate(err)
	}
	if !has {
		return nil
	}
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		first, second := from, to
		if second < first {
			first, second = second, first
		}
		if err := lockCarts(ctx, tx, first, second); err != nil {
			return err
		}
		src, err := readLines(ctx, tx, from)
		if err != nil || len(src) == 0 {
			return err
		}
		dst, err := readLines(ctx, tx, to)
		if err != nil {
			return err
		}
		old := make(map[uuid.UUID]int, len(dst))
		for _, l := range dst {
			old[uuid.UUID(l.ProductID)] = l.Quantity
		}
		var added []quantityRow
		changed := map[uuid.UUID]int{}
		moved := map[uuid.UUID]int{}
		for _, l := range src {
			id := uuid.UUID(l.ProductID)
			moved[id] = l.Quantity
			was, ok := old[id]
			switch n := min(was+l.Quantity, max); {
			case !ok:
				added = append(added, quantityRow{CartKey: string(to), ProductID: l.ProductID, Quantity: n, AddedAt: l.AddedAt})
			case n != was:
				changed[id] = n
			}
		}
		slices.SortFunc(added, func(a, b quantityRow) int { return bytes.Compare(a.ProductID[:], b.ProductID[:]) })
		if err := insertLines(ctx, tx, added); err != nil {
			return err
		}
		if err := setQuantities(ctx, tx, to, old, changed); err != nil {
			return err
		}
		return deleteLines(ctx, tx, from, moved)
	})
}

// lockCarts makes sure each cart has its row and takes an exclusive lock
// on it until the transaction ends, in one statement. On an existing row,
// INSERT … ON DUPLICATE KEY UPDATE takes an exclusive lock (INSERT IGNORE
// would take a shared one, and two transactions each holding it would
// deadlock on the way to exclusive); a new row is locked by its insert.
// The rows are locked in the order given.
func lockCarts(ctx context.Context, db bun.IDB, keys ...cart.Key) error {
	values := strings.TrimSuffix(strings.Repeat("(?), ", len(keys)), ", ")
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = string(k)
	}
	_, err := db.NewRaw("INSERT INTO carts (cart_key) VALUES "+values+" ON DUPLICATE KEY UPDATE cart_key = cart_key", args...).Exec(ctx)
	return translate(err)
}

// readLines reads a cart's stored lines. It is a plain (consistent) read:
// locking reads of a range of cart_lines would take gap locks that make
// changes of neighbouring carts wait on each other and deadlock. The
// cart's row lock already keeps every other change of the cart out, and
// the snapshot a plain read sees is taken at the transaction's first plain
// read — after the lock, in the store's own transactions and in a checkout,
// which changes the cart first. Should a caller's transaction have read
// earlier, the writes below check the quantities they replace and abort
// the transaction when the snapshot was stale, and runInTx runs it again.
func readLines(ctx context.Context, db bun.IDB, key cart.Key) ([]quantityRow, error) {
	var rows []quantityRow
	err := db.NewRaw("SELECT cart_key, product_id, quantity, added_at FROM cart_lines WHERE cart_key = ? ORDER BY product_id", string(key)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	return rows, nil
}

// errStaleCart aborts a cart change whose snapshot missed a change made
// under another lock holder, so that the transaction runs again.
func errStaleCart(key cart.Key) error {
	return &abortedError{fmt.Sprintf("bunstore: cart %q changed after the transaction's snapshot: %v", key, commerce.ErrUnavailable)}
}

// insertLines inserts new lines in one statement. A product that does not
// exist fails the foreign key: cart.ErrProductNotFound, and the statement
// leaves nothing behind. A line that exists already was missed by a stale
// snapshot.
func insertLines(ctx context.Context, db bun.IDB, rows []quantityRow) error {
	if len(rows) == 0 {
		return nil
	}
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("INSERT INTO cart_lines (cart_key, product_id, quantity, added_at) VALUES ")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
		args = append(args, r.CartKey, r.ProductID, r.Quantity, r.AddedAt)
	}
	_, err := db.NewRaw(b.String(), args...).Exec(ctx)
	switch {
	case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
		return cart.ErrProductNotFound
	case isErrno(err, errDupEntry):
		return errStaleCart(cart.Key(rows[0].CartKey))
	}
	return translate(err)
}

// setQuantities changes the quantities of existing lines in one UPDATE
// that also checks each line still holds the quantity read (old).
func setQuantities(ctx context.Context, db bun.IDB, key cart.Key, old, changed map[uuid.UUID]int) error {
	if len(changed) == 0 {
		return nil
	}
	ids := sortedIDs(changed)
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("UPDATE cart_lines SET quantity = CASE product_id")
	for _, id := range ids {
		b.WriteString(" WHEN ? THEN ?")
		args = append(args, binID(id), changed[id])
	}
	b.WriteString(" END")
	args = whereLines(&b, args, key, ids, old)
	return checkLines(ctx, db, key, b.String(), args, len(ids))
}

// deleteLines deletes lines in one DELETE that also checks each line
// still holds the quantity read.
func deleteLines(ctx context.Context, db bun.IDB, key cart.Key, lines map[uuid.UUID]int) error {
	if len(lines) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("DELETE FROM cart_lines")
	args := whereLines(&b, nil, key, sortedIDs(lines), lines)
	return checkLines(ctx, db, key, b.String(), args, len(lines))
}

// whereLines writes the WHERE clause that selects the lines ids of a cart
// holding the quantities in quantities. It names each line by its whole
// primary key (cart_key = ? AND product_id IN (…)), so that InnoDB reads
// them as single rows and locks only those rows. With the quantities
// alone — (product_id, quantity) IN (…) — the optimizer may scan the cart's
// range instead and lock the gap after it, where the next cart's new lines
// go: changes of neighbouring carts would then wait on each other, and
// could deadlock.
func whereLines(b *strings.Builder, args []any, key cart.Key, ids []uuid.UUID, quantities map[uuid.UUID]int) []any {
	b.WriteString(" WHERE cart_key = ? AND product_id IN (")
	args = append(args, string(key))
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, binID(id))
	}
	b.WriteString(") AND (product_id, quantity) IN (")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, binID(id), quantities[id])
	}
	b.WriteString(")")
	return args
}

// checkLines runs an UPDATE or DELETE of want lines and aborts the
// transaction when fewer matched: the snapshot was stale. Every matched
// line changes, so the changed-rows count MySQL reports is the match count.
func checkLines(ctx context.Context, db bun.IDB, key cart.Key, query string, args []any, want int) error {
	res, err := db.NewRaw(query, args...).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n != int64(want) {
		return errStaleCart(key)
	}
	return nil
}

// sortedIDs returns the keys of m in byte order, the order of the primary
// key, so that statements touch rows in one order.
func sortedIDs(m map[uuid.UUID]int) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}
