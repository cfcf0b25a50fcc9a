// Package catalog is the shop's catalog: the social problems, the brands
// that work on them and the products those brands sell.
//
// # Reads
//
// Anyone may read. [Service.Newest] gives the home page (the 8 newest
// products with their brands), [Service.Products] pages through products
// newest first — optionally only one brand's, or only those matching a
// search — and [Service.Brand] and [Service.Problem] give a brand with its
// products and a problem with its brands. Every read costs a fixed number of
// storage queries whatever the number of items.
//
// # Search
//
// A query is split into words, and a product matches when every word occurs
// in its name or its brand's name with spaces ignored on both sides, after
// both are normalised by [SearchKey]: NFKC (full-width letters, jamo), case
// folding, Latin accents removed, 쨈 read as 잼. So "사과 잼", "사과잼" and
// "잼 사과" all find "유기농사과잼", and "cafe" finds "Café 블렌드" ([ParseSearch]
// has the rule; [ProductFilter].Phrase keeps the exact phrase instead).
// Results are newest first, or by relevance ([SortRelevance], [Rank]), and
// paged like any list. [Service.Suggest] completes what a search box holds.
// Adapters find candidates through package catalog/searchindex; the rule
// decides.
//
// # Writes
//
// Only staff write; every write method takes the [commerce.Actor] and checks
// it, returning [ErrSignInRequired] for visitors and [ErrStaffOnly] for
// customers. Input is validated as a whole and a [commerce.ValidationError]
// names every failing field. Edits are optimistic: each record has a
// Version, a patch that names a Version applies only to that version
// ([ErrVersionConflict] otherwise), and a patch without one is applied to
// the current version, retried if another edit lands in between.
//
// Prices are in the shop's one currency ([Options].Currency, KRW by
// default): a price in another is a validation error on price, so the
// catalog never holds a product that carts and orders cannot sell.
//
// A problem that brands still work on cannot be deleted ([ErrProblemInUse]);
// deleting a brand keeps its products, without a brand. A product without
// images shows a placeholder as its cover (Options.PlaceholderImage).
//
// # Events
//
// Each product write tells the world outside the shop through a domain
// event ([commerce.Event]) stored in the same transaction as the write, in
// the store's outbox, for a relay to deliver (package outbox):
// [EventProductCreated] and [EventProductUpdated] carry the product as it
// is ([ProductData], brand name and stock included), [EventProductDeleted]
// names the product gone ([ProductDeleted]), and [EventProductOutOfStock]
// ([ProductOutOfStock]) tells that a product's tracked stock reached 0 —
// by a staff edit, after its product.updated, or by a checkout that took
// the last units (package order stores that one with the order, from
// [ProductOutOfStockEvent]). An event's aggregate is the product and its
// version the product's Version after the change. A write that fails
// stores no event. Problems and brands have none, and imports store none:
// they bring in history that happened elsewhere.
//
// # Storage
//
// The service consumes a [Repository]; storage/memstore and
// storage/bunstore implement it, and storage/storagetest checks that they
// agree.
package catalog
