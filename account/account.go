package account

import (
	"time"

	"github.com/google/uuid"
)

// User is a person who can sign in: a customer, or staff. The customer
// profile (nickname, email, interests) lives on the same record.
type User struct {
	ID uuid.UUID
	// Username signs in with a password. It is unique, compared folded
	// (commerce.Fold: case-insensitive, NFC).
	Username string
	// PasswordHash is in Django's format, <algorithm>$…: the engine makes
	// pbkdf2_sha256$<iterations>$<salt>$<hash>, and verifies every hasher
	// Django ships (see Hasher.Verify) for users brought from a Django
	// shop. It is empty for a user who signs in only through Google or
	// Kakao. It never leaves the service except to storage.
	PasswordHash string
	// Staff members manage the catalog and the notice board.
	Staff bool
	// Disabled users cannot sign in, with a password or through a
	// provider, and the sessions they had end: an account closed for
	// good, such as one that Django marked inactive (is_active = 0)
	// before it was imported.
	Disabled bool
	// Nickname is the name other shoppers see; unique, compared folded.
	Nickname string
	// Email is unique, compared folded; empty for a social-only user whose
	// provider sent none.
	Email string
	// Interests are the ids of the social problems the user cares about, a
	// set kept in ascending order.
	Interests []uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts the edits of the record.
	Version int64
}

// Identity links an account at an external provider (Google, Kakao) to a
// user. A (Provider, Subject) pair belongs to at most one user, and a user
// has at most one identity per provider.
type Identity struct {
	Provider string
	// Subject is the provider's stable id of the account (Google's "sub",
	// Kakao's "id").
	Subject string
	UserID  uuid.UUID
	// Email is the address the provider reported when the identity was
	// linked, if any; it is informational and never used to match accounts.
	Email     string
	CreatedAt time.Time
}

// Account is a user as the user sees it: no password hash, and the names of
// the providers linked to it.
type Account struct {
	ID          uuid.UUID
	Username    string
	Nickname    string
	Email       string
	Interests   []uuid.UUID
	Staff       bool
	HasPassword bool
	Identities  []string
	CreatedAt   time.Time
	// Disabled is User.Disabled: the user cannot sign in. Only staff's
	// lists (Service.Users, Service.UsersByID) show a disabled account,
	// since its owner has no session to see it with.
	Disabled bool
}

// Session is a signed-in (or guest) visit, as the store keeps it. The store
// never sees the token the client holds, only its SHA-256.
type Session struct {
	// ID is the hex SHA-256 of the session's token.
	ID string
	// UserID is the signed-in user, or uuid.Nil for a guest session.
	UserID uuid.UUID
	// Staff copies the user's staff flag when the session began; changing
	// a user's staff flag ends the user's sessions.
	Staff     bool
	CreatedAt time.Time
	// LastSeenAt is the last recorded activity.
	LastSeenAt time.Time
	// IdleExpiresAt is LastSeenAt plus the idle timeout, capped at
	// ExpiresAt.
	IdleExpiresAt time.Time
	// ExpiresAt is CreatedAt plus the absolute timeout: no activity extends
	// the session past it.
	ExpiresAt time.Time
}

// Guest reports whether s belongs to a visitor who has not signed in.
func (s Session) Guest() bool { return s.UserID == uuid.Nil }

// Expired reports whether s has ended at now, by idleness or age.
func (s Session) Expired(now time.Time) bool {
	return !now.Before(s.IdleExpiresAt) || !now.Before(s.ExpiresAt)
}

// End is when s ends unless it is touched again: the earlier of its idle
// and absolute expiry.
func (s Session) End() time.Time {
	if s.IdleExpiresAt.Before(s.ExpiresAt) {
		return s.IdleExpiresAt
	}
	return s.ExpiresAt
}
