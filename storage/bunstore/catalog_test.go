package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

var staff = commerce.StaffActor(uuid.MustParse("0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c"))

// records makes domain records by hand, to call the repository directly.
type records struct {
	ids commerce.IDGenerator
	now time.Time
}

func newRecords() *records {
	start := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	return &records{ids: commerce.SequentialIDs(start), now: start}
}

func (r *records) problem(name string) catalog.Problem {
	return catalog.Problem{ID: r.ids(), Name: name, CreatedAt: r.now, UpdatedAt: r.now, Version: 1}
}

func (r *records) brand(name string, p catalog.Problem) catalog.Brand {
	return catalog.Brand{ID: r.ids(), Name: name, Problem: p.Ref(), CreatedAt: r.now, UpdatedAt: r.now, Version: 1}
}

func (r *records) product(name string, b *catalog.Brand) catalog.Product {
	p := catalog.Product{
		ID: r.ids(), Name: name, Price: commerce.MustMoney("15000", "KRW"), Images: []string{},
		CreatedAt: r.now, UpdatedAt: r.now, Version: 1,
	}
	if b != nil {
		p.Brand = b.Ref()
	}
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestErrors checks that database errors become the domain's errors and
// that no driver type leaks through.
func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(ctx, t)
	repo := s.Catalog()
	rec := newRecords()

	problem := rec.problem("환경")
	must(t, repo.CreateProblem(ctx, problem))
	brand := rec.brand("착한농장", problem)
	must(t, repo.CreateBrand(ctx, brand))
	product := rec.product("유기농사과잼", &brand)
	must(t, repo.CreateProduct(ctx, product))
	missing := uuid.Must(uuid.NewV7())

	strangerBrand := rec.brand("고아", catalog.Problem{ID: missing})
	strangerProduct := rec.product("고아", &catalog.Brand{ID: missing})
	renamed := problem
	renamed.Name, renamed.Version = "기후", 2
	movedBrand := brand
	movedBrand.Problem.ID, movedBrand.Version = missing, 2
	movedProduct := product
	movedProduct.Brand, movedProduct.Version = &catalog.BrandRef{ID: missing}, 2
	tooLong := product
	tooLong.ID, tooLong.Name = rec.ids(), strings.Repeat("가", 401)
	negative := -1
	badStock := product
	badStock.ID, badStock.Stock = rec.ids(), &negative
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"duplicate problem", repo.CreateProblem(ctx, problem), catalog.ErrDuplicateID},
		{"duplicate brand", repo.CreateBrand(ctx, brand), catalog.ErrDuplicateID},
		{"duplicate product", repo.CreateProduct(ctx, product), catalog.ErrDuplicateID},
		{"brand of a missing problem", repo.CreateBrand(ctx, strangerBrand), catalog.ErrProblemNotFound},
		{"product of a missing brand", repo.CreateProduct(ctx, strangerProduct), catalog.ErrBrandNotFound},
		{"brand moved to a missing problem", repo.UpdateBrand(ctx, movedBrand, 1), catalog.ErrProblemNotFound},
		{"product moved to a missing brand", repo.UpdateProduct(ctx, movedProduct, 1), catalog.ErrBrandNotFound},
		{"problem in use", repo.DeleteProblem(ctx, problem.ID), catalog.ErrProblemInUse},
		{"stale problem version", repo.UpdateProblem(ctx, renamed, 7), catalog.ErrVersionConflict},
		{"stale brand version", repo.UpdateBrand(ctx, brand, 7), catalog.ErrVersionConflict},
		{"stale product version", repo.UpdateProduct(ctx, product, 7), catalog.ErrVersionConflict},
		{"get missing problem", second(repo.GetProblem(ctx, missing)), catalog.ErrProblemNotFound},
		{"get missing brand", second(repo.GetBrand(ctx, missing)), catalog.ErrBrandNotFound},
		{"get missing product", second(repo.GetProduct(ctx, missing)), catalog.ErrProductNotFound},
		{"update missing problem", repo.UpdateProblem(ctx, catalog.Problem{ID: missing, Name: "x"}, 1), catalog.ErrProblemNotFound},
		{"update missing brand", repo.UpdateBrand(ctx, catalog.Brand{ID: missing, Name: "x", Problem: problem.Ref()}, 1), catalog.ErrBrandNotFound},
		{"update missing product", repo.UpdateProduct(ctx, rec.product("x", nil), 1), catalog.ErrProductNotFound},
		{"delete missing problem", repo.DeleteProblem(ctx, missing), catalog.ErrProblemNotFound},
		{"delete missing brand", repo.DeleteBrand(ctx, missing), catalog.ErrBrandNotFound},
		{"delete missing product", repo.DeleteProduct(ctx, missing), catalog.ErrProductNotFound},
		{"name longer than its column", repo.CreateProduct(ctx, tooLong), commerce.ErrInvalid},
		{"negative stock", repo.CreateProduct(ctx, badStock), commerce.ErrInvalid},
		{"cancelled context", repo.CreateProduct(cancelled, rec.product("x", nil)), context.Canceled},
		{"cancelled context is unavailable", second(repo.ListProducts(cancelled, catalog.ProductQuery{Limit: 1})), commerce.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("got %v, want %v", tc.err, tc.want)
			}
			var myErr *mysql.MySQLError
			if errors.As(tc.err, &myErr) {
				t.Errorf("%v leaks *mysql.MySQLError", tc.err)
			}
		})
	}

	// Nothing above changed the stored records.
	got, err := repo.GetProduct(ctx, product.ID)
	must(t, err)
	if diff := cmp.Diff(product, got); diff != "" {
		t.Errorf("product changed by failed writes (-want +got):\n%s", diff)
	}
	gotBrand, err := repo.GetBrand(ctx, brand.ID)
	must(t, err)
	if diff := cmp.Diff(brand, gotBrand); diff != "" {
		t.Errorf("brand changed by failed writes (-want +got):\n%s", diff)
	}

	// An update that changes nothing still matches its version: MySQL
	// reports no changed row, which must not read as a conflict.
	if err := repo.UpdateProduct(ctx, product, product.Version); err != nil {
		t.Errorf("rewriting a product unchanged: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// TestRoundTrip checks what the columns do to values: DECIMAL(19,4) gives
// back the amount as written, DATETIME(6) gives back UTC.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(ctx, t)
	repo := s.Catalog()
	rec := newRecords()
	seoul := time.FixedZone("KST", 9*60*60)
	for _, price := range []commerce.Money{
		commerce.MustMoney("15000", "KRW"),
		commerce.MustMoney("0", "KRW"),
		commerce.MustMoney("12.5", "USD"),
		commerce.MustMoney("12.05", "USD"),
		commerce.MustMoney("1.234", "KWD"),
		commerce.MustMoney("999999999999", "KRW"),
	} {
		t.Run(price.String(), func(t *testing.T) {
			p := rec.product("상품 "+price.String(), nil)
			p.Price = price
			p.CreatedAt = time.Date(2026, 3, 1, 18, 30, 0, 654321000, seoul)
			p.Images = []string{"https://example.com/a.png?x=1&y=<2>", "/static/사과.png"}
			stock := 0
			p.Stock = &stock
			must(t, repo.CreateProduct(ctx, p))
			got, err := repo.GetProduct(ctx, p.ID)
			must(t, err)
			if !got.Price.Equal(price) || got.Price.Amount.String() != price.Amount.String() ||
				got.Price.Amount.Exponent() != price.Amount.Exponent() || got.Price.AmountString() != price.AmountString() {
				t.Errorf("price %s (exponent %d), want %s (exponent %d)",
					got.Price, got.Price.Amount.Exponent(), price, price.Amount.Exponent())
			}
			if got.CreatedAt.Location() != time.UTC || !got.CreatedAt.Equal(p.CreatedAt) {
				t.Errorf("created at %v, want %v in UTC", got.CreatedAt, p.CreatedAt)
			}
			if diff := cmp.Diff(p.Images, got.Images); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
			if got.Stock == nil || *got.Stock != 0 {
				t.Errorf("stock %v, want 0", got.Stock)
			}
		})
	}
}

// TestSearch checks the LIKE search on stored keys: Korean substrings,
// case, decomposed input, brand names, and LIKE's metacharacters, which
// must match only themselves.
func TestSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(ctx, t)
	svc := catalog.NewService(s.Catalog(), nil)
	p, err := svc.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "환경"})
	must(t, err)
	farm, err := svc.CreateBrand(ctx, staff, catalog.BrandInput{Name: "Happy 사과 Farm", ProblemID: p.ID})
	must(t, err)
	other, err := svc.CreateBrand(ctx, staff, catalog.BrandInput{Name: "다른 브랜드", ProblemID: p.ID})
	must(t, err)
	for _, c := range []struct {
		name  string
		brand uuid.UUID
	}{
		{"유기농사과잼", other.ID},
		{"배즙", farm.ID},
		{"배 100% 주스", other.ID},
		{"배 100 주스", other.ID},
		{"a_b 컵", uuid.Nil},
		{"axb 컵", uuid.Nil},
		{`역슬래시\컵`, uuid.Nil},
		{"느낌!표 컵", uuid.Nil},
		{"ÉCO Bag", uuid.Nil},
	} {
		_, err := svc.CreateProduct(ctx, staff, catalog.ProductInput{
			Name: c.name, Price: commerce.MustMoney("1000", "KRW"), BrandID: c.brand,
		})
		must(t, err)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"사과", []string{"배즙", "유기농사과잼"}}, // 배즙 by its brand's name
		{norm.NFD.String("사과"), []string{"배즙", "유기농사과잼"}},
		{"  HAPPY  ", []string{"배즙"}},
		{"100%", []string{"배 100% 주스"}},
		{"%", []string{"배 100% 주스"}},
		{"a_b", []string{"a_b 컵"}},
		{"_", []string{"a_b 컵"}},
		{`\`, []string{`역슬래시\컵`}},
		{`\컵`, []string{`역슬래시\컵`}},
		{"!", []string{"느낌!표 컵"}},
		{"!표", []string{"느낌!표 컵"}},
		{"éco", []string{"ÉCO Bag"}},
		{"eco", []string{"ÉCO Bag"}}, // Latin accents are folded away
		{"ＥＣＯ", []string{"ÉCO Bag"}}, // full-width letters too
		{"'", nil},
		{"없는말", nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			page, err := svc.Products(ctx, catalog.ProductFilter{Query: tc.query})
			must(t, err)
			var got []string
			for _, p := range page.Items {
				got = append(got, p.Name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", tc.query, diff)
			}
		})
	}
}

// queryCounter counts the queries bun sends.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) { c.n.Add(1) }

// TestQueryCounts checks that reads cost a fixed number of queries, however
// many products, brands, interests, cart lines, orders or posts they
// return: no read is N+1.
func TestQueryCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(ctx, t)
	svc := catalog.NewService(s.Catalog(), nil)

	var problems []catalog.Problem
	for _, name := range []string{"장애인", "환경"} {
		p, err := svc.CreateProblem(ctx, staff, catalog.ProblemInput{Name: name})
		must(t, err)
		problems = append(problems, p)
	}
	var brands []catalog.Brand
	for i := range 3 {
		b, err := svc.CreateBrand(ctx, staff, catalog.BrandInput{Name: fmt.Sprintf("브랜드 %d", i), ProblemID: problems[i%2].ID})
		must(t, err)
		brands = append(brands, b)
	}
	for i := range 20 {
		_, err := svc.CreateProduct(ctx, staff, catalog.ProductInput{
			Name: fmt.Sprintf("상품 %02d", i), Price: commerce.MustMoney("1000", "KRW"), BrandID: brands[i%3].ID,
		})
		must(t, err)
	}

	accountCounts := accountQueryCounts(ctx, t, s, problems)
	shopCounts := shopQueryCounts(ctx, t, s)

	// The reads go through a second Store over a copy of the DB that
	// counts its queries.
	counter := &queryCounter{}
	s, err := bunstore.New(ctx, db.WithQueryHook(counter), &bunstore.Options{SkipMigrations: true})
	must(t, err)
	svc = catalog.NewService(s.Catalog(), nil)
	count := func(name string, want int64, read func() (items int, err error)) {
		t.Helper()
		counter.n.Store(0)
		items, err := read()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := counter.n.Load(); got != want {
			t.Errorf("%s (%d items): %d queries, want %d", name, items, got, want)
		}
	}

	count("home page (Newest)", 1, func() (int, error) {
		ps, err := svc.Newest(ctx)
		for _, p := range ps {
			if p.Brand == nil || p.Brand.Name == "" {
				t.Errorf("product %s without its brand's name", p.Name)
			}
		}
		if len(ps) != catalog.HomePageSize {
			t.Errorf("%d products on the home page, want %d", len(ps), catalog.HomePageSize)
		}
		return len(ps), err
	})
	count("all products", 1, func() (int, error) {
		page, err := svc.Products(ctx, catalog.ProductFilter{Limit: 100})
		return len(page.Items), err
	})
	// The sets of the newest chunk, then one batch of candidates.
	count("search", 2, func() (int, error) {
		page, err := svc.Products(ctx, catalog.ProductFilter{Query: "브랜드"})
		return len(page.Items), err
	})
	count("product", 1, func() (int, error) {
		_, err := svc.Product(ctx, brands[0].ID)
		if !errors.Is(err, catalog.ErrProductNotFound) {
			return 0, err
		}
		return 0, nil
	})
	count("brand with its products", 2, func() (int, error) {
		b, err := svc.Brand(ctx, brands[0].ID)
		if b.Brand.Problem.Name == "" {
			t.Error("brand without its problem's name")
		}
		return len(b.Products), err
	})
	count("brands", 1, func() (int, error) {
		page, err := svc.Brands(ctx, catalog.BrandFilter{})
		return len(page.Items), err
	})
	// One statement walks brand_grams and adds the problems' names.
	count("brands by search", 1, func() (int, error) {
		page, err := svc.Brands(ctx, catalog.BrandFilter{Query: "브랜드", Limit: 2})
		for _, b := range page.Items {
			if b.Problem.Name == "" {
				t.Errorf("brand %s without its problem's name", b.Name)
			}
		}
		if len(page.Items) != 2 {
			t.Errorf("%d brands found, want 2", len(page.Items))
		}
		return len(page.Items), err
	})
	count("problem with its brands", 2, func() (int, error) {
		p, err := svc.Problem(ctx, problems[0].ID)
		for _, b := range p.Brands {
			if b.Problem.Name != problems[0].Name {
				t.Errorf("brand %s names problem %q, want %q", b.Name, b.Problem.Name, problems[0].Name)
			}
		}
		return len(p.Brands), err
	})
	count("problems", 1, func() (int, error) {
		ps, err := svc.Problems(ctx)
		return len(ps), err
	})
	accountCounts(s, count)
	shopCounts(s, count)
}
