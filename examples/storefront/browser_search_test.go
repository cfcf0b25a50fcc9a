package storefront_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// searchListbox selects the suggestions under the header's search box.
const searchListbox = `//form[@role="search"]//ul[@role="listbox"]`

// suggestion selects the suggestion that reads name.
func suggestion(name string) string {
	return searchListbox + `//a[@role="option"][./*[@class="suggestion-name" and normalize-space()=` + xpathString(name) + `]]`
}

// press presses key in the page, where the focus is.
func (b *browser) press(what, key string) {
	b.t.Helper()
	b.do("pressing "+what, chromedp.KeyEvent(key))
}

// pressToPage presses key, expecting a new page, and returns its status.
func (b *browser) pressToPage(what, key string) int {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent(key))
	if err != nil {
		b.t.Fatalf("pressing %s: %v (at %s)", what, err, b.location())
	}
	return int(res.Status)
}

// suggestions types query into the header's search box and waits until
// the list under it shows the catalog's suggestions for the whole query
// (not those of what was typed before the last key), and returns their
// names, in order.
func (b *browser) suggestions(s *shop, query string) []string {
	b.t.Helper()
	list, err := s.Catalog.Suggest(context.Background(), query)
	if err != nil {
		b.t.Fatal(err)
	}
	want := make([]string, 0, len(list))
	for _, sg := range list {
		want = append(want, sg.Name)
	}
	if len(want) == 0 {
		b.t.Fatalf("the catalog suggests nothing for %s", query)
	}
	b.typeInto(field("검색"), query)
	b.do(fmt.Sprintf("waiting for the suggestions %q of %s", want, query), chromedp.PollFunction[chromedp.Void](`(want) => {
		const list = document.querySelector(`+"`"+`form[role="search"] [role="listbox"]`+"`"+`);
		if (!list || list.hidden) return false;
		const names = Array.from(list.querySelectorAll(`+"`"+`[role="option"] .suggestion-name`+"`"+`), e => e.textContent);
		return JSON.stringify(names) === JSON.stringify(want);
	}`, chromedp.WithPollingArgs(want), chromedp.WithPollingMutation()))
	return want
}

func TestBrowserSearchSuggestions(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	b := newBrowser(t, s)
	box := field("검색")

	// Typing shows the names as links; down and Enter open the one chosen.
	b.openOK("/")
	if v, _ := b.attr(box, "aria-expanded"); v != "false" {
		t.Errorf("before typing, the box has aria-expanded=%q, want false", v)
	}
	names := b.suggestions(s, "사과 잼")
	if !slices.Contains(names, "유기농사과잼") {
		t.Fatalf("사과 잼 suggests %v, want 유기농사과잼 among them", names)
	}
	if len(names) > 8 {
		t.Errorf("%d suggestions, want at most 8: %v", len(names), names)
	}
	if v, _ := b.attr(box, "aria-expanded"); v != "true" {
		t.Errorf("with suggestions shown, the box has aria-expanded=%q, want true", v)
	}
	if href, _ := b.attr(suggestion("유기농사과잼"), "href"); href != "/products/"+jam.ID.String() {
		t.Errorf("the suggestion 유기농사과잼 links to %s, want its product page", href)
	}
	for range slices.Index(names, "유기농사과잼") + 1 {
		b.press("↓", kb.ArrowDown)
	}
	if v, _ := b.attr(suggestion("유기농사과잼"), "aria-selected"); v != "true" {
		t.Errorf("after ↓ to 유기농사과잼 it has aria-selected=%q, want true", v)
	}
	id, _ := b.attr(suggestion("유기농사과잼"), "id")
	if active, _ := b.attr(box, "aria-activedescendant"); id == "" || active != id {
		t.Errorf("the box's aria-activedescendant is %q, want the chosen option's id %q", active, id)
	}
	if status := b.pressToPage("Enter", kb.Enter); status != http.StatusOK {
		t.Fatalf("Enter on a suggestion: status %d, want 200", status)
	}
	if got := b.path(); got != "/products/"+jam.ID.String() {
		t.Fatalf("Enter on 유기농사과잼 leads to %s, want its product page", got)
	}
	if got := b.text(`//main//h1`); got != "유기농사과잼" {
		t.Errorf("the product page's h1 reads %q", got)
	}

	// Escape closes the list.
	b.suggestions(s, "사과")
	b.press("Escape", kb.Escape)
	if !b.has(searchListbox + `[@hidden]`) {
		t.Error("after Escape the suggestions still show")
	}
	if v, _ := b.attr(box, "aria-expanded"); v != "false" {
		t.Errorf("after Escape the box has aria-expanded=%q, want false", v)
	}

	// A click on a brand opens the brand's page.
	if names := b.suggestions(s, "사과꽃"); names[0] != "사과꽃농원" {
		t.Errorf("사과꽃 suggests %v, want the brand 사과꽃농원 first", names)
	}
	b.clickOK(suggestion("사과꽃농원"))
	if got := b.path(); got != "/brands/"+jam.Brand.ID.String() {
		t.Fatalf("clicking 사과꽃농원 leads to %s, want its brand page", got)
	}

	// With none chosen, Enter searches, as the button does.
	b.suggestions(s, "사과 잼")
	if status := b.pressToPage("Enter", kb.Enter); status != http.StatusOK {
		t.Fatalf("Enter in the box: status %d, want 200", status)
	}
	if got := b.path(); !strings.HasPrefix(got, "/?query=") {
		t.Errorf("Enter with no suggestion chosen leads to %s, want the results", got)
	}
	if !b.has(within(cards, link("유기농사과잼"))) {
		t.Errorf("searching 사과 잼 does not list 유기농사과잼:\n%s", b.mainText())
	}
	b.typeInto(box, "잼 사과")
	b.clickOK(within(`//form[@role="search"]`, button("검색")))
	if !b.has(within(cards, link("유기농사과잼"))) {
		t.Errorf("searching 잼 사과 with the button does not list 유기농사과잼:\n%s", b.mainText())
	}
	if got := b.value(box); got != "잼 사과" {
		t.Errorf("after searching, the box holds %q, want 잼 사과", got)
	}

	// The order links keep the query.
	b.clickOK(within(`//main//nav[@aria-label="정렬"]`, link("정확도순")))
	if got := b.path(); !strings.Contains(got, "sort=relevance") || !strings.Contains(got, "query=") {
		t.Errorf("정확도순 leads to %s, want the query sorted by relevance", got)
	}
	if !b.has(`//main//nav[@aria-label="정렬"]//a[@aria-current="page" and normalize-space()="정확도순"]`) {
		t.Error("after choosing 정확도순 it is not marked current")
	}
	if !b.has(within(cards, link("유기농사과잼"))) {
		t.Errorf("잼 사과 by relevance does not list 유기농사과잼:\n%s", b.mainText())
	}
}
