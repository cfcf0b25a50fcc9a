package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits of what a dispatcher reads and keeps.
const (
	// maxAnswerRead is how much of an answer's body a dispatcher reads:
	// enough for an error message, and a short answer's connection can
	// be used again.
	maxAnswerRead = 4 << 10
	// maxAnswerShown is how much of it goes into LastError, in
	// characters.
	maxAnswerShown = 200
	// maxErrorLen bounds LastError, and maxReasonLen DisabledReason, in
	// characters.
	maxErrorLen  = 500
	maxReasonLen = 1000
	// leaseMargin is how much longer than Options.Timeout a claim's lease
	// lasts: time to read the endpoints and to store the outcomes.
	leaseMargin = time.Minute
	// endTimeout bounds storing an attempt's outcome, or releasing a
	// delivery, once the dispatcher's context has ended: an attempt that
	// was made is recorded even while the dispatcher stops.
	endTimeout = 5 * time.Second
	// maxFailureWait caps how long Run waits after failures of the store.
	maxFailureWait = 30 * time.Second
	// pruneBatch is how many deliveries one PruneDeliveries call deletes
	// at most.
	pruneBatch = 1000
	// jitter is how far, as a fraction, each wait of Options.Backoff may
	// be moved at random.
	jitter = 0.2
)

// userAgent names the sender in every delivery.
const userAgent = "impactmuseum-commerce-webhooks/1"

// Dispatcher sends the due deliveries of a Service's store. Several may
// run, in one process or in many over one store: each claims the
// deliveries it sends (Repository.ClaimDeliveries), so that no two send
// the same delivery at once, and a dispatcher that dies leaves its claims
// to run out, after which another takes them.
//
// An attempt is a POST of the event's JSON to the endpoint's URL, with the
// Standard Webhooks headers (HeaderID, HeaderTimestamp, HeaderSignature)
// and Content-Type application/json. A 2xx answer within Options.Timeout
// delivers it; any other answer, a redirect among them (none is
// followed), a timeout, a network error or an address that the policy
// refuses (Options.AllowPrivate) fails it. A failed delivery is tried
// again after the waits of Options.Backoff, for Options.RetryFor from its
// first attempt, and then given up. An endpoint whose attempts keep
// failing (Options.DisableAfter, Options.DisableAfterGivenUp) is disabled,
// with the reason for staff to read.
//
// Delivery is at least once: a dispatcher that dies after an endpoint
// accepted a delivery and before it stored that sends it again once its
// claim runs out. Deliveries to one endpoint are not ordered; a consumer
// orders events by their time or version, and recognizes a repeated one by
// its webhook-id.
//
// A Dispatcher is safe for concurrent use.
type Dispatcher struct {
	s      *Service
	client *http.Client
	lease  time.Duration
}

// Dispatcher returns a new dispatcher of the Service's deliveries, with
// an HTTP client of its own.
func (s *Service) Dispatcher() *Dispatcher {
	return &Dispatcher{s: s, client: s.policy.client(s.opts.Timeout), lease: s.opts.Timeout + leaseMargin}
}

// Run sends deliveries until ctx ends, and then returns nil. It claims
// again at once after a full batch (Options.Concurrency), and waits
// Options.Poll, or for the Service's Publisher to store a delivery, after
// a smaller one. It prunes old deliveries when it starts and every
// Options.PruneEvery. When ctx ends, the attempts under way are cut short
// and their deliveries left due, for the next claim.
//
// Failures of the store do not end Run: they are logged and retried after
// a wait that grows with each failure in a row.
func (d *Dispatcher) Run(ctx context.Context) error {
	var nextPrune time.Time
	failures := 0
	for ctx.Err() == nil {
		if d.s.opts.Retention > 0 && !d.s.now.Now().Before(nextPrune) {
			if _, err := d.Prune(ctx); err != nil && ctx.Err() == nil {
				d.s.log.ErrorContext(ctx, "webhook: pruning deliveries failed", "err", err)
			}
			nextPrune = d.s.now.Now().Add(d.s.opts.PruneEvery)
		}
		claimed, _, err := d.batch(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			d.s.log.ErrorContext(ctx, "webhook: sending deliveries failed", "err", err)
			failures++
			wait := d.s.opts.Poll
			for i := 0; i < failures && wait < maxFailureWait; i++ {
				wait *= 2
			}
			wait = min(wait, maxFailureWait)
			sleep(ctx, wait/2+rand.N(wait/2+1), nil)
		case claimed == d.s.opts.Concurrency:
			failures = 0
		default:
			failures = 0
			sleep(ctx, d.s.opts.Poll, d.s.wake)
		}
	}
	return nil
}

// sleep waits for d, for wake (when not nil), or for the end of ctx.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

// Drain sends the deliveries that are due until none is left, and returns
// how many attempts it made: for tests, and for tools that empty the
// queue once. A failed attempt schedules its delivery later, when Drain no
// longer waits for it; deliveries that another dispatcher holds are left
// to it. It returns the store's first error, if any, with the attempts
// made so far.
func (d *Dispatcher) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		_, attempts, err := d.batch(ctx)
		total += attempts
		if err != nil || attempts == 0 {
			return total, err
		}
	}
}

// Prune deletes the delivered and failed deliveries whose last attempt is
// older than Options.Retention, and returns how many it deleted. It
// deletes nothing when Retention is negative. Run calls it; tools may too.
func (d *Dispatcher) Prune(ctx context.Context) (int, error) {
	if d.s.opts.Retention < 0 {
		return 0, nil
	}
	before := d.s.now.Now().Add(-d.s.opts.Retention)
	total := 0
	for {
		n, err := d.s.repo.PruneDeliveries(ctx, before, pruneBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("webhook: pruning deliveries finished before %s: %w", before.Format(time.RFC3339), err)
		}
		if n < pruneBatch {
			if total > 0 {
				d.s.log.InfoContext(ctx, "webhook: pruned deliveries", "count", total, "finished_before", before)
			}
			return total, nil
		}
	}
}

// batch claims due deliveries, up to Options.Concurrency, sends them all
// at once and stores what came of each. It returns how many it claimed and
// how many attempts it made, and the store's first error.
func (d *Dispatcher) batch(ctx context.Context) (claimed, attempts int, err error) {
	now := d.s.now.Now()
	lease := uuid.New()
	ds, err := d.s.repo.ClaimDeliveries(ctx, ClaimQuery{Now: now, Lease: lease, Until: now.Add(d.lease), Limit: d.s.opts.Concurrency})
	if err != nil {
		return 0, 0, fmt.Errorf("webhook: claiming deliveries: %w", err)
	}
	if len(ds) == 0 {
		return 0, 0, nil
	}
	endpoints := make(map[uuid.UUID]Endpoint)
	for _, dl := range ds {
		if _, ok := endpoints[dl.EndpointID]; ok {
			continue
		}
		e, err := d.s.repo.GetEndpoint(ctx, dl.EndpointID)
		switch {
		case errors.Is(err, ErrEndpointNotFound):
			// Deleted since the claim, with its deliveries.
			e = Endpoint{ID: dl.EndpointID}
		case err != nil:
			d.releaseAll(ctx, ds)
			return len(ds), 0, fmt.Errorf("webhook: reading endpoint %s: %w", dl.EndpointID, err)
		}
		endpoints[dl.EndpointID] = e
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, dl := range ds {
		wg.Go(func() {
			made, err := d.attempt(ctx, endpoints[dl.EndpointID], dl)
			mu.Lock()
			defer mu.Unlock()
			if made {
				attempts++
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait()
	return len(ds), attempts, firstErr
}

// releaseAll ends the claim on ds without attempts.
func (d *Dispatcher) releaseAll(ctx context.Context, ds []Delivery) {
	for _, dl := range ds {
		d.release(ctx, dl)
	}
}

// release ends the claim on dl without an attempt, so that it is due
// again at once, even while ctx ends.
func (d *Dispatcher) release(ctx context.Context, dl Delivery) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTimeout)
	defer cancel()
	if err := d.s.repo.ReleaseDelivery(ctx, dl.ID, dl.Lease); err != nil && !errors.Is(err, ErrLeaseLost) {
		d.s.log.WarnContext(ctx, "webhook: releasing a delivery failed; it is due again when its claim runs out",
			"delivery_id", dl.ID, "err", err)
	}
}

// attempt sends dl to e, unless e is gone or disabled, and stores the
// outcome. It reports whether an attempt was made, and returns the store's
// error.
func (d *Dispatcher) attempt(ctx context.Context, e Endpoint, dl Delivery) (bool, error) {
	if e.URL == "" {
		return false, nil // the endpoint is gone, and the delivery with it
	}
	if !e.Enabled {
		d.release(ctx, dl)
		return false, nil
	}
	at := d.s.now.Now()
	out := d.send(ctx, e, dl, at)
	if out.interrupted {
		d.release(ctx, dl)
		return false, nil
	}
	a := Attempt{DeliveryID: dl.ID, Lease: dl.Lease, At: at, StatusCode: out.status, Error: out.err, Delivered: out.delivered}
	if !a.Delivered {
		a.NextAttemptAt = d.next(dl, at)
	}
	var disabled string
	health := func(h Health) Health {
		next := d.s.judge(h, a)
		disabled = ""
		if h.Enabled && !next.Enabled {
			disabled = next.DisabledReason
		}
		return next
	}
	endCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endTimeout)
	defer cancel()
	err := d.s.repo.FinishDelivery(endCtx, a, health)
	switch {
	case errors.Is(err, ErrLeaseLost):
		d.s.log.WarnContext(ctx, "webhook: a delivery's claim ran out before its attempt was stored",
			"delivery_id", dl.ID, "endpoint_id", e.ID)
		return true, nil
	case err != nil:
		return true, fmt.Errorf("webhook: storing the attempt at delivery %s: %w", dl.ID, err)
	}
	if !a.Delivered {
		args := []any{"endpoint_id", e.ID, "delivery_id", dl.ID, "event_id", dl.EventID, "attempt", dl.Attempts + 1,
			"status", a.StatusCode, "err", a.Error}
		if a.NextAttemptAt.IsZero() {
			args = append(args, "given_up", true)
		} else {
			args = append(args, "next_attempt_at", a.NextAttemptAt)
		}
		d.s.log.WarnContext(ctx, "webhook: a delivery attempt failed", args...)
	}
	if disabled != "" {
		d.s.log.ErrorContext(ctx, "webhook: endpoint disabled", "endpoint_id", e.ID, "reason", disabled)
	}
	return true, nil
}

// outcome is what sending a delivery came to.
type outcome struct {
	delivered bool
	status    int
	err       string
	// interrupted is true when the dispatcher's context ended during the
	// attempt, which then says nothing about the endpoint.
	interrupted bool
}

// send makes one attempt at dl to e, signed at time at.
func (d *Dispatcher) send(ctx context.Context, e Endpoint, dl Delivery, at time.Time) outcome {
	if why := d.s.policy.checkForm(e.URL); why != "" {
		return outcome{err: "the endpoint's URL is not allowed: it " + why}
	}
	sig, err := Sign(e.Secret, dl.EventID.String(), at, dl.Payload)
	if err != nil {
		return outcome{err: "the endpoint's secret is malformed"}
	}
	reqCtx, cancel := context.WithTimeout(ctx, d.s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, e.URL, bytes.NewReader(dl.Payload))
	if err != nil {
		return outcome{err: "the endpoint's URL is not usable"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderID, dl.EventID.String())
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := d.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return outcome{interrupted: true}
		}
		return outcome{err: d.describe(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerRead))
	if err != nil && ctx.Err() != nil {
		return outcome{interrupted: true}
	}
	code := resp.StatusCode
	switch {
	case code >= 200 && code <= 299:
		return outcome{delivered: true, status: code}
	case code >= 300 && code <= 399:
		return outcome{status: code, err: fmt.Sprintf("HTTP %d: redirects are not followed", code)}
	}
	msg := fmt.Sprintf("HTTP %d", code)
	if s := snippet(body); s != "" {
		msg += ": " + s
	}
	return outcome{status: code, err: cut(msg, maxErrorLen)}
}

// describe says why a request failed, without its URL, which may hold a
// token of the endpoint's.
func (d *Dispatcher) describe(err error) string {
	var refused *refusedError
	if errors.As(err, &refused) {
		return "refused: " + refused.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("no answer within %v", d.s.opts.Timeout)
		}
		err = ue.Err
	}
	return cut(err.Error(), maxErrorLen)
}

// snippet returns the start of an answer's body for LastError: at most
// maxAnswerShown characters, each control character or invalid byte as a
// space, runs of space as one.
func snippet(body []byte) string {
	var b strings.Builder
	space := false
	n := 0
	for len(body) > 0 && n < maxAnswerShown {
		r, size := utf8.DecodeRune(body)
		body = body[size:]
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if len(body) > 0 {
		b.WriteString("…")
	}
	return b.String()
}

// cut returns s cut to at most n characters, an ellipsis marking a cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// next returns when to try dl again after a failed attempt that began at
// at, or the zero time to give it up: after the wait of Options.Backoff
// for the attempts made, moved at random by up to 20%, but no later than
// Options.RetryFor after the first attempt, and never once that has
// passed.
func (d *Dispatcher) next(dl Delivery, at time.Time) time.Time {
	first := dl.FirstAttemptAt
	if first.IsZero() {
		first = at
	}
	backoff := d.s.opts.Backoff
	wait := backoff[min(dl.Attempts, len(backoff)-1)]
	wait = time.Duration(float64(wait) * (1 - jitter + 2*jitter*rand.Float64()))
	next, deadline := at.Add(wait), first.Add(d.s.opts.RetryFor)
	if next.After(deadline) {
		if !at.Before(deadline) {
			return time.Time{}
		}
		next = deadline
	}
	return next.UTC().Truncate(time.Microsecond)
}

// judge returns an endpoint's health after attempt a at one of its
// deliveries: a delivered attempt clears the failures counted; a failed
// one counts, and disables the endpoint when every attempt has failed for
// Options.DisableAfter, or when Options.DisableAfterGivenUp deliveries in
// a row have been given up. An endpoint that is disabled already is left
// as it is.
func (s *Service) judge(h Health, a Attempt) Health {
	if !h.Enabled {
		return h
	}
	if a.Delivered {
		h.FailingSince, h.GivenUp = time.Time{}, 0
		return h
	}
	if h.FailingSince.IsZero() || a.At.Before(h.FailingSince) {
		h.FailingSince = a.At
	}
	if a.NextAttemptAt.IsZero() {
		h.GivenUp++
	}
	last := fmt.Sprintf("the last, at %s: %s", a.At.UTC().Format(time.RFC3339), a.Error)
	var reason string
	switch failing := a.At.Sub(h.FailingSince); {
	case failing >= s.opts.DisableAfter:
		reason = fmt.Sprintf("every delivery attempt has failed since %s (%v); %s",
			h.FailingSince.UTC().Format(time.RFC3339), failing.Round(time.Second), last)
	case h.GivenUp >= s.opts.DisableAfterGivenUp:
		reason = fmt.Sprintf("%d deliveries in a row were given up; %s", h.GivenUp, strings.Replace(last, "the last", "the last attempt", 1))
	default:
		return h
	}
	h.Enabled, h.DisabledAt, h.DisabledReason = false, a.At, cut(reason, maxReasonLen)
	return h
}
