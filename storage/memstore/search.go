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
	grams  map[uint64]idList
	brands map[uuid.UUID]idList // brand id → its products
}

// gramEnd marks a gram of one letter: it is above every rune, so a one-letter
// gram never equals a pair.
const gramEnd = 0x1FFFFF

// pairGram is the gram of the letters a, b; letterGram that of a alone.
// Runes are at most 0x10FFFF, 21 bits, so a gram fits 42 bits.
func pairGram(a, b rune) uint64 { return uint64(a)<<21 | uint64(b) }
func letterGram(a rune) uint64  { return uint64(a)<<21 | gramEnd }

// appendGrams appends the grams of key — each letter and each pair of
// adjacent letters — to grams, unsorted and possibly repeated.
func appendGrams(grams []uint64, key string) []uint64 {
	prev := rune(-1)
	for _, r := range key {
		grams = append(grams, letterGram(r))
		if prev >= 0 {
			grams = append(grams, pairGram(prev, r))
		}
		prev = r
	}
	return grams
}

// productGrams returns the sorted, distinct grams of a product whose name
// and brand name have the search keys key and brandKey.
func productGrams(key, brandKey string) []uint64 {
	grams := appendGrams(make([]uint64, 0, 2*(len(key)+len(brandKey))), key)
	grams = appendGrams(grams, brandKey)
	slices.Sort(grams)
	return slices.Compact(grams)
}

// queryGrams returns the grams that every match of search has: its letter
// when it has one letter, else its distinct pairs. A blank search has none.
func queryGrams(search string) []uint64 {
	rs := []rune(search)
	switch len(rs) {
	case 0:
		return nil
	case 1:
		return []uint64{letterGram(rs[0])}
	}
	grams := make([]uint64, 0, len(rs)-1)
	for i := 1; i < len(rs); i++ {
		grams = append(grams, pairGram(rs[i-1], rs[i]))
	}
	slices.Sort(grams)
	return slices.Compact(grams)
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
		x.grams = make(map[uint64]idList)
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
	var before, after []uint64
	if old.p.ID != uuid.Nil {
		before = productGrams(old.key, oldBrandKey)
	}
	if new.p.ID != uuid.Nil {
		after = productGrams(new.key, newBrandKey)
	}
	removed, added := diffGrams(before, after)
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

// diffGrams returns the grams of the sorted, distinct a that b lacks, and
// those of b that a lacks.
func diffGrams(a, b []uint64) (removed, added []uint64) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			removed = append(removed, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			added = append(added, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return removed, added
}

// candidates returns the shortest list that holds every product q selects:
// the shortest gram list of q.Search, or the brand's products when that is
// shorter. ok is false when q can select nothing (a gram or the brand has
// no product).
func (s *Store) candidates(q catalog.ProductQuery) (list idList, ok bool) {
	x := &s.search
	first := true
	take := func(l idList, found bool) bool {
		if !found || len(l) == 0 {
			return false
		}
		if first || len(l) < len(list) {
			list, first = l, false
		}
		return true
	}
	if q.BrandID != uuid.Nil {
		l, found := x.brands[q.BrandID]
		if !take(l, found) {
			return nil, false
		}
	}
	for _, g := range queryGrams(q.Search) {
		l, found := x.grams[g]
		if !take(l, found) {
			return nil, false
		}
	}
	if first {
		return s.productOrder, true
	}
	return list, true
}
