package outbox

import (
	"context"
	"fmt"

	"github.com/impactmuseum/commerce"
)

// Fanout returns a Publisher that publishes each event to every one of
// pubs in turn: a broker's topic and the webhooks' deliveries, say. An
// event counts as published once all of pubs have published it; if one
// fails, Publish returns its error and the relay publishes the event
// again later, to all of them, so that the others may get it twice. At
// least once is every Publisher's promise, and consumers drop the IDs
// they have seen. Nil publishers are left out.
func Fanout(pubs ...Publisher) Publisher {
	var f fanout
	for _, p := range pubs {
		if p != nil {
			f = append(f, p)
		}
	}
	return f
}

type fanout []Publisher

func (f fanout) Publish(ctx context.Context, ev commerce.Event) error {
	for i, p := range f {
		if err := p.Publish(ctx, ev); err != nil {
			return fmt.Errorf("outbox: publisher %d of %d: %w", i+1, len(f), err)
		}
	}
	return nil
}

// PublisherFunc is a function that is a Publisher.
type PublisherFunc func(ctx context.Context, ev commerce.Event) error

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, ev commerce.Event) error { return f(ctx, ev) }
