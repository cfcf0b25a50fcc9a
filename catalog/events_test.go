package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// drain returns the events of ob that no earlier drain returned, in the
// order they were stored, and marks them sent.
func drain(t *testing.T, ob outbox.Store) []commerce.Event {
	t.Helper()
	evs, err := outbox.TakeAll(context.Background(), ob)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// expect fails t unless evs are events of the given types, in that order,
// each about id at version, at time at.
func expect(t *testing.T, what string, evs []commerce.Event, id uuid.UUID, version int64, at time.Time, types ...string) {
	t.Helper()
	got := make([]string, len(evs))
	for i, ev := range evs {
		got[i] = ev.Type
	}
	if len(evs) != len(types) {
		t.Fatalf("%s stored events %q, want %q", what, got, types)
	}
	for i, ev := range evs {
		if ev.Type != types[i] || ev.AggregateID != id || ev.Version != version || !ev.Time.Equal(at) {
			t.Errorf("%s: event %d is %s about %s at version %d, %v; want %s about %s at version %d, %v",
				what, i, ev.Type, ev.AggregateID, ev.Version, ev.Time, types[i], id, version, at)
		}
	}
}

// expectNone fails t if the outbox holds events no drain returned.
func expectNone(t *testing.T, what string, ob outbox.Store) {
	t.Helper()
	if evs := drain(t, ob); len(evs) > 0 {
		t.Errorf("%s stored %d events, the first %s: %s", what, len(evs), evs[0].Type, evs[0].Data)
	}
}

// clock is a settable clock for a service.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestProductEvents(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	ob := store.Outbox()
	clk := &clock{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	shop := catalog.NewService(store.Catalog(), &catalog.Options{Now: clk.now})
	staff := commerce.StaffActor(commerce.NewID())

	env, err := shop.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "환경"})
	if err != nil {
		t.Fatal(err)
	}
	farm, err := shop.CreateBrand(ctx, staff, catalog.BrandInput{Name: "사과나무농장", ProblemID: env.ID})
	if err != nil {
		t.Fatal(err)
	}
	mill, err := shop.CreateBrand(ctx, staff, catalog.BrandInput{Name: "우리밀방앗간", ProblemID: env.ID})
	if err != nil {
		t.Fatal(err)
	}
	expectNone(t, "creating a problem and brands", ob)

	stock := 5
	p, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{
		Name: "유기농 사과잼", Description: "국산 사과로 만든 잼", Price: commerce.MustMoney("12000", "KRW"),
		BrandID: farm.ID, Images: []string{"https://cdn.example.kr/jam.jpg"}, Stock: &stock,
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := drain(t, ob)
	expect(t, "CreateProduct", evs, p.ID, 1, clk.t, "product.created")
	var d catalog.ProductData
	if err := json.Unmarshal(evs[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != p.ID || d.Name != "유기농 사과잼" || d.Description != "국산 사과로 만든 잼" || !d.Price.Equal(p.Price) ||
		d.Brand == nil || *d.Brand != (catalog.ProductBrand{ID: farm.ID, Name: "사과나무농장"}) ||
		len(d.Images) != 1 || d.Images[0] != "https://cdn.example.kr/jam.jpg" || d.Stock == nil || *d.Stock != 5 ||
		d.Version != 1 || !d.CreatedAt.Equal(clk.t) || !d.UpdatedAt.Equal(clk.t) {
		t.Errorf("product.created data %s", evs[0].Data)
	}

	// An edit that moves the product to another brand names the new one.
	clk.t = clk.t.Add(time.Hour)
	p, err = shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{
		Name: commerce.Some("유기농 사과잼 500g"), BrandID: commerce.Some(mill.ID), Version: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	evs = drain(t, ob)
	expect(t, "UpdateProduct", evs, p.ID, 2, clk.t, "product.updated")
	if err := json.Unmarshal(evs[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Name != "유기농 사과잼 500g" || d.Brand == nil || *d.Brand != (catalog.ProductBrand{ID: mill.ID, Name: "우리밀방앗간"}) ||
		d.Version != 2 || !d.UpdatedAt.Equal(clk.t) || !d.CreatedAt.Equal(clk.t.Add(-time.Hour)) || *d.Stock != 5 {
		t.Errorf("product.updated data %s", evs[0].Data)
	}

	// Staff setting the stock to 0: product.updated, then
	// product.out_of_stock, at the same version.
	clk.t = clk.t.Add(time.Hour)
	zero := 0
	p, err = shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{Stock: commerce.Some(&zero)})
	if err != nil {
		t.Fatal(err)
	}
	evs = drain(t, ob)
	expect(t, "UpdateProduct to stock 0", evs, p.ID, 3, clk.t, "product.updated", "product.out_of_stock")
	var out catalog.ProductOutOfStock
	if err := json.Unmarshal(evs[1].Data, &out); err != nil || out != (catalog.ProductOutOfStock{ID: p.ID, Name: "유기농 사과잼 500g", Version: 3}) {
		t.Errorf("product.out_of_stock data %s, %v", evs[1].Data, err)
	}
	// An edit that leaves it at 0 tells no new shortage; removing the
	// brand gives a null brand, stopping tracking a null stock.
	clk.t = clk.t.Add(time.Hour)
	if _, err := shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{BrandID: commerce.Some(uuid.Nil)}); err != nil {
		t.Fatal(err)
	}
	evs = drain(t, ob)
	expect(t, "UpdateProduct at stock 0", evs, p.ID, 4, clk.t, "product.updated")
	if err := json.Unmarshal(evs[0].Data, &d); err != nil || d.Brand != nil || d.Stock == nil || *d.Stock != 0 {
		t.Errorf("product.updated data %s, %v", evs[0].Data, err)
	}
	clk.t = clk.t.Add(time.Hour)
	if _, err := shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{Stock: commerce.Some[*int](nil)}); err != nil {
		t.Fatal(err)
	}
	evs = drain(t, ob)
	expect(t, "UpdateProduct untracking stock", evs, p.ID, 5, clk.t, "product.updated")
	if err := json.Unmarshal(evs[0].Data, &d); err != nil || d.Stock != nil {
		t.Errorf("product.updated data %s, %v", evs[0].Data, err)
	}

	// Writes that fail store nothing.
	shopper := commerce.UserActor(commerce.NewID())
	for _, c := range []struct {
		what string
		run  func() error
	}{
		{"CreateProduct, invalid", func() error {
			_, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: "", Price: commerce.MustMoney("1000", "KRW")})
			return err
		}},
		{"CreateProduct, no such brand", func() error {
			_, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: "배즙", Price: commerce.MustMoney("1000", "KRW"), BrandID: commerce.NewID()})
			return err
		}},
		{"CreateProduct, by a customer", func() error {
			_, err := shop.CreateProduct(ctx, shopper, catalog.ProductInput{Name: "배즙", Price: commerce.MustMoney("1000", "KRW")})
			return err
		}},
		{"UpdateProduct, stale version", func() error {
			_, err := shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{Name: commerce.Some("사과잼"), Version: 1})
			if !errors.Is(err, catalog.ErrVersionConflict) {
				t.Errorf("a stale edit: %v, want ErrVersionConflict", err)
			}
			return err
		}},
		{"UpdateProduct, invalid", func() error {
			_, err := shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{Price: commerce.Some(commerce.MustMoney("-1", "KRW"))})
			return err
		}},
		{"UpdateProduct, no such brand", func() error {
			_, err := shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{BrandID: commerce.Some(commerce.NewID())})
			return err
		}},
		{"UpdateProduct, no such product", func() error {
			_, err := shop.UpdateProduct(ctx, staff, commerce.NewID(), catalog.ProductPatch{Name: commerce.Some("사과잼")})
			return err
		}},
		{"DeleteProduct, no such product", func() error { return shop.DeleteProduct(ctx, staff, commerce.NewID()) }},
		{"DeleteProduct, by a customer", func() error { return shop.DeleteProduct(ctx, shopper, p.ID) }},
	} {
		if err := c.run(); err == nil {
			t.Errorf("%s succeeded", c.what)
		}
		expectNone(t, c.what, ob)
	}

	// Deleting names the product, one version after its last.
	clk.t = clk.t.Add(time.Hour)
	if err := shop.DeleteProduct(ctx, staff, p.ID); err != nil {
		t.Fatal(err)
	}
	evs = drain(t, ob)
	expect(t, "DeleteProduct", evs, p.ID, 6, clk.t, "product.deleted")
	var del catalog.ProductDeleted
	if err := json.Unmarshal(evs[0].Data, &del); err != nil || del != (catalog.ProductDeleted{ID: p.ID, Name: "유기농 사과잼 500g"}) {
		t.Errorf("product.deleted data %s, %v", evs[0].Data, err)
	}

	// Edits of problems and brands, and their deletion, store nothing.
	if _, err := shop.UpdateBrand(ctx, staff, farm.ID, catalog.BrandPatch{Name: commerce.Some("사과꽃농원")}); err != nil {
		t.Fatal(err)
	}
	if err := shop.DeleteBrand(ctx, staff, mill.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := shop.UpdateProblem(ctx, staff, env.ID, catalog.ProblemPatch{Summary: commerce.Some("기후와 자원")}); err != nil {
		t.Fatal(err)
	}
	expectNone(t, "brand and problem writes", ob)
}

// A product created without a brand, stock or images has null, null and []
// in its event.
func TestProductCreatedWithoutBrand(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	shop := catalog.NewService(store.Catalog(), nil)
	p, err := shop.CreateProduct(ctx, commerce.StaffActor(commerce.NewID()), catalog.ProductInput{
		Name: "대나무 칫솔", Price: commerce.MustMoney("3500", "KRW"),
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := drain(t, store.Outbox())
	expect(t, "CreateProduct", evs, p.ID, 1, p.CreatedAt, "product.created")
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(evs[0].Data, &raw); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{"brand": "null", "stock": "null", "images": "[]", "description": `""`} {
		if string(raw[field]) != want {
			t.Errorf("%s is %s, want %s", field, raw[field], want)
		}
	}
}

// Imports bring in history: they store no events, whether they create
// products or change them.
func TestImportsStoreNoEvents(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	ob := store.Outbox()
	shop := catalog.NewService(store.Catalog(), nil)
	at := time.Date(2020, 5, 1, 3, 0, 0, 0, time.UTC)
	problem := catalog.Problem{ID: commerce.ImportedID(at, "problem 1"), Name: "환경", CreatedAt: at, UpdatedAt: at}
	brand := catalog.Brand{ID: commerce.ImportedID(at, "brand 1"), Name: "사과나무농장", Problem: catalog.ProblemRef{ID: problem.ID}, CreatedAt: at, UpdatedAt: at}
	stock := 0
	product := catalog.Product{
		ID: commerce.ImportedID(at, "product 1"), Name: "유기농 사과잼", Price: commerce.MustMoney("12000", "KRW"),
		Brand: &catalog.BrandRef{ID: brand.ID}, Stock: &stock, CreatedAt: at, UpdatedAt: at,
	}
	for run := 1; run <= 2; run++ {
		if _, err := shop.ImportProblems(ctx, []catalog.Problem{problem}); err != nil {
			t.Fatal(err)
		}
		if _, err := shop.ImportBrands(ctx, []catalog.Brand{brand}); err != nil {
			t.Fatal(err)
		}
		res, err := shop.ImportProducts(ctx, []catalog.Product{product})
		if err != nil || res[0].Err != nil {
			t.Fatalf("importing a product: %v, %+v", err, res)
		}
		expectNone(t, "an import", ob)
		// The second run changes the product.
		product.Name, product.UpdatedAt = "유기농 사과잼 (단종)", at.Add(time.Hour)
	}
	if p, err := shop.Product(ctx, product.ID); err != nil || p.Name != "유기농 사과잼 (단종)" || p.Version != 2 {
		t.Errorf("the imported product: %+v, %v", p, err)
	}
}

// editRace lets another edit land between an edit's read of a product
// and its write: race runs once, after the next GetProduct.
type editRace struct {
	catalog.Repository
	race func()
}

func (r *editRace) GetProduct(ctx context.Context, id uuid.UUID) (catalog.Product, error) {
	p, err := r.Repository.GetProduct(ctx, id)
	if race := r.race; race != nil {
		r.race = nil
		race()
	}
	return p, err
}

// An edit that loses a race and runs again stores the events of the run
// that wrote, once, made from the product as that run read it.
func TestRetriedEditStoresItsEventsOnce(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	ob := store.Outbox()
	repo := &editRace{Repository: store.Catalog()}
	shop := catalog.NewService(repo, nil)
	other := catalog.NewService(store.Catalog(), nil)
	staff := commerce.StaffActor(commerce.NewID())
	p, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: "배즙", Price: commerce.MustMoney("8000", "KRW")})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, ob)
	repo.race = func() {
		if _, err := other.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{Description: commerce.Some("경북 영주산 배")}); err != nil {
			t.Errorf("the racing edit: %v", err)
		}
	}
	if _, err := shop.UpdateProduct(ctx, staff, p.ID, catalog.ProductPatch{Name: commerce.Some("유기농 배즙")}); err != nil {
		t.Fatal(err)
	}
	evs := drain(t, ob)
	if len(evs) != 2 {
		t.Fatalf("%d events, want the racing edit's and the retried edit's", len(evs))
	}
	for i, want := range []catalog.ProductData{
		{Name: "배즙", Description: "경북 영주산 배", Version: 2},
		{Name: "유기농 배즙", Description: "경북 영주산 배", Version: 3},
	} {
		var d catalog.ProductData
		if err := json.Unmarshal(evs[i].Data, &d); err != nil {
			t.Fatal(err)
		}
		if evs[i].Type != "product.updated" || evs[i].Version != want.Version || d.Name != want.Name || d.Description != want.Description || d.Version != want.Version {
			t.Errorf("event %d: %s at version %d, %s", i, evs[i].Type, evs[i].Version, evs[i].Data)
		}
	}
}
