package catalog

import "slices"

// Search grams, for adapters that index search.
//
// A product's grams are the letters and the pairs of adjacent letters of
// the search keys (SearchKey) of its name and of its brand's name. Every
// product that a query of k ≥ 2 letters matches has each of the query's
// k-1 pairs among its grams, and every product that a one-letter query
// matches has that letter; so the list of products holding any one of
// QueryGrams(q) holds every match, and an index only has to test those
// candidates with the exact substring rule of ProductQuery.Search. Both
// storage adapters index this way; a gram is an int64, so it fits a BIGINT
// column.

// gramEnd marks a gram of one letter: it is above every rune, so a
// one-letter gram never equals a pair.
const gramEnd = 0x1FFFFF

// pairGram is the gram of the letters a, b; letterGram that of a alone.
// Runes are at most 0x10FFFF, 21 bits, so a gram fits 42 bits.
func pairGram(a, b rune) int64 { return int64(a)<<21 | int64(b) }
func letterGram(a rune) int64  { return int64(a)<<21 | gramEnd }

// appendGrams appends the grams of key — each letter and each pair of
// adjacent letters — to grams, unsorted and possibly repeated.
func appendGrams(grams []int64, key string) []int64 {
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

// ProductGrams returns the sorted, distinct grams of a product whose name
// and brand name have the search keys key and brandKey ("" for no brand).
func ProductGrams(key, brandKey string) []int64 {
	grams := appendGrams(make([]int64, 0, 2*(len(key)+len(brandKey))), key)
	grams = appendGrams(grams, brandKey)
	slices.Sort(grams)
	return slices.Compact(grams)
}

// QueryGrams returns the sorted, distinct grams that every product matching
// search (a SearchKey) has: its letter when it has one letter, else its
// pairs. A blank search has none.
func QueryGrams(search string) []int64 {
	rs := []rune(search)
	switch len(rs) {
	case 0:
		return nil
	case 1:
		return []int64{letterGram(rs[0])}
	}
	grams := make([]int64, 0, len(rs)-1)
	for i := 1; i < len(rs); i++ {
		grams = append(grams, pairGram(rs[i-1], rs[i]))
	}
	slices.Sort(grams)
	return slices.Compact(grams)
}

// DiffGrams returns the grams of the sorted, distinct a that b lacks
// (removed), and those of b that a lacks (added): what an index changes
// when a product's grams go from a to b.
func DiffGrams(a, b []int64) (removed, added []int64) {
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
