package memstore

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/order"
)

// Options configure a Store. The zero value, or nil, gives the defaults.
type Options struct {
	// Now is the clock by which sessions, sign-in throttling windows and
	// the leases of outbox claims expire, and by which events are marked
	// sent. Default: time.Now. Tests inject a clock they can move.
	Now func() time.Time
	// OutboxLease is how long a claim of the outbox (Store.Outbox) holds
	// its events unless it ends first: a relay that stops without ending
	// its claim loses its events to the next claim after that long.
	// Default (zero or less): DefaultOutboxLease.
	OutboxLease time.Duration
	// NoOutbox turns the outbox off: the writes that store the events
	// their context carries (commerce.WithEvents) ignore them instead —
	// they neither check nor store them, and change what they change
	// without them — so Outbox's claims are always empty. It is for a
	// shop that runs no relay (package outbox), whose unsent events would
	// otherwise pile up in memory, and for measuring what the outbox
	// costs. Default: false, the writes store their events.
	NoOutbox bool
}

// Store keeps everything in memory: the records behind one lock (mu),
// sessions, sign-ins in progress and throttling counters behind another
// (sessMu). It is safe for concurrent use, and it copies values in and
// out: no pointer a caller passes is ever stored, and no pointer it
// returns reaches the store.
type Store struct {
	mu sync.RWMutex

	problems map[uuid.UUID]problemRecord
	brands   map[uuid.UUID]brandRecord
	products map[uuid.UUID]productRecord

	problemOrder idList
	brandOrder   idList
	productOrder idList
	search       catalogIndex // a brand's products, and the search index's sets

	carts map[cart.Key]map[uuid.UUID]cartLine

	orders      map[uuid.UUID]order.Order
	orderOrder  idList
	orderKeys   map[string]uuid.UUID // user id + idempotency key → order
	orderNumber map[string]uuid.UUID
	addresses   map[uuid.UUID]order.Address

	posts     map[uuid.UUID]board.Post
	postOrder idList

	outbox   eventOutbox   // see Outbox
	lease    time.Duration // of the outbox's claims
	noOutbox bool          // Options.NoOutbox: writes store no events

	webhooks *webhookData // see Webhooks; under a lock of its own

	users      map[uuid.UUID]account.User
	userIndex  userIndex
	identities map[string]account.Identity

	// sessMu guards sessions and attempts, which every request reads and
	// which never take part in the catalog's transactions.
	sessMu   sync.Mutex
	sessions map[string]account.Session
	attempts map[string]attemptWindow
	now      func() time.Time

	exclusive exclusiveNames // see Exclusive; its zero value is ready
	signIns   signInStates   // see PutSignInState; under sessMu, its zero value is ready
}

// New returns an empty store.
func New(opts *Options) *Store {
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{
		problems:    make(map[uuid.UUID]problemRecord),
		brands:      make(map[uuid.UUID]brandRecord),
		products:    make(map[uuid.UUID]productRecord),
		carts:       make(map[cart.Key]map[uuid.UUID]cartLine),
		orders:      make(map[uuid.UUID]order.Order),
		orderKeys:   make(map[string]uuid.UUID),
		orderNumber: make(map[string]uuid.UUID),
		addresses:   make(map[uuid.UUID]order.Address),
		posts:       make(map[uuid.UUID]board.Post),
		users:       make(map[uuid.UUID]account.User),
		identities:  make(map[string]account.Identity),
		sessions:    make(map[string]account.Session),
		attempts:    make(map[string]attemptWindow),
		now:         opts.Now,
		outbox:      eventOutbox{ids: make(map[uuid.UUID]bool)},
		lease:       opts.OutboxLease,
		noOutbox:    opts.NoOutbox,
		webhooks:    newWebhookData(),
	}
	if s.lease <= 0 {
		s.lease = DefaultOutboxLease
	}
	s.userIndex.init()
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Ping reports whether the store answers; an in-memory store always does,
// unless ctx is done.
func (s *Store) Ping(ctx context.Context) error { return ctxErr(ctx) }

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
