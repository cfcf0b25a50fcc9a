package cart

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// Options configure a Service. The zero value, or nil, gives the defaults.
type Options struct {
	// Now is the clock that stamps new lines. Default: time.Now.
	Now commerce.Clock
	// Currency is the currency of the shop's carts; a product priced in
	// another cannot be added. Default: "KRW".
	Currency string
	// PlaceholderImage is the ImageURL of a line's product without images,
	// as catalog.Options.PlaceholderImage. Default:
	// catalog.DefaultPlaceholderImage.
	PlaceholderImage string
}

// Service manages carts: one per signed-in customer and one per guest
// session. It is safe for concurrent use.
type Service struct {
	repo        Repository
	products    catalog.ProductRepository
	currency    string
	now         commerce.Clock
	placeholder string
}

// NewService returns the cart service over its repository and the
// catalog's products. It panics if either is nil.
func NewService(repo Repository, products catalog.ProductRepository, opts *Options) *Service {
	switch {
	case repo == nil:
		panic("cart: nil Repository")
	case products == nil:
		panic("cart: nil ProductRepository")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Service{repo: repo, products: products, currency: opts.Currency, now: opts.Now, placeholder: opts.PlaceholderImage}
	if s.currency == "" {
		s.currency = "KRW"
	}
	if s.placeholder == "" {
		s.placeholder = catalog.DefaultPlaceholderImage
	}
	return s
}

// Cart returns the actor's cart. An actor without a session has an empty
// cart.
func (s *Service) Cart(ctx context.Context, actor commerce.Actor) (Cart, error) {
	key := KeyOf(actor)
	if key == "" {
		return Cart{Lines: []Line{}, Subtotal: commerce.Zero(s.currency)}, nil
	}
	lines, err := s.repo.Lines(ctx, key)
	if err != nil {
		return Cart{}, err
	}
	return s.build(lines), nil
}

// Summary returns the count and subtotal of the actor's cart.
func (s *Service) Summary(ctx context.Context, actor commerce.Actor) (Summary, error) {
	c, err := s.Cart(ctx, actor)
	return Summary{Count: c.Count, Subtotal: c.Subtotal}, err
}

// build prices the lines at their products' current prices.
func (s *Service) build(lines []Line) Cart {
	c := Cart{Lines: lines, Subtotal: commerce.Zero(s.currency)}
	if c.Lines == nil {
		c.Lines = []Line{}
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		l.Product.SetCover(s.placeholder)
		l.LineTotal = l.Product.Price.Mul(int64(l.Quantity))
		c.Count += l.Quantity
		if sum, err := c.Subtotal.Add(l.LineTotal); err == nil {
			c.Subtotal = sum
		}
	}
	return c
}

// Add puts quantity (1..99) more of a product in the actor's cart. A line
// may hold at most 99; adding past that is refused, not capped.
func (s *Service) Add(ctx context.Context, actor commerce.Actor, productID uuid.UUID, quantity int) (Cart, error) {
	key := KeyOf(actor)
	if key == "" {
		return Cart{}, ErrNoCart
	}
	if quantity < 1 || quantity > MaxQuantity {
		return Cart{}, commerce.Invalid("quantity", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
	}
	if err := s.checkProduct(ctx, productID); err != nil {
		return Cart{}, err
	}
	err := s.repo.Update(ctx, key, s.now.Now(), func(q map[uuid.UUID]int) error {
		if q[productID]+quantity > MaxQuantity {
			return commerce.Invalid("quantity", fmt.Sprintf("the cart already holds %d; a line holds at most %d", q[productID], MaxQuantity))
		}
		q[productID] += quantity
		return nil
	})
	if err != nil {
		return Cart{}, productError(err)
	}
	return s.Cart(ctx, actor)
}

// SetQuantity sets the quantity (0..99) of a product in the actor's cart;
// 0 removes the line.
func (s *Service) SetQuantity(ctx context.Context, actor commerce.Actor, productID uuid.UUID, quantity int) (Cart, error) {
	key := KeyOf(actor)
	if key == "" {
		return Cart{}, ErrNoCart
	}
	if quantity < 0 || quantity > MaxQuantity {
		return Cart{}, commerce.Invalid("quantity", fmt.Sprintf("must be between 0 and %d", MaxQuantity))
	}
	if quantity > 0 {
		if err := s.checkProduct(ctx, productID); err != nil {
			return Cart{}, err
		}
	}
	err := s.repo.Update(ctx, key, s.now.Now(), func(q map[uuid.UUID]int) error {
		q[productID] = quantity
		return nil
	})
	if err != nil {
		return Cart{}, productError(err)
	}
	return s.Cart(ctx, actor)
}

// Remove takes a product out of the actor's cart, whatever its quantity.
// Removing a product that is not there changes nothing.
func (s *Service) Remove(ctx context.Context, actor commerce.Actor, productID uuid.UUID) (Cart, error) {
	return s.SetQuantity(ctx, actor, productID, 0)
}

// Clear empties the actor's cart.
func (s *Service) Clear(ctx context.Context, actor commerce.Actor) error {
	key := KeyOf(actor)
	if key == "" {
		return nil
	}
	return s.repo.Update(ctx, key, s.now.Now(), func(q map[uuid.UUID]int) error {
		clear(q)
		return nil
	})
}

// Merge moves the cart of a guest session into the cart of the user who
// just signed in from it: quantities add up, capped at 99, in one
// transaction. Running it twice changes nothing more.
func (s *Service) Merge(ctx context.Context, guestSessionID string, userID uuid.UUID) error {
	if guestSessionID == "" || userID == uuid.Nil {
		return nil
	}
	return s.repo.Merge(ctx, GuestKey(guestSessionID), UserKey(userID), MaxQuantity)
}

// checkProduct refuses a product that does not exist or is priced in
// another currency than the cart's.
func (s *Service) checkProduct(ctx context.Context, id uuid.UUID) error {
	p, err := s.products.GetProduct(ctx, id)
	switch {
	case errors.Is(err, catalog.ErrProductNotFound):
		return commerce.Invalid("product_id", "no such product")
	case err != nil:
		return err
	case p.Price.Currency != s.currency:
		return commerce.Invalid("product_id", fmt.Sprintf("is priced in %s; this shop's carts hold %s", p.Price.Currency, s.currency))
	}
	return nil
}

// productError turns a repository's missing product (deleted between the
// check and the update) into the same validation error as checkProduct's.
func productError(err error) error {
	if errors.Is(err, ErrProductNotFound) {
		return commerce.Invalid("product_id", "no such product")
	}
	return err
}
