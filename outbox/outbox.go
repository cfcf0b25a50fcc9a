// Package outbox delivers the shop's domain events (commerce.Event) from
// the store's outbox to the world outside: a broker's topic, webhooks.
//
// A service stores each event in the same transaction as the change it
// reports (commerce.WithEvents), so that the change and its events commit
// together or not at all. A Relay then reads the unsent events from the
// outbox (Store), hands each to a Publisher, and marks it sent. Delivery
// is at least once: a relay that stops between publishing an event and
// marking it sent publishes it again when it, or another relay, next
// claims it. Consumers ignore an event ID they have seen.
//
// Several relays — one per server instance — may share one outbox: a claim
// holds its events, and every later event of their aggregates, from the
// other relays until it ends, so that no event goes out twice in the
// normal case and each aggregate's events go out in the order they were
// stored. A publish that fails holds back its event, and the later events
// of its aggregate, until a later claim publishes it: a publisher that
// keeps failing for one aggregate holds up that aggregate alone.
//
// Sent events stay in the outbox for a retention period
// (RelayOptions.Retention, 7 days by default), for looking into what went
// out, and the relay then prunes them. A shop must run a relay wherever
// the store holds an outbox, or the unsent events accumulate.
package outbox

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// Store is an adapter's outbox as relays read it.
type Store interface {
	// Claim takes up to limit unsent events for one relay, in the order
	// they were stored, and holds them until the claim ends: no other
	// claim gets them meanwhile, nor any later event of an aggregate that
	// one of them is about, so that each aggregate's events go out in
	// order. An event whose aggregate has an earlier unsent event that
	// another claim holds is left for later. With nothing to send, Claim
	// returns a claim without events.
	//
	// A claim ends with Sent or Release, or when ctx ends; and when the
	// relay that holds it dies (the adapter's connection closes, or a
	// lease runs out), so that another relay takes its events.
	Claim(ctx context.Context, limit int) (Claim, error)
	// Prune deletes at most limit events that were marked sent before
	// sentBefore, and returns how many it deleted.
	Prune(ctx context.Context, sentBefore time.Time, limit int) (int, error)
}

// Claim is a batch of unsent events that one relay holds.
type Claim interface {
	// Events returns the claimed events, in the order they were stored.
	Events() []commerce.Event
	// Sent marks the events with the given ids sent, at the store's
	// time, and ends the claim. The claim's other events stay unsent, for
	// a later claim.
	Sent(ctx context.Context, ids []uuid.UUID) error
	// Release ends the claim and leaves all its events unsent.
	Release() error
}

// Publisher delivers one event outside the shop: to a broker's topic, or
// into the queue of webhook deliveries. Publish returns nil only once the
// event is delivered (the broker acknowledged it, the delivery is stored);
// the relay then marks it sent. An error leaves the event, and the later
// events of its aggregate, unsent for the next claim.
type Publisher interface {
	Publish(ctx context.Context, ev commerce.Event) error
}
