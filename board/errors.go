package board

import (
	"fmt"

	"github.com/impactmuseum/commerce"
)

// Errors of the board. Each wraps one of the kinds of package commerce.
var (
	ErrPostNotFound = fmt.Errorf("board: post %w", commerce.ErrNotFound)
	// ErrAuthorNotFound is returned by a repository when a post's author
	// is not a user.
	ErrAuthorNotFound = fmt.Errorf("board: author is not a user: %w", commerce.ErrInvalid)
	// ErrDuplicateID is returned by a repository asked to create a post
	// whose id exists.
	ErrDuplicateID = fmt.Errorf("board: id already exists: %w", commerce.ErrConflict)
	// ErrVersionConflict is returned when an edit names a version of the
	// post that is no longer the stored one: someone else edited first.
	ErrVersionConflict = fmt.Errorf("board: edited by someone else since it was read: %w", commerce.ErrConflict)

	ErrSignInRequired = fmt.Errorf("board: sign in first: %w", commerce.ErrUnauthenticated)
	// ErrStaffOnly is returned when someone other than staff writes or pins
	// a post.
	ErrStaffOnly = fmt.Errorf("board: only staff may post or pin: %w", commerce.ErrForbidden)
	// ErrAuthorOnly is returned when someone other than its author edits
	// a post.
	ErrAuthorOnly = fmt.Errorf("board: only the author may edit a post: %w", commerce.ErrForbidden)
	// ErrNotAllowed is returned when someone other than its author or staff
	// deletes a post.
	ErrNotAllowed = fmt.Errorf("board: only the author or staff may delete a post: %w", commerce.ErrForbidden)
)
