package storefront_test

// The browser tests walk the shop in a real, headless Chromium with
// JavaScript on, as a shopper does, and assert on what the pages show. They
// need Chromium (see browser_helpers_test.go); without it they skip, except
// under CI=true.

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
)

// cards selects the product cards of the page.
const cards = `//main//li[contains(concat(" ", normalize-space(@class), " "), " card ")]`

// customerPassword is the password of the customers the tests make.
const customerPassword = "tangerine-Orbit-42"

// customer signs up a customer through the service, as if they had signed
// up earlier, and returns their account.
func customer(t *testing.T, s *shop, username string) account.Account {
	t.Helper()
	in, err := s.Accounts.SignUp(context.Background(), account.SignUpInput{
		Username: username, Password: customerPassword, PasswordConfirm: customerPassword,
		Nickname: username + "님", Email: username + "@example.com",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	return in.Account
}

// stock returns the units of p left.
func stock(t *testing.T, s *shop, p catalog.Product) int {
	t.Helper()
	got, err := s.Catalog.Product(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stock == nil {
		t.Fatalf("%s has untracked stock", p.Name)
	}
	return *got.Stock
}

// addToCart adds quantity units of p from its page, and checks that the
// page after shows the cart grown by quantity.
func (b *browser) addToCart(p catalog.Product, quantity int) {
	b.t.Helper()
	b.openOK("/products/" + p.ID.String())
	before := b.cartCount()
	b.typeInto(field("수량"), strconv.Itoa(quantity))
	b.clickOK(button("장바구니 담기"))
	if got := b.cartCount(); got != before+quantity {
		b.t.Fatalf("after adding %d × %s to a cart of %d: the header reads 장바구니 %d, want %d (at %s)", quantity, p.Name, before, got, before+quantity, b.location())
	}
}

// fillAddress fills the checkout's address fields and chooses card payment.
func (b *browser) fillAddress() {
	b.t.Helper()
	b.typeInto(field("받는 분"), "김하늘")
	b.typeInto(field("연락처"), "010-1234-5678")
	b.typeInto(field("주소"), "서울특별시 종로구 세종대로 175")
	b.typeInto(field("우편번호"), "03172")
	b.do("choosing 카드", chromedp.Click(field("카드")))
	if !b.checked(field("카드")) {
		b.t.Fatal("clicking 카드 does not choose it")
	}
}

// orderPath matches the page of an order.
var orderPath = regexp.MustCompile(`^/orders/([0-9a-f-]{36})$`)

// pay fills in the address on the checkout page the tab shows, clicks
// 결제하기, and returns the id of the order whose page it lands on, after
// checking that it reads 결제 완료.
func (b *browser) pay() uuid.UUID {
	b.t.Helper()
	b.fillAddress()
	b.clickOK(button("결제하기"))
	m := orderPath.FindStringSubmatch(b.path())
	if m == nil {
		b.t.Fatalf("결제하기 leads to %s, want /orders/{id}; the page reads:\n%s", b.path(), b.mainText())
	}
	if !b.showsStatus("결제 완료") {
		b.t.Errorf("the new order's page shows no 결제 완료:\n%s", b.mainText())
	}
	return uuid.MustParse(m[1])
}

// showsStatus reports whether the main part of the page shows the word
// status as text (not as a button's label).
func (b *browser) showsStatus(status string) bool {
	b.t.Helper()
	return b.has(`//main//*[not(self::button) and not(ancestor::button) and normalize-space(text())=` + xpathString(status) + `]`)
}

// mainHas reports whether the main part of the page contains text.
func (b *browser) mainHas(text string) bool {
	b.t.Helper()
	return strings.Contains(b.mainText(), text)
}

func TestBrowserBrowseAndSearchInKorean(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s := newShopOn(t, be)
			b := newBrowser(t, s)

			b.openOK("/")
			if n := b.count(cards); n != 8 {
				t.Errorf("home shows %d product cards, want 8", n)
			}
			if be == memory {
				b.screenshot("home.png")
			}

			// Search as a shopper does: type in the box labelled 검색, press
			// its button.
			b.typeInto(field("검색"), "사과")
			b.clickOK(within(`//form[@role="search"]`, button("검색")))
			if !b.has(within(cards, link("유기농사과잼"))) {
				t.Errorf("searching 사과 does not list 유기농사과잼; the page reads:\n%s", b.mainText())
			}
			for _, name := range b.texts(cards + `//h3`) {
				if !strings.Contains(name, "사과") && !b.has(cards+`[.//h3[normalize-space()=`+xpathString(name)+`]]//a[contains(., "사과")]`) {
					t.Errorf("searching 사과 lists %s, whose name and brand lack 사과", name)
				}
			}
			if got := b.value(field("검색")); got != "사과" {
				t.Errorf("after searching, the box holds %q, want 사과", got)
			}
			if q := b.path(); !strings.HasPrefix(q, "/?") || !strings.Contains(q, url.Values{"query": {"사과"}}.Encode()) {
				t.Errorf("the search went to %s, want /?query=사과", q)
			}

			// A query with no match says so and points to the brands.
			b.typeInto(field("검색"), "우주선부품")
			b.clickOK(within(`//form[@role="search"]`, button("검색")))
			if n := b.count(cards); n != 0 {
				t.Errorf("a query with no match shows %d cards", n)
			}
			if !b.mainHas("없") {
				t.Errorf("a query with no match does not say so:\n%s", b.mainText())
			}
			if !b.has(`//main//a[@href="/brands" and contains(normalize-space(), "브랜드")]`) {
				t.Errorf("a query with no match does not link to 브랜드:\n%s", b.mainText())
			}
			if got := b.value(field("검색")); got != "우주선부품" {
				t.Errorf("after searching, the box holds %q, want 우주선부품", got)
			}

			// A brand from /brands, with its products in the carousel.
			b.clickOK(`//main//a[@href="/brands" and contains(normalize-space(), "브랜드")]`)
			if b.path() != "/brands" {
				t.Fatalf("the link leads to %s, want /brands", b.path())
			}
			b.clickOK(within(`//main`, link("사과꽃농원")))
			if got := b.text(`//main//h1`); got != "사과꽃농원" {
				t.Errorf("the brand page's h1 reads %q, want 사과꽃농원", got)
			}
			carousel := `//main//*[@aria-label="상품"]`
			for _, name := range []string{"유기농사과잼", "사과즙 30포", "바삭 사과칩"} {
				if !b.has(within(carousel, link(name))) {
					t.Errorf("the brand's carousel (labelled 상품) lacks %s; the page reads:\n%s", name, b.mainText())
				}
			}
			if b.has(within(carousel, link("우리밀식빵"))) {
				t.Error("the brand's carousel shows another brand's product")
			}
			// With JavaScript the carousel gets arrows.
			if n := b.count(`//main//button[contains(@class, "carousel-arrow")]`); n != 2 {
				t.Errorf("the carousel has %d arrows with JavaScript on, want 2", n)
			}
		})
	}
}

func TestBrowserGuestAddsToCart(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s := newShopOn(t, be)
			b := newBrowser(t, s)
			p := s.product("유기농사과잼")

			b.openOK("/products/" + p.ID.String())
			if got := b.text(`//main//h1`); got != p.Name {
				t.Errorf("the product page's h1 reads %q", got)
			}
			if !b.mainHas("8,900원") {
				t.Errorf("the product page does not show the price 8,900원:\n%s", b.mainText())
			}
			if be == memory {
				b.screenshot("product.png")
			}
			if got := b.cartCount(); got != 0 {
				t.Errorf("a new guest's header reads 장바구니 %d", got)
			}
			b.typeInto(field("수량"), "2")
			b.clickOK(button("장바구니 담기"))
			if got := b.cartCount(); got != 2 {
				t.Errorf("after adding 2, the header reads 장바구니 %d, want 2 (at %s)", got, b.location())
			}
			b.openOK("/cart")
			if !b.has(within(`//main`, link(p.Name))) {
				t.Errorf("the cart does not list %s:\n%s", p.Name, b.mainText())
			}
		})
	}
}

// fieldError returns the error shown for the field labelled label, after
// checking that it is tied to the field (aria-invalid, aria-describedby)
// and shown next to it.
func (b *browser) fieldError(label string) string {
	b.t.Helper()
	sel := field(label)
	if v, _ := b.attr(sel, "aria-invalid"); v != "true" {
		b.t.Errorf("%s: aria-invalid=%q, want true", label, v)
	}
	ids, _ := b.attr(sel, "aria-describedby")
	for _, id := range strings.Fields(ids) {
		msg := `//*[@id=` + xpathString(id) + ` and contains(concat(" ", normalize-space(@class), " "), " field-error ")]`
		if !b.has(msg) {
			continue
		}
		// Next to its field: in the same container as the input.
		if !b.has(sel + `/parent::*` + msg) {
			b.t.Errorf("%s: its error #%s is not next to it", label, id)
		}
		return b.text(msg)
	}
	b.t.Errorf("%s: no error (p.field-error) named by aria-describedby=%q; the form reads:\n%s", label, ids, b.mainText())
	return ""
}

func TestBrowserSignUpShowsEveryErrorThenSignsIn(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s := newShopOn(t, be)
			b := newBrowser(t, s)
			// A guest's cart comes along into the new account.
			b.addToCart(s.product("바삭 사과칩"), 1)

			b.openOK("/accounts/signup")
			b.typeInto(field("아이디"), "haneul")
			b.typeInto(field("비밀번호"), "short")
			b.typeInto(field("비밀번호 확인"), "shorter")
			b.typeInto(field("닉네임"), "하늘")
			b.typeInto(field("이메일"), "haneul-at-example")
			b.do("ticking 환경", chromedp.Click(field("환경")))
			if status := b.click(button("가입하기")); status != http.StatusUnprocessableEntity {
				t.Errorf("a failed sign-up answers %d, want 422", status)
			}
			if b.signedIn() {
				t.Fatal("a failed sign-up signed in")
			}
			for _, label := range []string{"비밀번호", "비밀번호 확인", "이메일"} {
				if msg := b.fieldError(label); msg == "" || !regexp.MustCompile(`\p{Hangul}`).MatchString(msg) {
					t.Errorf("%s: error %q, want a Korean message", label, msg)
				}
			}
			for _, label := range []string{"아이디", "닉네임"} {
				if v, _ := b.attr(field(label), "aria-invalid"); v == "true" {
					t.Errorf("%s is marked invalid", label)
				}
			}
			for label, want := range map[string]string{"아이디": "haneul", "닉네임": "하늘", "이메일": "haneul-at-example", "비밀번호": "", "비밀번호 확인": ""} {
				if got := b.value(field(label)); got != want {
					t.Errorf("after the failed sign-up, %s holds %q, want %q", label, got, want)
				}
			}
			if !b.checked(field("환경")) {
				t.Error("after the failed sign-up, 환경 is no longer ticked")
			}

			b.typeInto(field("비밀번호"), customerPassword)
			b.typeInto(field("비밀번호 확인"), customerPassword)
			b.typeInto(field("이메일"), "haneul@example.com")
			b.clickOK(button("가입하기"))
			if b.path() != "/" {
				t.Errorf("sign-up leads to %s, want /", b.path())
			}
			if !b.signedIn() {
				t.Fatalf("after signing up, the header shows no 마이페이지 and 로그아웃:\n%s", b.mainText())
			}
			if got := b.cartCount(); got != 1 {
				t.Errorf("after signing up, the header reads 장바구니 %d, want the guest's 1", got)
			}
		})
	}
}

func TestBrowserGuestCartMergedAtSignIn(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s := newShopOn(t, be)
			acct := customer(t, s, "dasom")
			// The customer's own cart from an earlier visit.
			kept := s.product("우리밀식빵")
			if _, err := s.Carts.Add(context.Background(), commerce.UserActor(acct.ID), kept.ID, 1); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, s)
			added := s.product("유기농사과잼")
			b.addToCart(added, 2)

			b.signIn("dasom", customerPassword)
			if got := b.cartCount(); got != 3 {
				t.Errorf("after signing in, the header reads 장바구니 %d, want 3 (1 kept + the guest's 2)", got)
			}
			b.openOK("/cart")
			for _, p := range []catalog.Product{kept, added} {
				if !b.has(within(`//main`, link(p.Name))) {
					t.Errorf("the cart does not list %s:\n%s", p.Name, b.mainText())
				}
			}
			if !b.mainHas("합계") || !b.mainHas("23,300원") {
				t.Errorf("the cart does not show 합계 23,300원 (5,500 + 2 × 8,900):\n%s", b.mainText())
			}
			if be == memory {
				b.screenshot("cart.png")
			}
		})
	}
}

func TestBrowserCheckoutAndBuyNow(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s := newShopOn(t, be)
			customer(t, s, "bora")
			b := newBrowser(t, s)
			b.signIn("bora", customerPassword)
			jam, bread := s.product("유기농사과잼"), s.product("우리밀식빵")
			jamStock := stock(t, s, jam)

			// The whole cart.
			b.addToCart(jam, 2)
			b.openOK("/cart")
			b.clickOK(within(`//main`, link("주문하기")+" | "+button("주문하기")))
			if p := b.path(); p != "/checkout" {
				t.Errorf("주문하기 leads to %s, want /checkout", p)
			}
			if !b.has(within(`//main`, link(jam.Name))) && !b.mainHas(jam.Name) {
				t.Errorf("the checkout does not list %s:\n%s", jam.Name, b.mainText())
			}
			if !b.mainHas("17,800원") {
				t.Errorf("the checkout does not show the total 17,800원:\n%s", b.mainText())
			}
			id := b.pay()
			if !b.mainHas(jam.Name) || !b.mainHas("17,800원") {
				t.Errorf("the order page lacks its line or total:\n%s", b.mainText())
			}
			if got := b.cartCount(); got != 0 {
				t.Errorf("after checking out the cart, the header reads 장바구니 %d, want 0", got)
			}
			if got := stock(t, s, jam); got != jamStock-2 {
				t.Errorf("stock of %s: %d, want %d", jam.Name, got, jamStock-2)
			}
			t.Logf("order %s", id)

			// Buy now: that product only, the cart untouched.
			b.addToCart(jam, 1)
			b.openOK("/products/" + bread.ID.String())
			b.typeInto(field("수량"), "1")
			b.clickOK(button("바로 구매"))
			want := "/checkout?" + url.Values{"product": {bread.ID.String()}, "quantity": {"1"}}.Encode()
			if p := b.path(); p != want {
				t.Errorf("바로 구매 leads to %s, want %s", p, want)
			}
			if !b.mainHas(bread.Name) || b.mainHas(jam.Name) {
				t.Errorf("바로 구매 of %s: the checkout should list it alone:\n%s", bread.Name, b.mainText())
			}
			if !b.mainHas("5,500원") || b.mainHas("14,400원") {
				t.Errorf("바로 구매 of %s: the checkout should total 5,500원:\n%s", bread.Name, b.mainText())
			}
			b.pay()
			if !b.mainHas(bread.Name) || b.mainHas(jam.Name) {
				t.Errorf("the buy-now order should hold %s only:\n%s", bread.Name, b.mainText())
			}
			if got := b.cartCount(); got != 1 {
				t.Errorf("after buying now, the header reads 장바구니 %d, want the cart's 1", got)
			}
			b.openOK("/cart")
			if !b.has(within(`//main`, link(jam.Name))) || b.has(within(`//main`, link(bread.Name))) {
				t.Errorf("after buying now, the cart should still hold %s only:\n%s", jam.Name, b.mainText())
			}
		})
	}
}

func TestBrowserCancelOrderFromMyPage(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s := newShopOn(t, be)
			acct := customer(t, s, "minjun")
			b := newBrowser(t, s)
			b.signIn("minjun", customerPassword)
			p := s.product("사과즙 30포")
			before := stock(t, s, p)
			b.addToCart(p, 3)
			b.openOK("/checkout")
			id := b.pay()
			if got := stock(t, s, p); got != before-3 {
				t.Errorf("after the order, stock %d, want %d", got, before-3)
			}
			o, err := s.Orders.Order(context.Background(), commerce.UserActor(acct.ID), id)
			if err != nil {
				t.Fatal(err)
			}
			if !b.mainHas(o.Number) {
				t.Errorf("the order page does not show its number %s:\n%s", o.Number, b.mainText())
			}

			b.openOK("/mypage")
			if !b.mainHas("주문 내역") || !b.mainHas(o.Number) {
				t.Errorf("my page's 주문 내역 does not list %s:\n%s", o.Number, b.mainText())
			}
			b.clickOK(`//main//a[@href="/orders/` + id.String() + `"]`)

			dialogs := b.acceptDialogs()
			b.clickOK(button("주문 취소"))
			if !b.showsStatus("주문 취소") {
				t.Errorf("after 주문 취소, the order does not read 주문 취소:\n%s", b.mainText())
			}
			if b.has(button("주문 취소")) {
				t.Error("a cancelled order still offers 주문 취소")
			}
			if got := stock(t, s, p); got != before {
				t.Errorf("after cancelling, stock %d, want %d back", got, before)
			}
			if seen := dialogs(); len(seen) == 0 {
				t.Log("주문 취소 asked for no confirmation")
			} else {
				t.Logf("주문 취소 asked: %q", seen)
			}
		})
	}
}

// boardRow is a notice of the board's list as the page shows it.
type boardRow struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// boardRows returns the notices the board page lists, in order: each link
// to a notice with the text of its row (the nearest tr or li).
func (b *browser) boardRows() []boardRow {
	b.t.Helper()
	rows, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]boardRow](`
		Array.from(document.querySelectorAll("main a[href^='/board/']"))
			.filter(a => /^\/board\/[0-9a-f-]{36}$/.test(a.getAttribute("href")))
			.map(a => {
				const row = a.closest("tr, li, article") || a.parentElement;
				return {href: a.getAttribute("href"), text: row.innerText.replace(/\s+/g, " ").trim()};
			})`))
	if err != nil {
		b.t.Fatalf("reading the board: %v", err)
	}
	return rows
}

func TestBrowserBoard(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s := newShopOn(t, be)
			ctx := context.Background()
			// 6 demo notices and 6 more: two pages of unpinned notices.
			for i := range 6 {
				if _, err := s.Board.Create(ctx, s.Staff, board.PostInput{
					Title: "추가 공지 " + strconv.Itoa(i+1), Category: board.Normal, Body: "본문",
				}); err != nil {
					t.Fatal(err)
				}
			}
			list, err := s.Board.List(ctx, 1, "")
			if err != nil {
				t.Fatal(err)
			}
			total := list.Total
			pinned := list.Pinned[0].Title

			// The staff member writes a notice.
			staff := newBrowser(t, s)
			staff.signIn(s.StaffName, s.StaffPassword)
			staff.openOK("/board")
			staff.clickOK(within(`//main`, link("글쓰기")))
			if p := staff.path(); p != "/board/new" {
				t.Errorf("글쓰기 leads to %s", p)
			}
			names := map[string]string{}
			for _, label := range []string{"제목", "분류", "내용"} {
				names[label], _ = staff.attr(field(label), "name")
			}
			staff.typeInto(field("제목"), "겨울 배송 일정 안내")
			environment := staff.choose("분류", "환경")
			staff.typeInto(field("내용"), "12월 24일부터 31일까지는\n배송이 하루 늦어집니다.")
			staff.clickOK(button("등록"))
			if !regexp.MustCompile(`^/board/[0-9a-f-]{36}$`).MatchString(staff.path()) {
				t.Errorf("등록 leads to %s, want the notice's page", staff.path())
			}
			if got := staff.text(`//main//h1`); got != "겨울 배송 일정 안내" {
				t.Errorf("the new notice's h1 reads %q", got)
			}
			if !staff.mainHas("12월 24일부터 31일까지는") {
				t.Errorf("the new notice's page lacks its body:\n%s", staff.mainText())
			}
			total++

			// A customer reads the board: the pinned notice first, then
			// numbers counting down, the new notice on top.
			customer(t, s, "jiwoo")
			b := newBrowser(t, s)
			b.signIn("jiwoo", customerPassword)
			b.openOK("/board")
			rows := b.boardRows()
			if len(rows) != 11 {
				t.Fatalf("the board's first page lists %d notices, want 1 pinned + 10:\n%v", len(rows), rows)
			}
			if !strings.Contains(rows[0].Text, pinned) || !strings.Contains(rows[0].Text, "공지") {
				t.Errorf("the first row is %q, want the pinned %q marked 공지", rows[0].Text, pinned)
			}
			if !strings.Contains(rows[1].Text, "겨울 배송 일정 안내") || !strings.Contains(rows[1].Text, "환경") {
				t.Errorf("the second row is %q, want the new notice with its category 환경", rows[1].Text)
			}
			checkNumbers(t, rows[1:], total)
			if b.has(within(`//main`, link("글쓰기"))) {
				t.Error("a customer sees 글쓰기")
			}
			// Page 2: the pinned notice again, then the rest of the count.
			b.clickOK(within(`//main`, link("2")))
			rows = b.boardRows()
			if len(rows) != 1+total-10 || !strings.Contains(rows[0].Text, pinned) {
				t.Errorf("the board's second page lists %v, want the pinned notice and %d more", rows, total-10)
			} else {
				checkNumbers(t, rows[1:], total-10)
			}

			// The customer posts the staff's form directly, with their own
			// session: the service refuses.
			form := url.Values{names["제목"]: {"고객의 공지"}, names["분류"]: {environment}, names["내용"]: {"본문"}}
			req, err := http.NewRequest(http.MethodPost, b.url+"/board/new", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", b.url)
			for _, c := range b.cookies() {
				req.AddCookie(c)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("a customer's POST /board/new answers %d, want 403", res.StatusCode)
			}
			after, err := s.Board.List(ctx, 1, "")
			if err != nil {
				t.Fatal(err)
			}
			if after.Total != total {
				t.Errorf("the board holds %d notices after the customer's POST, want %d", after.Total, total)
			}
		})
	}
}

// checkNumbers checks that rows begin with the numbers first, first-1, ….
func checkNumbers(t *testing.T, rows []boardRow, first int) {
	t.Helper()
	for i, r := range rows {
		want := strconv.Itoa(first - i)
		if f := strings.Fields(r.Text); len(f) == 0 || f[0] != want {
			t.Errorf("row %d reads %q, want it numbered %s", i+1, r.Text, want)
		}
	}
}

// choose picks option in the field labelled label, a select or a group of
// radio buttons, and returns the value it submits.
func (b *browser) choose(label, option string) string {
	b.t.Helper()
	sel := field(label)
	if b.has(sel + `/self::select`) {
		opt := sel + `/option[normalize-space()=` + xpathString(option) + `]`
		v, _ := b.attr(opt, "value")
		b.do("choosing "+option, chromedp.SetValue(sel, v))
		return v
	}
	v, _ := b.attr(field(option), "value")
	b.do("choosing "+option, chromedp.Click(field(option)))
	return v
}

func TestBrowserPagesFitAPhone(t *testing.T) {
	s := newShop(t)
	customer(t, s, "seoyeon")
	b := newBrowser(t, s)
	if _, err := chromedp.Call(b.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: 375, Height: 812, DeviceScaleFactor: 2, Mobile: true,
	}); err != nil {
		t.Fatal(err)
	}
	fits := func(path string) {
		t.Helper()
		type width struct {
			Scroll, Inner int
			// Out are the innermost elements that reach past 375 px.
			Out []string
		}
		w, err := chromedp.Run(b.ctx, chromedp.Evaluate[width](`({
			Scroll: document.documentElement.scrollWidth,
			Inner: window.innerWidth,
			Out: Array.from(document.body.querySelectorAll("*"))
				.filter(e => e.getBoundingClientRect().right > 375 &&
					!Array.from(e.children).some(c => c.getBoundingClientRect().right > 375))
				.map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") +
					" «" + e.textContent.trim().slice(0, 20) + "» ends at " + e.getBoundingClientRect().right)
		})`))
		if err != nil {
			t.Fatal(err)
		}
		// A page too wide makes the phone zoom out: innerWidth grows.
		if w.Inner != 375 || w.Scroll > w.Inner {
			t.Errorf("%s at 375 px: scrollWidth %d, innerWidth %d, want no horizontal scroll; sticking out (some may be clipped by a scrolling box): %q", path, w.Scroll, w.Inner, w.Out)
		}
	}
	p := s.product("유기농사과잼")
	list, err := s.Board.List(context.Background(), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := s.Catalog.Problems(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/", "/?query=사과", "/products/" + p.ID.String(), "/brands", "/brands/" + p.Brand.ID.String(),
		"/problems", "/problems/" + problems[0].ID.String(), "/board", "/board/" + list.Items[0].ID.String(),
		"/accounts/signup", "/accounts/login", "/cart", "/no-such-page",
	} {
		b.open(path)
		fits(path)
	}
	// A shopper's own pages, with a cart, a checkout and an order.
	b.addToCart(p, 1)
	b.addToCart(s.product("에티오피아 예가체프 원두 200g"), 2)
	b.signIn("seoyeon", customerPassword)
	for _, path := range []string{"/cart", "/checkout", "/mypage"} {
		b.openOK(path)
		fits(path)
	}
	b.openOK("/checkout")
	b.pay()
	fits(b.path())
}

func TestBrowserWorksWithoutJavaScript(t *testing.T) {
	s := newShop(t)
	customer(t, s, "nayeon")
	b := newBrowser(t, s)
	b.disableJavaScript()
	p := s.product("아카시아 벌꿀")

	// No script runs: the carousel has no arrows.
	b.openOK("/brands/" + p.Brand.ID.String())
	if b.has(`//main//button[contains(@class, "carousel-arrow")]`) {
		t.Fatal("the carousel has arrows: JavaScript is still on")
	}
	// Nor does the search box offer suggestions: it is a plain search form.
	if b.has(field("검색")+`[@role="combobox"]`) || b.has(searchListbox) {
		t.Error("the search box offers suggestions: JavaScript is still on")
	}

	b.addToCart(p, 2)
	b.openOK("/cart")
	b.clickOK(within(`//main`, link("주문하기")+" | "+button("주문하기")))
	// A visitor signs in first and comes back.
	if p := b.path(); !strings.HasPrefix(p, "/accounts/login?") {
		t.Fatalf("a guest's 주문하기 leads to %s, want the login page", p)
	}
	b.typeInto(field("아이디"), "nayeon")
	b.typeInto(field("비밀번호"), customerPassword)
	b.clickOK(button("로그인"))
	if p := b.path(); p != "/checkout" {
		t.Errorf("after signing in, the shopper is at %s, want back at /checkout", p)
		b.openOK("/checkout")
	}
	if !b.mainHas(p.Name) || !b.mainHas("50,000원") {
		t.Errorf("the checkout does not show 2 × %s = 50,000원:\n%s", p.Name, b.mainText())
	}
	before := stock(t, s, p)
	b.pay()
	if got := stock(t, s, p); got != before-2 {
		t.Errorf("stock %d, want %d", got, before-2)
	}
	if got := b.cartCount(); got != 0 {
		t.Errorf("after checkout, the header reads 장바구니 %d", got)
	}
	b.openOK("/brands/" + p.Brand.ID.String())
	if b.has(`//main//button[contains(@class, "carousel-arrow")]`) {
		t.Error("the carousel has arrows at the end of the walk: JavaScript came back on")
	}
}
