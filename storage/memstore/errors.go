package memstore

import (
	"context"
	"fmt"

	"github.com/impactmuseum/commerce"
)

// ctxErr returns nil while ctx is live. Once ctx has ended it returns an
// error that wraps both commerce.ErrUnavailable and ctx's own error
// (context.Canceled or context.DeadlineExceeded), as every adapter of the
// engine reports an ended context: the store did not do the work, and
// errors.Is finds either. Every method of the store checks ctx through it
// before touching the data.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w: %w", commerce.ErrUnavailable, err)
	}
	return nil
}
