package bunstore

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/migrate"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
)

// Pool limits that Open sets. A cap on open connections keeps a few server
// instances inside MySQL's default max_connections (151); recycling
// connections every few minutes stays well under the server's wait_timeout
// and the idle limits of proxies and load balancers.
const (
	DefaultMaxOpenConns    = 32
	DefaultMaxIdleConns    = 16
	DefaultConnMaxLifetime = 5 * time.Minute
	DefaultConnMaxIdleTime = time.Minute
	// DefaultDialTimeout bounds how long connecting may take when the DSN
	// sets no timeout parameter.
	DefaultDialTimeout = 5 * time.Second
)

// StrictSQLMode is the sql_mode that Open gives every session: MySQL 8's
// default, which MariaDB 10.11 accepts too. STRICT_TRANS_TABLES makes an
// over-long or out-of-range value an error instead of a silent truncation.
const StrictSQLMode = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

// collation is the connection collation Open uses unless the DSN names
// another utf8mb4 collation.
const collation = "utf8mb4_unicode_ci"

// Migration bookkeeping lives in tables of its own, so that an application
// using bun's migrate package for its own tables keeps its history apart.
const (
	migrationsTable     = "commerce_migrations"
	migrationLocksTable = "commerce_migration_locks"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open returns a *bun.DB for a MySQL or MariaDB DSN such as
// "user:password@tcp(127.0.0.1:3306)/shop", set up the way the Store needs
// it. The DSN's own parameters are kept, except that Open always sets:
//
//   - parseTime=true and loc=UTC, so DATETIME columns read back as UTC
//     times;
//   - interpolateParams=true, so a query with arguments costs one round
//     trip instead of a server-side prepare, execute and close;
//   - charset utf8mb4 with collation utf8mb4_unicode_ci (or the DSN's own
//     utf8mb4_* collation), so Korean and every other script round-trip;
//   - sql_mode StrictSQLMode, or the DSN's own sql_mode with
//     STRICT_TRANS_TABLES added when it has no strict mode;
//   - timeout DefaultDialTimeout when the DSN sets none.
//
// The pool gets DefaultMaxOpenConns, DefaultMaxIdleConns,
// DefaultConnMaxLifetime and DefaultConnMaxIdleTime; change them through
// db.DB (the *sql.DB). The caller owns the returned DB and closes it.
//
// A malformed DSN is an error wrapping commerce.ErrInvalid; its password is
// never repeated in the message. Open itself returns no connection error:
// bun's MySQL dialect asks the server for its version once, to learn which
// features it has, and only logs when the server does not answer. New
// connects and reports.
func Open(dsn string) (*bun.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("bunstore: malformed DSN: %s: %w", redact(err.Error(), dsn), commerce.ErrInvalid)
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("bunstore: the DSN names no database (user:password@tcp(host:3306)/DATABASE): %w", commerce.ErrInvalid)
	}
	cfg.ParseTime = true
	cfg.InterpolateParams = true
	cfg.Loc = time.UTC
	coll := cfg.Collation
	if !strings.HasPrefix(coll, "utf8mb4_") {
		coll = collation
	}
	if err := cfg.Apply(mysql.Charset("utf8mb4", coll)); err != nil {
		return nil, fmt.Errorf("bunstore: %v: %w", err, commerce.ErrInvalid)
	}
	if err := strictSQLMode(cfg); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultDialTimeout
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("bunstore: %s: %w", redact(err.Error(), dsn), commerce.ErrInvalid)
	}
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxOpenConns(DefaultMaxOpenConns)
	sqldb.SetMaxIdleConns(DefaultMaxIdleConns)
	sqldb.SetConnMaxLifetime(DefaultConnMaxLifetime)
	sqldb.SetConnMaxIdleTime(DefaultConnMaxIdleTime)
	return bun.NewDB(sqldb, mysqldialect.New()), nil
}

// strictSQLMode sets the session's sql_mode: StrictSQLMode, or the DSN's
// own list with STRICT_TRANS_TABLES added when it has no strict mode.
func strictSQLMode(cfg *mysql.Config) error {
	key, value := "sql_mode", ""
	for k, v := range cfg.Params {
		if strings.EqualFold(k, "sql_mode") {
			key, value = k, v
		}
	}
	if value == "" {
		if cfg.Params == nil {
			cfg.Params = make(map[string]string)
		}
		cfg.Params[key] = "'" + StrictSQLMode + "'"
		return nil
	}
	unquoted := strings.Trim(value, `'"`)
	if strings.ContainsAny(unquoted, "'\"()@ ") {
		// An expression such as CONCAT(@@sql_mode, ...): leave it to the
		// server and let New check the result.
		return nil
	}
	modes := parseModes(unquoted)
	if slices.Contains(modes, "NO_BACKSLASH_ESCAPES") {
		return fmt.Errorf("bunstore: sql_mode NO_BACKSLASH_ESCAPES is not supported: bun escapes backslashes in the SQL it writes; remove it from the DSN: %w", commerce.ErrInvalid)
	}
	if !strict(modes) {
		modes = append(modes, "STRICT_TRANS_TABLES")
	}
	cfg.Params[key] = "'" + strings.Join(modes, ",") + "'"
	return nil
}

// parseModes splits an sql_mode value into its upper-case modes.
func parseModes(s string) []string {
	var modes []string
	for m := range strings.SplitSeq(s, ",") {
		if m = strings.ToUpper(strings.TrimSpace(m)); m != "" {
			modes = append(modes, m)
		}
	}
	return modes
}

// strict reports whether modes make the server refuse bad values.
func strict(modes []string) bool {
	return slices.Contains(modes, "STRICT_TRANS_TABLES") || slices.Contains(modes, "STRICT_ALL_TABLES")
}

// redact removes the DSN's password from a message about it. A DSN
// without "@" has no credentials the driver can find, but may be one cut
// short, or mistyped, inside its password ("shop:pa/ss"): everything after
// its first ":" up to the next "/" goes too.
func redact(msg, dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		colon := strings.Index(dsn, ":")
		if colon < 0 {
			return msg
		}
		rest := dsn[colon+1:]
		if slash := strings.Index(rest, "/"); slash >= 0 {
			rest = rest[:slash]
		}
		if rest == "" {
			return msg
		}
		return strings.ReplaceAll(msg, rest, "xxxxx")
	}
	colon := strings.Index(dsn[:at], ":")
	if colon < 0 || colon+1 == at {
		return msg
	}
	return strings.ReplaceAll(msg, dsn[colon+1:at], "xxxxx")
}

// Options configure a Store. The zero value, or nil, gives the defaults.
type Options struct {
	// SkipMigrations makes New leave the schema alone, for deployments
	// that migrate in a separate step; New then only checks that every
	// embedded migration has been applied. Default: false, New applies the
	// migrations that are missing.
	SkipMigrations bool
	// NoOutbox turns the outbox off: the writes that store the events
	// their context carries (commerce.WithEvents) ignore them instead —
	// they neither check nor insert them, and a write that is one
	// statement without events stays one statement — and the claims of
	// Outbox are always empty, even of events that a Store without the
	// option stored in the same database, which stay unsent for such a
	// Store's relay. It is for a shop that runs no relay (package outbox),
	// whose unsent events would otherwise pile up in outbox_events, and
	// for measuring what the outbox costs. Default: false, the writes
	// store their events.
	NoOutbox bool
	// Replicas are read replicas of the database, each a *bun.DB from
	// Open (or OpenReplicas) of a replica's DSN naming the primary's
	// database (New refuses another), which the caller owns and closes
	// after the Store. The catalog's and the board's reads
	// whose context allows it (commerce.AllowStaleReads) go to them, in
	// turn, outside transactions; every other read, and every write, goes
	// to the primary. A monitor checks each replica every second until
	// Close: one that does not answer, does not replicate or lags more
	// than MaxReplicaLag takes no reads until it recovers, and with none
	// healthy the reads go to the primary. See the package doc. Default:
	// none.
	Replicas []*bun.DB
	// MaxReplicaLag is the replication lag beyond which a replica takes
	// no reads. Default: DefaultMaxReplicaLag.
	MaxReplicaLag time.Duration
}

// Store is the engine's storage on a MySQL-compatible database. It is safe
// for concurrent use. Its repositories share the *bun.DB it was made with
// (with Options.NoOutbox, a copy of it that shares its pool; see
// markNoOutbox).
type Store struct {
	db       *bun.DB // the repositories', the transactions' and the outbox's
	given    *bun.DB // the one New was given, which DB returns
	name     string  // the database's, which scopes Exclusive's locks
	catalog  *catalogRepo
	accounts *accountRepo
	board    *boardRepo
	carts    *cartRepo
	orders   *orderRepo
	stock    *stockRepo
	replicas *replicaSet // nil without Options.Replicas
}

// New returns a Store over db, which the caller owns: the Store never
// closes it. New checks the session (utf8mb4 on the connection, a strict
// sql_mode, times in UTC) and says what to change when it is not right —
// a *bun.DB from Open always is. Then it applies the embedded migrations
// that are missing, under a lock, so that several servers may start at
// once; opts.SkipMigrations turns this off. With opts.Replicas, it checks
// the session of each replica that answers as it checks db's, checks
// their health once, and starts their monitor: call Close when done with
// the Store.
//
// New returns an error wrapping commerce.ErrUnavailable when the database
// does not answer (yet), ErrDenied (a commerce.ErrInvalid) when the server
// refuses the user, the password or the database, which no wait cures, and
// commerce.ErrInvalid when the session or the schema is not usable, or a
// replica's session, or MaxReplicaLag (a replica that does not answer is
// no error: it takes no reads until it does). It panics if db is nil.
func New(ctx context.Context, db *bun.DB, opts *Options) (*Store, error) {
	if db == nil {
		panic("bunstore: nil *bun.DB")
	}
	if opts == nil {
		opts = &Options{}
	}
	if err := checkReplicaOptions(opts.Replicas, opts.MaxReplicaLag); err != nil {
		return nil, err
	}
	name, err := checkSession(ctx, db)
	if err != nil {
		return nil, err
	}
	if opts.SkipMigrations {
		err = checkMigrated(ctx, db)
	} else {
		err = runMigrations(ctx, db, name)
	}
	if err != nil {
		return nil, err
	}
	replicas, err := newReplicaSet(ctx, opts.Replicas, opts.MaxReplicaLag, name)
	if err != nil {
		return nil, err
	}
	given := db
	if opts.NoOutbox {
		db = markNoOutbox(db)
	}
	return &Store{
		db: db, given: given, name: name,
		catalog: &catalogRepo{db: db, reads: replicas}, accounts: &accountRepo{db: db}, board: &boardRepo{db: db, reads: replicas},
		carts: &cartRepo{db: db}, orders: &orderRepo{db: db}, stock: &stockRepo{db: db}, replicas: replicas,
	}, nil
}

// DB returns the *bun.DB the Store was made with.
func (s *Store) DB() *bun.DB { return s.given }

// Catalog returns the catalog's repository.
func (s *Store) Catalog() catalog.Repository { return s.catalog }

// Accounts returns the repository of users and their external identities.
// Sessions and sign-in attempts are not kept in the database: give
// account.NewService a SessionStore and an AttemptStore from redisstore
// (or, in a single process, memstore).
func (s *Store) Accounts() account.Repository { return s.accounts }

// Ping reports whether the database answers, for a readiness check. Its
// error wraps commerce.ErrUnavailable, or ErrDenied when the server turns
// a new connection down for good.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return connectError(err)
	}
	return nil
}

// checkSession checks what the Store relies on in every session and
// returns the name of the current database.
func checkSession(ctx context.Context, db *bun.DB) (string, error) {
	var (
		dbName, mode                sql.NullString
		client, connection, results sql.NullString
		epoch                       time.Time
	)
	err := db.NewRaw("SELECT DATABASE(), @@SESSION.sql_mode, @@character_set_client, "+
		"@@character_set_connection, @@character_set_results, CAST('2000-01-01 00:00:00' AS DATETIME)").
		Scan(ctx, &dbName, &mode, &client, &connection, &results, &epoch)
	if err != nil {
		// The first query connects: a wrong password or an unknown
		// database shows here.
		return "", connectError(err)
	}
	const fix = "open the database with bunstore.Open, or add the parameters it sets to the DSN"
	if !dbName.Valid || dbName.String == "" {
		return "", fmt.Errorf("bunstore: the session has no current database; name one in the DSN (…/DATABASE): %w", commerce.ErrInvalid)
	}
	for _, cs := range []struct {
		name  string
		value sql.NullString
	}{{"character_set_client", client}, {"character_set_connection", connection}, {"character_set_results", results}} {
		// A NULL character_set_results sends results in the columns' own
		// character set, which is utf8mb4 for every table here.
		if cs.value.Valid && cs.value.String != "utf8mb4" {
			return "", fmt.Errorf("bunstore: the connection's %s is %s, not utf8mb4, so text outside Latin-1 would be mangled; %s (charset=utf8mb4&collation=utf8mb4_unicode_ci): %w",
				cs.name, cs.value.String, fix, commerce.ErrInvalid)
		}
	}
	modes := parseModes(mode.String)
	if !strict(modes) {
		return "", fmt.Errorf("bunstore: the session's sql_mode %q has no strict mode, so MySQL would silently truncate over-long or out-of-range values; %s (sql_mode='%s'): %w",
			mode.String, fix, StrictSQLMode, commerce.ErrInvalid)
	}
	if slices.Contains(modes, "NO_BACKSLASH_ESCAPES") {
		return "", fmt.Errorf("bunstore: the session's sql_mode has NO_BACKSLASH_ESCAPES, but bun escapes backslashes in the SQL it writes; %s (sql_mode='%s'): %w",
			fix, StrictSQLMode, commerce.ErrInvalid)
	}
	if epoch.Unix() != 946684800 {
		return "", fmt.Errorf("bunstore: DATETIME values are read in time zone %s, not UTC; %s (parseTime=true&loc=UTC): %w",
			epoch.Location(), fix, commerce.ErrInvalid)
	}
	return dbName.String, nil
}

func newMigrator(db *bun.DB) (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrationFiles); err != nil {
		return nil, fmt.Errorf("bunstore: reading the embedded migrations: %v: %w", err, commerce.ErrInvalid)
	}
	ms.Add(searchBackfill())
	ms.Add(searchRebuild(db))
	return migrate.NewMigrator(db, ms,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocksTable),
		migrate.WithMarkAppliedOnSuccess(true),
	), nil
}

// runMigrations applies the migrations that are missing, holding the
// database's migration lock while it works, so that servers that start
// together wait for each other.
func runMigrations(ctx context.Context, db *bun.DB, dbName string) error {
	m, err := newMigrator(db)
	if err != nil {
		return err
	}
	// The name is the same in every version of the package, so that an
	// older and a newer server never migrate at once.
	sum := sha1.Sum([]byte(dbName))
	lock := "commerce.migrate." + hex.EncodeToString(sum[:])
	return withNamedLock(ctx, db, lock, "another process to finish migrating", func(ctx context.Context) error {
		if err := m.Init(ctx); err != nil {
			return migrationError("creating the migrations table", err)
		}
		if _, err := m.Migrate(ctx); err != nil {
			return migrationError("migrating", err)
		}
		return nil
	})
}

// migrationError reports a failed migration. When the server refused a
// statement for a reason that waiting will not cure (a table of the same
// name already exists, the user may not create tables), the error wraps
// commerce.ErrInvalid, so that a caller retrying while the database starts
// up gives up at once.
func migrationError(doing string, err error) error {
	if n, ok := mysqlErrno(err); ok && !transient[n] {
		return fmt.Errorf("bunstore: %s: %s: %w", doing, err.Error(), commerce.ErrInvalid)
	}
	return fmt.Errorf("bunstore: %s: %w", doing, translate(err))
}

// checkMigrated returns an error when an embedded migration has not been
// applied.
func checkMigrated(ctx context.Context, db *bun.DB) error {
	m, err := newMigrator(db)
	if err != nil {
		return err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		var myErr *mysql.MySQLError
		if errors.As(err, &myErr) && myErr.Number == errNoSuchTable {
			return fmt.Errorf("bunstore: the database has no %s table: the schema was never migrated; run New without SkipMigrations once: %w", migrationsTable, commerce.ErrInvalid)
		}
		return translate(err)
	}
	if missing := ms.Unapplied(); len(missing) > 0 {
		return fmt.Errorf("bunstore: %d migration(s) not applied, the first %s; run New without SkipMigrations once: %w",
			len(missing), missing[0].Name+"_"+missing[0].Comment, commerce.ErrInvalid)
	}
	return nil
}
