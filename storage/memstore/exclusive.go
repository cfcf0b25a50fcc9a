package memstore

import (
	"context"
	"sync"
)

// Exclusive runs fn while no other call of Exclusive on s with the same
// name runs, and returns what fn returns. A call waits for its turn as
// long as ctx allows; then it fails with an error wrapping
// commerce.ErrUnavailable and never runs fn. fn must not call Exclusive
// with the same name: it would wait for itself.
//
// It is bunstore.Store.Exclusive for a store that lives in one process:
// the lock is a channel per name, apart from the store's data lock, so fn
// may use the store's repositories.
func (s *Store) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	turn := s.exclusive.turn(name)
	select {
	case turn <- struct{}{}:
	case <-ctx.Done():
		return ctxErr(ctx)
	}
	defer func() { <-turn }()
	return fn(ctx)
}

// exclusiveNames holds, for each name Exclusive was called with, a channel
// of one slot that the call running under the name fills. Names are few
// (one per kind of start-up work), so they are kept for the store's life.
type exclusiveNames struct {
	mu    sync.Mutex
	turns map[string]chan struct{}
}

func (e *exclusiveNames) turn(name string) chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.turns == nil {
		e.turns = make(map[string]chan struct{})
	}
	t, ok := e.turns[name]
	if !ok {
		t = make(chan struct{}, 1)
		e.turns[name] = t
	}
	return t
}
