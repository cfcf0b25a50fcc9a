// Package webauth is the browser session shared by the JSON API and the
// storefront: one cookie, one guest session and so one guest cart, whichever
// of the two a browser talks to. Both packages call it, so that the cookie's
// name, its attributes and the way a request finds its actor live in one
// place.
package webauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// Cookie is the name of the cookie that carries the session token.
const Cookie = "session"

// Credentials are who a request acts as.
type Credentials struct {
	Actor commerce.Actor
	// Token is the live session token the client presented, or "".
	Token string
}

type credentialsKey struct{}

// NewContext returns ctx carrying c.
func NewContext(ctx context.Context, c Credentials) context.Context {
	return context.WithValue(ctx, credentialsKey{}, c)
}

// WithCredentials returns r with c in its context (see NewContext) and,
// for a GET or HEAD that does not act as staff, with stale reads allowed
// (commerce.AllowStaleReads): such a request writes nothing, so the
// catalog, search and the board may answer it from a read replica. A
// staff member's request always reads the primary, so that the page after
// an edit shows the edit; the adapters keep a customer's own cart, orders
// and profile on the primary whatever the request.
func WithCredentials(r *http.Request, c Credentials) *http.Request {
	ctx := NewContext(r.Context(), c)
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !c.Actor.IsStaff() {
		ctx = commerce.AllowStaleReads(ctx)
	}
	return r.WithContext(ctx)
}

// FromContext returns the credentials NewContext put in ctx: without any,
// an anonymous visitor with no token.
func FromContext(ctx context.Context) Credentials {
	c, _ := ctx.Value(credentialsKey{}).(Credentials)
	return c
}

// Cookies sets and clears the session cookie.
type Cookies struct {
	// Secure marks every cookie Secure. Cookies of requests that arrive
	// over TLS are Secure anyway.
	Secure bool
}

func (c Cookies) secure(r *http.Request) bool { return c.Secure || r.TLS != nil }

// Set gives the client the token of a new session, replacing any
// instruction about the session cookie already in w.
func (c Cookies) Set(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	DropSetCookie(w, Cookie)
	http.SetCookie(w, &http.Cookie{
		Name:     Cookie,
		Value:    token,
		Path:     "/",
		Expires:  expires.UTC(),
		HttpOnly: true,
		Secure:   c.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// Clear tells the client to forget its session cookie.
func (c Cookies) Clear(w http.ResponseWriter, r *http.Request) { c.ClearNamed(w, r, Cookie, "/") }

// ClearNamed tells the client to forget the cookie name of path.
func (c Cookies) ClearNamed(w http.ResponseWriter, r *http.Request, name, path string) {
	DropSetCookie(w, name)
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Path:     path,
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   c.secure(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// DropSetCookie removes the Set-Cookie headers for name from w.
func DropSetCookie(w http.ResponseWriter, name string) {
	h := w.Header()
	h["Set-Cookie"] = slices.DeleteFunc(h["Set-Cookie"], func(v string) bool {
		return strings.HasPrefix(v, name+"=")
	})
	if len(h["Set-Cookie"]) == 0 {
		delete(h, "Set-Cookie")
	}
}

// FromCookie finds who r acts as from its session cookie. A request without
// the cookie is anonymous. A cookie whose session has ended makes it
// anonymous too, and the answer clears the cookie. A session store that does
// not answer is an error (commerce.ErrUnavailable), never an anonymous pass.
func (c Cookies) FromCookie(w http.ResponseWriter, r *http.Request, accounts *account.Service) (Credentials, error) {
	cookie, err := r.Cookie(Cookie)
	if err != nil || cookie.Value == "" {
		return Credentials{Actor: commerce.Anonymous}, nil
	}
	return c.FromToken(w, r, accounts, cookie.Value)
}

// FromToken is FromCookie for a token found by the caller: a token whose
// session has ended makes the request anonymous and clears the cookie.
func (c Cookies) FromToken(w http.ResponseWriter, r *http.Request, accounts *account.Service, token string) (Credentials, error) {
	actor, _, err := accounts.Authenticate(r.Context(), token)
	switch {
	case err == nil:
		return Credentials{Actor: actor, Token: token}, nil
	case errors.Is(err, commerce.ErrUnauthenticated):
		c.Clear(w, r)
		return Credentials{Actor: commerce.Anonymous}, nil
	default:
		return Credentials{}, err
	}
}

// WithGuest runs change as actor. A visitor without a session has nowhere
// to keep a cart: a guest session starts for them first, and its cookie is
// set only if change succeeds; otherwise the session ends at once. It
// returns change's error.
func (c Cookies) WithGuest(w http.ResponseWriter, r *http.Request, accounts *account.Service, actor commerce.Actor,
	change func(commerce.Actor) error) error {
	if actor.SignedIn() || actor.SessionID != "" {
		return change(actor)
	}
	ctx := r.Context()
	token, sess, err := accounts.StartGuest(ctx)
	if err != nil {
		return err
	}
	if err := change(commerce.Actor{SessionID: sess.ID}); err != nil {
		// The token never reached the client; the session's cart, if the
		// change left one, is empty.
		_ = accounts.SignOut(context.WithoutCancel(ctx), token)
		return err
	}
	c.Set(w, r, token, sess.ExpiresAt)
	return nil
}

// SameSitePath returns next if it is a path of this site, else "/". The
// path is cleaned first, as http.Redirect cleans it, so that a dot segment
// cannot turn "/../\evil.example" into "/\evil.example"; a backslash, a
// control character, a scheme or a host anywhere refuses it, and so does a
// leading "//", which browsers read as another host.
func SameSitePath(next string) string {
	if next == "" || next[0] != '/' || strings.ContainsAny(next, "\\\r\n\t\x00") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || strings.Contains(u.Path, "\\") {
		return "/"
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
		return "/"
	}
	out := (&url.URL{Path: clean, RawQuery: u.RawQuery, Fragment: u.Fragment}).String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return "/"
	}
	return out
}
