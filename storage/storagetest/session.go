package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

func runSessionTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *accountFixture)
	}{
		{"CreateGetDelete", testSessionCRUD},
		{"Touch", testSessionTouch},
		{"IdleExpiry", testSessionIdleExpiry},
		{"AbsoluteExpiry", testSessionAbsoluteExpiry},
		{"DeleteUserSessions", testDeleteUserSessions},
		{"GuestReplacedAtSignIn", testGuestReplacedAtSignIn},
		{"ServiceTimeouts", testServiceTimeouts},
		{"OnReplace", testOnReplace},
		{"Attempts", testAttemptStore},
		{"SignInStates", testSignInStates},
		{"AttemptsCountedAtOnce", testAttemptsCountedAtOnce},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newAccountFixture(t, h, nil))
		})
	}
}

// newSession returns a session that begins now and ends by idleness after
// idle, and by age after absolute.
func (f *accountFixture) newSession(userID uuid.UUID, idle, absolute time.Duration) account.Session {
	now := f.now().UTC().Truncate(time.Microsecond)
	token := commerce.NewID().String() + fmt.Sprint(now.UnixNano())
	return account.Session{
		ID: account.SessionID(token), UserID: userID, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(idle), ExpiresAt: now.Add(absolute),
	}
}

func (f *accountFixture) alive(t *testing.T, id string) bool {
	t.Helper()
	_, err := f.stores.Sessions.GetSession(f.ctx, id)
	switch {
	case err == nil:
		return true
	case errors.Is(err, account.ErrSessionNotFound):
		return false
	}
	t.Fatalf("GetSession: %v", err)
	return false
}

func testSessionCRUD(t *testing.T, f *accountFixture) {
	store := f.stores.Sessions
	s := f.newSession(commerce.NewID(), time.Hour, 2*time.Hour)
	s.Staff = true
	if err := store.CreateSession(f.ctx, s); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := store.GetSession(f.ctx, s.ID)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("GetSession (-stored +read):\n%s", diff)
	}
	guest := f.newSession(uuid.Nil, time.Hour, 2*time.Hour)
	if err := store.CreateSession(f.ctx, guest); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.GetSession(f.ctx, guest.ID); !got.Guest() {
		t.Errorf("a guest session came back with user %v", got.UserID)
	}
	if err := store.DeleteSession(f.ctx, s.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = store.GetSession(f.ctx, s.ID)
	wantErr(t, "GetSession after delete", err, account.ErrSessionNotFound)
	if err := store.DeleteSession(f.ctx, s.ID); err != nil {
		t.Errorf("DeleteSession of a missing session: %v", err)
	}
	_, err = store.GetSession(f.ctx, account.SessionID("never issued"))
	wantErr(t, "GetSession of an unknown id", err, account.ErrSessionNotFound)
	if !f.alive(t, guest.ID) {
		t.Error("deleting one session removed another")
	}
}

func testSessionTouch(t *testing.T, f *accountFixture) {
	store := f.stores.Sessions
	s := f.newSession(commerce.NewID(), time.Hour, 2*time.Hour)
	if err := store.CreateSession(f.ctx, s); err != nil {
		t.Fatal(err)
	}
	seen := s.LastSeenAt.Add(time.Minute)
	if err := store.TouchSession(f.ctx, s.ID, seen, seen.Add(time.Hour)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	got, _ := store.GetSession(f.ctx, s.ID)
	if !got.LastSeenAt.Equal(seen) || !got.IdleExpiresAt.Equal(seen.Add(time.Hour)) || !got.ExpiresAt.Equal(s.ExpiresAt) {
		t.Errorf("after TouchSession: %+v", got)
	}
	err := store.TouchSession(f.ctx, account.SessionID("missing"), seen, seen.Add(time.Hour))
	wantErr(t, "TouchSession of a missing session", err, account.ErrSessionNotFound)
	if f.alive(t, account.SessionID("missing")) {
		t.Error("TouchSession created a session")
	}
}

func testSessionIdleExpiry(t *testing.T, f *accountFixture) {
	store := f.stores.Sessions
	s := f.newSession(commerce.NewID(), time.Second, time.Hour)
	if err := store.CreateSession(f.ctx, s); err != nil {
		t.Fatal(err)
	}
	f.advance(600 * time.Millisecond)
	now := f.now().UTC()
	if err := store.TouchSession(f.ctx, s.ID, now, now.Add(time.Second)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	f.advance(600 * time.Millisecond)
	if !f.alive(t, s.ID) {
		t.Fatal("a touched session expired at its old idle time")
	}
	f.advance(1500 * time.Millisecond)
	if f.alive(t, s.ID) {
		t.Fatal("an idle session did not expire")
	}
	now = f.now().UTC()
	err := store.TouchSession(f.ctx, s.ID, now, now.Add(time.Hour))
	wantErr(t, "TouchSession of an expired session", err, account.ErrSessionNotFound)
	if f.alive(t, s.ID) {
		t.Error("touching revived an expired session")
	}
}

func testSessionAbsoluteExpiry(t *testing.T, f *accountFixture) {
	store := f.stores.Sessions
	s := f.newSession(commerce.NewID(), time.Second, time.Second)
	if err := store.CreateSession(f.ctx, s); err != nil {
		t.Fatal(err)
	}
	f.advance(1500 * time.Millisecond)
	if f.alive(t, s.ID) {
		t.Error("a session outlived its absolute expiry")
	}
}

func testDeleteUserSessions(t *testing.T, f *accountFixture) {
	store := f.stores.Sessions
	a, b := commerce.NewID(), commerce.NewID()
	var mine []account.Session
	for range 3 {
		s := f.newSession(a, time.Hour, time.Hour)
		mine = append(mine, s)
		if err := store.CreateSession(f.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	theirs := f.newSession(b, time.Hour, time.Hour)
	guest := f.newSession(uuid.Nil, time.Hour, time.Hour)
	for _, s := range []account.Session{theirs, guest} {
		if err := store.CreateSession(f.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.DeleteUserSessions(f.ctx, a, mine[1].ID); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	for i, s := range mine {
		if got, want := f.alive(t, s.ID), i == 1; got != want {
			t.Errorf("session %d of the user: alive %v, want %v", i, got, want)
		}
	}
	if !f.alive(t, theirs.ID) || !f.alive(t, guest.ID) {
		t.Error("DeleteUserSessions removed sessions of others")
	}
	if err := store.DeleteUserSessions(f.ctx, a, ""); err != nil {
		t.Fatal(err)
	}
	if f.alive(t, mine[1].ID) {
		t.Error("DeleteUserSessions without an exception kept a session")
	}
	if err := store.DeleteUserSessions(f.ctx, commerce.NewID(), ""); err != nil {
		t.Errorf("DeleteUserSessions of a user without sessions: %v", err)
	}
}

func testGuestReplacedAtSignIn(t *testing.T, f *accountFixture) {
	f.signUp(t, "shopper")
	token, guest, err := f.svc.StartGuest(f.ctx)
	if err != nil {
		t.Fatalf("StartGuest: %v", err)
	}
	actor, _, err := f.svc.Authenticate(f.ctx, token)
	if err != nil || actor.SignedIn() || actor.SessionID != guest.ID {
		t.Fatalf("a guest's actor: %+v, %v", actor, err)
	}
	in, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "shopper", Password: strongPassword}, token)
	if err != nil {
		t.Fatal(err)
	}
	if in.Replaced == nil || in.Replaced.ID != guest.ID || !in.Replaced.Guest() {
		t.Errorf("Replaced = %+v, want the guest session", in.Replaced)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("the guest token still works after sign-in: %v", err)
	}
	// A token nobody issued, or one already gone, replaces nothing.
	again, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "shopper", Password: strongPassword}, token)
	if err != nil || again.Replaced != nil {
		t.Errorf("sign-in with a dead token: Replaced %+v, %v", again.Replaced, err)
	}
}

func testServiceTimeouts(t *testing.T, f *accountFixture) {
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
		IdleTimeout: time.Second, AbsoluteTimeout: 2500 * time.Millisecond, TouchInterval: 100 * time.Millisecond,
	})
	f.svc = svc
	res := f.signUp(t, "sleepy")
	// Activity keeps the session alive past the idle timeout...
	for range 3 {
		f.advance(700 * time.Millisecond)
		if _, _, err := svc.Authenticate(f.ctx, res.Token); err != nil {
			t.Fatalf("an active session ended: %v", err)
		}
	}
	// ...but not past the absolute one.
	f.advance(700 * time.Millisecond)
	if _, _, err := svc.Authenticate(f.ctx, res.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("a session outlived the absolute timeout: %v", err)
	}
	// Without activity it ends after the idle timeout.
	in, _ := svc.SignIn(f.ctx, account.Credentials{Username: "sleepy", Password: strongPassword}, "")
	f.advance(1200 * time.Millisecond)
	if _, _, err := svc.Authenticate(f.ctx, in.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("an idle session did not end: %v", err)
	}
}

func testAttemptStore(t *testing.T, f *accountFixture) {
	store := f.stores.Attempts
	key := "user:" + commerce.NewID().String()
	if n, _, err := store.Failures(f.ctx, key); err != nil || n != 0 {
		t.Fatalf("Failures of a new key: %d, %v", n, err)
	}
	var reset time.Time
	for i := 1; i <= 3; i++ {
		n, r, err := store.AddFailure(f.ctx, key, time.Second)
		if err != nil || n != i {
			t.Fatalf("AddFailure %d: count %d, %v", i, n, err)
		}
		if i == 1 {
			reset = r
		} else if d := r.Sub(reset); d < -50*time.Millisecond || d > 50*time.Millisecond {
			t.Errorf("AddFailure %d moved the window's end from %v to %v", i, reset, r)
		}
	}
	if n, r, err := store.Failures(f.ctx, key); err != nil || n != 3 || r.IsZero() {
		t.Errorf("Failures: %d until %v, %v; want 3", n, r, err)
	}
	other := "client:192.0.2.1"
	if n, _, _ := store.AddFailure(f.ctx, other, time.Second); n != 1 {
		t.Errorf("another key's count: %d", n)
	}
	f.advance(1300 * time.Millisecond)
	if n, _, err := store.Failures(f.ctx, key); err != nil || n != 0 {
		t.Errorf("Failures after the window: %d, %v", n, err)
	}
	if n, _, _ := store.AddFailure(f.ctx, key, time.Second); n != 1 {
		t.Errorf("a failure after the window counts %d, want a new window", n)
	}
	if err := store.ResetFailures(f.ctx, key); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := store.Failures(f.ctx, key); n != 0 {
		t.Errorf("Failures after ResetFailures: %d", n)
	}
}

// testAttemptsCountedAtOnce: failures added to one key at the same time
// each get their own count, 1 to n — the account service judges its
// limits by the count AddFailure returns.
func testAttemptsCountedAtOnce(t *testing.T, f *accountFixture) {
	const n = 40
	key := "signup:" + commerce.NewID().String()
	counts := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { counts[i], _, errs[i] = f.stores.Attempts.AddFailure(f.ctx, key, time.Minute) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts of %d failures added at once: %v, want 1 to %d once each", n, counts, n)
		}
	}
	if got, _, err := f.stores.Attempts.Failures(f.ctx, key); err != nil || got != n {
		t.Errorf("Failures: %d, %v; want %d", got, err, n)
	}
}

// testOnReplace checks the hook that merges a guest's cart at sign-in: it
// sees the guest session, and when it fails the sign-in fails and the guest
// session goes on, so a retry runs it again.
func testOnReplace(t *testing.T, f *accountFixture) {
	f.signUp(t, "merger")
	var (
		calls []string
		fail  = true
	)
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
		OnReplace: func(ctx context.Context, old account.Session, userID uuid.UUID) error {
			calls = append(calls, old.ID)
			if fail {
				return fmt.Errorf("storagetest: merge failed: %w", commerce.ErrUnavailable)
			}
			return nil
		},
	})
	token, guest, err := svc.StartGuest(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.SignIn(f.ctx, account.Credentials{Username: "merger", Password: strongPassword}, token)
	wantErr(t, "sign-in with a failing hook", err, commerce.ErrUnavailable)
	if _, _, err := svc.Authenticate(f.ctx, token); err != nil {
		t.Fatalf("the guest session ended although the sign-in failed: %v", err)
	}
	fail = false
	in, err := svc.SignIn(f.ctx, account.Credentials{Username: "merger", Password: strongPassword}, token)
	if err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if len(calls) != 2 || calls[0] != guest.ID || calls[1] != guest.ID || in.Replaced == nil {
		t.Errorf("hook calls %v, want the guest session %s twice", calls, guest.ID)
	}
	if _, _, err := svc.Authenticate(f.ctx, token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("the guest session after a successful sign-in: %v", err)
	}
	// No session held: no hook.
	if _, err := svc.SignIn(f.ctx, account.Credentials{Username: "merger", Password: strongPassword}, ""); err != nil || len(calls) != 2 {
		t.Errorf("a sign-in without a previous session called the hook: %v, %d calls", err, len(calls))
	}
}
