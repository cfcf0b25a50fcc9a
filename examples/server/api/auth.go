package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/examples/internal/webauth"
)

// SessionCookie is the name of the cookie that carries the session token;
// the storefront reads the same cookie (package webauth).
const SessionCookie = webauth.Cookie

// ActorFrom returns the actor that Authenticate (or AuthenticateForSignIn)
// put in ctx: the signed-in user, or commerce.Anonymous.
func ActorFrom(ctx context.Context) commerce.Actor { return webauth.FromContext(ctx).Actor }

// tokenFrom returns the live session token of the request, or "".
func tokenFrom(ctx context.Context) string { return webauth.FromContext(ctx).Token }

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

		creds := webauth.Credentials{Actor: commerce.Anonymous}
		switch {
		case token == "":
		case bearer:
			actor, _, err := a.accounts.Authenticate(r.Context(), token)
			switch {
			case err == nil:
				creds = webauth.Credentials{Actor: actor, Token: token}
			case !errors.Is(err, commerce.ErrUnauthenticated):
				// The store did not answer: fail closed.
				a.Error(w, r, err)
				return
			case !lenient:
				w.Header().Set("WWW-Authenticate", `Bearer realm="commerce", error="invalid_token"`)
				a.writeProblem(w, r, problemDoc{Status: http.StatusUnauthorized, Detail: err.Error()})
				return
			}
		default:
			var err error
			if creds, err = a.cookies.FromToken(w, r, a.accounts, token); err != nil {
				// The store did not answer: fail closed.
				a.Error(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, webauth.WithCredentials(r, creds))
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
	a.cookies.Set(w, r, token, expires)
}

// clearSessionCookie tells the client to forget its session cookie.
func (a *API) clearSessionCookie(w http.ResponseWriter, r *http.Request) { a.cookies.Clear(w, r) }

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
// errors of the service the route calls (signIn, staffOnly), by the
// services' own check (commerce.Actor.RequireStaff). The service checks
// again; answering early spares reading a body for nobody.
func (a *API) needStaff(w http.ResponseWriter, r *http.Request, signIn, staffOnly error) bool {
	if err := ActorFrom(r.Context()).RequireStaff(signIn, staffOnly); err != nil {
		a.Error(w, r, err)
		return false
	}
	return true
}
