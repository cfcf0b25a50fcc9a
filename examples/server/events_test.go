package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/brokertest"
	"github.com/impactmuseum/commerce/internal/testdb"
)

// serverProcessEnv makes the test binary a server (TestMain): the proof
// of the events runs one of its two instances as a process of its own, so
// that it can kill it, relay and all, as a machine fails.
const serverProcessEnv = "COMMERCE_TEST_SERVER_PROCESS"

func TestMain(m *testing.M) {
	if os.Getenv(serverProcessEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, nil, os.Getenv, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// proofOrders is how many orders the proof places: 1,000 unless
// COMMERCE_EVENTS_PROOF_ORDERS says otherwise.
func proofOrders(t *testing.T) int {
	n := 1000
	if v := os.Getenv("COMMERCE_EVENTS_PROOF_ORDERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			t.Fatalf("COMMERCE_EVENTS_PROOF_ORDERS: want a whole number from 10, not %q", v)
		}
	}
	return n
}

// TestEventsReachTheBroker is the proof of the outbox: two instances of
// the server on one MariaDB and one Redis, each with its relay, take
// orders while the second instance is killed (SIGKILL: its relay dies in
// the middle of whatever it was doing) and started again; a consumer of
// the broker must receive every order's order.placed at least once, and
// each order's events in order (placed before paid), and nothing of the
// checkouts that rolled back. Duplicates are allowed, counted and
// reported. It runs once through NATS and once through RabbitMQ.
func TestEventsReachTheBroker(t *testing.T) {
	t.Run("nats", func(t *testing.T) {
		nc := brokertest.NATS(t)
		subject := brokertest.Unique("commerce.proof.")
		msgs := make(chan *nats.Msg, 1<<16)
		sub, err := nc.ChanSubscribe(subject, msgs)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		bodies := make(chan []byte, 1<<16)
		go func() {
			for m := range msgs {
				bodies <- m.Data
			}
		}()
		proveEvents(t, map[string]string{
			"COMMERCE_EVENTS_URL": "nats://" + subject,
			"NATS_SERVER_URL":     brokertest.NATSURL(),
		}, bodies)
	})
	t.Run("rabbitmq", func(t *testing.T) {
		conn := brokertest.Rabbit(t)
		exchange, deliveries := brokertest.Exchange(t, conn, "", true)
		bodies := make(chan []byte, 1<<16)
		go func() {
			for d := range deliveries {
				bodies <- d.Body
			}
		}()
		proveEvents(t, map[string]string{
			"COMMERCE_EVENTS_URL": "rabbit://" + exchange,
			"RABBIT_SERVER_URL":   brokertest.RabbitURL(),
		}, bodies)
	})
}

// proveEvents runs the proof with the topic that events names; bodies are
// the messages the consumer receives.
func proveEvents(t *testing.T, events map[string]string, bodies <-chan []byte) {
	orders := proofOrders(t)
	redisURL, prefix := testdb.RedisURL(t)
	env := map[string]string{
		"COMMERCE_MYSQL_DSN":           testdb.MySQLDSN(t),
		"COMMERCE_REDIS_URL":           redisURL,
		"COMMERCE_REDIS_PREFIX":        prefix,
		"COMMERCE_DEMO":                "0",
		"COMMERCE_PASSWORD_ITERATIONS": "1000",
		"COMMERCE_BOOTSTRAP_STAFF":     "admin:" + staffPassword,
		"COMMERCE_SIGNUPS_PER_HOUR":    "1000",
	}
	for k, v := range events {
		env[k] = v
	}
	a := startRun(t, nil, env)
	a.waitReady(t)
	b := startProcess(t, env)
	var staff session
	if status := a.call(t, "POST", "/api/session", `{"username":"admin","password":"`+staffPassword+`"}`, "", &staff); status != 200 {
		t.Fatalf("staff sign-in: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	product := func(name string, stock *int) string {
		body := map[string]any{"name": name, "price": map[string]any{"amount": "9000", "currency": "KRW"}}
		if stock != nil {
			body["stock"] = *stock
		}
		status, p, err := a.send(ctx, "POST", "/api/products", body, staff.Token, nil)
		if err != nil || status != http.StatusCreated {
			t.Fatalf("creating %s: %d %v %v", name, status, p, err)
		}
		return p["id"].(string)
	}
	tea := product("제주 유기농 녹차", nil)
	none := 0
	soldOut := product("품절된 감귤", &none)

	const customers = 20
	tokens := make([]string, customers)
	for i := range tokens {
		var up session
		body := fmt.Sprintf(`{"username":"proof%d","password":"%s","password_confirm":"%s","nickname":"증명%d","email":"proof%d@example.com"}`,
			i, staffPassword, staffPassword, i, i)
		if status := a.call(t, "POST", "/api/accounts", body, "", &up); status != http.StatusCreated {
			t.Fatalf("sign-up %d: %d", i, status)
		}
		tokens[i] = up.Token
	}

	// The checkouts that roll back: a product with no stock.
	for i := range 10 {
		status, _, err := a.send(ctx, "POST", "/api/orders", buyNow(soldOut), tokens[i],
			http.Header{"Idempotency-Key": {fmt.Sprintf("proof-sold-out-%d", i)}})
		if err != nil || status != http.StatusConflict {
			t.Fatalf("buying the product without stock: %d %v, want 409", status, err)
		}
	}

	// The orders, from 8 buyers at once, through whichever instance is
	// up; B is killed after 30% of them and started again after 60%.
	var (
		mu      sync.Mutex
		up      = []*server{a, b.server()}
		placed  = make(map[string]bool, orders)
		next    atomic.Int64
		done    atomic.Int64
		retries atomic.Int64
	)
	instances := func() []*server {
		mu.Lock()
		defer mu.Unlock()
		return append([]*server(nil), up...)
	}
	var buyers sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		buyers.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= orders {
					return
				}
				id, err := placeOrder(ctx, instances, tokens[i%customers], tea, fmt.Sprintf("proof-%d", i), w+i, &retries)
				if err != nil {
					errs <- fmt.Errorf("order %d: %w", i, err)
					return
				}
				mu.Lock()
				placed[id] = true
				mu.Unlock()
				done.Add(1)
			}
		})
	}
	waitFor := func(n int) {
		for done.Load() < int64(n) && next.Load() < int64(orders) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(orders * 3 / 10)
	mu.Lock()
	up = []*server{a}
	mu.Unlock()
	b.kill(t)
	killedAt := done.Load()
	waitFor(orders * 6 / 10)
	b = startProcess(t, env)
	mu.Lock()
	up = []*server{a, b.server()}
	mu.Unlock()
	restartedAt := done.Load()
	buyers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(placed) != orders {
		t.Fatalf("%d orders placed, want %d", len(placed), orders)
	}

	// Every order's order.placed reaches the consumer.
	type seen struct {
		types []string
	}
	var (
		byOrder    = map[string]*seen{}
		ids        = map[string]int{}
		messages   int
		duplicates int
	)
	missing := func() int {
		n := 0
		for id := range placed {
			if s := byOrder[id]; s == nil || !contains(s.types, "order.placed") {
				n++
			}
		}
		return n
	}
	deadline := time.After(2 * time.Minute)
	for missing() > 0 {
		select {
		case body := <-bodies:
			messages++
			var ev commerce.Event
			if err := json.Unmarshal(body, &ev); err != nil {
				t.Fatalf("a message that is not an event: %v: %s", err, body)
			}
			if ids[ev.ID.String()]++; ids[ev.ID.String()] > 1 {
				duplicates++
			}
			if ev.Type == "order.placed" || ev.Type == "order.paid" {
				var data struct {
					Lines []struct {
						ProductID string `json:"product_id"`
					} `json:"lines"`
				}
				if err := json.Unmarshal(ev.Data, &data); err != nil {
					t.Fatal(err)
				}
				for _, l := range data.Lines {
					if l.ProductID == soldOut {
						t.Errorf("%s for a checkout that rolled back: %s", ev.Type, body)
					}
				}
				id := ev.AggregateID.String()
				if byOrder[id] == nil {
					byOrder[id] = &seen{}
				}
				byOrder[id].types = append(byOrder[id].types, ev.Type)
			}
		case <-deadline:
			t.Fatalf("after 2 minutes, %d of %d orders have no order.placed at the consumer (%d messages so far)",
				missing(), orders, messages)
		}
	}
	// Drain what is still on its way, for the count of duplicates.
	quiet := time.After(2 * time.Second)
drain:
	for {
		select {
		case body := <-bodies:
			messages++
			var ev commerce.Event
			if json.Unmarshal(body, &ev) == nil {
				if ids[ev.ID.String()]++; ids[ev.ID.String()] > 1 {
					duplicates++
				}
				if ev.Type == "order.placed" || ev.Type == "order.paid" {
					if s := byOrder[ev.AggregateID.String()]; s != nil {
						s.types = append(s.types, ev.Type)
					}
				}
			}
		case <-quiet:
			break drain
		}
	}

	// In order per order: each order's first order.paid comes after its
	// first order.placed; a repeat repeats them in order.
	for id, s := range byOrder {
		if !placed[id] {
			t.Errorf("events of order %s, which no checkout placed: %v", id, s.types)
			continue
		}
		first := func(typ string) int {
			for i, x := range s.types {
				if x == typ {
					return i
				}
			}
			return -1
		}
		if p, q := first("order.placed"), first("order.paid"); p < 0 || q < 0 || q < p {
			t.Errorf("order %s: events %v, want order.placed, then order.paid", id, s.types)
		}
	}
	t.Logf("%s: %d orders, %d messages, %d duplicates; instance B killed after %d orders and started again after %d; %d checkouts retried on the other instance",
		events["COMMERCE_EVENTS_URL"], orders, messages, duplicates, killedAt, restartedAt, retries.Load())
	a.stop(t)
	b.stop(t)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// buyNow is the body of a checkout of one unit of product, paid by card.
func buyNow(product string) map[string]any {
	return map[string]any{
		"product_id": product, "quantity": 1, "payment_method": "card",
		"address": map[string]any{"recipient": "김증명", "phone": "010-1234-5678", "line1": "서울특별시 중구 세종대로 110",
			"city": "서울", "zipcode": "04524"},
	}
}

// placeOrder places one order with key through one of the instances up,
// starting at the start-th, as a client does: a connection that fails or
// a 503 is sent again, with the same key, to the next instance.
func placeOrder(ctx context.Context, instances func() []*server, token, product, key string, start int, retries *atomic.Int64) (string, error) {
	var last error
	for attempt := range 50 {
		up := instances()
		s := up[(start+attempt)%len(up)]
		status, o, err := s.send(ctx, "POST", "/api/orders", buyNow(product), token, http.Header{"Idempotency-Key": {key}})
		switch {
		case err == nil && status == http.StatusCreated:
			return o["id"].(string), nil
		case err == nil && status != http.StatusServiceUnavailable:
			return "", fmt.Errorf("%s: status %d: %v", s.url, status, o)
		case ctx.Err() != nil:
			return "", errors.Join(ctx.Err(), last)
		}
		last = fmt.Errorf("%s: %d %v", s.url, status, err)
		retries.Add(1)
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("no instance took the order: %w", last)
}

// process is an instance of the server running as a process of its own.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	url  string
	// exited is closed once the process has ended, with err the end.
	exited chan struct{}
	err    error
}

// startProcess runs the server in a process of its own (the test binary,
// see TestMain) with env, and waits until it is ready.
func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverProcessEnv+"=1",
		"COMMERCE_ADDR=127.0.0.1:0", "COMMERCE_LOG_FORMAT=json", "COMMERCE_MEDIA_URL=mem://")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{cmd: cmd, logs: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting a server process: %v", err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.After(90 * time.Second)
	for p.url == "" {
		if addr := listeningAddr(p.logs.String()); addr != "" {
			p.url = "http://" + addr
			break
		}
		select {
		case <-p.exited:
			t.Fatalf("the server process ended before listening: %v\nlog:\n%s", p.err, p.logs)
		case <-deadline:
			t.Fatalf("the server process did not listen in time; log:\n%s", p.logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.server().waitReady(t)
	return p
}

// server returns the process as a server to send requests to.
func (p *process) server() *server { return &server{url: p.url, logs: p.logs} }

// kill ends the process with SIGKILL: no shutdown, no deferred call; its
// connections close as the kernel closes them.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// stop ends the process with SIGTERM and wants a graceful shutdown.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		if p.err != nil {
			t.Errorf("the server process after SIGTERM: %v\nlog:\n%.4000s", p.err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Error("the server process did not stop within 30 s of SIGTERM")
	}
}
