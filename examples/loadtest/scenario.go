package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// buildFunc makes the n-th request of a scenario (n counts from 0 across
// all its workers).
type buildFunc func(ctx context.Context, n uint64) (*http.Request, error)

// builder returns how the scenario name makes its requests.
func (fx *fixture) builder(cfg config, name string) buildFunc {
	base := cfg.base.String()
	switch name {
	case "home":
		u := base + "/api/products?limit=8"
		return func(ctx context.Context, _ uint64) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		}
	case "search":
		u := base + searchPath(cfg.query)
		return func(ctx context.Context, _ uint64) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		}
	case "cart":
		u := base + "/api/cart"
		return func(ctx context.Context, n uint64) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+fx.tokens[n%uint64(len(fx.tokens))])
			return req, nil
		}
	case "page-home", "page-search", "page-product", "page-board":
		u := base + map[string]string{
			"page-home":    "/",
			"page-search":  "/?query=" + url.QueryEscape(cfg.query),
			"page-product": "/products/" + fx.pageProduct,
			"page-board":   "/board",
		}[name]
		return func(ctx context.Context, _ uint64) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		}
	case "order":
		u := base + "/api/orders"
		// Every order is the same buy-now of one unit, to a typed
		// address, paid by card; only the product (in turn), the
		// customer (in turn) and the key change.
		bodies := make([][]byte, len(fx.orderProducts))
		for i, id := range fx.orderProducts {
			b, err := json.Marshal(map[string]any{
				"product_id": id,
				"quantity":   1,
				"address": map[string]string{
					"recipient": "부하시험", "phone": "010-1234-5678",
					"line1": "서울특별시 종로구 세종대로 1", "line2": "101호",
					"city": "서울", "zipcode": "03154", "note": "",
				},
				"payment_method": "card",
			})
			if err != nil {
				panic(err) // maps of strings and ints always marshal
			}
			bodies[i] = b
		}
		prefix := "loadtest-" + fx.runID + "-"
		return func(ctx context.Context, n uint64) (*http.Request, error) {
			body := bodies[n%uint64(len(bodies))]
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+fx.tokens[n%uint64(len(fx.tokens))])
			req.Header.Set("Idempotency-Key", prefix+strconv.FormatUint(n, 10))
			return req, nil
		}
	}
	panic("loadtest: unknown scenario " + name) // parseConfig lets none through
}

// runScenario runs cfg.concurrency workers, each sending the scenario's
// requests one after another, until cfg.duration has passed,
// cfg.maxRequests have been sent or ctx ends.
func runScenario(ctx context.Context, client *http.Client, cfg config, name string, build buildFunc) summary {
	ctx, cancel := context.WithTimeout(ctx, cfg.duration+cfg.timeout)
	defer cancel()
	var seq atomic.Uint64
	limit := uint64(cfg.maxRequests)
	recs := make([]*recorder, cfg.concurrency)
	// Room for a fair guess of each worker's share, to keep appends
	// from copying while the clock runs.
	guess := min(cfg.maxRequests/cfg.concurrency+1, 1<<16)
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var wg sync.WaitGroup
	for w := range recs {
		rec := &recorder{latencies: make([]time.Duration, 0, guess)}
		recs[w] = rec
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := seq.Add(1) - 1
				if n >= limit {
					return
				}
				t0 := time.Now()
				failure := send(ctx, client, build, n)
				rec.observe(time.Since(t0), failure)
			}
		})
	}
	wg.Wait()
	return summarize(name, time.Since(start), recs)
}

// send makes and sends request n and reads its answer to the end, so that
// the connection goes back to the pool. It returns "" for a 2xx answer,
// else a description of the failure with the start of the answer.
func send(ctx context.Context, client *http.Client, build buildFunc, n uint64) string {
	req, err := build(ctx, n)
	if err != nil {
		return err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return fmt.Sprintf("%s %s: %s, then reading the answer: %v", req.Method, req.URL.Path, resp.Status, err)
		}
		return ""
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	io.Copy(io.Discard, resp.Body)
	return fmt.Sprintf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, excerpt(data))
}
