package order_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// counts collects reader's counters of the order meter, by name and, for
// the failures, by reason ("commerce.checkouts.failed/out_of_stock").
func counts(t *testing.T, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := make(map[string]int64)
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != order.MeterName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, order.MeterName)
		}
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || !sum.IsMonotonic {
				t.Errorf("%s is %T, want a monotonic sum", m.Name, m.Data)
				continue
			}
			for _, dp := range sum.DataPoints {
				name := m.Name
				if r, ok := dp.Attributes.Value(attribute.Key("reason")); ok {
					name += "/" + r.AsString()
				}
				got[name] += dp.Value
			}
		}
	}
	return got
}

type meteredShop struct {
	orders  *order.Service
	reader  *sdkmetric.ManualReader
	catalog *catalog.Service
	staff   commerce.Actor
}

func newMeteredShop(t *testing.T, decline bool) meteredShop {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { provider.Shutdown(context.Background()) })
	store := memstore.New(nil)
	card := &order.FakeCardProvider{Decline: func(order.Order) bool { return decline }}
	return meteredShop{
		orders: order.NewService(store.Orders(), store.Transactor(), &order.Options{
			Payments:      map[order.PaymentMethod]order.PaymentProvider{order.Card: card, order.BankTransfer: order.ManualProvider{}},
			MeterProvider: provider,
		}),
		reader:  reader,
		catalog: catalog.NewService(store.Catalog(), nil),
		staff:   commerce.StaffActor(commerce.NewID()),
	}
}

func (s meteredShop) product(t *testing.T, stock int) uuid.UUID {
	t.Helper()
	p, err := s.catalog.CreateProduct(context.Background(), s.staff, catalog.ProductInput{
		Name: "계량 찻잔", Price: commerce.MustMoney("9000", "KRW"), Stock: &stock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func buy(product uuid.UUID, n int, method order.PaymentMethod, key string) order.CheckoutInput {
	return order.CheckoutInput{
		ProductID: product, Quantity: n, PaymentMethod: method, IdempotencyKey: key,
		Address: &order.AddressInput{Recipient: "김계량", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"},
	}
}

func TestCheckoutMetrics(t *testing.T) {
	ctx := context.Background()
	s := newMeteredShop(t, false)
	// Before any checkout, every series is there at 0.
	want := map[string]int64{
		order.MetricCheckoutsPlaced: 0, order.MetricOutOfStock: 0,
		order.MetricCheckoutsFailed + "/" + order.FailureInvalid:         0,
		order.MetricCheckoutsFailed + "/" + order.FailureOutOfStock:      0,
		order.MetricCheckoutsFailed + "/" + order.FailurePaymentDeclined: 0,
		order.MetricCheckoutsFailed + "/" + order.FailureConflict:        0,
		order.MetricCheckoutsFailed + "/" + order.FailureError:           0,
	}
	check := func(step string) {
		t.Helper()
		got := counts(t, s.reader)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("after %s: %s = %d, want %d", step, k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("after %s: series %v, want %v", step, got, want)
		}
	}
	check("nothing")

	me := commerce.UserActor(commerce.NewID())
	product := s.product(t, 3)
	in := buy(product, 2, order.Card, "one")
	if _, err := s.orders.Checkout(ctx, me, in); err != nil {
		t.Fatal(err)
	}
	want[order.MetricCheckoutsPlaced]++
	check("a checkout")

	// A retry returns the same order: not placed again.
	if _, err := s.orders.Checkout(ctx, me, in); err != nil {
		t.Fatal(err)
	}
	check("a replay")

	if _, err := s.orders.Checkout(ctx, me, buy(product, 2, order.Card, "two")); !errors.As(err, new(*order.OutOfStockError)) {
		t.Fatalf("buying past the stock: %v", err)
	}
	want[order.MetricCheckoutsFailed+"/"+order.FailureOutOfStock]++
	want[order.MetricOutOfStock]++
	check("out of stock")

	bad := buy(product, 1, order.Card, "three")
	bad.Address = nil
	if _, err := s.orders.Checkout(ctx, me, bad); !errors.Is(err, commerce.ErrInvalid) {
		t.Fatalf("without an address: %v", err)
	}
	if _, err := s.orders.Checkout(ctx, me, order.CheckoutInput{FromCart: true, PaymentMethod: order.Card, IdempotencyKey: "four",
		Address: buy(product, 1, "", "").Address}); !errors.Is(err, order.ErrEmptyCart) {
		t.Fatalf("an empty cart: %v", err)
	}
	want[order.MetricCheckoutsFailed+"/"+order.FailureInvalid] += 2
	check("invalid checkouts")

	if _, err := s.orders.Checkout(ctx, me, buy(product, 1, order.BankTransfer, "one")); !errors.Is(err, order.ErrIdempotencyConflict) {
		t.Fatalf("a key used again: %v", err)
	}
	want[order.MetricCheckoutsFailed+"/"+order.FailureConflict]++
	check("a conflict")

	if _, err := s.orders.Checkout(ctx, commerce.Anonymous, in); !errors.Is(err, order.ErrSignInRequired) {
		t.Fatalf("a guest: %v", err)
	}
	check("a guest's checkout, which is not one")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.orders.Checkout(cancelled, me, buy(product, 1, order.Card, "five")); err == nil {
		t.Fatal("a checkout whose context ended went through")
	}
	want[order.MetricCheckoutsFailed+"/"+order.FailureError]++
	check("a context ended")

	declining := newMeteredShop(t, true)
	if _, err := declining.orders.Checkout(ctx, me, buy(declining.product(t, 1), 1, order.Card, "six")); !errors.Is(err, order.ErrPaymentDeclined) {
		t.Fatalf("a declined card: %v", err)
	}
	got := counts(t, declining.reader)
	if got[order.MetricCheckoutsFailed+"/"+order.FailurePaymentDeclined] != 1 || got[order.MetricCheckoutsPlaced] != 0 {
		t.Errorf("after a declined card: %v", got)
	}
}

// Many buyers at once for a few units: each checkout is counted once,
// placed or out of stock.
func TestCheckoutMetricsConcurrent(t *testing.T) {
	const buyers, units = 40, 7
	s := newMeteredShop(t, false)
	product := s.product(t, units)
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			_, err := s.orders.Checkout(context.Background(), commerce.UserActor(commerce.NewID()),
				buy(product, 1, order.Card, fmt.Sprintf("buyer-%d", i)))
			if err != nil && !errors.As(err, new(*order.OutOfStockError)) {
				t.Errorf("buyer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got := counts(t, s.reader)
	if got[order.MetricCheckoutsPlaced] != units || got[order.MetricCheckoutsFailed+"/"+order.FailureOutOfStock] != buyers-units ||
		got[order.MetricOutOfStock] != buyers-units {
		t.Errorf("counts %v, want %d placed and %d out of stock", got, units, buyers-units)
	}
}
