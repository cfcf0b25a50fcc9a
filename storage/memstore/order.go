package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/order"
)

// Orders returns the store's order repository.
func (s *Store) Orders() order.Repository { return orderRepo{s: s} }

// orderRepo is the orders and address books on the store; tx as in
// cartRepo.
type orderRepo struct {
	s  *Store
	tx *undoLog
}

var _ order.Repository = orderRepo{}

func (r orderRepo) lock() func()  { return catalogRepo(r).lock() }
func (r orderRepo) rlock() func() { return catalogRepo(r).rlock() }

func orderKey(userID uuid.UUID, key string) string { return userID.String() + "\x00" + key }

// copyOrder returns a copy of o with lines of its own; an order whose
// Version is not set gets version 1, an order just placed.
func copyOrder(o order.Order) order.Order {
	o.Lines = slices.Clone(o.Lines)
	if o.Lines == nil {
		o.Lines = []order.Line{}
	}
	o.Version = max(o.Version, 1)
	return o
}

func (r orderRepo) CreateOrder(ctx context.Context, o order.Order) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	key := orderKey(o.UserID, o.IdempotencyKey)
	switch {
	case s.orders[o.ID].ID != uuid.Nil:
		return order.ErrDuplicateKey
	case s.orderKeys[key] != uuid.Nil:
		return order.ErrDuplicateKey
	case s.orderNumber[o.Number] != uuid.Nil:
		return order.ErrDuplicateNumber
	}
	events, err := s.eventsToStore(ctx, r.tx)
	if err != nil {
		return err
	}
	s.orders[o.ID] = copyOrder(o)
	s.orderKeys[key] = o.ID
	s.orderNumber[o.Number] = o.ID
	s.orderOrder.insert(o.ID)
	r.tx.record(func() {
		delete(s.orders, o.ID)
		delete(s.orderKeys, key)
		delete(s.orderNumber, o.Number)
		s.orderOrder.remove(o.ID)
	})
	s.storeEvents(events, r.tx)
	return nil
}

func (r orderRepo) GetOrder(ctx context.Context, id uuid.UUID) (order.Order, error) {
	if err := ctxErr(ctx); err != nil {
		return order.Order{}, err
	}
	defer r.rlock()()
	o, ok := r.s.orders[id]
	if !ok {
		return order.Order{}, order.ErrOrderNotFound
	}
	return copyOrder(o), nil
}

func (r orderRepo) GetOrderByKey(ctx context.Context, userID uuid.UUID, key string) (order.Order, error) {
	if err := ctxErr(ctx); err != nil {
		return order.Order{}, err
	}
	defer r.rlock()()
	id, ok := r.s.orderKeys[orderKey(userID, key)]
	if !ok {
		return order.Order{}, order.ErrOrderNotFound
	}
	return copyOrder(r.s.orders[id]), nil
}

func (r orderRepo) ListOrders(ctx context.Context, q order.Query) ([]order.Order, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	defer r.rlock()()
	s := r.s
	out := []order.Order{}
	for i := s.orderOrder.below(q.Before) - 1; i >= 0 && len(out) < q.Limit; i-- {
		o := s.orders[s.orderOrder[i]]
		if (q.UserID != uuid.Nil && o.UserID != q.UserID) || (q.Status != "" && o.Status != q.Status) {
			continue
		}
		out = append(out, copyOrder(o))
	}
	return out, nil
}

func (r orderRepo) SetStatus(ctx context.Context, id uuid.UUID, from, to order.Status, at time.Time) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	o, ok := s.orders[id]
	switch {
	case !ok:
		return order.ErrOrderNotFound
	case o.Status != from:
		return order.ErrStatusConflict
	}
	events, err := s.eventsToStore(ctx, r.tx)
	if err != nil {
		return err
	}
	old := o
	o.Status, o.UpdatedAt = to, at
	o.Version++
	s.orders[id] = o
	r.tx.record(func() { s.orders[id] = old })
	s.storeEvents(events, r.tx)
	return nil
}

func (r orderRepo) CreateAddress(ctx context.Context, a order.Address) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	s.addresses[a.ID] = a
	r.tx.record(func() { delete(s.addresses, a.ID) })
	return nil
}

func (r orderRepo) GetAddress(ctx context.Context, id uuid.UUID) (order.Address, error) {
	if err := ctxErr(ctx); err != nil {
		return order.Address{}, err
	}
	defer r.rlock()()
	a, ok := r.s.addresses[id]
	if !ok {
		return order.Address{}, order.ErrAddressNotFound
	}
	return a, nil
}

func (r orderRepo) ListAddresses(ctx context.Context, userID uuid.UUID) ([]order.Address, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	defer r.rlock()()
	out := []order.Address{}
	for _, a := range r.s.addresses {
		if a.UserID == userID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b order.Address) int { return compareIDs(a.ID, b.ID) })
	return out, nil
}

func (r orderRepo) DeleteAddress(ctx context.Context, userID, id uuid.UUID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	a, ok := s.addresses[id]
	if !ok || a.UserID != userID {
		return order.ErrAddressNotFound
	}
	delete(s.addresses, id)
	r.tx.record(func() { s.addresses[id] = a })
	return nil
}
