package bunstore

import (
	"bytes"
	"context"
	"fmt"
	"maps"
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
// carts take no lock in common. Update and UpdatePair may call their
// function again when InnoDB aborts the transaction (a deadlock or a lock
// wait timeout); the function gets fresh quantities each time.
func (s *Store) Carts() cart.Repository { return s.carts }

// cartRepo is the carts; db is the *bun.DB or, inside a transaction, the
// connection the transaction runs on (runInTx), on which Update and
// UpdatePair then run without a transaction of their own.
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
// fn changed (writeChanges).
func (r *cartRepo) Update(ctx context.Context, key cart.Key, at time.Time, fn func(quantities map[uuid.UUID]int) error) error {
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		if err := lockCarts(ctx, tx, key); err != nil {
			return err
		}
		c := &cartChange{key: key}
		if err := c.read(ctx, tx); err != nil {
			return err
		}
		q := maps.Clone(c.old)
		if err := fn(q); err != nil {
			return err
		}
		// A line that was there keeps its AddedAt whatever this says;
		// a new one is stamped at.
		c.lines = make(map[uuid.UUID]cart.StoredLine, len(q))
		for id, n := range q {
			c.lines[id] = cart.StoredLine{Quantity: n}
		}
		return writeChanges(ctx, tx, at, c)
	})
}

// UpdatePair locks both carts' rows, in key order so that two pairs of the
// same carts never deadlock, reads their lines, calls fn and writes what
// fn changed in both (writeChanges).
func (r *cartRepo) UpdatePair(ctx context.Context, a, b cart.Key, at time.Time, fn func(a, b map[uuid.UUID]cart.StoredLine) error) error {
	if a == b {
		return cart.ErrSameCart
	}
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		first, second := a, b
		if second < first {
			first, second = second, first
		}
		if err := lockCarts(ctx, tx, first, second); err != nil {
			return err
		}
		pair := [2]*cartChange{{key: a}, {key: b}}
		for _, c := range pair {
			if err := c.read(ctx, tx); err != nil {
				return err
			}
		}
		if err := fn(pair[0].lines, pair[1].lines); err != nil {
			return err
		}
		return writeChanges(ctx, tx, at, pair[:]...)
	})
}

// writeChanges writes what changed in carts: first the new lines of every
// cart in one INSERT, then each cart's changed quantities in one UPDATE,
// then each cart's removed lines in one DELETE — in that order, so that a
// new line naming a missing product fails before anything else is
// written. New lines without an AddedAt are stamped at.
func writeChanges(ctx context.Context, tx bun.IDB, at time.Time, carts ...*cartChange) error {
	var added []quantityRow
	for _, c := range carts {
		added = append(added, c.diff(at)...)
	}
	if err := insertLines(ctx, tx, added); err != nil {
		return err
	}
	for _, c := range carts {
		if err := setQuantities(ctx, tx, c.key, c.old, c.changed); err != nil {
			return err
		}
	}
	for _, c := range carts {
		if err := deleteLines(ctx, tx, c.key, c.removed); err != nil {
			return err
		}
	}
	return nil
}

// cartChange is one cart of an UpdatePair: its quantities as read (old),
// its lines as fn leaves them, and what changed.
type cartChange struct {
	key     cart.Key
	old     map[uuid.UUID]int
	lines   map[uuid.UUID]cart.StoredLine
	changed map[uuid.UUID]int // new quantities of lines that were there
	removed map[uuid.UUID]int // quantities of lines that go, as read
}

// read reads the cart's lines into old and lines.
func (c *cartChange) read(ctx context.Context, tx bun.IDB) error {
	rows, err := readLines(ctx, tx, c.key)
	if err != nil {
		return err
	}
	c.old = make(map[uuid.UUID]int, len(rows))
	c.lines = make(map[uuid.UUID]cart.StoredLine, len(rows))
	for _, row := range rows {
		id := uuid.UUID(row.ProductID)
		c.old[id] = row.Quantity
		c.lines[id] = cart.StoredLine{Quantity: row.Quantity, AddedAt: row.AddedAt.UTC()}
	}
	return nil
}

// diff compares lines with old: it fills changed and removed, and returns
// the new lines in product-id order, stamped with their AddedAt or at.
func (c *cartChange) diff(at time.Time) []quantityRow {
	c.changed, c.removed = map[uuid.UUID]int{}, map[uuid.UUID]int{}
	var added []quantityRow
	for id, was := range c.old {
		if c.lines[id].Quantity <= 0 {
			c.removed[id] = was
		}
	}
	for id, l := range c.lines {
		was, had := c.old[id]
		switch {
		case l.Quantity > 0 && !had:
			addedAt := l.AddedAt
			if addedAt.IsZero() {
				addedAt = at
			}
			added = append(added, quantityRow{CartKey: string(c.key), ProductID: binID(id), Quantity: l.Quantity, AddedAt: addedAt.UTC()})
		case l.Quantity > 0 && l.Quantity != was:
			c.changed[id] = l.Quantity
		}
	}
	slices.SortFunc(added, func(x, y quantityRow) int { return bytes.Compare(x.ProductID[:], y.ProductID[:]) })
	return added
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
