package bunstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
	"github.com/impactmuseum/commerce/internal/catalogdata"
)

// TestImportSearchIndex imports a generated catalog's products in shuffled
// batches between products created one by one with newer ids, re-imports
// some renamed or moved and brands renamed, and imports a product that
// plain SQL stored without a seq; after each round search_sets and
// brand_grams must be what the rows make afresh, the seqs must follow the
// ids but for the out-of-order set, and search must answer as LIKE.
func TestImportSearchIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newTestStore(t)
	svc := catalog.NewService(s.Catalog(), nil)
	data := catalogdata.New(600, 5)
	_, err := svc.ImportProblems(ctx, data.Problems)
	must(t, err)
	_, err = svc.ImportBrands(ctx, data.Brands)
	must(t, err)
	r := rand.New(rand.NewPCG(7, 8))
	ids := commerce.SequentialIDs(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	order := r.Perm(data.Len() - 1)
	brands := slices.Clone(data.Brands)
	const rounds = 3
	for round := range rounds {
		part := order[round*len(order)/rounds : (round+1)*len(order)/rounds]
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
		p := data.Product(part[0])
		p.ID, p.Name = ids(), fmt.Sprintf("새로 만든 사과잼 %d", round)
		must(t, s.Catalog().CreateProduct(ctx, p))

		var again []catalog.Product
		for _, k := range order[:(round+1)*len(order)/rounds] {
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
		brands[k].Name = []string{"사과꽃농원", "새이름 공방", "Happy 협동조합"}[round]
		res, err = svc.ImportBrands(ctx, brands)
		must(t, err)
		if res[k].Outcome != commerce.ImportUpdated {
			t.Fatalf("round %d: the renamed brand: %v (%v)", round, res[k].Outcome, res[k].Err)
		}
		checkSearchIndex(t, db)
	}

	// The last product, stored by plain SQL without a seq, then imported
	// with a new name: it gets a seq and its grams.
	last := data.Product(data.Len() - 1)
	row, err := productIn(last)
	must(t, err)
	row.Version = 1
	_, err = db.NewInsert().Model(row).ExcludeColumn("seq").Exec(ctx)
	must(t, err)
	last.Name = "평문으로 넣은 사과잼"
	res, err := svc.ImportProducts(ctx, []catalog.Product{last})
	if err != nil || res[0].Outcome != commerce.ImportUpdated {
		t.Fatalf("importing the product without a seq: %v, %v", res, err)
	}
	checkSearchIndex(t, db)
	sets, _, err := searchSource{db}.Sets(ctx, []int64{searchindex.OutOfOrder}, searchindex.Window{From: 0, To: ^uint32(0)})
	must(t, err)
	if odd := sets[searchindex.OutOfOrder]; odd == nil || odd.IsEmpty() {
		t.Fatal("no product is out of order, though the test imported products below stored ids")
	}
	compareWithLike(t, s, r)
}

// TestImportConcurrentWrites imports products from several connections at
// once, in overlapping batches, while products are created one by one and
// a brand is renamed back and forth, and then wants the sets to be exactly
// what the rows make.
func TestImportConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newTestStore(t)
	svc := catalog.NewService(s.Catalog(), nil)
	data := catalogdata.New(900, 11)
	_, err := svc.ImportProblems(ctx, data.Problems)
	must(t, err)
	_, err = svc.ImportBrands(ctx, data.Brands)
	must(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	const importers, step = 3, 150
	for w := range importers {
		wg.Go(func() {
			var batch []catalog.Product
			for i := w * step; i < (w+3)*step; i++ {
				batch = append(batch, data.Product(data.Len()-1-i))
			}
			if _, err := svc.ImportProducts(ctx, batch); err != nil {
				errs <- err
			}
		})
	}
	wg.Go(func() {
		ids := commerce.SequentialIDs(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
		for i := range 20 {
			p := data.Product(i)
			p.ID = ids()
			if err := s.Catalog().CreateProduct(ctx, p); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for i := range 10 {
			b, err := s.Catalog().GetBrand(ctx, data.Brands[0].ID)
			if err == nil {
				b.Name = []string{"사과꽃농원", "늘봄협동조합"}[i%2]
				err = s.Catalog().UpdateBrand(ctx, b, b.Version)
			}
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkSearchIndex(t, db)
	compareWithLike(t, s, rand.New(rand.NewPCG(1, 2)))
}
