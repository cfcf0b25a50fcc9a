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
	// Currency is the shop's currency: give it the value of
	// catalog.Options.Currency and order.Options.Currency. A product priced
	// in another cannot be added, and a line of one already in a cart is
	// Unavailable. Default: "KRW".
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

// build prices the lines at their products' current prices and adds up
// the lines that can be bought.
func (s *Service) build(lines []Line) Cart {
	c := Cart{Lines: lines, Subtotal: commerce.Zero(s.currency)}
	if c.Lines == nil {
		c.Lines = []Line{}
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		l.Product.SetCover(s.placeholder)
		l.LineTotal = l.Product.Price.Mul(int64(l.Quantity))
		l.Unavailable = s.unavailable(l.Product)
		sum, err := c.Subtotal.Add(l.LineTotal)
		if err != nil && l.Unavailable == "" {
			// Add fails only on another currency, which unavailable
			// has caught; should it fail anyway, the line says why
			// rather than drop out of the sum unseen.
			l.Unavailable = err.Error()
		}
		if l.Unavailable != "" {
			continue
		}
		c.Count += l.Quantity
		c.Subtotal = sum
	}
	return c
}

// unavailable says why p cannot be bought in this shop, or "" when it can.
func (s *Service) unavailable(p catalog.Product) string {
	if p.Price.Currency != s.currency {
		return fmt.Sprintf("is priced in %s; this shop sells in %s", p.Price.Currency, s.currency)
	}
	return ""
}

// Add puts quantity (1..99) more of a product in the actor's cart. A line
// may hold at most 99; adding past that is refused, not capped.
func (s *Service) Add(ctx context.Context, actor commerce.Actor, productID uuid.UUID, quantity int) (Cart, error) {
	ctx = commerce.WithoutStaleReads(ctx)
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
	ctx = commerce.WithoutStaleReads(ctx)
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
	ctx = commerce.WithoutStaleReads(ctx)
	return s.SetQuantity(ctx, actor, productID, 0)
}

// Clear empties the actor's cart.
func (s *Service) Clear(ctx context.Context, actor commerce.Actor) error {
	ctx = commerce.WithoutStaleReads(ctx)
	key := KeyOf(actor)
	if key == "" {
		return nil
	}
	return s.repo.Update(ctx, key, s.now.Now(), func(q map[uuid.UUID]int) error {
		clear(q)
		return nil
	})
}

// MergeGuest moves the cart of the guest session guestSessionID into the
// cart of userID, who has just signed in from that session: the quantities
// of a product in both add up, capped at MaxQuantity, a line new to the
// customer's cart keeps the time it was added, and the guest cart is left
// empty — all in one transaction. Running it again changes nothing more,
// so a sign-in that fails after it can simply be retried.
//
// MergeGuest is a trusted operation: it takes no actor and checks nothing
// about who asks, because the one caller that knows the guest session
// really became userID's is the account service, at sign-in. Give the
// cart service to account.Options.GuestCarts and it is called there;
// never call it with ids a client sent.
func (s *Service) MergeGuest(ctx context.Context, guestSessionID string, userID uuid.UUID) error {
	ctx = commerce.WithoutStaleReads(ctx)
	if guestSessionID == "" || userID == uuid.Nil {
		return nil
	}
	from, to := GuestKey(guestSessionID), UserKey(userID)
	// Most sign-ins bring no guest cart: one read, and no transaction.
	lines, err := s.repo.Lines(ctx, from)
	if err != nil || len(lines) == 0 {
		return err
	}
	merge := func(guest, user map[uuid.UUID]StoredLine) error {
		for id, g := range guest {
			u, had := user[id]
			if !had {
				u.AddedAt = g.AddedAt
			}
			u.Quantity = min(u.Quantity+g.Quantity, MaxQuantity)
			user[id] = u
		}
		clear(guest)
		return nil
	}
	err = s.repo.UpdatePair(ctx, from, to, s.now.Now(), merge)
	if errors.Is(err, ErrProductNotFound) {
		// A product deleted between the read and the write: its line is
		// gone from the guest cart now, and the rest merges.
		err = s.repo.UpdatePair(ctx, from, to, s.now.Now(), merge)
	}
	return err
}

// checkProduct refuses a product that does not exist or cannot be bought
// (unavailable).
func (s *Service) checkProduct(ctx context.Context, id uuid.UUID) error {
	p, err := s.products.GetProduct(ctx, id)
	switch {
	case errors.Is(err, catalog.ErrProductNotFound):
		return commerce.Invalid("product_id", "no such product")
	case err != nil:
		return err
	}
	if why := s.unavailable(p); why != "" {
		return commerce.Invalid("product_id", why)
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
