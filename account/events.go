package account

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// EventUserSignedUp is the type (commerce.Event.Type) of the event of a
// new customer: someone signed up with a password (Service.SignUp) or
// signed in for the first time through a provider, which made them an
// account (Service.SignInExternal). Its AggregateID is the user's id, its
// Version the user's Version (1), and its Data a UserSignedUp. Staff
// accounts made at start-up (Service.BootstrapStaff) and imported users
// (Service.ImportUsers) sign up no one, and store no event.
const EventUserSignedUp = "user.signed_up"

// Providers of UserSignedUp: how the user signed up.
const (
	// ProviderPassword is a sign-up with a username and a password.
	ProviderPassword = "password"
)

// UserSignedUp is the payload of user.signed_up: the new customer's
// profile, for a welcome e-mail, a mailing list or analytics. It holds
// nothing secret — no password hash, no session, no provider's subject.
// Its JSON form:
//
//	{"user_id": "…", "username": "hana.kim", "nickname": "하나",
//	 "email": "hana@example.com", "provider": "password",
//	 "interests": ["…"], "signed_up_at": "2026-03-01T09:00:00Z"}
type UserSignedUp struct {
	// UserID is the new user's id.
	UserID uuid.UUID `json:"user_id"`
	// Username is the user's username; a provider's user gets one made
	// from the provider's name and subject, such as "kakao_3141592".
	Username string `json:"username"`
	// Nickname is the name other shoppers see.
	Nickname string `json:"nickname"`
	// Email is the user's address, or "" when there is none (a
	// provider's user whose provider vouched for no address).
	Email string `json:"email"`
	// Provider is how the user signed up: "password" (ProviderPassword),
	// or the provider of the identity the account was made for
	// (ExternalUser.Provider: "google", "kakao").
	Provider string `json:"provider"`
	// Interests are the ids of the problems the user cares about, in
	// ascending order; [] when none.
	Interests []uuid.UUID `json:"interests"`
	// SignedUpAt is when the account was made (User.CreatedAt), UTC.
	SignedUpAt time.Time `json:"signed_up_at"`
}

// signedUpEvent returns the user.signed_up event of u, new, who signed up
// through provider, at u's creation time.
func signedUpEvent(u User, provider string) commerce.Event {
	interests := slices.Clone(u.Interests)
	if interests == nil {
		interests = []uuid.UUID{}
	}
	return commerce.NewEvent(EventUserSignedUp, u.ID, u.Version, u.CreatedAt, UserSignedUp{
		UserID: u.ID, Username: u.Username, Nickname: u.Nickname, Email: u.Email,
		Provider: provider, Interests: interests, SignedUpAt: u.CreatedAt.UTC(),
	})
}
