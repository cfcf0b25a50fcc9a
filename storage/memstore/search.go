package memstore

import (
	"slices"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/catalog"
)

// catalogIndex holds the store's secondary indexes of products: a brand's
// products, and the n-gram index that search walks. It lives under the
// store's lock and is changed by every write that changes what it holds.
// Its zero value is empty and ready.
//
// The search index maps each gram — a letter, or a pair of adjacent letters,
// of catalog.SearchKey — to the ids of the products that have it in their
// own name or in their brand's name, in ascending order. Every product that
// contains a query of k ≥ 2 letters has each of its k-1 pairs, and every
// product that contains a one-letter query has that letter; so the
// shortest list among the query's grams holds every match. Search walks
// that list newest first and keeps the products that pass the exact
// substring test of catalog.ProductQuery, stopping when the page is full:
// the index only narrows the candidates, and the results are those of the
// plain rule. A gram that no product has ends a search at once.
//
// Brand names are indexed into their products' lists, so that one ordered
// walk finds the matches by name and by brand alike; renaming a brand
// re-indexes its products (only the grams that change), and deleting one
// removes its grams from them.
type catalogIndex struct {
	grams  map[int64]idList
	brands map[uuid.UUID]idList // brand id → its products
}

// brandKey returns the search key of the brand of rec, or "".
func (s *Store) brandKey(rec productRecord) string {
	if rec.p.Brand == nil {
		return ""
	}
	return s.brands[rec.p.Brand.ID].key
}

// indexProduct changes the indexes for a product whose record was old and
// is now new; either may be the zero record (a product created or
// deleted). oldBrandKey and newBrandKey are its brand's search key before
// and after.
func (x *catalogIndex) indexProduct(id uuid.UUID, old, new productRecord, oldBrandKey, newBrandKey string) {
	if x.grams == nil {
		x.grams = make(map[int64]idList)
		x.brands = make(map[uuid.UUID]idList)
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
	if old.p.ID != uuid.Nil && new.p.ID != uuid.Nil && old.key == new.key && oldBrandKey == newBrandKey {
		return
	}
	var before, after []int64
	if old.p.ID != uuid.Nil {
		before = catalog.ProductGrams(old.key, oldBrandKey)
	}
	if new.p.ID != uuid.Nil {
		after = catalog.ProductGrams(new.key, newBrandKey)
	}
	removed, added := catalog.DiffGrams(before, after)
	for _, g := range removed {
		l := removeID(x.grams[g], id)
		if len(l) == 0 {
			delete(x.grams, g)
		} else {
			x.grams[g] = l
		}
	}
	for _, g := range added {
		l := x.grams[g]
		l.insert(id)
		x.grams[g] = l
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

// candidates returns the lists whose intersection holds every product q
// selects — those of q.Search's grams, and the brand's products when
// q.BrandID is set — shortest first, or all products when q selects by
// neither. ok is false when q can select nothing (a gram or the brand has
// no product).
func (s *Store) candidates(q catalog.ProductQuery) (lists []idList, ok bool) {
	x := &s.search
	if q.BrandID != uuid.Nil {
		l := x.brands[q.BrandID]
		if len(l) == 0 {
			return nil, false
		}
		lists = append(lists, l)
	}
	for _, g := range catalog.QueryGrams(q.Search) {
		l := x.grams[g]
		if len(l) == 0 {
			return nil, false
		}
		lists = append(lists, l)
	}
	if len(lists) == 0 {
		return []idList{s.productOrder}, true
	}
	slices.SortFunc(lists, func(a, b idList) int { return len(a) - len(b) })
	return lists, true
}

// intersection walks the ids that all its lists hold, newest first: the
// first (shortest) list's ids, each looked up in the others by galloping
// down from where the last lookup ended. The lists are walked once, in
// order, so a query whose every gram is common but which matches few
// products costs about the length of its shortest list, not a lookup of
// each candidate's record.
type intersection struct {
	lists []idList
	// ends[k]: the ids of lists[k] still to consider are lists[k][:ends[k]].
	ends []int
}

func newIntersection(lists []idList, before uuid.UUID) *intersection {
	x := &intersection{lists: lists, ends: make([]int, len(lists))}
	for k, l := range lists {
		x.ends[k] = l.below(before)
	}
	return x
}

// next returns the next id, going down, that every list holds.
func (x *intersection) next() (uuid.UUID, bool) {
	first := x.lists[0]
next:
	for x.ends[0] > 0 {
		x.ends[0]--
		id := first[x.ends[0]]
		for k := 1; k < len(x.lists); k++ {
			if !x.has(k, id) {
				continue next
			}
		}
		return id, true
	}
	return uuid.Nil, false
}

// has reports whether lists[k] holds id, which is below every id asked
// before, and moves its end down to id.
func (x *intersection) has(k int, id uuid.UUID) bool {
	l, hi := x.lists[k], x.ends[k]
	// Gallop down while the ids are above id, then search the last step.
	for step := 1; hi > 0; step *= 2 {
		probe := max(hi-step, 0)
		if compareIDs(l[probe], id) > 0 {
			hi = probe
			continue
		}
		n, _ := slices.BinarySearchFunc(l[probe+1:hi], id, func(e, t uuid.UUID) int {
			if compareIDs(e, t) > 0 {
				return 1
			}
			return -1
		})
		hi = probe + 1 + n
		break
	}
	// l[:hi] are the ids at or below id.
	if hi > 0 && l[hi-1] == id {
		x.ends[k] = hi - 1
		return true
	}
	x.ends[k] = hi
	return false
}
