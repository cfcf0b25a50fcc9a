// Package memstore is the in-memory storage adapter: every repository of
// the engine, kept in maps behind one lock. It is the default of the tests
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
// # Order
//
// Ids are UUIDv7, so the store keeps each kind of record in a list sorted by
// id, and "newest first" walks that list backwards from the cursor.
package memstore
