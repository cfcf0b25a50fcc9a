package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/internal/smoke"
)

// observedDemo returns the demo shop's handler as run serves it, with
// metrics when metrics is set and traces, into exporter, when it is not
// nil.
func observedDemo(tb testing.TB, metrics bool, exporter sdktrace.SpanExporter) http.Handler {
	tb.Helper()
	demo, err := shop.OpenDemo(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { demo.Images.Close() })
	var cfg config
	if metrics {
		cfg.metricsAddr = "127.0.0.1:0"
	}
	obs, err := newObserver(context.Background(), cfg, envOf(nil))
	if err != nil {
		tb.Fatal(err)
	}
	if exporter != nil {
		obs.traces = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter),
			sdktrace.WithSampler(sdktrace.ParentBased(requestsOnly{})))
	}
	tb.Cleanup(func() { obs.shutdown(slog.New(slog.NewTextHandler(io.Discard, nil))) })
	return obs.wrap(newHandler(demo.API, demo.Storefront, demo.Images), newRoutes(demo.API, demo.Storefront, demo.Images))
}

// The shop's walk passes through the measured and traced handler: the
// wrapping takes nothing away (flushes, status codes, bodies).
func TestSmokeWalkObserved(t *testing.T) {
	exporter := tracetest.NewInMemoryExporter()
	srv := httptest.NewServer(observedDemo(t, true, exporter))
	defer srv.Close()
	smoke.Walk(t, srv.URL)
}

// BenchmarkObserve is the cost of the instrumentation on one request,
// served in process: bare, measured (Prometheus), traced (OpenTelemetry,
// every request sampled, spans batched to an exporter that drops them),
// and both. /healthz does no work of its own, so its numbers are the
// instrumentation's; GET /api/products?limit=1 is a typical read.
func BenchmarkObserve(b *testing.B) {
	for _, path := range []string{"/healthz", "/api/products"} {
		for _, c := range []struct {
			name    string
			metrics bool
			traces  bool
		}{{"bare", false, false}, {"metrics", true, false}, {"traces", false, true}, {"both", true, true}} {
			b.Run(path+"/"+c.name, func(b *testing.B) {
				var exporter sdktrace.SpanExporter
				if c.traces {
					exporter = tracetest.NewNoopExporter()
				}
				h := observedDemo(b, c.metrics, exporter)
				target := path
				if path == "/api/products" {
					target = path + "?limit=1"
				}
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
					if w.Code != http.StatusOK {
						b.Fatalf("GET %s: %d", target, w.Code)
					}
				}
			})
		}
	}
}
