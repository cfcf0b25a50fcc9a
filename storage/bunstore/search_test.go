package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
	"github.com/impactmuseum/commerce/internal/catalogdata"
	"github.com/impactmuseum/commerce/internal/testdb"
)

func newTestStore(t *testing.T) (*Store, *bun.DB) {
	t.Helper()
	db, err := Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	s, err := New(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSearchIndexWrites makes random catalog writes through the store —
// products created, renamed, moved between brands and deleted, brands
// renamed and deleted — and after each round checks that the gram tables
// hold exactly what a fresh build from the rows would, and that indexed
// search answers as the plain LIKE query for many queries.
func TestSearchIndexWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newTestStore(t)
	repo := s.Catalog()
	data := catalogdata.New(400, 5)
	for _, p := range data.Problems {
		must(t, repo.CreateProblem(ctx, p))
	}
	for _, b := range data.Brands {
		must(t, repo.CreateBrand(ctx, b))
	}
	r := rand.New(rand.NewPCG(3, 4))
	ids := commerce.SequentialIDs(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	brands := slices.Clone(data.Brands)
	next := 0
	for round := range 4 {
		// Shuffled, so that many products come below an id already stored;
		// and seqs jump ahead between rounds, so that the sets span several
		// chunks and searches read more than one window.
		_, err := db.ExecContext(ctx, "UPDATE search_state SET last_seq = last_seq + 40000")
		must(t, err)
		batch := r.Perm(min(100, data.Len()-next))
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
		for range 12 {
			switch op := r.IntN(6); {
			case op == 0:
				k := r.IntN(len(brands))
				b, err := repo.GetBrand(ctx, brands[k].ID)
				must(t, err)
				b.Name = []string{"사과꽃농원", "새이름 공방", "Happy 협동조합", "배", "100%_농장"}[r.IntN(5)]
				must(t, repo.UpdateBrand(ctx, b, b.Version))
			case op == 1 && len(brands) > 2:
				k := r.IntN(len(brands))
				must(t, repo.DeleteBrand(ctx, brands[k].ID))
				brands = slices.Delete(brands, k, k+1)
			case op == 2:
				b := brands[0]
				b.ID, b.Name = ids(), fmt.Sprintf("새 브랜드 %d", round)
				must(t, repo.CreateBrand(ctx, b))
				brands = append(brands, b)
			default:
				all, err := likeRepo{s.catalog}.ListProducts(ctx, catalog.ProductQuery{Limit: 1 << 20})
				must(t, err)
				p := all[r.IntN(len(all))]
				switch r.IntN(4) {
				case 0:
					must(t, repo.DeleteProduct(ctx, p.ID))
				case 1:
					p.Name = "사과 " + string([]rune(p.Name)[:len([]rune(p.Name))/2]) + " 100%"
					must(t, repo.UpdateProduct(ctx, p, p.Version))
				case 2:
					p.Price.Amount = p.Price.Amount.Add(p.Price.Amount)
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
		checkSearchIndex(t, db)
		compareWithLike(t, s, r)
	}
}

// checkSearchIndex compares search_sets with what the products and brands
// rows make afresh, and checks that the seqs follow the ids but for the
// products in the out-of-order set.
func checkSearchIndex(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := context.Background()
	var products []struct {
		ID       binID          `bun:"id"`
		Seq      uint32         `bun:"seq"`
		NameKey  string         `bun:"name_key"`
		BrandKey sql.NullString `bun:"brand_key"`
	}
	must(t, db.NewRaw("SELECT p.id, p.seq, p.name_key, b.name_key AS brand_key FROM products AS p LEFT JOIN brands AS b ON b.id = p.brand_id ORDER BY p.id").Scan(ctx, &products))
	want := make(map[int64][]uint32)
	for _, p := range products {
		for _, g := range searchindex.ProductGrams(p.NameKey, p.BrandKey.String) {
			want[g] = append(want[g], p.Seq)
		}
	}
	for _, seqs := range want {
		slices.Sort(seqs)
	}
	grams := make([]int64, 0, len(want)+1)
	for g := range want {
		grams = append(grams, g)
	}
	grams = append(grams, searchindex.OutOfOrder)
	var rows []struct {
		Gram int64 `bun:"gram"`
	}
	must(t, db.NewRaw("SELECT DISTINCT gram FROM search_sets").Scan(ctx, &rows))
	for _, r := range rows {
		if _, ok := want[r.Gram]; !ok && r.Gram != searchindex.OutOfOrder {
			t.Fatalf("search_sets holds gram %x, which no product has", r.Gram)
		}
	}
	sets, _, err := searchSource{db}.Sets(ctx, grams, searchindex.Window{From: 0, To: ^uint32(0)})
	must(t, err)
	got := make(map[int64][]uint32)
	outOfOrder := sets[searchindex.OutOfOrder]
	for g, set := range sets {
		if g != searchindex.OutOfOrder {
			got[g] = set.ToArray()
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("search_sets differs from a fresh build (-fresh +kept):\n%s", diff)
	}
	var brands []struct {
		ID      binID  `bun:"id"`
		NameKey string `bun:"name_key"`
	}
	must(t, db.NewRaw("SELECT id, name_key FROM brands").Scan(ctx, &brands))
	var wantBrandGrams, gotBrandGrams []string
	for _, b := range brands {
		for _, g := range searchindex.NameGrams(b.NameKey) {
			wantBrandGrams = append(wantBrandGrams, fmt.Sprintf("%x %x", g, b.ID[:]))
		}
	}
	var brandGrams []struct {
		Gram int64 `bun:"gram"`
		ID   binID `bun:"brand_id"`
	}
	must(t, db.NewRaw("SELECT gram, brand_id FROM brand_grams").Scan(ctx, &brandGrams))
	for _, r := range brandGrams {
		gotBrandGrams = append(gotBrandGrams, fmt.Sprintf("%x %x", r.Gram, r.ID[:]))
	}
	slices.Sort(wantBrandGrams)
	slices.Sort(gotBrandGrams)
	if diff := cmp.Diff(wantBrandGrams, gotBrandGrams); diff != "" {
		t.Fatalf("brand_grams differs from a fresh build (-fresh +kept):\n%s", diff)
	}
	var last uint32
	for _, p := range products {
		if outOfOrder != nil && outOfOrder.Contains(p.Seq) {
			continue
		}
		if p.Seq <= last {
			t.Fatalf("product %x has seq %d, not above %d of a lower id, and is not out of order", p.ID[:], p.Seq, last)
		}
		last = p.Seq
	}
}

// compareWithLike runs many searches through the index and through the
// plain LIKE query, and wants the same pages.
func compareWithLike(t *testing.T, s *Store, r *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	like := likeRepo{s.catalog}
	all, err := like.ListProducts(ctx, catalog.ProductQuery{Limit: 1 << 20})
	must(t, err)
	queries := []string{
		catalogdata.CommonTerm, catalogdata.RareTerm, catalogdata.BrandTerm, catalogdata.SyllableTerm,
		catalogdata.MissTerm, catalogdata.HardMissTerm, "사과", "사과꽃", "과", "배", "공방", "happy", "새",
		"g", "0", "5kg", "%", "0%", "_", "%_", "!", "100%_농", "사과 비누 선물세트",
		catalogdata.TwoTerms, catalogdata.ThreeTerms, "공방 사과", "제주 사과", "happy 새", "사과 100%",
	}
	for range 15 {
		name := []rune(catalog.SearchKey(all[r.IntN(len(all))].Name))
		i := r.IntN(len(name))
		j := i + 1 + r.IntN(min(5, len(name)-i))
		queries = append(queries, string(name[i:j]))
		k := r.IntN(len(name))
		queries = append(queries, string(name[k:min(k+2, len(name))])+" "+string(name[i:j]))
	}
	for _, q := range queries {
		search := catalog.MustParseSearch(q)
		for _, sort := range []catalog.Sort{catalog.SortNewest, catalog.SortRelevance} {
			whole, err := like.ListProducts(ctx, catalog.ProductQuery{Search: search, Sort: sort, Limit: 1 << 20})
			must(t, err)
			for _, limit := range []int{1, 7, 1000} {
				query := catalog.ProductQuery{Search: search, Sort: sort, Limit: limit}
				if limit == 7 && len(whole) > 10 {
					last := whole[len(whole)/3]
					query.Before = last.ID
					if rank, ok := search.Rank(catalog.ProductKeys(last)); ok && query.Ordered() {
						query.BeforeRank = rank
					}
				}
				want, err := like.ListProducts(ctx, query)
				must(t, err)
				got, err := s.Catalog().ListProducts(ctx, query)
				must(t, err)
				if diff := cmp.Diff(names(want), names(got)); diff != "" {
					t.Fatalf("search %q by %s, limit %d, before %s (-like +index):\n%s", q, sort, limit, query.Before, diff)
				}
			}
		}
	}
}

func names(ps []catalog.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID.String() + " " + p.Name
	}
	return out
}

// TestSearchRebuild migrates a database that holds products indexed by
// the first search index, and wants them found; then it rebuilds a search
// index that products stored out of order and rows written by plain SQL
// have left behind.
func TestSearchRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })

	// The schema as it was: the migrations before the present index.
	old := fstest.MapFS{}
	must(t, fs.WalkDir(migrationFiles, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path >= "migrations/20261201" {
			return err
		}
		b, err := fs.ReadFile(migrationFiles, path)
		old[strings.TrimPrefix(path, "migrations/")] = &fstest.MapFile{Data: b}
		return err
	}))
	ms := migrate.NewMigrations()
	must(t, ms.Discover(old))
	m := migrate.NewMigrator(db, ms, migrate.WithTableName(migrationsTable), migrate.WithLocksTableName(migrationLocksTable), migrate.WithMarkAppliedOnSuccess(true))
	must(t, m.Init(ctx))
	_, err = m.Migrate(ctx)
	must(t, err)

	// Rows written as the store wrote them then: keys folded the old way
	// (no NFKC), no seq.
	data := catalogdata.New(3000, 9)
	for _, p := range data.Problems {
		must(t, (&catalogRepo{db: db}).CreateProblem(ctx, p))
	}
	for _, b := range data.Brands {
		row := brandIn(b)
		row.NameKey = commerce.Fold(b.Name)
		_, err = db.NewInsert().Model(row).Exec(ctx)
		must(t, err)
	}
	for i := range data.Len() {
		p := data.Product(i)
		if i == 7 {
			p.Name = "ＥＣＯ 사과잼" // full width: its old key is not the new one
		}
		row, err := productIn(p)
		must(t, err)
		row.NameKey = commerce.Fold(p.Name)
		_, err = db.NewInsert().Model(row).ExcludeColumn("seq").Exec(ctx)
		must(t, err)
	}

	s, err := New(ctx, db, nil)
	must(t, err)
	checkSearchIndex(t, db)
	compareWithLike(t, s, rand.New(rand.NewPCG(5, 6)))
	page, err := s.Catalog().ListProducts(ctx, catalog.ProductQuery{Search: catalog.MustParseSearch(catalogdata.CommonTerm), Limit: 5})
	if err != nil || len(page) != 5 {
		t.Fatalf("search after the migration: %d products, %v", len(page), err)
	}
	page, err = s.Catalog().ListProducts(ctx, catalog.ProductQuery{Search: catalog.MustParseSearch("eco 사과 잼"), Limit: 5})
	if err != nil || len(page) != 1 || page[0].ID != data.ProductID(7) {
		t.Fatalf("search for a name whose key the migration changed: %v, %v", page, err)
	}

	// Products stored out of order, then a product inserted by plain SQL,
	// which RebuildSearch indexes and numbers in id order.
	ids := commerce.SequentialIDs(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	for i := range 5 {
		p := data.Product(i)
		p.ID, p.Name = ids(), fmt.Sprintf("늦게 온 사과잼 %d", i)
		must(t, s.Catalog().CreateProduct(ctx, p))
	}
	p := data.Product(8)
	p.ID, p.Name = ids(), "평문으로 넣은 사과잼"
	row, err := productIn(p)
	must(t, err)
	_, err = db.NewInsert().Model(row).ExcludeColumn("seq").Exec(ctx)
	must(t, err)
	must(t, RebuildSearch(ctx, db))
	checkSearchIndex(t, db)
	sets, _, err := searchSource{db}.Sets(ctx, []int64{searchindex.OutOfOrder}, searchindex.Window{From: 0, To: ^uint32(0)})
	must(t, err)
	if odd := sets[searchindex.OutOfOrder]; odd != nil && !odd.IsEmpty() {
		t.Errorf("after the rebuild, %d products are out of order", odd.GetCardinality())
	}
	compareWithLike(t, s, rand.New(rand.NewPCG(7, 8)))
}

// TestSearchConcurrentWrites creates products from several connections at
// once — some with ids below those already stored — while a brand is
// renamed back and forth and searches run, and then wants the sets to be
// exactly what the rows make and the searches to agree with LIKE.
func TestSearchConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newTestStore(t)
	repo := s.Catalog()
	data := catalogdata.New(400, 11)
	for _, p := range data.Problems {
		must(t, repo.CreateProblem(ctx, p))
	}
	for _, b := range data.Brands {
		must(t, repo.CreateBrand(ctx, b))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	const writers = 4
	for w := range writers {
		wg.Go(func() {
			// Writer w creates products w, w+4, …, in an order of its own,
			// so that ids arrive out of order across writers.
			for i := w; i < data.Len(); i += writers {
				if err := repo.CreateProduct(ctx, data.Product(data.Len()-1-i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			b, err := repo.GetBrand(ctx, data.Brands[0].ID)
			if err == nil {
				b.Name = []string{"사과꽃농원", "늘봄협동조합"}[i%2]
				err = repo.UpdateBrand(ctx, b, b.Version)
			}
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for i := range 50 {
			q := []string{"사과", catalogdata.TwoTerms, "협동조합 잼"}[i%3]
			if _, err := repo.ListProducts(ctx, catalog.ProductQuery{Search: catalog.MustParseSearch(q), Sort: catalog.SortRelevance, Limit: 5}); err != nil {
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
	compareWithLike(t, s, rand.New(rand.NewPCG(9, 10)))
}
