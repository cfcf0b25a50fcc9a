package memstore

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
)

// errCatalogWriteInTx refuses catalog writes inside a transaction, which
// the undo log does not cover.
var errCatalogWriteInTx = errors.New("memstore: catalog writes are not part of a transaction")

// undoLog records how to undo each change a transaction made, so that a
// failed transaction leaves the store as it found it, and what to tell the
// events it stored once it commits. A transaction's undoLog also names it
// for commerce.EventsToStore.
type undoLog struct {
	steps   []func()
	commits []func()
}

// record adds the undo of a change just made. A nil log (outside a
// transaction) records nothing.
func (u *undoLog) record(undo func()) {
	if u != nil {
		u.steps = append(u.steps, undo)
	}
}

func (u *undoLog) rollback() {
	for i := len(u.steps) - 1; i >= 0; i-- {
		u.steps[i]()
	}
	u.steps = nil
}

// Transactor returns the store's transactor for checkouts and status
// changes. A transaction holds the store's one lock from start to end, so
// transactions run one at a time, and undoes its changes if fn fails (or
// panics).
func (s *Store) Transactor() order.Transactor { return transactor{s} }

type transactor struct{ s *Store }

var _ order.Transactor = transactor{}

type memTx struct {
	s    *Store
	undo *undoLog
}

func (t memTx) Orders() order.Repository       { return orderRepo{s: t.s, tx: t.undo} }
func (t memTx) Carts() cart.Repository         { return cartRepo{s: t.s, tx: t.undo} }
func (t memTx) Products() order.ProductReader  { return txProducts{catalogRepo{s: t.s, tx: t.undo}} }
func (t memTx) Stock() catalog.StockRepository { return stockRepo{s: t.s, tx: t.undo} }

// txProducts is a transaction's read of products, and offers nothing else:
// the catalog's writes are not part of a transaction.
type txProducts struct{ r catalogRepo }

func (p txProducts) GetProduct(ctx context.Context, id uuid.UUID) (catalog.Product, error) {
	return p.r.GetProduct(ctx, id)
}

func (t transactor) InTx(ctx context.Context, fn func(ctx context.Context, tx order.Tx) error) (err error) {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	undo := &undoLog{}
	defer func() {
		if p := recover(); p != nil {
			undo.rollback()
			panic(p)
		}
		if err != nil {
			undo.rollback()
		}
	}()
	if err := fn(ctx, memTx{s: s, undo: undo}); err != nil {
		return err
	}
	// A context ended during fn fails the commit, as a database would:
	// nothing fn did remains.
	if err := ctxErr(ctx); err != nil {
		return err
	}
	for _, committed := range undo.commits {
		committed()
	}
	return nil
}

// Stock returns the store's stock repository.
func (s *Store) Stock() catalog.StockRepository { return stockRepo{s: s} }

type stockRepo struct {
	s  *Store
	tx *undoLog
}

var _ catalog.StockRepository = stockRepo{}

func (r stockRepo) lock() func() { return catalogRepo(r).lock() }

// TakeStock takes the stock and stores the events ctx carries under one
// hold of the lock, in the transaction's undo log inside one.
func (r stockRepo) TakeStock(ctx context.Context, id uuid.UUID, n int) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	s := r.s
	before := s.products[id]
	if err := s.addStock(id, -n, r.tx, true); err != nil {
		return err
	}
	events, err := s.eventsToStore(ctx, r.tx)
	if err != nil {
		s.products[id] = before // the write fails as a whole
		return err
	}
	s.storeEvents(events, r.tx)
	return nil
}

func (r stockRepo) ReturnStock(ctx context.Context, id uuid.UUID, n int) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer r.lock()()
	return r.s.addStock(id, n, r.tx, false)
}

// addStock changes a product's tracked stock by delta. Taking (strict)
// fails for a missing product and for stock that would go below zero.
func (s *Store) addStock(id uuid.UUID, delta int, undo *undoLog, strict bool) error {
	rec, ok := s.products[id]
	switch {
	case !ok && strict:
		return catalog.ErrProductNotFound
	case !ok || rec.p.Stock == nil:
		return nil
	case *rec.p.Stock+delta < 0:
		return catalog.ErrOutOfStock
	}
	old := rec
	n := *rec.p.Stock + delta
	rec.p.Stock = &n
	rec.p.Version++ // so that an edit read before this cannot write the old stock back
	s.products[id] = rec
	undo.record(func() {
		if _, ok := s.products[id]; ok {
			s.products[id] = old
		}
	})
	return nil
}
