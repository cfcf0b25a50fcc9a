package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// ---- helpers for requests with bodies and credentials ----

// call is one request.
type call struct {
	method, path string
	// body is sent as is when a string, else as its JSON; nil sends none.
	body any
	// contentType defaults to application/json when there is a body.
	contentType string
	bearer      string // Authorization: Bearer
	cookie      string // the session cookie
	header      http.Header
}

func (f *fixture) call(t *testing.T, c call) response {
	t.Helper()
	var body []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(c.method, f.srv.URL+c.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body != nil {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: c.cookie})
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	return f.roundTrip(t, f.srv.Client(), req)
}

// want checks the status of res and decodes its body (if any).
func (res response) want(t *testing.T, status int) obj {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d; body %s", res.status, status, res.body)
	}
	if len(res.body) == 0 {
		return nil
	}
	wantType := "application/json"
	if status >= 400 {
		wantType = "application/problem+json"
	}
	if ct := res.header.Get("Content-Type"); ct != wantType {
		t.Errorf("Content-Type %q, want %q", ct, wantType)
	}
	var o obj
	if err := json.Unmarshal(res.body, &o); err != nil {
		t.Fatalf("decoding %s: %v", res.body, err)
	}
	return o
}

// wantFields checks that a problem names exactly fields in "errors".
func wantFields(t *testing.T, doc obj, fields ...string) {
	t.Helper()
	errs, _ := doc["errors"].(obj)
	if got, want := keys(errs), sortedList(fields...); got != want {
		t.Errorf("errors name %q, want %q; problem %v", got, want, doc)
	}
}

// cookie returns the Set-Cookie of res for name, or nil.
func (res response) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

const password = "tangerine-Orbit-42"

// signUp signs up username and returns the token and the account.
func (f *fixture) signUp(t *testing.T, username string) (string, obj) {
	t.Helper()
	res := f.call(t, call{method: "POST", path: "/api/accounts", body: obj{
		"username": username, "password": password, "password_confirm": password,
		"nickname": username + "-nick", "email": username + "@example.com",
	}})
	doc := res.want(t, http.StatusCreated)
	return f.secret(doc["token"].(string)), doc["account"].(obj)
}

// staff makes a staff account and returns its token.
func (f *fixture) staff(t *testing.T, username string) string {
	t.Helper()
	if _, err := f.accounts.BootstrapStaff(context.Background(), username, password); err != nil {
		t.Fatalf("BootstrapStaff: %v", err)
	}
	res := f.call(t, call{method: "POST", path: "/api/session", body: obj{"username": username, "password": password}})
	return f.secret(res.want(t, http.StatusOK)["token"].(string))
}

// startAccounts serves the demo with accounts on the same store, so that
// interests name the demo's problems.
func startAccounts(t *testing.T, opts *api.Options) *fixture {
	t.Helper()
	store, cat := newDemoStore(t)
	f := startWith(t, newServices(store, cat), opts)
	f.secret(password)
	return f
}

func problemIDs(t *testing.T, f *fixture) []string {
	t.Helper()
	var list obj
	f.getJSON(t, "/api/problems", &list)
	return ids(items(t, list))
}

// ---- sign-up ----

func TestSignUp(t *testing.T) {
	f := startAccounts(t, nil)
	problems := problemIDs(t, f)
	res := f.call(t, call{method: "POST", path: "/api/accounts", body: obj{
		"username": "jiwoo", "password": password, "password_confirm": password,
		"nickname": "지우", "email": "Jiwoo@Example.com", "interests": []string{problems[1], problems[0], problems[1]},
	}})
	doc := res.want(t, http.StatusCreated)
	if got := keys(doc); got != "account,token" {
		t.Errorf("sign-up answer has %s, want account,token", got)
	}
	token := f.secret(doc["token"].(string))
	acct := doc["account"].(obj)
	if got, want := keys(acct), "cart_count,created_at,email,has_password,id,identities,interests,nickname,staff,username"; got != want {
		t.Errorf("account fields %s, want %s", got, want)
	}
	if acct["username"] != "jiwoo" || acct["nickname"] != "지우" || acct["email"] != "Jiwoo@Example.com" ||
		acct["staff"] != false || acct["has_password"] != true || acct["cart_count"] != float64(0) {
		t.Errorf("account %v", acct)
	}
	if got := acct["identities"].([]any); len(got) != 0 {
		t.Errorf("identities %v, want []", got)
	}
	interests := acct["interests"].([]any)
	if len(interests) != 2 || !slices.Contains(interests, any(problems[0])) || !slices.Contains(interests, any(problems[1])) {
		t.Errorf("interests %v, want the two problems once each", interests)
	}
	checkTime(t, "created_at", acct["created_at"])
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store on an answer with a token", cc)
	}

	c := res.cookie(api.SessionCookie)
	if c == nil {
		t.Fatal("no session cookie")
	}
	if c.Value != token || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Errorf("session cookie %+v: want the token, HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", c)
	}
	if until := time.Until(c.Expires); until < 29*24*time.Hour || until > 31*24*time.Hour {
		t.Errorf("session cookie expires in %s, want the session's 30 days", until)
	}

	// The token works as a Bearer token and as the cookie.
	for _, c := range []call{{bearer: token}, {cookie: token}} {
		c.method, c.path = "GET", "/api/me"
		me := f.call(t, c).want(t, http.StatusOK)
		if me["id"] != acct["id"] || me["username"] != "jiwoo" {
			t.Errorf("GET /api/me: %v, want the new account", me)
		}
	}
}

func TestSignUpInvalid(t *testing.T) {
	f := startAccounts(t, nil)
	res := f.call(t, call{method: "POST", path: "/api/accounts", body: obj{
		"username": "bad name!", "password": "12345678", "password_confirm": "1234567",
		"nickname": "", "email": "not-an-email", "interests": []string{"nope"},
	}})
	doc := res.want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "username", "password", "password_confirm", "nickname", "email", "interests")
	if doc["title"] != "Unprocessable Entity" {
		t.Errorf("title %v", doc["title"])
	}

	// Nothing at all: every required field.
	doc = f.call(t, call{method: "POST", path: "/api/accounts", body: obj{}}).want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "username", "password", "password_confirm", "nickname", "email")

	// A problem id that names no problem.
	body := obj{"username": "a1", "password": password, "password_confirm": password, "nickname": "a1",
		"email": "a1@example.com", "interests": []string{uuid.NewString()}}
	doc = f.call(t, call{method: "POST", path: "/api/accounts", body: body}).want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "interests")
}

func TestSignUpTaken(t *testing.T) {
	f := startAccounts(t, nil)
	f.signUp(t, "minsu")
	res := f.call(t, call{method: "POST", path: "/api/accounts", body: obj{
		"username": "MINSU", "password": password, "password_confirm": password,
		"nickname": "someone else", "email": "minsu@EXAMPLE.com",
	}})
	doc := res.want(t, http.StatusConflict)
	wantFields(t, doc, "username", "email")

	// Taken fields are named together with invalid ones.
	res = f.call(t, call{method: "POST", path: "/api/accounts", body: obj{
		"username": "minsu", "password": "short", "password_confirm": "short",
		"nickname": "minsu-nick", "email": "x@example.com",
	}})
	wantFields(t, res.want(t, http.StatusUnprocessableEntity), "username", "password", "nickname")
}

// ---- sign-in and sign-out ----

func TestSignIn(t *testing.T) {
	f := startAccounts(t, nil)
	first, acct := f.signUp(t, "hana")

	res := f.call(t, call{method: "POST", path: "/api/session", body: obj{"username": "HANA", "password": password}})
	doc := res.want(t, http.StatusOK)
	token := f.secret(doc["token"].(string))
	if token == first || doc["account"].(obj)["id"] != acct["id"] {
		t.Errorf("sign-in: token %q (first %q), account %v", token, first, doc["account"])
	}
	if c := res.cookie(api.SessionCookie); c == nil || c.Value != token {
		t.Errorf("sign-in cookie %v, want the new token", c)
	}
	// Signing in elsewhere leaves the first session alone.
	f.call(t, call{method: "GET", path: "/api/me", bearer: first}).want(t, http.StatusOK)

	// Signing in with a session cookie replaces that session.
	res = f.call(t, call{method: "POST", path: "/api/session", cookie: token, body: obj{"username": "hana", "password": password}})
	again := f.secret(res.want(t, http.StatusOK)["token"].(string))
	f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, http.StatusUnauthorized)
	f.call(t, call{method: "GET", path: "/api/me", bearer: again}).want(t, http.StatusOK)

	// A client holding a dead token can still sign in.
	res = f.call(t, call{method: "POST", path: "/api/session", bearer: token, body: obj{"username": "hana", "password": password}})
	f.secret(res.want(t, http.StatusOK)["token"].(string))

	// Missing fields are named, without counting as a failure.
	doc = f.call(t, call{method: "POST", path: "/api/session", body: obj{}}).want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "username", "password")
}

func TestSignInRefusalsLookAlike(t *testing.T) {
	f := startAccounts(t, nil)
	f.signUp(t, "dahye")
	wrong := f.call(t, call{method: "POST", path: "/api/session", body: obj{"username": "dahye", "password": f.secret("wrong-password-1")}})
	unknown := f.call(t, call{method: "POST", path: "/api/session", body: obj{"username": "nobody", "password": password}})
	wrong.want(t, http.StatusUnauthorized)
	unknown.want(t, http.StatusUnauthorized)
	if !bytes.Equal(wrong.body, unknown.body) {
		t.Errorf("a wrong password and an unknown user answer differently:\n%s\n%s", wrong.body, unknown.body)
	}
	if wrong.header.Get("WWW-Authenticate") != unknown.header.Get("WWW-Authenticate") {
		t.Error("a wrong password and an unknown user get different WWW-Authenticate headers")
	}
	if wrong.cookie(api.SessionCookie) != nil {
		t.Error("a failed sign-in sets a cookie")
	}
}

func TestSignInThrottled(t *testing.T) {
	f := startAccounts(t, nil)
	f.signUp(t, "yuna")
	bad := obj{"username": "yuna", "password": f.secret("not-the-password")}
	for i := range account.DefaultMaxUsernameClientFailures {
		if res := f.call(t, call{method: "POST", path: "/api/session", body: bad}); res.status != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, res.status)
		}
	}
	for _, body := range []obj{bad, {"username": "yuna", "password": password}} {
		res := f.call(t, call{method: "POST", path: "/api/session", body: body})
		res.want(t, http.StatusTooManyRequests)
		secs, err := strconv.Atoi(res.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > int(account.DefaultFailureWindow/time.Second) {
			t.Errorf("Retry-After %q, want whole seconds within the window", res.header.Get("Retry-After"))
		}
	}
}

func TestSignInThrottlesClients(t *testing.T) {
	// Every request comes from one client, as Options.ClientIP says.
	f := startAccounts(t, &api.Options{ClientIP: func(*http.Request) string { return "203.0.113.9" }})
	for i := range account.DefaultMaxClientFailures {
		body := obj{"username": fmt.Sprintf("user%d", i), "password": password}
		if res := f.call(t, call{method: "POST", path: "/api/session", body: body}); res.status != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, res.status)
		}
	}
	res := f.call(t, call{method: "POST", path: "/api/session", body: obj{"username": "fresh", "password": password}})
	res.want(t, http.StatusTooManyRequests)
}

// clientHeader tells the server of TestSignInLockIsPerClient and
// TestSignUpThrottled which client a request comes from, as a proxy's
// header would.
const clientHeader = "X-Test-Client"

func fromClient(ip string) http.Header { return http.Header{clientHeader: {ip}} }

func TestSignInLockIsPerClient(t *testing.T) {
	f := startAccounts(t, &api.Options{ClientIP: func(r *http.Request) string { return r.Header.Get(clientHeader) }})
	f.signUp(t, "mina")
	wrong := obj{"username": "mina", "password": f.secret("not-the-password")}
	right := obj{"username": "mina", "password": password}
	for range account.DefaultMaxUsernameClientFailures {
		f.call(t, call{method: "POST", path: "/api/session", body: wrong, header: fromClient("198.51.100.7")}).
			want(t, http.StatusUnauthorized)
	}
	f.call(t, call{method: "POST", path: "/api/session", body: right, header: fromClient("198.51.100.7")}).
		want(t, http.StatusTooManyRequests)
	// Someone else's failures do not lock the owner out.
	f.call(t, call{method: "POST", path: "/api/session", body: right, header: fromClient("203.0.113.20")}).
		want(t, http.StatusOK)
}

func TestSignUpThrottled(t *testing.T) {
	f := startAccounts(t, &api.Options{ClientIP: func(r *http.Request) string { return r.Header.Get(clientHeader) }})
	body := func(username string) obj {
		return obj{"username": username, "password": password, "password_confirm": password,
			"nickname": username + "-nick", "email": username + "@example.com"}
	}
	// Failed sign-ups count too.
	f.call(t, call{method: "POST", path: "/api/accounts", body: obj{}, header: fromClient("198.51.100.7")}).
		want(t, http.StatusUnprocessableEntity)
	for i := range account.DefaultMaxClientSignUps - 1 {
		f.call(t, call{method: "POST", path: "/api/accounts", body: body(fmt.Sprintf("maker%d", i)), header: fromClient("198.51.100.7")}).
			want(t, http.StatusCreated)
	}
	res := f.call(t, call{method: "POST", path: "/api/accounts", body: body("late"), header: fromClient("198.51.100.7")})
	doc := res.want(t, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(account.DefaultSignUpWindow/time.Second) {
		t.Errorf("Retry-After %q, want whole seconds within the window", res.header.Get("Retry-After"))
	}
	if detail, _ := doc["detail"].(string); !strings.Contains(detail, "sign-ups") {
		t.Errorf("detail %q, want it to speak of sign-ups", detail)
	}
	// Another client signs up.
	f.call(t, call{method: "POST", path: "/api/accounts", body: body("late"), header: fromClient("203.0.113.20")}).
		want(t, http.StatusCreated)
}

func TestSignOut(t *testing.T) {
	f := startAccounts(t, nil)
	token, _ := f.signUp(t, "sora")
	other := f.secret(f.call(t, call{method: "POST", path: "/api/session",
		body: obj{"username": "sora", "password": password}}).want(t, 200)["token"].(string))

	res := f.call(t, call{method: "DELETE", path: "/api/session", bearer: token})
	res.want(t, http.StatusNoContent)
	if c := res.cookie(api.SessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("sign-out cookie %v, want one that expires now", c)
	}
	doc := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, http.StatusUnauthorized)
	if !strings.Contains(doc["detail"].(string), "sign in again") {
		t.Errorf("detail %q", doc["detail"])
	}
	f.call(t, call{method: "GET", path: "/api/me", cookie: token}).want(t, http.StatusUnauthorized)
	// The user's other session goes on.
	f.call(t, call{method: "GET", path: "/api/me", bearer: other}).want(t, http.StatusOK)

	// Signing out again, or without a session, is no error.
	f.call(t, call{method: "DELETE", path: "/api/session", bearer: token}).want(t, http.StatusNoContent)
	f.call(t, call{method: "DELETE", path: "/api/session"}).want(t, http.StatusNoContent)

	// By cookie.
	f.call(t, call{method: "DELETE", path: "/api/session", cookie: other}).want(t, http.StatusNoContent)
	f.call(t, call{method: "GET", path: "/api/me", bearer: other}).want(t, http.StatusUnauthorized)
}

func TestDeadCredentials(t *testing.T) {
	f := startAccounts(t, nil)
	dead := f.secret("x3P6pJv5rQ0Wc8Ue1yLz4N7bDfA9sTgKhMiOqRu2wEo")

	// A dead cookie makes the request anonymous and clears the cookie.
	res := f.call(t, call{method: "GET", path: "/api/products", cookie: dead})
	res.want(t, http.StatusOK)
	if c := res.cookie(api.SessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("a dead cookie is not cleared: %v", c)
	}
	res = f.call(t, call{method: "GET", path: "/api/me", cookie: dead})
	res.want(t, http.StatusUnauthorized)
	if c := res.cookie(api.SessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("a dead cookie is not cleared: %v", c)
	}

	// A dead Bearer token is refused, on every route that takes one.
	for _, path := range []string{"/api/me", "/api/products"} {
		res := f.call(t, call{method: "GET", path: path, bearer: dead})
		res.want(t, http.StatusUnauthorized)
		if h := res.header.Get("WWW-Authenticate"); !strings.Contains(h, "invalid_token") {
			t.Errorf("GET %s: WWW-Authenticate %q, want invalid_token", path, h)
		}
	}
	// "Bearer" alone is malformed.
	res = f.call(t, call{method: "GET", path: "/api/products", header: http.Header{"Authorization": {"Bearer "}}})
	res.want(t, http.StatusUnauthorized)
	// Another scheme is not ours to judge.
	f.call(t, call{method: "GET", path: "/api/products", header: http.Header{"Authorization": {"Basic YTpi"}}}).want(t, 200)
	// Anonymous: 401 where a user is needed.
	f.call(t, call{method: "GET", path: "/api/me"}).want(t, http.StatusUnauthorized)
	// The health checks never look at credentials.
	f.call(t, call{method: "GET", path: "/healthz", bearer: dead}).want(t, http.StatusOK)
}

// ---- the profile ----

func TestUpdateMe(t *testing.T) {
	f := startAccounts(t, nil)
	problems := problemIDs(t, f)
	token, acct := f.signUp(t, "jun")
	f.signUp(t, "other")

	doc := f.call(t, call{method: "PATCH", path: "/api/me", bearer: token, body: obj{
		"nickname": "준", "interests": []string{problems[2]},
	}}).want(t, http.StatusOK)
	if doc["nickname"] != "준" || doc["username"] != "jun" || doc["email"] != acct["email"] ||
		fmt.Sprint(doc["interests"]) != fmt.Sprint([]any{problems[2]}) {
		t.Errorf("after PATCH: %v", doc)
	}
	me := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, 200)
	if me["nickname"] != "준" {
		t.Errorf("GET /api/me after PATCH: %v", me)
	}

	doc = f.call(t, call{method: "PATCH", path: "/api/me", bearer: token, body: obj{"email": "OTHER@example.com", "username": "Other"}}).
		want(t, http.StatusConflict)
	wantFields(t, doc, "email", "username")
	doc = f.call(t, call{method: "PATCH", path: "/api/me", bearer: token, body: obj{"email": "nope", "nickname": ""}}).
		want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "email", "nickname")
	doc = f.call(t, call{method: "PATCH", path: "/api/me", bearer: token, body: obj{"interests": []string{"x"}}}).
		want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "interests")
	doc = f.call(t, call{method: "PATCH", path: "/api/me", bearer: token, body: obj{"password": "x", "nickname": 5}}).
		want(t, http.StatusBadRequest)
	wantFields(t, doc, "password", "nickname")
	f.call(t, call{method: "PATCH", path: "/api/me", body: obj{"nickname": "x"}}).want(t, http.StatusUnauthorized)
}

func TestChangePassword(t *testing.T) {
	f := startAccounts(t, nil)
	mine, _ := f.signUp(t, "eun")
	other := f.secret(f.call(t, call{method: "POST", path: "/api/session",
		body: obj{"username": "eun", "password": password}}).want(t, 200)["token"].(string))
	next := f.secret("plum-Harbor-77")

	doc := f.call(t, call{method: "POST", path: "/api/me/password", bearer: mine,
		body: obj{"current_password": f.secret("wrong-guess-9"), "new_password": next}}).want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "current_password")
	doc = f.call(t, call{method: "POST", path: "/api/me/password", bearer: mine,
		body: obj{"current_password": password, "new_password": "eun"}}).want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "new_password")

	f.call(t, call{method: "POST", path: "/api/me/password", cookie: mine,
		body: obj{"current_password": password, "new_password": next}}).want(t, http.StatusNoContent)
	f.call(t, call{method: "GET", path: "/api/me", bearer: mine}).want(t, http.StatusOK)
	f.call(t, call{method: "GET", path: "/api/me", bearer: other}).want(t, http.StatusUnauthorized)
	f.call(t, call{method: "POST", path: "/api/session", body: obj{"username": "eun", "password": password}}).
		want(t, http.StatusUnauthorized)
	f.secret(f.call(t, call{method: "POST", path: "/api/session", body: obj{"username": "eun", "password": next}}).
		want(t, http.StatusOK)["token"].(string))
	f.call(t, call{method: "POST", path: "/api/me/password", body: obj{"current_password": "a", "new_password": "b"}}).
		want(t, http.StatusUnauthorized)
}

// ---- cross-origin protection ----

func TestCrossOrigin(t *testing.T) {
	f := startAccounts(t, &api.Options{TrustedOrigins: []string{"https://shop.example"}})
	token, _ := f.signUp(t, "mina")
	evil := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	patch := obj{"nickname": "미나"}

	doc := f.call(t, call{method: "PATCH", path: "/api/me", cookie: token, body: patch, header: evil}).
		want(t, http.StatusForbidden)
	if !strings.Contains(doc["detail"].(string), "Bearer") {
		t.Errorf("the 403 does not say what to do instead: %v", doc["detail"])
	}
	f.call(t, call{method: "DELETE", path: "/api/session", cookie: token, header: evil}).want(t, http.StatusForbidden)
	// A sign-in from another site (login CSRF) is refused too.
	f.call(t, call{method: "POST", path: "/api/session", header: evil,
		body: obj{"username": "mina", "password": password}}).want(t, http.StatusForbidden)
	// The session survived.
	f.call(t, call{method: "GET", path: "/api/me", cookie: token}).want(t, http.StatusOK)

	// Reads from anywhere are fine; so are writes that carry a Bearer
	// token, which no other site can make a browser send.
	f.call(t, call{method: "GET", path: "/api/me", cookie: token, header: evil}).want(t, http.StatusOK)
	f.call(t, call{method: "PATCH", path: "/api/me", bearer: token, body: patch, header: evil}).want(t, http.StatusOK)
	// Same origin, a trusted origin, and clients that are not browsers.
	f.call(t, call{method: "PATCH", path: "/api/me", cookie: token, body: patch,
		header: http.Header{"Sec-Fetch-Site": {"same-origin"}}}).want(t, http.StatusOK)
	f.call(t, call{method: "PATCH", path: "/api/me", cookie: token, body: patch,
		header: http.Header{"Origin": {"https://shop.example"}, "Sec-Fetch-Site": {"same-site"}}}).want(t, http.StatusOK)
	f.call(t, call{method: "PATCH", path: "/api/me", cookie: token, body: patch}).want(t, http.StatusOK)
}

// ---- a session store that does not answer ----

// downSessions is a session store whose backend is down.
type downSessions struct{}

var errDown = fmt.Errorf("redisstore: dial tcp 10.0.0.9:6379: i/o timeout: %w", commerce.ErrUnavailable)

func (downSessions) CreateSession(context.Context, account.Session) error { return errDown }
func (downSessions) GetSession(context.Context, string) (account.Session, error) {
	return account.Session{}, errDown
}
func (downSessions) TouchSession(context.Context, string, time.Time, time.Time) error { return errDown }
func (downSessions) DeleteSession(context.Context, string) error                      { return errDown }
func (downSessions) DeleteUserSessions(context.Context, uuid.UUID, string) error      { return errDown }

func TestSessionStoreDown(t *testing.T) {
	store, cat := newDemoStore(t)
	accounts := account.NewService(store.Accounts(), downSessions{}, store.Attempts(), &account.Options{
		Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
	})
	svc := newServices(store, cat)
	svc.Accounts = accounts
	f := startWith(t, svc, nil)
	token := f.secret("x3P6pJv5rQ0Wc8Ue1yLz4N7bDfA9sTgKhMiOqRu2wEo")

	// Every request is bounded: a hang would fail the test, not stall it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	send := func(c call) response {
		t.Helper()
		var body io.Reader
		if c.body != nil {
			body = strings.NewReader(c.body.(string))
		}
		req, _ := http.NewRequestWithContext(ctx, c.method, f.srv.URL+c.path, body)
		if c.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: c.cookie})
		}
		return f.roundTrip(t, f.srv.Client(), req)
	}
	for _, c := range []call{
		{method: "GET", path: "/api/me", bearer: token},
		{method: "GET", path: "/api/me", cookie: token},
		{method: "GET", path: "/api/products", cookie: token},
		{method: "DELETE", path: "/api/session", bearer: token},
		{method: "POST", path: "/api/accounts", body: `{"username":"a1","password":"` + password +
			`","password_confirm":"` + password + `","nickname":"a1","email":"a1@example.com"}`},
	} {
		res := send(c)
		doc := res.want(t, http.StatusServiceUnavailable)
		if res.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: no Retry-After", c.method, c.path)
		}
		if strings.Contains(fmt.Sprint(doc), "10.0.0.9") {
			t.Errorf("%s %s: the 503 shows its cause: %v", c.method, c.path, doc)
		}
	}
	if !strings.Contains(f.logs.String(), "10.0.0.9") {
		t.Errorf("the cause of the 503s is not in the log:\n%s", f.logs)
	}
	// Without a token nothing asks the store.
	send(call{method: "GET", path: "/api/products"}).want(t, http.StatusOK)
}

// TestRedisBlackHole points the session store at a Redis that accepts
// connections and never answers, the worst kind of down: each request must
// still end, with 503, well inside its deadline.
func TestRedisBlackHole(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c // read nothing, answer nothing
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	rdb, err := redisstore.NewClient("redis://" + ln.Addr().String() + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rs := redisstore.New(rdb, nil)
	store, cat := newDemoStore(t)
	accounts := account.NewService(store.Accounts(), rs.Sessions(), rs.Attempts(), &account.Options{
		Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
	})
	svc := newServices(store, cat)
	svc.Accounts = accounts
	f := startWith(t, svc, nil)
	token := f.secret("x3P6pJv5rQ0Wc8Ue1yLz4N7bDfA9sTgKhMiOqRu2wEo")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range []call{
		{method: "GET", path: "/api/me", bearer: token},
		{method: "GET", path: "/api/products", cookie: token},
		{method: "POST", path: "/api/session", body: obj{"username": "a", "password": "b"}},
	} {
		var body io.Reader
		if c.body != nil {
			b, _ := json.Marshal(c.body)
			body = bytes.NewReader(b)
		}
		req, _ := http.NewRequestWithContext(ctx, c.method, f.srv.URL+c.path, body)
		req.Header.Set("Content-Type", "application/json")
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: c.cookie})
		}
		res := f.roundTrip(t, f.srv.Client(), req)
		res.want(t, http.StatusServiceUnavailable)
		if res.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: no Retry-After", c.method, c.path)
		}
	}
}

// ---- cookies over TLS ----

func TestSecureCookies(t *testing.T) {
	store, cat := newDemoStore(t)
	a := api.New(newServices(store, cat), &api.Options{
		Logger: slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewTLSServer(a.Handler())
	defer srv.Close()
	body := `{"username":"tls","password":"` + password + `","password_confirm":"` + password + `","nickname":"tls","email":"tls@example.com"}`
	res, err := srv.Client().Post(srv.URL+"/api/accounts", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if cs := res.Cookies(); res.StatusCode != 201 || len(cs) != 1 || !cs[0].Secure {
		t.Errorf("sign-up over TLS: %d, cookies %v; want a Secure cookie", res.StatusCode, cs)
	}

	// SecureCookies for TLS that ends at a proxy.
	g := startWith(t, newServices(store, cat), &api.Options{SecureCookies: true})
	r := g.call(t, call{method: "POST", path: "/api/accounts", body: strings.ReplaceAll(body, "tls", "proxied")})
	g.secret(r.want(t, 201)["token"].(string))
	if c := r.cookie(api.SessionCookie); c == nil || !c.Secure {
		t.Errorf("with SecureCookies: cookie %v, want Secure", c)
	}
}
