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
// all its workers) to the instance whose base URL is base.
type buildFunc func(ctx context.Context, base string, n uint64) (*http.Request, error)

// round returns the turn of the round robin that request n belongs to:
// with k instances, requests r·k … r·k+k-1 make round r, one request to
// each instance. The customers and products are taken in turn by round,
// not by request, so that each customer's requests visit every instance
// whatever the numbers of customers and instances.
func (fx *fixture) round(n uint64) uint64 { return n / uint64(fx.instances) }

// token returns the session token of the customer that request n uses.
func (fx *fixture) token(n uint64) string {
	return fx.tokens[fx.round(n)%uint64(len(fx.tokens))]
}

// get returns a buildFunc of GET base+path.
func get(path string) buildFunc {
	return func(ctx context.Context, base string, _ uint64) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	}
}

// builder returns how the scenario name makes its requests.
func (fx *fixture) builder(cfg config, name string) buildFunc {
	switch name {
	case "home":
		return get("/api/products?limit=8")
	case "search":
		return get(searchPath(cfg.query))
	case "product":
		paths := make([]string, len(fx.products))
		for i, id := range fx.products {
			paths[i] = "/api/products/" + url.PathEscape(id)
		}
		return func(ctx context.Context, base string, n uint64) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, base+paths[fx.round(n)%uint64(len(paths))], nil)
		}
	case "cart":
		return func(ctx context.Context, base string, n uint64) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/cart", nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+fx.token(n))
			return req, nil
		}
	case "page-home", "page-search", "page-product", "page-board":
		return get(map[string]string{
			"page-home":    "/",
			"page-search":  "/?query=" + url.QueryEscape(cfg.query),
			"page-product": "/products/" + fx.pageProduct,
			"page-board":   "/board",
		}[name])
	case "order":
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
		return func(ctx context.Context, base string, n uint64) (*http.Request, error) {
			body := bodies[fx.round(n)%uint64(len(bodies))]
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/orders", bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+fx.token(n))
			req.Header.Set("Idempotency-Key", prefix+strconv.FormatUint(n, 10))
			return req, nil
		}
	}
	panic("loadtest: unknown scenario " + name) // parseConfig lets none through
}

// runScenario runs cfg.concurrency workers, each sending the scenario's
// requests one after another, until cfg.duration has passed,
// cfg.maxRequests have been sent or ctx ends. Request n goes to instance
// n mod len(cfg.bases): the instances take the requests in turn, one
// request each, whichever worker sends it.
func runScenario(ctx context.Context, client *http.Client, cfg config, name string, build buildFunc) summary {
	ctx, cancel := context.WithTimeout(ctx, cfg.duration+cfg.timeout)
	defer cancel()
	var seq atomic.Uint64
	limit := uint64(cfg.maxRequests)
	bases := make([]string, len(cfg.bases))
	for i, u := range cfg.bases {
		bases[i] = u.String()
	}
	recs := make([]*recorder, cfg.concurrency)
	// Room for a fair guess of each worker's share, to keep appends
	// from copying while the clock runs.
	guess := min(cfg.maxRequests/cfg.concurrency+1, 1<<16)
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var wg sync.WaitGroup
	for w := range recs {
		rec := &recorder{latencies: make([]time.Duration, 0, guess), perInstance: make([]int, len(bases))}
		recs[w] = rec
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := seq.Add(1) - 1
				if n >= limit {
					return
				}
				inst := int(n % uint64(len(bases)))
				t0 := time.Now()
				failure := send(ctx, client, build, bases[inst], n)
				rec.observe(time.Since(t0), inst, failure)
			}
		})
	}
	wg.Wait()
	return summarize(name, time.Since(start), recs)
}

// send makes request n to the instance at base, sends it and reads its
// answer to the end, so that the connection goes back to the pool. It
// returns "" for a 2xx answer, else a description of the failure with the
// start of the answer.
func send(ctx context.Context, client *http.Client, build buildFunc, base string, n uint64) string {
	req, err := build(ctx, base, n)
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
