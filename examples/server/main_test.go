package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impactmuseum/commerce/internal/testdb"
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
	full := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0", "COMMERCE_LOG_FORMAT": "json"}
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

	// Wait for the "listening" line, which names the address.
	timeout := time.After(90 * time.Second)
	for {
		if addr := listeningAddr(s.logs.String()); addr != "" {
			s.url = "http://" + addr
			return s
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
	s.stop(t)

	empty := startRun(t, []string{"-demo=0"}, nil)
	if n := countProducts(t, empty); n != 0 {
		t.Errorf("-demo=0 on memory: %d products, want none", n)
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"COMMERCE_ADDR": "127.0.0.1:0"}
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

	err := run(context.Background(), []string{"-nope"}, envOf(nil), io.Discard, io.Discard)
	if !errors.Is(err, errUsage) {
		t.Errorf("run -nope: %v, want a usage error", err)
	}
	err = run(context.Background(), []string{"extra"}, envOf(nil), io.Discard, io.Discard)
	if !errors.Is(err, errUsage) {
		t.Errorf("run extra: %v, want a usage error", err)
	}
}
