// Package social signs users in with Google and Kakao: OpenID Connect
// (the authorization-code flow with PKCE and a nonce, the ID token
// verified with github.com/coreos/go-oidc/v3) where the provider offers
// it, plain OAuth 2.0 on golang.org/x/oauth2 where it does not. It turns
// the provider's answer into an [account.ExternalUser] for
// account.Service.SignInExternal. It serves no HTTP, so any Go server can
// use it.
//
// # The flow
//
// [Provider.Begin] starts a sign-in: it makes a state, a PKCE verifier and
// a nonce, keeps them in Config.States (an [account.SignInStateStore]: the
// session stores of memstore and redisstore are ones) for StateTTL (ten
// minutes by default), and returns the state and the provider's
// authorization URL. Bind the state to the browser — the reference server
// sets it in a short-lived HttpOnly cookie — and redirect there:
//
//	state, authURL, err := p.Begin(ctx, next)
//	// … set a cookie holding state …
//	http.Redirect(w, r, authURL, http.StatusFound)
//
// The provider sends the browser back to the redirect URL with "code" and
// "state". [Provider.Finish] takes the state the browser holds and the
// callback's query:
//
//	ext, next, err := p.Finish(ctx, cookieState, r.URL.Query())
//	signedIn, err := accounts.SignInExternal(ctx, actor, ext, currentToken)
//
// It compares the callback's state with the browser's in constant time,
// then takes the sign-in from the store, which deletes it: each sign-in
// completes once, so a replayed callback fails even with the state cookie
// copied and even at a provider that would take its code a second time.
// Only then does it exchange the code, with the verifier, and find out who
// signed in. Neither the verifier nor the nonce ever reaches the browser.
//
// # OpenID Connect
//
// Both providers publish OpenID Connect: Google at [GoogleIssuer], Kakao
// at [KakaoIssuer]. The first sign-in fetches the issuer's discovery
// document (<issuer>/.well-known/openid-configuration), which gives the
// endpoints, the signing keys (a JWKS, cached and fetched again when a
// token names a new key) and the client authentications the token
// endpoint takes. Every ID token is checked before anything in it is
// believed: its signature (RS256 and the other asymmetric algorithms
// only), its issuer, its audience (the client id), its expiry and the
// nonce of this sign-in. The person's id is the token's "sub"; the email,
// whether it is verified and the display name come from the token too
// (Google: "name"; Kakao: "nickname"). Kakao's ID token carries an email
// but not whether it is verified: for that alone, Finish asks the
// user-info endpoint, and only trusts an answer about the same "sub".
//
// A Kakao application gets ID tokens only when OpenID Connect is on for it
// in the Kakao developers console (Kakao Login > OpenID Connect). For one
// where it is off, set Config.PlainOAuth: the person is then whoever
// Kakao's /v2/user/me says — "id", kept as a decimal string without loss
// of precision (the same as the ID token's "sub", so identities carry over
// when OpenID Connect is turned on), "kakao_account.email",
// "kakao_account.is_email_verified", "kakao_account.profile.nickname".
// Google asks for the scopes openid, email and profile; Kakao for none by
// default: the consent items set in the console apply. Kakao may send no
// email at all.
//
// # Client authentication
//
// The token endpoint gets the client id and secret as the provider takes
// them: in the form (client_secret_post) or by HTTP Basic
// (client_secret_basic), as its discovery document says. When it names
// both or neither, or without discovery, the first exchange tries Basic,
// then the form, and the Provider remembers what worked.
//
// # Testing
//
// Config.Issuer replaces the issuer, and Config's AuthURL, TokenURL and
// UserInfoURL the endpoints, so tests can run against a fake provider.
// Package socialtest serves one: discovery, a JWKS, ID tokens signed with
// RS256, a token endpoint that checks what a real one does (client
// credentials by Basic or in the form, the exact redirect URI, the PKCE
// verifier, single use of each code), user info in Google's or Kakao's
// shape, and switches to make it misbehave.
//
// # Errors
//
// Errors are [*Error] values; each wraps one kind of package commerce.
//
//   - commerce.ErrInvalid: the callback completes no sign-in in progress —
//     the browser holds no state or another one, or the sign-in was
//     completed already or is older than StateTTL. The person should
//     start again.
//   - commerce.ErrUnauthenticated: the provider refused — the person
//     declined, the code is wrong, spent or expired, the verifier is
//     wrong — or its ID token is not valid (signature, issuer, audience,
//     expiry, nonce). The person is not signed in and may start again.
//   - commerce.ErrUnavailable: the provider, its keys or Config.States
//     could not be asked (unreachable, timed out, a 5xx, an unreadable
//     answer). It may work later.
//   - commerce.ErrUnavailable and [ErrMisconfigured]: the shop's own
//     settings are wrong — the token endpoint answers invalid_client or
//     unauthorized_client (a wrong client id or secret), the issuer has no
//     discovery document or names another issuer, no ID token comes (OpenID
//     Connect off at Kakao), no Config.States. Starting again will not
//     help: log the error, whose text gives the provider's answer, and tell
//     the person that this sign-in is unavailable.
//
// Error texts name the provider and never hold a code, a verifier, a
// token or the client secret, so they can be shown and logged.
package social
