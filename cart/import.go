package cart

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// ImportedCart is a customer's open cart as the system the engine replaces
// kept it, for Service.ImportCarts.
type ImportedCart struct {
	UserID uuid.UUID
	Lines  []ImportedLine
}

// ImportedLine is a line of an ImportedCart: a product, its quantity and
// when it was first put in the cart.
type ImportedLine struct {
	ProductID uuid.UUID
	Quantity  int
	AddedAt   time.Time
}

// ImportCarts replaces the carts of customers with the open carts they had
// in the system the engine replaces. It is an operator's tool for moving a
// shop in, not a shopper's action: it takes no Actor, and must not be
// reachable through the API.
//
// Each cart becomes the cart of its UserID, which must name a user (an
// error wrapping commerce.ErrNotFound on "user_id" skips it), with exactly
// its lines: a line the customer's cart held that the import does not is
// gone, and an imported cart without lines empties the customer's cart.
// Each line is checked as Service.Add checks a line: its product must
// exist (an error wrapping ErrProductNotFound on "lines[i].product_id")
// and be priced in the shop's currency, and its quantity be from 1 to
// MaxQuantity. Its AddedAt is required, and kept in UTC at microsecond
// precision. A product may appear in one line of a cart only; the
// importer adds the quantities of an old shop's duplicate lines up, as it
// sees fit. Guest carts are not imported: a guest session does not
// outlive the move.
//
// A cart whose stored lines are the same — products, quantities and
// times — is unchanged and not written, so that running an import again
// changes nothing; otherwise it is created when the customer's cart is
// empty, and a cart the shop holds that differs is kept as it is
// (commerce.ImportKept): the customer filled or changed it in the shop.
// A cart that breaks a rule is skipped with a
// *commerce.ValidationError naming the fields, as is a second cart of a
// user already in the call (an error wrapping commerce.ErrConflict on
// "user_id").
//
// It returns one result per cart, in the order given. The carts are
// written in transactions of at most commerce.ImportBatchSize, each in
// multi-row statements. An error is returned only when the store fails:
// nothing of the failing transaction is written, the results of the
// transactions before it stand, and the carts not reached have the zero
// Outcome.
func (s *Service) ImportCarts(ctx context.Context, carts []ImportedCart) ([]commerce.ImportResult, error) {
	results := make([]commerce.ImportResult, len(carts))
	prepared := make([]ImportedCart, len(carts))
	valid := make([]int, 0, len(carts))
	seen := make(map[uuid.UUID]bool, len(carts))
	for i, c := range carts {
		p, err := importedCart(c)
		if err == nil && seen[p.UserID] {
			err = &importError{
				fields: map[string]string{"user_id": "has another cart in the import"},
				err:    fmt.Errorf("cart: user %s has two carts in the import: %w", p.UserID, commerce.ErrConflict),
			}
		}
		if err != nil {
			results[i] = commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: err}
			continue
		}
		seen[p.UserID] = true
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

// importBatch writes the prepared carts at the indexes batch in one
// transaction, and fills in their results once it has committed.
func (s *Service) importBatch(ctx context.Context, prepared []ImportedCart, batch []int, results []commerce.ImportResult) error {
	var q ImportQuery
	products := make(map[uuid.UUID]bool)
	for _, i := range batch {
		c := prepared[i]
		q.Keys = append(q.Keys, UserKey(c.UserID))
		q.UserIDs = append(q.UserIDs, c.UserID)
		for _, l := range c.Lines {
			products[l.ProductID] = true
		}
	}
	q.ProductIDs = slices.Collect(maps.Keys(products))

	var decided []commerce.ImportResult
	err := s.repo.ImportCarts(ctx, q, func(st ImportState) (map[Key]map[uuid.UUID]StoredLine, error) {
		decided = make([]commerce.ImportResult, len(batch))
		write := make(map[Key]map[uuid.UUID]StoredLine)
		for k, i := range batch {
			c := prepared[i]
			if err := s.references(c, st); err != nil {
				decided[k] = commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: err}
				continue
			}
			key := UserKey(c.UserID)
			lines := make(map[uuid.UUID]StoredLine, len(c.Lines))
			for _, l := range c.Lines {
				lines[l.ProductID] = StoredLine{Quantity: l.Quantity, AddedAt: l.AddedAt}
			}
			stored := st.Carts[key]
			switch {
			case maps.EqualFunc(stored, lines, sameLine):
				decided[k].Outcome = commerce.ImportUnchanged
				continue
			case len(stored) > 0:
				// The customer's cart in the shop differs: it was
				// filled or changed there, and is theirs now.
				decided[k].Outcome = commerce.ImportKept
				continue
			default:
				decided[k].Outcome = commerce.ImportCreated
			}
			write[key] = lines
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

// references checks what c refers to against st: its user, and its lines'
// products, which must exist and be for sale in the shop's currency.
func (s *Service) references(c ImportedCart, st ImportState) error {
	var bad commerce.ValidationError
	missing := make(map[string]string)
	var err error
	for i, l := range c.Lines {
		field := fmt.Sprintf("lines[%d].product_id", i)
		price, ok := st.Prices[l.ProductID]
		if !ok {
			missing[field] = fmt.Sprintf("%s: no such product", l.ProductID)
			err = fmt.Errorf("cart: line %d names product %s: %w", i, l.ProductID, ErrProductNotFound)
			continue
		}
		if why := s.unavailable(catalog.Product{Price: price}); why != "" {
			bad.Add(field, why)
		}
	}
	if !st.Users[c.UserID] {
		missing["user_id"] = fmt.Sprintf("%s: no such user", c.UserID)
		err = fmt.Errorf("cart: user %s %w", c.UserID, commerce.ErrNotFound)
	}
	if err != nil {
		return &importError{fields: missing, err: err}
	}
	return bad.Err()
}

// sameLine reports whether two stored lines hold the same quantity since
// the same time.
func sameLine(a, b StoredLine) bool { return a.Quantity == b.Quantity && a.AddedAt.Equal(b.AddedAt) }

// importedCart checks the form of an imported cart and returns it as it is
// to be stored: its times in UTC at microsecond precision.
func importedCart(in ImportedCart) (ImportedCart, error) {
	var bad commerce.ValidationError
	if in.UserID == uuid.Nil {
		bad.Add("user_id", "required")
	}
	out := ImportedCart{UserID: in.UserID, Lines: make([]ImportedLine, len(in.Lines))}
	first := make(map[uuid.UUID]int, len(in.Lines))
	for i, l := range in.Lines {
		field := fmt.Sprintf("lines[%d].", i)
		if j, dup := first[l.ProductID]; dup && l.ProductID != uuid.Nil {
			bad.Add(field+"product_id", fmt.Sprintf("the product of line %d again; a cart has one line per product", j))
		}
		first[l.ProductID] = i
		if l.ProductID == uuid.Nil {
			bad.Add(field+"product_id", "required")
		}
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			bad.Add(field+"quantity", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
		}
		if l.AddedAt.IsZero() {
			bad.Add(field+"added_at", "required")
		}
		out.Lines[i] = ImportedLine{ProductID: l.ProductID, Quantity: l.Quantity, AddedAt: l.AddedAt.UTC().Truncate(time.Microsecond)}
	}
	return out, bad.Err()
}

// importError is why an imported cart was skipped when it refers to a user
// or product that does not exist. It wraps the error of that kind, and
// names the fields for commerce.FieldErrors.
type importError struct {
	fields map[string]string
	err    error
}

func (e *importError) Error() string { return e.err.Error() }

// Unwrap returns the error of the kind, for errors.Is.
func (e *importError) Unwrap() error { return e.err }

// FieldErrors names the fields.
func (e *importError) FieldErrors() map[string]string { return maps.Clone(e.fields) }
