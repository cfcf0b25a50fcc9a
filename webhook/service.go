package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
	"github.com/impactmuseum/commerce/outbox"
)

// MaxDescriptionLen is the most characters an endpoint's description
// holds.
const MaxDescriptionLen = 500

// The defaults of Options.
const (
	DefaultTimeout             = 10 * time.Second
	DefaultRetryFor            = 24 * time.Hour
	DefaultDisableAfter        = 24 * time.Hour
	DefaultDisableAfterGivenUp = 5
	DefaultConcurrency         = 8
	DefaultPoll                = time.Second
	DefaultRetention           = 30 * 24 * time.Hour
	DefaultPruneEvery          = time.Hour
)

// DefaultBackoff returns the waits between the attempts at a delivery that
// Options.Backoff defaults to: 5 seconds after the first attempt, then 5
// minutes, 30 minutes, 2 hours, 5 hours, and 10 hours after each later
// one, until Options.RetryFor has passed.
func DefaultBackoff() []time.Duration {
	return []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}
}

// Options configure a Service and its dispatchers. EventTypes is
// required; the zero value of every other field gives its default.
type Options struct {
	// EventTypes are the event types that endpoints may subscribe to,
	// such as "order.placed": every type the shop's relay publishes.
	// Required.
	EventTypes []string

	// Now is the clock: the times of endpoints and deliveries, when a
	// delivery is due, the timestamp that signs it. Default: time.Now.
	Now commerce.Clock
	// NewID makes endpoint and delivery ids. Default: commerce.NewID.
	NewID commerce.IDGenerator
	// Logger receives the dispatchers' failed attempts (Warn), disabled
	// endpoints and failures of the store (Error) and prunes (Info). No
	// secret and no more than the start of an answer's body is ever
	// logged. Default: slog.Default().
	Logger *slog.Logger

	// AllowHTTP lets endpoints use http URLs as well as https ones, for a
	// shop's tests and private networks.
	AllowHTTP bool
	// AllowPrivate lets deliveries go to any unicast address: loopback,
	// private, link-local and the other addresses that are not global,
	// which are otherwise refused, both when staff register a URL that
	// names one and when a dispatcher connects to one that a host name
	// resolves to. For tests, and for shops whose endpoints are all
	// inside their own network.
	AllowPrivate bool
	// AllowedNetworks lets deliveries go to the addresses inside these
	// networks, though they are not global: a narrower AllowPrivate.
	AllowedNetworks []netip.Prefix

	// Timeout bounds each attempt, from connecting to reading the answer;
	// an attempt that runs out has failed. Default DefaultTimeout (10 s).
	Timeout time.Duration
	// Backoff are the waits after each failed attempt at a delivery: the
	// first after the first attempt, and so on, the last repeated. Each
	// wait is chosen at random within 20% of its value, so that the
	// deliveries that failed together do not all come back together.
	// Default DefaultBackoff().
	Backoff []time.Duration
	// RetryFor is how long, from its first attempt, a delivery is tried:
	// an attempt that would come later is made at the end of RetryFor
	// instead, and when that one fails too the delivery is given up.
	// Default DefaultRetryFor (24 h).
	RetryFor time.Duration
	// DisableAfter disables an endpoint when every attempt at its
	// deliveries has failed for this long. Default DefaultDisableAfter
	// (24 h).
	DisableAfter time.Duration
	// DisableAfterGivenUp disables an endpoint when this many of its
	// deliveries in a row have been given up. Default
	// DefaultDisableAfterGivenUp (5).
	DisableAfterGivenUp int

	// Concurrency is how many deliveries a dispatcher sends at once; it
	// claims that many at a time. Default DefaultConcurrency (8).
	Concurrency int
	// Poll is how long a dispatcher's Run waits, when no delivery was
	// due, before it looks again; a delivery stored through this
	// Service's Publisher ends the wait of one dispatcher at once.
	// Default DefaultPoll (1 s).
	Poll time.Duration
	// Retention is how long delivered and failed deliveries are kept
	// after their last attempt, for staff to look into, before Run
	// prunes them. Default DefaultRetention (30 days); a negative value
	// keeps them for ever.
	Retention time.Duration
	// PruneEvery is how often Run prunes: when it starts, then every
	// PruneEvery. Default DefaultPruneEvery (1 hour).
	PruneEvery time.Duration
}

// Service manages the shop's webhooks: staff register endpoints, the
// Publisher turns each event into a delivery per endpoint that wants it,
// and dispatchers (Service.Dispatcher) send them. It is safe for
// concurrent use.
type Service struct {
	repo   Repository
	opts   Options
	now    commerce.Clock
	newID  commerce.IDGenerator
	types  map[string]bool
	policy policy
	log    *slog.Logger
	// wake ends the wait of one dispatcher when the Publisher has stored
	// deliveries.
	wake chan struct{}
}

// NewService returns the webhooks over repo. It returns an error wrapping
// commerce.ErrInvalid that names the option when repo is nil, when
// opts.EventTypes is empty or holds a malformed type, or when an option is
// out of range.
func NewService(repo Repository, opts *Options) (*Service, error) {
	if repo == nil {
		return nil, fmt.Errorf("webhook: NewService: repo is nil: %w", commerce.ErrInvalid)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("webhook: Options.%s: %w", fmt.Sprintf(format, args...), commerce.ErrInvalid)
	}
	if len(o.EventTypes) == 0 {
		return nil, invalid("EventTypes is empty; list the event types endpoints may subscribe to")
	}
	types := make(map[string]bool, len(o.EventTypes))
	for _, t := range o.EventTypes {
		if !wellFormedType(t) {
			return nil, invalid("EventTypes holds %q, which is not a type such as \"order.placed\"", t)
		}
		types[t] = true
	}
	o.EventTypes = slices.Sorted(maps.Keys(types))
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"Timeout", int64(o.Timeout)},
		{"RetryFor", int64(o.RetryFor)},
		{"DisableAfter", int64(o.DisableAfter)},
		{"DisableAfterGivenUp", int64(o.DisableAfterGivenUp)},
		{"Concurrency", int64(o.Concurrency)},
		{"Poll", int64(o.Poll)},
		{"PruneEvery", int64(o.PruneEvery)},
	} {
		if f.value < 0 {
			return nil, invalid("%s is negative (%d); use 0 for the default", f.name, f.value)
		}
	}
	for i, b := range o.Backoff {
		if b <= 0 {
			return nil, invalid("Backoff[%d] is %v; every wait must be positive", i, b)
		}
	}
	for i, n := range o.AllowedNetworks {
		if !n.IsValid() {
			return nil, invalid("AllowedNetworks[%d] is not a valid network", i)
		}
	}
	o.Backoff = slices.Clone(o.Backoff)
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff()
	}
	setDefault(&o.Timeout, DefaultTimeout)
	setDefault(&o.RetryFor, DefaultRetryFor)
	setDefault(&o.DisableAfter, DefaultDisableAfter)
	setDefault(&o.DisableAfterGivenUp, DefaultDisableAfterGivenUp)
	setDefault(&o.Concurrency, DefaultConcurrency)
	setDefault(&o.Poll, DefaultPoll)
	setDefault(&o.Retention, DefaultRetention)
	setDefault(&o.PruneEvery, DefaultPruneEvery)
	if o.NewID == nil {
		o.NewID = commerce.NewID
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{
		repo: repo, opts: o, now: o.Now, newID: o.NewID, types: types, log: o.Logger,
		policy: policy{allowHTTP: o.AllowHTTP, allowPrivate: o.AllowPrivate, allowed: slices.Clone(o.AllowedNetworks)},
		wake:   make(chan struct{}, 1),
	}, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// wellFormedType reports whether t is an event type such as
// "order.placed" or "product.out_of_stock": dot-separated words of
// lower-case letters, digits and underscores, each starting with a letter,
// two words at least.
func wellFormedType(t string) bool {
	words := strings.Split(t, ".")
	if len(words) < 2 || len(t) > 100 {
		return false
	}
	for _, w := range words {
		if w == "" || w[0] < 'a' || w[0] > 'z' {
			return false
		}
		for i := 1; i < len(w); i++ {
			if c := w[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
				return false
			}
		}
	}
	return true
}

// EventTypes returns the event types endpoints may subscribe to, sorted.
func (s *Service) EventTypes() []string { return slices.Clone(s.opts.EventTypes) }

// ---- endpoints ----

// Create registers an endpoint, enabled. Staff only. The endpoint it
// returns holds its Secret, which no later read shows again: the consumer
// needs it to verify deliveries (Verify).
func (s *Service) Create(ctx context.Context, actor commerce.Actor, in EndpointInput) (Endpoint, error) {
	if err := authorize(actor); err != nil {
		return Endpoint{}, err
	}
	var bad commerce.ValidationError
	url := s.checkURL(&bad, in.URL)
	types := s.checkTypes(&bad, in.EventTypes)
	desc := bad.Text("description", in.Description, commerce.TextRule{Max: MaxDescriptionLen})
	if err := bad.Err(); err != nil {
		return Endpoint{}, err
	}
	now := s.now.Now()
	e := Endpoint{
		ID: s.newID(), URL: url, EventTypes: types, Description: desc, Secret: NewSecret(),
		Health: Health{Enabled: true}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := s.repo.CreateEndpoint(ctx, e); err != nil {
		return Endpoint{}, err
	}
	return e, nil
}

// Get returns the endpoint with id, without its secret. Staff only.
func (s *Service) Get(ctx context.Context, actor commerce.Actor, id uuid.UUID) (Endpoint, error) {
	if err := authorize(actor); err != nil {
		return Endpoint{}, err
	}
	e, err := s.repo.GetEndpoint(ctx, id)
	e.Secret = ""
	return e, err
}

// List returns a page of the endpoints, newest first, without their
// secrets. Staff only.
func (s *Service) List(ctx context.Context, actor commerce.Actor, f EndpointFilter) (commerce.Page[Endpoint], error) {
	if err := authorize(actor); err != nil {
		return commerce.Page[Endpoint]{}, err
	}
	var bad commerce.ValidationError
	limit, err := commerce.CheckLimit(f.Limit)
	collect(&bad, err)
	before, err := commerce.DecodeCursor(f.Cursor)
	collect(&bad, err)
	if err := bad.Err(); err != nil {
		return commerce.Page[Endpoint]{}, err
	}
	es, err := s.repo.ListEndpoints(ctx, EndpointQuery{Before: before, Limit: limit + 1})
	if err != nil {
		return commerce.Page[Endpoint]{}, err
	}
	for i := range es {
		es[i].Secret = ""
	}
	return commerce.PageOf(es, limit, func(e Endpoint) uuid.UUID { return e.ID }), nil
}

// Update changes the fields of the endpoint that patch sets, and returns
// the endpoint without its secret. Staff only. Only the fields set are
// checked, so that an endpoint whose URL the options no longer allow can
// still be disabled.
//
// A patch with a Version applies only to that version of the endpoint,
// and otherwise fails with ErrVersionConflict, changing nothing. A patch
// without one applies to the current version: when another change lands
// between its read and its write, it reads the endpoint again and applies
// to that.
func (s *Service) Update(ctx context.Context, actor commerce.Actor, id uuid.UUID, patch EndpointPatch) (Endpoint, error) {
	if err := authorize(actor); err != nil {
		return Endpoint{}, err
	}
	var bad commerce.ValidationError
	var url, desc string
	var types []string
	if patch.URL.Set {
		url = s.checkURL(&bad, patch.URL.Value)
	}
	if patch.EventTypes.Set {
		types = s.checkTypes(&bad, patch.EventTypes.Value)
	}
	if patch.Description.Set {
		desc = bad.Text("description", patch.Description.Value, commerce.TextRule{Max: MaxDescriptionLen})
	}
	if err := bad.Err(); err != nil {
		return Endpoint{}, err
	}
	e, err := s.edit(ctx, id, patch.Version, func(e *Endpoint, now time.Time) {
		if patch.URL.Set {
			e.URL = url
		}
		if patch.EventTypes.Set {
			e.EventTypes = slices.Clone(types)
		}
		if patch.Description.Set {
			e.Description = desc
		}
		switch {
		case !patch.Enabled.Set || patch.Enabled.Value == e.Enabled:
		case patch.Enabled.Value:
			e.Health = Health{Enabled: true}
		default:
			e.Enabled, e.DisabledAt = false, now
			e.DisabledReason = "disabled by staff member " + actor.UserID.String()
		}
	})
	e.Secret = ""
	return e, err
}

// RotateSecret gives the endpoint a new secret, with which every later
// attempt is signed, and returns the endpoint with it: the only time it is
// shown. The old secret signs nothing more. Staff only.
func (s *Service) RotateSecret(ctx context.Context, actor commerce.Actor, id uuid.UUID) (Endpoint, error) {
	if err := authorize(actor); err != nil {
		return Endpoint{}, err
	}
	secret := NewSecret()
	return s.edit(ctx, id, 0, func(e *Endpoint, _ time.Time) { e.Secret = secret })
}

// edit reads endpoint id, changes it and stores it if it is still the
// version read, as Update describes, and returns what it stored.
func (s *Service) edit(ctx context.Context, id uuid.UUID, want int64, change func(e *Endpoint, now time.Time)) (Endpoint, error) {
	run := func() (Endpoint, error) {
		e, err := s.repo.GetEndpoint(ctx, id)
		if err != nil {
			return Endpoint{}, err
		}
		if want != 0 && e.Version != want {
			return Endpoint{}, ErrVersionConflict
		}
		read, now := e.Version, s.now.Now()
		change(&e, now)
		e.Version, e.UpdatedAt = read+1, now
		if err := s.repo.UpdateEndpoint(ctx, e, read); err != nil {
			return Endpoint{}, err
		}
		if e.Enabled {
			// The store cleared what the dispatchers had counted, if
			// this enabled the endpoint; read it back as it is.
			return s.repo.GetEndpoint(ctx, id)
		}
		return e, nil
	}
	if want != 0 {
		return run()
	}
	return retry.OnConflict(ctx, func(err error) bool { return errors.Is(err, ErrVersionConflict) }, run)
}

// Delete removes the endpoint and its deliveries. Staff only.
func (s *Service) Delete(ctx context.Context, actor commerce.Actor, id uuid.UUID) error {
	if err := authorize(actor); err != nil {
		return err
	}
	return s.repo.DeleteEndpoint(ctx, id)
}

// Deliveries returns a page of the endpoint's deliveries, newest first,
// each with its status, its attempts and the last one's outcome. Staff
// only. It returns ErrEndpointNotFound for an id that names no endpoint.
func (s *Service) Deliveries(ctx context.Context, actor commerce.Actor, endpointID uuid.UUID, f DeliveryFilter) (commerce.Page[Delivery], error) {
	if err := authorize(actor); err != nil {
		return commerce.Page[Delivery]{}, err
	}
	var bad commerce.ValidationError
	limit, err := commerce.CheckLimit(f.Limit)
	collect(&bad, err)
	before, err := commerce.DecodeCursor(f.Cursor)
	collect(&bad, err)
	if err := bad.Err(); err != nil {
		return commerce.Page[Delivery]{}, err
	}
	if _, err := s.repo.GetEndpoint(ctx, endpointID); err != nil {
		return commerce.Page[Delivery]{}, err
	}
	ds, err := s.repo.ListDeliveries(ctx, DeliveryQuery{EndpointID: endpointID, Before: before, Limit: limit + 1})
	if err != nil {
		return commerce.Page[Delivery]{}, err
	}
	return commerce.PageOf(ds, limit, func(d Delivery) uuid.UUID { return d.ID }), nil
}

// checkURL checks an endpoint's URL, recording a problem on field "url",
// and returns it without surrounding space.
func (s *Service) checkURL(bad *commerce.ValidationError, raw string) string {
	raw = strings.TrimSpace(raw)
	if why := s.policy.checkURL(raw); why != "" {
		bad.Add("url", why)
	}
	return raw
}

// checkTypes checks an endpoint's event types, recording a problem on
// field "event_types", and returns them sorted, each once.
func (s *Service) checkTypes(bad *commerce.ValidationError, types []string) []string {
	out := make([]string, 0, len(types))
	for _, t := range types {
		t = strings.TrimSpace(t)
		switch {
		case t == AllEvents || s.types[t]:
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		case t == "":
			bad.Add("event_types", "must not contain an empty type")
		default:
			bad.Add("event_types", fmt.Sprintf("unknown event type %q; the types are %s, or %q for all",
				t, strings.Join(s.opts.EventTypes, ", "), AllEvents))
		}
	}
	switch {
	case len(types) == 0:
		bad.Add("event_types", fmt.Sprintf("required: list event types, or %q for all", AllEvents))
	case slices.Contains(out, AllEvents) && len(out) > 1:
		bad.Add("event_types", fmt.Sprintf("%q already subscribes to every type; give it alone", AllEvents))
	}
	slices.Sort(out)
	return out
}

// collect adds the fields of a ValidationError to bad; other errors cannot
// come from the checks it is used with.
func collect(bad *commerce.ValidationError, err error) {
	var v *commerce.ValidationError
	if errors.As(err, &v) {
		for f, m := range v.Fields {
			bad.Add(f, m)
		}
	}
}

// ---- publishing ----

// Publisher returns the publisher that a relay (package outbox) hands the
// shop's events to: it stores one delivery of each event for every
// enabled endpoint subscribed to the event's type, for the dispatchers to
// send. An event published again — a relay delivers at least once —
// stores no second delivery for an endpoint that has one.
func (s *Service) Publisher() outbox.Publisher { return publisher{s} }

type publisher struct{ s *Service }

// endpointPage is how many endpoints Publish reads at a time.
const endpointPage = 100

// Publish stores the deliveries of ev and wakes a dispatcher of the
// Service. It returns an error wrapping commerce.ErrInvalid for an event
// without an id or a type, and the store's error when it cannot read the
// endpoints or store the deliveries, which then stores none.
func (p publisher) Publish(ctx context.Context, ev commerce.Event) error {
	s := p.s
	if ev.ID == uuid.Nil || ev.Type == "" {
		return fmt.Errorf("webhook: an event without an id or a type (%q, %s): %w", ev.Type, ev.ID, commerce.ErrInvalid)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("webhook: writing event %s as JSON: %v: %w", ev.ID, err, commerce.ErrInvalid)
	}
	// An endpoint deleted between the read and the write fails the write;
	// read again, it is gone.
	for run := 1; ; run++ {
		ds, err := s.deliveries(ctx, ev, payload)
		if err != nil || len(ds) == 0 {
			return err
		}
		err = s.repo.AddDeliveries(ctx, ds)
		if errors.Is(err, ErrEndpointNotFound) && run < retry.Runs && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return err
		}
		s.notify()
		return nil
	}
}

// deliveries returns a new delivery of ev, whose JSON is payload, for each
// enabled endpoint subscribed to its type.
func (s *Service) deliveries(ctx context.Context, ev commerce.Event, payload []byte) ([]Delivery, error) {
	var ds []Delivery
	now := s.now.Now()
	q := EndpointQuery{EnabledOnly: true, Limit: endpointPage}
	for {
		es, err := s.repo.ListEndpoints(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.Subscribed(ev.Type) {
				ds = append(ds, Delivery{
					ID: s.newID(), EndpointID: e.ID, EventID: ev.ID, EventType: ev.Type, Payload: payload,
					Status: StatusPending, CreatedAt: now, NextAttemptAt: now,
				})
			}
		}
		if len(es) < q.Limit {
			return ds, nil
		}
		q.Before = es[len(es)-1].ID
	}
}

// notify ends the wait of one dispatcher of the Service, if one waits.
func (s *Service) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
