package commerce

import "context"

// staleReadsKey marks a context whose reads may be served stale.
type staleReadsKey struct{}

// AllowStaleReads returns a copy of ctx that lets a storage adapter serve
// the reads made with it from a read replica, which may be a little behind
// the primary database: how far behind at most is the adapter's setting
// (storage/bunstore's Options.MaxReplicaLag). A record written a moment
// ago may then be missing from a list, or read as it was before its last
// change.
//
// The caller that handles a request decides, once, for the whole request:
// the reference server marks a GET (or HEAD) by a visitor or a customer
// that writes nothing. It never marks a request that writes — a read on
// the way to a write, such as an edit's read of the record it changes,
// must see the latest version — nor a staff member's request, whose next
// page shows the edit just made, nor a customer's reads of their own cart,
// orders or profile (an adapter keeps those on the primary whatever the
// context says, but a service may not know what the caller has just
// written).
//
// An adapter without replicas ignores the mark (storage/memstore does),
// and so do reads inside a transaction, which are always the primary's.
func AllowStaleReads(ctx context.Context) context.Context {
	if StaleReadsAllowed(ctx) {
		return ctx
	}
	return context.WithValue(ctx, staleReadsKey{}, true)
}

// WithoutStaleReads returns a copy of ctx whose reads go to the primary
// again, for a step of a marked request that turns out to write (or to
// read for a write): it undoes AllowStaleReads for that step and what it
// calls. The write methods of the catalog, board and cart services begin
// with it, so that the reads they make on the way to a write are the
// primary's even in a request marked by mistake.
func WithoutStaleReads(ctx context.Context) context.Context {
	if !StaleReadsAllowed(ctx) {
		return ctx
	}
	return context.WithValue(ctx, staleReadsKey{}, false)
}

// StaleReadsAllowed reports whether ctx lets its reads be served from a
// read replica: whether it was made by AllowStaleReads, and not undone by
// WithoutStaleReads since.
func StaleReadsAllowed(ctx context.Context) bool {
	allowed, _ := ctx.Value(staleReadsKey{}).(bool)
	return allowed
}
