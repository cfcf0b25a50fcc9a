package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// logAddr returns the "addr" of the first log line whose message is msg.
func logAddr(logs, msg string) string {
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg {
			return line.Addr
		}
	}
	return ""
}

// scrape reads the metrics that s serves at metricsURL.
func scrape(t *testing.T, metricsURL string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(metricsURL)
	if err != nil {
		t.Fatalf("GET %s: %v", metricsURL, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", metricsURL, res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", metricsURL, err)
	}
	return families
}

// value returns the value of the series of family name whose labels
// include want — a counter's value, a histogram's count — and whether
// there is one.
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf := families[name]
	if mf == nil {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range mf.GetMetric() {
		labels := make(map[string]string)
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		}
	}
	return sum, found
}

// walkMetrics walks through the shop as a customer does — a search, a
// sign-up, failed sign-ins until throttled, a cart, a checkout, one out
// of stock and one invalid — and checks that /metrics counts exactly that.
func walkMetrics(t *testing.T, env map[string]string, mysql bool) {
	full := map[string]string{
		"COMMERCE_METRICS_ADDR":        "127.0.0.1:0",
		"COMMERCE_BOOTSTRAP_STAFF":     "admin:" + staffPassword,
		"COMMERCE_PASSWORD_ITERATIONS": "1000",
	}
	for k, v := range env {
		full[k] = v
	}
	s := startRun(t, nil, full)
	addr := logAddr(s.logs.String(), "serving metrics")
	if addr == "" {
		t.Fatalf("no \"serving metrics\" line in the log:\n%s", s.logs)
	}
	metricsURL := "http://" + addr + "/metrics"
	s.waitReady(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	send := func(method, path string, body any, token string, want int) map[string]any {
		t.Helper()
		var header http.Header
		if path == "/api/orders" {
			header = http.Header{"Idempotency-Key": {fmt.Sprintf("metrics-%d", time.Now().UnixNano())}}
		}
		status, v, err := s.send(ctx, method, path, body, token, header)
		if err != nil || status != want {
			t.Fatalf("%s %s: %d %v %v, want %d", method, path, status, v, err, want)
		}
		return v
	}

	staff := send("POST", "/api/session", map[string]any{"username": "admin", "password": staffPassword}, "", 200)
	product := send("POST", "/api/products", map[string]any{
		"name": "하나 남은 도자기", "price": map[string]any{"amount": "30000", "currency": "KRW"}, "stock": 1,
	}, staff["token"].(string), 201)["id"].(string)

	const secretSearch = "비밀의검색어"
	send("GET", "/api/products?q="+url.QueryEscape(secretSearch), nil, "", 200)
	send("GET", "/api/products/"+product, nil, "", 200)

	up := send("POST", "/api/accounts", map[string]any{
		"username": "metered", "password": staffPassword, "password_confirm": staffPassword,
		"nickname": "계량", "email": "metered@example.com",
	}, "", 201)
	token := up["token"].(string)
	// Five wrong passwords fail; the next attempts are throttled.
	for range 5 {
		send("POST", "/api/session", map[string]any{"username": "metered", "password": "wrong-" + staffPassword}, "", 401)
	}
	for range 2 {
		send("POST", "/api/session", map[string]any{"username": "metered", "password": staffPassword}, "", 429)
	}

	send("POST", "/api/cart/items", map[string]any{"product_id": product, "quantity": 1}, token, 200)
	address := buyNow(product)["address"]
	send("POST", "/api/orders", map[string]any{"source": "cart", "payment_method": "card", "address": address}, token, 201)
	send("POST", "/api/orders", buyNow(product), token, 409)                                                                // out of stock
	send("POST", "/api/orders", map[string]any{"source": "cart", "payment_method": "card", "address": address}, token, 422) // empty cart

	// A page, and a path that no route serves.
	if status := s.get(t, "/", nil); status != 200 {
		t.Fatalf("GET /: %d", status)
	}
	if status := s.get(t, "/api/no-such-thing", nil); status != 404 {
		t.Fatalf("GET /api/no-such-thing: %d", status)
	}

	// The public address serves no metrics.
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusOK || strings.Contains(string(body), "commerce_http_requests_total") {
		t.Errorf("GET /metrics on the public address: %d, want no metrics:\n%s", res.StatusCode, body)
	}

	families := scrape(t, metricsURL)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"commerce_checkouts_placed_total", nil, 1},
		{"commerce_checkouts_failed_total", map[string]string{"reason": "out_of_stock"}, 1},
		{"commerce_checkouts_failed_total", map[string]string{"reason": "invalid"}, 1},
		{"commerce_checkouts_failed_total", nil, 2},
		{"commerce_stock_refusals_total", nil, 1},
		{"commerce_sign_ins_failed_total", nil, 5},
		{"commerce_sign_ins_throttled_total", nil, 2},
		{"commerce_http_requests_total", map[string]string{"route": "GET /api/products", "code": "200"}, 1},
		{"commerce_http_requests_total", map[string]string{"route": "GET /api/products/{id}", "code": "200"}, 1},
		{"commerce_http_requests_total", map[string]string{"route": "POST /api/session", "code": "200"}, 1},
		{"commerce_http_requests_total", map[string]string{"route": "POST /api/session", "code": "401"}, 5},
		{"commerce_http_requests_total", map[string]string{"route": "POST /api/session", "code": "429"}, 2},
		{"commerce_http_requests_total", map[string]string{"route": "POST /api/orders"}, 3},
		{"commerce_http_requests_total", map[string]string{"route": "POST /api/orders", "code": "201"}, 1},
		{"commerce_http_requests_total", map[string]string{"route": "GET /{$}", "code": "200"}, 1},
		{"commerce_http_requests_total", map[string]string{"route": "unmatched", "code": "404"}, 2},
		{"commerce_http_request_duration_seconds", map[string]string{"route": "POST /api/orders", "code": "409"}, 1},
		{"commerce_http_request_duration_seconds", map[string]string{"route": "POST /api/cart/items", "code": "200"}, 1},
	} {
		got, ok := value(families, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (found: %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// No label holds a path's ids or a query.
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), product) || strings.Contains(l.GetValue(), "?") ||
					strings.Contains(l.GetValue(), secretSearch) {
					t.Errorf("%s has the label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := families[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	if n, ok := value(families, "go_sql_max_open_connections", map[string]string{"db_name": "commerce"}); mysql && (!ok || n <= 0) {
		t.Errorf("go_sql_max_open_connections = %v (found: %v), want the pool's limit", n, ok)
	} else if !mysql && ok {
		t.Error("the pool's statistics are reported for the store in memory")
	}
	s.stop(t)
}

// TestMetrics walks through two servers at once, in memory and on MySQL
// with sessions on Redis: each counts its own requests only.
func TestMetrics(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		walkMetrics(t, nil, false)
	})
	t.Run("mysql", func(t *testing.T) {
		t.Parallel()
		redisURL, prefix := testdb.RedisURL(t)
		walkMetrics(t, map[string]string{
			"COMMERCE_MYSQL_DSN":    testdb.MySQLDSN(t),
			"COMMERCE_REDIS_URL":    redisURL,
			"COMMERCE_REDIS_PREFIX": prefix,
		}, true)
	})
}

// TestMetricsOff: without COMMERCE_METRICS_ADDR nothing listens for
// metrics, and the public address has none.
func TestMetricsOff(t *testing.T) {
	s := startRun(t, nil, nil)
	if addr := logAddr(s.logs.String(), "serving metrics"); addr != "" {
		t.Errorf("metrics served at %s without COMMERCE_METRICS_ADDR", addr)
	}
	if status := s.get(t, "/metrics", nil); status == http.StatusOK {
		t.Errorf("GET /metrics: %d", status)
	}
	if strings.Contains(s.logs.String(), `"tracing":true`) {
		t.Errorf("tracing is on without the OpenTelemetry variables:\n%s", s.logs)
	}
	s.stop(t)
}

func TestRunBadObservabilitySettings(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"not host:port", nil, map[string]string{"COMMERCE_METRICS_ADDR": "9090"},
			[]string{"COMMERCE_METRICS_ADDR", `want host:port such as 127.0.0.1:9090, not "9090"`}},
		{"bad port", []string{"-metrics-addr", "127.0.0.1:99999"}, nil,
			[]string{"-metrics-addr", `not "127.0.0.1:99999"`}},
		{"public address", nil, map[string]string{"COMMERCE_ADDR": "127.0.0.1:8181", "COMMERCE_METRICS_ADDR": "127.0.0.1:8181"},
			[]string{"COMMERCE_METRICS_ADDR", "the same address as COMMERCE_ADDR"}},
		{"taken", nil, map[string]string{"COMMERCE_METRICS_ADDR": taken.Addr().String()},
			[]string{"COMMERCE_METRICS_ADDR", "address already in use"}},
		{"endpoint", nil, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
			[]string{"OTEL_EXPORTER_OTLP_ENDPOINT", `want an http(s) URL`}},
		{"protocol", nil, map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			[]string{"OTEL_EXPORTER_OTLP_PROTOCOL", "want http/protobuf"}},
		{"exporter", nil, map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"},
			[]string{"OTEL_TRACES_EXPORTER", "want otlp or none"}},
		{"disabled", nil, map[string]string{"OTEL_SDK_DISABLED": "yes"},
			[]string{"OTEL_SDK_DISABLED", "want true or false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0", "COMMERCE_MEDIA_URL": "mem://", "COMMERCE_DEMO": "0"}
			for k, v := range tc.env {
				env[k] = v
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a run that starts serving stops at once
			err := run(ctx, tc.args, envOf(env), io.Discard, io.Discard)
			if err == nil {
				t.Fatal("run: nil, want an error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("run: %v, want it to say %q", err, want)
				}
			}
		})
	}
}

func TestTracingConfig(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector.example/v1/traces"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "none"}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, true},
		// Without an endpoint, a protocol the server does not speak is
		// no matter.
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false},
	} {
		got, err := tracingConfig(envOf(tc.env))
		if err != nil || got != tc.want {
			t.Errorf("tracingConfig(%v) = %v, %v; want %v", tc.env, got, err, tc.want)
		}
	}
}

// The Redis hook counts failed commands by name, in pipelines too, and
// failed connections as "dial"; a missing key, and a script's first run
// by hash, are no failures.
func TestRedisErrors(t *testing.T) {
	ctx := context.Background()
	redisURL, prefix := testdb.RedisURL(t)
	obs, err := newObserver(ctx, config{metricsAddr: "127.0.0.1:0"}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := redisstore.NewClient(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := obs.instrumentRedis(rdb); err != nil {
		t.Fatal(err)
	}
	count := func(command string) float64 { return testutil.ToFloat64(obs.redisErrors.WithLabelValues(command)) }

	if err := rdb.Get(ctx, prefix+"missing").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET of a missing key: %v", err)
	}
	if err := rdb.Set(ctx, prefix+"text", "abc", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Incr(ctx, prefix+"text").Err(); err == nil {
		t.Fatal("INCR of a text went through")
	}
	pipe := rdb.Pipeline()
	pipe.Incr(ctx, prefix+"text")
	pipe.Get(ctx, prefix+"missing")
	pipe.Get(ctx, prefix+"text")
	if _, err := pipe.Exec(ctx); err == nil {
		t.Fatal("the pipeline went through")
	}
	// A script new to the server: its first EVALSHA is answered NOSCRIPT,
	// and go-redis sends the script.
	script := redis.NewScript("-- " + prefix + "\nreturn 1")
	if err := script.Run(ctx, rdb, []string{prefix + "k"}).Err(); err != nil {
		t.Fatal(err)
	}
	// A command whose request has ended is not Redis's failure.
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if err := rdb.Get(ended, prefix+"text").Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("GET with an ended context: %v", err)
	}
	if got := count("incr"); got != 2 {
		t.Errorf("incr errors = %v, want 2", got)
	}
	for _, command := range []string{"get", "set", "evalsha", "eval", "dial"} {
		if got := count(command); got != 0 {
			t.Errorf("%s errors = %v, want 0", command, got)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	down, err := redisstore.NewClient("redis://" + closed)
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	if err := obs.instrumentRedis(down); err != nil {
		t.Fatal(err)
	}
	if err := down.Ping(ctx).Err(); err == nil {
		t.Fatal("PING of a closed port went through")
	}
	if count("dial") < 1 || count("ping") != 1 {
		t.Errorf("after a PING of a closed port: dial %v, ping %v; want at least 1 and 1", count("dial"), count("ping"))
	}
}
