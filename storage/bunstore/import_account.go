package bunstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// FindHolders looks the folded values up through the three unique keys
// in one query, a UNION ALL of one lookup per field that has values.
func (r *accountRepo) FindHolders(ctx context.Context, usernames, nicknames, emails []string) (account.Holders, error) {
	h := account.Holders{
		Usernames: make(map[string]uuid.UUID),
		Nicknames: make(map[string]uuid.UUID),
		Emails:    make(map[string]uuid.UUID),
	}
	fields := []struct {
		column string
		values []string
		out    map[string]uuid.UUID
	}{
		{"username_key", usernames, h.Usernames},
		{"nickname_key", nicknames, h.Nicknames},
		{"email_key", emails, h.Emails},
	}
	var (
		parts []string
		args  []any
	)
	for i, f := range fields {
		keys := foldKeys(f.values)
		if len(keys) == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("SELECT %d AS field, %s AS k, id FROM users WHERE %[2]s IN (?)", i, f.column))
		args = append(args, bun.List(keys))
	}
	if len(parts) == 0 {
		return h, nil
	}
	var rows []struct {
		Field int    `bun:"field"`
		K     string `bun:"k"`
		ID    binID  `bun:"id"`
	}
	if err := r.db.NewRaw(strings.Join(parts, " UNION ALL "), args...).Scan(ctx, &rows); err != nil {
		return account.Holders{}, translate(err)
	}
	for _, row := range rows {
		fields[row.Field].out[row.K] = uuid.UUID(row.ID)
	}
	return h, nil
}

// foldKeys returns the distinct non-empty folded forms of values.
func foldKeys(values []string) []string {
	seen := make(map[string]bool, len(values))
	var keys []string
	for _, v := range values {
		if k := commerce.Fold(v); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// FindIdentities reads the identities through the primary key
// (provider, subject) in one query: for each provider, its subjects in an
// IN list.
func (r *accountRepo) FindIdentities(ctx context.Context, keys []account.IdentityKey) ([]account.Identity, error) {
	if len(keys) == 0 {
		return []account.Identity{}, nil
	}
	subjects := make(map[string][]string)
	var providers []string
	for _, k := range keys {
		if _, ok := subjects[k.Provider]; !ok {
			providers = append(providers, k.Provider)
		}
		subjects[k.Provider] = append(subjects[k.Provider], k.Subject)
	}
	var rows []identityRow
	q := r.db.NewSelect().Model(&rows).ColumnExpr(identityColumns)
	for _, p := range providers {
		q = q.WhereOr("i.provider = ? AND i.subject IN (?)", p, bun.List(subjects[p]))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]account.Identity, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}

func (r *accountRepo) MissingProblems(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return missingIDs(ctx, r.db, "SELECT id FROM problems WHERE id IN (?)", ids)
}

// missingIDs runs query, which selects those of ids (its one parameter) that
// a table holds, and returns the others, each once.
func missingIDs(ctx context.Context, db bun.IDB, query string, ids []uuid.UUID) ([]uuid.UUID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var found []binID
	if err := db.NewRaw(query, bun.List(binIDs(ids))).Scan(ctx, &found); err != nil {
		return nil, translate(err)
	}
	have := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		have[uuid.UUID(id)] = true
	}
	var out []uuid.UUID
	for _, id := range ids {
		if !have[id] {
			have[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// ImportUsers writes a batch in one transaction of a fixed number of
// statements, whatever its size: it reads the versions of the batch's
// users FOR UPDATE — holding those rows, and the gaps where the new ones
// go, against concurrent writers — then INSERTs the new users in one
// statement, rewrites the changed ones in one INSERT … ON DUPLICATE KEY
// UPDATE, replaces the changed users' interests and identities (one
// DELETE each) and INSERTs every interest and identity of the batch (one
// statement each).
//
// New users go in a plain INSERT, apart from the changed ones: an INSERT
// … ON DUPLICATE KEY UPDATE of a new id whose username another user holds
// would rewrite that other user's row, where a plain INSERT fails on the
// unique key. A changed user's row is found by its primary key, the first
// key InnoDB checks, so its upsert rewrites that row only, and fails on a
// unique key another user holds.
func (r *accountRepo) ImportUsers(ctx context.Context, us []account.ImportedUser) error {
	if len(us) == 0 {
		return nil
	}
	ids := make([]binID, len(us))
	var (
		interests  []interestRow
		identities []identityRow
	)
	for i, in := range us {
		ids[i] = binID(in.User.ID)
		interests = append(interests, interestRows(in.User.ID, in.User.Interests)...)
		for _, id := range in.Identities {
			id.UserID = in.User.ID
			identities = append(identities, *identityIn(id))
		}
	}
	err := r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		var stored []struct {
			ID      binID `bun:"id"`
			Version int64 `bun:"version"`
		}
		err := tx.NewSelect().TableExpr("users").Column("id", "version").
			Where("id IN (?)", bun.List(ids)).For("UPDATE").Scan(ctx, &stored)
		if err != nil {
			return err
		}
		versions := make(map[binID]int64, len(stored))
		for _, row := range stored {
			versions[row.ID] = row.Version
		}
		var created, replaced []userRow
		var replacedIDs []binID
		for _, in := range us {
			u := in.User
			if u.Version < 1 || versions[binID(u.ID)] != u.Version-1 {
				return account.ErrVersionConflict
			}
			if u.Version == 1 {
				created = append(created, *userIn(u))
			} else {
				replaced = append(replaced, *userIn(u))
				replacedIDs = append(replacedIDs, binID(u.ID))
			}
		}
		if len(created) > 0 {
			if _, err := tx.NewInsert().Model(&created).Exec(ctx); err != nil {
				return userWriteError(err, true)
			}
		}
		if len(replaced) > 0 {
			if _, err := tx.NewInsert().Model(&replaced).On("DUPLICATE KEY UPDATE").Exec(ctx); err != nil {
				return userWriteError(err, false)
			}
			for _, table := range []string{"user_interests", "identities"} {
				if _, err := tx.NewDelete().TableExpr(table).Where("user_id IN (?)", bun.List(replacedIDs)).Exec(ctx); err != nil {
					return err
				}
			}
		}
		if err := insertInterests(ctx, tx, interests); err != nil {
			return err
		}
		if len(identities) == 0 {
			return nil
		}
		_, err = tx.NewInsert().Model(&identities).Exec(ctx)
		if err = identityWriteError(err); errors.Is(err, errUnknownDuplicate) {
			// The batch's users have no other identities now, so only
			// (provider, subject) can be taken.
			return account.ErrIdentityTaken
		}
		return err
	})
	if errors.Is(err, errUnknownDuplicate) {
		return fmt.Errorf("bunstore: a username, nickname or email of the import is another user's: %w", commerce.ErrConflict)
	}
	return err
}
