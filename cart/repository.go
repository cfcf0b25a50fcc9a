package cart

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Repository stores carts: per cart key, lines of a product id and a
// quantity. An adapter keeps every change to one cart atomic, so concurrent
// changes never lose an update.
type Repository interface {
	// Lines returns the lines of the cart with their products as they are
	// now (brand names filled in), ordered by AddedAt, then product id;
	// lines of products that no longer exist are left out. A cart
	// that was never used has no lines. It costs one query whatever the
	// number of lines.
	Lines(ctx context.Context, key Key) ([]Line, error)
	// Update changes a cart atomically. It calls fn with the current
	// quantities by product id (lines of deleted products left out); fn
	// changes the map in place — a quantity of 0 or a deleted entry
	// removes the line — and the adapter stores the result when fn returns
	// nil. Concurrent Updates of one cart run one after the other; an
	// adapter may call fn again after a lost race (a deadlock retried), so
	// fn must only change the map. It
	// returns fn's error, or ErrProductNotFound if a new line names a
	// product that does not exist (then nothing changes).
	// New lines are stamped with at, their AddedAt.
	Update(ctx context.Context, key Key, at time.Time, fn func(quantities map[uuid.UUID]int) error) error
	// Merge moves the lines of cart from into cart to atomically: the
	// quantities of a product in both add up, capped at max, and from is
	// left empty. Merging an empty or unknown cart changes nothing, so a
	// merge run twice is the same as once.
	Merge(ctx context.Context, from, to Key, max int) error
}
