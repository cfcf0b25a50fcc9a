// Package commerce holds the kinds that every part of the engine shares: the
// error kinds and [ValidationError], [Money], identifiers, the [Actor] who
// acts, cursor paging and the clock. It holds nothing domain-specific; the
// domains live in the sub-packages catalog, account, cart, order and board,
// and storage adapters live under storage/.
//
// # Errors
//
// Every error the engine returns wraps one of a few kinds — [ErrNotFound],
// [ErrConflict], [ErrInvalid], [ErrUnauthenticated], [ErrForbidden],
// [ErrUnavailable] and [ErrTooManyRequests] — so callers can branch with
// [errors.Is] without knowing which package or adapter produced it. Domain packages define their own
// errors on top of these (catalog.ErrProductNotFound wraps ErrNotFound), and
// [errors.Is] works at both levels. A [ValidationError] wraps ErrInvalid and
// names every failing field. Its [ValidationError.Text] is the one rule for
// the text people type, used by every domain package: trimmed and put in
// NFC ([CleanText]), then required or not, valid UTF-8, at most so many
// characters, and without control characters (line breaks and tabs allowed
// in multi-line texts), each with one message.
//
// A context that has ended is no exception: a storage adapter that stops
// because its caller's context was cancelled or passed its deadline fails
// with an error that wraps ErrUnavailable and the context's own error
// ([context.Canceled] or [context.DeadlineExceeded]), so [errors.Is] finds
// either, and every adapter does so alike. The services pass it on
// unchanged: a record that could not be read is not a missing one.
//
// # Money
//
// [Money] is a decimal amount in an ISO 4217 currency; the number of minor
// digits comes from a table (KRW has none, USD two, KWD three). There is no
// floating point anywhere, and arithmetic on two currencies fails. In JSON it
// is {"amount":"15000","currency":"KRW"}.
//
// # Identifiers, clock and paging
//
// Identifiers are UUIDv7, so sorting by id sorts by creation time and
// "newest first" is index order. Services take the generator ([IDGenerator])
// and the clock ([Clock]) through their options, so tests can make both
// deterministic. Lists are paged by an opaque cursor ([EncodeCursor],
// [DecodeCursor]) that names the last item seen: an item added between two
// pages never makes a later page repeat or skip one.
package commerce
