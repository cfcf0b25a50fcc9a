package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account/social/socialtest"
	"github.com/impactmuseum/commerce/internal/redistest"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// syncBuffer collects what run logs while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// server is run running in the background.
type server struct {
	url    string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// startRun starts run with args and env (JSON logs on a free port unless
// they say otherwise) and waits until it listens.
func startRun(t *testing.T, args []string, env map[string]string) *server {
	t.Helper()
	s := launchRun(t, args, env)
	s.waitListening(t)
	return s
}

// launchRun starts run as startRun does, without waiting.
func launchRun(t *testing.T, args []string, env map[string]string) *server {
	t.Helper()
	// Images go to memory, not to a folder in the source tree.
	full := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0", "COMMERCE_LOG_FORMAT": "json", "COMMERCE_MEDIA_URL": "mem://"}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{logs: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, args, envOf(full), io.Discard, s.logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("run did not return after its context ended")
		}
	})
	return s
}

// waitListening waits for s's "listening" line, which names the address.
func (s *server) waitListening(t *testing.T) {
	t.Helper()
	timeout := time.After(90 * time.Second)
	for {
		if addr := listeningAddr(s.logs.String()); addr != "" {
			s.url = "http://" + addr
			return
		}
		select {
		case err := <-s.done:
			s.done <- err // for Cleanup
			t.Fatalf("run returned before listening: %v\nlog:\n%s", err, s.logs)
		case <-timeout:
			t.Fatalf("run did not listen in time; log:\n%s", s.logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func listeningAddr(logs string) string {
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			return line.Addr
		}
	}
	return ""
}

// stop ends run's context and wants run to return nil.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for Cleanup
		if err != nil {
			t.Fatalf("run after cancel: %v, want nil (a graceful shutdown)", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if !strings.Contains(s.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no \"stopped\" in the log:\n%s", s.logs)
	}
}

func (s *server) get(t *testing.T, path string, v any) int {
	t.Helper()
	res, err := http.Get(s.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	if v != nil && res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: decoding: %v", path, err)
		}
	}
	return res.StatusCode
}

func (s *server) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.get(t, "/readyz", nil) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never answered 200")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type productList struct {
	Items []struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Brand *struct {
			Name string `json:"name"`
		} `json:"brand"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// searchApples searches 사과 over HTTP, as curl users type it, and checks
// what it finds.
func searchApples(t *testing.T, s *server) int {
	t.Helper()
	var list productList
	if status := s.get(t, "/api/products?limit=100&q=%EC%82%AC%EA%B3%BC", &list); status != http.StatusOK {
		t.Fatalf("search: status %d", status)
	}
	if len(list.Items) < 4 {
		t.Errorf("사과 found %d products, want at least 4", len(list.Items))
	}
	for _, p := range list.Items {
		if !strings.Contains(p.Name, "사과") && (p.Brand == nil || !strings.Contains(p.Brand.Name, "사과")) {
			t.Errorf("사과 found %s, which matches neither by name nor by brand", p.Name)
		}
	}
	return len(list.Items)
}

func countProducts(t *testing.T, s *server) int {
	t.Helper()
	var list productList
	if status := s.get(t, "/api/products?limit=100", &list); status != http.StatusOK {
		t.Fatalf("products: status %d", status)
	}
	if list.NextCursor != nil {
		t.Fatal("more than 100 products")
	}
	return len(list.Items)
}

type boardPage struct {
	Pinned []post `json:"pinned"`
	Items  []post `json:"items"`
	Total  int    `json:"total"`
}

type post struct {
	Title  string `json:"title"`
	Number *int   `json:"number"`
	Author struct {
		ID       string `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"author"`
}

// demoBoard checks that s shows the demo notices and returns their author.
func demoBoard(t *testing.T, s *server) string {
	t.Helper()
	var b boardPage
	if status := s.get(t, "/api/posts", &b); status != http.StatusOK {
		t.Fatalf("GET /api/posts: %d", status)
	}
	if len(b.Pinned) != 1 || b.Pinned[0].Number != nil || b.Total != 6 || len(b.Items) != 6 ||
		b.Items[0].Number == nil || *b.Items[0].Number != 6 {
		t.Fatalf("the demo board: %+v; want one pinned notice and six numbered from 6", b)
	}
	return b.Pinned[0].Author.ID
}

func TestRunMySQL(t *testing.T) {
	dsn := testdb.MySQLDSN(t)
	env := map[string]string{"COMMERCE_MYSQL_DSN": dsn, "COMMERCE_DEMO": "1"}

	s := startRun(t, nil, env)
	s.waitReady(t)
	searchApples(t, s)
	first := countProducts(t, s)
	if first < 30 {
		t.Errorf("the demo on MySQL has %d products, want at least 30", first)
	}
	author := demoBoard(t, s)
	s.stop(t)
	if strings.Contains(s.logs.String(), dsn) {
		t.Error("the log shows the DSN")
	}

	// A restart with the demo on finds the catalog full and adds nothing.
	again := startRun(t, nil, env)
	again.waitReady(t)
	if n := countProducts(t, again); n != first {
		t.Errorf("after a restart with COMMERCE_DEMO=1: %d products, want %d", n, first)
	}
	if got := demoBoard(t, again); got != author {
		t.Errorf("after a restart, the notices are by %s, want %s", got, author)
	}
	if strings.Contains(again.logs.String(), "nobody knows its password") {
		t.Error("a restart made the demo's author again")
	}
	again.stop(t)
}

// A customer who signed up as the demo's author is never made staff: the
// demo board is then not loaded.
func TestRunDemoAuthorTaken(t *testing.T) {
	dsn := testdb.MySQLDSN(t)
	env := map[string]string{"COMMERCE_MYSQL_DSN": dsn, "COMMERCE_DEMO": "0", "COMMERCE_PASSWORD_ITERATIONS": "1000"}
	s := startRun(t, nil, env)
	body := `{"username":"museum","password":"` + staffPassword + `","password_confirm":"` + staffPassword +
		`","nickname":"박물관","email":"museum@example.com"}`
	if status := s.call(t, "POST", "/api/accounts", body, "", nil); status != 201 {
		t.Fatalf("sign-up: %d", status)
	}
	s.stop(t)

	env["COMMERCE_DEMO"] = "1"
	again := startRun(t, nil, env)
	var b boardPage
	if status := again.get(t, "/api/posts", &b); status != http.StatusOK || len(b.Pinned)+b.Total != 0 {
		t.Errorf("the board %d %+v, want empty", status, b)
	}
	if !strings.Contains(again.logs.String(), "the demo board is not loaded") {
		t.Errorf("no warning in the log:\n%s", again.logs)
	}
	var in session
	if status := again.call(t, "POST", "/api/session", `{"username":"museum","password":"`+staffPassword+`"}`, "", &in); status != 200 || in.Account.Staff {
		t.Errorf("the customer museum after a demo start: %d, staff %v; want their own password, not staff", status, in.Account.Staff)
	}
	again.stop(t)
}

func TestRunMemory(t *testing.T) {
	// The flag wins over a variable that would not work.
	s := startRun(t, []string{"-addr", "127.0.0.1:0"}, map[string]string{"COMMERCE_ADDR": "127.0.0.1:99999"})
	s.waitReady(t)
	if status := s.get(t, "/healthz", nil); status != http.StatusOK {
		t.Errorf("/healthz: %d", status)
	}
	searchApples(t, s)
	demoBoard(t, s)
	// Without bootstrap staff, the notices are by a staff account that
	// nobody can sign in to.
	if !strings.Contains(s.logs.String(), `"msg":"staff account made to sign the demo notices; nobody knows its password","username":"museum"`) {
		t.Errorf("the log does not name the demo's author:\n%s", s.logs)
	}
	s.stop(t)

	empty := startRun(t, []string{"-demo=0"}, nil)
	if n := countProducts(t, empty); n != 0 {
		t.Errorf("-demo=0 on memory: %d products, want none", n)
	}
	var b boardPage
	if status := empty.get(t, "/api/posts", &b); status != http.StatusOK || len(b.Pinned)+b.Total != 0 {
		t.Errorf("-demo=0 on memory: the board %d %+v, want empty", status, b)
	}
	empty.stop(t)
}

func TestRunBadSettings(t *testing.T) {
	closed := closedAddr(t)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		names string // what the error must name
	}{
		{"demo variable", nil, map[string]string{"COMMERCE_DEMO": "maybe"}, "COMMERCE_DEMO"},
		{"demo flag", []string{"-demo=maybe"}, nil, "-demo"},
		{"demo flag wins", []string{"-demo=maybe"}, map[string]string{"COMMERCE_DEMO": "1"}, "-demo"},
		{"log format", nil, map[string]string{"COMMERCE_LOG_FORMAT": "xml"}, "COMMERCE_LOG_FORMAT"},
		{"db wait", nil, map[string]string{"COMMERCE_DB_WAIT": "soon"}, "COMMERCE_DB_WAIT"},
		{"unparsable DSN", nil, map[string]string{"COMMERCE_MYSQL_DSN": "not a dsn"}, "COMMERCE_MYSQL_DSN"},
		{"DSN without a database", nil, map[string]string{"COMMERCE_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/"}, "COMMERCE_MYSQL_DSN"},
		{"DSN flag", []string{"-mysql-dsn", "not a dsn"}, nil, "-mysql-dsn"},
		{"unreachable database", nil, map[string]string{
			"COMMERCE_MYSQL_DSN": "shop:s3cret-password@tcp(" + closed + ")/shop",
			"COMMERCE_DB_WAIT":   "300ms",
		}, "COMMERCE_MYSQL_DSN"},
		{"address", nil, map[string]string{"COMMERCE_ADDR": "127.0.0.1:99999"}, "COMMERCE_ADDR"},
		{"staff pair", nil, map[string]string{"COMMERCE_BOOTSTRAP_STAFF": "admin:s3cret-Pass-1,justaname"}, "COMMERCE_BOOTSTRAP_STAFF"},
		{"staff password refused", nil, map[string]string{"COMMERCE_BOOTSTRAP_STAFF": "admin:s3cret", "COMMERCE_PASSWORD_ITERATIONS": "1000"},
			"COMMERCE_BOOTSTRAP_STAFF"},
		{"staff username refused", nil, map[string]string{"COMMERCE_BOOTSTRAP_STAFF": "ad min:s3cret-Pass-1", "COMMERCE_PASSWORD_ITERATIONS": "1000"},
			"COMMERCE_BOOTSTRAP_STAFF"},
		{"iterations", nil, map[string]string{"COMMERCE_PASSWORD_ITERATIONS": "many"}, "COMMERCE_PASSWORD_ITERATIONS"},
		{"iterations too many", nil, map[string]string{"COMMERCE_PASSWORD_ITERATIONS": "2000000000"}, "COMMERCE_PASSWORD_ITERATIONS"},
		{"sign-ups per hour", nil, map[string]string{"COMMERCE_SIGNUPS_PER_HOUR": "0"}, "COMMERCE_SIGNUPS_PER_HOUR"},
		{"public URL", nil, map[string]string{"COMMERCE_PUBLIC_URL": "shop.example"}, "COMMERCE_PUBLIC_URL"},
		{"cookie secure", nil, map[string]string{"COMMERCE_COOKIE_SECURE": "maybe"}, "COMMERCE_COOKIE_SECURE"},
		{"events url", nil, map[string]string{"COMMERCE_EVENTS_URL": "shop.events"}, "COMMERCE_EVENTS_URL"},
		{"two redis layouts", nil, map[string]string{"COMMERCE_REDIS_URL": "redis://127.0.0.1:6379/0",
			"COMMERCE_REDIS_CLUSTER_URL": "redis://127.0.0.1:7000?addr=127.0.0.1:7001"}, "COMMERCE_REDIS_CLUSTER_URL: set with COMMERCE_REDIS_URL"},
		{"bad sentinel url", nil, map[string]string{"COMMERCE_REDIS_SENTINEL_URL": "redis://127.0.0.1:26379/0"}, "COMMERCE_REDIS_SENTINEL_URL"},
		{"events url flag", []string{"-events-url=nats://"}, nil, "-events-url"},
		{"webhooks allow private", nil, map[string]string{"COMMERCE_WEBHOOKS_ALLOW_PRIVATE": "maybe"}, "COMMERCE_WEBHOOKS_ALLOW_PRIVATE"},
		{"google without secret", nil, map[string]string{"COMMERCE_GOOGLE_CLIENT_ID": "id", "COMMERCE_PUBLIC_URL": "https://shop.example"},
			"COMMERCE_GOOGLE_CLIENT_SECRET"},
		{"kakao without public URL", nil, map[string]string{"COMMERCE_KAKAO_CLIENT_ID": "id"}, "COMMERCE_PUBLIC_URL"},
		{"kakao secret without id", nil, map[string]string{"COMMERCE_KAKAO_CLIENT_SECRET": "s3cret"}, "COMMERCE_KAKAO_CLIENT_SECRET"},
		{"kakao endpoint", nil, map[string]string{"COMMERCE_KAKAO_CLIENT_ID": "id", "COMMERCE_PUBLIC_URL": "https://shop.example",
			"COMMERCE_KAKAO_TOKEN_URL": "/token"}, "COMMERCE_KAKAO_TOKEN_URL"},
		{"google flag", []string{"-google-client-id", "id", "-public-url", "https://shop.example"}, nil, "COMMERCE_GOOGLE_CLIENT_SECRET"},
		{"google issuer", nil, map[string]string{"COMMERCE_GOOGLE_CLIENT_ID": "id", "COMMERCE_GOOGLE_CLIENT_SECRET": "s3cret",
			"COMMERCE_PUBLIC_URL": "https://shop.example", "COMMERCE_GOOGLE_ISSUER": "accounts.google.com"}, "COMMERCE_GOOGLE_ISSUER"},
		{"kakao oidc", nil, map[string]string{"COMMERCE_KAKAO_CLIENT_ID": "id", "COMMERCE_PUBLIC_URL": "https://shop.example",
			"COMMERCE_KAKAO_OIDC": "maybe"}, "COMMERCE_KAKAO_OIDC"},
		{"kakao issuer without oidc", nil, map[string]string{"COMMERCE_KAKAO_CLIENT_ID": "id", "COMMERCE_PUBLIC_URL": "https://shop.example",
			"COMMERCE_KAKAO_OIDC": "0", "COMMERCE_KAKAO_ISSUER": "https://kauth.kakao.com"}, "COMMERCE_KAKAO_ISSUER"},
		{"kakao issuer without id", nil, map[string]string{"COMMERCE_KAKAO_ISSUER": "https://kauth.kakao.com"}, "COMMERCE_KAKAO_ISSUER"},
		{"media URL without a scheme", nil, map[string]string{"COMMERCE_MEDIA_URL": "/var/lib/shop"}, "COMMERCE_MEDIA_URL"},
		{"media URL of an unknown kind", nil, map[string]string{"COMMERCE_MEDIA_URL": "ftp://u:s3cret@host/x"}, "COMMERCE_MEDIA_URL"},
		{"media sweep", []string{"-media-sweep", "-1h"}, nil, "-media-sweep"},
		{"malformed Redis URL", nil, map[string]string{"COMMERCE_REDIS_URL": "mysql://u:s3cret@host/x"}, "COMMERCE_REDIS_URL"},
		{"unreachable Redis", nil, map[string]string{
			"COMMERCE_REDIS_URL": "redis://:s3cret@" + closed + "/0",
			"COMMERCE_DB_WAIT":   "300ms",
		}, "COMMERCE_REDIS_URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0", "COMMERCE_MEDIA_URL": "mem://"}
			for k, v := range tc.env {
				env[k] = v
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := run(ctx, tc.args, envOf(env), io.Discard, io.Discard)
			if err == nil {
				t.Fatalf("run: nil, want an error naming %s", tc.names)
			}
			if !strings.Contains(err.Error(), tc.names) {
				t.Errorf("run: %v; want an error naming %s", err, tc.names)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// closedAddr returns an address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRunUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, envOf(nil), &out, io.Discard); err != nil {
		t.Fatalf("run -h: %v, want nil", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) || !strings.Contains(out.String(), "-"+s.flag) {
			t.Errorf("-h does not list %s (-%s):\n%s", s.env, s.flag, &out)
		}
	}
	for _, want := range []string{"fake", "no money moves", "museum"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not say %q:\n%s", want, &out)
		}
	}

	err := run(context.Background(), []string{"-nope"}, envOf(nil), io.Discard, io.Discard)
	if !errors.Is(err, errUsage) {
		t.Errorf("run -nope: %v, want a usage error", err)
	}
	err = run(context.Background(), []string{"extra"}, envOf(nil), io.Discard, io.Discard)
	if !errors.Is(err, errUsage) {
		t.Errorf("run extra: %v, want a usage error", err)
	}
}

// ---- accounts through run ----

// call sends a request to s with an optional JSON body and Bearer token,
// and decodes a JSON answer into v (if not nil).
func (s *server) call(t *testing.T, method, path, body, token string, v any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if v != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("%s %s: decoding: %v", method, path, err)
		}
	}
	return res.StatusCode
}

// send sends a request to s with an optional JSON body, Bearer token and
// headers, within ctx, and returns the status and the decoded JSON answer
// (nil if there is none).
func (s *server) send(ctx context.Context, method, path string, body any, token string, header http.Header) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	maps.Copy(req.Header, header)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var v map[string]any
	if res.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
			return res.StatusCode, nil, fmt.Errorf("%s %s: %d, decoding: %w", method, path, res.StatusCode, err)
		}
	}
	return res.StatusCode, v, nil
}

type session struct {
	Token   string `json:"token"`
	Account struct {
		ID         string   `json:"id"`
		Username   string   `json:"username"`
		Email      string   `json:"email"`
		Staff      bool     `json:"staff"`
		Identities []string `json:"identities"`
	} `json:"account"`
}

const staffPassword = "Quokka-lantern-93"

func TestRunAccounts(t *testing.T) {
	s := startRun(t, nil, map[string]string{
		"COMMERCE_BOOTSTRAP_STAFF":     "admin:" + staffPassword + ", editor:" + staffPassword + "x",
		"COMMERCE_PASSWORD_ITERATIONS": "1000",
	})
	var in session
	if status := s.call(t, "POST", "/api/session", `{"username":"editor","password":"`+staffPassword+`x"}`, "", &in); status != 200 {
		t.Fatalf("staff sign-in: %d", status)
	}
	// The first bootstrap staff account signs the demo notices.
	var admin session
	if status := s.call(t, "POST", "/api/session", `{"username":"admin","password":"`+staffPassword+`"}`, "", &admin); status != 200 {
		t.Fatalf("admin sign-in: %d", status)
	}
	if author := demoBoard(t, s); author != admin.Account.ID {
		t.Errorf("the demo notices are by %s, want admin %s", author, admin.Account.ID)
	}
	if strings.Contains(s.logs.String(), "museum") {
		t.Error("a demo author was made although bootstrap staff exist")
	}
	if !in.Account.Staff {
		t.Errorf("editor is not staff: %+v", in.Account)
	}
	var problem struct{ ID string }
	if status := s.call(t, "POST", "/api/problems", `{"name":"돌봄"}`, in.Token, &problem); status != 201 {
		t.Fatalf("staff POST /api/problems: %d", status)
	}
	var customer session
	body := `{"username":"kim","password":"` + staffPassword + `","password_confirm":"` + staffPassword +
		`","nickname":"김","email":"kim@example.com","interests":["` + problem.ID + `"]}`
	if status := s.call(t, "POST", "/api/accounts", body, "", &customer); status != 201 {
		t.Fatalf("sign-up: %d", status)
	}
	if status := s.call(t, "POST", "/api/problems", `{"name":"x"}`, customer.Token, nil); status != 403 {
		t.Errorf("customer POST /api/problems: %d, want 403", status)
	}
	s.stop(t)
	for _, secret := range []string{staffPassword, in.Token, customer.Token} {
		if strings.Contains(s.logs.String(), secret) {
			t.Errorf("the log shows %q", secret)
		}
	}
	if !strings.Contains(s.logs.String(), `"msg":"staff account ensured","username":"editor"`) {
		t.Errorf("the log does not say which staff accounts were ensured:\n%s", s.logs)
	}
}

// Kakao sign-in through the reference server: by OpenID Connect (the
// default, with the issuer pointed at a fake) and by plain OAuth
// (COMMERCE_KAKAO_OIDC=0, with the endpoints pointed at it).
func TestRunSocialSignIn(t *testing.T) {
	kakao := socialtest.New()
	defer kakao.Close()
	const public = "http://shop.test:8080"
	for _, tc := range []struct {
		name string
		env  map[string]string
		id   int64
	}{
		{"openid", map[string]string{"COMMERCE_KAKAO_ISSUER": kakao.Issuer()}, 4242},
		{"plain", map[string]string{
			"COMMERCE_KAKAO_OIDC":         "0",
			"COMMERCE_KAKAO_AUTH_URL":     kakao.Server.URL + "/authorize",
			"COMMERCE_KAKAO_TOKEN_URL":    kakao.Server.URL + "/token",
			"COMMERCE_KAKAO_USERINFO_URL": kakao.Server.URL + "/userinfo",
		}, 4343},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{
				"COMMERCE_PUBLIC_URL":          public + "/",
				"COMMERCE_KAKAO_CLIENT_ID":     kakao.ClientID,
				"COMMERCE_KAKAO_CLIENT_SECRET": kakao.ClientSecret,
			}
			maps.Copy(env, tc.env)
			s := startRun(t, nil, env)
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := noRedirect.Get(s.url + "/auth/kakao/login?next=/welcome")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			auth := res.Header.Get("Location")
			if res.StatusCode != 302 || !strings.Contains(auth, "redirect_uri="+url.QueryEscape(public+"/auth/kakao/callback")) {
				t.Fatalf("login: %d to %s; want 302 with the public redirect URI", res.StatusCode, auth)
			}
			if got := strings.Contains(auth, "nonce="); got != (tc.name == "openid") {
				t.Errorf("authorization URL %s: nonce %v, want %v", auth, got, tc.name == "openid")
			}
			cb, err := kakao.Authorize(auth, socialtest.KakaoUser(tc.id, "", false, "별"))
			if err != nil {
				t.Fatal(err)
			}
			// The browser reaches the public URL; here that is s.
			cb = strings.Replace(cb, public, s.url, 1)
			req, _ := http.NewRequest("GET", cb, nil)
			for _, c := range res.Cookies() {
				req.AddCookie(c)
			}
			res, err = noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 302 || res.Header.Get("Location") != "/welcome" {
				t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			var token string
			for _, c := range res.Cookies() {
				if c.Name == "session" {
					token = c.Value
				}
			}
			var me struct {
				Nickname   string   `json:"nickname"`
				Identities []string `json:"identities"`
			}
			if status := s.call(t, "GET", "/api/me", "", token, &me); status != 200 || me.Nickname != "별" || len(me.Identities) != 1 {
				t.Errorf("GET /api/me after Kakao sign-in: %d %+v", status, me)
			}
			if s.call(t, "GET", "/auth/google/login", "", "", nil) != 404 {
				t.Error("Google sign-in without its client id: want 404")
			}
		})
	}
}

func TestRunRedisSessions(t *testing.T) {
	redisURL, prefix := testdb.RedisURL(t)
	// Redis is reached through a proxy that the test can cut.
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.addr()
	s := startRun(t, nil, map[string]string{
		"COMMERCE_REDIS_URL":           u.String(),
		"COMMERCE_REDIS_PREFIX":        prefix,
		"COMMERCE_BOOTSTRAP_STAFF":     "admin:" + staffPassword,
		"COMMERCE_PASSWORD_ITERATIONS": "1000",
	})
	s.waitReady(t)
	var in session
	if status := s.call(t, "POST", "/api/session", `{"username":"admin","password":"`+staffPassword+`"}`, "", &in); status != 200 {
		t.Fatalf("sign-in: %d", status)
	}
	if status := s.call(t, "GET", "/api/me", "", in.Token, nil); status != 200 {
		t.Fatalf("GET /api/me: %d", status)
	}

	// Redis goes away: sessions fail closed, with 503, and the instance
	// is not ready; it still answers /healthz and public reads.
	p.close()
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/api/me", in.Token, 503},
		{"/readyz", "", 503},
		{"/healthz", "", 200},
		{"/api/problems", "", 200},
	} {
		if status := s.call(t, "GET", tc.path, "", tc.token, nil); status != tc.status {
			t.Errorf("GET %s with Redis down: %d, want %d", tc.path, status, tc.status)
		}
	}
	s.stop(t)
	if strings.Contains(s.logs.String(), in.Token) {
		t.Error("the log shows a token")
	}
}

// proxy forwards TCP connections to a target until it is closed.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(p.close)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// close stops accepting and cuts every connection.
func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestRunTwoInstances runs two servers on one database and one Redis, as a
// deployment behind a load balancer does: a session made on one is valid
// on the other, and a sign-out on either ends it on both; the last units
// of a product and a checkout sent to both at once with one
// Idempotency-Key are sold once (lastUnits, sameKey). It does so with the
// sessions on each Redis layout the server takes: one node
// (COMMERCE_REDIS_URL), a Redis Cluster (COMMERCE_REDIS_CLUSTER_URL) and a
// Sentinel group (COMMERCE_REDIS_SENTINEL_URL), the last two started from
// redis-server by package redistest.
func TestRunTwoInstances(t *testing.T) {
	for _, layout := range []struct {
		name, variable string
		// redis returns the layout's URL and a key prefix of the test's own.
		redis func(t *testing.T) (url, prefix string)
	}{
		{"redis", "COMMERCE_REDIS_URL", func(t *testing.T) (string, string) { return testdb.RedisURL(t) }},
		{"cluster", "COMMERCE_REDIS_CLUSTER_URL", func(t *testing.T) (string, string) {
			return redistest.StartCluster(t, nil).URL(), layoutPrefix()
		}},
		{"sentinel", "COMMERCE_REDIS_SENTINEL_URL", func(t *testing.T) (string, string) {
			return redistest.StartSentinel(t).URL(), layoutPrefix()
		}},
	} {
		t.Run(layout.name, func(t *testing.T) {
			redisURL, prefix := layout.redis(t)
			twoInstances(t, layout.variable, redisURL, prefix)
		})
	}
}

// layoutPrefix returns a Redis key prefix for a cluster or a Sentinel
// group that the test started, and that ends with it: no other test shares
// it, so its keys need no cleanup.
func layoutPrefix() string {
	return "commerce_test_" + strings.ToLower(rand.Text()[:10]) + ":"
}

// twoInstances is the body of TestRunTwoInstances: two instances with
// their sessions on the Redis that variable names by redisURL, and the
// key prefix given, on one new database.
func twoInstances(t *testing.T, variable, redisURL, prefix string) {
	dsn := testdb.MySQLDSN(t)
	// lastUnits sends 200 requests at once. The client's defaults fail
	// fast, dialling a connection in at most 150 ms; on a CI machine busy
	// with the -race tests of other packages, a burst of new connections
	// took longer and answered 503. The race is about stock, not dials:
	// each instance keeps connections dialled ahead, and waits longer for
	// one, as a deployment expecting such bursts would set its URL. The
	// single node's, the cluster's and the Sentinel group's URLs all take
	// these parameters (for a cluster, they apply to each node's pool).
	sep := "?"
	if strings.Contains(redisURL, "?") {
		sep = "&"
	}
	redisURL += sep + "min_idle_conns=16&dial_timeout=1s&pool_timeout=1s"
	env := map[string]string{
		"COMMERCE_MYSQL_DSN":           dsn,
		variable:                       redisURL,
		"COMMERCE_REDIS_PREFIX":        prefix,
		"COMMERCE_DEMO":                "0",
		"COMMERCE_PASSWORD_ITERATIONS": "1000",
		"COMMERCE_BOOTSTRAP_STAFF":     "admin:" + staffPassword,
		// lastUnits signs up 200 buyers, all from this one client.
		"COMMERCE_SIGNUPS_PER_HOUR": "1000",
	}
	a := startRun(t, nil, env)
	b := startRun(t, nil, env)
	a.waitReady(t)
	b.waitReady(t)
	var staff session
	if status := b.call(t, "POST", "/api/session", `{"username":"admin","password":"`+staffPassword+`"}`, "", &staff); status != 200 {
		t.Fatalf("staff sign-in on B: %d", status)
	}

	var up session
	body := `{"username":"twin","password":"` + staffPassword + `","password_confirm":"` + staffPassword +
		`","nickname":"쌍둥이","email":"twin@example.com"}`
	if status := a.call(t, "POST", "/api/accounts", body, "", &up); status != 201 {
		t.Fatalf("sign-up on A: %d", status)
	}
	var me struct{ ID, Username string }
	if status := b.call(t, "GET", "/api/me", "", up.Token, &me); status != 200 || me.ID != up.Account.ID {
		t.Fatalf("GET /api/me on B with A's token: %d %+v, want 200 and %s", status, me, up.Account.ID)
	}
	// The user is in the shared database: B signs them in too.
	var in session
	if status := b.call(t, "POST", "/api/session", `{"username":"twin","password":"`+staffPassword+`"}`, "", &in); status != 200 {
		t.Fatalf("sign-in on B: %d", status)
	}
	if status := b.call(t, "DELETE", "/api/session", "", up.Token, nil); status != 204 {
		t.Fatalf("DELETE /api/session on B: %d", status)
	}
	if status := a.call(t, "GET", "/api/me", "", up.Token, nil); status != 401 {
		t.Errorf("GET /api/me on A after signing out on B: %d, want 401", status)
	}
	if status := a.call(t, "GET", "/api/me", "", in.Token, nil); status != 200 {
		t.Errorf("the other session, on A: %d, want 200", status)
	}

	tokens := lastUnits(t, a, b, staff)
	sameKey(t, a, b, staff, tokens)
	a.stop(t)
	b.stop(t)
}

// lastUnits has 200 customers, signed up through both instances, race to
// buy a product with 10 units left, each through one instance or the
// other: exactly 10 get an order, the others a 409 naming the product,
// and no unit is sold twice. Stock lives in the shared database, so the
// guarantee holds across instances. It returns the buyers' session
// tokens.
func lastUnits(t *testing.T, a, b *server, staff session) []string {
	const buyers, units = 200, 10
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	instances := []*server{a, b}

	status, p, err := a.send(ctx, "POST", "/api/products", map[string]any{
		"name": "마지막 열 개", "price": map[string]any{"amount": "15000", "currency": "KRW"}, "stock": units,
	}, staff.Token, nil)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("creating the product: %d %v %v", status, p, err)
	}
	product := p["id"].(string)

	// The buyers sign up, through both instances, a few at a time.
	tokens := make([]string, buyers)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	errs := make(chan error, buyers)
	for i := range buyers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			name := fmt.Sprintf("buyer%03d", i)
			status, up, err := instances[i%2].send(ctx, "POST", "/api/accounts", map[string]any{
				"username": name, "password": staffPassword, "password_confirm": staffPassword,
				"nickname": name, "email": name + "@example.com",
			}, "", nil)
			if err != nil || status != http.StatusCreated {
				errs <- fmt.Errorf("sign-up of %s: %d %v %v", name, status, up, err)
				return
			}
			tokens[i] = up["token"].(string)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// They buy at once, alternating instances.
	statuses := make([]int, buyers)
	bodies := make([]map[string]any, buyers)
	ready := make(chan struct{})
	var failed sync.Map
	var retried atomic.Int64
	for i := range buyers {
		wg.Go(func() {
			<-ready
			status, body, err := buyOne(ctx, instances[i%2], product, tokens[i], fmt.Sprintf("race-%d", i), &retried)
			if err != nil {
				failed.Store(i, err)
			}
			statuses[i], bodies[i] = status, body
		})
	}
	close(ready)
	wg.Wait()
	failed.Range(func(i, err any) bool {
		t.Errorf("buyer %v: %v", i, err)
		return true
	})

	count := map[int]int{}
	perInstance := [2]int{}
	for i, st := range statuses {
		count[st]++
		switch st {
		case http.StatusCreated:
			perInstance[i%2]++
			if bodies[i]["status"] != "paid" {
				t.Errorf("buyer %d: order %v, want paid", i, bodies[i])
			}
		case http.StatusConflict:
			errs, _ := bodies[i]["errors"].(map[string]any)
			if msg, _ := errs["product_id"].(string); !strings.Contains(msg, product) {
				t.Errorf("buyer %d: 409 %v, want errors.product_id naming the product", i, bodies[i])
			}
		}
	}
	if count[http.StatusCreated] != units || count[http.StatusConflict] != buyers-units || len(count) != 2 {
		t.Errorf("statuses %v, want %d × 201 and %d × 409", count, units, buyers-units)
		for i, st := range statuses {
			if st != http.StatusCreated && st != http.StatusConflict {
				t.Errorf("buyer %d: %d %v", i, st, bodies[i])
				break
			}
		}
	}
	t.Logf("orders placed through A: %d, through B: %d; %d answers of 503 tried again", perInstance[0], perInstance[1], retried.Load())

	for _, s := range instances {
		status, p, err := s.send(ctx, "GET", "/api/products/"+product, nil, "", nil)
		if err != nil || status != http.StatusOK || p["stock"] != float64(0) {
			t.Errorf("the product after the race: %d %v %v, want stock 0", status, p["stock"], err)
		}
	}
	status, list, err := b.send(ctx, "GET", "/api/admin/orders?limit=100", nil, staff.Token, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /api/admin/orders: %d %v", status, err)
	}
	if orders := list["items"].([]any); len(orders) != units {
		t.Errorf("staff see %d orders, want %d", len(orders), units)
	}
	return tokens
}

// raceOrder is the body of the races' checkouts: a buy-now of one unit of
// product, to a typed address, paid by card.
func raceOrder(product string) map[string]any {
	return map[string]any{
		"product_id": product, "quantity": 1, "payment_method": "card",
		"address": map[string]any{"recipient": "구매자", "phone": "010-0000-0000", "line1": "서울 중구 세종대로 110", "zipcode": "04524"},
	}
}

// buyOne sends a buy-now of one unit of product through s with token and
// the Idempotency-Key key, and returns the last answer.
//
// A 503 says "try again shortly": a client does, with the same key, up to
// five times in all, so that an order placed by an attempt whose answer
// was lost is not placed twice; retried counts those tries. On a machine
// busy with other tests, a few of 200 requests at once can outwait the
// server's deadline for Redis or MariaDB.
func buyOne(ctx context.Context, s *server, product, token, key string, retried *atomic.Int64) (int, map[string]any, error) {
	for attempt := 1; ; attempt++ {
		status, body, err := s.send(ctx, "POST", "/api/orders", raceOrder(product), token, http.Header{"Idempotency-Key": {key}})
		if err != nil || status != http.StatusServiceUnavailable || attempt == 5 {
			return status, body, err
		}
		retried.Add(1)
		time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
	}
}

// sameKey has each of 20 customers (from tokens) send one checkout, with
// one Idempotency-Key, to both instances at the same moment, as a client
// whose load balancer retried on the other instance would: for a product
// with 5 units left. Each customer must get one answer from both: the
// same order twice, or an out-of-stock 409 twice; 5 orders are placed in
// all, and the staff's list then holds lastUnits' 10 and these 5.
func sameKey(t *testing.T, a, b *server, staff session, tokens []string) {
	const customers, units, before = 20, 5, 10
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	instances := []*server{a, b}

	status, p, err := b.send(ctx, "POST", "/api/products", map[string]any{
		"name": "두 번 누른 주문", "price": map[string]any{"amount": "9000", "currency": "KRW"}, "stock": units,
	}, staff.Token, nil)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("creating the product: %d %v %v", status, p, err)
	}
	product := p["id"].(string)

	type answer struct {
		status int
		body   map[string]any
		err    error
	}
	answers := make([][2]answer, customers)
	ready := make(chan struct{})
	var retried atomic.Int64
	var wg sync.WaitGroup
	for i := range customers {
		for j, s := range instances {
			wg.Go(func() {
				<-ready
				st, body, err := buyOne(ctx, s, product, tokens[i], fmt.Sprintf("same-%d", i), &retried)
				answers[i][j] = answer{st, body, err}
			})
		}
	}
	close(ready)
	wg.Wait()

	placed := map[string]bool{}
	for i, pair := range answers {
		x, y := pair[0], pair[1]
		if x.err != nil || y.err != nil {
			t.Errorf("customer %d: %v; %v", i, x.err, y.err)
			continue
		}
		if x.status != y.status {
			t.Errorf("customer %d: %d through A, %d through B, want the same answer\nA: %v\nB: %v", i, x.status, y.status, x.body, y.body)
			continue
		}
		switch x.status {
		case http.StatusCreated:
			idA, _ := x.body["id"].(string)
			idB, _ := y.body["id"].(string)
			if idA == "" || idA != idB {
				t.Errorf("customer %d: orders %q through A and %q through B, want one order", i, idA, idB)
			}
			placed[idA] = true
		case http.StatusConflict:
		default:
			t.Errorf("customer %d: %d %v, want 201 or 409", i, x.status, x.body)
		}
	}
	if len(placed) != units {
		t.Errorf("%d orders placed, want %d", len(placed), units)
	}
	t.Logf("one key through both instances: %d orders for %d customers; %d answers of 503 tried again", len(placed), customers, retried.Load())

	for _, s := range instances {
		status, p, err := s.send(ctx, "GET", "/api/products/"+product, nil, "", nil)
		if err != nil || status != http.StatusOK || p["stock"] != float64(0) {
			t.Errorf("the product after the race: %d %v %v, want stock 0", status, p["stock"], err)
		}
	}
	status, list, err := a.send(ctx, "GET", "/api/admin/orders?limit=100", nil, staff.Token, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /api/admin/orders: %d %v", status, err)
	}
	if orders := list["items"].([]any); len(orders) != before+units {
		t.Errorf("staff see %d orders, want %d", len(orders), before+units)
	}
}

// Instances that start together on one empty database with the demo on
// load it once: one catalog of 36 products, one board, one author.
func TestRunDemoOnce(t *testing.T) {
	dsn := testdb.MySQLDSN(t)
	env := map[string]string{"COMMERCE_MYSQL_DSN": dsn, "COMMERCE_DEMO": "1", "COMMERCE_PASSWORD_ITERATIONS": "1000"}
	servers := make([]*server, 4)
	for i := range servers {
		servers[i] = launchRun(t, nil, env)
	}
	authors := 0
	for _, s := range servers {
		s.waitListening(t)
		authors += strings.Count(s.logs.String(), "staff account made to sign the demo notices")
	}
	for i, s := range servers {
		if n := countProducts(t, s); n != 36 {
			t.Errorf("instance %d: %d products, want the demo's 36 once", i, n)
		}
		demoBoard(t, s)
	}
	if authors != 1 {
		t.Errorf("%d instances made the demo's author, want one", authors)
	}
}

// A database or Redis that turns the server down for good — a wrong
// password, an unknown database — ends run at once, naming the variable to
// fix with the server's message and never the password; one that does not
// answer is waited for.
func TestRunStorageDenied(t *testing.T) {
	const wait = 20 * time.Second
	dsn := testdb.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	wrongPassword := cfg.Clone()
	wrongPassword.Passwd = "s3cret-wrong-password"
	unknownDB := cfg.Clone()
	unknownDB.DBName = cfg.DBName + "_missing"

	redisURL, _ := testdb.RedisURL(t)
	wrongUser, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	// Redis has no such user, whether or not it requires a password.
	wrongUser.User = url.UserPassword("commerce_test_nobody", "s3cret-wrong-password")

	for _, tc := range []struct {
		name   string
		env    map[string]string
		kind   error
		names  string
		server string // the server's message
	}{
		{"wrong MySQL password", map[string]string{"COMMERCE_MYSQL_DSN": wrongPassword.FormatDSN()},
			bunstore.ErrDenied, "COMMERCE_MYSQL_DSN", "Access denied for user"},
		{"unknown database", map[string]string{"COMMERCE_MYSQL_DSN": unknownDB.FormatDSN()},
			bunstore.ErrDenied, "COMMERCE_MYSQL_DSN", "Unknown database"},
		{"wrong Redis user", map[string]string{"COMMERCE_REDIS_URL": wrongUser.String()},
			redisstore.ErrDenied, "COMMERCE_REDIS_URL", "WRONGPASS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0", "COMMERCE_MEDIA_URL": "mem://", "COMMERCE_DB_WAIT": wait.String()}
			maps.Copy(env, tc.env)
			ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
			defer cancel()
			start := time.Now()
			err := run(ctx, nil, envOf(env), io.Discard, io.Discard)
			took := time.Since(start)
			if !errors.Is(err, tc.kind) || !errors.Is(err, commerce.ErrInvalid) || errors.Is(err, commerce.ErrUnavailable) {
				t.Fatalf("run: %v; want %v, an ErrInvalid, not ErrUnavailable", err, tc.kind)
			}
			if took > wait/2 {
				t.Errorf("run took %s to give up, want at once, well within COMMERCE_DB_WAIT=%s", took, wait)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.names) || !strings.Contains(msg, tc.server) {
				t.Errorf("run: %q; want it to name %s and say the server's %q", msg, tc.names, tc.server)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}

	t.Run("database down", func(t *testing.T) {
		closed := cfg.Clone()
		closed.Addr = closedAddr(t)
		env := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0", "COMMERCE_MEDIA_URL": "mem://",
			"COMMERCE_MYSQL_DSN": closed.FormatDSN(), "COMMERCE_DB_WAIT": "1s"}
		logs := &syncBuffer{}
		err := run(context.Background(), nil, envOf(env), io.Discard, logs)
		if !errors.Is(err, commerce.ErrUnavailable) || !strings.Contains(err.Error(), "COMMERCE_MYSQL_DSN") {
			t.Errorf("run: %v; want ErrUnavailable naming COMMERCE_MYSQL_DSN", err)
		}
		if !strings.Contains(logs.String(), "retrying") {
			t.Errorf("a database that does not answer was not retried; log:\n%s", logs)
		}
	})
}
