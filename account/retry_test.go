package account_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/internal/retry"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// racingUsers is a user repository in which another edit of the user —
// a new email — lands just before each of the service's next races
// writes, so that each of those meets a real version conflict.
type racingUsers struct {
	account.Repository
	mu     sync.Mutex
	races  int
	writes int // writes of the service, conflicting or not
}

func (r *racingUsers) UpdateUser(ctx context.Context, u account.User, ifVersion int64) error {
	r.mu.Lock()
	r.writes++
	race := r.races > 0
	if race {
		r.races--
	}
	n := r.writes
	r.mu.Unlock()
	if race {
		cur, err := r.Repository.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		other := cur
		other.Email, other.Version = fmt.Sprintf("race%d@example.com", n), cur.Version+1
		if err := r.Repository.UpdateUser(ctx, other, cur.Version); err != nil {
			return err
		}
	}
	return r.Repository.UpdateUser(ctx, u, ifVersion)
}

// retryFixture is an account service over racingUsers, with one user.
type retryFixture struct {
	ctx   context.Context
	users *racingUsers
	svc   *account.Service
	user  account.User
}

func newRetryFixture(t *testing.T) *retryFixture {
	t.Helper()
	ctx := context.Background()
	store := memstore.New(nil)
	users := &racingUsers{Repository: store.Accounts()}
	svc := account.NewService(users, store.Sessions(), store.Attempts(), &account.Options{
		Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000}),
	})
	now := commerce.Now()
	u := account.User{
		ID: commerce.NewID(), Username: "minjun", Nickname: "민준", Email: "minjun@example.com",
		Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := store.Accounts().CreateUser(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	return &retryFixture{ctx: ctx, users: users, svc: svc, user: u}
}

func (f *retryFixture) race(n int) {
	f.users.mu.Lock()
	f.users.races, f.users.writes = n, 0
	f.users.mu.Unlock()
}

func (f *retryFixture) get(t *testing.T) account.User {
	t.Helper()
	u, err := f.users.GetUser(f.ctx, f.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOptimisticEditsRetry races the account's optimistic edits with
// other edits of the user: each edit reads the user again and goes
// through, keeping the other edits, as long as it loses fewer than
// retry.Runs races; past that the conflict comes back and nothing of the
// edit is stored.
func TestOptimisticEditsRetry(t *testing.T) {
	t.Parallel()
	edits := []struct {
		name  string
		edit  func(f *retryFixture) error
		check func(u account.User) bool // whether the edit is stored
	}{
		{"UpdateProfile", func(f *retryFixture) error {
			_, err := f.svc.UpdateProfile(f.ctx, commerce.UserActor(f.user.ID), account.ProfilePatch{Nickname: commerce.Some("새 민준")})
			return err
		}, func(u account.User) bool { return u.Nickname == "새 민준" }},
		{"ChangePassword", func(f *retryFixture) error {
			return f.svc.ChangePassword(f.ctx, commerce.UserActor(f.user.ID), "", "새-비밀번호-2026!")
		}, func(u account.User) bool { return u.PasswordHash != "" }},
		{"SetStaff", func(f *retryFixture) error {
			_, err := f.svc.SetStaff(f.ctx, commerce.StaffActor(commerce.NewID()), f.user.ID, true)
			return err
		}, func(u account.User) bool { return u.Staff }},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f := newRetryFixture(t)
			f.race(retry.Runs - 1)
			if err := e.edit(f); err != nil {
				t.Fatalf("after %d lost races: %v", retry.Runs-1, err)
			}
			u := f.get(t)
			if !e.check(u) {
				t.Errorf("the edit is not stored: %+v", u)
			}
			if want := fmt.Sprintf("race%d@example.com", retry.Runs-1); u.Email != want || u.Version != int64(1+retry.Runs) {
				t.Errorf("email %q, version %d; want the other edits kept (%q) and version %d", u.Email, u.Version, want, 1+retry.Runs)
			}

			f = newRetryFixture(t)
			f.race(retry.Runs)
			err := e.edit(f)
			if !errors.Is(err, account.ErrVersionConflict) || !errors.Is(err, commerce.ErrConflict) {
				t.Fatalf("after %d lost races: %v, want account.ErrVersionConflict", retry.Runs, err)
			}
			if f.users.writes != retry.Runs {
				t.Errorf("%d writes, want %d", f.users.writes, retry.Runs)
			}
			if u := f.get(t); e.check(u) || u.Version != int64(1+retry.Runs) {
				t.Errorf("an edit that gave up changed the user: %+v", u)
			}
		})
	}
}
