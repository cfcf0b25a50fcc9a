package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/cart"
)

// Carts returns the store's cart repository.
func (s *Store) Carts() cart.Repository { return cartRepo{s: s} }

// cartRepo is the carts on the store; tx as in catalogRepo, except that
// cart changes are undone with the transaction.
type cartRepo struct {
	s  *Store
	tx *undoLog
}

var _ cart.Repository = cartRepo{}

type cartLine struct {
	quantity int
	addedAt  time.Time
}

func (r cartRepo) lock() func()  { return catalogRepo(r).lock() }
func (r cartRepo) rlock() func() { return catalogRepo(r).rlock() }

func (r cartRepo) Lines(ctx context.Context, key cart.Key) ([]cart.Line, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	defer r.rlock()()
	s := r.s
	out := []cart.Line{}
	for id, l := range s.carts[key] {
		rec, ok := s.products[id]
		if !ok {
			continue // a deleted product's line drops out
		}
		out = append(out, cart.Line{Product: s.productOut(rec), Quantity: l.quantity, AddedAt: l.addedAt})
	}
	slices.SortFunc(out, func(a, b cart.Line) int {
		if c := a.AddedAt.Compare(b.AddedAt); c != 0 {
			return c
		}
		return compareIDs(a.Product.ID, b.Product.ID)
	})
	return out, nil
}

func (r cartRepo) Update(ctx context.Context, key cart.Key, at time.Time, fn func(map[uuid.UUID]int) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	stored := s.storedLines(key)
	q := make(map[uuid.UUID]int, len(stored))
	for id, l := range stored {
		q[id] = l.Quantity
	}
	if err := fn(q); err != nil {
		return err
	}
	lines := make(map[uuid.UUID]cart.StoredLine, len(q))
	for id, n := range q {
		lines[id] = cart.StoredLine{Quantity: n} // a new line is stamped at
	}
	next, err := s.nextLines(key, lines, at)
	if err != nil {
		return err
	}
	s.setCart(key, next, r.tx)
	return nil
}

func (r cartRepo) UpdatePair(ctx context.Context, a, b cart.Key, at time.Time, fn func(a, b map[uuid.UUID]cart.StoredLine) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if a == b {
		return cart.ErrSameCart
	}
	defer r.lock()()
	s := r.s
	qa, qb := s.storedLines(a), s.storedLines(b)
	if err := fn(qa, qb); err != nil {
		return err
	}
	// Both carts are checked before either is written: all or nothing.
	na, err := s.nextLines(a, qa, at)
	if err != nil {
		return err
	}
	nb, err := s.nextLines(b, qb, at)
	if err != nil {
		return err
	}
	s.setCart(a, na, r.tx)
	s.setCart(b, nb, r.tx)
	return nil
}

// storedLines returns a copy of a cart's lines, without those of deleted
// products.
func (s *Store) storedLines(key cart.Key) map[uuid.UUID]cart.StoredLine {
	out := make(map[uuid.UUID]cart.StoredLine, len(s.carts[key]))
	for id, l := range s.carts[key] {
		if _, ok := s.products[id]; ok {
			out[id] = cart.StoredLine{Quantity: l.quantity, AddedAt: l.addedAt}
		}
	}
	return out
}

// nextLines returns what the lines of cart key become when changed to q
// (from storedLines): a quantity of 0 or less removes a line, a line that
// was there keeps its AddedAt, a new one takes its own or, when zero, at.
// A line of a product that does not exist is cart.ErrProductNotFound.
func (s *Store) nextLines(key cart.Key, q map[uuid.UUID]cart.StoredLine, at time.Time) (map[uuid.UUID]cartLine, error) {
	old := s.carts[key]
	next := make(map[uuid.UUID]cartLine, len(q))
	for id, l := range q {
		if l.Quantity <= 0 {
			continue
		}
		if _, ok := s.products[id]; !ok {
			return nil, cart.ErrProductNotFound
		}
		c, had := old[id]
		if !had {
			c.addedAt = l.AddedAt
			if c.addedAt.IsZero() {
				c.addedAt = at
			}
		}
		c.quantity = l.Quantity
		next[id] = c
	}
	return next, nil
}

// setCart replaces a cart's lines (nil or empty deletes the cart),
// recording the undo.
func (s *Store) setCart(key cart.Key, lines map[uuid.UUID]cartLine, undo *undoLog) {
	old, had := s.carts[key]
	if len(lines) == 0 {
		delete(s.carts, key)
	} else {
		s.carts[key] = lines
	}
	undo.record(func() {
		if had {
			s.carts[key] = old
		} else {
			delete(s.carts, key)
		}
	})
}
