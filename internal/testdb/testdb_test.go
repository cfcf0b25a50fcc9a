package testdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce/internal/redistest"
	"github.com/impactmuseum/commerce/internal/testdb"
)

func TestMySQLDSN(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("fresh", func(t *testing.T) {
		dsn := testdb.MySQLDSN(t)
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		name = cfg.DBName
		if !strings.HasPrefix(name, "commerce_test_") {
			t.Fatalf("database %q, want commerce_test_<random>", name)
		}
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var cs, coll string
		err = db.QueryRow("SELECT @@character_set_database, @@collation_database").Scan(&cs, &coll)
		if err != nil {
			t.Fatal(err)
		}
		if cs != "utf8mb4" || coll != "utf8mb4_unicode_ci" {
			t.Errorf("got %s %s, want utf8mb4 utf8mb4_unicode_ci", cs, coll)
		}
		if other := testdb.MySQLDSN(t); other == dsn {
			t.Errorf("two calls returned the same DSN %s", dsn)
		}
	})
	if name == "" {
		return // skipped
	}
	// The subtest's cleanup has run: the database must be gone.
	dsn := testdb.MySQLDSN(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestRedisURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var (
		url, prefix string
	)
	t.Run("prefix", func(t *testing.T) {
		url, prefix = testdb.RedisURL(t)
		if !strings.HasPrefix(prefix, "commerce_test_") || !strings.HasSuffix(prefix, ":") {
			t.Fatalf("prefix %q, want commerce_test_<random>:", prefix)
		}
		rdb := client(t, url)
		for _, k := range []string{"a", "b", "c"} {
			if err := rdb.Set(ctx, prefix+k, "1", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if prefix == "" {
		return // skipped
	}
	keys, err := client(t, url).Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("keys %v remain after their test ended", keys)
	}
}

// TestRedisPrefix checks that RedisPrefix's cleanup deletes the keys
// under the prefix, and only those, on a single node and on a Redis
// Cluster, where they lie in different slots on different masters.
func TestRedisPrefix(t *testing.T) {
	t.Parallel()
	t.Run("Node", func(t *testing.T) {
		t.Parallel()
		url, other := testdb.RedisURL(t)
		checkRedisPrefix(t, client(t, url), other)
	})
	t.Run("Cluster", func(t *testing.T) {
		t.Parallel()
		c := redistest.StartCluster(t, nil)
		opts, err := redis.ParseClusterURL(c.URL())
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClusterClient(opts)
		t.Cleanup(func() { rdb.Close() })
		checkRedisPrefix(t, rdb, "commerce_test_other:")
		// The keys were spread over the masters.
		masters := map[*redistest.Node]bool{}
		for i := range 50 {
			masters[c.MasterOf(fmt.Sprintf("commerce_test_other:%d", i))] = true
		}
		if len(masters) < 2 {
			t.Errorf("50 keys on %d masters: the cleanup met no keys of different slots", len(masters))
		}
	})
}

// checkRedisPrefix writes 50 keys under a prefix from RedisPrefix and 50
// under other, and checks that only the former are gone when the
// subtest that asked for the prefix ends.
func checkRedisPrefix(t *testing.T, rdb redis.UniversalClient, other string) {
	ctx := context.Background()
	var prefix string
	t.Run("prefix", func(t *testing.T) {
		prefix = testdb.RedisPrefix(t, rdb)
		if !strings.HasPrefix(prefix, "commerce_test_") || !strings.HasSuffix(prefix, ":") || strings.ContainsAny(prefix, "{}*?[]") {
			t.Fatalf("prefix %q, want commerce_test_<random>: without a hash tag or glob characters", prefix)
		}
		for i := range 50 {
			for _, p := range []string{prefix, other} {
				if err := rdb.Set(ctx, fmt.Sprintf("%s%d", p, i), "1", time.Minute).Err(); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	for i := range 50 {
		if n, err := rdb.Exists(ctx, fmt.Sprintf("%s%d", prefix, i)).Result(); err != nil || n != 0 {
			t.Fatalf("key %s%d remains after its test ended (%v)", prefix, i, err)
		}
		if n, err := rdb.Exists(ctx, fmt.Sprintf("%s%d", other, i)).Result(); err != nil || n != 1 {
			t.Fatalf("key %s%d, not under the prefix, was deleted (%v)", other, i, err)
		}
	}
}

func client(t *testing.T, url string) *redis.Client {
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
