package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// Environment variables that point the tests at their services.
const (
	MySQLEnv   = "COMMERCE_MYSQL_DSN"
	RedisEnv   = "COMMERCE_REDIS_URL"
	defaultDSN = "root@tcp(127.0.0.1:3306)/"
	defaultURL = "redis://127.0.0.1:6379/0"
)

// dialTimeout bounds how long a test waits to learn that a service is down.
const dialTimeout = 2 * time.Second

// MySQLDSN returns the DSN of a new, empty database on the server that
// COMMERCE_MYSQL_DSN names, with the parameters of that DSN kept. The
// database uses utf8mb4 with utf8mb4_unicode_ci, and it is dropped when t
// ends. It is safe to call from parallel tests.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	base := env(MySQLEnv, defaultDSN)
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		// The driver's parse errors never contain the password.
		t.Fatalf("testdb: %s is not a valid DSN: %v", MySQLEnv, err)
	}
	admin := cfg.Clone()
	admin.DBName = ""
	if admin.Timeout == 0 || admin.Timeout > dialTimeout {
		admin.Timeout = dialTimeout
	}
	db, err := openMySQL(admin)
	if err != nil {
		unreachable(t, MySQLEnv, "MySQL", err)
	}
	defer db.Close()

	name := "commerce_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("testdb: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := openMySQL(admin)
		if err != nil {
			t.Errorf("testdb: dropping database %s: %v", name, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("testdb: dropping database %s: %v", name, err)
		}
	})

	out := cfg.Clone()
	out.DBName = name
	return out.FormatDSN()
}

// openMySQL opens a one-connection pool and checks that the server answers.
func openMySQL(cfg *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*dialTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// RedisURL returns the URL of the Redis server that COMMERCE_REDIS_URL
// names and a key prefix of the form commerce_test_<random>: that no other
// test uses. The test must write only keys that start with the prefix;
// they are deleted when t ends.
func RedisURL(t testing.TB) (url, keyPrefix string) {
	t.Helper()
	url = env(RedisEnv, defaultURL)
	opts, err := redis.ParseURL(url)
	if err != nil {
		// The parse error may quote the URL, password and all.
		t.Fatalf("testdb: %s is not a valid Redis URL such as redis://127.0.0.1:6379/0", RedisEnv)
	}
	opts.DialTimeout = dialTimeout
	opts.ReadTimeout = dialTimeout
	opts.WriteTimeout = dialTimeout
	opts.MaxRetries = -1
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*dialTimeout)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		unreachable(t, RedisEnv, "Redis", err)
	}
	rdb.Close()

	keyPrefix = newPrefix()
	t.Cleanup(func() {
		rdb := redis.NewClient(opts)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := deleteKeys(ctx, rdb, keyPrefix); err != nil {
			t.Errorf("testdb: deleting Redis keys %s*: %v", keyPrefix, err)
		}
	})
	return url, keyPrefix
}

// RedisPrefix returns a key prefix of the form commerce_test_<random>:
// that no other test uses, for a test that writes through rdb to a Redis
// of its own making: a Redis Cluster or a Sentinel-managed primary that
// the test started, say. When t ends, the keys under the prefix are
// deleted through rdb, on every master of a cluster. rdb must still be
// open then: close it in a t.Cleanup registered before RedisPrefix is
// called (cleanups run last registered, first), or after t and its
// subtests end.
func RedisPrefix(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	prefix := newPrefix()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := deleteKeys(ctx, rdb, prefix); err != nil {
			t.Errorf("testdb: deleting Redis keys %s*: %v", prefix, err)
		}
	})
	return prefix
}

// newPrefix returns a key prefix that no other test uses. It holds no
// glob metacharacters, so it can be used in SCAN's MATCH as it is, and no
// hash tag, so that the keys under it spread over a cluster's slots as a
// shop's do.
func newPrefix() string { return "commerce_test_" + randomHex(8) + ":" }

// deleteKeys deletes every key that starts with prefix, one key per DEL:
// in a Redis Cluster, keys of different slots cannot go in one command.
// On a cluster client it scans every master, which holds its own keys.
// Any other client (a single node, a Sentinel-managed primary) is one
// keyspace.
func deleteKeys(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	if cluster, ok := rdb.(*redis.ClusterClient); ok {
		return cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return deleteNodeKeys(ctx, node, prefix)
		})
	}
	return deleteNodeKeys(ctx, rdb, prefix)
}

// deleteNodeKeys deletes the keys that start with prefix in one node's
// keyspace, a DEL per key, sent in a pipeline per SCAN batch.
func deleteNodeKeys(ctx context.Context, rdb redis.Cmdable, prefix string) error {
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 500).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Del(ctx, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// unreachable skips the test, or fails it under CI, when a service does
// not answer.
func unreachable(t testing.TB, variable, service string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("testdb: %s is unreachable (set %s): %v", service, variable, err)
	}
	t.Skipf("testdb: %s is unreachable, skipping (set %s to run this test): %v", service, variable, err)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("testdb: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
