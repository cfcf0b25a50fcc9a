package api

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/examples/internal/webauth"
)

// Sign-in through Google and Kakao.
//
// GET /auth/{provider}/login remembers a new state, a PKCE verifier and
// where to go afterwards in a cookie that only this browser holds, then
// redirects to the provider. The provider sends the browser back to GET
// /auth/{provider}/callback with a code and the state; the state must be
// the cookie's (so that nobody else's sign-in can be slipped into this
// browser), the cookie is cleared at once (so that the callback works only
// once), and the code is exchanged with the verifier (so that a code
// intercepted on its way back is useless without the cookie).

// stateCookie carries a sign-in in progress. Path /auth/ keeps it off
// every other route; SameSite=Lax lets the provider's redirect, a
// top-level GET, bring it back.
const (
	stateCookie     = "auth_state"
	stateCookiePath = "/auth/"
	stateMaxAge     = 10 * 60 // seconds
)

// pendingSignIn is the content of the state cookie.
type pendingSignIn struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Verifier string `json:"v"`
	Next     string `json:"n"`
}

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
// (302) to the provider, with a new state and a PKCE challenge. next is
// where the callback sends the browser once signed in; only a path of this
// site is taken (it must start with "/" but not "//" or "/\"), anything
// else means "/".
func (a *API) SocialLogin(w http.ResponseWriter, r *http.Request) {
	p, ok := a.provider(w, r)
	if !ok {
		return
	}
	pending := pendingSignIn{
		Provider: p.Name(),
		State:    social.NewState(),
		Verifier: social.NewVerifier(),
		Next:     webauth.SameSitePath(r.URL.Query().Get("next")),
	}
	value, _ := json.Marshal(pending) // only strings
	http.SetCookie(w, &http.Cookie{
		Name:     stateCookie,
		Value:    base64.RawURLEncoding.EncodeToString(value),
		Path:     stateCookiePath,
		MaxAge:   stateMaxAge,
		HttpOnly: true,
		Secure:   a.cookies.Secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.AuthCodeURL(pending.State, pending.Verifier), http.StatusFound)
}

// SocialCallback serves GET /auth/{provider}/callback?code=…&state=…: the
// provider's answer. A missing or wrong state is a 400; a code the
// provider refuses (reused, expired) a 401. A signed-in user who comes
// back with an identity not yet linked to anyone gets it linked to their
// account; anyone else signs in as the identity's user, created on first
// sign-in. Then the session cookie is set (a new session, replacing the
// one the browser held) and the browser goes to the login's next (302).
func (a *API) SocialCallback(w http.ResponseWriter, r *http.Request) {
	p, ok := a.provider(w, r)
	if !ok {
		return
	}
	pending, hasCookie := a.pendingSignIn(r)
	// Spent, whatever happens next: a replayed callback finds no state.
	a.cookies.ClearNamed(w, r, stateCookie, stateCookiePath)
	w.Header().Set("Cache-Control", "no-store")

	q := r.URL.Query()
	state := q.Get("state")
	switch {
	case !hasCookie:
		a.Error(w, r, &httpError{status: http.StatusBadRequest,
			detail: "no " + p.Name() + " sign-in is in progress in this browser (or it took over 10 minutes); start again"})
		return
	case state == "" || pending.Provider != p.Name() ||
		subtle.ConstantTimeCompare([]byte(state), []byte(pending.State)) != 1:
		a.Error(w, r, &httpError{status: http.StatusBadRequest,
			detail: "the state does not match the " + p.Name() + " sign-in this browser started; start again"})
		return
	case q.Has("error"):
		a.Error(w, r, &httpError{status: http.StatusUnauthorized,
			detail: p.Name() + " sign-in was not completed (" + oauthErrorCode(q.Get("error")) + ")"})
		return
	case q.Get("code") == "":
		a.Error(w, r, &httpError{status: http.StatusBadRequest, detail: "the callback has no code"})
		return
	}

	ext, err := p.Exchange(r.Context(), q.Get("code"), pending.Verifier)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	s, err := a.accounts.SignInExternal(r.Context(), ActorFrom(r.Context()), ext, tokenFrom(r.Context()))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.setSessionCookie(w, r, s.Token, s.Session.ExpiresAt)
	http.Redirect(w, r, pending.Next, http.StatusFound)
}

// pendingSignIn reads the state cookie.
func (a *API) pendingSignIn(r *http.Request) (pendingSignIn, bool) {
	c, err := r.Cookie(stateCookie)
	if err != nil {
		return pendingSignIn{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return pendingSignIn{}, false
	}
	var p pendingSignIn
	if json.Unmarshal(b, &p) != nil || p.State == "" || p.Verifier == "" {
		return pendingSignIn{}, false
	}
	p.Next = webauth.SameSitePath(p.Next)
	return p, true
}

var oauthErrorPattern = regexp.MustCompile(`^[a-z_]{1,64}$`)

// oauthErrorCode returns the provider's error code if it looks like one
// (access_denied, …), so that nothing else is echoed.
func oauthErrorCode(s string) string {
	if oauthErrorPattern.MatchString(s) {
		return s
	}
	return "unknown error"
}
