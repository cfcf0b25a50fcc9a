// Package socialtest is a fake OAuth 2.0 and OpenID Connect provider for
// tests of servers that use package social: an httptest server that
// serves a discovery document, its signing keys (a JWKS), a token
// endpoint that checks what a real provider checks (client credentials by
// HTTP Basic or in the form, the exact redirect URI, the PKCE verifier
// against the challenge, single use of each code) and answers with an
// access token and an ID token signed with RS256, and user-info endpoints
// that answer in Google's or Kakao's shape.
//
// The authorization step, where a person signs in at the provider and
// consents, is played by [Provider.Authorize]: given the URL a server
// redirected the browser to, it checks its parameters and returns the
// callback URL with a new code.
//
// Its methods make it misbehave the ways real providers do, one at a
// time: [Provider.FailTokens], [Provider.FailKeys], [Provider.ReuseCodes],
// [Provider.AcceptClientAuth], [Provider.IssueIDTokens],
// [Provider.EditIDTokens] and [Provider.SignIDTokensWith].
package socialtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/impactmuseum/commerce/account/social"
)

// ClientAuth is a way for a client to authenticate at the token endpoint,
// by its name in OAuth's registry (RFC 8414).
type ClientAuth string

// The client authentication methods the fake knows.
const (
	// ClientSecretBasic is HTTP Basic with the form-encoded client id and
	// secret (RFC 6749, 2.3.1).
	ClientSecretBasic ClientAuth = "client_secret_basic"
	// ClientSecretPost is client_id and client_secret in the form.
	ClientSecretPost ClientAuth = "client_secret_post"
)

// keyID names the fake's signing key in its JWKS and its ID tokens.
const keyID = "socialtest-1"

// Provider is a fake provider. Its methods are safe for concurrent use.
type Provider struct {
	// Server serves /.well-known/openid-configuration, /jwks, /authorize
	// (unused: see Authorize), /token, /userinfo (the plain OAuth
	// document) and /oidc/userinfo (the OpenID Connect claims).
	Server       *httptest.Server
	ClientID     string
	ClientSecret string

	mu     sync.Mutex
	codes  map[string]*grant // by code
	tokens map[string]User   // by access token
	key    *rsa.PrivateKey   // made at first use
	// What the tests change.
	tokenStatus   int
	keysStatus    int
	reuseCodes    bool
	clientAuth    []ClientAuth
	noIDTokens    bool
	editIDToken   func(claims map[string]any)
	forgeKey      *rsa.PrivateKey
	tokenRequests int
}

type grant struct {
	challenge   string
	redirectURI string
	nonce       string
	user        User
	used        bool
}

// User is a person at the fake provider: what its endpoints say about
// them. GoogleUser and KakaoUser make one in each provider's shape.
type User struct {
	// Claims are the person's OpenID Connect claims ("sub", "email",
	// "email_verified", "name", "nickname", …): the ID token carries them,
	// less those of IDTokenOmits, and /oidc/userinfo answers them all.
	Claims map[string]any
	// IDTokenOmits lists the claims the ID token leaves out.
	IDTokenOmits []string
	// UserInfo is what /userinfo answers: the plain OAuth document.
	UserInfo any
}

// New starts a fake provider; Close stops it. It accepts both client
// authentication methods and issues ID tokens.
func New() *Provider {
	p := &Provider{
		ClientID:     "client-" + random(),
		ClientSecret: "secret-" + random(),
		codes:        make(map[string]*grant),
		tokens:       make(map[string]User),
		clientAuth:   []ClientAuth{ClientSecretBasic, ClientSecretPost},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userInfo)
	mux.HandleFunc("GET /oidc/userinfo", p.userInfo)
	p.Server = httptest.NewServer(mux)
	return p
}

// Close stops the server.
func (p *Provider) Close() { p.Server.Close() }

// Issuer is the fake's OpenID Connect issuer: its server's URL.
func (p *Provider) Issuer() string { return p.Server.URL }

// Config returns a social.Config for this provider with the given
// redirect URL, for OpenID Connect: the issuer is the fake, whose
// discovery document gives the endpoints. Config.States is left for the
// caller to set.
func (p *Provider) Config(redirectURL string) social.Config {
	return social.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		RedirectURL:  redirectURL,
		Issuer:       p.Issuer(),
	}
}

// PlainConfig is Config for plain OAuth 2.0: the endpoints are the fake's,
// and the person is whoever /userinfo says.
func (p *Provider) PlainConfig(redirectURL string) social.Config {
	c := p.Config(redirectURL)
	c.Issuer = ""
	c.PlainOAuth = true
	c.AuthURL = p.Server.URL + "/authorize"
	c.TokenURL = p.Server.URL + "/token"
	c.UserInfoURL = p.Server.URL + "/userinfo"
	return c
}

// FailTokens makes the token endpoint answer status to every request (0
// restores normal service).
func (p *Provider) FailTokens(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenStatus = status
}

// FailKeys makes the JWKS endpoint answer status (0 restores it).
func (p *Provider) FailKeys(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keysStatus = status
}

// ReuseCodes makes the token endpoint accept each code any number of
// times, as some providers do within a short window (on restores single
// use when false).
func (p *Provider) ReuseCodes(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reuseCodes = on
}

// AcceptClientAuth sets the client authentication methods the token
// endpoint takes, and its discovery document lists.
func (p *Provider) AcceptClientAuth(methods ...ClientAuth) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clientAuth = slices.Clone(methods)
}

// IssueIDTokens sets whether the token endpoint answers with an ID token
// (the default). Without, it plays a Kakao application whose OpenID
// Connect is off.
func (p *Provider) IssueIDTokens(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noIDTokens = !on
}

// EditIDTokens makes edit change the claims of every ID token before it is
// signed (nil stops it): a wrong audience, an old expiry, another nonce.
func (p *Provider) EditIDTokens(edit func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.editIDToken = edit
}

// SignIDTokensWith makes the fake sign ID tokens with key, under the id of
// the key its JWKS publishes: a forged token (nil restores its own key).
func (p *Provider) SignIDTokensWith(key *rsa.PrivateKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forgeKey = key
}

// TokenRequests returns how many requests the token endpoint has had.
func (p *Provider) TokenRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenRequests
}

// Authorize plays the person who signs in at the provider and consents:
// it checks the authorization URL a server redirected to (client_id,
// redirect_uri, response_type=code, a state, an S256 code_challenge), and
// returns the callback URL the provider would send the browser to, with a
// new code and the state. user is who signs in: a User, or a document for
// /userinfo alone (a map[string]any is taken as the claims too).
func (p *Provider) Authorize(authURL string, user any) (callback string, err error) {
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
	var who User
	switch v := user.(type) {
	case User:
		who = v
	case map[string]any:
		who = User{Claims: v, UserInfo: v}
	default:
		who = User{UserInfo: v}
	}
	code := "code-" + random()
	p.mu.Lock()
	p.codes[code] = &grant{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce"), user: who}
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

// discovery serves the OpenID Provider metadata.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	methods := slices.Clone(p.clientAuth)
	p.mu.Unlock()
	base := p.Server.URL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/token",
		"userinfo_endpoint":                     base + "/oidc/userinfo",
		"jwks_uri":                              base + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": methods,
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

// jwks serves the public half of the signing key.
func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	status := p.keysStatus
	key := p.signingKey()
	p.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": keyID,
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
}

// signingKey returns the fake's key, made at first use; p.mu is held.
func (p *Provider) signingKey() *rsa.PrivateKey {
	if p.key == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("socialtest: " + err.Error())
		}
		p.key = key
	}
	return p.key
}

// clientCredentials reads the client's id and secret from HTTP Basic or
// the form, as the fake accepts; ok is false for a method it does not
// accept, or both at once (RFC 6749, 2.3: one method per request).
func (p *Provider) clientCredentials(r *http.Request) (id, secret string, ok bool) {
	user, pass, basic := r.BasicAuth()
	form := r.PostForm.Has("client_secret")
	switch {
	case basic && form:
		return "", "", false
	case basic:
		// RFC 6749, 2.3.1: the id and secret are form-encoded first.
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		return id, secret, err1 == nil && err2 == nil && slices.Contains(p.clientAuth, ClientSecretBasic)
	}
	return r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), slices.Contains(p.clientAuth, ClientSecretPost)
}

// token is the token endpoint (RFC 6749 4.1.3 with RFC 7636's verifier).
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenRequests++
	if p.tokenStatus != 0 {
		w.WriteHeader(p.tokenStatus)
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	f := r.PostForm
	id, secret, ok := p.clientCredentials(r)
	if !ok || id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="socialtest"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if f.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	g, known := p.codes[f.Get("code")]
	switch {
	case !known || g.used:
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	case f.Get("redirect_uri") != g.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	// A code is spent by its first presentation, right or wrong, unless
	// the fake plays a provider that takes it again.
	g.used = !p.reuseCodes
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	access := "access-" + random()
	p.tokens[access] = g.user
	answer := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600}
	if !p.noIDTokens {
		answer["id_token"] = p.idToken(g)
	}
	writeJSON(w, http.StatusOK, answer)
}

// idToken returns the signed ID token of a grant; p.mu is held.
func (p *Provider) idToken(g *grant) string {
	claims := maps.Clone(g.user.Claims)
	if claims == nil {
		claims = map[string]any{}
	}
	for _, c := range g.user.IDTokenOmits {
		delete(claims, c)
	}
	now := time.Now()
	claims["iss"] = p.Server.URL
	claims["aud"] = p.ClientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(time.Hour).Unix()
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if p.editIDToken != nil {
		p.editIDToken(claims)
	}
	key := p.signingKey()
	if p.forgeKey != nil {
		key = p.forgeKey
	}
	return signJWT(key, claims)
}

// signJWT returns claims as a JWT signed with key by RS256 (RFC 7515,
// RFC 7518 3.3).
func signJWT(key *rsa.PrivateKey, claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": keyID, "typ": "JWT"})
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("socialtest: ID token claims: " + err.Error())
	}
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic("socialtest: signing: " + err.Error())
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// userInfo serves /userinfo (the plain document) and /oidc/userinfo (the
// claims).
func (p *Provider) userInfo(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	user, known := p.tokens[token]
	p.mu.Unlock()
	if !ok || !known {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var doc any = user.UserInfo
	if r.URL.Path == "/oidc/userinfo" {
		doc = user.Claims
	}
	writeJSON(w, http.StatusOK, doc)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": "refused by the fake provider"})
}

// GoogleUser returns a person in Google's shape: the same claims in the
// ID token and at both user-info endpoints.
func GoogleUser(sub, email string, emailVerified bool, name string) User {
	doc := map[string]any{"sub": sub, "name": name, "given_name": name, "picture": "https://example.com/a.png"}
	if email != "" {
		doc["email"] = email
		doc["email_verified"] = emailVerified
	}
	return User{Claims: doc, UserInfo: doc}
}

// KakaoUser returns a person in Kakao's shape: /userinfo answers like
// Kakao's /v2/user/me, the claims (sub is the id in decimal) like its
// OpenID Connect user info, and the ID token carries the email but not
// whether it is verified. An empty email leaves the address out, as Kakao
// does when the person did not consent to share it.
func KakaoUser(id int64, email string, emailVerified bool, nickname string) User {
	acct := map[string]any{
		"profile_nickname_needs_agreement": false,
		"profile":                          map[string]any{"nickname": nickname, "is_default_image": true},
	}
	claims := map[string]any{"sub": strconv.FormatInt(id, 10), "nickname": nickname, "picture": "https://example.com/k.png"}
	if email == "" {
		acct["has_email"] = false
	} else {
		acct["has_email"] = true
		acct["email_needs_agreement"] = false
		acct["is_email_valid"] = true
		acct["is_email_verified"] = emailVerified
		acct["email"] = email
		claims["email"] = email
		claims["email_verified"] = emailVerified
	}
	return User{
		Claims:       claims,
		IDTokenOmits: []string{"email_verified"},
		UserInfo: map[string]any{
			"id":            json.Number(fmt.Sprint(id)),
			"connected_at":  "2024-05-01T09:00:00Z",
			"properties":    map[string]any{"nickname": nickname},
			"kakao_account": acct,
		},
	}
}

func random() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
