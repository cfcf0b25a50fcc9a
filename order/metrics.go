package order

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/impactmuseum/commerce"
)

// MeterName is the name of the meter (the instrumentation scope) that the
// service takes from Options.MeterProvider.
const MeterName = "github.com/impactmuseum/commerce/order"

// Names of the counters the service records. A Prometheus exporter writes
// them with underscores and a _total suffix:
// commerce_checkouts_placed_total and so on.
const (
	// MetricCheckoutsPlaced counts checkouts that placed a new order; a
	// replay of an idempotency key that returns the first order is not
	// counted again.
	MetricCheckoutsPlaced = "commerce.checkouts.placed"
	// MetricCheckoutsFailed counts checkouts that placed nothing, by the
	// attribute "reason" (the Failure… constants). A checkout by someone
	// not signed in is refused before it is one and is not counted.
	MetricCheckoutsFailed = "commerce.checkouts.failed"
	// MetricOutOfStock counts refusals to sell beyond tracked stock: the
	// checkouts that failed with an *OutOfStockError.
	MetricOutOfStock = "commerce.stock.refusals"
)

// Reasons of MetricCheckoutsFailed, its attribute "reason".
const (
	// FailureInvalid: the input was refused (a *commerce.ValidationError,
	// an empty cart, a product priced in another currency).
	FailureInvalid = "invalid"
	// FailureOutOfStock: a product had fewer units than asked for.
	FailureOutOfStock = "out_of_stock"
	// FailurePaymentDeclined: the payment provider refused.
	FailurePaymentDeclined = "payment_declined"
	// FailureConflict: the idempotency key was used for another request.
	FailureConflict = "conflict"
	// FailureError: anything else — storage that did not answer, a
	// payment provider's failure, the request's context ending.
	FailureError = "error"
)

// metrics are the service's counters.
type metrics struct {
	placed, failed, outOfStock metric.Int64Counter
	reasons                    map[string]metric.MeasurementOption
}

// newMetrics makes the counters on mp, or on the global provider when mp
// is nil (a no-op until an application sets one).
func newMetrics(mp metric.MeterProvider) metrics {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(MeterName)
	m2 := metrics{
		placed: counter(m, MetricCheckoutsPlaced, "{checkout}", "Checkouts that placed a new order."),
		failed: counter(m, MetricCheckoutsFailed, "{checkout}",
			"Checkouts that placed nothing, by reason: invalid, out_of_stock, payment_declined, conflict, error."),
		outOfStock: counter(m, MetricOutOfStock, "{refusal}", "Refusals to sell beyond tracked stock."),
		reasons:    make(map[string]metric.MeasurementOption),
	}
	// The attribute sets are made once: recording then allocates nothing.
	for _, r := range []string{FailureInvalid, FailureOutOfStock, FailurePaymentDeclined, FailureConflict, FailureError} {
		m2.reasons[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	// Every series exists from the start, at 0, so that a rate over the
	// first failure of a kind sees it rise.
	ctx := context.Background()
	m2.placed.Add(ctx, 0)
	m2.outOfStock.Add(ctx, 0)
	for _, r := range m2.reasons {
		m2.failed.Add(ctx, 0, r)
	}
	return m2
}

// counter returns the counter name of m; a provider that refuses it
// leaves a no-op counter, as telemetry must never stop the shop.
func counter(m metric.Meter, name, unit, desc string) metric.Int64Counter {
	c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil || c == nil {
		return noop.Int64Counter{}
	}
	return c
}

// checkout records the outcome of a checkout: err is what Checkout
// returns, and replayed tells that it returned an order placed before.
func (m metrics) checkout(ctx context.Context, replayed bool, err error) {
	if err == nil {
		if !replayed {
			m.placed.Add(ctx, 1)
		}
		return
	}
	if errors.Is(err, ErrSignInRequired) {
		return
	}
	// The record outlives the request: a checkout that failed because its
	// context ended is counted all the same.
	ctx = context.WithoutCancel(ctx)
	reason := failureReason(err)
	if reason == FailureOutOfStock {
		m.outOfStock.Add(ctx, 1)
	}
	m.failed.Add(ctx, 1, m.reasons[reason])
}

// failureReason classifies the error of a failed checkout.
func failureReason(err error) string {
	var oos *OutOfStockError
	switch {
	case errors.As(err, &oos):
		return FailureOutOfStock
	case errors.Is(err, ErrPaymentDeclined):
		return FailurePaymentDeclined
	case errors.Is(err, ErrIdempotencyConflict):
		return FailureConflict
	case errors.Is(err, commerce.ErrInvalid):
		return FailureInvalid
	}
	return FailureError
}
