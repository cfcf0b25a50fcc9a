package storagetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/webhook"
)

// webhookFixture is one test's webhooks over an empty store. Claims and
// attempts name their own times, so the cases need no clock of the
// store's: t0 is the time they start from.
type webhookFixture struct {
	ctx  context.Context
	repo webhook.Repository
	t0   time.Time
}

func runWebhookTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *webhookFixture)
	}{
		{"Endpoints", testWebhookEndpoints},
		{"EndpointPaging", testWebhookEndpointPaging},
		{"UpdateEndpoint", testWebhookUpdateEndpoint},
		{"DeleteEndpoint", testWebhookDeleteEndpoint},
		{"AddDeliveries", testWebhookAddDeliveries},
		{"ListDeliveries", testWebhookListDeliveries},
		{"Claim", testWebhookClaim},
		{"Lease", testWebhookLease},
		{"Finish", testWebhookFinish},
		{"Health", testWebhookHealth},
		{"Release", testWebhookRelease},
		{"Prune", testWebhookPrune},
		{"ConcurrentClaims", testWebhookConcurrentClaims},
		{"Dispatchers", testWebhookDispatchers},
		{"EndedContext", testWebhookEndedContext},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			stores := h.MakeStores(ctx, t)
			if stores.Webhooks == nil {
				t.Skip("the adapter has no webhooks")
			}
			c.fn(t, &webhookFixture{ctx: ctx, repo: stores.Webhooks, t0: time.Date(2026, 11, 25, 9, 0, 0, 123456000, time.UTC)})
		})
	}
}

// endpoint stores an enabled endpoint subscribed to order.placed, changed
// by edit first when it is not nil.
func (f *webhookFixture) endpoint(t *testing.T, edit func(*webhook.Endpoint)) webhook.Endpoint {
	t.Helper()
	e := webhook.Endpoint{
		ID: commerce.NewID(), URL: "https://hooks.example.com/shop?token=abc", EventTypes: []string{"order.placed"},
		Description: "주문 알림", Secret: webhook.NewSecret(), Health: webhook.Health{Enabled: true},
		CreatedAt: f.t0, UpdatedAt: f.t0, Version: 1,
	}
	if edit != nil {
		edit(&e)
	}
	if err := f.repo.CreateEndpoint(f.ctx, e); err != nil {
		t.Fatalf("CreateEndpoint: %v", err)
	}
	return e
}

// newDelivery returns a new pending delivery of a new event to endpoint,
// due at due.
func (f *webhookFixture) newDelivery(endpoint uuid.UUID, due time.Time) webhook.Delivery {
	event := commerce.NewID()
	return webhook.Delivery{
		ID: commerce.NewID(), EndpointID: endpoint, EventID: event, EventType: "order.placed",
		Payload: []byte(fmt.Sprintf(`{"id":%q,"type":"order.placed","data":{"memo":"선물 포장"}}`, event)),
		Status:  webhook.StatusPending, CreatedAt: f.t0, NextAttemptAt: due,
	}
}

// deliveries stores a new delivery to endpoint for each due time.
func (f *webhookFixture) deliveries(t *testing.T, endpoint uuid.UUID, due ...time.Time) []webhook.Delivery {
	t.Helper()
	ds := make([]webhook.Delivery, len(due))
	for i, d := range due {
		ds[i] = f.newDelivery(endpoint, d)
	}
	if err := f.repo.AddDeliveries(f.ctx, ds); err != nil {
		t.Fatalf("AddDeliveries: %v", err)
	}
	return ds
}

// claim claims at now, for a minute, up to limit deliveries.
func (f *webhookFixture) claim(t *testing.T, now time.Time, limit int) []webhook.Delivery {
	t.Helper()
	ds, err := f.repo.ClaimDeliveries(f.ctx, webhook.ClaimQuery{Now: now, Lease: uuid.New(), Until: now.Add(time.Minute), Limit: limit})
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return ds
}

// get reads endpoint id.
func (f *webhookFixture) get(t *testing.T, id uuid.UUID) webhook.Endpoint {
	t.Helper()
	e, err := f.repo.GetEndpoint(f.ctx, id)
	if err != nil {
		t.Fatalf("GetEndpoint: %v", err)
	}
	return e
}

// delivery reads delivery id of endpoint.
func (f *webhookFixture) delivery(t *testing.T, endpoint, id uuid.UUID) webhook.Delivery {
	t.Helper()
	ds, err := f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: endpoint, Limit: 1000})
	if err != nil {
		t.Fatalf("ListDeliveries: %v", err)
	}
	for _, d := range ds {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("delivery %s is not among the endpoint's", id)
	return webhook.Delivery{}
}

func deliveryIDs(ds []webhook.Delivery) []uuid.UUID {
	out := make([]uuid.UUID, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// withoutLease returns ds as a read outside a claim returns them.
func withoutLease(ds ...webhook.Delivery) []webhook.Delivery {
	out := slices.Clone(ds)
	for i := range out {
		out[i].Lease = uuid.Nil
	}
	return out
}

func testWebhookEndpoints(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, func(e *webhook.Endpoint) {
		e.EventTypes = []string{"order.paid", "order.placed"}
		e.Description = "배송 알림 — 창고 시스템"
	})
	if diff := cmp.Diff(e, f.get(t, e.ID)); diff != "" {
		t.Errorf("GetEndpoint (-stored +read):\n%s", diff)
	}
	if err := f.repo.CreateEndpoint(f.ctx, e); !errors.Is(err, webhook.ErrDuplicateID) {
		t.Errorf("CreateEndpoint of a taken id: got %v, want ErrDuplicateID", err)
	}
	if _, err := f.repo.GetEndpoint(f.ctx, commerce.NewID()); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("GetEndpoint of a missing id: got %v, want ErrEndpointNotFound", err)
	}
	// A read returns a copy: changing it changes nothing stored.
	got := f.get(t, e.ID)
	got.EventTypes[0] = "user.signed_up"
	if diff := cmp.Diff(e, f.get(t, e.ID)); diff != "" {
		t.Errorf("the stored endpoint changed with a copy (-want +got):\n%s", diff)
	}
	// A disabled endpoint keeps its health.
	d := f.endpoint(t, func(e *webhook.Endpoint) {
		e.EventTypes = []string{webhook.AllEvents}
		e.Health = webhook.Health{DisabledAt: f.t0, DisabledReason: "disabled by staff", FailingSince: f.t0.Add(-time.Hour), GivenUp: 2}
	})
	if diff := cmp.Diff(d, f.get(t, d.ID)); diff != "" {
		t.Errorf("GetEndpoint of a disabled endpoint (-stored +read):\n%s", diff)
	}
}

func testWebhookEndpointPaging(t *testing.T, f *webhookFixture) {
	var all []webhook.Endpoint
	for i := range 5 {
		all = append(all, f.endpoint(t, func(e *webhook.Endpoint) { e.Enabled = i%2 == 0 }))
	}
	slices.Reverse(all) // newest first
	page, err := f.repo.ListEndpoints(f.ctx, webhook.EndpointQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[:3], page); diff != "" {
		t.Errorf("first page (-want +got):\n%s", diff)
	}
	page, err = f.repo.ListEndpoints(f.ctx, webhook.EndpointQuery{Before: all[2].ID, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[3:], page); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}
	enabled, err := f.repo.ListEndpoints(f.ctx, webhook.EndpointQuery{EnabledOnly: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []webhook.Endpoint{all[0], all[2], all[4]}
	if diff := cmp.Diff(want, enabled); diff != "" {
		t.Errorf("enabled endpoints (-want +got):\n%s", diff)
	}
	none, err := f.repo.ListEndpoints(f.ctx, webhook.EndpointQuery{Before: all[4].ID, Limit: 10})
	if err != nil || len(none) != 0 {
		t.Errorf("past the last: %v, %v; want none", none, err)
	}
}

func testWebhookUpdateEndpoint(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	next := e
	next.URL, next.EventTypes, next.Description = "https://other.example.com/hook", []string{webhook.AllEvents}, "모든 이벤트"
	next.Secret = webhook.NewSecret()
	next.Enabled, next.DisabledAt, next.DisabledReason = false, f.t0.Add(time.Minute), "disabled by staff"
	next.CreatedAt = f.t0.Add(time.Hour) // kept as stored
	next.UpdatedAt, next.Version = f.t0.Add(time.Minute), 2
	if err := f.repo.UpdateEndpoint(f.ctx, next, 1); err != nil {
		t.Fatalf("UpdateEndpoint: %v", err)
	}
	want := next
	want.CreatedAt = e.CreatedAt
	if diff := cmp.Diff(want, f.get(t, e.ID)); diff != "" {
		t.Errorf("after UpdateEndpoint (-want +got):\n%s", diff)
	}
	if err := f.repo.UpdateEndpoint(f.ctx, next, 1); !errors.Is(err, webhook.ErrVersionConflict) {
		t.Errorf("UpdateEndpoint of a stale version: got %v, want ErrVersionConflict", err)
	}
	missing := next
	missing.ID = commerce.NewID()
	if err := f.repo.UpdateEndpoint(f.ctx, missing, 1); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("UpdateEndpoint of a missing endpoint: got %v, want ErrEndpointNotFound", err)
	}
}

func testWebhookDeleteEndpoint(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	other := f.endpoint(t, nil)
	ds := f.deliveries(t, e.ID, f.t0, f.t0)
	kept := f.deliveries(t, other.ID, f.t0)
	if err := f.repo.DeleteEndpoint(f.ctx, e.ID); err != nil {
		t.Fatalf("DeleteEndpoint: %v", err)
	}
	if _, err := f.repo.GetEndpoint(f.ctx, e.ID); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("GetEndpoint after DeleteEndpoint: got %v, want ErrEndpointNotFound", err)
	}
	if err := f.repo.DeleteEndpoint(f.ctx, e.ID); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("DeleteEndpoint again: got %v, want ErrEndpointNotFound", err)
	}
	left, err := f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: e.ID, Limit: 10})
	if err != nil || len(left) != 0 {
		t.Errorf("the deleted endpoint's deliveries: %v, %v; want none", left, err)
	}
	if got := f.claim(t, f.t0, 10); !slices.Equal(deliveryIDs(got), deliveryIDs(kept)) {
		t.Errorf("claimed %v, want only the other endpoint's %v (not %v)", deliveryIDs(got), deliveryIDs(kept), deliveryIDs(ds))
	}
	// No delivery goes to the deleted endpoint.
	if err := f.repo.AddDeliveries(f.ctx, ds); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("AddDeliveries to the deleted endpoint: got %v, want ErrEndpointNotFound", err)
	}
}

func testWebhookAddDeliveries(t *testing.T, f *webhookFixture) {
	a, b := f.endpoint(t, nil), f.endpoint(t, nil)
	first := f.newDelivery(a.ID, f.t0)
	toB := first
	toB.ID, toB.EndpointID = commerce.NewID(), b.ID
	if err := f.repo.AddDeliveries(f.ctx, []webhook.Delivery{first, toB}); err != nil {
		t.Fatalf("AddDeliveries: %v", err)
	}
	if diff := cmp.Diff(first, f.delivery(t, a.ID, first.ID)); diff != "" {
		t.Errorf("the stored delivery (-want +got):\n%s", diff)
	}
	// The same event again, as a relay publishes it twice: a's delivery
	// is kept as it was, and the new one to a third endpoint is stored.
	c := f.endpoint(t, nil)
	again := first
	again.ID, again.Payload = commerce.NewID(), []byte(`{"changed":true}`)
	toC := first
	toC.ID, toC.EndpointID = commerce.NewID(), c.ID
	if err := f.repo.AddDeliveries(f.ctx, []webhook.Delivery{again, toC}); err != nil {
		t.Fatalf("AddDeliveries of an event again: %v", err)
	}
	all, err := f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: a.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]webhook.Delivery{first}, all); diff != "" {
		t.Errorf("a's deliveries after the event came again (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(toC, f.delivery(t, c.ID, toC.ID)); diff != "" {
		t.Errorf("c's delivery (-want +got):\n%s", diff)
	}
	// One missing endpoint stores none of the batch.
	ok := f.newDelivery(a.ID, f.t0)
	bad := f.newDelivery(commerce.NewID(), f.t0)
	if err := f.repo.AddDeliveries(f.ctx, []webhook.Delivery{ok, bad}); !errors.Is(err, webhook.ErrEndpointNotFound) {
		t.Errorf("AddDeliveries to a missing endpoint: got %v, want ErrEndpointNotFound", err)
	}
	all, err = f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: a.ID, Limit: 10})
	if err != nil || len(all) != 1 {
		t.Errorf("a's deliveries after a failed batch: %d, %v; want the first only", len(all), err)
	}
	if err := f.repo.AddDeliveries(f.ctx, nil); err != nil {
		t.Errorf("AddDeliveries of none: %v", err)
	}
}

func testWebhookListDeliveries(t *testing.T, f *webhookFixture) {
	e, other := f.endpoint(t, nil), f.endpoint(t, nil)
	var ds []webhook.Delivery
	for range 5 {
		ds = append(ds, f.deliveries(t, e.ID, f.t0)...)
		f.deliveries(t, other.ID, f.t0)
	}
	slices.Reverse(ds)
	page, err := f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: e.ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ds[:2], page); diff != "" {
		t.Errorf("first page (-want +got):\n%s", diff)
	}
	page, err = f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: e.ID, Before: ds[1].ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ds[2:], page); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}
	none, err := f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: commerce.NewID(), Limit: 10})
	if err != nil || len(none) != 0 {
		t.Errorf("deliveries of a missing endpoint: %v, %v; want none", none, err)
	}
}

func testWebhookClaim(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	off := f.endpoint(t, func(e *webhook.Endpoint) {
		e.Enabled, e.DisabledAt, e.DisabledReason = false, f.t0, "disabled by staff"
	})
	// Due in the order 2, 0, 1; one due later; one of a disabled endpoint.
	ds := f.deliveries(t, e.ID, f.t0.Add(-time.Minute), f.t0, f.t0.Add(-time.Hour), f.t0.Add(time.Second))
	f.deliveries(t, off.ID, f.t0.Add(-time.Hour))

	lease := uuid.New()
	got, err := f.repo.ClaimDeliveries(f.ctx, webhook.ClaimQuery{Now: f.t0, Lease: lease, Until: f.t0.Add(time.Minute), Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []webhook.Delivery{ds[2], ds[0]}
	for i := range want {
		want[i].Lease = lease
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first claim, the earliest due first (-want +got):\n%s", diff)
	}
	if got := f.claim(t, f.t0, 10); !slices.Equal(deliveryIDs(got), []uuid.UUID{ds[1].ID}) {
		t.Errorf("second claim: %v, want only %v, the one due and not held", deliveryIDs(got), ds[1].ID)
	}
	if got := f.claim(t, f.t0, 10); len(got) != 0 {
		t.Errorf("third claim: %v, want none", deliveryIDs(got))
	}
	if got := f.claim(t, f.t0.Add(time.Second), 10); !slices.Equal(deliveryIDs(got), []uuid.UUID{ds[3].ID}) {
		t.Errorf("a second later: %v, want %v, due then", deliveryIDs(got), ds[3].ID)
	}
	// A claim does not show in reads.
	if diff := cmp.Diff(withoutLease(ds[2])[0], f.delivery(t, e.ID, ds[2].ID)); diff != "" {
		t.Errorf("a claimed delivery read (-want +got):\n%s", diff)
	}
}

func testWebhookLease(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	ds := f.deliveries(t, e.ID, f.t0)
	first := f.claim(t, f.t0, 1)
	if len(first) != 1 {
		t.Fatalf("claimed %d, want 1", len(first))
	}
	if got := f.claim(t, f.t0.Add(time.Minute-time.Microsecond), 1); len(got) != 0 {
		t.Errorf("claimed %v while the lease lasts", deliveryIDs(got))
	}
	// The first claim's lease has run out, but no other claim took the
	// delivery: the first may still finish it. A release that comes too
	// late is refused once another claim has it.
	second := f.claim(t, f.t0.Add(time.Minute), 1)
	if !slices.Equal(deliveryIDs(second), deliveryIDs(ds)) || second[0].Lease == first[0].Lease {
		t.Fatalf("after the lease: claimed %v, want %v under a new lease", second, deliveryIDs(ds))
	}
	called := false
	err := f.repo.FinishDelivery(f.ctx, webhook.Attempt{DeliveryID: ds[0].ID, Lease: first[0].Lease, At: f.t0, Delivered: true},
		func(h webhook.Health) webhook.Health { called = true; return h })
	if !errors.Is(err, webhook.ErrLeaseLost) || called {
		t.Errorf("FinishDelivery by the lost lease: %v (health called: %v), want ErrLeaseLost and no call", err, called)
	}
	if err := f.repo.ReleaseDelivery(f.ctx, ds[0].ID, first[0].Lease); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Errorf("ReleaseDelivery by the lost lease: %v, want ErrLeaseLost", err)
	}
	if got := f.delivery(t, e.ID, ds[0].ID); got.Attempts != 0 || got.Status != webhook.StatusPending {
		t.Errorf("the lost lease changed the delivery: %+v", got)
	}
	at := f.t0.Add(2 * time.Minute)
	late := webhook.Attempt{DeliveryID: ds[0].ID, Lease: second[0].Lease, At: at, StatusCode: 204, Delivered: true}
	if err := f.repo.FinishDelivery(f.ctx, late, func(h webhook.Health) webhook.Health { return h }); err != nil {
		t.Errorf("FinishDelivery after its own lease ran out, no other claim meanwhile: %v", err)
	}
	if err := f.repo.FinishDelivery(f.ctx, late, func(h webhook.Health) webhook.Health { return h }); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Errorf("FinishDelivery twice: %v, want ErrLeaseLost", err)
	}
	if err := f.repo.FinishDelivery(f.ctx, webhook.Attempt{DeliveryID: commerce.NewID(), Lease: uuid.New(), At: at},
		func(h webhook.Health) webhook.Health { return h }); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Errorf("FinishDelivery of a missing delivery: %v, want ErrLeaseLost", err)
	}
}

func testWebhookFinish(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	ds := f.deliveries(t, e.ID, f.t0, f.t0)
	claimed := f.claim(t, f.t0, 2)
	if len(claimed) != 2 {
		t.Fatalf("claimed %d, want 2", len(claimed))
	}
	same := func(h webhook.Health) webhook.Health { return h }
	at1, at2 := f.t0.Add(time.Second), f.t0.Add(time.Minute)

	// Delivered at the first attempt.
	if err := f.repo.FinishDelivery(f.ctx, webhook.Attempt{DeliveryID: ds[0].ID, Lease: claimed[0].Lease, At: at1, StatusCode: 200, Delivered: true,
		NextAttemptAt: at2}, same); err != nil {
		t.Fatal(err)
	}
	want := ds[0]
	want.Status, want.Attempts, want.FirstAttemptAt, want.LastAttemptAt, want.NextAttemptAt, want.LastStatusCode =
		webhook.StatusDelivered, 1, at1, at1, time.Time{}, 200
	if diff := cmp.Diff(want, f.delivery(t, e.ID, ds[0].ID)); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}

	// Failed and retried, then failed and given up.
	retry := webhook.Attempt{DeliveryID: ds[1].ID, Lease: claimed[1].Lease, At: at1, StatusCode: 503, Error: "HTTP 503: 점검 중", NextAttemptAt: at2}
	if err := f.repo.FinishDelivery(f.ctx, retry, same); err != nil {
		t.Fatal(err)
	}
	want = ds[1]
	want.Attempts, want.FirstAttemptAt, want.LastAttemptAt, want.NextAttemptAt, want.LastStatusCode, want.LastError =
		1, at1, at1, at2, 503, "HTTP 503: 점검 중"
	if diff := cmp.Diff(want, f.delivery(t, e.ID, ds[1].ID)); diff != "" {
		t.Errorf("failed, to be retried (-want +got):\n%s", diff)
	}
	if got := f.claim(t, at2.Add(-time.Microsecond), 10); len(got) != 0 {
		t.Errorf("claimed %v before the next attempt is due", deliveryIDs(got))
	}
	again := f.claim(t, at2, 10)
	if !slices.Equal(deliveryIDs(again), []uuid.UUID{ds[1].ID}) {
		t.Fatalf("claimed %v when the next attempt is due, want %v", deliveryIDs(again), ds[1].ID)
	}
	giveUp := webhook.Attempt{DeliveryID: ds[1].ID, Lease: again[0].Lease, At: at2, Error: "no answer within 10s"}
	if err := f.repo.FinishDelivery(f.ctx, giveUp, same); err != nil {
		t.Fatal(err)
	}
	want.Status, want.Attempts, want.LastAttemptAt, want.NextAttemptAt, want.LastStatusCode, want.LastError =
		webhook.StatusFailed, 2, at2, time.Time{}, 0, "no answer within 10s"
	if diff := cmp.Diff(want, f.delivery(t, e.ID, ds[1].ID)); diff != "" {
		t.Errorf("given up (-want +got):\n%s", diff)
	}
	if got := f.claim(t, at2.Add(time.Hour), 10); len(got) != 0 {
		t.Errorf("claimed %v: a finished delivery is never due", deliveryIDs(got))
	}
}

func testWebhookHealth(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	f.deliveries(t, e.ID, f.t0, f.t0, f.t0)
	claimed := f.claim(t, f.t0, 3)
	if len(claimed) != 3 {
		t.Fatalf("claimed %d, want 3", len(claimed))
	}
	at := f.t0.Add(time.Second)
	finish := func(d webhook.Delivery, health func(webhook.Health) webhook.Health) {
		t.Helper()
		err := f.repo.FinishDelivery(f.ctx, webhook.Attempt{DeliveryID: d.ID, Lease: d.Lease, At: at, Error: "HTTP 500", StatusCode: 500, NextAttemptAt: at.Add(time.Hour)}, health)
		if err != nil {
			t.Fatalf("FinishDelivery: %v", err)
		}
	}

	// A change of health that keeps the endpoint enabled keeps its version.
	failing := webhook.Health{Enabled: true, FailingSince: at, GivenUp: 1}
	var seen []webhook.Health
	finish(claimed[0], func(h webhook.Health) webhook.Health { seen = append(seen, h); return failing })
	if len(seen) == 0 || !cmp.Equal(seen[len(seen)-1], e.Health) {
		t.Errorf("health was called with %v, want the stored %v", seen, e.Health)
	}
	want := e
	want.Health = failing
	if diff := cmp.Diff(want, f.get(t, e.ID)); diff != "" {
		t.Errorf("after a failure (-want +got):\n%s", diff)
	}

	// Disabling increments the version; the endpoint's deliveries are no
	// longer claimed.
	disabled := webhook.Health{DisabledAt: at, DisabledReason: "every delivery attempt has failed for 24h", FailingSince: at, GivenUp: 2}
	seen = nil
	finish(claimed[1], func(h webhook.Health) webhook.Health { seen = append(seen, h); return disabled })
	if len(seen) == 0 || !cmp.Equal(seen[len(seen)-1], failing) {
		t.Errorf("health was called with %v, want the stored %v", seen, failing)
	}
	want.Health, want.Version = disabled, 2
	if diff := cmp.Diff(want, f.get(t, e.ID)); diff != "" {
		t.Errorf("after disabling (-want +got):\n%s", diff)
	}
	if got := f.claim(t, at.Add(2*time.Hour), 10); len(got) != 0 {
		t.Errorf("claimed %v of a disabled endpoint", deliveryIDs(got))
	}

	// An edit that keeps it disabled keeps what was counted; one that
	// enables it clears the count, and its deliveries are due again.
	edit := f.get(t, e.ID)
	edit.Description, edit.FailingSince, edit.GivenUp, edit.Version, edit.UpdatedAt = "고침", time.Time{}, 0, 3, at
	if err := f.repo.UpdateEndpoint(f.ctx, edit, 2); err != nil {
		t.Fatal(err)
	}
	want.Description, want.Version, want.UpdatedAt = "고침", 3, at
	if diff := cmp.Diff(want, f.get(t, e.ID)); diff != "" {
		t.Errorf("after an edit of the disabled endpoint (-want +got):\n%s", diff)
	}
	edit.Health = webhook.Health{Enabled: true, FailingSince: at, GivenUp: 9}
	edit.Version = 4
	if err := f.repo.UpdateEndpoint(f.ctx, edit, 3); err != nil {
		t.Fatal(err)
	}
	want.Health, want.Version = webhook.Health{Enabled: true}, 4
	if diff := cmp.Diff(want, f.get(t, e.ID)); diff != "" {
		t.Errorf("after enabling (-want +got):\n%s", diff)
	}
	// The third delivery's claim ran out unfinished: it is due too.
	if got := f.claim(t, at.Add(2*time.Hour), 10); len(got) != 3 {
		t.Errorf("claimed %d after enabling, want the 3 pending deliveries", len(got))
	}

	// An edit of an enabled endpoint keeps what was counted.
	finishLater := f.claim(t, at.Add(4*time.Hour), 10)
	if len(finishLater) == 0 {
		t.Fatal("nothing to claim")
	}
	finish(finishLater[0], func(webhook.Health) webhook.Health { return failing })
	edit = f.get(t, e.ID)
	edit.Description, edit.FailingSince, edit.GivenUp, edit.Version = "다시", time.Time{}, 0, 5
	if err := f.repo.UpdateEndpoint(f.ctx, edit, 4); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, e.ID); !cmp.Equal(got.Health, failing) {
		t.Errorf("health after an edit of an enabled endpoint: %+v, want %+v kept", got.Health, failing)
	}
}

func testWebhookRelease(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	ds := f.deliveries(t, e.ID, f.t0)
	claimed := f.claim(t, f.t0, 1)
	if err := f.repo.ReleaseDelivery(f.ctx, ds[0].ID, uuid.New()); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Errorf("ReleaseDelivery by another lease: %v, want ErrLeaseLost", err)
	}
	if err := f.repo.ReleaseDelivery(f.ctx, ds[0].ID, claimed[0].Lease); err != nil {
		t.Fatalf("ReleaseDelivery: %v", err)
	}
	if err := f.repo.ReleaseDelivery(f.ctx, ds[0].ID, claimed[0].Lease); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Errorf("ReleaseDelivery twice: %v, want ErrLeaseLost", err)
	}
	if diff := cmp.Diff(ds, withoutLease(f.claim(t, f.t0, 1)...)); diff != "" {
		t.Errorf("claim after the release, at once (-want +got):\n%s", diff)
	}
}

func testWebhookPrune(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	ds := f.deliveries(t, e.ID, f.t0, f.t0, f.t0, f.t0, f.t0)
	claimed := f.claim(t, f.t0, 5)
	byID := make(map[uuid.UUID]webhook.Delivery)
	for _, d := range claimed {
		byID[d.ID] = d
	}
	same := func(h webhook.Health) webhook.Health { return h }
	finish := func(i int, at time.Time, a webhook.Attempt) {
		t.Helper()
		a.DeliveryID, a.Lease, a.At = ds[i].ID, byID[ds[i].ID].Lease, at
		if err := f.repo.FinishDelivery(f.ctx, a, same); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	finish(0, f.t0, webhook.Attempt{Delivered: true})                          // old, delivered
	finish(1, f.t0.Add(time.Hour), webhook.Attempt{Error: "HTTP 500"})         // old, given up
	finish(2, f.t0, webhook.Attempt{Error: "x", NextAttemptAt: f.t0.Add(day)}) // old attempt, still pending
	finish(3, f.t0.Add(3*day), webhook.Attempt{Delivered: true})               // recent
	// ds[4] never attempted.

	before := f.t0.Add(2 * day)
	n, err := f.repo.PruneDeliveries(f.ctx, before, 1)
	if err != nil || n != 1 {
		t.Fatalf("PruneDeliveries with limit 1: %d, %v; want 1", n, err)
	}
	n, err = f.repo.PruneDeliveries(f.ctx, before, 100)
	if err != nil || n != 1 {
		t.Fatalf("PruneDeliveries again: %d, %v; want 1", n, err)
	}
	left, err := f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: e.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := deliveryIDs(left), []uuid.UUID{ds[4].ID, ds[3].ID, ds[2].ID}; !slices.Equal(got, want) {
		t.Errorf("left after pruning: %v, want %v", got, want)
	}
	if n, err := f.repo.PruneDeliveries(f.ctx, before, 100); err != nil || n != 0 {
		t.Errorf("PruneDeliveries with nothing old: %d, %v", n, err)
	}
	// A pruned delivery's event may be stored again.
	if err := f.repo.AddDeliveries(f.ctx, []webhook.Delivery{{ID: commerce.NewID(), EndpointID: e.ID, EventID: ds[0].EventID,
		EventType: ds[0].EventType, Payload: ds[0].Payload, Status: webhook.StatusPending, CreatedAt: f.t0, NextAttemptAt: f.t0}}); err != nil {
		t.Fatal(err)
	}
	if left, _ = f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: e.ID, Limit: 10}); len(left) != 4 {
		t.Errorf("after storing a pruned event again: %d deliveries, want 4", len(left))
	}
}

func testWebhookConcurrentClaims(t *testing.T, f *webhookFixture) {
	const n, claimers = 60, 6
	endpoints := []webhook.Endpoint{f.endpoint(t, nil), f.endpoint(t, nil)}
	due := make([]time.Time, n/2)
	for i := range due {
		due[i] = f.t0.Add(-time.Duration(i) * time.Millisecond)
	}
	var all []webhook.Delivery
	for _, e := range endpoints {
		all = append(all, f.deliveries(t, e.ID, due...)...)
	}
	var (
		mu    sync.Mutex
		count = make(map[uuid.UUID]int)
		wg    sync.WaitGroup
	)
	for range claimers {
		wg.Go(func() {
			for range n { // more claims than there are deliveries: a claim that takes none ends it
				ds, err := f.repo.ClaimDeliveries(f.ctx, webhook.ClaimQuery{Now: f.t0, Lease: uuid.New(), Until: f.t0.Add(time.Minute), Limit: 4})
				if err != nil {
					t.Errorf("ClaimDeliveries: %v", err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					count[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, d := range all {
		if count[d.ID] != 1 {
			t.Errorf("delivery %s claimed %d times, want once", d.ID, count[d.ID])
		}
	}
}

// testWebhookDispatchers runs two dispatchers over the store at once, to
// an endpoint that verifies every request: each delivery is sent once,
// though the relay publishes each event twice.
func testWebhookDispatchers(t *testing.T, f *webhookFixture) {
	const events = 40
	var (
		mu       sync.Mutex
		received = make(map[string]int) // endpoint's path + event id → requests
		secrets  = make(map[string]string)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		name := r.URL.Path
		mu.Lock()
		secret := secrets[name]
		mu.Unlock()
		if err := webhook.Verify(secret, r.Header, body, time.Minute); err != nil {
			t.Errorf("endpoint %s: %v", name, err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		received[name+" "+r.Header.Get(webhook.HeaderID)]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	svc, err := webhook.NewService(f.repo, &webhook.Options{
		EventTypes: []string{"order.placed", "order.paid"}, AllowHTTP: true, AllowPrivate: true, Concurrency: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	staff := commerce.StaffActor(commerce.NewID())
	var eps []webhook.Endpoint
	for _, ep := range []struct {
		path  string
		types []string
	}{{"/all", []string{webhook.AllEvents}}, {"/paid", []string{"order.paid"}}} {
		e, err := svc.Create(f.ctx, staff, webhook.EndpointInput{URL: srv.URL + ep.path, EventTypes: ep.types})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		mu.Lock()
		secrets[ep.path] = e.Secret
		mu.Unlock()
		eps = append(eps, e)
	}
	pub := svc.Publisher()
	var evs []commerce.Event
	for i := range events {
		typ := "order.placed"
		if i%2 == 1 {
			typ = "order.paid"
		}
		ev := commerce.NewEvent(typ, commerce.NewID(), 1, time.Now(), map[string]any{"n": i, "memo": "경비실에 맡겨 주세요"})
		evs = append(evs, ev)
	}
	var wg sync.WaitGroup
	for range 2 { // a relay that publishes every event twice, concurrently
		wg.Go(func() {
			for _, ev := range evs {
				if err := pub.Publish(f.ctx, ev); err != nil {
					t.Errorf("Publish: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for range 2 {
		d := svc.Dispatcher()
		wg.Go(func() {
			if _, err := d.Drain(f.ctx); err != nil {
				t.Errorf("Drain: %v", err)
			}
		})
	}
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for _, ev := range evs {
		for _, name := range []string{"/all", "/paid"} {
			want := 1
			if name == "/paid" && ev.Type != "order.paid" {
				want = 0
			}
			if got := received[name+" "+ev.ID.String()]; got != want {
				t.Errorf("%s received %s %s %d times, want %d", name, ev.Type, ev.ID, got, want)
			}
		}
	}
	for _, e := range eps {
		page, err := svc.Deliveries(f.ctx, staff, e.ID, webhook.DeliveryFilter{Limit: commerce.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Items {
			if d.Status != webhook.StatusDelivered || d.Attempts != 1 || d.LastStatusCode != http.StatusNoContent {
				t.Errorf("delivery %s: status %s after %d attempts (HTTP %d, %q), want delivered at the first",
					d.ID, d.Status, d.Attempts, d.LastStatusCode, d.LastError)
			}
		}
	}
}

func testWebhookEndedContext(t *testing.T, f *webhookFixture) {
	e := f.endpoint(t, nil)
	ds := f.deliveries(t, e.ID, f.t0)
	claimed := f.claim(t, f.t0, 1)
	before := f.get(t, e.ID)
	same := func(h webhook.Health) webhook.Health { return h }
	callEnded(t, []endedCall{
		{"CreateEndpoint", func(ctx context.Context) error {
			n := e
			n.ID = commerce.NewID()
			return f.repo.CreateEndpoint(ctx, n)
		}},
		{"GetEndpoint", func(ctx context.Context) error { _, err := f.repo.GetEndpoint(ctx, e.ID); return err }},
		{"ListEndpoints", func(ctx context.Context) error {
			_, err := f.repo.ListEndpoints(ctx, webhook.EndpointQuery{Limit: 10})
			return err
		}},
		{"UpdateEndpoint", func(ctx context.Context) error {
			n := e
			n.Description, n.Version = "바뀜", 2
			return f.repo.UpdateEndpoint(ctx, n, 1)
		}},
		{"DeleteEndpoint", func(ctx context.Context) error { return f.repo.DeleteEndpoint(ctx, e.ID) }},
		{"AddDeliveries", func(ctx context.Context) error {
			return f.repo.AddDeliveries(ctx, []webhook.Delivery{f.newDelivery(e.ID, f.t0)})
		}},
		{"ListDeliveries", func(ctx context.Context) error {
			_, err := f.repo.ListDeliveries(ctx, webhook.DeliveryQuery{EndpointID: e.ID, Limit: 10})
			return err
		}},
		{"ClaimDeliveries", func(ctx context.Context) error {
			_, err := f.repo.ClaimDeliveries(ctx, webhook.ClaimQuery{Now: f.t0.Add(time.Hour), Lease: uuid.New(), Until: f.t0.Add(2 * time.Hour), Limit: 10})
			return err
		}},
		{"FinishDelivery", func(ctx context.Context) error {
			return f.repo.FinishDelivery(ctx, webhook.Attempt{DeliveryID: ds[0].ID, Lease: claimed[0].Lease, At: f.t0, Delivered: true}, same)
		}},
		{"ReleaseDelivery", func(ctx context.Context) error { return f.repo.ReleaseDelivery(ctx, ds[0].ID, claimed[0].Lease) }},
		{"PruneDeliveries", func(ctx context.Context) error {
			_, err := f.repo.PruneDeliveries(ctx, f.t0.Add(time.Hour), 10)
			return err
		}},
	})
	unchanged(t, "the endpoint", before, func() (webhook.Endpoint, error) { return f.repo.GetEndpoint(f.ctx, e.ID) })
	unchanged(t, "the deliveries", ds, func() ([]webhook.Delivery, error) {
		return f.repo.ListDeliveries(f.ctx, webhook.DeliveryQuery{EndpointID: e.ID, Limit: 10})
	})
	// The claim still holds the delivery.
	if err := f.repo.ReleaseDelivery(f.ctx, ds[0].ID, claimed[0].Lease); err != nil {
		t.Errorf("ReleaseDelivery after the calls: %v", err)
	}
}
