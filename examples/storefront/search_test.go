package storefront_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/examples/storefront"
)

// searchNames returns the names of every product the catalog finds for
// query in the order sort, all pages of them.
func (s *shop) searchNames(query string, sort catalog.Sort) []string {
	s.t.Helper()
	var out []string
	cursor := ""
	for {
		page, err := s.Catalog.Products(context.Background(), catalog.ProductFilter{Query: query, Sort: sort, Limit: commerce.MaxLimit, Cursor: cursor})
		if err != nil {
			s.t.Fatal(err)
		}
		for _, p := range page.Items {
			out = append(out, p.Name)
		}
		if cursor = page.NextCursor; cursor == "" {
			return out
		}
	}
}

var (
	sortLinks = regexp.MustCompile(`<a href="([^"]*)"( aria-current="page")?>(최신순|정확도순)</a>`)
	nextLink  = regexp.MustCompile(`<a rel="next" href="([^"]+)">다음</a>`)
	firstLink = regexp.MustCompile(`<a href="([^"]+)">처음</a>`)
)

// sortControl returns the href of the results page's 최신순 and 정확도순
// links, and which one is current ("" if neither).
func sortControl(t *testing.T, body string) (hrefs map[string]string, current string) {
	t.Helper()
	hrefs = make(map[string]string)
	for _, m := range sortLinks.FindAllStringSubmatch(body, -1) {
		hrefs[m[3]] = html.UnescapeString(m[1])
		if m[2] != "" {
			if current != "" {
				t.Errorf("both %s and %s are current", current, m[3])
			}
			current = m[3]
		}
	}
	if len(hrefs) != 2 {
		t.Fatalf("the results page has the order links %v, want 최신순 and 정확도순:\n%s", hrefs, body)
	}
	return hrefs, current
}

func TestSearchOrderControl(t *testing.T) {
	s := newShop(t)
	c := s.client()
	q := url.Values{"query": {"사과"}}.Encode()

	p := c.get("/?" + q)
	if p.Status != http.StatusOK {
		t.Fatalf("got %d", p.Status)
	}
	if !strings.Contains(p.Body, `<nav class="sort" aria-label="정렬">`) {
		t.Error("the results have no navigation labelled 정렬")
	}
	hrefs, current := sortControl(t, p.Body)
	if current != "최신순" {
		t.Errorf("by default the current order is %q, want 최신순", current)
	}
	if want := "/?" + q; hrefs["최신순"] != want {
		t.Errorf("최신순 links to %s, want %s", hrefs["최신순"], want)
	}
	if want := "/?" + q + "&sort=relevance"; hrefs["정확도순"] != want {
		t.Errorf("정확도순 links to %s, want %s", hrefs["정확도순"], want)
	}
	newest := productNames(p.Body)
	if want := s.searchNames("사과", catalog.SortNewest); !slices.Equal(newest, want) {
		t.Errorf("the results read %v, want newest first %v", newest, want)
	}

	r := c.get(hrefs["정확도순"])
	if r.Status != http.StatusOK {
		t.Fatalf("정확도순: got %d", r.Status)
	}
	if _, current := sortControl(t, r.Body); current != "정확도순" {
		t.Errorf("after choosing 정확도순 the current order is %q", current)
	}
	relevant := productNames(r.Body)
	if want := s.searchNames("사과", catalog.SortRelevance); !slices.Equal(relevant, want) {
		t.Errorf("정확도순 reads %v, want %v", relevant, want)
	}
	if slices.Equal(relevant, newest) {
		t.Errorf("정확도순 and 최신순 list 사과 alike: %v", relevant)
	}
	if !strings.Contains(r.Body, `value="사과"`) {
		t.Error("the query is not kept in the search box")
	}
	if n := productNames(c.get("/?" + q + "&sort=newest").Body); !slices.Equal(n, newest) {
		t.Errorf("sort=newest reads %v, want the default's %v", n, newest)
	}

	// Words in any order, with or without spaces.
	for _, query := range []string{"사과 잼", "잼 사과", "사과잼"} {
		if n := productNames(c.get("/?" + url.Values{"query": {query}}.Encode()).Body); !slices.Contains(n, "유기농사과잼") {
			t.Errorf("searching %s finds %v, want 유기농사과잼", query, n)
		}
	}
	// No results, no order to choose.
	if p := c.get("/?query=" + url.QueryEscape("없는상품이름")); strings.Contains(p.Body, "정확도순") {
		t.Error("a search without results offers an order")
	}
}

func TestSearchErrorsInKorean(t *testing.T) {
	s := newShop(t)
	c := s.client()
	for _, tc := range []struct{ name, query, want string }{
		{"nine words", "query=" + url.QueryEscape(strings.TrimSpace(strings.Repeat("사과 ", 9))), "검색어는 8단어 이하로 입력해 주세요."},
		{"unknown order", "query=" + url.QueryEscape("사과") + "&sort=price", "정렬은 최신순이나 정확도순 중에서 골라 주세요."},
		{"too long", "query=" + strings.Repeat("%EA%B0%80", 201), "검색어는 200자 이하로 입력해 주세요."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.get("/?" + tc.query)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("got %d, want 400", p.Status)
			}
			if !strings.Contains(p.Body, `<p class="notice" role="alert">`+tc.want+`</p>`) {
				t.Errorf("the page does not say %q:\n%s", tc.want, p.Body)
			}
		})
	}
	// Eight words are fine.
	if p := c.get("/?query=" + url.QueryEscape(strings.TrimSpace(strings.Repeat("사과 ", 8)))); p.Status != http.StatusOK {
		t.Errorf("eight words: got %d, want 200", p.Status)
	}
}

// Pages of results keep the order chosen, and continue it with its cursor.
func TestSearchPagesKeepTheOrder(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			for i := range 25 {
				if _, err := s.Catalog.CreateProduct(ctx, s.Staff, catalog.ProductInput{
					Name: fmt.Sprintf("시험 사과 상품 %02d", i), Price: commerce.MustMoney("1000", "KRW"),
				}); err != nil {
					t.Fatal(err)
				}
			}
			want := s.searchNames("사과", catalog.SortRelevance)
			if len(want) <= 20 || len(want) > 40 {
				t.Fatalf("사과 finds %d products; the test wants two pages of 20", len(want))
			}
			c := s.client()
			first := c.get("/?" + url.Values{"query": {"사과"}, "sort": {"relevance"}}.Encode())
			next := nextLink.FindStringSubmatch(first.Body)
			if next == nil {
				t.Fatalf("no 다음 link on the first page:\n%s", first.Body)
			}
			nextURL, err := url.Parse(html.UnescapeString(next[1]))
			if err != nil {
				t.Fatal(err)
			}
			if got := nextURL.Query(); got.Get("sort") != "relevance" || got.Get("query") != "사과" || got.Get("cursor") == "" {
				t.Errorf("다음 links to %s, want the query, sort=relevance and a cursor", nextURL)
			}
			second := c.get(nextURL.String())
			if second.Status != http.StatusOK {
				t.Fatalf("the second page: got %d:\n%s", second.Status, second.Body)
			}
			if strings.Contains(second.Body, `rel="next"`) {
				t.Error("the last page has a 다음 link")
			}
			if _, current := sortControl(t, second.Body); current != "정확도순" {
				t.Errorf("the second page's current order is %q, want 정확도순", current)
			}
			if got := append(productNames(first.Body), productNames(second.Body)...); !slices.Equal(got, want) {
				t.Errorf("the pages read %v, want %v", got, want)
			}
			back := firstLink.FindStringSubmatch(second.Body)
			if back == nil {
				t.Fatalf("no 처음 link on the second page")
			}
			if got := productNames(c.get(html.UnescapeString(back[1])).Body); !slices.Equal(got, want[:20]) {
				t.Errorf("처음 reads %v, want the first page by relevance %v", got, want[:20])
			}
			// The newest order's cursor does not continue the relevance
			// order: the page says so instead of showing another list.
			newest := c.get("/?" + url.Values{"query": {"사과"}}.Encode())
			mixed := nextLink.FindStringSubmatch(newest.Body)
			if mixed == nil {
				t.Fatalf("no 다음 link on the newest first page")
			}
			u, _ := url.Parse(html.UnescapeString(mixed[1]))
			v := u.Query()
			v.Set("sort", "relevance")
			if p := c.get("/?" + v.Encode()); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "다음 페이지 주소가 올바르지 않습니다") {
				t.Errorf("a newest cursor with sort=relevance: %d, want 400 saying the address is wrong", p.Status)
			}
		})
	}
}

// suggestJSON decodes a suggestions answer.
type suggestJSON struct {
	Suggestions []suggestionJSON `json:"suggestions"`
}

type suggestionJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

func TestSuggestRoute(t *testing.T) {
	s := newShop(t)
	c := s.client()
	jam := s.product("유기농사과잼")
	// The JSON API over the same services answers the same JSON.
	a := httptest.NewServer(api.New(api.Services{
		Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board,
	}, &api.Options{Logger: discardLogger()}).Handler())
	t.Cleanup(a.Close)

	for _, q := range []string{"사과 잼", "사과꽃", "사과", "", "없는상품이름"} {
		p := c.get("/search/suggest?q=" + url.QueryEscape(q))
		if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("q=%q: %d %s, want 200 JSON", q, p.Status, p.Header.Get("Content-Type"))
		}
		if cc := p.Header.Get("Cache-Control"); cc != "public, max-age=60" {
			t.Errorf("q=%q: Cache-Control %q, want public, max-age=60", q, cc)
		}
		res, err := http.Get(a.URL + "/api/search/suggest?q=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		var fromAPI suggestJSON
		err = json.NewDecoder(res.Body).Decode(&fromAPI)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got suggestJSON
		if err := json.Unmarshal([]byte(p.Body), &got); err != nil {
			t.Fatalf("q=%q: %v in %s", q, err, p.Body)
		}
		if !slices.Equal(got.Suggestions, fromAPI.Suggestions) {
			t.Errorf("q=%q: the shop suggests %v, the API %v", q, got, fromAPI)
		}
		switch q {
		case "사과 잼":
			if !slices.Contains(got.Suggestions, suggestionJSON{Kind: "product", ID: jam.ID.String(), Name: "유기농사과잼"}) {
				t.Errorf("사과 잼 suggests %v, want the product 유기농사과잼", got)
			}
		case "사과꽃":
			if len(got.Suggestions) == 0 || got.Suggestions[0].Kind != "brand" || got.Suggestions[0].Name != "사과꽃농원" || got.Suggestions[0].ID != jam.Brand.ID.String() {
				t.Errorf("사과꽃 suggests %v, want the brand 사과꽃농원 first", got)
			}
		case "사과":
			if len(got.Suggestions) == 0 || len(got.Suggestions) > catalog.MaxSuggestions {
				t.Errorf("사과 suggests %d names, want 1 to %d", len(got.Suggestions), catalog.MaxSuggestions)
			}
		default:
			if strings.TrimSpace(p.Body) != `{"suggestions":[]}` {
				t.Errorf("q=%q: %s, want no suggestions", q, p.Body)
			}
		}
	}
	if p := c.get("/search/suggest"); p.Status != http.StatusOK || strings.TrimSpace(p.Body) != `{"suggestions":[]}` {
		t.Errorf("no q: %d %s, want 200 and no suggestions", p.Status, p.Body)
	}

	for _, tc := range []struct{ name, query, detail string }{
		{"not UTF-8", "q=%FF", "검색어는 쓸 수 없는 문자가 들어 있습니다."},
		{"nine words", "q=" + url.QueryEscape(strings.TrimSpace(strings.Repeat("사과 ", 9))), "검색어는 8단어 이하로 입력해 주세요."},
		{"malformed query string", "q=%zz", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.get("/search/suggest?" + tc.query)
			if p.Status != http.StatusBadRequest || p.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s, want a 400 problem document", p.Status, p.Header.Get("Content-Type"))
			}
			var doc struct {
				Status int
				Detail string
			}
			if err := json.Unmarshal([]byte(p.Body), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Status != http.StatusBadRequest || doc.Detail == "" || tc.detail != "" && doc.Detail != tc.detail {
				t.Errorf("problem %s, want status 400 and the detail %q", p.Body, tc.detail)
			}
			if p.Header.Get("Cache-Control") != "" {
				t.Errorf("a 400 carries Cache-Control %q", p.Header.Get("Cache-Control"))
			}
		})
	}

	// Another router mounts the route with the pages.
	front := storefront.New(storefront.Services{
		Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board,
	}, &storefront.Options{Logger: discardLogger()})
	if _, ok := front.Routes()["GET /search/suggest"]; !ok {
		t.Error("Routes lacks GET /search/suggest")
	}
}

// The staff's list of problems filters by the catalog's search rule.
func TestStaffProblemsSearchByWords(t *testing.T) {
	s := newShop(t)
	c := s.client()
	c.signInAsStaff()
	list := c.get("/staff/problems?query=" + url.QueryEscape("인 장애"))
	catWantStatus(t, "words in any order", list, http.StatusOK)
	if !strings.Contains(list.Body, ">장애인</a>") || strings.Contains(list.Body, ">노인</a>") {
		t.Errorf("searching problems for 인 장애 (want 장애인, not 노인):\n%s", list.Body)
	}
	list = c.get("/staff/problems?query=" + url.QueryEscape(strings.TrimSpace(strings.Repeat("환 ", 9))))
	catWantStatus(t, "nine words", list, http.StatusBadRequest)
	if !strings.Contains(list.Body, `<p class="form-message" role="alert">검색어는 8단어 이하로 입력해 주세요.</p>`) {
		t.Errorf("nine words do not say 8단어:\n%s", list.Body)
	}
	if strings.Contains(list.Body, "들어간 사회문제가 없습니다") {
		t.Error("a refused query also says that nothing matched")
	}
}
