package storefront

import (
	"errors"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/internal/webauth"
	"github.com/impactmuseum/commerce/order"
)

// ordersPageSize is the number of orders my page lists at a time.
const ordersPageSize = 10

// nextPath is where a sign-in or sign-up goes on to: next when it is a
// path of this shop, else the home page, so that a link from elsewhere
// cannot send a shopper who just signed in to another site.
func nextPath(next string) string { return webauth.SameSitePath(next) }

// interestIDs parses the checked interests. A value that is not an id
// becomes uuid.Nil, which the account service reports as "must be problem
// ids" together with every other field, rather than the page checking it
// apart.
func interestIDs(values []string) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(values))
	for _, v := range values {
		id, err := commerce.ParseID(strings.TrimSpace(v))
		if err != nil {
			id = uuid.Nil
		}
		ids = append(ids, id)
	}
	return ids
}

// withoutPasswords returns v minus the password fields: a page never
// sends a password back to the browser.
func withoutPasswords(v url.Values, fields ...string) url.Values {
	out := maps.Clone(v)
	for _, f := range fields {
		delete(out, f)
	}
	return out
}

// setRetryAfter tells the browser how long err asks to wait before trying
// again, in whole seconds, when it says.
func setRetryAfter(w http.ResponseWriter, err error) {
	if wait, ok := commerce.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
}

// ---- sign-up ----

// signUpView is the sign-up page.
type signUpView struct {
	Form     form
	Problems []catalog.Problem
	// Next is where the shopper goes once signed up.
	Next string
}

func (signUpView) PageTitle() string { return "회원가입" }

// SignUpForm serves GET /accounts/signup: the sign-up form, which goes on
// to ?next= (a path of the shop) once done. A signed-in user goes there
// straight away.
func (s *Storefront) SignUpForm(w http.ResponseWriter, r *http.Request) {
	next := nextPath(r.URL.Query().Get("next"))
	if actor(r).SignedIn() {
		redirect(w, r, next)
		return
	}
	s.signUpPage(w, r, http.StatusOK, form{}, next)
}

// SignUp serves POST /accounts/signup: a new customer, signed in, whose
// guest cart (the session the browser held) is merged into theirs. Every
// failing field is shown at once, taken ones included. After too many
// sign-ups from the client the page says how long to wait.
func (s *Storefront) SignUp(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	next := nextPath(f.Value("next"))
	signed, err := s.accounts.SignUp(r.Context(), account.SignUpInput{
		Username:        f.Value("username"),
		Password:        f.Value("password"),
		PasswordConfirm: f.Value("password_confirm"),
		Nickname:        f.Value("nickname"),
		Email:           f.Value("email"),
		Interests:       interestIDs(f.Values["interests"]),
		Client:          s.clientIP(r),
	}, token(r))
	if err != nil {
		status := s.failed(w, r, &f, err)
		if status == 0 {
			return
		}
		setRetryAfter(w, err)
		f.Values = withoutPasswords(f.Values, "password", "password_confirm")
		s.signUpPage(w, r, status, f, next)
		return
	}
	s.cookies.Set(w, r, signed.Token, signed.Session.ExpiresAt)
	redirect(w, r, next)
}

func (s *Storefront) signUpPage(w http.ResponseWriter, r *http.Request, status int, f form, next string) {
	problems, err := s.cat.Problems(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "signup", signUpView{Form: f, Problems: problems, Next: next})
}

// ---- sign-in and sign-out ----

// loginView is the sign-in page.
type loginView struct {
	Form form
	Next string
}

func (loginView) PageTitle() string { return "로그인" }

// SignInForm serves GET /accounts/login: the sign-in form, which goes on to
// ?next= (a path of the shop) once signed in. A signed-in user goes there
// straight away.
func (s *Storefront) SignInForm(w http.ResponseWriter, r *http.Request) {
	next := nextPath(r.URL.Query().Get("next"))
	if actor(r).SignedIn() {
		redirect(w, r, next)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginView{Next: next})
}

// SignIn serves POST /accounts/login. A wrong password and an unknown
// username read the same; after too many failures (for the username or
// from the client) the page says how long to wait, whatever the password.
// The guest cart is merged into the user's.
func (s *Storefront) SignIn(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	next := nextPath(f.Value("next"))
	// An empty field is named next to it; the service does not count it
	// as a failed attempt.
	signed, err := s.accounts.SignIn(r.Context(), account.Credentials{
		Username: f.Value("username"),
		Password: f.Value("password"),
		Client:   s.clientIP(r),
	}, token(r))
	if err != nil {
		status := s.failed(w, r, &f, err)
		if status == 0 {
			return
		}
		setRetryAfter(w, err)
		f.Values = withoutPasswords(f.Values, "password")
		s.render(w, r, status, "login", loginView{Form: f, Next: next})
		return
	}
	s.cookies.Set(w, r, signed.Token, signed.Session.ExpiresAt)
	redirect(w, r, next)
}

// SignOut serves POST /accounts/logout: the session ends on every server,
// the cookie is cleared, and the shopper is back on the home page.
func (s *Storefront) SignOut(w http.ResponseWriter, r *http.Request) {
	if t := token(r); t != "" {
		if err := s.accounts.SignOut(r.Context(), t); err != nil {
			// The session may live on: say so rather than pretend.
			s.fail(w, r, err)
			return
		}
	}
	s.cookies.Clear(w, r)
	redirect(w, r, "/")
}

// ---- my page ----

// myPageView is my page: the profile, the password, the address book and
// the orders, each form with what was typed in it when it failed.
type myPageView struct {
	Account   account.Account
	Problems  []catalog.Problem
	Addresses []order.Address
	Orders    []order.Order
	// NextOrders is the cursor of the next page of orders, or "".
	NextOrders string
	// FirstOrders is false on the pages of orders after the first.
	FirstOrders bool
	// Saved is the notice of what was just saved, or "".
	Saved    string
	Profile  form
	Password form
	Address  form
}

func (myPageView) PageTitle() string { return "마이페이지" }

// savedNotices are the notices of ?saved= after each form of my page.
var savedNotices = map[string]string{
	"profile":         "회원 정보를 저장했습니다.",
	"password":        "비밀번호를 바꿨습니다.",
	"address":         "배송지를 추가했습니다.",
	"address_deleted": "배송지를 삭제했습니다.",
}

// MyPage serves GET /mypage: the profile, password change, address book
// and orders (newest first; ?orders_cursor= continues) of the signed-in
// user. Visitors sign in first and come back.
func (s *Storefront) MyPage(w http.ResponseWriter, r *http.Request) {
	s.myPage(w, r, http.StatusOK, myPageView{Saved: savedNotices[r.URL.Query().Get("saved")]})
}

// myPage renders my page with status, filling in whatever of v the
// handler did not.
func (s *Storefront) myPage(w http.ResponseWriter, r *http.Request, status int, v myPageView) {
	ctx := r.Context()
	a := actor(r)
	acct, err := s.accounts.Account(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	problems, err := s.cat.Problems(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	addresses, err := s.orders.Addresses(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cursor := ""
	if r.Method == http.MethodGet {
		cursor = r.URL.Query().Get("orders_cursor")
	}
	orders, err := s.orders.Orders(ctx, a, order.Filter{Limit: ordersPageSize, Cursor: cursor})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Account, v.Problems, v.Addresses = acct, problems, addresses
	v.Orders, v.NextOrders, v.FirstOrders = orders.Items, orders.NextCursor, cursor == ""
	if v.Profile.Values == nil {
		interests := make([]string, len(acct.Interests))
		for i, id := range acct.Interests {
			interests[i] = id.String()
		}
		v.Profile.Values = url.Values{"nickname": {acct.Nickname}, "email": {acct.Email}, "interests": interests}
	}
	s.render(w, r, status, "mypage", v)
}

// myPageFailed shows my page again after its form section failed with
// err, the form f in its place and the other sections as they are. A
// visitor (a session that ended meanwhile) signs in first instead.
func (s *Storefront) myPageFailed(w http.ResponseWriter, r *http.Request, section string, f form, err error) {
	if errors.Is(err, commerce.ErrUnauthenticated) && !actor(r).SignedIn() {
		signInFirst(w, r, "/mypage")
		return
	}
	status := s.failed(w, r, &f, err)
	if status == 0 {
		return
	}
	var v myPageView
	switch section {
	case "profile":
		v.Profile = f
	case "password":
		// Every field of this form is a password: none is shown again.
		f.Values = nil
		v.Password = f
	case "address":
		v.Address = f
	}
	setRetryAfter(w, err)
	s.myPage(w, r, status, v)
}

// UpdateProfile serves POST /mypage/profile: the nickname, email and
// interests change, with the rules of sign-up.
func (s *Storefront) UpdateProfile(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	_, err := s.accounts.UpdateProfile(r.Context(), actor(r), account.ProfilePatch{
		Nickname:  commerce.Some(f.Value("nickname")),
		Email:     commerce.Some(f.Value("email")),
		Interests: commerce.Some(interestIDs(f.Values["interests"])),
	})
	if err != nil {
		s.myPageFailed(w, r, "profile", f, err)
		return
	}
	redirect(w, r, "/mypage?saved=profile")
}

// ChangePassword serves POST /mypage/password: a new password, typed twice,
// given the current one (a user who signed up through Google or Kakao has
// none and sets one without). This session goes on; the user's others end.
func (s *Storefront) ChangePassword(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	acct, err := s.accounts.Account(ctx, actor(r))
	if err != nil {
		s.myPageFailed(w, r, "password", f, err)
		return
	}
	current, next, confirm := f.Value("current_password"), f.Value("new_password"), f.Value("new_password_confirm")
	// The service takes the new password once; the second typing is the
	// page's to check. When it does not match, the service is not called
	// (it would change the password), so the other fields are checked here
	// as far as they can be without it, to show every error at once.
	var bad commerce.ValidationError
	switch {
	case confirm == "":
		bad.Add("new_password_confirm", "required")
	case confirm != next:
		bad.Add("new_password_confirm", "does not match the password")
	}
	if bad.Err() != nil {
		if acct.HasPassword && current == "" {
			bad.Add("current_password", "required")
		}
		if next == "" {
			bad.Add("new_password", "required")
		} else if problems := account.PasswordProblems(next,
			account.Attr{Name: "username", Value: acct.Username},
			account.Attr{Name: "nickname", Value: acct.Nickname},
			account.Attr{Name: "email", Value: acct.Email}); len(problems) > 0 {
			bad.Add("new_password", strings.Join(problems, "; "))
		}
		s.myPageFailed(w, r, "password", f, bad.Err())
		return
	}
	if err := s.accounts.ChangePassword(ctx, actor(r), current, next); err != nil {
		s.myPageFailed(w, r, "password", f, err)
		return
	}
	redirect(w, r, "/mypage?saved=password")
}

// AddAddress serves POST /mypage/addresses: a new entry of the address
// book.
func (s *Storefront) AddAddress(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	_, err := s.orders.AddAddress(r.Context(), actor(r), order.AddressInput{
		Recipient: f.Value("recipient"),
		Phone:     f.Value("phone"),
		Line1:     f.Value("line1"),
		Line2:     f.Value("line2"),
		Zipcode:   f.Value("zipcode"),
		Note:      f.Value("note"),
	})
	if err != nil {
		s.myPageFailed(w, r, "address", f, err)
		return
	}
	redirect(w, r, "/mypage?saved=address")
}

// DeleteAddress serves POST /mypage/addresses/{id}/delete. Orders keep
// their own copy of the address. An id that is not in the user's address
// book (someone else's, or already deleted) is the 404 page.
func (s *Storefront) DeleteAddress(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	if err := s.orders.DeleteAddress(r.Context(), actor(r), id); err != nil {
		if errors.Is(err, commerce.ErrUnauthenticated) && !actor(r).SignedIn() {
			signInFirst(w, r, "/mypage")
			return
		}
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/mypage?saved=address_deleted")
}
