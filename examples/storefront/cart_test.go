package storefront_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
)

// cartSignUp signs c up as a customer named username, through the
// sign-up page or, while that page answers 404 (not built yet), through
// the service with the session cookie set by hand.
func cartSignUp(c *client, username string) account.Account {
	c.t.Helper()
	if probe := c.get("/accounts/signup"); probe.Status != http.StatusNotFound {
		return c.signUp(username)
	}
	in, err := c.shop.Accounts.SignUp(context.Background(), account.SignUpInput{
		Username: username, Password: "tangerine-Orbit-42", PasswordConfirm: "tangerine-Orbit-42",
		Nickname: username + "님", Email: username + "@example.com",
	}, c.cookie(storefrontCookie))
	if err != nil {
		c.t.Fatal(err)
	}
	u, err := url.Parse(c.shop.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: storefrontCookie, Value: in.Token, Path: "/"}})
	return in.Account
}

// inputValue returns the value of the input named name on body, or "".
func inputValue(t testing.TB, body, name string) string {
	t.Helper()
	re := regexp.MustCompile(`<input[^>]*\bname="` + regexp.QuoteMeta(name) + `"[^>]*\bvalue="([^"]*)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// typedAddress is a valid address as typed at checkout.
func typedAddress() url.Values {
	return url.Values{
		"address_id": {"new"}, "recipient": {"김하늘"}, "phone": {"010-1234-5678"},
		"line1": {"서울특별시 중구 세종대로 110"}, "line2": {"3층"}, "zipcode": {"04524"}, "note": {"문 앞에 놓아 주세요"},
	}
}

// checkoutForm opens the checkout page at path and returns its form as a
// browser would send it: the hidden fields, a typed address and payment
// by method.
func checkoutForm(c *client, path string, method order.PaymentMethod) url.Values {
	c.t.Helper()
	p := c.get(path)
	if p.Status != http.StatusOK {
		c.t.Fatalf("GET %s: got %d, want 200; body:\n%s", path, p.Status, p.Body)
	}
	f := typedAddress()
	for _, name := range []string{"idempotency_key", "cart", "product", "quantity"} {
		if v := inputValue(c.t, p.Body, name); v != "" {
			f.Set(name, v)
		}
	}
	if f.Get("idempotency_key") == "" {
		c.t.Fatalf("the checkout form has no idempotency key:\n%s", p.Body)
	}
	f.Set("payment_method", string(method))
	return f
}

// orderID returns the order a checkout redirected to.
func orderID(t *testing.T, p page) uuid.UUID {
	t.Helper()
	rest, ok := strings.CutPrefix(p.Location, "/orders/")
	if p.Status != http.StatusSeeOther || !ok {
		t.Fatalf("got %d to %q, want 303 to /orders/{id}; body:\n%s", p.Status, p.Location, p.Body)
	}
	id, err := uuid.Parse(rest)
	if err != nil {
		t.Fatalf("redirect to %q: %v", p.Location, err)
	}
	return id
}

// ordersOf returns the customer's orders.
func ordersOf(t *testing.T, s *shop, acct account.Account) []order.Order {
	t.Helper()
	page, err := s.Orders.Orders(context.Background(), commerce.UserActor(acct.ID), order.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

// stockOf returns the units left of a product.
func stockOf(t *testing.T, s *shop, id uuid.UUID) int {
	t.Helper()
	p, err := s.Catalog.Product(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stock == nil {
		t.Fatalf("product %s does not track stock", p.Name)
	}
	return *p.Stock
}

// setStock gives a product n units, as staff.
func setStock(t *testing.T, s *shop, id uuid.UUID, n int) {
	t.Helper()
	if _, err := s.Catalog.UpdateProduct(context.Background(), s.Staff, id, catalog.ProductPatch{Stock: commerce.Some(&n)}); err != nil {
		t.Fatal(err)
	}
}

// addToCart puts n of a product in c's cart through the product page's
// form.
func addToCart(c *client, id uuid.UUID, n string) page {
	c.t.Helper()
	return c.post("/cart/items", url.Values{"product_id": {id.String()}, "quantity": {n}})
}

// fieldError returns the message shown under the input id, or "".
func fieldError(body, id string) string {
	re := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(id) + `-error">([^<]*)</p>`)
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

func TestGuestAddsToCart(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			jam := s.product("유기농사과잼")
			p := addToCart(c, jam.ID, "2")
			if want := "/products/" + jam.ID.String() + "?added=1"; p.Status != http.StatusSeeOther || p.Location != want {
				t.Fatalf("got %d to %q, want 303 to %s; body:\n%s", p.Status, p.Location, want, p.Body)
			}
			if c.cookie(storefrontCookie) == "" {
				t.Fatal("no session cookie after the first add")
			}
			next := c.follow(p)
			if got := cartCountOf(t, next.Body); got != "2" {
				t.Errorf("header count %s, want 2", got)
			}
			if !strings.Contains(next.Body, "장바구니에 담았습니다") {
				t.Error("the product page does not say the product went in")
			}
			if p := addToCart(c, jam.ID, "1"); p.Status != http.StatusSeeOther {
				t.Fatalf("second add: got %d", p.Status)
			}
			cartPage := c.get("/cart")
			if cartPage.Status != http.StatusOK {
				t.Fatalf("GET /cart: got %d", cartPage.Status)
			}
			for _, want := range []string{
				`href="/products/` + jam.ID.String() + `"`, jam.Name, "8,900원", "26,700원", "합계", "비우기", "주문하기",
				`href="/checkout"`, `action="/cart/items/` + jam.ID.String() + `"`, `action="/cart/items/` + jam.ID.String() + `/delete"`,
				`action="/cart/clear"`,
			} {
				if !strings.Contains(cartPage.Body, want) {
					t.Errorf("the cart page lacks %s", want)
				}
			}
			if got := inputValue(t, cartPage.Body, "quantity"); got != "3" {
				t.Errorf("quantity box shows %q, want 3", got)
			}
			if got := cartCountOf(t, cartPage.Body); got != "3" {
				t.Errorf("header count %s, want 3", got)
			}
		})
	}
}

func TestAddToCartRefusesBadQuantities(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	for _, tc := range []struct {
		quantity string
		want     string
	}{
		{"0", "1에서 99 사이의 수를 입력해 주세요."},
		{"100", "1에서 99 사이의 수를 입력해 주세요."},
		{"-3", "1에서 99 사이의 수를 입력해 주세요."},
		{"abc", "숫자를 입력해 주세요."},
		{"99999999999999999999", "1에서 99 사이의 수를 입력해 주세요."},
	} {
		t.Run(tc.quantity, func(t *testing.T) {
			c := s.client()
			p := addToCart(c, jam.ID, tc.quantity)
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422; body:\n%s", p.Status, p.Body)
			}
			if got := fieldError(p.Body, "quantity"); got != tc.want {
				t.Errorf("message next to 수량: got %q, want %q", got, tc.want)
			}
			if !strings.Contains(p.Body, `aria-invalid="true" aria-describedby="quantity-error"`) {
				t.Error("the quantity input is not marked invalid")
			}
			if got := inputValue(t, p.Body, "quantity"); got != tc.quantity {
				t.Errorf("quantity box shows %q, want what was typed, %q", got, tc.quantity)
			}
			if c.cookie(storefrontCookie) != "" {
				t.Error("a failed first add started a session")
			}
			if got := cartCountOf(t, p.Body); got != "0" {
				t.Errorf("header count %s, want 0", got)
			}
		})
	}
}

func TestAddToCartRefusesALinePast99(t *testing.T) {
	s := newShop(t)
	c := s.client()
	jam := s.product("유기농사과잼")
	if p := addToCart(c, jam.ID, "60"); p.Status != http.StatusSeeOther {
		t.Fatalf("got %d", p.Status)
	}
	p := addToCart(c, jam.ID, "50")
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422", p.Status)
	}
	if got, want := fieldError(p.Body, "quantity"), "장바구니에 이미 60개가 있습니다. 한 상품은 99개까지 담을 수 있습니다."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := cartCountOf(t, p.Body); got != "60" {
		t.Errorf("header count %s, want 60", got)
	}
}

func TestAddToCartOfNoProduct(t *testing.T) {
	s := newShop(t)
	jam := s.product("유기농사과잼")
	if err := s.Catalog.DeleteProduct(context.Background(), s.Staff, jam.ID); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{"deleted": jam.ID.String(), "malformed": "not-a-uuid", "missing": ""} {
		t.Run(name, func(t *testing.T) {
			c := s.client()
			p := c.post("/cart/items", url.Values{"product_id": {id}, "quantity": {"1"}})
			if p.Status != http.StatusNotFound {
				t.Fatalf("got %d, want 404", p.Status)
			}
			if c.cookie(storefrontCookie) != "" {
				t.Error("a failed add started a session")
			}
		})
	}
}

func TestCartChangeRemoveAndClear(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			jam, chips := s.product("유기농사과잼"), s.product("바삭 사과칩")
			addToCart(c, jam.ID, "1")
			addToCart(c, chips.ID, "2")

			p := c.post("/cart/items/"+jam.ID.String(), url.Values{"quantity": {"5"}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("change: got %d; body:\n%s", p.Status, p.Body)
			}
			if got := cartCountOf(t, c.follow(p).Body); got != "7" {
				t.Errorf("after the change: count %s, want 7", got)
			}

			p = c.post("/cart/items/"+jam.ID.String(), url.Values{"quantity": {"100"}})
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("quantity 100: got %d, want 422", p.Status)
			}
			id := "quantity-" + jam.ID.String()
			if got := fieldError(p.Body, id); got != "0에서 99 사이의 수를 입력해 주세요." {
				t.Errorf("message on the line: %q", got)
			}
			if !strings.Contains(p.Body, `aria-describedby="`+id+`-error"`) {
				t.Error("the line's quantity input does not point at its error")
			}

			p = c.post("/cart/items/"+chips.ID.String()+"/delete", nil)
			if p.Status != http.StatusSeeOther {
				t.Fatalf("remove: got %d", p.Status)
			}
			next := c.follow(p)
			if got := cartCountOf(t, next.Body); got != "5" {
				t.Errorf("after the removal: count %s, want 5", got)
			}
			if strings.Contains(next.Body, chips.Name) {
				t.Error("the removed product is still in the cart")
			}

			p = c.post("/cart/items/"+jam.ID.String(), url.Values{"quantity": {"0"}})
			if got := cartCountOf(t, c.follow(p).Body); got != "0" {
				t.Errorf("after quantity 0: count %s, want 0", got)
			}

			addToCart(c, jam.ID, "2")
			addToCart(c, chips.ID, "2")
			p = c.post("/cart/clear", nil)
			if p.Status != http.StatusSeeOther {
				t.Fatalf("clear: got %d", p.Status)
			}
			next = c.follow(p)
			if got := cartCountOf(t, next.Body); got != "0" {
				t.Errorf("after clearing: count %s, want 0", got)
			}
			if !strings.Contains(next.Body, "장바구니가 비어 있습니다") || !strings.Contains(next.Body, `href="/"`) {
				t.Error("the empty cart does not say so with a link to browse")
			}
		})
	}
}

func TestCartMarksSoldOutAndDeletedProducts(t *testing.T) {
	s := newShop(t)
	c := s.client()
	jam, chips, vinegar := s.product("유기농사과잼"), s.product("바삭 사과칩"), s.product("유기농 사과식초")
	addToCart(c, jam.ID, "3")
	addToCart(c, chips.ID, "1")
	addToCart(c, vinegar.ID, "1")
	setStock(t, s, jam.ID, 2)
	setStock(t, s, chips.ID, 0)
	if err := s.Catalog.DeleteProduct(context.Background(), s.Staff, vinegar.ID); err != nil {
		t.Fatal(err)
	}
	p := c.get("/cart")
	for _, want := range []string{"재고 부족", "품절"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the cart page lacks %s", want)
		}
	}
	if strings.Contains(p.Body, vinegar.Name) {
		t.Error("the deleted product is still listed")
	}
	// Changing the deleted product's line (a page opened before) says it
	// is gone.
	p = c.post("/cart/items/"+vinegar.ID.String(), url.Values{"quantity": {"2"}})
	if !strings.Contains(c.follow(p).Body, "판매가 끝난 상품은 장바구니에서 빠졌습니다") {
		t.Error("no note about the deleted product")
	}
}

func TestCheckoutAsVisitorSignsInFirst(t *testing.T) {
	s := newShop(t)
	c := s.client()
	jam := s.product("유기농사과잼")
	for _, path := range []string{"/checkout", "/checkout?product=" + jam.ID.String() + "&quantity=2"} {
		p := c.get(path)
		if want := "/accounts/login?next=" + url.QueryEscape(path); p.Status != http.StatusSeeOther || p.Location != want {
			t.Errorf("GET %s: got %d to %q, want 303 to %s", path, p.Status, p.Location, want)
		}
	}
	p := c.post("/checkout", url.Values{"product": {jam.ID.String()}, "quantity": {"2"}})
	if want := "/accounts/login?next=" + url.QueryEscape("/checkout?product="+jam.ID.String()+"&quantity=2"); p.Location != want {
		t.Errorf("POST: got %d to %q, want %s", p.Status, p.Location, want)
	}
	p = c.get("/orders/" + uuid.NewString())
	if !strings.HasPrefix(p.Location, "/accounts/login?next=") {
		t.Errorf("an order page for a visitor: got %d to %q, want the sign-in page", p.Status, p.Location)
	}
}

func TestBuyNowPage(t *testing.T) {
	s := newShop(t)
	c := s.client()
	cartSignUp(c, "buyer")
	jam := s.product("유기농사과잼")

	// The product page's 바로 구매 button sends its form by GET.
	p := c.get("/checkout?product_id=" + jam.ID.String() + "&quantity=3")
	want := "/checkout?product=" + jam.ID.String() + "&quantity=3"
	if (p.Status != http.StatusSeeOther && p.Status != http.StatusFound) || p.Location != want {
		t.Fatalf("got %d to %q, want a redirect to %s", p.Status, p.Location, want)
	}
	page := c.follow(p)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "26,700원") || !strings.Contains(page.Body, "결제하기") {
		t.Errorf("the buy-now page: %d\n%s", page.Status, page.Body)
	}
	if !strings.Contains(page.Body, "data-once") {
		t.Error("the checkout form is not marked data-once")
	}

	for _, q := range []string{"0", "100", "abc", "99999999999999999999"} {
		p := c.get("/checkout?product=" + jam.ID.String() + "&quantity=" + q)
		if p.Status != http.StatusUnprocessableEntity || fieldError(p.Body, "quantity") == "" {
			t.Errorf("quantity %s: got %d, want 422 with the product page's quantity error", q, p.Status)
		}
	}
	for _, path := range []string{"/checkout?product=nope", "/checkout?product=" + uuid.NewString(), "/orders/nope"} {
		if p := c.get(path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", path, p.Status)
		}
	}
}

func TestCheckoutOfTheCart(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			// Three orders take from the same products.
			setStock(t, s, s.product("유기농사과잼").ID, 50)
			setStock(t, s, s.product("바삭 사과칩").ID, 50)
			for _, tc := range []struct {
				method order.PaymentMethod
				status string
			}{
				{order.Card, "결제 완료"},
				{order.BankTransfer, "결제 대기"},
				{order.Mobile, "결제 완료"},
			} {
				t.Run(string(tc.method), func(t *testing.T) {
					c := s.client()
					jam, chips := s.product("유기농사과잼"), s.product("바삭 사과칩")
					// A guest's cart comes along when they sign up.
					addToCart(c, jam.ID, "2")
					acct := cartSignUp(c, "buyer"+strings.ReplaceAll(string(tc.method), "_", ""))
					addToCart(c, chips.ID, "1")
					jamStock, chipsStock := stockOf(t, s, jam.ID), stockOf(t, s, chips.ID)

					f := checkoutForm(c, "/checkout", tc.method)
					if f.Has("product") {
						t.Error("the cart's checkout carries a product")
					}
					p := c.post("/checkout", f)
					id := orderID(t, p)
					o := c.follow(p)
					if o.Status != http.StatusOK {
						t.Fatalf("order page: got %d", o.Status)
					}
					for _, want := range []string{tc.status, jam.Name, chips.Name, "24,300원", "김하늘", "04524"} {
						if !strings.Contains(o.Body, want) {
							t.Errorf("the order page lacks %s", want)
						}
					}
					if got := cartCountOf(t, o.Body); got != "0" {
						t.Errorf("cart count after checkout %s, want 0", got)
					}
					if got := stockOf(t, s, jam.ID); got != jamStock-2 {
						t.Errorf("jam stock %d, want %d", got, jamStock-2)
					}
					if got := stockOf(t, s, chips.ID); got != chipsStock-1 {
						t.Errorf("chips stock %d, want %d", got, chipsStock-1)
					}
					if orders := ordersOf(t, s, acct); len(orders) != 1 || orders[0].ID != id {
						t.Errorf("got %d orders, want the one", len(orders))
					}
					// Checking out the empty cart goes back to it.
					if p := c.get("/checkout"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/cart") {
						t.Errorf("checkout of an empty cart: got %d to %q", p.Status, p.Location)
					}
				})
			}
		})
	}
}

func TestBuyNowLeavesTheCartAlone(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			acct := cartSignUp(c, "buyer")
			jam, chips := s.product("유기농사과잼"), s.product("바삭 사과칩")
			addToCart(c, chips.ID, "2")
			f := checkoutForm(c, "/checkout?product="+jam.ID.String()+"&quantity=3", order.Card)
			if f.Get("product") != jam.ID.String() || f.Get("quantity") != "3" {
				t.Fatalf("the buy-now form carries product %q quantity %q", f.Get("product"), f.Get("quantity"))
			}
			o := c.follow(c.post("/checkout", f))
			if !strings.Contains(o.Body, "26,700원") || strings.Contains(o.Body, chips.Name) {
				t.Errorf("the order is not the 3 jams alone:\n%s", o.Body)
			}
			if got := cartCountOf(t, o.Body); got != "2" {
				t.Errorf("cart count %s, want 2: the cart is left alone", got)
			}
			if n := len(ordersOf(t, s, acct)); n != 1 {
				t.Errorf("%d orders, want 1", n)
			}
		})
	}
}

func TestCheckoutTwiceWithOneKeyMakesOneOrder(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			jam := s.product("유기농사과잼")
			for name, source := range map[string]string{"cart": "/checkout", "buy-now": "/checkout?product=" + jam.ID.String() + "&quantity=1"} {
				t.Run(name, func(t *testing.T) {
					c := s.client()
					acct := cartSignUp(c, "twice"+fmt.Sprint(len(source)))
					addToCart(c, jam.ID, "1")
					stock := stockOf(t, s, jam.ID)
					f := checkoutForm(c, source, order.Card)
					first := orderID(t, c.post("/checkout", f))
					// A reload, or back and 결제하기 again.
					second := orderID(t, c.post("/checkout", f))
					if first != second {
						t.Errorf("the second post went to %s, want the first order %s", second, first)
					}
					if n := len(ordersOf(t, s, acct)); n != 1 {
						t.Errorf("%d orders, want 1", n)
					}
					if got := stockOf(t, s, jam.ID); got != stock-1 {
						t.Errorf("stock %d, want %d", got, stock-1)
					}
				})
			}
		})
	}
}

func TestCheckoutConcurrentPostsOfOneKeyMakeOneOrder(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			acct := cartSignUp(c, "clicker")
			jam := s.product("유기농사과잼")
			addToCart(c, jam.ID, "2")
			stock := stockOf(t, s, jam.ID)
			body := checkoutForm(c, "/checkout", order.Card).Encode()

			const n = 20
			locations := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					req, err := http.NewRequest(http.MethodPost, s.URL+"/checkout", strings.NewReader(body))
					if err != nil {
						errs[i] = err
						return
					}
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Origin", s.URL)
					res, err := c.http.Do(req)
					if err != nil {
						errs[i] = err
						return
					}
					res.Body.Close()
					if res.StatusCode != http.StatusSeeOther {
						errs[i] = fmt.Errorf("got %d, want 303", res.StatusCode)
					}
					locations[i] = res.Header.Get("Location")
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("post %d: %v", i, err)
				}
			}
			orders := ordersOf(t, s, acct)
			if len(orders) != 1 {
				t.Fatalf("%d orders, want 1", len(orders))
			}
			for i, loc := range locations {
				if want := "/orders/" + orders[0].ID.String(); loc != want {
					t.Errorf("post %d went to %q, want %s", i, loc, want)
				}
			}
			if got := stockOf(t, s, jam.ID); got != stock-2 {
				t.Errorf("stock %d, want %d", got, stock-2)
			}
		})
	}
}

func TestCheckoutOutOfStock(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			acct := cartSignUp(c, "late")
			jam := s.product("유기농사과잼")
			addToCart(c, jam.ID, "2")
			f := checkoutForm(c, "/checkout", order.BankTransfer)
			setStock(t, s, jam.ID, 1)

			p := c.post("/checkout", f)
			if p.Status != http.StatusConflict {
				t.Fatalf("got %d, want 409; body:\n%s", p.Status, p.Body)
			}
			for _, want := range []string{jam.Name + "의 재고가 부족합니다", "재고 부족", "결제하기"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the checkout page lacks %s", want)
				}
			}
			if got := inputValue(t, p.Body, "idempotency_key"); got != f.Get("idempotency_key") {
				t.Errorf("the key changed: %q, want %q", got, f.Get("idempotency_key"))
			}
			if got := inputValue(t, p.Body, "recipient"); got != "김하늘" {
				t.Errorf("recipient %q, want what was typed", got)
			}
			if !strings.Contains(p.Body, `value="bank_transfer" checked`) {
				t.Error("the payment method chosen is not kept")
			}
			if got := stockOf(t, s, jam.ID); got != 1 {
				t.Errorf("stock %d, want 1 (unchanged)", got)
			}
			if n := len(ordersOf(t, s, acct)); n != 0 {
				t.Errorf("%d orders, want none", n)
			}
			if got := cartCountOf(t, p.Body); got != "2" {
				t.Errorf("cart count %s, want 2 (unchanged)", got)
			}
		})
	}
}

func TestCheckoutAfterTheCartChanged(t *testing.T) {
	s := newShop(t)
	c := s.client()
	acct := cartSignUp(c, "tabs")
	jam, chips := s.product("유기농사과잼"), s.product("바삭 사과칩")
	addToCart(c, jam.ID, "1")
	f := checkoutForm(c, "/checkout", order.Card)
	// In another tab, one more product.
	addToCart(c, chips.ID, "1")
	p := c.post("/checkout", f)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "장바구니나 가격이 바뀌었습니다") {
		t.Fatalf("got %d, want 409 saying the cart changed; body:\n%s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, chips.Name) {
		t.Error("the checkout page does not show the cart as it is now")
	}
	if n := len(ordersOf(t, s, acct)); n != 0 {
		t.Fatalf("%d orders, want none", n)
	}
	// Sent again from the page shown, it goes through.
	f.Set("cart", inputValue(t, p.Body, "cart"))
	o := c.follow(c.post("/checkout", f))
	if !strings.Contains(o.Body, chips.Name) || !strings.Contains(o.Body, jam.Name) {
		t.Error("the order lacks a product of the cart")
	}
}

func TestCheckoutBadAddress(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			acct := cartSignUp(c, "typo")
			jam := s.product("유기농사과잼")
			addToCart(c, jam.ID, "1")
			f := checkoutForm(c, "/checkout", order.Card)
			f.Set("recipient", "")
			f.Set("phone", "전화 없음")
			f.Set("zipcode", "!")
			f.Set("line2", "2층 안쪽")
			p := c.post("/checkout", f)
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422; body:\n%s", p.Status, p.Body)
			}
			for id, want := range map[string]string{
				"recipient": "꼭 입력해 주세요.",
				"phone":     "010-1234-5678 같은 전화번호를 입력해 주세요.",
				"zipcode":   "04524 같은 우편번호를 입력해 주세요.",
			} {
				if got := fieldError(p.Body, id); got != want {
					t.Errorf("%s: got %q, want %q", id, got, want)
				}
				if !strings.Contains(p.Body, `aria-describedby="`+id+`-error"`) {
					t.Errorf("%s is not tied to its error", id)
				}
			}
			for name, want := range map[string]string{"phone": "전화 없음", "line2": "2층 안쪽", "line1": f.Get("line1"), "idempotency_key": f.Get("idempotency_key")} {
				if got := inputValue(t, p.Body, name); got != want {
					t.Errorf("%s: shows %q, want what was typed, %q", name, got, want)
				}
			}
			if n := len(ordersOf(t, s, acct)); n != 0 {
				t.Errorf("%d orders, want none", n)
			}
			// Corrected, with the address saved for next time.
			f.Set("recipient", "김하늘")
			f.Set("phone", "010-1234-5678")
			f.Set("zipcode", "04524")
			f.Set("save_address", "1")
			orderID(t, c.post("/checkout", f))
			book, err := s.Orders.Addresses(context.Background(), commerce.UserActor(acct.ID))
			if err != nil {
				t.Fatal(err)
			}
			if len(book) != 1 || book[0].Line2 != "2층 안쪽" {
				t.Fatalf("address book %+v, want the typed address", book)
			}
			// The next checkout offers it, chosen already.
			addToCart(c, jam.ID, "1")
			page := c.get("/checkout")
			if !strings.Contains(page.Body, `value="`+book[0].ID.String()+`" checked`) {
				t.Errorf("the saved address is not offered:\n%s", page.Body)
			}
			g := url.Values{
				"idempotency_key": {inputValue(t, page.Body, "idempotency_key")}, "cart": {inputValue(t, page.Body, "cart")},
				"address_id": {book[0].ID.String()}, "payment_method": {"card"},
			}
			o := c.follow(c.post("/checkout", g))
			if !strings.Contains(o.Body, "2층 안쪽") {
				t.Error("the order does not go to the saved address")
			}
		})
	}
}

func TestOrderOfAnotherCustomerIsNotFound(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			alice, bob := s.client(), s.client()
			cartSignUp(alice, "alice")
			cartSignUp(bob, "bob")
			jam := s.product("유기농사과잼")
			f := checkoutForm(alice, "/checkout?product="+jam.ID.String()+"&quantity=1", order.Card)
			id := orderID(t, alice.post("/checkout", f))
			if p := bob.get("/orders/" + id.String()); p.Status != http.StatusNotFound {
				t.Errorf("bob sees alice's order: got %d, want 404", p.Status)
			}
			if p := bob.post("/orders/"+id.String()+"/cancel", nil); p.Status != http.StatusNotFound {
				t.Errorf("bob cancels alice's order: got %d, want 404", p.Status)
			}
			if p := alice.get("/orders/" + id.String()); p.Status != http.StatusOK || !strings.Contains(p.Body, "결제 완료") {
				t.Errorf("alice's own order: got %d", p.Status)
			}
		})
	}
}

func TestCancelOrder(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			cartSignUp(c, "changed-mind")
			jam := s.product("유기농사과잼")
			stock := stockOf(t, s, jam.ID)
			id := orderID(t, c.post("/checkout", checkoutForm(c, "/checkout?product="+jam.ID.String()+"&quantity=2", order.Card)))
			page := c.get("/orders/" + id.String())
			for _, want := range []string{`action="/orders/` + id.String() + `/cancel"`, `data-confirm="주문을 취소할까요?"`, "주문 취소", "카드"} {
				if !strings.Contains(page.Body, want) {
					t.Errorf("the order page lacks %s", want)
				}
			}
			if got := stockOf(t, s, jam.ID); got != stock-2 {
				t.Fatalf("stock %d after the order, want %d", got, stock-2)
			}
			p := c.post("/orders/"+id.String()+"/cancel", nil)
			if want := "/orders/" + id.String() + "?cancelled=1"; p.Status != http.StatusSeeOther || p.Location != want {
				t.Fatalf("got %d to %q, want 303 to %s", p.Status, p.Location, want)
			}
			page = c.follow(p)
			if !strings.Contains(page.Body, `<span class="status">주문 취소</span>`) || !strings.Contains(page.Body, "주문을 취소했습니다") {
				t.Errorf("the cancelled order page:\n%s", page.Body)
			}
			if strings.Contains(page.Body, "/cancel\"") {
				t.Error("a cancelled order still offers 주문 취소")
			}
			if got := stockOf(t, s, jam.ID); got != stock {
				t.Errorf("stock %d after cancelling, want %d", got, stock)
			}
			// A second click lands on the cancelled order too.
			if p := c.post("/orders/"+id.String()+"/cancel", nil); p.Status != http.StatusSeeOther {
				t.Errorf("cancelling again: got %d, want 303", p.Status)
			}
		})
	}
}

func TestCancelAfterShippingIsRefused(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			cartSignUp(c, "too-late")
			jam := s.product("유기농사과잼")
			id := orderID(t, c.post("/checkout", checkoutForm(c, "/checkout?product="+jam.ID.String()+"&quantity=1", order.Card)))
			page := c.get("/orders/" + id.String())
			if _, err := s.Orders.SetStatus(context.Background(), s.Staff, id, order.Shipped); err != nil {
				t.Fatal(err)
			}
			// The page opened before shipping still has the button.
			if !strings.Contains(page.Body, "/cancel") {
				t.Fatal("no cancel button before shipping")
			}
			p := c.post("/orders/"+id.String()+"/cancel", nil)
			if p.Status != http.StatusConflict {
				t.Fatalf("got %d, want 409", p.Status)
			}
			for _, want := range []string{"이미 배송이 시작되어 취소할 수 없습니다", `<span class="status">배송 중</span>`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if strings.Contains(p.Body, `/cancel"`) {
				t.Error("a shipped order still offers 주문 취소")
			}
		})
	}
}

func TestCheckoutOfAProductDeletedMeanwhile(t *testing.T) {
	s := newShop(t)
	c := s.client()
	acct := cartSignUp(c, "slow")
	jam := s.product("유기농사과잼")
	f := checkoutForm(c, "/checkout?product="+jam.ID.String()+"&quantity=1", order.Card)
	if err := s.Catalog.DeleteProduct(context.Background(), s.Staff, jam.ID); err != nil {
		t.Fatal(err)
	}
	p := c.post("/checkout", f)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422; body:\n%s", p.Status, p.Body)
	}
	for _, want := range []string{"판매하지 않는 상품입니다", "더 이상 판매하지 않습니다"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := len(ordersOf(t, s, acct)); n != 0 {
		t.Errorf("%d orders, want none", n)
	}
}

func TestCheckoutFormSentAgainWithOtherDetails(t *testing.T) {
	s := newShop(t)
	c := s.client()
	acct := cartSignUp(c, "second-thoughts")
	jam := s.product("유기농사과잼")
	f := checkoutForm(c, "/checkout?product="+jam.ID.String()+"&quantity=1", order.Card)
	first := orderID(t, c.post("/checkout", f))
	// Back, another payment method, 결제하기.
	f.Set("payment_method", string(order.BankTransfer))
	p := c.post("/checkout", f)
	if p.Status != http.StatusConflict {
		t.Fatalf("got %d, want 409; body:\n%s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, `href="/orders/`+first.String()+`"`) {
		t.Error("the page does not link to the order the form placed")
	}
	key := inputValue(t, p.Body, "idempotency_key")
	if key == "" || key == f.Get("idempotency_key") {
		t.Fatalf("the form keeps key %q, want a new one", key)
	}
	if n := len(ordersOf(t, s, acct)); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
	// Sent knowingly once more: a second order.
	f.Set("idempotency_key", key)
	if second := orderID(t, c.post("/checkout", f)); second == first {
		t.Error("the new key gave the first order")
	}
	if n := len(ordersOf(t, s, acct)); n != 2 {
		t.Errorf("%d orders, want 2", n)
	}
}

// TestCartBlocksALineThatCannotBeBought stores a product of the cart in
// another currency through the repository, as data from before the catalog
// refused such prices: the cart page marks the line with the reason, counts
// only the rest, and offers no checkout until the line is removed; the
// checkout page says so and offers no payment.
func TestCartBlocksALineThatCannotBeBought(t *testing.T) {
	s := newShop(t)
	c := s.client()
	cartSignUp(c, "mixedcart")
	jam, chips := s.product("유기농사과잼"), s.product("바삭 사과칩")
	addToCart(c, jam.ID, "2")
	addToCart(c, chips.ID, "1")
	ctx := context.Background()
	p, err := s.catalogRepo.GetProduct(ctx, chips.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := p
	next.Price, next.Version = commerce.MustMoney("9.50", "USD"), p.Version+1
	if err := s.catalogRepo.UpdateProduct(ctx, next, p.Version); err != nil {
		t.Fatal(err)
	}

	page := c.get("/cart")
	for _, want := range []string{"구매 불가", "이 쇼핑몰에서 살 수 없는 통화의 상품입니다", "그 상품을 삭제해야 주문할 수 있습니다", "(2개)"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the cart page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, `href="/checkout"`) {
		t.Error("the cart page offers checkout with a line that cannot be bought")
	}
	if strings.Contains(page.Body, `id="quantity-`+chips.ID.String()+`"`) {
		t.Error("the line that cannot be bought has a quantity box")
	}
	if n := cartCountOf(t, page.Body); n != "2" {
		t.Errorf("the header's cart count %q, want 2", n)
	}
	checkout := c.get("/checkout")
	if checkout.Status != http.StatusOK || !strings.Contains(checkout.Body, "살 수 없는 상품이 장바구니에 있습니다") || strings.Contains(checkout.Body, "결제하기") {
		t.Errorf("the checkout page with a line that cannot be bought: %d, body:\n%s", checkout.Status, checkout.Body)
	}
	// A quantity change sent by hand shows the reason on the line.
	page = c.post("/cart/items/"+chips.ID.String(), url.Values{"quantity": {"3"}})
	if page.Status != http.StatusUnprocessableEntity || fieldError(page.Body, "quantity-"+chips.ID.String()) == "" {
		t.Errorf("a quantity for the line: %d, field error %q", page.Status, fieldError(page.Body, "quantity-"+chips.ID.String()))
	}

	page = c.follow(c.post("/cart/items/"+chips.ID.String()+"/delete", nil))
	if !strings.Contains(page.Body, `href="/checkout"`) || strings.Contains(page.Body, "구매 불가") {
		t.Error("after removing the line, the cart page still blocks checkout")
	}
}
