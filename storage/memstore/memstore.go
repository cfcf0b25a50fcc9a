package memstore

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// Options configure a Store. There are none yet; nil is fine.
type Options struct{}

// Store keeps everything in memory behind one lock. It is safe for
// concurrent use, and it copies values in and out: no pointer a caller
// passes is ever stored, and no pointer it returns reaches the store.
type Store struct {
	mu sync.RWMutex

	problems map[uuid.UUID]problemRecord
	brands   map[uuid.UUID]brandRecord
	products map[uuid.UUID]productRecord

	problemOrder idList
	brandOrder   idList
	productOrder idList
}

// New returns an empty store.
func New(opts *Options) *Store {
	return &Store{
		problems: make(map[uuid.UUID]problemRecord),
		brands:   make(map[uuid.UUID]brandRecord),
		products: make(map[uuid.UUID]productRecord),
	}
}

// Ping reports whether the store answers; an in-memory store always does,
// unless ctx is done.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

// idList is a list of ids kept in ascending order, which for UUIDv7 is the
// order of creation.
type idList []uuid.UUID

func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// insert adds id in order. New ids are usually the highest, so this is
// nearly always an append.
func (l *idList) insert(id uuid.UUID) {
	i, _ := slices.BinarySearchFunc(*l, id, compareIDs)
	*l = slices.Insert(*l, i, id)
}

func (l *idList) remove(id uuid.UUID) {
	if i, ok := slices.BinarySearchFunc(*l, id, compareIDs); ok {
		*l = slices.Delete(*l, i, i+1)
	}
}

// below returns the index one past the last id lower than before, or the
// length of the list when before is uuid.Nil: walking down from there
// yields the ids lower than before, newest first.
func (l idList) below(before uuid.UUID) int {
	if before == uuid.Nil {
		return len(l)
	}
	i, _ := slices.BinarySearchFunc(l, before, compareIDs)
	return i
}
