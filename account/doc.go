// Package account manages the people who sign in: customers and staff,
// their passwords, their sessions, and their Google and Kakao identities.
//
// # Users
//
// A [User] has a username, a password hash (or none, for someone who signs
// in only through a provider), a staff flag and a customer profile on the
// same record: a nickname, an email and interests (problem ids). Username,
// nickname and email are unique by their folded form ([commerce.Fold]), so
// "Hana" and "hana" are the same username.
//
// [Service.SignUp] checks every field at once and reports all that fail in
// one [commerce.ValidationError]; a valid input whose username, nickname or
// email is taken gets a [*TakenError] naming them. Of two concurrent
// sign-ups for one username, the store lets exactly one win.
//
// # Passwords
//
// Passwords are hashed with PBKDF2-SHA256 in Django's format,
// pbkdf2_sha256$<iterations>$<salt>$<hash>, at [DefaultIterations] unless
// [HasherOptions] say otherwise, so a Django shop's users can move over:
// their hashes verify at the iteration count they carry and are re-hashed
// at sign-in when weaker. [PasswordProblems] is the policy: at least 8
// characters, not only digits, not a common password, not too similar to
// the username, nickname or email. Verification is constant-time, an
// unknown username costs as much as a wrong password, and the number of
// hashes computed at once is bounded.
//
// # Signing in
//
// [Service.SignIn] answers [ErrBadCredentials] for a wrong password and an
// unknown username alike; an empty username or password is a
// [commerce.ValidationError], not a failed attempt. Failures are counted in
// an [AttemptStore], in windows of 15 minutes ([DefaultFailureWindow]),
// three ways:
//
//   - per username and client: 5 failures ([DefaultMaxUsernameClientFailures])
//     lock that username for that client only. This is the lock a client
//     meets; another client, the owner's, still signs in, so nobody can
//     lock a user out by typing wrong passwords for them.
//   - per username, from every client together: 100 failures
//     ([DefaultMaxUsernameFailures]) lock the username for everyone. This
//     ceiling keeps guessing one password from many clients expensive.
//   - per client, for every username together: 30 failures
//     ([DefaultMaxClientFailures]) lock the client out.
//
// Past any of them, sign-in answers a [*TooManyAttemptsError] wrapping
// [ErrTooManyAttempts], with the time to wait, whatever the password.
// Attempts sent at once are answered as if sent one after another: none
// past a limit learns whether its password was right. A success clears
// the client's count for the username.
//
// [Service.SignUp] is throttled per client too: after 10 sign-ups in an
// hour ([DefaultMaxClientSignUps], [DefaultSignUpWindow]), failed ones
// included, the next ones get a [*TooManyAttemptsError] wrapping
// [ErrTooManySignUps] until the hour ends. [Options] change every number.
//
// # Sessions
//
// A session's token is 256 random bits; the [SessionStore] keeps the
// session under the token's SHA-256 ([SessionID]) and never sees the token.
// Sessions end after [DefaultIdleTimeout] without activity and
// [DefaultAbsoluteTimeout] after they began. Every sign-in issues a new
// token and ends the session the client held — a guest's, whose cart
// merges first into the user's when the cart service is
// [Options].GuestCarts ([GuestCarts]). [Service.SignOut] deletes the session
// in the store, so it ends on every server; a password change ends the
// user's other sessions. A store that does not answer makes
// [Service.Authenticate] fail with [commerce.ErrUnavailable], never pass.
//
// # Staff
//
// Staff members look after the users: [Service.Users] lists them newest
// first and finds them by part of a username or email,
// [Service.UsersByID] reads the customers of a page of orders at once, and
// [Service.SetStaff] makes a user staff or a customer again, ending their
// sessions so that none keeps the old flag. No one takes away their own
// staff flag ([ErrSelfDemotion]).
//
// # Who may call what
//
// Every method that changes state either takes the [commerce.Actor] and
// checks it, or is authorised by what it is given — a password
// ([Service.SignIn]), a session's token ([Service.SignOut], and
// [Service.Authenticate], which records activity), a provider's word
// ([Service.SignInExternal]) — or needs no authority, as anyone may sign
// up ([Service.SignUp]) or begin a guest visit ([Service.StartGuest]).
// One is none of these: [Service.BootstrapStaff] makes staff accounts for
// the program that embeds the engine, at start-up, and no request may
// reach it.
//
// # Google and Kakao
//
// [Service.SignInExternal] signs in with an identity (provider, subject):
// a known one signs its user in; an unknown one creates a customer, or —
// presented by a signed-in user — is linked to that user's account. An
// identity is never linked to an account because an email matches. The
// OAuth flow itself lives in package account/social.
package account
