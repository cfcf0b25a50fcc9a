package catalogdata

import (
	"context"
	"fmt"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// SuggestQueries are what the benchmarks type into a search box: a
// syllable, a word, a word and a syllable, and a brand's prefix.
var SuggestQueries = []string{"사", "사과", "제주 사", "늘봄"}

// BenchSuggest runs a sub-benchmark "suggest=<typed>" of svc.Suggest for
// each of SuggestQueries; each must suggest something.
func BenchSuggest(b *testing.B, ctx context.Context, svc *catalog.Service) {
	for _, typed := range SuggestQueries {
		b.Run("suggest="+typed, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got, err := svc.Suggest(ctx, typed); err != nil || len(got) == 0 {
					b.Fatalf("Suggest(%q): %d, %v", typed, len(got), err)
				}
			}
		})
	}
}

// BenchWrites times the writes that maintain a search index, through svc
// on the catalog c was loaded into: creating a product
// ("write=create"), and renaming a brand with 1,000 products, back and
// forth ("write=rename-brand-1000"), which it creates first.
func BenchWrites(b *testing.B, ctx context.Context, svc *catalog.Service, c *Catalog) {
	staff := commerce.StaffActor(commerce.NewID())
	brand := c.Brands[1]
	b.Run("write=create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := svc.CreateProduct(ctx, staff, catalog.ProductInput{
				Name: "벤치 유기농 사과잼 500g", Price: commerce.MustMoney("9000", "KRW"), BrandID: brand.ID,
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	big, err := svc.CreateBrand(ctx, staff, catalog.BrandInput{Name: "천개상품협동조합", ProblemID: c.Problems[0].ID})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		_, err := svc.CreateProduct(ctx, staff, catalog.ProductInput{
			Name: fmt.Sprintf("천개 상품 %d 선물세트", i), Price: commerce.MustMoney("1000", "KRW"), BrandID: big.ID,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	names := []string{"천개상품농원", "천개상품협동조합"}
	b.Run("write=rename-brand-1000", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := svc.UpdateBrand(ctx, staff, big.ID, catalog.BrandPatch{Name: commerce.Some(names[i%2])}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
