package order

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/metric"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
)

// Limits of checkout input.
const (
	maxAddresses    = 20
	maxNumberTries  = 5
	maxRecipientLen = 50
	maxLineLen      = 200
	maxCityLen      = 100
	maxNoteLen      = 200
)

// Options configure a Service. The zero value, or nil, gives the defaults.
type Options struct {
	// Now is the clock. Default: time.Now.
	Now commerce.Clock
	// NewID makes order and address ids. Default: commerce.NewID.
	NewID commerce.IDGenerator
	// Payments maps each accepted payment method to its provider. A method
	// without a provider is refused at checkout. Default: bank_transfer
	// through ManualProvider only.
	Payments map[PaymentMethod]PaymentProvider
	// Currency is the shop's currency, the same value as
	// catalog.Options.Currency and cart.Options.Currency; products priced
	// in another cannot be bought. Default: "KRW".
	Currency string
	// MeterProvider gives the meter (MeterName) of the service's counters
	// of checkouts placed and failed and of out-of-stock refusals (see
	// MetricCheckoutsPlaced). Default: the global provider of package
	// otel, which records nothing until an application sets one.
	MeterProvider metric.MeterProvider
}

// Service places orders and moves them along, and keeps customers' address
// books. It is safe for concurrent use.
type Service struct {
	repo     Repository
	tx       Transactor
	now      commerce.Clock
	newID    commerce.IDGenerator
	payments map[PaymentMethod]PaymentProvider
	currency string
	metrics  metrics
}

// NewService returns the order service. repo serves reads; tx runs
// checkouts and status changes. It panics if either is nil.
func NewService(repo Repository, tx Transactor, opts *Options) *Service {
	switch {
	case repo == nil:
		panic("order: nil Repository")
	case tx == nil:
		panic("order: nil Transactor")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Service{repo: repo, tx: tx, now: opts.Now, newID: opts.NewID, payments: opts.Payments, currency: opts.Currency,
		metrics: newMetrics(opts.MeterProvider)}
	if s.newID == nil {
		s.newID = commerce.NewID
	}
	if s.payments == nil {
		s.payments = map[PaymentMethod]PaymentProvider{BankTransfer: ManualProvider{}}
	}
	if s.currency == "" {
		s.currency = "KRW"
	}
	return s
}

// ---- addresses ----

// AddressInput is an address as a customer types it.
type AddressInput struct {
	Recipient string
	Phone     string
	Line1     string
	Line2     string
	City      string
	Zipcode   string
	Note      string
}

// AddAddress adds an address to the actor's address book (at most 20).
func (s *Service) AddAddress(ctx context.Context, actor commerce.Actor, in AddressInput) (Address, error) {
	if !actor.SignedIn() {
		return Address{}, ErrSignInRequired
	}
	a, err := s.address(in, "", true)
	if err != nil {
		return Address{}, err
	}
	book, err := s.repo.ListAddresses(ctx, actor.UserID)
	if err != nil {
		return Address{}, err
	}
	if len(book) >= maxAddresses {
		return Address{}, commerce.Invalid("address", fmt.Sprintf("an address book holds at most %d addresses; delete one first", maxAddresses))
	}
	a.ID, a.UserID, a.CreatedAt = s.newID(), actor.UserID, s.now.Now()
	if err := s.repo.CreateAddress(ctx, a); err != nil {
		return Address{}, err
	}
	return a, nil
}

// Addresses returns the actor's address book, oldest first.
func (s *Service) Addresses(ctx context.Context, actor commerce.Actor) ([]Address, error) {
	if !actor.SignedIn() {
		return nil, ErrSignInRequired
	}
	return s.repo.ListAddresses(ctx, actor.UserID)
}

// DeleteAddress removes an address from the actor's address book. Orders
// keep their own copy.
func (s *Service) DeleteAddress(ctx context.Context, actor commerce.Actor, id uuid.UUID) error {
	if !actor.SignedIn() {
		return ErrSignInRequired
	}
	return s.repo.DeleteAddress(ctx, actor.UserID, id)
}

// address validates in; prefix names the fields ("address." inside a
// checkout). With required, the recipient, phone, first line and postal
// code must be given, as an address that goods are sent to needs them; an
// imported order's copy of an address has what the old shop kept, and
// then only the fields given are checked.
func (s *Service) address(in AddressInput, prefix string, required bool) (Address, error) {
	var bad commerce.ValidationError
	a := Address{
		Recipient: bad.Text(prefix+"recipient", in.Recipient, commerce.TextRule{Max: maxRecipientLen, Required: required}),
		Phone:     strings.TrimSpace(in.Phone),
		Line1:     bad.Text(prefix+"line1", in.Line1, commerce.TextRule{Max: maxLineLen, Required: required}),
		Line2:     bad.Text(prefix+"line2", in.Line2, commerce.TextRule{Max: maxLineLen}),
		City:      bad.Text(prefix+"city", in.City, commerce.TextRule{Max: maxCityLen}),
		Zipcode:   strings.TrimSpace(in.Zipcode),
		Note:      bad.Text(prefix+"note", in.Note, commerce.TextRule{Max: maxNoteLen}),
	}
	if (required || a.Phone != "") && !validPhone(a.Phone) {
		bad.Add(prefix+"phone", "must be a phone number such as 010-1234-5678")
	}
	if (required || a.Zipcode != "") && !validZipcode(a.Zipcode) {
		bad.Add(prefix+"zipcode", "must be a postal code such as 04524")
	}
	return a, bad.Err()
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() ", r):
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15 && len(s) <= 20
}

func validZipcode(s string) bool {
	if len(s) < 3 || len(s) > 10 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') && !(r >= 'a' && r <= 'z') && r != '-' && r != ' ' {
			return false
		}
	}
	return true
}

// ---- checkout ----

// CheckoutInput is a checkout: the whole cart, or one product now.
type CheckoutInput struct {
	// FromCart checks out the actor's whole cart. Otherwise ProductID and
	// Quantity (1..99) buy one product now and the cart is not touched.
	FromCart  bool
	ProductID uuid.UUID
	Quantity  int
	// AddressID names a saved address; otherwise Address is used.
	AddressID uuid.UUID
	Address   *AddressInput
	// PaymentMethod must have a provider (Options.Payments).
	PaymentMethod PaymentMethod
	// IdempotencyKey makes a retried checkout safe: the same key with the
	// same request returns the first order; with another request it is
	// ErrIdempotencyConflict. 1 to MaxKeyLen printable ASCII characters
	// (CheckKey), compared byte for byte.
	IdempotencyKey string
}

// Checkout places an order in one transaction: from the cart, its lines
// are taken (the cart is left empty); prices are copied into the order's
// lines; tracked stock is taken in product-id order (an *OutOfStockError
// names a product that ran out); the payment is charged; and the order is
// stored with a new number. Any failure leaves nothing behind, and a charge
// already made is refunded.
//
// The order is stored at Version 1 with its events: order.placed
// (OrderPlaced), then order.paid when the payment completed at once, then
// product.out_of_stock (catalog.ProductOutOfStock) for each product whose
// last units it took — all in the checkout's transaction, so that they
// commit with the order or not at all. A replayed checkout stores none.
//
// Each checkout is counted, placed or failed by reason, on
// Options.MeterProvider.
func (s *Service) Checkout(ctx context.Context, actor commerce.Actor, in CheckoutInput) (_ Order, err error) {
	replayed := false
	defer func() { s.metrics.checkout(ctx, replayed, err) }()
	if !actor.SignedIn() {
		return Order{}, ErrSignInRequired
	}
	var bad commerce.ValidationError
	key, err := CheckKey(in.IdempotencyKey)
	for f, m := range commerce.FieldErrors(err) {
		bad.Add(f, m)
	}
	in.IdempotencyKey = key
	if !in.FromCart {
		if in.ProductID == uuid.Nil {
			bad.Add("product_id", "required unless the cart is checked out")
		}
		if in.Quantity < 1 || in.Quantity > cart.MaxQuantity {
			bad.Add("quantity", fmt.Sprintf("must be between 1 and %d", cart.MaxQuantity))
		}
	}
	provider, ok := s.payments[in.PaymentMethod]
	switch {
	case in.PaymentMethod == "":
		bad.Add("payment_method", "required")
	case !in.PaymentMethod.Valid():
		bad.Add("payment_method", "must be card, bank_transfer or mobile")
	case !ok:
		bad.Add("payment_method", fmt.Sprintf("%s is not accepted by this shop", in.PaymentMethod))
	}
	var addr Address
	switch {
	case in.AddressID != uuid.Nil && in.Address != nil:
		bad.Add("address", "give address_id or address, not both")
	case in.AddressID != uuid.Nil:
		a, err := s.repo.GetAddress(ctx, in.AddressID)
		switch {
		case errors.Is(err, ErrAddressNotFound) || (err == nil && a.UserID != actor.UserID):
			bad.Add("address_id", "no such address in your address book")
		case err != nil:
			return Order{}, err
		}
		addr = a
	case in.Address != nil:
		a, err := s.address(*in.Address, "address.", true)
		for f, m := range commerce.FieldErrors(err) {
			bad.Add(f, m)
		}
		addr = a
	default:
		bad.Add("address", "required: address_id or address")
	}
	if err := bad.Err(); err != nil {
		return Order{}, err
	}
	addr.UserID = actor.UserID
	hash := requestHash(in, addr)

	if o, err := s.replay(ctx, actor.UserID, in.IdempotencyKey, hash); !errors.Is(err, ErrOrderNotFound) {
		replayed = err == nil
		return o, err
	}
	for range maxNumberTries {
		o, err := s.place(ctx, actor.UserID, in, addr, hash, provider)
		switch {
		case err == nil:
			return o, nil
		case errors.Is(err, ErrDuplicateNumber):
			continue
		}
		// A concurrent checkout with the same key may have won while this
		// one failed (on the emptied cart, the stock it took or the key
		// itself): its order is the answer.
		if o, rerr := s.replay(ctx, actor.UserID, in.IdempotencyKey, hash); !errors.Is(rerr, ErrOrderNotFound) {
			replayed = rerr == nil
			return o, rerr
		}
		return Order{}, err
	}
	return Order{}, fmt.Errorf("order: no free order number after %d tries: %w", maxNumberTries, commerce.ErrUnavailable)
}

// replay returns the customer's order made with key if the request is the
// same, ErrIdempotencyConflict if it is another, and ErrOrderNotFound if
// there is none.
func (s *Service) replay(ctx context.Context, userID uuid.UUID, key, hash string) (Order, error) {
	o, err := s.repo.GetOrderByKey(ctx, userID, key)
	switch {
	case err != nil:
		return Order{}, err
	case o.RequestHash != hash:
		return Order{}, ErrIdempotencyConflict
	}
	return o, nil
}

// place runs one checkout transaction.
func (s *Service) place(ctx context.Context, userID uuid.UUID, in CheckoutInput, addr Address, hash string, provider PaymentProvider) (Order, error) {
	var (
		placed  Order
		charged *Order
	)
	refund := func() {
		if charged != nil {
			// The charge is undone; a refund that fails can only be
			// reported with the checkout's own error. It is owed even
			// when the checkout failed because its context ended, so it
			// runs without that context's end.
			_ = provider.Refund(context.WithoutCancel(ctx), *charged)
			charged = nil
		}
	}
	err := s.tx.InTx(ctx, func(ctx context.Context, tx Tx) error {
		refund() // an earlier run of fn that the adapter retried
		wanted, err := s.wanted(ctx, tx, userID, in)
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, 0, len(wanted))
		for id := range wanted {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })

		now := s.now.Now()
		o := Order{
			ID: s.newID(), Number: newNumber(now), UserID: userID, Status: PendingPayment,
			Subtotal: commerce.Zero(s.currency), Address: addr, PaymentMethod: in.PaymentMethod,
			IdempotencyKey: in.IdempotencyKey, RequestHash: hash, PlacedAt: now, UpdatedAt: now,
			Version: 1,
		}
		// The products whose last units this checkout takes: their
		// product.out_of_stock events go with the order's.
		var soldOut []commerce.Event
		for _, id := range ids {
			p, err := tx.Products().GetProduct(ctx, id)
			switch {
			case errors.Is(err, catalog.ErrProductNotFound):
				return commerce.Invalid("product_id", fmt.Sprintf("%s: no such product", id))
			case err != nil:
				return err
			case p.Price.Currency != s.currency:
				return commerce.Invalid("product_id", fmt.Sprintf("%s is priced in %s; this shop sells in %s", p.Name, p.Price.Currency, s.currency))
			}
			n := wanted[id]
			if err := tx.Stock().TakeStock(ctx, id, n); err != nil {
				if errors.Is(err, catalog.ErrOutOfStock) {
					return &OutOfStockError{ProductID: id, Name: p.Name, err: err}
				}
				return err
			}
			if p.Stock != nil {
				// The read above may predate another checkout's take
				// (a database snapshot); read after the take, the
				// product shows the stock and version it left.
				after, err := tx.Products().GetProduct(ctx, id)
				if err != nil {
					return err
				}
				if after.Stock != nil && *after.Stock == 0 {
					soldOut = append(soldOut, catalog.ProductOutOfStockEvent(after, now))
				}
			}
			l := Line{ProductID: id, Name: p.Name, UnitPrice: p.Price, Quantity: n, LineTotal: p.Price.Mul(int64(n))}
			o.Lines = append(o.Lines, l)
			if o.Subtotal, err = o.Subtotal.Add(l.LineTotal); err != nil {
				return err
			}
		}
		o.Total = o.Subtotal
		status, ref, err := provider.Charge(ctx, o)
		if err != nil {
			return err
		}
		charged = &o
		o.Status, o.PaymentRef = status, ref
		// This run's events, stored with the order or not at all; a run
		// that the adapter retries makes its own.
		wctx := commerce.WithEvents(ctx, append(placedEvents(o), soldOut...)...)
		if err := tx.Orders().CreateOrder(wctx, o); err != nil {
			return err
		}
		placed = o
		return nil
	})
	if err != nil {
		if charged != nil && errors.Is(err, commerce.ErrUnavailable) && s.stored(ctx, userID, charged.ID, in.IdempotencyKey) {
			// The COMMIT went out but its answer did not come back in
			// time (the context ended, or the connection dropped): the
			// database applied it, so the order exists, paid. Its charge
			// is kept; the caller's error stands, and a retry with the
			// same key finds the order.
			return Order{}, err
		}
		refund()
		return Order{}, err
	}
	return placed, nil
}

// storedCheckTimeout bounds the look-up of an order whose COMMIT may have
// been applied after the checkout's context ended.
const storedCheckTimeout = 5 * time.Second

// stored reports whether the order id, made with key, exists after all: a
// transaction whose COMMIT was sent may have been applied though its
// answer was lost. It looks without the checkout's context, which may have
// ended, for at most storedCheckTimeout; when it cannot tell, it answers
// false, and the charge is refunded as for any failed checkout.
func (s *Service) stored(ctx context.Context, userID, id uuid.UUID, key string) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storedCheckTimeout)
	defer cancel()
	o, err := s.repo.GetOrderByKey(ctx, userID, key)
	return err == nil && o.ID == id
}

// wanted returns the quantities to buy by product id. From the cart it
// empties the cart's lines inside the transaction, which also holds the
// cart against concurrent changes until the checkout ends.
func (s *Service) wanted(ctx context.Context, tx Tx, userID uuid.UUID, in CheckoutInput) (map[uuid.UUID]int, error) {
	if !in.FromCart {
		return map[uuid.UUID]int{in.ProductID: in.Quantity}, nil
	}
	wanted := make(map[uuid.UUID]int)
	err := tx.Carts().Update(ctx, cart.UserKey(userID), s.now.Now(), func(q map[uuid.UUID]int) error {
		for id, n := range q {
			if n > 0 {
				wanted[id] = n
			}
		}
		clear(q)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(wanted) == 0 {
		return nil, ErrEmptyCart
	}
	return wanted, nil
}

// requestHash identifies a checkout request, to tell a replay from another
// request with the same idempotency key.
func requestHash(in CheckoutInput, a Address) string {
	h := sha256.New()
	source := "cart"
	if !in.FromCart {
		source = fmt.Sprintf("product %s × %d", in.ProductID, in.Quantity)
	}
	fmt.Fprintf(h, "%s\x1f%s\x1f%s", source, in.PaymentMethod, in.AddressID)
	for _, f := range []string{a.Recipient, a.Phone, a.Line1, a.Line2, a.City, a.Zipcode, a.Note} {
		fmt.Fprintf(h, "\x1f%s", f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// newNumber returns an order number: the date and eight random digits,
// such as "20261125-48312207". A clash is caught by the store's unique
// index and a new number drawn.
func newNumber(now time.Time) string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		n = big.NewInt(now.UnixNano() % 100_000_000)
	}
	return fmt.Sprintf("%s-%08d", now.Format("20060102"), n)
}

// ---- reads ----

// Order returns an order to its customer or to staff. Anyone else gets
// ErrOrderNotFound, as if it did not exist.
func (s *Service) Order(ctx context.Context, actor commerce.Actor, id uuid.UUID) (Order, error) {
	if !actor.SignedIn() {
		return Order{}, ErrSignInRequired
	}
	o, err := s.repo.GetOrder(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if o.UserID != actor.UserID && !actor.IsStaff() {
		return Order{}, ErrOrderNotFound
	}
	return o, nil
}

// OrderByKey returns the order the actor placed with an idempotency key,
// or ErrOrderNotFound; a key that CheckKey refuses is a
// *commerce.ValidationError. A form sent again after its order went
// through — and so after the cart it bought was emptied — finds its order
// here.
func (s *Service) OrderByKey(ctx context.Context, actor commerce.Actor, key string) (Order, error) {
	if !actor.SignedIn() {
		return Order{}, ErrSignInRequired
	}
	key, err := CheckKey(key)
	if err != nil {
		return Order{}, err
	}
	return s.repo.GetOrderByKey(ctx, actor.UserID, key)
}

// Filter selects a page of orders.
type Filter struct {
	// Status keeps the orders in one status; "" keeps all.
	Status Status
	Limit  int
	Cursor string
}

// Orders returns a page of the actor's own orders, newest first.
func (s *Service) Orders(ctx context.Context, actor commerce.Actor, f Filter) (commerce.Page[Order], error) {
	if !actor.SignedIn() {
		return commerce.Page[Order]{}, ErrSignInRequired
	}
	return s.list(ctx, Query{UserID: actor.UserID, Status: f.Status}, f)
}

// AllOrders returns a page of every customer's orders, newest first,
// optionally in one status. Staff only.
func (s *Service) AllOrders(ctx context.Context, actor commerce.Actor, f Filter) (commerce.Page[Order], error) {
	if err := actor.RequireStaff(ErrSignInRequired, ErrStaffOnly); err != nil {
		return commerce.Page[Order]{}, err
	}
	return s.list(ctx, Query{Status: f.Status}, f)
}

func (s *Service) list(ctx context.Context, q Query, f Filter) (commerce.Page[Order], error) {
	var bad commerce.ValidationError
	limit, err := commerce.CheckLimit(f.Limit)
	for k, m := range commerce.FieldErrors(err) {
		bad.Add(k, m)
	}
	before, err := commerce.DecodeCursor(f.Cursor)
	for k, m := range commerce.FieldErrors(err) {
		bad.Add(k, m)
	}
	if f.Status != "" && !f.Status.Valid() {
		bad.Add("status", "must be pending_payment, paid, shipped, delivered or cancelled")
	}
	if err := bad.Err(); err != nil {
		return commerce.Page[Order]{}, err
	}
	q.Before, q.Limit = before, limit+1
	orders, err := s.repo.ListOrders(ctx, q)
	if err != nil {
		return commerce.Page[Order]{}, err
	}
	return commerce.PageOf(orders, limit, func(o Order) uuid.UUID { return o.ID }), nil
}

// ---- status ----

// SetStatus moves an order along the status machine. Staff only; an
// illegal move is ErrStatusConflict. Cancelling returns tracked stock and
// refunds a paid order. The move increments the order's Version and
// stores its event (order.paid, order.shipped, order.delivered or
// order.cancelled: OrderStatusChanged) in its transaction.
func (s *Service) SetStatus(ctx context.Context, actor commerce.Actor, id uuid.UUID, to Status) (Order, error) {
	if err := actor.RequireStaff(ErrSignInRequired, ErrStaffOnly); err != nil {
		return Order{}, err
	}
	if !to.Valid() {
		return Order{}, commerce.Invalid("status", "must be pending_payment, paid, shipped, delivered or cancelled")
	}
	return s.move(ctx, id, to, func(Order) error { return nil })
}

// Cancel cancels an order: its customer may while it has not shipped, and
// staff may. Stock comes back, and a paid order is refunded. The order's
// Version is incremented and its order.cancelled event
// (OrderStatusChanged) stored in the cancellation's transaction.
func (s *Service) Cancel(ctx context.Context, actor commerce.Actor, id uuid.UUID) (Order, error) {
	if !actor.SignedIn() {
		return Order{}, ErrSignInRequired
	}
	return s.move(ctx, id, Cancelled, func(o Order) error {
		switch {
		case o.UserID != actor.UserID && !actor.IsStaff():
			return ErrOrderNotFound
		case o.Status == Shipped || o.Status == Delivered:
			return ErrTooLate
		}
		return nil
	})
}

// move changes an order's status in a transaction after allow agrees, and
// stores the event of the move with the change. The order it returns
// carries its new status, update time and Version.
func (s *Service) move(ctx context.Context, id uuid.UUID, to Status, allow func(Order) error) (Order, error) {
	var moved Order
	err := s.tx.InTx(ctx, func(ctx context.Context, tx Tx) error {
		o, err := tx.Orders().GetOrder(ctx, id)
		if err != nil {
			return err
		}
		if err := allow(o); err != nil {
			return err
		}
		if !o.Status.CanMove(to) {
			return fmt.Errorf("%w: %s → %s", ErrStatusConflict, o.Status, to)
		}
		now := s.now.Now()
		next := o
		next.Status, next.UpdatedAt, next.Version = to, now, o.Version+1
		wctx := commerce.WithEvents(ctx, statusEvent(next, o.Status, now))
		if err := tx.Orders().SetStatus(wctx, id, o.Status, to, now); err != nil {
			return err
		}
		if to == Cancelled {
			for _, l := range o.Lines {
				if err := tx.Stock().ReturnStock(ctx, l.ProductID, l.Quantity); err != nil {
					return err
				}
			}
		}
		moved = next
		return nil
	})
	if err != nil {
		return Order{}, err
	}
	if to == Cancelled {
		if p, ok := s.payments[moved.PaymentMethod]; ok {
			if err := p.Refund(ctx, moved); err != nil {
				return moved, fmt.Errorf("order: cancelled, but the refund failed: %v: %w", err, commerce.ErrUnavailable)
			}
		}
	}
	return moved, nil
}
