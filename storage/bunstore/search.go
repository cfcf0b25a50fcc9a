package bunstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/impactmuseum/commerce/catalog"
)

// The search index. product_grams holds, for every product, each gram of
// catalog.SearchKey of its name and of its brand's name: each letter, and
// each pair of adjacent letters. Its primary key (gram, product_id) makes
// each gram's products a list in id order, so a search walks one list
// newest first and stops as soon as the page is full. Every product that
// contains a query of k ≥ 2 letters has each of its k-1 pairs, and every
// product that contains a one-letter query has that letter, so one gram's
// list holds every match; each candidate is then tested with the exact
// substring rule (LIKE on the keys, % and _ escaped), and the results are
// those of the plain rule whatever the index holds.
//
// product_gram_counts holds how many products have each gram. A query of
// three or more letters walks the list of its rarest pair, which a
// subquery of the search picks from the counts; a pair that no product has
// counts 0, is picked, and ends the search at once.
//
// Both tables change in the transaction of every write that changes what
// they hold: a product created, renamed, moved to another brand or deleted;
// a brand renamed (its products' lists hold its name's grams, so its
// products are re-indexed: the grams that change) or deleted. Stock changes
// and edits that keep the name and brand do not touch them.

// searchQuery adds to sel, a select of products AS p left-joined to brands
// AS b, the search for q.Search through the index: sel reads from the
// walked gram's list (product_grams AS g) and must be ordered by
// g.product_id.
func searchQuery(sel *bun.SelectQuery, search string) *bun.SelectQuery {
	grams := catalog.QueryGrams(search)
	sel = sel.ModelTableExpr("product_grams AS g").
		Join("JOIN products AS p ON p.id = g.product_id")
	if len(grams) == 1 {
		sel = sel.Where("g.gram = ?", grams[0])
	} else {
		// The rarest pair, by the counts; a pair that no product has
		// counts 0. Both MariaDB and MySQL evaluate the uncorrelated
		// subquery once and walk g's primary key as for a constant.
		var b strings.Builder
		args := make([]any, len(grams))
		b.WriteString("g.gram = (SELECT q.gram FROM (")
		for i, g := range grams {
			if i > 0 {
				b.WriteString(" UNION ALL ")
			}
			b.WriteString("SELECT ? AS gram")
			args[i] = g
		}
		b.WriteString(") AS q LEFT JOIN product_gram_counts AS c ON c.gram = q.gram ORDER BY COALESCE(c.products, 0), q.gram LIMIT 1)")
		sel = sel.Where(b.String(), args...)
	}
	pattern := likeContains(search)
	return sel.Where("(p.name_key LIKE ? ESCAPE '!' OR b.name_key LIKE ? ESCAPE '!')", pattern, pattern)
}

// ---- keeping the index ----

// gramChange is the change of one product's grams.
type gramChange struct {
	id            uuid.UUID
	before, after []int64 // sorted and distinct
}

// gramBatch is how many rows one statement of writeGrams writes at most.
const gramBatch = 1000

// writeGrams applies changes on db, which is a transaction: it deletes the
// grams that a product no longer has, adds the new ones, and moves the
// counts by the difference. Rows are written in key order, and counts in
// gram order, so that concurrent writes lock them in one order.
func writeGrams(ctx context.Context, db bun.IDB, changes []gramChange) error {
	type pair struct {
		gram int64
		id   uuid.UUID
	}
	var removed, added []pair
	delta := make(map[int64]int)
	for _, c := range changes {
		gone, come := catalog.DiffGrams(c.before, c.after)
		for _, g := range gone {
			removed = append(removed, pair{g, c.id})
			delta[g]--
		}
		for _, g := range come {
			added = append(added, pair{g, c.id})
			delta[g]++
		}
	}
	byKey := func(a, b pair) int {
		if c := cmp.Compare(a.gram, b.gram); c != 0 {
			return c
		}
		return compareUUID(a.id, b.id)
	}
	slices.SortFunc(removed, byKey)
	slices.SortFunc(added, byKey)

	var q strings.Builder
	args := make([]any, 0, 2*gramBatch)
	for chunk := range slices.Chunk(removed, gramBatch) {
		q.Reset()
		args = args[:0]
		q.WriteString("DELETE FROM product_grams WHERE ")
		for i, p := range chunk {
			if i > 0 {
				q.WriteString(" OR ")
			}
			q.WriteString("(gram = ? AND product_id = ?)")
			args = append(args, p.gram, binID(p.id))
		}
		if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(added, gramBatch) {
		q.Reset()
		args = args[:0]
		q.WriteString("INSERT INTO product_grams (gram, product_id) VALUES ")
		for i, p := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, p.gram, binID(p.id))
		}
		// A row that is already there (left by an interrupted backfill,
		// say) is kept as it is.
		q.WriteString(" ON DUPLICATE KEY UPDATE gram = gram")
		if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return addCounts(ctx, db, delta, false)
}

// addCounts adds delta to the counts of grams, in gram order; with replace,
// it sets them instead.
func addCounts(ctx context.Context, db bun.IDB, delta map[int64]int, replace bool) error {
	grams := slices.Sorted(maps.Keys(delta))
	grams = slices.DeleteFunc(grams, func(g int64) bool { return delta[g] == 0 && !replace })
	var q strings.Builder
	args := make([]any, 0, 2*gramBatch)
	for chunk := range slices.Chunk(grams, gramBatch) {
		q.Reset()
		args = args[:0]
		q.WriteString("INSERT INTO product_gram_counts (gram, products) VALUES ")
		for i, g := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, g, delta[g])
		}
		if replace {
			q.WriteString(" ON DUPLICATE KEY UPDATE products = VALUES(products)")
		} else {
			q.WriteString(" ON DUPLICATE KEY UPDATE products = products + VALUES(products)")
		}
		if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func compareUUID(a, b uuid.UUID) int { return strings.Compare(string(a[:]), string(b[:])) }

// brandKeys returns the search keys of the brands ids (uuid.Nil skipped)
// with a shared lock on their rows, which a rename's exclusive lock waits
// for, so that the grams written from them are of the names that stay.
// A brand that does not exist is missing from the map.
func brandKeys(ctx context.Context, db bun.IDB, ids ...uuid.UUID) (map[uuid.UUID]string, error) {
	var in []any
	for _, id := range ids {
		if id != uuid.Nil {
			in = append(in, binID(id))
		}
	}
	keys := make(map[uuid.UUID]string)
	if len(in) == 0 {
		return keys, nil
	}
	rows, err := db.QueryContext(ctx, "SELECT id, name_key FROM brands WHERE id IN (?) LOCK IN SHARE MODE", bun.List(in))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  binID
			key string
		)
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		keys[uuid.UUID(id)] = key
	}
	return keys, rows.Err()
}

// lockedProduct is what a write reads of a product, under an exclusive
// lock, before changing it.
type lockedProduct struct {
	NameKey string    `bun:"name_key"`
	BrandID nullBinID `bun:"brand_id"`
	Version int64     `bun:"version"`
}

// lockProduct reads product id FOR UPDATE, or returns
// catalog.ErrProductNotFound.
func lockProduct(ctx context.Context, db bun.IDB, id uuid.UUID) (lockedProduct, error) {
	var cur lockedProduct
	err := db.NewRaw("SELECT name_key, brand_id, version FROM products WHERE id = ? FOR UPDATE", binID(id)).Scan(ctx, &cur)
	if errors.Is(err, sql.ErrNoRows) {
		return cur, catalog.ErrProductNotFound
	}
	return cur, err
}

// reindexBrand re-indexes the products of brand id, whose search key
// changes from before to after ("" when the brand goes): it reads them
// FOR UPDATE, so that no edit of theirs interleaves, and writes the grams
// that change.
func reindexBrand(ctx context.Context, db bun.IDB, id uuid.UUID, before, after string) error {
	rows, err := db.QueryContext(ctx, "SELECT id, name_key FROM products WHERE brand_id = ? FOR UPDATE", binID(id))
	if err != nil {
		return err
	}
	defer rows.Close()
	var changes []gramChange
	for rows.Next() {
		var (
			pid binID
			key string
		)
		if err := rows.Scan(&pid, &key); err != nil {
			return err
		}
		changes = append(changes, gramChange{id: uuid.UUID(pid), before: catalog.ProductGrams(key, before), after: catalog.ProductGrams(key, after)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	return writeGrams(ctx, db, changes)
}

// ---- the backfill ----

// searchBackfill is the migration that indexes the products a database
// held before the search index came: it runs after the one that creates
// the tables.
func searchBackfill(db *bun.DB) migrate.Migration {
	return migrate.Migration{
		Name:    "20260304000001",
		Comment: "search_backfill",
		Up: func(ctx context.Context, _ *migrate.Migrator, _ *migrate.Migration) error {
			return backfillSearch(ctx, db)
		},
	}
}

// backfillBatch is how many products the backfill indexes per transaction.
const backfillBatch = 2000

// backfillSearch indexes every product, in id order and in batches, each in
// a transaction of its own, and then sets every gram's count. It may run
// again after it was interrupted: rows already there are kept.
func backfillSearch(ctx context.Context, db *bun.DB) error {
	counts := make(map[int64]int)
	var after binID
	for {
		var batch []struct {
			ID       binID          `bun:"id"`
			NameKey  string         `bun:"name_key"`
			BrandKey sql.NullString `bun:"brand_key"`
		}
		err := db.NewRaw("SELECT p.id, p.name_key, b.name_key AS brand_key FROM products AS p "+
			"LEFT JOIN brands AS b ON b.id = p.brand_id WHERE p.id > ? ORDER BY p.id LIMIT ?", after, backfillBatch).Scan(ctx, &batch)
		if err != nil {
			return fmt.Errorf("reading products: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		changes := make([]gramChange, len(batch))
		for i, p := range batch {
			grams := catalog.ProductGrams(p.NameKey, p.BrandKey.String)
			changes[i] = gramChange{id: uuid.UUID(p.ID), after: grams}
			for _, g := range grams {
				counts[g]++
			}
		}
		err = runInTx(ctx, db, func(ctx context.Context, tx bun.IDB) error {
			return writeGrams(ctx, tx, changes)
		})
		if err != nil {
			return fmt.Errorf("indexing products: %w", err)
		}
		after = batch[len(batch)-1].ID
	}
	// writeGrams counted what each batch added; a run after an interrupted
	// one adds nothing new for the rows it finds, so the counts are set
	// from what the products hold.
	if err := addCounts(ctx, db, counts, true); err != nil {
		return fmt.Errorf("counting grams: %w", err)
	}
	return nil
}
