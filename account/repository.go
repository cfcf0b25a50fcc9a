package account

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Repository stores users and their external identities. Usernames,
// nicknames and emails are unique by their folded form (commerce.Fold), and
// an empty email is no email: any number of users may have none.
type Repository interface {
	ImportRepository

	// CreateUser stores u and, if identity is not nil, links it to u in
	// the same transaction. It returns a *TakenError naming the taken
	// fields (username, nickname, email; at least one, as the backend
	// detects them), ErrDuplicateID, ErrIdentityTaken or
	// ErrUnknownInterest, and then stores nothing. It stores the events
	// ctx carries (commerce.WithEvents) in the same transaction — the
	// user.signed_up event of a sign-up — and, when it fails, none.
	CreateUser(ctx context.Context, u User, identity *Identity) error
	// GetUser returns the user with id, or ErrUserNotFound.
	GetUser(ctx context.Context, id uuid.UUID) (User, error)
	// GetUserByUsername returns the user whose folded username equals the
	// folded username, or ErrUserNotFound.
	GetUserByUsername(ctx context.Context, username string) (User, error)
	// FindTaken returns the names of the fields ("username", "nickname",
	// "email") whose folded values belong to a user other than except
	// (uuid.Nil for none). Empty values are never taken.
	FindTaken(ctx context.Context, except uuid.UUID, username, nickname, email string) ([]string, error)
	// UpdateUser replaces the user u.ID with u if its stored Version is
	// ifVersion. It returns ErrUserNotFound, ErrVersionConflict, a
	// *TakenError or ErrUnknownInterest, and then changes nothing.
	UpdateUser(ctx context.Context, u User, ifVersion int64) error

	// GetIdentity returns the identity (provider, subject), or
	// ErrIdentityNotFound.
	GetIdentity(ctx context.Context, provider, subject string) (Identity, error)
	// LinkIdentity stores id. It returns ErrUserNotFound, ErrIdentityTaken
	// when (provider, subject) is linked to anyone, or ErrProviderLinked
	// when the user already has an identity of that provider.
	LinkIdentity(ctx context.Context, id Identity) error
	// ListIdentities returns the identities of a user, ordered by
	// provider.
	ListIdentities(ctx context.Context, userID uuid.UUID) ([]Identity, error)

	// ListUsers returns the users that q selects with their interests,
	// newest (highest id) first, at most q.Limit, in a fixed number of
	// queries whatever the number of users and interests.
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	// GetUsers returns the users with the given ids, with their
	// interests, newest (highest id) first, in a fixed number of queries.
	// An id that names no user is left out, not an error; repeated ids
	// give one user.
	GetUsers(ctx context.Context, ids []uuid.UUID) ([]User, error)
	// ListIdentitiesOf returns the identities of every user of userIDs in
	// a fixed number of queries, ordered by user id (byte order), then
	// provider.
	ListIdentitiesOf(ctx context.Context, userIDs []uuid.UUID) ([]Identity, error)
}

// ImportRepository reads and writes users in bulk, for Service.ImportUsers:
// users made elsewhere, stored with their own ids, times and password
// hashes. The service validates the users, checks what they refer to and
// what they must not share, decides which are new, changed or unchanged,
// and sets their versions; an adapter reads for it in a fixed number of
// queries whatever the number of users, and writes each batch in one
// transaction with multi-row statements.
//
// A write is conditional on what the service read, as an edit is: a user
// with Version 1 must be new, and any other replaces the stored user whose
// Version is one less. A write that finds otherwise — another writer got
// there between the service's reads and the write — writes nothing and
// returns the conflict, and the service reads again.
type ImportRepository interface {
	// FindHolders returns who holds the given values of the unique
	// fields: for each field, a map from the folded value
	// (commerce.Fold) to the id of the user who holds it, for the values
	// that a user holds. Empty values are never held. The maps are never
	// nil.
	FindHolders(ctx context.Context, usernames, nicknames, emails []string) (Holders, error)
	// FindIdentities returns the stored identities among keys, in any
	// order; a key that names no identity is left out.
	FindIdentities(ctx context.Context, keys []IdentityKey) ([]Identity, error)
	// MissingProblems returns those of ids that name no problem, each
	// once, in any order: the interests a user may not have.
	MissingProblems(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error)
	// ImportUsers stores us — at most commerce.ImportBatchSize users with
	// distinct ids — in one transaction: each user with Version 1 is
	// created, and each other one replaces the stored user with its id
	// whose Version is one less. A user's interests become User.Interests
	// and its identities become Identities, whose UserID is the user's.
	// It returns ErrVersionConflict when a user is not as its Version
	// says, a *TakenError when a username, nickname or email is held by
	// a user other than the one that has it in us, or by two of us (or
	// another error wrapping commerce.ErrConflict, when the backend
	// cannot tell which value), ErrIdentityTaken when an identity is
	// linked to another user or given twice, or ErrUnknownInterest when
	// an interest names no problem; and then it writes nothing.
	ImportUsers(ctx context.Context, us []ImportedUser) error
}

// Holders are the users who hold values of the unique fields, by field:
// each map goes from a folded value (commerce.Fold) to the holder's id.
type Holders struct {
	Usernames map[string]uuid.UUID
	Nicknames map[string]uuid.UUID
	Emails    map[string]uuid.UUID
}

// IdentityKey names an identity: an account at a provider.
type IdentityKey struct {
	Provider string
	Subject  string
}

// UserQuery selects a page of users for Repository.ListUsers.
type UserQuery struct {
	// Search keeps the users whose folded username or folded email
	// contains commerce.Fold(Search) — a plain substring test, so that
	// "KIM" finds "minjun.kim" and "Kim@example.com"; "" keeps all. A user
	// without an email matches by username only.
	Search string
	// Before keeps the users with a lower id; uuid.Nil keeps all.
	Before uuid.UUID
	Limit  int
}

// SessionStore keeps sessions by id (the SHA-256 of the token). A session
// disappears by itself at its End: a store either expires it (Redis TTL) or
// treats it as absent once expired by its clock.
type SessionStore interface {
	// CreateSession stores s until s.End().
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session with id, or ErrSessionNotFound if
	// there is none or it has expired.
	GetSession(ctx context.Context, id string) (Session, error)
	// TouchSession records activity: it sets LastSeenAt and IdleExpiresAt,
	// so the session lives until the new End(). It returns
	// ErrSessionNotFound if the session is gone; it never revives one.
	TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error
	// DeleteSession deletes the session with id; deleting a missing session
	// is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions deletes every session of userID except the one
	// with id except (empty for none). userID is never uuid.Nil: guest
	// sessions end one by one, and asking for uuid.Nil deletes nothing.
	DeleteUserSessions(ctx context.Context, userID uuid.UUID, except string) error
}

// AttemptStore counts attempts per key — failed sign-ins per username and
// client, per username and per client, and sign-ups per client — in fixed
// windows: the first attempt opens a window of the given length, and the
// count resets when it ends. Stores shared by several servers (Redis) make
// the limits hold across all of them.
type AttemptStore interface {
	// AddFailure counts one attempt (a failed sign-in, a sign-up) for key
	// and returns the count in the current window, this one included, and
	// when the window ends. Of concurrent calls for one key, each gets
	// its own count: the service judges a limit by it.
	AddFailure(ctx context.Context, key string, window time.Duration) (count int, resetAt time.Time, err error)
	// Failures returns the count for key in the current window and when it
	// ends; 0 when there is no open window.
	Failures(ctx context.Context, key string) (count int, resetAt time.Time, err error)
	// ResetFailures forgets the failures of key.
	ResetFailures(ctx context.Context, key string) error
}
