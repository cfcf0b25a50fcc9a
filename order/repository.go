package order

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
)

// Repository stores orders and address books.
type Repository interface {
	// CreateOrder stores o with its lines. It returns ErrDuplicateKey if
	// the customer already has an order with o.IdempotencyKey, and
	// ErrDuplicateNumber if o.Number is taken.
	CreateOrder(ctx context.Context, o Order) error
	// GetOrder returns the order with id and its lines, or
	// ErrOrderNotFound.
	GetOrder(ctx context.Context, id uuid.UUID) (Order, error)
	// GetOrderByKey returns the customer's order made with an idempotency
	// key, or ErrOrderNotFound.
	GetOrderByKey(ctx context.Context, userID uuid.UUID, key string) (Order, error)
	// ListOrders returns the orders that q selects with their lines,
	// newest (highest id) first, at most q.Limit — in a fixed number of
	// queries whatever the number of orders and lines.
	ListOrders(ctx context.Context, q Query) ([]Order, error)
	// SetStatus moves the order id from status from to status to, at
	// time at, if it is still in from; otherwise it returns
	// ErrStatusConflict (or ErrOrderNotFound) and changes nothing.
	SetStatus(ctx context.Context, id uuid.UUID, from, to Status, at time.Time) error

	// CreateAddress adds a to its customer's address book.
	CreateAddress(ctx context.Context, a Address) error
	// GetAddress returns the address with id, or ErrAddressNotFound.
	GetAddress(ctx context.Context, id uuid.UUID) (Address, error)
	// ListAddresses returns a customer's addresses, oldest first.
	ListAddresses(ctx context.Context, userID uuid.UUID) ([]Address, error)
	// DeleteAddress deletes the address id of the customer userID, or
	// returns ErrAddressNotFound (also when it is another customer's).
	DeleteAddress(ctx context.Context, userID, id uuid.UUID) error
}

// Query selects a page of orders.
type Query struct {
	// UserID keeps one customer's orders; uuid.Nil keeps everyone's.
	UserID uuid.UUID
	// Status keeps the orders in one status; "" keeps all.
	Status Status
	// Before keeps the orders with a lower id; uuid.Nil keeps all.
	Before uuid.UUID
	Limit  int
}

// Tx is what a checkout or a cancellation reads and changes in one
// transaction: orders, carts, products read and their tracked stock.
// Everything done through it is committed together or not at all. Of the
// catalog it offers reads of products and changes of stock only, so that
// no adapter can be asked for a catalog write inside a transaction.
type Tx interface {
	Orders() Repository
	Carts() cart.Repository
	Products() ProductReader
	Stock() catalog.StockRepository
}

// ProductReader reads products inside a transaction.
type ProductReader interface {
	// GetProduct returns the product with id as the transaction sees it —
	// with the stock that the transaction took or gave back — or
	// catalog.ErrProductNotFound.
	GetProduct(ctx context.Context, id uuid.UUID) (catalog.Product, error)
}

// Transactor runs fn in a transaction: if fn returns an error, or the
// process cannot commit, nothing fn did through tx remains. Adapters may
// run fn more than once (a deadlock retried), so fn must not have effects
// outside tx except through the PaymentProvider, which the service undoes.
//
// The transaction ends with ctx: once ctx has ended, InTx starts no commit
// and waits for no statement, and returns an error wrapping
// commerce.ErrUnavailable and ctx's error. A commit already sent whose
// answer has not come when ctx ends is reported the same way, though the
// database may yet apply it: the checkout looks its order up by key before
// refunding its charge, and a retry with the same key finds it.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}
