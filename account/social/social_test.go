package social_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/account/social/socialtest"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

const redirect = "https://shop.example/auth/x/callback?tenant=a"

type providerCase struct {
	name string
	new  func(social.Config) *social.Provider
	// user is a person in the provider's shape.
	user socialtest.User
}

var providers = []providerCase{
	{"google", social.Google, socialtest.GoogleUser("1", "", false, "")},
	{"kakao", social.Kakao, socialtest.KakaoUser(1, "", false, "")},
}

// newStates returns a store for sign-ins in progress: memstore's, as a
// single server would use.
func newStates() account.SignInStateStore {
	return memstore.New(nil).Sessions().(account.SignInStateStore)
}

// openID returns fake's Config for OpenID Connect, with a store.
func openID(fake *socialtest.Provider) social.Config {
	c := fake.Config(redirect)
	c.States = newStates()
	return c
}

// plain returns fake's Config for plain OAuth 2.0, with a store.
func plain(fake *socialtest.Provider) social.Config {
	c := fake.PlainConfig(redirect)
	c.States = newStates()
	return c
}

func newFake(t *testing.T) *socialtest.Provider {
	t.Helper()
	fake := socialtest.New()
	t.Cleanup(fake.Close)
	return fake
}

func TestBegin(t *testing.T) {
	for _, pc := range providers {
		for _, mode := range []string{"openid", "plain"} {
			t.Run(pc.name+" "+mode, func(t *testing.T) {
				fake := newFake(t)
				c := openID(fake)
				if mode == "plain" {
					c = plain(fake)
				}
				p := pc.new(c)
				if p.Name() != pc.name || p.OpenID() != (mode == "openid") || p.StateTTL() != social.DefaultStateTTL {
					t.Errorf("Name() %q, OpenID() %v, StateTTL() %v", p.Name(), p.OpenID(), p.StateTTL())
				}
				state, authURL, err := p.Begin(context.Background(), "/next")
				if err != nil {
					t.Fatalf("Begin: %v", err)
				}
				u, err := url.Parse(authURL)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				want := map[string]string{
					"client_id":             fake.ClientID,
					"redirect_uri":          redirect,
					"response_type":         "code",
					"state":                 state,
					"code_challenge_method": "S256",
				}
				for k, v := range want {
					if q.Get(k) != v {
						t.Errorf("%s = %q, want %q", k, q.Get(k), v)
					}
				}
				if len(state) != 43 || len(q.Get("code_challenge")) != 43 {
					t.Errorf("state %q, code_challenge %q: want 43 characters each", state, q.Get("code_challenge"))
				}
				if got := q.Has("nonce"); got != (mode == "openid") || (got && len(q.Get("nonce")) != 43) {
					t.Errorf("nonce %q: want one of 43 characters with OpenID Connect only", q.Get("nonce"))
				}
				if q.Has("code_verifier") || q.Has("client_secret") {
					t.Errorf("the authorization URL shows a secret: %s", u)
				}
				wantScope := map[string]string{"google": "openid email profile", "kakao": ""}[pc.name]
				if got := q.Get("scope"); got != wantScope {
					t.Errorf("scope = %q, want %q", got, wantScope)
				}
				// Another sign-in gets other values.
				state2, authURL2, err := p.Begin(context.Background(), "")
				if err != nil || state2 == state || authURL2 == authURL {
					t.Errorf("a second Begin: %q, %v; want a new state", state2, err)
				}
			})
		}
	}
}

func TestScopesOverride(t *testing.T) {
	fake := newFake(t)
	c := plain(fake)
	c.Scopes = []string{"profile_nickname", "account_email"}
	_, authURL, err := social.Kakao(c).Begin(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if got := u.Query().Get("scope"); got != "profile_nickname account_email" {
		t.Errorf("scope = %q", got)
	}
}

// flow is one sign-in up to the provider's callback.
type flow struct {
	state    string
	callback url.Values
}

// begin starts a sign-in with p and has fake approve it for user.
func begin(t *testing.T, fake *socialtest.Provider, p *social.Provider, user any) flow {
	t.Helper()
	state, authURL, err := p.Begin(context.Background(), "/after")
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	cb, err := fake.Authorize(authURL, user)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	u, _ := url.Parse(cb)
	return flow{state: state, callback: u.Query()}
}

func (f flow) finish(p *social.Provider) (account.ExternalUser, error) {
	u, data, err := p.Finish(context.Background(), f.state, f.callback)
	if err == nil && data != "/after" {
		return u, fmt.Errorf("Finish returned the data %q, want Begin's /after", data)
	}
	return u, err
}

// signIn runs a whole sign-in.
func signIn(t *testing.T, fake *socialtest.Provider, p *social.Provider, user any) (account.ExternalUser, error) {
	t.Helper()
	return begin(t, fake, p, user).finish(p)
}

func TestFinish(t *testing.T) {
	tests := []struct {
		name  string
		new   func(social.Config) *social.Provider
		plain bool
		user  any
		want  account.ExternalUser
	}{
		{"google", social.Google, false, socialtest.GoogleUser("10769150350006150715113082367", "Jiwoo.Kim@example.com", true, "김지우"),
			account.ExternalUser{Provider: "google", Subject: "10769150350006150715113082367", Email: "Jiwoo.Kim@example.com", EmailVerified: true, Nickname: "김지우"}},
		{"google unverified", social.Google, false, socialtest.GoogleUser("42", "a@example.com", false, ""),
			account.ExternalUser{Provider: "google", Subject: "42", Email: "a@example.com"}},
		{"google email_verified as a string", social.Google, false, map[string]any{"sub": "7", "email": "s@example.com", "email_verified": "true"},
			account.ExternalUser{Provider: "google", Subject: "7", Email: "s@example.com", EmailVerified: true}},
		// Kakao's ID token does not say whether the email is verified:
		// its user-info answer does.
		{"kakao", social.Kakao, false, socialtest.KakaoUser(9007199254740993, "minsu@example.kr", true, "민수"),
			account.ExternalUser{Provider: "kakao", Subject: "9007199254740993", Email: "minsu@example.kr", EmailVerified: true, Nickname: "민수"}},
		{"kakao unverified email", social.Kakao, false, socialtest.KakaoUser(5, "x@example.kr", false, "x"),
			account.ExternalUser{Provider: "kakao", Subject: "5", Email: "x@example.kr", Nickname: "x"}},
		{"kakao without email", social.Kakao, false, socialtest.KakaoUser(1234567890, "", false, "하늘"),
			account.ExternalUser{Provider: "kakao", Subject: "1234567890", Nickname: "하늘"}},

		{"plain google", social.Google, true, socialtest.GoogleUser("42", "a@example.com", true, "가"),
			account.ExternalUser{Provider: "google", Subject: "42", Email: "a@example.com", EmailVerified: true, Nickname: "가"}},
		// 2^53+1 is the first integer a float64 cannot hold.
		{"plain kakao", social.Kakao, true, socialtest.KakaoUser(9007199254740993, "minsu@example.kr", true, "민수"),
			account.ExternalUser{Provider: "kakao", Subject: "9007199254740993", Email: "minsu@example.kr", EmailVerified: true, Nickname: "민수"}},
		{"plain kakao without email", social.Kakao, true, socialtest.KakaoUser(1234567890, "", false, "하늘"),
			account.ExternalUser{Provider: "kakao", Subject: "1234567890", Nickname: "하늘"}},
		{"plain kakao unverified email", social.Kakao, true, socialtest.KakaoUser(5, "x@example.kr", false, "x"),
			account.ExternalUser{Provider: "kakao", Subject: "5", Email: "x@example.kr", Nickname: "x"}},
		{"plain kakao email no longer valid", social.Kakao, true, map[string]any{"id": 6, "kakao_account": map[string]any{
			"email": "old@example.kr", "is_email_verified": true, "is_email_valid": false}},
			account.ExternalUser{Provider: "kakao", Subject: "6", Email: "old@example.kr"}},
		{"plain kakao nickname in properties", social.Kakao, true, map[string]any{"id": 8, "properties": map[string]any{"nickname": "옛앱"}},
			account.ExternalUser{Provider: "kakao", Subject: "8", Nickname: "옛앱"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t)
			c := openID(fake)
			if tc.plain {
				c = plain(fake)
			}
			got, err := signIn(t, fake, tc.new(c), tc.user)
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Finish (-want +got):\n%s", diff)
			}
		})
	}
}

// checkKind checks that err is a *social.Error of kind that shows none of
// secrets.
func checkKind(t *testing.T, what string, err, kind error, secrets ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: %v, want %v", what, err, kind)
		return
	}
	var se *social.Error
	if !errors.As(err, &se) || se.Provider == "" {
		t.Errorf("%s: %v is not a *social.Error naming its provider", what, err)
	}
	if kind != commerce.ErrUnavailable && errors.Is(err, social.ErrMisconfigured) {
		t.Errorf("%s: %v blames the shop's settings", what, err)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("%s: the error %q shows the secret %q", what, err, s)
		}
	}
}

// checkMisconfigured checks that err blames the shop's settings.
func checkMisconfigured(t *testing.T, what string, err error, secrets ...string) {
	t.Helper()
	checkKind(t, what, err, commerce.ErrUnavailable, secrets...)
	if !errors.Is(err, social.ErrMisconfigured) {
		t.Errorf("%s: %v does not wrap social.ErrMisconfigured", what, err)
	}
}

// A callback completes only the sign-in this browser started, once, and
// in time.
func TestFinishState(t *testing.T) {
	for _, pc := range providers {
		for _, mode := range []string{"openid", "plain"} {
			t.Run(pc.name+" "+mode, func(t *testing.T) {
				fake := newFake(t)
				clock := storagetest.NewClock(time.Now())
				c := openID(fake)
				if mode == "plain" {
					c = plain(fake)
				}
				c.States = memstore.New(&memstore.Options{Now: clock.Now}).Sessions().(account.SignInStateStore)
				p := pc.new(c)
				ctx := context.Background()

				// This provider accepts a code twice.
				fake.ReuseCodes(true)
				f := begin(t, fake, p, pc.user)
				if _, err := f.finish(p); err != nil {
					t.Fatalf("Finish: %v", err)
				}
				// The same callback again, even from the browser that kept
				// its state: the sign-in is spent.
				_, err := f.finish(p)
				checkKind(t, "a replayed callback", err, commerce.ErrInvalid, f.callback.Get("code"))
				fake.ReuseCodes(false)

				f = begin(t, fake, p, pc.user)
				_, _, err = p.Finish(ctx, "", f.callback)
				checkKind(t, "a browser that started no sign-in", err, commerce.ErrInvalid)
				_, _, err = p.Finish(ctx, social.NewState(), f.callback)
				checkKind(t, "a browser that started another sign-in", err, commerce.ErrInvalid)
				made := url.Values{"state": {"made-up"}, "code": {f.callback.Get("code")}}
				_, _, err = p.Finish(ctx, "made-up", made)
				checkKind(t, "a state Begin did not make", err, commerce.ErrInvalid)
				noState := url.Values{"code": {f.callback.Get("code")}}
				_, _, err = p.Finish(ctx, f.state, noState)
				checkKind(t, "a callback without a state", err, commerce.ErrInvalid)
				// None of those spent the sign-in.
				if _, err := f.finish(p); err != nil {
					t.Errorf("Finish after refused callbacks: %v", err)
				}

				// Too late.
				f = begin(t, fake, p, pc.user)
				clock.Advance(social.DefaultStateTTL + time.Second)
				_, err = f.finish(p)
				checkKind(t, "a callback after StateTTL", err, commerce.ErrInvalid)

				// The person declined at the provider: the sign-in is spent.
				f = begin(t, fake, p, pc.user)
				declined := url.Values{"state": {f.state}, "error": {"access_denied"}}
				_, _, err = p.Finish(ctx, f.state, declined)
				checkKind(t, "a declined sign-in", err, commerce.ErrUnauthenticated)
				if err == nil || !strings.Contains(err.Error(), "access_denied") {
					t.Errorf("declined: %v, want it to say access_denied", err)
				}
				_, err = f.finish(p)
				checkKind(t, "a code after a decline", err, commerce.ErrInvalid)

				f = begin(t, fake, p, pc.user)
				f.callback.Del("code")
				_, err = f.finish(p)
				checkKind(t, "a callback without a code", err, commerce.ErrUnauthenticated)
			})
		}
	}
}

// The state of one provider's sign-in does not complete another's, even
// through one store.
func TestFinishOtherProvider(t *testing.T) {
	google, kakao := newFake(t), newFake(t)
	states := newStates()
	gc, kc := google.Config(redirect), kakao.Config(redirect)
	gc.States, kc.States = states, states
	g, k := social.Google(gc), social.Kakao(kc)
	f := begin(t, google, g, socialtest.GoogleUser("1", "", false, ""))
	_, _, err := k.Finish(context.Background(), f.state, f.callback)
	checkKind(t, "google's state at kakao", err, commerce.ErrInvalid)
}

func TestCodeRefused(t *testing.T) {
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			fake := newFake(t)
			p := pc.new(openID(fake))
			f := begin(t, fake, p, pc.user)
			code := f.callback.Get("code")
			// Another sign-in's state and verifier with this code: the
			// provider finds the verifier wrong (and the code spent).
			f2 := begin(t, fake, p, pc.user)
			f2.callback.Set("code", code)
			_, err := f2.finish(p)
			checkKind(t, "a code with another sign-in's verifier", err, commerce.ErrUnauthenticated, code, fake.ClientSecret)
			_, err = f.finish(p)
			checkKind(t, "a spent code", err, commerce.ErrUnauthenticated, code)

			f = begin(t, fake, p, pc.user)
			f.callback.Set("code", "made-up")
			_, err = f.finish(p)
			checkKind(t, "an unknown code", err, commerce.ErrUnauthenticated)
		})
	}
}

// The ID token is checked, not trusted.
func TestIDTokenRefused(t *testing.T) {
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(claims map[string]any)
		forge bool
	}{
		{name: "a wrong nonce", edit: func(c map[string]any) { c["nonce"] = social.NewState() }},
		{name: "no nonce", edit: func(c map[string]any) { delete(c, "nonce") }},
		{name: "a wrong audience", edit: func(c map[string]any) { c["aud"] = "another-client" }},
		{name: "another issuer", edit: func(c map[string]any) { c["iss"] = "https://evil.example" }},
		{name: "an expired token", edit: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }},
		{name: "a bad signature", forge: true},
	} {
		for _, pc := range providers {
			t.Run(tc.name+" "+pc.name, func(t *testing.T) {
				fake := newFake(t)
				p := pc.new(openID(fake))
				// A first sign-in fills the key cache.
				if _, err := signIn(t, fake, p, pc.user); err != nil {
					t.Fatalf("a valid sign-in: %v", err)
				}
				fake.EditIDTokens(tc.edit)
				if tc.forge {
					fake.SignIDTokensWith(forger)
				}
				_, err := signIn(t, fake, p, pc.user)
				checkKind(t, tc.name, err, commerce.ErrUnauthenticated)
			})
		}
	}
}

func TestMisconfigured(t *testing.T) {
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			fake := newFake(t)
			for _, mode := range []string{"openid", "plain"} {
				c := openID(fake)
				if mode == "plain" {
					c = plain(fake)
				}
				c.ClientSecret = "wrong-" + social.NewState()
				p := pc.new(c)
				f := begin(t, fake, p, pc.user)
				_, err := f.finish(p)
				checkMisconfigured(t, mode+": a wrong client secret", err, c.ClientSecret, fake.ClientSecret, f.callback.Get("code"))
				if err != nil && !strings.Contains(err.Error(), "invalid_client") {
					t.Errorf("%s: %v does not give the provider's answer", mode, err)
				}
			}

			// An application without OpenID Connect.
			fake.IssueIDTokens(false)
			_, err := signIn(t, fake, pc.new(openID(fake)), pc.user)
			checkMisconfigured(t, "no ID token", err)
			fake.IssueIDTokens(true)

			// No store.
			c := openID(fake)
			c.States = nil
			p := pc.new(c)
			_, _, err = p.Begin(context.Background(), "")
			checkMisconfigured(t, "Begin without States", err)
			_, _, err = p.Finish(context.Background(), "s", url.Values{"state": {"s"}, "code": {"c"}})
			checkMisconfigured(t, "Finish without States", err)

			// An issuer that has no discovery document, or whose document
			// names another issuer.
			for _, issuer := range []string{fake.Issuer() + "/nowhere", fake.Issuer() + "/"} {
				c := openID(fake)
				c.Issuer = issuer
				_, _, err := pc.new(c).Begin(context.Background(), "")
				checkMisconfigured(t, "the issuer "+issuer, err)
			}
		})
	}
}

// Client authentication follows the provider: HTTP Basic, the form, or
// either. With OpenID Connect the discovery document says which; without,
// the first exchange finds out.
func TestClientAuth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		methods []socialtest.ClientAuth
	}{
		{"basic only", []socialtest.ClientAuth{socialtest.ClientSecretBasic}},
		{"form only", []socialtest.ClientAuth{socialtest.ClientSecretPost}},
		{"either", []socialtest.ClientAuth{socialtest.ClientSecretBasic, socialtest.ClientSecretPost}},
	} {
		for _, mode := range []string{"openid", "plain"} {
			t.Run(tc.name+" "+mode, func(t *testing.T) {
				fake := newFake(t)
				fake.AcceptClientAuth(tc.methods...)
				c := openID(fake)
				if mode == "plain" {
					c = plain(fake)
				}
				p := social.Kakao(c)
				for i := range 2 {
					before := fake.TokenRequests()
					if _, err := signIn(t, fake, p, socialtest.KakaoUser(7, "", false, "")); err != nil {
						t.Fatalf("sign-in %d: %v", i+1, err)
					}
					// Only a guess, without discovery, costs a request, and
					// only once.
					want := 1
					if mode == "plain" && i == 0 && tc.name == "form only" {
						want = 2
					}
					if got := fake.TokenRequests() - before; got != want {
						t.Errorf("sign-in %d: %d token requests, want %d", i+1, got, want)
					}
				}
			})
		}
	}
}

func TestUnavailable(t *testing.T) {
	fake := newFake(t)
	user := socialtest.GoogleUser("1", "", false, "")

	fake.FailTokens(http.StatusBadGateway)
	_, err := signIn(t, fake, social.Google(openID(fake)), user)
	checkKind(t, "a 502 from the token endpoint", err, commerce.ErrUnavailable)
	fake.FailTokens(0)

	// The signing keys cannot be had.
	fake.FailKeys(http.StatusServiceUnavailable)
	_, err = signIn(t, fake, social.Google(openID(fake)), user)
	checkKind(t, "a 503 from the keys", err, commerce.ErrUnavailable)
	fake.FailKeys(0)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	// Discovery that cannot be reached.
	c := openID(fake)
	c.Issuer = closed.URL
	_, _, err = social.Google(c).Begin(context.Background(), "")
	checkKind(t, "an unreachable issuer", err, commerce.ErrUnavailable)

	// A token endpoint that cannot be reached at all.
	c = openID(fake)
	c.TokenURL = closed.URL + "/token"
	_, err = signIn(t, fake, social.Google(c), user)
	checkKind(t, "an unreachable token endpoint", err, commerce.ErrUnavailable, fake.ClientSecret)

	// A provider that hangs: the caller's deadline ends the wait.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // only then does the server notice the client leaving
		<-r.Context().Done()
	}))
	defer hang.Close()
	c = openID(fake)
	c.TokenURL = hang.URL + "/token"
	p := social.Google(c)
	f := begin(t, fake, p, user)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err = p.Finish(ctx, f.state, f.callback)
	checkKind(t, "a hanging token endpoint", err, commerce.ErrUnavailable)

	// Plain user info that cannot be read, or that names nobody.
	for name, h := range map[string]http.HandlerFunc{
		"a 500":       func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
		"not JSON":    func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
		"without sub": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"email":"a@example.com"}`)) },
	} {
		srv := httptest.NewServer(h)
		c := plain(fake)
		c.UserInfoURL = srv.URL
		_, err := signIn(t, fake, social.Google(c), user)
		checkKind(t, "user info "+name, err, commerce.ErrUnavailable)
		srv.Close()
	}

	// OpenID Connect user info about someone else than the ID token.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"sub":"someone-else","email":"x@example.kr","email_verified":true}`))
	}))
	defer srv.Close()
	c = openID(fake)
	c.UserInfoURL = srv.URL
	_, err = signIn(t, fake, social.Kakao(c), socialtest.KakaoUser(3, "x@example.kr", true, ""))
	checkKind(t, "user info about another subject", err, commerce.ErrUnavailable)

	// A token the user-info endpoint refuses is a refusal.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	defer refuse.Close()
	c = plain(fake)
	c.UserInfoURL = refuse.URL
	_, err = signIn(t, fake, social.Kakao(c), socialtest.KakaoUser(1, "", false, ""))
	checkKind(t, "user info 401", err, commerce.ErrUnauthenticated)

	// Kakao ids that are not whole numbers.
	for _, id := range []any{"abc", 1.5, -3, nil} {
		_, err := signIn(t, fake, social.Kakao(plain(fake)), map[string]any{"id": id})
		checkKind(t, fmt.Sprintf("a kakao id of %v", id), err, commerce.ErrUnavailable)
	}
}

// A store that does not answer fails the sign-in as unavailable.
func TestStatesUnavailable(t *testing.T) {
	fake := newFake(t)
	c := openID(fake)
	c.States = downStates{}
	p := social.Google(c)
	_, _, err := p.Begin(context.Background(), "")
	if !errors.Is(err, commerce.ErrUnavailable) || errors.Is(err, social.ErrMisconfigured) {
		t.Errorf("Begin with a store that is down: %v, want unavailable", err)
	}
	state := social.NewState()
	_, _, err = p.Finish(context.Background(), state, url.Values{"state": {state}, "code": {"c"}})
	if !errors.Is(err, commerce.ErrUnavailable) || errors.Is(err, social.ErrMisconfigured) {
		t.Errorf("Finish with a store that is down: %v, want unavailable", err)
	}
}

type downStates struct{}

var errDown = fmt.Errorf("store down: %w", commerce.ErrUnavailable)

func (downStates) PutSignInState(context.Context, string, []byte, time.Duration) error {
	return errDown
}
func (downStates) TakeSignInState(context.Context, string) ([]byte, bool, error) {
	return nil, false, errDown
}

func TestNewStateAndVerifier(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s, v := social.NewState(), social.NewVerifier()
		if len(s) != 43 || len(v) != 43 || seen[s] || seen[v] {
			t.Fatalf("state %q, verifier %q: want 43 characters, never repeated", s, v)
		}
		seen[s], seen[v] = true, true
	}
}

func TestConstructorsPanic(t *testing.T) {
	for _, c := range []social.Config{{RedirectURL: redirect}, {ClientID: "id"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Google(%+v) did not panic", c)
				}
			}()
			social.Google(c)
		}()
	}
}
