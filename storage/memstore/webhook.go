package memstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/webhook"
)

// Webhooks returns the store's webhook endpoints and their deliveries.
// They sit behind a lock of their own, apart from the store's records:
// no transaction of the store touches them.
func (s *Store) Webhooks() webhook.Repository { return webhookRepo{s.webhooks} }

// newWebhookData returns an empty table of webhooks.
func newWebhookData() *webhookData {
	return &webhookData{
		endpoints:  make(map[uuid.UUID]webhook.Endpoint),
		deliveries: make(map[uuid.UUID]*deliveryRecord),
		byEndpoint: make(map[uuid.UUID]*idList),
		byEvent:    make(map[endpointEvent]uuid.UUID),
		pending:    make(map[uuid.UUID]struct{}),
	}
}

// webhookData is one store's endpoints and deliveries.
type webhookData struct {
	mu sync.Mutex

	endpoints     map[uuid.UUID]webhook.Endpoint
	endpointOrder idList

	deliveries map[uuid.UUID]*deliveryRecord
	byEndpoint map[uuid.UUID]*idList // an endpoint's deliveries, ascending
	byEvent    map[endpointEvent]uuid.UUID
	pending    map[uuid.UUID]struct{} // the deliveries with StatusPending
}

// endpointEvent is the pair that names at most one delivery.
type endpointEvent struct{ endpoint, event uuid.UUID }

// deliveryRecord is a stored delivery; d.Lease is the claim that holds it
// until leaseUntil, or uuid.Nil.
type deliveryRecord struct {
	d          webhook.Delivery
	leaseUntil time.Time
}

type webhookRepo struct{ w *webhookData }

var _ webhook.Repository = webhookRepo{}

func endpointCopy(e webhook.Endpoint) webhook.Endpoint {
	e.EventTypes = slices.Clone(e.EventTypes)
	return e
}

// deliveryOut returns a copy of a stored delivery, without its lease.
func deliveryOut(d webhook.Delivery) webhook.Delivery {
	d.Payload = slices.Clone(d.Payload)
	d.Lease = uuid.Nil
	return d
}

func (r webhookRepo) CreateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.endpoints[e.ID]; ok {
		return webhook.ErrDuplicateID
	}
	w.endpoints[e.ID] = endpointCopy(e)
	w.endpointOrder.insert(e.ID)
	w.byEndpoint[e.ID] = &idList{}
	return nil
}

func (r webhookRepo) GetEndpoint(ctx context.Context, id uuid.UUID) (webhook.Endpoint, error) {
	if err := ctxErr(ctx); err != nil {
		return webhook.Endpoint{}, err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.endpoints[id]
	if !ok {
		return webhook.Endpoint{}, webhook.ErrEndpointNotFound
	}
	return endpointCopy(e), nil
}

func (r webhookRepo) ListEndpoints(ctx context.Context, q webhook.EndpointQuery) ([]webhook.Endpoint, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	out := []webhook.Endpoint{}
	for i := w.endpointOrder.below(q.Before) - 1; i >= 0 && len(out) < q.Limit; i-- {
		e := w.endpoints[w.endpointOrder[i]]
		if q.EnabledOnly && !e.Enabled {
			continue
		}
		out = append(out, endpointCopy(e))
	}
	return out, nil
}

func (r webhookRepo) UpdateEndpoint(ctx context.Context, e webhook.Endpoint, ifVersion int64) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	old, ok := w.endpoints[e.ID]
	switch {
	case !ok:
		return webhook.ErrEndpointNotFound
	case old.Version != ifVersion:
		return webhook.ErrVersionConflict
	}
	e = endpointCopy(e)
	e.CreatedAt = old.CreatedAt
	e.FailingSince, e.GivenUp = old.FailingSince, old.GivenUp
	if e.Enabled && !old.Enabled {
		e.FailingSince, e.GivenUp = time.Time{}, 0
	}
	w.endpoints[e.ID] = e
	return nil
}

func (r webhookRepo) DeleteEndpoint(ctx context.Context, id uuid.UUID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.endpoints[id]; !ok {
		return webhook.ErrEndpointNotFound
	}
	for _, did := range *w.byEndpoint[id] {
		rec := w.deliveries[did]
		delete(w.byEvent, endpointEvent{id, rec.d.EventID})
		delete(w.pending, did)
		delete(w.deliveries, did)
	}
	delete(w.byEndpoint, id)
	delete(w.endpoints, id)
	w.endpointOrder.remove(id)
	return nil
}

func (r webhookRepo) AddDeliveries(ctx context.Context, ds []webhook.Delivery) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range ds {
		if _, ok := w.endpoints[d.EndpointID]; !ok {
			return webhook.ErrEndpointNotFound
		}
	}
	for _, d := range ds {
		key := endpointEvent{d.EndpointID, d.EventID}
		if _, ok := w.byEvent[key]; ok {
			continue
		}
		if _, ok := w.deliveries[d.ID]; ok {
			continue
		}
		d = deliveryOut(d)
		w.deliveries[d.ID] = &deliveryRecord{d: d}
		w.byEndpoint[d.EndpointID].insert(d.ID)
		w.byEvent[key] = d.ID
		if d.Status == webhook.StatusPending {
			w.pending[d.ID] = struct{}{}
		}
	}
	return nil
}

func (r webhookRepo) ListDeliveries(ctx context.Context, q webhook.DeliveryQuery) ([]webhook.Delivery, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	out := []webhook.Delivery{}
	ids := w.byEndpoint[q.EndpointID]
	if ids == nil {
		return out, nil
	}
	for i := ids.below(q.Before) - 1; i >= 0 && len(out) < q.Limit; i-- {
		out = append(out, deliveryOut(w.deliveries[(*ids)[i]].d))
	}
	return out, nil
}

// ClaimDeliveries looks through the pending deliveries under the lock:
// one claim at a time, so no two get the same delivery.
func (r webhookRepo) ClaimDeliveries(ctx context.Context, q webhook.ClaimQuery) ([]webhook.Delivery, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	var due []*deliveryRecord
	for id := range w.pending {
		rec := w.deliveries[id]
		if rec.d.NextAttemptAt.After(q.Now) || (rec.d.Lease != uuid.Nil && rec.leaseUntil.After(q.Now)) ||
			!w.endpoints[rec.d.EndpointID].Enabled {
			continue
		}
		due = append(due, rec)
	}
	slices.SortFunc(due, func(a, b *deliveryRecord) int {
		if c := a.d.NextAttemptAt.Compare(b.d.NextAttemptAt); c != 0 {
			return c
		}
		return compareIDs(a.d.ID, b.d.ID)
	})
	out := []webhook.Delivery{}
	for _, rec := range due[:min(len(due), q.Limit)] {
		rec.d.Lease, rec.leaseUntil = q.Lease, q.Until
		d := deliveryOut(rec.d)
		d.Lease = q.Lease
		out = append(out, d)
	}
	return out, nil
}

func (r webhookRepo) FinishDelivery(ctx context.Context, a webhook.Attempt, health func(webhook.Health) webhook.Health) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	rec, ok := w.deliveries[a.DeliveryID]
	if !ok || a.Lease == uuid.Nil || rec.d.Lease != a.Lease {
		return webhook.ErrLeaseLost
	}
	d := &rec.d
	d.Attempts++
	if d.FirstAttemptAt.IsZero() {
		d.FirstAttemptAt = a.At
	}
	d.LastAttemptAt, d.LastStatusCode, d.LastError = a.At, a.StatusCode, a.Error
	switch {
	case a.Delivered:
		d.Status, d.NextAttemptAt = webhook.StatusDelivered, time.Time{}
	case !a.NextAttemptAt.IsZero():
		d.Status, d.NextAttemptAt = webhook.StatusPending, a.NextAttemptAt
	default:
		d.Status, d.NextAttemptAt = webhook.StatusFailed, time.Time{}
	}
	if d.Status != webhook.StatusPending {
		delete(w.pending, d.ID)
	}
	d.Lease, rec.leaseUntil = uuid.Nil, time.Time{}
	e := w.endpoints[d.EndpointID]
	h := health(e.Health)
	if h.Enabled != e.Enabled {
		e.Version++
	}
	e.Health = h
	w.endpoints[e.ID] = e
	return nil
}

func (r webhookRepo) ReleaseDelivery(ctx context.Context, id, lease uuid.UUID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	rec, ok := w.deliveries[id]
	if !ok || lease == uuid.Nil || rec.d.Lease != lease {
		return webhook.ErrLeaseLost
	}
	rec.d.Lease, rec.leaseUntil = uuid.Nil, time.Time{}
	return nil
}

func (r webhookRepo) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	w := r.w
	w.mu.Lock()
	defer w.mu.Unlock()
	var old []*deliveryRecord
	for _, rec := range w.deliveries {
		if rec.d.Status != webhook.StatusPending && rec.d.LastAttemptAt.Before(before) {
			old = append(old, rec)
		}
	}
	slices.SortFunc(old, func(a, b *deliveryRecord) int { return a.d.LastAttemptAt.Compare(b.d.LastAttemptAt) })
	old = old[:min(len(old), max(limit, 0))]
	for _, rec := range old {
		d := rec.d
		delete(w.byEvent, endpointEvent{d.EndpointID, d.EventID})
		delete(w.deliveries, d.ID)
		w.byEndpoint[d.EndpointID].remove(d.ID)
	}
	return len(old), nil
}
