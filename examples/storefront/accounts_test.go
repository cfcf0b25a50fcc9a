package storefront_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/order"
)

// acctPassword is the password of the accounts c.signUp makes.
const acctPassword = "tangerine-Orbit-42"

var fieldErrorRE = regexp.MustCompile(`<p class="field-error" id="([a-z0-9_]+)-error">([^<]*)</p>`)

// fieldErrorsOf returns the messages shown next to the fields of body, by
// field name.
func fieldErrorsOf(body string) map[string]string {
	out := make(map[string]string)
	for _, m := range fieldErrorRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// acctSetToken gives the client the session cookie of token, as the shop
// would have.
func acctSetToken(c *client, token string) {
	c.t.Helper()
	u, err := url.Parse(c.shop.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: storefrontCookie, Value: token, Path: "/"}})
}

// acctGuestCart makes c a guest holding quantity of the demo product name
// in its cart.
func acctGuestCart(t *testing.T, s *shop, c *client, name string, quantity int) {
	t.Helper()
	ctx := context.Background()
	token, sess, err := s.Accounts.StartGuest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Carts.Add(ctx, commerce.Actor{SessionID: sess.ID}, s.product(name).ID, quantity); err != nil {
		t.Fatal(err)
	}
	acctSetToken(c, token)
}

// acctActor returns who the client's session cookie signs in.
func acctActor(t *testing.T, s *shop, c *client) commerce.Actor {
	t.Helper()
	a, _, err := s.Accounts.Authenticate(context.Background(), c.cookie(storefrontCookie))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSignUpShowsEveryErrorAtOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			form := url.Values{
				"username": {"hana kim!"}, "password": {"20261125"}, "password_confirm": {"20261126"},
				"nickname": {""}, "email": {"hana-at-example"},
			}
			p := c.post("/accounts/signup", form)
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422; body:\n%s", p.Status, p.Body)
			}
			got := fieldErrorsOf(p.Body)
			want := map[string]string{
				"username":         "글자, 숫자와 @ . + - _ 만 쓸 수 있습니다.",
				"password":         "숫자로만 된 비밀번호는 쓸 수 없습니다.",
				"password_confirm": "비밀번호가 서로 다릅니다.",
				"nickname":         "꼭 입력해 주세요.",
				"email":            "name@example.com 같은 이메일 주소를 입력해 주세요.",
			}
			for field, msg := range want {
				if !strings.Contains(got[field], msg) {
					t.Errorf("%s: got %q, want %q", field, got[field], msg)
				}
				if !strings.Contains(p.Body, `aria-describedby="`+field+`-error"`) &&
					!strings.Contains(p.Body, field+`-error"`) {
					t.Errorf("%s: no aria-describedby to its error", field)
				}
			}
			if n := strings.Count(p.Body, `aria-invalid="true"`); n < len(want) {
				t.Errorf("%d fields marked aria-invalid, want %d", n, len(want))
			}
			for _, kept := range []string{`value="hana kim!"`, `value="hana-at-example"`} {
				if !strings.Contains(p.Body, kept) {
					t.Errorf("typed value lost: no %s", kept)
				}
			}
			for _, secret := range []string{"20261125", "20261126"} {
				if strings.Contains(p.Body, secret) {
					t.Errorf("the page shows the password %s", secret)
				}
			}
			if c.cookie(storefrontCookie) != "" {
				t.Error("a failed sign-up set a session cookie")
			}
		})
	}
}

func TestSignUpNamesTakenFields(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			s.client().signUp("hana")
			c := s.client()
			p := c.post("/accounts/signup", url.Values{
				"username": {"HANA"}, "password": {acctPassword}, "password_confirm": {acctPassword},
				"nickname": {"hana님"}, "email": {"other@example.com"},
			})
			if p.Status != http.StatusConflict && p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 409 or 422; body:\n%s", p.Status, p.Body)
			}
			got := fieldErrorsOf(p.Body)
			for _, f := range []string{"username", "nickname"} {
				if got[f] != "이미 사용 중입니다." {
					t.Errorf("%s: got %q, want 이미 사용 중입니다.", f, got[f])
				}
			}
			if _, ok := got["email"]; ok {
				t.Errorf("email: got %q, want no error", got["email"])
			}
			if !strings.Contains(p.Body, `value="HANA"`) || !strings.Contains(p.Body, `value="other@example.com"`) {
				t.Error("typed values lost")
			}
			if strings.Contains(p.Body, acctPassword) {
				t.Error("the page shows the password")
			}
		})
	}
}

func TestSignUpSignsIn(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			before := c.get("/accounts/signup")
			if before.Status != http.StatusOK {
				t.Fatalf("GET /accounts/signup: got %d", before.Status)
			}
			for _, want := range []string{`name="username"`, `name="password"`, `name="password_confirm"`,
				`name="nickname"`, `name="email"`, `name="interests"`, "가입하기", "관심 사회문제"} {
				if !strings.Contains(before.Body, want) {
					t.Errorf("the sign-up page lacks %s", want)
				}
			}
			acct := c.signUp("minji")
			if acct.Username != "minji" || acct.Nickname != "minji님" {
				t.Errorf("got account %+v", acct)
			}
			home := c.get("/")
			for _, want := range []string{`href="/mypage">마이페이지`, "로그아웃"} {
				if !strings.Contains(home.Body, want) {
					t.Errorf("the header lacks %s once signed up", want)
				}
			}
			if strings.Contains(home.Body, `href="/accounts/signup"`) {
				t.Error("the header still offers 회원가입")
			}
			// Signed in, the sign-up page has nothing to offer.
			if p := c.get("/accounts/signup"); p.Status != http.StatusSeeOther || p.Location != "/" {
				t.Errorf("GET /accounts/signup signed in: got %d to %q, want 303 to /", p.Status, p.Location)
			}
		})
	}
}

func TestSignUpSavesInterests(t *testing.T) {
	s := newShop(t)
	problems, err := s.Catalog.Problems(context.Background())
	if err != nil || len(problems) < 2 {
		t.Fatalf("demo problems: %v, %v", problems, err)
	}
	c := s.client()
	p := c.post("/accounts/signup", url.Values{
		"username": {"jisoo"}, "password": {acctPassword}, "password_confirm": {acctPassword},
		"nickname": {"지수"}, "email": {"jisoo@example.com"},
		"interests": {problems[0].ID.String(), problems[1].ID.String()},
	})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("got %d; body:\n%s", p.Status, p.Body)
	}
	acct, err := s.Accounts.Account(context.Background(), acctActor(t, s, c))
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Interests) != 2 {
		t.Errorf("got interests %v, want 2", acct.Interests)
	}

	// A checkbox value mangled by hand is an error of its own field, shown
	// with the others.
	p = s.client().post("/accounts/signup", url.Values{
		"username": {"jisoo2"}, "password": {acctPassword}, "password_confirm": {"x"},
		"nickname": {"지수2"}, "email": {"jisoo2@example.com"}, "interests": {"not-an-id"},
	})
	got := fieldErrorsOf(p.Body)
	if p.Status != http.StatusUnprocessableEntity || got["interests"] == "" || got["password_confirm"] == "" {
		t.Errorf("got %d with errors %v, want 422 naming interests and password_confirm", p.Status, got)
	}
}

func TestGuestCartMerges(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)

			// At sign-up.
			c := s.client()
			acctGuestCart(t, s, c, "유기농사과잼", 2)
			if got := cartCountOf(t, c.get("/").Body); got != "2" {
				t.Fatalf("guest cart count %s, want 2", got)
			}
			guestToken := c.cookie(storefrontCookie)
			c.signUp("guest2member")
			if c.cookie(storefrontCookie) == guestToken {
				t.Error("sign-up kept the guest's token")
			}
			if got := cartCountOf(t, c.get("/").Body); got != "2" {
				t.Errorf("after sign-up: cart count %s, want 2", got)
			}
			if _, _, err := s.Accounts.Authenticate(context.Background(), guestToken); err == nil {
				t.Error("the guest session lives on after sign-up")
			}

			// At sign-in: the guest's line adds to what the user's cart holds.
			d := s.client()
			acctGuestCart(t, s, d, "유기농사과잼", 3)
			p := d.post("/accounts/login", url.Values{"username": {"guest2member"}, "password": {acctPassword}})
			if p.Status != http.StatusSeeOther || p.Location != "/" {
				t.Fatalf("sign-in: got %d to %q; body:\n%s", p.Status, p.Location, p.Body)
			}
			if got := cartCountOf(t, d.get("/").Body); got != "5" {
				t.Errorf("after sign-in: cart count %s, want 5", got)
			}
		})
	}
}

func TestSignInFailuresReadTheSame(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			s.client().signUp("yuna")
			c := s.client()
			wrong := c.post("/accounts/login", url.Values{"username": {"yuna"}, "password": {"wrong-Orbit-99"}})
			unknown := c.post("/accounts/login", url.Values{"username": {"nobody-here"}, "password": {"wrong-Orbit-99"}})
			const msg = "아이디 또는 비밀번호가 맞지 않습니다."
			for name, p := range map[string]page{"wrong password": wrong, "unknown user": unknown} {
				if p.Status != wrong.Status || p.Status < 400 || p.Status >= 500 {
					t.Errorf("%s: got %d (wrong password: %d)", name, p.Status, wrong.Status)
				}
				if !strings.Contains(p.Body, msg) {
					t.Errorf("%s: the page does not say %s", name, msg)
				}
				if strings.Contains(p.Body, "wrong-Orbit-99") {
					t.Errorf("%s: the page shows the password", name)
				}
				if len(fieldErrorsOf(p.Body)) != 0 {
					t.Errorf("%s: got field errors %v, want the one message", name, fieldErrorsOf(p.Body))
				}
			}
			if !strings.Contains(wrong.Body, `value="yuna"`) || !strings.Contains(unknown.Body, `value="nobody-here"`) {
				t.Error("the username typed is lost")
			}
			// The same page but for the username typed.
			if strings.ReplaceAll(wrong.Body, "yuna", "X") != strings.ReplaceAll(unknown.Body, "nobody-here", "X") {
				t.Error("a wrong password and an unknown user give different pages")
			}
			if c.cookie(storefrontCookie) != "" {
				t.Error("a failed sign-in set a session cookie")
			}
		})
	}
}

func TestSignInEmptyFieldsAreNotAttempts(t *testing.T) {
	s := newShop(t)
	s.client().signUp("sora")
	c := s.client()
	for range account.DefaultMaxUsernameClientFailures + 1 {
		p := c.post("/accounts/login", url.Values{"username": {"sora"}, "password": {""}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", p.Status)
		}
		if got := fieldErrorsOf(p.Body); got["password"] != "꼭 입력해 주세요." {
			t.Fatalf("got errors %v, want password: 꼭 입력해 주세요.", got)
		}
	}
	p := c.post("/accounts/login", url.Values{"username": {"  "}, "password": {""}})
	if got := fieldErrorsOf(p.Body); got["username"] == "" || got["password"] == "" {
		t.Errorf("got errors %v, want username and password", got)
	}
	// Nothing was counted against sora.
	if p := c.post("/accounts/login", url.Values{"username": {"sora"}, "password": {acctPassword}}); p.Status != http.StatusSeeOther {
		t.Errorf("sign-in after empty tries: got %d, want 303", p.Status)
	}
}

func TestSignInTooManyAttempts(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			s.client().signUp("dami")
			c := s.client()
			var p page
			for range 6 {
				p = c.post("/accounts/login", url.Values{"username": {"dami"}, "password": {"wrong-Orbit-99"}})
			}
			if p.Status != http.StatusTooManyRequests {
				t.Fatalf("6th wrong password: got %d, want 429; body:\n%s", p.Status, p.Body)
			}
			if !regexp.MustCompile(`로그인에 여러 번 실패했습니다\. \d+분 뒤에 다시 시도해 주세요\.`).MatchString(p.Body) {
				t.Errorf("the page does not say how long to wait:\n%s", p.Body)
			}
			if ra, err := strconv.Atoi(p.Header.Get("Retry-After")); err != nil || ra <= 0 {
				t.Errorf("Retry-After %q, want seconds", p.Header.Get("Retry-After"))
			}
			// The right password waits too.
			p = c.post("/accounts/login", url.Values{"username": {"dami"}, "password": {acctPassword}})
			if p.Status != http.StatusTooManyRequests {
				t.Errorf("right password while locked: got %d, want 429", p.Status)
			}
		})
	}
}

func TestSignUpTooManyAttempts(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			// Failed sign-ups count too.
			for i := range account.DefaultMaxClientSignUps {
				p := c.post("/accounts/signup", url.Values{"username": {"bad name!"}})
				if p.Status != http.StatusUnprocessableEntity {
					t.Fatalf("sign-up %d: got %d, want 422", i+1, p.Status)
				}
			}
			p := c.post("/accounts/signup", url.Values{
				"username": {"late"}, "password": {acctPassword}, "password_confirm": {acctPassword},
				"nickname": {"늦은님"}, "email": {"late@example.com"},
			})
			if p.Status != http.StatusTooManyRequests {
				t.Fatalf("sign-up past the limit: got %d, want 429; body:\n%s", p.Status, p.Body)
			}
			if !regexp.MustCompile(`짧은 시간에 회원가입 시도가 너무 많았습니다\. \d+분 뒤에 다시 시도해 주세요\.`).MatchString(p.Body) {
				t.Errorf("the page does not say how long to wait:\n%s", p.Body)
			}
			if strings.Contains(p.Body, "로그인") && strings.Contains(p.Body, "실패") {
				t.Errorf("the page speaks of failed sign-ins:\n%s", p.Body)
			}
			if ra, err := strconv.Atoi(p.Header.Get("Retry-After")); err != nil || ra <= 0 || ra > 3600 {
				t.Errorf("Retry-After %q, want seconds within the hour", p.Header.Get("Retry-After"))
			}
			if !strings.Contains(p.Body, `value="late@example.com"`) || strings.Contains(p.Body, acctPassword) {
				t.Error("the form should keep what was typed but the passwords")
			}
			if _, err := s.Accounts.SignIn(context.Background(), account.Credentials{Username: "late", Password: acctPassword}, ""); !errors.Is(err, account.ErrBadCredentials) {
				t.Errorf("the refused sign-up made an account: %v", err)
			}
		})
	}
}

func TestSignInHonoursNext(t *testing.T) {
	s := newShop(t)
	s.client().signUp("nara")
	tests := []struct {
		next, want string
	}{
		{"/mypage", "/mypage"},
		{"/products?x=1&y=2", "/products?x=1&y=2"},
		{"", "/"},
		{"//evil.example", "/"},
		{"https://evil.example", "/"},
		{`/\evil.example`, "/"},
		{"evil.example", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			c := s.client()
			form := s.client().get("/accounts/login?next=" + url.QueryEscape(tt.next))
			if form.Status != http.StatusOK {
				t.Fatalf("GET: got %d", form.Status)
			}
			hidden := `name="next" value="` + html.EscapeString(tt.want) + `"`
			if !strings.Contains(strings.ReplaceAll(form.Body, "&amp;", "&"), strings.ReplaceAll(hidden, "&amp;", "&")) {
				t.Errorf("the form does not carry next %q", tt.want)
			}
			p := c.post("/accounts/login", url.Values{"username": {"nara"}, "password": {acctPassword}, "next": {tt.next}})
			if p.Status != http.StatusSeeOther || p.Location != tt.want {
				t.Errorf("sign-in: got %d to %q, want 303 to %q", p.Status, p.Location, tt.want)
			}
			// Signed in already, the sign-in page goes straight on.
			if p := c.get("/accounts/login?next=" + url.QueryEscape(tt.next)); p.Status != http.StatusSeeOther || p.Location != tt.want {
				t.Errorf("GET signed in: got %d to %q, want 303 to %q", p.Status, p.Location, tt.want)
			}
		})
	}
	t.Run("sign-up", func(t *testing.T) {
		for i, tt := range tests {
			c := s.client()
			name := "nextuser" + strconv.Itoa(i)
			p := c.post("/accounts/signup", url.Values{
				"username": {name}, "password": {acctPassword}, "password_confirm": {acctPassword},
				"nickname": {name}, "email": {name + "@example.com"}, "next": {tt.next},
			})
			if p.Status != http.StatusSeeOther || p.Location != tt.want {
				t.Errorf("sign-up with next %q: got %d to %q, want 303 to %q", tt.next, p.Status, p.Location, tt.want)
			}
		}
	})
	t.Run("kept after a failure", func(t *testing.T) {
		p := s.client().post("/accounts/login", url.Values{"username": {"nara"}, "password": {"nope-nope-1"}, "next": {"/mypage"}})
		if !strings.Contains(p.Body, `name="next" value="/mypage"`) {
			t.Error("the sign-in page lost next after a failure")
		}
	})
}

func TestSignOutEndsTheSession(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			c.signUp("bora")
			token := c.cookie(storefrontCookie)
			p := c.post("/accounts/logout", nil)
			if p.Status != http.StatusSeeOther || p.Location != "/" {
				t.Fatalf("got %d to %q, want 303 to /", p.Status, p.Location)
			}
			if c.cookie(storefrontCookie) != "" {
				t.Error("the cookie is still there")
			}
			if _, _, err := s.Accounts.Authenticate(context.Background(), token); !errors.Is(err, commerce.ErrUnauthenticated) {
				t.Errorf("the old token: got %v, want ErrUnauthenticated", err)
			}
			// Presented again, the old token signs nobody in.
			d := s.client()
			acctSetToken(d, token)
			home := d.get("/")
			if strings.Contains(home.Body, "로그아웃") || !strings.Contains(home.Body, `href="/accounts/signup"`) {
				t.Error("the old token still signs in")
			}
		})
	}
}

func TestMyPageSendsVisitorsToSignIn(t *testing.T) {
	s := newShop(t)
	c := s.client()
	p := c.get("/mypage")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("got %d, want 303", p.Status)
	}
	u, err := url.Parse(p.Location)
	if err != nil || u.Path != "/accounts/login" || u.Query().Get("next") != "/mypage" {
		t.Errorf("got Location %q, want /accounts/login?next=/mypage", p.Location)
	}
	// The forms of my page, posted by a visitor, send them to sign in too.
	for _, path := range []string{"/mypage/profile", "/mypage/password", "/mypage/addresses",
		"/mypage/addresses/0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c/delete"} {
		p := c.post(path, url.Values{"nickname": {"x"}})
		u, _ := url.Parse(p.Location)
		if p.Status != http.StatusSeeOther || u == nil || u.Path != "/accounts/login" {
			t.Errorf("POST %s: got %d to %q, want 303 to the sign-in page", path, p.Status, p.Location)
		}
	}
}

func TestMyPageShowsEverySection(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			acct := c.signUp("haneul")
			p := c.get("/mypage")
			if p.Status != http.StatusOK {
				t.Fatalf("got %d", p.Status)
			}
			for _, want := range []string{
				"닉네임", "이메일", "관심 사회문제", ">저장<", `value="haneul님"`, `value="haneul@example.com"`,
				"현재 비밀번호", "새 비밀번호", "새 비밀번호 확인", "비밀번호 변경",
				`name="current_password"`, `name="new_password"`, `name="new_password_confirm"`,
				"배송지", "받는 분", "연락처", "주소", "상세 주소", "우편번호", "배송 메모",
				`name="recipient"`, `name="phone"`, `name="line1"`, `name="line2"`, `name="zipcode"`, `name="note"`,
				"주문 내역", "아직 주문이 없습니다",
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("my page lacks %s", want)
				}
			}
			// Every input has its label.
			for _, m := range regexp.MustCompile(`<input id="([^"]+)"`).FindAllStringSubmatch(p.Body, -1) {
				if !strings.Contains(p.Body, `<label for="`+m[1]+`"`) {
					t.Errorf("input %s has no label", m[1])
				}
			}
			_ = acct
		})
	}
}

func TestMyPageProfile(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			s.client().signUp("taken")
			c := s.client()
			c.signUp("eunji")
			if _, err := s.Orders.AddAddress(context.Background(), acctActor(t, s, c), order.AddressInput{
				Recipient: "김은지", Phone: "010-1234-5678", Line1: "서울시 종로구 1", Zipcode: "03000",
			}); err != nil {
				t.Fatal(err)
			}

			p := c.post("/mypage/profile", url.Values{"nickname": {""}, "email": {"eunji-at-example"}})
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422; body:\n%s", p.Status, p.Body)
			}
			got := fieldErrorsOf(p.Body)
			if got["nickname"] != "꼭 입력해 주세요." || !strings.Contains(got["email"], "이메일 주소") {
				t.Errorf("got errors %v", got)
			}
			if !strings.Contains(p.Body, `value="eunji-at-example"`) {
				t.Error("the email typed is lost")
			}
			// The other sections are intact.
			for _, want := range []string{"김은지", "비밀번호 변경", "주문 내역"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the page lacks %s after a failed profile", want)
				}
			}

			p = c.post("/mypage/profile", url.Values{"nickname": {"taken님"}, "email": {"eunji@example.com"}})
			if got := fieldErrorsOf(p.Body); got["nickname"] != "이미 사용 중입니다." {
				t.Errorf("taken nickname: got %d with %v", p.Status, got)
			}

			p = c.post("/mypage/profile", url.Values{"nickname": {"은지"}, "email": {"eunji@example.org"}})
			if p.Status != http.StatusSeeOther || p.Location != "/mypage?saved=profile" {
				t.Fatalf("got %d to %q, want 303 to /mypage?saved=profile", p.Status, p.Location)
			}
			page := c.follow(p)
			if !strings.Contains(page.Body, "회원 정보를 저장했습니다.") || !strings.Contains(page.Body, `value="은지"`) {
				t.Error("my page does not show the saved profile with its notice")
			}
			if page := c.get("/mypage"); strings.Contains(page.Body, "저장했습니다") {
				t.Error("the notice shows again without ?saved=")
			}
		})
	}
}

func TestMyPageChangePassword(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			c.signUp("jiwoo")
			const next = "lemonade-Comet-77"

			p := c.post("/mypage/password", url.Values{
				"current_password": {"not-my-Password-1"}, "new_password": {next}, "new_password_confirm": {next},
			})
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong current: got %d, want 422; body:\n%s", p.Status, p.Body)
			}
			if got := fieldErrorsOf(p.Body); got["current_password"] != "현재 비밀번호가 맞지 않습니다." {
				t.Errorf("wrong current: got errors %v", got)
			}
			if strings.Contains(p.Body, next) || strings.Contains(p.Body, "not-my-Password-1") {
				t.Error("the page shows a password")
			}

			p = c.post("/mypage/password", url.Values{
				"current_password": {""}, "new_password": {"1234"}, "new_password_confirm": {"12345"},
			})
			got := fieldErrorsOf(p.Body)
			if p.Status != http.StatusUnprocessableEntity || got["new_password_confirm"] != "비밀번호가 서로 다릅니다." ||
				got["current_password"] == "" || got["new_password"] == "" {
				t.Errorf("mismatch: got %d with %v, want every field's error", p.Status, got)
			}

			p = c.post("/mypage/password", url.Values{
				"current_password": {acctPassword}, "new_password": {next}, "new_password_confirm": {next},
			})
			if p.Status != http.StatusSeeOther || p.Location != "/mypage?saved=password" {
				t.Fatalf("got %d to %q, want 303 to /mypage?saved=password", p.Status, p.Location)
			}
			// This session goes on.
			if page := c.follow(p); page.Status != http.StatusOK || !strings.Contains(page.Body, "비밀번호를 바꿨습니다.") {
				t.Errorf("after the change: got %d", page.Status)
			}
			d := s.client()
			if p := d.post("/accounts/login", url.Values{"username": {"jiwoo"}, "password": {acctPassword}}); p.Status == http.StatusSeeOther {
				t.Error("the old password still signs in")
			}
			if p := d.post("/accounts/login", url.Values{"username": {"jiwoo"}, "password": {next}}); p.Status != http.StatusSeeOther {
				t.Errorf("the new password: got %d, want 303", p.Status)
			}
		})
	}
}

func TestMyPageSetsAPasswordForAnExternalUser(t *testing.T) {
	s := newShop(t)
	signed, err := s.Accounts.SignInExternal(context.Background(), commerce.Anonymous, account.ExternalUser{
		Provider: "google", Subject: "1098", Email: "sun@example.com", EmailVerified: true, Nickname: "햇살",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	c := s.client()
	acctSetToken(c, signed.Token)
	p := c.get("/mypage")
	if p.Status != http.StatusOK {
		t.Fatalf("got %d", p.Status)
	}
	if strings.Contains(p.Body, `name="current_password"`) {
		t.Error("a user without a password is asked for the current one")
	}
	const pw = "sunflower-Delta-31"
	p = c.post("/mypage/password", url.Values{"new_password": {pw}, "new_password_confirm": {pw}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("got %d; body:\n%s", p.Status, p.Body)
	}
	acct, err := s.Accounts.Account(context.Background(), acctActor(t, s, c))
	if err != nil || !acct.HasPassword {
		t.Errorf("got %+v, %v; want a password", acct, err)
	}
}

func TestMyPageAddresses(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			c := s.client()
			c.signUp("yerin")
			me := acctActor(t, s, c)

			p := c.post("/mypage/addresses", url.Values{
				"recipient": {""}, "phone": {"call me"}, "line1": {"서울시 마포구 2"}, "zipcode": {"?"}, "note": {"문 앞"},
			})
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422; body:\n%s", p.Status, p.Body)
			}
			got := fieldErrorsOf(p.Body)
			for _, f := range []string{"recipient", "phone", "zipcode"} {
				if got[f] == "" {
					t.Errorf("no error for %s (got %v)", f, got)
				}
			}
			for _, kept := range []string{`value="call me"`, `value="서울시 마포구 2"`, `value="문 앞"`} {
				if !strings.Contains(p.Body, kept) {
					t.Errorf("typed value lost: no %s", kept)
				}
			}

			p = c.post("/mypage/addresses", url.Values{
				"recipient": {"박예린"}, "phone": {"010-2222-3333"}, "line1": {"서울시 마포구 2"}, "line2": {"101호"},
				"zipcode": {"04000"}, "note": {"문 앞"},
			})
			if p.Status != http.StatusSeeOther || p.Location != "/mypage?saved=address" {
				t.Fatalf("got %d to %q, want 303 to /mypage?saved=address; body:\n%s", p.Status, p.Location, p.Body)
			}
			page := c.follow(p)
			for _, want := range []string{"박예린", "010-2222-3333", "101호", "배송지를 추가했습니다."} {
				if !strings.Contains(page.Body, want) {
					t.Errorf("my page lacks %s", want)
				}
			}
			book, err := s.Orders.Addresses(ctx, me)
			if err != nil || len(book) != 1 {
				t.Fatalf("address book %v, %v", book, err)
			}
			if !strings.Contains(page.Body, `action="/mypage/addresses/`+book[0].ID.String()+`/delete"`) {
				t.Error("no 삭제 form for the address")
			}

			// Someone else's address is not theirs to delete.
			other := s.client()
			other.signUp("intruder")
			p = other.post("/mypage/addresses/"+book[0].ID.String()+"/delete", nil)
			if p.Status != http.StatusNotFound {
				t.Errorf("someone else's address: got %d, want 404", p.Status)
			}
			if book, _ := s.Orders.Addresses(ctx, me); len(book) != 1 {
				t.Error("someone else deleted the address")
			}
			// A malformed id is a 404 page.
			p = c.post("/mypage/addresses/not-an-id/delete", nil)
			if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "페이지를 찾을 수 없습니다") {
				t.Errorf("malformed id: got %d", p.Status)
			}

			p = c.post("/mypage/addresses/"+book[0].ID.String()+"/delete", nil)
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/mypage") {
				t.Fatalf("delete: got %d to %q", p.Status, p.Location)
			}
			if book, _ := s.Orders.Addresses(ctx, me); len(book) != 0 {
				t.Errorf("the address is still there: %v", book)
			}
			if page := c.follow(p); strings.Contains(page.Body, "박예린") || !strings.Contains(page.Body, "배송지를 삭제했습니다.") {
				t.Error("my page still shows the deleted address, or no notice")
			}
		})
	}
}

func TestMyPageListsOrders(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	c := s.client()
	c.signUp("orderer")
	me := acctActor(t, s, c)
	// The product with the most stock, enough for 11 orders.
	products, err := s.Catalog.Products(ctx, catalog.ProductFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	product := products.Items[0]
	for _, pr := range products.Items {
		if pr.Stock != nil && (product.Stock == nil || *pr.Stock > *product.Stock) {
			product = pr
		}
	}
	var placed []order.Order
	for i := range 11 {
		o, err := s.Orders.Checkout(ctx, me, order.CheckoutInput{
			ProductID: product.ID, Quantity: 1, PaymentMethod: order.Card,
			Address:        &order.AddressInput{Recipient: "주문자", Phone: "010-1111-2222", Line1: "부산시 1", Zipcode: "48000"},
			IdempotencyKey: "key-" + strconv.Itoa(i),
		})
		if err != nil {
			t.Fatal(err)
		}
		placed = append(placed, o)
	}
	p := c.get("/mypage")
	newest := placed[len(placed)-1]
	for _, want := range []string{
		`href="/orders/` + newest.ID.String() + `"`, newest.Number, "결제 완료", ">다음<",
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("my page lacks %s", want)
		}
	}
	if strings.Contains(p.Body, placed[0].Number) {
		t.Error("the first page shows the oldest of 11 orders")
	}
	m := regexp.MustCompile(`href="(/mypage\?orders_cursor=[^"]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no link to the next orders")
	}
	p = c.get(html.UnescapeString(m[1]))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, placed[0].Number) || strings.Contains(p.Body, newest.Number) {
		t.Errorf("the next page: got %d, want the oldest order only", p.Status)
	}
}

func TestSignInPagesOfferProviders(t *testing.T) {
	s := newShop(t)
	cfg := social.Config{ClientID: "id", RedirectURL: "https://shop.example/auth/callback"}
	front := storefront.New(storefront.Services{
		Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board,
	}, &storefront.Options{Logger: discardLogger(), Providers: []*social.Provider{social.Google(cfg), social.Kakao(cfg)}})
	for _, path := range []string{"/accounts/login?next=/mypage", "/accounts/signup?next=/mypage"} {
		rec := httptest.NewRecorder()
		front.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body := rec.Body.String()
		for _, want := range []string{
			`href="/auth/google/login?next=%2fmypage">Google로 로그인</a>`,
			`href="/auth/kakao/login?next=%2fmypage">카카오 로그인</a>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %s", path, want)
			}
		}
	}
	// Without providers, no such links.
	if p := s.client().get("/accounts/login"); strings.Contains(p.Body, "/auth/") {
		t.Error("the sign-in page links to providers that are not configured")
	}
}
