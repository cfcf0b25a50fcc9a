package memstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
)

// ImportCarts reads what q names, calls decide and writes the carts it
// returns, all under the store's lock, so that no other change of the
// store runs between the read and the write.
func (r cartRepo) ImportCarts(ctx context.Context, q cart.ImportQuery, decide func(cart.ImportState) (map[cart.Key]map[uuid.UUID]cart.StoredLine, error)) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	st := cart.ImportState{
		Carts:  make(map[cart.Key]map[uuid.UUID]cart.StoredLine),
		Users:  make(map[uuid.UUID]bool),
		Prices: make(map[uuid.UUID]commerce.Money),
	}
	for _, key := range q.Keys {
		if lines := s.storedLines(key); len(lines) > 0 {
			st.Carts[key] = lines
		}
	}
	for _, id := range q.UserIDs {
		if _, ok := s.users[id]; ok {
			st.Users[id] = true
		}
	}
	for _, id := range q.ProductIDs {
		if rec, ok := s.products[id]; ok {
			st.Prices[id] = rec.p.Price
		}
	}
	write, err := decide(st)
	if err != nil {
		return err
	}
	// A context ended while deciding fails the write, as a database's
	// would: nothing is written.
	if err := ctxErr(ctx); err != nil {
		return err
	}
	// All carts are checked before any is written: all or nothing.
	next := make(map[cart.Key]map[uuid.UUID]cartLine, len(write))
	for key, lines := range write {
		n := make(map[uuid.UUID]cartLine, len(lines))
		for id, l := range lines {
			if l.Quantity <= 0 {
				continue
			}
			if _, ok := s.products[id]; !ok {
				return cart.ErrProductNotFound
			}
			n[id] = cartLine{quantity: l.Quantity, addedAt: l.AddedAt}
		}
		next[key] = n
	}
	for key, lines := range next {
		s.setCart(key, lines, r.tx)
	}
	return nil
}
