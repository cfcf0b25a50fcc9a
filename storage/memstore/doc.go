// Package memstore is the in-memory storage adapter: every repository of
// the engine, kept in maps behind one lock (sessions, sign-ins in progress
// and throttling counters behind a second). It is the default of the tests
// and of the reference server, and it behaves exactly as the MySQL adapter
// does — storage/storagetest runs the same cases on both.
//
// # Use
//
//	store := memstore.New(nil)
//	products := catalog.NewService(store.Catalog(), nil)
//
// # Copies
//
// Values are copied in and out: a caller that changes a slice or pointer it
// passed or received never changes what the store holds.
//
// # Errors
//
// The store answers with the errors of the domain packages. A call whose
// context has ended does nothing and fails with an error that wraps
// commerce.ErrUnavailable and the context's own error, as in every
// adapter; each method checks the context before it takes the store's
// lock, and a transaction whose context ends before it commits is undone.
//
// # Order
//
// Ids are UUIDv7, so the store keeps each kind of record in a list sorted by
// id, and "newest first" walks that list backwards from the cursor.
//
// # Outbox
//
// The writes that the repository interfaces name — CreateProduct,
// UpdateProduct and DeleteProduct, the stock take, CreateUser, CreateOrder
// and SetStatus, CreatePost — append the domain events their context
// carries (commerce.WithEvents) to the store's outbox under the same hold
// of the lock as their change, after checking them; inside a transaction
// they go in its undo log too, so that a rolled-back checkout leaves no
// event, and learn that they committed when it does. [Store.Outbox] is the
// outbox.Store that package outbox's relays read: a claim takes the oldest
// unsent events that no live claim holds, passing over every later event
// of an aggregate whose earlier event another claim holds, and holds them
// until Sent or Release, until its context ends, or until its lease
// (Options.OutboxLease, on the store's clock) runs out.
package memstore
