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
// A query matches a product when the product's name or its brand's name
// contains it, ignoring case, after Unicode NFC normalisation of both sides
// ([SearchKey]). Korean substrings match: "사과" finds "유기농사과잼", and a
// query typed as decomposed jamo finds the same products as one typed as
// syllables. Results are newest first and paged like any list.
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
// # Storage
//
// The service consumes a [Repository]; storage/memstore and
// storage/bunstore implement it, and storage/storagetest checks that they
// agree.
package catalog
