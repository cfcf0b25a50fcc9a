package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/metric"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
)

// Defaults of Options.
const (
	// DefaultIdleTimeout ends a session after two weeks without activity.
	DefaultIdleTimeout = 14 * 24 * time.Hour
	// DefaultAbsoluteTimeout ends every session 30 days after sign-in,
	// active or not.
	DefaultAbsoluteTimeout = 30 * 24 * time.Hour
	// DefaultTouchInterval is how often activity is written to the store:
	// reads within it cost no write.
	DefaultTouchInterval = time.Minute
	// DefaultMaxUsernameClientFailures failed sign-ins for one username
	// from one client within DefaultFailureWindow lock that username for
	// that client until the window ends. Other clients are not locked out
	// by them: nobody can lock a user out by guessing their password.
	DefaultMaxUsernameClientFailures = 5
	// DefaultMaxUsernameFailures failed sign-ins for one username from
	// every client together within DefaultFailureWindow lock that username
	// for everyone until the window ends: the ceiling on guesses at one
	// password that many clients share, set high enough that reaching it
	// takes a concerted attack.
	DefaultMaxUsernameFailures = 100
	// DefaultMaxClientFailures failed sign-ins from one client (for every
	// username together) within DefaultFailureWindow lock that client out.
	DefaultMaxClientFailures = 30
	// DefaultFailureWindow is the window in which failures are counted.
	DefaultFailureWindow = 15 * time.Minute
	// DefaultMaxClientSignUps sign-ups from one client within
	// DefaultSignUpWindow refuse its next ones until the window ends.
	DefaultMaxClientSignUps = 10
	// DefaultSignUpWindow is the window in which sign-ups are counted.
	DefaultSignUpWindow = time.Hour
)

// MaxNicknameLen is the most characters a nickname has: a nickname is
// shown beside posts and reviews, in a line. An importer shortens longer
// ones.
const MaxNicknameLen = 30

// Limits of the fields of a user.
const (
	maxUsernameLen = 150
	maxEmailLen    = 254
	maxInterests   = 20
	// maxSuffixTries bounds the search for a free nickname for a new
	// social user.
	maxSuffixTries = 20
)

// Options configure a Service. The zero value, or nil, gives the defaults.
type Options struct {
	// Now is the clock. Default: time.Now.
	Now commerce.Clock
	// NewID makes user ids. Default: commerce.NewID.
	NewID commerce.IDGenerator
	// Hasher hashes and verifies passwords. Default: NewHasher(nil), at
	// DefaultIterations.
	Hasher *Hasher
	// IdleTimeout ends a session after this long without activity.
	// Default: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it began. Default:
	// DefaultAbsoluteTimeout.
	AbsoluteTimeout time.Duration
	// TouchInterval: activity is recorded at most this often per session.
	// Default: DefaultTouchInterval.
	TouchInterval time.Duration
	// MaxUsernameClientFailures, MaxUsernameFailures, MaxClientFailures
	// and FailureWindow set the throttling of failed sign-ins: per
	// username and client, per username, per client, and the window they
	// are counted in. Defaults: DefaultMaxUsernameClientFailures (5),
	// DefaultMaxUsernameFailures (100), DefaultMaxClientFailures (30),
	// DefaultFailureWindow (15 minutes).
	MaxUsernameClientFailures int
	MaxUsernameFailures       int
	MaxClientFailures         int
	FailureWindow             time.Duration
	// MaxClientSignUps and SignUpWindow set the throttling of sign-ups per
	// client. Defaults: DefaultMaxClientSignUps (10),
	// DefaultSignUpWindow (an hour).
	MaxClientSignUps int
	SignUpWindow     time.Duration
	// GuestCarts are the shop's carts: at every sign-in (and sign-up)
	// from a guest session, the guest's cart merges into the user's,
	// before the guest session ends. Give it the *cart.Service. Default:
	// none; a guest's cart then stays behind at sign-in.
	GuestCarts GuestCarts
	// OnReplace, when set, runs at every sign-in that replaces a session
	// the client held — a guest session, say — before that session ends,
	// after GuestCarts' merge. If it fails, the sign-in fails and the old
	// session goes on, so a retry can run it again; it must therefore be
	// idempotent.
	OnReplace func(ctx context.Context, old Session, userID uuid.UUID) error
	// Logger receives a warning, once per user and algorithm, when a
	// user's stored password hash cannot be verified (ErrUnsupportedHash),
	// so that an operator can reset it. Default: slog.Default().
	Logger *slog.Logger
	// MeterProvider gives the meter (MeterName) of the service's counters
	// of failed and throttled sign-ins (MetricSignInsFailed,
	// MetricSignInsThrottled). Default: the global provider of package
	// otel, which records nothing until an application sets one.
	MeterProvider metric.MeterProvider
}

// GuestCarts is what the account service needs of the shop's carts;
// *cart.Service is one.
type GuestCarts interface {
	// MergeGuest moves the cart of the guest session guestSessionID into
	// the cart of userID, who has just signed in from that session. It
	// must be idempotent: when the sign-in fails after it, the guest
	// session goes on, and the next sign-in runs it again.
	MergeGuest(ctx context.Context, guestSessionID string, userID uuid.UUID) error
}

// Service manages users, their passwords, their sessions and their
// external identities. It is safe for concurrent use.
type Service struct {
	users    Repository
	sessions SessionStore
	attempts AttemptStore
	hasher   *Hasher
	now      commerce.Clock
	newID    commerce.IDGenerator

	idle, absolute, touch  time.Duration
	maxUserClient, maxUser int
	maxClient              int
	window                 time.Duration
	maxSignUps             int
	signUpWindow           time.Duration
	onReplace              func(ctx context.Context, old Session, userID uuid.UUID) error
	guestCarts             GuestCarts
	logger                 *slog.Logger
	warned                 warnedSet // unverifiable hashes already logged
	metrics                metrics
}

// NewService returns the account service. It panics if a store is nil.
func NewService(users Repository, sessions SessionStore, attempts AttemptStore, opts *Options) *Service {
	switch {
	case users == nil:
		panic("account: nil Repository")
	case sessions == nil:
		panic("account: nil SessionStore")
	case attempts == nil:
		panic("account: nil AttemptStore")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Service{
		users: users, sessions: sessions, attempts: attempts,
		hasher: opts.Hasher, now: opts.Now, newID: opts.NewID,
		idle: opts.IdleTimeout, absolute: opts.AbsoluteTimeout, touch: opts.TouchInterval,
		maxUserClient: opts.MaxUsernameClientFailures, maxUser: opts.MaxUsernameFailures,
		maxClient: opts.MaxClientFailures, window: opts.FailureWindow,
		maxSignUps: opts.MaxClientSignUps, signUpWindow: opts.SignUpWindow,
		onReplace: opts.OnReplace, guestCarts: opts.GuestCarts, logger: opts.Logger,
		metrics: newMetrics(opts.MeterProvider),
	}
	if s.hasher == nil {
		s.hasher = NewHasher(nil)
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.newID == nil {
		s.newID = commerce.NewID
	}
	setDefault(&s.idle, DefaultIdleTimeout)
	setDefault(&s.absolute, DefaultAbsoluteTimeout)
	setDefault(&s.touch, DefaultTouchInterval)
	setDefault(&s.maxUserClient, DefaultMaxUsernameClientFailures)
	setDefault(&s.maxUser, DefaultMaxUsernameFailures)
	setDefault(&s.maxClient, DefaultMaxClientFailures)
	setDefault(&s.window, DefaultFailureWindow)
	setDefault(&s.maxSignUps, DefaultMaxClientSignUps)
	setDefault(&s.signUpWindow, DefaultSignUpWindow)
	return s
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// SignUpInput is what a shopper fills in to sign up.
type SignUpInput struct {
	Username        string
	Password        string
	PasswordConfirm string
	Nickname        string
	Email           string
	// Interests are problem ids; repeats are ignored.
	Interests []uuid.UUID
	// Client identifies where the sign-up comes from (the client's IP
	// address), for throttling; empty skips the limit, for a program that
	// signs its users up itself.
	Client string
}

// Credentials sign a user in with a password.
type Credentials struct {
	Username string
	Password string
	// Client identifies where the attempt comes from (the client's IP
	// address), for throttling. Empty skips the per-client limit, and the
	// attempts without a client share one count per username, as if they
	// came from one client.
	Client string
}

// SignedIn is the result of a sign-up or sign-in: a new session.
type SignedIn struct {
	// Token is the session's secret, for the client's cookie or
	// Authorization header. The store keeps only its SHA-256; it cannot be
	// recovered later.
	Token   string
	Session Session
	Account Account
	// Replaced is the session the client held before and that this
	// sign-in ended, if any — a guest session whose cart should be merged
	// into the user's.
	Replaced *Session
}

// SignUp creates a customer with a password and signs them in. Every
// failing field is reported at once: a *commerce.ValidationError when any
// field is wrong (with taken fields among them), or a *TakenError when the
// input is valid but a unique field is taken. current is the token the
// client holds now, if any; that session ends.
//
// Every sign-up from a client (SignUpInput.Client) counts, whether it
// succeeds or not — each one costs a check of the store and tells whether
// a username, nickname or email is taken: past Options.MaxClientSignUps
// within Options.SignUpWindow, sign-up answers a *TooManyAttemptsError
// wrapping ErrTooManySignUps until the window ends.
//
// The user.signed_up event (UserSignedUp, provider "password") is stored
// with the new user, in the same transaction.
func (s *Service) SignUp(ctx context.Context, in SignUpInput, current string) (SignedIn, error) {
	if in.Client != "" {
		if err := s.countSignUp(ctx, in.Client); err != nil {
			return SignedIn{}, err
		}
	}
	var bad commerce.ValidationError
	u := User{
		Username: checkUsername(&bad, in.Username), Nickname: checkNickname(&bad, in.Nickname), Email: strings.TrimSpace(in.Email),
		Interests: interestSet(in.Interests),
	}
	checkEmail(&bad, u.Email, true)
	checkInterests(&bad, u.Interests)
	switch {
	case in.Password == "":
		bad.Add("password", "required")
	default:
		if problems := PasswordProblems(in.Password, u.attrs()...); len(problems) > 0 {
			bad.Add("password", strings.Join(problems, "; "))
		}
	}
	switch {
	case in.PasswordConfirm == "":
		bad.Add("password_confirm", "required")
	case in.PasswordConfirm != in.Password:
		bad.Add("password_confirm", "does not match the password")
	}
	taken, err := s.users.FindTaken(ctx, uuid.Nil, u.Username, u.Nickname, u.Email)
	if err != nil {
		return SignedIn{}, err
	}
	if bad.Err() != nil {
		for _, f := range taken {
			bad.Add(f, "already taken")
		}
		return SignedIn{}, &bad
	}
	if len(taken) > 0 {
		return SignedIn{}, Taken(taken...)
	}

	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now.Now()
	u.ID, u.PasswordHash, u.CreatedAt, u.UpdatedAt, u.Version = s.newID(), hash, now, now, 1
	return s.startSession(ctx, u, current, func() error {
		wctx := commerce.WithEvents(ctx, signedUpEvent(u, ProviderPassword))
		return interestError(s.users.CreateUser(wctx, u, nil))
	})
}

// SignIn checks a username and password and starts a session. An empty
// username or password is a *commerce.ValidationError naming it, and not
// a failed attempt. Unknown usernames and wrong passwords get the same
// error, ErrBadCredentials, at the same cost. Failures are counted per
// username and client, per username and per client (see Options); past
// any of the limits, sign-in answers a *TooManyAttemptsError until the
// window ends, whatever the password. A hash weaker than the current
// setting is replaced by a new one. A disabled user (User.Disabled) is
// answered as a wrong password is, right password or not. So is a user
// whose stored hash the engine cannot verify (ErrUnsupportedHash), which
// is logged at WARN (Options.Logger) for an operator to reset. Refused and
// throttled sign-ins are counted on Options.MeterProvider.
func (s *Service) SignIn(ctx context.Context, c Credentials, current string) (SignedIn, error) {
	var bad commerce.ValidationError
	if strings.TrimSpace(c.Username) == "" {
		bad.Add("username", "required")
	}
	if c.Password == "" {
		bad.Add("password", "required")
	}
	if err := bad.Err(); err != nil {
		return SignedIn{}, err
	}
	keys := s.attemptKeys(c.Username, c.Client)
	if err := s.checkAttempts(ctx, keys); err != nil {
		return SignedIn{}, s.metrics.signInRefused(ctx, err)
	}
	u, err := s.users.GetUserByUsername(ctx, c.Username)
	switch {
	case errors.Is(err, ErrUserNotFound):
		if err := s.hasher.VerifyNothing(ctx, c.Password); err != nil {
			return SignedIn{}, err
		}
		return SignedIn{}, s.metrics.signInRefused(ctx, s.fail(ctx, keys))
	case err != nil:
		return SignedIn{}, err
	}
	ok, rehash, err := s.checkPassword(ctx, u, c.Password)
	switch {
	case err != nil:
		return SignedIn{}, err
	case !ok:
		return SignedIn{}, s.metrics.signInRefused(ctx, s.fail(ctx, keys))
	}
	// A disabled user fails as a wrong password does, after the same
	// work and counted the same, so that the answer tells nothing.
	if u.Disabled {
		return SignedIn{}, s.metrics.signInRefused(ctx, s.fail(ctx, keys))
	}
	// Attempts made at the same time as this one were let through by the
	// same check, before any of them was counted, and may have reached a
	// limit since. The right password is then refused like the wrong ones
	// past the limit (see fail), so that guesses sent at once learn no
	// more than guesses sent one after another.
	if err := s.checkAttempts(ctx, keys); err != nil {
		return SignedIn{}, s.metrics.signInRefused(ctx, err)
	}
	// A success forgives this client's failures for the username, not the
	// others': the username's count across clients is a ceiling on
	// guesses, which the owner signing in does nothing to lower.
	if err := s.attempts.ResetFailures(ctx, keys[0].key); err != nil {
		return SignedIn{}, err
	}
	if rehash {
		u = s.rehash(ctx, u, c.Password)
	}
	return s.startSession(ctx, u, current, nil)
}

// rehash stores a hash of password at the current setting. A failure only
// postpones the upgrade to the next sign-in, so it is not reported.
func (s *Service) rehash(ctx context.Context, u User, password string) User {
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return u
	}
	next := u
	next.PasswordHash, next.UpdatedAt, next.Version = hash, s.now.Now(), u.Version+1
	if err := s.users.UpdateUser(ctx, next, u.Version); err != nil {
		return u
	}
	return next
}

type attemptKey struct {
	key string
	max int
}

// attemptKeys returns the keys that the failed sign-ins of username from
// client count against, in this order: the username's for this client
// (the lock a client meets, which locks no one else out), the username's
// for every client together (a much higher ceiling), and the client's
// for every username, when the client is known. An unknown client ("") is
// one client for the first key.
func (s *Service) attemptKeys(username, client string) []attemptKey {
	user := commerce.Fold(username)
	keys := []attemptKey{
		// Quoted, so that no username and client can spell another pair.
		{"user+client:" + strconv.Quote(user) + strconv.Quote(client), s.maxUserClient},
		{"user:" + user, s.maxUser},
	}
	if client != "" {
		keys = append(keys, attemptKey{"client:" + client, s.maxClient})
	}
	return keys
}

// checkAttempts returns a *TooManyAttemptsError when any key has reached
// its limit in an open window, with the longest wait among them.
func (s *Service) checkAttempts(ctx context.Context, keys []attemptKey) error {
	now := s.now.Now()
	var wait time.Duration
	for _, k := range keys {
		n, reset, err := s.attempts.Failures(ctx, k.key)
		if err != nil {
			return err
		}
		if n >= k.max && reset.After(now) {
			wait = max(wait, reset.Sub(now))
		}
	}
	if wait > 0 {
		return &TooManyAttemptsError{Err: ErrTooManyAttempts, Wait: wait}
	}
	return nil
}

// fail counts a failed attempt against every key and returns
// ErrBadCredentials — or a *TooManyAttemptsError when a count went past
// its limit. Only attempts made at the same time can take it past, each
// let through by checkAttempts before the others were counted; answering
// them as the attempts after the limit are answered keeps a burst of
// guesses from learning more than the limit allows.
//
// The (username, client) pair is counted first. A failure past the pair's
// limit — one of a burst from one client, let through before the others
// were counted — counts against nothing else: otherwise one client could
// raise the username's count across all clients, the ceiling that locks
// its owner out too, by sending its guesses at once.
func (s *Service) fail(ctx context.Context, keys []attemptKey) error {
	now := s.now.Now()
	var wait time.Duration
	for i, k := range keys {
		n, reset, err := s.attempts.AddFailure(ctx, k.key, s.window)
		if err != nil {
			return err
		}
		if n > k.max && reset.After(now) {
			wait = max(wait, reset.Sub(now))
			if i == 0 {
				break
			}
		}
	}
	if wait > 0 {
		return &TooManyAttemptsError{Err: ErrTooManyAttempts, Wait: wait}
	}
	return ErrBadCredentials
}

// countSignUp counts a sign-up from client and refuses it with a
// *TooManyAttemptsError past the limit. It counts before any work and
// judges by the count the store returns, which the store computes
// atomically, so that the limit holds however many sign-ups arrive at
// once.
func (s *Service) countSignUp(ctx context.Context, client string) error {
	n, reset, err := s.attempts.AddFailure(ctx, "signup:"+client, s.signUpWindow)
	if err != nil {
		return err
	}
	now := s.now.Now()
	if n > s.maxSignUps && reset.After(now) {
		return &TooManyAttemptsError{Err: ErrTooManySignUps, Wait: reset.Sub(now)}
	}
	return nil
}

// startSession begins a session for u and ends the one whose token the
// client held (current), reporting it when it existed. create, when not
// nil, stores the user: it runs after the new session is stored, so that a
// session store that is down fails the sign-up before any user exists, and
// a failed create removes the session again. A disabled user gets no
// session: ErrAccountDisabled.
func (s *Service) startSession(ctx context.Context, u User, current string, create func() error) (SignedIn, error) {
	if u.Disabled {
		return SignedIn{}, ErrAccountDisabled
	}
	token, sess, err := s.newSession(ctx, u.ID, u.Staff)
	if err != nil {
		return SignedIn{}, err
	}
	if create != nil {
		if err := create(); err != nil {
			return SignedIn{}, s.abandon(ctx, sess, err)
		}
	}
	var replaced *Session
	if current != "" && SessionID(current) != sess.ID {
		id := SessionID(current)
		old, err := s.sessions.GetSession(ctx, id)
		switch {
		case err == nil:
			replaced = &old
		case !errors.Is(err, ErrSessionNotFound):
			return SignedIn{}, s.abandon(ctx, sess, err)
		}
		if replaced != nil && replaced.Guest() && s.guestCarts != nil {
			if err := s.guestCarts.MergeGuest(ctx, old.ID, u.ID); err != nil {
				return SignedIn{}, s.abandon(ctx, sess, err)
			}
		}
		if replaced != nil && s.onReplace != nil {
			if err := s.onReplace(ctx, old, u.ID); err != nil {
				return SignedIn{}, s.abandon(ctx, sess, err)
			}
		}
		if err := s.sessions.DeleteSession(ctx, id); err != nil {
			return SignedIn{}, s.abandon(ctx, sess, err)
		}
	}
	acct, err := s.account(ctx, u)
	if err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Token: token, Session: sess, Account: acct, Replaced: replaced}, nil
}

func (s *Service) newSession(ctx context.Context, userID uuid.UUID, staff bool) (string, Session, error) {
	token, err := newToken()
	if err != nil {
		return "", Session{}, err
	}
	now := s.now.Now()
	sess := Session{
		ID: SessionID(token), UserID: userID, Staff: staff,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.absolute),
	}
	sess.IdleExpiresAt = minTime(now.Add(s.idle), sess.ExpiresAt)
	if err := s.sessions.CreateSession(ctx, sess); err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// abandon removes a session that a failed sign-in had started and returns
// the failure. A removal that fails too is not reported: the session's
// token never reached the client, and the session expires by itself.
func (s *Service) abandon(ctx context.Context, sess Session, err error) error {
	_ = s.sessions.DeleteSession(context.WithoutCancel(ctx), sess.ID)
	return err
}

// StartGuest begins a guest session, for a visitor who puts something in
// a cart before signing in.
func (s *Service) StartGuest(ctx context.Context) (token string, sess Session, err error) {
	return s.newSession(ctx, uuid.Nil, false)
}

// Authenticate returns the actor of the session whose token the client
// presents, and records activity at most once per TouchInterval. An
// unknown, expired or ended session is ErrSessionEnded; a store that does
// not answer is its own error (commerce.ErrUnavailable): the check fails
// closed.
func (s *Service) Authenticate(ctx context.Context, token string) (commerce.Actor, Session, error) {
	if token == "" {
		return commerce.Anonymous, Session{}, ErrSessionEnded
	}
	sess, err := s.sessions.GetSession(ctx, SessionID(token))
	switch {
	case errors.Is(err, ErrSessionNotFound):
		return commerce.Anonymous, Session{}, ErrSessionEnded
	case err != nil:
		return commerce.Anonymous, Session{}, err
	}
	now := s.now.Now()
	if sess.Expired(now) {
		return commerce.Anonymous, Session{}, ErrSessionEnded
	}
	if now.Sub(sess.LastSeenAt) >= s.touch {
		sess.LastSeenAt, sess.IdleExpiresAt = now, minTime(now.Add(s.idle), sess.ExpiresAt)
		err := s.sessions.TouchSession(ctx, sess.ID, sess.LastSeenAt, sess.IdleExpiresAt)
		switch {
		case errors.Is(err, ErrSessionNotFound):
			return commerce.Anonymous, Session{}, ErrSessionEnded
		case err != nil:
			return commerce.Anonymous, Session{}, err
		}
	}
	actor := commerce.Actor{UserID: sess.UserID, Staff: sess.Staff, SessionID: sess.ID}
	return actor, sess, nil
}

// SignOut ends the session of token on every server. Ending a session
// that has already ended is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.sessions.DeleteSession(ctx, SessionID(token))
}

// Account returns the actor's own account.
func (s *Service) Account(ctx context.Context, actor commerce.Actor) (Account, error) {
	if !actor.SignedIn() {
		return Account{}, ErrSignInRequired
	}
	u, err := s.user(ctx, actor)
	if err != nil {
		return Account{}, err
	}
	return s.account(ctx, u)
}

// user reads the actor's user. A session whose user no longer exists, or
// is disabled, is treated as ended, not as a missing resource: a session
// that outlived its user's disabling can do nothing here.
func (s *Service) user(ctx context.Context, actor commerce.Actor) (User, error) {
	u, err := s.users.GetUser(ctx, actor.UserID)
	if errors.Is(err, ErrUserNotFound) || err == nil && u.Disabled {
		return User{}, ErrSessionEnded
	}
	return u, err
}

func (s *Service) account(ctx context.Context, u User) (Account, error) {
	ids, err := s.users.ListIdentities(ctx, u.ID)
	if err != nil {
		return Account{}, err
	}
	providers := make([]string, len(ids))
	for i, id := range ids {
		providers[i] = id.Provider
	}
	return accountOf(u, providers), nil
}

// accountOf is u as its owner sees it, with the providers of its
// identities.
func accountOf(u User, providers []string) Account {
	return Account{
		ID: u.ID, Username: u.Username, Nickname: u.Nickname, Email: u.Email,
		Interests: slices.Clone(u.Interests), Staff: u.Staff, HasPassword: usablePassword(u.PasswordHash),
		Identities: providers, CreatedAt: u.CreatedAt, Disabled: u.Disabled,
	}
}

// ProfilePatch changes the fields of a profile that are Set.
type ProfilePatch struct {
	Username  commerce.Optional[string]
	Nickname  commerce.Optional[string]
	Email     commerce.Optional[string]
	Interests commerce.Optional[[]uuid.UUID]
}

// UpdateProfile changes the actor's own username, nickname, email or
// interests, with the rules of sign-up.
func (s *Service) UpdateProfile(ctx context.Context, actor commerce.Actor, patch ProfilePatch) (Account, error) {
	if !actor.SignedIn() {
		return Account{}, ErrSignInRequired
	}
	// The edit applies to the user as it is: a lost race with another
	// edit of the user is read again.
	return retry.OnConflict(ctx, stale, func() (Account, error) {
		cur, err := s.user(ctx, actor)
		if err != nil {
			return Account{}, err
		}
		next := cur
		var bad commerce.ValidationError
		if patch.Username.Set {
			next.Username = checkUsername(&bad, patch.Username.Value)
		}
		if patch.Nickname.Set {
			next.Nickname = checkNickname(&bad, patch.Nickname.Value)
		}
		if patch.Email.Set {
			next.Email = strings.TrimSpace(patch.Email.Value)
			checkEmail(&bad, next.Email, cur.Email != "" || usablePassword(cur.PasswordHash))
		}
		if patch.Interests.Set {
			next.Interests = interestSet(patch.Interests.Value)
			checkInterests(&bad, next.Interests)
		}
		if err := bad.Err(); err != nil {
			return Account{}, err
		}
		taken, err := s.users.FindTaken(ctx, cur.ID, changed(cur.Username, next.Username),
			changed(cur.Nickname, next.Nickname), changed(cur.Email, next.Email))
		if err != nil {
			return Account{}, err
		}
		if len(taken) > 0 {
			return Account{}, Taken(taken...)
		}
		next.UpdatedAt, next.Version = s.now.Now(), cur.Version+1
		if err := s.users.UpdateUser(ctx, next, cur.Version); err != nil {
			return Account{}, interestError(err)
		}
		return s.account(ctx, next)
	})
}

// changed returns next if it differs from cur when folded, and "" (never
// taken) otherwise, so that a user keeping a value is not told it is taken.
func changed(cur, next string) string {
	if commerce.Fold(cur) == commerce.Fold(next) {
		return ""
	}
	return next
}

// ChangePassword sets a new password after checking the current one (a
// user who has none yet, having signed up through Google or Kakao, sets one
// without). It ends every other session of the user; the actor's own
// session goes on. Wrong current passwords count as failed sign-ins from
// the actor's session: past Options.MaxUsernameClientFailures they lock
// the session's password changes, and they count towards the username's
// ceiling (Options.MaxUsernameFailures), but they lock no one else out.
func (s *Service) ChangePassword(ctx context.Context, actor commerce.Actor, current, next string) error {
	if !actor.SignedIn() {
		return ErrSignInRequired
	}
	u, err := s.user(ctx, actor)
	if err != nil {
		return err
	}
	var bad commerce.ValidationError
	if usablePassword(u.PasswordHash) {
		// The session is the client, of this one username: its own
		// count and the username's, not a per-client one.
		keys := s.attemptKeys(u.Username, "session:"+actor.SessionID)[:2]
		if err := s.checkAttempts(ctx, keys); err != nil {
			return err
		}
		if current == "" {
			bad.Add("current_password", "required")
		} else {
			ok, _, err := s.checkPassword(ctx, u, current)
			if err != nil {
				return err
			}
			if !ok {
				if err := s.fail(ctx, keys); !errors.Is(err, ErrBadCredentials) {
					return err
				}
				bad.Add("current_password", "wrong password")
			}
		}
	}
	if next == "" {
		bad.Add("new_password", "required")
	} else if problems := PasswordProblems(next, u.attrs()...); len(problems) > 0 {
		bad.Add("new_password", strings.Join(problems, "; "))
	}
	if err := bad.Err(); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	// u was read above; after a lost race with another edit of the user
	// (a nickname, a staff flag), the next run reads it again.
	reread := false
	_, err = retry.OnConflict(ctx, stale, func() (struct{}, error) {
		if reread {
			if u, err = s.user(ctx, actor); err != nil {
				return struct{}{}, err
			}
		}
		reread = true
		upd := u
		upd.PasswordHash, upd.UpdatedAt, upd.Version = hash, s.now.Now(), u.Version+1
		return struct{}{}, s.users.UpdateUser(ctx, upd, u.Version)
	})
	if err != nil {
		return err
	}
	return s.sessions.DeleteUserSessions(ctx, u.ID, actor.SessionID)
}

// ---- helpers ----

// SessionID returns the id under which a session's token is stored: the
// hex SHA-256 of the token.
func SessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newToken returns 256 random bits, URL-safe.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("account: making a session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (u User) attrs() []Attr {
	return []Attr{{"username", u.Username}, {"nickname", u.Nickname}, {"email", u.Email}}
}

func interestSet(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	out = slices.Compact(out)
	if out == nil {
		out = []uuid.UUID{}
	}
	return out
}

// stale reports whether err is a lost race of an optimistic edit of a
// user, which retry.OnConflict runs again.
func stale(err error) bool { return errors.Is(err, ErrVersionConflict) }

func interestError(err error) error {
	if errors.Is(err, ErrUnknownInterest) {
		return commerce.Invalid("interests", "names a problem that does not exist")
	}
	return err
}

// checkUsername cleans s and checks it as a username: the engine's text
// rule, then Django's: letters, digits and @ . + - _ only.
func checkUsername(bad *commerce.ValidationError, s string) string {
	s = bad.Text("username", s, commerce.TextRule{Max: maxUsernameLen, Required: true})
	if !bad.Has("username") && strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("@.+-_", r)
	}) >= 0 {
		bad.Add("username", "may contain only letters, digits and @ . + - _")
	}
	return s
}

// checkNickname cleans s and checks it as a nickname.
func checkNickname(bad *commerce.ValidationError, s string) string {
	return bad.Text("nickname", s, commerce.TextRule{Max: MaxNicknameLen, Required: true})
}

func checkEmail(bad *commerce.ValidationError, s string, required bool) {
	if s == "" {
		if required {
			bad.Add("email", "required")
		}
		return
	}
	if len(s) > maxEmailLen {
		bad.Add("email", fmt.Sprintf("must be at most %d characters", maxEmailLen))
		return
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		bad.Add("email", "must be an email address such as name@example.com")
	}
}

func checkInterests(bad *commerce.ValidationError, ids []uuid.UUID) {
	if len(ids) > maxInterests {
		bad.Add("interests", fmt.Sprintf("at most %d", maxInterests))
	}
	if slices.Contains(ids, uuid.Nil) {
		bad.Add("interests", "must be problem ids")
	}
}
