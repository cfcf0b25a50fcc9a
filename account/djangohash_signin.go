package account

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// maxWarnedHashes bounds how many (user, algorithm) pairs a Service
// remembers having warned about; past it, the oldest are forgotten and may
// be warned about again.
const maxWarnedHashes = 4096

// checkPassword verifies password against u's stored hash, as Verify does,
// except that a hash the engine cannot verify is a wrong password: the
// user gets the answer of one, counted and throttled alike, and the
// operator a warning, once per user and algorithm, naming the user and the
// reason (never the hash, never the password).
func (s *Service) checkPassword(ctx context.Context, u User, password string) (ok, rehash bool, err error) {
	ok, rehash, err = s.hasher.Verify(ctx, password, u.PasswordHash)
	var unsupported *UnsupportedHashError
	if errors.As(err, &unsupported) {
		if s.warned.add(u.ID.String() + " " + unsupported.Algorithm) {
			s.logger.LogAttrs(ctx, slog.LevelWarn,
				"account: a stored password hash cannot be verified; the user cannot sign in with a password until it is reset",
				slog.String("user_id", u.ID.String()),
				slog.String("username", u.Username),
				slog.String("algorithm", unsupported.Algorithm),
				slog.String("reason", unsupported.Reason))
		}
		return false, false, nil
	}
	return ok, rehash, err
}

// warnedSet is a bounded set of keys, forgetting the oldest first. The
// zero value is empty and ready; it is safe for concurrent use.
type warnedSet struct {
	mu    sync.Mutex
	seen  map[string]struct{}
	order []string // the keys in seen, as a ring from next
	next  int
}

// add adds key and reports whether it was new.
func (w *warnedSet) add(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.seen[key]; ok {
		return false
	}
	if w.seen == nil {
		w.seen = make(map[string]struct{})
	}
	if len(w.order) < maxWarnedHashes {
		w.order = append(w.order, key)
	} else {
		delete(w.seen, w.order[w.next])
		w.order[w.next] = key
		w.next = (w.next + 1) % maxWarnedHashes
	}
	w.seen[key] = struct{}{}
	return true
}
