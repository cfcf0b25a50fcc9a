package catalogdata_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/catalogdata"
)

// TestProportions checks the shares that the package docs promise, on a
// catalog of 20,000 products.
func TestProportions(t *testing.T) {
	const size = 20_000
	c := catalogdata.New(size, catalogdata.DefaultSeed)
	if len(c.Problems) != 5 || len(c.Brands) != size/100 {
		t.Fatalf("%d problems, %d brands; want 5, %d", len(c.Problems), len(c.Brands), size/100)
	}
	brandKeys := make(map[string]string)
	for j, b := range c.Brands {
		key := catalog.SearchKey(b.Name)
		brandKeys[b.ID.String()] = key
		if got := strings.Contains(key, catalogdata.BrandTerm); got != (j%5 == 0) {
			t.Errorf("brand %d %q: has %s %v", j, b.Name, catalogdata.BrandTerm, got)
		}
		for _, miss := range []string{catalogdata.MissTerm, catalogdata.HardMissTerm, catalogdata.CommonTerm, catalogdata.RareTerm} {
			if strings.Contains(key, miss) {
				t.Errorf("brand %q has %q", b.Name, miss)
			}
		}
	}
	counts := make(map[string]int)
	words := make(map[string]int)
	for i := range size {
		p := c.Product(i)
		key := catalog.SearchKey(p.Name)
		brand := ""
		if p.Brand != nil {
			brand = brandKeys[p.Brand.ID.String()]
		}
		for _, term := range []string{catalogdata.CommonTerm, catalogdata.RareTerm, catalogdata.SyllableTerm, catalogdata.MissTerm, catalogdata.HardMissTerm, catalogdata.TwoTerms, catalogdata.ThreeTerms} {
			if _, ok := catalog.MustParseSearch(term).Rank(key, brand); ok {
				counts[term]++
			}
		}
		if strings.Contains(key, catalogdata.BrandTerm) {
			t.Errorf("product %q has the brand term", p.Name)
		}
		if strings.Contains(brand, catalogdata.BrandTerm) {
			counts[catalogdata.BrandTerm]++
		}
		if got, want := strings.Contains(key, catalogdata.RareTerm), i%catalogdata.RarePeriod == catalogdata.RareOffset; got != want {
			t.Errorf("product %d %q: rare term %v, want %v", i, p.Name, got, want)
		}
		for _, word := range strings.Fields(catalogdata.HardMissTerm) {
			if strings.Contains(key, word) {
				words[word]++
			}
		}
		if i > 0 && c.ProductID(i-1).String() >= p.ID.String() {
			t.Fatalf("product %d's id %s is not above the last", i, p.ID)
		}
		if p.Price.Amount.LessThan(decimal.Zero) || p.Price.Currency != "KRW" {
			t.Fatalf("product %d: price %v", i, p.Price)
		}
	}
	within := func(term string, lo, hi float64) {
		t.Helper()
		share := float64(counts[term]) / size
		if share < lo || share > hi {
			t.Errorf("%q is in %.2f%% of the products, want %.0f%%..%.0f%%", term, 100*share, 100*lo, 100*hi)
		}
	}
	within(catalogdata.CommonTerm, 0.045, 0.055)
	within(catalogdata.BrandTerm, 0.17, 0.21)
	within(catalogdata.SyllableTerm, 0.05, 0.07)
	within(catalogdata.TwoTerms, 0.0015, 0.0035)
	within(catalogdata.ThreeTerms, 0.0001, 0.0005)
	if counts[catalogdata.RareTerm] != c.RareCount() || c.RareCount() != 1 {
		t.Errorf("rare term in %d products, RareCount %d; want 1", counts[catalogdata.RareTerm], c.RareCount())
	}
	for _, miss := range []string{catalogdata.MissTerm, catalogdata.HardMissTerm} {
		if counts[miss] != 0 {
			t.Errorf("%q is in %d products, want none", miss, counts[miss])
		}
	}
	for _, word := range strings.Fields(catalogdata.HardMissTerm) {
		if n := words[word]; n < size/100 {
			t.Errorf("the hard miss's word %q is in %d names, want at least 1%%", word, n)
		}
	}
}

func TestRareCount(t *testing.T) {
	for size, want := range map[int]int{0: 0, 4321: 0, 4322: 1, 10_000: 1, 100_000: 2, 1_000_000: 20} {
		if got := catalogdata.New(size, 1).RareCount(); got != want {
			t.Errorf("RareCount of %d: %d, want %d", size, got, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := catalogdata.New(1000, 7), catalogdata.New(1000, 7)
	if diff := cmp.Diff(a.Brands, b.Brands); diff != "" {
		t.Errorf("brands differ:\n%s", diff)
	}
	for _, i := range []int{0, 1, 500, 999} {
		if diff := cmp.Diff(a.Product(i), b.Product(i)); diff != "" {
			t.Errorf("product %d differs:\n%s", i, diff)
		}
	}
	if a.Product(3).Name == catalogdata.New(1000, 8).Product(3).Name && a.Product(4).Name == catalogdata.New(1000, 8).Product(4).Name {
		t.Error("another seed made the same names")
	}
}

// TestValid checks that generated records pass the catalog's validation,
// by creating a few through the service.
func TestValid(t *testing.T) {
	c := catalogdata.New(300, catalogdata.DefaultSeed)
	for i := range c.Len() {
		p := c.Product(i)
		if n := len([]rune(p.Name)); n == 0 || n > 100 {
			t.Errorf("product %d: name %q of %d letters", i, p.Name, n)
		}
		if p.Brand != nil && p.Brand.Name == "" {
			t.Errorf("product %d: brand without a name", i)
		}
	}
}

func TestSizes(t *testing.T) {
	for v, want := range map[string][]int{"": {10_000}, "10000, 1000000": {10_000, 1_000_000}} {
		if got, err := catalogdata.Sizes(v); err != nil || !slices.Equal(got, want) {
			t.Errorf("Sizes(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"ten", "0", "100,"} {
		if _, err := catalogdata.Sizes(v); err == nil {
			t.Errorf("Sizes(%q) accepted", v)
		}
	}
}
