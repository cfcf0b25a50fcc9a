package catalog_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce/catalog"
)

// TestGramsCoverMatches checks the property the indexes rely on: every
// gram of a query is a gram of every product that the query matches.
func TestGramsCoverMatches(t *testing.T) {
	names := []struct{ product, brand string }{
		{"유기농사과잼", "사과나무농장"}, {"Apple Pie", ""}, {"100% 면 손수건", "초록공방"}, {"잼", ""},
	}
	for _, n := range names {
		key, brandKey := catalog.SearchKey(n.product), catalog.SearchKey(n.brand)
		grams := catalog.ProductGrams(key, brandKey)
		if !slices.IsSorted(grams) || len(slices.Compact(slices.Clone(grams))) != len(grams) {
			t.Fatalf("ProductGrams(%q, %q) is not sorted and distinct", key, brandKey)
		}
		for _, whole := range []string{key, brandKey} {
			rs := []rune(whole)
			for i := range rs {
				for j := i + 1; j <= len(rs); j++ {
					q := string(rs[i:j])
					for _, g := range catalog.QueryGrams(q) {
						if _, ok := slices.BinarySearch(grams, g); !ok {
							t.Errorf("%q matches %q, but its gram %x is not among the product's", q, whole, g)
						}
					}
				}
			}
		}
	}
	if g := catalog.QueryGrams(""); g != nil {
		t.Errorf("QueryGrams(\"\") = %v, want none", g)
	}
	if one, two := catalog.QueryGrams("잼"), catalog.QueryGrams("잼잼"); len(one) != 1 || len(two) != 1 || one[0] == two[0] {
		t.Errorf("a letter and a pair share a gram: %v %v", one, two)
	}
	if long := catalog.QueryGrams(strings.Repeat("가나", 10)); len(long) != 2 {
		t.Errorf("repeated pairs are not made distinct: %d grams", len(long))
	}
}

func TestDiffGrams(t *testing.T) {
	removed, added := catalog.DiffGrams([]int64{1, 3, 5, 7}, []int64{2, 3, 7, 9})
	if !slices.Equal(removed, []int64{1, 5}) || !slices.Equal(added, []int64{2, 9}) {
		t.Errorf("DiffGrams: removed %v, added %v", removed, added)
	}
	if r, a := catalog.DiffGrams(nil, nil); r != nil || a != nil {
		t.Errorf("DiffGrams(nil, nil) = %v, %v", r, a)
	}
}
