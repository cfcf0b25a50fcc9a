package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/webhook"
)

// The webhook routes: staff register the URLs that receive the shop's
// events (package webhook), and follow their deliveries. Every answer
// with a body of theirs is marked no-store: the endpoints are staff's, and
// two answers hold a signing secret.

// webhookEndpointJSON is an endpoint as staff read it: never with its
// secret.
type webhookEndpointJSON struct {
	ID          uuid.UUID `json:"id"`
	URL         string    `json:"url"`
	EventTypes  []string  `json:"event_types"`
	Description string    `json:"description"`
	// Enabled, DisabledAt, DisabledReason, FailingSince and GivenUp are
	// the endpoint's health (webhook.Health); the times and the reason
	// are null while they do not apply.
	Enabled        bool       `json:"enabled"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason *string    `json:"disabled_reason"`
	FailingSince   *time.Time `json:"failing_since"`
	GivenUp        int        `json:"given_up"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int64      `json:"version"`
}

// webhookEndpointCreatedJSON is an endpoint with its signing secret: the
// answer of its creation and of a rotation, the only ones that show it.
type webhookEndpointCreatedJSON struct {
	webhookEndpointJSON
	Secret string `json:"secret"`
}

// webhookDeliveryJSON is one event on its way to an endpoint, without its
// body: the event's id and type, and how its attempts went.
type webhookDeliveryJSON struct {
	ID             uuid.UUID      `json:"id"`
	EndpointID     uuid.UUID      `json:"endpoint_id"`
	EventID        uuid.UUID      `json:"event_id"`
	EventType      string         `json:"event_type"`
	Status         webhook.Status `json:"status"`
	Attempts       int            `json:"attempts"`
	CreatedAt      time.Time      `json:"created_at"`
	FirstAttemptAt *time.Time     `json:"first_attempt_at"`
	LastAttemptAt  *time.Time     `json:"last_attempt_at"`
	NextAttemptAt  *time.Time     `json:"next_attempt_at"`
	LastStatusCode *int           `json:"last_status_code"`
	LastError      *string        `json:"last_error"`
}

func webhookEndpointOut(e webhook.Endpoint) webhookEndpointJSON {
	return webhookEndpointJSON{
		ID:             e.ID,
		URL:            e.URL,
		EventTypes:     append([]string{}, e.EventTypes...),
		Description:    e.Description,
		Enabled:        e.Enabled,
		DisabledAt:     timeOrNull(e.DisabledAt),
		DisabledReason: stringOrNull(e.DisabledReason),
		FailingSince:   timeOrNull(e.FailingSince),
		GivenUp:        e.GivenUp,
		CreatedAt:      e.CreatedAt.UTC(),
		UpdatedAt:      e.UpdatedAt.UTC(),
		Version:        e.Version,
	}
}

func webhookDeliveryOut(d webhook.Delivery) webhookDeliveryJSON {
	out := webhookDeliveryJSON{
		ID:             d.ID,
		EndpointID:     d.EndpointID,
		EventID:        d.EventID,
		EventType:      d.EventType,
		Status:         d.Status,
		Attempts:       d.Attempts,
		CreatedAt:      d.CreatedAt.UTC(),
		FirstAttemptAt: timeOrNull(d.FirstAttemptAt),
		LastAttemptAt:  timeOrNull(d.LastAttemptAt),
		NextAttemptAt:  timeOrNull(d.NextAttemptAt),
		LastError:      stringOrNull(d.LastError),
	}
	if d.LastStatusCode != 0 {
		code := d.LastStatusCode
		out.LastStatusCode = &code
	}
	return out
}

// timeOrNull is t in UTC, or null for the zero time.
func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// stringOrNull is s, or null for "".
func stringOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// webhookBody is the body of POST /api/admin/webhooks.
type webhookBody struct {
	URL         string   `json:"url"`
	EventTypes  []string `json:"event_types"`
	Description string   `json:"description"`
	// Enabled false registers the endpoint disabled; absent or true, it
	// receives deliveries at once.
	Enabled nonNull[bool] `json:"enabled"`
}

// webhookPatchBody is the body of PATCH /api/admin/webhooks/{id}: the
// fields present change, and none may be null.
type webhookPatchBody struct {
	URL         nonNull[string]   `json:"url"`
	EventTypes  nonNull[[]string] `json:"event_types"`
	Description nonNull[string]   `json:"description"`
	Enabled     nonNull[bool]     `json:"enabled"`
	// Version, when not 0, makes the edit apply only to that version of
	// the endpoint (else 409).
	Version int64 `json:"version"`
}

// nonNull is a body field that may be absent but not null: decodeBody
// would read null as T's zero value, and "enabled": null must not disable
// an endpoint, nor "description": null clear one.
type nonNull[T any] struct {
	Value T
	// Set is whether the body holds the field.
	Set bool
}

var jsonNull = []byte("null")

// UnmarshalJSON refuses null; decodeBody then says what the field takes.
func (n *nonNull[T]) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), jsonNull) {
		return errors.New("null is not allowed")
	}
	if err := json.Unmarshal(data, &n.Value); err != nil {
		return err
	}
	n.Set = true
	return nil
}

// jsonShape says what JSON the field takes, for decodeBody's messages.
func (nonNull[T]) jsonShape() string { return describe(reflect.TypeFor[T]()) }

// patch is the field as the service's Optional: set when present.
func (n nonNull[T]) patch() commerce.Optional[T] {
	if !n.Set {
		return commerce.Optional[T]{}
	}
	return commerce.Some(n.Value)
}

// webhooksOf returns the webhook service, or answers 404 when the API has
// none (Services.Webhooks).
func (a *API) webhooksOf(w http.ResponseWriter, r *http.Request) (*webhook.Service, bool) {
	if a.webhooks == nil {
		a.Error(w, r, &httpError{status: http.StatusNotFound, detail: "webhooks are not configured"})
		return nil, false
	}
	return a.webhooks, true
}

// webhookTarget is webhooksOf for the routes of one endpoint: it checks
// that the actor is staff and parses the path's id too.
func (a *API) webhookTarget(w http.ResponseWriter, r *http.Request) (*webhook.Service, uuid.UUID, bool) {
	hooks, ok := a.webhooksOf(w, r)
	if !ok || !a.needStaff(w, r, webhook.ErrSignInRequired, webhook.ErrStaffOnly) {
		return nil, uuid.Nil, false
	}
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return nil, uuid.Nil, false
	}
	return hooks, id, true
}

// ListWebhooks serves GET /api/admin/webhooks: the registered endpoints,
// newest first, without their secrets, paged by limit and cursor. Staff
// only.
func (a *API) ListWebhooks(w http.ResponseWriter, r *http.Request) {
	hooks, ok := a.webhooksOf(w, r)
	if !ok || !a.needStaff(w, r, webhook.ErrSignInRequired, webhook.ErrStaffOnly) {
		return
	}
	in := newInput(r)
	f := webhook.EndpointFilter{Limit: in.limit(), Cursor: in.cursor()}
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	page, err := hooks.List(r.Context(), ActorFrom(r.Context()), f)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, listJSON[webhookEndpointJSON]{
		Items:      mapOut(page.Items, webhookEndpointOut),
		NextCursor: cursorOut(page.NextCursor),
	})
}

// CreateWebhook serves POST /api/admin/webhooks: staff register a URL for
// the event types it receives ("*" for all). It answers 201 with the
// endpoint and its signing secret, which no later read shows: the
// receiver needs it to verify deliveries. "enabled": false registers it
// disabled. A URL that is not https (unless the service allows http),
// that names a loopback, private or link-local address (unless the
// service allows them), or an event type the service does not know is
// 422 naming the field.
func (a *API) CreateWebhook(w http.ResponseWriter, r *http.Request) {
	hooks, ok := a.webhooksOf(w, r)
	if !ok || !a.needStaff(w, r, webhook.ErrSignInRequired, webhook.ErrStaffOnly) {
		return
	}
	var in webhookBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	ctx, actor := r.Context(), ActorFrom(r.Context())
	e, err := hooks.Create(ctx, actor, webhook.EndpointInput{
		URL: in.URL, EventTypes: in.EventTypes, Description: in.Description,
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	if in.Enabled.Set && !in.Enabled.Value {
		// The service registers endpoints enabled; disable this one
		// before anyone learns of it. Should that fail, the endpoint goes,
		// so that no endpoint whose secret nobody holds is left enabled.
		disabled, err := hooks.Update(ctx, actor, e.ID, webhook.EndpointPatch{
			Enabled: commerce.Some(false), Version: e.Version,
		})
		if err != nil {
			if delErr := hooks.Delete(context.WithoutCancel(ctx), actor, e.ID); delErr != nil {
				err = errors.Join(err, delErr)
			}
			a.Error(w, r, err)
			return
		}
		disabled.Secret = e.Secret
		e = disabled
	}
	w.Header().Set("Cache-Control", "no-store")
	a.created(w, r, "/api/admin/webhooks/"+e.ID.String(), webhookEndpointCreatedJSON{
		webhookEndpointJSON: webhookEndpointOut(e), Secret: e.Secret,
	})
}

// GetWebhook serves GET /api/admin/webhooks/{id}: the endpoint without
// its secret, with its health. Staff only.
func (a *API) GetWebhook(w http.ResponseWriter, r *http.Request) {
	hooks, id, ok := a.webhookTarget(w, r)
	if !ok {
		return
	}
	e, err := hooks.Get(r.Context(), ActorFrom(r.Context()), id)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, webhookEndpointOut(e))
}

// UpdateWebhook serves PATCH /api/admin/webhooks/{id}: the fields present
// change. "enabled": true enables a disabled endpoint, which clears its
// disabled_reason and sends its pending deliveries; false disables it.
// "version" guards against a concurrent edit, a dispatcher's disabling
// included: an endpoint changed since that version is 409, and changes
// nothing. Staff only.
func (a *API) UpdateWebhook(w http.ResponseWriter, r *http.Request) {
	hooks, id, ok := a.webhookTarget(w, r)
	if !ok {
		return
	}
	var in webhookPatchBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	e, err := hooks.Update(r.Context(), ActorFrom(r.Context()), id, webhook.EndpointPatch{
		URL:         in.URL.patch(),
		EventTypes:  in.EventTypes.patch(),
		Description: in.Description.patch(),
		Enabled:     in.Enabled.patch(),
		Version:     in.Version,
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, webhookEndpointOut(e))
}

// DeleteWebhook serves DELETE /api/admin/webhooks/{id}: the endpoint and
// its deliveries go. It answers 204. Staff only.
func (a *API) DeleteWebhook(w http.ResponseWriter, r *http.Request) {
	hooks, id, ok := a.webhookTarget(w, r)
	if !ok {
		return
	}
	a.deleted(w, r, hooks.Delete(r.Context(), ActorFrom(r.Context()), id))
}

// RotateWebhookSecret serves POST /api/admin/webhooks/{id}/secret: the
// endpoint gets a new signing secret, which signs every later attempt,
// and the answer (200) shows it, the only time it is shown; the old one
// signs nothing more. Staff only.
func (a *API) RotateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	hooks, id, ok := a.webhookTarget(w, r)
	if !ok {
		return
	}
	e, err := hooks.RotateSecret(r.Context(), ActorFrom(r.Context()), id)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, webhookEndpointCreatedJSON{
		webhookEndpointJSON: webhookEndpointOut(e), Secret: e.Secret,
	})
}

// ListWebhookDeliveries serves GET /api/admin/webhooks/{id}/deliveries:
// the endpoint's deliveries, newest first, paged by limit and cursor,
// each with its event's id and type, its status, its attempts and how the
// last one went. Staff only.
func (a *API) ListWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	hooks, id, ok := a.webhookTarget(w, r)
	if !ok {
		return
	}
	in := newInput(r)
	f := webhook.DeliveryFilter{Limit: in.limit(), Cursor: in.cursor()}
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	page, err := hooks.Deliveries(r.Context(), ActorFrom(r.Context()), id, f)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, listJSON[webhookDeliveryJSON]{
		Items:      mapOut(page.Items, webhookDeliveryOut),
		NextCursor: cursorOut(page.NextCursor),
	})
}
