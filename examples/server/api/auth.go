package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/impactmuseum/commerce"
)

// SessionCookie is the name of the cookie that carries the session token.
const SessionCookie = "session"

// credentials is who the request acts as, as Authenticate found it.
type credentials struct {
	actor commerce.Actor
	// token is the live session token the client presented, or "".
	token string
}

type credentialsKey struct{}

// ActorFrom returns the actor that Authenticate (or AuthenticateForSignIn)
// put in ctx: the signed-in user, or commerce.Anonymous.
func ActorFrom(ctx context.Context) commerce.Actor {
	c, _ := ctx.Value(credentialsKey{}).(credentials)
	return c.actor
}

// tokenFrom returns the live session token of the request, or "".
func tokenFrom(ctx context.Context) string {
	c, _ := ctx.Value(credentialsKey{}).(credentials)
	return c.token
}

// Authenticate finds who the request acts as and puts the actor in its
// context (see ActorFrom). The token comes from "Authorization: Bearer …"
// or, without that header, from the session cookie.
//
//   - A Bearer token whose session has ended is refused: 401.
//   - A cookie whose session has ended makes the request anonymous, and the
//     answer clears the cookie; routes that need a user then answer 401.
//   - A session store that does not answer is a 503, never an anonymous
//     pass.
//   - A write (any method but GET, HEAD and OPTIONS) that is not
//     Bearer-authenticated and comes from another origin, as browsers tell
//     by Sec-Fetch-Site or Origin, is refused with 403 before anything else
//     happens (http.CrossOriginProtection). A Bearer token is no ambient
//     credential — a page on another origin cannot make the browser send
//     it — so such writes need no check.
func (a *API) Authenticate(next http.Handler) http.Handler { return a.authenticate(next, false) }

// AuthenticateForSignIn is Authenticate for the routes that start or end a
// session (sign-up, sign-in, sign-out, external sign-in): a Bearer token
// whose session has ended counts as no token, so that a client holding a
// stale one can sign in again.
func (a *API) AuthenticateForSignIn(next http.Handler) http.Handler {
	return a.authenticate(next, true)
}

func (a *API) authenticate(next http.Handler, lenient bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, bearer, malformed := bearerToken(r)
		if malformed {
			w.Header().Set("WWW-Authenticate", `Bearer realm="commerce", error="invalid_request"`)
			a.writeProblem(w, r, problemDoc{
				Status: http.StatusUnauthorized,
				Detail: `the Authorization header must be "Bearer <token>"`,
			})
			return
		}
		if !bearer {
			if err := a.origins.Check(r); err != nil {
				a.writeProblem(w, r, problemDoc{
					Status: http.StatusForbidden,
					Detail: "a write from another origin is refused when it relies on the session cookie " +
						"(send the token in an Authorization: Bearer header instead): " + err.Error(),
				})
				return
			}
			if c, err := r.Cookie(SessionCookie); err == nil {
				token = c.Value
			}
		}

		creds := credentials{actor: commerce.Anonymous}
		if token != "" {
			actor, _, err := a.accounts.Authenticate(r.Context(), token)
			switch {
			case err == nil:
				creds = credentials{actor: actor, token: token}
			case !errors.Is(err, commerce.ErrUnauthenticated):
				// The store did not answer: fail closed.
				a.Error(w, r, err)
				return
			case bearer && !lenient:
				w.Header().Set("WWW-Authenticate", `Bearer realm="commerce", error="invalid_token"`)
				a.writeProblem(w, r, problemDoc{Status: http.StatusUnauthorized, Detail: err.Error()})
				return
			case !bearer:
				a.clearSessionCookie(w, r)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), credentialsKey{}, creds)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer" header.
// bearer is false when there is no such header (another scheme is left to
// whatever else uses it); malformed is true for "Bearer" with no token.
func bearerToken(r *http.Request) (token string, bearer, malformed bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false, false
	}
	token = strings.TrimSpace(rest)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", true, true
	}
	return token, true, false
}

// setSessionCookie gives the client the token of a new session.
func (a *API) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	// Authenticate may have cleared a dead one already: one instruction
	// per answer is clearer to every client.
	dropSetCookie(w, SessionCookie)
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  expires.UTC(),
		HttpOnly: true,
		Secure:   a.secureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie tells the client to forget its session cookie.
func (a *API) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	a.clearCookie(w, r, SessionCookie, "/")
}

func (a *API) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	dropSetCookie(w, name)
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Path:     path,
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   a.secureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// dropSetCookie removes the Set-Cookie headers for name from w.
func dropSetCookie(w http.ResponseWriter, name string) {
	h := w.Header()
	h["Set-Cookie"] = slices.DeleteFunc(h["Set-Cookie"], func(v string) bool {
		return strings.HasPrefix(v, name+"=")
	})
	if len(h["Set-Cookie"]) == 0 {
		delete(h, "Set-Cookie")
	}
}

func (a *API) secureCookies(r *http.Request) bool { return a.secure || r.TLS != nil }

// remoteIP is the default Options.ClientIP: the peer's address.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// needSignIn answers 401 unless the request acts as a signed-in user. The
// services check again; answering early spares decoding a body for nobody.
func (a *API) needSignIn(w http.ResponseWriter, r *http.Request, err error) bool {
	if ActorFrom(r.Context()).SignedIn() {
		return true
	}
	a.Error(w, r, err)
	return false
}

// needStaff answers 401 to visitors and 403 to customers, with the
// catalog's own errors.
func (a *API) needStaff(w http.ResponseWriter, r *http.Request, signIn, staffOnly error) bool {
	actor := ActorFrom(r.Context())
	switch {
	case !actor.SignedIn():
		a.Error(w, r, signIn)
		return false
	case !actor.IsStaff():
		a.Error(w, r, staffOnly)
		return false
	}
	return true
}
