package memstore

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
	"github.com/impactmuseum/commerce/internal/catalogdata"
)

// scanProducts is ListProducts without the index: every product, newest
// first, tested against q and, for a relevance sort, ordered by rank — the
// plain rule the index must answer alike, and the baseline of the
// benchmarks.
func (s *Store) scanProducts(q catalog.ProductQuery) []catalog.Product {
	s.mu.RLock()
	defer s.mu.RUnlock()
	type hit struct {
		rec  productRecord
		rank catalog.Rank
	}
	var hits []hit
	ordered := q.Ordered()
	for i := len(s.productOrder) - 1; i >= 0; i-- {
		rec := s.products[s.productOrder[i]]
		if q.BrandID != uuid.Nil && (rec.p.Brand == nil || rec.p.Brand.ID != q.BrandID) {
			continue
		}
		rank, ok := q.Search.Rank(rec.key, s.brandKey(rec))
		if !ok || ordered && q.NameOnly && rank > catalog.RankName {
			continue
		}
		after := q.Before == uuid.Nil || compareIDs(rec.p.ID, q.Before) < 0
		if ordered {
			after = q.Before == uuid.Nil || rank > q.BeforeRank || rank == q.BeforeRank && compareIDs(rec.p.ID, q.Before) < 0
		}
		if !after {
			continue
		}
		hits = append(hits, hit{rec, rank})
		if !ordered && len(hits) == q.Limit {
			break
		}
	}
	if ordered {
		slices.SortStableFunc(hits, func(a, b hit) int { return int(a.rank) - int(b.rank) })
	}
	out := []catalog.Product{}
	for _, h := range hits[:min(len(hits), q.Limit)] {
		out = append(out, s.productOut(h.rec))
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
	flat := func(x catalogIndex) (map[int64][]uint32, map[uuid.UUID]idList, map[uint32]uuid.UUID) {
		sets := map[int64][]uint32{}
		for k, set := range x.sets {
			if k.gram != searchindex.OutOfOrder {
				sets[k.gram] = append(sets[k.gram], set.ToArray()...)
			}
		}
		for _, seqs := range sets {
			slices.Sort(seqs)
		}
		brands, seqs := map[uuid.UUID]idList{}, map[uint32]uuid.UUID{}
		maps.Copy(brands, x.brands)
		maps.Copy(seqs, x.bySeq)
		return sets, brands, seqs
	}
	wantSets, wantBrands, wantSeqs := flat(want)
	gotSets, gotBrands, gotSeqs := flat(s.search)
	if diff := cmp.Diff(wantSets, gotSets); diff != "" {
		t.Fatalf("gram index differs from a fresh one (-fresh +kept):\n%s", diff)
	}
	if diff := cmp.Diff(wantBrands, gotBrands); diff != "" {
		t.Fatalf("brand index differs from a fresh one (-fresh +kept):\n%s", diff)
	}
	if diff := cmp.Diff(wantSeqs, gotSeqs); diff != "" {
		t.Fatalf("seqs differ from the records' (-fresh +kept):\n%s", diff)
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
		// A round's products are created in a shuffled order, so that many
		// come below an id already stored: out of order (searchindex); and
		// seqs jump ahead between rounds, so that the sets span several
		// chunks and searches read more than one window.
		s.search.lastSeq += 40_000
		batch := r.Perm(min(80, data.Len()-next))
		for _, k := range batch {
			{
				p := data.Product(next + k)
				if p.Brand != nil && !slices.ContainsFunc(brands, func(b catalog.Brand) bool { return b.ID == p.Brand.ID }) {
					p.Brand = brands[r.IntN(len(brands))].Ref()
				}
				must(t, repo.CreateProduct(ctx, p))
			}
		}
		next += len(batch)
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
		catalogdata.MissTerm, catalogdata.HardMissTerm, catalogdata.TwoTerms, catalogdata.ThreeTerms,
		"사과", "사과꽃", "과", "배", "공방", "happy", "새", " ", "g", "0", "5kg", "사과 공방", "공방 사과",
		"제주 사과", "유기농 잼", "사과잼 500g", "새 브랜드 사과", "ＥＣＯ", "쨈",
	}
	for range 20 {
		name := []rune(catalog.SearchKey(all[r.IntN(len(all))].Name))
		i := r.IntN(len(name))
		j := i + 1 + r.IntN(min(4, len(name)-i))
		queries = append(queries, string(name[i:j]))
		// Two pieces of one name, the later first.
		k := r.IntN(len(name))
		queries = append(queries, string(name[k:min(k+2, len(name))])+" "+string(name[i:j]))
	}
	for _, q := range queries {
		search := catalog.MustParseSearch(q)
		if search.IsZero() {
			continue
		}
		for _, sort := range []catalog.Sort{catalog.SortNewest, catalog.SortRelevance} {
			query := catalog.ProductQuery{Search: search, Sort: sort, Limit: 1 << 30}
			whole := s.scanProducts(query)
			for _, limit := range []int{1, 7, 1000} {
				query.Limit = limit
				query.Before, query.BeforeRank = uuid.Nil, 0
				if limit == 7 && len(whole) > 10 {
					// From the middle of the results, as a next page does.
					last := whole[len(whole)/3]
					query.Before = last.ID
					if rank, ok := search.Rank(catalog.ProductKeys(last)); ok && sort == catalog.SortRelevance {
						query.BeforeRank = rank
					}
				}
				got, err := s.Catalog().ListProducts(ctx, query)
				must(t, err)
				if diff := cmp.Diff(s.scanProducts(query), got); diff != "" {
					t.Fatalf("search %q by %s, limit %d, before %s (-scan +index):\n%s", q, sort, limit, query.Before, diff)
				}
				if sort == catalog.SortRelevance && query.Before == uuid.Nil {
					names := query
					names.NameOnly = true
					got, err := s.Catalog().ListProducts(ctx, names)
					must(t, err)
					if diff := cmp.Diff(s.scanProducts(names), got); diff != "" {
						t.Fatalf("search %q by name only, limit %d (-scan +index):\n%s", q, limit, diff)
					}
				}
				if len(all) > 0 && all[0].Brand != nil {
					query := query
					query.BrandID = all[0].Brand.ID
					query.Before = uuid.Nil
					got, err := s.Catalog().ListProducts(ctx, query)
					must(t, err)
					if diff := cmp.Diff(s.scanProducts(query), got); diff != "" {
						t.Fatalf("search %q by %s in a brand (-scan +index):\n%s", q, sort, diff)
					}
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

// TestSearchConcurrent runs searches of both sorts beside writes, for the
// race detector: searches read the index's sets under the read lock, and
// must not change them.
func TestSearchConcurrent(t *testing.T) {
	ctx := context.Background()
	s := New(nil)
	repo := s.Catalog()
	data := catalogdata.New(2000, 13)
	for _, p := range data.Problems {
		must(t, repo.CreateProblem(ctx, p))
	}
	for _, b := range data.Brands {
		must(t, repo.CreateBrand(ctx, b))
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < data.Len(); i += 2 {
				if err := repo.CreateProduct(ctx, data.Product(data.Len()-1-i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				q := catalog.ProductQuery{Search: catalog.MustParseSearch([]string{"사과", catalogdata.TwoTerms, "협동조합 잼", "잼"}[i%4]), Limit: 7}
				if i%2 == 0 {
					q.Sort = catalog.SortRelevance
				}
				if _, err := repo.ListProducts(ctx, q); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkIndex(t, s)
	compareSearches(t, s, rand.New(rand.NewPCG(3, 4)))
}
