package bunstore

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
)

// Exclusive runs fn while no other call of Exclusive with the same name
// runs on the same database — in this process or in any other server
// that shares the database — and returns what fn returns. A call waits
// for its turn as long as ctx allows; then it fails with an error wrapping
// commerce.ErrUnavailable and never runs fn.
//
// It is for work that must happen once although several servers start
// together, such as loading demo data: fn checks whether the work is done
// and does it, and whoever comes next finds it done. fn must not call
// Exclusive with the same name: it would wait for itself.
//
// The lock is the server's named lock (GET_LOCK), held on a connection of
// its own while fn runs on the pool's others; named locks are server-wide,
// so the name is scoped to the database by a hash. The server releases the
// lock when that connection ends, so a process that dies in fn never
// leaves the name locked. When the connection breaks while fn runs, the
// lock may already be another's: Exclusive then returns an error wrapping
// commerce.ErrUnavailable even if fn succeeded.
func (s *Store) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	sum := sha1.Sum([]byte(s.name + "\x00" + name))
	lock := "commerce.exclusive." + hex.EncodeToString(sum[:]) // 59 characters, under MySQL's 64
	return withNamedLock(ctx, s.db, lock, fmt.Sprintf("the lock %q", name), fn)
}

// withNamedLock runs fn while holding the named lock lock on a connection
// of its own. Unlike a lock row in a table, a named lock ends with its
// connection, so a process that dies while holding it never leaves it
// locked for the next one. waiting says, in an error, what the caller
// waited for.
func withNamedLock(ctx context.Context, db *bun.DB, lock, waiting string, fn func(ctx context.Context) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return connectError(err)
	}
	defer conn.Close()

	for {
		var got sql.NullInt64
		if err := conn.NewRaw("SELECT GET_LOCK(?, 1)", lock).Scan(ctx, &got); err != nil {
			return unavailable(err)
		}
		if got.Valid && got.Int64 == 1 {
			break
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("bunstore: waiting for %s: %w: %w", waiting, commerce.ErrUnavailable, err)
		}
	}
	defer func() {
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", lock)
		if err == nil && uerr != nil {
			err = unavailable(uerr)
		}
	}()
	return fn(ctx)
}
