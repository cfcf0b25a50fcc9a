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
	// CreateOrder stores o with its lines, and o.Version (1 for a new
	// order). It returns ErrDuplicateKey if the customer already has an
	// order with o.IdempotencyKey, and ErrDuplicateNumber if o.Number is
	// taken, and then stores nothing. It stores the events ctx carries
	// (commerce.WithEvents) in the same transaction — a checkout's
	// order.placed, order.paid and product.out_of_stock events — and,
	// when it fails, none.
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
	// time at, if it is still in from, and increments its Version;
	// otherwise it returns ErrStatusConflict (or ErrOrderNotFound) and
	// changes nothing. It stores the events ctx carries
	// (commerce.WithEvents) in the same transaction — the move's
	// order.paid, order.shipped, order.delivered or order.cancelled — and,
	// when it changes nothing, none.
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

	// ImportOrders writes one batch of imported orders in one
	// transaction. It reads what q names — the stored orders with q.IDs,
	// with their lines; the orders that hold q.Numbers; which of
	// q.UserIDs and q.ProductIDs exist — keeping those orders, numbers
	// and users from changing under it until it commits, and calls decide
	// with what it read. It then writes the orders that decide returns,
	// whose ids and numbers q names, in multi-row statements, never one
	// statement per order: each replaces the stored order with its id,
	// lines included, or is added. Neither stock nor carts change. If
	// decide returns an error, nothing is written and ImportOrders
	// returns it. An adapter may call decide again after a lost race (a
	// deadlock retried), with what it reads then, so decide must only
	// compute.
	ImportOrders(ctx context.Context, q ImportQuery, decide func(ImportState) ([]Order, error)) error
}

// ImportQuery names what a batch of imported orders refers to, for
// Repository.ImportOrders.
type ImportQuery struct {
	// IDs are the orders' ids.
	IDs []uuid.UUID
	// Numbers are the order numbers the batch may take.
	Numbers []string
	// UserIDs are the customers the orders belong to.
	UserIDs []uuid.UUID
	// ProductIDs are the products their lines name.
	ProductIDs []uuid.UUID
}

// ImportState is what the transaction of Repository.ImportOrders reads of
// what an ImportQuery names.
type ImportState struct {
	// Orders holds the stored orders with the query's ids, by id, with
	// their lines.
	Orders map[uuid.UUID]Order
	// Numbers maps each of the query's numbers that an order holds to
	// that order's id.
	Numbers map[string]uuid.UUID
	// Users and Products hold the query's user and product ids that
	// exist.
	Users    map[uuid.UUID]bool
	Products map[uuid.UUID]bool
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
