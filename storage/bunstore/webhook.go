package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/webhook"
)

// Webhooks returns the repository of webhook endpoints and their
// deliveries (tables webhook_endpoints and webhook_deliveries).
func (s *Store) Webhooks() webhook.Repository { return &webhookRepo{db: s.db} }

// webhookRepo keeps webhooks. Its writes that touch more than one row run
// in transactions of the store's one runner (runInTx), which runs them
// again after a deadlock.
type webhookRepo struct {
	db bun.IDB
}

var _ webhook.Repository = (*webhookRepo)(nil)

type webhookEndpointRow struct {
	bun.BaseModel `bun:"table:webhook_endpoints,alias:we"`

	ID             binID        `bun:"id,pk"`
	URL            string       `bun:"url"`
	EventTypes     string       `bun:"event_types"`
	Description    string       `bun:"description"`
	Secret         string       `bun:"secret"`
	Enabled        bool         `bun:"enabled"`
	DisabledAt     sql.NullTime `bun:"disabled_at"`
	DisabledReason string       `bun:"disabled_reason"`
	FailingSince   sql.NullTime `bun:"failing_since"`
	GivenUp        int          `bun:"given_up"`
	CreatedAt      time.Time    `bun:"created_at"`
	UpdatedAt      time.Time    `bun:"updated_at"`
	Version        int64        `bun:"version"`
}

// nullTime writes the zero time as NULL.
func nullTime(t time.Time) sql.NullTime {
	return sql.NullTime{Time: t.UTC(), Valid: !t.IsZero()}
}

// timeOut reads NULL as the zero time.
func timeOut(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func endpointIn(e webhook.Endpoint) (*webhookEndpointRow, error) {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	b, err := json.Marshal(types)
	if err != nil {
		return nil, fmt.Errorf("bunstore: the event types of endpoint %s: %v: %w", e.ID, err, commerce.ErrInvalid)
	}
	return &webhookEndpointRow{
		ID: binID(e.ID), URL: e.URL, EventTypes: string(b), Description: e.Description, Secret: e.Secret,
		Enabled: e.Enabled, DisabledAt: nullTime(e.DisabledAt), DisabledReason: e.DisabledReason,
		FailingSince: nullTime(e.FailingSince), GivenUp: e.GivenUp,
		CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(), Version: e.Version,
	}, nil
}

func (r *webhookEndpointRow) out() (webhook.Endpoint, error) {
	var types []string
	if err := json.Unmarshal([]byte(r.EventTypes), &types); err != nil {
		return webhook.Endpoint{}, fmt.Errorf("bunstore: the event types of endpoint %s are not a JSON array: %v: %w",
			uuid.UUID(r.ID), err, commerce.ErrUnavailable)
	}
	return webhook.Endpoint{
		ID: uuid.UUID(r.ID), URL: r.URL, EventTypes: types, Description: r.Description, Secret: r.Secret,
		Health: webhook.Health{
			Enabled: r.Enabled, DisabledAt: timeOut(r.DisabledAt), DisabledReason: r.DisabledReason,
			FailingSince: timeOut(r.FailingSince), GivenUp: r.GivenUp,
		},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}, nil
}

type webhookDeliveryRow struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:wd"`

	ID             binID        `bun:"id,pk"`
	EndpointID     binID        `bun:"endpoint_id"`
	EventID        binID        `bun:"event_id"`
	EventType      string       `bun:"event_type"`
	Payload        []byte       `bun:"payload"`
	Status         string       `bun:"status"`
	Attempts       int          `bun:"attempts"`
	CreatedAt      time.Time    `bun:"created_at"`
	FirstAttemptAt sql.NullTime `bun:"first_attempt_at"`
	LastAttemptAt  sql.NullTime `bun:"last_attempt_at"`
	NextAttemptAt  sql.NullTime `bun:"next_attempt_at"`
	LastStatusCode int          `bun:"last_status_code"`
	LastError      string       `bun:"last_error"`
	Lease          nullBinID    `bun:"lease"`
	LeaseUntil     sql.NullTime `bun:"lease_until"`
}

// deliveryColumns are the columns a delivery is read from; its lease is
// not one of them.
const deliveryColumns = "wd.id, wd.endpoint_id, wd.event_id, wd.event_type, wd.payload, wd.status, wd.attempts, " +
	"wd.created_at, wd.first_attempt_at, wd.last_attempt_at, wd.next_attempt_at, wd.last_status_code, wd.last_error"

func deliveryIn(d webhook.Delivery) webhookDeliveryRow {
	payload := []byte(d.Payload)
	if payload == nil {
		payload = []byte{}
	}
	return webhookDeliveryRow{
		ID: binID(d.ID), EndpointID: binID(d.EndpointID), EventID: binID(d.EventID), EventType: d.EventType,
		Payload: payload, Status: string(d.Status), Attempts: d.Attempts, CreatedAt: d.CreatedAt.UTC(),
		FirstAttemptAt: nullTime(d.FirstAttemptAt), LastAttemptAt: nullTime(d.LastAttemptAt),
		NextAttemptAt: nullTime(d.NextAttemptAt), LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		Lease: nullBinID(uuid.Nil),
	}
}

func (r *webhookDeliveryRow) out() webhook.Delivery {
	return webhook.Delivery{
		ID: uuid.UUID(r.ID), EndpointID: uuid.UUID(r.EndpointID), EventID: uuid.UUID(r.EventID), EventType: r.EventType,
		Payload: json.RawMessage(r.Payload), Status: webhook.Status(r.Status), Attempts: r.Attempts,
		CreatedAt: r.CreatedAt.UTC(), FirstAttemptAt: timeOut(r.FirstAttemptAt), LastAttemptAt: timeOut(r.LastAttemptAt),
		NextAttemptAt: timeOut(r.NextAttemptAt), LastStatusCode: r.LastStatusCode, LastError: r.LastError,
	}
}

func deliveriesOut(rows []webhookDeliveryRow) []webhook.Delivery {
	out := make([]webhook.Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out
}

// CreateEndpoint is one INSERT: the primary key finds a taken id.
func (r *webhookRepo) CreateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	row, err := endpointIn(e)
	if err != nil {
		return err
	}
	_, err = r.db.NewInsert().Model(row).Exec(ctx)
	if isErrno(err, errDupEntry) {
		return webhook.ErrDuplicateID
	}
	return translate(err)
}

func (r *webhookRepo) GetEndpoint(ctx context.Context, id uuid.UUID) (webhook.Endpoint, error) {
	var row webhookEndpointRow
	err := r.db.NewSelect().Model(&row).Where("we.id = ?", binID(id)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return webhook.Endpoint{}, webhook.ErrEndpointNotFound
	}
	if err != nil {
		return webhook.Endpoint{}, translate(err)
	}
	return row.out()
}

// ListEndpoints walks the primary key down from q.Before.
func (r *webhookRepo) ListEndpoints(ctx context.Context, q webhook.EndpointQuery) ([]webhook.Endpoint, error) {
	var rows []webhookEndpointRow
	sel := r.db.NewSelect().Model(&rows)
	if q.Before != uuid.Nil {
		sel = sel.Where("we.id < ?", binID(q.Before))
	}
	if q.EnabledOnly {
		sel = sel.Where("we.enabled = TRUE")
	}
	if err := sel.OrderExpr("we.id DESC").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]webhook.Endpoint, len(rows))
	for i := range rows {
		e, err := rows[i].out()
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// UpdateEndpoint is one UPDATE … WHERE id = ? AND version = ?. Its first
// two assignments clear failing_since and given_up when the endpoint goes
// from disabled to enabled; they come before the assignment of enabled, so
// that they read the stored value whether the server assigns from left to
// right (MySQL's default) or all at once (MariaDB's
// SIMULTANEOUS_ASSIGNMENT). A row that matches always changes, since its
// version does; so no row changed means a missing endpoint or another
// version, and one more query tells which.
func (r *webhookRepo) UpdateEndpoint(ctx context.Context, e webhook.Endpoint, ifVersion int64) error {
	row, err := endpointIn(e)
	if err != nil {
		return err
	}
	res, err := r.db.NewRaw("UPDATE webhook_endpoints SET "+
		"failing_since = IF(? AND NOT enabled, NULL, failing_since), given_up = IF(? AND NOT enabled, 0, given_up), "+
		"url = ?, event_types = ?, description = ?, secret = ?, enabled = ?, disabled_at = ?, disabled_reason = ?, "+
		"updated_at = ?, version = ? WHERE id = ? AND version = ?",
		row.Enabled, row.Enabled, row.URL, row.EventTypes, row.Description, row.Secret, row.Enabled, row.DisabledAt,
		row.DisabledReason, row.UpdatedAt, row.Version, row.ID, ifVersion).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err)
	} else if n > 0 {
		return nil
	}
	var exists bool
	if err := r.db.NewRaw("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?)", row.ID).Scan(ctx, &exists); err != nil {
		return translate(err)
	}
	if !exists {
		return webhook.ErrEndpointNotFound
	}
	return webhook.ErrVersionConflict
}

// DeleteEndpoint deletes the endpoint's row; the foreign key deletes its
// deliveries in the same statement.
func (r *webhookRepo) DeleteEndpoint(ctx context.Context, id uuid.UUID) error {
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		res, err := tx.NewDelete().TableExpr("webhook_endpoints").Where("id = ?", binID(id)).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		return deleted(res, webhook.ErrEndpointNotFound)
	})
}

// AddDeliveries is one multi-row INSERT … ON DUPLICATE KEY UPDATE that
// changes nothing on a duplicate: a delivery of the same event to the same
// endpoint (the unique key) is left as it is. A foreign key failure undoes
// the whole statement.
func (r *webhookRepo) AddDeliveries(ctx context.Context, ds []webhook.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	rows := make([]webhookDeliveryRow, len(ds))
	for i, d := range ds {
		rows[i] = deliveryIn(d)
	}
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		_, err := tx.NewInsert().Model(&rows).On("DUPLICATE KEY UPDATE").Set("id = id").Exec(ctx)
		if isErrno(err, errNoReferencedRow, errNoReferencedRowOld) {
			return webhook.ErrEndpointNotFound
		}
		return translate(err)
	})
}

// ListDeliveries walks the (endpoint_id, id) key down from q.Before.
func (r *webhookRepo) ListDeliveries(ctx context.Context, q webhook.DeliveryQuery) ([]webhook.Delivery, error) {
	var rows []webhookDeliveryRow
	sel := r.db.NewSelect().Model(&rows).ColumnExpr(deliveryColumns).Where("wd.endpoint_id = ?", binID(q.EndpointID))
	if q.Before != uuid.Nil {
		sel = sel.Where("wd.id < ?", binID(q.Before))
	}
	if err := sel.OrderExpr("wd.id DESC").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return deliveriesOut(rows), nil
}

// ClaimDeliveries runs one short transaction. It reads the ids of the
// enabled endpoints without a lock, then selects the due deliveries of
// those through webhook_deliveries_due with FOR UPDATE SKIP LOCKED, so
// that concurrent claims pass over each other's rows instead of waiting
// for them, writes the claim's lease on them and commits: from then on the
// lease, not a lock, keeps other claims off them. (A locking read joined
// to webhook_endpoints would lock the endpoints' rows too, and a claim
// would then skip every delivery of an endpoint that another claim had
// touched.)
func (r *webhookRepo) ClaimDeliveries(ctx context.Context, q webhook.ClaimQuery) ([]webhook.Delivery, error) {
	var rows []webhookDeliveryRow
	now := q.Now.UTC()
	err := inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		rows = nil
		var enabled []binID
		if err := tx.NewRaw("SELECT id FROM webhook_endpoints WHERE enabled = TRUE").Scan(ctx, &enabled); err != nil {
			return translate(err)
		}
		if len(enabled) == 0 {
			return nil
		}
		var ids []binID
		err := tx.NewRaw("SELECT id FROM webhook_deliveries WHERE status = ? AND next_attempt_at <= ? "+
			"AND (lease_until IS NULL OR lease_until <= ?) AND endpoint_id IN (?) "+
			"ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED",
			string(webhook.StatusPending), now, now, bun.List(enabled), q.Limit).Scan(ctx, &ids)
		if err != nil {
			return translate(err)
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.NewRaw("UPDATE webhook_deliveries SET lease = ?, lease_until = ? WHERE id IN (?)",
			binID(q.Lease), q.Until.UTC(), bun.List(ids)).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		err = tx.NewSelect().Model(&rows).ColumnExpr(deliveryColumns).Where("wd.id IN (?)", bun.List(ids)).
			OrderExpr("wd.next_attempt_at, wd.id").Scan(ctx)
		return translate(err)
	})
	if err != nil {
		return nil, err
	}
	out := deliveriesOut(rows)
	for i := range out {
		out[i].Lease = q.Lease
	}
	return out, nil
}

// healthRow is an endpoint's webhook.Health.
type healthRow struct {
	Enabled        bool         `bun:"enabled"`
	DisabledAt     sql.NullTime `bun:"disabled_at"`
	DisabledReason string       `bun:"disabled_reason"`
	FailingSince   sql.NullTime `bun:"failing_since"`
	GivenUp        int          `bun:"given_up"`
}

func (h healthRow) out() webhook.Health {
	return webhook.Health{
		Enabled: h.Enabled, DisabledAt: timeOut(h.DisabledAt), DisabledReason: h.DisabledReason,
		FailingSince: timeOut(h.FailingSince), GivenUp: h.GivenUp,
	}
}

// sameHealth reports whether a and b are the same, times compared as
// instants.
func sameHealth(a, b webhook.Health) bool {
	return a.Enabled == b.Enabled && a.DisabledAt.Equal(b.DisabledAt) && a.DisabledReason == b.DisabledReason &&
		a.FailingSince.Equal(b.FailingSince) && a.GivenUp == b.GivenUp
}

// FinishDelivery runs one transaction: it locks the delivery's row if the
// lease still holds it, writes the attempt's outcome and ends the lease,
// then locks the endpoint's row, passes its health to health and writes
// what comes back. The rows are locked in that order, the delivery first,
// by every transaction that locks both.
func (r *webhookRepo) FinishDelivery(ctx context.Context, a webhook.Attempt, health func(webhook.Health) webhook.Health) error {
	if a.Lease == uuid.Nil {
		return webhook.ErrLeaseLost
	}
	status, next := webhook.StatusFailed, sql.NullTime{}
	switch {
	case a.Delivered:
		status = webhook.StatusDelivered
	case !a.NextAttemptAt.IsZero():
		status, next = webhook.StatusPending, nullTime(a.NextAttemptAt)
	}
	at := a.At.UTC()
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		var endpointID binID
		err := tx.NewRaw("SELECT endpoint_id FROM webhook_deliveries WHERE id = ? AND lease = ? FOR UPDATE",
			binID(a.DeliveryID), binID(a.Lease)).Scan(ctx, &endpointID)
		if errors.Is(err, sql.ErrNoRows) {
			return webhook.ErrLeaseLost
		}
		if err != nil {
			return translate(err)
		}
		_, err = tx.NewRaw("UPDATE webhook_deliveries SET attempts = attempts + 1, "+
			"first_attempt_at = COALESCE(first_attempt_at, ?), last_attempt_at = ?, last_status_code = ?, last_error = ?, "+
			"status = ?, next_attempt_at = ?, lease = NULL, lease_until = NULL WHERE id = ?",
			at, at, a.StatusCode, a.Error, string(status), next, binID(a.DeliveryID)).Exec(ctx)
		if err != nil {
			return translate(err)
		}
		var cur healthRow
		err = tx.NewRaw("SELECT enabled, disabled_at, disabled_reason, failing_since, given_up "+
			"FROM webhook_endpoints WHERE id = ? FOR UPDATE", endpointID).Scan(ctx, &cur)
		if err != nil {
			return translate(err)
		}
		old := cur.out()
		h := health(old)
		if sameHealth(h, old) {
			return nil
		}
		bump := 0
		if h.Enabled != old.Enabled {
			bump = 1
		}
		_, err = tx.NewRaw("UPDATE webhook_endpoints SET enabled = ?, disabled_at = ?, disabled_reason = ?, "+
			"failing_since = ?, given_up = ?, version = version + ? WHERE id = ?",
			h.Enabled, nullTime(h.DisabledAt), h.DisabledReason, nullTime(h.FailingSince), h.GivenUp, bump, endpointID).Exec(ctx)
		return translate(err)
	})
}

func (r *webhookRepo) ReleaseDelivery(ctx context.Context, id, lease uuid.UUID) error {
	if lease == uuid.Nil {
		return webhook.ErrLeaseLost
	}
	res, err := r.db.NewRaw("UPDATE webhook_deliveries SET lease = NULL, lease_until = NULL WHERE id = ? AND lease = ?",
		binID(id), binID(lease)).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	return deleted(res, webhook.ErrLeaseLost)
}

// PruneDeliveries is one DELETE … ORDER BY last_attempt_at LIMIT ?, the
// oldest first, through webhook_deliveries_finished.
func (r *webhookRepo) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := r.db.NewRaw("DELETE FROM webhook_deliveries WHERE status IN (?, ?) AND last_attempt_at < ? "+
		"ORDER BY last_attempt_at LIMIT ?",
		string(webhook.StatusDelivered), string(webhook.StatusFailed), before.UTC(), limit).Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err)
	}
	return int(n), nil
}
