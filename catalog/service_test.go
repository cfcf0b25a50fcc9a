package catalog_test

import (
	"context"
	"errors"
	"strings"
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
		"ÉCOLE":                   "ecole",
		norm.NFD.String("École"):  "ecole",
		"café":                    "cafe",
		"ＥＣＯ　백":                   "eco 백", // full-width letters and space
		"１２３ｇ":                    "123g",
		"Straße":                  "strasse",
		"사과  \t 잼":                "사과 잼",
		"사과 쨈":                    "사과 잼", // 쨈 is spelled 잼
		"\u3131\u314f":            "가",    // compatibility jamo compose
		"ñandú":                   "nandu",
		"が":                       "が", // marks of other scripts stay
		"%_'\\":                   "%_'\\",
		"":                        "",
	} {
		if got := catalog.SearchKey(in); got != want {
			t.Errorf("SearchKey(%q) = %q, want %q", in, got, want)
		}
		if got := catalog.SearchKey(catalog.SearchKey(in)); got != catalog.SearchKey(in) {
			t.Errorf("SearchKey is not idempotent on %q: %q, then %q", in, catalog.SearchKey(in), got)
		}
	}
}

func TestSearchRank(t *testing.T) {
	type product struct{ name, brand string }
	for _, c := range []struct {
		query  string
		phrase bool
		p      product
		rank   catalog.Rank
		ok     bool
	}{
		{"사과 잼", false, product{"유기농사과잼", ""}, catalog.RankName, true},
		{"잼 사과", false, product{"유기농사과잼", ""}, catalog.RankName, true},
		{"유기농 사과", false, product{"유기농사과잼", ""}, catalog.RankNameStart, true},
		{"유기농 사과", false, product{"유기농 사과식초", ""}, catalog.RankNameStart, true},
		{"유기농 사과", true, product{"유기농 사과식초", ""}, catalog.RankNameStart, true},
		{"유기농 사과", true, product{"유기농사과잼", ""}, 0, false},
		{"사과꽃 잼", false, product{"유기농사과잼", "사과꽃농원"}, catalog.RankBrand, true},
		{"유기농 농원", false, product{"유기농사과잼", "사과꽃농원"}, catalog.RankBrandStart, true},
		{"농원", false, product{"유기농사과잼", "사과꽃농원"}, catalog.RankBrand, true},
		{"사과 비누", false, product{"유기농사과잼", "비누공방"}, catalog.RankBrand, true},
		{"사과 비누", false, product{"유기농사과잼", ""}, 0, false},
		{"cafe", false, product{"Café 블렌드", ""}, catalog.RankNameStart, true},
		{"ＥＣＯ", false, product{"친환경 eco 백", ""}, catalog.RankName, true},
		{"%", false, product{"100% 면", ""}, catalog.RankName, true},
		{"", false, product{"무엇이든", ""}, catalog.RankNameStart, true},
	} {
		s, err := catalog.ParseSearch(c.query, c.phrase)
		if err != nil {
			t.Fatalf("ParseSearch(%q): %v", c.query, err)
		}
		rank, ok := s.Rank(catalog.SearchKey(c.p.name), catalog.SearchKey(c.p.brand))
		if ok != c.ok || ok && rank != c.rank {
			t.Errorf("%q (phrase %v) on %q / %q: rank %d, %v; want %d, %v", c.query, c.phrase, c.p.name, c.p.brand, rank, ok, c.rank, c.ok)
		}
	}
	for _, bad := range []string{"가 나 다 라 마 바 사 아 자", "\xff", strings.Repeat("가", 201)} {
		if _, err := catalog.ParseSearch(bad, false); commerce.FieldErrors(err)["q"] == "" {
			t.Errorf("ParseSearch(%q) = %v, want an error on q", bad, err)
		}
	}
	if s, err := catalog.ParseSearch("가 나 다 라 마 바 사 아", false); err != nil || len(s.Terms()) != 8 {
		t.Errorf("8 words: %v, %v", s.Terms(), err)
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
