// Package socialtest is a fake OAuth 2.0 provider for tests of servers that
// use package social: an httptest server with a token endpoint that checks
// what a real provider checks (client credentials, the exact redirect URI,
// the PKCE verifier against the challenge, single use of each code) and a
// user-info endpoint that answers in Google's or Kakao's shape.
//
// The authorization step, where a person signs in at the provider and
// consents, is played by [Provider.Authorize]: given the URL a server
// redirected the browser to, it checks its parameters and returns the
// callback URL with a new code.
package socialtest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/impactmuseum/commerce/account/social"
)

// Provider is a fake provider. Its methods are safe for concurrent use.
type Provider struct {
	// Server serves /authorize (unused: see Authorize), /token and
	// /userinfo.
	Server       *httptest.Server
	ClientID     string
	ClientSecret string

	mu     sync.Mutex
	codes  map[string]*grant // by code
	tokens map[string]any    // user-info document by access token
	// tokenStatus, when not 0, is the status of every token answer.
	tokenStatus int
}

type grant struct {
	challenge   string
	redirectURI string
	userInfo    any
	used        bool
}

// New starts a fake provider; Close stops it.
func New() *Provider {
	p := &Provider{
		ClientID:     "client-" + random(),
		ClientSecret: "secret-" + random(),
		codes:        make(map[string]*grant),
		tokens:       make(map[string]any),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userInfo)
	p.Server = httptest.NewServer(mux)
	return p
}

// Close stops the server.
func (p *Provider) Close() { p.Server.Close() }

// Config returns a social.Config for this provider with the given
// redirect URL.
func (p *Provider) Config(redirectURL string) social.Config {
	return social.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		RedirectURL:  redirectURL,
		AuthURL:      p.Server.URL + "/authorize",
		TokenURL:     p.Server.URL + "/token",
		UserInfoURL:  p.Server.URL + "/userinfo",
	}
}

// FailTokens makes the token endpoint answer status to every request (0
// restores normal service).
func (p *Provider) FailTokens(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenStatus = status
}

// Authorize plays the person who signs in at the provider and consents:
// it checks the authorization URL a server redirected to (client_id,
// redirect_uri, response_type=code, a state, an S256 code_challenge), and
// returns the callback URL the provider would send the browser to, with a
// new code and the state. userInfo is the document the user-info endpoint
// will answer for the token of that code: see GoogleUser and KakaoUser.
func (p *Provider) Authorize(authURL string, userInfo any) (callback string, err error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(authURL, p.Server.URL+"/authorize?") {
		return "", fmt.Errorf("socialtest: %s is not this provider's authorization URL", authURL)
	}
	q := u.Query()
	switch {
	case q.Get("client_id") != p.ClientID:
		return "", fmt.Errorf("socialtest: client_id %q, want %q", q.Get("client_id"), p.ClientID)
	case q.Get("response_type") != "code":
		return "", fmt.Errorf("socialtest: response_type %q, want code", q.Get("response_type"))
	case q.Get("redirect_uri") == "":
		return "", fmt.Errorf("socialtest: no redirect_uri")
	case q.Get("state") == "":
		return "", fmt.Errorf("socialtest: no state")
	case q.Get("code_challenge_method") != "S256":
		return "", fmt.Errorf("socialtest: code_challenge_method %q, want S256", q.Get("code_challenge_method"))
	case len(q.Get("code_challenge")) != 43:
		return "", fmt.Errorf("socialtest: code_challenge %q is not a base64url SHA-256", q.Get("code_challenge"))
	}
	code := "code-" + random()
	p.mu.Lock()
	p.codes[code] = &grant{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), userInfo: userInfo}
	p.mu.Unlock()

	cb, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		return "", fmt.Errorf("socialtest: redirect_uri: %v", err)
	}
	cq := cb.Query()
	cq.Set("code", code)
	cq.Set("state", q.Get("state"))
	cb.RawQuery = cq.Encode()
	return cb.String(), nil
}

// token is the token endpoint (RFC 6749 4.1.3 with RFC 7636's verifier).
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tokenStatus != 0 {
		w.WriteHeader(p.tokenStatus)
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != p.ClientID || subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(p.ClientSecret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if f.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	g, ok := p.codes[f.Get("code")]
	switch {
	case !ok || g.used:
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	case f.Get("redirect_uri") != g.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	// A code is spent by its first presentation, right or wrong.
	g.used = true
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	access := "access-" + random()
	p.tokens[access] = g.userInfo
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600})
}

// userInfo is the user-info endpoint.
func (p *Provider) userInfo(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	doc, known := p.tokens[token]
	p.mu.Unlock()
	if !ok || !known {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(doc)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "refused by the fake provider"})
}

// GoogleUser returns a user-info document in the shape of Google's OpenID
// Connect userinfo endpoint.
func GoogleUser(sub, email string, emailVerified bool, name string) map[string]any {
	doc := map[string]any{"sub": sub, "name": name, "given_name": name, "picture": "https://example.com/a.png"}
	if email != "" {
		doc["email"] = email
		doc["email_verified"] = emailVerified
	}
	return doc
}

// KakaoUser returns a user-info document in the shape of Kakao's
// /v2/user/me. An empty email leaves the address out, as Kakao does when
// the person did not consent to share it.
func KakaoUser(id int64, email string, emailVerified bool, nickname string) map[string]any {
	acct := map[string]any{
		"profile_nickname_needs_agreement": false,
		"profile":                          map[string]any{"nickname": nickname, "is_default_image": true},
	}
	if email == "" {
		acct["has_email"] = false
	} else {
		acct["has_email"] = true
		acct["email_needs_agreement"] = false
		acct["is_email_valid"] = true
		acct["is_email_verified"] = emailVerified
		acct["email"] = email
	}
	return map[string]any{
		"id":            json.Number(fmt.Sprint(id)),
		"connected_at":  "2024-05-01T09:00:00Z",
		"properties":    map[string]any{"nickname": nickname},
		"kakao_account": acct,
	}
}

func random() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
