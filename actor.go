package commerce

import "github.com/google/uuid"

// Actor is who performs an operation. Every service method that changes
// state takes the actor and checks the rule itself, so an HTTP layer that
// forgets a check cannot open a hole.
//
// The zero Actor is an anonymous visitor.
type Actor struct {
	// UserID is the signed-in user, or uuid.Nil for a visitor.
	UserID uuid.UUID
	// Staff is true for signed-in staff members.
	Staff bool
	// SessionID identifies the session the actor acts through: a signed-in
	// user's session, or a visitor's guest session (which holds a guest
	// cart). It is the store's id of the session, never its token, and it
	// is empty for an actor without a session.
	SessionID string
}

// Anonymous is the actor of a visitor who has not signed in.
var Anonymous = Actor{}

// SignedIn reports whether the actor is a signed-in user.
func (a Actor) SignedIn() bool { return a.UserID != uuid.Nil }

// IsStaff reports whether the actor is signed-in staff.
func (a Actor) IsStaff() bool { return a.SignedIn() && a.Staff }

// RequireStaff is the one staff check of the engine: nil for signed-in
// staff, staffOnly for any other signed-in user, and signIn for a visitor
// (a staff flag without a user is a visitor too). Each package passes its
// own errors, so that callers keep testing them with errors.Is (signIn
// should wrap ErrUnauthenticated and staffOnly ErrForbidden).
func (a Actor) RequireStaff(signIn, staffOnly error) error {
	switch {
	case !a.SignedIn():
		return signIn
	case !a.Staff:
		return staffOnly
	}
	return nil
}

// StaffActor returns the actor of staff member id.
func StaffActor(id uuid.UUID) Actor { return Actor{UserID: id, Staff: true} }

// UserActor returns the actor of the non-staff user id.
func UserActor(id uuid.UUID) Actor { return Actor{UserID: id} }
