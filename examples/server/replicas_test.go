package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impactmuseum/commerce/internal/mariadbtest"
)

// TestRunReadReplicas runs the server on a real primary and a real
// replica of it (started by mariadbtest) with COMMERCE_MYSQL_REPLICA_DSNS:
//
//   - a visitor's catalog, search and board reads land on the replica, as
//     the replica's own count of its reader's SELECTs shows, and a staff
//     member's do not;
//   - with the replica thirty seconds behind, a customer still reads their
//     new order at once, and a product staff just made;
//   - killing the replica while visitors read moves the reads to the
//     primary with no failed request, and restarting it brings them back;
//   - /metrics reports the replica.
func TestRunReadReplicas(t *testing.T) {
	pair := mariadbtest.StartPair(t)
	s := startRun(t, nil, map[string]string{
		"COMMERCE_MYSQL_DSN":          pair.PrimaryDSN(),
		"COMMERCE_MYSQL_REPLICA_DSNS": pair.ReplicaDSN(),
		// The replica is made to lag thirty seconds below; reads must
		// keep going to it, stale, for the test to show whose reads
		// are kept fresh.
		"COMMERCE_MYSQL_REPLICA_MAX_LAG": "1h",
		"COMMERCE_METRICS_ADDR":          "127.0.0.1:0",
		"COMMERCE_DEMO":                  "1",
		"COMMERCE_BOOTSTRAP_STAFF":       "admin:" + staffPassword,
		"COMMERCE_PASSWORD_ITERATIONS":   "1000",
	})
	s.waitReady(t)
	metricsURL := "http://" + logAddr(s.logs.String(), "serving metrics") + "/metrics"
	pair.WaitCaughtUp()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	send := func(method, path string, body any, token string, want int) map[string]any {
		t.Helper()
		var header http.Header
		if method == "POST" && path == "/api/orders" {
			header = http.Header{"Idempotency-Key": {fmt.Sprintf("replica-%d", time.Now().UnixNano())}}
		}
		status, v, err := s.send(ctx, method, path, body, token, header)
		if err != nil || status != want {
			t.Fatalf("%s %s: %d %v %v, want %d", method, path, status, v, err, want)
		}
		return v
	}
	reads := []string{"/api/products?limit=8", "/api/products?q=" + url.QueryEscape("사과"), "/api/posts"}
	visit := func(token string) {
		t.Helper()
		for _, path := range reads {
			send("GET", path, nil, token, 200)
		}
	}

	// The monitor's first check marks the replica healthy; until then
	// reads go to the primary.
	deadline := time.Now().Add(30 * time.Second)
	for {
		before := pair.ReaderStats().Selects
		visit("")
		if pair.ReaderStats().Selects >= before+int64(len(reads)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a visitor's reads never reached the replica:\n%s", s.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}

	staff := send("POST", "/api/session", map[string]any{"username": "admin", "password": staffPassword}, "", 200)["token"].(string)
	before := pair.ReaderStats().Selects
	visit(staff)
	if n := pair.ReaderStats().Selects - before; n != 0 {
		t.Errorf("a staff member's reads ran %d SELECTs on the replica, want 0: they always read the primary", n)
	}

	// A replica thirty seconds behind, still taking reads.
	pair.SetDelay(30 * time.Second)
	customer := send("POST", "/api/accounts", map[string]any{
		"username": "replica_reader", "password": staffPassword, "password_confirm": staffPassword,
		"nickname": "복제독자", "email": "replica@example.com",
	}, "", 201)["token"].(string)
	product := send("POST", "/api/products", map[string]any{
		"name": "갓 만든 도자기", "price": map[string]any{"amount": "30000", "currency": "KRW"}, "stock": 5,
	}, staff, 201)["id"].(string)
	if got := send("GET", "/api/products/"+product, nil, customer, 200)["name"]; got != "갓 만든 도자기" {
		t.Errorf("a customer reading the product staff just made: name %v", got)
	}
	order := send("POST", "/api/orders", buyNow(product), customer, 201)["id"].(string)
	if got := send("GET", "/api/orders/"+order, nil, customer, 200)["id"]; got != order {
		t.Errorf("GET /api/orders/%s right after placing it: id %v", order, got)
	}
	list := send("GET", "/api/orders", nil, customer, 200)
	if items, _ := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != order {
		t.Errorf("GET /api/orders right after placing one: %v, want just %s", list["items"], order)
	}
	if got := send("GET", "/api/products/"+product, nil, staff, 200)["stock"]; got != float64(4) {
		t.Errorf("staff reading the product after the order: stock %v, want 4 (from the primary)", got)
	}
	pair.SetDelay(0)
	pair.WaitCaughtUp()

	// Killed while visitors read: no request fails.
	var wg sync.WaitGroup
	errs := make(chan error, 4*200)
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := reads[(w+i)%len(reads)]
				status, _, err := s.send(ctx, "GET", path, nil, "", nil)
				if err != nil || status != 200 {
					errs <- fmt.Errorf("GET %s: %d %v", path, status, err)
					return
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	pair.Replica.Kill()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("with the replica killed: %v", err)
	}
	families := scrape(t, metricsURL)
	if v, ok := value(families, "commerce_db_replica_healthy", map[string]string{"replica": "replica1"}); !ok || v != 0 {
		t.Errorf("commerce_db_replica_healthy with the replica down = %v (found %v), want 0", v, ok)
	}

	pair.Replica.Restart()
	deadline = time.Now().Add(30 * time.Second)
	for {
		visit("")
		if pair.ReaderStats().Selects > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("reads did not come back to the restarted replica")
		}
		time.Sleep(200 * time.Millisecond)
	}
	families = scrape(t, metricsURL)
	if v, ok := value(families, "commerce_db_replica_healthy", map[string]string{"replica": "replica1"}); !ok || v != 1 {
		t.Errorf("commerce_db_replica_healthy after the restart = %v (found %v), want 1", v, ok)
	}
	if v, ok := value(families, "commerce_db_replica_reads_total", map[string]string{"replica": "replica1"}); !ok || v < 10 {
		t.Errorf("commerce_db_replica_reads_total = %v (found %v), want the reads served", v, ok)
	}
	if _, ok := value(families, "go_sql_max_open_connections", map[string]string{"db_name": "commerce_replica1"}); !ok {
		t.Error("no pool statistics for the replica (db_name commerce_replica1)")
	}
	s.stop(t)
}

// TestRunBadReplicaSettings: bad replica settings are refused, naming the
// variable or flag.
func TestRunBadReplicaSettings(t *testing.T) {
	const primary = "root@tcp(127.0.0.1:1)/shop"
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"no primary", nil, map[string]string{"COMMERCE_MYSQL_REPLICA_DSNS": "reader@tcp(10.0.0.2:3306)/shop"},
			[]string{"COMMERCE_MYSQL_REPLICA_DSNS", "replicas need a primary: set COMMERCE_MYSQL_DSN too"}},
		{"only spaces", nil, map[string]string{"COMMERCE_MYSQL_DSN": primary, "COMMERCE_MYSQL_REPLICA_DSNS": "  "},
			[]string{"COMMERCE_MYSQL_REPLICA_DSNS", "no DSN, only spaces"}},
		{"malformed DSN", []string{"-mysql-dsn", primary, "-mysql-replica-dsns", "reader:secret@tcp(10.0.0.2:3306)/shop reader:secret@10.0.0.3/shop"}, nil,
			[]string{"-mysql-replica-dsns", "replica 2 of 2"}},
		// A DSN cut in the middle of its password (by a comma, which
		// does not part DSNs) names no part of the password.
		{"no address", []string{"-mysql-dsn", primary, "-mysql-replica-dsns", "reader:sec/ret"}, nil,
			[]string{"-mysql-replica-dsns", "replica 1 of 1"}},
		{"lag not a duration", nil, map[string]string{"COMMERCE_MYSQL_DSN": primary, "COMMERCE_MYSQL_REPLICA_DSNS": "reader@tcp(10.0.0.2:3306)/shop",
			"COMMERCE_MYSQL_REPLICA_MAX_LAG": "5"}, []string{"COMMERCE_MYSQL_REPLICA_MAX_LAG", `want a positive duration such as 5s, not "5"`}},
		{"lag under a second", nil, map[string]string{"COMMERCE_MYSQL_DSN": primary, "COMMERCE_MYSQL_REPLICA_DSNS": "reader@tcp(10.0.0.2:3306)/shop",
			"COMMERCE_MYSQL_REPLICA_MAX_LAG": "500ms"}, []string{"COMMERCE_MYSQL_REPLICA_MAX_LAG", "want at least 1s"}},
		{"lag without replicas", nil, map[string]string{"COMMERCE_MYSQL_DSN": primary, "COMMERCE_MYSQL_REPLICA_MAX_LAG": "10s"},
			[]string{"COMMERCE_MYSQL_REPLICA_MAX_LAG", "there are no replicas: set COMMERCE_MYSQL_REPLICA_DSNS too"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0", "COMMERCE_MEDIA_URL": "mem://", "COMMERCE_DEMO": "0", "COMMERCE_DB_WAIT": "1s"}
			for k, v := range tc.env {
				env[k] = v
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := run(ctx, tc.args, envOf(env), io.Discard, io.Discard)
			if err == nil {
				t.Fatal("run: nil, want an error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("run: %v, want it to say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), ":sec") {
				t.Errorf("run: %v repeats a password", err)
			}
		})
	}
}
