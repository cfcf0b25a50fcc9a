package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/webhook"
)

// eventTypes are the types the tests' services offer.
var eventTypes = []string{"order.placed", "order.paid", "order.shipped", "product.out_of_stock", "user.signed_up"}

// clock is a clock that the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// fixture is a service over an empty memstore.
type fixture struct {
	ctx      context.Context
	repo     webhook.Repository
	svc      *webhook.Service
	clock    *clock
	staff    commerce.Actor
	customer commerce.Actor
}

// newFixture returns a service with opts (EventTypes and Now filled in
// when empty).
func newFixture(t *testing.T, opts webhook.Options) *fixture {
	t.Helper()
	f := &fixture{
		ctx: context.Background(), repo: memstore.New(nil).Webhooks(), clock: newClock(),
		staff: commerce.StaffActor(commerce.NewID()), customer: commerce.UserActor(commerce.NewID()),
	}
	if opts.EventTypes == nil {
		opts.EventTypes = eventTypes
	}
	if opts.Now == nil {
		opts.Now = f.clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	svc, err := webhook.NewService(f.repo, &opts)
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	f.svc = svc
	return f
}

func (f *fixture) create(t *testing.T, url string, types ...string) webhook.Endpoint {
	t.Helper()
	e, err := f.svc.Create(f.ctx, f.staff, webhook.EndpointInput{URL: url, EventTypes: types, Description: "테스트"})
	if err != nil {
		t.Fatalf("Create(%s): %v", url, err)
	}
	return e
}

func (f *fixture) get(t *testing.T, id uuid.UUID) webhook.Endpoint {
	t.Helper()
	e, err := f.repo.GetEndpoint(f.ctx, id)
	if err != nil {
		t.Fatalf("GetEndpoint: %v", err)
	}
	return e
}

func (f *fixture) deliveries(t *testing.T, endpoint uuid.UUID) []webhook.Delivery {
	t.Helper()
	page, err := f.svc.Deliveries(f.ctx, f.staff, endpoint, webhook.DeliveryFilter{Limit: commerce.MaxLimit})
	if err != nil {
		t.Fatalf("Deliveries: %v", err)
	}
	return page.Items
}

func (f *fixture) publish(t *testing.T, typ string) commerce.Event {
	t.Helper()
	ev := commerce.NewEvent(typ, commerce.NewID(), 1, f.clock.Now(), map[string]any{"total": "15000", "memo": "부재 시 문 앞"})
	if err := f.svc.Publisher().Publish(f.ctx, ev); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return ev
}

// wantFields fails t unless err is a ValidationError on exactly fields.
func wantFields(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	got := commerce.FieldErrors(err)
	if !errors.Is(err, commerce.ErrInvalid) || len(got) != len(fields) {
		t.Errorf("%s: got %v, want a validation error on %v", what, err, fields)
		return
	}
	for _, f := range fields {
		if _, ok := got[f]; !ok {
			t.Errorf("%s: got %v, want a validation error on %v", what, err, fields)
		}
	}
}

func TestNewServiceOptions(t *testing.T) {
	repo := memstore.New(nil).Webhooks()
	for _, tc := range []struct {
		name string
		repo webhook.Repository
		opts *webhook.Options
		want string
	}{
		{"nil repo", nil, &webhook.Options{EventTypes: eventTypes}, "repo"},
		{"no options", repo, nil, "EventTypes"},
		{"no types", repo, &webhook.Options{}, "EventTypes"},
		{"malformed type", repo, &webhook.Options{EventTypes: []string{"order.placed", "Order Placed"}}, "EventTypes"},
		{"one word", repo, &webhook.Options{EventTypes: []string{"order"}}, "EventTypes"},
		{"star", repo, &webhook.Options{EventTypes: []string{"*"}}, "EventTypes"},
		{"negative timeout", repo, &webhook.Options{EventTypes: eventTypes, Timeout: -time.Second}, "Timeout"},
		{"negative concurrency", repo, &webhook.Options{EventTypes: eventTypes, Concurrency: -1}, "Concurrency"},
		{"zero backoff", repo, &webhook.Options{EventTypes: eventTypes, Backoff: []time.Duration{time.Second, 0}}, "Backoff[1]"},
		{"invalid network", repo, &webhook.Options{EventTypes: eventTypes, AllowedNetworks: make([]netip.Prefix, 1)}, "AllowedNetworks[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := webhook.NewService(tc.repo, tc.opts)
			if !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrInvalid naming %s", err, tc.want)
			}
		})
	}
	svc, err := webhook.NewService(repo, &webhook.Options{EventTypes: []string{"order.paid", "order.placed", "order.paid"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.EventTypes(); strings.Join(got, ",") != "order.paid,order.placed" {
		t.Errorf("EventTypes() = %v, want sorted, each once", got)
	}
}

func TestOnlyStaff(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	e := f.create(t, "https://hooks.example.com/a", "order.placed")
	for _, actor := range []struct {
		name  string
		actor commerce.Actor
		want  error
	}{
		{"visitor", commerce.Anonymous, commerce.ErrUnauthenticated},
		{"staff flag without a user", commerce.Actor{Staff: true}, commerce.ErrUnauthenticated},
		{"customer", f.customer, commerce.ErrForbidden},
	} {
		a := actor.actor
		for name, call := range map[string]func() error{
			"Create": func() error {
				_, err := f.svc.Create(f.ctx, a, webhook.EndpointInput{URL: "https://x.example.com", EventTypes: []string{"*"}})
				return err
			},
			"Get":  func() error { _, err := f.svc.Get(f.ctx, a, e.ID); return err },
			"List": func() error { _, err := f.svc.List(f.ctx, a, webhook.EndpointFilter{}); return err },
			"Update": func() error {
				_, err := f.svc.Update(f.ctx, a, e.ID, webhook.EndpointPatch{Enabled: commerce.Some(false)})
				return err
			},
			"RotateSecret": func() error { _, err := f.svc.RotateSecret(f.ctx, a, e.ID); return err },
			"Delete":       func() error { return f.svc.Delete(f.ctx, a, e.ID) },
			"Deliveries": func() error {
				_, err := f.svc.Deliveries(f.ctx, a, e.ID, webhook.DeliveryFilter{})
				return err
			},
		} {
			if err := call(); !errors.Is(err, actor.want) {
				t.Errorf("%s by a %s: got %v, want %v", name, actor.name, err, actor.want)
			}
		}
	}
	if got := f.get(t, e.ID); got.Version != 1 || !got.Enabled || got.Secret != e.Secret {
		t.Errorf("the endpoint changed: %+v", got)
	}
}

func TestCreate(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	e, err := f.svc.Create(f.ctx, f.staff, webhook.EndpointInput{
		URL: "  https://hooks.example.com/shop?token=abc  ", EventTypes: []string{"order.placed", " order.paid", "order.placed"},
		Description: "  창고 시스템 \u1100\u1161 ",
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.URL != "https://hooks.example.com/shop?token=abc" || strings.Join(e.EventTypes, ",") != "order.paid,order.placed" ||
		e.Description != "창고 시스템 가" || !e.Enabled || e.Version != 1 || e.ID == uuid.Nil ||
		!e.CreatedAt.Equal(f.clock.Now()) || !strings.HasPrefix(e.Secret, webhook.SecretPrefix) {
		t.Errorf("Create returned %+v", e)
	}
	stored := f.get(t, e.ID)
	if stored.Secret != e.Secret {
		t.Error("the stored secret is not the one shown")
	}
	got, err := f.svc.Get(f.ctx, f.staff, e.ID)
	if err != nil || got.Secret != "" {
		t.Errorf("Get: secret %q, %v; want it hidden", got.Secret, err)
	}
	list, err := f.svc.List(f.ctx, f.staff, webhook.EndpointFilter{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Secret != "" || list.Items[0].ID != e.ID {
		t.Errorf("List: %+v, %v; want the endpoint without its secret", list, err)
	}
	all := f.create(t, "https://all.example.com", webhook.AllEvents)
	if strings.Join(all.EventTypes, ",") != webhook.AllEvents || !all.Subscribed("post.published") {
		t.Errorf("an endpoint of all types: %v", all.EventTypes)
	}
}

func TestCreateValidation(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	for _, tc := range []struct {
		name   string
		in     webhook.EndpointInput
		fields []string
	}{
		{"empty", webhook.EndpointInput{}, []string{"url", "event_types"}},
		{"http", webhook.EndpointInput{URL: "http://hooks.example.com", EventTypes: []string{"*"}}, []string{"url"}},
		{"loopback", webhook.EndpointInput{URL: "https://127.0.0.1/x", EventTypes: []string{"*"}}, []string{"url"}},
		{"metadata service", webhook.EndpointInput{URL: "https://169.254.169.254/latest/meta-data/", EventTypes: []string{"*"}}, []string{"url"}},
		{"private", webhook.EndpointInput{URL: "https://10.0.0.1/x", EventTypes: []string{"*"}}, []string{"url"}},
		{"ipv6 loopback", webhook.EndpointInput{URL: "https://[::1]/x", EventTypes: []string{"*"}}, []string{"url"}},
		{"localhost", webhook.EndpointInput{URL: "https://localhost/x", EventTypes: []string{"*"}}, []string{"url"}},
		{"user info", webhook.EndpointInput{URL: "https://a:b@hooks.example.com/x", EventTypes: []string{"*"}}, []string{"url"}},
		{"fragment", webhook.EndpointInput{URL: "https://hooks.example.com/x#y", EventTypes: []string{"*"}}, []string{"url"}},
		{"scheme", webhook.EndpointInput{URL: "file:///etc/passwd", EventTypes: []string{"*"}}, []string{"url"}},
		{"unknown type", webhook.EndpointInput{URL: "https://hooks.example.com", EventTypes: []string{"order.refunded"}}, []string{"event_types"}},
		{"empty type", webhook.EndpointInput{URL: "https://hooks.example.com", EventTypes: []string{""}}, []string{"event_types"}},
		{"star and more", webhook.EndpointInput{URL: "https://hooks.example.com", EventTypes: []string{"*", "order.paid"}}, []string{"event_types"}},
		{"description", webhook.EndpointInput{URL: "https://hooks.example.com", EventTypes: []string{"*"},
			Description: strings.Repeat("가", webhook.MaxDescriptionLen+1)}, []string{"description"}},
		{"description control", webhook.EndpointInput{URL: "https://hooks.example.com", EventTypes: []string{"*"},
			Description: "a\x07b"}, []string{"description"}},
	} {
		_, err := f.svc.Create(f.ctx, f.staff, tc.in)
		wantFields(t, tc.name, err, tc.fields...)
	}
	if list, _ := f.svc.List(f.ctx, f.staff, webhook.EndpointFilter{}); len(list.Items) != 0 {
		t.Errorf("refused endpoints were stored: %v", list.Items)
	}
	// The options allow what the tests need.
	lax := newFixture(t, webhook.Options{AllowHTTP: true, AllowPrivate: true})
	lax.create(t, "http://127.0.0.1:8080/x", "*")
	lax.create(t, "http://localhost:8080/x", "*")
}

func TestList(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	var ids []uuid.UUID
	for range 5 {
		ids = append([]uuid.UUID{f.create(t, "https://hooks.example.com", "*").ID}, ids...)
	}
	page, err := f.svc.List(f.ctx, f.staff, webhook.EndpointFilter{Limit: 3})
	if err != nil || len(page.Items) != 3 || page.Items[0].ID != ids[0] || page.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, err = f.svc.List(f.ctx, f.staff, webhook.EndpointFilter{Limit: 3, Cursor: page.NextCursor})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != ids[3] || page.NextCursor != "" {
		t.Fatalf("second page: %+v, %v", page, err)
	}
	_, err = f.svc.List(f.ctx, f.staff, webhook.EndpointFilter{Limit: 101, Cursor: "nope"})
	wantFields(t, "bad limit and cursor", err, "limit", "cursor")
}

func TestUpdate(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	e := f.create(t, "https://hooks.example.com/a", "order.placed")
	f.clock.Advance(time.Minute)
	got, err := f.svc.Update(f.ctx, f.staff, e.ID, webhook.EndpointPatch{
		URL: commerce.Some("https://hooks.example.com/b"), EventTypes: commerce.Some([]string{"order.shipped", "order.paid"}),
		Description: commerce.Some("배송"), Version: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != "https://hooks.example.com/b" || strings.Join(got.EventTypes, ",") != "order.paid,order.shipped" ||
		got.Description != "배송" || got.Version != 2 || !got.UpdatedAt.Equal(f.clock.Now()) || got.Secret != "" || !got.Enabled {
		t.Errorf("Update returned %+v", got)
	}
	if _, err := f.svc.Update(f.ctx, f.staff, e.ID, webhook.EndpointPatch{Description: commerce.Some("x"), Version: 1}); !errors.Is(err, webhook.ErrVersionConflict) {
		t.Errorf("Update of a stale version: %v, want ErrVersionConflict", err)
	}
	_, err = f.svc.Update(f.ctx, f.staff, e.ID, webhook.EndpointPatch{URL: commerce.Some("https://10.0.0.1/"), EventTypes: commerce.Some([]string{})})
	wantFields(t, "a bad patch", err, "url", "event_types")
	if _, err := f.svc.Update(f.ctx, f.staff, commerce.NewID(), webhook.EndpointPatch{}); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("Update of a missing endpoint: %v, want ErrEndpointNotFound", err)
	}

	// Disabling says who did it; enabling clears it.
	got, err = f.svc.Update(f.ctx, f.staff, e.ID, webhook.EndpointPatch{Enabled: commerce.Some(false)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || !got.DisabledAt.Equal(f.clock.Now()) || !strings.Contains(got.DisabledReason, f.staff.UserID.String()) || got.Version != 3 {
		t.Errorf("disabled: %+v", got)
	}
	got, err = f.svc.Update(f.ctx, f.staff, e.ID, webhook.EndpointPatch{Enabled: commerce.Some(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Enabled || !got.DisabledAt.IsZero() || got.DisabledReason != "" || got.Version != 4 {
		t.Errorf("enabled again: %+v", got)
	}
	if f.get(t, e.ID).Secret != e.Secret {
		t.Error("an update changed the secret")
	}
}

// TestUpdateChecksOnlyWhatItSets disables an endpoint whose URL the
// options no longer allow.
func TestUpdateChecksOnlyWhatItSets(t *testing.T) {
	lax := newFixture(t, webhook.Options{AllowHTTP: true})
	e := lax.create(t, "http://hooks.example.com/a", "*")
	strict, err := webhook.NewService(lax.repo, &webhook.Options{EventTypes: eventTypes})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strict.Update(lax.ctx, lax.staff, e.ID, webhook.EndpointPatch{Enabled: commerce.Some(false)}); err != nil {
		t.Errorf("disabling: %v", err)
	}
	_, err = strict.Update(lax.ctx, lax.staff, e.ID, webhook.EndpointPatch{URL: commerce.Some(e.URL)})
	wantFields(t, "setting the http URL again", err, "url")
}

func TestRotateSecret(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	e := f.create(t, "https://hooks.example.com/a", "*")
	got, err := f.svc.RotateSecret(f.ctx, f.staff, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret == e.Secret || !strings.HasPrefix(got.Secret, webhook.SecretPrefix) || got.Version != 2 {
		t.Errorf("RotateSecret returned %+v", got)
	}
	if f.get(t, e.ID).Secret != got.Secret {
		t.Error("the new secret is not the stored one")
	}
	if g, _ := f.svc.Get(f.ctx, f.staff, e.ID); g.Secret != "" {
		t.Error("Get shows the secret after a rotation")
	}
	if _, err := f.svc.RotateSecret(f.ctx, f.staff, commerce.NewID()); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("RotateSecret of a missing endpoint: %v", err)
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	e := f.create(t, "https://hooks.example.com/a", "*")
	f.publish(t, "order.placed")
	if err := f.svc.Delete(f.ctx, f.staff, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(f.ctx, f.staff, e.ID); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	if _, err := f.svc.Deliveries(f.ctx, f.staff, e.ID, webhook.DeliveryFilter{}); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("Deliveries after Delete: %v", err)
	}
	if err := f.svc.Delete(f.ctx, f.staff, e.ID); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("Delete again: %v", err)
	}
}

func TestPublish(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	orders := f.create(t, "https://orders.example.com", "order.placed", "order.paid")
	all := f.create(t, "https://all.example.com", webhook.AllEvents)
	users := f.create(t, "https://users.example.com", "user.signed_up")
	off := f.create(t, "https://off.example.com", webhook.AllEvents)
	if _, err := f.svc.Update(f.ctx, f.staff, off.ID, webhook.EndpointPatch{Enabled: commerce.Some(false)}); err != nil {
		t.Fatal(err)
	}

	ev := f.publish(t, "order.placed")
	// A relay publishes at least once: the same event again stores nothing.
	if err := f.svc.Publisher().Publish(f.ctx, ev); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(ev)
	for _, e := range []webhook.Endpoint{orders, all} {
		ds := f.deliveries(t, e.ID)
		if len(ds) != 1 {
			t.Fatalf("%s: %d deliveries, want 1", e.URL, len(ds))
		}
		d := ds[0]
		if d.EventID != ev.ID || d.EventType != "order.placed" || string(d.Payload) != string(body) || d.Status != webhook.StatusPending ||
			d.Attempts != 0 || !d.NextAttemptAt.Equal(f.clock.Now()) || !d.CreatedAt.Equal(f.clock.Now()) {
			t.Errorf("%s: delivery %+v", e.URL, d)
		}
	}
	for _, e := range []webhook.Endpoint{users, off} {
		if ds := f.deliveries(t, e.ID); len(ds) != 0 {
			t.Errorf("%s: %d deliveries, want none", e.URL, len(ds))
		}
	}
	// Many endpoints: Publish reads them all.
	for range 120 {
		f.create(t, "https://many.example.com", "product.out_of_stock")
	}
	f.publish(t, "product.out_of_stock")
	total := 0
	for cursor := ""; ; {
		page, err := f.svc.List(f.ctx, f.staff, webhook.EndpointFilter{Limit: commerce.MaxLimit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			total += len(f.deliveries(t, e.ID))
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if want := 2 + 120 + 1; total != want { // order.placed twice, out_of_stock to each new one and to all
		t.Errorf("%d deliveries in all, want %d", total, want)
	}

	for _, bad := range []commerce.Event{{Type: "order.placed"}, {ID: commerce.NewID()}} {
		if err := f.svc.Publisher().Publish(f.ctx, bad); !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("Publish(%+v): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestDeliveriesPaging(t *testing.T) {
	f := newFixture(t, webhook.Options{})
	e := f.create(t, "https://hooks.example.com", webhook.AllEvents)
	var evs []commerce.Event
	for range 3 {
		evs = append([]commerce.Event{f.publish(t, "order.paid")}, evs...)
	}
	page, err := f.svc.Deliveries(f.ctx, f.staff, e.ID, webhook.DeliveryFilter{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Items[0].EventID != evs[0].ID || page.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, err = f.svc.Deliveries(f.ctx, f.staff, e.ID, webhook.DeliveryFilter{Limit: 2, Cursor: page.NextCursor})
	if err != nil || len(page.Items) != 1 || page.Items[0].EventID != evs[2].ID || page.NextCursor != "" {
		t.Fatalf("second page: %+v, %v", page, err)
	}
	_, err = f.svc.Deliveries(f.ctx, f.staff, e.ID, webhook.DeliveryFilter{Limit: -1})
	wantFields(t, "a negative limit", err, "limit")
}
