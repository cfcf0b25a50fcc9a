package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/server/api"
)

// names returns the names of ps, in order.
func names(ps []obj) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p["name"].(string))
	}
	return out
}

// brandName returns the name of p's brand, or "".
func brandName(p obj) string {
	if b, ok := p["brand"].(obj); ok {
		return b["name"].(string)
	}
	return ""
}

// list GETs path, a list, and returns its items.
func (f *fixture) list(t *testing.T, path string) []obj {
	t.Helper()
	var l obj
	f.getJSON(t, path, &l)
	return items(t, l)
}

func TestSearchWords(t *testing.T) {
	f := startDemo(t)
	found := search(t, f, "사과 잼")
	if !slices.Contains(names(found), "유기농사과잼") {
		t.Fatalf("사과 잼 found %v, want 유기농사과잼 among them", names(found))
	}
	// Every word in the name or the brand's name, spacing ignored.
	rule := catalog.MustParseSearch("사과 잼")
	for _, p := range found {
		if _, ok := rule.Rank(catalog.SearchKey(p["name"].(string)), catalog.SearchKey(brandName(p))); !ok {
			t.Errorf("사과 잼 found %s of %s, which lacks a word", p["name"], brandName(p))
		}
	}
	for _, q := range []string{"잼 사과", "사과잼", "  사과   잼 ", "사과 쨈"} {
		if got, want := ids(search(t, f, q)), ids(found); !slices.Equal(got, want) {
			t.Errorf("q=%q found %v, want the same as 사과 잼: %v", q, got, want)
		}
	}
	if got, want := ids(f.list(t, "/api/products?limit=100&phrase=false&q="+url.QueryEscape("사과 잼"))), ids(found); !slices.Equal(got, want) {
		t.Errorf("phrase=false found %v, want the default's %v", got, want)
	}

	// A phrase keeps its space: 유기농사과잼 has none between 사과 and 잼.
	phrase := f.list(t, "/api/products?limit=100&phrase=true&q="+url.QueryEscape("사과 잼"))
	if slices.Contains(names(phrase), "유기농사과잼") {
		t.Errorf("the phrase 사과 잼 found 유기농사과잼")
	}
	apart := f.list(t, "/api/products?limit=100&phrase=true&q="+url.QueryEscape("유기농 사과"))
	if n := names(apart); !slices.Contains(n, "유기농 사과식초") || slices.Contains(n, "유기농사과잼") {
		t.Errorf("the phrase 유기농 사과 found %v, want 유기농 사과식초 and not 유기농사과잼", n)
	}
	if n := names(search(t, f, "유기농 사과")); !slices.Contains(n, "유기농 사과식초") || !slices.Contains(n, "유기농사과잼") {
		t.Errorf("the words 유기농 사과 found %v, want 유기농 사과식초 and 유기농사과잼", n)
	}

	// Brands: every word in the brand's own name.
	brands := f.list(t, "/api/brands?limit=100&q="+url.QueryEscape("농원 사과"))
	if got := names(brands); !slices.Equal(got, []string{"사과꽃농원"}) {
		t.Errorf("brands q=농원 사과 found %v, want [사과꽃농원]", got)
	}
	if got := f.list(t, "/api/brands?limit=100&phrase=true&q="+url.QueryEscape("농원 사과")); len(got) != 0 {
		t.Errorf("brands with the phrase 농원 사과 found %v, want none", names(got))
	}
}

func TestSearchByRelevance(t *testing.T) {
	f := startDemo(t)
	const q = "사과"
	rule := catalog.MustParseSearch(q)
	newest := search(t, f, q)
	relevant := f.list(t, "/api/products?limit=100&sort=relevance&q="+q)

	if got, want := slices.Sorted(slices.Values(ids(relevant))), slices.Sorted(slices.Values(ids(newest))); !slices.Equal(got, want) {
		t.Fatalf("sort=relevance found %v, want the products of sort=newest: %v", names(relevant), names(newest))
	}
	ranks := make(map[catalog.Rank]bool)
	for i, p := range relevant {
		rank, ok := rule.Rank(catalog.SearchKey(p["name"].(string)), catalog.SearchKey(brandName(p)))
		if !ok {
			t.Fatalf("%s does not match %s", p["name"], q)
		}
		ranks[rank] = true
		if i == 0 {
			continue
		}
		prev := relevant[i-1]
		prevRank, _ := rule.Rank(catalog.SearchKey(prev["name"].(string)), catalog.SearchKey(brandName(prev)))
		switch {
		case rank < prevRank:
			t.Errorf("%s (rank %d) comes after %s (rank %d)", p["name"], rank, prev["name"], prevRank)
		case rank == prevRank && p["id"].(string) >= prev["id"].(string):
			t.Errorf("%s comes after %s of the same rank but is not older", p["name"], prev["name"])
		}
	}
	if len(ranks) < 3 {
		t.Errorf("the demo's 사과 products have ranks %v; the test wants at least 3 of them", ranks)
	}
	if first := relevant[0]["name"].(string); !strings.HasPrefix(first, "사과") {
		t.Errorf("the best match is %s, want a name that starts with 사과", first)
	}
	if last := relevant[len(relevant)-1]; strings.Contains(last["name"].(string), "사과") {
		t.Errorf("the worst match is %s, want one matched by its brand alone", last["name"])
	}

	// sort=newest is the default, and sort=relevance without q lists
	// every product newest first.
	if got := f.list(t, "/api/products?limit=100&sort=newest&q="+q); !slices.Equal(ids(got), ids(newest)) {
		t.Errorf("sort=newest found %v, want the default's %v", names(got), names(newest))
	}
	all := f.list(t, "/api/products?limit=100")
	if got := f.list(t, "/api/products?limit=100&sort=relevance"); !slices.Equal(ids(got), ids(all)) {
		t.Errorf("sort=relevance without q lists %d products not newest first", len(got))
	}

	// Pages of 2 follow the relevance order with its cursor.
	var paged []string
	var rankCursor string
	path := "/api/products?limit=2&sort=relevance&q=" + q
	for pages := 0; ; pages++ {
		if pages > len(relevant) {
			t.Fatal("paging does not end")
		}
		var page obj
		f.getJSON(t, path, &page)
		paged = append(paged, ids(items(t, page))...)
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		rankCursor = next
		path = "/api/products?limit=2&sort=relevance&q=" + q + "&cursor=" + url.QueryEscape(next)
	}
	if !slices.Equal(paged, ids(relevant)) {
		t.Errorf("pages of 2 gave %v, want %v", paged, ids(relevant))
	}

	// A cursor continues only the order it came from.
	var first obj
	f.getJSON(t, "/api/products?limit=2&q="+q, &first)
	newestCursor, _ := first["next_cursor"].(string)
	if rankCursor == "" || newestCursor == "" {
		t.Fatalf("no cursors to mix: relevance %q, newest %q", rankCursor, newestCursor)
	}
	for _, path := range []string{
		"/api/products?limit=2&q=" + q + "&cursor=" + url.QueryEscape(rankCursor),
		"/api/products?limit=2&sort=relevance&q=" + q + "&cursor=" + url.QueryEscape(newestCursor),
		"/api/brands?cursor=" + url.QueryEscape(rankCursor),
	} {
		wantFields(t, f.get(t, path).want(t, http.StatusBadRequest), "cursor")
	}
}

// suggestions GETs the suggestions for q and checks the answer's shape.
func suggestions(t *testing.T, f *fixture, q string) []obj {
	t.Helper()
	res := f.get(t, "/api/search/suggest?q="+url.QueryEscape(q))
	doc := res.want(t, http.StatusOK)
	if got := keys(doc); got != "suggestions" {
		t.Fatalf("suggestion fields: got %s, want suggestions", got)
	}
	if cc := res.header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control %q, want public, max-age=60", cc)
	}
	raw, ok := doc["suggestions"].([]any)
	if !ok {
		t.Fatalf("suggestions is %s, want an array", res.body)
	}
	if len(raw) > catalog.MaxSuggestions {
		t.Errorf("%d suggestions, want at most %d", len(raw), catalog.MaxSuggestions)
	}
	out := make([]obj, len(raw))
	brands := true
	for i, s := range raw {
		out[i] = s.(obj)
		if got := keys(out[i]); got != "id,kind,name" {
			t.Fatalf("suggestion fields: got %s, want id,kind,name", got)
		}
		switch out[i]["kind"] {
		case "brand":
			if !brands {
				t.Errorf("brand %s comes after a product", out[i]["name"])
			}
		case "product":
			brands = false
		default:
			t.Errorf("suggestion %v: kind %v, want brand or product", out[i], out[i]["kind"])
		}
	}
	return out
}

func TestSuggest(t *testing.T) {
	f := startDemo(t)
	jam := search(t, f, "유기농사과잼")[0]
	got := suggestions(t, f, "사과 잼")
	if !slices.ContainsFunc(got, func(s obj) bool {
		return s["kind"] == "product" && s["id"] == jam["id"] && s["name"] == "유기농사과잼"
	}) {
		t.Errorf("사과 잼 suggests %v, want the product 유기농사과잼 (%s)", got, jam["id"])
	}
	// Products matched through their brand's name alone complete nothing.
	for _, s := range suggestions(t, f, "사과") {
		if s["kind"] == "product" && !strings.Contains(s["name"].(string), "사과") {
			t.Errorf("사과 suggests %s, whose own name lacks 사과", s["name"])
		}
	}

	brand := suggestions(t, f, "사과꽃")
	if len(brand) == 0 || brand[0]["kind"] != "brand" || brand[0]["name"] != "사과꽃농원" {
		t.Fatalf("사과꽃 suggests %v, want the brand 사과꽃농원 first", brand)
	}
	var detail obj
	f.getJSON(t, "/api/brands/"+brand[0]["id"].(string), &detail)
	if detail["name"] != "사과꽃농원" {
		t.Errorf("the suggested brand's id leads to %v", detail["name"])
	}

	for _, q := range []string{"", "   ", "없는상품이름"} {
		if got := suggestions(t, f, q); len(got) != 0 {
			t.Errorf("q=%q suggests %v, want none", q, got)
		}
	}
	res := f.get(t, "/api/search/suggest")
	if body := strings.TrimSpace(string(res.body)); res.status != http.StatusOK || body != `{"suggestions":[]}` {
		t.Errorf("no q: %d %s, want 200 {\"suggestions\":[]}", res.status, body)
	}

	// A dead session cookie is cleared on the way: no shared cache may keep
	// that answer.
	dead := f.call(t, call{method: "GET", path: "/api/search/suggest?q=" + url.QueryEscape("사과"), cookie: "dead-cookie"})
	dead.want(t, http.StatusOK)
	if c := dead.cookie(api.SessionCookie); c == nil || c.MaxAge >= 0 {
		t.Fatalf("a dead cookie is not cleared: %v", dead.header["Set-Cookie"])
	}
	if cc := dead.header.Get("Cache-Control"); cc != "private, max-age=60" {
		t.Errorf("an answer that clears a cookie: Cache-Control %q, want private, max-age=60", cc)
	}
}

func TestSearchBadInput(t *testing.T) {
	f := startDemo(t)
	nine := url.QueryEscape(strings.TrimSpace(strings.Repeat("사과 ", 9)))
	eight := url.QueryEscape(strings.TrimSpace(strings.Repeat("사과 ", 8)))
	for _, tc := range []struct {
		name, path string
		fields     []string // none: a problem without "errors"
	}{
		{"unknown sort", "/api/products?sort=price", []string{"sort"}},
		{"sort in capitals", "/api/products?q=a&sort=RELEVANCE", []string{"sort"}},
		{"phrase yes", "/api/products?q=a&phrase=yes", []string{"phrase"}},
		{"phrase 1", "/api/products?phrase=1", []string{"phrase"}},
		{"brands phrase", "/api/brands?phrase=TRUE", []string{"phrase"}},
		{"nine words", "/api/products?q=" + nine, []string{"q"}},
		{"nine words by relevance", "/api/products?sort=relevance&q=" + nine, []string{"q"}},
		{"brands nine words", "/api/brands?q=" + nine, []string{"q"}},
		{"bad q and sort", "/api/products?q=%FF&sort=x", []string{"q", "sort"}},
		{"suggest nine words", "/api/search/suggest?q=" + nine, []string{"q"}},
		{"suggest not UTF-8", "/api/search/suggest?q=%FF", []string{"q"}},
		{"suggest too long", "/api/search/suggest?q=" + strings.Repeat("%EA%B0%80", 201), []string{"q"}},
		{"suggest malformed query string", "/api/search/suggest?q=%zz", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.get(t, tc.path)
			doc := res.want(t, http.StatusBadRequest)
			if len(tc.fields) == 0 {
				if _, ok := doc["errors"]; ok {
					t.Errorf("errors %v, want none", doc["errors"])
				}
				return
			}
			wantFields(t, doc, tc.fields...)
			if msg, _ := doc["errors"].(obj)["q"].(string); slices.Contains(tc.fields, "q") && strings.Contains(tc.name, "nine") &&
				msg != "must have at most 8 words" {
				t.Errorf("errors.q = %q, want must have at most 8 words", msg)
			}
			if res.header.Get("Cache-Control") != "" {
				t.Errorf("a 400 carries Cache-Control %q", res.header.Get("Cache-Control"))
			}
		})
	}
	// Eight words are fine.
	for _, path := range []string{"/api/products?q=" + eight, "/api/brands?q=" + eight, "/api/search/suggest?q=" + eight} {
		if res := f.get(t, path); res.status != http.StatusOK {
			t.Errorf("GET %s: %d, want 200; %s", path, res.status, res.body)
		}
	}
	var doc obj
	if err := json.Unmarshal(f.get(t, "/api/products?sort=price").body, &doc); err != nil {
		t.Fatal(err)
	}
	if msg := doc["errors"].(obj)["sort"]; msg != `must be "newest" or "relevance"` {
		t.Errorf("errors.sort = %v", msg)
	}
}
