package outbox

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// TakeAll claims every event of s that may go, marks each sent, and
// returns them in the order they were stored: what a test on memstore, or
// a tool, reads of the outbox without a Publisher. Events that another
// claim holds are left to it.
func TakeAll(ctx context.Context, s Store) ([]commerce.Event, error) {
	var all []commerce.Event
	for {
		c, err := s.Claim(ctx, DefaultBatch)
		if err != nil {
			return all, fmt.Errorf("outbox: claiming events: %w", err)
		}
		evs := c.Events()
		if len(evs) == 0 {
			if err := c.Release(); err != nil {
				return all, fmt.Errorf("outbox: ending an empty claim: %w", err)
			}
			return all, nil
		}
		ids := make([]uuid.UUID, len(evs))
		for i, ev := range evs {
			ids[i] = ev.ID
		}
		if err := c.Sent(ctx, ids); err != nil {
			return all, fmt.Errorf("outbox: marking events sent: %w", err)
		}
		all = append(all, evs...)
	}
}
