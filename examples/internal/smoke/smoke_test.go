package smoke

import (
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The forms are read as a browser sends them: named controls with their
// decoded values, checkboxes and radio buttons only when checked, never
// buttons, files or disabled controls; the other forms of the page are
// left alone.
func TestFormOf(t *testing.T) {
	page := `<form action="/search" method="get"><input name="query" value="x"></form>
<form class="buy" action="/checkout" method="post" data-once>
  <input type="hidden" name="idempotency_key" value="K&amp;1">
  <input id="recipient" name="recipient" type="text" value="김 &#34;산책&#34;" maxlength="50">
  <input name="phone" type="tel" value="">
  <label><input type="radio" name="payment_method" value="card" checked> 카드</label>
  <label><input type="radio" name="payment_method" value="bank_transfer"> 무통장 입금</label>
  <input type="checkbox" id="save" name="save_address" value="1">
  <input type="checkbox" name="interests" value="a" checked><input type="checkbox" name="interests" value="b" CHECKED>
  <input name="gone" value="1" disabled>
  <input type="file" name="photo">
  <textarea name="note" rows="2">문 앞에 &lt;놓아&gt; 주세요</textarea>
  <button type="submit" name="go" value="1">결제하기</button>
  <input type="submit" name="also" value="1">
</form>
<form action="/accounts/logout" method="post" class="inline"><button type="submit">로그아웃</button></form>`

	f, err := formOf(page, "/checkout")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"idempotency_key": {"K&1"},
		"recipient":       {`김 "산책"`},
		"phone":           {""},
		"payment_method":  {"card"},
		"interests":       {"a", "b"},
		"note":            {"문 앞에 <놓아> 주세요"},
	}
	if !reflect.DeepEqual(f.values, want) {
		t.Errorf("values:\n got %v\nwant %v", f.values, want)
	}
	wantChoices := map[string][]string{
		"payment_method": {"card", "bank_transfer"},
		"save_address":   {"1"},
		"interests":      {"a", "b"},
	}
	if !reflect.DeepEqual(f.choices, wantChoices) {
		t.Errorf("choices:\n got %v\nwant %v", f.choices, wantChoices)
	}

	if f, err := formOf(page, "/accounts/logout"); err != nil || len(f.values) != 0 {
		t.Errorf("the sign-out form: %v, %v; want a form with no values", f.values, err)
	}
	// A form that GETs is not a form that posts.
	if _, err := formOf(page, "/search"); err == nil || !strings.Contains(err.Error(), "/search") {
		t.Errorf("formOf(/search) = %v, want an error naming the action", err)
	}
	if _, err := formOf(page, "/cart/items"); err == nil {
		t.Error("formOf(/cart/items) found a form the page does not have")
	}
}

func TestPageText(t *testing.T) {
	body := "<p>합계 <span class=\"meta\">(2개)</span></p>\n<td>8,900원</td><td>A &amp; B&#39;s</td>"
	if got, want := pageText(body), "합계 (2개) 8,900원 A & B's"; got != want {
		t.Errorf("pageText = %q, want %q", got, want)
	}
}

func TestIDs(t *testing.T) {
	const a, b = "0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c", "0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0d"
	body := `<a href="/products/` + a + `">x</a><a href="/products/` + b + `?added=1">y</a>` +
		`<a href="/products/` + a + `">x again</a><a href="/brands/` + b + `">z</a><a href="/products/new">n</a>` +
		`<a href="/products/` + b + `">y</a>`
	if got, want := ids(body, "/products/"), []string{a, b}; !reflect.DeepEqual(got, want) {
		t.Errorf("ids = %v, want %v", got, want)
	}
	if got := ids(body, "/board/"); got != nil {
		t.Errorf("ids(/board/) = %v, want none", got)
	}
}

// A base that is not scheme and host alone is refused, naming it, before
// any request.
func TestNewWalkerChecksBase(t *testing.T) {
	for _, base := range []string{
		"", "127.0.0.1:8080", "ftp://127.0.0.1", "http://", "http://127.0.0.1:8080/",
		"http://127.0.0.1:8080/shop", "http://127.0.0.1?x=1", "http://u:p@127.0.0.1", "http://127.0.0.1#top", "http://%zz",
	} {
		if _, err := newWalker(base); err == nil || !strings.Contains(err.Error(), "base") {
			t.Errorf("newWalker(%q) = %v, want an error naming base", base, err)
		}
	}
	w, err := newWalker("http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if w.origin != "http://127.0.0.1:8080" {
		t.Errorf("origin %q", w.origin)
	}
	other, _ := newWalker("http://127.0.0.1:8080")
	if w.run == other.run {
		t.Errorf("two walks share the run %q: their usernames would clash", w.run)
	}
}

func TestRandomID(t *testing.T) {
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := randomID(), randomID()
	if !v4.MatchString(a) || a == b {
		t.Errorf("randomID() = %q, %q: want two different version 4 UUIDs", a, b)
	}
}

// The steps are the ones the package documents, in its order: their names
// are how a failure is reported.
func TestStepsAreWalkedInOrder(t *testing.T) {
	want := []string{"browse", "search", "sign_up", "cart", "checkout", "board", "errors", "security_headers", "sign_out"}
	if got := Steps(); !reflect.DeepEqual(got, want) {
		t.Errorf("Steps() = %v, want %v", got, want)
	}
}
