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

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
)

// The search index (package catalog/searchindex). search_sets holds, for
// each gram and each chunk of 65,536 sequence numbers, the set of the seqs
// of the products that have the gram, serialized; products.seq is each
// product's seq, and search_state.last_seq the last one given. A search
// reads its grams' sets in one query, intersects them here and loads the
// candidates by seq (the unique key products_seq), newest first, until the
// page is full; searchindex decides what matches.
//
// The sets change in the transaction of every write that changes what they
// hold: a product created, renamed, moved to another brand or deleted; a
// brand renamed (its products' sets hold its name's grams, so its products
// are re-indexed: the grams that change) or deleted. A write reads the
// rows it changes FOR UPDATE, in key order, and writes them back whole;
// stock changes and edits that keep the name and brand do not touch them.
// Creating a product takes the lock of search_state's row to give the next
// seq, so products are created one at a time: the seqs then follow the
// order in which the products are stored.

// chunkBits: a row of search_sets holds the seqs whose high bits are its
// chunk — one container of a Roaring bitmap, at most 8 KiB.
const chunkBits = searchindex.ChunkBits

// setKey names a row of search_sets.
type setKey struct {
	gram  int64
	chunk uint32
}

func compareSetKeys(a, b setKey) int {
	if c := cmp.Compare(a.gram, b.gram); c != 0 {
		return c
	}
	return cmp.Compare(a.chunk, b.chunk)
}

// setChange is the change of one product's grams.
type setChange struct {
	seq            uint32
	removed, added []int64
}

// gramChange returns the change of the product seq whose grams go from
// those of (nameKey, brandKey) before to those after; a side whose name
// key is absent (a product created or deleted) has no grams.
func gramChange(seq uint32, before, after *[2]string) setChange {
	var a, b []int64
	if before != nil {
		a = searchindex.ProductGrams(before[0], before[1])
	}
	if after != nil {
		b = searchindex.ProductGrams(after[0], after[1])
	}
	removed, added := searchindex.Diff(a, b)
	return setChange{seq: seq, removed: removed, added: added}
}

// setBatch is how many rows one statement of writeSets writes at most.
const setBatch = 200

// writeSets applies changes on db, which is a transaction: it reads the
// rows that change FOR UPDATE, in key order, adds and removes the seqs, and
// writes back the rows that still hold some and deletes the others.
func writeSets(ctx context.Context, db bun.IDB, changes []setChange) error {
	type edit struct{ add, remove []uint32 }
	edits := make(map[setKey]*edit)
	at := func(g int64, seq uint32) *edit {
		k := setKey{g, seq >> chunkBits}
		e := edits[k]
		if e == nil {
			e = &edit{}
			edits[k] = e
		}
		return e
	}
	for _, c := range changes {
		for _, g := range c.removed {
			e := at(g, c.seq)
			e.remove = append(e.remove, c.seq)
		}
		for _, g := range c.added {
			e := at(g, c.seq)
			e.add = append(e.add, c.seq)
		}
	}
	if len(edits) == 0 {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(edits), compareSetKeys)
	sets, err := readSets(ctx, db, keys, true)
	if err != nil {
		return err
	}
	var put []setKey
	var drop []setKey
	for _, k := range keys {
		set := sets[k]
		if set == nil {
			set = roaring.New()
			sets[k] = set
		}
		e := edits[k]
		for _, seq := range e.remove {
			set.Remove(seq)
		}
		set.AddMany(e.add)
		if set.IsEmpty() {
			drop = append(drop, k)
		} else {
			put = append(put, k)
		}
	}
	return putSets(ctx, db, sets, put, drop)
}

// readSets reads the rows of keys (sorted), FOR UPDATE when lock is set; a
// row that does not exist is missing from the map.
func readSets(ctx context.Context, db bun.IDB, keys []setKey, lock bool) (map[setKey]*roaring.Bitmap, error) {
	out := make(map[setKey]*roaring.Bitmap, len(keys))
	var grams, chunks []any
	for i, k := range keys {
		if i == 0 || k.gram != keys[i-1].gram {
			grams = append(grams, k.gram)
		}
		chunks = append(chunks, k.chunk)
	}
	slices.SortFunc(chunks, func(a, b any) int { return cmp.Compare(a.(uint32), b.(uint32)) })
	chunks = slices.Compact(chunks)
	q := "SELECT gram, chunk, bits FROM search_sets WHERE gram IN (?) AND chunk IN (?) ORDER BY gram, chunk"
	if lock {
		q += " FOR UPDATE"
	}
	rows, err := db.QueryContext(ctx, q, bun.List(grams), bun.List(chunks))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k    setKey
			bits []byte
		)
		if err := rows.Scan(&k.gram, &k.chunk, &bits); err != nil {
			return nil, err
		}
		set := roaring.New()
		if err := set.UnmarshalBinary(bits); err != nil {
			return nil, fmt.Errorf("bunstore: search set (%d, %d): %w", k.gram, k.chunk, err)
		}
		out[k] = set
	}
	return out, rows.Err()
}

// putSets writes the sets of put and deletes the rows of drop.
func putSets(ctx context.Context, db bun.IDB, sets map[setKey]*roaring.Bitmap, put, drop []setKey) error {
	var q strings.Builder
	args := make([]any, 0, 3*setBatch)
	for chunk := range slices.Chunk(put, setBatch) {
		q.Reset()
		args = args[:0]
		q.WriteString("INSERT INTO search_sets (gram, chunk, bits) VALUES ")
		for i, k := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			set := sets[k]
			set.RunOptimize()
			bits, err := set.ToBytes()
			if err != nil {
				return err
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, k.gram, k.chunk, bits)
		}
		q.WriteString(" ON DUPLICATE KEY UPDATE bits = VALUES(bits)")
		if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(drop, setBatch) {
		q.Reset()
		args = args[:0]
		q.WriteString("DELETE FROM search_sets WHERE ")
		for i, k := range chunk {
			if i > 0 {
				q.WriteString(" OR ")
			}
			q.WriteString("(gram = ? AND chunk = ?)")
			args = append(args, k.gram, k.chunk)
		}
		if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// nextSeq gives the seq of a product with id about to be stored, on db, a
// transaction: it locks search_state's row until the transaction ends, so
// products are stored one at a time, and reports whether id is below the
// highest stored id (out of order).
func nextSeq(ctx context.Context, db bun.IDB, id uuid.UUID) (seq uint32, outOfOrder bool, err error) {
	if _, err := db.ExecContext(ctx, "UPDATE search_state SET last_seq = last_seq + 1 WHERE id = 1"); err != nil {
		return 0, false, err
	}
	if err := db.QueryRowContext(ctx, "SELECT last_seq FROM search_state WHERE id = 1").Scan(&seq); err != nil {
		return 0, false, err
	}
	var top binID
	err = db.QueryRowContext(ctx, "SELECT id FROM products ORDER BY id DESC LIMIT 1 LOCK IN SHARE MODE").Scan(&top)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return seq, false, nil
	case err != nil:
		return 0, false, err
	}
	return seq, compareUUID(id, uuid.UUID(top)) < 0, nil
}

func compareUUID(a, b uuid.UUID) int { return strings.Compare(string(a[:]), string(b[:])) }

// brandKeys returns the search keys of the brands ids (uuid.Nil skipped)
// with a shared lock on their rows, which a rename's exclusive lock waits
// for, so that the sets written from them are of the names that stay.
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

// writeBrandGrams replaces the rows of brand_grams of brand id with the
// grams of key, its name's search key, on db, a transaction. A brand's
// rows go with it (ON DELETE CASCADE).
func writeBrandGrams(ctx context.Context, db bun.IDB, id uuid.UUID, key string) error {
	if _, err := db.ExecContext(ctx, "DELETE FROM brand_grams WHERE brand_id = ?", binID(id)); err != nil {
		return err
	}
	return insertBrandGrams(ctx, db, map[binID]string{binID(id): key})
}

// insertBrandGrams inserts the brand_grams rows of the brands keys (id →
// name's search key), in key order.
func insertBrandGrams(ctx context.Context, db bun.IDB, keys map[binID]string) error {
	type row struct {
		gram int64
		id   binID
	}
	var rows []row
	for id, key := range keys {
		for _, g := range searchindex.NameGrams(key) {
			rows = append(rows, row{g, id})
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := cmp.Compare(a.gram, b.gram); c != 0 {
			return c
		}
		return compareUUID(uuid.UUID(a.id), uuid.UUID(b.id))
	})
	var q strings.Builder
	args := make([]any, 0, 2*gramBatch)
	for chunk := range slices.Chunk(rows, gramBatch) {
		q.Reset()
		args = args[:0]
		q.WriteString("INSERT INTO brand_grams (gram, brand_id) VALUES ")
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, r.gram, r.id)
		}
		if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// gramBatch is how many rows of brand_grams one statement writes at most.
const gramBatch = 1000

// lockedProduct is what a write reads of a product, under an exclusive
// lock, before changing it.
type lockedProduct struct {
	Seq     uint32    `bun:"seq"`
	NameKey string    `bun:"name_key"`
	BrandID nullBinID `bun:"brand_id"`
	Version int64     `bun:"version"`
}

// lockProduct reads product id FOR UPDATE, or returns
// catalog.ErrProductNotFound.
func lockProduct(ctx context.Context, db bun.IDB, id uuid.UUID) (lockedProduct, error) {
	var cur lockedProduct
	err := db.NewRaw("SELECT seq, name_key, brand_id, version FROM products WHERE id = ? FOR UPDATE", binID(id)).Scan(ctx, &cur)
	if errors.Is(err, sql.ErrNoRows) {
		return cur, catalog.ErrProductNotFound
	}
	return cur, err
}

// reindexBrand re-indexes the products of brand id, whose search key
// changes from before to after ("" when the brand goes): it reads them
// FOR UPDATE, so that no edit of theirs interleaves, and writes the sets
// that change.
func reindexBrand(ctx context.Context, db bun.IDB, id uuid.UUID, before, after string) error {
	rows, err := db.QueryContext(ctx, "SELECT seq, name_key FROM products WHERE brand_id = ? FOR UPDATE", binID(id))
	if err != nil {
		return err
	}
	defer rows.Close()
	var changes []setChange
	for rows.Next() {
		var (
			seq uint32
			key string
		)
		if err := rows.Scan(&seq, &key); err != nil {
			return err
		}
		changes = append(changes, gramChange(seq, &[2]string{key, before}, &[2]string{key, after}))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	return writeSets(ctx, db, changes)
}

// ---- searching ----

// searchRow is a product as a search loads it.
type searchRow struct {
	productRow
	BrandKey sql.NullString `bun:"brand_key,scanonly"`
}

// searchSource is the store as package searchindex reads it.
type searchSource struct{ db bun.IDB }

// Sets reads the sets of grams in window w in one query; the newest
// window's first chunk comes from search_state in the same query.
func (src searchSource) Sets(ctx context.Context, grams []int64, w searchindex.Window) (map[int64]*roaring.Bitmap, uint32, error) {
	in := make([]any, len(grams))
	for i, g := range grams {
		in[i] = g
	}
	var (
		rows *sql.Rows
		err  error
	)
	if w.Top {
		rows, err = src.db.QueryContext(ctx, "SELECT t.top, s.gram, s.bits FROM (SELECT last_seq >> ? AS top FROM search_state WHERE id = 1) AS t "+
			"LEFT JOIN search_sets AS s ON s.chunk >= t.top AND s.gram IN (?)", searchindex.ChunkBits, bun.List(in))
	} else {
		rows, err = src.db.QueryContext(ctx, "SELECT ?, gram, bits FROM search_sets WHERE gram IN (?) AND chunk BETWEEN ? AND ?",
			w.From, bun.List(in), w.From, w.To)
	}
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make(map[int64]*roaring.Bitmap, len(grams))
	from := w.From
	for rows.Next() {
		var (
			g    sql.NullInt64
			bits []byte
		)
		if err := rows.Scan(&from, &g, &bits); err != nil {
			return nil, 0, err
		}
		if !g.Valid {
			continue // the newest window holds none of the grams
		}
		// bits is the row's own copy, which the set may keep.
		chunk := roaring.New()
		if _, err := chunk.FromUnsafeBytes(bits); err != nil {
			return nil, 0, fmt.Errorf("bunstore: search set of %d: %w", g.Int64, err)
		}
		if set := out[g.Int64]; set != nil {
			set.Or(chunk)
		} else {
			out[g.Int64] = chunk
		}
	}
	return out, from, rows.Err()
}

func (src searchSource) Load(ctx context.Context, seqs []uint32) ([]searchindex.Doc[productRow], error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	in := make([]any, len(seqs))
	for i, s := range seqs {
		in[i] = s
	}
	var rows []searchRow
	err := src.db.NewRaw("SELECT "+productColumns+", p.seq, p.name_key, b.name_key AS brand_key "+
		"FROM products AS p LEFT JOIN brands AS b ON b.id = p.brand_id WHERE p.seq IN (?)", bun.List(in)).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]searchindex.Doc[productRow], len(rows))
	for i, r := range rows {
		out[i] = searchindex.Doc[productRow]{
			Seq: r.Seq, ID: uuid.UUID(r.ID), BrandID: uuid.UUID(r.BrandID),
			NameKey: r.NameKey, BrandKey: r.BrandKey.String, Item: r.productRow,
		}
	}
	return out, nil
}

func (src searchSource) Below(ctx context.Context, id uuid.UUID, n int) ([]searchindex.Doc[productRow], error) {
	var rows []struct {
		ID  binID  `bun:"id"`
		Seq uint32 `bun:"seq"`
	}
	err := src.db.NewRaw("SELECT id, seq FROM products WHERE id < ? ORDER BY id DESC LIMIT ?", binID(id), n).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]searchindex.Doc[productRow], len(rows))
	for i, r := range rows {
		out[i] = searchindex.Doc[productRow]{Seq: r.Seq, ID: uuid.UUID(r.ID)}
	}
	return out, nil
}

func (src searchSource) Brand(ctx context.Context, id uuid.UUID) (*roaring.Bitmap, error) {
	var seqs []uint32
	if err := src.db.NewRaw("SELECT seq FROM products WHERE brand_id = ?", binID(id)).Scan(ctx, &seqs); err != nil {
		return nil, err
	}
	return roaring.BitmapOf(seqs...), nil
}

// ---- the rebuild ----

// searchRebuild is the migration that builds the index of the products a
// database holds: it runs after the one that creates its tables.
func searchRebuild(db *bun.DB) migrate.Migration {
	return migrate.Migration{
		Name:    "20261201000001",
		Comment: "search_rebuild",
		Up: func(ctx context.Context, _ *migrate.Migrator, _ *migrate.Migration) error {
			return RebuildSearch(ctx, db)
		},
	}
}

// rebuildBatch is how many rows the rebuild reads or writes per statement.
const rebuildBatch = 2000

// RebuildSearch builds the search index afresh from the catalog's rows: it
// computes every brand's and product's name_key with catalog.SearchKey
// (which a new version of the package may define anew), numbers the
// products in id order, so that none is out of order, and writes every
// set and every brand's grams. The migrations run it once; run it again after loading products
// with plain SQL, or to renumber after many products were stored out of
// order. It locks the catalog's tables for writing while it works, and it
// holds the whole index in memory: about 50 MB for a million products.
func RebuildSearch(ctx context.Context, db *bun.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "LOCK TABLES products WRITE, brands WRITE, brand_grams WRITE, search_sets WRITE, search_state WRITE"); err != nil {
		return fmt.Errorf("bunstore: locking the catalog to rebuild search: %w", translate(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "UNLOCK TABLES")
	if err := rebuildKeys(ctx, conn, "brands"); err != nil {
		return err
	}
	if err := rebuildKeys(ctx, conn, "products"); err != nil {
		return err
	}
	brandKeys := make(map[binID]string)
	var brands []struct {
		ID      binID  `bun:"id"`
		NameKey string `bun:"name_key"`
	}
	if err := conn.NewRaw("SELECT id, name_key FROM brands").Scan(ctx, &brands); err != nil {
		return fmt.Errorf("bunstore: reading brands: %w", translate(err))
	}
	for _, b := range brands {
		brandKeys[b.ID] = b.NameKey
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM brand_grams"); err != nil {
		return fmt.Errorf("bunstore: clearing brand grams: %w", translate(err))
	}
	if err := insertBrandGrams(ctx, conn, brandKeys); err != nil {
		return fmt.Errorf("bunstore: writing brand grams: %w", translate(err))
	}
	if _, err := conn.ExecContext(ctx, "UPDATE products SET seq = NULL"); err != nil {
		return fmt.Errorf("bunstore: clearing seqs: %w", translate(err))
	}
	sets := make(map[setKey]*roaring.Bitmap)
	var (
		seq   uint32
		after binID
	)
	for {
		var batch []struct {
			ID      binID     `bun:"id"`
			BrandID nullBinID `bun:"brand_id"`
			NameKey string    `bun:"name_key"`
		}
		err := conn.NewRaw("SELECT id, brand_id, name_key FROM products WHERE id > ? ORDER BY id LIMIT ?", after, rebuildBatch).Scan(ctx, &batch)
		if err != nil {
			return fmt.Errorf("bunstore: reading products: %w", translate(err))
		}
		if len(batch) == 0 {
			break
		}
		var q strings.Builder
		args := make([]any, 0, 2*len(batch))
		q.WriteString("UPDATE products SET seq = CASE id")
		for _, p := range batch {
			seq++
			for _, g := range searchindex.ProductGrams(p.NameKey, brandKeys[binID(p.BrandID)]) {
				k := setKey{g, seq >> chunkBits}
				set := sets[k]
				if set == nil {
					set = roaring.New()
					sets[k] = set
				}
				set.Add(seq)
			}
			q.WriteString(" WHEN ? THEN ?")
			args = append(args, p.ID, seq)
		}
		q.WriteString(" END WHERE id >= ? AND id <= ?")
		args = append(args, batch[0].ID, batch[len(batch)-1].ID)
		if _, err := conn.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("bunstore: numbering products: %w", translate(err))
		}
		after = batch[len(batch)-1].ID
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM search_sets"); err != nil {
		return fmt.Errorf("bunstore: clearing search sets: %w", translate(err))
	}
	keys := slices.SortedFunc(maps.Keys(sets), compareSetKeys)
	if err := putSets(ctx, conn, sets, keys, nil); err != nil {
		return fmt.Errorf("bunstore: writing search sets: %w", translate(err))
	}
	if _, err := conn.ExecContext(ctx, "UPDATE search_state SET last_seq = ? WHERE id = 1", seq); err != nil {
		return fmt.Errorf("bunstore: writing the last seq: %w", translate(err))
	}
	return nil
}

// rebuildKeys sets name_key to catalog.SearchKey(name) in every row of
// table (brands or products) where it differs.
func rebuildKeys(ctx context.Context, db bun.IDB, table string) error {
	var after binID
	for {
		var batch []struct {
			ID      binID  `bun:"id"`
			Name    string `bun:"name"`
			NameKey string `bun:"name_key"`
		}
		err := db.NewRaw("SELECT id, name, name_key FROM "+table+" WHERE id > ? ORDER BY id LIMIT ?", after, rebuildBatch).Scan(ctx, &batch)
		if err != nil {
			return fmt.Errorf("bunstore: reading %s: %w", table, translate(err))
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			if key := catalog.SearchKey(r.Name); key != r.NameKey {
				if _, err := db.ExecContext(ctx, "UPDATE "+table+" SET name_key = ? WHERE id = ?", key, r.ID); err != nil {
					return fmt.Errorf("bunstore: writing %s: %w", table, translate(err))
				}
			}
		}
		after = batch[len(batch)-1].ID
	}
}

// searchBackfill is the migration that indexed the products of a database
// made before the first search index came. That index is gone: the
// migration search_rebuild, which runs after, builds the present one from
// every product, so this one does nothing. It stays so that databases
// where it ran and databases where it did not have the same history.
func searchBackfill() migrate.Migration {
	return migrate.Migration{
		Name:    "20260304000001",
		Comment: "search_backfill",
		Up:      func(context.Context, *migrate.Migrator, *migrate.Migration) error { return nil },
	}
}
