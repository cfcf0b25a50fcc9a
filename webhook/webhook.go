package webhook

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// AllEvents in an endpoint's EventTypes subscribes it to every event
// type, those added later included.
const AllEvents = "*"

// Endpoint is a URL that staff registered to receive the shop's events.
type Endpoint struct {
	// ID identifies the endpoint: a UUIDv7, so ids sort by creation.
	ID uuid.UUID
	// URL receives each delivery as a POST: https, or http when
	// Options.AllowHTTP says so.
	URL string
	// EventTypes are the event types the endpoint receives, sorted, each
	// once: ["order.paid", "order.placed"], or [AllEvents] for all.
	EventTypes []string
	// Description says what the endpoint is for, for staff; it may be
	// empty.
	Description string
	// Secret signs the deliveries: "whsec_" and the base64 of 32 random
	// bytes (NewSecret). The Repository stores it; the Service shows it
	// only in what Create and RotateSecret return, and leaves it empty in
	// what Get and List return.
	Secret string

	// Health is whether the endpoint receives deliveries, and what the
	// dispatchers keep about its recent ones.
	Health

	// CreatedAt is when staff registered the endpoint, UpdatedAt when
	// they last changed it.
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts the changes: each edit by staff, and a dispatcher
	// disabling the endpoint. An edit may require the version it read.
	Version int64
}

// Subscribed reports whether the endpoint receives events of type typ,
// enabled or not.
func (e Endpoint) Subscribed(typ string) bool {
	return slices.Contains(e.EventTypes, AllEvents) || slices.Contains(e.EventTypes, typ)
}

// Health is whether an endpoint receives deliveries and, for one that
// does, how its recent attempts went. Staff enable and disable an
// endpoint; a dispatcher disables one whose deliveries keep failing (see
// Options.DisableAfter), and says why.
type Health struct {
	// Enabled is true while the endpoint receives deliveries. A disabled
	// endpoint gets no new deliveries, and its pending ones wait until it
	// is enabled again.
	Enabled bool
	// DisabledAt is when the endpoint was last disabled; zero while it is
	// enabled.
	DisabledAt time.Time
	// DisabledReason says why, for staff: who disabled it, or the failures
	// that made a dispatcher disable it, with the last attempt's time and
	// outcome. Empty while the endpoint is enabled.
	DisabledReason string
	// FailingSince is when the first of the failed attempts since the last
	// delivered one was made; zero when the last attempt delivered, or
	// none failed yet.
	FailingSince time.Time
	// GivenUp counts the deliveries given up since the last one delivered.
	GivenUp int
}

// Status is where a delivery stands.
type Status string

// The statuses of a delivery.
const (
	// StatusPending is a delivery waiting for its first attempt or, after
	// failed ones, for its next (NextAttemptAt).
	StatusPending Status = "pending"
	// StatusDelivered is a delivery that the endpoint accepted with a 2xx
	// status.
	StatusDelivered Status = "delivered"
	// StatusFailed is a delivery given up: every attempt failed, and the
	// retry period (Options.RetryFor) has passed.
	StatusFailed Status = "failed"
)

// Delivery is one event on its way to one endpoint: the request that the
// dispatchers send, and what came of it so far.
type Delivery struct {
	// ID identifies the delivery: a UUIDv7, so ids sort by creation.
	ID uuid.UUID
	// EndpointID is the endpoint the delivery goes to.
	EndpointID uuid.UUID
	// EventID is the event's id, sent as the webhook-id header: each
	// endpoint gets an event at most once as a delivery, and a consumer
	// recognizes a repeated attempt by it.
	EventID uuid.UUID
	// EventType is the event's type, such as "order.placed".
	EventType string
	// Payload is the request's body: the event's JSON
	// (commerce.Event.MarshalJSON).
	Payload json.RawMessage
	// Status says whether the delivery waits, went out or was given up.
	Status Status
	// Attempts counts the attempts made.
	Attempts int
	// CreatedAt is when the delivery was stored.
	CreatedAt time.Time
	// FirstAttemptAt and LastAttemptAt are when the first and the latest
	// attempt began; zero before the first.
	FirstAttemptAt time.Time
	LastAttemptAt  time.Time
	// NextAttemptAt is when a pending delivery is due; zero for the
	// others.
	NextAttemptAt time.Time
	// LastStatusCode is the HTTP status of the latest attempt's answer; 0
	// before the first attempt and when there was no answer (a refused
	// address, a network error, a timeout).
	LastStatusCode int
	// LastError says why the latest attempt failed: the status and the
	// start of the answer's body, or the network error. Empty before the
	// first attempt and after a delivered one.
	LastError string

	// Lease identifies the claim that holds the delivery: set in what
	// Repository.ClaimDeliveries returns, uuid.Nil everywhere else.
	Lease uuid.UUID
}

// EndpointInput is a new endpoint: its fields as Endpoint describes
// them. The event types may come in any order, and more than once.
type EndpointInput struct {
	URL         string
	EventTypes  []string
	Description string
}

// EndpointPatch changes the fields of an endpoint that are Set. A non-zero
// Version makes the edit apply only to that version of the endpoint (else
// ErrVersionConflict).
//
// Enabling a disabled endpoint clears its DisabledReason and what the
// dispatchers counted against it, so that they count afresh; its pending
// deliveries go out again. Disabling one records the staff member who did
// it in DisabledReason.
type EndpointPatch struct {
	URL         commerce.Optional[string]
	EventTypes  commerce.Optional[[]string]
	Description commerce.Optional[string]
	Enabled     commerce.Optional[bool]
	Version     int64
}

// EndpointFilter selects a page of endpoints, newest first.
type EndpointFilter struct {
	// Cursor is the NextCursor of the previous page; empty for the first.
	Cursor string
	// Limit is the page size: 0 means commerce.DefaultLimit, at most
	// commerce.MaxLimit.
	Limit int
}

// DeliveryFilter selects a page of an endpoint's deliveries, newest first.
type DeliveryFilter struct {
	// Cursor is the NextCursor of the previous page; empty for the first.
	Cursor string
	// Limit is the page size: 0 means commerce.DefaultLimit, at most
	// commerce.MaxLimit.
	Limit int
}
