package storefront_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
)

// opsOrder places an order of quantity units of the demo product name for
// the customer me, paid by method (card pays at once, a bank transfer
// leaves it pending).
func opsOrder(t *testing.T, s *shop, me commerce.Actor, name string, quantity int, method order.PaymentMethod) order.Order {
	t.Helper()
	o, err := s.Orders.Checkout(context.Background(), me, order.CheckoutInput{
		ProductID: s.product(name).ID, Quantity: quantity, PaymentMethod: method,
		Address:        &order.AddressInput{Recipient: "김하늘", Phone: "010-1234-5678", Line1: "서울시 종로구 1", Zipcode: "04524"},
		IdempotencyKey: commerce.NewID().String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// opsCustomer signs a new customer up on a new client and returns both.
func opsCustomer(t *testing.T, s *shop, username string) (*client, commerce.Actor) {
	t.Helper()
	c := s.client()
	c.signUp(username)
	return c, acctActor(t, s, c)
}

var opsMoveButton = regexp.MustCompile(`<input type="hidden" name="status" value="([a-z_]+)">`)

// opsMoves returns the statuses the order page's buttons move to.
func opsMoves(body string) []string {
	var out []string
	for _, m := range opsMoveButton.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// opsRows counts the rows of a staff list (orders or users): each shows
// one date in a <time> element inside a cell.
func opsRows(body string) int { return strings.Count(body, `<td><time datetime=`) }

var opsNext = regexp.MustCompile(`<a rel="next" href="([^"]+)">다음</a>`)

func TestStaffOrdersList(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			_, me := opsCustomer(t, s, "buyer")
			paid := opsOrder(t, s, me, "유기농사과잼", 3, order.Card)
			pending := opsOrder(t, s, me, "유기농사과잼", 2, order.BankTransfer)
			staff := s.client()
			staff.signInAsStaff()

			p := staff.get("/staff/orders")
			if p.Status != http.StatusOK {
				t.Fatalf("GET /staff/orders: %d\n%s", p.Status, p.Body)
			}
			for _, want := range []string{
				`href="/staff/orders/` + paid.ID.String() + `"`, paid.Number, "26,700원", "결제 완료",
				`href="/staff/orders/` + pending.ID.String() + `"`, pending.Number, "17,800원", "결제 대기",
				"buyer님", "(buyer)", `aria-current="page">주문</a>`, `aria-current="page">전체</a>`,
				`href="/staff/orders?status=shipped">배송 중</a>`, `href="/staff/orders?status=cancelled">주문 취소</a>`,
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the orders page lacks %s", want)
				}
			}
			if strings.Index(p.Body, pending.Number) > strings.Index(p.Body, paid.Number) {
				t.Error("the older order comes first")
			}

			p = staff.get("/staff/orders?status=pending_payment")
			if p.Status != http.StatusOK || !strings.Contains(p.Body, pending.Number) || strings.Contains(p.Body, paid.Number) {
				t.Errorf("filtered by 결제 대기: %d, pending shown %v, paid shown %v", p.Status,
					strings.Contains(p.Body, pending.Number), strings.Contains(p.Body, paid.Number))
			}
			if !strings.Contains(p.Body, `aria-current="page">결제 대기</a>`) {
				t.Error("the 결제 대기 filter is not marked current")
			}
			p = staff.get("/staff/orders?status=delivered")
			if p.Status != http.StatusOK || opsRows(p.Body) != 0 || !strings.Contains(p.Body, "배송 완료 상태인 주문이 없습니다") {
				t.Errorf("filtered by 배송 완료: %d, %d rows", p.Status, opsRows(p.Body))
			}

			// Addresses typed wrong show what can be shown, with 400.
			for _, path := range []string{"/staff/orders?status=lost", "/staff/orders?cursor=garbage", "/staff/orders?status=paid&cursor=%ff"} {
				p := staff.get(path)
				if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="form-message"`) || opsRows(p.Body) == 0 {
					t.Errorf("%s: %d, %d rows; want 400 with a message and the first page", path, p.Status, opsRows(p.Body))
				}
			}
		})
	}
}

func TestStaffOrdersPages(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	_, me := opsCustomer(t, s, "manyorders")
	products, err := s.Catalog.Products(ctx, catalog.ProductFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for i := range 23 {
		o := opsOrder(t, s, me, products.Items[i%len(products.Items)].Name, 1, order.BankTransfer)
		numbers = append(numbers, o.Number)
	}
	staff := s.client()
	staff.signInAsStaff()
	first := staff.get("/staff/orders")
	if n := opsRows(first.Body); n != 20 {
		t.Fatalf("first page: %d orders, want 20", n)
	}
	next := opsNext.FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("no 다음 link on the first page")
	}
	second := staff.get(html.UnescapeString(next[1]))
	if n := opsRows(second.Body); second.Status != http.StatusOK || n != 3 {
		t.Fatalf("second page: %d, %d orders; want 3", second.Status, n)
	}
	if opsNext.MatchString(second.Body) || !strings.Contains(second.Body, `href="/staff/orders">처음</a>`) {
		t.Error("the last page has a 다음 link, or no 처음 link")
	}
	for i, n := range numbers {
		onFirst, onSecond := strings.Contains(first.Body, n), strings.Contains(second.Body, n)
		if onFirst == onSecond || onSecond != (i < 3) {
			t.Errorf("order %d (%s): on the first page %v, on the second %v", i, n, onFirst, onSecond)
		}
	}
}

func TestStaffMovesAnOrderAlong(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			customer, me := opsCustomer(t, s, "mover")
			o := opsOrder(t, s, me, "유기농사과잼", 1, order.BankTransfer)
			staff := s.client()
			staff.signInAsStaff()
			path := "/staff/orders/" + o.ID.String()

			p := staff.get(path)
			if p.Status != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", path, p.Status, p.Body)
			}
			for _, want := range []string{o.Number, "mover님", "무통장 입금", "김하늘", "04524", "유기농사과잼", "8,900원", "결제 대기", `action="` + path + `/status"`, "결제 완료로 변경", "주문 취소", "data-confirm="} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the order page lacks %s", want)
				}
			}
			steps := []struct {
				to        order.Status
				label     string
				nextMoves []string
			}{
				{order.Paid, "결제 완료", []string{"shipped", "cancelled"}},
				{order.Shipped, "배송 중", []string{"delivered"}},
				{order.Delivered, "배송 완료", nil},
			}
			if got := opsMoves(p.Body); !slices.Equal(got, []string{"paid", "cancelled"}) {
				t.Errorf("buttons of a pending order: %v, want [paid cancelled]", got)
			}
			for _, st := range steps {
				res := staff.post(path+"/status", url.Values{"status": {string(st.to)}})
				if res.Status != http.StatusSeeOther || res.Location != path+"?moved=1" {
					t.Fatalf("moving to %s: %d %q\n%s", st.to, res.Status, res.Location, res.Body)
				}
				p := staff.follow(res)
				if !strings.Contains(p.Body, "주문 상태를 ‘"+st.label+"’(으)로 바꿨습니다.") {
					t.Errorf("after moving to %s: no notice", st.to)
				}
				if got := opsMoves(p.Body); !slices.Equal(got, st.nextMoves) {
					t.Errorf("buttons after %s: %v, want %v", st.to, got, st.nextMoves)
				}
				got, err := s.Orders.Order(context.Background(), s.Staff, o.ID)
				if err != nil || got.Status != st.to {
					t.Fatalf("stored status %s, %v; want %s", got.Status, err, st.to)
				}
			}
			if p := customer.get("/orders/" + o.ID.String()); !strings.Contains(p.Body, "배송 완료") {
				t.Error("the customer's order page does not show 배송 완료")
			}

			// The same move twice (a double click) lands as once; an
			// illegal one says why, 409, and changes nothing.
			if res := staff.post(path+"/status", url.Values{"status": {"delivered"}}); res.Status != http.StatusSeeOther {
				t.Errorf("delivering twice: %d, want 303", res.Status)
			}
			res := staff.post(path+"/status", url.Values{"status": {"paid"}})
			if res.Status != http.StatusConflict || !strings.Contains(res.Body, "지금 상태에서는 할 수 없는 변경입니다.") || !strings.Contains(res.Body, o.Number) {
				t.Errorf("an illegal move: %d\n%s", res.Status, res.Body)
			}
			res = staff.post(path+"/status", url.Values{"status": {"lost"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, o.Number) {
				t.Errorf("an unknown status: %d, want 422 on the order page", res.Status)
			}
			if got, _ := s.Orders.Order(context.Background(), s.Staff, o.ID); got.Status != order.Delivered {
				t.Errorf("refused moves changed the order to %s", got.Status)
			}
		})
	}
}

func TestStaffCancelReturnsStock(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			_, me := opsCustomer(t, s, "canceller")
			before := *s.product("유기농사과잼").Stock
			o := opsOrder(t, s, me, "유기농사과잼", 2, order.Card)
			if got := *s.product("유기농사과잼").Stock; got != before-2 {
				t.Fatalf("stock after buying 2: %d, want %d", got, before-2)
			}
			staff := s.client()
			staff.signInAsStaff()
			path := "/staff/orders/" + o.ID.String()
			if got := opsMoves(staff.get(path).Body); !slices.Equal(got, []string{"shipped", "cancelled"}) {
				t.Errorf("buttons of a paid order: %v", got)
			}
			p := staff.follow(staff.post(path+"/status", url.Values{"status": {"cancelled"}}))
			if !strings.Contains(p.Body, "주문 취소") || len(opsMoves(p.Body)) != 0 || !strings.Contains(p.Body, "더 바꿀 수 없습니다") {
				t.Errorf("the cancelled order's page: moves %v\n%s", opsMoves(p.Body), p.Body)
			}
			if got := *s.product("유기농사과잼").Stock; got != before {
				t.Errorf("stock after the cancellation: %d, want %d back", got, before)
			}
		})
	}
}

func TestOnlyStaffMoveOrders(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			customer, me := opsCustomer(t, s, "sneaky")
			o := opsOrder(t, s, me, "유기농사과잼", 1, order.BankTransfer)
			path := "/staff/orders/" + o.ID.String()

			if p := customer.post(path+"/status", url.Values{"status": {"paid"}}); p.Status != http.StatusForbidden {
				t.Errorf("a customer posting the status form: %d, want 403", p.Status)
			}
			if p := s.client().post(path+"/status", url.Values{"status": {"paid"}}); p.Status != http.StatusUnauthorized {
				t.Errorf("a visitor posting the status form: %d, want 401", p.Status)
			}
			for _, page := range []string{"/staff/orders", path} {
				if p := customer.get(page); p.Status != http.StatusForbidden {
					t.Errorf("a customer opening %s: %d, want 403", page, p.Status)
				}
			}
			// The service's own guard, whatever the pages do.
			_, err := s.Orders.SetStatus(context.Background(), me, o.ID, order.Paid)
			if !errors.Is(err, order.ErrStaffOnly) {
				t.Errorf("SetStatus as the customer: %v, want order.ErrStaffOnly", err)
			}
			if _, err := s.Orders.AllOrders(context.Background(), me, order.Filter{}); !errors.Is(err, order.ErrStaffOnly) {
				t.Errorf("AllOrders as the customer: %v, want order.ErrStaffOnly", err)
			}
			if got, _ := s.Orders.Order(context.Background(), s.Staff, o.ID); got.Status != order.PendingPayment {
				t.Errorf("the order moved to %s", got.Status)
			}
		})
	}
}

func TestStaffNotices(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			staff := s.client()
			staff.signInAsStaff()
			l := boardListing(t, s, 1, "")
			if len(l.Items) == 0 {
				t.Fatal("the demo board has no unpinned notice")
			}
			post := l.Items[0]
			id := post.ID.String()

			p := staff.get("/staff/notices")
			if p.Status != http.StatusOK {
				t.Fatalf("GET /staff/notices: %d\n%s", p.Status, p.Body)
			}
			for _, want := range []string{
				post.Title, `href="/board/new"`, `href="/board/` + id + `/edit"`, `action="/staff/notices/` + id + `/pin"`,
				`action="/staff/notices/` + id + `/delete"`, "data-confirm=", `aria-current="page">공지사항</a>`,
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the notices page lacks %s", want)
				}
			}

			res := staff.post("/staff/notices/"+id+"/pin", url.Values{"page": {"1"}})
			if res.Status != http.StatusSeeOther || res.Location != "/staff/notices?done=pinned" {
				t.Fatalf("pinning: %d %q\n%s", res.Status, res.Location, res.Body)
			}
			p = staff.follow(res)
			if !strings.Contains(p.Body, "상단에 고정했습니다") || !strings.Contains(p.Body, `action="/staff/notices/`+id+`/unpin"`) {
				t.Error("after pinning: no notice, or no 고정 해제 button")
			}
			if got, _ := s.Board.Post(ctx, post.ID); !got.Pinned {
				t.Error("the notice is not pinned")
			}
			if !slices.ContainsFunc(boardListing(t, s, 1, "").Pinned, func(p board.Post) bool { return p.ID == post.ID }) {
				t.Error("the board does not list the notice among the pinned")
			}

			// The page the button was on is kept.
			res = staff.post("/staff/notices/"+id+"/unpin", url.Values{"page": {"2"}})
			if res.Status != http.StatusSeeOther || res.Location != "/staff/notices?done=unpinned&page=2" {
				t.Fatalf("unpinning: %d %q", res.Status, res.Location)
			}
			if got, _ := s.Board.Post(ctx, post.ID); got.Pinned {
				t.Error("the notice is still pinned")
			}

			// A customer's post is refused by staffOnly and by the board.
			customer, me := opsCustomer(t, s, "notstaff")
			if p := customer.post("/staff/notices/"+id+"/pin", nil); p.Status != http.StatusForbidden {
				t.Errorf("a customer pinning: %d, want 403", p.Status)
			}
			if _, err := s.Board.Update(ctx, me, post.ID, board.PostPatch{Pinned: commerce.Some(true)}); !errors.Is(err, commerce.ErrForbidden) {
				t.Errorf("the board service let a customer pin: %v", err)
			}

			res = staff.post("/staff/notices/"+id+"/delete", url.Values{"page": {"x"}})
			if res.Status != http.StatusSeeOther || res.Location != "/staff/notices?done=deleted" {
				t.Fatalf("deleting: %d %q", res.Status, res.Location)
			}
			if p := staff.follow(res); !strings.Contains(p.Body, "삭제했습니다") || strings.Contains(p.Body, `/staff/notices/`+id+`/`) {
				t.Error("after deleting: no notice, or the notice is still listed")
			}
			if _, err := s.Board.Post(ctx, post.ID); !errors.Is(err, board.ErrPostNotFound) {
				t.Errorf("the deleted notice: %v", err)
			}
			if p := staff.post("/staff/notices/"+id+"/delete", nil); p.Status != http.StatusNotFound {
				t.Errorf("deleting it again: %d, want 404", p.Status)
			}
		})
	}
}

func TestStaffNoticesOfAnotherAuthor(t *testing.T) {
	s := newShop(t)
	other := s.client()
	author := boardSignInAsOtherStaff(other, "second-staff")
	post, err := s.Board.Create(context.Background(), author, board.PostInput{Title: "다른 운영자의 공지", Category: board.Normal, Body: "본문"})
	if err != nil {
		t.Fatal(err)
	}
	id := post.ID.String()
	staff := s.client()
	staff.signInAsStaff()
	p := staff.get("/staff/notices")
	if !strings.Contains(p.Body, "다른 운영자의 공지") || !strings.Contains(p.Body, `/staff/notices/`+id+`/delete"`) {
		t.Fatal("another staff member's notice is not listed with 삭제")
	}
	if strings.Contains(p.Body, `/board/`+id+`/edit"`) {
		t.Error("another staff member's notice shows 수정, which the board refuses")
	}
	if !strings.Contains(p.Body, `/staff/notices/`+id+`/pin"`) {
		t.Error("another staff member's notice has no 고정: any staff member pins")
	}
	if !strings.Contains(p.Body, "글쓴이만 고칠 수 있습니다") {
		t.Error("no word on why it has fewer buttons")
	}
	if res := staff.post("/staff/notices/"+id+"/pin", nil); res.Status != http.StatusSeeOther {
		t.Errorf("pinning another's notice: %d, want 303", res.Status)
	}
	if got, err := s.Board.Post(context.Background(), post.ID); err != nil || !got.Pinned {
		t.Errorf("after pinning another's notice: %+v, %v", got, err)
	}
	if res := staff.post("/staff/notices/"+id+"/delete", nil); res.Status != http.StatusSeeOther {
		t.Errorf("deleting another's notice: %d, want 303", res.Status)
	}
}

func TestStaffUsersSearch(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			_, hanbit := opsCustomer(t, s, "Hanbit.Kim")
			_, sun := opsCustomer(t, s, "sunny")
			opsCustomer(t, s, "bystander")
			if _, err := s.Accounts.UpdateProfile(ctx, sun, account.ProfilePatch{Email: commerce.Some("Sun.Moon@Mail.Example")}); err != nil {
				t.Fatal(err)
			}
			kakao, err := s.Accounts.SignInExternal(ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "2718", Nickname: "카카오회원"}, "")
			if err != nil {
				t.Fatal(err)
			}
			staff := s.client()
			staff.signInAsStaff()

			p := staff.get("/staff/users")
			if p.Status != http.StatusOK {
				t.Fatalf("GET /staff/users: %d\n%s", p.Status, p.Body)
			}
			if n := opsRows(p.Body); n != 5 {
				t.Errorf("%d users listed, want 5 (staff and 4 customers)", n)
			}
			for _, want := range []string{
				"Hanbit.Kim", "Hanbit.Kim님", "hanbit.kim@example.com", "sun.moon@mail.example", "kakao_2718", "카카오",
				`action="/staff/users/` + hanbit.UserID.String() + `/staff"`, "운영자로 지정", "운영자</span>",
				`<label for="users-query"`, `aria-current="page">회원</a>`,
			} {
				if !strings.Contains(strings.ToLower(p.Body), strings.ToLower(want)) {
					t.Errorf("the users page lacks %s", want)
				}
			}
			if strings.Contains(p.Body, `action="/staff/users/`+s.Staff.UserID.String()+`/staff"`) {
				t.Error("the staff member's own row has a button")
			}
			if strings.Index(p.Body, "kakao_2718") > strings.Index(p.Body, "Hanbit.Kim") {
				t.Error("users are not newest first")
			}

			for _, c := range []struct {
				query string
				want  []string
			}{
				{"BIT.k", []string{"Hanbit.Kim"}},
				{"mail.EXAMPLE", []string{"sunny"}},
				{"example.com", []string{"bystander", "Hanbit.Kim"}},
				{"kakao", []string{"kakao_2718"}},
				{"nobody", nil},
			} {
				p := staff.get("/staff/users?query=" + url.QueryEscape(c.query))
				if p.Status != http.StatusOK || opsRows(p.Body) != len(c.want) {
					t.Errorf("search %q: %d, %d rows; want %v", c.query, p.Status, opsRows(p.Body), c.want)
					continue
				}
				for _, name := range c.want {
					if !strings.Contains(p.Body, "<td>"+name+"</td>") {
						t.Errorf("search %q does not find %s", c.query, name)
					}
				}
				if !strings.Contains(p.Body, `value="`+c.query+`"`) {
					t.Errorf("search %q: the query is not kept in the box", c.query)
				}
			}
			if p := staff.get("/staff/users?query=nobody"); !strings.Contains(p.Body, "회원이 없습니다") {
				t.Error("an empty search says nothing")
			}
			if p := staff.get("/staff/users?query=kakao"); !strings.Contains(p.Body, `action="/staff/users/`+kakao.Account.ID.String()+`/staff"`) {
				t.Error("the Kakao member found has no button")
			}
			if _, err := s.Accounts.Users(ctx, hanbit, account.UserFilter{}); !errors.Is(err, account.ErrStaffOnly) {
				t.Errorf("Users as a customer: %v", err)
			}
		})
	}
}

func TestStaffUsersPages(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	const password = "tangerine-Orbit-42"
	for i := range 22 {
		name := fmt.Sprintf("member%02d", i)
		if _, err := s.Accounts.SignUp(ctx, account.SignUpInput{
			Username: name, Password: password, PasswordConfirm: password, Nickname: name + "님", Email: name + "@example.com",
		}, ""); err != nil {
			t.Fatal(err)
		}
	}
	staff := s.client()
	staff.signInAsStaff()
	first := staff.get("/staff/users?query=member")
	if n := opsRows(first.Body); n != 20 {
		t.Fatalf("first page: %d users, want 20", n)
	}
	next := opsNext.FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("no 다음 link")
	}
	if !strings.Contains(next[1], "query=member") {
		t.Errorf("the 다음 link %q forgets the query", next[1])
	}
	second := staff.get(html.UnescapeString(next[1]))
	if n := opsRows(second.Body); n != 2 || opsNext.MatchString(second.Body) {
		t.Fatalf("second page: %d users, want 2 and no 다음", n)
	}
	for i := range 22 {
		name := fmt.Sprintf("<td>member%02d</td>", i)
		if strings.Contains(first.Body, name) == strings.Contains(second.Body, name) {
			t.Errorf("member%02d is on both pages or on neither", i)
		}
	}
	// A change on the second page comes back to it.
	u, err := s.Accounts.Users(ctx, s.Staff, account.UserFilter{Query: "member00"})
	if err != nil || len(u.Items) != 1 {
		t.Fatal(u, err)
	}
	cursor, _ := url.ParseQuery(strings.TrimPrefix(html.UnescapeString(next[1]), "/staff/users?"))
	res := staff.post("/staff/users/"+u.Items[0].ID.String()+"/staff", url.Values{"staff": {"1"}, "query": {"member"}, "cursor": {cursor.Get("cursor")}})
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Location, "cursor=") || !strings.Contains(res.Location, "query=member") {
		t.Errorf("promoting from the second page: %d %q", res.Status, res.Location)
	}
}

func TestStaffPromotesAndDemotes(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			customer, me := opsCustomer(t, s, "rising")
			oldToken := customer.cookie(storefrontCookie)
			staff := s.client()
			staff.signInAsStaff()
			path := "/staff/users/" + me.UserID.String() + "/staff"
			signIn := func() {
				t.Helper()
				p := customer.post("/accounts/login", url.Values{"username": {"rising"}, "password": {"tangerine-Orbit-42"}})
				if p.Status != http.StatusSeeOther {
					t.Fatalf("signing in again: %d", p.Status)
				}
			}

			// A customer cannot make themselves staff, through the page or
			// the service.
			if p := customer.post(path, url.Values{"staff": {"1"}}); p.Status != http.StatusForbidden {
				t.Errorf("a customer promoting themselves: %d, want 403", p.Status)
			}
			if _, err := s.Accounts.SetStaff(ctx, me, me.UserID, true); !errors.Is(err, account.ErrStaffOnly) {
				t.Errorf("SetStaff as a customer: %v, want account.ErrStaffOnly", err)
			}

			res := staff.post(path, url.Values{"staff": {"1"}})
			if res.Status != http.StatusSeeOther || res.Location != "/staff/users?done=staff" {
				t.Fatalf("promoting: %d %q\n%s", res.Status, res.Location, res.Body)
			}
			if p := staff.follow(res); !strings.Contains(p.Body, "운영자로 지정했습니다") || !strings.Contains(p.Body, `aria-label="rising 운영자 해제"`) {
				t.Error("after promoting: no notice, or no 운영자 해제 button")
			}
			if _, _, err := s.Accounts.Authenticate(ctx, oldToken); !errors.Is(err, account.ErrSessionEnded) {
				t.Errorf("the customer's old session still authenticates: %v", err)
			}
			if p := customer.get("/mypage"); p.Status != http.StatusSeeOther {
				t.Errorf("the old session opened my page: %d", p.Status)
			}
			signIn()
			if !strings.Contains(customer.get("/").Body, `href="/staff"`) {
				t.Error("signed in again after the promotion, the header has no 관리")
			}
			if p := customer.get("/staff/users"); p.Status != http.StatusOK {
				t.Errorf("the promoted member opening /staff/users: %d", p.Status)
			}

			// Staff cannot demote themselves: the page says why.
			own := "/staff/users/" + s.Staff.UserID.String() + "/staff"
			res = staff.post(own, url.Values{"staff": {"0"}})
			if res.Status != http.StatusConflict || !strings.Contains(res.Body, "자기 자신은 운영자에서 해제할 수 없습니다") {
				t.Errorf("demoting oneself: %d\n%s", res.Status, res.Body)
			}
			if p := staff.get("/staff"); p.Status != http.StatusOK {
				t.Errorf("after refusing to demote oneself, /staff: %d", p.Status)
			}

			// Demoted by the first staff member, from a search.
			staffToken := customer.cookie(storefrontCookie)
			res = staff.post(path, url.Values{"staff": {"0"}, "query": {"ris"}})
			if res.Status != http.StatusSeeOther || res.Location != "/staff/users?done=customer&query=ris" {
				t.Fatalf("demoting: %d %q", res.Status, res.Location)
			}
			if _, _, err := s.Accounts.Authenticate(ctx, staffToken); !errors.Is(err, account.ErrSessionEnded) {
				t.Errorf("the demoted member's staff session still authenticates: %v", err)
			}
			signIn()
			if strings.Contains(customer.get("/").Body, `href="/staff"`) {
				t.Error("signed in again after the demotion, the header still has 관리")
			}
			if p := customer.get("/staff/users"); p.Status != http.StatusForbidden {
				t.Errorf("the demoted member opening /staff/users: %d, want 403", p.Status)
			}

			// A form not made by the page.
			if p := staff.post(path, url.Values{"staff": {"yes"}}); p.Status != http.StatusBadRequest {
				t.Errorf("staff=yes: %d, want 400", p.Status)
			}
			if p := staff.post("/staff/users/"+commerce.NewID().String()+"/staff", url.Values{"staff": {"1"}}); p.Status != http.StatusNotFound {
				t.Errorf("promoting no one: %d, want 404", p.Status)
			}
		})
	}
}

// Malformed or unknown ids, and addresses typed by hand, give the shop's
// 4xx pages on every staff page of orders, notices and users.
func TestStaffOpsBadAddresses(t *testing.T) {
	s := newShop(t)
	staff := s.client()
	staff.signInAsStaff()
	unknown := commerce.NewID().String()
	for _, id := range []string{"not-a-uuid", "00000000-0000-0000-0000-00000000000g", unknown} {
		for _, c := range []struct {
			method, path string
			form         url.Values
		}{
			{http.MethodGet, "/staff/orders/" + id, nil},
			{http.MethodPost, "/staff/orders/" + id + "/status", url.Values{"status": {"paid"}}},
			{http.MethodPost, "/staff/notices/" + id + "/pin", nil},
			{http.MethodPost, "/staff/notices/" + id + "/unpin", nil},
			{http.MethodPost, "/staff/notices/" + id + "/delete", nil},
			{http.MethodPost, "/staff/users/" + id + "/staff", url.Values{"staff": {"1"}}},
		} {
			var p page
			if c.method == http.MethodGet {
				p = staff.get(c.path)
			} else {
				p = staff.post(c.path, c.form)
			}
			if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "페이지를 찾을 수 없습니다") {
				t.Errorf("%s %s: %d, want the 404 page", c.method, c.path, p.Status)
			}
		}
	}
	for _, path := range []string{
		"/staff/users?cursor=garbage", "/staff/users?query=" + strings.Repeat("가", 300), "/staff/users?query=%ff",
		"/staff/notices?page=abc", "/staff/notices?page=99999999999999999999", "/staff/orders?cursor=AQ",
	} {
		p := staff.get(path)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="form-message"`) {
			t.Errorf("GET %s: %d, want 400 with a message", path, p.Status)
		}
	}
	if p := staff.get("/staff/notices?page=500"); p.Status != http.StatusOK || !strings.Contains(p.Body, "이 페이지에는 글이 없습니다") {
		t.Errorf("a page past the end: %d", p.Status)
	}
}
