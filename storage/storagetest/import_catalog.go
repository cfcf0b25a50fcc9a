package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// The catalog's imports (catalog.Service.ImportProblems, ImportBrands,
// ImportProducts) on the adapter's ImportRepository.

func runCatalogImportTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *catalogFixture)
	}{
		{"CreateAndReadBack", testCatalogImportCreate},
		{"UnchangedOnSecondRun", testCatalogImportUnchanged},
		{"Update", testCatalogImportUpdate},
		{"KeptWhenChangedInTheShop", testCatalogImportKept},
		{"InvalidSkipped", testCatalogImportInvalid},
		{"MissingReferenceSkipped", testCatalogImportMissingReference},
		{"LargerThanBatch", testCatalogImportLargerThanBatch},
		{"Concurrent", testCatalogImportConcurrent},
		{"Search", testCatalogImportSearch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			stores := h.MakeStores(ctx, t)
			if stores.Catalog == nil {
				t.Skip("the adapter has no catalog repository")
			}
			c.fn(t, &catalogFixture{
				ctx:  ctx,
				repo: stores.Catalog,
				svc:  catalog.NewService(stores.Catalog, nil),
			})
		})
	}
}

// catalogImportEpoch is the time of the first imported record: years before any
// record the service creates, with microseconds, as a shop's old rows
// have them.
var catalogImportEpoch = time.Date(2021, 3, 1, 9, 30, 0, 123456000, time.UTC)

// importedCatalog is a catalog as an importer hands it over: records with
// their own ids (commerce.ImportedID) and times.
type importedCatalog struct {
	problems []catalog.Problem
	brands   []catalog.Brand
	products []catalog.Product
}

// catalogImportAt returns the time of the kth record from base: 37 minutes and
// k microseconds apart.
func catalogImportAt(base time.Time, k int) time.Time {
	return base.Add(time.Duration(k) * (37*time.Minute + time.Microsecond))
}

// makeImportedCatalog returns a catalog of 2 problems, 3 brands and n products,
// made from base on: every field set, 0 to 3 images, stock tracked or not,
// some products without a brand; the products' ids come in the order of
// their times, which is not the order of the slice (every third pair is
// swapped).
func makeImportedCatalog(base time.Time, n int) importedCatalog {
	var c importedCatalog
	for k, name := range []string{"환경", "고용"} {
		at := catalogImportAt(base, k)
		c.problems = append(c.problems, catalog.Problem{
			ID: commerce.ImportedID(at, fmt.Sprintf("problem:%s:%d", base, k)), Name: name,
			Summary: name + " 문제", Description: name + " 문제를 풉니다.\n둘째 줄", ImageURL: fmt.Sprintf("/media/problems/%d.jpg", k),
			CreatedAt: at, UpdatedAt: at.Add(time.Hour),
		})
	}
	for k, name := range []string{"사과나무농원", "잼공방", "Happy Hands"} {
		at := catalogImportAt(base, 10+k)
		c.brands = append(c.brands, catalog.Brand{
			ID: commerce.ImportedID(at, fmt.Sprintf("brand:%s:%d", base, k)), Name: name,
			Summary: name + " 요약", Story: name + "의 이야기", LogoURL: fmt.Sprintf("/media/brands/%d-logo.png", k),
			ImageURL: fmt.Sprintf("https://cdn.example.com/brands/%d.jpg", k), Homepage: "https://example.com/",
			Problem:   catalog.ProblemRef{ID: c.problems[k%2].ID},
			CreatedAt: at, UpdatedAt: at.Add(time.Minute),
		})
	}
	names := []string{"유기농 사과잼", "사과즙", "배즙", "잼 스푼", "풋사과 주스", "딸기잼", "사과 식초", "Apple Pie", "손수건", "햇사과 잼"}
	for k := range n {
		at := catalogImportAt(base, 100+k)
		if k%3 == 1 && k+1 < n {
			at = catalogImportAt(base, 100+k+1)
		} else if k%3 == 2 {
			at = catalogImportAt(base, 100+k-1)
		}
		p := catalog.Product{
			ID:          commerce.ImportedID(at, fmt.Sprintf("product:%s:%d", base, k)),
			Name:        fmt.Sprintf("%s %d", names[k%len(names)], k),
			Description: fmt.Sprintf("상품 %d 설명", k),
			Price:       commerce.MustMoney(fmt.Sprint(1000+100*k), "KRW"),
			Images:      make([]string, k%4),
			CreatedAt:   at, UpdatedAt: at.Add(time.Duration(k) * time.Second),
		}
		for i := range p.Images {
			p.Images[i] = fmt.Sprintf("/media/products/%d-%d.jpg", k, i)
		}
		if k%5 != 4 {
			p.Brand = &catalog.BrandRef{ID: c.brands[k%3].ID}
		}
		if k%2 == 0 {
			stock := k
			p.Stock = &stock
		}
		c.products = append(c.products, p)
	}
	return c
}

// importCatalog imports c's problems, brands and products and wants every
// result to be want.
func (f *catalogFixture) importCatalog(t *testing.T, c importedCatalog, want commerce.ImportOutcome) {
	t.Helper()
	res, err := f.svc.ImportProblems(f.ctx, c.problems)
	wantAllCatalogOutcomes(t, "ImportProblems", res, err, len(c.problems), want)
	res, err = f.svc.ImportBrands(f.ctx, c.brands)
	wantAllCatalogOutcomes(t, "ImportBrands", res, err, len(c.brands), want)
	res, err = f.svc.ImportProducts(f.ctx, c.products)
	wantAllCatalogOutcomes(t, "ImportProducts", res, err, len(c.products), want)
}

// wantAllCatalogOutcomes wants n results, each of outcome want.
func wantAllCatalogOutcomes(t *testing.T, what string, res []commerce.ImportResult, err error, n int, want commerce.ImportOutcome) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(res) != n {
		t.Fatalf("%s: %d results, want %d", what, len(res), n)
	}
	for i, r := range res {
		if r.Outcome != want || r.Err != nil {
			t.Fatalf("%s: record %d: %v (%v), want %v", what, i, r.Outcome, r.Err, want)
		}
	}
}

// stored returns what reads give of the imported products: version,
// cover, brands' names and a non-nil image list filled in.
func (c importedCatalog) stored(version int64) []catalog.Product {
	brandNames := make(map[uuid.UUID]string)
	for _, b := range c.brands {
		brandNames[b.ID] = b.Name
	}
	out := make([]catalog.Product, len(c.products))
	for i, p := range c.products {
		p.Version = version
		p.Images = slices.Clip(append([]string{}, p.Images...))
		if p.Brand != nil {
			p.Brand = &catalog.BrandRef{ID: p.Brand.ID, Name: brandNames[p.Brand.ID]}
		}
		p.SetCover(catalog.DefaultPlaceholderImage)
		out[i] = p
	}
	return out
}

// checkImportedReadBack wants every record of c read back exactly through the
// service's ordinary reads, products newest first by their times.
func (f *catalogFixture) checkImportedReadBack(t *testing.T, c importedCatalog, version int64) {
	t.Helper()
	problems, err := f.svc.Problems(f.ctx)
	if err != nil {
		t.Fatalf("Problems: %v", err)
	}
	wantProblems := make([]catalog.Problem, len(c.problems))
	for i, p := range c.problems {
		p.Version = version
		wantProblems[i] = p
	}
	if diff := cmp.Diff(wantProblems, problems); diff != "" {
		t.Errorf("Problems, oldest first (-imported +read):\n%s", diff)
	}
	problemNames := make(map[uuid.UUID]string)
	for _, p := range c.problems {
		problemNames[p.ID] = p.Name
	}
	wantBrands := make([]catalog.Brand, len(c.brands))
	for i, b := range slices.Backward(c.brands) {
		b.Version = version
		b.Problem.Name = problemNames[b.Problem.ID]
		wantBrands[len(c.brands)-1-i] = b
	}
	brands, err := f.svc.Brands(f.ctx, catalog.BrandFilter{})
	if err != nil {
		t.Fatalf("Brands: %v", err)
	}
	if diff := cmp.Diff(wantBrands, brands.Items); diff != "" {
		t.Errorf("Brands, newest first (-imported +read):\n%s", diff)
	}
	want := c.stored(version)
	for _, p := range want {
		got, err := f.svc.Product(f.ctx, p.ID)
		if err != nil {
			t.Fatalf("Product(%s): %v", p.ID, err)
		}
		if diff := cmp.Diff(p, got, moneyEqual); diff != "" {
			t.Fatalf("Product %q (-imported +read):\n%s", p.Name, diff)
		}
	}
	slices.SortFunc(want, func(a, b catalog.Product) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if diff := cmp.Diff(want, f.allProducts(t, catalog.ProductFilter{Limit: 7}), moneyEqual); diff != "" {
		t.Errorf("Products, newest first by their times (-imported +read):\n%s", diff)
	}
	got := f.allProducts(t, catalog.ProductFilter{BrandID: c.brands[1].ID, Limit: 3})
	if diff := cmp.Diff(productsOfBrand(want, c.brands[1].ID), got, moneyEqual); diff != "" {
		t.Errorf("Products of a brand, newest first (-imported +read):\n%s", diff)
	}
}

func productsOfBrand(ps []catalog.Product, id uuid.UUID) []catalog.Product {
	var out []catalog.Product
	for _, p := range ps {
		if p.Brand != nil && p.Brand.ID == id {
			out = append(out, p)
		}
	}
	return out
}

func testCatalogImportCreate(t *testing.T, f *catalogFixture) {
	c := makeImportedCatalog(catalogImportEpoch, 23)
	// The caller's versions and names of references are ignored, and the
	// caller's records are left as they were.
	before := makeImportedCatalog(catalogImportEpoch, 23)
	c.problems[0].Version = 9
	c.brands[0].Problem.Name = "엉뚱한 이름"
	c.products[0].Version = 4
	c.products[0].Brand.Name = "엉뚱한 브랜드"
	c.products[0].ImageURL = "/elsewhere.jpg"
	f.importCatalog(t, c, commerce.ImportCreated)
	if c.problems[0].Version != 9 || c.products[0].Brand.Name != "엉뚱한 브랜드" || c.products[0].ImageURL != "/elsewhere.jpg" {
		t.Errorf("the import changed the caller's records")
	}
	f.checkImportedReadBack(t, before, 1)
}

func testCatalogImportUnchanged(t *testing.T, f *catalogFixture) {
	c := makeImportedCatalog(catalogImportEpoch, 12)
	f.importCatalog(t, c, commerce.ImportCreated)
	// The same records again, their times with nanoseconds that no
	// adapter keeps: nothing changes.
	again := makeImportedCatalog(catalogImportEpoch, 12)
	for i := range again.products {
		again.products[i].CreatedAt = again.products[i].CreatedAt.Add(999 * time.Nanosecond).In(time.FixedZone("KST", 9*3600))
	}
	f.importCatalog(t, again, commerce.ImportUnchanged)
	f.importCatalog(t, again, commerce.ImportUnchanged)
	f.checkImportedReadBack(t, c, 1)
}

// testCatalogImportKept: a record staff changed in the shop after the
// import keeps the shop's values when the import runs again, unless the
// imported record was changed later still.
func testCatalogImportKept(t *testing.T, f *catalogFixture) {
	c := makeImportedCatalog(catalogImportEpoch, 4)
	f.importCatalog(t, c, commerce.ImportCreated)
	edited, err := f.svc.UpdateProduct(f.ctx, staff, c.products[0].ID, catalog.ProductPatch{Name: commerce.Some("가게에서 고친 이름")})
	if err != nil {
		t.Fatal(err)
	}
	c.products[0].Name = "다시 가져온 이름"
	c.products[1].Name = "바뀐 이름"
	res, err := f.svc.ImportProducts(f.ctx, c.products)
	wantCatalogOutcomes(t, "ImportProducts", res, err,
		commerce.ImportKept, commerce.ImportUpdated, commerce.ImportUnchanged, commerce.ImportUnchanged)
	got, err := f.svc.Product(f.ctx, edited.ID)
	if err != nil || got.Name != edited.Name || got.Version != edited.Version {
		t.Errorf("the product edited in the shop: %q v%d, %v; want %q v%d kept", got.Name, got.Version, err, edited.Name, edited.Version)
	}
	// Changed at the source after the shop's edit: the import wins.
	c.products[0].UpdatedAt = edited.UpdatedAt.Add(time.Second)
	res, err = f.svc.ImportProducts(f.ctx, c.products[:1])
	wantCatalogOutcomes(t, "ImportProducts", res, err, commerce.ImportUpdated)
	if got, err := f.svc.Product(f.ctx, edited.ID); err != nil || got.Name != "다시 가져온 이름" {
		t.Errorf("after a later change at the source: %q, %v", got.Name, err)
	}
}

func testCatalogImportUpdate(t *testing.T, f *catalogFixture) {
	c := makeImportedCatalog(catalogImportEpoch, 12)
	f.importCatalog(t, c, commerce.ImportCreated)

	c.problems[1].Name = "노인"
	res, err := f.svc.ImportProblems(f.ctx, c.problems)
	wantCatalogOutcomes(t, "ImportProblems", res, err, commerce.ImportUnchanged, commerce.ImportUpdated)

	c.brands[0].Name = "사과꽃농원"
	c.brands[1].Problem.ID = c.problems[0].ID
	res, err = f.svc.ImportBrands(f.ctx, c.brands)
	wantCatalogOutcomes(t, "ImportBrands", res, err, commerce.ImportUpdated, commerce.ImportUpdated, commerce.ImportUnchanged)

	// Every field that an import sets, one product each.
	p := c.products
	p[0].Name = "새 이름"
	p[1].Description = "새 설명"
	p[2].Price = commerce.MustMoney("99000", "KRW")
	p[3].Brand = nil
	p[4].Brand = &catalog.BrandRef{ID: c.brands[2].ID}
	p[5].Images = []string{"/media/new.jpg"}
	p[6].Stock = nil
	seven := 7
	p[7].Stock = &seven
	p[8].UpdatedAt = p[8].UpdatedAt.Add(time.Microsecond)
	p[9].CreatedAt = p[9].CreatedAt.Add(-time.Microsecond)
	res, err = f.svc.ImportProducts(f.ctx, p)
	want := make([]commerce.ImportOutcome, len(p))
	for i := range want {
		want[i] = commerce.ImportUpdated
	}
	want[10], want[11] = commerce.ImportUnchanged, commerce.ImportUnchanged
	wantCatalogOutcomes(t, "ImportProducts", res, err, want...)

	for i, p := range c.stored(0) {
		got, err := f.svc.Product(f.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Version = 2
		if i >= 10 {
			p.Version = 1
		}
		if diff := cmp.Diff(p, got, moneyEqual); diff != "" {
			t.Errorf("product %d after the update (-imported +read):\n%s", i, diff)
		}
	}
	b, err := f.svc.Brand(f.ctx, c.brands[0].ID)
	if err != nil || b.Brand.Name != "사과꽃농원" || b.Brand.Version != 2 {
		t.Errorf("the renamed brand: %q, version %d, %v", b.Brand.Name, b.Brand.Version, err)
	}
	pr, err := f.svc.Problem(f.ctx, c.problems[1].ID)
	if err != nil || pr.Problem.Name != "노인" || pr.Problem.Version != 2 || len(pr.Brands) != 0 {
		t.Errorf("the renamed problem: %q, version %d, %d brands, %v", pr.Problem.Name, pr.Problem.Version, len(pr.Brands), err)
	}
	// The brand's new name finds its products; the old one no more.
	if got := f.searchNames(t, catalog.ProductFilter{Query: "사과꽃농원"}); len(got) != len(productsOfBrand(c.stored(0), c.brands[0].ID)) || len(got) == 0 {
		t.Errorf("search by the brand's new name: %q", got)
	}
	if got := f.searchNames(t, catalog.ProductFilter{Query: "사과나무농원"}); got != nil {
		t.Errorf("search by the brand's old name: %q, want nothing", got)
	}
	// Again: nothing changes.
	f.importCatalog(t, c, commerce.ImportUnchanged)
}

// wantCatalogOutcomes wants the outcomes of res to be want, and no error.
func wantCatalogOutcomes(t *testing.T, what string, res []commerce.ImportResult, err error, want ...commerce.ImportOutcome) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := make([]commerce.ImportOutcome, len(res))
	for i, r := range res {
		got[i] = r.Outcome
		if (r.Outcome == commerce.ImportSkipped) != (r.Err != nil) {
			t.Errorf("%s: record %d: %v with error %v", what, i, r.Outcome, r.Err)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s: outcomes (-want +got):\n%s", what, diff)
	}
}

func testCatalogImportInvalid(t *testing.T, f *catalogFixture) {
	c := makeImportedCatalog(catalogImportEpoch, 3)
	c.problems = append(c.problems, catalog.Problem{ID: commerce.ImportedID(catalogImportEpoch, "problem:bad"), Name: " ", CreatedAt: catalogImportEpoch, UpdatedAt: catalogImportEpoch})
	res, err := f.svc.ImportProblems(f.ctx, c.problems)
	wantCatalogOutcomes(t, "ImportProblems", res, err, commerce.ImportCreated, commerce.ImportCreated, commerce.ImportSkipped)
	wantFields(t, "a problem without a name", res[2].Err, "name")

	badBrand := c.brands[0]
	badBrand.ID, badBrand.Homepage, badBrand.Problem.ID = commerce.ImportedID(catalogImportEpoch, "brand:bad"), "javascript:alert(1)", uuid.Nil
	res, err = f.svc.ImportBrands(f.ctx, append(slices.Clone(c.brands), badBrand))
	wantCatalogOutcomes(t, "ImportBrands", res, err, commerce.ImportCreated, commerce.ImportCreated, commerce.ImportCreated, commerce.ImportSkipped)
	wantFields(t, "a brand without a problem", res[3].Err, "homepage", "problem_id")

	good := c.products[0]
	bad := func(k int, change func(*catalog.Product)) catalog.Product {
		p := good
		p.ID = commerce.ImportedID(catalogImportEpoch.Add(time.Duration(k)*time.Second), "product:bad")
		p.Images = slices.Clone(p.Images)
		change(&p)
		return p
	}
	cases := []struct {
		p      catalog.Product
		fields []string
	}{
		{bad(1, func(p *catalog.Product) { p.Name = "" }), []string{"name"}},
		{bad(2, func(p *catalog.Product) { p.Price = commerce.MustMoney("10", "USD") }), []string{"price"}},
		{bad(3, func(p *catalog.Product) { p.Price = commerce.MustMoney("-1", "KRW") }), []string{"price"}},
		{bad(4, func(p *catalog.Product) { p.Images = []string{"/a.jpg", "ftp://b.jpg"} }), []string{"images"}},
		{bad(5, func(p *catalog.Product) { n := -1; p.Stock = &n }), []string{"stock"}},
		{bad(6, func(p *catalog.Product) { p.ID = uuid.Nil }), []string{"id"}},
		{bad(7, func(p *catalog.Product) { p.CreatedAt = time.Time{} }), []string{"created_at"}},
		{bad(8, func(p *catalog.Product) { p.UpdatedAt = time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC) }), []string{"updated_at"}},
		{bad(9, func(p *catalog.Product) { p.Name, p.Description = "\x00", "\xff" }), []string{"name", "description"}},
	}
	batch := []catalog.Product{good}
	for _, c := range cases {
		batch = append(batch, c.p)
	}
	batch = append(batch, c.products[1:]...)
	res, err = f.svc.ImportProducts(f.ctx, batch)
	if err != nil {
		t.Fatalf("ImportProducts: %v", err)
	}
	if len(res) != len(batch) {
		t.Fatalf("ImportProducts: %d results for %d products", len(res), len(batch))
	}
	for i, r := range res {
		if i == 0 || i > len(cases) {
			if r.Outcome != commerce.ImportCreated {
				t.Errorf("valid product %d: %v (%v), want created", i, r.Outcome, r.Err)
			}
			continue
		}
		if r.Outcome != commerce.ImportSkipped {
			t.Fatalf("invalid product %d: %v, want skipped", i, r.Outcome)
		}
		wantFields(t, fmt.Sprintf("invalid product %d", i), r.Err, cases[i-1].fields...)
		if id := batch[i].ID; id != uuid.Nil {
			if _, err := f.svc.Product(f.ctx, id); !errors.Is(err, catalog.ErrProductNotFound) {
				t.Errorf("invalid product %d was stored: %v", i, err)
			}
		}
	}
	// The same id twice in one import: the first is imported, the second
	// skipped as a conflict on id.
	twice := c.products[0]
	twice.Name = "두 번째"
	res, err = f.svc.ImportProducts(f.ctx, []catalog.Product{c.products[0], twice})
	wantCatalogOutcomes(t, "ImportProducts of one id twice", res, err, commerce.ImportUnchanged, commerce.ImportSkipped)
	wantErr(t, "the second record of one id", res[1].Err, commerce.ErrConflict)
	if _, ok := commerce.FieldErrors(res[1].Err)["id"]; !ok {
		t.Errorf("the second record of one id: %v names no id", res[1].Err)
	}
	if got := len(f.allProducts(t, catalog.ProductFilter{})); got != len(c.products) {
		t.Errorf("%d products stored, want the %d valid ones", got, len(c.products))
	}
}

func testCatalogImportMissingReference(t *testing.T, f *catalogFixture) {
	c := makeImportedCatalog(catalogImportEpoch, 6)
	if res, err := f.svc.ImportProblems(f.ctx, c.problems[:1]); err != nil || res[0].Outcome != commerce.ImportCreated {
		t.Fatalf("ImportProblems: %v, %v", res, err)
	}
	// Brand 1 works on problem 1, which was not imported.
	res, err := f.svc.ImportBrands(f.ctx, c.brands)
	wantCatalogOutcomes(t, "ImportBrands", res, err, commerce.ImportCreated, commerce.ImportSkipped, commerce.ImportCreated)
	wantErr(t, "a brand of a missing problem", res[1].Err, commerce.ErrNotFound)
	wantErr(t, "a brand of a missing problem", res[1].Err, catalog.ErrProblemNotFound)
	if _, ok := commerce.FieldErrors(res[1].Err)["problem_id"]; !ok {
		t.Errorf("a brand of a missing problem: %v names no problem_id", res[1].Err)
	}
	if _, err := f.svc.Brand(f.ctx, c.brands[1].ID); !errors.Is(err, catalog.ErrBrandNotFound) {
		t.Errorf("the brand of a missing problem was stored: %v", err)
	}
	// Product 1 is of brand 1 (and product 4 of none: makeImportedCatalog).
	res, err = f.svc.ImportProducts(f.ctx, c.products)
	wantCatalogOutcomes(t, "ImportProducts", res, err, commerce.ImportCreated, commerce.ImportSkipped, commerce.ImportCreated,
		commerce.ImportCreated, commerce.ImportCreated, commerce.ImportCreated)
	wantErr(t, "a product of a missing brand", res[1].Err, catalog.ErrBrandNotFound)
	wantErr(t, "a product of a missing brand", res[1].Err, commerce.ErrNotFound)
	if _, ok := commerce.FieldErrors(res[1].Err)["brand_id"]; !ok {
		t.Errorf("a product of a missing brand: %v names no brand_id", res[1].Err)
	}
	if _, err := f.svc.Product(f.ctx, c.products[1].ID); !errors.Is(err, catalog.ErrProductNotFound) {
		t.Errorf("the product of a missing brand was stored: %v", err)
	}
	// Once the references are there, the same import completes.
	res, err = f.svc.ImportProblems(f.ctx, c.problems)
	wantCatalogOutcomes(t, "ImportProblems again", res, err, commerce.ImportUnchanged, commerce.ImportCreated)
	res, err = f.svc.ImportBrands(f.ctx, c.brands)
	wantCatalogOutcomes(t, "ImportBrands again", res, err, commerce.ImportUnchanged, commerce.ImportCreated, commerce.ImportUnchanged)
	res, err = f.svc.ImportProducts(f.ctx, c.products)
	wantCatalogOutcomes(t, "ImportProducts again", res, err, commerce.ImportUnchanged, commerce.ImportCreated, commerce.ImportUnchanged,
		commerce.ImportUnchanged, commerce.ImportUnchanged, commerce.ImportUnchanged)
	f.checkImportedReadBack(t, c, 1)
}

func testCatalogImportLargerThanBatch(t *testing.T, f *catalogFixture) {
	n := 2*commerce.ImportBatchSize + 37
	c := makeImportedCatalog(catalogImportEpoch, n)
	// One invalid product in the second batch.
	c.products[commerce.ImportBatchSize+3].Name = ""
	res, err := f.svc.ImportProblems(f.ctx, c.problems)
	wantAllCatalogOutcomes(t, "ImportProblems", res, err, len(c.problems), commerce.ImportCreated)
	res, err = f.svc.ImportBrands(f.ctx, c.brands)
	wantAllCatalogOutcomes(t, "ImportBrands", res, err, len(c.brands), commerce.ImportCreated)
	for run, want := range []commerce.ImportOutcome{commerce.ImportCreated, commerce.ImportUnchanged} {
		res, err = f.svc.ImportProducts(f.ctx, c.products)
		if err != nil || len(res) != n {
			t.Fatalf("run %d: ImportProducts: %d results, %v", run, len(res), err)
		}
		for i, r := range res {
			w := want
			if i == commerce.ImportBatchSize+3 {
				w = commerce.ImportSkipped
			}
			if r.Outcome != w {
				t.Fatalf("run %d: product %d: %v (%v), want %v", run, i, r.Outcome, r.Err, w)
			}
		}
	}
	all := f.allProducts(t, catalog.ProductFilter{Limit: commerce.MaxLimit})
	if len(all) != n-1 {
		t.Fatalf("%d products stored, want %d", len(all), n-1)
	}
	for i := 1; i < len(all); i++ {
		if !all[i].CreatedAt.Before(all[i-1].CreatedAt) {
			t.Fatalf("products %q and %q are not newest first", all[i-1].Name, all[i].Name)
		}
	}
}

// testCatalogImportConcurrent runs imports of overlapping slices of one catalog
// at once: every record is created by exactly one of them, and found
// unchanged by the others.
func testCatalogImportConcurrent(t *testing.T, f *catalogFixture) {
	const importers, step = 4, 60
	c := makeImportedCatalog(catalogImportEpoch, importers*step+2*step)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count = make(map[uuid.UUID]map[commerce.ImportOutcome]int)
	)
	tally := func(ids []uuid.UUID, res []commerce.ImportResult) {
		mu.Lock()
		defer mu.Unlock()
		for i, r := range res {
			if count[ids[i]] == nil {
				count[ids[i]] = make(map[commerce.ImportOutcome]int)
			}
			count[ids[i]][r.Outcome]++
		}
	}
	errs := make(chan error, importers)
	for w := range importers {
		wg.Go(func() {
			res, err := f.svc.ImportProblems(f.ctx, c.problems)
			if err != nil {
				errs <- fmt.Errorf("importer %d: ImportProblems: %w", w, err)
				return
			}
			tally(catalogIDs(c.problems, func(p catalog.Problem) uuid.UUID { return p.ID }), res)
			res, err = f.svc.ImportBrands(f.ctx, c.brands)
			if err != nil {
				errs <- fmt.Errorf("importer %d: ImportBrands: %w", w, err)
				return
			}
			tally(catalogIDs(c.brands, func(b catalog.Brand) uuid.UUID { return b.ID }), res)
			// Importer w takes products w*step to (w+3)*step: each
			// product is in up to three importers' slices.
			part := c.products[w*step : (w+3)*step]
			res, err = f.svc.ImportProducts(f.ctx, part)
			if err != nil {
				errs <- fmt.Errorf("importer %d: ImportProducts: %w", w, err)
				return
			}
			tally(catalogIDs(part, func(p catalog.Product) uuid.UUID { return p.ID }), res)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if want := len(c.problems) + len(c.brands) + len(c.products); len(count) != want {
		t.Fatalf("%d records have results, want %d", len(count), want)
	}
	for id, n := range count {
		if n[commerce.ImportCreated] != 1 || n[commerce.ImportUpdated] != 0 || n[commerce.ImportSkipped] != 0 {
			t.Errorf("record %s: outcomes %v, want one created and the rest unchanged", id, n)
		}
	}
	f.checkImportedReadBack(t, c, 1)
	f.checkSearchByRule(t, "사과 잼", "농원")
}

func catalogIDs[T any](recs []T, id func(T) uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(recs))
	for i, r := range recs {
		out[i] = id(r)
	}
	return out
}

// testCatalogImportSearch imports old products into a catalog that holds newer
// ones — below, between and above what is stored — and wants search to
// answer as the rule applied to every product, in every order and page
// size; then again after imports that rename products and a brand.
func testCatalogImportSearch(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "환경")
	farm := f.brand(t, "사과마을", pr)
	for _, name := range []string{"사과잼 작은병", "잼과 사과", "배 주스", "사과칩", "딸기잼"} {
		f.product(t, name, &farm)
	}
	f.product(t, "유기농사과잼", nil)

	// Old products, then older ones, then ones dated after everything
	// stored: their ids come below, between and above the stored ones.
	old := makeImportedCatalog(catalogImportEpoch.AddDate(1, 0, 0), 30)
	f.importCatalog(t, old, commerce.ImportCreated)
	older := makeImportedCatalog(catalogImportEpoch, 30)
	f.importCatalog(t, older, commerce.ImportCreated)
	interleaved := makeImportedCatalog(catalogImportEpoch.AddDate(1, 0, 0).Add(30*time.Minute), 20)
	f.importCatalog(t, interleaved, commerce.ImportCreated)
	f.product(t, "사과 잼 큰병", &farm)
	newer := makeImportedCatalog(time.Now().AddDate(1, 0, 0), 10)
	f.importCatalog(t, newer, commerce.ImportCreated)
	f.checkSearchByRule(t, ruleQueries...)

	// Renames through imports: products, and a brand whose products
	// are found by its name.
	for i := range old.products {
		if i%4 == 0 {
			old.products[i].Name = fmt.Sprintf("이름을 바꾼 사과잼 %d", i)
		}
		if i%4 == 1 {
			old.products[i].Brand = &catalog.BrandRef{ID: old.brands[(i+1)%3].ID}
		}
	}
	res, err := f.svc.ImportProducts(f.ctx, old.products)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if want := i%4 == 0 || i%4 == 1; want != (r.Outcome == commerce.ImportUpdated) {
			t.Errorf("product %d: %v (%v)", i, r.Outcome, r.Err)
		}
	}
	older.brands[1].Name = "잼과사과 협동조합"
	res, err = f.svc.ImportBrands(f.ctx, older.brands)
	wantCatalogOutcomes(t, "ImportBrands", res, err, commerce.ImportUnchanged, commerce.ImportUpdated, commerce.ImportUnchanged)
	f.checkSearchByRule(t, ruleQueries...)
}

// ruleQueries are the searches of checkSearchByRule.
var ruleQueries = []string{"사과", "사과 잼", "잼 사과", "과", "사과마을", "농원 잼", "happy", "협동조합", "이름을 바꾼", "딸기 수건"}

// checkSearchByRule wants every search of queries, phrase or not, in both
// orders and in pages of two sizes, to give what the search rule gives
// applied to every product, listed newest first without an index.
func (f *catalogFixture) checkSearchByRule(t *testing.T, queries ...string) {
	t.Helper()
	all := f.allProducts(t, catalog.ProductFilter{Limit: commerce.MaxLimit})
	for _, q := range queries {
		for _, phrase := range []bool{false, true} {
			search, err := catalog.ParseSearch(q, phrase)
			if err != nil {
				t.Fatal(err)
			}
			for _, sort := range sorts {
				var want []string
				for rank := range catalog.NumRanks {
					for _, p := range all {
						if r, ok := search.Rank(catalog.ProductKeys(p)); ok && (sort != catalog.SortRelevance || r == rank) {
							want = append(want, p.ID.String()+" "+p.Name)
						}
					}
					if sort != catalog.SortRelevance {
						break
					}
				}
				for _, limit := range []int{7, commerce.MaxLimit} {
					filter := catalog.ProductFilter{Query: q, Phrase: phrase, Sort: sort, Limit: limit}
					var got []string
					for _, p := range f.allProducts(t, filter) {
						got = append(got, p.ID.String()+" "+p.Name)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("search %q (phrase %v) by %q in pages of %d (-rule +search):\n%s", q, phrase, sort, limit, diff)
					}
				}
			}
		}
	}
}
