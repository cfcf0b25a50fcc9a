package bunstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// accountRepo is the account package's repository: users and their
// external identities. Sessions and sign-in attempts are not kept in the
// database; pair it with a session store (memstore, redisstore).
type accountRepo struct {
	db *bun.DB
}

var _ account.Repository = (*accountRepo)(nil)

// Names of the unique indexes, as a duplicate-key error names them.
const (
	keyPrimary          = "PRIMARY"
	keyUsername         = "users_username_key"
	keyNickname         = "users_nickname_key"
	keyEmail            = "users_email_key"
	keyIdentityProvider = "identities_user_id_provider"
)

// ---- rows ----

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID           binID          `bun:"id,pk"`
	Username     string         `bun:"username"`
	UsernameKey  sql.NullString `bun:"username_key"`
	PasswordHash string         `bun:"password_hash"`
	Staff        bool           `bun:"staff"`
	Disabled     bool           `bun:"disabled"`
	Nickname     string         `bun:"nickname"`
	NicknameKey  sql.NullString `bun:"nickname_key"`
	Email        string         `bun:"email"`
	EmailKey     sql.NullString `bun:"email_key"`
	CreatedAt    time.Time      `bun:"created_at"`
	UpdatedAt    time.Time      `bun:"updated_at"`
	Version      int64          `bun:"version"`
	// Interest is one of the user's interests, read by a left join of
	// user_interests: a user comes back as one row per interest, or one
	// row with a NULL interest when there is none.
	Interest nullBinID `bun:"interest,scanonly"`
}

// userColumns reads a user with its interests (left join user_interests
// AS ui). A join rather than GROUP_CONCAT keeps the read to one query with
// no limit on the number of interests (group_concat_max_len is 1024 bytes
// by default on MySQL) and no GROUP BY, whose functional-dependency rules
// MariaDB and MySQL apply differently under ONLY_FULL_GROUP_BY.
const userColumns = "u.id, u.username, u.password_hash, u.staff, u.disabled, u.nickname, u.email, " +
	"u.created_at, u.updated_at, u.version, ui.problem_id AS interest"

type interestRow struct {
	bun.BaseModel `bun:"table:user_interests"`

	UserID    binID `bun:"user_id,pk"`
	ProblemID binID `bun:"problem_id,pk"`
}

type identityRow struct {
	bun.BaseModel `bun:"table:identities,alias:i"`

	Provider  string    `bun:"provider,pk"`
	Subject   string    `bun:"subject,pk"`
	UserID    binID     `bun:"user_id"`
	Email     string    `bun:"email"`
	CreatedAt time.Time `bun:"created_at"`
}

const identityColumns = "i.provider, i.subject, i.user_id, i.email, i.created_at"

// foldKey returns the unique key of a username, nickname or email:
// commerce.Fold of it, or NULL when that is empty, since an empty value is
// never taken.
func foldKey(s string) sql.NullString {
	k := commerce.Fold(s)
	return sql.NullString{String: k, Valid: k != ""}
}

func userIn(u account.User) *userRow {
	return &userRow{
		ID: binID(u.ID), Username: u.Username, UsernameKey: foldKey(u.Username),
		PasswordHash: u.PasswordHash, Staff: u.Staff, Disabled: u.Disabled,
		Nickname: u.Nickname, NicknameKey: foldKey(u.Nickname),
		Email: u.Email, EmailKey: foldKey(u.Email),
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), Version: u.Version,
	}
}

// userOut assembles a user from its rows, one per interest, which come in
// the order of problem_id: byte order, which for ids is the order of their
// text form, the order account keeps interests in.
func userOut(rows []userRow) account.User {
	r := rows[0]
	u := account.User{
		ID: uuid.UUID(r.ID), Username: r.Username, PasswordHash: r.PasswordHash, Staff: r.Staff, Disabled: r.Disabled,
		Nickname: r.Nickname, Email: r.Email, Interests: make([]uuid.UUID, 0, len(rows)),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
	for _, row := range rows {
		if id := uuid.UUID(row.Interest); id != uuid.Nil {
			u.Interests = append(u.Interests, id)
		}
	}
	return u
}

// interestRows returns the rows of a user's interests, without repeats and
// in id order, so that concurrent writers lock the problems they check in
// the same order.
func interestRows(userID uuid.UUID, ids []uuid.UUID) []interestRow {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	ids = slices.Compact(ids)
	rows := make([]interestRow, len(ids))
	for i, id := range ids {
		rows[i] = interestRow{UserID: binID(userID), ProblemID: binID(id)}
	}
	return rows
}

func identityIn(id account.Identity) *identityRow {
	return &identityRow{
		Provider: id.Provider, Subject: id.Subject, UserID: binID(id.UserID), Email: id.Email,
		CreatedAt: id.CreatedAt.UTC(),
	}
}

func (r *identityRow) out() account.Identity {
	return account.Identity{
		Provider: r.Provider, Subject: r.Subject, UserID: uuid.UUID(r.UserID), Email: r.Email,
		CreatedAt: r.CreatedAt.UTC(),
	}
}

// ---- users ----

// CreateUser inserts the user, its interests, its identity and the events
// ctx carries in one transaction. The unique indexes decide what is taken, so that of two
// concurrent sign-ups with one username exactly one succeeds.
func (r *accountRepo) CreateUser(ctx context.Context, u account.User, identity *account.Identity) error {
	row := userIn(u)
	interests := interestRows(u.ID, u.Interests)
	var idRow *identityRow
	if identity != nil {
		id := *identity
		id.UserID = u.ID
		idRow = identityIn(id)
	}
	err := r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return userWriteError(err, true)
		}
		if err := insertInterests(ctx, tx, interests); err != nil {
			return err
		}
		if idRow != nil {
			_, err := tx.NewInsert().Model(idRow).Exec(ctx)
			if err = identityWriteError(err); errors.Is(err, errUnknownDuplicate) {
				// The user is new, so only (provider, subject) can be taken.
				return account.ErrIdentityTaken
			} else if err != nil {
				return err
			}
		}
		return storeEvents(ctx, tx)
	})
	if errors.Is(err, errUnknownDuplicate) {
		return r.explainDuplicate(ctx, u, true)
	}
	return err
}

// insertInterests inserts a user's interests in one statement. A problem
// that does not exist fails its foreign key.
func insertInterests(ctx context.Context, tx bun.IDB, rows []interestRow) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	if isErrno(err, errNoReferencedRow, errNoReferencedRowOld) {
		return account.ErrUnknownInterest
	}
	return err
}

func (r *accountRepo) GetUser(ctx context.Context, id uuid.UUID) (account.User, error) {
	return r.getUser(ctx, "u.id = ?", binID(id))
}

func (r *accountRepo) GetUserByUsername(ctx context.Context, username string) (account.User, error) {
	key := foldKey(username)
	if !key.Valid {
		return account.User{}, account.ErrUserNotFound
	}
	return r.getUser(ctx, "u.username_key = ?", key.String)
}

// getUser reads the one user that where selects, with its interests, in
// one query.
func (r *accountRepo) getUser(ctx context.Context, where string, arg any) (account.User, error) {
	var rows []userRow
	err := r.db.NewSelect().Model(&rows).ColumnExpr(userColumns).
		Join("LEFT JOIN user_interests AS ui ON ui.user_id = u.id").
		Where(where, arg).OrderExpr("ui.problem_id ASC").Scan(ctx)
	if err != nil {
		return account.User{}, translate(err)
	}
	if len(rows) == 0 {
		return account.User{}, account.ErrUserNotFound
	}
	return userOut(rows), nil
}

// ListUsers reads a page of users with their interests in one query. A
// derived table walks the primary key backwards — ids are UUIDv7, so
// newest first — keeping the users whose username_key or email_key
// contains the folded search (LIKE on the binary collation, so it
// compares exactly as the in-memory store does), and stops at the limit;
// the page's users are then joined to their interests. No index can serve
// a substring test, so a search reads users until the page is full: the
// whole table when fewer match, which a shop's users table allows.
func (r *accountRepo) ListUsers(ctx context.Context, q account.UserQuery) ([]account.User, error) {
	if q.Limit < 1 {
		return []account.User{}, nil
	}
	page := r.db.NewSelect().TableExpr("users").Column("id")
	if key := commerce.Fold(q.Search); key != "" {
		pattern := likeContains(key)
		page = page.Where("(username_key LIKE ? ESCAPE '!' OR email_key LIKE ? ESCAPE '!')", pattern, pattern)
	}
	if q.Before != uuid.Nil {
		page = page.Where("id < ?", binID(q.Before))
	}
	page = page.OrderExpr("id DESC").Limit(int64(q.Limit))
	var rows []userRow
	err := r.db.NewSelect().Model(&rows).ColumnExpr(userColumns).
		Join("JOIN (?) AS page ON page.id = u.id", page).
		Join("LEFT JOIN user_interests AS ui ON ui.user_id = u.id").
		OrderExpr("u.id DESC, ui.problem_id ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	return usersOut(rows), nil
}

// GetUsers reads the users of ids with their interests in one query.
func (r *accountRepo) GetUsers(ctx context.Context, ids []uuid.UUID) ([]account.User, error) {
	if len(ids) == 0 {
		return []account.User{}, nil
	}
	var rows []userRow
	err := r.db.NewSelect().Model(&rows).ColumnExpr(userColumns).
		Join("LEFT JOIN user_interests AS ui ON ui.user_id = u.id").
		Where("u.id IN (?)", bun.List(binIDs(ids))).
		OrderExpr("u.id DESC, ui.problem_id ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	return usersOut(rows), nil
}

// usersOut assembles users from rows ordered by user, one row per
// interest of each.
func usersOut(rows []userRow) []account.User {
	out := []account.User{}
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].ID == rows[start].ID {
			end++
		}
		out = append(out, userOut(rows[start:end]))
		start = end
	}
	return out
}

func binIDs(ids []uuid.UUID) []binID {
	out := make([]binID, len(ids))
	for i, id := range ids {
		out[i] = binID(id)
	}
	return out
}

// FindTaken asks about the keys in one query. Empty values, never taken,
// are left out; when all three are empty no query runs.
func (r *accountRepo) FindTaken(ctx context.Context, except uuid.UUID, username, nickname, email string) ([]string, error) {
	keys := []struct {
		field, column string
		key           sql.NullString
	}{
		{"username", "username_key", foldKey(username)},
		{"nickname", "nickname_key", foldKey(nickname)},
		{"email", "email_key", foldKey(email)},
	}
	var (
		exprs []string
		args  []any
		found []*bool
		names []string
	)
	for _, k := range keys {
		if !k.key.Valid {
			continue
		}
		exprs = append(exprs, "EXISTS (SELECT 1 FROM users WHERE "+k.column+" = ? AND id <> ?)")
		args = append(args, k.key.String, binID(except))
		found = append(found, new(bool))
		names = append(names, k.field)
	}
	if len(exprs) == 0 {
		return nil, nil
	}
	dest := make([]any, len(found))
	for i, f := range found {
		dest[i] = f
	}
	if err := r.db.NewRaw("SELECT "+strings.Join(exprs, ", "), args...).Scan(ctx, dest...); err != nil {
		return nil, translate(err)
	}
	var taken []string
	for i, f := range found {
		if *f {
			taken = append(taken, names[i])
		}
	}
	return taken, nil
}

// UpdateUser rewrites the user row if its version is ifVersion, and
// replaces its interests, in one transaction.
func (r *accountRepo) UpdateUser(ctx context.Context, u account.User, ifVersion int64) error {
	row := userIn(u)
	interests := interestRows(u.ID, u.Interests)
	err := r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		res, err := tx.NewUpdate().Model(row).ExcludeColumn("id").
			Where("id = ?", row.ID).Where("version = ?", ifVersion).Exec(ctx)
		if err != nil {
			return userWriteError(err, false)
		}
		if err := userUpdated(ctx, tx, res, u.ID, ifVersion); err != nil {
			return err
		}
		if _, err := tx.NewDelete().TableExpr("user_interests").Where("user_id = ?", row.ID).Exec(ctx); err != nil {
			return err
		}
		return insertInterests(ctx, tx, interests)
	})
	if errors.Is(err, errUnknownDuplicate) {
		return r.explainDuplicate(ctx, u, false)
	}
	return err
}

// userUpdated interprets the result of UPDATE users … WHERE id = ? AND
// version = ?. No row affected means the user is missing, or its version is
// not ifVersion — or the update matched and changed nothing, since MySQL
// counts changed rows unless the DSN sets clientFoundRows.
func userUpdated(ctx context.Context, tx bun.IDB, res sql.Result, id uuid.UUID, ifVersion int64) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var version int64
	err = tx.NewSelect().TableExpr("users").Column("version").Where("id = ?", binID(id)).Scan(ctx, &version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return account.ErrUserNotFound
	case err != nil:
		return err
	case version != ifVersion:
		return account.ErrVersionConflict
	}
	return nil
}

// ---- identities ----

func (r *accountRepo) GetIdentity(ctx context.Context, provider, subject string) (account.Identity, error) {
	var row identityRow
	err := r.db.NewSelect().Model(&row).ColumnExpr(identityColumns).
		Where("i.provider = ?", provider).Where("i.subject = ?", subject).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Identity{}, account.ErrIdentityNotFound
	}
	if err != nil {
		return account.Identity{}, translate(err)
	}
	return row.out(), nil
}

// LinkIdentity is one INSERT: the foreign key finds a missing user, the
// primary key a linked (provider, subject), the unique (user_id, provider)
// index a second account of one provider.
func (r *accountRepo) LinkIdentity(ctx context.Context, id account.Identity) error {
	_, err := r.db.NewInsert().Model(identityIn(id)).Exec(ctx)
	if isErrno(err, errNoReferencedRow, errNoReferencedRowOld) {
		return account.ErrUserNotFound
	}
	err = identityWriteError(err)
	if errors.Is(err, errUnknownDuplicate) {
		return r.explainIdentityDuplicate(ctx, id)
	}
	return engineError(err)
}

func (r *accountRepo) ListIdentities(ctx context.Context, userID uuid.UUID) ([]account.Identity, error) {
	var rows []identityRow
	err := r.db.NewSelect().Model(&rows).ColumnExpr(identityColumns).
		Where("i.user_id = ?", binID(userID)).OrderExpr("i.provider ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]account.Identity, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}

// ListIdentitiesOf reads the identities of many users in one query.
func (r *accountRepo) ListIdentitiesOf(ctx context.Context, userIDs []uuid.UUID) ([]account.Identity, error) {
	if len(userIDs) == 0 {
		return []account.Identity{}, nil
	}
	var rows []identityRow
	err := r.db.NewSelect().Model(&rows).ColumnExpr(identityColumns).
		Where("i.user_id IN (?)", bun.List(binIDs(userIDs))).
		OrderExpr("i.user_id ASC, i.provider ASC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]account.Identity, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}

// ---- errors ----

// errUnknownDuplicate stands for a duplicate key whose index the server's
// message did not name in a form duplicateKey reads (a translated message,
// say); the caller asks the database what is taken instead.
var errUnknownDuplicate = errors.New("bunstore: duplicate key in an index the message does not name")

// userWriteError translates an error of an INSERT or UPDATE of a users
// row. Other errors stay as they are for inTx.
func userWriteError(err error, creating bool) error {
	if !isErrno(err, errDupEntry) {
		return err
	}
	switch duplicateKey(err) {
	case keyUsername:
		return account.Taken("username")
	case keyNickname:
		return account.Taken("nickname")
	case keyEmail:
		return account.Taken("email")
	case keyPrimary:
		if creating {
			return account.ErrDuplicateID
		}
	}
	return errUnknownDuplicate
}

// identityWriteError translates an error of an INSERT of an identities
// row. Other errors (and nil) stay as they are for inTx.
func identityWriteError(err error) error {
	if !isErrno(err, errDupEntry) {
		return err
	}
	switch duplicateKey(err) {
	case keyPrimary:
		return account.ErrIdentityTaken
	case keyIdentityProvider:
		return account.ErrProviderLinked
	}
	return errUnknownDuplicate
}

// duplicateKey returns the name of the index that a duplicate-key error
// names. MySQL 8 says "Duplicate entry 'x' for key 'users.users_email_key'",
// MariaDB "… for key 'users_email_key'", and translated messages put the
// words elsewhere, but in every language the index is the last quoted
// name, after the duplicate value (which may itself hold quotes).
func duplicateKey(err error) string {
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != errDupEntry {
		return ""
	}
	end := strings.LastIndexByte(me.Message, '\'')
	if end < 0 {
		return ""
	}
	start := strings.LastIndexByte(me.Message[:end], '\'')
	if start < 0 {
		return ""
	}
	key := me.Message[start+1 : end]
	return key[strings.LastIndexByte(key, '.')+1:]
}

// explainDuplicate finds out, after a refused write of u, which of its
// unique values another user holds, when the server's message did not say.
func (r *accountRepo) explainDuplicate(ctx context.Context, u account.User, creating bool) error {
	except := u.ID
	if creating {
		var exists bool
		err := r.db.NewRaw("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)", binID(u.ID)).Scan(ctx, &exists)
		if err != nil {
			return translate(err)
		}
		if exists {
			return account.ErrDuplicateID
		}
		except = uuid.Nil
	}
	taken, err := r.FindTaken(ctx, except, u.Username, u.Nickname, u.Email)
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return account.Taken(taken...)
	}
	// The holder changed its value again in the meantime.
	return fmt.Errorf("bunstore: a unique value of the user was taken: %w", commerce.ErrConflict)
}

// explainIdentityDuplicate tells ErrIdentityTaken from ErrProviderLinked
// when the server's message did not.
func (r *accountRepo) explainIdentityDuplicate(ctx context.Context, id account.Identity) error {
	if _, err := r.GetIdentity(ctx, id.Provider, id.Subject); err == nil {
		return account.ErrIdentityTaken
	} else if !errors.Is(err, account.ErrIdentityNotFound) {
		return err
	}
	return account.ErrProviderLinked
}

// inTx runs fn in a transaction under the store's retry policy
// (runInTx): one that InnoDB aborts with a deadlock or a lock wait timeout
// runs again, and the next run sees what the other transaction committed —
// usually to fail cleanly on a unique key. fn returns the domain's errors
// for what it recognises and the database's otherwise; inTx translates the
// rest.
func (r *accountRepo) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.IDB) error) error {
	return ended(ctx, engineError(runInTx(ctx, r.db, fn)))
}

// engineError returns err if it is already one of the engine's errors (or
// errUnknownDuplicate), and its translation otherwise.
func engineError(err error) error {
	if err == nil || errors.Is(err, errUnknownDuplicate) {
		return err
	}
	if _, ok := mysqlErrno(err); !ok {
		for _, kind := range []error{commerce.ErrNotFound, commerce.ErrConflict, commerce.ErrInvalid, commerce.ErrUnavailable} {
			if errors.Is(err, kind) {
				return err
			}
		}
	}
	return translate(err)
}
