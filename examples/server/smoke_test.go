package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/internal/smoke"
)

// serveDemo serves the demo shop through newHandler, with wrap around it,
// and returns its URL. The shop logs its warnings and errors (the cause of
// any 500) to the test's output.
func serveDemo(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	demo, err := shop.OpenDemo(context.Background(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := demo.Images.Close(); err != nil {
			t.Errorf("closing the images: %v", err)
		}
	})
	srv := httptest.NewServer(wrap(newHandler(demo.API, demo.Storefront, demo.Images)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The reference server passes the walk that every way of serving the shop
// must pass.
func TestSmokeWalk(t *testing.T) {
	smoke.Walk(t, serveDemo(t, func(h http.Handler) http.Handler { return h }))
}

// brokenShop is a server that the walk must fail.
type brokenShop struct {
	name string
	// failing names the steps that fail; every other step passes. nil:
	// every step fails.
	failing []string
	// says is a text of the walk's output that tells what is broken.
	says string
	// serve starts the server and returns its URL.
	serve func(t *testing.T) string
}

// brokenShops are the servers the walk must fail.
var brokenShops = []brokenShop{
	{
		// A server that serves nothing: every step fails, and says which
		// request got which answer.
		name: "not_found",
		says: "GET /: status 404",
		serve: func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(http.NotFound))
			t.Cleanup(srv.Close)
			return srv.URL
		},
	},
	{
		// The shop without its security headers, as a router whose own
		// middleware replaced the shop's would serve it.
		name:    "no_security_headers",
		failing: []string{"security_headers"},
		says:    `X-Content-Type-Options "", want nosniff`,
		serve: func(t *testing.T) string {
			return serveDemo(t, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					h.ServeHTTP(headerStripper{w}, r)
				})
			})
		},
	},
	{
		// The shop behind a proxy that drops the headers by which a
		// browser says where a form comes from: a form posted from
		// another site passes as the shop's own.
		name:    "origin_dropped",
		failing: []string{"errors"},
		says:    "POST /cart/items: status 303",
		serve: func(t *testing.T) string {
			return serveDemo(t, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					r.Header.Del("Origin")
					r.Header.Del("Sec-Fetch-Site")
					h.ServeHTTP(w, r)
				})
			})
		},
	},
}

// headerStripper drops the security headers from the answer as it is
// written.
type headerStripper struct{ http.ResponseWriter }

func (s headerStripper) WriteHeader(status int) {
	s.Header().Del("X-Content-Type-Options")
	s.Header().Del("Content-Security-Policy")
	s.ResponseWriter.WriteHeader(status)
}

func (s headerStripper) Write(b []byte) (int, error) {
	s.Header().Del("X-Content-Type-Options")
	s.Header().Del("Content-Security-Policy")
	return s.ResponseWriter.Write(b)
}

// brokenShopEnv names the broken shop that this test binary, run again by
// TestSmokeWalkFailsOnBrokenShops, walks.
const brokenShopEnv = "SMOKE_BROKEN_SHOP"

// The walk fails on a server that is not the shop, and on a shop with one
// thing broken it fails the step that checks that thing and no other. A
// failing walk fails its test, which cannot be watched from inside the
// same test: each broken shop is walked by this test binary run again,
// and its verbose output read.
func TestSmokeWalkFailsOnBrokenShops(t *testing.T) {
	if name := os.Getenv(brokenShopEnv); name != "" {
		i := slices.IndexFunc(brokenShops, func(b brokenShop) bool { return b.name == name })
		if i < 0 {
			t.Fatalf("%s=%q: no such broken shop", brokenShopEnv, name)
		}
		smoke.Walk(t, brokenShops[i].serve(t))
		return
	}
	for _, b := range brokenShops {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0],
				"-test.run=^TestSmokeWalkFailsOnBrokenShops$", "-test.v", "-test.count=1", "-test.timeout=2m")
			cmd.Env = append(os.Environ(), brokenShopEnv+"="+b.name)
			out, err := cmd.CombinedOutput()
			if _, failed := err.(*exec.ExitError); !failed {
				t.Fatalf("the walk of the broken shop did not fail (%v):\n%s", err, out)
			}
			results := stepResults(string(out))
			for _, step := range smoke.Steps() {
				want := "PASS"
				if b.failing == nil || slices.Contains(b.failing, step) {
					want = "FAIL"
				}
				if results[step] != want {
					t.Errorf("step %s: %q, want %s", step, results[step], want)
				}
			}
			if !strings.Contains(string(out), b.says) {
				t.Errorf("the output does not say %q", b.says)
			}
			if t.Failed() {
				t.Logf("output of the walk:\n%s", out)
			}
		})
	}
}

// stepResult matches the verdict of a step of the walk in verbose test
// output.
var stepResult = regexp.MustCompile(`(?m)^\s*--- (PASS|FAIL|SKIP): TestSmokeWalkFailsOnBrokenShops/([^/\s]+) `)

// stepResults returns the verdict of each step of the walk in out.
func stepResults(out string) map[string]string {
	results := make(map[string]string)
	for _, m := range stepResult.FindAllStringSubmatch(out, -1) {
		results[m[2]] = m[1]
	}
	return results
}
