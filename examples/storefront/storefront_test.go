package storefront_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestHomeShowsTheEightNewestProducts(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			p := s.client().get("/")
			if p.Status != http.StatusOK {
				t.Fatalf("got %d", p.Status)
			}
			if n := strings.Count(p.Body, `<li class="card">`); n != 8 {
				t.Errorf("got %d product cards, want 8", n)
			}
			for _, want := range []string{`<html lang="ko">`, `name="query"`, "장바구니 <span", `href="/accounts/login"`, `href="/accounts/signup"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("home page lacks %s", want)
				}
			}
			if got := cartCountOf(t, p.Body); got != "0" {
				t.Errorf("cart count %s, want 0", got)
			}
		})
	}
}

func TestSearchPagesWithTheCursor(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			// 25 more: with the demo's own, more than one page of 사과.
			for i := range 25 {
				stock := 5
				if _, err := s.Catalog.CreateProduct(ctx, s.Staff, catalog.ProductInput{
					Name: fmt.Sprintf("사과 시험 상품 %02d", i), Price: commerce.MustMoney("1000", "KRW"), Stock: &stock,
				}); err != nil {
					t.Fatal(err)
				}
			}
			total := len(s.searchNames("사과", catalog.SortNewest))
			if total <= 20 || total > 40 {
				t.Fatalf("사과 finds %d products; the test wants two pages of 20", total)
			}
			c := s.client()
			first := c.get("/?query=" + url.QueryEscape("사과"))
			if first.Status != http.StatusOK {
				t.Fatalf("got %d", first.Status)
			}
			if n := strings.Count(first.Body, `<li class="card">`); n != 20 {
				t.Errorf("first page: %d results, want 20", n)
			}
			if !strings.Contains(first.Body, `value="사과"`) {
				t.Error("the query is not kept in the search box")
			}
			next := regexp.MustCompile(`<a rel="next" href="([^"]+)">다음</a>`).FindStringSubmatch(first.Body)
			if next == nil {
				t.Fatalf("no 다음 link on the first page:\n%s", first.Body)
			}
			second := c.get(html.UnescapeString(next[1]))
			if n := strings.Count(second.Body, `<li class="card">`); n != total-20 {
				t.Errorf("second page: %d results, want %d (%d in all)", n, total-20, total)
			}
			if strings.Contains(second.Body, `rel="next"`) {
				t.Error("the last page has a 다음 link")
			}
			for _, name := range productNames(first.Body) {
				if strings.Contains(second.Body, ">"+name+"</a>") {
					t.Errorf("%s is on both pages", name)
				}
			}
		})
	}
}

func TestSearchWithoutResultsHelps(t *testing.T) {
	s := newShop(t)
	p := s.client().get("/?query=" + url.QueryEscape("없는상품이름"))
	if p.Status != http.StatusOK {
		t.Fatalf("got %d", p.Status)
	}
	for _, want := range []string{"에 맞는 상품이 없습니다", `href="/brands"`, `href="/problems"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestProductPage(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	p := s.client().get("/products/" + jam.ID.String())
	for _, want := range []string{
		"<h1>유기농사과잼</h1>", "8,900원", `href="/brands/` + jam.Brand.ID.String() + `"`,
		`action="/cart/items" method="post"`, `name="product_id" value="` + jam.ID.String() + `"`,
		`<label for="quantity">수량</label>`, `min="1" max="99"`,
		">장바구니 담기</button>", `formaction="/checkout" formmethod="get"`, ">바로 구매</button>",
		`alt="유기농사과잼"`,
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the product page lacks %s", want)
		}
	}
}

func TestSoldOutProductsSaySo(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	zero := 0
	if _, err := s.Catalog.UpdateProduct(context.Background(), s.Staff, jam.ID, catalog.ProductPatch{Stock: commerce.Some(&zero)}); err != nil {
		t.Fatal(err)
	}
	c := s.client()
	for _, path := range []string{"/products/" + jam.ID.String(), "/?query=" + url.QueryEscape("유기농사과잼")} {
		if p := c.get(path); !strings.Contains(p.Body, "품절") {
			t.Errorf("%s does not say 품절", path)
		}
	}
}

func TestBrandsAndProblems(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	c := s.client()
	brands := c.get("/brands")
	jam := s.product("유기농사과잼")
	brand, err := s.Catalog.Brand(ctx, jam.Brand.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1>브랜드</h1>", brand.Brand.Name, brand.Brand.Summary, brand.Brand.Problem.Name, `alt="` + brand.Brand.Name + ` 로고"`} {
		if !strings.Contains(brands.Body, want) {
			t.Errorf("/brands lacks %q", want)
		}
	}
	page := c.get("/brands/" + brand.Brand.ID.String())
	for _, want := range []string{"<h1>" + brand.Brand.Name + "</h1>", `aria-label="상품"`, `href="/problems/` + brand.Brand.Problem.ID.String() + `"`, brand.Brand.Homepage} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the brand's page lacks %q", want)
		}
	}
	for _, p := range brand.Products {
		if !strings.Contains(page.Body, ">"+p.Name+"</a>") {
			t.Errorf("the brand's carousel lacks %s", p.Name)
		}
	}
	problems := c.get("/problems")
	all, err := s.Catalog.Problems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if !strings.Contains(problems.Body, ">"+p.Name+"</a>") {
			t.Errorf("/problems lacks %s", p.Name)
		}
	}
	if !strings.Contains(problems.Body, ">"+brand.Brand.Name+"</a>") {
		t.Errorf("/problems does not list %s under its problem", brand.Brand.Name)
	}
	one := c.get("/problems/" + brand.Brand.Problem.ID.String())
	if !strings.Contains(one.Body, "<h1>"+brand.Brand.Problem.Name+"</h1>") || !strings.Contains(one.Body, ">"+brand.Brand.Name+"</a>") {
		t.Errorf("the problem's page lacks its name or its brand:\n%s", one.Body)
	}
}

var (
	inputTag  = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idAttr    = regexp.MustCompile(`\bid="([^"]+)"`)
	typeAttr  = regexp.MustCompile(`\btype="([^"]+)"`)
	cardNames = regexp.MustCompile(`<h3 class="card-name"><a href="[^"]+">([^<]+)</a>`)
)

// productNames returns the names of the product cards of body.
func productNames(body string) []string {
	var out []string
	for _, m := range cardNames.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// Every control a shopper fills in has a label, on every page that has
// forms, for visitors, customers and staff.
func TestEveryInputIsLabelled(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	visitor, customer, staff := s.client(), s.client(), s.client()
	customer.signUp("labels")
	if p := customer.post("/cart/items", url.Values{"product_id": {jam.ID.String()}, "quantity": {"1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("adding to the cart: %d", p.Status)
	}
	staff.signInAsStaff()
	pages := []struct {
		c    *client
		path string
	}{
		{visitor, "/"}, {visitor, "/products/" + jam.ID.String()}, {visitor, "/accounts/signup"}, {visitor, "/accounts/login"},
		{customer, "/cart"}, {customer, "/checkout"}, {customer, "/checkout?product=" + jam.ID.String() + "&quantity=1"},
		{customer, "/mypage"}, {staff, "/board/new"},
	}
	checked := 0
	for _, p := range pages {
		page := p.c.get(p.path)
		if page.Status != http.StatusOK {
			t.Errorf("%s: got %d", p.path, page.Status)
			continue
		}
		for _, tag := range inputTag.FindAllString(page.Body, -1) {
			if ty := typeAttr.FindStringSubmatch(tag); ty != nil && (ty[1] == "hidden" || ty[1] == "submit") {
				continue
			}
			id := idAttr.FindStringSubmatch(tag)
			if id == nil {
				t.Errorf("%s: %s has no id, so no label can name it", p.path, tag)
				continue
			}
			if !strings.Contains(page.Body, `for="`+id[1]+`"`) {
				t.Errorf("%s: %s has no <label for=%q>", p.path, tag, id[1])
			}
			checked++
		}
	}
	if checked < 30 {
		t.Errorf("checked only %d controls; are the pages' forms there?", checked)
	}
}
