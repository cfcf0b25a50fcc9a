// Package retry runs the services' optimistic edits again when they lose a
// race.
//
// # Optimistic edits
//
// A service edits a record by reading it, changing the copy and writing it
// back only if the record is still at the version it read; the repository
// refuses the write otherwise (catalog.ErrVersionConflict,
// account.ErrVersionConflict, board.ErrVersionConflict). An edit that
// named no version of its own — a patch of some fields, a password change,
// a staff flag — has lost nothing but the race: read again, it applies to
// the record as the other edit left it, and undoes none of it.
// [OnConflict] is that loop, in one place, with one bound ([Runs]).
//
// An edit that names the version its user saw (a form read earlier) must
// not be retried: its user decided on values that are no longer there,
// and the conflict is their answer. The services call the edit once then.
//
// # Not for transactions
//
// A storage adapter's own retries of a transaction the database aborted (a
// deadlock, a lock wait timeout) are the adapter's business and have their
// own policy; see storage/bunstore. A lost optimistic race is the service's.
package retry
