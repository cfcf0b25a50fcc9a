package bunstore

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
)

// ImportCarts runs one transaction (or joins the one it is in). It takes
// the database's lock of cart imports (lockImports), so that imports run
// one at a time and never deadlock each other; locks the carts' rows, in
// key order, as every change of a cart does first (lockCarts), so that no
// shopper's change of them runs until it commits; reads which of q's
// users exist and the prices of q's products with shared locks, so that
// none is deleted before the lines that name it are written; and then
// reads the carts' lines with a plain read, as Update does, which sees
// them as the cart locks left them. Then it calls decide and writes its
// carts in two statements whatever their number: one DELETE of the lines
// that go, naming each by its whole primary key so that only those rows
// are locked, and one INSERT … ON DUPLICATE KEY UPDATE of the lines that
// are new or changed.
func (r *cartRepo) ImportCarts(ctx context.Context, q cart.ImportQuery, decide func(cart.ImportState) (map[cart.Key]map[uuid.UUID]cart.StoredLine, error)) error {
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		release, err := lockImports(ctx, tx, "carts")
		if err != nil {
			return err
		}
		defer release()
		st, err := readCartImportState(ctx, tx, q)
		if err != nil {
			return err
		}
		write, err := decide(st)
		if err != nil {
			return err
		}
		return writeImportedCarts(ctx, tx, write, st.Carts)
	})
}

// readCartImportState locks the carts of q and reads what q names, in
// four statements.
func readCartImportState(ctx context.Context, tx bun.IDB, q cart.ImportQuery) (cart.ImportState, error) {
	st := cart.ImportState{
		Carts:  make(map[cart.Key]map[uuid.UUID]cart.StoredLine),
		Users:  make(map[uuid.UUID]bool),
		Prices: make(map[uuid.UUID]commerce.Money),
	}
	keys := slices.Clone(q.Keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > 0 {
		if err := lockCarts(ctx, tx, keys...); err != nil {
			return st, err
		}
	}
	if err := existing(ctx, tx, "SELECT id FROM users WHERE id IN (?) LOCK IN SHARE MODE", q.UserIDs, st.Users); err != nil {
		return st, err
	}
	if len(q.ProductIDs) > 0 {
		var rows []struct {
			ID       binID           `bun:"id"`
			Amount   decimal.Decimal `bun:"price_amount"`
			Currency string          `bun:"price_currency"`
		}
		err := tx.NewRaw("SELECT id, price_amount, price_currency FROM products WHERE id IN (?) LOCK IN SHARE MODE",
			bun.List(binIDs(q.ProductIDs))).Scan(ctx, &rows)
		if err != nil {
			return st, translate(err)
		}
		for _, row := range rows {
			st.Prices[uuid.UUID(row.ID)] = money(row.Amount, row.Currency)
		}
	}
	if len(keys) > 0 {
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = string(k)
		}
		var rows []quantityRow
		err := tx.NewRaw("SELECT cart_key, product_id, quantity, added_at FROM cart_lines WHERE cart_key IN (?)", bun.List(names)).
			Scan(ctx, &rows)
		if err != nil {
			return st, translate(err)
		}
		for _, row := range rows {
			key := cart.Key(row.CartKey)
			if st.Carts[key] == nil {
				st.Carts[key] = make(map[uuid.UUID]cart.StoredLine)
			}
			st.Carts[key][uuid.UUID(row.ProductID)] = cart.StoredLine{Quantity: row.Quantity, AddedAt: row.AddedAt.UTC()}
		}
	}
	return st, nil
}

// writeImportedCarts makes the lines of each cart of carts exactly the
// lines given, stored being the lines read.
func writeImportedCarts(ctx context.Context, tx bun.IDB, carts map[cart.Key]map[uuid.UUID]cart.StoredLine, stored map[cart.Key]map[uuid.UUID]cart.StoredLine) error {
	var gone, set []quantityRow
	for key, lines := range carts {
		for id := range stored[key] {
			if lines[id].Quantity <= 0 {
				gone = append(gone, quantityRow{CartKey: string(key), ProductID: binID(id)})
			}
		}
		for id, l := range lines {
			was, had := stored[key][id]
			if l.Quantity > 0 && (!had || was.Quantity != l.Quantity || !was.AddedAt.Equal(l.AddedAt)) {
				set = append(set, quantityRow{CartKey: string(key), ProductID: binID(id), Quantity: l.Quantity, AddedAt: l.AddedAt.UTC().Truncate(time.Microsecond)})
			}
		}
	}
	// In key order, as the carts were locked.
	byKey := func(x, y quantityRow) int {
		if c := strings.Compare(x.CartKey, y.CartKey); c != 0 {
			return c
		}
		return bytes.Compare(x.ProductID[:], y.ProductID[:])
	}
	slices.SortFunc(gone, byKey)
	slices.SortFunc(set, byKey)
	if len(gone) > 0 {
		var (
			b    strings.Builder
			args []any
		)
		b.WriteString("DELETE FROM cart_lines WHERE ")
		for i, row := range gone {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("(cart_key = ? AND product_id = ?)")
			args = append(args, row.CartKey, row.ProductID)
		}
		if _, err := tx.NewRaw(b.String(), args...).Exec(ctx); err != nil {
			return translate(err)
		}
	}
	if len(set) == 0 {
		return nil
	}
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("INSERT INTO cart_lines (cart_key, product_id, quantity, added_at) VALUES ")
	for i, row := range set {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
		args = append(args, row.CartKey, row.ProductID, row.Quantity, row.AddedAt)
	}
	b.WriteString(" ON DUPLICATE KEY UPDATE quantity = VALUES(quantity), added_at = VALUES(added_at)")
	_, err := tx.NewRaw(b.String(), args...).Exec(ctx)
	if isErrno(err, errNoReferencedRow, errNoReferencedRowOld) {
		return cart.ErrProductNotFound
	}
	return translate(err)
}
