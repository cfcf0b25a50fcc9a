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

// ChunkBits divides seqs into chunks: the chunk of a seq is seq >>
// ChunkBits, 65,536 seqs, one container of a Roaring bitmap. An adapter
// keeps each gram's set per chunk, so that a search reads only the chunks
// it needs — the newest first.
const ChunkBits = 16

// Window names the chunks of a read of sets.
type Window struct {
	// Top, when set, is the window of the newest chunk: the chunks from
	// the one of the highest seq given so far up. From and To are then
	// ignored.
	Top bool
	// From and To are the first and last chunk of the window, inclusive.
	From, To uint32
}

// Source is an adapter's side of a search. Its reads need not be one
// snapshot: a product written between two of them is judged by what Load
// reads of it.
type Source[P any] interface {
	// Sets returns the sets of grams within the chunks of w: each set
	// holds only seqs of those chunks, and a gram that no product of them
	// has may be missing. With w.Top it also returns the chunk the window
	// starts at. Find only reads the sets.
	Sets(ctx context.Context, grams []int64, w Window) (sets map[int64]*roaring.Bitmap, from uint32, err error)
	// Load returns the products with the seqs, in any order; a seq that is
	// no product's is left out.
	Load(ctx context.Context, seqs []uint32) ([]Doc[P], error)
	// Below returns up to n products with an id below id, highest id
	// first. Only their Seq and ID are needed.
	Below(ctx context.Context, id uuid.UUID, n int) ([]Doc[P], error)
	// Brand returns the set of the seqs of the products of brand id.
	Brand(ctx context.Context, id uuid.UUID) (*roaring.Bitmap, error)
}

// Local is implemented by a Source whose reads cost no round trip, such as
// one in memory: Find then reads its older chunks one at a time, which
// spares it merging their sets, instead of in growing windows.
type Local interface {
	Local()
}

// Find returns the products that q selects, in its order, at most q.Limit
// of them; q.Search is not zero. It reads its grams' sets in windows — the
// newest chunk (or, for a later page, the chunks from the one where the
// page starts up), then, only while the page is not full, the 2, 4, 8, …
// chunks below, or all of them at once while the rank walked has had no
// candidate (one at a time from a Local source) — and in each it
// intersects the candidates, walks them from the highest seq, loading them
// from src in batches, and keeps those that
// q.Search.Rank matches (of the rank walked, with catalog.SortRelevance,
// and of q.BrandID when set). A common query so reads one chunk of each
// set, whatever the size of the catalog.
func Find[P any](ctx context.Context, src Source[P], q catalog.ProductQuery) ([]P, error) {
	// With NameOnly the brands' sets are not read: ranks 0 and 1 need
	// only the names'.
	w := &walk[P]{src: src, q: q, grams: queryGrams(q.Search, q.Ordered() && q.NameOnly)}
	if q.BrandID != uuid.Nil {
		brand, err := src.Brand(ctx, q.BrandID)
		if err != nil {
			return nil, err
		}
		w.brand = brand
	}
	first := Window{Top: true}
	if q.Before != uuid.Nil {
		// A later page: the walk of the rank it continues starts at the
		// newest in-order product below the cursor (the out-of-order
		// products above it are read too: they may come below).
		top, ok, err := w.seqBelow(ctx, q.Before)
		if err != nil {
			return nil, err
		}
		w.bound, w.bounded = top, ok
		first = Window{From: top >> ChunkBits, To: ^uint32(0)}
		if !ok {
			first.From = 0
		}
	}
	if err := w.read(ctx, first); err != nil {
		return nil, err
	}
	if !q.Ordered() {
		err := w.tier(ctx, -1, q.Before)
		return w.out, err
	}
	rank := catalog.RankNameStart
	if q.Before != uuid.Nil {
		rank = q.BeforeRank
	}
	last := catalog.NumRanks - 1
	if q.NameOnly {
		last = catalog.RankName
	}
	for ; rank <= last && len(w.out) < q.Limit; rank++ {
		before := uuid.Nil
		if rank == q.BeforeRank {
			before = q.Before
		}
		if err := w.tier(ctx, int(rank), before); err != nil {
			return nil, err
		}
	}
	return w.out, nil
}

// walk is one search's walk through its windows and tiers.
type walk[P any] struct {
	src   Source[P]
	q     catalog.ProductQuery
	grams []int64
	brand *roaring.Bitmap // the products of q.BrandID, or nil
	// bound is the highest seq of the walk of q.BeforeRank, when bounded.
	bound   uint32
	bounded bool
	// windows are the windows read so far, newest first, with their
	// candidates; below is the last chunk not yet read, plus one (0: none
	// left).
	windows []window
	below   uint32
	out     []P
}

// window is a window read: its sets and its candidates.
type window struct {
	sets sets
	cand *candidates
}

// read reads the sets of window w and notes what is left below it.
func (w *walk[P]) read(ctx context.Context, win Window) error {
	m, from, err := w.src.Sets(ctx, w.grams, win)
	if err != nil {
		return err
	}
	if !win.Top {
		from = win.From
	}
	w.windows = append(w.windows, window{sets: m, cand: newCandidates(m, w.q.Search, w.brand)})
	w.below = from
	return nil
}

// keep reports whether d is a result of the tier of rank (-1: any).
func (w *walk[P]) keep(d Doc[P], rank int) bool {
	if w.q.BrandID != uuid.Nil && d.BrandID != w.q.BrandID {
		return false
	}
	r, ok := w.q.Search.Rank(d.NameKey, d.BrandKey)
	return ok && (rank < 0 || int(r) == rank)
}

// tier appends to w.out, newest first, the products that keep accepts for
// rank (-1: any), with an id below before unless it is uuid.Nil, until
// w.out holds q.Limit: it walks the windows read, and reads the rest when
// they are not enough.
//
// In each window the candidates in order (not in the out-of-order set)
// come by seq, highest first, which is their id order; the out-of-order
// ones are loaded at once into late, kept by id, and each goes out before
// the first in-order product of a lower id. A late product never belongs
// before an in-order product of a newer window: that one was stored after
// it, above every id then stored.
func (w *walk[P]) tier(ctx context.Context, rank int, before uuid.UUID) error {
	var late []Doc[P]
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
	seen := false // whether a window walked had candidates of the tier
	for i := 0; len(w.out) < w.q.Limit; i++ {
		if i == len(w.windows) {
			if w.below == 0 {
				break
			}
			// Each older window is twice as many chunks as the one
			// before: a query that needs a little more reads a little
			// more. A tier none of the windows so far had a candidate
			// of — a rare word, or a miss — reads all the rest at once.
			n := uint32(2) << min(len(w.windows), 20)
			if !seen {
				n = w.below
			}
			if _, ok := w.src.(Local); ok {
				n = 1
			}
			from := uint32(0)
			if w.below > n {
				from = w.below - n
			}
			if err := w.read(ctx, Window{From: from, To: w.below - 1}); err != nil {
				return err
			}
		}
		cand := w.windows[i].cand.tier(rank)
		seen = seen || !cand.IsEmpty()
		if odd := w.windows[i].sets[OutOfOrder]; odd != nil && cand.Intersects(odd) {
			docs, err := w.src.Load(ctx, roaring.And(cand, odd).ToArray())
			if err != nil {
				return err
			}
			for _, d := range docs {
				if (before == uuid.Nil || compareIDs(d.ID, before) < 0) && w.keep(d, rank) {
					late = append(late, d)
				}
			}
			slices.SortFunc(late, func(a, b Doc[P]) int { return compareIDs(b.ID, a.ID) })
			cand = roaring.AndNot(cand, odd)
		}
		if before != uuid.Nil {
			switch {
			case !w.bounded:
				cand = empty
			case !cand.IsEmpty() && uint64(w.bound) < uint64(cand.Maximum()):
				cand = cand.Clone()
				cand.RemoveRange(uint64(w.bound)+1, 1<<32)
			}
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
				if d, ok := bySeq[seq]; ok && w.keep(d, rank) && !emit(d) {
					return nil
				}
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
	// The whole out-of-order set, read apart: few products are in it.
	m, _, err := w.src.Sets(ctx, []int64{OutOfOrder}, Window{From: 0, To: ^uint32(0)})
	if err != nil {
		return 0, false, err
	}
	odd := m[OutOfOrder]
	if odd == nil {
		odd = roaring.New()
	}
	for n := 8; ; n *= 4 {
		docs, err := w.src.Below(ctx, id, n)
		if err != nil {
			return 0, false, err
		}
		for _, d := range docs {
			if !odd.Contains(d.Seq) {
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
