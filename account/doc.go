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
// A disabled user ([User].Disabled — Django's is_active = 0, brought over
// by an import) cannot sign in: password sign-in answers as for a wrong
// password, so that no one learns the account exists, and
// [Service.SignInExternal] answers [ErrAccountDisabled]. No session is
// ever begun for a disabled user; disabling one ends their sessions, and
// a session that outlived it reads and changes nothing of the account.
// Staff see the flag in their lists ([Account].Disabled).
//
// # Passwords
//
// Passwords are hashed with PBKDF2-SHA256 in Django's format,
// pbkdf2_sha256$<iterations>$<salt>$<hash>, at [DefaultIterations] unless
// [HasherOptions] say otherwise, so a Django shop's users can move over.
// [Hasher.Verify] reads every hasher Django ships, at the parameters the
// hash carries:
//
//   - pbkdf2_sha256 and pbkdf2_sha1;
//   - argon2: argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>, and the older
//     argon2$argon2i$v=19$… (golang.org/x/crypto/argon2);
//   - bcrypt_sha256$$2b$… (bcrypt of the hex SHA-256 of the password) and
//     bcrypt$$2b$…, of which bcrypt reads the first 72 bytes, as Python's
//     bcrypt does for Django (golang.org/x/crypto/bcrypt);
//   - scrypt$<N>$<salt>$<r>$<p>$<hash>, Django 4.0's and later
//     (golang.org/x/crypto/scrypt);
//   - the legacy sha1$<salt>$<hex> and md5$<salt>$<hex>, and the unsalted
//     sha1$$<hex>, md5$$<hex> and bare 32-digit MD5.
//
// At sign-in, a legacy hash, a PBKDF2 hash weaker than the setting and a
// salt shorter than Django's 22 characters are replaced by a new hash;
// Argon2, BCrypt and Scrypt hashes are kept unless below a floor (see
// [Hasher.Verify]). A hash the engine cannot verify — an unknown algorithm
// such as Django's crypt, Argon2d, Argon2 version 1.0, malformed fields, or
// costs above the caps ([MaxIterations], [MaxArgon2Memory] and the others)
// that keep a forged hash from tying up the server — is an
// [*UnsupportedHashError] wrapping [ErrUnsupportedHash], never a silent
// wrong password. Sign-in answers its user as for a wrong password and
// logs a warning once per user ([Options].Logger), naming the user and the
// reason, never the hash. An empty hash and Django's unusable "!…"
// passwords are no password.
//
// [PasswordProblems] is the policy: at least 8 characters, not only
// digits, not a common password, not too similar to the username,
// nickname or email. Verification is constant-time, an unknown username,
// an unverifiable hash and a wrong password against a weak hash cost as
// much as a wrong password against a current one, and the number of
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
// reach it; nor may any reach [Service.ImportUsers], an operator's tool.
//
// # Google and Kakao
//
// [Service.SignInExternal] signs in with an identity (provider, subject):
// a known one signs its user in; an unknown one creates a customer, or —
// presented by a signed-in user — is linked to that user's account. An
// identity is never linked to an account because an email matches. The
// OAuth flow itself lives in package account/social.
//
// # Events
//
// A new customer is told to the world outside the shop by the domain
// event [EventUserSignedUp] ([UserSignedUp]: the profile and how the user
// signed up, never a password hash or a session), stored with the user in
// the same transaction, in the store's outbox, for a relay to deliver
// (package outbox). [Service.SignUp] and the first sign-in through a
// provider ([Service.SignInExternal]) store one; a sign-up that fails
// stores none, and neither do [Service.BootstrapStaff], which makes staff
// rather than customers, nor [Service.ImportUsers], whose users signed up
// elsewhere long ago.
//
// # Imports
//
// [Service.ImportUsers] brings a Django shop's users over with their ids,
// times, password hashes (copied as they are, whatever Django hasher made
// them), staff and disabled flags, profiles and Google or Kakao identities,
// in batches of [commerce.ImportBatchSize] written in one transaction
// each. Users are checked as sign-up checks them, but for the username,
// which follows Django's rule: at most 150 letters and numbers of any
// script, and @ . + - _. (Sign-up takes digits only among numbers, so an
// imported "Ⅻ" or "²" stays, though no one could sign up with it.) A
// user equal to the stored one is left alone, so an import can run again;
// conflicts — a username, nickname, email or identity held by another
// user — skip the user with the field named. Imports store no
// user.signed_up event.
//
// # Metrics
//
// The service counts, on the OpenTelemetry meter [MeterName] of
// [Options].MeterProvider, the password sign-ins refused as a wrong
// username or password ([MetricSignInsFailed]) and those refused because a
// limit of failures was reached ([MetricSignInsThrottled]). Without a
// MeterProvider the counters go to otel's global provider, which records
// nothing until an application sets one.
package account
