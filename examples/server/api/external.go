package api

import (
	"errors"
	"net/http"

	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/examples/internal/webauth"
)

// Sign-in through Google and Kakao.
//
// GET /auth/{provider}/login starts a sign-in with the provider (package
// social keeps its state, PKCE verifier, nonce and where to go afterwards
// in the session store, for the provider's StateTTL), binds the state to
// this browser in a cookie, and redirects to the provider. The provider
// sends the browser back to GET /auth/{provider}/callback with a code and
// the state; social completes the sign-in only if the state is the
// cookie's (so that nobody else's sign-in can be slipped into this
// browser) and only once (it deletes the stored sign-in as it reads it,
// so a replayed callback fails even where the provider would take the
// code again), and the cookie is cleared.

// stateCookie binds a sign-in in progress to the browser; it holds the
// state alone, which is no secret once the provider has seen it. Path
// /auth/ keeps it off every other route; SameSite=Lax lets the provider's
// redirect, a top-level GET, bring it back.
const (
	stateCookie     = "auth_state"
	stateCookiePath = "/auth/"
)

// provider returns the configured provider of the path, or answers 404.
func (a *API) provider(w http.ResponseWriter, r *http.Request) (*social.Provider, bool) {
	name := r.PathValue("provider")
	p, ok := a.providers[name]
	if !ok {
		if len(name) > 20 {
			name = name[:20] + "…"
		}
		a.Error(w, r, &httpError{status: http.StatusNotFound, detail: name + " sign-in is not configured"})
	}
	return p, ok
}

// SocialLogin serves GET /auth/{provider}/login?next=/path: a redirect
// (302) to the provider, with a new state, a PKCE challenge and, for
// OpenID Connect, a nonce. next is where the callback sends the browser
// once signed in; only a path of this site is taken (it must start with
// "/" but not "//" or "/\"), anything else means "/".
func (a *API) SocialLogin(w http.ResponseWriter, r *http.Request) {
	p, ok := a.provider(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	state, authURL, err := p.Begin(r.Context(), webauth.SameSitePath(r.URL.Query().Get("next")))
	if err != nil {
		a.socialError(w, r, p, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     stateCookie,
		Value:    state,
		Path:     stateCookiePath,
		MaxAge:   int(p.StateTTL().Seconds()),
		HttpOnly: true,
		Secure:   a.cookies.Secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, authURL, http.StatusFound)
}

// SocialCallback serves GET /auth/{provider}/callback?code=…&state=…: the
// provider's answer. A callback that completes no sign-in in progress in
// this browser — no state cookie, another state, one already used or
// too old — is a 400; a sign-in the person declined, or a code or ID token
// the provider's rules refuse, a 401; a provider that refuses the shop's
// own settings (a wrong client secret) a 503, logged at ERROR for the
// operator. A signed-in user who comes back with an identity not yet
// linked to anyone gets it linked to their account; anyone else signs in
// as the identity's user, created on first sign-in. Then the session
// cookie is set (a new session, replacing the one the browser held) and
// the browser goes to the login's next (302).
func (a *API) SocialCallback(w http.ResponseWriter, r *http.Request) {
	p, ok := a.provider(w, r)
	if !ok {
		return
	}
	var browserState string
	if c, err := r.Cookie(stateCookie); err == nil {
		browserState = c.Value
	}
	// Spent, whatever happens next.
	a.cookies.ClearNamed(w, r, stateCookie, stateCookiePath)
	w.Header().Set("Cache-Control", "no-store")

	ext, next, err := p.Finish(r.Context(), browserState, r.URL.Query())
	if err != nil {
		a.socialError(w, r, p, err)
		return
	}
	s, err := a.accounts.SignInExternal(r.Context(), ActorFrom(r.Context()), ext, tokenFrom(r.Context()))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.setSessionCookie(w, r, s.Token, s.Session.ExpiresAt)
	http.Redirect(w, r, webauth.SameSitePath(next), http.StatusFound)
}

// socialError answers a failed sign-in. A provider that refuses the shop's
// settings is the operator's to fix: the provider's answer goes to the log
// at ERROR, and the person learns that this sign-in is unavailable, not
// that they should try again.
func (a *API) socialError(w http.ResponseWriter, r *http.Request, p *social.Provider, err error) {
	if errors.Is(err, social.ErrMisconfigured) {
		a.log.ErrorContext(r.Context(), "sign-in provider refuses the shop's settings",
			"provider", p.Name(), "method", r.Method, "path", r.URL.Path, "err", err)
		a.Error(w, r, &httpError{status: http.StatusServiceUnavailable,
			detail: p.Name() + " sign-in is unavailable: the shop's " + p.Name() +
				" settings need fixing, and the shop has been told; sign in another way for now"})
		return
	}
	a.Error(w, r, err)
}
