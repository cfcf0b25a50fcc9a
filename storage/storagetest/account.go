package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
)

// testIterations keeps password hashing cheap in the suite; the cost of the
// default is measured by the account package's benchmarks.
const testIterations = 1000

// A hash made by Django's algorithm (PBKDF2-SHA256, 1,000 iterations) for
// the password djangoPassword, as python3's
// hashlib.pbkdf2_hmac("sha256", password, salt, 1000) computes it.
const (
	djangoPassword = "사과나무-2026!"
	djangoHash     = "pbkdf2_sha256$1000$k3PqXz8Lr2TnW5vYb9Hc1d$7dp9aMjILLAD9EodwZhhKkOQRMKImxKE4u0HraDdq4s="
)

// strongPassword passes the password policy.
const strongPassword = "푸른하늘-Bicycle-42"

// accountFixture is one test's account service over an empty store.
type accountFixture struct {
	ctx     context.Context
	stores  Stores
	repo    account.Repository
	svc     *account.Service
	catalog *catalog.Service // nil when the adapter has no catalog
	now     func() time.Time
	advance func(time.Duration)
}

func newAccountFixture(t *testing.T, h Harness, opts *account.Options) *accountFixture {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Accounts == nil || stores.Sessions == nil || stores.Attempts == nil {
		t.Skip("the adapter has no account, session or attempt store")
	}
	f := &accountFixture{ctx: ctx, stores: stores, repo: stores.Accounts, now: stores.Now, advance: stores.Advance}
	if f.now == nil {
		f.now = time.Now
	}
	if f.advance == nil {
		f.advance = time.Sleep
	}
	if opts == nil {
		opts = &account.Options{}
	}
	o := *opts
	o.Now = f.now
	if o.Hasher == nil {
		o.Hasher = account.NewHasher(&account.HasherOptions{Iterations: testIterations})
	}
	f.svc = account.NewService(stores.Accounts, stores.Sessions, stores.Attempts, &o)
	if stores.Catalog != nil {
		f.catalog = catalog.NewService(stores.Catalog, nil)
	}
	return f
}

func (f *accountFixture) signUp(t *testing.T, username string) account.SignedIn {
	t.Helper()
	res, err := f.svc.SignUp(f.ctx, account.SignUpInput{
		Username: username, Password: strongPassword, PasswordConfirm: strongPassword,
		Nickname: username + "닉", Email: username + "@example.com",
	}, "")
	if err != nil {
		t.Fatalf("SignUp(%q): %v", username, err)
	}
	return res
}

func wantTaken(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	var taken *account.TakenError
	if !errors.As(err, &taken) || !errors.Is(err, commerce.ErrConflict) {
		t.Fatalf("%s: got %v, want a *account.TakenError", what, err)
	}
	slices.Sort(fields)
	if diff := cmp.Diff(fields, taken.Fields); diff != "" {
		t.Fatalf("%s: taken fields (-want +got):\n%s", what, diff)
	}
}

func runAccountTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *accountFixture)
	}{
		{"SignUpAndSignIn", testSignUpAndSignIn},
		{"SignUpValidation", testSignUpValidation},
		{"Uniqueness", testUniqueness},
		{"ConcurrentSignUp", testConcurrentSignUp},
		{"Interests", testInterests},
		{"UpdateProfile", testUpdateProfile},
		{"ChangePassword", testChangePassword},
		{"DjangoHashRehashed", testDjangoHashRehashed},
		{"Throttling", testThrottling},
		{"ThrottlingBurst", testThrottlingBurst},
		{"ChangePasswordThrottling", testChangePasswordThrottling},
		{"SignInRequiredFields", testSignInRequiredFields},
		{"SignUpThrottling", testSignUpThrottling},
		{"ExternalSignIn", testExternalSignIn},
		{"ExternalNeverMatchesByEmail", testExternalNeverMatchesByEmail},
		{"LinkIdentity", testLinkIdentity},
		{"ConcurrentExternalSignIn", testConcurrentExternalSignIn},
		{"BootstrapStaff", testBootstrapStaff},
		{"Users", testUsers},
		{"UsersByID", testUsersByID},
		{"SetStaff", testSetStaff},
		{"RepositoryContracts", testAccountRepositoryContracts},
		{"SignUpWithSessionsDown", testSignUpWithSessionsDown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newAccountFixture(t, h, nil))
		})
	}
}

func testSignUpAndSignIn(t *testing.T, f *accountFixture) {
	res, err := f.svc.SignUp(f.ctx, account.SignUpInput{
		Username: "MinJun.Kim", Password: strongPassword, PasswordConfirm: strongPassword,
		Nickname: "민준", Email: "MinJun@Example.com",
	}, "")
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if res.Token == "" || res.Account.Username != "MinJun.Kim" || res.Account.Email != "MinJun@Example.com" ||
		!res.Account.HasPassword || res.Account.Staff || len(res.Account.Identities) != 0 {
		t.Errorf("SignUp: %+v", res)
	}
	if res.Session.ID != account.SessionID(res.Token) || strings.Contains(res.Session.ID, res.Token) {
		t.Errorf("session id %q is not the SHA-256 of the token", res.Session.ID)
	}
	actor, _, err := f.svc.Authenticate(f.ctx, res.Token)
	if err != nil || actor.UserID != res.Account.ID || actor.Staff || actor.SessionID != res.Session.ID {
		t.Errorf("Authenticate(sign-up token): %+v, %v", actor, err)
	}

	// Usernames compare case-insensitively; every sign-in makes a new token.
	in, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "minjun.KIM", Password: strongPassword}, res.Token)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if in.Token == res.Token || in.Account.ID != res.Account.ID {
		t.Errorf("SignIn: token reused or another account: %+v", in.Account)
	}
	if in.Replaced == nil || in.Replaced.ID != res.Session.ID {
		t.Errorf("SignIn: Replaced %+v, want the sign-up session", in.Replaced)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, res.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("the replaced token still works: %v", err)
	}

	u, err := f.repo.GetUser(f.ctx, res.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, fmt.Sprintf("pbkdf2_sha256$%d$", testIterations)) || strings.Contains(u.PasswordHash, strongPassword) {
		t.Errorf("stored hash %q", u.PasswordHash)
	}

	for _, c := range []account.Credentials{
		{Username: "MinJun.Kim", Password: strongPassword + "x"},
		{Username: "nobody", Password: strongPassword},
	} {
		_, err := f.svc.SignIn(f.ctx, c, "")
		wantErr(t, fmt.Sprintf("SignIn(%q)", c.Username), err, account.ErrBadCredentials)
		wantErr(t, "SignIn", err, commerce.ErrUnauthenticated)
	}

	if err := f.svc.SignOut(f.ctx, in.Token); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, in.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("a signed-out token still works: %v", err)
	}
	if err := f.svc.SignOut(f.ctx, in.Token); err != nil {
		t.Errorf("signing out twice: %v", err)
	}
}

func testSignUpValidation(t *testing.T, f *accountFixture) {
	f.signUp(t, "taken")
	cases := []struct {
		name   string
		in     account.SignUpInput
		fields []string
	}{
		{"empty", account.SignUpInput{}, []string{"username", "nickname", "email", "password", "password_confirm"}},
		{"mismatch and bad email", account.SignUpInput{
			Username: "jiwoo", Nickname: "지우", Email: "not-an-email",
			Password: strongPassword, PasswordConfirm: strongPassword + "!",
		}, []string{"email", "password_confirm"}},
		{"weak passwords", account.SignUpInput{
			Username: "seoyeon", Nickname: "서연", Email: "seoyeon@example.com", Password: "12345678", PasswordConfirm: "12345678",
		}, []string{"password"}},
		{"like the username", account.SignUpInput{
			Username: "seoyeon.park", Nickname: "서연", Email: "s@example.com", Password: "seoyeonpark1", PasswordConfirm: "seoyeonpark1",
		}, []string{"password"}},
		{"bad username and a taken email", account.SignUpInput{
			Username: "no spaces!", Nickname: "새이름", Email: "TAKEN@example.com", Password: strongPassword, PasswordConfirm: strongPassword,
		}, []string{"username", "email"}},
	}
	for _, c := range cases {
		_, err := f.svc.SignUp(f.ctx, c.in, "")
		wantFields(t, c.name, err, c.fields...)
	}
	_, err := f.svc.SignUp(f.ctx, account.SignUpInput{
		Username: "short", Nickname: "짧은", Email: "short@example.com", Password: "abc", PasswordConfirm: "abc",
	}, "")
	if msg := commerce.FieldErrors(err)["password"]; !strings.Contains(msg, "8") {
		t.Errorf("a short password: message %q does not give the minimum length", msg)
	}
	if _, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "seoyeon", Password: "12345678"}, ""); !errors.Is(err, account.ErrBadCredentials) {
		t.Errorf("a refused sign-up left a user behind: %v", err)
	}
}

func testUniqueness(t *testing.T, f *accountFixture) {
	f.signUp(t, "hana")
	cases := []struct {
		in     account.SignUpInput
		fields []string
	}{
		{account.SignUpInput{Username: "HANA", Nickname: "다른닉", Email: "other@example.com"}, []string{"username"}},
		{account.SignUpInput{Username: "dul", Nickname: "HANA닉", Email: "dul@example.com"}, []string{"nickname"}},
		{account.SignUpInput{Username: "set", Nickname: "셋", Email: "Hana@EXAMPLE.com"}, []string{"email"}},
		{account.SignUpInput{Username: "hana", Nickname: "hana닉", Email: "hana@example.com"}, []string{"username", "nickname", "email"}},
	}
	for _, c := range cases {
		c.in.Password, c.in.PasswordConfirm = strongPassword, strongPassword
		_, err := f.svc.SignUp(f.ctx, c.in, "")
		wantTaken(t, "SignUp "+c.in.Username, err, c.fields...)
	}
	// The repository refuses on its own, whatever the service checked.
	now := f.now().UTC().Truncate(time.Microsecond)
	u := account.User{ID: commerce.NewID(), Username: "Hana", Nickname: "새닉네임", Email: "x@example.com", CreatedAt: now, UpdatedAt: now, Version: 1}
	err := f.repo.CreateUser(f.ctx, u, nil)
	wantErr(t, "repo CreateUser with a taken username", err, commerce.ErrConflict)
	if got := commerce.FieldErrors(err); got["username"] == "" {
		t.Errorf("repo CreateUser: conflict fields %v, want username", got)
	}
	u.Username, u.Email = "other", "HANA@example.com"
	if got := commerce.FieldErrors(f.repo.CreateUser(f.ctx, u, nil)); got["email"] == "" {
		t.Errorf("repo CreateUser with a taken email: fields %v, want email", got)
	}
	// Users without an email do not collide with each other.
	for i := range 2 {
		u := account.User{ID: commerce.NewID(), Username: fmt.Sprintf("noemail%d", i), Nickname: fmt.Sprintf("무메일%d", i), CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := f.repo.CreateUser(f.ctx, u, nil); err != nil {
			t.Errorf("a second user without email: %v", err)
		}
	}
}

func testConcurrentSignUp(t *testing.T, f *accountFixture) {
	const n = 10
	var (
		wg   sync.WaitGroup
		won  = make(chan account.SignedIn, n)
		errs = make(chan error, n)
	)
	for i := range n {
		wg.Go(func() {
			res, err := f.svc.SignUp(f.ctx, account.SignUpInput{
				Username: "race", Password: strongPassword, PasswordConfirm: strongPassword,
				Nickname: fmt.Sprintf("경주%d", i), Email: fmt.Sprintf("race%d@example.com", i),
			}, "")
			if err != nil {
				errs <- err
				return
			}
			won <- res
		})
	}
	wg.Wait()
	close(won)
	close(errs)
	if len(won) != 1 {
		t.Fatalf("%d concurrent sign-ups of one username succeeded, want exactly 1", len(won))
	}
	for err := range errs {
		if fields := commerce.FieldErrors(err); !errors.Is(err, commerce.ErrConflict) || fields["username"] == "" {
			t.Errorf("a losing sign-up: %v (fields %v), want a conflict naming username", err, fields)
		}
	}
}

func testInterests(t *testing.T, f *accountFixture) {
	if f.catalog == nil {
		t.Skip("the adapter has no catalog to hold problems")
	}
	a, _ := f.catalog.CreateProblem(f.ctx, staff, catalog.ProblemInput{Name: "환경"})
	b, _ := f.catalog.CreateProblem(f.ctx, staff, catalog.ProblemInput{Name: "교육"})
	in := account.SignUpInput{
		Username: "suji", Nickname: "수지", Email: "suji@example.com", Password: strongPassword, PasswordConfirm: strongPassword,
		Interests: []uuid.UUID{b.ID, a.ID, b.ID},
	}
	res, err := f.svc.SignUp(f.ctx, in, "")
	if err != nil {
		t.Fatalf("SignUp with interests: %v", err)
	}
	want := []uuid.UUID{a.ID, b.ID}
	slices.SortFunc(want, func(x, y uuid.UUID) int { return strings.Compare(x.String(), y.String()) })
	if diff := cmp.Diff(want, res.Account.Interests); diff != "" {
		t.Errorf("interests, a sorted set (-want +got):\n%s", diff)
	}
	in.Username, in.Nickname, in.Email, in.Interests = "other", "다른", "other@example.com", []uuid.UUID{commerce.NewID()}
	_, err = f.svc.SignUp(f.ctx, in, "")
	wantFields(t, "SignUp with an unknown interest", err, "interests")

	// A deleted problem leaves the interests of its followers.
	if err := f.catalog.DeleteProblem(f.ctx, staff, a.ID); err != nil {
		t.Fatal(err)
	}
	actor := commerce.UserActor(res.Account.ID)
	acct, err := f.svc.Account(f.ctx, actor)
	if err != nil || !slices.Equal(acct.Interests, []uuid.UUID{b.ID}) {
		t.Errorf("interests after a problem was deleted: %v, %v; want only %v", acct.Interests, err, b.ID)
	}
	acct, err = f.svc.UpdateProfile(f.ctx, actor, account.ProfilePatch{Interests: commerce.Some([]uuid.UUID{})})
	if err != nil || len(acct.Interests) != 0 {
		t.Errorf("clearing interests: %v, %v", acct.Interests, err)
	}
}

func testUpdateProfile(t *testing.T, f *accountFixture) {
	me := f.signUp(t, "jisoo")
	f.signUp(t, "other")
	actor := commerce.UserActor(me.Account.ID)

	acct, err := f.svc.UpdateProfile(f.ctx, actor, account.ProfilePatch{
		Username: commerce.Some("JISOO"), Nickname: commerce.Some("지수"), Email: commerce.Some("new@example.com"),
	})
	if err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	if acct.Username != "JISOO" || acct.Nickname != "지수" || acct.Email != "new@example.com" {
		t.Errorf("UpdateProfile: %+v", acct)
	}
	// The old email is free again, the new one taken.
	f.signUp(t, "jisoo2") // uses jisoo2@example.com
	_, err = f.svc.UpdateProfile(f.ctx, actor, account.ProfilePatch{Username: commerce.Some("Other"), Email: commerce.Some("OTHER@example.com")})
	wantTaken(t, "UpdateProfile to taken values", err, "username", "email")
	_, err = f.svc.UpdateProfile(f.ctx, actor, account.ProfilePatch{Nickname: commerce.Some(""), Email: commerce.Some("bad")})
	wantFields(t, "UpdateProfile with bad values", err, "nickname", "email")
	_, err = f.svc.UpdateProfile(f.ctx, commerce.Anonymous, account.ProfilePatch{Nickname: commerce.Some("x")})
	wantErr(t, "UpdateProfile anonymously", err, commerce.ErrUnauthenticated)

	got, _ := f.svc.Account(f.ctx, actor)
	if got.Username != "JISOO" || got.Email != "new@example.com" {
		t.Errorf("refused edits changed the account: %+v", got)
	}
	if _, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "jisoo", Password: strongPassword}, ""); err != nil {
		t.Errorf("signing in with the new username in another case: %v", err)
	}
}

func testChangePassword(t *testing.T, f *accountFixture) {
	first := f.signUp(t, "yuna")
	second, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "yuna", Password: strongPassword}, "")
	if err != nil {
		t.Fatal(err)
	}
	third, _ := f.svc.SignIn(f.ctx, account.Credentials{Username: "yuna", Password: strongPassword}, "")
	other := f.signUp(t, "bystander")
	actor, _, err := f.svc.Authenticate(f.ctx, second.Token)
	if err != nil {
		t.Fatal(err)
	}

	err = f.svc.ChangePassword(f.ctx, actor, "wrong password", "새-비밀번호-Garden-7")
	wantFields(t, "ChangePassword with a wrong current password", err, "current_password")
	err = f.svc.ChangePassword(f.ctx, actor, strongPassword, "1234567890")
	wantFields(t, "ChangePassword to a weak password", err, "new_password")
	if _, _, err := f.svc.Authenticate(f.ctx, first.Token); err != nil {
		t.Fatalf("a refused change ended sessions: %v", err)
	}

	if err := f.svc.ChangePassword(f.ctx, actor, strongPassword, "새-비밀번호-Garden-7"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	for _, tok := range []string{first.Token, third.Token} {
		if _, _, err := f.svc.Authenticate(f.ctx, tok); !errors.Is(err, account.ErrSessionEnded) {
			t.Errorf("another session survived the password change: %v", err)
		}
	}
	if _, _, err := f.svc.Authenticate(f.ctx, second.Token); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, other.Token); err != nil {
		t.Errorf("another user's session ended: %v", err)
	}
	if _, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "yuna", Password: strongPassword}, ""); !errors.Is(err, account.ErrBadCredentials) {
		t.Errorf("the old password still works: %v", err)
	}
	if _, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "yuna", Password: "새-비밀번호-Garden-7"}, ""); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
}

func testDjangoHashRehashed(t *testing.T, f *accountFixture) {
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: 2 * testIterations}),
	})
	now := f.now().UTC().Truncate(time.Microsecond)
	u := account.User{
		ID: commerce.NewID(), Username: "django_user", PasswordHash: djangoHash,
		Nickname: "장고", Email: "django@example.com", CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := f.repo.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignIn(f.ctx, account.Credentials{Username: "django_user", Password: djangoPassword}, ""); err != nil {
		t.Fatalf("signing in with a password hashed by Django: %v", err)
	}
	got, _ := f.repo.GetUser(f.ctx, u.ID)
	if !strings.HasPrefix(got.PasswordHash, fmt.Sprintf("pbkdf2_sha256$%d$", 2*testIterations)) {
		t.Errorf("hash after sign-in: %q, want it re-hashed at %d iterations", got.PasswordHash, 2*testIterations)
	}
	if _, err := svc.SignIn(f.ctx, account.Credentials{Username: "django_user", Password: djangoPassword}, ""); err != nil {
		t.Errorf("signing in after the re-hash: %v", err)
	}
}

// testThrottling checks the three limits on failed sign-ins: per
// username and client (the lock a client meets, which locks no one else
// out), per username from every client (a higher ceiling) and per client
// for every username.
func testThrottling(t *testing.T, f *accountFixture) {
	const window = 3 * time.Second
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
		MaxUsernameClientFailures: 3, MaxUsernameFailures: 7, MaxClientFailures: 5, FailureWindow: window,
	})
	f.svc = svc
	f.signUp(t, "target")
	f.signUp(t, "second")
	signIn := func(username, password, client string) error {
		_, err := svc.SignIn(f.ctx, account.Credentials{Username: username, Password: password, Client: client}, "")
		return err
	}
	for i := range 3 {
		wantErr(t, fmt.Sprintf("wrong password %d", i+1), signIn("target", "wrong", "10.0.0.1"), account.ErrBadCredentials)
	}
	// The client that failed is locked out of the username, even with the
	// right password...
	err := signIn("TARGET", strongPassword, "10.0.0.1")
	wantErr(t, "sign-in after 3 failures", err, account.ErrTooManyAttempts)
	wantErr(t, "sign-in after 3 failures", err, commerce.ErrTooManyRequests)
	if wait, ok := commerce.RetryAfter(err); !ok || wait <= 0 || wait > window {
		t.Errorf("RetryAfter = %v, %v; want within the window of %v", wait, ok, window)
	}
	// ...and no one else is: the owner signs in from elsewhere.
	if err := signIn("target", strongPassword, "10.0.0.2"); err != nil {
		t.Fatalf("another client after someone else's 3 failures: %v", err)
	}
	// That success forgives the owner's client, not the one that failed.
	wantErr(t, "the failing client after the owner signed in", signIn("target", strongPassword, "10.0.0.1"), account.ErrTooManyAttempts)

	// Many clients together reach the username's ceiling (7), which locks
	// it for everyone, the owner's clients and those without a client.
	for _, client := range []string{"10.0.0.3", "10.0.0.3", "10.0.0.4", "10.0.0.4"} {
		wantErr(t, "a wrong password from "+client, signIn("target", "wrong", client), account.ErrBadCredentials)
	}
	wantErr(t, "a new client at the username's ceiling", signIn("target", strongPassword, "10.0.0.5"), account.ErrTooManyAttempts)
	wantErr(t, "the owner's client at the username's ceiling", signIn("target", strongPassword, "10.0.0.2"), account.ErrTooManyAttempts)
	wantErr(t, "no client at the username's ceiling", signIn("target", strongPassword, ""), account.ErrTooManyAttempts)
	// Another username is not locked by it.
	if err := signIn("second", strongPassword, "10.0.0.5"); err != nil {
		t.Errorf("another username at the first's ceiling: %v", err)
	}

	// One client trying many usernames is stopped by its own limit (5)...
	for i := range 5 {
		wantErr(t, "unknown user", signIn(fmt.Sprintf("ghost%d", i), "x", "10.0.0.6"), account.ErrBadCredentials)
	}
	wantErr(t, "a sixth failure from one client", signIn("ghost9", "x", "10.0.0.6"), account.ErrTooManyAttempts)
	wantErr(t, "the client's limit, with the right password", signIn("second", strongPassword, "10.0.0.6"), account.ErrTooManyAttempts)
	// ...which stops no other client.
	wantErr(t, "another client", signIn("ghost9", "x", "10.0.0.7"), account.ErrBadCredentials)

	f.advance(window + 200*time.Millisecond)
	for _, client := range []string{"10.0.0.1", "10.0.0.6"} {
		if err := signIn("target", strongPassword, client); err != nil {
			t.Errorf("sign-in from %s after the window: %v", client, err)
		}
	}
	// Success clears the client's count for the username.
	for range 2 {
		signIn("target", "wrong", "10.0.0.1")
	}
	if err := signIn("target", strongPassword, "10.0.0.1"); err != nil {
		t.Errorf("sign-in after 2 failures: %v", err)
	}
	for range 2 {
		signIn("target", "wrong", "10.0.0.1")
	}
	if err := signIn("target", strongPassword, "10.0.0.1"); err != nil {
		t.Errorf("sign-in after 2 failures since the last success: %v", err)
	}
	// Attempts without a client are one client: they lock each other out,
	// and no one with a client.
	for range 3 {
		wantErr(t, "a wrong password without a client", signIn("second", "wrong", ""), account.ErrBadCredentials)
	}
	wantErr(t, "without a client, after 3 failures", signIn("second", strongPassword, ""), account.ErrTooManyAttempts)
	if err := signIn("second", strongPassword, "10.0.0.8"); err != nil {
		t.Errorf("a client after 3 failures without one: %v", err)
	}
}

// testThrottlingBurst: sign-ins sent at once learn no more than sign-ins
// sent one after another. Each passes the check of the limit before the
// others' failures are counted; past the limit they must still be refused
// — the wrong passwords with ErrTooManyAttempts rather than "wrong
// password", and the right one too.
func testThrottlingBurst(t *testing.T, f *accountFixture) {
	const limit, n = 3, 24
	// A slower hash widens the gap between the check of the limit and the
	// count of the failure, which a burst slips through.
	hasher := account.NewHasher(&account.HasherOptions{Iterations: 20 * testIterations})
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: hasher, MaxUsernameClientFailures: limit,
	})
	f.svc = svc
	f.signUp(t, "burst")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = svc.SignIn(f.ctx, account.Credentials{Username: "burst", Password: fmt.Sprintf("wrong-%d", i), Client: "10.0.0.1"}, "")
		})
	}
	wg.Wait()
	wrong := 0
	for i, err := range errs {
		switch {
		case errors.Is(err, account.ErrBadCredentials):
			wrong++
		case !errors.Is(err, account.ErrTooManyAttempts):
			t.Errorf("sign-in %d: %v", i, err)
		}
	}
	if wrong > limit {
		t.Errorf("%d wrong passwords sent at once were answered as wrong, want at most the limit of %d", wrong, limit)
	}
	// The burst counted against the username across clients no more than
	// the pair's limit: one client cannot lock the owner out by sending its
	// guesses at once.
	if count, _, err := f.stores.Attempts.Failures(f.ctx, "user:burst"); err != nil || count > limit {
		t.Errorf("the username's count across clients after a burst from one client: %d, %v; want at most %d", count, err, limit)
	}
	owner := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: hasher, MaxUsernameClientFailures: limit, MaxUsernameFailures: n / 2,
	})
	if _, err := owner.SignIn(f.ctx, account.Credentials{Username: "burst", Password: strongPassword, Client: "10.0.0.9"}, ""); err != nil {
		t.Errorf("the owner from another client after a burst of %d from one client: %v", n, err)
	}

	// The right password, while failures made at the same time reach the
	// limit between its check and its answer.
	meanwhile := &failuresMeanwhile{AttemptStore: f.stores.Attempts}
	svc = account.NewService(f.stores.Accounts, f.stores.Sessions, meanwhile, &account.Options{
		Now: f.now, Hasher: hasher, MaxUsernameClientFailures: limit,
	})
	meanwhile.then = func() {
		for i := range limit {
			_, err := svc.SignIn(f.ctx, account.Credentials{Username: "burst", Password: fmt.Sprintf("wrong-%d", i), Client: "10.0.0.2"}, "")
			wantErr(t, "a failure made meanwhile", err, account.ErrBadCredentials)
		}
	}
	_, err := svc.SignIn(f.ctx, account.Credentials{Username: "burst", Password: strongPassword, Client: "10.0.0.2"}, "")
	wantErr(t, "the right password after the limit was reached meanwhile", err, account.ErrTooManyAttempts)
}

// failuresMeanwhile is an AttemptStore that runs then, once, after the
// first Failures call: the failures of sign-ins made at the same time as
// the one that called it.
type failuresMeanwhile struct {
	account.AttemptStore
	then func()
}

func (s *failuresMeanwhile) Failures(ctx context.Context, key string) (int, time.Time, error) {
	n, reset, err := s.AttemptStore.Failures(ctx, key)
	if then := s.then; then != nil {
		// then signs in through this store too: it finds then gone.
		s.then = nil
		then()
	}
	return n, reset, err
}

// testChangePasswordThrottling: wrong current passwords typed in a
// session lock that session's password changes, and no one's sign-in.
func testChangePasswordThrottling(t *testing.T, f *accountFixture) {
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
		MaxUsernameClientFailures: 3,
	})
	f.svc = svc
	taken := f.signUp(t, "taken")
	mine, err := svc.SignIn(f.ctx, account.Credentials{Username: "taken", Password: strongPassword, Client: "10.0.0.1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	actorOf := func(token string) commerce.Actor {
		t.Helper()
		a, _, err := svc.Authenticate(f.ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Someone holding the first session guesses the current password.
	thief := actorOf(taken.Token)
	for range 3 {
		err := svc.ChangePassword(f.ctx, thief, "guess-Orbit-1", "새-비밀번호-Garden-7")
		wantFields(t, "a wrong current password", err, "current_password")
	}
	err = svc.ChangePassword(f.ctx, thief, strongPassword, "새-비밀번호-Garden-7")
	wantErr(t, "a password change after 3 wrong ones in the session", err, account.ErrTooManyAttempts)
	// The owner still signs in, and changes the password in their session,
	// which ends the other.
	if _, err := svc.SignIn(f.ctx, account.Credentials{Username: "taken", Password: strongPassword, Client: "10.0.0.2"}, ""); err != nil {
		t.Errorf("sign-in after wrong passwords in someone else's session: %v", err)
	}
	if err := svc.ChangePassword(f.ctx, actorOf(mine.Token), strongPassword, "새-비밀번호-Garden-7"); err != nil {
		t.Errorf("a password change in another session: %v", err)
	}
	if _, _, err := svc.Authenticate(f.ctx, taken.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("the guessing session after the owner's password change: %v", err)
	}
}

// testSignInRequiredFields: an empty username or password is named, and is
// not a failed attempt.
func testSignInRequiredFields(t *testing.T, f *accountFixture) {
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
		MaxUsernameClientFailures: 2, MaxUsernameFailures: 2, MaxClientFailures: 2,
	})
	f.svc = svc
	f.signUp(t, "sora")
	for _, tc := range []struct {
		username, password string
		fields             []string
	}{
		{"sora", "", []string{"password"}},
		{"sora", "", []string{"password"}},
		{"", "", []string{"username", "password"}},
		{" \t", "", []string{"username", "password"}},
		{"", strongPassword, []string{"username"}},
		{"  ", "x", []string{"username"}},
	} {
		_, err := svc.SignIn(f.ctx, account.Credentials{Username: tc.username, Password: tc.password, Client: "10.0.0.1"}, "")
		wantFields(t, fmt.Sprintf("SignIn(%q, %q)", tc.username, tc.password), err, tc.fields...)
	}
	// None of them counted.
	if _, err := svc.SignIn(f.ctx, account.Credentials{Username: "sora", Password: strongPassword, Client: "10.0.0.1"}, ""); err != nil {
		t.Errorf("sign-in after empty tries: %v", err)
	}
}

// testSignUpThrottling: sign-ups are counted per client, failed ones too,
// and past the limit refused with the time to wait — also when they come
// all at once.
func testSignUpThrottling(t *testing.T, f *accountFixture) {
	const window = 3 * time.Second
	svc := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
		MaxClientSignUps: 3, SignUpWindow: window,
	})
	signUp := func(username, client string) error {
		_, err := svc.SignUp(f.ctx, account.SignUpInput{
			Username: username, Password: strongPassword, PasswordConfirm: strongPassword,
			Nickname: username + "닉", Email: username + "@example.com", Client: client,
		}, "")
		return err
	}
	wantErr(t, "an invalid sign-up", signUp("bad name!", "10.0.0.1"), commerce.ErrInvalid)
	for i := range 2 {
		if err := signUp(fmt.Sprintf("maker%d", i), "10.0.0.1"); err != nil {
			t.Fatalf("sign-up %d: %v", i+2, err)
		}
	}
	// The invalid one counted: this is the fourth.
	err := signUp("maker9", "10.0.0.1")
	wantErr(t, "a fourth sign-up", err, account.ErrTooManySignUps)
	wantErr(t, "a fourth sign-up", err, commerce.ErrTooManyRequests)
	if errors.Is(err, account.ErrTooManyAttempts) {
		t.Errorf("a refused sign-up is %v, which says sign-ins failed", err)
	}
	if wait, ok := commerce.RetryAfter(err); !ok || wait <= 0 || wait > window {
		t.Errorf("RetryAfter = %v, %v; want within the window of %v", wait, ok, window)
	}
	if _, err := f.repo.GetUserByUsername(f.ctx, "maker9"); !errors.Is(err, account.ErrUserNotFound) {
		t.Errorf("a refused sign-up made its user: %v", err)
	}
	// Neither another client nor a program that gives none is limited by
	// it.
	for _, c := range []struct{ username, client string }{{"other", "10.0.0.2"}, {"program", ""}} {
		if err := signUp(c.username, c.client); err != nil {
			t.Errorf("sign-up of %s from %q: %v", c.username, c.client, err)
		}
	}
	f.advance(window + 200*time.Millisecond)
	if err := signUp("maker9", "10.0.0.1"); err != nil {
		t.Errorf("sign-up after the window: %v", err)
	}

	// Sign-ups sent at once: exactly the limit get through.
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = signUp(fmt.Sprintf("rush%d", i), "10.0.0.3") })
	}
	wg.Wait()
	made := 0
	for i, err := range errs {
		switch {
		case err == nil:
			made++
		case !errors.Is(err, account.ErrTooManySignUps):
			t.Errorf("sign-up %d at once: %v", i, err)
		}
	}
	if made != 3 {
		t.Errorf("%d of %d sign-ups sent at once made accounts, want the limit of 3", made, n)
	}
}

func testExternalSignIn(t *testing.T, f *accountFixture) {
	kakao := account.ExternalUser{Provider: "kakao", Subject: "3141592653", Nickname: "라이언"}
	first, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, kakao, "")
	if err != nil {
		t.Fatalf("first Kakao sign-in: %v", err)
	}
	if first.Account.Nickname != "라이언" || first.Account.Email != "" || first.Account.HasPassword ||
		!slices.Equal(first.Account.Identities, []string{"kakao"}) {
		t.Errorf("new Kakao user: %+v", first.Account)
	}
	again, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, kakao, first.Token)
	if err != nil || again.Account.ID != first.Account.ID || again.Token == first.Token {
		t.Errorf("second Kakao sign-in: %+v, %v; want the same user, a new token", again.Account, err)
	}

	// The same nickname from another account gets a suffix.
	other, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "2718281828", Nickname: "라이언"}, "")
	if err != nil || other.Account.Nickname == "라이언" || !strings.HasPrefix(other.Account.Nickname, "라이언") {
		t.Errorf("a second 라이언: nickname %q, %v", other.Account.Nickname, err)
	}

	// No nickname: the email's local part; verified emails are kept.
	g, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{
		Provider: "google", Subject: "109876543210987654321", Email: "dahye.lee@gmail.example", EmailVerified: true,
	}, "")
	if err != nil || g.Account.Nickname != "dahye.lee" || g.Account.Email != "dahye.lee@gmail.example" {
		t.Errorf("Google user: %+v, %v", g.Account, err)
	}
	// Unverified emails are not.
	u, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{
		Provider: "kakao", Subject: "1", Email: "someone@example.com", EmailVerified: false,
	}, "")
	if err != nil || u.Account.Email != "" || u.Account.Nickname != "someone" {
		t.Errorf("unverified email: %+v, %v", u.Account, err)
	}
	_, err = f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao"}, "")
	wantFields(t, "an identity without subject", err, "subject")
	_, err = f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "Kakao Talk!", Subject: "s\xff"}, "")
	wantFields(t, "a bad provider and subject", err, "provider", "subject")
	odd, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{
		Provider: "google", Subject: "odd-mail", Email: "not an address", EmailVerified: true, Nickname: "이상한메일",
	}, "")
	if err != nil || odd.Account.Email != "" {
		t.Errorf("a provider's malformed email: %q, %v; want it dropped", odd.Account.Email, err)
	}
}

func testExternalNeverMatchesByEmail(t *testing.T, f *accountFixture) {
	owner := f.signUp(t, "owner") // owner@example.com
	res, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{
		Provider: "google", Subject: "42", Email: "OWNER@example.com", EmailVerified: true, Nickname: "침입자",
	}, "")
	if err != nil {
		t.Fatalf("SignInExternal: %v", err)
	}
	if res.Account.ID == owner.Account.ID {
		t.Fatal("an external sign-in with a matching email took over an existing account")
	}
	if res.Account.Email != "" {
		t.Errorf("the new user got the taken email %q", res.Account.Email)
	}
	acct, _ := f.svc.Account(f.ctx, commerce.UserActor(owner.Account.ID))
	if len(acct.Identities) != 0 {
		t.Errorf("the owner's account gained identities: %v", acct.Identities)
	}
}

func testLinkIdentity(t *testing.T, f *accountFixture) {
	me := f.signUp(t, "linker")
	actor, _, _ := f.svc.Authenticate(f.ctx, me.Token)
	res, err := f.svc.SignInExternal(f.ctx, actor, account.ExternalUser{Provider: "kakao", Subject: "777", Nickname: "다른이름"}, me.Token)
	if err != nil {
		t.Fatalf("linking Kakao: %v", err)
	}
	if res.Account.ID != me.Account.ID || !slices.Equal(res.Account.Identities, []string{"kakao"}) || res.Account.Nickname != me.Account.Nickname {
		t.Errorf("after linking: %+v", res.Account)
	}
	// Signing in through Kakao now signs in the same account.
	again, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "777"}, "")
	if err != nil || again.Account.ID != me.Account.ID {
		t.Errorf("Kakao sign-in after linking: %+v, %v", again.Account, err)
	}
	// A second Kakao account cannot be linked; another user's cannot either.
	actor, _, _ = f.svc.Authenticate(f.ctx, res.Token)
	_, err = f.svc.SignInExternal(f.ctx, actor, account.ExternalUser{Provider: "kakao", Subject: "888"}, "")
	wantErr(t, "linking a second Kakao account", err, account.ErrProviderLinked)
	someone, _ := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "google", Subject: "g-1"}, "")
	_, err = f.svc.SignInExternal(f.ctx, actor, account.ExternalUser{Provider: "google", Subject: "g-1"}, "")
	wantErr(t, "linking another user's Google account", err, account.ErrIdentityTaken)
	if acct, _ := f.svc.Account(f.ctx, commerce.UserActor(someone.Account.ID)); !slices.Equal(acct.Identities, []string{"google"}) {
		t.Errorf("the other user's identities: %v", acct.Identities)
	}
	// Repository contract.
	err = f.repo.LinkIdentity(f.ctx, account.Identity{Provider: "naver", Subject: "n", UserID: commerce.NewID(), CreatedAt: f.now()})
	wantErr(t, "LinkIdentity to a missing user", err, account.ErrUserNotFound)
	_, err = f.repo.GetIdentity(f.ctx, "kakao", "nope")
	wantErr(t, "GetIdentity", err, account.ErrIdentityNotFound)
}

func testConcurrentExternalSignIn(t *testing.T, f *accountFixture) {
	const n = 8
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "same", Nickname: "동시"}, "")
			if err != nil {
				t.Errorf("concurrent first sign-in: %v", err)
				return
			}
			ids[i] = res.Account.ID
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("concurrent first sign-ins with one identity made several users: %v", ids)
		}
	}
}

func testBootstrapStaff(t *testing.T, f *accountFixture) {
	acct, err := f.svc.BootstrapStaff(f.ctx, "admin", "관리자-Password-2026")
	if err != nil || !acct.Staff {
		t.Fatalf("BootstrapStaff (create): %+v, %v", acct, err)
	}
	in, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "admin", Password: "관리자-Password-2026"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if actor, _, _ := f.svc.Authenticate(f.ctx, in.Token); !actor.IsStaff() {
		t.Errorf("a staff session's actor is not staff: %+v", actor)
	}
	// Again with the same password: nothing changes, sessions go on.
	if _, err := f.svc.BootstrapStaff(f.ctx, "admin", "관리자-Password-2026"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, in.Token); err != nil {
		t.Errorf("an unchanged BootstrapStaff ended sessions: %v", err)
	}
	// A customer made staff: new password, old sessions end.
	cust := f.signUp(t, "promoted")
	acct, err = f.svc.BootstrapStaff(f.ctx, "promoted", "승진한-Password-77")
	if err != nil || !acct.Staff || acct.ID != cust.Account.ID {
		t.Fatalf("BootstrapStaff (promote): %+v, %v", acct, err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, cust.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("the customer session survived the promotion: %v", err)
	}
	if _, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "promoted", Password: "승진한-Password-77"}, ""); err != nil {
		t.Errorf("signing in with the staff password: %v", err)
	}
	_, err = f.svc.BootstrapStaff(f.ctx, "weak", "password")
	wantFields(t, "BootstrapStaff with a common password", err, "password")
}

// staffMember makes a staff member and signs them in, for the staff-only
// operations: the actor carries its session, as a request's does.
func (f *accountFixture) staffMember(t *testing.T, username string) (commerce.Actor, account.SignedIn) {
	t.Helper()
	const password = "관리자-Password-2026"
	if _, err := f.svc.BootstrapStaff(f.ctx, username, password); err != nil {
		t.Fatalf("BootstrapStaff(%q): %v", username, err)
	}
	in, err := f.svc.SignIn(f.ctx, account.Credentials{Username: username, Password: password}, "")
	if err != nil {
		t.Fatal(err)
	}
	actor, _, err := f.svc.Authenticate(f.ctx, in.Token)
	if err != nil || !actor.IsStaff() {
		t.Fatalf("a staff member's actor: %+v, %v", actor, err)
	}
	return actor, in
}

// usernames returns the usernames of accounts, in their order.
func usernames(accounts []account.Account) []string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = a.Username
	}
	return out
}

func testUsers(t *testing.T, f *accountFixture) {
	boss, _ := f.staffMember(t, "boss")
	// Signed up in this order, so newest first is the reverse.
	for _, u := range []struct{ username, email string }{
		{"MinJun.Kim", "mj@Example.com"},
		{"seoyeon", "SY.KIM@mail.example"},
		{"김민준", "kmj@example.com"},
		{"kimchi_lover", "kimchi@example.com"},
		{"jiho", "jiho@example.org"},
	} {
		_, err := f.svc.SignUp(f.ctx, account.SignUpInput{
			Username: u.username, Password: strongPassword, PasswordConfirm: strongPassword,
			Nickname: u.username + "닉", Email: u.email,
		}, "")
		if err != nil {
			t.Fatalf("SignUp(%q): %v", u.username, err)
		}
	}
	kakao, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "31415", Nickname: "카카오"}, "")
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"everyone", "", []string{"kakao_31415", "jiho", "kimchi_lover", "김민준", "seoyeon", "MinJun.Kim", "boss"}},
		{"part of usernames and emails, any case", "KIM", []string{"kimchi_lover", "seoyeon", "MinJun.Kim"}},
		{"part of an email", "example.COM", []string{"kimchi_lover", "김민준", "MinJun.Kim"}},
		{"Hangul", "민준", []string{"김민준"}},
		{"decomposed Hangul", norm.NFD.String("민준"), []string{"김민준"}},
		{"surrounding space", "  jiho ", []string{"jiho"}},
		{"an underscore is itself", "_", []string{"kakao_31415", "kimchi_lover"}},
		{"a percent sign is itself", "%", []string{}},
		{"no one", "nobody", []string{}},
	} {
		page, err := f.svc.Users(f.ctx, boss, account.UserFilter{Query: c.query})
		if err != nil {
			t.Errorf("%s: Users(%q): %v", c.name, c.query, err)
			continue
		}
		if diff := cmp.Diff(c.want, usernames(page.Items)); diff != "" || page.NextCursor != "" {
			t.Errorf("%s: Users(%q) (-want +got):\n%s next %q", c.name, c.query, diff, page.NextCursor)
		}
	}

	// The accounts carry what the staff page shows.
	page, err := f.svc.Users(f.ctx, boss, account.UserFilter{Query: "kakao"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("Users(kakao): %+v, %v", page, err)
	}
	if got := page.Items[0]; got.ID != kakao.Account.ID || !slices.Equal(got.Identities, []string{"kakao"}) || got.HasPassword || got.Staff || got.CreatedAt.IsZero() {
		t.Errorf("a Kakao user as Users lists them: %+v", got)
	}
	page, _ = f.svc.Users(f.ctx, boss, account.UserFilter{Query: "boss"})
	if len(page.Items) != 1 || !page.Items[0].Staff || !page.Items[0].HasPassword || len(page.Items[0].Identities) != 0 {
		t.Errorf("the staff member as Users lists them: %+v", page.Items)
	}

	// Pages of 2: every user once, newest first.
	var (
		seen   []uuid.UUID
		cursor string
	)
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, err := f.svc.Users(f.ctx, boss, account.UserFilter{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("Users page %d: %v", pages+1, err)
		}
		if len(page.Items) > 2 || (page.NextCursor != "" && len(page.Items) != 2) {
			t.Fatalf("page %d: %d users, next %q", pages+1, len(page.Items), page.NextCursor)
		}
		for _, a := range page.Items {
			seen = append(seen, a.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Errorf("paging by 2 saw %d users, want 7", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].String() >= seen[i-1].String() {
			t.Errorf("paging: %v is not older than %v (repeated or out of order)", seen[i], seen[i-1])
		}
	}
	// A search pages too.
	first, err := f.svc.Users(f.ctx, boss, account.UserFilter{Query: "kim", Limit: 2})
	if err != nil || len(first.Items) != 2 || first.NextCursor == "" {
		t.Fatalf("first page of kim: %+v, %v", first, err)
	}
	second, err := f.svc.Users(f.ctx, boss, account.UserFilter{Query: "kim", Limit: 2, Cursor: first.NextCursor})
	if err != nil || !slices.Equal(usernames(second.Items), []string{"MinJun.Kim"}) || second.NextCursor != "" {
		t.Errorf("second page of kim: %+v, %v", second, err)
	}

	// Staff only, and the filter is checked.
	customer := commerce.UserActor(kakao.Account.ID)
	_, err = f.svc.Users(f.ctx, customer, account.UserFilter{})
	wantErr(t, "Users as a customer", err, account.ErrStaffOnly)
	_, err = f.svc.Users(f.ctx, commerce.Anonymous, account.UserFilter{})
	wantErr(t, "Users as a visitor", err, account.ErrSignInRequired)
	_, err = f.svc.Users(f.ctx, boss, account.UserFilter{Cursor: "not-a-cursor", Limit: 1000, Query: strings.Repeat("가", 255)})
	wantFields(t, "Users with a bad filter", err, "cursor", "limit", "query")

	// The repository on its own.
	users, err := f.repo.ListUsers(f.ctx, account.UserQuery{Search: "KIM", Before: seen[4], Limit: 10})
	if err != nil || len(users) != 1 || users[0].Username != "MinJun.Kim" || users[0].Interests == nil {
		t.Errorf("ListUsers before the fifth newest (seoyeon): %+v, %v", users, err)
	}
	if users, err := f.repo.ListUsers(f.ctx, account.UserQuery{Limit: 0}); err != nil || len(users) != 0 {
		t.Errorf("ListUsers with limit 0: %+v, %v", users, err)
	}
}

func testUsersByID(t *testing.T, f *accountFixture) {
	boss, _ := f.staffMember(t, "boss")
	a := f.signUp(t, "first")
	b := f.signUp(t, "second")
	k, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "google", Subject: "g-7"}, "")
	if err != nil {
		t.Fatal(err)
	}
	missing := commerce.NewID()
	got, err := f.svc.UsersByID(f.ctx, boss, []uuid.UUID{b.Account.ID, missing, a.Account.ID, k.Account.ID, a.Account.ID})
	if err != nil {
		t.Fatalf("UsersByID: %v", err)
	}
	if len(got) != 3 || got[a.Account.ID].Username != "first" || got[b.Account.ID].Nickname != "second닉" ||
		!slices.Equal(got[k.Account.ID].Identities, []string{"google"}) {
		t.Errorf("UsersByID: %+v", got)
	}
	if _, ok := got[missing]; ok {
		t.Error("UsersByID has an entry for an id that names no user")
	}
	if got, err := f.svc.UsersByID(f.ctx, boss, nil); err != nil || len(got) != 0 {
		t.Errorf("UsersByID of no ids: %v, %v", got, err)
	}
	_, err = f.svc.UsersByID(f.ctx, commerce.UserActor(a.Account.ID), []uuid.UUID{a.Account.ID})
	wantErr(t, "UsersByID as a customer", err, account.ErrStaffOnly)
	_, err = f.svc.UsersByID(f.ctx, commerce.Anonymous, []uuid.UUID{a.Account.ID})
	wantErr(t, "UsersByID as a visitor", err, account.ErrSignInRequired)
	_, err = f.svc.UsersByID(f.ctx, boss, make([]uuid.UUID, commerce.MaxLimit+1))
	wantFields(t, "UsersByID of too many ids", err, "ids")

	users, err := f.repo.GetUsers(f.ctx, []uuid.UUID{a.Account.ID, b.Account.ID, missing})
	if err != nil || len(users) != 2 || users[0].ID != b.Account.ID || users[1].ID != a.Account.ID {
		t.Errorf("GetUsers, newest first: %+v, %v", users, err)
	}
	ids, err := f.repo.ListIdentitiesOf(f.ctx, []uuid.UUID{a.Account.ID, k.Account.ID})
	if err != nil || len(ids) != 1 || ids[0].UserID != k.Account.ID || ids[0].Subject != "g-7" {
		t.Errorf("ListIdentitiesOf: %+v, %v", ids, err)
	}
}

func testSetStaff(t *testing.T, f *accountFixture) {
	boss, bossIn := f.staffMember(t, "boss")
	cust := f.signUp(t, "promotee")
	other, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "promotee", Password: strongPassword}, "")
	if err != nil {
		t.Fatal(err)
	}
	bystander := f.signUp(t, "bystander")
	id := cust.Account.ID

	// Only staff, and nothing changes otherwise.
	_, err = f.svc.SetStaff(f.ctx, commerce.UserActor(id), id, true)
	wantErr(t, "SetStaff by a customer", err, account.ErrStaffOnly)
	_, err = f.svc.SetStaff(f.ctx, commerce.Anonymous, id, true)
	wantErr(t, "SetStaff by a visitor", err, account.ErrSignInRequired)
	_, err = f.svc.SetStaff(f.ctx, boss, commerce.NewID(), true)
	wantErr(t, "SetStaff of no one", err, account.ErrUserNotFound)
	if _, _, err := f.svc.Authenticate(f.ctx, cust.Token); err != nil {
		t.Fatalf("a refused SetStaff ended sessions: %v", err)
	}

	// Promoted: the customer's sessions end, and they sign in as staff.
	acct, err := f.svc.SetStaff(f.ctx, boss, id, true)
	if err != nil || !acct.Staff || acct.ID != id {
		t.Fatalf("SetStaff (promote): %+v, %v", acct, err)
	}
	for _, tok := range []string{cust.Token, other.Token} {
		if _, _, err := f.svc.Authenticate(f.ctx, tok); !errors.Is(err, account.ErrSessionEnded) {
			t.Errorf("a customer session survived the promotion: %v", err)
		}
	}
	if _, _, err := f.svc.Authenticate(f.ctx, bystander.Token); err != nil {
		t.Errorf("another user's session ended: %v", err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, bossIn.Token); err != nil {
		t.Errorf("the acting staff member's session ended: %v", err)
	}
	in, err := f.svc.SignIn(f.ctx, account.Credentials{Username: "promotee", Password: strongPassword}, "")
	if err != nil {
		t.Fatal(err)
	}
	promoted, _, err := f.svc.Authenticate(f.ctx, in.Token)
	if err != nil || !promoted.IsStaff() {
		t.Fatalf("signed in again after the promotion: %+v, %v; want staff", promoted, err)
	}
	if u, _ := f.repo.GetUser(f.ctx, id); !u.Staff || u.Version != 2 {
		t.Errorf("stored after the promotion: staff %v, version %d", u.Staff, u.Version)
	}

	// Staff cannot take away their own flag; another staff member can.
	_, err = f.svc.SetStaff(f.ctx, promoted, id, false)
	wantErr(t, "demoting oneself", err, account.ErrSelfDemotion)
	wantErr(t, "demoting oneself", err, commerce.ErrConflict)
	if _, _, err := f.svc.Authenticate(f.ctx, in.Token); err != nil {
		t.Errorf("a refused self-demotion ended the session: %v", err)
	}
	// Asking for the flag one has already changes nothing and keeps one's
	// own session.
	if acct, err := f.svc.SetStaff(f.ctx, promoted, id, true); err != nil || !acct.Staff {
		t.Errorf("SetStaff of oneself to staff: %+v, %v", acct, err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, in.Token); err != nil {
		t.Errorf("SetStaff of oneself ended one's own session: %v", err)
	}

	// Demoted by another: sessions end, and they sign in as a customer.
	acct, err = f.svc.SetStaff(f.ctx, boss, id, false)
	if err != nil || acct.Staff {
		t.Fatalf("SetStaff (demote): %+v, %v", acct, err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, in.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("a staff session survived the demotion: %v", err)
	}
	in, err = f.svc.SignIn(f.ctx, account.Credentials{Username: "promotee", Password: strongPassword}, "")
	if err != nil {
		t.Fatal(err)
	}
	if a, _, err := f.svc.Authenticate(f.ctx, in.Token); err != nil || a.IsStaff() {
		t.Errorf("signed in again after the demotion: %+v, %v; want a customer", a, err)
	}
	// Demoting a customer again ends their sessions all the same, so that
	// a retry finishes a call whose sessions could not be ended.
	if acct, err := f.svc.SetStaff(f.ctx, boss, id, false); err != nil || acct.Staff {
		t.Errorf("demoting a customer: %+v, %v", acct, err)
	}
	if _, _, err := f.svc.Authenticate(f.ctx, in.Token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("a repeated SetStaff did not end the sessions: %v", err)
	}
	if u, _ := f.repo.GetUser(f.ctx, id); u.Staff || u.Version != 3 {
		t.Errorf("stored after the demotions: staff %v, version %d; want a customer at version 3", u.Staff, u.Version)
	}
}

func testAccountRepositoryContracts(t *testing.T, f *accountFixture) {
	now := f.now().UTC().Truncate(time.Microsecond)
	u := account.User{
		ID: commerce.NewID(), Username: "repo", PasswordHash: djangoHash, Nickname: "저장소",
		Email: "repo@example.com", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := f.repo.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	got, err := f.repo.GetUser(f.ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("GetUser (-stored +read):\n%s", diff)
	}
	wantErr(t, "CreateUser twice", f.repo.CreateUser(f.ctx, u, nil), account.ErrDuplicateID)
	_, err = f.repo.GetUser(f.ctx, commerce.NewID())
	wantErr(t, "GetUser", err, account.ErrUserNotFound)
	_, err = f.repo.GetUserByUsername(f.ctx, "nobody")
	wantErr(t, "GetUserByUsername", err, account.ErrUserNotFound)

	taken, err := f.repo.FindTaken(f.ctx, uuid.Nil, "REPO", "저장소", "Repo@Example.COM")
	if err != nil || !slices.Equal(sorted(taken), []string{"email", "nickname", "username"}) {
		t.Errorf("FindTaken: %v, %v", taken, err)
	}
	if taken, _ := f.repo.FindTaken(f.ctx, u.ID, "repo", "저장소", "repo@example.com"); len(taken) != 0 {
		t.Errorf("FindTaken except the owner: %v", taken)
	}
	if taken, _ := f.repo.FindTaken(f.ctx, uuid.Nil, "", "", ""); len(taken) != 0 {
		t.Errorf("FindTaken of empty values: %v", taken)
	}

	next := got
	next.Nickname, next.Version = "새이름", 2
	if err := f.repo.UpdateUser(f.ctx, next, 1); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	wantErr(t, "UpdateUser at a stale version", f.repo.UpdateUser(f.ctx, next, 1), account.ErrVersionConflict)
	missing := next
	missing.ID = commerce.NewID()
	wantErr(t, "UpdateUser of a missing user", f.repo.UpdateUser(f.ctx, missing, 1), account.ErrUserNotFound)
	// The old nickname is free again.
	if taken, _ := f.repo.FindTaken(f.ctx, uuid.Nil, "", "저장소", ""); len(taken) != 0 {
		t.Errorf("the old nickname is still taken: %v", taken)
	}

	// A user and an identity are created together or not at all.
	v := account.User{ID: commerce.NewID(), Username: "withid", Nickname: "아이디", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	id := account.Identity{Provider: "kakao", Subject: "s-1", UserID: v.ID, CreatedAt: now}
	if err := f.repo.CreateUser(f.ctx, v, &id); err != nil {
		t.Fatal(err)
	}
	w := account.User{ID: commerce.NewID(), Username: "dupid", Nickname: "중복", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	id.UserID = w.ID
	wantErr(t, "CreateUser with a taken identity", f.repo.CreateUser(f.ctx, w, &id), account.ErrIdentityTaken)
	if _, err := f.repo.GetUser(f.ctx, w.ID); !errors.Is(err, account.ErrUserNotFound) {
		t.Errorf("a refused CreateUser left the user behind: %v", err)
	}
	gotID, err := f.repo.GetIdentity(f.ctx, "kakao", "s-1")
	if err != nil || gotID.UserID != v.ID {
		t.Errorf("GetIdentity: %+v, %v", gotID, err)
	}
	list, err := f.repo.ListIdentities(f.ctx, v.ID)
	if err != nil || len(list) != 1 || list[0].Subject != "s-1" || !list[0].CreatedAt.Equal(now) {
		t.Errorf("ListIdentities: %+v, %v", list, err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// downSessions is a session store that does not answer.
type downSessions struct{ account.SessionStore }

func (downSessions) CreateSession(context.Context, account.Session) error {
	return fmt.Errorf("storagetest: sessions down: %w", commerce.ErrUnavailable)
}

// testSignUpWithSessionsDown checks that a sign-up that cannot start a
// session leaves no user behind, so that a retry is not told the username
// is taken.
func testSignUpWithSessionsDown(t *testing.T, f *accountFixture) {
	down := account.NewService(f.stores.Accounts, downSessions{f.stores.Sessions}, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
	})
	in := account.SignUpInput{Username: "retry", Password: strongPassword, PasswordConfirm: strongPassword, Nickname: "재시도", Email: "retry@example.com"}
	_, err := down.SignUp(f.ctx, in, "")
	wantErr(t, "SignUp with the session store down", err, commerce.ErrUnavailable)
	if taken, _ := f.repo.FindTaken(f.ctx, uuid.Nil, "retry", "재시도", "retry@example.com"); len(taken) != 0 {
		t.Fatalf("a failed sign-up left a user behind: %v taken", taken)
	}
	if _, err := f.svc.SignUp(f.ctx, in, ""); err != nil {
		t.Errorf("the retry: %v", err)
	}
	_, err = down.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "down"}, "")
	wantErr(t, "SignInExternal with the session store down", err, commerce.ErrUnavailable)
	if _, err := f.repo.GetIdentity(f.ctx, "kakao", "down"); !errors.Is(err, account.ErrIdentityNotFound) {
		t.Errorf("a failed first external sign-in left its identity: %v", err)
	}
}
