package bunstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// endKey carries, in a context, the function that ends it.
type endKey struct{}

// endAfter ends a query's context once a statement starting with prefix
// has run on it: the context ends in the middle of a transaction.
type endAfter struct{ prefix string }

func (h endAfter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h endAfter) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if end, ok := ctx.Value(endKey{}).(func()); ok && strings.HasPrefix(e.Query, h.prefix) {
		end()
	}
}

// TestContextEndsInWrite ends the context of a write right after its
// first statement, before the COMMIT: however the database driver reports
// the transaction it rolled back (database/sql answers a late COMMIT with
// sql.ErrTxDone), the error wraps commerce.ErrUnavailable and the
// context's error, and nothing is stored.
func TestContextEndsInWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := newStore(ctx, t)
	// A second Store, over a copy of the DB that ends the context on cue.
	s, err := bunstore.New(ctx, db.WithQueryHook(endAfter{prefix: "INSERT INTO `users`"}), &bunstore.Options{SkipMigrations: true})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ends := []struct {
		name string
		want error
		make func() (context.Context, context.CancelFunc)
	}{
		{"Cancelled", context.Canceled, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			// database/sql rolls the transaction back once it sees the
			// end; give it the moment it needs.
			end := func() { cancel(); time.Sleep(20 * time.Millisecond) }
			return context.WithValue(ctx, endKey{}, end), cancel
		}},
		{"DeadlinePassed", context.DeadlineExceeded, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			end := func() { <-ctx.Done(); time.Sleep(20 * time.Millisecond) }
			return context.WithValue(ctx, endKey{}, end), cancel
		}},
	}
	for _, e := range ends {
		now := commerce.Now()
		u := account.User{
			ID: commerce.NewID(), Username: "u" + strings.ReplaceAll(commerce.NewID().String(), "-", "")[:20], Nickname: "닉" + e.name,
			Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
		}
		ctx, cancel := e.make()
		err := s.Accounts().CreateUser(ctx, u, nil)
		cancel()
		if !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, e.want) {
			t.Errorf("%s: CreateUser: %v, want commerce.ErrUnavailable and %v", e.name, err, e.want)
		}
		if _, err := s.Accounts().GetUser(context.Background(), u.ID); !errors.Is(err, account.ErrUserNotFound) {
			t.Errorf("%s: GetUser after the failed CreateUser: %v, want ErrUserNotFound", e.name, err)
		}
	}
}
