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

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
)

// Disabled accounts, and the users' import (account.Service.ImportUsers)
// on the adapter's account.ImportRepository.

func runUserImportTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *accountFixture)
	}{
		{"DisabledStored", testDisabledStored},
		{"DisabledSignIn", testDisabledSignIn},
		{"DisabledSessionsEnd", testDisabledSessionsEnd},
		{"CreateAndReadBack", testUserImportCreate},
		{"UnchangedOnSecondRun", testUserImportUnchanged},
		{"Update", testUserImportUpdate},
		{"KeptWhenChangedInTheShop", testUserImportKept},
		{"KeptWhenLinkedInTheShop", testUserImportKeptLinked},
		{"InvalidSkipped", testUserImportInvalid},
		{"MissingReferenceSkipped", testUserImportMissingInterest},
		{"ConflictsSkipped", testUserImportConflicts},
		{"LargerThanBatch", testUserImportLargerThanBatch},
		{"Concurrent", testUserImportConcurrent},
		{"EndedContext", testUserImportEndedContext},
		{"RepositoryContracts", testUserImportRepository},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newAccountFixture(t, h, nil))
		})
	}
}

// userImportEpoch is the time of the first imported user: years before
// any user the service creates, with microseconds, in the shop's time
// zone, as a Django shop's rows have them.
var userImportEpoch = time.Date(2021, 5, 3, 19, 4, 5, 654321000, time.FixedZone("KST", 9*60*60))

// unusableHash is Django's mark of a user without a usable password.
const unusableHash = "!Xq3bR7mUe1pQ9zLk2vW8sT4nY6cH0jAfG5dE"

// importedUsers returns n users as an importer hands them over, with ids
// from commerce.ImportedID of their times and sources named after prefix.
// Every third has a Kakao identity, every fifth a Google one; every
// seventh (from the seventh) signs in only through Kakao, with Django's
// unusable password and no email; every thirteenth (from the second) is
// staff, and every eleventh (from the eleventh) disabled.
func importedUsers(prefix string, n int) []account.ImportedUser {
	out := make([]account.ImportedUser, n)
	for k := range n {
		at := userImportEpoch.Add(time.Duration(k)*37*time.Hour + time.Duration(k)*time.Microsecond)
		u := account.User{
			ID:       commerce.ImportedID(at, fmt.Sprintf("auth_user:%s%d", prefix, k)),
			Username: fmt.Sprintf("%s.user%d", prefix, k), PasswordHash: djangoHash,
			Nickname: fmt.Sprintf("%s회원%d", prefix, k), Email: fmt.Sprintf("%s%d@example.com", prefix, k),
			Staff: k%13 == 1, Disabled: k%11 == 10, Interests: []uuid.UUID{},
			CreatedAt: at, UpdatedAt: at.Add(90 * time.Minute),
		}
		var ids []account.Identity
		if k%3 == 0 || k%7 == 6 {
			ids = append(ids, account.Identity{Provider: "kakao", Subject: fmt.Sprintf("%s-k%d", prefix, k), CreatedAt: at.Add(time.Second)})
		}
		if k%5 == 0 {
			ids = append(ids, account.Identity{Provider: "google", Subject: fmt.Sprintf("%s-g%d", prefix, k), Email: u.Email, CreatedAt: at.Add(2 * time.Second)})
		}
		if k%7 == 6 {
			u.PasswordHash, u.Email = unusableHash, ""
		}
		out[k] = account.ImportedUser{User: u, Identities: ids}
	}
	return out
}

// importUsers imports us and wants every result to be want.
func (f *accountFixture) importUsers(t *testing.T, us []account.ImportedUser, want commerce.ImportOutcome) {
	t.Helper()
	res, err := f.svc.ImportUsers(f.ctx, us)
	if err != nil {
		t.Fatalf("ImportUsers: %v", err)
	}
	if len(res) != len(us) {
		t.Fatalf("ImportUsers: %d results, want %d", len(res), len(us))
	}
	for i, r := range res {
		if r.Outcome != want || r.Err != nil {
			t.Fatalf("ImportUsers: user %d: %v (%v), want %v", i, r.Outcome, r.Err, want)
		}
	}
}

// wantUserOutcomes wants the results of ImportUsers to be want, one by one.
func wantUserOutcomes(t *testing.T, res []commerce.ImportResult, err error, want ...commerce.ImportOutcome) {
	t.Helper()
	if err != nil {
		t.Fatalf("ImportUsers: %v", err)
	}
	got := make([]commerce.ImportOutcome, len(res))
	for i, r := range res {
		got[i] = r.Outcome
		if (r.Outcome == commerce.ImportSkipped) != (r.Err != nil) {
			t.Errorf("ImportUsers: user %d: %v with error %v", i, r.Outcome, r.Err)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("ImportUsers outcomes (-want +got):\n%s", diff)
	}
}

// storedUser is what reads give of an imported user at version.
func storedUser(in account.ImportedUser, version int64) account.User {
	u := in.User
	u.Interests = slices.Clone(u.Interests)
	if u.Interests == nil {
		u.Interests = []uuid.UUID{}
	}
	slices.SortFunc(u.Interests, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	u.CreatedAt, u.UpdatedAt, u.Version = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), version
	return u
}

// checkUsersStored wants the store to hold us, each at version, with
// their interests and identities, exactly.
func (f *accountFixture) checkUsersStored(t *testing.T, us []account.ImportedUser, version int64) {
	t.Helper()
	ids := make([]uuid.UUID, len(us))
	var want []account.User
	var wantIDs []account.Identity
	for i, in := range us {
		ids[i] = in.User.ID
		want = append(want, storedUser(in, version))
		for _, id := range in.Identities {
			id.UserID, id.CreatedAt = in.User.ID, id.CreatedAt.UTC()
			wantIDs = append(wantIDs, id)
		}
	}
	// GetUsers and ListIdentitiesOf give users newest (highest id) first
	// and identities by user id, then provider.
	slices.SortFunc(want, func(a, b account.User) int { return -compareUUIDs(a.ID, b.ID) })
	slices.SortFunc(wantIDs, func(a, b account.Identity) int {
		if c := compareUUIDs(a.UserID, b.UserID); c != 0 {
			return c
		}
		return strings.Compare(a.Provider, b.Provider)
	})
	got, err := f.repo.GetUsers(f.ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("stored users (-want +got):\n%s", diff)
	}
	gotIDs, err := f.repo.ListIdentitiesOf(f.ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if wantIDs == nil {
		wantIDs = []account.Identity{}
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Fatalf("stored identities (-want +got):\n%s", diff)
	}
}

func compareUUIDs(a, b uuid.UUID) int { return strings.Compare(string(a[:]), string(b[:])) }

func testDisabledStored(t *testing.T, f *accountFixture) {
	now := f.now().UTC().Truncate(time.Microsecond)
	u := account.User{
		ID: commerce.NewID(), Username: "closed", PasswordHash: djangoHash, Disabled: true, Nickname: "닫힌계정",
		Email: "closed@example.com", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := f.repo.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	got, err := f.repo.GetUser(f.ctx, u.ID)
	if err != nil || !got.Disabled {
		t.Fatalf("GetUser of a disabled user: %+v, %v", got, err)
	}
	next := got
	next.Disabled, next.Version = false, 2
	if err := f.repo.UpdateUser(f.ctx, next, 1); err != nil {
		t.Fatal(err)
	}
	for _, read := range []func() (account.User, error){
		func() (account.User, error) { return f.repo.GetUser(f.ctx, u.ID) },
		func() (account.User, error) { return f.repo.GetUserByUsername(f.ctx, "CLOSED") },
		func() (account.User, error) {
			us, err := f.repo.ListUsers(f.ctx, account.UserQuery{Limit: 10})
			if err != nil || len(us) != 1 {
				return account.User{}, fmt.Errorf("ListUsers: %d users, %v", len(us), err)
			}
			return us[0], nil
		},
	} {
		got, err := read()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(next, got); diff != "" {
			t.Errorf("a user enabled again (-want +got):\n%s", diff)
		}
	}
}

// disabledPair imports an enabled and a disabled user with the same
// password (djangoPassword) and a Kakao identity each.
func (f *accountFixture) disabledPair(t *testing.T) (enabled, disabled account.ImportedUser) {
	t.Helper()
	us := importedUsers("pair", 2)
	us[0].User.Disabled, us[1].User.Disabled = false, true
	us[0].User.Staff, us[1].User.Staff = false, false
	us[0].User.PasswordHash, us[1].User.PasswordHash = djangoHash, djangoHash
	us[0].User.Email, us[1].User.Email = "open@example.com", "shut@example.com"
	us[0].Identities = []account.Identity{{Provider: "kakao", Subject: "open", CreatedAt: userImportEpoch}}
	us[1].Identities = []account.Identity{{Provider: "kakao", Subject: "shut", CreatedAt: userImportEpoch}}
	f.importUsers(t, us, commerce.ImportCreated)
	return us[0], us[1]
}

func testDisabledSignIn(t *testing.T, f *accountFixture) {
	enabled, disabled := f.disabledPair(t)
	if _, err := f.svc.SignIn(f.ctx, account.Credentials{Username: enabled.User.Username, Password: djangoPassword}, ""); err != nil {
		t.Fatalf("an enabled imported user signs in: %v", err)
	}
	// The right password and a wrong one get the same answer.
	for _, pw := range []string{djangoPassword, "not-the-password-1"} {
		_, err := f.svc.SignIn(f.ctx, account.Credentials{Username: disabled.User.Username, Password: pw}, "")
		wantErr(t, "SignIn of a disabled user", err, account.ErrBadCredentials)
	}
	_, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "shut"}, "")
	wantErr(t, "SignInExternal of a disabled user", err, account.ErrAccountDisabled)
	wantErr(t, "SignInExternal of a disabled user", err, commerce.ErrForbidden)
	if _, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "open"}, ""); err != nil {
		t.Errorf("SignInExternal of an enabled imported user: %v", err)
	}
	// A session that outlived the disabling links nothing.
	_, err = f.svc.SignInExternal(f.ctx, commerce.UserActor(disabled.User.ID), account.ExternalUser{Provider: "google", Subject: "g-shut"}, "")
	wantErr(t, "linking to a disabled user", err, account.ErrAccountDisabled)
	if _, err := f.repo.GetIdentity(f.ctx, "google", "g-shut"); !errors.Is(err, account.ErrIdentityNotFound) {
		t.Errorf("a disabled user's link was stored: %v", err)
	}
	// Bootstrapping a disabled username reopens nothing.
	_, err = f.svc.BootstrapStaff(f.ctx, disabled.User.Username, strongPassword)
	wantErr(t, "BootstrapStaff of a disabled user", err, account.ErrAccountDisabled)
	if u, err := f.repo.GetUser(f.ctx, disabled.User.ID); err != nil || u.Staff || !u.Disabled || u.Version != 1 {
		t.Errorf("BootstrapStaff changed a disabled user: %+v, %v", u, err)
	}

	// Staff see who is disabled.
	page, err := f.svc.Users(f.ctx, commerce.StaffActor(commerce.NewID()), account.UserFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[uuid.UUID]bool{}
	for _, a := range page.Items {
		got[a.ID] = a.Disabled
	}
	if want := map[uuid.UUID]bool{enabled.User.ID: false, disabled.User.ID: true}; !cmp.Equal(want, got) {
		t.Errorf("Users: disabled flags %v, want %v", got, want)
	}
}

func testDisabledSessionsEnd(t *testing.T, f *accountFixture) {
	us := importedUsers("sess", 1)
	us[0].User.PasswordHash = djangoHash
	f.importUsers(t, us, commerce.ImportCreated)
	in, err := f.svc.SignIn(f.ctx, account.Credentials{Username: us[0].User.Username, Password: djangoPassword}, "")
	if err != nil {
		t.Fatal(err)
	}
	us[0].User.Disabled = true
	f.importUsers(t, us, commerce.ImportUpdated)
	_, _, err = f.svc.Authenticate(f.ctx, in.Token)
	wantErr(t, "Authenticate after the user was disabled", err, account.ErrSessionEnded)
	// A session that outlived the disabling, as one begun while the
	// import ran could, reads nothing.
	_, err = f.svc.Account(f.ctx, commerce.UserActor(us[0].User.ID))
	wantErr(t, "Account of a disabled user", err, account.ErrSessionEnded)
	_, err = f.svc.UpdateProfile(f.ctx, commerce.UserActor(us[0].User.ID), account.ProfilePatch{Nickname: commerce.Some("새이름")})
	wantErr(t, "UpdateProfile of a disabled user", err, account.ErrSessionEnded)
}

func testUserImportCreate(t *testing.T, f *accountFixture) {
	us := importedUsers("create", 40)
	var problems []uuid.UUID
	if f.catalog != nil {
		for _, name := range []string{"장애인", "환경", "고용"} {
			p, err := f.catalog.CreateProblem(f.ctx, staff, catalog.ProblemInput{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			problems = append(problems, p.ID)
		}
		for k := range us {
			us[k].User.Interests = problems[:k%4]
		}
	}
	f.importUsers(t, us, commerce.ImportCreated)
	f.checkUsersStored(t, us, 1)

	// Staff's list gives them newest first, which for ids made from
	// the users' times is the order of the times.
	want := slices.Clone(us)
	slices.SortFunc(want, func(a, b account.ImportedUser) int { return b.User.CreatedAt.Compare(a.User.CreatedAt) })
	var got []account.Account
	for cursor := ""; ; {
		page, err := f.svc.Users(f.ctx, staff, account.UserFilter{Limit: 15, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Users: %d accounts, want %d", len(got), len(want))
	}
	for i, a := range got {
		u := want[i].User
		var providers []string
		for _, id := range want[i].Identities {
			providers = append(providers, id.Provider)
		}
		slices.Sort(providers)
		if providers == nil {
			providers = []string{}
		}
		if a.ID != u.ID || a.Username != u.Username || a.Nickname != u.Nickname || a.Email != u.Email ||
			a.Staff != u.Staff || a.Disabled != u.Disabled || !a.CreatedAt.Equal(u.CreatedAt) || a.CreatedAt.Location() != time.UTC ||
			!slices.Equal(a.Identities, providers) || len(a.Interests) != len(u.Interests) {
			t.Errorf("Users: account %d is %+v; want user %+v with %v", i, a, u, providers)
		}
	}

	// The hashes were copied untouched: Django's passwords sign in, and
	// the identities sign their users in.
	res, err := f.svc.SignIn(f.ctx, account.Credentials{Username: strings.ToUpper(us[1].User.Username), Password: djangoPassword}, "")
	if err != nil || res.Account.ID != us[1].User.ID {
		t.Errorf("SignIn of an imported user: %+v, %v", res.Account, err)
	}
	ext, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "kakao", Subject: "create-k6"}, "")
	if err != nil || ext.Account.ID != us[6].User.ID || ext.Account.Email != "" {
		t.Errorf("SignInExternal of an imported Kakao user: %+v, %v", ext.Account, err)
	}
}

func testUserImportUnchanged(t *testing.T, f *accountFixture) {
	us := importedUsers("same", 30)
	f.importUsers(t, us, commerce.ImportCreated)
	f.importUsers(t, us, commerce.ImportUnchanged)
	// Texts are compared as they are stored: cleaned, so that spaces
	// around a name or another Unicode form change nothing.
	us[3].User.Nickname = " " + us[3].User.Nickname + " "
	us[4].User.CreatedAt = us[4].User.CreatedAt.In(time.UTC).Add(300 * time.Nanosecond)
	slices.Reverse(us[5].Identities)
	f.importUsers(t, us, commerce.ImportUnchanged)
	f.checkUsersStored(t, importedUsers("same", 30), 1)
}

// testUserImportKept: a user who changed their profile in the shop after
// the import keeps it when the import runs again.
func testUserImportKept(t *testing.T, f *accountFixture) {
	us := importedUsers("kept", 2)
	f.importUsers(t, us, commerce.ImportCreated)
	edited, err := f.svc.UpdateProfile(f.ctx, commerce.UserActor(us[0].User.ID), account.ProfilePatch{Nickname: commerce.Some("가게별명")})
	if err != nil {
		t.Fatal(err)
	}
	next := slices.Clone(us)
	next[0].User.Nickname = "다시가져온별명"
	next[1].User.Nickname = "바뀐별명"
	res, err := f.svc.ImportUsers(f.ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []commerce.ImportOutcome{commerce.ImportKept, commerce.ImportUpdated} {
		if res[i].Outcome != want || res[i].Err != nil {
			t.Errorf("user %d: %v (%v), want %v", i, res[i].Outcome, res[i].Err, want)
		}
	}
	got, err := f.repo.GetUser(f.ctx, us[0].User.ID)
	if err != nil || got.Nickname != edited.Nickname {
		t.Errorf("the user who changed their profile: %q, %v; want %q kept", got.Nickname, err, edited.Nickname)
	}
}

// testUserImportKeptLinked: a provider a user linked in the shop, which
// changes no time of the user, is not taken away by an import run again.
func testUserImportKeptLinked(t *testing.T, f *accountFixture) {
	us := importedUsers("link", 6) // user 5 has a Google identity only
	f.importUsers(t, us, commerce.ImportCreated)
	in, err := f.svc.SignInExternal(f.ctx, commerce.Anonymous, account.ExternalUser{Provider: "google", Subject: "link-g5"}, "")
	if err != nil || in.Account.ID != us[5].User.ID {
		t.Fatalf("Google sign-in of the imported user: %+v, %v", in.Account, err)
	}
	actor, _, err := f.svc.Authenticate(f.ctx, in.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignInExternal(f.ctx, actor, account.ExternalUser{Provider: "kakao", Subject: "link-k-shop"}, in.Token); err != nil {
		t.Fatalf("linking Kakao in the shop: %v", err)
	}
	res, err := f.svc.ImportUsers(f.ctx, us)
	want := []commerce.ImportOutcome{commerce.ImportUnchanged, commerce.ImportUnchanged, commerce.ImportUnchanged,
		commerce.ImportUnchanged, commerce.ImportUnchanged, commerce.ImportKept}
	wantUserOutcomes(t, res, err, want...)
	ids, err := f.repo.ListIdentities(f.ctx, us[5].User.ID)
	if err != nil || len(ids) != 2 {
		t.Errorf("the user's identities after the import: %+v, %v; want Google and the Kakao linked in the shop", ids, err)
	}
}

func testUserImportUpdate(t *testing.T, f *accountFixture) {
	us := importedUsers("upd", 12)
	f.importUsers(t, us, commerce.ImportCreated)
	sessions := make(map[int]string)
	for _, k := range []int{1, 2, 4} {
		in, err := f.svc.SignIn(f.ctx, account.Credentials{Username: us[k].User.Username, Password: djangoPassword}, "")
		if err != nil {
			t.Fatalf("SignIn of user %d: %v", k, err)
		}
		sessions[k] = in.Token
	}
	next := slices.Clone(us)
	for k := range next {
		next[k].Identities = slices.Clone(us[k].Identities)
	}
	next[0].Identities = next[0].Identities[:1]                              // google dropped: kept
	next[1].User.Staff = !next[1].User.Staff                                 // signed out
	next[2].User.PasswordHash = "pbkdf2_sha256$1000$c2FsdA$YWJjZGVmZ2hpams=" // signed out
	next[4].User.Nickname = "새별명"                                            // keeps its session
	next[6].User.UpdatedAt = next[6].User.UpdatedAt.Add(time.Microsecond)
	next[9].Identities = append(next[9].Identities, account.Identity{Provider: "google", Subject: "upd-g9", CreatedAt: userImportEpoch})
	res, err := f.svc.ImportUsers(f.ctx, next)
	want := make([]commerce.ImportOutcome, len(next))
	for k := range want {
		want[k] = commerce.ImportUnchanged
	}
	for _, k := range []int{1, 2, 4, 6, 9} {
		want[k] = commerce.ImportUpdated
	}
	// An identity the import lacks may have been linked in the shop:
	// the user is kept as the shop has them.
	want[0] = commerce.ImportKept
	wantUserOutcomes(t, res, err, want...)
	for k := range next {
		switch want[k] {
		case commerce.ImportUpdated:
			f.checkUsersStored(t, next[k:k+1], 2)
		case commerce.ImportKept:
			f.checkUsersStored(t, us[k:k+1], 1)
		default:
			f.checkUsersStored(t, next[k:k+1], 1)
		}
	}
	if _, err := f.repo.GetIdentity(f.ctx, "google", "upd-g0"); err != nil {
		t.Errorf("an identity the import lacks was taken away: %v", err)
	}
	for k, token := range sessions {
		_, _, err := f.svc.Authenticate(f.ctx, token)
		if ended := errors.Is(err, account.ErrSessionEnded); ended != (k != 4) {
			t.Errorf("user %d's session after the import: %v", k, err)
		}
	}
}

func testUserImportInvalid(t *testing.T, f *accountFixture) {
	base := importedUsers("bad", 1)[0]
	at := userImportEpoch
	cases := []struct {
		name   string
		edit   func(*account.ImportedUser)
		fields []string // nil: the user is valid
	}{
		{"no id", func(u *account.ImportedUser) { u.User.ID = uuid.Nil }, []string{"id"}},
		{"no username", func(u *account.ImportedUser) { u.User.Username = " " }, []string{"username"}},
		{"a space in the username", func(u *account.ImportedUser) { u.User.Username = "kim minji" }, []string{"username"}},
		{"a username of 151 letters", func(u *account.ImportedUser) { u.User.Username = strings.Repeat("가", 151) }, []string{"username"}},
		{"Django's numbers in a username", func(u *account.ImportedUser) { u.User.Username = "Ⅻ.user²_½@+-" }, nil},
		{"a username of 150 letters", func(u *account.ImportedUser) { u.User.Username = strings.Repeat("가", 150) }, nil},
		{"no nickname", func(u *account.ImportedUser) { u.User.Nickname = "" }, []string{"nickname"}},
		{"a nickname of 31 letters", func(u *account.ImportedUser) { u.User.Nickname = strings.Repeat("닉", 31) }, []string{"nickname"}},
		{"a bad email", func(u *account.ImportedUser) { u.User.Email = "not an address" }, []string{"email"}},
		{"no email with a password", func(u *account.ImportedUser) { u.User.Email = "" }, nil},
		{"no email nor password", func(u *account.ImportedUser) { u.User.Email, u.User.PasswordHash = "", "" }, nil},
		{"no email, an unusable password", func(u *account.ImportedUser) { u.User.Email, u.User.PasswordHash = "", unusableHash }, nil},
		{"a hash of 256 bytes", func(u *account.ImportedUser) { u.User.PasswordHash = strings.Repeat("a", 256) }, []string{"password_hash"}},
		{"a hash with a line break", func(u *account.ImportedUser) { u.User.PasswordHash = "md5$salt\nx" }, []string{"password_hash"}},
		{"a hash of 255 bytes, any format", func(u *account.ImportedUser) { u.User.PasswordHash = "crypt$" + strings.Repeat("z", 249) }, nil},
		{"a nil interest", func(u *account.ImportedUser) { u.User.Interests = []uuid.UUID{uuid.Nil} }, []string{"interests"}},
		{"no creation time", func(u *account.ImportedUser) { u.User.CreatedAt = time.Time{} }, []string{"created_at"}},
		{"an update in year 10000", func(u *account.ImportedUser) { u.User.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"updated_at"}},
		{"a bad provider", func(u *account.ImportedUser) {
			u.Identities = []account.Identity{{Provider: "Kakao Talk", Subject: "1", CreatedAt: at}}
		}, []string{"identities[0].provider"}},
		{"no subject, no time", func(u *account.ImportedUser) {
			u.Identities = []account.Identity{{Provider: "google", Subject: "g", CreatedAt: at}, {Provider: "kakao"}}
		}, []string{"identities[1].created_at", "identities[1].subject"}},
		{"two accounts of one provider", func(u *account.ImportedUser) {
			u.Identities = []account.Identity{{Provider: "kakao", Subject: "1", CreatedAt: at}, {Provider: "kakao", Subject: "2", CreatedAt: at}}
		}, []string{"identities[1].provider"}},
		{"a provider's odd email, dropped", func(u *account.ImportedUser) {
			u.Identities = []account.Identity{{Provider: "google", Subject: "odd", Email: "odd email", CreatedAt: at}}
		}, nil},
	}
	// Each case rides with a valid user, who is created whatever the
	// other's fate.
	for i, c := range cases {
		u := base
		u.User.ID = commerce.ImportedID(at, fmt.Sprintf("bad:%d", i))
		u.User.Username, u.User.Nickname, u.User.Email = fmt.Sprintf("bad%d", i), fmt.Sprintf("나쁜%d", i), fmt.Sprintf("bad%d@example.com", i)
		u.Identities = nil
		c.edit(&u)
		good := importedUsers(fmt.Sprintf("good%d", i), 1)
		res, err := f.svc.ImportUsers(f.ctx, []account.ImportedUser{u, good[0]})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res[1].Outcome != commerce.ImportCreated {
			t.Errorf("%s: the valid user beside it: %v (%v)", c.name, res[1].Outcome, res[1].Err)
		}
		if c.fields == nil {
			if res[0].Outcome != commerce.ImportCreated {
				t.Errorf("%s: %v (%v), want it created", c.name, res[0].Outcome, res[0].Err)
			}
			continue
		}
		if res[0].Outcome != commerce.ImportSkipped {
			t.Errorf("%s: %v, want it skipped", c.name, res[0].Outcome)
			continue
		}
		wantFields(t, c.name, res[0].Err, c.fields...)
		if u.User.ID != uuid.Nil {
			if _, err := f.repo.GetUser(f.ctx, u.User.ID); !errors.Is(err, account.ErrUserNotFound) {
				t.Errorf("%s: the skipped user was stored: %v", c.name, err)
			}
		}
	}
	odd, err := f.repo.FindIdentities(f.ctx, []account.IdentityKey{{Provider: "google", Subject: "odd"}})
	if err != nil || len(odd) != 1 || odd[0].Email != "" {
		t.Errorf("an identity with an odd email: %+v, %v; want it stored without", odd, err)
	}
}

func testUserImportMissingInterest(t *testing.T, f *accountFixture) {
	us := importedUsers("miss", 3)
	missing := commerce.NewID()
	us[1].User.Interests = []uuid.UUID{missing}
	res, err := f.svc.ImportUsers(f.ctx, us)
	wantUserOutcomes(t, res, err, commerce.ImportCreated, commerce.ImportSkipped, commerce.ImportCreated)
	if !errors.Is(res[1].Err, commerce.ErrNotFound) {
		t.Errorf("an unknown interest: %v, want commerce.ErrNotFound", res[1].Err)
	}
	if _, ok := commerce.FieldErrors(res[1].Err)["interests"]; !ok {
		t.Errorf("an unknown interest: %v names no field interests", res[1].Err)
	}
	if _, err := f.repo.GetUser(f.ctx, us[1].User.ID); !errors.Is(err, account.ErrUserNotFound) {
		t.Errorf("the skipped user was stored: %v", err)
	}
}

func testUserImportConflicts(t *testing.T, f *accountFixture) {
	f.signUp(t, "taken.name")
	holder := importedUsers("holder", 1)[0]
	holder.Identities = []account.Identity{{Provider: "kakao", Subject: "linked", CreatedAt: userImportEpoch}}
	f.importUsers(t, []account.ImportedUser{holder}, commerce.ImportCreated)

	us := importedUsers("clash", 7)
	us[0].User.Username = "TAKEN.name"          // a stored user's, folded
	us[1].User.Email = "Taken.Name@Example.com" // a stored user's email
	us[2].User.Nickname = us[3].User.Nickname   // the later of two is refused
	us[4].Identities = []account.Identity{{Provider: "kakao", Subject: "linked", CreatedAt: userImportEpoch}}
	us[5].User.ID = us[6].User.ID // an id given twice
	us[5].User.Username, us[5].User.Email = "clash.five", "clash5@example.com"
	res, err := f.svc.ImportUsers(f.ctx, us)
	skip, create := commerce.ImportSkipped, commerce.ImportCreated
	wantUserOutcomes(t, res, err, skip, skip, create, skip, skip, create, skip)
	wantTaken(t, "a stored username", res[0].Err, "username")
	wantTaken(t, "a stored email", res[1].Err, "email")
	wantTaken(t, "a nickname of the batch", res[3].Err, "nickname")
	for _, c := range []struct {
		i     int
		kind  error
		field string
	}{{4, account.ErrIdentityTaken, "identities[0]"}, {6, account.ErrDuplicateID, "id"}} {
		if !errors.Is(res[c.i].Err, c.kind) || !errors.Is(res[c.i].Err, commerce.ErrConflict) {
			t.Errorf("user %d: %v, want %v", c.i, res[c.i].Err, c.kind)
		}
		if _, ok := commerce.FieldErrors(res[c.i].Err)[c.field]; !ok {
			t.Errorf("user %d: %v names no field %s", c.i, res[c.i].Err, c.field)
		}
	}
	id, err := f.repo.GetIdentity(f.ctx, "kakao", "linked")
	if err != nil || id.UserID != holder.User.ID {
		t.Errorf("the linked identity: %+v, %v; want it still %s's", id, err, holder.User.ID)
	}
}

func testUserImportLargerThanBatch(t *testing.T, f *accountFixture) {
	us := importedUsers("many", 2*commerce.ImportBatchSize+7)
	f.importUsers(t, us, commerce.ImportCreated)
	f.checkUsersStored(t, us, 1)
	f.importUsers(t, us, commerce.ImportUnchanged)
}

// testUserImportConcurrent runs imports of overlapping users at once:
// each user is created by exactly one of them, and the others find it
// unchanged, at the version it was created with.
func testUserImportConcurrent(t *testing.T, f *accountFixture) {
	const n, runs, step = 700, 3, 150
	us := importedUsers("conc", n)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created = make(map[uuid.UUID]int)
		errs    []error
	)
	for r := range runs {
		part := us[r*step : n-(runs-1-r)*step]
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.svc.ImportUsers(f.ctx, part)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for i, res := range res {
				switch res.Outcome {
				case commerce.ImportCreated:
					created[part[i].User.ID]++
				case commerce.ImportUnchanged:
				default:
					errs = append(errs, fmt.Errorf("user %s: %v (%v)", part[i].User.Username, res.Outcome, res.Err))
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent imports: %v", errors.Join(errs...))
	}
	for _, u := range us {
		if created[u.User.ID] != 1 {
			t.Errorf("user %s created %d times", u.User.Username, created[u.User.ID])
		}
	}
	f.checkUsersStored(t, us, 1)
	f.importUsers(t, us, commerce.ImportUnchanged)
}

// testUserImportEndedContext holds the import and the repository's bulk
// methods to the rule of context.go: an ended context fails the call with
// commerce.ErrUnavailable and changes nothing.
func testUserImportEndedContext(t *testing.T, f *accountFixture) {
	us := importedUsers("ctx", 2)
	ids := []uuid.UUID{us[0].User.ID, us[1].User.ID}
	callEnded(t, []endedCall{
		{"ImportUsers", func(ctx context.Context) error { _, err := f.svc.ImportUsers(ctx, us); return err }},
		{"Repository.ImportUsers", func(ctx context.Context) error {
			return f.repo.ImportUsers(ctx, []account.ImportedUser{{User: storedUser(us[0], 1)}})
		}},
		{"FindHolders", func(ctx context.Context) error {
			_, err := f.repo.FindHolders(ctx, []string{"a"}, []string{"b"}, []string{"c@example.com"})
			return err
		}},
		{"FindIdentities", func(ctx context.Context) error {
			_, err := f.repo.FindIdentities(ctx, []account.IdentityKey{{Provider: "kakao", Subject: "1"}})
			return err
		}},
		{"MissingProblems", func(ctx context.Context) error { _, err := f.repo.MissingProblems(ctx, ids); return err }},
	})
	got, err := f.repo.GetUsers(f.ctx, ids)
	if err != nil || len(got) != 0 {
		t.Errorf("imports with an ended context stored %d users (%v)", len(got), err)
	}
}

// testUserImportRepository holds the repository's bulk methods to their
// contracts, apart from the service's checks: what the reads find, and
// that a refused write writes nothing of its batch.
func testUserImportRepository(t *testing.T, f *accountFixture) {
	us := importedUsers("repo", 3)
	for k := range us {
		us[k].User = storedUser(us[k], 1)
		for i := range us[k].Identities {
			us[k].Identities[i].UserID = us[k].User.ID
		}
	}
	if err := f.repo.ImportUsers(f.ctx, us[:2]); err != nil {
		t.Fatal(err)
	}
	h, err := f.repo.FindHolders(f.ctx, []string{"REPO.USER0", "", "nobody"}, []string{"repo회원1"}, []string{"Repo0@Example.com", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := account.Holders{
		Usernames: map[string]uuid.UUID{"repo.user0": us[0].User.ID},
		Nicknames: map[string]uuid.UUID{"repo회원1": us[1].User.ID},
		Emails:    map[string]uuid.UUID{"repo0@example.com": us[0].User.ID},
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("FindHolders (-want +got):\n%s", diff)
	}
	// User 0 has Kakao and Google identities.
	ids, err := f.repo.FindIdentities(f.ctx, []account.IdentityKey{
		{Provider: "kakao", Subject: "repo-k0"}, {Provider: "google", Subject: "repo-g0"},
		{Provider: "google", Subject: "repo-k0"}, {Provider: "kakao", Subject: "nobody"},
	})
	if err != nil || len(ids) != 2 || ids[0].UserID != us[0].User.ID || ids[1].UserID != us[0].User.ID {
		t.Errorf("FindIdentities: %+v, %v; want user 0's two", ids, err)
	}
	unknown := commerce.NewID()
	missing, err := f.repo.MissingProblems(f.ctx, []uuid.UUID{unknown, unknown})
	if err != nil || !slices.Equal(missing, []uuid.UUID{unknown}) {
		t.Errorf("MissingProblems: %v, %v; want %v once", missing, err, unknown)
	}

	// Each refusal leaves user 2 (new, valid) unwritten and user 1 as it
	// was.
	changed := us[1]
	changed.User.Nickname, changed.User.Version = "바뀐닉", 2
	for _, c := range []struct {
		name string
		edit func(u, v *account.ImportedUser)
		want error
	}{
		{"a stale version", func(u, v *account.ImportedUser) { u.User.Version = 3 }, account.ErrVersionConflict},
		{"a new user that exists", func(u, v *account.ImportedUser) { v.User.ID = us[0].User.ID }, account.ErrVersionConflict},
		{"a username of another", func(u, v *account.ImportedUser) { v.User.Username = "Repo.User0" }, commerce.ErrConflict},
		{"an email of the batch", func(u, v *account.ImportedUser) {
			v.User.Email = "REPO1@example.com"
			u.User.Email = "repo1@example.com"
		}, commerce.ErrConflict},
		{"an identity of another", func(u, v *account.ImportedUser) {
			v.Identities = []account.Identity{{Provider: "kakao", Subject: "repo-k0", UserID: v.User.ID, CreatedAt: v.User.CreatedAt}}
		}, account.ErrIdentityTaken},
		{"an unknown interest", func(u, v *account.ImportedUser) { v.User.Interests = []uuid.UUID{unknown} }, account.ErrUnknownInterest},
	} {
		u, v := changed, us[2]
		c.edit(&u, &v)
		wantErr(t, c.name, f.repo.ImportUsers(f.ctx, []account.ImportedUser{u, v}), c.want)
		got, err := f.repo.GetUsers(f.ctx, []uuid.UUID{us[1].User.ID, us[2].User.ID})
		if err != nil || len(got) != 1 || got[0].Nickname != us[1].User.Nickname || got[0].Version != 1 {
			t.Fatalf("%s: the refused batch was written: %+v, %v", c.name, got, err)
		}
	}
	if err := f.repo.ImportUsers(f.ctx, []account.ImportedUser{changed, us[2]}); err != nil {
		t.Fatal(err)
	}
	f.checkUsersStored(t, us[2:], 1)
	got, err := f.repo.GetUser(f.ctx, changed.User.ID)
	if err != nil || got.Nickname != "바뀐닉" || got.Version != 2 {
		t.Errorf("the changed user: %+v, %v", got, err)
	}
}
