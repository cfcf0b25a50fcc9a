package webhook

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Repository stores endpoints and their deliveries. The Service validates
// what it stores; an adapter keeps the rules written on each method, which
// the conformance suite (storage/storagetest) checks.
//
// Every value goes in and out as a copy: an adapter keeps no slice that a
// caller passes and returns none that it keeps.
type Repository interface {
	// CreateEndpoint stores e. It returns ErrDuplicateID if e.ID exists,
	// and then stores nothing.
	CreateEndpoint(ctx context.Context, e Endpoint) error
	// GetEndpoint returns the endpoint with id, secret included, or
	// ErrEndpointNotFound.
	GetEndpoint(ctx context.Context, id uuid.UUID) (Endpoint, error)
	// ListEndpoints returns the endpoints that q selects, newest (highest
	// id) first.
	ListEndpoints(ctx context.Context, q EndpointQuery) ([]Endpoint, error)
	// UpdateEndpoint replaces the endpoint e.ID with e if its stored
	// Version is ifVersion; e.Version is the new version. It keeps the
	// stored CreatedAt, FailingSince and GivenUp, which only the
	// dispatchers change (FinishDelivery) — except that when e enables an
	// endpoint that is stored disabled, it sets FailingSince to zero and
	// GivenUp to 0, so that the dispatchers count afresh. It returns
	// ErrEndpointNotFound or ErrVersionConflict and then changes nothing.
	UpdateEndpoint(ctx context.Context, e Endpoint, ifVersion int64) error
	// DeleteEndpoint deletes the endpoint with id and all its deliveries,
	// or returns ErrEndpointNotFound.
	DeleteEndpoint(ctx context.Context, id uuid.UUID) error

	// AddDeliveries stores the new deliveries ds — each StatusPending,
	// due at its NextAttemptAt, without attempts — all or none, except
	// those whose endpoint has a delivery of the same EventID stored
	// already, which it leaves out without an error: an event published
	// twice is delivered once (while the first delivery is kept; see
	// PruneDeliveries). It returns ErrEndpointNotFound, and stores
	// nothing, if an EndpointID names no endpoint.
	AddDeliveries(ctx context.Context, ds []Delivery) error
	// ListDeliveries returns the deliveries that q selects, newest
	// (highest id) first, each without its Lease.
	ListDeliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
	// ClaimDeliveries takes, for one dispatcher, up to q.Limit pending
	// deliveries that are due (NextAttemptAt at or before q.Now), of
	// enabled endpoints, that no claim holds (none has, or its lease ended
	// at or before q.Now), the earliest due first. It marks them held by
	// q.Lease until q.Until and returns them with Lease set to q.Lease.
	// Two claims never get the same delivery while the first one's lease
	// lasts, however many dispatchers claim at once. With nothing due it
	// returns none and no error.
	ClaimDeliveries(ctx context.Context, q ClaimQuery) ([]Delivery, error)
	// FinishDelivery stores the outcome of an attempt at the delivery
	// a.DeliveryID and ends the claim a.Lease that holds it, even if the
	// lease has run out, as long as no other claim took the delivery
	// meanwhile; otherwise it returns ErrLeaseLost and changes nothing.
	//
	// The delivery's Attempts grows by one, its FirstAttemptAt becomes
	// a.At if it was zero, its LastAttemptAt a.At, its LastStatusCode and
	// LastError a's; it is StatusDelivered when a.Delivered, otherwise
	// StatusPending with NextAttemptAt a.NextAttemptAt when that is not
	// zero, or StatusFailed (given up) when it is, and NextAttemptAt is
	// zero then.
	//
	// In the same transaction it calls health with the stored Health of
	// the delivery's endpoint and stores what health returns: a change of
	// Enabled also increments the endpoint's Version, so that an edit
	// based on an earlier read fails. health may be called more than once
	// (a transaction run again), and must depend on its argument only.
	FinishDelivery(ctx context.Context, a Attempt, health func(Health) Health) error
	// ReleaseDelivery ends the claim lease holds on delivery id without an
	// attempt: the delivery is due again as it was. It returns ErrLeaseLost
	// if that claim does not hold it.
	ReleaseDelivery(ctx context.Context, id, lease uuid.UUID) error
	// PruneDeliveries deletes at most limit deliveries that are delivered
	// or failed and whose last attempt began before before, and returns
	// how many it deleted. Pending deliveries are never pruned.
	PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
}

// EndpointQuery selects endpoints.
type EndpointQuery struct {
	// Before keeps the endpoints with lower ids; uuid.Nil keeps all.
	Before uuid.UUID
	// EnabledOnly keeps the enabled endpoints.
	EnabledOnly bool
	// Limit is the most endpoints to return; it is always positive.
	Limit int
}

// DeliveryQuery selects deliveries of one endpoint.
type DeliveryQuery struct {
	// EndpointID is the endpoint whose deliveries are listed.
	EndpointID uuid.UUID
	// Before keeps the deliveries with lower ids; uuid.Nil keeps all.
	Before uuid.UUID
	// Limit is the most deliveries to return; it is always positive.
	Limit int
}

// ClaimQuery asks for due deliveries.
type ClaimQuery struct {
	// Now is the dispatcher's time: deliveries due at or before it, whose
	// earlier lease ended at or before it, are taken.
	Now time.Time
	// Lease identifies the new claim: a random id of the dispatcher's.
	Lease uuid.UUID
	// Until is when the claim's lease ends, if the dispatcher neither
	// finishes nor releases the deliveries before: after it, another
	// claim may take them.
	Until time.Time
	// Limit is the most deliveries to take; it is always positive.
	Limit int
}

// Attempt is what one attempt at a delivery came to.
type Attempt struct {
	// DeliveryID is the delivery attempted.
	DeliveryID uuid.UUID
	// Lease is the claim that holds the delivery.
	Lease uuid.UUID
	// At is when the attempt began.
	At time.Time
	// StatusCode is the answer's HTTP status; 0 when there was none.
	StatusCode int
	// Error says why the attempt failed; empty when it delivered.
	Error string
	// Delivered is true when the endpoint accepted the delivery.
	Delivered bool
	// NextAttemptAt is when to try a failed delivery again; zero to give
	// it up. Ignored when Delivered.
	NextAttemptAt time.Time
}
