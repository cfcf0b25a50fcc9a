package social

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/impactmuseum/commerce/account"
)

// discoveryDocument is the part of an OpenID Provider's metadata (OpenID
// Connect Discovery 1.0, section 3) that a sign-in uses.
type discoveryDocument struct {
	Issuer                 string   `json:"issuer"`
	AuthURL                string   `json:"authorization_endpoint"`
	TokenURL               string   `json:"token_endpoint"`
	UserInfoURL            string   `json:"userinfo_endpoint"`
	JWKSURL                string   `json:"jwks_uri"`
	SigningAlgs            []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMeths []string `json:"token_endpoint_auth_methods_supported"`
}

// signingAlgs are the ID token algorithms accepted: the asymmetric ones
// go-oidc verifies. An HMAC or "none" token is never taken, whatever the
// discovery document says.
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// endpoints returns the provider's endpoints, discovering them at the first
// call that succeeds. Concurrent first calls wait for one discovery; a
// failed one is tried again by the next call.
func (p *Provider) endpoints(ctx context.Context) (*endpoints, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ep != nil {
		return p.ep, nil
	}
	doc, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	ep := p.newEndpoints(oauth2.Endpoint{
		AuthURL: doc.AuthURL, TokenURL: doc.TokenURL, AuthStyle: authStyle(doc.TokenEndpointAuthMeths),
	}, doc.UserInfoURL)
	switch {
	case ep.oauth.Endpoint.AuthURL == "" || ep.oauth.Endpoint.TokenURL == "" || doc.JWKSURL == "":
		return nil, p.misconfigured("discovery document at "+discoveryURL(p.c.Issuer)+
			" lacks the authorization, token or key endpoint", nil)
	}
	var algs []string
	for _, a := range doc.SigningAlgs {
		if slices.Contains(signingAlgs, a) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		algs = []string{oidc.RS256} // the one every OpenID Provider must support
	}
	// The key set lives as long as the provider: it caches the keys and
	// fetches them again when a token names a key it has not seen.
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), p.client), doc.JWKSURL)
	ep.verifier = &idTokenVerifier{oidc.NewVerifier(doc.Issuer, keySet{keys}, &oidc.Config{
		ClientID:             p.c.ClientID,
		SupportedSigningAlgs: algs,
	})}
	p.ep = ep
	return ep, nil
}

func discoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// discover fetches and checks the issuer's discovery document.
func (p *Provider) discover(ctx context.Context) (discoveryDocument, error) {
	where := discoveryURL(p.c.Issuer)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return discoveryDocument{}, p.misconfigured("issuer "+p.c.Issuer, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		return discoveryDocument{}, p.unavailable("discovery", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocumentBytes))
	var doc discoveryDocument
	switch {
	case err != nil:
		return discoveryDocument{}, p.unavailable("reading the discovery document", err)
	case res.StatusCode >= 500:
		return discoveryDocument{}, p.unavailable(fmt.Sprintf("discovery at %s answered %s", where, res.Status), nil)
	case res.StatusCode != http.StatusOK:
		return discoveryDocument{}, p.misconfigured(fmt.Sprintf("has no discovery document at %s (%s); check the issuer", where, res.Status), nil)
	case json.Unmarshal(body, &doc) != nil:
		return discoveryDocument{}, p.unavailable("unreadable discovery document at "+where, nil)
	case doc.Issuer != p.c.Issuer:
		// OpenID Connect Discovery 1.0, section 4.3: the issuer must be
		// the one asked, exactly, or tokens would be checked against the
		// wrong one.
		return discoveryDocument{}, p.misconfigured(fmt.Sprintf("discovery document at %s names the issuer %q, not %q",
			where, doc.Issuer, p.c.Issuer), nil)
	}
	return doc, nil
}

// authStyle picks the client authentication the token endpoint says it
// takes: the form (client_secret_post) or HTTP Basic
// (client_secret_basic). When it names both, or neither, the first
// exchange tries Basic and then the form, and remembers what worked.
func authStyle(methods []string) oauth2.AuthStyle {
	post, basic := slices.Contains(methods, "client_secret_post"), slices.Contains(methods, "client_secret_basic")
	switch {
	case post && !basic:
		return oauth2.AuthStyleInParams
	case basic && !post:
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleAutoDetect
}

// keySet is the provider's published keys. It notes, for the sign-in that
// asked, whether the keys could not be fetched at all: go-oidc's errors
// then read alike, but an outage is not a bad token.
type keySet struct{ remote *oidc.RemoteKeySet }

type keyFetchKey struct{}

func (k keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.remote.VerifySignature(ctx, jwt)
	// RemoteKeySet wraps the error of fetching the keys (%w) and makes a
	// new one for a signature that no key verifies.
	if err != nil && errors.Unwrap(err) != nil {
		if failed, ok := ctx.Value(keyFetchKey{}).(*error); ok {
			*failed = err
		}
	}
	return payload, err
}

// idTokenVerifier checks ID tokens with go-oidc.
type idTokenVerifier struct{ v *oidc.IDTokenVerifier }

// idTokenClaims are the claims read from an ID token or an OpenID Connect
// user-info answer.
type idTokenClaims struct {
	Subject       string    `json:"sub"`
	Email         string    `json:"email"`
	EmailVerified *jsonBool `json:"email_verified"`
	Name          string    `json:"name"`
	Nickname      string    `json:"nickname"`
}

// openIDUser verifies the ID token of tok and returns who it names.
func (p *Provider) openIDUser(ctx context.Context, ep *endpoints, tok *oauth2.Token, nonce string) (account.ExternalUser, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return account.ExternalUser{}, p.misconfigured("token endpoint sent no ID token; turn OpenID Connect on for the application"+
			" at the provider (Kakao: Kakao Login > OpenID Connect in the developers console), or use plain OAuth", nil)
	}
	var fetchErr error
	idt, err := ep.verifier.v.Verify(context.WithValue(ctx, keyFetchKey{}, &fetchErr), raw)
	switch {
	case fetchErr != nil:
		return account.ExternalUser{}, p.unavailable("signing keys", fetchErr)
	case err != nil:
		// go-oidc's message says what is wrong (signature, issuer,
		// audience, expiry) and never repeats the token.
		return account.ExternalUser{}, p.refused("sent an ID token that is not valid ("+err.Error()+")", nil)
	case nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1:
		// A token for another sign-in: a code injected from elsewhere.
		return account.ExternalUser{}, p.refused("sent an ID token for another sign-in (its nonce differs)", nil)
	}
	var c idTokenClaims
	if err := idt.Claims(&c); err != nil {
		return account.ExternalUser{}, p.unavailable("unreadable ID token claims", err)
	}
	if trimmed(c.Subject) == "" {
		return account.ExternalUser{}, p.unavailable(`ID token without "sub"`, nil)
	}
	if c.Email != "" && c.EmailVerified == nil && ep.userInfoURL != "" {
		// Kakao's ID token carries the email but not whether it is
		// verified; its user-info answer does.
		if err := p.fillFromUserInfo(ctx, ep, tok, &c); err != nil {
			return account.ExternalUser{}, err
		}
	}
	return p.claimsUser(c), nil
}

// fillFromUserInfo completes c with the OpenID Connect user-info answer,
// which must be about the same subject (OpenID Connect Core 1.0, 5.3.2).
func (p *Provider) fillFromUserInfo(ctx context.Context, ep *endpoints, tok *oauth2.Token, c *idTokenClaims) error {
	body, err := p.userInfo(ctx, tok, ep.userInfoURL)
	if err != nil {
		return err
	}
	var info idTokenClaims
	if err := json.Unmarshal(body, &info); err != nil {
		return p.unavailable("unreadable user info", err)
	}
	if info.Subject != c.Subject {
		return p.unavailable("user info is about another subject than the ID token", nil)
	}
	if info.Email != "" {
		c.Email, c.EmailVerified = info.Email, info.EmailVerified
	}
	if c.Name == "" {
		c.Name = info.Name
	}
	if c.Nickname == "" {
		c.Nickname = info.Nickname
	}
	return nil
}

// claimsUser turns OpenID Connect claims into an ExternalUser.
func (p *Provider) claimsUser(c idTokenClaims) account.ExternalUser {
	u := account.ExternalUser{
		Provider:      p.name,
		Subject:       trimmed(c.Subject),
		Email:         trimmed(c.Email),
		EmailVerified: c.EmailVerified != nil && bool(*c.EmailVerified),
	}
	for _, claim := range p.displayClaims {
		if u.Nickname == "" {
			switch claim {
			case "name":
				u.Nickname = trimmed(c.Name)
			case "nickname":
				u.Nickname = trimmed(c.Nickname)
			}
		}
	}
	return u
}
