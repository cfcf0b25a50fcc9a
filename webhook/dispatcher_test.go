package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/webhook"
)

// receiver is an endpoint that verifies each request it gets with the
// secret it is given, and answers with what answer says.
type receiver struct {
	t         *testing.T
	srv       *httptest.Server
	tolerance time.Duration

	mu       sync.Mutex
	secret   string
	requests []*http.Request
	bodies   [][]byte
	answer   func(n int, w http.ResponseWriter) // n counts the requests from 1
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, tolerance: 48 * time.Hour}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	secret, answer := r.secret, r.answer
	r.requests = append(r.requests, req)
	r.bodies = append(r.bodies, body)
	n := len(r.requests)
	r.mu.Unlock()
	if err := webhook.Verify(secret, req.Header, body, r.tolerance); err != nil {
		r.t.Errorf("request %d: %v", n, err)
		http.Error(w, "unverified", http.StatusUnauthorized)
		return
	}
	if answer != nil {
		answer(n, w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *receiver) setAnswer(a func(n int, w http.ResponseWriter)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer = a
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// status answers every request with code.
func status(code int) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) { w.WriteHeader(code) }
}

// local are the options that let deliveries go to httptest servers.
func local(o webhook.Options) webhook.Options {
	o.AllowHTTP, o.AllowPrivate = true, true
	return o
}

// only returns the one delivery of endpoint.
func (f *fixture) only(t *testing.T, endpoint uuid.UUID) webhook.Delivery {
	t.Helper()
	ds := f.deliveries(t, endpoint)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	return ds[0]
}

func drain(t *testing.T, d *webhook.Dispatcher, want int) {
	t.Helper()
	n, err := d.Drain(context.Background())
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if n != want {
		t.Fatalf("Drain made %d attempts, want %d", n, want)
	}
}

func TestDeliverySigned(t *testing.T) {
	f := newFixture(t, local(webhook.Options{}))
	r := newReceiver(t)
	r.tolerance = 0 // the default: the clock starts at the real time
	e := f.create(t, r.srv.URL+"/hooks?token=abc", "order.placed")
	r.setSecret(e.Secret)
	ev := f.publish(t, "order.placed")
	d := f.svc.Dispatcher()
	drain(t, d, 1)

	req, body := r.requests[0], r.bodies[0]
	want, _ := json.Marshal(ev)
	if !bytes.Equal(body, want) {
		t.Errorf("body %s, want %s", body, want)
	}
	var back commerce.Event
	if err := json.Unmarshal(body, &back); err != nil || back.ID != ev.ID || back.Type != "order.placed" {
		t.Errorf("the body reads back as %+v, %v", back, err)
	}
	for h, v := range map[string]string{
		"Content-Type":          "application/json",
		webhook.HeaderID:        ev.ID.String(),
		webhook.HeaderTimestamp: strconv.FormatInt(f.clock.Now().Unix(), 10),
	} {
		if got := req.Header.Get(h); got != v {
			t.Errorf("%s: %q, want %q", h, got, v)
		}
	}
	if req.Method != http.MethodPost || req.URL.RequestURI() != "/hooks?token=abc" {
		t.Errorf("%s %s, want POST /hooks?token=abc", req.Method, req.URL.RequestURI())
	}
	got := f.only(t, e.ID)
	if got.Status != webhook.StatusDelivered || got.Attempts != 1 || got.LastStatusCode != 200 || got.LastError != "" ||
		!got.FirstAttemptAt.Equal(f.clock.Now()) || !got.NextAttemptAt.IsZero() {
		t.Errorf("after the attempt: %+v", got)
	}
	drain(t, d, 0)

	// After a rotation, deliveries are signed with the new secret only.
	rotated, err := f.svc.RotateSecret(f.ctx, f.staff, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	r.setSecret(rotated.Secret)
	f.publish(t, "order.placed")
	drain(t, d, 1)
	req, body = r.requests[1], r.bodies[1]
	if err := webhook.Verify(e.Secret, req.Header, body, 0); err == nil {
		t.Error("a delivery after the rotation verifies with the old secret")
	}
}

// TestRetryBackoff fails a delivery three times, then accepts it: each
// attempt comes at the backoff's wait, jittered, after the one before.
func TestRetryBackoff(t *testing.T) {
	f := newFixture(t, local(webhook.Options{}))
	r := newReceiver(t)
	e := f.create(t, r.srv.URL, "*")
	r.setSecret(e.Secret)
	r.setAnswer(func(n int, w http.ResponseWriter) {
		if n <= 3 {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "서버\t오류\n\x00 잠시 후\r\n다시")
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	f.publish(t, "order.paid")
	d := f.svc.Dispatcher()
	first := f.clock.Now()
	drain(t, d, 1)
	backoff := webhook.DefaultBackoff()
	prev := first
	for i := range 3 {
		got := f.only(t, e.ID)
		if got.Status != webhook.StatusPending || got.Attempts != i+1 || got.LastStatusCode != 500 ||
			got.LastError != "HTTP 500: 서버 오류 잠시 후 다시" || !got.LastAttemptAt.Equal(prev) || !got.FirstAttemptAt.Equal(first) {
			t.Fatalf("after attempt %d: %+v", i+1, got)
		}
		wait := got.NextAttemptAt.Sub(prev)
		if lo, hi := backoff[i]*8/10, backoff[i]*12/10; wait < lo || wait > hi {
			t.Errorf("wait after attempt %d: %v, want %v within 20%%", i+1, wait, backoff[i])
		}
		if h := f.get(t, e.ID).Health; !h.Enabled || !h.FailingSince.Equal(first) || h.GivenUp != 0 {
			t.Errorf("health after attempt %d: %+v", i+1, h)
		}
		f.clock.Set(got.NextAttemptAt.Add(-time.Millisecond))
		drain(t, d, 0) // not due yet
		f.clock.Set(got.NextAttemptAt)
		prev = got.NextAttemptAt
		drain(t, d, 1)
	}
	got := f.only(t, e.ID)
	if got.Status != webhook.StatusDelivered || got.Attempts != 4 || got.LastStatusCode != 202 || got.LastError != "" {
		t.Errorf("after the fourth attempt: %+v", got)
	}
	if h := f.get(t, e.ID).Health; !h.Enabled || !h.FailingSince.IsZero() {
		t.Errorf("a delivered attempt left the health %+v", h)
	}
	if n := r.count(); n != 4 {
		t.Errorf("the endpoint got %d requests, want 4", n)
	}
}

// TestGiveUpAndDisable fails every attempt for a day: the delivery is
// tried on the backoff's schedule, a last time 24 hours after the first,
// then given up, and the endpoint is disabled with the reason.
func TestGiveUpAndDisable(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, local(webhook.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	r := newReceiver(t)
	e := f.create(t, r.srv.URL, "*")
	r.setSecret(e.Secret)
	r.setAnswer(status(http.StatusServiceUnavailable))
	f.publish(t, "order.placed")
	d := f.svc.Dispatcher()
	first := f.clock.Now()
	deadline := first.Add(webhook.DefaultRetryFor)
	backoff := webhook.DefaultBackoff()
	drain(t, d, 1)
	var got webhook.Delivery
	for attempt := 1; ; attempt++ {
		got = f.only(t, e.ID)
		if got.Status != webhook.StatusPending || attempt > 20 {
			break
		}
		if h := f.get(t, e.ID).Health; !h.Enabled {
			t.Fatalf("disabled after attempt %d, at %v from the first", attempt, got.LastAttemptAt.Sub(first))
		}
		wait, b := got.NextAttemptAt.Sub(got.LastAttemptAt), backoff[min(attempt-1, len(backoff)-1)]
		if (wait < b*8/10 || wait > b*12/10) && !got.NextAttemptAt.Equal(deadline) {
			t.Errorf("wait after attempt %d: %v, want %v within 20%%, or up to the deadline", attempt, wait, b)
		}
		if got.NextAttemptAt.After(deadline) {
			t.Errorf("attempt %d scheduled %v after the deadline", attempt+1, got.NextAttemptAt.Sub(deadline))
		}
		f.clock.Set(got.NextAttemptAt)
		drain(t, d, 1)
	}
	// 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with their jitter and
	// the last one moved to the deadline: 8 attempts, or 9 when the
	// jitter leaves room for one more before the deadline.
	if got.Status != webhook.StatusFailed || got.Attempts < 8 || got.Attempts > 9 || !got.LastAttemptAt.Equal(deadline) ||
		got.LastStatusCode != 503 || !got.NextAttemptAt.IsZero() {
		t.Fatalf("given up: %+v, want failed after 8 or 9 attempts, the last at the deadline", got)
	}
	ep, err := f.svc.Get(f.ctx, f.staff, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ep.Enabled || !ep.DisabledAt.Equal(deadline) || ep.Version != 2 || ep.GivenUp != 1 ||
		!strings.Contains(ep.DisabledReason, "every delivery attempt has failed since "+first.Format(time.RFC3339)) ||
		!strings.Contains(ep.DisabledReason, "HTTP 503") {
		t.Errorf("the endpoint after a day of failures: %+v", ep)
	}
	if !strings.Contains(logs.String(), "endpoint disabled") || strings.Contains(logs.String(), e.Secret) ||
		strings.Contains(logs.String(), strings.TrimPrefix(e.Secret, webhook.SecretPrefix)) {
		t.Errorf("logs: want the endpoint's disabling and never its secret:\n%s", logs.String())
	}
	requests := r.count()

	// A disabled endpoint gets no new deliveries, and no attempts.
	f.publish(t, "order.placed")
	f.clock.Advance(time.Hour)
	drain(t, d, 0)
	if ds := f.deliveries(t, e.ID); len(ds) != 1 {
		t.Errorf("%d deliveries to the disabled endpoint, want the old one only", len(ds))
	}
	// Enabled again, it counts afresh.
	ep, err = f.svc.Update(f.ctx, f.staff, e.ID, webhook.EndpointPatch{Enabled: commerce.Some(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !ep.Enabled || ep.DisabledReason != "" || !ep.FailingSince.IsZero() || ep.GivenUp != 0 {
		t.Errorf("enabled again: %+v", ep)
	}
	r.setAnswer(status(http.StatusNoContent))
	f.publish(t, "order.placed")
	drain(t, d, 1)
	if n := r.count(); n != requests+1 {
		t.Errorf("%d requests after enabling, want %d", n, requests+1)
	}
}

// TestDisableAfterGivenUp gives up deliveries quickly and disables the
// endpoint at the third given up in a row; a delivered one between resets
// the count.
func TestDisableAfterGivenUp(t *testing.T) {
	f := newFixture(t, local(webhook.Options{
		Backoff: []time.Duration{time.Second}, RetryFor: 2 * time.Second, DisableAfter: 1000 * time.Hour, DisableAfterGivenUp: 3,
	}))
	r := newReceiver(t)
	e := f.create(t, r.srv.URL, "*")
	r.setSecret(e.Secret)
	d := f.svc.Dispatcher()
	giveUp := func() {
		t.Helper()
		r.setAnswer(status(http.StatusBadGateway))
		f.publish(t, "order.placed")
		drain(t, d, 1)
		attempts := 1
		for ; ; attempts++ { // at 0, about 1 s, perhaps about 2 s, and at 2 s
			latest := f.deliveries(t, e.ID)[0]
			if latest.Status != webhook.StatusPending {
				break
			}
			f.clock.Set(latest.NextAttemptAt)
			drain(t, d, 1)
		}
		if attempts < 3 || attempts > 4 {
			t.Errorf("given up after %d attempts, want 3 or 4", attempts)
		}
		f.clock.Advance(time.Minute)
	}
	giveUp()
	giveUp()
	if h := f.get(t, e.ID).Health; !h.Enabled || h.GivenUp != 2 {
		t.Fatalf("after two given up: %+v", h)
	}
	// A delivered one resets the count.
	r.setAnswer(status(http.StatusOK))
	f.publish(t, "order.placed")
	drain(t, d, 1)
	if h := f.get(t, e.ID).Health; !h.Enabled || h.GivenUp != 0 || !h.FailingSince.IsZero() {
		t.Fatalf("after a delivered one: %+v", h)
	}
	giveUp()
	giveUp()
	giveUp()
	ep := f.get(t, e.ID)
	if ep.Enabled || ep.GivenUp != 3 || !strings.Contains(ep.DisabledReason, "3 deliveries in a row were given up") ||
		!strings.Contains(ep.DisabledReason, "HTTP 502") {
		t.Errorf("after three given up in a row: %+v", ep.Health)
	}
	for _, dl := range f.deliveries(t, e.ID) {
		if dl.Status == webhook.StatusPending {
			t.Errorf("delivery %s still pending", dl.ID)
		}
	}
}

// TestFailedAttempts checks what a timeout, a redirect, a closed
// connection and a long answer leave in LastError.
func TestFailedAttempts(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, local(webhook.Options{Timeout: 300 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}))
	release := make(chan struct{})
	var followed atomic.Bool
	long := strings.Repeat("가", 150) + "MARKER-PAST-THE-SHOWN-PART" + strings.Repeat("x", 10000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			io.Copy(io.Discard, r.Body)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/redirect":
			http.Redirect(w, r, "/target", http.StatusFound)
		case "/target":
			followed.Store(true)
		case "/closed":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case "/long":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, long)
		}
	}))
	defer srv.Close()
	defer close(release)
	wantErr := map[string]string{
		"/slow":     "no answer within 300ms",
		"/redirect": "HTTP 302: redirects are not followed",
		"/closed":   "EOF",
		"/long":     "HTTP 400: " + strings.Repeat("가", 150) + "MARKER-PAST-THE-SHOWN-PART" + strings.Repeat("x", 24) + "…",
	}
	ids := make(map[string]uuid.UUID)
	for path := range wantErr {
		ids[path] = f.create(t, srv.URL+path, "*").ID
	}
	f.publish(t, "order.shipped")
	drain(t, f.svc.Dispatcher(), len(wantErr))
	for path, want := range wantErr {
		got := f.only(t, ids[path])
		if got.Status != webhook.StatusPending || got.Attempts != 1 || !strings.Contains(got.LastError, want) {
			t.Errorf("%s: %+v, want it pending with an error saying %q", path, got, want)
		}
		if utf8.RuneCountInString(got.LastError) > 500 {
			t.Errorf("%s: an error of %d characters", path, utf8.RuneCountInString(got.LastError))
		}
		if strings.Contains(got.LastError, srv.URL) {
			t.Errorf("%s: the error %q repeats the URL", path, got.LastError)
		}
	}
	if followed.Load() {
		t.Error("the redirect was followed")
	}
	if strings.Contains(logs.String(), strings.Repeat("x", 200)) {
		t.Error("the logs hold more of an answer's body than LastError shows")
	}
}

// TestRefusedAddresses sends deliveries to endpoints stored with URLs that
// registration refuses — as they would be if the options changed — and to
// a name that resolves to loopback: the dialer refuses each address, and
// the server on 127.0.0.1 never sees a request.
func TestRefusedAddresses(t *testing.T) {
	f := newFixture(t, webhook.Options{AllowHTTP: true})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	urls := map[string]string{
		srv.URL + "/":                      "127.0.0.1 is a loopback address",
		"http://localhost:" + port + "/":   "is a loopback address",
		"http://[::1]:" + port + "/":       "::1 is a loopback address",
		"http://169.254.169.254/latest/":   "169.254.169.254 is a link-local address",
		"http://10.0.0.1/":                 "10.0.0.1 is a private address",
		"http://100.64.0.1/":               "100.64.0.1 is a shared (carrier-grade NAT) address",
		"http://[::ffff:192.168.0.1]:80/x": "192.168.0.1 is a private address",
	}
	ids := make(map[string]uuid.UUID)
	for u := range urls {
		// Registration refuses them.
		_, err := f.svc.Create(f.ctx, f.staff, webhook.EndpointInput{URL: u, EventTypes: []string{"*"}})
		wantFields(t, u, err, "url")
		e := webhook.Endpoint{
			ID: commerce.NewID(), URL: u, EventTypes: []string{"*"}, Secret: webhook.NewSecret(),
			Health: webhook.Health{Enabled: true}, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now(), Version: 1,
		}
		if err := f.repo.CreateEndpoint(f.ctx, e); err != nil {
			t.Fatal(err)
		}
		ids[u] = e.ID
	}
	f.publish(t, "user.signed_up")
	drain(t, f.svc.Dispatcher(), len(urls))
	for u, want := range urls {
		got := f.only(t, ids[u])
		if got.Attempts != 1 || got.Status != webhook.StatusPending || !strings.HasPrefix(got.LastError, "refused: ") ||
			!strings.Contains(got.LastError, want) {
			t.Errorf("%s: %+v, want a refusal saying %q", u, got, want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server on 127.0.0.1 got %d requests", n)
	}
}

// TestDispatchersRun runs three dispatchers at once until every delivery
// has gone out: each goes out once.
func TestDispatchersRun(t *testing.T) {
	const events = 60
	f := newFixture(t, local(webhook.Options{Now: commerce.Now, Poll: 5 * time.Millisecond, Concurrency: 3}))
	var (
		mu   sync.Mutex
		seen = make(map[string]int)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path+" "+r.Header.Get(webhook.HeaderID)]++
		mu.Unlock()
		time.Sleep(time.Millisecond)
	}))
	defer srv.Close()
	f.create(t, srv.URL+"/a", "*")
	f.create(t, srv.URL+"/b", "order.paid")

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 3 {
		d := f.svc.Dispatcher()
		wg.Go(func() {
			if err := d.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	var evs []commerce.Event
	for i := range events {
		typ := "order.placed"
		if i%3 == 0 {
			typ = "order.paid"
		}
		evs = append(evs, f.publish(t, typ))
	}
	want := events + events/3
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for _, ev := range evs {
		if n := seen["/a "+ev.ID.String()]; n != 1 {
			t.Errorf("/a got %s %d times, want once", ev.ID, n)
		}
		wantB := 0
		if ev.Type == "order.paid" {
			wantB = 1
		}
		if n := seen["/b "+ev.ID.String()]; n != wantB {
			t.Errorf("/b got %s %s %d times, want %d", ev.Type, ev.ID, n, wantB)
		}
	}
}

// TestInterruptedAttempt stops a dispatcher while an endpoint is
// answering: the attempt does not count, and the delivery is due again at
// once.
func TestInterruptedAttempt(t *testing.T) {
	f := newFixture(t, local(webhook.Options{}))
	arrived := make(chan struct{}, 1)
	block := atomic.Bool{}
	block.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if block.Load() {
			// The server notices a closed connection once the body is read.
			io.Copy(io.Discard, r.Body)
			arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	e := f.create(t, srv.URL, "*")
	f.publish(t, "order.placed")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		n, _ := f.svc.Dispatcher().Drain(ctx)
		done <- n
	}()
	<-arrived
	cancel()
	if n := <-done; n != 0 {
		t.Errorf("the interrupted Drain counted %d attempts", n)
	}
	got := f.only(t, e.ID)
	if got.Attempts != 0 || got.Status != webhook.StatusPending {
		t.Errorf("after the interruption: %+v", got)
	}
	block.Store(false)
	drain(t, f.svc.Dispatcher(), 1)
	if got := f.only(t, e.ID); got.Status != webhook.StatusDelivered || got.Attempts != 1 {
		t.Errorf("after the next dispatcher: %+v", got)
	}
}

func TestPrune(t *testing.T) {
	f := newFixture(t, local(webhook.Options{Retention: time.Hour}))
	r := newReceiver(t)
	e := f.create(t, r.srv.URL, "*")
	r.setSecret(e.Secret)
	d := f.svc.Dispatcher()
	f.publish(t, "order.placed")
	drain(t, d, 1) // delivered
	r.setAnswer(status(http.StatusInternalServerError))
	f.publish(t, "order.placed")
	drain(t, d, 1) // pending
	f.clock.Advance(30 * time.Minute)
	if n, err := d.Prune(f.ctx); err != nil || n != 0 {
		t.Errorf("Prune within the retention: %d, %v", n, err)
	}
	f.clock.Advance(31 * time.Minute)
	if n, err := d.Prune(f.ctx); err != nil || n != 1 {
		t.Errorf("Prune past the retention: %d, %v; want 1", n, err)
	}
	if ds := f.deliveries(t, e.ID); len(ds) != 1 || ds[0].Status != webhook.StatusPending {
		t.Errorf("left: %+v, want the pending one", ds)
	}
	keep := newFixture(t, local(webhook.Options{Retention: -1}))
	if n, err := keep.svc.Dispatcher().Prune(keep.ctx); err != nil || n != 0 {
		t.Errorf("Prune with a negative retention: %d, %v", n, err)
	}
}

// failingClaims is a repository whose first claims fail, as a database
// that is restarting does.
type failingClaims struct {
	webhook.Repository
	failures atomic.Int32
}

func (r *failingClaims) ClaimDeliveries(ctx context.Context, q webhook.ClaimQuery) ([]webhook.Delivery, error) {
	if r.failures.Add(-1) >= 0 {
		return nil, commerce.ErrUnavailable
	}
	return r.Repository.ClaimDeliveries(ctx, q)
}

// TestRunOutlastsTheStore runs a dispatcher over a store whose first
// claims fail: Run logs them, waits and goes on, and the delivery goes
// out.
func TestRunOutlastsTheStore(t *testing.T) {
	var logs syncBuffer
	repo := &failingClaims{Repository: memstore.New(nil).Webhooks()}
	repo.failures.Store(3)
	svc, err := webhook.NewService(repo, &webhook.Options{
		EventTypes: eventTypes, AllowHTTP: true, AllowPrivate: true, Poll: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Get(webhook.HeaderID):
		default:
		}
	}))
	defer srv.Close()
	staff := commerce.StaffActor(commerce.NewID())
	if _, err := svc.Create(context.Background(), staff, webhook.EndpointInput{URL: srv.URL, EventTypes: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	ev := commerce.NewEvent("order.placed", commerce.NewID(), 1, time.Now(), struct{}{})
	if err := svc.Publisher().Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.Dispatcher().Run(ctx) }()
	select {
	case id := <-got:
		if id != ev.ID.String() {
			t.Errorf("received %s, want %s", id, ev.ID)
		}
	case <-time.After(10 * time.Second):
		t.Error("the delivery did not go out")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if n := strings.Count(logs.String(), "sending deliveries failed"); n != 3 {
		t.Errorf("%d failures logged, want 3:\n%s", n, logs.String())
	}
}

// syncBuffer is a bytes.Buffer that goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
