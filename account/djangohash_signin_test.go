package account_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// recordingHandler is a slog.Handler that keeps every record.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) all() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slog.Record(nil), h.records...)
}

// attrs returns r's attributes by key, and its message under "msg".
func attrs(r slog.Record) map[string]string {
	out := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool {
		out[a.Key] = a.Value.String()
		return true
	})
	return out
}

// Hashes of "password1234" that Django verifies and the engine cannot, from
// testdata/django-hashes.json.
const (
	cryptHash   = "crypt$$mIIwWwwGgNz6s"
	argon2dHash = "argon2$argon2d$v=19$m=256,t=1,p=1$QXlUbld0UGI4ZEg3VndBaUxrMmxzZA$XdLO2xSruRN3+LpaJp0bVw"
)

type hashFixture struct {
	store *memstore.Store
	svc   *account.Service
	logs  *recordingHandler
}

func newHashFixture(t *testing.T) *hashFixture {
	t.Helper()
	store := memstore.New(nil)
	logs := &recordingHandler{}
	svc := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), &account.Options{
		Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000}),
		Logger: slog.New(logs),
	})
	return &hashFixture{store: store, svc: svc, logs: logs}
}

// addUser stores a user with the given password hash.
func (f *hashFixture) addUser(t *testing.T, username, hash string) account.User {
	t.Helper()
	now := commerce.Now()
	u := account.User{
		ID: commerce.NewID(), Username: username, PasswordHash: hash, Nickname: username,
		Email: username + "@example.com", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := f.store.Accounts().CreateUser(t.Context(), u, nil); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *hashFixture) signIn(t *testing.T, username, password, client string) (account.SignedIn, error) {
	t.Helper()
	return f.svc.SignIn(t.Context(), account.Credentials{Username: username, Password: password, Client: client}, "")
}

// checkWarning checks that r is the warning about u's hash of alg, and
// that it holds neither the hash nor the password.
func checkWarning(t *testing.T, r slog.Record, u account.User, alg, password string) {
	t.Helper()
	a := attrs(r)
	if r.Level != slog.LevelWarn {
		t.Errorf("level = %v, want WARN", r.Level)
	}
	if a["user_id"] != u.ID.String() || a["username"] != u.Username || a["algorithm"] != alg || a["reason"] == "" {
		t.Errorf("record = %v, want user_id %s, username %s, algorithm %s and a reason", a, u.ID, u.Username, alg)
	}
	_, secret, _ := strings.Cut(u.PasswordHash, "$")
	for k, v := range a {
		if strings.Contains(v, secret) || strings.Contains(v, password) {
			t.Errorf("%s = %q holds the hash or the password", k, v)
		}
	}
}

func TestSignInUnsupportedHash(t *testing.T) {
	f := newHashFixture(t)
	hana := f.addUser(t, "hana", cryptHash)
	minjun := f.addUser(t, "minjun", argon2dHash)

	// The right password and a wrong one get the answer of a wrong one.
	for i, pw := range []string{"password1234", "password1234", "wrong password", "password1234"} {
		if _, err := f.signIn(t, "hana", pw, "198.51.100.1"); !errors.Is(err, account.ErrBadCredentials) || errors.Is(err, account.ErrUnsupportedHash) {
			t.Fatalf("sign-in %d of hana: err = %v, want ErrBadCredentials", i, err)
		}
	}
	// It is logged once for the user.
	records := f.logs.all()
	if len(records) != 1 {
		t.Fatalf("%d records after four sign-ins, want 1: %v", len(records), records)
	}
	checkWarning(t, records[0], hana, "crypt", "password1234")

	if _, err := f.signIn(t, "minjun", "password1234", "198.51.100.1"); !errors.Is(err, account.ErrBadCredentials) {
		t.Fatalf("sign-in of minjun: err = %v, want ErrBadCredentials", err)
	}
	if records = f.logs.all(); len(records) != 2 {
		t.Fatalf("%d records after another user's sign-in, want 2", len(records))
	}
	checkWarning(t, records[1], minjun, "argon2", "password1234")

	// The failures count as wrong passwords do: the client's fifth locks
	// the username for it.
	for i := 1; i <= account.DefaultMaxUsernameClientFailures; i++ {
		if _, err := f.signIn(t, "hana", "password1234", "198.51.100.2"); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("attempt %d: err = %v, want ErrBadCredentials", i, err)
		}
	}
	var tooMany *account.TooManyAttemptsError
	if _, err := f.signIn(t, "hana", "password1234", "198.51.100.2"); !errors.As(err, &tooMany) {
		t.Fatalf("attempt past the limit: err = %v, want a *TooManyAttemptsError", err)
	}
	if n := len(f.logs.all()); n != 2 {
		t.Errorf("%d records, want still 2", n)
	}
}

func TestSignInUnsupportedHashConcurrent(t *testing.T) {
	f := newHashFixture(t)
	u := f.addUser(t, "hana", cryptHash)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := f.signIn(t, "hana", "password1234", fmt.Sprintf("198.51.100.%d", i))
			if !errors.Is(err, account.ErrBadCredentials) {
				t.Errorf("err = %v, want ErrBadCredentials", err)
			}
		})
	}
	wg.Wait()
	records := f.logs.all()
	if len(records) != 1 {
		t.Fatalf("%d records after 8 sign-ins at once, want 1", len(records))
	}
	checkWarning(t, records[0], u, "crypt", "password1234")
}

func TestChangePasswordUnsupportedHash(t *testing.T) {
	f := newHashFixture(t)
	ctx := t.Context()
	hasher := account.NewHasher(&account.HasherOptions{Iterations: 1000})
	hash, err := hasher.Hash(ctx, "password1234")
	if err != nil {
		t.Fatal(err)
	}
	u := f.addUser(t, "hana", hash)
	in, err := f.signIn(t, "hana", "password1234", "")
	if err != nil {
		t.Fatal(err)
	}
	// The stored hash becomes one the engine cannot verify.
	u.PasswordHash, u.Version = cryptHash, u.Version+1
	if err := f.store.Accounts().UpdateUser(ctx, u, u.Version-1); err != nil {
		t.Fatal(err)
	}
	actor := commerce.Actor{UserID: u.ID, SessionID: in.Session.ID}
	err = f.svc.ChangePassword(ctx, actor, "password1234", "a brand new passphrase")
	var bad *commerce.ValidationError
	if !errors.As(err, &bad) || bad.Fields["current_password"] != "wrong password" {
		t.Fatalf("ChangePassword: err = %v, want current_password: wrong password", err)
	}
	records := f.logs.all()
	if len(records) != 1 {
		t.Fatalf("%d records, want 1", len(records))
	}
	checkWarning(t, records[0], u, "crypt", "password1234")
}

// TestSignInDjangoHashes signs users in with hashes of real Django: the
// legacy ones are replaced by the engine's, those at or above their floor
// are kept.
func TestSignInDjangoHashes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "django-hashes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Hasher, Params, Password, Encoded string
		Cheap, Supported                  bool
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	f := newHashFixture(t)
	picked := map[string]bool{}
	for i, v := range vectors {
		// One vector of each hasher and parameters.
		if !v.Supported || picked[v.Hasher+v.Params] {
			continue
		}
		picked[v.Hasher+v.Params] = true
		name := fmt.Sprintf("user%d", i)
		u := f.addUser(t, name, v.Encoded)
		if _, err := f.signIn(t, name, v.Password, ""); err != nil {
			t.Errorf("%s %s: sign-in: %v", v.Hasher, v.Params, err)
			continue
		}
		got, err := f.store.Accounts().GetUser(t.Context(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		legacy := v.Hasher != "pbkdf2_sha256" && v.Hasher != "argon2" && v.Hasher != "scrypt" && !strings.HasPrefix(v.Hasher, "bcrypt")
		if replaced := got.PasswordHash != v.Encoded; replaced != (legacy || v.Cheap) {
			t.Errorf("%s %s: hash replaced = %v, want %v", v.Hasher, v.Params, replaced, legacy || v.Cheap)
		} else if replaced && !strings.HasPrefix(got.PasswordHash, "pbkdf2_sha256$1000$") {
			t.Errorf("%s %s: replaced by %q, not the engine's hash", v.Hasher, v.Params, got.PasswordHash)
		}
	}
	if len(picked) < 15 {
		t.Errorf("tried %d kinds of hash, want every one of the fixture", len(picked))
	}
	if n := len(f.logs.all()); n != 0 {
		t.Errorf("%d warnings, want none", n)
	}
}
