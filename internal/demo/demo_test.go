package demo_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// counts is what a catalog holds, in numbers.
type counts struct{ problems, brands, products int }

func count(ctx context.Context, t *testing.T, cat *catalog.Service) counts {
	t.Helper()
	problems, err := cat.Problems(ctx)
	if err != nil {
		t.Fatalf("Problems: %v", err)
	}
	return counts{
		problems: len(problems),
		brands:   len(allBrands(ctx, t, cat)),
		products: len(allProducts(ctx, t, cat, "")),
	}
}

func allBrands(ctx context.Context, t *testing.T, cat *catalog.Service) []catalog.Brand {
	t.Helper()
	var all []catalog.Brand
	f := catalog.BrandFilter{Limit: commerce.MaxLimit}
	for {
		page, err := cat.Brands(ctx, f)
		if err != nil {
			t.Fatalf("Brands: %v", err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		f.Cursor = page.NextCursor
	}
}

func allProducts(ctx context.Context, t *testing.T, cat *catalog.Service, q string) []catalog.Product {
	t.Helper()
	var all []catalog.Product
	f := catalog.ProductFilter{Query: q, Limit: commerce.MaxLimit}
	for {
		page, err := cat.Products(ctx, f)
		if err != nil {
			t.Fatalf("Products(%q): %v", q, err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		f.Cursor = page.NextCursor
	}
}

func newCatalog() *catalog.Service {
	return catalog.NewService(memstore.New(nil).Catalog(), nil)
}

var staff = commerce.StaffActor(commerce.NewID())

func TestLoad(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog()
	if err := demo.Load(ctx, cat, staff); err != nil {
		t.Fatalf("Load: %v", err)
	}
	got := count(ctx, t, cat)
	if got.problems != 5 || got.brands < 6 || got.products < 30 {
		t.Fatalf("got %+v, want 5 problems, at least 6 brands and 30 products", got)
	}

	problems, _ := cat.Problems(ctx)
	var names []string
	for _, p := range problems {
		names = append(names, p.Name)
		if p.Summary == "" || p.Description == "" {
			t.Errorf("problem %s: summary or description is empty", p.Name)
		}
	}
	if got, want := strings.Join(names, ","), "장애인,환경,고용,교육,노인"; got != want {
		t.Errorf("problems: got %s, want %s", got, want)
	}

	for _, b := range allBrands(ctx, t, cat) {
		if b.Summary == "" || b.Story == "" || !strings.HasPrefix(b.Homepage, "https://example.org/") {
			t.Errorf("brand %s: summary, story or homepage missing: %+v", b.Name, b)
		}
		if b.Problem.Name == "" {
			t.Errorf("brand %s: no problem", b.Name)
		}
	}

	var withImages, placeholders, brandless int
	for _, p := range allProducts(ctx, t, cat, "") {
		if p.Price.Currency != "KRW" || !p.Price.Amount.IsPositive() {
			t.Errorf("product %s: price %v, want a positive KRW amount", p.Name, p.Price)
		}
		if p.Description == "" {
			t.Errorf("product %s: no description", p.Name)
		}
		if p.Stock == nil || *p.Stock < 3 || *p.Stock > 60 {
			t.Errorf("product %s: stock %v, want 3 to 60 units so checkout can be tried", p.Name, p.Stock)
		}
		switch {
		case len(p.Images) > 0:
			withImages++
		case p.ImageURL == catalog.DefaultPlaceholderImage:
			placeholders++
		default:
			t.Errorf("product %s: no images and cover %q", p.Name, p.ImageURL)
		}
		if p.Brand == nil {
			brandless++
		}
	}
	if withImages == 0 || placeholders == 0 || brandless == 0 {
		t.Errorf("got %d products with images, %d with the placeholder, %d without a brand; want some of each",
			withImages, placeholders, brandless)
	}
}

func TestLoadSearch(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog()
	if err := demo.Load(ctx, cat, staff); err != nil {
		t.Fatalf("Load: %v", err)
	}

	apples := allProducts(ctx, t, cat, "사과")
	var byName, byBrandOnly int
	for _, p := range apples {
		switch {
		case strings.Contains(p.Name, "사과"):
			byName++
		case p.Brand != nil && strings.Contains(p.Brand.Name, "사과"):
			byBrandOnly++
		default:
			t.Errorf("사과 found %s (brand %v), which matches neither by name nor by brand", p.Name, p.Brand)
		}
	}
	if byName < 3 || byBrandOnly < 1 {
		t.Errorf("사과: %d matches by name and %d by brand only; want at least 3 and 1", byName, byBrandOnly)
	}

	grandma := allProducts(ctx, t, cat, "할머니")
	if len(grandma) < 3 {
		t.Errorf("할머니: got %d products, want the brand's products (at least 3)", len(grandma))
	}
}

func TestLoadTwiceAddsNothing(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog()
	if err := demo.Load(ctx, cat, staff); err != nil {
		t.Fatalf("first Load: %v", err)
	}
	first := count(ctx, t, cat)
	if err := demo.Load(ctx, cat, staff); err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if second := count(ctx, t, cat); second != first {
		t.Errorf("after a second Load got %+v, want %+v", second, first)
	}
}

func TestLoadNeedsStaff(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog()
	err := demo.Load(ctx, cat, commerce.Anonymous)
	if err == nil {
		t.Fatal("Load as a visitor: got nil, want an error")
	}
	if !strings.Contains(err.Error(), "demo:") {
		t.Errorf("error %q does not say it comes from the demo", err)
	}
}

// Every image path the demo names must be a file of Images, so that a
// server serving Images under /static/ shows no broken image.
func TestImagesExist(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog()
	if err := demo.Load(ctx, cat, staff); err != nil {
		t.Fatalf("Load: %v", err)
	}
	var paths []string
	problems, err := cat.Problems(ctx)
	if err != nil {
		t.Fatalf("Problems: %v", err)
	}
	for _, p := range problems {
		if p.ImageURL == "" {
			t.Errorf("problem %s: no image", p.Name)
			continue
		}
		paths = append(paths, p.ImageURL)
	}
	for _, p := range allProducts(ctx, t, cat, "") {
		paths = append(paths, p.Images...)
	}
	for _, b := range allBrands(ctx, t, cat) {
		paths = append(paths, b.LogoURL)
		if b.ImageURL != "" {
			paths = append(paths, b.ImageURL)
		}
	}
	images := demo.Images()
	for _, path := range paths {
		name, ok := strings.CutPrefix(path, "/static/")
		if !ok {
			t.Errorf("%s is not under /static/", path)
			continue
		}
		if _, err := fs.Stat(images, name); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestLoadBoard(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	accounts := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(),
		&account.Options{Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000})})
	admin, err := accounts.EnsureStaff(ctx, "museum", "데모-운영자-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	b := board.NewService(store.Board(), nil)
	for range 2 { // the second load adds nothing
		if err := demo.LoadBoard(ctx, b, commerce.StaffActor(admin.ID)); err != nil {
			t.Fatalf("LoadBoard: %v", err)
		}
	}
	l, err := b.List(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Pinned) != 1 || l.Total < 5 || l.Items[0].Number != l.Total {
		t.Errorf("demo board: %d pinned, %d posts, first number %d", len(l.Pinned), l.Total, l.Items[0].Number)
	}
	for _, p := range append(l.Pinned, l.Items...) {
		if p.Author.Nickname != "museum" {
			t.Errorf("post %q by %q", p.Title, p.Author.Nickname)
		}
	}
}
