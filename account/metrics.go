package account

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// MeterName is the name of the meter (the instrumentation scope) that the
// service takes from Options.MeterProvider.
const MeterName = "github.com/impactmuseum/commerce/account"

// Names of the counters the service records. A Prometheus exporter writes
// them with underscores and a _total suffix:
// commerce_sign_ins_failed_total and commerce_sign_ins_throttled_total.
const (
	// MetricSignInsFailed counts password sign-ins refused as a wrong
	// username or password (ErrBadCredentials): unknown usernames, wrong
	// passwords and disabled users alike, as the answer is the same.
	MetricSignInsFailed = "commerce.sign_ins.failed"
	// MetricSignInsThrottled counts password sign-ins refused because a
	// limit of failures was reached (a *TooManyAttemptsError), whatever
	// the password.
	MetricSignInsThrottled = "commerce.sign_ins.throttled"
)

// metrics are the service's counters.
type metrics struct {
	failed, throttled metric.Int64Counter
}

// newMetrics makes the counters on mp, or on the global provider when mp
// is nil (a no-op until an application sets one).
func newMetrics(mp metric.MeterProvider) metrics {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(MeterName)
	ms := metrics{
		failed:    counter(m, MetricSignInsFailed, "Password sign-ins refused as a wrong username or password."),
		throttled: counter(m, MetricSignInsThrottled, "Password sign-ins refused because a limit of failed sign-ins was reached."),
	}
	// Both series exist from the start, at 0, so that a rate over the
	// first refusal sees it rise.
	ms.failed.Add(context.Background(), 0)
	ms.throttled.Add(context.Background(), 0)
	return ms
}

// counter returns the counter name of m; a provider that refuses it
// leaves a no-op counter, as telemetry must never stop the shop.
func counter(m metric.Meter, name, desc string) metric.Int64Counter {
	c, err := m.Int64Counter(name, metric.WithUnit("{sign_in}"), metric.WithDescription(desc))
	if err != nil || c == nil {
		return noop.Int64Counter{}
	}
	return c
}

// signInRefused counts err, the answer to a sign-in, when it refuses the
// credentials or throttles them, and returns it.
func (m metrics) signInRefused(ctx context.Context, err error) error {
	var tooMany *TooManyAttemptsError
	switch {
	case errors.As(err, &tooMany):
		m.throttled.Add(context.WithoutCancel(ctx), 1)
	case errors.Is(err, ErrBadCredentials):
		m.failed.Add(context.WithoutCancel(ctx), 1)
	}
	return err
}
