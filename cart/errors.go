package cart

import (
	"fmt"

	"github.com/impactmuseum/commerce"
)

// Errors of the cart package. Each wraps one of the kinds of package
// commerce.
var (
	// ErrNoCart is returned when an actor with neither a user nor a guest
	// session changes a cart: the caller should start a guest session.
	ErrNoCart = fmt.Errorf("cart: no session to keep a cart in; start a guest session first: %w", commerce.ErrUnauthenticated)
	// ErrProductNotFound is returned by a repository when a line names a
	// product that does not exist.
	ErrProductNotFound = fmt.Errorf("cart: product %w", commerce.ErrNotFound)
	// ErrSameCart is returned by Repository.UpdatePair when both keys name
	// the same cart.
	ErrSameCart = fmt.Errorf("cart: a pair of carts names one cart twice: %w", commerce.ErrInvalid)
)
