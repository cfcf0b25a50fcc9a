package searchindex

import (
	"slices"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce/catalog"
)

// TestGramsCoverMatches checks the property the index relies on: a product
// that a search matches has every gram of the candidates it is looked for
// among — for each term, the term's name grams or its brand grams, and the
// start gram when its name starts with the first term.
func TestGramsCoverMatches(t *testing.T) {
	products := []struct{ name, brand string }{
		{"유기농사과잼", "사과꽃농원"}, {"유기농 사과식초", ""}, {"Café 하우스 블렌드", "청년로스터리"},
		{"100% 면 손수건", "초록 공방"}, {"잼", ""}, {"ＥＣＯ 빨대", "Green_Cycle"},
	}
	for _, p := range products {
		nameKey, brandKey := catalog.SearchKey(p.name), catalog.SearchKey(p.brand)
		grams := ProductGrams(nameKey, brandKey)
		if !slices.IsSorted(grams) || len(slices.Compact(slices.Clone(grams))) != len(grams) {
			t.Fatalf("ProductGrams(%q, %q) is not sorted and distinct", nameKey, brandKey)
		}
		has := func(gs []int64) bool {
			for _, g := range gs {
				if _, ok := slices.BinarySearch(grams, g); !ok {
					return false
				}
			}
			return true
		}
		// Every piece of the compact name and brand name, alone and as
		// the second term after another piece.
		var pieces []string
		for _, whole := range []string{catalog.Compact(nameKey), catalog.Compact(brandKey)} {
			rs := []rune(whole)
			for i := range rs {
				for j := i + 1; j <= len(rs) && j <= i+4; j++ {
					pieces = append(pieces, string(rs[i:j]))
				}
			}
		}
		for _, a := range pieces {
			for _, query := range []string{a, pieces[0] + " " + a, a + " " + pieces[len(pieces)-1]} {
				s := catalog.MustParseSearch(query)
				rank, ok := s.Rank(nameKey, brandKey)
				if !ok {
					t.Fatalf("%q does not match %q / %q, of which it is made", query, p.name, p.brand)
				}
				for _, term := range s.Terms() {
					inName := strings.Contains(catalog.Compact(nameKey), term)
					if inName && !has(termGrams(kindName, term)) || !inName && !has(termGrams(kindBrand, term)) {
						t.Errorf("%q matches %q / %q, but the product lacks the grams of %q", query, p.name, p.brand, term)
					}
				}
				if (rank == catalog.RankNameStart || rank == catalog.RankBrandStart) && !has([]int64{startGram(s.Terms()[0])}) {
					t.Errorf("%q starts %q, but the product lacks the start gram", query, p.name)
				}
			}
		}
	}
}

func TestDiff(t *testing.T) {
	removed, added := Diff([]int64{1, 3, 5, 7}, []int64{2, 3, 7, 8})
	if !slices.Equal(removed, []int64{1, 5}) || !slices.Equal(added, []int64{2, 8}) {
		t.Errorf("Diff = %v, %v; want [1 5], [2 8]", removed, added)
	}
}
