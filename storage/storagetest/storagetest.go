package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/webhook"
)

// Stores are the repositories of one empty store, made for one test. A nil
// repository means the adapter does not implement it, and the cases that
// need it skip. An adapter that implements only part (redisstore keeps
// sessions, sign-ins in progress and throttling counters) fills the rest
// from memstore in its own test, so that the cases run on its part.
type Stores struct {
	Catalog  catalog.Repository
	Accounts account.Repository
	Sessions account.SessionStore
	Attempts account.AttemptStore
	Board    board.Repository
	Carts    cart.Repository
	Orders   order.Repository
	Stock    catalog.StockRepository
	// Transactor runs checkouts over the store's Orders, Carts, Catalog
	// and Stock.
	Transactor order.Transactor
	// Outbox is the store's outbox of domain events, in which the writes
	// of the repositories above store the events their contexts carry
	// (commerce.WithEvents).
	Outbox outbox.Store
	// OutboxLease is how long the Outbox's claims hold their events on the
	// Now and Advance clock unless they end first; zero when they have no
	// such lease (a claim of a database ends with its connection).
	OutboxLease time.Duration
	// Webhooks keeps webhook endpoints and their deliveries.
	Webhooks webhook.Repository

	// Now is the clock the Sessions and Attempts stores expire things by;
	// nil means time.Now.
	Now func() time.Time
	// Advance moves that clock forward by d: a fake clock jumps, a real
	// one (Redis expiring keys by TTL) is waited for. Nil means
	// time.Sleep.
	Advance func(d time.Duration)
}

// Harness makes stores for the cases of one conformance run.
type Harness interface {
	// MakeStores returns the repositories of a new, empty store that no
	// other test sees. The harness removes the store when t ends
	// (t.Cleanup). Tests call it from parallel subtests, so it must be safe
	// for concurrent use.
	MakeStores(ctx context.Context, t *testing.T) Stores
	// Close releases what the harness holds. RunConformanceTests calls it
	// once, after every case has finished.
	Close()
}

// HarnessMaker makes the harness of one conformance run. It should call
// t.Skip (or, under CI, t.Fatal) when the adapter's backend is unreachable.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// RunConformanceTests runs every case of the suite against the adapter that
// newHarness makes. Each adapter's tests call it once, from a test named
// TestConformance.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Helper()
	ctx := context.Background()
	h, err := newHarness(ctx, t)
	if err != nil {
		t.Fatalf("storagetest: making the harness: %v", err)
	}
	t.Cleanup(h.Close)
	t.Run("Catalog", func(t *testing.T) { runCatalogTests(t, h) })
	t.Run("CatalogImport", func(t *testing.T) { runCatalogImportTests(t, h) })
	t.Run("Accounts", func(t *testing.T) { runAccountTests(t, h) })
	t.Run("UserImport", func(t *testing.T) { runUserImportTests(t, h) })
	t.Run("Sessions", func(t *testing.T) { runSessionTests(t, h) })
	t.Run("Board", func(t *testing.T) { runBoardTests(t, h) })
	t.Run("PostImport", func(t *testing.T) { runPostImportTests(t, h) })
	t.Run("Carts", func(t *testing.T) { runCartTests(t, h) })
	t.Run("CartImport", func(t *testing.T) { runCartImportTests(t, h) })
	t.Run("Orders", func(t *testing.T) { runOrderTests(t, h) })
	t.Run("OrderImport", func(t *testing.T) { runOrderImportTests(t, h) })
	t.Run("Outbox", func(t *testing.T) { runOutboxTests(t, h) })
	t.Run("Webhooks", func(t *testing.T) { runWebhookTests(t, h) })
	t.Run("EndedContext", func(t *testing.T) { runContextTests(t, h) })
}
