package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
)

func (r *records) user(username string) account.User {
	return account.User{
		ID: r.ids(), Username: username, PasswordHash: "pbkdf2_sha256$1000$salt$hash", Nickname: username + "닉",
		Email: username + "@example.com", Interests: []uuid.UUID{}, CreatedAt: r.now, UpdatedAt: r.now, Version: 1,
	}
}

func wantTaken(t *testing.T, err error, fields ...string) {
	t.Helper()
	var taken *account.TakenError
	if !errors.As(err, &taken) || !errors.Is(err, commerce.ErrConflict) {
		t.Fatalf("got %v, want a *account.TakenError", err)
	}
	if !slices.Equal(taken.Fields, fields) {
		t.Fatalf("taken %v, want %v", taken.Fields, fields)
	}
}

func noLeak(t *testing.T, err error) {
	t.Helper()
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		t.Errorf("%v leaks *mysql.MySQLError", err)
	}
}

// TestAccountErrors checks that the unique indexes and foreign keys of the
// account tables come back as the account package's errors, that a refused
// write leaves nothing behind, and that no driver type leaks through. The
// repository is called directly, so no check of the service runs first:
// the database alone refuses.
func TestAccountErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(ctx, t)
	testAccountErrors(t, s)
}

// TestAccountErrorsTranslated runs the same cases on a server that speaks
// Japanese, whose duplicate-key message puts the index name in the middle.
func TestAccountErrorsTranslated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, withParams(t, testdb.MySQLDSN(t), map[string]string{"lc_messages": "'ja_JP'"}))
	s, err := bunstore.New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lang string
	if err := db.QueryRowContext(ctx, "SELECT @@lc_messages").Scan(&lang); err != nil || lang != "ja_JP" {
		t.Skipf("the server does not translate its messages: lc_messages %q, %v", lang, err)
	}
	testAccountErrors(t, s)
}

func testAccountErrors(t *testing.T, s *bunstore.Store) {
	ctx := context.Background()
	repo := s.Accounts()
	rec := newRecords()
	problem := rec.problem("환경")
	must(t, s.Catalog().CreateProblem(ctx, problem))

	hana := rec.user("Hana")
	hana.Interests = []uuid.UUID{problem.ID}
	must(t, repo.CreateUser(ctx, hana, nil))
	other := rec.user("other")
	must(t, repo.CreateUser(ctx, other, &account.Identity{Provider: "kakao", Subject: "1", CreatedAt: rec.now}))

	try := func(name string, err error, check func(*testing.T, error)) {
		t.Run(name, func(t *testing.T) {
			check(t, err)
			noLeak(t, err)
		})
	}
	is := func(want error) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			if !errors.Is(err, want) {
				t.Errorf("got %v, want %v", err, want)
			}
		}
	}
	taken := func(fields ...string) func(*testing.T, error) {
		return func(t *testing.T, err error) { wantTaken(t, err, fields...) }
	}

	// Creating.
	u := rec.user("new")
	dupID := u
	dupID.ID = hana.ID
	try("duplicate id", repo.CreateUser(ctx, dupID, nil), is(account.ErrDuplicateID))
	u.Username = "HANA"
	try("username taken, folded", repo.CreateUser(ctx, u, nil), taken("username"))
	u.Username, u.Nickname = "new", norm.NFD.String("HANA닉")
	try("nickname taken, folded", repo.CreateUser(ctx, u, nil), taken("nickname"))
	u.Nickname, u.Email = "새닉", " hana@EXAMPLE.com "
	try("email taken, folded", repo.CreateUser(ctx, u, nil), taken("email"))
	u.Email = "new@example.com"
	unknown := u
	unknown.Interests = []uuid.UUID{problem.ID, commerce.NewID()}
	try("unknown interest", repo.CreateUser(ctx, unknown, nil), is(account.ErrUnknownInterest))
	try("identity taken", repo.CreateUser(ctx, u, &account.Identity{Provider: "kakao", Subject: "1", CreatedAt: rec.now}),
		is(account.ErrIdentityTaken))
	long := u
	long.Username = strings.Repeat("가", 256)
	try("username longer than its column", repo.CreateUser(ctx, long, nil), is(commerce.ErrInvalid))
	t.Run("refused users were not stored", func(t *testing.T) {
		if _, err := repo.GetUser(ctx, u.ID); !errors.Is(err, account.ErrUserNotFound) {
			t.Errorf("GetUser: %v", err)
		}
		if taken, err := repo.FindTaken(ctx, uuid.Nil, u.Username, u.Nickname, u.Email); err != nil || len(taken) != 0 {
			t.Errorf("FindTaken: %v, %v", taken, err)
		}
	})

	// Updating.
	next := hana
	next.Version = 2
	next.Username = "OTHER"
	try("update to a taken username", repo.UpdateUser(ctx, next, 1), taken("username"))
	next.Username, next.Email = "hana2", "Other@Example.com"
	try("update to a taken email", repo.UpdateUser(ctx, next, 1), taken("email"))
	next.Email = "hana2@example.com"
	next.Interests = []uuid.UUID{commerce.NewID()}
	try("update to an unknown interest", repo.UpdateUser(ctx, next, 1), is(account.ErrUnknownInterest))
	next.Interests = []uuid.UUID{}
	try("stale version", repo.UpdateUser(ctx, next, 7), is(account.ErrVersionConflict))
	missing := next
	missing.ID = commerce.NewID()
	try("missing user", repo.UpdateUser(ctx, missing, 1), is(account.ErrUserNotFound))
	t.Run("refused updates changed nothing", func(t *testing.T) {
		got, err := repo.GetUser(ctx, hana.ID)
		must(t, err)
		if diff := cmp.Diff(hana, got); diff != "" {
			t.Errorf("(-stored +read):\n%s", diff)
		}
	})
	// An update that changes nothing still matches its version.
	try("unchanged update", repo.UpdateUser(ctx, hana, hana.Version), is(nil))

	// Identities.
	try("link to a missing user", repo.LinkIdentity(ctx, account.Identity{Provider: "google", Subject: "g", UserID: commerce.NewID(), CreatedAt: rec.now}),
		is(account.ErrUserNotFound))
	try("link a taken identity", repo.LinkIdentity(ctx, account.Identity{Provider: "kakao", Subject: "1", UserID: hana.ID, CreatedAt: rec.now}),
		is(account.ErrIdentityTaken))
	try("link a second account of a provider", repo.LinkIdentity(ctx, account.Identity{Provider: "kakao", Subject: "2", UserID: other.ID, CreatedAt: rec.now}),
		is(account.ErrProviderLinked))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	try("cancelled create", repo.CreateUser(cancelled, rec.user("late"), nil), is(commerce.ErrUnavailable))
	try("cancelled read", second(repo.GetUser(cancelled, hana.ID)), is(context.Canceled))
}

// TestConcurrentCreateUser races users with one username straight to the
// repository, with no check before: the unique index alone picks the one
// that is stored, and every other gets a *TakenError naming the username.
// The same holds for one identity.
func TestConcurrentCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(ctx, t)
	repo := s.Accounts()
	rec := newRecords()
	problem := rec.problem("환경")
	must(t, s.Catalog().CreateProblem(ctx, problem))

	const n = 10
	users := make([]account.User, n)
	for i := range users {
		users[i] = rec.user(fmt.Sprintf("racer%d", i))
		users[i].Interests = []uuid.UUID{problem.ID}
	}
	race := func(name string, create func(i int) error, loser func(*testing.T, error)) {
		t.Run(name, func(t *testing.T) {
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { errs[i] = create(i) })
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				if err == nil {
					won++
					continue
				}
				loser(t, err)
			}
			if won != 1 {
				t.Errorf("%d of %d succeeded, want exactly 1", won, n)
			}
		})
	}
	race("one username", func(i int) error {
		u := users[i]
		u.ID, u.Username = rec.ids(), "Race"
		u.Nickname, u.Email = fmt.Sprintf("경주%d", i), fmt.Sprintf("race%d@example.com", i)
		return repo.CreateUser(ctx, u, nil)
	}, func(t *testing.T, err error) { wantTaken(t, err, "username") })
	race("one identity", func(i int) error {
		u := users[i]
		return repo.CreateUser(ctx, u, &account.Identity{Provider: "kakao", Subject: "same", CreatedAt: rec.now})
	}, func(t *testing.T, err error) {
		if !errors.Is(err, account.ErrIdentityTaken) {
			t.Errorf("a losing create: %v, want ErrIdentityTaken", err)
		}
	})
}

// TestAccountRoundTrip checks what the columns give back: UTC times at
// microseconds, empty hash and email, the staff flag, many interests in the
// order the account package keeps them, identities by provider.
func TestAccountRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(ctx, t)
	repo := s.Accounts()
	rec := newRecords()

	// Random (version 4) ids use every hex digit in every place, so their
	// byte order and the order of their text form are both exercised.
	var interests []uuid.UUID
	for i := range 50 {
		p := rec.problem(fmt.Sprintf("문제 %d", i))
		p.ID = uuid.New()
		must(t, s.Catalog().CreateProblem(ctx, p))
		interests = append(interests, p.ID)
	}
	slices.SortFunc(interests, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })

	seoul := time.FixedZone("KST", 9*60*60)
	u := account.User{
		ID: rec.ids(), Username: "Staff.Kim", Staff: true, Nickname: "관리자 😀", Interests: interests,
		CreatedAt: time.Date(2026, 3, 1, 18, 30, 0, 654321000, seoul), UpdatedAt: time.Date(2026, 3, 2, 1, 0, 0, 1000, time.UTC),
		Version: 3,
	}
	must(t, repo.CreateUser(ctx, u, &account.Identity{Provider: "kakao", Subject: "k-1", Email: "k@example.com", CreatedAt: u.CreatedAt}))
	must(t, repo.LinkIdentity(ctx, account.Identity{Provider: "google", Subject: "g-1", UserID: u.ID, CreatedAt: u.CreatedAt}))

	want := u
	want.CreatedAt, want.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	for _, get := range []struct {
		name string
		read func() (account.User, error)
	}{
		{"GetUser", func() (account.User, error) { return repo.GetUser(ctx, u.ID) }},
		{"GetUserByUsername", func() (account.User, error) { return repo.GetUserByUsername(ctx, "  staff.KIM ") }},
	} {
		got, err := get.read()
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-stored +read):\n%s", get.name, diff)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("%s: created at %v, want UTC", get.name, got.CreatedAt)
		}
	}
	if _, err := repo.GetUserByUsername(ctx, ""); !errors.Is(err, account.ErrUserNotFound) {
		t.Errorf("GetUserByUsername(\"\"): %v", err)
	}

	ids, err := repo.ListIdentities(ctx, u.ID)
	must(t, err)
	wantIDs := []account.Identity{
		{Provider: "google", Subject: "g-1", UserID: u.ID, CreatedAt: want.CreatedAt},
		{Provider: "kakao", Subject: "k-1", UserID: u.ID, Email: "k@example.com", CreatedAt: want.CreatedAt},
	}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("ListIdentities (-want +got):\n%s", diff)
	}
	if ids, err := repo.ListIdentities(ctx, commerce.NewID()); err != nil || ids == nil || len(ids) != 0 {
		t.Errorf("ListIdentities of a user without any: %#v, %v", ids, err)
	}
	// Subjects compare exactly, not case-insensitively.
	if _, err := repo.GetIdentity(ctx, "kakao", "K-1"); !errors.Is(err, account.ErrIdentityNotFound) {
		t.Errorf("GetIdentity with another case: %v", err)
	}

	// Users without email, or without a nickname, do not collide.
	for i := range 3 {
		v := rec.user(fmt.Sprintf("blank%d", i))
		v.Email, v.Nickname, v.PasswordHash = "", "", ""
		must(t, repo.CreateUser(ctx, v, nil))
		got, err := repo.GetUser(ctx, v.ID)
		must(t, err)
		if diff := cmp.Diff(v, got); diff != "" {
			t.Errorf("a user without email (-stored +read):\n%s", diff)
		}
	}

	// Deleting a problem removes it from interests.
	must(t, s.Catalog().DeleteProblem(ctx, interests[7]))
	got, err := repo.GetUser(ctx, u.ID)
	must(t, err)
	if diff := cmp.Diff(slices.Delete(slices.Clone(interests), 7, 8), got.Interests); diff != "" {
		t.Errorf("interests after a problem was deleted (-want +got):\n%s", diff)
	}
}

// accountQueryCounts is the account part of TestQueryCounts: reads cost
// one query each, and a password sign-in a fixed few, with sessions and
// throttling counters kept outside MySQL. It makes its records in s before
// counting starts; the returned function counts the reads on the store it
// is given.
func accountQueryCounts(ctx context.Context, t *testing.T, s *bunstore.Store, problems []catalog.Problem) func(*bunstore.Store, func(string, int64, func() (int, error))) {
	mem := memstore.New(nil)
	opts := &account.Options{Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000})}
	var interests []uuid.UUID
	for _, p := range problems {
		interests = append(interests, p.ID)
	}
	const password = "푸른하늘-Bicycle-42"
	me, err := account.NewService(s.Accounts(), mem.Sessions(), mem.Attempts(), opts).SignUp(ctx, account.SignUpInput{
		Username: "counted", Password: password, PasswordConfirm: password,
		Nickname: "세는사람", Email: "counted@example.com", Interests: interests,
	}, "")
	must(t, err)
	must(t, s.Accounts().LinkIdentity(ctx, account.Identity{Provider: "kakao", Subject: "c", UserID: me.Account.ID, CreatedAt: time.Now()}))

	return func(s *bunstore.Store, count func(name string, want int64, read func() (int, error))) {
		repo := s.Accounts()
		accounts := account.NewService(repo, mem.Sessions(), mem.Attempts(), opts)
		count("GetUser (with interests)", 1, func() (int, error) {
			u, err := repo.GetUser(ctx, me.Account.ID)
			if len(u.Interests) != len(interests) {
				t.Errorf("GetUser: %d interests, want %d", len(u.Interests), len(interests))
			}
			return len(u.Interests), err
		})
		count("GetUserByUsername (with interests)", 1, func() (int, error) {
			u, err := repo.GetUserByUsername(ctx, "COUNTED")
			return len(u.Interests), err
		})
		count("FindTaken", 1, func() (int, error) {
			taken, err := repo.FindTaken(ctx, uuid.Nil, "counted", "세는사람", "counted@example.com")
			if len(taken) != 3 {
				t.Errorf("FindTaken: %v, want all three fields", taken)
			}
			return len(taken), err
		})
		// The users (with their interests), then their identities.
		staff := commerce.StaffActor(uuid.New())
		count("account.Service.Users", 2, func() (int, error) {
			page, err := accounts.Users(ctx, staff, account.UserFilter{Query: "COUNT", Limit: 20})
			if len(page.Items) != 1 || len(page.Items[0].Interests) != len(interests) || len(page.Items[0].Identities) != 1 {
				t.Errorf("Users: %+v, want the one user with its interests and identity", page.Items)
			}
			return len(page.Items), err
		})
		count("account.Service.UsersByID", 2, func() (int, error) {
			users, err := accounts.UsersByID(ctx, staff, []uuid.UUID{me.Account.ID, uuid.New()})
			return len(users), err
		})
		// The user (with its interests) and its identities; the session
		// and the throttling counters are in memstore here, Redis in
		// production.
		count("account.Service.SignIn", 2, func() (int, error) {
			in, err := accounts.SignIn(ctx, account.Credentials{Username: "counted", Password: password, Client: "192.0.2.1"}, me.Token)
			if err == nil && (in.Replaced == nil || !slices.Equal(in.Account.Identities, []string{"kakao"})) {
				t.Errorf("SignIn: replaced %v, identities %v; want the sign-up session, [kakao]", in.Replaced, in.Account.Identities)
			}
			return len(in.Account.Interests), err
		})
	}
}
