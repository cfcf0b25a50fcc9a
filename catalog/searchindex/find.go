package searchindex

import (
	"context"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/catalog"
)

// Doc is what a search needs of a product: its seq and id, the search keys
// of its name and its brand's name, its brand, and the adapter's own
// record of it (Item), which the search returns.
type Doc[P any] struct {
	Seq      uint32
	ID       uuid.UUID
	BrandID  uuid.UUID
	NameKey  string
	BrandKey string
	Item     P
}

// Source is an adapter's side of a search. Its reads need not be one
// snapshot: a product written between two of them is judged by what Load
// reads of it.
type Source[P any] interface {
	// Sets returns the set of each of grams, in order; a gram that no
	// product has may be nil. Find only reads them.
	Sets(ctx context.Context, grams []int64) ([]*roaring.Bitmap, error)
	// Load returns the products with the seqs, in any order; a seq that is
	// no product's is left out.
	Load(ctx context.Context, seqs []uint32) ([]Doc[P], error)
	// Below returns up to n products with an id below id, highest id
	// first. Only their Seq and ID are needed.
	Below(ctx context.Context, id uuid.UUID, n int) ([]Doc[P], error)
	// Brand returns the set of the seqs of the products of brand id.
	Brand(ctx context.Context, id uuid.UUID) (*roaring.Bitmap, error)
}

// Find returns the products that q selects, in its order, at most q.Limit
// of them; q.Search is not zero. It reads the sets of q's grams, walks the
// candidates newest first — by rank first with catalog.SortRelevance —
// loading them from src in batches, and keeps those that q.Search.Rank
// matches (of the rank walked, and of q.BrandID when set).
func Find[P any](ctx context.Context, src Source[P], q catalog.ProductQuery) ([]P, error) {
	grams := QueryGrams(q.Search)
	got, err := src.Sets(ctx, grams)
	if err != nil {
		return nil, err
	}
	m := make(sets, len(grams))
	for i, g := range grams {
		m[g] = got[i]
	}
	ranked := q.Ordered()
	c := newCandidates(m, q.Search, ranked)
	if q.BrandID != uuid.Nil {
		brand, err := src.Brand(ctx, q.BrandID)
		if err != nil {
			return nil, err
		}
		c.any.And(brand)
		c.name.And(brand)
	}
	w := walk[P]{src: src, q: q, outOfOrder: m[OutOfOrder]}
	if !ranked {
		err := w.tier(ctx, c.any, -1, q.Before)
		return w.out, err
	}
	first := catalog.RankNameStart
	if q.Before != uuid.Nil {
		first = q.BeforeRank
	}
	for r := first; r < catalog.NumRanks && len(w.out) < q.Limit; r++ {
		before := uuid.Nil
		if r == q.BeforeRank {
			before = q.Before
		}
		if err := w.tier(ctx, c.tier(r), int(r), before); err != nil {
			return nil, err
		}
	}
	return w.out, nil
}

// walk is one search's walk through its tiers.
type walk[P any] struct {
	src        Source[P]
	q          catalog.ProductQuery
	outOfOrder *roaring.Bitmap // may be nil
	out        []P
}

// keep reports whether d is a result of the tier of rank (-1: any).
func (w *walk[P]) keep(d Doc[P], rank int) bool {
	if w.q.BrandID != uuid.Nil && d.BrandID != w.q.BrandID {
		return false
	}
	r, ok := w.q.Search.Rank(d.NameKey, d.BrandKey)
	return ok && (rank < 0 || int(r) == rank)
}

// tier appends to w.out, newest first, the products among cand (a set of
// its own, which tier changes) that keep accepts for rank, with an id
// below before unless it is uuid.Nil, until w.out holds q.Limit.
func (w *walk[P]) tier(ctx context.Context, cand *roaring.Bitmap, rank int, before uuid.UUID) error {
	// The out-of-order candidates are few: load them all, keep those
	// that qualify, newest first.
	var late []Doc[P]
	if w.outOfOrder != nil && !w.outOfOrder.IsEmpty() {
		odd := roaring.And(cand, w.outOfOrder)
		cand.AndNot(w.outOfOrder)
		if !odd.IsEmpty() {
			docs, err := w.src.Load(ctx, odd.ToArray())
			if err != nil {
				return err
			}
			for _, d := range docs {
				if (before == uuid.Nil || compareIDs(d.ID, before) < 0) && w.keep(d, rank) {
					late = append(late, d)
				}
			}
			slices.SortFunc(late, func(a, b Doc[P]) int { return compareIDs(b.ID, a.ID) })
		}
	}
	// The others are in id order: those below before are those at or
	// below the seq of the newest in-order product below before.
	if before != uuid.Nil && !cand.IsEmpty() {
		top, ok, err := w.seqBelow(ctx, before)
		if err != nil {
			return err
		}
		if !ok {
			cand.Clear()
		} else if uint64(top)+1 <= uint64(cand.Maximum()) {
			cand.RemoveRange(uint64(top)+1, 1<<32)
		}
	}
	emit := func(d Doc[P]) bool {
		for len(late) > 0 && compareIDs(late[0].ID, d.ID) > 0 && len(w.out) < w.q.Limit {
			w.out = append(w.out, late[0].Item)
			late = late[1:]
		}
		if len(w.out) < w.q.Limit {
			w.out = append(w.out, d.Item)
		}
		return len(w.out) < w.q.Limit
	}
	it := cand.ReverseIterator()
	batch := make([]uint32, 0, 64)
	size := w.q.Limit - len(w.out) + 4
	for it.HasNext() && len(w.out) < w.q.Limit {
		batch = batch[:0]
		for it.HasNext() && len(batch) < size {
			batch = append(batch, it.Next())
		}
		size = min(2*size, 1024)
		docs, err := w.src.Load(ctx, batch)
		if err != nil {
			return err
		}
		bySeq := make(map[uint32]Doc[P], len(docs))
		for _, d := range docs {
			bySeq[d.Seq] = d
		}
		for _, seq := range batch {
			d, ok := bySeq[seq]
			if ok && w.keep(d, rank) && !emit(d) {
				return nil
			}
		}
	}
	for _, d := range late {
		if len(w.out) == w.q.Limit {
			break
		}
		w.out = append(w.out, d.Item)
	}
	return nil
}

// seqBelow returns the seq of the newest in-order product with an id below
// id; ok is false when there is none.
func (w *walk[P]) seqBelow(ctx context.Context, id uuid.UUID) (uint32, bool, error) {
	for n := 8; ; n *= 4 {
		docs, err := w.src.Below(ctx, id, n)
		if err != nil {
			return 0, false, err
		}
		for _, d := range docs {
			if w.outOfOrder == nil || !w.outOfOrder.Contains(d.Seq) {
				return d.Seq, true, nil
			}
		}
		if len(docs) < n {
			return 0, false, nil
		}
		id = docs[len(docs)-1].ID
	}
}

// compareIDs orders ids as the adapters do: by their bytes.
func compareIDs(a, b uuid.UUID) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
