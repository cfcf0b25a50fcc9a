// Package searchindex is the catalog's search index, kept by the storage
// adapters that index search (storage/memstore, storage/bunstore) and by
// any other: the grams a product is indexed by, and the search that finds
// candidates through them and keeps exactly what the rule of
// catalog.ParseSearch matches, in the order of catalog.ProductQuery.
//
// # Grams and sequence numbers
//
// Every product has a sequence number (seq), a uint32 that its adapter
// gives it when it is stored, higher than every seq given before. The index
// maps each gram to the set of seqs of the products that have it, as a
// compressed bitmap (github.com/RoaringBitmap/roaring/v2): a set of a
// million products costs at most 128 KiB, usually far less, and two sets
// intersect in microseconds.
//
// A product's grams (ProductGrams) come from the compact search keys of
// its name and of its brand's name (catalog.Compact of catalog.SearchKey):
// each letter and each pair of adjacent letters of the name, the same of
// the brand's name, marked apart, and the name's first letter. A term of
// one letter is in a name only if the name has that letter; a longer term
// only if the name has each of its pairs. So the products whose name holds
// a term are among the intersection of the term's grams' sets, and the
// products that a search matches are among the intersection, over its
// terms, of the union of the name's and the brand's candidates. The search
// reads those candidates newest first and keeps those that
// catalog.Search.Rank matches: the index narrows, the rule decides.
//
// # Order
//
// Results are newest first, by id. Seqs follow ids: a product stored with
// an id above every stored product's id gets the next seq, and so for
// every two such products the one with the higher seq has the higher id.
// A product stored with a lower id (an import of old products, or two
// servers that made ids a moment apart and stored them the other way
// round) is out of order: it is in the set of the gram OutOfOrder, which
// the search reads apart and merges by id. An adapter can renumber its
// products in id order to empty that set (both adapters do so when they
// rebuild the index).
package searchindex

import (
	"slices"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/impactmuseum/commerce/catalog"
)

// Kinds of gram, in the bits above a pair's 42.
const (
	kindName  int64 = 0 // a letter or pair of a product's name
	kindBrand int64 = 1 // a letter or pair of the product's brand's name
	kindStart int64 = 2 // the first letter of a product's name
	kindMark  int64 = 3 // a set kept beside the grams
)

// letterEnd marks a gram of one letter: it is above every rune, so a
// letter's gram never equals a pair's.
const letterEnd = 0x1FFFFF

func pairGram(kind int64, a, b rune) int64 { return kind<<42 | int64(a)<<21 | int64(b) }
func letterGram(kind int64, a rune) int64  { return pairGram(kind, a, letterEnd) }

// OutOfOrder is the gram whose set holds the products whose seq is out of
// order with their id (see the package doc).
const OutOfOrder int64 = kindMark << 42

// appendGrams appends the grams of kind of compact, a compact search key:
// each letter and each pair of adjacent letters; unsorted, maybe repeated.
func appendGrams(grams []int64, kind int64, compact string) []int64 {
	prev := rune(-1)
	for _, r := range compact {
		grams = append(grams, letterGram(kind, r))
		if prev >= 0 {
			grams = append(grams, pairGram(kind, prev, r))
		}
		prev = r
	}
	return grams
}

// ProductGrams returns the sorted, distinct grams of a product whose name
// and brand's name have the search keys nameKey and brandKey (""
// without a brand).
func ProductGrams(nameKey, brandKey string) []int64 {
	name, brand := catalog.Compact(nameKey), catalog.Compact(brandKey)
	grams := make([]int64, 0, 2*(len(name)+len(brand))/3+1)
	grams = appendGrams(grams, kindName, name)
	for _, r := range name {
		grams = append(grams, letterGram(kindStart, r))
		break
	}
	grams = appendGrams(grams, kindBrand, brand)
	slices.Sort(grams)
	return slices.Compact(grams)
}

// NameGrams returns the sorted, distinct grams of a name by itself, whose
// search key is key: each letter and pair of adjacent letters of its
// compact key. An adapter may index brands by them (bunstore does), and
// find a name that a search matches among those that have every gram of
// NameQueryGrams.
func NameGrams(key string) []int64 {
	grams := appendGrams(nil, kindBrand, catalog.Compact(key))
	slices.Sort(grams)
	return slices.Compact(grams)
}

// NameQueryGrams returns the sorted, distinct grams that every name that s
// matches (catalog.Search.Matches) has among its NameGrams; s is not zero.
func NameQueryGrams(s catalog.Search) []int64 {
	var grams []int64
	for _, t := range s.Terms() {
		grams = append(grams, termGrams(kindBrand, t)...)
	}
	slices.Sort(grams)
	return slices.Compact(grams)
}

// NameQueryGram returns one of NameQueryGrams(s), for an adapter that
// walks the names that have one gram and tests each by the rule: one of
// the longest word's, whose pairs are rarer than a shorter word's (a word
// of one letter gives its letter).
func NameQueryGram(s catalog.Search) int64 {
	longest := ""
	for _, t := range s.Terms() {
		if utf8.RuneCountInString(t) > utf8.RuneCountInString(longest) {
			longest = t
		}
	}
	grams := termGrams(kindBrand, longest)
	return grams[len(grams)-1]
}

// termGrams returns the grams of kind that every name (or brand name)
// holding term has: its letter when it has one, else its pairs.
func termGrams(kind int64, term string) []int64 {
	rs := []rune(term)
	if len(rs) == 1 {
		return []int64{letterGram(kind, rs[0])}
	}
	grams := make([]int64, 0, len(rs)-1)
	for i := 1; i < len(rs); i++ {
		grams = append(grams, pairGram(kind, rs[i-1], rs[i]))
	}
	slices.Sort(grams)
	return slices.Compact(grams)
}

// startGram returns the gram of the names that start as term does.
func startGram(term string) int64 {
	for _, r := range term {
		return letterGram(kindStart, r)
	}
	return letterGram(kindStart, letterEnd)
}

// QueryGrams returns the sorted, distinct grams whose sets a search for s
// reads, OutOfOrder included; s is not zero.
func QueryGrams(s catalog.Search) []int64 { return queryGrams(s, false) }

// queryGrams is QueryGrams, without the brands' grams when nameOnly.
func queryGrams(s catalog.Search, nameOnly bool) []int64 {
	terms := s.Terms()
	grams := []int64{OutOfOrder, startGram(terms[0])}
	for _, t := range terms {
		grams = append(grams, termGrams(kindName, t)...)
		if !nameOnly {
			grams = append(grams, termGrams(kindBrand, t)...)
		}
	}
	slices.Sort(grams)
	return slices.Compact(grams)
}

// Diff returns the grams of the sorted, distinct a that b lacks (removed)
// and those of b that a lacks (added): what an index changes when a
// product's grams go from a to b.
func Diff(a, b []int64) (removed, added []int64) {
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

// sets holds the sets of a search's grams; a gram missing is empty. The
// sets are read only: they may be the index's own, and so may the sets
// made from them below, which are never changed in place.
type sets map[int64]*roaring.Bitmap

var empty = roaring.New()

// all returns the intersection of the sets of grams: one of them when
// there is one, else a new set.
func (m sets) all(grams []int64) *roaring.Bitmap {
	bs := make([]*roaring.Bitmap, 0, len(grams))
	for _, g := range grams {
		b := m[g]
		if b == nil || b.IsEmpty() {
			return empty
		}
		bs = append(bs, b)
	}
	if len(bs) == 1 {
		return bs[0]
	}
	slices.SortFunc(bs, func(a, b *roaring.Bitmap) int {
		return int(a.GetCardinality()) - int(b.GetCardinality())
	})
	out := roaring.And(bs[0], bs[1])
	for _, b := range bs[2:] {
		if out.IsEmpty() {
			break
		}
		out.And(b)
	}
	return out
}

// candidates are the sets a search walks, each made when first asked for:
// every product the search may match (any), those whose names may hold
// every term (name), and those whose names may start with the first term
// (start). Each is a superset of the products it names; Rank decides. They
// are read only. A tier of names that is empty so costs no more than the
// names' sets: the brands' are read only for a tier that needs them.
type candidates struct {
	m                sets
	s                catalog.Search
	brand            *roaring.Bitmap // the products of the query's brand, or nil
	any, name, start *roaring.Bitmap
}

func newCandidates(m sets, s catalog.Search, brand *roaring.Bitmap) *candidates {
	return &candidates{m: m, s: s, brand: brand}
}

// of keeps of b only the products of the query's brand.
func (c *candidates) of(b *roaring.Bitmap) *roaring.Bitmap {
	if c.brand == nil || b.IsEmpty() {
		return b
	}
	return roaring.And(b, c.brand)
}

func (c *candidates) names() *roaring.Bitmap {
	if c.name == nil {
		// Every name gram of every term at once: all intersects the
		// smallest sets first, so a miss of two common words ends at
		// the first intersection of their pairs.
		var grams []int64
		for _, t := range c.s.Terms() {
			grams = append(grams, termGrams(kindName, t)...)
		}
		c.name = c.of(c.m.all(grams))
	}
	return c.name
}

func (c *candidates) anyOf() *roaring.Bitmap {
	if c.any != nil {
		return c.any
	}
	terms := c.s.Terms()
	inBrand := make([]*roaring.Bitmap, len(terms))
	found := false
	for i, t := range terms {
		inBrand[i] = c.m.all(termGrams(kindBrand, t))
		found = found || !inBrand[i].IsEmpty()
	}
	if !found {
		// No brand's name holds a word: those that match hold every
		// word in their names.
		c.any = c.names()
		return c.any
	}
	var acc *roaring.Bitmap
	for i, t := range terms {
		either := c.m.all(termGrams(kindName, t))
		if either.IsEmpty() {
			either = inBrand[i]
		} else if !inBrand[i].IsEmpty() {
			either = roaring.Or(either, inBrand[i])
		}
		if i == 0 {
			acc = either
		} else {
			acc = roaring.And(acc, either)
		}
		if acc.IsEmpty() {
			break
		}
	}
	c.any = c.of(acc)
	return c.any
}

func (c *candidates) starts() *roaring.Bitmap {
	if c.start == nil {
		c.start = c.m.all([]int64{startGram(c.s.Terms()[0])})
	}
	return c.start
}

// tier returns the candidates of the products of rank r (-1: of any rank):
// a product of rank r has every grams' set that r implies (all its terms
// in the name for RankNameStart and RankName; its name starting as the
// first term for RankNameStart and RankBrandStart). The set is read only.
func (c *candidates) tier(r int) *roaring.Bitmap {
	start := r == int(catalog.RankNameStart) || r == int(catalog.RankBrandStart)
	if start && c.starts().IsEmpty() {
		return empty
	}
	var b *roaring.Bitmap
	switch r {
	case int(catalog.RankNameStart), int(catalog.RankName):
		b = c.names()
	default:
		b = c.anyOf()
	}
	if start && !b.IsEmpty() {
		b = roaring.And(b, c.starts())
	}
	return b
}
