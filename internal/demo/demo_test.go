package demo_test

import (
	"context"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
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

func newCatalog() (*memstore.Store, *catalog.Service) {
	store := memstore.New(nil)
	return store, catalog.NewService(store.Catalog(), nil)
}

var staff = commerce.StaffActor(commerce.NewID())

func TestLoad(t *testing.T) {
	ctx := context.Background()
	store, cat := newCatalog()
	if err := demo.Load(ctx, store, cat, staff); err != nil {
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
	store, cat := newCatalog()
	if err := demo.Load(ctx, store, cat, staff); err != nil {
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
	store, cat := newCatalog()
	if err := demo.Load(ctx, store, cat, staff); err != nil {
		t.Fatalf("first Load: %v", err)
	}
	first := count(ctx, t, cat)
	if err := demo.Load(ctx, store, cat, staff); err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if second := count(ctx, t, cat); second != first {
		t.Errorf("after a second Load got %+v, want %+v", second, first)
	}
}

func TestLoadNeedsStaff(t *testing.T) {
	ctx := context.Background()
	store, cat := newCatalog()
	err := demo.Load(ctx, store, cat, commerce.Anonymous)
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
	store, cat := newCatalog()
	if err := demo.Load(ctx, store, cat, staff); err != nil {
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
	admin, err := accounts.BootstrapStaff(ctx, "museum", "데모-운영자-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	b := board.NewService(store.Board(), nil)
	for range 2 { // the second load adds nothing
		if err := demo.LoadBoard(ctx, store, b, staffAuthor(admin.ID)); err != nil {
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

// staffAuthor is an author of the demo notices that names staff member id.
func staffAuthor(id uuid.UUID) func(context.Context) (commerce.Actor, error) {
	return func(context.Context) (commerce.Actor, error) { return commerce.StaffActor(id), nil }
}

// A catalog that has anything of its own — a product without a brand, a
// problem — never gets the demo.
func TestLoadLeavesAShopsCatalogAlone(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		make func(cat *catalog.Service) error
		want counts
	}{
		{"a product", func(cat *catalog.Service) error {
			_, err := cat.CreateProduct(ctx, staff, catalog.ProductInput{Name: "우리 가게 물건", Price: commerce.MustMoney("1000", "KRW")})
			return err
		}, counts{products: 1}},
		{"a problem", func(cat *catalog.Service) error {
			_, err := cat.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "우리 가게 문제", Summary: "요약", Description: "설명"})
			return err
		}, counts{problems: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store, cat := newCatalog()
			if err := tc.make(cat); err != nil {
				t.Fatal(err)
			}
			if err := demo.Load(ctx, store, cat, staff); err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := count(ctx, t, cat); got != tc.want {
				t.Errorf("after Load got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// An author who is not staff leaves the board empty, and no error.
func TestLoadBoardWithoutAuthor(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	b := board.NewService(store.Board(), nil)
	err := demo.LoadBoard(ctx, store, b, func(context.Context) (commerce.Actor, error) { return commerce.Anonymous, nil })
	if err != nil {
		t.Fatalf("LoadBoard: %v", err)
	}
	if l, err := b.List(ctx, 1, ""); err != nil || l.Total+len(l.Pinned) != 0 {
		t.Errorf("the board: %+v, %v; want empty", l, err)
	}
}

// instance is what one server that starts with the demo on has.
type instance struct {
	lock     demo.Locker
	catalog  *catalog.Service
	board    *board.Service
	accounts *account.Service
}

// Servers that start together on one empty database load the demo once:
// one catalog of 5 problems, 8 brands and 36 products, one board of six
// numbered notices and a pinned one, one author made.
func TestLoadConcurrently(t *testing.T) {
	const servers = 6
	backends := []struct {
		name string
		// start returns the servers, each over its own store (its own
		// connections) on one database.
		start func(t *testing.T) []instance
	}{
		{"memstore", func(t *testing.T) []instance {
			store := memstore.New(nil)
			var all []instance
			for range servers {
				all = append(all, newInstance(store, store.Catalog(), store.Board(), store.Accounts(), store.Sessions(), store.Attempts()))
			}
			return all
		}},
		{"bunstore", func(t *testing.T) []instance {
			dsn := testdb.MySQLDSN(t)
			sessions := memstore.New(nil)
			var all []instance
			for range servers {
				db, err := bunstore.Open(dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				store, err := bunstore.New(context.Background(), db, nil)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, newInstance(store, store.Catalog(), store.Board(), store.Accounts(), sessions.Sessions(), sessions.Attempts()))
			}
			return all
		}},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			all := be.start(t)
			var authors atomic.Int32
			start := make(chan struct{})
			errs := make(chan error, len(all))
			for _, in := range all {
				go func() {
					<-start
					if err := demo.Load(ctx, in.lock, in.catalog, staff); err != nil {
						errs <- err
						return
					}
					errs <- demo.LoadBoard(ctx, in.lock, in.board, func(ctx context.Context) (commerce.Actor, error) {
						authors.Add(1)
						a, err := in.accounts.BootstrapStaff(ctx, "museum", "데모-운영자-Password-1")
						return commerce.StaffActor(a.ID), err
					})
				}()
			}
			close(start)
			for range all {
				if err := <-errs; err != nil {
					t.Errorf("a server loading the demo: %v", err)
				}
			}

			if got, want := count(ctx, t, all[0].catalog), (counts{problems: 5, brands: 8, products: 36}); got != want {
				t.Errorf("the catalog after %d servers loaded the demo at once: %+v, want %+v", len(all), got, want)
			}
			l, err := all[0].board.List(ctx, 1, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Pinned) != 1 || l.Total != 6 {
				t.Errorf("the board after %d servers loaded the demo at once: %d pinned, %d numbered; want 1 and 6",
					len(all), len(l.Pinned), l.Total)
			}
			if n := authors.Load(); n != 1 {
				t.Errorf("the demo's author was asked for %d times, want once", n)
			}
		})
	}
}

func newInstance(lock demo.Locker, cat catalog.Repository, posts board.Repository, users account.Repository,
	sessions account.SessionStore, attempts account.AttemptStore) instance {
	return instance{
		lock:    lock,
		catalog: catalog.NewService(cat, nil),
		board:   board.NewService(posts, nil),
		accounts: account.NewService(users, sessions, attempts,
			&account.Options{Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000})}),
	}
}

// Both stores are Lockers.
var (
	_ demo.Locker = (*memstore.Store)(nil)
	_ demo.Locker = (*bunstore.Store)(nil)
)
