package order

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// Errors of the order package. Each wraps one of the kinds of package
// commerce.
var (
	// ErrOrderNotFound is also the answer to a customer asking for another
	// customer's order: its existence is not revealed.
	ErrOrderNotFound   = fmt.Errorf("order: order %w", commerce.ErrNotFound)
	ErrAddressNotFound = fmt.Errorf("order: address %w", commerce.ErrNotFound)

	// ErrIdempotencyConflict is returned when an idempotency key is used
	// again with another request.
	ErrIdempotencyConflict = fmt.Errorf("order: idempotency key already used for another request: %w", commerce.ErrConflict)
	// ErrDuplicateKey is returned by a repository when a customer's
	// idempotency key is taken; the service then returns the order it made.
	ErrDuplicateKey = fmt.Errorf("order: idempotency key already used: %w", commerce.ErrConflict)
	// ErrDuplicateNumber is returned by a repository when an order number
	// is taken; the service draws another.
	ErrDuplicateNumber = fmt.Errorf("order: order number already used: %w", commerce.ErrConflict)
	// ErrStatusConflict is returned for a move the status machine does not
	// allow, or when the order moved first.
	ErrStatusConflict = fmt.Errorf("order: status change not allowed: %w", commerce.ErrConflict)
	// ErrEmptyCart is returned when checking out an empty cart.
	ErrEmptyCart = fmt.Errorf("order: the cart is empty: %w", commerce.ErrInvalid)
	// ErrPaymentDeclined is returned when the payment provider refuses;
	// nothing is left behind.
	ErrPaymentDeclined = fmt.Errorf("order: payment declined: %w", commerce.ErrConflict)

	ErrSignInRequired = fmt.Errorf("order: sign in first: %w", commerce.ErrUnauthenticated)
	ErrStaffOnly      = fmt.Errorf("order: staff only: %w", commerce.ErrForbidden)
	// ErrTooLate is returned to a customer cancelling an order that has
	// shipped.
	ErrTooLate = fmt.Errorf("order: the order has shipped and can no longer be cancelled: %w", commerce.ErrConflict)
)

// OutOfStockError names the product that ran out. It wraps
// catalog.ErrOutOfStock and so commerce.ErrConflict.
type OutOfStockError struct {
	ProductID uuid.UUID
	Name      string
	err       error
}

func (e *OutOfStockError) Error() string {
	return fmt.Sprintf("order: %s (%s) is out of stock", e.Name, e.ProductID)
}

// Unwrap returns the catalog's error.
func (e *OutOfStockError) Unwrap() error { return e.err }

// FieldErrors names the product, for commerce.FieldErrors.
func (e *OutOfStockError) FieldErrors() map[string]string {
	return map[string]string{"product_id": fmt.Sprintf("%s: %s is out of stock", e.ProductID, e.Name)}
}
