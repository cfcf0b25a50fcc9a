package memstore

import (
	"context"
	"maps"
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
	if err := ctx.Err(); err != nil {
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
	if err := ctx.Err(); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	old := s.carts[key]
	q := make(map[uuid.UUID]int, len(old))
	for id, l := range old {
		if _, ok := s.products[id]; ok {
			q[id] = l.quantity
		}
	}
	if err := fn(q); err != nil {
		return err
	}
	next := make(map[uuid.UUID]cartLine, len(q))
	for id, n := range q {
		if n <= 0 {
			continue
		}
		l, ok := old[id]
		if !ok {
			if _, exists := s.products[id]; !exists {
				return cart.ErrProductNotFound
			}
			l.addedAt = at
		}
		l.quantity = n
		next[id] = l
	}
	s.setCart(key, next, r.tx)
	return nil
}

func (r cartRepo) Merge(ctx context.Context, from, to cart.Key, max int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	src := s.carts[from]
	if len(src) == 0 || from == to {
		return nil
	}
	dst := maps.Clone(s.carts[to])
	if dst == nil {
		dst = make(map[uuid.UUID]cartLine)
	}
	for id, l := range src {
		if _, ok := s.products[id]; !ok {
			continue
		}
		d, ok := dst[id]
		if !ok {
			d.addedAt = l.addedAt
		}
		d.quantity = min(d.quantity+l.quantity, max)
		dst[id] = d
	}
	s.setCart(to, dst, r.tx)
	s.setCart(from, nil, r.tx)
	return nil
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
