package social

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// DefaultTimeout bounds each request to a provider (discovery, the token
// exchange, the keys, the user info) unless Config.HTTPClient says
// otherwise.
const DefaultTimeout = 10 * time.Second

// DefaultStateTTL is how long a sign-in may take, from Begin to the
// provider's callback, unless Config.StateTTL says otherwise.
const DefaultStateTTL = 10 * time.Minute

// maxDocumentBytes bounds a document read from a provider (discovery, user
// info); real ones are a few kilobytes.
const maxDocumentBytes = 1 << 20

// The OpenID Connect issuers of the providers: their discovery documents
// are at <issuer>/.well-known/openid-configuration.
const (
	GoogleIssuer = "https://accounts.google.com"
	KakaoIssuer  = "https://kauth.kakao.com"
)

// The providers' OAuth 2.0 endpoints, for Config.PlainOAuth.
const (
	googleAuthURL     = "https://accounts.google.com/o/oauth2/v2/auth"
	googleTokenURL    = "https://oauth2.googleapis.com/token"
	googleUserInfoURL = "https://openidconnect.googleapis.com/v1/userinfo"

	kakaoAuthURL     = "https://kauth.kakao.com/oauth/authorize"
	kakaoTokenURL    = "https://kauth.kakao.com/oauth/token"
	kakaoUserInfoURL = "https://kapi.kakao.com/v2/user/me"
)

// Config configures a Provider.
type Config struct {
	// ClientID and ClientSecret are the application's credentials at the
	// provider. ClientID is required; Kakao needs ClientSecret only when
	// the application has "client secret" enabled.
	ClientID     string
	ClientSecret string
	// RedirectURL is the absolute URL of the callback, exactly as
	// registered at the provider, such as
	// https://shop.example/auth/google/callback. Required.
	RedirectURL string
	// States keeps the sign-ins in progress between Begin and Finish: a
	// store that every server of the shop shares (redisstore's session
	// store), or memstore's for a single process. Required by Begin and
	// Finish, which fail with ErrMisconfigured without it; a Provider
	// without States can still be named, as a page that draws sign-in
	// buttons does.
	States account.SignInStateStore
	// StateTTL is how long a sign-in may take, from Begin to the
	// callback. Default: DefaultStateTTL.
	StateTTL time.Duration
	// Issuer is the OpenID Connect issuer whose discovery document gives
	// the endpoints and the keys that sign ID tokens. Default:
	// GoogleIssuer or KakaoIssuer; tests point it at a fake provider.
	Issuer string
	// PlainOAuth signs in with OAuth 2.0 alone — no discovery, no ID
	// token: the person is whoever the provider's user-info endpoint says.
	// It is for a Kakao application whose OpenID Connect is off in the
	// Kakao developers console. Default: false, OpenID Connect.
	PlainOAuth bool
	// AuthURL, TokenURL and UserInfoURL replace the provider's endpoints
	// when set: the discovered ones with OpenID Connect, the known ones
	// with PlainOAuth.
	AuthURL     string
	TokenURL    string
	UserInfoURL string
	// Scopes replace the scopes asked for. Default: openid, email and
	// profile for Google; none for Kakao (the consent items configured in
	// the Kakao developers console apply, and an application with OpenID
	// Connect on gets an ID token without asking).
	Scopes []string
	// HTTPClient makes the requests to the provider. Default: a client
	// with a DefaultTimeout timeout.
	HTTPClient *http.Client
}

// Provider signs users in with one external provider. It is safe for
// concurrent use.
type Provider struct {
	name   string
	c      Config
	states account.SignInStateStore
	ttl    time.Duration
	client *http.Client
	// parse reads the plain user-info document (Config.PlainOAuth).
	parse func(body []byte) (account.ExternalUser, error)
	// displayClaims name the claims that hold a display name, the
	// preferred first.
	displayClaims []string

	mu sync.Mutex
	// ep is nil until discovery has succeeded; with PlainOAuth it is set
	// at once.
	ep *endpoints
}

// Google returns the provider for Google sign-in. It panics if c has no
// ClientID or RedirectURL.
func Google(c Config) *Provider {
	if c.Scopes == nil {
		c.Scopes = []string{"openid", "email", "profile"}
	}
	return newProvider("google", c, GoogleIssuer,
		oauth2.Endpoint{AuthURL: googleAuthURL, TokenURL: googleTokenURL}, googleUserInfoURL,
		parseGoogle, []string{"name", "nickname"})
}

// Kakao returns the provider for Kakao sign-in. It panics if c has no
// ClientID or RedirectURL.
func Kakao(c Config) *Provider {
	return newProvider("kakao", c, KakaoIssuer,
		oauth2.Endpoint{AuthURL: kakaoAuthURL, TokenURL: kakaoTokenURL}, kakaoUserInfoURL,
		parseKakao, []string{"nickname", "name"})
}

func newProvider(name string, c Config, issuer string, ep oauth2.Endpoint, userInfoURL string,
	parse func([]byte) (account.ExternalUser, error), displayClaims []string) *Provider {
	switch {
	case c.ClientID == "":
		panic("social: " + name + ": empty ClientID")
	case c.RedirectURL == "":
		panic("social: " + name + ": empty RedirectURL")
	}
	c.Scopes = append([]string(nil), c.Scopes...)
	if c.Issuer == "" {
		c.Issuer = issuer
	}
	p := &Provider{
		name: name, c: c, states: c.States, ttl: c.StateTTL, client: c.HTTPClient,
		parse: parse, displayClaims: displayClaims,
	}
	if p.ttl <= 0 {
		p.ttl = DefaultStateTTL
	}
	if p.client == nil {
		p.client = &http.Client{Timeout: DefaultTimeout}
	}
	if c.PlainOAuth {
		// Client authentication is detected at the first exchange (HTTP
		// Basic, then the form), since providers differ.
		ep.AuthStyle = oauth2.AuthStyleAutoDetect
		p.ep = p.newEndpoints(ep, userInfoURL)
	}
	return p
}

// endpoints are what a sign-in needs of the provider: known at once for
// plain OAuth 2.0, discovered for OpenID Connect.
type endpoints struct {
	oauth       *oauth2.Config
	userInfoURL string
	// verifier checks ID tokens; nil for plain OAuth 2.0.
	verifier *idTokenVerifier
}

// newEndpoints applies Config's endpoint overrides to ep and userInfoURL.
func (p *Provider) newEndpoints(ep oauth2.Endpoint, userInfoURL string) *endpoints {
	if p.c.AuthURL != "" {
		ep.AuthURL = p.c.AuthURL
	}
	if p.c.TokenURL != "" {
		ep.TokenURL = p.c.TokenURL
	}
	if p.c.UserInfoURL != "" {
		userInfoURL = p.c.UserInfoURL
	}
	return &endpoints{
		oauth: &oauth2.Config{
			ClientID:     p.c.ClientID,
			ClientSecret: p.c.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  p.c.RedirectURL,
			Scopes:       p.c.Scopes,
		},
		userInfoURL: userInfoURL,
	}
}

// Name returns the provider's name, "google" or "kakao": the Provider of
// the ExternalUser it returns and the {provider} of the reference server's
// /auth/{provider}/… routes.
func (p *Provider) Name() string { return p.name }

// StateTTL returns how long a sign-in may take, from Begin to the
// callback: a cookie that binds the sign-in to a browser should last as
// long.
func (p *Provider) StateTTL() time.Duration { return p.ttl }

// OpenID reports whether the provider signs in with OpenID Connect (not
// Config.PlainOAuth).
func (p *Provider) OpenID() bool { return !p.c.PlainOAuth }

// pendingSignIn is what Config.States keeps of a sign-in in progress.
type pendingSignIn struct {
	Provider string `json:"p"`
	Verifier string `json:"v"`
	Nonce    string `json:"n,omitempty"`
	Data     string `json:"d,omitempty"`
}

// Begin starts a sign-in. It makes a new state, PKCE verifier and (with
// OpenID Connect) nonce, keeps them in Config.States for StateTTL under
// the state, with data (the caller's own, such as where to go once signed
// in), and returns the state and the provider's authorization URL with
// the state, the PKCE challenge (S256) and the nonce.
//
// The caller binds the state to the browser — the reference server sets
// it in a short-lived HttpOnly cookie — and redirects the browser to
// authURL. Neither the verifier nor the nonce leaves the server.
func (p *Provider) Begin(ctx context.Context, data string) (state, authURL string, err error) {
	if p.states == nil {
		return "", "", p.misconfigured("has no Config.States to keep sign-ins in progress in", nil)
	}
	ep, err := p.endpoints(ctx)
	if err != nil {
		return "", "", err
	}
	pending := pendingSignIn{Provider: p.name, Verifier: NewVerifier(), Data: data}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(pending.Verifier)}
	if ep.verifier != nil {
		pending.Nonce = NewState()
		opts = append(opts, oauth2.SetAuthURLParam("nonce", pending.Nonce))
	}
	value, _ := json.Marshal(pending) // only strings
	state = NewState()
	if err := p.states.PutSignInState(ctx, state, value, p.ttl); err != nil {
		return "", "", fmt.Errorf("social: %s: keeping the sign-in: %w", p.name, err)
	}
	return state, ep.oauth.AuthCodeURL(state, opts...), nil
}

// Finish completes the sign-in of a provider's callback, whose query is
// callback ("state", and "code" or "error"), in the browser that holds
// browserState, the state Begin returned to it.
//
// The callback's state must be browserState (compared in constant time),
// so that nobody can slip their own sign-in into someone else's browser.
// Finish then takes the sign-in from Config.States, which deletes it: a
// replayed callback finds nothing and is refused, even where the provider
// would accept its code a second time. It exchanges the code with the
// PKCE verifier; with OpenID Connect it verifies the ID token — its
// signature by the provider's published keys, its issuer, audience
// (ClientID) and expiry, and the nonce of this sign-in — and takes the
// person's id from it, asking the user-info endpoint only for what the
// token lacks (whether an email is verified) and only about the same
// subject. It returns who signed in and the data given to Begin.
//
// See the package documentation for its errors.
func (p *Provider) Finish(ctx context.Context, browserState string, callback url.Values) (account.ExternalUser, string, error) {
	if p.states == nil {
		return account.ExternalUser{}, "", p.misconfigured("has no Config.States to keep sign-ins in progress in", nil)
	}
	state := callback.Get("state")
	switch {
	case browserState == "":
		return account.ExternalUser{}, "", p.invalid(fmt.Sprintf(
			"no %s sign-in is in progress in this browser (or it took over %s)", p.name, minutes(p.ttl)))
	case len(state) != len(browserState) || len(state) != stateLen ||
		subtle.ConstantTimeCompare([]byte(state), []byte(browserState)) != 1:
		return account.ExternalUser{}, "", p.invalid("the state does not match the " + p.name + " sign-in this browser started")
	}
	value, found, err := p.states.TakeSignInState(ctx, state)
	if err != nil {
		return account.ExternalUser{}, "", fmt.Errorf("social: %s: reading the sign-in: %w", p.name, err)
	}
	var pending pendingSignIn
	switch {
	case !found:
		return account.ExternalUser{}, "", p.invalid(fmt.Sprintf(
			"this %s sign-in is already complete or took over %s", p.name, minutes(p.ttl)))
	case json.Unmarshal(value, &pending) != nil || pending.Verifier == "":
		return account.ExternalUser{}, "", p.unavailable("unreadable sign-in in Config.States", nil)
	case pending.Provider != p.name:
		return account.ExternalUser{}, "", p.invalid("the state does not match the " + p.name + " sign-in this browser started")
	case callback.Has("error"):
		return account.ExternalUser{}, "", p.refused("sign-in was not completed ("+oauthErrorCode(callback.Get("error"))+")", nil)
	}
	u, err := p.exchange(ctx, callback.Get("code"), pending)
	if err != nil {
		return account.ExternalUser{}, "", err
	}
	return u, pending.Data, nil
}

// exchange trades the code for tokens and finds out who signed in.
func (p *Provider) exchange(ctx context.Context, code string, pending pendingSignIn) (account.ExternalUser, error) {
	if code == "" {
		return account.ExternalUser{}, p.refused("sent no authorization code", nil)
	}
	ep, err := p.endpoints(ctx)
	if err != nil {
		return account.ExternalUser{}, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := ep.oauth.Exchange(ctx, code, oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		return account.ExternalUser{}, p.tokenError(err)
	}
	if ep.verifier == nil {
		body, err := p.userInfo(ctx, tok, ep.userInfoURL)
		if err != nil {
			return account.ExternalUser{}, err
		}
		u, err := p.parse(body)
		if err != nil {
			return account.ExternalUser{}, p.unavailable("unreadable user info", err)
		}
		u.Provider = p.name
		return u, nil
	}
	return p.openIDUser(ctx, ep, tok, pending.Nonce)
}

// invalidClientCodes are the token endpoint's answers (RFC 6749 5.2) that
// blame the shop's settings, not the person: a wrong client id or secret,
// a client not allowed the grant, and Google's name for a redirect URI it
// does not know.
var invalidClientCodes = map[string]bool{
	"invalid_client":        true,
	"unauthorized_client":   true,
	"redirect_uri_mismatch": true,
}

// tokenError classifies a failed token exchange.
func (p *Provider) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return p.unavailable("token endpoint", err)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	switch {
	case status >= 500:
		return p.unavailable(fmt.Sprintf("token endpoint answered %s", re.Response.Status), nil)
	case invalidClientCodes[re.ErrorCode] || status == http.StatusUnauthorized:
		return p.misconfigured("token endpoint refuses the shop's client ("+providerAnswer(re)+
			"); check the client id, the client secret and the redirect URI registered at "+p.name, nil)
	}
	// invalid_grant for a wrong, expired or reused code or a wrong
	// verifier. The description is left out: some providers echo the code
	// in it.
	code := re.ErrorCode
	if code == "" {
		code = "no reason given"
	}
	return p.refused("refused the authorization code ("+oauthErrorCode(code)+")", err)
}

// providerAnswer describes a token endpoint's refusal for the operator:
// the status, the error code and the description, cut short. It never
// holds the client secret, which the provider is not sent back.
func providerAnswer(re *oauth2.RetrieveError) string {
	var parts []string
	if re.Response != nil {
		parts = append(parts, re.Response.Status)
	}
	if re.ErrorCode != "" {
		parts = append(parts, oauthErrorCode(re.ErrorCode))
	}
	if d := re.ErrorDescription; d != "" {
		if r := []rune(d); len(r) > 200 {
			d = string(r[:200]) + "…"
		}
		parts = append(parts, fmt.Sprintf("%q", d))
	}
	if len(parts) == 0 {
		return "no reason given"
	}
	return strings.Join(parts, " ")
}

// userInfo fetches a user-info document with the access token.
func (p *Provider) userInfo(ctx context.Context, tok *oauth2.Token, userInfoURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, userInfoURL, nil)
	if err != nil {
		return nil, p.unavailable("user info endpoint", err)
	}
	req.Header.Set("Accept", "application/json")
	tok.SetAuthHeader(req)
	res, err := p.client.Do(req)
	if err != nil {
		return nil, p.unavailable("user info endpoint", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocumentBytes))
	switch {
	case err != nil:
		return nil, p.unavailable("reading user info", err)
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return nil, p.refused(fmt.Sprintf("refused the access token (%s)", res.Status), nil)
	case res.StatusCode < 200 || res.StatusCode > 299:
		return nil, p.unavailable(fmt.Sprintf("user info endpoint answered %s", res.Status), nil)
	}
	return body, nil
}

// ErrMisconfigured marks a sign-in that failed because of the shop's own
// settings, not anything the person did: a token endpoint that refuses the
// client (invalid_client, unauthorized_client: a wrong client id or
// secret), an issuer whose discovery document is missing or names another
// issuer, an application that sends no ID token (OpenID Connect off at
// Kakao), no Config.States. Only the operator can fix it: log it, and tell
// the person that sign-in is unavailable rather than to start again. An
// error that wraps it wraps commerce.ErrUnavailable too.
var ErrMisconfigured = errors.New("social: the sign-in settings are wrong")

// Error is the error of a sign-in that failed. It wraps one kind —
// commerce.ErrInvalid (a callback that matches no sign-in in progress),
// commerce.ErrUnauthenticated (the provider refused, or sent a token that
// is not valid) or commerce.ErrUnavailable (the provider could not be
// asked, and then perhaps ErrMisconfigured) — and the cause, if any.
type Error struct {
	// Provider is "google" or "kakao".
	Provider      string
	msg           string
	kind          error
	misconfigured bool
	cause         error
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the kind, ErrMisconfigured if it applies, and the cause,
// for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := []error{e.kind}
	if e.misconfigured {
		errs = append(errs, ErrMisconfigured)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// invalid reports a callback that completes no sign-in in progress.
func (p *Provider) invalid(what string) error {
	return &Error{
		Provider: p.name,
		msg:      fmt.Sprintf("social: %s; start the sign-in again: %v", what, commerce.ErrInvalid),
		kind:     commerce.ErrInvalid,
	}
}

// refused reports a refusal. The cause is kept for errors.As but not shown:
// what the provider says may hold the code.
func (p *Provider) refused(what string, cause error) error {
	return &Error{
		Provider: p.name,
		msg:      fmt.Sprintf("social: %s %s; start the sign-in again: %v", p.name, what, commerce.ErrUnauthenticated),
		kind:     commerce.ErrUnauthenticated, cause: cause,
	}
}

// unavailable reports a provider that could not be asked. The cause is
// shown: network errors name the endpoint, never a secret (the code, the
// verifier and the client secret travel in request bodies or headers, the
// access token in a header).
func (p *Provider) unavailable(what string, cause error) error {
	msg := fmt.Sprintf("social: %s %s", p.name, what)
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &Error{Provider: p.name, msg: msg + ": " + commerce.ErrUnavailable.Error(), kind: commerce.ErrUnavailable, cause: cause}
}

// misconfigured reports a sign-in that the shop's settings make fail.
func (p *Provider) misconfigured(what string, cause error) error {
	msg := fmt.Sprintf("social: %s %s", p.name, what)
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &Error{
		Provider: p.name, msg: msg + ": " + commerce.ErrUnavailable.Error(),
		kind: commerce.ErrUnavailable, misconfigured: true, cause: cause,
	}
}

var oauthErrorPattern = regexp.MustCompile(`^[a-z_]{1,64}$`)

// oauthErrorCode returns a provider's error code if it looks like one
// (access_denied, invalid_grant, …), so that nothing else is echoed.
func oauthErrorCode(s string) string {
	if oauthErrorPattern.MatchString(s) {
		return s
	}
	return "unknown error"
}

// minutes writes d for a person: "10 minutes".
func minutes(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// NewVerifier returns a new PKCE code verifier (RFC 7636): 32 random
// bytes, URL-safe.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// stateLen is the length of every state NewState makes; a callback with
// another is not one of them, and is refused before the store is asked.
const stateLen = 43

// NewState returns a new random state for an authorization request: 32
// bytes from crypto/rand, URL-safe. Begin makes its nonces the same way.
func NewState() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand panics if it cannot read)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// trimmed returns s without surrounding space.
func trimmed(s string) string { return strings.TrimSpace(s) }
