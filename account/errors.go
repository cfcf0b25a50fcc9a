package account

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/impactmuseum/commerce"
)

// Errors of the account package. Each wraps one of the kinds of package
// commerce.
var (
	ErrUserNotFound     = fmt.Errorf("account: user %w", commerce.ErrNotFound)
	ErrIdentityNotFound = fmt.Errorf("account: identity %w", commerce.ErrNotFound)
	// ErrSessionNotFound is returned by a SessionStore for a session that
	// does not exist or has expired.
	ErrSessionNotFound = fmt.Errorf("account: session %w", commerce.ErrNotFound)

	// ErrDuplicateID is returned by a repository asked to create a user
	// whose id exists.
	ErrDuplicateID = fmt.Errorf("account: id already exists: %w", commerce.ErrConflict)
	// ErrVersionConflict is returned when a user record changed between a
	// read and a write.
	ErrVersionConflict = fmt.Errorf("account: changed by someone else since it was read: %w", commerce.ErrConflict)
	// ErrIdentityTaken is returned when an external account is already
	// linked to another user.
	ErrIdentityTaken = fmt.Errorf("account: that external account is linked to another user: %w", commerce.ErrConflict)
	// ErrProviderLinked is returned when linking a second account of a
	// provider that the user already has one of.
	ErrProviderLinked = fmt.Errorf("account: an account of that provider is already linked: %w", commerce.ErrConflict)
	// ErrUnknownInterest is returned by a repository when an interest names
	// no problem.
	ErrUnknownInterest = fmt.Errorf("account: interest names no problem: %w", commerce.ErrInvalid)

	// ErrBadCredentials is the one answer to a wrong password and to an
	// unknown username, so that neither tells which usernames exist.
	ErrBadCredentials = fmt.Errorf("account: wrong username or password: %w", commerce.ErrUnauthenticated)
	// ErrAccountDisabled is returned when a disabled user (User.Disabled)
	// would begin a session: by signing in through a provider, or when a
	// staff account is bootstrapped. Password sign-in answers
	// ErrBadCredentials instead, so that it tells no one which usernames
	// exist.
	ErrAccountDisabled = fmt.Errorf("account: this account is disabled: %w", commerce.ErrForbidden)
	// ErrSignInRequired is returned to an actor who is not signed in.
	ErrSignInRequired = fmt.Errorf("account: sign in first: %w", commerce.ErrUnauthenticated)
	// ErrSessionEnded is returned for a token whose session is unknown,
	// expired or signed out.
	ErrSessionEnded = fmt.Errorf("account: session ended; sign in again: %w", commerce.ErrUnauthenticated)
	// ErrStaffOnly is returned to customers for staff-only operations.
	ErrStaffOnly = fmt.Errorf("account: staff only: %w", commerce.ErrForbidden)
	// ErrSelfDemotion is returned to a staff member who asks to take away
	// their own staff flag: another staff member has to, so that a shop
	// cannot lose its last staff member by a slip of the hand. It is a
	// conflict, not invalid input: the same request is allowed when
	// someone else makes it.
	ErrSelfDemotion = fmt.Errorf("account: staff cannot take away their own staff flag; another staff member can: %w", commerce.ErrConflict)
	// ErrTooManyAttempts is what a *TooManyAttemptsError of sign-in (or of
	// a password change) wraps: too many failures, for now.
	ErrTooManyAttempts = fmt.Errorf("account: too many failed sign-ins: %w", commerce.ErrTooManyRequests)
	// ErrTooManySignUps is what a *TooManyAttemptsError of sign-up wraps:
	// too many sign-ups from one client, for now.
	ErrTooManySignUps = fmt.Errorf("account: too many sign-ups from this client: %w", commerce.ErrTooManyRequests)
)

// TakenError reports the unique fields (username, nickname, email) whose
// values belong to another user. It wraps commerce.ErrConflict.
type TakenError struct {
	Fields []string
}

func (e *TakenError) Error() string {
	return "account: already taken: " + strings.Join(e.Fields, ", ")
}

// Unwrap makes errors.Is(err, commerce.ErrConflict) true.
func (e *TakenError) Unwrap() error { return commerce.ErrConflict }

// FieldErrors names each taken field, for commerce.FieldErrors.
func (e *TakenError) FieldErrors() map[string]string {
	out := make(map[string]string, len(e.Fields))
	for _, f := range e.Fields {
		out[f] = "already taken"
	}
	return out
}

// Taken returns a *TakenError for fields, sorted and without repeats.
func Taken(fields ...string) *TakenError {
	set := make(map[string]bool)
	for _, f := range fields {
		set[f] = true
	}
	return &TakenError{Fields: slices.Sorted(maps.Keys(set))}
}

// TooManyAttemptsError says that an operation is refused for a while
// after too many attempts: a sign-in after too many failures, a sign-up
// after too many sign-ups from the client. Wait is how long until the
// window that counts them ends.
type TooManyAttemptsError struct {
	// Err is the limit that was reached: ErrTooManyAttempts (sign-in;
	// also when nil) or ErrTooManySignUps.
	Err  error
	Wait time.Duration
}

func (e *TooManyAttemptsError) Error() string {
	return fmt.Sprintf("%v; try again in %s", e.Unwrap(), e.Wait.Round(time.Second))
}

// Unwrap returns Err, so that errors.Is(err, ErrTooManySignUps) — or
// ErrTooManyAttempts — and errors.Is(err, commerce.ErrTooManyRequests)
// are true.
func (e *TooManyAttemptsError) Unwrap() error {
	if e.Err == nil {
		return ErrTooManyAttempts
	}
	return e.Err
}

// RetryAfter tells commerce.RetryAfter how long to wait.
func (e *TooManyAttemptsError) RetryAfter() time.Duration { return e.Wait }
