package account_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// drain returns the events of ob that no earlier drain returned, in the
// order they were stored, and marks them sent.
func drain(t *testing.T, ob outbox.Store) []commerce.Event {
	t.Helper()
	evs, err := outbox.TakeAll(context.Background(), ob)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// expectNone fails t if the outbox holds events no drain returned.
func expectNone(t *testing.T, what string, ob outbox.Store) {
	t.Helper()
	if evs := drain(t, ob); len(evs) > 0 {
		t.Errorf("%s stored %d events, the first %s: %s", what, len(evs), evs[0].Type, evs[0].Data)
	}
}

// signedUp returns the one user.signed_up event of evs and its data,
// after checking that it is about the account a at version 1, at time at.
func signedUp(t *testing.T, what string, evs []commerce.Event, a account.Account, at time.Time) account.UserSignedUp {
	t.Helper()
	if len(evs) != 1 {
		t.Fatalf("%s stored %d events, want one user.signed_up", what, len(evs))
	}
	ev := evs[0]
	if ev.Type != account.EventUserSignedUp || ev.AggregateID != a.ID || ev.Version != 1 || !ev.Time.Equal(at) {
		t.Errorf("%s: event %s about %s at version %d, %v; want user.signed_up about %s at version 1, %v",
			what, ev.Type, ev.AggregateID, ev.Version, ev.Time, a.ID, at)
	}
	var d account.UserSignedUp
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.UserID != a.ID || d.Username != a.Username || d.Nickname != a.Nickname || d.Email != a.Email ||
		!slices.Equal(d.Interests, a.Interests) || !d.SignedUpAt.Equal(at) {
		t.Errorf("%s: data %s does not describe %+v", what, ev.Data, a)
	}
	return d
}

func TestSignUpEvents(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	ob := store.Outbox()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	svc := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), &account.Options{
		Now: func() time.Time { return at }, Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000}),
	})
	env := catalog.Problem{ID: commerce.NewID(), Name: "환경", CreatedAt: at, UpdatedAt: at, Version: 1}
	if err := store.Catalog().CreateProblem(ctx, env); err != nil {
		t.Fatal(err)
	}

	in := account.SignUpInput{
		Username: "hana.kim", Password: "사과나무숲길2026", PasswordConfirm: "사과나무숲길2026",
		Nickname: "하나", Email: "hana@example.kr", Interests: []uuid.UUID{env.ID},
	}
	got, err := svc.SignUp(ctx, in, "")
	if err != nil {
		t.Fatal(err)
	}
	evs := drain(t, ob)
	d := signedUp(t, "SignUp", evs, got.Account, at)
	if d.Provider != "password" || !slices.Equal(d.Interests, []uuid.UUID{env.ID}) || d.Email != "hana@example.kr" {
		t.Errorf("SignUp: data %s", evs[0].Data)
	}
	for _, secret := range []string{"사과나무숲길2026", "pbkdf2", got.Token, got.Session.ID} {
		if strings.Contains(string(evs[0].Data), secret) {
			t.Errorf("user.signed_up holds %q: %s", secret, evs[0].Data)
		}
	}

	// Sign-ups that fail store nothing: a taken username, an invalid
	// input, an unknown interest.
	for what, in := range map[string]account.SignUpInput{
		"a taken username": {Username: "HANA.KIM", Password: "사과나무숲길2026", PasswordConfirm: "사과나무숲길2026", Nickname: "두나", Email: "duna@example.kr"},
		"an invalid input": {Username: "duna", Password: "짧음", PasswordConfirm: "짧음", Nickname: "두나", Email: "duna@example.kr"},
		"an unknown interest": {Username: "duna", Password: "사과나무숲길2026", PasswordConfirm: "사과나무숲길2026", Nickname: "두나",
			Email: "duna@example.kr", Interests: []uuid.UUID{commerce.NewID()}},
	} {
		if _, err := svc.SignUp(ctx, in, ""); err == nil {
			t.Errorf("a sign-up with %s succeeded", what)
		}
		expectNone(t, "a sign-up with "+what, ob)
	}

	// Signing in, editing the profile, changing the password and
	// becoming staff are no sign-ups.
	in2, err := svc.SignIn(ctx, account.Credentials{Username: "hana.kim", Password: "사과나무숲길2026"}, "")
	if err != nil {
		t.Fatal(err)
	}
	actor := commerce.Actor{UserID: in2.Account.ID, SessionID: in2.Session.ID}
	if _, err := svc.UpdateProfile(ctx, actor, account.ProfilePatch{Nickname: commerce.Some("하나둘")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.ChangePassword(ctx, actor, "사과나무숲길2026", "배나무언덕길2027"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.BootstrapStaff(ctx, "hana.kim", "배나무언덕길2027"); err != nil {
		t.Fatal(err)
	}
	expectNone(t, "sign-in and edits", ob)

	// Start-up staff accounts and imported users sign up no one.
	if _, err := svc.BootstrapStaff(ctx, "operator", "운영자비밀번호2026"); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2019, 4, 1, 0, 0, 0, 0, time.UTC)
	res, err := svc.ImportUsers(ctx, []account.ImportedUser{{
		User: account.User{
			ID: commerce.ImportedID(old, "user 7"), Username: "minjun", PasswordHash: "pbkdf2_sha256$1000$salt$hash",
			Nickname: "민준", Email: "minjun@example.kr", CreatedAt: old, UpdatedAt: old,
		},
		Identities: []account.Identity{{Provider: "kakao", Subject: "2718281", CreatedAt: old}},
	}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("importing a user: %v, %+v", err, res)
	}
	expectNone(t, "BootstrapStaff and ImportUsers", ob)
}

func TestExternalSignUpEvents(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	ob := store.Outbox()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	svc := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), &account.Options{
		Now: func() time.Time { return at }, Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000}),
	})

	// A first sign-in through Kakao makes a customer: one event, with
	// provider kakao and no email, since Kakao vouched for none.
	kakao := account.ExternalUser{Provider: "kakao", Subject: "3141592", Email: "sora@example.kr", Nickname: "소라"}
	got, err := svc.SignInExternal(ctx, commerce.Anonymous, kakao, "")
	if err != nil {
		t.Fatal(err)
	}
	d := signedUp(t, "a first sign-in through Kakao", drain(t, ob), got.Account, at)
	if d.Provider != "kakao" || d.Email != "" || d.Nickname != "소라" || d.Interests == nil || len(d.Interests) != 0 {
		t.Errorf("data %+v", d)
	}

	// Signing in again, and linking Google to the account, sign up no one.
	if _, err := svc.SignInExternal(ctx, commerce.Anonymous, kakao, ""); err != nil {
		t.Fatal(err)
	}
	actor := commerce.Actor{UserID: got.Account.ID, SessionID: got.Session.ID}
	if _, err := svc.SignInExternal(ctx, actor, account.ExternalUser{Provider: "google", Subject: "g-1"}, ""); err != nil {
		t.Fatal(err)
	}
	expectNone(t, "a second sign-in and a link", ob)

	// Google with a verified email.
	google := account.ExternalUser{Provider: "google", Subject: "g-2", Email: "jiho@example.kr", EmailVerified: true, Nickname: "지호"}
	got, err = svc.SignInExternal(ctx, commerce.Anonymous, google, "")
	if err != nil {
		t.Fatal(err)
	}
	d = signedUp(t, "a first sign-in through Google", drain(t, ob), got.Account, at)
	if d.Provider != "google" || d.Email != "jiho@example.kr" {
		t.Errorf("data %+v", d)
	}

	// An identity already linked to someone else, presented by a
	// signed-in user, fails and stores nothing.
	if _, err := svc.SignInExternal(ctx, actor, google, ""); !errors.Is(err, account.ErrIdentityTaken) {
		t.Errorf("linking a taken identity: %v, want ErrIdentityTaken", err)
	}
	expectNone(t, "a failed link", ob)
}
