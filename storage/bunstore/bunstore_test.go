package bunstore_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

// harness makes each conformance case a database of its own. Sessions and
// sign-in attempts are not kept in MySQL, so the account cases take them
// from memstore, on a clock that the tests move by hand, and store users in
// the database.
type harness struct{}

func (harness) MakeStores(ctx context.Context, t *testing.T) storagetest.Stores {
	s, _ := newStore(ctx, t)
	clock := storagetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	mem := memstore.New(&memstore.Options{Now: clock.Now})
	return storagetest.Stores{
		Catalog:    s.Catalog(),
		Accounts:   s.Accounts(),
		Sessions:   mem.Sessions(),
		Attempts:   mem.Attempts(),
		Board:      s.Board(),
		Carts:      s.Carts(),
		Orders:     s.Orders(),
		Stock:      s.Stock(),
		Transactor: s.Transactor(),
		Outbox:     s.Outbox(),
		Webhooks:   s.Webhooks(),
		Now:        clock.Now,
		Advance:    clock.Advance,
	}
}

func (harness) Close() {}

func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
		return harness{}, nil
	})
}

// newStore returns a Store over a new database, and its *bun.DB. The DB is
// closed before testdb drops the database (cleanups run last-in first-out).
func newStore(ctx context.Context, t testing.TB) (*bunstore.Store, *bun.DB) {
	t.Helper()
	db := openDB(t, testdb.MySQLDSN(t))
	s, err := bunstore.New(ctx, db, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, db
}

func openDB(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	db, err := bunstore.Open(dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Parallel tests each hold a pool; keep them small.
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	return db
}

// withParams returns dsn with the given parameters set.
func withParams(t *testing.T, dsn string, params map[string]string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	for k, v := range params {
		cfg.Params[k] = v
	}
	return cfg.FormatDSN()
}

func TestOpenRefusesBadDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, dsn, want string
	}{
		{"no database", "shop:s3cr3t-pw@tcp(127.0.0.1:3306)/", "names no database"},
		{"malformed", "shop:s3cr3t-pw@tcp(127.0.0.1:3306", "malformed DSN"},
		{"unescaped", "shop:s3cr3t-pw@tcp(127.0.0.1:3306)/shop?loc=Nowhere/Land", "malformed DSN"},
		{"no backslash escapes", "shop:s3cr3t-pw@tcp(127.0.0.1:3306)/shop?sql_mode=%27NO_BACKSLASH_ESCAPES%27", "NO_BACKSLASH_ESCAPES"},
		// Cut inside the password: the driver takes "shop:s3cr3t" for a
		// network's name and says so.
		{"cut in the password", "shop:s3cr3t/pw", "malformed DSN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := bunstore.Open(tc.dsn)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tc.dsn)
			}
			if !errors.Is(err, commerce.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error %q repeats the password", err)
			}
		})
	}
}

func TestOpenSetsTheSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.MySQLDSN(t)
	for _, tc := range []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"defaults", nil, bunstore.StrictSQLMode},
		{"own strict mode kept", map[string]string{"sql_mode": "'STRICT_ALL_TABLES,ANSI_QUOTES'"}, "STRICT_ALL_TABLES,ANSI_QUOTES"},
		{"strict mode added", map[string]string{"sql_mode": "'NO_ENGINE_SUBSTITUTION'"}, "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, withParams(t, dsn, tc.params))
			var mode, charset, coll string
			err := db.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode, @@character_set_connection, @@collation_connection").
				Scan(&mode, &charset, &coll)
			if err != nil {
				t.Fatal(err)
			}
			// The server lists the modes in an order of its own.
			if got, want := modeSet(mode), modeSet(tc.want); got != want {
				t.Errorf("sql_mode %q, want %q", mode, tc.want)
			}
			if charset != "utf8mb4" || coll != "utf8mb4_unicode_ci" {
				t.Errorf("connection %s %s, want utf8mb4 utf8mb4_unicode_ci", charset, coll)
			}
		})
	}
}

func modeSet(mode string) string {
	modes := strings.Split(mode, ",")
	slices.Sort(modes)
	return strings.Join(modes, ",")
}

func TestNewRefusesSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.MySQLDSN(t)
	for _, tc := range []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"not strict", map[string]string{"sql_mode": "''"}, "strict mode"},
		{"not utf8mb4", map[string]string{"charset": "latin1"}, "not utf8mb4"},
		{"no backslash escapes", map[string]string{"sql_mode": "'STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES'"}, "NO_BACKSLASH_ESCAPES"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A *bun.DB made without Open, as a caller with its own
			// setup would.
			sqldb, err := sql.Open("mysql", withParams(t, dsn, tc.params))
			if err != nil {
				t.Fatal(err)
			}
			db := bun.NewDB(sqldb, mysqldialect.New())
			t.Cleanup(func() { db.Close() })
			_, err = bunstore.New(ctx, db, nil)
			if !errors.Is(err, commerce.ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bunstore.Open") {
				t.Errorf("got %q, want it to say %q and how to fix it", err, tc.want)
			}
		})
	}
}

func TestNewUnavailable(t *testing.T) {
	t.Parallel()
	db, err := bunstore.Open("root@tcp(127.0.0.1:1)/shop")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = bunstore.New(context.Background(), db, nil)
	if !errors.Is(err, commerce.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		t.Errorf("the error %v leaks *mysql.MySQLError", err)
	}
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.MySQLDSN(t)

	t.Run("skipped before they ran", func(t *testing.T) {
		_, err := bunstore.New(ctx, openDB(t, dsn), &bunstore.Options{SkipMigrations: true})
		if !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), "never migrated") {
			t.Fatalf("got %v, want ErrInvalid saying the schema was never migrated", err)
		}
	})
	t.Run("concurrent starts", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = bunstore.New(ctx, openDB(t, dsn), nil)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("New #%d: %v", i, err)
			}
		}
	})
	db := openDB(t, dsn)
	count := func() (n int) {
		t.Helper()
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM commerce_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if before == 0 {
		t.Fatal("no migration recorded")
	}
	for range 2 {
		if _, err := bunstore.New(ctx, db, nil); err != nil {
			t.Fatalf("New again: %v", err)
		}
	}
	if got := count(); got != before {
		t.Errorf("%d migrations recorded after running again, want %d", got, before)
	}
	if _, err := bunstore.New(ctx, db, &bunstore.Options{SkipMigrations: true}); err != nil {
		t.Errorf("New with SkipMigrations on a migrated schema: %v", err)
	}
}

// TestMigrationConflict checks that a schema New cannot create is a final
// error, not one worth waiting out.
func TestMigrationConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, testdb.MySQLDSN(t))
	if _, err := db.ExecContext(ctx, "CREATE TABLE products (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	_, err := bunstore.New(ctx, db, nil)
	if !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("got %v, want ErrInvalid saying that the table already exists", err)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(ctx, t)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if s.DB() != db {
		t.Error("DB() is not the *bun.DB the store was made with")
	}
	db.Close()
	if err := s.Ping(ctx); !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("Ping on a closed DB: got %v, want ErrUnavailable", err)
	}
}
