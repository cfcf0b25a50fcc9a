package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
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
		for range 100 {
			if next < data.Len() {
				p := data.Product(next)
				next++
				if p.Brand != nil && !slices.ContainsFunc(brands, func(b catalog.Brand) bool { return b.ID == p.Brand.ID }) {
					p.Brand = brands[r.IntN(len(brands))].Ref()
				}
				must(t, repo.CreateProduct(ctx, p))
			}
		}
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

// checkSearchIndex compares product_grams and product_gram_counts with what
// the products and brands rows make afresh.
func checkSearchIndex(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := context.Background()
	var products []struct {
		ID       binID          `bun:"id"`
		NameKey  string         `bun:"name_key"`
		BrandKey sql.NullString `bun:"brand_key"`
	}
	must(t, db.NewRaw("SELECT p.id, p.name_key, b.name_key AS brand_key FROM products AS p LEFT JOIN brands AS b ON b.id = p.brand_id").Scan(ctx, &products))
	var want []string
	wantCounts := make(map[int64]int)
	for _, p := range products {
		for _, g := range catalog.ProductGrams(p.NameKey, p.BrandKey.String) {
			want = append(want, fmt.Sprintf("%d %x", g, p.ID[:]))
			wantCounts[g]++
		}
	}
	slices.Sort(want)
	var rows []struct {
		Gram int64 `bun:"gram"`
		ID   binID `bun:"product_id"`
	}
	must(t, db.NewRaw("SELECT gram, product_id FROM product_grams").Scan(ctx, &rows))
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%d %x", r.Gram, r.ID[:]))
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("product_grams differs from a fresh build (-fresh +kept):\n%s", diff)
	}
	var counts []struct {
		Gram     int64 `bun:"gram"`
		Products int   `bun:"products"`
	}
	must(t, db.NewRaw("SELECT gram, products FROM product_gram_counts WHERE products <> 0").Scan(ctx, &counts))
	gotCounts := make(map[int64]int)
	for _, c := range counts {
		gotCounts[c.Gram] = c.Products
	}
	if diff := cmp.Diff(wantCounts, gotCounts); diff != "" {
		t.Fatalf("product_gram_counts differs from a fresh count (-fresh +kept):\n%s", diff)
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
	}
	for range 15 {
		name := []rune(catalog.SearchKey(all[r.IntN(len(all))].Name))
		i := r.IntN(len(name))
		j := i + 1 + r.IntN(min(5, len(name)-i))
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
			want, err := like.ListProducts(ctx, query)
			must(t, err)
			got, err := s.Catalog().ListProducts(ctx, query)
			must(t, err)
			if diff := cmp.Diff(names(want), names(got)); diff != "" {
				t.Fatalf("search %q, limit %d, before %s (-like +index):\n%s", key, limit, before, diff)
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

// TestSearchBackfill migrates a database that holds products from before
// the search index, and wants them found.
func TestSearchBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })

	// The schema as it was: the migrations before the search index.
	old := fstest.MapFS{}
	must(t, fs.WalkDir(migrationFiles, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "_search.") {
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

	// Rows written as the store wrote them then: no grams.
	data := catalogdata.New(3000, 9)
	repo := &catalogRepo{db: db}
	for _, p := range data.Problems {
		must(t, repo.CreateProblem(ctx, p))
	}
	for _, b := range data.Brands {
		must(t, repo.CreateBrand(ctx, b))
	}
	for i := range data.Len() {
		row, err := productIn(data.Product(i))
		must(t, err)
		_, err = db.NewInsert().Model(row).Exec(ctx)
		must(t, err)
	}

	s, err := New(ctx, db, nil)
	must(t, err)
	checkSearchIndex(t, db)
	compareWithLike(t, s, rand.New(rand.NewPCG(5, 6)))
	page, err := s.Catalog().ListProducts(ctx, catalog.ProductQuery{Search: catalogdata.CommonTerm, Limit: 5})
	if err != nil || len(page) != 5 {
		t.Fatalf("search after the backfill: %d products, %v", len(page), err)
	}
	// An interrupted backfill runs again without harm.
	_, err = db.ExecContext(ctx, "DELETE FROM product_grams WHERE product_id > ?", binID(data.ProductID(1000)))
	must(t, err)
	must(t, backfillSearch(ctx, db))
	checkSearchIndex(t, db)
}
