package storefront_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Nothing a visitor, a customer or staff can type or click gives a 500:
// every route, with malformed, missing, foreign and outsized values in its
// path, query and form.
func TestNoInputGivesA500(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	other := s.client()
	other.signUp("someone")
	placed := other.post("/checkout", url.Values{
		"product": {jam.ID.String()}, "quantity": {"1"}, "recipient": {"남"}, "phone": {"010-1111-2222"},
		"line1": {"서울"}, "zipcode": {"04524"}, "payment_method": {"card"}, "idempotency_key": {"robust"},
	})
	if placed.Status != http.StatusSeeOther || !strings.HasPrefix(placed.Location, "/orders/") {
		t.Fatalf("another customer's order: %d %q\n%s", placed.Status, placed.Location, placed.Body)
	}
	foreignOrder := strings.TrimPrefix(placed.Location, "/orders/")

	ids := []string{
		"x", "%27%3Cscript%3E", "0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c", strings.Repeat("9", 300),
		jam.ID.String(), "00000000-0000-0000-0000-000000000000", foreignOrder,
	}
	values := []string{"", "0", "-1", "99999999999999999999999", "1e9", "abc", "<b>", "\x00", strings.Repeat("가", 5000), "NORMAL", "card", "true"}
	paths := []string{
		"/", "/products/{id}", "/brands", "/brands/{id}", "/problems", "/problems/{id}", "/search/suggest",
		"/accounts/signup", "/accounts/login", "/mypage", "/cart", "/checkout", "/orders/{id}",
		"/board", "/board/{id}", "/board/new", "/board/{id}/edit",
		"/staff", "/staff/problems", "/staff/problems/new", "/staff/problems/{id}/edit",
		"/staff/brands", "/staff/brands/new", "/staff/brands/{id}/edit",
		"/staff/products", "/staff/products/new", "/staff/products/{id}/edit",
		"/staff/orders", "/staff/orders/{id}", "/staff/notices", "/staff/users",
	}
	posts := []string{
		"/accounts/signup", "/accounts/login", "/accounts/logout", "/mypage/profile", "/mypage/password",
		"/mypage/addresses", "/mypage/addresses/{id}/delete", "/cart/items", "/cart/items/{id}",
		"/cart/items/{id}/delete", "/cart/clear", "/checkout", "/orders/{id}/cancel", "/board/new",
		"/board/{id}/edit", "/board/{id}/delete",
		"/staff/problems/new", "/staff/problems/{id}/edit", "/staff/problems/{id}/delete",
		"/staff/brands/new", "/staff/brands/{id}/edit", "/staff/brands/{id}/delete",
		"/staff/products/new", "/staff/products/{id}/edit", "/staff/products/{id}/delete",
		"/staff/orders/{id}/status", "/staff/notices/{id}/pin", "/staff/notices/{id}/unpin",
		"/staff/notices/{id}/delete", "/staff/users/{id}/staff",
	}
	fields := []string{
		"username", "password", "password_confirm", "nickname", "email", "interests", "current_password",
		"new_password", "new_password_confirm", "recipient", "phone", "line1", "line2", "zipcode", "note",
		"product_id", "product", "quantity", "address_id", "payment_method", "idempotency_key", "cart",
		"title", "category", "body", "pinned", "next", "save_address",
		"name", "summary", "description", "story", "homepage", "problem_id", "brand_id", "price", "stock",
		"stock_untracked", "images", "image_url", "logo_url", "version", "move", "remove", "confirm", "status", "staff", "page",
	}
	queries := []string{"query", "cursor", "page", "category", "product", "product_id", "quantity", "next", "orders_cursor", "saved", "added", "status", "done", "moved", "q", "sort"}
	// Search's own parameters take every value, and bytes that are not
	// UTF-8 or not a query string at all.
	searches := []string{"/search/suggest?q=", "/?query=%EC%82%AC%EA%B3%BC&sort=relevance&cursor=", "/?sort=", "/?query=%EC%82%AC%EA%B3%BC&sort="}
	searchValues := []string{"%FF", "%zz", "a&q=b", "relevance"} // sent as they are
	for _, v := range values {
		searchValues = append(searchValues, url.QueryEscape(v))
	}

	visitor, customer, staff := s.client(), s.client(), s.client()
	customer.signUp("robust")
	staff.signInAsStaff()
	check := func(who string, p page, method, target string) {
		t.Helper()
		if p.Status >= 500 {
			t.Errorf("%s %s %s: %d\n%s", who, method, target, p.Status, p.Body)
		}
	}
	for _, who := range []struct {
		name string
		c    *client
	}{{"visitor", visitor}, {"customer", customer}, {"staff", staff}} {
		for _, search := range searches {
			for _, v := range searchValues {
				check(who.name, who.c.get(search+v), "GET", search+v)
			}
		}
		for _, id := range ids {
			for _, path := range paths {
				target := strings.ReplaceAll(path, "{id}", id)
				check(who.name, who.c.get(target), "GET", target)
				for i, q := range queries {
					v := values[i%len(values)]
					check(who.name, who.c.get(target+"?"+q+"="+url.QueryEscape(v)), "GET", target+"?"+q)
				}
			}
			for _, path := range posts {
				target := strings.ReplaceAll(path, "{id}", id)
				for _, v := range values {
					form := url.Values{}
					for _, f := range fields {
						form.Set(f, v)
					}
					check(who.name, who.c.post(target, form), "POST", target)
				}
			}
		}
	}
}
