package order

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
)

// Limits of imported orders, beyond those they share with the checkout.
const (
	// maxLineNameLen is the longest product name a line keeps: the
	// catalog's limit on product names, which checkouts copy.
	maxLineNameLen = 200
	// maxPaymentRefLen is the longest payment reference adapters store.
	maxPaymentRefLen = 255
	// maxNumberLen is the longest order number adapters store.
	maxNumberLen = 32
)

var (
	// maxUnitPrice is the catalog's bound on prices, which every unit
	// price a checkout copies stays below.
	maxUnitPrice = decimal.New(1, 12)
	// maxTotal bounds an order's total below what every adapter stores
	// exactly (a DECIMAL(19,4) holds less than 10^15).
	maxTotal = decimal.New(1, 15)
)

// importKeyPrefix starts the idempotency key of an imported order, which
// no checkout made: "import:" and the order's id, unique per order as the
// stores require.
const importKeyPrefix = "import:"

// ImportOrders stores orders of the shop's past, made by the system the
// engine replaces, as they were. It is an operator's tool for moving a
// shop's history in, not a customer's or staff's action: it takes no
// Actor, and must not be reachable through the API.
//
// An imported order is history: storing it takes no stock, touches no
// cart and charges nothing. Each order keeps the ID, UserID, Status (any
// status), Lines, Address, PaymentMethod, PaymentRef, PlacedAt and
// UpdatedAt it is given, cleaned as the checkout cleans them:
//
//   - ID: required; give it commerce.ImportedID(PlacedAt, source). Order
//     lists go newest first by id, so an id made from PlacedAt lists
//     imported orders by the time they were placed, among the others.
//   - Number: the order number, 1 to 32 digits, capital letters A–Z and
//     hyphens. When empty, an order already stored keeps its number, and
//     a new one gets one in the checkout's format — the UTC date of
//     PlacedAt and eight digits, the millisecond of that day or, should
//     another order hold that number, digits from the id above any
//     millisecond — so that every run gives the same number. A number
//     another order holds skips the order, with an error wrapping
//     ErrDuplicateNumber (commerce.ErrConflict) on "number".
//   - UserID: required, and the user must exist (an error wrapping
//     commerce.ErrNotFound on "user_id" skips the order). A checkout
//     trusts the signed-in actor's id; an import has no actor, so the
//     store checks the id in the import's transaction.
//   - Lines: at least one. Each keeps its ProductID, Name (required, as a
//     product's name), UnitPrice (in the shop's currency, not negative,
//     below the catalog's bound on prices) and Quantity (1 to
//     cart.MaxQuantity, as any checkout's). ProductID uuid.Nil is a
//     product deleted since: the line keeps its name and price, and
//     reads as any other line. A ProductID that names no product is an
//     error wrapping commerce.ErrNotFound on "lines[i].product_id". The
//     service computes LineTotal, Subtotal and Total by the checkout's
//     money rules; the caller's are ignored.
//   - Address: the copy kept in the order, checked as the checkout checks
//     an address except that no field is required, since the old shop
//     may have kept no recipient or phone number; a phone number or
//     postal code given must still look like one. Its ID and CreatedAt
//     are kept (name no address book entry with uuid.Nil), its UserID is
//     the order's.
//   - PaymentMethod: one of the payment methods, or "" when the old shop
//     recorded none; such an order reads with an empty method, and its
//     cancellation refunds nothing. PaymentRef: at most 255 characters.
//   - PlacedAt: required. UpdatedAt: PlacedAt when zero. Both are stored
//     in UTC at microsecond precision.
//
// The order's IdempotencyKey becomes "import:" and its id, and its
// RequestHash empty: no checkout made it, and a checkout can never be
// taken for it. An imported order moves along the status machine like
// any other; cancelling one gives its quantities back to tracked stock,
// which its import never took, so history that is over is best imported
// as Delivered or Cancelled.
//
// An order whose id is stored with the same values is unchanged and not
// written, so that running an import again changes nothing; otherwise it
// is created, at Version 1, or replaces the stored one, lines included,
// at the stored Version + 1 — unless the stored one was changed after it
// (a later UpdatedAt: staff set its status in the shop since), which is
// kept (commerce.ImportKept). An order that breaks a rule is skipped with
// a *commerce.ValidationError naming the fields, as is a second order
// with an id already in the call (an error wrapping commerce.ErrConflict
// on "id").
//
// An import stores no domain events (order.placed and the others): its
// orders are history, placed, paid and shipped long ago, and the
// consumers of the shop's events (fulfilment, say) would take them for
// new ones.
//
// It returns one result per order, in the order given. The orders are
// written in transactions of at most commerce.ImportBatchSize, each in
// multi-row statements. An error is returned only when the store fails:
// nothing of the failing transaction is written, the results of the
// transactions before it stand, and the orders not reached have the zero
// Outcome.
func (s *Service) ImportOrders(ctx context.Context, orders []Order) ([]commerce.ImportResult, error) {
	results := make([]commerce.ImportResult, len(orders))
	prepared := make([]Order, len(orders))
	valid := make([]int, 0, len(orders))
	seen := make(map[uuid.UUID]bool, len(orders))
	for i, o := range orders {
		p, err := s.importedOrder(o)
		if err == nil && seen[p.ID] {
			err = &importError{
				fields: map[string]string{"id": "appears more than once in the import"},
				err:    fmt.Errorf("order: id %s appears more than once in the import: %w", p.ID, commerce.ErrConflict),
			}
		}
		if err != nil {
			results[i] = commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: err}
			continue
		}
		seen[p.ID] = true
		prepared[i] = p
		valid = append(valid, i)
	}
	for batch := range slices.Chunk(valid, commerce.ImportBatchSize) {
		if err := s.importBatch(ctx, prepared, batch, results); err != nil {
			return results, err
		}
	}
	return results, nil
}

// importBatch writes the prepared orders at the indexes batch in one
// transaction, and fills in their results once it has committed.
func (s *Service) importBatch(ctx context.Context, prepared []Order, batch []int, results []commerce.ImportResult) error {
	var q ImportQuery
	users := make(map[uuid.UUID]bool)
	products := make(map[uuid.UUID]bool)
	candidates := make([][]string, len(batch))
	for k, i := range batch {
		o := prepared[i]
		q.IDs = append(q.IDs, o.ID)
		users[o.UserID] = true
		for _, l := range o.Lines {
			if l.ProductID != uuid.Nil {
				products[l.ProductID] = true
			}
		}
		if o.Number != "" {
			candidates[k] = []string{o.Number}
		} else {
			candidates[k] = importNumbers(o.PlacedAt, o.ID)
		}
		q.Numbers = append(q.Numbers, candidates[k]...)
	}
	q.UserIDs = slices.Collect(maps.Keys(users))
	q.ProductIDs = slices.Collect(maps.Keys(products))

	var decided []commerce.ImportResult
	err := s.repo.ImportOrders(ctx, q, func(st ImportState) ([]Order, error) {
		decided = make([]commerce.ImportResult, len(batch))
		write := make([]Order, 0, len(batch))
		holders := maps.Clone(st.Numbers)
		if holders == nil {
			holders = make(map[string]uuid.UUID)
		}
		for k, i := range batch {
			o := prepared[i]
			stored, had := st.Orders[o.ID]
			if err := missing(o, st); err != nil {
				decided[k] = commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: err}
				continue
			}
			if o.Number == "" && had {
				o.Number = stored.Number
			} else {
				o.Number = freeNumber(candidates[k], o.ID, holders)
			}
			if o.Number == "" {
				decided[k] = commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: &importError{
					fields: map[string]string{"number": "held by another order"},
					err:    fmt.Errorf("%w: %s", ErrDuplicateNumber, candidates[k][0]),
				}}
				continue
			}
			if had && holders[stored.Number] == o.ID {
				delete(holders, stored.Number) // free for a later order of the batch, once this one is written
			}
			holders[o.Number] = o.ID
			switch {
			case had && sameOrder(stored, o):
				decided[k].Outcome = commerce.ImportUnchanged
				continue
			case had && stored.UpdatedAt.After(o.UpdatedAt):
				// Changed in the shop since (staff set its status):
				// the shop's order stays.
				decided[k].Outcome = commerce.ImportKept
				continue
			case had:
				decided[k].Outcome = commerce.ImportUpdated
				o.Version = stored.Version + 1
			default:
				decided[k].Outcome = commerce.ImportCreated
				o.Version = 1
			}
			write = append(write, o)
		}
		return write, nil
	})
	if err != nil {
		return err
	}
	for k, i := range batch {
		results[i] = decided[k]
	}
	return nil
}

// missing returns an error naming the user and products that o refers to
// and st says do not exist, or nil.
func missing(o Order, st ImportState) error {
	fields := make(map[string]string)
	var err error
	for i, l := range o.Lines {
		if l.ProductID != uuid.Nil && !st.Products[l.ProductID] {
			fields[fmt.Sprintf("lines[%d].product_id", i)] = fmt.Sprintf("%s: no such product; a deleted product's line has product id %s", l.ProductID, uuid.Nil)
			err = fmt.Errorf("order: line %d names product %s: %w", i, l.ProductID, catalog.ErrProductNotFound)
		}
	}
	if !st.Users[o.UserID] {
		fields["user_id"] = fmt.Sprintf("%s: no such user", o.UserID)
		err = fmt.Errorf("order: user %s %w", o.UserID, commerce.ErrNotFound)
	}
	if err == nil {
		return nil
	}
	return &importError{fields: fields, err: err}
}

// freeNumber returns the first of candidates that no order but id holds,
// or "" when every one is held.
func freeNumber(candidates []string, id uuid.UUID, holders map[string]uuid.UUID) string {
	for _, n := range candidates {
		if h, held := holders[n]; !held || h == id {
			return n
		}
	}
	return ""
}

// msPerDay is the number of milliseconds in a day: the first of an
// imported order's numbers of a day is below it, the second at or above
// it.
const msPerDay = 24 * 60 * 60 * 1000

// importNumbers returns the numbers an imported order without one may
// take, in the format of newNumber: the UTC date of placedAt and eight
// digits, first the millisecond of that day, so that orders placed apart
// get apart numbers, then a number above any millisecond drawn from a
// hash of the id, for an order placed in the same millisecond as another.
// Both depend on placedAt and id only, so every run gives the same.
func importNumbers(placedAt time.Time, id uuid.UUID) []string {
	at := placedAt.UTC()
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	date := at.Format("20060102")
	sum := sha256.Sum256(id[:])
	fallback := msPerDay + binary.BigEndian.Uint64(sum[:8])%(100_000_000-msPerDay)
	return []string{
		fmt.Sprintf("%s-%08d", date, at.Sub(day).Milliseconds()),
		fmt.Sprintf("%s-%08d", date, fallback),
	}
}

// validNumber reports whether s may be an order number: 1 to
// maxNumberLen digits, capital letters A–Z and hyphens. Capitals only,
// because a store may compare numbers without regard to case.
func validNumber(s string) bool {
	if s == "" || len(s) > maxNumberLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') && c != '-' {
			return false
		}
	}
	return true
}

// importedOrder checks an imported order and returns it as it is to be
// stored: cleaned, with its totals computed, its times in UTC at
// microsecond precision and its idempotency key its own.
func (s *Service) importedOrder(in Order) (Order, error) {
	var bad commerce.ValidationError
	if in.ID == uuid.Nil {
		bad.Add("id", "required")
	}
	if in.UserID == uuid.Nil {
		bad.Add("user_id", "required")
	}
	number := strings.TrimSpace(in.Number)
	if number != "" && !validNumber(number) {
		bad.Add("number", fmt.Sprintf("must be 1 to %d digits, capital letters and hyphens, such as 20261125-48312207", maxNumberLen))
	}
	if !in.Status.Valid() {
		bad.Add("status", "must be pending_payment, paid, shipped, delivered or cancelled")
	}
	if in.PaymentMethod != "" && !in.PaymentMethod.Valid() {
		bad.Add("payment_method", "must be card, bank_transfer or mobile, or empty when not recorded")
	}
	ref := bad.Text("payment_ref", in.PaymentRef, commerce.TextRule{Max: maxPaymentRefLen})
	if in.PlacedAt.IsZero() {
		bad.Add("placed_at", "required")
	}
	a := in.Address
	addr, err := s.address(AddressInput{
		Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2,
		City: a.City, Zipcode: a.Zipcode, Note: a.Note,
	}, "address.", false)
	for f, m := range commerce.FieldErrors(err) {
		bad.Add(f, m)
	}
	addr.ID, addr.UserID, addr.CreatedAt = a.ID, in.UserID, importTime(a.CreatedAt)

	o := Order{
		ID: in.ID, Number: number, UserID: in.UserID, Status: in.Status,
		Lines: make([]Line, len(in.Lines)), Subtotal: commerce.Zero(s.currency),
		Address: addr, PaymentMethod: in.PaymentMethod, PaymentRef: ref,
		IdempotencyKey: importKeyPrefix + in.ID.String(),
		PlacedAt:       importTime(in.PlacedAt), UpdatedAt: importTime(in.UpdatedAt),
	}
	if o.UpdatedAt.IsZero() {
		o.UpdatedAt = o.PlacedAt
	}
	if len(in.Lines) == 0 {
		bad.Add("lines", "at least one line")
	}
	for i, l := range in.Lines {
		field := fmt.Sprintf("lines[%d].", i)
		line := Line{
			ProductID: l.ProductID,
			Name:      bad.Text(field+"name", l.Name, commerce.TextRule{Max: maxLineNameLen, Required: true}),
			Quantity:  l.Quantity,
		}
		if l.Quantity < 1 || l.Quantity > cart.MaxQuantity {
			bad.Add(field+"quantity", fmt.Sprintf("must be between 1 and %d", cart.MaxQuantity))
		}
		price, ok := s.unitPrice(&bad, field+"unit_price", l.UnitPrice)
		if ok {
			line.UnitPrice, line.LineTotal = price, price.Mul(int64(line.Quantity))
			o.Subtotal, _ = o.Subtotal.Add(line.LineTotal) // one currency, checked by unitPrice
		}
		o.Lines[i] = line
	}
	if o.Subtotal.Amount.GreaterThanOrEqual(maxTotal) {
		bad.Add("lines", "the total is too large")
	}
	o.Total = o.Subtotal
	return o, bad.Err()
}

// unitPrice checks a line's unit price: in the shop's currency, within its
// digits, not negative and below the catalog's bound. It returns the price
// in canonical form and true, or records the problem on field.
func (s *Service) unitPrice(bad *commerce.ValidationError, field string, m commerce.Money) (commerce.Money, bool) {
	switch {
	case m.Currency == "":
		bad.Add(field, "required")
	case m.Currency != s.currency:
		bad.Add(field, fmt.Sprintf("must be in %s, the shop's currency, not %s", s.currency, m.Currency))
	case !m.Valid():
		bad.Add(field, fmt.Sprintf("has more minor digits than %s allows", m.Currency))
	case m.IsNegative():
		bad.Add(field, "must not be negative")
	case m.Amount.GreaterThanOrEqual(maxUnitPrice):
		bad.Add(field, "is too large")
	default:
		return m.Round(), true
	}
	return commerce.Money{}, false
}

// importTime returns t in UTC at microsecond precision, the precision that
// every adapter stores; the zero time stays zero.
func importTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// sameOrder reports whether the stored order a holds every value that an
// import of b would write.
func sameOrder(a, b Order) bool {
	return a.ID == b.ID && a.Number == b.Number && a.UserID == b.UserID && a.Status == b.Status &&
		a.Subtotal.Equal(b.Subtotal) && a.Total.Equal(b.Total) &&
		a.Address.ID == b.Address.ID && a.Address.UserID == b.Address.UserID &&
		a.Address.Recipient == b.Address.Recipient && a.Address.Phone == b.Address.Phone &&
		a.Address.Line1 == b.Address.Line1 && a.Address.Line2 == b.Address.Line2 &&
		a.Address.City == b.Address.City && a.Address.Zipcode == b.Address.Zipcode &&
		a.Address.Note == b.Address.Note && a.Address.CreatedAt.Equal(b.Address.CreatedAt) &&
		a.PaymentMethod == b.PaymentMethod && a.PaymentRef == b.PaymentRef &&
		a.IdempotencyKey == b.IdempotencyKey && a.RequestHash == b.RequestHash &&
		a.PlacedAt.Equal(b.PlacedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		slices.EqualFunc(a.Lines, b.Lines, func(x, y Line) bool {
			return x.ProductID == y.ProductID && x.Name == y.Name && x.Quantity == y.Quantity &&
				x.UnitPrice.Equal(y.UnitPrice) && x.LineTotal.Equal(y.LineTotal)
		})
}

// importError is why an imported order was skipped when the reason is not
// its own fields' form: a reference to something missing, or a clash with
// another order. It wraps the error of that kind, and names the fields for
// commerce.FieldErrors.
type importError struct {
	fields map[string]string
	err    error
}

func (e *importError) Error() string { return e.err.Error() }

// Unwrap returns the error of the kind, for errors.Is.
func (e *importError) Unwrap() error { return e.err }

// FieldErrors names the fields.
func (e *importError) FieldErrors() map[string]string { return maps.Clone(e.fields) }
