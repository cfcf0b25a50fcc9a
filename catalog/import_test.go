package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// importFixture is a catalog with one problem and one brand, imported.
type importFixture struct {
	svc     *catalog.Service
	problem catalog.Problem
	brand   catalog.Brand
}

var importAt = time.Date(2022, 5, 1, 10, 0, 0, 0, time.UTC)

func newImportFixture(t *testing.T, repo catalog.Repository) importFixture {
	t.Helper()
	ctx := context.Background()
	f := importFixture{svc: catalog.NewService(repo, nil)}
	f.problem = catalog.Problem{ID: commerce.ImportedID(importAt, "problem:1"), Name: "환경", CreatedAt: importAt, UpdatedAt: importAt}
	f.brand = catalog.Brand{
		ID: commerce.ImportedID(importAt.Add(time.Second), "brand:1"), Name: "사과꽃농원",
		Problem: f.problem.Ref(), CreatedAt: importAt, UpdatedAt: importAt,
	}
	if res, err := f.svc.ImportProblems(ctx, []catalog.Problem{f.problem}); err != nil || res[0].Outcome != commerce.ImportCreated {
		t.Fatalf("ImportProblems: %v, %v", res, err)
	}
	if res, err := f.svc.ImportBrands(ctx, []catalog.Brand{f.brand}); err != nil || res[0].Outcome != commerce.ImportCreated {
		t.Fatalf("ImportBrands: %v, %v", res, err)
	}
	return f
}

// importProducts returns n products of the fixture's brand, a minute
// apart from importAt on.
func (f importFixture) importProducts(n int) []catalog.Product {
	out := make([]catalog.Product, n)
	for i := range out {
		at := importAt.Add(time.Duration(i+1) * time.Minute)
		out[i] = catalog.Product{
			ID: commerce.ImportedID(at, fmt.Sprintf("product:%d", i)), Name: fmt.Sprintf("사과잼 %d", i),
			Price: commerce.MustMoney("12000", "KRW"), Brand: f.brand.Ref(), Images: []string{"/media/a.jpg"},
			CreatedAt: at, UpdatedAt: at,
		}
	}
	return out
}

func outcomes(res []commerce.ImportResult) []commerce.ImportOutcome {
	out := make([]commerce.ImportOutcome, len(res))
	for i, r := range res {
		out[i] = r.Outcome
	}
	return out
}

func TestImportCanonicalForm(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t, memstore.New(nil).Catalog())
	kst := time.FixedZone("KST", 9*3600)
	p := catalog.Product{
		ID: commerce.ImportedID(importAt, "product:x"), Name: "  유기농\u3000사과잼 ", Description: "설명\r\n둘째 줄",
		Price: commerce.MustMoney("12000.00", "KRW"), Brand: &catalog.BrandRef{ID: uuid.Nil, Name: "없음"},
		Images:    []string{" /media/a.jpg "},
		CreatedAt: importAt.In(kst).Add(1500 * time.Nanosecond), UpdatedAt: importAt.Add(time.Hour + 999*time.Nanosecond),
		Version: 42,
	}
	res, err := f.svc.ImportProducts(ctx, []catalog.Product{p})
	if err != nil || res[0].Outcome != commerce.ImportCreated {
		t.Fatalf("ImportProducts: %v, %v", res, err)
	}
	got, err := f.svc.Product(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "유기농\u3000사과잼" {
		t.Errorf("name %q, want it trimmed", got.Name)
	}
	if got.Brand != nil {
		t.Errorf("brand %+v, want none for a BrandRef of uuid.Nil", got.Brand)
	}
	if got.Version != 1 || got.ImageURL != "/media/a.jpg" || got.Images[0] != "/media/a.jpg" {
		t.Errorf("version %d, cover %q, images %q; want 1 and the trimmed first image", got.Version, got.ImageURL, got.Images)
	}
	if want := importAt.Add(time.Microsecond); !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created at %v, want %v: UTC, at microsecond precision", got.CreatedAt, want)
	}
	if want := importAt.Add(time.Hour); !got.UpdatedAt.Equal(want) {
		t.Errorf("updated at %v, want %v", got.UpdatedAt, want)
	}
	// The record as first given is the record as stored.
	res, err = f.svc.ImportProducts(ctx, []catalog.Product{p})
	if err != nil || res[0].Outcome != commerce.ImportUnchanged {
		t.Fatalf("ImportProducts again: %v, %v; want unchanged", res, err)
	}
}

func TestImportNothing(t *testing.T) {
	svc := catalog.NewService(memstore.New(nil).Catalog(), nil)
	res, err := svc.ImportProducts(context.Background(), nil)
	if err != nil || len(res) != 0 {
		t.Fatalf("ImportProducts(nil): %v, %v; want no results", res, err)
	}
}

func TestImportEndedContext(t *testing.T) {
	f := newImportFixture(t, memstore.New(nil).Catalog())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.svc.ImportProducts(ctx, f.importProducts(3))
	if !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("ImportProducts with an ended context: %v, want ErrUnavailable and context.Canceled", err)
	}
}

// racingRepo stores a product of the batch itself just before the first
// batch it is asked to write, as a concurrent import would between the
// service's read and its write.
type racingRepo struct {
	catalog.Repository
	raced atomic.Bool
}

func (r *racingRepo) ImportProducts(ctx context.Context, ps []catalog.Product) error {
	if !r.raced.Swap(true) {
		first := ps[0]
		first.Version = 1
		if err := r.Repository.ImportProducts(ctx, []catalog.Product{first}); err != nil {
			return err
		}
	}
	return r.Repository.ImportProducts(ctx, ps)
}

func TestImportLostRace(t *testing.T) {
	ctx := context.Background()
	repo := &racingRepo{Repository: memstore.New(nil).Catalog()}
	f := newImportFixture(t, repo)
	ps := f.importProducts(4)
	res, err := f.svc.ImportProducts(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	// The write lost to the other import, which stored product 0: the
	// service read again and found it unchanged.
	want := []commerce.ImportOutcome{commerce.ImportUnchanged, commerce.ImportCreated, commerce.ImportCreated, commerce.ImportCreated}
	if got := outcomes(res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
}

// failingRepo fails the write of every batch from the nth on.
type failingRepo struct {
	catalog.Repository
	n      int32
	writes atomic.Int32
}

var errDown = fmt.Errorf("test: the store is down: %w", commerce.ErrUnavailable)

func (r *failingRepo) ImportProducts(ctx context.Context, ps []catalog.Product) error {
	if r.writes.Add(1) >= r.n {
		return errDown
	}
	return r.Repository.ImportProducts(ctx, ps)
}

func TestImportStoreFailure(t *testing.T) {
	ctx := context.Background()
	repo := &failingRepo{Repository: memstore.New(nil).Catalog(), n: 2}
	f := newImportFixture(t, repo)
	ps := f.importProducts(commerce.ImportBatchSize + 10)
	res, err := f.svc.ImportProducts(ctx, ps)
	if !errors.Is(err, errDown) {
		t.Fatalf("ImportProducts: %v, want the store's error", err)
	}
	if len(res) != len(ps) {
		t.Fatalf("%d results, want %d", len(res), len(ps))
	}
	for i, r := range res {
		want := commerce.ImportCreated
		if i >= commerce.ImportBatchSize {
			want = 0 // the failed batch's records have no outcome
		}
		if r.Outcome != want {
			t.Fatalf("product %d: %v, want %v", i, r.Outcome, want)
		}
	}
	page, err := f.svc.Products(ctx, catalog.ProductFilter{Limit: 1})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ps[commerce.ImportBatchSize-1].ID {
		t.Fatalf("newest product after the failure: %v, %v; want the first batch's last", page.Items, err)
	}
}

// deletingRepo deletes the fixture's brand just before the first product
// write, as a staff member might while an import runs.
type deletingRepo struct {
	catalog.Repository
	brand   uuid.UUID
	deleted atomic.Bool
}

func (r *deletingRepo) ImportProducts(ctx context.Context, ps []catalog.Product) error {
	if !r.deleted.Swap(true) {
		if err := r.Repository.DeleteBrand(ctx, r.brand); err != nil {
			return err
		}
	}
	return r.Repository.ImportProducts(ctx, ps)
}

func TestImportReferenceGoneMeanwhile(t *testing.T) {
	ctx := context.Background()
	repo := &deletingRepo{Repository: memstore.New(nil).Catalog()}
	f := newImportFixture(t, repo)
	repo.brand = f.brand.ID
	ps := f.importProducts(2)
	ps[1].Brand = nil
	res, err := f.svc.ImportProducts(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != commerce.ImportSkipped || !errors.Is(res[0].Err, catalog.ErrBrandNotFound) {
		t.Errorf("product of the deleted brand: %v (%v), want skipped as not found", res[0].Outcome, res[0].Err)
	}
	if res[1].Outcome != commerce.ImportCreated {
		t.Errorf("product without a brand: %v (%v), want created", res[1].Outcome, res[1].Err)
	}
}
