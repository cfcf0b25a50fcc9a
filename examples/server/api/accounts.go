package api

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// accountJSON is an account as its owner sees it. There is no password
// hash here, nor anywhere else in the API.
type accountJSON struct {
	ID          uuid.UUID   `json:"id"`
	Username    string      `json:"username"`
	Nickname    string      `json:"nickname"`
	Email       string      `json:"email"`
	Interests   []uuid.UUID `json:"interests"`
	Staff       bool        `json:"staff"`
	Identities  []string    `json:"identities"`
	HasPassword bool        `json:"has_password"`
	CreatedAt   time.Time   `json:"created_at"`
	// CartCount is the number of units in the user's cart, for the badge
	// every page shows.
	CartCount int `json:"cart_count"`
}

// accountOut is acct as its owner sees it, with the count of their cart.
func (a *API) accountOut(ctx context.Context, acct account.Account) (accountJSON, error) {
	sum, err := a.carts.Summary(ctx, commerce.UserActor(acct.ID))
	if err != nil {
		return accountJSON{}, err
	}
	out := accountOf(acct)
	out.CartCount = sum.Count
	return out, nil
}

func accountOf(a account.Account) accountJSON {
	return accountJSON{
		ID:          a.ID,
		Username:    a.Username,
		Nickname:    a.Nickname,
		Email:       a.Email,
		Interests:   append([]uuid.UUID{}, a.Interests...),
		Staff:       a.Staff,
		Identities:  append([]string{}, a.Identities...),
		HasPassword: a.HasPassword,
		CreatedAt:   a.CreatedAt.UTC(),
	}
}

// sessionJSON answers a sign-up or sign-in.
type sessionJSON struct {
	Token   string      `json:"token"`
	Account accountJSON `json:"account"`
}

type signUpBody struct {
	Username        string   `json:"username"`
	Password        string   `json:"password"`
	PasswordConfirm string   `json:"password_confirm"`
	Nickname        string   `json:"nickname"`
	Email           string   `json:"email"`
	Interests       []string `json:"interests"`
}

// SignUp serves POST /api/accounts: a new customer, signed in. It answers
// 201 with the token and the account, and sets the session cookie; 422
// names every failing field at once, 409 the taken ones. Too many
// sign-ups from the client (Options.ClientIP), failed ones included, get
// 429 with Retry-After.
func (a *API) SignUp(w http.ResponseWriter, r *http.Request) {
	var in signUpBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	s, err := a.accounts.SignUp(r.Context(), account.SignUpInput{
		Username:        in.Username,
		Password:        in.Password,
		PasswordConfirm: in.PasswordConfirm,
		Nickname:        in.Nickname,
		Email:           in.Email,
		Interests:       parseIDs(in.Interests),
		Client:          a.clientIP(r),
	}, tokenFrom(r.Context()))
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.signedIn(w, r, http.StatusCreated, s)
}

type signInBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SignIn serves POST /api/session: a new session for a username and
// password. It answers 200 with the token and the account and sets the
// session cookie, replacing the client's previous session. An empty
// username or password gets 422 naming it, and is not a failed attempt.
// An unknown username and a wrong password get the same 401; too many
// failures (for the username from this client, for the username from
// every client, or from this client; Options.ClientIP says who the client
// is) get 429 with Retry-After, whatever the password.
func (a *API) SignIn(w http.ResponseWriter, r *http.Request) {
	var in signInBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	s, err := a.accounts.SignIn(r.Context(), account.Credentials{
		Username: in.Username,
		Password: in.Password,
		Client:   a.clientIP(r),
	}, tokenFrom(r.Context()))
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.signedIn(w, r, http.StatusOK, s)
}

// signedIn answers a new session: the cookie, the token and the account,
// whose cart_count includes the guest cart merged into it.
func (a *API) signedIn(w http.ResponseWriter, r *http.Request, status int, s account.SignedIn) {
	acct, err := a.accountOut(r.Context(), s.Account)
	if err != nil {
		// The token never reaches the client: end its session rather than
		// leave it to expire. The client signs in again; the merge it may
		// have done is not undone, and is not repeated.
		_ = a.accounts.SignOut(context.WithoutCancel(r.Context()), s.Token)
		a.Error(w, r, err)
		return
	}
	a.setSessionCookie(w, r, s.Token, s.Session.ExpiresAt)
	// The token must not be stored by any cache between here and the
	// client.
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, status, sessionJSON{Token: s.Token, Account: acct})
}

// SignOut serves DELETE /api/session: the session of the token (Bearer or
// cookie) ends on every server, and the cookie is cleared. It answers 204
// also when there was no live session.
func (a *API) SignOut(w http.ResponseWriter, r *http.Request) {
	if err := a.accounts.SignOut(r.Context(), tokenFrom(r.Context())); err != nil {
		a.Error(w, r, err)
		return
	}
	a.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// writeAccount answers 200 with acct.
func (a *API) writeAccount(w http.ResponseWriter, r *http.Request, acct account.Account) {
	out, err := a.accountOut(r.Context(), acct)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, out)
}

// Me serves GET /api/me: the signed-in user's account, with the number of
// units in their cart (cart_count).
func (a *API) Me(w http.ResponseWriter, r *http.Request) {
	acct, err := a.accounts.Account(r.Context(), ActorFrom(r.Context()))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeAccount(w, r, acct)
}

type profileBody struct {
	Username  commerce.Optional[string]   `json:"username"`
	Nickname  commerce.Optional[string]   `json:"nickname"`
	Email     commerce.Optional[string]   `json:"email"`
	Interests commerce.Optional[[]string] `json:"interests"`
}

// UpdateMe serves PATCH /api/me: the fields present among username,
// nickname, email and interests change, with the rules of sign-up.
func (a *API) UpdateMe(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, account.ErrSignInRequired) {
		return
	}
	var in profileBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	patch := account.ProfilePatch{Username: in.Username, Nickname: in.Nickname, Email: in.Email}
	if in.Interests.Set {
		patch.Interests = commerce.Some(parseIDs(in.Interests.Value))
	}
	acct, err := a.accounts.UpdateProfile(r.Context(), ActorFrom(r.Context()), patch)
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.writeAccount(w, r, acct)
}

type passwordBody struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ChangePassword serves POST /api/me/password: a new password, given the
// current one (a user who signed up through Google or Kakao and has none
// sets one without). Every other session of the user ends; this one goes
// on. It answers 204.
func (a *API) ChangePassword(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, account.ErrSignInRequired) {
		return
	}
	var in passwordBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	err := a.accounts.ChangePassword(r.Context(), ActorFrom(r.Context()), in.CurrentPassword, in.NewPassword)
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
