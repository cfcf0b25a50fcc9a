package catalog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/memstore"
)

func TestSearchKey(t *testing.T) {
	for in, want := range map[string]string{
		"  Apple PIE ":            "apple pie",
		norm.NFD.String("유기농사과잼"): "유기농사과잼",
		"ÉCOLE":                   "école",
		norm.NFD.String("École"):  "école",
		"":                        "",
	} {
		if got := catalog.SearchKey(in); got != want {
			t.Errorf("SearchKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestURLs(t *testing.T) {
	ctx := context.Background()
	shop := catalog.NewService(memstore.New(nil).Catalog(), nil)
	staff := commerce.StaffActor(commerce.NewID())
	for url, ok := range map[string]bool{
		"https://example.org/a.png":      true,
		"http://example.org":             true,
		"/static/a.png":                  true,
		"  /static/b.png ":               true,
		"static/a.png":                   false,
		"//example.org/a.png":            false,
		"javascript:alert(1)":            false,
		"data:image/png;base64,AAA":      false,
		"https://":                       false,
		"https://exa mple.org":           false,
		"/" + string(make([]byte, 2048)): false,
	} {
		_, err := shop.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "p", ImageURL: url})
		if ok && err != nil {
			t.Errorf("image_url %.30q refused: %v", url, err)
		}
		if !ok && !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("image_url %.30q: %v, want ErrInvalid", url, err)
		}
	}
}

func TestInjectedClockAndIDs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ids := commerce.SequentialIDs(at)
	shop := catalog.NewService(memstore.New(nil).Catalog(), &catalog.Options{
		Now:   func() time.Time { return at },
		NewID: ids,
	})
	p, err := shop.CreateProduct(ctx, commerce.StaffActor(commerce.NewID()), catalog.ProductInput{
		Name: "시계", Price: commerce.MustMoney("1", "KRW"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreatedAt.Equal(at) || p.ID != commerce.SequentialIDs(at)() {
		t.Errorf("created %v with id %v; want the injected clock and generator", p.CreatedAt, p.ID)
	}
}

func TestNewServicePanicsWithoutRepository(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewService(nil, nil) did not panic")
		}
	}()
	catalog.NewService(nil, nil)
}
