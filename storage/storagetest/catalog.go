package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

var (
	staff    = commerce.StaffActor(uuid.MustParse("0190f3c2-0000-7000-8000-000000000001"))
	customer = commerce.UserActor(uuid.MustParse("0190f3c2-0000-7000-8000-000000000002"))
)

// moneyEqual compares amounts by value (15000 equals 15000.0000).
var moneyEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func runCatalogTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *catalogFixture)
	}{
		{"ProblemCRUD", testProblemCRUD},
		{"BrandCRUD", testBrandCRUD},
		{"ProductCRUD", testProductCRUD},
		{"ProductRoundTrip", testProductRoundTrip},
		{"NotFound", testCatalogNotFound},
		{"DuplicateID", testCatalogDuplicateID},
		{"Validation", testCatalogValidation},
		{"ShopCurrency", testCatalogShopCurrency},
		{"StaffOnly", testCatalogStaffOnly},
		{"NewestFirst", testNewestFirst},
		{"Paging", testProductPaging},
		{"PagingWhileAdding", testPagingWhileAdding},
		{"BrandPaging", testBrandPaging},
		{"BrandSearch", testBrandSearch},
		{"ImagesInUse", testImagesInUse},
		{"BadPageRequests", testBadPageRequests},
		{"Search", testSearch},
		{"SearchPhrase", testSearchPhrase},
		{"SearchValidation", testSearchValidation},
		{"SearchRelevance", testSearchRelevance},
		{"SearchPaging", testSearchPaging},
		{"SearchInBrand", testSearchInBrand},
		{"SearchFollowsEdits", testSearchFollowsEdits},
		{"Suggest", testSuggest},
		{"SuggestLimits", testSuggestLimits},
		{"ProblemInUse", testProblemInUse},
		{"DeleteBrandKeepsProducts", testDeleteBrandKeepsProducts},
		{"BrandWithProducts", testBrandWithProducts},
		{"ProblemWithBrands", testProblemWithBrands},
		{"Placeholder", testPlaceholder},
		{"Copies", testCopies},
		{"VersionCheck", testVersionCheck},
		{"ConcurrentVersionedEdits", testConcurrentVersionedEdits},
		{"ConcurrentPatches", testConcurrentPatches},
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

// catalogFixture is one test's catalog over an empty store.
type catalogFixture struct {
	ctx  context.Context
	repo catalog.Repository
	svc  *catalog.Service
}

func (f *catalogFixture) problem(t *testing.T, name string) catalog.Problem {
	t.Helper()
	p, err := f.svc.CreateProblem(f.ctx, staff, catalog.ProblemInput{Name: name, Summary: name + " 요약"})
	if err != nil {
		t.Fatalf("CreateProblem(%q): %v", name, err)
	}
	return p
}

func (f *catalogFixture) brand(t *testing.T, name string, problem catalog.Problem) catalog.Brand {
	t.Helper()
	b, err := f.svc.CreateBrand(f.ctx, staff, catalog.BrandInput{Name: name, ProblemID: problem.ID})
	if err != nil {
		t.Fatalf("CreateBrand(%q): %v", name, err)
	}
	return b
}

// product creates a product in KRW; brand may be nil.
func (f *catalogFixture) product(t *testing.T, name string, brand *catalog.Brand) catalog.Product {
	t.Helper()
	in := catalog.ProductInput{Name: name, Price: commerce.MustMoney("15000", "KRW")}
	if brand != nil {
		in.BrandID = brand.ID
	}
	p, err := f.svc.CreateProduct(f.ctx, staff, in)
	if err != nil {
		t.Fatalf("CreateProduct(%q): %v", name, err)
	}
	return p
}

// allProducts pages through every product that filter selects.
func (f *catalogFixture) allProducts(t *testing.T, filter catalog.ProductFilter) []catalog.Product {
	t.Helper()
	var out []catalog.Product
	for range 1000 {
		page, err := f.svc.Products(f.ctx, filter)
		if err != nil {
			t.Fatalf("Products(%+v): %v", filter, err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		filter.Cursor = page.NextCursor
	}
	t.Fatal("Products: paging did not end")
	return nil
}

func names(ps []catalog.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func wantFields(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	var v *commerce.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("%s: got error %v, want a *commerce.ValidationError", what, err)
	}
	if !errors.Is(err, commerce.ErrInvalid) {
		t.Fatalf("%s: %v does not wrap commerce.ErrInvalid", what, err)
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range v.Fields {
			if !yield(k) {
				return
			}
		}
	})
	slices.Sort(fields)
	if diff := cmp.Diff(fields, got); diff != "" {
		t.Fatalf("%s: failing fields (-want +got):\n%s\nerror: %v", what, diff, err)
	}
}

func testProblemCRUD(t *testing.T, f *catalogFixture) {
	a := f.problem(t, "장애인")
	b := f.problem(t, "환경")

	got, err := f.svc.Problem(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("Problem: %v", err)
	}
	if diff := cmp.Diff(a, got.Problem); diff != "" {
		t.Errorf("Problem (-created +read):\n%s", diff)
	}
	list, err := f.svc.Problems(f.ctx)
	if err != nil {
		t.Fatalf("Problems: %v", err)
	}
	if diff := cmp.Diff([]catalog.Problem{a, b}, list); diff != "" {
		t.Errorf("Problems, oldest first (-want +got):\n%s", diff)
	}

	edited, err := f.svc.UpdateProblem(f.ctx, staff, a.ID, catalog.ProblemPatch{
		Name: commerce.Some("장애인 고용"), ImageURL: commerce.Some("https://example.org/a.png"),
	})
	if err != nil {
		t.Fatalf("UpdateProblem: %v", err)
	}
	if edited.Name != "장애인 고용" || edited.ImageURL != "https://example.org/a.png" || edited.Summary != a.Summary {
		t.Errorf("UpdateProblem: got %+v", edited)
	}
	if edited.Version != a.Version+1 {
		t.Errorf("UpdateProblem: version %d, want %d", edited.Version, a.Version+1)
	}
	got, _ = f.svc.Problem(f.ctx, a.ID)
	if diff := cmp.Diff(edited, got.Problem); diff != "" {
		t.Errorf("Problem after edit (-edited +read):\n%s", diff)
	}

	if err := f.svc.DeleteProblem(f.ctx, staff, a.ID); err != nil {
		t.Fatalf("DeleteProblem: %v", err)
	}
	_, err = f.svc.Problem(f.ctx, a.ID)
	wantErr(t, "Problem after delete", err, catalog.ErrProblemNotFound)
	list, _ = f.svc.Problems(f.ctx)
	if len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("Problems after delete: got %v, want only %q", list, b.Name)
	}
}

func testBrandCRUD(t *testing.T, f *catalogFixture) {
	env := f.problem(t, "환경")
	edu := f.problem(t, "교육")
	b, err := f.svc.CreateBrand(f.ctx, staff, catalog.BrandInput{
		Name: "  초록공방 ", Summary: "재활용 소재로 만드는 생활용품", Story: "2019년에 시작했습니다.",
		LogoURL: "/static/logo.png", ImageURL: "https://example.org/b.jpg", Homepage: "https://example.org",
		ProblemID: env.ID,
	})
	if err != nil {
		t.Fatalf("CreateBrand: %v", err)
	}
	if b.Name != "초록공방" {
		t.Errorf("CreateBrand: name %q, want it trimmed to %q", b.Name, "초록공방")
	}
	if b.Problem != (catalog.ProblemRef{ID: env.ID, Name: "환경"}) {
		t.Errorf("CreateBrand: problem %+v, want %s with its name", b.Problem, env.ID)
	}
	got, err := f.svc.Brand(f.ctx, b.ID)
	if err != nil {
		t.Fatalf("Brand: %v", err)
	}
	if diff := cmp.Diff(b, got.Brand); diff != "" {
		t.Errorf("Brand (-created +read):\n%s", diff)
	}

	edited, err := f.svc.UpdateBrand(f.ctx, staff, b.ID, catalog.BrandPatch{
		Name: commerce.Some("초록공방 협동조합"), ProblemID: commerce.Some(edu.ID), Homepage: commerce.Some(""),
	})
	if err != nil {
		t.Fatalf("UpdateBrand: %v", err)
	}
	if edited.Name != "초록공방 협동조합" || edited.Problem.Name != "교육" || edited.Homepage != "" || edited.Story != b.Story {
		t.Errorf("UpdateBrand: got %+v", edited)
	}
	if edited.Version != 2 || !edited.CreatedAt.Equal(b.CreatedAt) {
		t.Errorf("UpdateBrand: version %d created %v, want 2 and %v", edited.Version, edited.CreatedAt, b.CreatedAt)
	}

	// A problem's new name shows in its brands at once.
	if _, err := f.svc.UpdateProblem(f.ctx, staff, edu.ID, catalog.ProblemPatch{Name: commerce.Some("교육 격차")}); err != nil {
		t.Fatalf("UpdateProblem: %v", err)
	}
	got, _ = f.svc.Brand(f.ctx, b.ID)
	if got.Brand.Problem.Name != "교육 격차" {
		t.Errorf("Brand after its problem was renamed: problem name %q, want %q", got.Brand.Problem.Name, "교육 격차")
	}

	if err := f.svc.DeleteBrand(f.ctx, staff, b.ID); err != nil {
		t.Fatalf("DeleteBrand: %v", err)
	}
	_, err = f.svc.Brand(f.ctx, b.ID)
	wantErr(t, "Brand after delete", err, catalog.ErrBrandNotFound)
}

func testProductCRUD(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "고용")
	br := f.brand(t, "함께베이커리", pr)
	stock := 12
	p, err := f.svc.CreateProduct(f.ctx, staff, catalog.ProductInput{
		Name: "우리밀 쿠키 세트", Description: "발달장애인 제빵사가 굽습니다.",
		Price: commerce.MustMoney("12000", "KRW"), BrandID: br.ID,
		Images: []string{"/static/cookie-1.jpg", "https://example.org/cookie-2.jpg"}, Stock: &stock,
	})
	if err != nil {
		t.Fatalf("CreateProduct: %v", err)
	}
	if p.Brand == nil || *p.Brand != (catalog.BrandRef{ID: br.ID, Name: br.Name}) {
		t.Errorf("CreateProduct: brand %+v, want %s %q", p.Brand, br.ID, br.Name)
	}
	if p.Version != 1 || p.CreatedAt.IsZero() || !p.UpdatedAt.Equal(p.CreatedAt) {
		t.Errorf("CreateProduct: version %d, created %v, updated %v", p.Version, p.CreatedAt, p.UpdatedAt)
	}
	got, err := f.svc.Product(f.ctx, p.ID)
	if err != nil {
		t.Fatalf("Product: %v", err)
	}
	if diff := cmp.Diff(p, got, moneyEqual); diff != "" {
		t.Errorf("Product (-created +read):\n%s", diff)
	}

	edited, err := f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{
		Price:   commerce.Some(commerce.MustMoney("13500", "KRW")),
		BrandID: commerce.Some(uuid.Nil),
		Stock:   commerce.Some[*int](nil),
		Images:  commerce.Some([]string{"https://example.org/cookie-2.jpg"}),
	})
	if err != nil {
		t.Fatalf("UpdateProduct: %v", err)
	}
	if edited.Brand != nil || edited.Stock != nil || edited.Price.AmountString() != "13500" ||
		edited.Name != p.Name || !slices.Equal(edited.Images, []string{"https://example.org/cookie-2.jpg"}) {
		t.Errorf("UpdateProduct: got %+v", edited)
	}
	got, _ = f.svc.Product(f.ctx, p.ID)
	if diff := cmp.Diff(edited, got, moneyEqual); diff != "" {
		t.Errorf("Product after edit (-edited +read):\n%s", diff)
	}

	if err := f.svc.DeleteProduct(f.ctx, staff, p.ID); err != nil {
		t.Fatalf("DeleteProduct: %v", err)
	}
	_, err = f.svc.Product(f.ctx, p.ID)
	wantErr(t, "Product after delete", err, catalog.ErrProductNotFound)
}

// testProductRoundTrip stores values at the edges of what the catalog
// accepts and checks that each comes back exactly.
func testProductRoundTrip(t *testing.T, f *catalogFixture) {
	zero := 0
	cases := []catalog.ProductInput{
		{Name: strings.Repeat("가", 200), Description: strings.Repeat("설명 ", 2000), Price: commerce.MustMoney("0", "KRW")},
		{Name: "Café ☕ 🍎 mug", Description: "첫 줄\n둘째 줄\r\n\t들여쓴 줄", Price: commerce.MustMoney("12.5", "USD"), Stock: &zero},
		{Name: "Dinar", Price: commerce.MustMoney("1.125", "KWD"), Images: []string{"/a.png", "/b.png", "/c.png"}},
		{Name: "큰 금액", Price: commerce.MustMoney("999999999999", "KRW")},
	}
	for _, in := range cases {
		// The catalog sells in one currency; each case is a shop of its
		// price's.
		svc := catalog.NewService(f.repo, &catalog.Options{Currency: in.Price.Currency})
		p, err := svc.CreateProduct(f.ctx, staff, in)
		if err != nil {
			t.Fatalf("CreateProduct(%.20q): %v", in.Name, err)
		}
		got, err := svc.Product(f.ctx, p.ID)
		if err != nil {
			t.Fatalf("Product: %v", err)
		}
		if diff := cmp.Diff(p, got, moneyEqual); diff != "" {
			t.Errorf("Product %.20q (-created +read):\n%s", in.Name, diff)
		}
		if got.Price.AmountString() != in.Price.AmountString() || got.Price.Currency != in.Price.Currency {
			t.Errorf("price: got %s, want %s", got.Price, in.Price)
		}
		if (in.Stock == nil) != (got.Stock == nil) {
			t.Errorf("stock: got %v, want %v (nil means not tracked; 0 means sold out)", got.Stock, in.Stock)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("created_at %v is not in UTC", got.CreatedAt)
		}
	}
}

func testCatalogNotFound(t *testing.T, f *catalogFixture) {
	missing := commerce.NewID()
	pr := f.problem(t, "노인")
	_, err := f.svc.Product(f.ctx, missing)
	wantErr(t, "Product", err, catalog.ErrProductNotFound)
	wantErr(t, "Product", err, commerce.ErrNotFound)
	_, err = f.svc.Brand(f.ctx, missing)
	wantErr(t, "Brand", err, catalog.ErrBrandNotFound)
	_, err = f.svc.Problem(f.ctx, missing)
	wantErr(t, "Problem", err, catalog.ErrProblemNotFound)

	_, err = f.svc.UpdateProduct(f.ctx, staff, missing, catalog.ProductPatch{Name: commerce.Some("x")})
	wantErr(t, "UpdateProduct", err, catalog.ErrProductNotFound)
	_, err = f.svc.UpdateBrand(f.ctx, staff, missing, catalog.BrandPatch{Name: commerce.Some("x")})
	wantErr(t, "UpdateBrand", err, catalog.ErrBrandNotFound)
	_, err = f.svc.UpdateProblem(f.ctx, staff, missing, catalog.ProblemPatch{Name: commerce.Some("x")})
	wantErr(t, "UpdateProblem", err, catalog.ErrProblemNotFound)

	wantErr(t, "DeleteProduct", f.svc.DeleteProduct(f.ctx, staff, missing), catalog.ErrProductNotFound)
	wantErr(t, "DeleteBrand", f.svc.DeleteBrand(f.ctx, staff, missing), catalog.ErrBrandNotFound)
	wantErr(t, "DeleteProblem", f.svc.DeleteProblem(f.ctx, staff, missing), catalog.ErrProblemNotFound)

	// Repository level: the same contracts without the service.
	_, err = f.repo.GetProduct(f.ctx, missing)
	wantErr(t, "GetProduct", err, catalog.ErrProductNotFound)
	err = f.repo.UpdateProduct(f.ctx, catalog.Product{ID: missing, Name: "x", Price: commerce.Zero("KRW"), Version: 2}, 1)
	wantErr(t, "repo UpdateProduct", err, catalog.ErrProductNotFound)
	err = f.repo.UpdateBrand(f.ctx, catalog.Brand{ID: missing, Name: "x", Problem: pr.Ref(), Version: 2}, 1)
	wantErr(t, "repo UpdateBrand", err, catalog.ErrBrandNotFound)
	err = f.repo.UpdateProblem(f.ctx, catalog.Problem{ID: missing, Name: "x", Version: 2}, 1)
	wantErr(t, "repo UpdateProblem", err, catalog.ErrProblemNotFound)
}

func testCatalogDuplicateID(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "환경")
	br := f.brand(t, "바다살림", pr)
	p := f.product(t, "폐그물 가방", &br)

	wantErr(t, "CreateProblem twice", f.repo.CreateProblem(f.ctx, pr), catalog.ErrDuplicateID)
	wantErr(t, "CreateBrand twice", f.repo.CreateBrand(f.ctx, br), catalog.ErrDuplicateID)
	p.Name = "다른 이름"
	err := f.repo.CreateProduct(f.ctx, p)
	wantErr(t, "CreateProduct twice", err, catalog.ErrDuplicateID)
	wantErr(t, "CreateProduct twice", err, commerce.ErrConflict)
	got, _ := f.svc.Product(f.ctx, p.ID)
	if got.Name != "폐그물 가방" {
		t.Errorf("a refused duplicate changed the stored product: name %q", got.Name)
	}
}

// testCatalogShopCurrency checks that the catalog takes prices in the
// shop's currency only, so that it never holds a product that carts and
// orders cannot sell.
func testCatalogShopCurrency(t *testing.T, f *catalogFixture) {
	_, err := f.svc.CreateProduct(f.ctx, staff, catalog.ProductInput{Name: "Mug", Price: commerce.MustMoney("9.50", "USD")})
	wantFields(t, "CreateProduct in USD in a KRW shop", err, "price")
	p := f.product(t, "머그컵", nil)
	_, err = f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{Price: commerce.Some(commerce.MustMoney("9.50", "USD"))})
	wantFields(t, "UpdateProduct to USD in a KRW shop", err, "price")
	if got, _ := f.svc.Product(f.ctx, p.ID); !got.Price.Equal(p.Price) {
		t.Errorf("a refused edit changed the price to %s", got.Price)
	}
	if all := f.allProducts(t, catalog.ProductFilter{}); len(all) != 1 {
		t.Errorf("after a refused create: %d products stored, want 1", len(all))
	}

	// A product stored in another currency before the rule (through the
	// repository) is refused until its price is fixed.
	old := p
	old.Price, old.Version = commerce.MustMoney("9.50", "USD"), p.Version+1
	if err := f.repo.UpdateProduct(f.ctx, old, p.Version); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{Name: commerce.Some("새 머그컵")})
	wantFields(t, "UpdateProduct of a product stored in USD", err, "price")
	fixed, err := f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{
		Name: commerce.Some("새 머그컵"), Price: commerce.Some(commerce.MustMoney("9000", "KRW")),
	})
	if err != nil || fixed.Price.String() != "9000 KRW" {
		t.Errorf("fixing the price: %v, %s", err, fixed.Price)
	}

	// Another shop's currency is set by Options.Currency.
	usd := catalog.NewService(f.repo, &catalog.Options{Currency: "USD"})
	if _, err := usd.CreateProduct(f.ctx, staff, catalog.ProductInput{Name: "Mug", Price: commerce.MustMoney("9.50", "USD")}); err != nil {
		t.Errorf("CreateProduct in USD in a USD shop: %v", err)
	}
	_, err = usd.CreateProduct(f.ctx, staff, catalog.ProductInput{Name: "컵", Price: commerce.MustMoney("9000", "KRW")})
	wantFields(t, "CreateProduct in KRW in a USD shop", err, "price")
}

func testCatalogValidation(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "교육")
	br := f.brand(t, "배움터", pr)
	negative := -1
	cases := []struct {
		name   string
		in     catalog.ProductInput
		fields []string
	}{
		{"everything wrong", catalog.ProductInput{
			Name: "  ", Price: commerce.Money{Amount: decimal.NewFromInt(-5), Currency: "KRW"},
			Images: []string{"javascript:alert(1)"}, Stock: &negative, Description: strings.Repeat("x", 10001),
		}, []string{"name", "price", "images", "stock", "description"}},
		{"no price", catalog.ProductInput{Name: "공책"}, []string{"price"}},
		{"unknown currency", catalog.ProductInput{Name: "공책", Price: commerce.Money{Amount: decimal.NewFromInt(5), Currency: "XYZ"}}, []string{"price"}},
		{"fraction of a won", catalog.ProductInput{Name: "공책", Price: commerce.Money{Amount: decimal.RequireFromString("10.5"), Currency: "KRW"}}, []string{"price"}},
		{"name too long", catalog.ProductInput{Name: strings.Repeat("가", 201), Price: commerce.MustMoney("1", "KRW")}, []string{"name"}},
		{"control character", catalog.ProductInput{Name: "연\x00필", Price: commerce.MustMoney("1", "KRW")}, []string{"name"}},
		{"empty image", catalog.ProductInput{Name: "공책", Price: commerce.MustMoney("1", "KRW"), Images: []string{""}}, []string{"images"}},
		{"protocol-relative image", catalog.ProductInput{Name: "공책", Price: commerce.MustMoney("1", "KRW"), Images: []string{"//evil.example/x.png"}}, []string{"images"}},
		{"missing brand", catalog.ProductInput{Name: "공책", Price: commerce.MustMoney("1", "KRW"), BrandID: commerce.NewID()}, []string{"brand_id"}},
	}
	for _, c := range cases {
		_, err := f.svc.CreateProduct(f.ctx, staff, c.in)
		wantFields(t, "CreateProduct "+c.name, err, c.fields...)
	}
	_, err := f.svc.CreateBrand(f.ctx, staff, catalog.BrandInput{Homepage: "ftp://x"})
	wantFields(t, "CreateBrand empty", err, "name", "problem_id", "homepage")
	_, err = f.svc.CreateBrand(f.ctx, staff, catalog.BrandInput{Name: "유령", ProblemID: commerce.NewID()})
	wantFields(t, "CreateBrand with a missing problem", err, "problem_id")
	_, err = f.svc.CreateProblem(f.ctx, staff, catalog.ProblemInput{Summary: strings.Repeat("요", 301)})
	wantFields(t, "CreateProblem empty", err, "name", "summary")

	// A refused edit changes nothing, and names the field.
	p := f.product(t, "연필", &br)
	_, err = f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{
		Name: commerce.Some(""), BrandID: commerce.Some(commerce.NewID()),
	})
	wantFields(t, "UpdateProduct", err, "name")
	_, err = f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{BrandID: commerce.Some(commerce.NewID())})
	wantFields(t, "UpdateProduct to a missing brand", err, "brand_id")
	_, err = f.svc.UpdateBrand(f.ctx, staff, br.ID, catalog.BrandPatch{ProblemID: commerce.Some(commerce.NewID())})
	wantFields(t, "UpdateBrand to a missing problem", err, "problem_id")
	got, _ := f.svc.Product(f.ctx, p.ID)
	if diff := cmp.Diff(p, got, moneyEqual); diff != "" {
		t.Errorf("refused edits changed the product (-before +after):\n%s", diff)
	}

	// Nothing refused was stored.
	all := f.allProducts(t, catalog.ProductFilter{})
	if len(all) != 1 {
		t.Errorf("after refused creates: %d products stored, want 1: %q", len(all), names(all))
	}
	brands, _ := f.svc.Brands(f.ctx, catalog.BrandFilter{})
	problems, _ := f.svc.Problems(f.ctx)
	if len(brands.Items) != 1 || len(problems) != 1 {
		t.Errorf("after refused creates: %d brands and %d problems, want 1 and 1", len(brands.Items), len(problems))
	}
}

func testCatalogStaffOnly(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "환경")
	p := f.product(t, "대나무 칫솔", nil)
	for _, c := range []struct {
		actor commerce.Actor
		want  error
	}{
		{commerce.Anonymous, commerce.ErrUnauthenticated},
		{commerce.Actor{SessionID: "guest"}, commerce.ErrUnauthenticated},
		{customer, commerce.ErrForbidden},
		{commerce.Actor{Staff: true}, commerce.ErrUnauthenticated}, // staff flag without a user
	} {
		who := fmt.Sprintf("%+v", c.actor)
		_, err := f.svc.CreateProblem(f.ctx, c.actor, catalog.ProblemInput{Name: "x"})
		wantErr(t, "CreateProblem as "+who, err, c.want)
		_, err = f.svc.CreateBrand(f.ctx, c.actor, catalog.BrandInput{Name: "x", ProblemID: pr.ID})
		wantErr(t, "CreateBrand as "+who, err, c.want)
		_, err = f.svc.CreateProduct(f.ctx, c.actor, catalog.ProductInput{Name: "x", Price: commerce.MustMoney("1", "KRW")})
		wantErr(t, "CreateProduct as "+who, err, c.want)
		_, err = f.svc.UpdateProduct(f.ctx, c.actor, p.ID, catalog.ProductPatch{Name: commerce.Some("x")})
		wantErr(t, "UpdateProduct as "+who, err, c.want)
		_, err = f.svc.UpdateProblem(f.ctx, c.actor, pr.ID, catalog.ProblemPatch{Name: commerce.Some("x")})
		wantErr(t, "UpdateProblem as "+who, err, c.want)
		wantErr(t, "DeleteProduct as "+who, f.svc.DeleteProduct(f.ctx, c.actor, p.ID), c.want)
		wantErr(t, "DeleteProblem as "+who, f.svc.DeleteProblem(f.ctx, c.actor, pr.ID), c.want)
	}
	got, err := f.svc.Product(f.ctx, p.ID)
	if err != nil || got.Name != "대나무 칫솔" {
		t.Errorf("after refused writes: product %q, %v", got.Name, err)
	}
	all := f.allProducts(t, catalog.ProductFilter{})
	if len(all) != 1 {
		t.Errorf("after refused writes: %d products, want 1", len(all))
	}
}

func testNewestFirst(t *testing.T, f *catalogFixture) {
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("상품 %d", i)
		f.product(t, name, nil)
		want = append([]string{name}, want...)
	}
	page, err := f.svc.Products(f.ctx, catalog.ProductFilter{})
	if err != nil {
		t.Fatalf("Products: %v", err)
	}
	if diff := cmp.Diff(want, names(page.Items)); diff != "" {
		t.Errorf("Products, newest first (-want +got):\n%s", diff)
	}
	if page.NextCursor != "" {
		t.Errorf("Products: NextCursor %q on the only page", page.NextCursor)
	}
	newest, err := f.svc.Newest(f.ctx)
	if err != nil || len(newest) != 5 || newest[0].Name != "상품 4" {
		t.Errorf("Newest: %q, %v", names(newest), err)
	}
}

func testProductPaging(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "고용")
	br := f.brand(t, "일하는 손", pr)
	var want []string
	for i := range 25 {
		var b *catalog.Brand
		if i%2 == 0 {
			b = &br
		}
		p := f.product(t, fmt.Sprintf("상품 %02d", i), b)
		want = append([]string{p.Name}, want...)
	}
	for _, limit := range []int{1, 7, 24, 25, 26, 100} {
		var got []string
		filter := catalog.ProductFilter{Limit: limit}
		pages := 0
		for {
			page, err := f.svc.Products(f.ctx, filter)
			if err != nil {
				t.Fatalf("limit %d: %v", limit, err)
			}
			pages++
			if len(page.Items) > limit || len(page.Items) == 0 {
				t.Fatalf("limit %d: page %d has %d items", limit, pages, len(page.Items))
			}
			got = append(got, names(page.Items)...)
			if page.NextCursor == "" {
				break
			}
			filter.Cursor = page.NextCursor
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("limit %d: every product once, newest first (-want +got):\n%s", limit, diff)
		}
		if wantPages := (25 + limit - 1) / limit; pages != wantPages {
			t.Errorf("limit %d: %d pages, want %d (no empty last page)", limit, pages, wantPages)
		}
	}
	// The same within one brand.
	got := names(f.allProducts(t, catalog.ProductFilter{BrandID: br.ID, Limit: 4}))
	var wantBrand []string
	for _, n := range want {
		var i int
		fmt.Sscanf(n, "상품 %d", &i)
		if i%2 == 0 {
			wantBrand = append(wantBrand, n)
		}
	}
	if diff := cmp.Diff(wantBrand, got); diff != "" {
		t.Errorf("one brand's products (-want +got):\n%s", diff)
	}
}

func testPagingWhileAdding(t *testing.T, f *catalogFixture) {
	var want []string
	for i := range 10 {
		want = append([]string{f.product(t, fmt.Sprintf("먼저 %d", i), nil).Name}, want...)
	}
	var got []string
	filter := catalog.ProductFilter{Limit: 3}
	added := map[string]bool{}
	for n := 0; ; n++ {
		page, err := f.svc.Products(f.ctx, filter)
		if err != nil {
			t.Fatalf("Products: %v", err)
		}
		got = append(got, names(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		filter.Cursor = page.NextCursor
		// Items added between pages are newer than every page to come.
		name := fmt.Sprintf("나중 %d", n)
		f.product(t, name, nil)
		added[name] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages while adding: every earlier product exactly once (-want +got):\n%s", diff)
	}
	first, _ := f.svc.Products(f.ctx, catalog.ProductFilter{Limit: 1})
	if len(first.Items) != 1 || !added[first.Items[0].Name] {
		t.Errorf("a new first page starts with %q, want one of the products added", names(first.Items))
	}
}

func testBrandPaging(t *testing.T, f *catalogFixture) {
	a := f.problem(t, "장애인")
	b := f.problem(t, "노인")
	var wantAll, wantA []string
	for i := range 9 {
		pr := a
		if i%3 == 0 {
			pr = b
		}
		br := f.brand(t, fmt.Sprintf("브랜드 %d", i), pr)
		wantAll = append([]string{br.Name}, wantAll...)
		if pr.ID == a.ID {
			wantA = append([]string{br.Name}, wantA...)
		}
	}
	collect := func(filter catalog.BrandFilter) []string {
		var out []string
		for {
			page, err := f.svc.Brands(f.ctx, filter)
			if err != nil {
				t.Fatalf("Brands: %v", err)
			}
			for _, b := range page.Items {
				out = append(out, b.Name)
			}
			if page.NextCursor == "" {
				return out
			}
			filter.Cursor = page.NextCursor
		}
	}
	if diff := cmp.Diff(wantAll, collect(catalog.BrandFilter{Limit: 2})); diff != "" {
		t.Errorf("Brands, newest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantA, collect(catalog.BrandFilter{ProblemID: a.ID, Limit: 4})); diff != "" {
		t.Errorf("Brands of one problem (-want +got):\n%s", diff)
	}
}

func testBrandSearch(t *testing.T, f *catalogFixture) {
	env := f.problem(t, "환경")
	elders := f.problem(t, "노인")
	for _, name := range []string{"초록순환", "초록 100%", "Green_Cycle", "할머니손맛", "사과꽃농원", "Café 숲"} {
		pr := env
		if name == "할머니손맛" {
			pr = elders
		}
		f.brand(t, name, pr)
	}
	names := func(filter catalog.BrandFilter) []string {
		t.Helper()
		var out []string
		for {
			page, err := f.svc.Brands(f.ctx, filter)
			if err != nil {
				t.Fatalf("Brands(%+v): %v", filter, err)
			}
			for _, b := range page.Items {
				out = append(out, b.Name)
			}
			if page.NextCursor == "" {
				return out
			}
			filter.Cursor = page.NextCursor
		}
	}
	for _, tc := range []struct {
		filter catalog.BrandFilter
		want   []string
	}{
		{catalog.BrandFilter{Query: "초록"}, []string{"초록 100%", "초록순환"}},
		{catalog.BrandFilter{Query: "초록", Limit: 1}, []string{"초록 100%", "초록순환"}},
		{catalog.BrandFilter{Query: " GREEN_c "}, []string{"Green_Cycle"}},
		{catalog.BrandFilter{Query: "ＧＲＥＥＮ"}, []string{"Green_Cycle"}},
		{catalog.BrandFilter{Query: "%"}, []string{"초록 100%"}},
		{catalog.BrandFilter{Query: "_"}, []string{"Green_Cycle"}},
		{catalog.BrandFilter{Query: "n_c"}, []string{"Green_Cycle"}},
		{catalog.BrandFilter{Query: "e_n"}, nil}, // a LIKE pattern would match "Green_Cycle"
		{catalog.BrandFilter{Query: "초_"}, nil},  // nor "초록…"
		{catalog.BrandFilter{Query: `\%`}, nil},  // nor, with \ as its escape, "초록 100%"
		{catalog.BrandFilter{Query: "초록 순환"}, []string{"초록순환"}},
		{catalog.BrandFilter{Query: "순환 초록"}, []string{"초록순환"}},
		{catalog.BrandFilter{Query: "초록100"}, []string{"초록 100%"}},
		{catalog.BrandFilter{Query: "100 초록"}, []string{"초록 100%"}},
		{catalog.BrandFilter{Query: "사과 꽃"}, []string{"사과꽃농원"}},
		{catalog.BrandFilter{Query: "사과 초록"}, nil}, // no brand has both
		{catalog.BrandFilter{Query: "cafe"}, []string{"Café 숲"}},
		{catalog.BrandFilter{Query: "CAFÉ 숲"}, []string{"Café 숲"}},
		{catalog.BrandFilter{Query: "초록 100", Phrase: true}, []string{"초록 100%"}},
		{catalog.BrandFilter{Query: "초록100", Phrase: true}, nil},
		{catalog.BrandFilter{Query: "초록 순환", Phrase: true}, nil},
		{catalog.BrandFilter{Query: "초록순환", Phrase: true}, []string{"초록순환"}},
		{catalog.BrandFilter{Query: "손맛", ProblemID: env.ID}, nil},
		{catalog.BrandFilter{Query: "손맛", ProblemID: elders.ID}, []string{"할머니손맛"}},
		{catalog.BrandFilter{Query: "할머니 손맛", ProblemID: elders.ID}, []string{"할머니손맛"}},
		{catalog.BrandFilter{Query: "없는브랜드"}, nil},
	} {
		if diff := cmp.Diff(tc.want, names(tc.filter)); diff != "" {
			t.Errorf("Brands(%+v) (-want +got):\n%s", tc.filter, diff)
		}
	}
	_, err := f.svc.Brands(f.ctx, catalog.BrandFilter{Query: strings.Repeat("가", 201)})
	wantFields(t, "a query too long", err, "q")
	_, err = f.svc.Brands(f.ctx, catalog.BrandFilter{Query: nineWords})
	wantFields(t, "a query of nine words", err, "q")
}

func testImagesInUse(t *testing.T, f *catalogFixture) {
	pr, err := f.svc.CreateProblem(f.ctx, staff, catalog.ProblemInput{Name: "환경", ImageURL: "/media/problem-1.png"})
	if err != nil {
		t.Fatal(err)
	}
	br, err := f.svc.CreateBrand(f.ctx, staff, catalog.BrandInput{
		Name: "초록순환", ProblemID: pr.ID, LogoURL: "/media/logo-1.png", ImageURL: "https://example.org/media/not-ours.png",
	})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string, images ...string) catalog.Product {
		t.Helper()
		p, err := f.svc.CreateProduct(f.ctx, staff, catalog.ProductInput{
			Name: name, Price: commerce.MustMoney("1000", "KRW"), BrandID: br.ID, Images: images,
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk("가방", "/media/bag-1.jpg", "/static/demo/bag.svg", "/media/bag-2.jpg")
	gone := mk("컵", "/media/cup-1.jpg")
	mk("사진 없음")
	mk("밑줄", "/mediaXbag.jpg", "/media_other/x.jpg")
	if err := f.svc.DeleteProduct(f.ctx, staff, gone.ID); err != nil {
		t.Fatal(err)
	}
	used, err := f.svc.ImagesInUse(f.ctx, "/media/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"/media/problem-1.png": true, "/media/logo-1.png": true, "/media/bag-1.jpg": true, "/media/bag-2.jpg": true}
	if diff := cmp.Diff(want, used); diff != "" {
		t.Errorf("ImagesInUse(/media/) (-want +got):\n%s", diff)
	}
	// The prefix is a prefix, not a pattern: _ and % are ordinary.
	used, err = f.svc.ImagesInUse(f.ctx, "/media_")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"/media_other/x.jpg": true}, used); diff != "" {
		t.Errorf("ImagesInUse(/media_) (-want +got):\n%s", diff)
	}
}

func testBadPageRequests(t *testing.T, f *catalogFixture) {
	f.product(t, "연필", nil)
	for _, c := range []struct {
		filter catalog.ProductFilter
		field  string
	}{
		{catalog.ProductFilter{Limit: -1}, "limit"},
		{catalog.ProductFilter{Limit: 101}, "limit"},
		{catalog.ProductFilter{Cursor: "not-a-cursor"}, "cursor"},
		{catalog.ProductFilter{Cursor: "AAAAAAAAAAAAAAAAAAAAAAA"}, "cursor"},
		{catalog.ProductFilter{Cursor: commerce.EncodeCursor(commerce.NewID()) + "x"}, "cursor"},
		{catalog.ProductFilter{Query: "\xff사과"}, "q"},
		{catalog.ProductFilter{Query: strings.Repeat("사", 201)}, "q"},
	} {
		_, err := f.svc.Products(f.ctx, c.filter)
		wantFields(t, fmt.Sprintf("Products(%+v)", c.filter), err, c.field)
	}
	_, err := f.svc.Brands(f.ctx, catalog.BrandFilter{Limit: 1000, Cursor: "%%%"})
	wantFields(t, "Brands", err, "limit", "cursor")
	// A well-formed cursor past every item is simply an empty page.
	page, err := f.svc.Products(f.ctx, catalog.ProductFilter{Cursor: commerce.EncodeCursor(uuid.UUID{0, 0, 0, 0, 0, 1})})
	if err != nil || len(page.Items) != 0 || page.NextCursor != "" {
		t.Errorf("cursor before every item: %d items, next %q, %v; want an empty last page", len(page.Items), page.NextCursor, err)
	}
}

// nineWords is a query of one word more than catalog.MaxSearchTerms.
const nineWords = "가 나 다 라 마 바 사 아 자"

// sorts are the orders a search may ask for.
var sorts = []catalog.Sort{catalog.SortNewest, catalog.SortRelevance}

// searchNames returns the names of every product that filter selects,
// page after page, or nil when there is none.
func (f *catalogFixture) searchNames(t *testing.T, filter catalog.ProductFilter) []string {
	t.Helper()
	got := names(f.allProducts(t, filter))
	if len(got) == 0 {
		return nil
	}
	return got
}

// searchCatalog is the catalog that most search cases run on, its
// products created in this order.
func searchCatalog(t *testing.T, f *catalogFixture) {
	t.Helper()
	pr := f.problem(t, "환경")
	farm := f.brand(t, "사과나무농장", pr)
	happy := f.brand(t, "Happy Hands", pr)
	f.product(t, "유기농사과잼", nil)
	f.product(t, "유기농 사과식초", nil)
	f.product(t, "사과즙 30팩", nil)
	f.product(t, "배즙", &farm)
	f.product(t, "Apple Pie", nil)
	f.product(t, "GREEN tea", &happy)
	f.product(t, "100% 면 손수건", nil)
	f.product(t, "snake_case 머그", nil)
	f.product(t, "파인애플", nil)
	f.product(t, "ECO 텀블러", nil)
	f.product(t, "Café 라떼 잔", nil)
	f.product(t, "cafe 드립 세트", nil)
	f.product(t, "Maker's 앞치마", nil)
	f.product(t, `역\슬래시 배지`, nil)
}

func testSearch(t *testing.T, f *catalogFixture) {
	searchCatalog(t, f)
	apples := []string{"배즙", "사과즙 30팩", "유기농 사과식초", "유기농사과잼"} // 배즙 through its brand
	jam := []string{"유기농사과잼"}
	cafes := []string{"cafe 드립 세트", "Café 라떼 잔"}
	cases := []struct {
		query string
		want  []string // newest first
	}{
		{"사과", apples},
		{"과", apples},
		// Spacing, word order and the spelling 쨈 do not matter.
		{"사과잼", jam},
		{"사과 잼", jam},
		{"잼 사과", jam},
		{"사과 쨈", jam},
		{"사과쨈", jam},
		{" 사과\u3000 잼\t", jam},
		{"잼 잼", jam},
		{"유 기 농 사 과 잼 유 기", jam}, // eight words, the most a query may have
		{"유기농 사과", []string{"유기농 사과식초", "유기농사과잼"}},
		{"유기농사과", []string{"유기농 사과식초", "유기농사과잼"}},
		{"사과식", []string{"유기농 사과식초"}},
		{"사과잼식초", nil},
		// Each word is in the name or in the brand's name, not across them.
		{"농장", []string{"배즙"}},
		{"사과나무 배즙", []string{"배즙"}},
		{"배즙 사과나무", []string{"배즙"}},
		{"사과나무 포도", nil},
		{"농장배", nil},
		{"happy", []string{"GREEN tea"}},
		{"happy tea", []string{"GREEN tea"}},
		{"hands green TEA", []string{"GREEN tea"}},
		{"happy coffee", nil},
		// Case, full-width letters and Latin accents do not matter.
		{"apple", []string{"Apple Pie"}},
		{"APPLE", []string{"Apple Pie"}},
		{"aPpLe pIE", []string{"Apple Pie"}},
		{"pie apple", []string{"Apple Pie"}},
		{"  tea  ", []string{"GREEN tea"}},
		{"ＥＣＯ", []string{"ECO 텀블러"}},
		{"eco", []string{"ECO 텀블러"}},
		{"cafe", cafes},
		{"CAFÉ", cafes},
		{"café", cafes},
		{"cafe 라떼", []string{"Café 라떼 잔"}},
		{"애플", []string{"파인애플"}},
		// Hangul typed as compatibility jamo, or decomposed.
		{"ㅅㅏㄱㅘ", apples},
		{norm.NFD.String("사과"), apples},
		{norm.NFD.String("유기농사과잼"), jam},
		{norm.NFD.String("잼 사과"), jam},
		// Every character is an ordinary one.
		{"%", []string{"100% 면 손수건"}},
		{"0%", []string{"100% 면 손수건"}},
		{"１００％", []string{"100% 면 손수건"}},
		{"_", []string{"snake_case 머그"}},
		{"e_c", []string{"snake_case 머그"}},
		{"a_e", nil}, // as a LIKE pattern it would match "snake" and "maker's"
		{"a%e", nil}, // and "apple pie"
		{"%_", nil},
		{"'", []string{"Maker's 앞치마"}},
		{"'s 앞치마", []string{"Maker's 앞치마"}},
		{`\`, []string{`역\슬래시 배지`}},
		{`\슬래시`, []string{`역\슬래시 배지`}},
		{`\%`, nil}, // as a LIKE pattern escaped by \ it would match "100%"
		{"딸기", nil},
	}
	for _, c := range cases {
		got := f.searchNames(t, catalog.ProductFilter{Query: c.query})
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("search %q (-want +got):\n%s", c.query, diff)
		}
		got = f.searchNames(t, catalog.ProductFilter{Query: c.query, Sort: catalog.SortRelevance})
		if diff := cmp.Diff(sorted(c.want), sorted(got)); diff != "" {
			t.Errorf("search %q by relevance: not the same products (-want +got):\n%s", c.query, diff)
		}
	}
	if all := f.searchNames(t, catalog.ProductFilter{Query: " \u3000 "}); len(all) != 14 {
		t.Errorf("a blank query: %d products, want all 14", len(all))
	}
}

// testSearchPhrase checks that Phrase makes the query one exact phrase, as
// search matched before it split queries into words.
func testSearchPhrase(t *testing.T, f *catalogFixture) {
	searchCatalog(t, f)
	for _, c := range []struct {
		query string
		want  []string // newest first
	}{
		{"유기농 사과", []string{"유기농 사과식초"}},
		{" 유기농 \u3000사과 ", []string{"유기농 사과식초"}},
		{"유기농사과", []string{"유기농사과잼"}},
		{"사과 잼", nil},
		{"잼 사과", nil},
		{"사과쨈", []string{"유기농사과잼"}},
		{"GREEN TEA", []string{"GREEN tea"}},
		{"tea green", nil},
		{"사과나무", []string{"배즙"}},
		{"사과나무 배즙", nil},
		{"café", []string{"cafe 드립 세트", "Café 라떼 잔"}},
		{"a_e", nil},
		{"e_c", []string{"snake_case 머그"}},
	} {
		for _, sort := range sorts {
			filter := catalog.ProductFilter{Query: c.query, Phrase: true, Sort: sort}
			got, want := f.searchNames(t, filter), c.want
			if sort == catalog.SortRelevance {
				got, want = sorted(got), sorted(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("phrase %q, sort %q (-want +got):\n%s", c.query, sort, diff)
			}
		}
	}
}

// testSearchValidation checks the queries and sorts that Products refuses.
func testSearchValidation(t *testing.T, f *catalogFixture) {
	f.product(t, nineWords, nil)
	// Eight words are allowed; the ninth is refused, though the product
	// has them all.
	if got := f.searchNames(t, catalog.ProductFilter{Query: "가 나 다 라 마 바 사 아"}); len(got) != 1 {
		t.Errorf("a query of eight words: %q, want the product", got)
	}
	for _, c := range []struct {
		filter catalog.ProductFilter
		fields []string
	}{
		{catalog.ProductFilter{Query: nineWords}, []string{"q"}},
		{catalog.ProductFilter{Query: nineWords, Sort: catalog.SortRelevance}, []string{"q"}},
		{catalog.ProductFilter{Query: "사과", Sort: "price"}, []string{"sort"}},
		{catalog.ProductFilter{Sort: "oldest"}, []string{"sort"}},
		{catalog.ProductFilter{Query: nineWords, Sort: "price", Limit: -1}, []string{"q", "sort", "limit"}},
		{catalog.ProductFilter{Query: "사과", Sort: catalog.SortRelevance, Cursor: "not-a-cursor"}, []string{"cursor"}},
		{catalog.ProductFilter{Query: "사과", Sort: catalog.SortRelevance,
			Cursor: commerce.EncodeRankCursor(uint8(catalog.NumRanks), commerce.NewID())}, []string{"cursor"}},
	} {
		_, err := f.svc.Products(f.ctx, c.filter)
		wantFields(t, fmt.Sprintf("Products(%+v)", c.filter), err, c.fields...)
	}
	_, err := f.svc.Suggest(f.ctx, nineWords)
	wantFields(t, "Suggest with nine words", err, "q")
	_, err = f.svc.Suggest(f.ctx, "\xff사과")
	wantFields(t, "Suggest with invalid UTF-8", err, "q")
}

// rankQueries are the queries of the relevance cases; rankCatalog gives
// each product's rank for them.
var rankQueries = [2]string{"사과 잼", "잼 사과"}

// noMatch is the rank in rankCatalog of a product that a query does not
// match.
const noMatch = -1

// rankCatalog is the catalog of the relevance cases: its products, in the
// order they are created, each with its brand and its rank for each of
// rankQueries. Ranks, in order: 0, both words in the name, which starts
// with the first word; 1, both in the name; 2, a word only in the brand's
// name, the name starting with the first word; 3, the rest. Each rank holds
// products created early and late, so that neither order is the other.
var rankCatalog = []struct {
	name, brand string
	rank        [2]int
}{
	{"풋사과 주스", "잼공방", [2]int{3, 3}},
	{"유기농사과잼", "", [2]int{1, 1}},
	{"사과 식초", "잼공방", [2]int{2, 3}},
	{"사과잼 작은병", "", [2]int{0, 1}},
	{"배 주스", "사과잼하우스", [2]int{3, 3}},
	{"잼과 사과", "", [2]int{1, 0}},
	{"사과즙", "잼공방", [2]int{2, 3}},
	{"딸기잼", "사과마을", [2]int{3, 3}},
	{"사과 잼 큰병", "사과잼하우스", [2]int{0, 1}},
	{"햇사과 잼", "", [2]int{1, 1}},
	{"사과칩", "사과잼하우스", [2]int{2, 3}},
	{"사과딸기잼", "배밭", [2]int{0, 1}},
	{"잼병 세트", "사과마을", [2]int{3, 2}},
	{"잼 스푼", "사과잼하우스", [2]int{3, 2}},
	{"사과 주스", "", [2]int{noMatch, noMatch}},
	{"포도잼", "", [2]int{noMatch, noMatch}},
	{"배즙", "사과마을", [2]int{noMatch, noMatch}},
	{"사과잼", "배밭", [2]int{0, 1}},
	{"잼 만들기 책", "사과마을", [2]int{3, 2}},
	{"잼사과 타르트", "", [2]int{1, 0}},
}

// makeRankCatalog creates rankCatalog and returns its brands by name.
func makeRankCatalog(t *testing.T, f *catalogFixture) map[string]catalog.Brand {
	t.Helper()
	pr := f.problem(t, "환경")
	brands := make(map[string]catalog.Brand)
	for _, name := range []string{"잼공방", "사과잼하우스", "사과마을", "배밭"} {
		brands[name] = f.brand(t, name, pr)
	}
	for _, p := range rankCatalog {
		var b *catalog.Brand
		if p.brand != "" {
			br := brands[p.brand]
			b = &br
		}
		f.product(t, p.name, b)
	}
	return brands
}

// rankedNames returns the names of the products of rankCatalog that
// rankQueries[q] matches, of brand ("" for every brand), in the order of
// sort.
func rankedNames(q int, sort catalog.Sort, brand string) []string {
	var out []string
	for rank := range int(catalog.NumRanks) {
		for _, p := range slices.Backward(rankCatalog) {
			if p.rank[q] == noMatch || brand != "" && p.brand != brand {
				continue
			}
			if sort == catalog.SortRelevance && p.rank[q] != rank {
				continue
			}
			out = append(out, p.name)
		}
		if sort != catalog.SortRelevance {
			break
		}
	}
	return out
}

func testSearchRelevance(t *testing.T, f *catalogFixture) {
	makeRankCatalog(t, f)
	for _, c := range []struct {
		filter catalog.ProductFilter
		want   []string
	}{
		{catalog.ProductFilter{Query: "사과 잼", Sort: catalog.SortRelevance}, []string{
			// Both words in the name, which starts with 사과.
			"사과잼", "사과딸기잼", "사과 잼 큰병", "사과잼 작은병",
			// Both words in the name.
			"잼사과 타르트", "햇사과 잼", "잼과 사과", "유기농사과잼",
			// 잼 only in the brand's name; the name starts with 사과.
			"사과칩", "사과즙", "사과 식초",
			// The rest.
			"잼 만들기 책", "잼 스푼", "잼병 세트", "딸기잼", "배 주스", "풋사과 주스",
		}},
		{catalog.ProductFilter{Query: "잼 사과", Sort: catalog.SortRelevance}, []string{
			"잼사과 타르트", "잼과 사과",
			"사과잼", "사과딸기잼", "햇사과 잼", "사과 잼 큰병", "사과잼 작은병", "유기농사과잼",
			"잼 만들기 책", "잼 스푼", "잼병 세트",
			"사과칩", "딸기잼", "사과즙", "배 주스", "사과 식초", "풋사과 주스",
		}},
		{catalog.ProductFilter{Query: "사과 잼"}, []string{
			"잼사과 타르트", "잼 만들기 책", "사과잼", "잼 스푼", "잼병 세트", "사과딸기잼", "사과칩", "햇사과 잼",
			"사과 잼 큰병", "딸기잼", "사과즙", "잼과 사과", "배 주스", "사과잼 작은병", "사과 식초", "유기농사과잼",
			"풋사과 주스",
		}},
		// A phrase ranks the same way: in the name, at its start first.
		{catalog.ProductFilter{Query: "사과 잼", Phrase: true, Sort: catalog.SortRelevance}, []string{"사과 잼 큰병", "햇사과 잼"}},
		{catalog.ProductFilter{Query: "사과 잼", Phrase: true}, []string{"햇사과 잼", "사과 잼 큰병"}},
		{catalog.ProductFilter{Query: "사과잼", Phrase: true, Sort: catalog.SortRelevance}, []string{
			"사과잼", "사과잼 작은병", "유기농사과잼",
			"잼 스푼", "사과칩", "사과 잼 큰병", "배 주스", // through the brand 사과잼하우스
		}},
	} {
		if diff := cmp.Diff(c.want, f.searchNames(t, c.filter)); diff != "" {
			t.Errorf("Products(%+v) (-want +got):\n%s", c.filter, diff)
		}
		for q, query := range rankQueries {
			if c.filter.Query == query && !c.filter.Phrase {
				if diff := cmp.Diff(rankedNames(q, c.filter.Sort, ""), c.want); diff != "" {
					t.Fatalf("rankCatalog disagrees with the list of %+v (-table +list):\n%s", c.filter, diff)
				}
			}
		}
	}
	// Without a query there is nothing to rank: newest first.
	var newest []string
	for _, p := range slices.Backward(rankCatalog) {
		newest = append(newest, p.name)
	}
	got := f.searchNames(t, catalog.ProductFilter{Sort: catalog.SortRelevance, Limit: 3})
	if diff := cmp.Diff(newest, got); diff != "" {
		t.Errorf("relevance without a query (-want newest first +got):\n%s", diff)
	}
}

func testSearchPaging(t *testing.T, f *catalogFixture) {
	brands := makeRankCatalog(t, f)
	for q, query := range rankQueries {
		for _, sort := range sorts {
			for _, brand := range []string{"", "사과잼하우스"} {
				filter := catalog.ProductFilter{Query: query, Sort: sort, BrandID: brands[brand].ID}
				what := fmt.Sprintf("search %q, sort %q, brand %q", query, sort, brand)
				want := rankedNames(q, sort, brand)
				filter.Limit = commerce.MaxLimit
				one, err := f.svc.Products(f.ctx, filter)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if diff := cmp.Diff(want, names(one.Items)); diff != "" || one.NextCursor != "" {
					t.Errorf("%s, one page: next cursor %q (-want +got):\n%s", what, one.NextCursor, diff)
				}
				for _, limit := range []int{1, 2, 3, 5} {
					filter.Limit, filter.Cursor = limit, ""
					var got []string
					pages := 0
					for {
						page, err := f.svc.Products(f.ctx, filter)
						if err != nil {
							t.Fatalf("%s, limit %d, page %d: %v", what, limit, pages+1, err)
						}
						pages++
						if len(page.Items) == 0 || len(page.Items) > limit {
							t.Fatalf("%s, limit %d: page %d has %d items", what, limit, pages, len(page.Items))
						}
						got = append(got, names(page.Items)...)
						if page.NextCursor == "" || pages > len(want) {
							break
						}
						filter.Cursor = page.NextCursor
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s, limit %d: every product once, as on one page (-want +got):\n%s", what, limit, diff)
					}
					if wantPages := (len(want) + limit - 1) / limit; pages != wantPages {
						t.Errorf("%s, limit %d: %d pages, want %d (no empty last page)", what, limit, pages, wantPages)
					}
				}
			}
		}
	}

	// A cursor continues only the order it was made in.
	cursor := func(sort catalog.Sort) string {
		t.Helper()
		page, err := f.svc.Products(f.ctx, catalog.ProductFilter{Query: "사과 잼", Sort: sort, Limit: 2})
		if err != nil || page.NextCursor == "" {
			t.Fatalf("first page by %q: cursor %q, %v", sort, page.NextCursor, err)
		}
		return page.NextCursor
	}
	newest, relevance := cursor(catalog.SortNewest), cursor(catalog.SortRelevance)
	for _, c := range []struct {
		what   string
		filter catalog.ProductFilter
	}{
		{"a relevance cursor in a newest search", catalog.ProductFilter{Query: "사과 잼", Sort: catalog.SortNewest, Cursor: relevance}},
		{"a relevance cursor in a search of the default order", catalog.ProductFilter{Query: "사과 잼", Cursor: relevance}},
		{"a relevance cursor in a list without a query", catalog.ProductFilter{Sort: catalog.SortRelevance, Cursor: relevance}},
		{"a newest cursor in a relevance search", catalog.ProductFilter{Query: "사과 잼", Sort: catalog.SortRelevance, Cursor: newest}},
	} {
		_, err := f.svc.Products(f.ctx, c.filter)
		wantFields(t, c.what, err, "cursor")
	}
}

// testSearchInBrand checks a search within one brand, in both orders.
func testSearchInBrand(t *testing.T, f *catalogFixture) {
	brands := makeRankCatalog(t, f)
	for _, c := range []struct {
		brand, query      string
		newest, relevance []string
	}{
		{"사과잼하우스", "사과 잼",
			[]string{"잼 스푼", "사과칩", "사과 잼 큰병", "배 주스"},
			[]string{"사과 잼 큰병", "사과칩", "잼 스푼", "배 주스"}},
		{"사과잼하우스", "잼 사과",
			[]string{"잼 스푼", "사과칩", "사과 잼 큰병", "배 주스"},
			[]string{"사과 잼 큰병", "잼 스푼", "사과칩", "배 주스"}},
		{"배밭", "사과 잼", []string{"사과잼", "사과딸기잼"}, []string{"사과잼", "사과딸기잼"}},
		{"잼공방", "주스", []string{"풋사과 주스"}, []string{"풋사과 주스"}},
		{"배밭", "주스", nil, nil},
		{"사과마을", "사과",
			[]string{"잼 만들기 책", "배즙", "잼병 세트", "딸기잼"},
			[]string{"잼 만들기 책", "배즙", "잼병 세트", "딸기잼"}},
		{"사과마을", "사과 주스", nil, nil},
	} {
		for _, sort := range sorts {
			want := c.newest
			if sort == catalog.SortRelevance {
				want = c.relevance
			}
			for _, limit := range []int{1, 0} {
				filter := catalog.ProductFilter{Query: c.query, BrandID: brands[c.brand].ID, Sort: sort, Limit: limit}
				if diff := cmp.Diff(want, f.searchNames(t, filter)); diff != "" {
					t.Errorf("search %q in %s, sort %q, limit %d (-want +got):\n%s", c.query, c.brand, sort, limit, diff)
				}
			}
		}
	}
	// The same queries outside the brand find more.
	if got := f.searchNames(t, catalog.ProductFilter{Query: "주스"}); len(got) != 3 {
		t.Errorf("search 주스 in every brand: %q, want 3 products", got)
	}
}

// testSearchFollowsEdits checks that search sees every change at once:
// products renamed, moved, deleted, brands renamed and deleted.
func testSearchFollowsEdits(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "노인")
	silver := f.brand(t, "은빛공방", pr)
	gold := f.brand(t, "금빛공방", pr)
	scarf := f.product(t, "뜨개 목도리", &silver)
	pencil := f.product(t, "연필 세트", nil)
	cup := f.product(t, "머그컵", &gold)
	check := func(when string, want map[string][]string) {
		t.Helper()
		for query, w := range want {
			for _, sort := range sorts {
				got := f.searchNames(t, catalog.ProductFilter{Query: query, Sort: sort})
				if diff := cmp.Diff(w, got); diff != "" {
					t.Errorf("%s: search %q, sort %q (-want +got):\n%s", when, query, sort, diff)
				}
			}
		}
	}
	check("at first", map[string][]string{
		"은빛 목도리": {"뜨개 목도리"},
		"연필":     {"연필 세트"},
		"금빛":     {"머그컵"},
	})

	if _, err := f.svc.UpdateProduct(f.ctx, staff, pencil.ID, catalog.ProductPatch{Name: commerce.Some("지우개 세트")}); err != nil {
		t.Fatalf("UpdateProduct: %v", err)
	}
	check("after a product was renamed", map[string][]string{
		"연필":     nil,
		"세트 지우개": {"지우개 세트"},
	})

	if _, err := f.svc.UpdateProduct(f.ctx, staff, scarf.ID, catalog.ProductPatch{BrandID: commerce.Some(gold.ID)}); err != nil {
		t.Fatalf("UpdateProduct: %v", err)
	}
	check("after a product moved to another brand", map[string][]string{
		"은빛":     nil,
		"은빛 목도리": nil,
		"금빛 목도리": {"뜨개 목도리"},
		"금빛":     {"머그컵", "뜨개 목도리"},
	})

	if _, err := f.svc.UpdateProduct(f.ctx, staff, cup.ID, catalog.ProductPatch{BrandID: commerce.Some(uuid.Nil)}); err != nil {
		t.Fatalf("UpdateProduct: %v", err)
	}
	check("after a product left its brand", map[string][]string{
		"금빛":    {"뜨개 목도리"},
		"금빛 머그": nil,
		"머그":    {"머그컵"},
	})

	if err := f.svc.DeleteProduct(f.ctx, staff, pencil.ID); err != nil {
		t.Fatalf("DeleteProduct: %v", err)
	}
	check("after a product was deleted", map[string][]string{
		"지우개": nil,
		"세트":  nil,
		"목도리": {"뜨개 목도리"},
	})

	if _, err := f.svc.UpdateBrand(f.ctx, staff, gold.ID, catalog.BrandPatch{Name: commerce.Some("황금공방")}); err != nil {
		t.Fatalf("UpdateBrand: %v", err)
	}
	check("after a brand was renamed", map[string][]string{
		"금빛":     nil,
		"황금 목도리": {"뜨개 목도리"},
		"공방 뜨개":  {"뜨개 목도리"},
	})
	page, err := f.svc.Products(f.ctx, catalog.ProductFilter{Query: "황금", Sort: catalog.SortRelevance})
	if err != nil || len(page.Items) != 1 || page.Items[0].Brand == nil || page.Items[0].Brand.Name != "황금공방" {
		t.Errorf("search 황금 after the brand was renamed: %+v, %v; want the product with the brand's new name", page.Items, err)
	}

	if err := f.svc.DeleteBrand(f.ctx, staff, gold.ID); err != nil {
		t.Fatalf("DeleteBrand: %v", err)
	}
	check("after a brand was deleted", map[string][]string{
		"황금":     nil,
		"황금 목도리": nil,
		"은빛":     nil,
		"목도리":    {"뜨개 목도리"},
	})
}

// suggestions returns what Suggest offers for query, each as its kind and
// name, and checks that each id is that of a brand or product of the name
// (ids maps "kind name" to them).
func (f *catalogFixture) suggestions(t *testing.T, query string, ids map[string][]uuid.UUID) []string {
	t.Helper()
	got, err := f.svc.Suggest(f.ctx, query)
	if err != nil {
		t.Fatalf("Suggest(%q): %v", query, err)
	}
	var out []string
	for _, s := range got {
		key := s.Kind + " " + s.Name
		if !slices.Contains(ids[key], s.ID) {
			t.Errorf("Suggest(%q): %s has id %v, not one of %v", query, key, s.ID, ids[key])
		}
		out = append(out, key)
	}
	return out
}

func testSuggest(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "환경")
	ids := make(map[string][]uuid.UUID)
	brand := func(name string) catalog.Brand {
		b := f.brand(t, name, pr)
		ids["brand "+name] = append(ids["brand "+name], b.ID)
		return b
	}
	product := func(name string, b *catalog.Brand) {
		p := f.product(t, name, b)
		ids["product "+name] = append(ids["product "+name], p.ID)
	}
	blossom := brand("사과꽃농원")
	green := brand("풋사과공방")
	brand("초록순환")
	product("사과잼", nil)
	product("유기농사과즙", nil)
	product("아카시아 벌꿀", &blossom) // found only through its brand's name
	product("사과 깍두기", nil)
	product("풋사과 타르트", &green)
	product("사과잼", nil) // a second product of the name
	product("배즙", nil)

	for _, c := range []struct {
		query string
		want  []string
	}{
		// Brands first, those that start with the word first; then the
		// products that start with it, newest first, each name once; then
		// the other products whose names have it.
		{"사과", []string{
			"brand 사과꽃농원", "brand 풋사과공방",
			"product 사과잼", "product 사과 깍두기", "product 풋사과 타르트", "product 유기농사과즙",
		}},
		{"사과 잼", []string{"product 사과잼"}},
		{"꽃 사과", []string{"brand 사과꽃농원"}}, // not 아카시아 벌꿀: its own name has neither word
		{"벌꿀", []string{"product 아카시아 벌꿀"}},
		{"사과깍두기", []string{"product 사과 깍두기"}},
		{"딸기", nil},
		{" \u3000 ", nil},
	} {
		if diff := cmp.Diff(c.want, f.suggestions(t, c.query, ids)); diff != "" {
			t.Errorf("Suggest(%q) (-want +got):\n%s", c.query, diff)
		}
	}
}

// testSuggestLimits checks that Suggest offers at most
// catalog.MaxSuggestions names, brands at most half of them.
func testSuggestLimits(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "환경")
	ids := make(map[string][]uuid.UUID)
	for _, name := range []string{"잼공방", "사과잼하우스", "딸기잼농원", "잼잼마켓", "포도잼랩", "잼스토리", "잼세트상회"} {
		ids["brand "+name] = append(ids["brand "+name], f.brand(t, name, pr).ID)
	}
	for _, name := range []string{"잼 스푼", "딸기잼 세트", "사과잼", "잼병 세트", "포도잼 세트", "무화과잼 세트",
		"잼 나이프 세트", "블루베리잼 세트", "살구잼 세트", "유자잼 세트", "잼 세트", "복숭아잼 세트"} {
		ids["product "+name] = append(ids["product "+name], f.product(t, name, nil).ID)
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"잼", []string{
			"brand 잼세트상회", "brand 잼스토리", "brand 잼잼마켓", "brand 잼공방",
			"product 잼 세트", "product 잼 나이프 세트", "product 잼병 세트", "product 잼 스푼",
		}},
		// One brand: the products fill the rest.
		{"잼 세트", []string{
			"brand 잼세트상회",
			"product 잼 세트", "product 잼 나이프 세트", "product 잼병 세트",
			"product 복숭아잼 세트", "product 유자잼 세트", "product 살구잼 세트", "product 블루베리잼 세트",
		}},
		{"딸기", []string{"brand 딸기잼농원", "product 딸기잼 세트"}},
	} {
		if diff := cmp.Diff(c.want, f.suggestions(t, c.query, ids)); diff != "" {
			t.Errorf("Suggest(%q) (-want +got):\n%s", c.query, diff)
		}
	}
}

func testProblemInUse(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "장애인")
	br := f.brand(t, "점자책방", pr)
	err := f.svc.DeleteProblem(f.ctx, staff, pr.ID)
	wantErr(t, "DeleteProblem with a brand", err, catalog.ErrProblemInUse)
	wantErr(t, "DeleteProblem with a brand", err, commerce.ErrConflict)
	if _, err := f.svc.Problem(f.ctx, pr.ID); err != nil {
		t.Fatalf("the refused delete removed the problem: %v", err)
	}
	if _, err := f.svc.Brand(f.ctx, br.ID); err != nil {
		t.Fatalf("the refused delete removed the brand: %v", err)
	}
	if err := f.svc.DeleteBrand(f.ctx, staff, br.ID); err != nil {
		t.Fatalf("DeleteBrand: %v", err)
	}
	if err := f.svc.DeleteProblem(f.ctx, staff, pr.ID); err != nil {
		t.Fatalf("DeleteProblem without brands: %v", err)
	}
}

func testDeleteBrandKeepsProducts(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "고용")
	br := f.brand(t, "내일공방", pr)
	other := f.brand(t, "다른공방", pr)
	a := f.product(t, "도마", &br)
	b := f.product(t, "수저", &other)
	if err := f.svc.DeleteBrand(f.ctx, staff, br.ID); err != nil {
		t.Fatalf("DeleteBrand: %v", err)
	}
	got, err := f.svc.Product(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("the brand's product is gone: %v", err)
	}
	if got.Brand != nil {
		t.Errorf("product of a deleted brand: brand %+v, want none", got.Brand)
	}
	if got, _ := f.svc.Product(f.ctx, b.ID); got.Brand == nil || got.Brand.ID != other.ID {
		t.Errorf("another brand's product lost its brand: %+v", got.Brand)
	}
	page, _ := f.svc.Products(f.ctx, catalog.ProductFilter{BrandID: br.ID})
	if len(page.Items) != 0 {
		t.Errorf("products of the deleted brand: %q", names(page.Items))
	}
	page, _ = f.svc.Products(f.ctx, catalog.ProductFilter{Query: "내일"})
	if len(page.Items) != 0 {
		t.Errorf("search by the deleted brand's name: %q", names(page.Items))
	}
	// The product can be edited and moved to another brand.
	if _, err := f.svc.UpdateProduct(f.ctx, staff, a.ID, catalog.ProductPatch{BrandID: commerce.Some(other.ID)}); err != nil {
		t.Errorf("moving a brand-less product: %v", err)
	}
}

func testBrandWithProducts(t *testing.T, f *catalogFixture) {
	pr := f.problem(t, "환경")
	br := f.brand(t, "숲속공방", pr)
	other := f.brand(t, "바닷가공방", pr)
	var want []string
	for i := range 105 {
		p := f.product(t, fmt.Sprintf("숲 %03d", i), &br)
		want = append([]string{p.Name}, want...)
		if i%10 == 0 {
			f.product(t, fmt.Sprintf("바다 %03d", i), &other)
		}
	}
	got, err := f.svc.Brand(f.ctx, br.ID)
	if err != nil {
		t.Fatalf("Brand: %v", err)
	}
	if got.Brand.ID != br.ID || got.Brand.Problem.Name != "환경" {
		t.Errorf("Brand: %+v", got.Brand)
	}
	if diff := cmp.Diff(want[:commerce.MaxLimit], names(got.Products)); diff != "" {
		t.Errorf("Brand's products (-want +got):\n%s", diff)
	}
	rest := f.allProducts(t, catalog.ProductFilter{BrandID: br.ID, Cursor: got.NextCursor})
	if diff := cmp.Diff(want[commerce.MaxLimit:], names(rest)); diff != "" {
		t.Errorf("Brand's products after NextCursor (-want +got):\n%s", diff)
	}
	for _, p := range got.Products {
		if p.Brand == nil || p.Brand.Name != "숲속공방" {
			t.Fatalf("product %q has brand %+v", p.Name, p.Brand)
		}
	}
}

func testProblemWithBrands(t *testing.T, f *catalogFixture) {
	a := f.problem(t, "교육")
	b := f.problem(t, "노인")
	x := f.brand(t, "책읽는마을", a)
	f.brand(t, "실버카페", b)
	y := f.brand(t, "코딩교실", a)
	got, err := f.svc.Problem(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("Problem: %v", err)
	}
	if diff := cmp.Diff([]catalog.Brand{y, x}, got.Brands); diff != "" {
		t.Errorf("Problem's brands, newest first (-want +got):\n%s", diff)
	}
	if got.NextCursor != "" {
		t.Errorf("Problem: NextCursor %q with 2 brands", got.NextCursor)
	}
}

func testPlaceholder(t *testing.T, f *catalogFixture) {
	bare := f.product(t, "그림 없는 상품", nil)
	if bare.ImageURL != catalog.DefaultPlaceholderImage || len(bare.Images) != 0 {
		t.Errorf("product without images: image_url %q, images %q", bare.ImageURL, bare.Images)
	}
	with, err := f.svc.CreateProduct(f.ctx, staff, catalog.ProductInput{
		Name: "그림 있는 상품", Price: commerce.MustMoney("1000", "KRW"), Images: []string{"/img/1.jpg", "/img/2.jpg"},
	})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := f.svc.Products(f.ctx, catalog.ProductFilter{})
	for _, p := range page.Items {
		want := catalog.DefaultPlaceholderImage
		if p.ID == with.ID {
			want = "/img/1.jpg"
		}
		if p.ImageURL != want {
			t.Errorf("%q in a list: image_url %q, want %q", p.Name, p.ImageURL, want)
		}
	}
	custom := catalog.NewService(f.repo, &catalog.Options{PlaceholderImage: "https://cdn.example.org/none.png"})
	got, _ := custom.Product(f.ctx, bare.ID)
	if got.ImageURL != "https://cdn.example.org/none.png" {
		t.Errorf("custom placeholder: %q", got.ImageURL)
	}
}

// testCopies checks that the store keeps no slice or pointer that a caller
// passed or received.
func testCopies(t *testing.T, f *catalogFixture) {
	stock := 3
	images := []string{"/a.png", "/b.png"}
	p, err := f.svc.CreateProduct(f.ctx, staff, catalog.ProductInput{
		Name: "컵", Price: commerce.MustMoney("5000", "KRW"), Images: images, Stock: &stock,
	})
	if err != nil {
		t.Fatal(err)
	}
	images[0], stock = "/changed.png", 99
	got, _ := f.repo.GetProduct(f.ctx, p.ID)
	got.Images[1] = "/changed-too.png"
	*got.Stock = 42
	again, _ := f.repo.GetProduct(f.ctx, p.ID)
	if !slices.Equal(again.Images, []string{"/a.png", "/b.png"}) || *again.Stock != 3 {
		t.Errorf("the store shares memory with callers: images %q, stock %d", again.Images, *again.Stock)
	}
	list, _ := f.repo.ListProducts(f.ctx, catalog.ProductQuery{Limit: 10})
	list[0].Images[0] = "/changed-list.png"
	again, _ = f.repo.GetProduct(f.ctx, p.ID)
	if again.Images[0] != "/a.png" {
		t.Errorf("a listed product shares memory with the store: %q", again.Images)
	}
}

func testVersionCheck(t *testing.T, f *catalogFixture) {
	p := f.product(t, "텀블러", nil)
	v2, err := f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{Name: commerce.Some("텀블러 2"), Version: 1})
	if err != nil || v2.Version != 2 {
		t.Fatalf("UpdateProduct at the current version: version %d, %v", v2.Version, err)
	}
	_, err = f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{Name: commerce.Some("stale"), Version: 1})
	wantErr(t, "UpdateProduct at a stale version", err, catalog.ErrVersionConflict)
	wantErr(t, "UpdateProduct at a stale version", err, commerce.ErrConflict)
	got, _ := f.svc.Product(f.ctx, p.ID)
	if got.Name != "텀블러 2" || got.Version != 2 {
		t.Errorf("after a stale edit: %q version %d, want %q version 2", got.Name, got.Version, "텀블러 2")
	}
	if !got.UpdatedAt.After(p.UpdatedAt) && !got.UpdatedAt.Equal(p.UpdatedAt) {
		t.Errorf("updated_at went back: %v before %v", got.UpdatedAt, p.UpdatedAt)
	}

	pr := f.problem(t, "환경")
	_, err = f.svc.UpdateProblem(f.ctx, staff, pr.ID, catalog.ProblemPatch{Name: commerce.Some("x"), Version: 7})
	wantErr(t, "UpdateProblem at a wrong version", err, catalog.ErrVersionConflict)
	br := f.brand(t, "b", pr)
	_, err = f.svc.UpdateBrand(f.ctx, staff, br.ID, catalog.BrandPatch{Name: commerce.Some("x"), Version: 2})
	wantErr(t, "UpdateBrand at a wrong version", err, catalog.ErrVersionConflict)

	// The repository's own check, without the service's read first.
	stale := got
	stale.Name, stale.Version = "raced", 3
	wantErr(t, "repo UpdateProduct at a stale version", f.repo.UpdateProduct(f.ctx, stale, 1), catalog.ErrVersionConflict)
}

// testConcurrentVersionedEdits races edits that all name the same version:
// exactly one wins.
func testConcurrentVersionedEdits(t *testing.T, f *catalogFixture) {
	p := f.product(t, "경쟁 상품", nil)
	const n = 16
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
	)
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("이긴 편 %d", i)
			_, err := f.svc.UpdateProduct(f.ctx, staff, p.ID, catalog.ProductPatch{Name: commerce.Some(name), Version: 1})
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, name)
				mu.Unlock()
			case !errors.Is(err, catalog.ErrVersionConflict):
				t.Errorf("concurrent edit: %v", err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d edits of version 1 succeeded, want exactly 1: %q", len(winners), winners)
	}
	got, _ := f.svc.Product(f.ctx, p.ID)
	if got.Name != winners[0] || got.Version != 2 {
		t.Errorf("after the race: %q version %d, want %q version 2", got.Name, got.Version, winners[0])
	}
}

// testConcurrentPatches races patches that name no version, each changing a
// different field: every successful patch survives, none undoes another.
func testConcurrentPatches(t *testing.T, f *catalogFixture) {
	p := f.product(t, "여럿이 고치는 상품", nil)
	const n = 8
	var (
		wg        sync.WaitGroup
		successes = make([]bool, n)
	)
	for i := range n {
		wg.Go(func() {
			var patch catalog.ProductPatch
			if i%2 == 0 {
				patch.Description = commerce.Some(fmt.Sprintf("설명 %d", i))
			} else {
				stock := i
				patch.Stock = commerce.Some(&stock)
			}
			_, err := f.svc.UpdateProduct(f.ctx, staff, p.ID, patch)
			switch {
			case err == nil:
				successes[i] = true
			case !errors.Is(err, catalog.ErrVersionConflict):
				t.Errorf("patch %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	won := 0
	describedBy, stockedBy := false, false
	for i, ok := range successes {
		if ok {
			won++
			describedBy = describedBy || i%2 == 0
			stockedBy = stockedBy || i%2 == 1
		}
	}
	got, _ := f.svc.Product(f.ctx, p.ID)
	if got.Version != int64(1+won) {
		t.Errorf("version %d after %d successful patches, want %d", got.Version, won, 1+won)
	}
	if describedBy && !strings.HasPrefix(got.Description, "설명 ") {
		t.Errorf("a description patch succeeded but the description is %q", got.Description)
	}
	if stockedBy && got.Stock == nil {
		t.Errorf("a stock patch succeeded but stock is not tracked")
	}
	if got.Name != p.Name || !got.Price.Equal(p.Price) {
		t.Errorf("patches changed fields they did not set: %q %s", got.Name, got.Price)
	}
}
