package social_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
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
)

const redirect = "https://shop.example/auth/x/callback?tenant=a"

type providerCase struct {
	name string
	new  func(social.Config) *social.Provider
}

var providers = []providerCase{{"google", social.Google}, {"kakao", social.Kakao}}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestAuthCodeURL(t *testing.T) {
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			fake := socialtest.New()
			defer fake.Close()
			p := pc.new(fake.Config(redirect))
			if p.Name() != pc.name {
				t.Errorf("Name() = %q, want %q", p.Name(), pc.name)
			}
			state, verifier := social.NewState(), social.NewVerifier()
			u, err := url.Parse(p.AuthCodeURL(state, verifier))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			want := map[string]string{
				"client_id":             fake.ClientID,
				"redirect_uri":          redirect,
				"response_type":         "code",
				"state":                 state,
				"code_challenge":        challenge(verifier),
				"code_challenge_method": "S256",
			}
			for k, v := range want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if q.Has("code_verifier") || q.Has("client_secret") {
				t.Errorf("the authorization URL shows a secret: %s", u)
			}
			wantScope := map[string]string{"google": "openid email profile", "kakao": ""}[pc.name]
			if got := q.Get("scope"); got != wantScope {
				t.Errorf("scope = %q, want %q", got, wantScope)
			}
		})
	}
}

func TestScopesOverride(t *testing.T) {
	fake := socialtest.New()
	defer fake.Close()
	c := fake.Config(redirect)
	c.Scopes = []string{"profile_nickname", "account_email"}
	u, _ := url.Parse(social.Kakao(c).AuthCodeURL("s", social.NewVerifier()))
	if got := u.Query().Get("scope"); got != "profile_nickname account_email" {
		t.Errorf("scope = %q", got)
	}
}

// signIn runs the flow against fake up to the exchange.
func signIn(t *testing.T, fake *socialtest.Provider, p *social.Provider, doc any) (account.ExternalUser, string, error) {
	t.Helper()
	verifier := social.NewVerifier()
	cb, err := fake.Authorize(p.AuthCodeURL(social.NewState(), verifier), doc)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	u, _ := url.Parse(cb)
	code := u.Query().Get("code")
	ext, err := p.Exchange(context.Background(), code, verifier)
	return ext, code, err
}

func TestExchange(t *testing.T) {
	tests := []struct {
		name string
		new  func(social.Config) *social.Provider
		doc  any
		want account.ExternalUser
	}{
		{"google", social.Google, socialtest.GoogleUser("10769150350006150715113082367", "Jiwoo.Kim@example.com", true, "김지우"),
			account.ExternalUser{Provider: "google", Subject: "10769150350006150715113082367", Email: "Jiwoo.Kim@example.com", EmailVerified: true, Nickname: "김지우"}},
		{"google unverified", social.Google, socialtest.GoogleUser("42", "a@example.com", false, ""),
			account.ExternalUser{Provider: "google", Subject: "42", Email: "a@example.com"}},
		{"google email_verified as a string", social.Google, map[string]any{"sub": "7", "email": "s@example.com", "email_verified": "true"},
			account.ExternalUser{Provider: "google", Subject: "7", Email: "s@example.com", EmailVerified: true}},
		// 2^53+1 is the first integer a float64 cannot hold.
		{"kakao", social.Kakao, socialtest.KakaoUser(9007199254740993, "minsu@example.kr", true, "민수"),
			account.ExternalUser{Provider: "kakao", Subject: "9007199254740993", Email: "minsu@example.kr", EmailVerified: true, Nickname: "민수"}},
		{"kakao without email", social.Kakao, socialtest.KakaoUser(1234567890, "", false, "하늘"),
			account.ExternalUser{Provider: "kakao", Subject: "1234567890", Nickname: "하늘"}},
		{"kakao unverified email", social.Kakao, socialtest.KakaoUser(5, "x@example.kr", false, "x"),
			account.ExternalUser{Provider: "kakao", Subject: "5", Email: "x@example.kr", Nickname: "x"}},
		{"kakao email no longer valid", social.Kakao, map[string]any{"id": 6, "kakao_account": map[string]any{
			"email": "old@example.kr", "is_email_verified": true, "is_email_valid": false}},
			account.ExternalUser{Provider: "kakao", Subject: "6", Email: "old@example.kr"}},
		{"kakao nickname in properties", social.Kakao, map[string]any{"id": 8, "properties": map[string]any{"nickname": "옛앱"}},
			account.ExternalUser{Provider: "kakao", Subject: "8", Nickname: "옛앱"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := socialtest.New()
			defer fake.Close()
			got, _, err := signIn(t, fake, tc.new(fake.Config(redirect)), tc.doc)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Exchange (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExchangeRefused(t *testing.T) {
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			fake := socialtest.New()
			defer fake.Close()
			p := pc.new(fake.Config(redirect))
			doc := socialtest.GoogleUser("1", "", false, "")
			if pc.name == "kakao" {
				doc = socialtest.KakaoUser(1, "", false, "")
			}
			_, code, err := signIn(t, fake, p, doc)
			if err != nil {
				t.Fatalf("first exchange: %v", err)
			}
			secrets := []string{code, fake.ClientSecret}

			// The same code again.
			_, err = p.Exchange(context.Background(), code, social.NewVerifier())
			checkKind(t, "a replayed code", err, commerce.ErrUnauthenticated, secrets)

			// The right code with another verifier.
			cb, _ := fake.Authorize(p.AuthCodeURL("s", social.NewVerifier()), doc)
			u, _ := url.Parse(cb)
			other := social.NewVerifier()
			_, err = p.Exchange(context.Background(), u.Query().Get("code"), other)
			checkKind(t, "a wrong verifier", err, commerce.ErrUnauthenticated, append(secrets, u.Query().Get("code"), other))

			_, err = p.Exchange(context.Background(), "", "v")
			checkKind(t, "no code", err, commerce.ErrUnauthenticated, nil)

			_, err = p.Exchange(context.Background(), "made-up", "v")
			checkKind(t, "an unknown code", err, commerce.ErrUnauthenticated, nil)

			// Wrong client credentials are refused too.
			c := fake.Config(redirect)
			c.ClientSecret = "wrong"
			_, _, err = signIn(t, fake, pc.new(c), doc)
			checkKind(t, "a wrong client secret", err, commerce.ErrUnauthenticated, nil)
		})
	}
}

func checkKind(t *testing.T, what string, err, kind error, secrets []string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: %v, want %v", what, err, kind)
		return
	}
	var se *social.Error
	if !errors.As(err, &se) || se.Provider == "" {
		t.Errorf("%s: %v is not a *social.Error naming its provider", what, err)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("%s: the error %q shows the secret %q", what, err, s)
		}
	}
}

func TestExchangeUnavailable(t *testing.T) {
	fake := socialtest.New()
	defer fake.Close()
	p := social.Google(fake.Config(redirect))
	doc := socialtest.GoogleUser("1", "", false, "")

	fake.FailTokens(http.StatusBadGateway)
	_, _, err := signIn(t, fake, p, doc)
	checkKind(t, "a 502 from the token endpoint", err, commerce.ErrUnavailable, nil)
	fake.FailTokens(0)

	// A provider that cannot be reached at all.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c := fake.Config(redirect)
	c.TokenURL = closed.URL + "/token"
	_, _, err = signIn(t, fake, social.Google(c), doc)
	checkKind(t, "an unreachable token endpoint", err, commerce.ErrUnavailable, []string{fake.ClientSecret})

	// A provider that hangs: the caller's deadline ends the wait.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // only then does the server notice the client leaving
		<-r.Context().Done()
	}))
	defer hang.Close()
	c = fake.Config(redirect)
	c.TokenURL = hang.URL + "/token"
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = social.Google(c).Exchange(ctx, "code", "verifier")
	checkKind(t, "a hanging token endpoint", err, commerce.ErrUnavailable, nil)

	// User info that cannot be read, or that names nobody.
	for name, h := range map[string]http.HandlerFunc{
		"a 500":       func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
		"not JSON":    func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
		"without sub": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"email":"a@example.com"}`)) },
	} {
		srv := httptest.NewServer(h)
		c := fake.Config(redirect)
		c.UserInfoURL = srv.URL
		_, _, err := signIn(t, fake, social.Google(c), doc)
		checkKind(t, "user info "+name, err, commerce.ErrUnavailable, nil)
		srv.Close()
	}

	// A token the user-info endpoint refuses is a refusal.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	defer srv.Close()
	c = fake.Config(redirect)
	c.UserInfoURL = srv.URL
	_, _, err = signIn(t, fake, social.Kakao(c), socialtest.KakaoUser(1, "", false, ""))
	checkKind(t, "user info 401", err, commerce.ErrUnauthenticated, nil)

	// Kakao ids that are not whole numbers.
	for _, id := range []any{"abc", 1.5, -3, nil} {
		_, _, err := signIn(t, fake, social.Kakao(fake.Config(redirect)), map[string]any{"id": id})
		checkKind(t, fmt.Sprintf("a kakao id of %v", id), err, commerce.ErrUnavailable, nil)
	}
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
