package retry

import "context"

// Runs is how many times OnConflict runs an edit at most: the first run
// and four more. Each lost race means that another edit of the record went
// through, so a few runs suffice unless many clients edit one record at
// once; past the bound the conflict goes back to the caller, who may try
// again later, rather than keep a request waiting.
const Runs = 5

// OnConflict runs edit — read a record, change it, write it if its version
// is still the one read — and runs it again, from the read, while it fails
// with an error for which lost reports true, up to Runs runs in all. It
// returns what the last run returned: a result, an error that is not a
// lost race, or the lost race of the last run.
//
// It runs again at once: the next read sees the edit that won, and there
// is nothing to wait for. It stops early, with the last error, once ctx
// has ended, since every read after that would fail.
func OnConflict[T any](ctx context.Context, lost func(error) bool, edit func() (T, error)) (T, error) {
	for run := 1; ; run++ {
		v, err := edit()
		if err == nil || run == Runs || !lost(err) || ctx.Err() != nil {
			return v, err
		}
	}
}
