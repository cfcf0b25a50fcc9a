package webhook

import (
	"errors"
	"fmt"

	"github.com/impactmuseum/commerce"
)

// Errors of the webhooks. Each wraps one of the kinds of package commerce,
// except ErrVerification, which a consumer's code meets.
var (
	// ErrEndpointNotFound is returned for an endpoint id that names no
	// endpoint.
	ErrEndpointNotFound = fmt.Errorf("webhook: endpoint %w", commerce.ErrNotFound)
	// ErrDuplicateID is returned by a repository asked to create an
	// endpoint whose id already exists.
	ErrDuplicateID = fmt.Errorf("webhook: id already exists: %w", commerce.ErrConflict)
	// ErrVersionConflict is returned when an edit names a version that is
	// no longer the stored one: someone else edited first, or a dispatcher
	// disabled the endpoint.
	ErrVersionConflict = fmt.Errorf("webhook: endpoint changed since it was read: %w", commerce.ErrConflict)
	// ErrLeaseLost is returned by a repository asked to finish or release
	// a delivery that the given claim no longer holds: its lease ran out
	// and another claim took it, or the delivery is gone with its
	// endpoint.
	ErrLeaseLost = fmt.Errorf("webhook: the delivery is no longer held by this claim: %w", commerce.ErrConflict)

	// ErrStaffOnly is returned when someone other than staff manages
	// webhooks.
	ErrStaffOnly = fmt.Errorf("webhook: only staff may manage webhooks: %w", commerce.ErrForbidden)
	// ErrSignInRequired is returned when an anonymous visitor manages
	// webhooks.
	ErrSignInRequired = fmt.Errorf("webhook: sign in as staff to manage webhooks: %w", commerce.ErrUnauthenticated)

	// ErrVerification is returned by Verify for a request that does not
	// carry a valid signature of the body made with the secret, at a time
	// within the tolerance. The error that wraps it says what was wrong.
	ErrVerification = errors.New("webhook: the request is not verified")
)

// authorize allows staff and refuses everyone else with the webhooks'
// errors.
func authorize(a commerce.Actor) error { return a.RequireStaff(ErrSignInRequired, ErrStaffOnly) }
