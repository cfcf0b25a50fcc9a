package memstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/order"
)

// ImportOrders reads what q names, calls decide and writes the orders it
// returns, all under the store's lock, so that no other change of the
// store runs between the read and the write.
func (r orderRepo) ImportOrders(ctx context.Context, q order.ImportQuery, decide func(order.ImportState) ([]order.Order, error)) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	st := order.ImportState{
		Orders:   make(map[uuid.UUID]order.Order),
		Numbers:  make(map[string]uuid.UUID),
		Users:    make(map[uuid.UUID]bool),
		Products: make(map[uuid.UUID]bool),
	}
	for _, id := range q.IDs {
		if o, ok := s.orders[id]; ok {
			st.Orders[id] = copyOrder(o)
		}
	}
	for _, n := range q.Numbers {
		if id, ok := s.orderNumber[n]; ok {
			st.Numbers[n] = id
		}
	}
	for _, id := range q.UserIDs {
		if _, ok := s.users[id]; ok {
			st.Users[id] = true
		}
	}
	for _, id := range q.ProductIDs {
		if _, ok := s.products[id]; ok {
			st.Products[id] = true
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
	for _, o := range write {
		s.putOrder(copyOrder(o), r.tx)
	}
	return nil
}

// putOrder stores o, replacing the order with its id and its entries in
// the indexes of keys and numbers, and records the undo.
func (s *Store) putOrder(o order.Order, undo *undoLog) {
	old, had := s.orders[o.ID]
	if had {
		s.unindexOrder(old)
	} else {
		s.orderOrder.insert(o.ID)
	}
	s.orders[o.ID] = o
	s.orderKeys[orderKey(o.UserID, o.IdempotencyKey)] = o.ID
	s.orderNumber[o.Number] = o.ID
	undo.record(func() {
		s.unindexOrder(o)
		if had {
			s.orders[o.ID] = old
			s.orderKeys[orderKey(old.UserID, old.IdempotencyKey)] = old.ID
			s.orderNumber[old.Number] = old.ID
			return
		}
		delete(s.orders, o.ID)
		s.orderOrder.remove(o.ID)
	})
}

// unindexOrder removes o's entries from the indexes of keys and numbers,
// where they are still o's.
func (s *Store) unindexOrder(o order.Order) {
	if key := orderKey(o.UserID, o.IdempotencyKey); s.orderKeys[key] == o.ID {
		delete(s.orderKeys, key)
	}
	if s.orderNumber[o.Number] == o.ID {
		delete(s.orderNumber, o.Number)
	}
}
