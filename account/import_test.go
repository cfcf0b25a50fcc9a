package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/storage/memstore"
)

var importEpoch = time.Date(2022, 3, 29, 10, 4, 5, 123456000, time.UTC)

// importable returns a valid user to import, the k-th of source.
func importable(source string, k int) account.ImportedUser {
	at := importEpoch.Add(time.Duration(k) * time.Hour)
	return account.ImportedUser{User: account.User{
		ID:       commerce.ImportedID(at, fmt.Sprintf("%s:%d", source, k)),
		Username: fmt.Sprintf("%s%d", source, k), Nickname: fmt.Sprintf("%s닉%d", source, k),
		Email:        fmt.Sprintf("%s%d@example.com", source, k),
		PasswordHash: "pbkdf2_sha256$1000$c2FsdA$YWJjZGVmZ2hpams=",
		CreatedAt:    at, UpdatedAt: at,
	}}
}

// TestImportUsernames holds the import to Django's rule for usernames,
// which takes every number where sign-up takes digits only.
func TestImportUsernames(t *testing.T) {
	t.Parallel()
	store := memstore.New(nil)
	svc := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), nil)
	for i, c := range []struct {
		username string
		ok       bool
	}{
		{"minjun.kim", true},
		{"김민준", true},
		{"user+tag@shop-1_2", true},
		{"Ⅻ", true},        // a letter number (Nl)
		{"room²", true},    // a superscript digit (No)
		{"½price", true},   // a vulgar fraction (No)
		{"١٢٣", true},      // Arabic-Indic digits (Nd)
		{" spaced ", true}, // trimmed, as sign-up trims
		{"e\u0301", true},  // NFC makes it é
		{"kim minjun", false},
		{"semi;colon", false},
		{"slash/name", false},
		{"emoji😀", false},
		{"tab\tname", false},
		{strings.Repeat("a", 150), true},
		{strings.Repeat("a", 151), false},
	} {
		u := importable("name", i)
		u.User.Username = c.username
		res, err := svc.ImportUsers(context.Background(), []account.ImportedUser{u})
		if err != nil {
			t.Fatal(err)
		}
		if got := res[0].Outcome == commerce.ImportCreated; got != c.ok {
			t.Errorf("username %q: %v (%v); want accepted %v", c.username, res[0].Outcome, res[0].Err, c.ok)
			continue
		}
		if !c.ok && commerce.FieldErrors(res[0].Err)["username"] == "" {
			t.Errorf("username %q: %v names no field username", c.username, res[0].Err)
		}
	}
	// Sign-up keeps its own, narrower rule.
	_, err := svc.SignUp(context.Background(), account.SignUpInput{
		Username: "Ⅻ.new", Password: "푸른하늘-Bicycle-42", PasswordConfirm: "푸른하늘-Bicycle-42",
		Nickname: "열두", Email: "twelve@example.com",
	}, "")
	if commerce.FieldErrors(err)["username"] == "" {
		t.Errorf("SignUp of a username with a letter number: %v, want it refused", err)
	}
}

// racingImports is a user repository on which another import stores the
// first user of a batch just before each of the service's next races
// writes, so that each of those writes meets a real version conflict.
type racingImports struct {
	account.Repository
	mu     sync.Mutex
	races  int
	writes int
	// failAt, when not 0, makes that write fail as a store that does not
	// answer.
	failAt int
}

var errStoreDown = fmt.Errorf("store down: %w", commerce.ErrUnavailable)

func (r *racingImports) ImportUsers(ctx context.Context, us []account.ImportedUser) error {
	r.mu.Lock()
	r.writes++
	race, fail := r.races > 0, r.writes == r.failAt
	if race {
		r.races--
	}
	r.mu.Unlock()
	if fail {
		return errStoreDown
	}
	if race {
		first := us[0]
		first.User.Nickname = first.User.Nickname + " (다른 가져오기)"
		if err := r.Repository.ImportUsers(ctx, []account.ImportedUser{first}); err != nil {
			return err
		}
	}
	return r.Repository.ImportUsers(ctx, us)
}

// TestImportUsersLostRace has another import store a user of the batch
// between the service's reads and its write: the write is refused, the
// service reads again and decides anew — the other import's user is now
// stored and differs, so it is updated — as long as it loses fewer than
// retry.Runs races.
func TestImportUsersLostRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memstore.New(nil)
	repo := &racingImports{Repository: store.Accounts(), races: 2}
	svc := account.NewService(repo, store.Sessions(), store.Attempts(), nil)
	us := []account.ImportedUser{importable("race", 0), importable("race", 1)}
	res, err := svc.ImportUsers(ctx, us)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != commerce.ImportUpdated || res[1].Outcome != commerce.ImportCreated {
		t.Errorf("after two lost races: %+v; want updated, created", res)
	}
	got, err := store.Accounts().GetUser(ctx, us[0].User.ID)
	if err != nil || got.Nickname != us[0].User.Nickname || got.Version != 3 {
		t.Errorf("the raced user: %+v, %v; want the import's nickname at version 3", got, err)
	}
	if repo.writes != 3 {
		t.Errorf("%d writes, want 3", repo.writes)
	}
}

// TestImportUsersStoreFailure fails the write of the second batch: the
// results of the first stand, the rest are zero, and nothing of the
// second batch is stored.
func TestImportUsersStoreFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memstore.New(nil)
	repo := &racingImports{Repository: store.Accounts(), failAt: 2}
	svc := account.NewService(repo, store.Sessions(), store.Attempts(), nil)
	us := make([]account.ImportedUser, commerce.ImportBatchSize+3)
	for k := range us {
		us[k] = importable("fail", k)
	}
	us[1].User.Email = "not an address"
	res, err := svc.ImportUsers(ctx, us)
	if !errors.Is(err, errStoreDown) {
		t.Fatalf("got %v, want the store's failure", err)
	}
	if len(res) != len(us) {
		t.Fatalf("%d results, want %d", len(res), len(us))
	}
	for k, r := range res {
		want := commerce.ImportCreated
		switch {
		case k == 1:
			want = commerce.ImportSkipped
		case k >= commerce.ImportBatchSize:
			want = 0
		}
		if r.Outcome != want {
			t.Fatalf("user %d: %v (%v), want %v", k, r.Outcome, r.Err, want)
		}
	}
	if _, err := store.Accounts().GetUser(ctx, us[commerce.ImportBatchSize].User.ID); !errors.Is(err, account.ErrUserNotFound) {
		t.Errorf("a user of the failed batch is stored: %v", err)
	}
}

// downSessions is a session store whose deletions fail.
type downSessions struct{ account.SessionStore }

func (downSessions) DeleteUserSessions(context.Context, uuid.UUID, string) error { return errStoreDown }

// TestImportUsersSessionsDown: a batch that must end a user's sessions
// (a staff flag taken away) and cannot is not written.
func TestImportUsersSessionsDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memstore.New(nil)
	svc := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), nil)
	u := importable("down", 0)
	u.User.Staff = true
	if _, err := svc.ImportUsers(ctx, []account.ImportedUser{u}); err != nil {
		t.Fatal(err)
	}
	down := account.NewService(store.Accounts(), downSessions{store.Sessions()}, store.Attempts(), nil)
	u.User.Staff = false
	if _, err := down.ImportUsers(ctx, []account.ImportedUser{u}); !errors.Is(err, errStoreDown) {
		t.Fatalf("got %v, want the session store's failure", err)
	}
	if got, err := store.Accounts().GetUser(ctx, u.User.ID); err != nil || !got.Staff || got.Version != 1 {
		t.Errorf("the user after a failed import: %+v, %v; want it as it was", got, err)
	}
}
