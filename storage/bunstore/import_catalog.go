package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
)

// The catalog's bulk reads and writes (catalog.ImportRepository). A write
// is one transaction: it reads the stored rows of its records FOR UPDATE
// in id order, checks their versions, and writes every record with
// multi-row INSERT … ON DUPLICATE KEY UPDATE statements; the search index
// changes in the same transaction, each row of search_sets and
// brand_grams once per batch.

// catalogReadBatch is how many ids one statement of a bulk read names at
// most.
const catalogReadBatch = 1000

// catalogStatementBytes bounds the values of one multi-row INSERT, well
// inside the 16 MiB of MariaDB's default max_allowed_packet: a batch of
// products with long descriptions takes several statements.
const catalogStatementBytes = 4 << 20

func (r *catalogRepo) GetProblems(ctx context.Context, ids []uuid.UUID) ([]catalog.Problem, error) {
	out := make([]catalog.Problem, 0, len(ids))
	for chunk := range slices.Chunk(binIDs(ids), catalogReadBatch) {
		var rows []problemRow
		if err := r.db.NewSelect().Model(&rows).ColumnExpr(problemColumns).Where("pr.id IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return nil, translate(err)
		}
		for i := range rows {
			out = append(out, rows[i].out())
		}
	}
	return out, nil
}

func (r *catalogRepo) GetBrands(ctx context.Context, ids []uuid.UUID) ([]catalog.Brand, error) {
	out := make([]catalog.Brand, 0, len(ids))
	for chunk := range slices.Chunk(binIDs(ids), catalogReadBatch) {
		var rows []brandRow
		err := r.db.NewSelect().Model(&rows).ColumnExpr(brandColumns).
			Join("JOIN problems AS pr ON pr.id = b.problem_id").
			Where("b.id IN (?)", bun.List(chunk)).Scan(ctx)
		if err != nil {
			return nil, translate(err)
		}
		for i := range rows {
			out = append(out, rows[i].out())
		}
	}
	return out, nil
}

func (r *catalogRepo) GetProducts(ctx context.Context, ids []uuid.UUID) ([]catalog.Product, error) {
	out := make([]catalog.Product, 0, len(ids))
	for chunk := range slices.Chunk(binIDs(ids), catalogReadBatch) {
		var rows []productRow
		err := r.db.NewSelect().Model(&rows).ColumnExpr(productColumns).
			Join("LEFT JOIN brands AS b ON b.id = p.brand_id").
			Where("p.id IN (?)", bun.List(chunk)).Scan(ctx)
		if err != nil {
			return nil, translate(err)
		}
		for i := range rows {
			p, err := rows[i].out()
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// ImportProblems writes the problems in one transaction.
func (r *catalogRepo) ImportProblems(ctx context.Context, ps []catalog.Problem) error {
	if len(ps) == 0 {
		return nil
	}
	rows := make([]*problemRow, len(ps))
	for i, p := range ps {
		rows[i] = problemIn(p)
	}
	slices.SortFunc(rows, func(a, b *problemRow) int { return compareUUID(uuid.UUID(a.ID), uuid.UUID(b.ID)) })
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		var cur []struct {
			ID      binID `bun:"id"`
			Version int64 `bun:"version"`
		}
		if err := tx.NewRaw("SELECT id, version FROM problems WHERE id IN (?) ORDER BY id FOR UPDATE", bun.List(catalogRowIDs(rows, problemRowID))).Scan(ctx, &cur); err != nil {
			return err
		}
		stored := make(map[binID]int64, len(cur))
		for _, c := range cur {
			stored[c.ID] = c.Version
		}
		for _, row := range rows {
			if !catalogImportable(stored, row.ID, row.Version) {
				return catalog.ErrVersionConflict
			}
		}
		return upsertCatalog(ctx, tx, rows, func(row *problemRow) int {
			return len(row.Name) + len(row.Summary) + len(row.Description) + len(row.ImageURL)
		})
	})
}

// ImportBrands writes the brands in one transaction, and the grams
// (brand_grams) of those that are new or renamed; the products of a
// renamed one are re-indexed as UpdateBrand re-indexes them.
func (r *catalogRepo) ImportBrands(ctx context.Context, bs []catalog.Brand) error {
	if len(bs) == 0 {
		return nil
	}
	rows := make([]*brandRow, len(bs))
	for i, b := range bs {
		rows[i] = brandIn(b)
	}
	slices.SortFunc(rows, func(a, b *brandRow) int { return compareUUID(uuid.UUID(a.ID), uuid.UUID(b.ID)) })
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		var cur []struct {
			ID      binID  `bun:"id"`
			NameKey string `bun:"name_key"`
			Version int64  `bun:"version"`
		}
		if err := tx.NewRaw("SELECT id, name_key, version FROM brands WHERE id IN (?) ORDER BY id FOR UPDATE", bun.List(catalogRowIDs(rows, brandRowID))).Scan(ctx, &cur); err != nil {
			return err
		}
		stored := make(map[binID]int64, len(cur))
		keys := make(map[binID]string, len(cur))
		for _, c := range cur {
			stored[c.ID], keys[c.ID] = c.Version, c.NameKey
		}
		for _, row := range rows {
			if !catalogImportable(stored, row.ID, row.Version) {
				return catalog.ErrVersionConflict
			}
		}
		err := upsertCatalog(ctx, tx, rows, func(row *brandRow) int {
			return len(row.Name) + len(row.NameKey) + len(row.Summary) + len(row.Story) +
				len(row.LogoURL) + len(row.ImageURL) + len(row.Homepage)
		})
		switch {
		case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
			return catalog.ErrProblemNotFound
		case err != nil:
			return err
		}
		grams := make(map[binID]string)
		var renamed []binID
		for _, row := range rows {
			before, ok := keys[row.ID]
			switch {
			case !ok:
				grams[row.ID] = row.NameKey
			case before != row.NameKey:
				grams[row.ID] = row.NameKey
				renamed = append(renamed, row.ID)
			}
		}
		if len(renamed) > 0 {
			if _, err := tx.ExecContext(ctx, "DELETE FROM brand_grams WHERE brand_id IN (?)", bun.List(renamed)); err != nil {
				return err
			}
		}
		if err := insertBrandGrams(ctx, tx, grams); err != nil {
			return err
		}
		for _, id := range renamed {
			if err := reindexBrand(ctx, tx, uuid.UUID(id), keys[id], grams[id]); err != nil {
				return err
			}
		}
		return nil
	})
}

// importedProductRow is what ImportProducts reads of a stored product, under
// an exclusive lock, before replacing it.
type importedProductRow struct {
	ID      binID         `bun:"id"`
	Seq     sql.NullInt64 `bun:"seq"`
	NameKey string        `bun:"name_key"`
	BrandID nullBinID     `bun:"brand_id"`
	Version int64         `bun:"version"`
}

// ImportProducts writes the products in one transaction and indexes them
// as CreateProduct and UpdateProduct do, for the whole batch at once: it
// reads the brands' names with a shared lock, takes the lock of
// search_state's row (so product writes stay one at a time), gives the new
// products the next seqs in id order — each out of order when its id is
// below the highest stored before the batch, as CreateProduct decides one
// by one — and writes every set that changes once.
func (r *catalogRepo) ImportProducts(ctx context.Context, ps []catalog.Product) error {
	if len(ps) == 0 {
		return nil
	}
	rows := make([]*productRow, len(ps))
	for i, p := range ps {
		row, err := productIn(p)
		if err != nil {
			return err
		}
		rows[i] = row
	}
	slices.SortFunc(rows, func(a, b *productRow) int { return compareUUID(uuid.UUID(a.ID), uuid.UUID(b.ID)) })
	var brands []uuid.UUID
	named := make(map[uuid.UUID]bool)
	for _, row := range rows {
		if id := uuid.UUID(row.BrandID); id != uuid.Nil && !named[id] {
			named[id] = true
			brands = append(brands, id)
		}
	}
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		keys, err := brandKeys(ctx, tx, brands...)
		if err != nil {
			return err
		}
		for _, id := range brands {
			if _, ok := keys[id]; !ok {
				return catalog.ErrBrandNotFound
			}
		}
		var last uint32
		if err := tx.QueryRowContext(ctx, "SELECT last_seq FROM search_state WHERE id = 1 FOR UPDATE").Scan(&last); err != nil {
			return err
		}
		var cur []importedProductRow
		err = tx.NewRaw("SELECT id, seq, name_key, brand_id, version FROM products WHERE id IN (?) ORDER BY id FOR UPDATE",
			bun.List(catalogRowIDs(rows, productRowID))).Scan(ctx, &cur)
		if err != nil {
			return err
		}
		stored := make(map[binID]importedProductRow, len(cur))
		versions := make(map[binID]int64, len(cur))
		var oldBrands []uuid.UUID
		for _, c := range cur {
			stored[c.ID], versions[c.ID] = c, c.Version
			if id := uuid.UUID(c.BrandID); id != uuid.Nil && !named[id] {
				named[id] = true
				oldBrands = append(oldBrands, id)
			}
		}
		for _, row := range rows {
			if !catalogImportable(versions, row.ID, row.Version) {
				return catalog.ErrVersionConflict
			}
		}
		if len(oldBrands) > 0 {
			more, err := brandKeys(ctx, tx, oldBrands...)
			if err != nil {
				return err
			}
			for id, key := range more {
				keys[id] = key
			}
		}
		var top binID
		err = tx.QueryRowContext(ctx, "SELECT id FROM products ORDER BY id DESC LIMIT 1 LOCK IN SHARE MODE").Scan(&top)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			top = binID(uuid.Nil)
		case err != nil:
			return err
		}
		// rows are in id order, so the new ones take their seqs in it.
		var changes []setChange
		next := last
		for _, row := range rows {
			old, ok := stored[row.ID]
			after := &[2]string{row.NameKey, keys[uuid.UUID(row.BrandID)]}
			if ok && old.Seq.Valid {
				row.Seq = uint32(old.Seq.Int64)
				if old.NameKey != row.NameKey || old.BrandID != row.BrandID {
					before := &[2]string{old.NameKey, keys[uuid.UUID(old.BrandID)]}
					changes = append(changes, gramChange(row.Seq, before, after))
				}
				continue
			}
			// A new product, or one stored by plain SQL without a seq
			// (RebuildSearch would number it): it gets the next seq and
			// every gram.
			next++
			row.Seq = next
			change := gramChange(row.Seq, nil, after)
			if compareUUID(uuid.UUID(row.ID), uuid.UUID(top)) < 0 {
				change.added = append(change.added, searchindex.OutOfOrder)
			}
			changes = append(changes, change)
		}
		if next != last {
			if _, err := tx.ExecContext(ctx, "UPDATE search_state SET last_seq = ? WHERE id = 1", next); err != nil {
				return err
			}
		}
		err = upsertCatalog(ctx, tx, rows, func(row *productRow) int {
			return len(row.Name) + len(row.NameKey) + len(row.Description) + len(row.Images)
		})
		switch {
		case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
			return catalog.ErrBrandNotFound
		case err != nil:
			return err
		}
		return writeSets(ctx, tx, changes)
	})
}

// catalogRowOverhead is about what a row of an INSERT costs beside its long
// texts: ids, numbers, times and punctuation.
const catalogRowOverhead = 256

// upsertCatalog writes rows, sorted by id, with INSERT … ON DUPLICATE KEY UPDATE
// of every column but the id, in as few statements as catalogStatementBytes
// allows; size tells the bytes of a row's long texts.
func upsertCatalog[R any](ctx context.Context, tx bun.IDB, rows []*R, size func(*R) int) error {
	for start := 0; start < len(rows); {
		end, bytes := start, 0
		for end < len(rows) && (end == start || bytes+catalogRowOverhead+size(rows[end]) <= catalogStatementBytes) {
			bytes += catalogRowOverhead + size(rows[end])
			end++
		}
		chunk := rows[start:end]
		if _, err := tx.NewInsert().Model(&chunk).On("DUPLICATE KEY UPDATE").Exec(ctx); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// catalogImportable reports whether a record of an import with version may be
// written: version 1 when stored has no version for id, that version + 1
// otherwise (catalog.ImportRepository).
func catalogImportable(stored map[binID]int64, id binID, version int64) bool {
	v, ok := stored[id]
	if !ok {
		return version == 1
	}
	return version == v+1
}

func catalogRowIDs[R any](rows []*R, id func(*R) binID) []binID {
	out := make([]binID, len(rows))
	for i, row := range rows {
		out[i] = id(row)
	}
	return out
}

func problemRowID(r *problemRow) binID { return r.ID }
func brandRowID(r *brandRow) binID     { return r.ID }
func productRowID(r *productRow) binID { return r.ID }
