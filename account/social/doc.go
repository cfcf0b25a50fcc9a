// Package social signs users in with Google and Kakao through OAuth 2.0
// (the authorization-code flow with PKCE), on golang.org/x/oauth2. It turns
// the provider's answer into an [account.ExternalUser] for
// account.Service.SignInExternal; it keeps no state of its own and serves
// no HTTP, so any Go server can use it.
//
// # The flow
//
// To start a sign-in, make a state and a PKCE verifier, keep both where
// only this browser can present them again (the reference server uses a
// short-lived HttpOnly cookie), and redirect to the provider:
//
//	state, verifier := social.NewState(), social.NewVerifier()
//	// … remember state and verifier for this browser …
//	http.Redirect(w, r, p.AuthCodeURL(state, verifier), http.StatusFound)
//
// The provider sends the browser back to the redirect URL with "code" and
// "state". Compare state with the remembered one in constant time, forget
// both at once (so that a replayed callback fails), then exchange the code:
//
//	ext, err := p.Exchange(ctx, r.FormValue("code"), verifier)
//	signedIn, err := accounts.SignInExternal(ctx, actor, ext, currentToken)
//
// # Providers
//
// [Google] reads OpenID Connect's userinfo ("sub", "email",
// "email_verified", "name") and asks for the scopes openid, email and
// profile. [Kakao] reads /v2/user/me ("id", kept as a decimal string
// without loss of precision, "kakao_account.email",
// "kakao_account.is_email_verified", "kakao_account.profile.nickname") and
// asks for no scope by default: the consent items are those set in the
// Kakao developers console. Kakao may send no email at all.
//
// Config's AuthURL, TokenURL and UserInfoURL replace the provider's
// endpoints, so tests can run against a fake provider.
//
// # Testing
//
// Package socialtest serves a fake provider whose token endpoint checks
// what a real one does (client credentials, the exact redirect URI, the
// PKCE verifier, single use of each code) and whose user-info endpoint
// answers in Google's or Kakao's shape; point Config's endpoint URLs at it.
//
// # Errors
//
// A refusal by the provider — a wrong, expired or replayed code, a wrong
// verifier, a token the user-info endpoint does not accept — wraps
// commerce.ErrUnauthenticated: the person is not signed in and should start
// again. A provider that cannot be reached, times out, fails with a 5xx or
// answers with something unreadable wraps commerce.ErrUnavailable. Error
// texts name the provider and never hold a code, a verifier, a token or the
// client secret, so they can be shown and logged.
package social
