package main

import (
	"crypto/rand"
	"net/http"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce/internal/redistest"
)

// TestRunOnRedisLayouts serves the shop with its sessions on a Redis
// Cluster (COMMERCE_REDIS_CLUSTER_URL) and on a Sentinel group
// (COMMERCE_REDIS_SENTINEL_URL), both started from redis-server, and walks
// a sign-up, the account with the token, a sign-in and a sign-out on each.
func TestRunOnRedisLayouts(t *testing.T) {
	for _, layout := range []struct {
		name, variable string
		url            func(t *testing.T) string
	}{
		{"cluster", "COMMERCE_REDIS_CLUSTER_URL", func(t *testing.T) string { return redistest.StartCluster(t, nil).URL() }},
		{"sentinel", "COMMERCE_REDIS_SENTINEL_URL", func(t *testing.T) string { return redistest.StartSentinel(t).URL() }},
	} {
		t.Run(layout.name, func(t *testing.T) {
			s := startRun(t, nil, map[string]string{
				layout.variable:                layout.url(t),
				"COMMERCE_REDIS_PREFIX":        "commerce_test_" + strings.ToLower(rand.Text()[:10]) + ":",
				"COMMERCE_PASSWORD_ITERATIONS": "1000",
			})
			s.waitReady(t)
			var up session
			body := `{"username":"layout","password":"` + staffPassword + `","password_confirm":"` + staffPassword +
				`","nickname":"배치","email":"layout@example.com"}`
			if status := s.call(t, "POST", "/api/accounts", body, "", &up); status != http.StatusCreated {
				t.Fatalf("sign-up: %d", status)
			}
			if status := s.call(t, "GET", "/api/me", "", up.Token, nil); status != http.StatusOK {
				t.Fatalf("GET /api/me with the new token: %d", status)
			}
			var in session
			if status := s.call(t, "POST", "/api/session", `{"username":"layout","password":"`+staffPassword+`"}`, "", &in); status != http.StatusOK {
				t.Fatalf("sign-in: %d", status)
			}
			if status := s.call(t, "DELETE", "/api/session", "", in.Token, nil); status != http.StatusNoContent {
				t.Fatalf("sign-out: %d", status)
			}
			if status := s.call(t, "GET", "/api/me", "", in.Token, nil); status != http.StatusUnauthorized {
				t.Errorf("GET /api/me after sign-out: %d, want 401", status)
			}
			s.stop(t)
		})
	}
}
