package catalog

import (
	"fmt"

	"github.com/impactmuseum/commerce"
)

// Errors of the catalog. Each wraps one of the kinds of package commerce.
var (
	ErrProblemNotFound = fmt.Errorf("catalog: problem %w", commerce.ErrNotFound)
	ErrBrandNotFound   = fmt.Errorf("catalog: brand %w", commerce.ErrNotFound)
	ErrProductNotFound = fmt.Errorf("catalog: product %w", commerce.ErrNotFound)

	// ErrProblemInUse is returned when deleting a problem that brands still
	// work on.
	ErrProblemInUse = fmt.Errorf("catalog: problem still has brands: %w", commerce.ErrConflict)
	// ErrVersionConflict is returned when an edit names a version that is
	// no longer the stored one: someone else edited first.
	ErrVersionConflict = fmt.Errorf("catalog: edited by someone else since it was read: %w", commerce.ErrConflict)
	// ErrDuplicateID is returned by a repository asked to create a record
	// whose id already exists.
	ErrDuplicateID = fmt.Errorf("catalog: id already exists: %w", commerce.ErrConflict)

	// ErrOutOfStock is returned by a StockRepository when fewer units
	// remain than are asked for.
	ErrOutOfStock = fmt.Errorf("catalog: out of stock: %w", commerce.ErrConflict)

	// ErrStaffOnly is returned when someone other than staff writes.
	ErrStaffOnly = fmt.Errorf("catalog: only staff may change the catalog: %w", commerce.ErrForbidden)
	// ErrNoMedia is returned by UploadImage when the service has no store
	// for images (Options.Media).
	ErrNoMedia = fmt.Errorf("catalog: image uploads are not configured: %w", commerce.ErrNotFound)
	// ErrSignInRequired is returned when an anonymous visitor writes.
	ErrSignInRequired = fmt.Errorf("catalog: sign in as staff to change the catalog: %w", commerce.ErrUnauthenticated)
)
