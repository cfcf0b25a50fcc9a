package bunstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/internal/testdb"
)

func TestDuplicateKey(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want string
	}{
		{"Duplicate entry 'hana' for key 'users_username_key'", keyUsername},           // MariaDB
		{"Duplicate entry 'hana' for key 'users.users_username_key'", keyUsername},     // MySQL 8
		{"Duplicate entry '\x01\x90...' for key 'users.PRIMARY'", keyPrimary},          // MySQL 8
		{"'hana@example.com' は索引 'users_email_key' で重複しています。", keyEmail},               // MariaDB, ja_JP
		{"Doppelter Eintrag 'kakao-1' für Schlüssel 'identities.PRIMARY'", keyPrimary}, // de_DE
		// A nickname may hold quotes, even ones that look like a key: the
		// index is the last quoted name.
		{"Duplicate entry 'x' for key 'users_email_key' for key 'users_nickname_key'", keyNickname},
		{"Duplicate entry 'it's' for key 'users_nickname_key'", keyNickname},
		{"no quotes at all", ""},
		{"one ' quote", ""},
	} {
		err := fmt.Errorf("wrapped: %w", &mysql.MySQLError{Number: errDupEntry, Message: tc.msg})
		if got := duplicateKey(err); got != tc.want {
			t.Errorf("duplicateKey(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
	if got := duplicateKey(&mysql.MySQLError{Number: 1452, Message: "for key 'users_email_key'"}); got != "" {
		t.Errorf("duplicateKey of another error = %q", got)
	}
}

// TestDuplicateKeyFromServer checks the messages the server under test
// really sends, in English and translated: each names its index in a form
// duplicateKey reads, so the store never needs a second query to explain a
// duplicate.
func TestDuplicateKeyFromServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.MySQLDSN(t)
	db, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	u := account.User{ID: commerce.NewID(), Username: "it's", Nickname: "x' for key 'users_email_key", Email: "a@example.com", CreatedAt: now, UpdatedAt: now}
	if err := s.accounts.CreateUser(ctx, u, &account.Identity{Provider: "kakao", Subject: "1"}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en_US", "ja_JP", "ko_KR", "de_DE"} {
		t.Run(lang, func(t *testing.T) {
			cfg, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params["lc_messages"] = "'" + lang + "'"
			db, err := Open(cfg.FormatDSN())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, tc := range []struct {
				query string
				arg   any
				want  string
			}{
				{"INSERT INTO users SELECT * FROM users", nil, keyPrimary},
				{"INSERT INTO users (id, username, username_key, password_hash, staff, nickname, email, created_at, updated_at, version) " +
					"SELECT ?, username, username_key, '', 0, '', '', created_at, updated_at, 1 FROM users", binID(commerce.NewID()), keyUsername},
				{"INSERT INTO users (id, username, nickname, nickname_key, password_hash, staff, email, created_at, updated_at, version) " +
					"SELECT ?, '', nickname, nickname_key, '', 0, '', created_at, updated_at, 1 FROM users", binID(commerce.NewID()), keyNickname},
				{"INSERT INTO users (id, username, nickname, email, email_key, password_hash, staff, created_at, updated_at, version) " +
					"SELECT ?, '', '', email, email_key, '', 0, created_at, updated_at, 1 FROM users", binID(commerce.NewID()), keyEmail},
				{"INSERT INTO identities SELECT * FROM identities", nil, keyPrimary},
				{"INSERT INTO identities (provider, subject, user_id, email, created_at) " +
					"SELECT provider, ?, user_id, '', created_at FROM identities", "2", keyIdentityProvider},
			} {
				var args []any
				if tc.arg != nil {
					args = append(args, tc.arg)
				}
				_, err := db.ExecContext(ctx, tc.query, args...)
				if got := duplicateKey(err); got != tc.want {
					t.Errorf("%s: %v: key %q, want %q", tc.query, err, got, tc.want)
				}
			}
		})
	}
}

// TestExplainDuplicate checks the fallback for a duplicate-key message
// that names no index duplicateKey knows: the store asks the database.
func TestExplainDuplicate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := s.accounts
	now := time.Now()
	hana := account.User{ID: commerce.NewID(), Username: "hana", Nickname: "하나", Email: "hana@example.com", CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := r.CreateUser(ctx, hana, &account.Identity{Provider: "kakao", Subject: "1"}); err != nil {
		t.Fatal(err)
	}
	dul := account.User{ID: commerce.NewID(), Username: "dul", Nickname: "둘", CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := r.CreateUser(ctx, dul, nil); err != nil {
		t.Fatal(err)
	}

	wantTaken := func(name string, err error, fields ...string) {
		t.Helper()
		var taken *account.TakenError
		if !errors.As(err, &taken) || !slices.Equal(taken.Fields, fields) {
			t.Errorf("%s: got %v, want taken %v", name, err, fields)
		}
	}
	if err := r.explainDuplicate(ctx, hana, true); !errors.Is(err, account.ErrDuplicateID) {
		t.Errorf("same id: got %v, want ErrDuplicateID", err)
	}
	u := hana
	u.ID = commerce.NewID()
	wantTaken("create, everything taken", r.explainDuplicate(ctx, u, true), "email", "nickname", "username")
	u = dul
	u.Nickname = "하나"
	wantTaken("update to a taken nickname", r.explainDuplicate(ctx, u, false), "nickname")
	if err := r.explainDuplicate(ctx, dul, false); !errors.Is(err, commerce.ErrConflict) {
		t.Errorf("nothing taken any more: got %v, want a conflict", err)
	}
	if err := r.explainIdentityDuplicate(ctx, account.Identity{Provider: "kakao", Subject: "1", UserID: dul.ID}); !errors.Is(err, account.ErrIdentityTaken) {
		t.Errorf("identity taken: got %v", err)
	}
	if err := r.explainIdentityDuplicate(ctx, account.Identity{Provider: "kakao", Subject: "2", UserID: hana.ID}); !errors.Is(err, account.ErrProviderLinked) {
		t.Errorf("provider linked: got %v", err)
	}
}
