package memstore

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
)

// The catalog's bulk reads and writes (catalog.ImportRepository). A write
// checks every record of its batch first and changes nothing when one
// fails, then applies them all under the store's lock: the batch is one
// transaction, as in bunstore.

func (r catalogRepo) GetProblems(ctx context.Context, ids []uuid.UUID) ([]catalog.Problem, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	defer r.rlock()()
	out := make([]catalog.Problem, 0, len(ids))
	for _, id := range ids {
		if rec, ok := r.s.problems[id]; ok {
			out = append(out, rec.p)
		}
	}
	return out, nil
}

func (r catalogRepo) GetBrands(ctx context.Context, ids []uuid.UUID) ([]catalog.Brand, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	defer r.rlock()()
	out := make([]catalog.Brand, 0, len(ids))
	for _, id := range ids {
		if rec, ok := r.s.brands[id]; ok {
			out = append(out, r.s.brandOut(rec))
		}
	}
	return out, nil
}

func (r catalogRepo) GetProducts(ctx context.Context, ids []uuid.UUID) ([]catalog.Product, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	defer r.rlock()()
	out := make([]catalog.Product, 0, len(ids))
	for _, id := range ids {
		if rec, ok := r.s.products[id]; ok {
			out = append(out, r.s.productOut(rec))
		}
	}
	return out, nil
}

func (r catalogRepo) ImportProblems(ctx context.Context, ps []catalog.Problem) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	for _, p := range ps {
		old, ok := s.problems[p.ID]
		if !catalogImportable(ok, old.p.Version, p.Version) {
			return catalog.ErrVersionConflict
		}
	}
	var added []uuid.UUID
	for _, p := range ps {
		if p.Version == 1 {
			added = append(added, p.ID)
		}
		s.problems[p.ID] = problemRecord{p: p}
	}
	s.problemOrder.insertMany(added)
	return nil
}

func (r catalogRepo) ImportBrands(ctx context.Context, bs []catalog.Brand) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	for _, b := range bs {
		old, ok := s.brands[b.ID]
		if !catalogImportable(ok, old.b.Version, b.Version) {
			return catalog.ErrVersionConflict
		}
		if _, ok := s.problems[b.Problem.ID]; !ok {
			return catalog.ErrProblemNotFound
		}
	}
	var added []uuid.UUID
	for _, b := range bs {
		old, ok := s.brands[b.ID]
		b.Problem.Name = ""
		rec := brandRecord{b: b, key: catalog.SearchKey(b.Name)}
		s.brands[b.ID] = rec
		if ok {
			s.renameBrand(b.ID, old.key, rec.key)
		} else {
			added = append(added, b.ID)
		}
	}
	s.brandOrder.insertMany(added)
	return nil
}

// ImportProducts indexes the products as CreateProduct and UpdateProduct
// do; the new ones take their seqs in id order, so that they are in order
// with each other, and each is out of order exactly when CreateProduct
// would have found it so, stored one after another.
func (r catalogRepo) ImportProducts(ctx context.Context, ps []catalog.Product) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	recs := make([]productRecord, len(ps))
	for i, p := range ps {
		old, ok := s.products[p.ID]
		if !catalogImportable(ok, old.p.Version, p.Version) {
			return catalog.ErrVersionConflict
		}
		rec, err := s.productIn(p)
		if err != nil {
			return err
		}
		recs[i] = rec
	}
	var added []productRecord
	for _, rec := range recs {
		old, ok := s.products[rec.p.ID]
		if !ok {
			added = append(added, rec)
			continue
		}
		rec.seq = old.seq
		oldBrandKey := s.brandKey(old)
		s.products[rec.p.ID] = rec
		s.search.indexProduct(rec.p.ID, old, rec, oldBrandKey, s.brandKey(rec))
	}
	slices.SortFunc(added, func(a, b productRecord) int { return compareIDs(a.p.ID, b.p.ID) })
	ids := make([]uuid.UUID, len(added))
	for i, rec := range added {
		// newSeq compares with the highest id stored before the batch:
		// the new products come in ascending order, so that is what it
		// would compare with, had they been stored one by one.
		seq, outOfOrder := s.newSeq(rec.p.ID)
		rec.seq = seq
		s.products[rec.p.ID] = rec
		s.search.indexProduct(rec.p.ID, productRecord{}, rec, "", s.brandKey(rec))
		if outOfOrder {
			s.search.add(searchindex.OutOfOrder, seq)
		}
		ids[i] = rec.p.ID
	}
	s.productOrder.insertMany(ids)
	return nil
}

// catalogImportable reports whether a record of an import with version may be
// written: version 1 when none is stored, the stored version + 1
// otherwise (catalog.ImportRepository).
func catalogImportable(stored bool, storedVersion, version int64) bool {
	if !stored {
		return version == 1
	}
	return version == storedVersion+1
}

// insertMany adds ids, none of them in l, in one merge: a batch of old
// ids costs one pass over l rather than a move of its tail per id.
func (l *idList) insertMany(ids []uuid.UUID) {
	if len(ids) == 0 {
		return
	}
	ids = slices.SortedFunc(slices.Values(ids), compareIDs)
	old := *l
	if len(old) == 0 || compareIDs(ids[0], old[len(old)-1]) > 0 {
		*l = append(old, ids...)
		return
	}
	merged := make(idList, 0, len(old)+len(ids))
	i, j := 0, 0
	for i < len(old) && j < len(ids) {
		if compareIDs(old[i], ids[j]) < 0 {
			merged = append(merged, old[i])
			i++
		} else {
			merged = append(merged, ids[j])
			j++
		}
	}
	merged = append(merged, old[i:]...)
	*l = append(merged, ids[j:]...)
}
