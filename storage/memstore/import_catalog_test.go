package memstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
	"github.com/impactmuseum/commerce/internal/catalogdata"
)

// TestImportSearchIndex imports a generated catalog's products in shuffled
// batches between products created one by one with newer ids, and
// re-imports some renamed or moved and brands renamed; after each round
// the index must be the one a fresh build makes and its seqs must follow
// the ids but for the out-of-order set, and at the end search must answer
// as the scan.
func TestImportSearchIndex(t *testing.T) {
	ctx := context.Background()
	s := New(nil)
	svc := catalog.NewService(s.Catalog(), nil)
	data := catalogdata.New(600, 5)
	if _, err := svc.ImportProblems(ctx, data.Problems); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ImportBrands(ctx, data.Brands); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	ids := commerce.SequentialIDs(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	order := r.Perm(data.Len())
	brands := slices.Clone(data.Brands)
	const rounds = 3
	for round := range rounds {
		part := order[round*data.Len()/rounds : (round+1)*data.Len()/rounds]
		batch := make([]catalog.Product, len(part))
		for i, k := range part {
			batch[i] = data.Product(k)
		}
		res, err := svc.ImportProducts(ctx, batch)
		must(t, err)
		for i, r := range res {
			if r.Outcome != commerce.ImportCreated {
				t.Fatalf("round %d, product %d: %v (%v)", round, i, r.Outcome, r.Err)
			}
		}
		// A product created as staff create them: newer than every one.
		p := data.Product(part[0])
		p.ID, p.Name = ids(), fmt.Sprintf("새로 만든 사과잼 %d", round)
		must(t, s.Catalog().CreateProduct(ctx, p))

		// Renames and moves of products imported before, and of a brand.
		var again []catalog.Product
		for _, k := range order[:(round+1)*data.Len()/rounds] {
			if r.IntN(10) > 0 {
				continue
			}
			p := data.Product(k)
			if r.IntN(2) == 0 {
				p.Name = "사과 " + string([]rune(p.Name)[:len([]rune(p.Name))/2])
			} else if r.IntN(3) == 0 {
				p.Brand = nil
			} else {
				p.Brand = brands[r.IntN(len(brands))].Ref()
			}
			again = append(again, p)
		}
		_, err = svc.ImportProducts(ctx, again)
		must(t, err)
		k := r.IntN(len(brands))
		brands[k].Name = []string{"사과꽃농원", "새이름 공방", "Happy 협동조합", "배"}[round]
		res, err = svc.ImportBrands(ctx, brands)
		must(t, err)
		if res[k].Outcome != commerce.ImportUpdated {
			t.Fatalf("round %d: the renamed brand: %v (%v)", round, res[k].Outcome, res[k].Err)
		}
		checkIndex(t, s)
		odd := checkSeqOrder(t, s)
		if round > 0 && odd == 0 {
			t.Fatalf("round %d: no product is out of order, though the round imported products below stored ids", round)
		}
	}
	compareSearches(t, s, r)
}

// checkSeqOrder wants the seqs of the products outside the out-of-order
// set to ascend with their ids, as searchindex requires, and returns how
// many are in the set.
func checkSeqOrder(t *testing.T, s *Store) int {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	odd := make(map[uint32]bool)
	for k, set := range s.search.sets {
		if k.gram == searchindex.OutOfOrder {
			for _, seq := range set.ToArray() {
				odd[seq] = true
			}
		}
	}
	var last uint32
	prev := uuid.Nil
	for _, id := range s.productOrder {
		seq := s.products[id].seq
		if odd[seq] {
			continue
		}
		if seq <= last && prev != uuid.Nil {
			t.Fatalf("product %s has seq %d, not above %d of the lower id %s, and is not out of order", id, seq, last, prev)
		}
		last, prev = seq, id
	}
	return len(odd)
}

// TestInsertMany checks the merge of idList.insertMany against insert.
func TestInsertMany(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		var l, want idList
		for range r.IntN(20) {
			id := uuid.UUID{byte(r.IntN(256)), byte(r.IntN(256)), 1}
			if !slices.Contains(want, id) {
				want.insert(id)
				l.insert(id)
			}
		}
		var add []uuid.UUID
		for range r.IntN(20) {
			id := uuid.UUID{byte(r.IntN(256)), byte(r.IntN(256)), 2}
			if !slices.Contains(add, id) {
				add = append(add, id)
				want.insert(id)
			}
		}
		l.insertMany(add)
		if !slices.Equal(l, want) {
			t.Fatalf("insertMany: %v, want %v", l, want)
		}
	}
}
