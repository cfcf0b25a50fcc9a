package memstore

import (
	"context"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
)

// catalogIndex holds the store's secondary indexes of products: a brand's
// products, and the search index of package searchindex. It lives under
// the store's lock and is changed by every write that changes what it
// holds. Its zero value is empty and ready.
//
// Each product has a seq (productRecord.seq), given when it is created;
// the index maps each of its grams — of its name and of its brand's name —
// to the set of the seqs that have it. Renaming a brand re-indexes its
// products (only the grams that change), and deleting one removes its
// grams from them.
type catalogIndex struct {
	sets    map[setKey]*roaring.Bitmap // per gram and chunk (searchindex.ChunkBits)
	brands  map[uuid.UUID]idList       // brand id → its products
	bySeq   map[uint32]uuid.UUID       // seq → product
	lastSeq uint32
}

// setKey names a set of the index: a gram's in one chunk of seqs.
type setKey struct {
	gram  int64
	chunk uint32
}

// brandKey returns the search key of the brand of rec, or "".
func (s *Store) brandKey(rec productRecord) string {
	if rec.p.Brand == nil {
		return ""
	}
	return s.brands[rec.p.Brand.ID].key
}

// newSeq returns the seq of a product with id, about to be stored, and
// whether it is out of order: below the id of a stored product.
func (s *Store) newSeq(id uuid.UUID) (seq uint32, outOfOrder bool) {
	x := &s.search
	x.lastSeq++
	n := len(s.productOrder)
	return x.lastSeq, n > 0 && compareIDs(id, s.productOrder[n-1]) < 0
}

// indexProduct changes the indexes for a product whose record was old and
// is now new; either may be the zero record (a product created or
// deleted), and both have the same seq otherwise. oldBrandKey and
// newBrandKey are its brand's search key before and after.
func (x *catalogIndex) indexProduct(id uuid.UUID, old, new productRecord, oldBrandKey, newBrandKey string) {
	if x.sets == nil {
		x.sets = make(map[setKey]*roaring.Bitmap)
		x.brands = make(map[uuid.UUID]idList)
		x.bySeq = make(map[uint32]uuid.UUID)
	}
	oldBrand, newBrand := brandOf(old), brandOf(new)
	if oldBrand != newBrand {
		if oldBrand != uuid.Nil {
			x.brands[oldBrand] = removeID(x.brands[oldBrand], id)
			if len(x.brands[oldBrand]) == 0 {
				delete(x.brands, oldBrand)
			}
		}
		if newBrand != uuid.Nil {
			l := x.brands[newBrand]
			l.insert(id)
			x.brands[newBrand] = l
		}
	}
	switch {
	case old.p.ID == uuid.Nil:
		x.bySeq[new.seq] = id
	case new.p.ID == uuid.Nil:
		delete(x.bySeq, old.seq)
	case old.key == new.key && oldBrandKey == newBrandKey:
		return
	}
	var before, after []int64
	if old.p.ID != uuid.Nil {
		before = searchindex.ProductGrams(old.key, oldBrandKey)
	}
	if new.p.ID != uuid.Nil {
		after = searchindex.ProductGrams(new.key, newBrandKey)
	}
	removed, added := searchindex.Diff(before, after)
	for _, g := range removed {
		x.remove(g, old.seq)
	}
	for _, g := range added {
		x.add(g, new.seq)
	}
}

func (x *catalogIndex) add(gram int64, seq uint32) {
	k := setKey{gram, seq >> searchindex.ChunkBits}
	set := x.sets[k]
	if set == nil {
		set = roaring.New()
		x.sets[k] = set
	}
	set.Add(seq)
}

func (x *catalogIndex) remove(gram int64, seq uint32) {
	k := setKey{gram, seq >> searchindex.ChunkBits}
	if set := x.sets[k]; set != nil {
		set.Remove(seq)
		if set.IsEmpty() {
			delete(x.sets, k)
		}
	}
}

func brandOf(rec productRecord) uuid.UUID {
	if rec.p.Brand == nil {
		return uuid.Nil
	}
	return rec.p.Brand.ID
}

func removeID(l idList, id uuid.UUID) idList {
	l.remove(id)
	return l
}

// searchSource is the store as package searchindex reads it; the store's
// read lock is held while it is used.
type searchSource struct{ s *Store }

// Local tells searchindex.Find that reads cost no round trip.
func (searchSource) Local() {}

func (src searchSource) Sets(_ context.Context, grams []int64, w searchindex.Window) (map[int64]*roaring.Bitmap, uint32, error) {
	x := &src.s.search
	top := x.lastSeq >> searchindex.ChunkBits
	if w.Top {
		w.From, w.To = top, top
	}
	w.To = min(w.To, top)
	out := make(map[int64]*roaring.Bitmap, len(grams))
	var parts []*roaring.Bitmap
	for _, g := range grams {
		parts = parts[:0]
		for c := w.From; c <= w.To; c++ {
			if set := x.sets[setKey{g, c}]; set != nil {
				parts = append(parts, set)
			}
			if c == w.To {
				break // w.To may be the highest uint32
			}
		}
		switch len(parts) {
		case 0:
		case 1:
			out[g] = parts[0]
		default:
			out[g] = roaring.FastOr(parts...)
		}
	}
	return out, w.From, nil
}

func (src searchSource) Load(_ context.Context, seqs []uint32) ([]searchindex.Doc[productRecord], error) {
	s := src.s
	out := make([]searchindex.Doc[productRecord], 0, len(seqs))
	for _, seq := range seqs {
		id, ok := s.search.bySeq[seq]
		if !ok {
			continue
		}
		rec := s.products[id]
		out = append(out, searchindex.Doc[productRecord]{
			Seq: seq, ID: id, BrandID: brandOf(rec), NameKey: rec.key, BrandKey: s.brandKey(rec), Item: rec,
		})
	}
	return out, nil
}

func (src searchSource) Below(_ context.Context, id uuid.UUID, n int) ([]searchindex.Doc[productRecord], error) {
	s := src.s
	var out []searchindex.Doc[productRecord]
	for i := s.productOrder.below(id) - 1; i >= 0 && len(out) < n; i-- {
		pid := s.productOrder[i]
		out = append(out, searchindex.Doc[productRecord]{Seq: s.products[pid].seq, ID: pid})
	}
	return out, nil
}

func (src searchSource) Brand(_ context.Context, id uuid.UUID) (*roaring.Bitmap, error) {
	s := src.s
	set := roaring.New()
	for _, pid := range s.search.brands[id] {
		set.Add(s.products[pid].seq)
	}
	return set, nil
}

// search answers a ListProducts with a search; the read lock is held.
func (s *Store) searchProducts(ctx context.Context, q catalog.ProductQuery) ([]catalog.Product, error) {
	recs, err := searchindex.Find[productRecord](ctx, searchSource{s}, q)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Product, len(recs))
	for i, rec := range recs {
		out[i] = s.productOut(rec)
	}
	return out, nil
}
