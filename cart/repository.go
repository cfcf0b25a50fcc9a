package cart

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// StoredLine is a cart line as a Repository stores it: a quantity and
// when the product was first put in the cart.
type StoredLine struct {
	Quantity int
	AddedAt  time.Time
}

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
	// UpdatePair changes two different carts, a and b, atomically, as
	// Update changes one: it calls fn with the stored lines of each by
	// product id (lines of deleted products left out); fn changes the maps
	// in place — a quantity of 0 or a deleted entry removes a line, a new
	// entry adds one, stamped with its AddedAt or, when that is zero, with
	// at — and the adapter stores both carts when fn returns nil, or
	// neither. A line that was there keeps its AddedAt. No change of
	// either cart runs between the read and the write; the adapter takes
	// the two carts in key order, so that two UpdatePairs of the same
	// carts never deadlock, and may call fn again after a lost race, so fn
	// must only change the maps. It returns fn's error, or
	// ErrProductNotFound if a new line names a product that does not exist
	// (then nothing changes), or ErrSameCart if a and b are equal.
	UpdatePair(ctx context.Context, a, b Key, at time.Time, fn func(a, b map[uuid.UUID]StoredLine) error) error

	// ImportCarts replaces carts in one transaction. It reads what q
	// names — the stored lines of the carts of q.Keys by product id
	// (lines of deleted products left out), which of q.UserIDs exist, and
	// the prices of the products of q.ProductIDs that exist — keeping
	// those carts, users and products from changing under it until it
	// commits, and calls decide with what it read. It then stores the
	// carts that decide returns, whose keys q names, in multi-row
	// statements, never one statement per cart: each cart's lines become
	// exactly the lines given (none empties it), with their own AddedAt.
	// If decide returns an error, nothing is written and ImportCarts
	// returns it. An adapter may call decide again after a lost race (a
	// deadlock retried), with what it reads then, so decide must only
	// compute.
	ImportCarts(ctx context.Context, q ImportQuery, decide func(ImportState) (map[Key]map[uuid.UUID]StoredLine, error)) error
}

// ImportQuery names what a batch of imported carts refers to, for
// Repository.ImportCarts.
type ImportQuery struct {
	// Keys are the carts.
	Keys []Key
	// UserIDs are the customers whose carts they are.
	UserIDs []uuid.UUID
	// ProductIDs are the products their lines name.
	ProductIDs []uuid.UUID
}

// ImportState is what the transaction of Repository.ImportCarts reads of
// what an ImportQuery names.
type ImportState struct {
	// Carts holds the stored lines of the query's carts that have any,
	// by key and product id.
	Carts map[Key]map[uuid.UUID]StoredLine
	// Users holds the query's user ids that exist.
	Users map[uuid.UUID]bool
	// Prices holds the current prices of the query's products that
	// exist, by product id.
	Prices map[uuid.UUID]commerce.Money
}
