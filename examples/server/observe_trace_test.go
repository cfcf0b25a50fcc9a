package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// Instrumentation scopes of the spans of the database and of Redis.
const (
	bunScope   = "github.com/uptrace/bun"
	redisScope = "github.com/redis/go-redis/extra/redisotel"
)

// useSpanExporter turns tracing on, into a new in-memory exporter, for the
// servers t starts. It sets a package variable: t must not run in
// parallel.
func useSpanExporter(t *testing.T) *tracetest.InMemoryExporter {
	exp := tracetest.NewInMemoryExporter()
	testSpanExporter = exp
	t.Cleanup(func() { testSpanExporter = nil })
	return exp
}

// serverSpan waits for the one server span named name among exp's.
func serverSpan(t *testing.T, exp *tracetest.InMemoryExporter, name string) tracetest.SpanStub {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var found []tracetest.SpanStub
		for _, sp := range exp.GetSpans() {
			if sp.SpanKind == trace.SpanKindServer && sp.Name == name {
				found = append(found, sp)
			}
		}
		switch {
		case len(found) == 1:
			return found[0]
		case len(found) > 1:
			t.Fatalf("%d server spans named %q, want 1", len(found), name)
		case time.Now().After(deadline):
			t.Fatalf("no server span named %q; spans: %v", name, spanNames(exp.GetSpans()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	var names []string
	for _, sp := range spans {
		names = append(names, sp.InstrumentationScope.Name+": "+sp.Name)
	}
	return names
}

// noSecrets checks that no span's name or attribute holds any of secrets.
func noSecrets(t *testing.T, spans tracetest.SpanStubs, secrets ...string) {
	t.Helper()
	for _, sp := range spans {
		texts := []string{sp.Name}
		for _, kv := range sp.Attributes {
			texts = append(texts, kv.Value.String())
		}
		for _, ev := range sp.Events {
			for _, kv := range ev.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		texts = append(texts, sp.Status.Description)
		for _, text := range texts {
			for _, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("span %q (%s) shows %q: %s", sp.Name, sp.InstrumentationScope.Name, secret, text)
				}
			}
		}
	}
}

func attr(sp tracetest.SpanStub, key attribute.Key) string {
	for _, kv := range sp.Attributes {
		if kv.Key == key {
			return kv.Value.String()
		}
	}
	return ""
}

// TestTracesCheckout: on MySQL with sessions on Redis, a checkout makes
// one trace, whose root is the request's server span, named by its route,
// and whose queries and Redis commands are inside it; no span shows a
// value that a customer typed, a password's hash or a search.
func TestTracesCheckout(t *testing.T) {
	exp := useSpanExporter(t)
	redisURL, prefix := testdb.RedisURL(t)
	s := startRun(t, nil, map[string]string{
		"COMMERCE_MYSQL_DSN":           testdb.MySQLDSN(t),
		"COMMERCE_REDIS_URL":           redisURL,
		"COMMERCE_REDIS_PREFIX":        prefix,
		"COMMERCE_BOOTSTRAP_STAFF":     "admin:" + staffPassword,
		"COMMERCE_PASSWORD_ITERATIONS": "1000",
	})
	if !strings.Contains(s.logs.String(), `"tracing":true`) {
		t.Errorf("the log does not say tracing is on:\n%s", s.logs)
	}
	s.waitReady(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	send := func(method, path string, body any, token string, header http.Header, want int) map[string]any {
		t.Helper()
		status, v, err := s.send(ctx, method, path, body, token, header)
		if err != nil || status != want {
			t.Fatalf("%s %s: %d %v %v, want %d", method, path, status, v, err, want)
		}
		return v
	}

	const (
		email     = "traced.customer@example.com"
		password  = "Secret-otter-417"
		recipient = "추적되지않는이름"
		phone     = "010-9876-5432"
		line1     = "비공개로 1234번길"
		search    = "아무도모르는검색"
	)
	staff := send("POST", "/api/session", map[string]any{"username": "admin", "password": staffPassword}, "", nil, 200)
	product := send("POST", "/api/products", map[string]any{
		"name": "추적용 찻잔", "price": map[string]any{"amount": "12000", "currency": "KRW"}, "stock": 5,
	}, staff["token"].(string), nil, 201)["id"].(string)
	token := send("POST", "/api/accounts", map[string]any{
		"username": "traced", "password": password, "password_confirm": password, "nickname": "추적", "email": email,
	}, "", nil, 201)["token"].(string)
	send("GET", "/api/products?q="+url.QueryEscape(search), nil, "", nil, 200)
	search1 := serverSpan(t, exp, "GET /api/products")
	if q := attr(search1, "url.query"); q != "" {
		t.Errorf("the search's span has url.query %q", q)
	}
	signUp := serverSpan(t, exp, "POST /api/accounts")
	var inserts int
	for _, sp := range exp.GetSpans() {
		if sp.SpanContext.TraceID() == signUp.SpanContext.TraceID() && sp.InstrumentationScope.Name == bunScope &&
			strings.HasPrefix(attr(sp, "db.statement"), "INSERT") {
			inserts++
		}
	}
	if inserts == 0 {
		t.Errorf("the sign-up's trace has no INSERT; spans: %v", spanNames(exp.GetSpans()))
	}
	// The sign-up stored the e-mail and the hash, which its spans do not
	// show.
	noSecrets(t, exp.GetSpans(), email, password, "pbkdf2_sha256$", search)

	exp.Reset()
	body := map[string]any{
		"product_id": product, "quantity": 2, "payment_method": "card",
		"address": map[string]any{"recipient": recipient, "phone": phone, "line1": line1, "zipcode": "04524"},
	}
	send("POST", "/api/orders", body, token, http.Header{"Idempotency-Key": {"traced-checkout"}}, 201)
	root := serverSpan(t, exp, "POST /api/orders")
	if root.Parent.IsValid() {
		t.Errorf("the server span has a parent: %v", root.Parent)
	}
	// http.route is the pattern's path, the method being an attribute
	// of its own.
	if got := attr(root, "http.route"); got != "/api/orders" {
		t.Errorf("http.route = %q, want /api/orders", got)
	}
	// Spans may end after the answer is sent: wait for the trace to stop
	// growing.
	var spans tracetest.SpanStubs
	for n := -1; n != len(spans); {
		n = len(spans)
		time.Sleep(200 * time.Millisecond)
		spans = exp.GetSpans()
	}

	byID := make(map[trace.SpanID]tracetest.SpanStub)
	for _, sp := range spans {
		byID[sp.SpanContext.SpanID()] = sp
	}
	var sql, redis int
	for _, sp := range spans {
		if sp.SpanContext.TraceID() != root.SpanContext.TraceID() {
			t.Errorf("span %q (%s) is in another trace", sp.Name, sp.InstrumentationScope.Name)
			continue
		}
		// Every span leads up to the root.
		cur := sp
		for steps := 0; cur.SpanContext.SpanID() != root.SpanContext.SpanID(); steps++ {
			parent, ok := byID[cur.Parent.SpanID()]
			if !ok || steps > len(spans) {
				t.Errorf("span %q (%s) does not lead up to the server span", sp.Name, sp.InstrumentationScope.Name)
				break
			}
			cur = parent
		}
		switch sp.InstrumentationScope.Name {
		case bunScope:
			sql++
			if st := attr(sp, "db.statement"); strings.HasPrefix(st, "INSERT") && !strings.Contains(st, "?") {
				t.Errorf("an INSERT without placeholders: %s", st)
			}
		case redisScope:
			redis++
		}
	}
	if sql < 3 {
		t.Errorf("%d SQL spans in the checkout's trace, want its queries; spans: %v", sql, spanNames(spans))
	}
	if redis == 0 {
		t.Errorf("no Redis span in the checkout's trace (the session is on Redis); spans: %v", spanNames(spans))
	}
	noSecrets(t, spans, recipient, phone, line1, email, "pbkdf2_sha256$", token)
	s.stop(t)
}

// TestSQLSpansWithholdErrors: a statement that fails on a unique key gets
// MySQL's message back, which repeats the value; its span keeps the
// error's number and state, never the message.
func TestSQLSpansWithholdErrors(t *testing.T) {
	exp := useSpanExporter(t)
	ctx := context.Background()
	obs, err := newObserver(ctx, config{}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer obs.shutdown(slog.New(slog.DiscardHandler))
	db, err := bunstore.Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db = obs.instrumentDB(db, "primary")
	const secret = "withheld.customer@example.com"
	// Queries are traced inside a request's span.
	ctx, span := obs.traces.Tracer("test").Start(ctx, "POST /test", trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	if _, err := db.NewRaw("CREATE TABLE span_values (email VARCHAR(100) PRIMARY KEY)").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		_, err := db.NewRaw("INSERT INTO span_values (email) VALUES (?)", secret).Exec(ctx)
		if i == 1 && (err == nil || !strings.Contains(err.Error(), secret)) {
			t.Fatalf("the duplicate INSERT: %v, want MySQL's error naming the value", err)
		}
	}
	var failed int
	for _, sp := range exp.GetSpans() {
		if sp.InstrumentationScope.Name != bunScope || sp.Status.Code != codes.Error {
			continue
		}
		failed++
		if !strings.Contains(sp.Status.Description, "1062") {
			t.Errorf("the failed INSERT's span status %q, want the error's number", sp.Status.Description)
		}
	}
	if failed != 1 {
		t.Errorf("%d failed spans, want the duplicate INSERT's; spans: %v", failed, spanNames(exp.GetSpans()))
	}
	noSecrets(t, exp.GetSpans(), secret)
}
