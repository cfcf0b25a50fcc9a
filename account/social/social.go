package social

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// DefaultTimeout bounds each request to a provider (the token exchange and
// the user-info request, each) unless Config.HTTPClient says otherwise.
const DefaultTimeout = 10 * time.Second

// maxUserInfoBytes bounds the user-info answer that is read; real ones are
// a few hundred bytes.
const maxUserInfoBytes = 1 << 20

// The providers' own endpoints.
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
	// AuthURL, TokenURL and UserInfoURL replace the provider's endpoints
	// when set; tests point them at a fake provider.
	AuthURL     string
	TokenURL    string
	UserInfoURL string
	// Scopes replace the scopes asked for. Default: openid, email and
	// profile for Google; none for Kakao (the consent items configured in
	// the Kakao developers console apply).
	Scopes []string
	// HTTPClient makes the requests to the provider. Default: a client
	// with a DefaultTimeout timeout.
	HTTPClient *http.Client
}

// Provider signs users in with one external provider. It is safe for
// concurrent use.
type Provider struct {
	name        string
	oauth       oauth2.Config
	userInfoURL string
	client      *http.Client
	parse       func(body []byte) (account.ExternalUser, error)
}

// Google returns the provider for Google sign-in. It panics if c has no
// ClientID or RedirectURL.
func Google(c Config) *Provider {
	return newProvider("google", c, oauth2.Endpoint{AuthURL: googleAuthURL, TokenURL: googleTokenURL},
		googleUserInfoURL, []string{"openid", "email", "profile"}, parseGoogle)
}

// Kakao returns the provider for Kakao sign-in. It panics if c has no
// ClientID or RedirectURL.
func Kakao(c Config) *Provider {
	return newProvider("kakao", c, oauth2.Endpoint{AuthURL: kakaoAuthURL, TokenURL: kakaoTokenURL},
		kakaoUserInfoURL, nil, parseKakao)
}

func newProvider(name string, c Config, ep oauth2.Endpoint, userInfoURL string, scopes []string,
	parse func([]byte) (account.ExternalUser, error)) *Provider {
	switch {
	case c.ClientID == "":
		panic("social: " + name + ": empty ClientID")
	case c.RedirectURL == "":
		panic("social: " + name + ": empty RedirectURL")
	}
	if c.AuthURL != "" {
		ep.AuthURL = c.AuthURL
	}
	if c.TokenURL != "" {
		ep.TokenURL = c.TokenURL
	}
	if c.UserInfoURL != "" {
		userInfoURL = c.UserInfoURL
	}
	if c.Scopes != nil {
		scopes = append([]string(nil), c.Scopes...)
	}
	// Both providers take the client's credentials in the form; saying so
	// spares a second token request, which after a first refusal would
	// present the same single-use code again.
	ep.AuthStyle = oauth2.AuthStyleInParams
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	return &Provider{
		name: name,
		oauth: oauth2.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  c.RedirectURL,
			Scopes:       scopes,
		},
		userInfoURL: userInfoURL,
		client:      client,
		parse:       parse,
	}
}

// Name returns the provider's name, "google" or "kakao": the Provider of
// the ExternalUser it returns and the {provider} of the reference server's
// /auth/{provider}/… routes.
func (p *Provider) Name() string { return p.name }

// AuthCodeURL returns the provider's authorization URL for a new sign-in:
// with the client id, the configured redirect URL, the scopes, state, and
// the PKCE challenge (S256) of verifier.
func (p *Provider) AuthCodeURL(state, verifier string) string {
	return p.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades the authorization code of a callback, with the verifier
// of its sign-in, for a token, and asks the provider who signed in. See the
// package documentation for its errors.
func (p *Provider) Exchange(ctx context.Context, code, verifier string) (account.ExternalUser, error) {
	if code == "" {
		return account.ExternalUser{}, p.refused("no authorization code", nil)
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return account.ExternalUser{}, p.tokenError(err)
	}
	body, err := p.userInfo(ctx, tok)
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

// tokenError classifies a failed token exchange.
func (p *Provider) tokenError(err error) error {
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 500:
		return p.unavailable(fmt.Sprintf("token endpoint answered %s", re.Response.Status), nil)
	case errors.As(err, &re):
		// RFC 6749 5.2: invalid_grant for a wrong, expired or reused code
		// or a wrong verifier. The description is left out: some providers
		// echo the code in it.
		code := re.ErrorCode
		if code == "" {
			code = "no reason given"
		}
		return p.refused("refused the authorization code ("+code+")", err)
	}
	return p.unavailable("token endpoint", err)
}

// userInfo fetches the user-info document with the access token.
func (p *Provider) userInfo(ctx context.Context, tok *oauth2.Token) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.userInfoURL, nil)
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
	body, err := io.ReadAll(io.LimitReader(res.Body, maxUserInfoBytes))
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

// Error is the error of a sign-in that failed at the provider. It wraps
// commerce.ErrUnauthenticated (the provider refused) or
// commerce.ErrUnavailable (it could not be asked), and the cause, if any.
type Error struct {
	// Provider is "google" or "kakao".
	Provider string
	msg      string
	kind     error
	cause    error
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the kind and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
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
// verifier and the client secret travel in request bodies, the access
// token in a header).
func (p *Provider) unavailable(what string, cause error) error {
	msg := fmt.Sprintf("social: %s %s", p.name, what)
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &Error{Provider: p.name, msg: msg + ": " + commerce.ErrUnavailable.Error(), kind: commerce.ErrUnavailable, cause: cause}
}

// NewVerifier returns a new PKCE code verifier (RFC 7636): 32 random
// bytes, URL-safe.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// NewState returns a new random state for an authorization request: 32
// bytes from crypto/rand, URL-safe.
func NewState() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand panics if it cannot read)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// trimmed returns s without surrounding space.
func trimmed(s string) string { return strings.TrimSpace(s) }
