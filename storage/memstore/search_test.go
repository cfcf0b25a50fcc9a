package memstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/catalogdata"
)

// scanProducts is ListProducts without the index: every product, newest
// first, tested against q — the plain rule the index must answer alike,
// and the baseline of the benchmarks.
func (s *Store) scanProducts(q catalog.ProductQuery) []catalog.Product {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []catalog.Product
	for i := s.productOrder.below(q.Before) - 1; i >= 0 && len(out) < q.Limit; i-- {
		rec := s.products[s.productOrder[i]]
		if q.BrandID != uuid.Nil && (rec.p.Brand == nil || rec.p.Brand.ID != q.BrandID) {
			continue
		}
		if q.Search != "" && !s.matches(rec, q.Search) {
			continue
		}
		out = append(out, s.productOut(rec))
	}
	return out
}

// checkIndex compares the store's indexes with indexes built afresh from
// its records.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var want catalogIndex
	for _, id := range s.productOrder {
		rec := s.products[id]
		want.indexProduct(id, productRecord{}, rec, "", s.brandKey(rec))
	}
	if want.grams == nil {
		want.grams, want.brands = map[int64]idList{}, map[uuid.UUID]idList{}
	}
	got := s.search
	if got.grams == nil {
		got.grams, got.brands = map[int64]idList{}, map[uuid.UUID]idList{}
	}
	if diff := cmp.Diff(want.grams, got.grams); diff != "" {
		t.Fatalf("gram index differs from a fresh one (-fresh +kept):\n%s", diff)
	}
	if diff := cmp.Diff(want.brands, got.brands); diff != "" {
		t.Fatalf("brand index differs from a fresh one (-fresh +kept):\n%s", diff)
	}
}

// TestSearchIndex makes random catalog writes — products created, renamed,
// moved between brands and deleted, brands renamed and deleted — and after
// each round checks that the index is the one a fresh build makes, and
// that indexed search answers exactly as the plain scan for many queries:
// the generator's terms, single letters, and pieces of names.
func TestSearchIndex(t *testing.T) {
	ctx := context.Background()
	s := New(nil)
	repo := s.Catalog()
	data := catalogdata.New(600, 3)
	for _, p := range data.Problems {
		must(t, repo.CreateProblem(ctx, p))
	}
	for _, b := range data.Brands {
		must(t, repo.CreateBrand(ctx, b))
	}
	r := rand.New(rand.NewPCG(1, 2))
	ids := commerce.SequentialIDs(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	brands := slices.Clone(data.Brands)
	next := 0
	for round := range 5 {
		for range 80 {
			if next < data.Len() {
				p := data.Product(next)
				next++
				if p.Brand != nil && !slices.ContainsFunc(brands, func(b catalog.Brand) bool { return b.ID == p.Brand.ID }) {
					p.Brand = brands[r.IntN(len(brands))].Ref()
				}
				must(t, repo.CreateProduct(ctx, p))
			}
		}
		for range 10 {
			switch op := r.IntN(6); {
			case op == 0 && len(brands) > 1: // rename a brand
				k := r.IntN(len(brands))
				b, err := repo.GetBrand(ctx, brands[k].ID)
				must(t, err)
				b.Name = []string{"사과꽃농원", "새이름 공방", "Happy 협동조합", "배"}[r.IntN(4)]
				must(t, repo.UpdateBrand(ctx, b, b.Version))
				b.Version++
			case op == 1 && len(brands) > 2: // delete a brand
				k := r.IntN(len(brands))
				must(t, repo.DeleteBrand(ctx, brands[k].ID))
				brands = slices.Delete(brands, k, k+1)
			case op == 2 && len(brands) > 0: // a new brand
				b := brands[0]
				b.ID, b.Name = ids(), fmt.Sprintf("새 브랜드 %d", round)
				must(t, repo.CreateBrand(ctx, b))
				brands = append(brands, b)
			default: // rename, move or delete a product
				all := s.scanProducts(catalog.ProductQuery{Limit: 1 << 30})
				if len(all) == 0 {
					continue
				}
				p := all[r.IntN(len(all))]
				switch r.IntN(3) {
				case 0:
					must(t, repo.DeleteProduct(ctx, p.ID))
				case 1:
					p.Name = "사과 " + p.Name[:len(p.Name)/2]
					must(t, repo.UpdateProduct(ctx, p, p.Version))
				default:
					if r.IntN(3) == 0 {
						p.Brand = nil
					} else {
						p.Brand = brands[r.IntN(len(brands))].Ref()
					}
					must(t, repo.UpdateProduct(ctx, p, p.Version))
				}
			}
		}
		checkIndex(t, s)
		compareSearches(t, s, r)
	}
}

func compareSearches(t *testing.T, s *Store, r *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	all := s.scanProducts(catalog.ProductQuery{Limit: 1 << 30})
	queries := []string{
		catalogdata.CommonTerm, catalogdata.RareTerm, catalogdata.BrandTerm, catalogdata.SyllableTerm,
		catalogdata.MissTerm, catalogdata.HardMissTerm, "사과", "사과꽃", "과", "배", "공방", "happy", "새", " ", "g", "0", "5kg",
	}
	for range 20 {
		name := []rune(catalog.SearchKey(all[r.IntN(len(all))].Name))
		i := r.IntN(len(name))
		j := i + 1 + r.IntN(min(4, len(name)-i))
		queries = append(queries, string(name[i:j]))
	}
	for _, q := range queries {
		key := catalog.SearchKey(q)
		for _, limit := range []int{1, 7, 1000} {
			var before uuid.UUID
			if limit == 7 && len(all) > 10 {
				before = all[len(all)/3].ID
			}
			query := catalog.ProductQuery{Search: key, Limit: limit, Before: before}
			got, err := s.Catalog().ListProducts(ctx, query)
			must(t, err)
			if diff := cmp.Diff(s.scanProducts(query), got); diff != "" {
				t.Fatalf("search %q, limit %d, before %s (-scan +index):\n%s", key, limit, before, diff)
			}
			if len(all) > 0 && all[0].Brand != nil {
				query.BrandID = all[0].Brand.ID
				got, err := s.Catalog().ListProducts(ctx, query)
				must(t, err)
				if diff := cmp.Diff(s.scanProducts(query), got); diff != "" {
					t.Fatalf("search %q in a brand (-scan +index):\n%s", key, diff)
				}
			}
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
