package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/account/social/socialtest"
	"github.com/impactmuseum/commerce/examples/server/api"
)

// socialFixture serves the API with Google and Kakao, both fakes.
type socialFixture struct {
	*fixture
	google, kakao *socialtest.Provider
}

func startSocial(t *testing.T) *socialFixture {
	t.Helper()
	google, kakao := socialtest.New(), socialtest.New()
	t.Cleanup(google.Close)
	t.Cleanup(kakao.Close)
	store, cat := newDemoStore(t)

	// The redirect URLs name the server, which does not exist yet: serve
	// through a handler set once it does.
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	// Sign-ins in progress are kept with the sessions, as the server
	// keeps them.
	states := store.Sessions().(account.SignInStateStore)
	gc, kc := google.Config(srv.URL+"/auth/google/callback"), kakao.Config(srv.URL+"/auth/kakao/callback")
	gc.States, kc.States = states, states
	f := startWith(t, newServices(store, cat), &api.Options{Providers: []*social.Provider{social.Google(gc), social.Kakao(kc)}})
	h = f.srv.Config.Handler
	f.srv = srv
	f.secret(google.ClientSecret)
	f.secret(kakao.ClientSecret)
	f.secret(password)
	return &socialFixture{fixture: f, google: google, kakao: kakao}
}

// browser is a client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (f *socialFixture) browse(t *testing.T, b *http.Client, method, rawURL string) response {
	t.Helper()
	if strings.HasPrefix(rawURL, "/") {
		rawURL = f.srv.URL + rawURL
	}
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.roundTrip(t, b, req)
}

// login starts a sign-in with provider and returns where it redirects.
func (f *socialFixture) login(t *testing.T, b *http.Client, provider, next string) *url.URL {
	t.Helper()
	path := "/auth/" + provider + "/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	res := f.browse(t, b, "GET", path)
	if res.status != http.StatusFound {
		t.Fatalf("GET %s: %d, want 302; body %s", path, res.status, res.body)
	}
	c := res.cookie("auth_state")
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/auth/" || c.MaxAge != 600 {
		t.Errorf("state cookie %+v: want HttpOnly, SameSite=Lax, Path=/auth/, Max-Age=600", c)
	}
	u, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// approve plays the provider: the person signs in there and is sent back
// with a code.
func (f *socialFixture) approve(t *testing.T, fake *socialtest.Provider, authURL *url.URL, userInfo any) string {
	t.Helper()
	cb, err := fake.Authorize(authURL.String(), userInfo)
	if err != nil {
		t.Fatalf("the provider refuses the authorization request: %v", err)
	}
	f.secret(mustParse(t, cb).Query().Get("code"))
	return cb
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// me returns GET /api/me as the browser.
func (f *socialFixture) me(t *testing.T, b *http.Client) obj {
	t.Helper()
	return f.browse(t, b, "GET", "/api/me").want(t, http.StatusOK)
}

func TestSocialSignIn(t *testing.T) {
	f := startSocial(t)
	for _, tc := range []struct {
		provider string
		fake     *socialtest.Provider
		userInfo any
		email    string
		nickname string
	}{
		{"google", f.google, socialtest.GoogleUser("118234567890123456789", "Seoyeon@example.com", true, "서연"), "Seoyeon@example.com", "서연"},
		// Kakao's 64-bit ids survive; a person who shares no email gets an
		// account without one.
		{"kakao", f.kakao, socialtest.KakaoUser(9007199254740993, "", false, "도윤"), "", "도윤"},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			b := browser(t)
			auth := f.login(t, b, tc.provider, "/cart?step=2")
			q := auth.Query()
			wantRedirect := f.srv.URL + "/auth/" + tc.provider + "/callback"
			if q.Get("client_id") != tc.fake.ClientID || q.Get("redirect_uri") != wantRedirect ||
				q.Get("state") == "" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
				t.Errorf("authorization URL %s: want client_id, redirect_uri %s, state, an S256 code_challenge", auth, wantRedirect)
			}
			if q.Has("code_verifier") || q.Has("client_secret") {
				t.Errorf("the authorization URL shows a secret: %s", auth)
			}

			// This provider takes a code twice (see the replay below).
			tc.fake.ReuseCodes(true)
			cb := f.approve(t, tc.fake, auth, tc.userInfo)
			held := b.Jar.Cookies(mustParse(t, f.srv.URL+"/auth/"))
			res := f.browse(t, b, "GET", cb)
			if res.status != http.StatusFound || res.header.Get("Location") != "/cart?step=2" {
				t.Fatalf("callback: %d to %q, want 302 to /cart?step=2; body %s", res.status, res.header.Get("Location"), res.body)
			}
			session := res.cookie(api.SessionCookie)
			if session == nil || session.Value == "" || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
				t.Fatalf("callback session cookie %+v", session)
			}
			f.secret(session.Value)
			if c := res.cookie("auth_state"); c == nil || c.MaxAge >= 0 {
				t.Errorf("the state cookie is not cleared: %v", c)
			}

			me := f.me(t, b)
			if me["email"] != tc.email || me["nickname"] != tc.nickname || me["has_password"] != false ||
				strings.Join(strs(me["identities"]), ",") != tc.provider {
				t.Errorf("account after %s sign-in: %v", tc.provider, me)
			}

			// The same callback again: the state cookie is spent.
			f.browse(t, b, "GET", cb).want(t, http.StatusBadRequest)

			// The same callback with the state cookie the browser held
			// (kept by whoever copied it), at a provider that takes a code
			// twice: the sign-in is spent on the server.
			copied := browser(t)
			copied.Jar.SetCookies(mustParse(t, f.srv.URL+"/auth/"), held)
			res = f.browse(t, copied, "GET", cb)
			tc.fake.ReuseCodes(false)
			if res.status != http.StatusBadRequest || res.cookie(api.SessionCookie) != nil {
				t.Fatalf("a replayed callback: %d, session cookie %v; want 400 and no session", res.status, res.cookie(api.SessionCookie))
			}

			// The same code with a fresh state: the provider refuses it.
			auth2 := f.login(t, b, tc.provider, "")
			replay := mustParse(t, cb)
			rq := replay.Query()
			rq.Set("state", auth2.Query().Get("state"))
			replay.RawQuery = rq.Encode()
			doc := f.browse(t, b, "GET", replay.String()).want(t, http.StatusUnauthorized)
			if strings.Contains(doc["detail"].(string), rq.Get("code")) {
				t.Errorf("the 401 shows the code: %v", doc["detail"])
			}

			// Signing in again finds the same user.
			b2 := browser(t)
			res = f.browse(t, b2, "GET", f.approve(t, tc.fake, f.login(t, b2, tc.provider, ""), tc.userInfo))
			if res.status != http.StatusFound || res.header.Get("Location") != "/" {
				t.Fatalf("second sign-in: %d to %q", res.status, res.header.Get("Location"))
			}
			f.secret(res.cookie(api.SessionCookie).Value)
			if again := f.me(t, b2); again["id"] != me["id"] {
				t.Errorf("second sign-in is user %v, want %v", again["id"], me["id"])
			}
		})
	}
}

func strs(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func TestSocialState(t *testing.T) {
	f := startSocial(t)
	user := socialtest.GoogleUser("1", "a@example.com", true, "a")

	// A wrong state.
	b := browser(t)
	cb := mustParse(t, f.approve(t, f.google, f.login(t, b, "google", ""), user))
	q := cb.Query()
	q.Set("state", social.NewState())
	cb.RawQuery = q.Encode()
	f.browse(t, b, "GET", cb.String()).want(t, http.StatusBadRequest)

	// No state, or no state cookie (another browser).
	cb = mustParse(t, f.approve(t, f.google, f.login(t, b, "google", ""), user))
	f.browse(t, browser(t), "GET", cb.String()).want(t, http.StatusBadRequest)
	q = cb.Query()
	q.Del("state")
	cb.RawQuery = q.Encode()
	f.browse(t, b, "GET", cb.String()).want(t, http.StatusBadRequest)

	// The state of a Google sign-in does not complete a Kakao one.
	cb = mustParse(t, f.approve(t, f.google, f.login(t, b, "google", ""), user))
	cb.Path = "/auth/kakao/callback"
	f.browse(t, b, "GET", cb.String()).want(t, http.StatusBadRequest)

	// The person declined at the provider.
	auth := f.login(t, b, "google", "")
	res := f.browse(t, b, "GET", "/auth/google/callback?error=access_denied&state="+auth.Query().Get("state"))
	if doc := res.want(t, http.StatusUnauthorized); !strings.Contains(doc["detail"].(string), "access_denied") {
		t.Errorf("detail %v", doc["detail"])
	}
}

func TestSocialNext(t *testing.T) {
	f := startSocial(t)
	for next, want := range map[string]string{
		"":                      "/",
		"/products/1?x=1#top":   "/products/1?x=1#top",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"evil":                  "/",
		"/\tjavascript:x":       "/",
	} {
		b := browser(t)
		auth := f.login(t, b, "kakao", next)
		res := f.browse(t, b, "GET", f.approve(t, f.kakao, auth, socialtest.KakaoUser(77, "", false, "n")))
		if res.status != http.StatusFound || res.header.Get("Location") != want {
			t.Errorf("next=%q: %d to %q, want 302 to %q", next, res.status, res.header.Get("Location"), want)
		}
		if c := res.cookie(api.SessionCookie); c != nil {
			f.secret(c.Value)
		}
	}
}

func TestSocialLinksSignedInUser(t *testing.T) {
	f := startSocial(t)
	token, acct := f.signUp(t, "linker")
	b := browser(t)
	b.Jar.SetCookies(mustParse(t, f.srv.URL), []*http.Cookie{{Name: api.SessionCookie, Value: token, Path: "/"}})

	auth := f.login(t, b, "kakao", "/me")
	res := f.browse(t, b, "GET", f.approve(t, f.kakao, auth, socialtest.KakaoUser(31337, "linker@kakao.example", true, "링커")))
	if res.status != http.StatusFound || res.header.Get("Location") != "/me" {
		t.Fatalf("callback: %d %s", res.status, res.body)
	}
	newToken := res.cookie(api.SessionCookie).Value
	f.secret(newToken)
	me := f.me(t, b)
	if me["id"] != acct["id"] || strings.Join(strs(me["identities"]), ",") != "kakao" || me["email"] != acct["email"] {
		t.Errorf("after linking: %v, want %v with the kakao identity", me, acct["id"])
	}
	// The sign-in replaced the session the browser held.
	f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, http.StatusUnauthorized)

	// The linked identity now signs this user in.
	b2 := browser(t)
	res = f.browse(t, b2, "GET", f.approve(t, f.kakao, f.login(t, b2, "kakao", ""), socialtest.KakaoUser(31337, "", false, "")))
	f.secret(res.cookie(api.SessionCookie).Value)
	if me2 := f.me(t, b2); me2["id"] != acct["id"] {
		t.Errorf("the linked identity signs in %v, want %v", me2["id"], acct["id"])
	}

	// Another signed-in user cannot take it over.
	other, _ := f.signUp(t, "intruder")
	b3 := browser(t)
	b3.Jar.SetCookies(mustParse(t, f.srv.URL), []*http.Cookie{{Name: api.SessionCookie, Value: other, Path: "/"}})
	res = f.browse(t, b3, "GET", f.approve(t, f.kakao, f.login(t, b3, "kakao", ""), socialtest.KakaoUser(31337, "", false, "")))
	res.want(t, http.StatusConflict)
}

func TestSocialUnconfiguredAndDown(t *testing.T) {
	f := startAccounts(t, nil)
	for _, path := range []string{"/auth/kakao/login", "/auth/kakao/callback?code=x&state=y", "/auth/facebook/login"} {
		doc := f.call(t, call{method: "GET", path: path}).want(t, http.StatusNotFound)
		name := strings.Split(path, "/")[2]
		if doc["detail"] != name+" sign-in is not configured" {
			t.Errorf("GET %s: detail %q", path, doc["detail"])
		}
	}

	g := startSocial(t)
	b := browser(t)
	cb := g.approve(t, g.google, g.login(t, b, "google", ""), socialtest.GoogleUser("5", "", false, ""))
	g.google.FailTokens(http.StatusServiceUnavailable)
	res := g.browse(t, b, "GET", cb)
	res.want(t, http.StatusServiceUnavailable)
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// The state cookie holds the state alone: the PKCE verifier and the nonce
// stay on the server. The fake provider's token endpoint checks the
// verifier against the challenge.
func TestSocialCookieHoldsNoSecret(t *testing.T) {
	f := startSocial(t)
	b := browser(t)
	auth := f.login(t, b, "google", "/somewhere")
	var value string
	for _, c := range b.Jar.Cookies(mustParse(t, f.srv.URL+"/auth/")) {
		if c.Name == "auth_state" {
			value = c.Value
		}
	}
	q := auth.Query()
	if value == "" || value != q.Get("state") || q.Get("nonce") == "" || q.Get("code_challenge") == "" {
		t.Errorf("state cookie %q, authorization URL %s: want the cookie to hold the URL's state alone, and a nonce and challenge in the URL", value, auth)
	}
}

// A provider that refuses the shop's client (a wrong secret) is the
// operator's problem: the log says so at ERROR with the provider's
// answer, and the person is told that sign-in is unavailable.
func TestSocialMisconfigured(t *testing.T) {
	google := socialtest.New()
	t.Cleanup(google.Close)
	store, cat := newDemoStore(t)
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	c := google.Config(srv.URL + "/auth/google/callback")
	c.States = store.Sessions().(account.SignInStateStore)
	c.ClientSecret = "wrong-" + social.NewState()
	f := startWith(t, newServices(store, cat), &api.Options{Providers: []*social.Provider{social.Google(c)}})
	h = f.srv.Config.Handler
	f.srv = srv
	f.secret(google.ClientSecret)
	f.secret(c.ClientSecret)
	g := &socialFixture{fixture: f, google: google}

	b := browser(t)
	res := g.browse(t, b, "GET", g.approve(t, google, g.login(t, b, "google", ""), socialtest.GoogleUser("9", "", false, "")))
	doc := res.want(t, http.StatusServiceUnavailable)
	if detail, _ := doc["detail"].(string); !strings.Contains(detail, "google sign-in is unavailable") || strings.Contains(detail, "again") {
		t.Errorf("detail %q: want it to say google sign-in is unavailable, not to start again", detail)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "invalid_client") {
		t.Errorf("the log does not give the provider's refusal at ERROR:\n%s", logs)
	}
}

// A visitor fills a cart, then signs in with Kakao from the same browser:
// the cart is theirs.
func TestSocialSignInMergesGuestCart(t *testing.T) {
	f := startSocial(t)
	var list obj
	f.getJSON(t, "/api/products?limit=1", &list)
	product := items(t, list)[0]["id"].(string)

	b := browser(t)
	res := f.postJSON(t, b, "/api/cart/items", obj{"product_id": product, "quantity": 3})
	res.want(t, http.StatusOK)
	guest := f.guestToken(t, res)

	auth := f.login(t, b, "kakao", "/cart")
	res = f.browse(t, b, "GET", f.approve(t, f.kakao, auth, socialtest.KakaoUser(5150, "", false, "장바구니")))
	if res.status != http.StatusFound {
		t.Fatalf("callback: %d %s", res.status, res.body)
	}
	if c := res.cookie(api.SessionCookie); c == nil || c.Value == guest {
		t.Fatalf("the callback did not replace the guest cookie: %v", c)
	} else {
		f.secret(c.Value)
	}
	if me := f.me(t, b); me["cart_count"] != float64(3) {
		t.Errorf("cart_count after Kakao sign-in %v, want the guest's 3", me["cart_count"])
	}
	f.call(t, call{method: "GET", path: "/api/cart", bearer: guest}).want(t, http.StatusUnauthorized)
}
