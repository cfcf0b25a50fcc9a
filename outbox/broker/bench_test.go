package broker_test

import (
	"context"
	"log/slog"
	"testing"

	"gocloud.dev/pubsub"

	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/outbox/internal/brokertest"
	"github.com/impactmuseum/commerce/outbox/internal/outboxtest"
)

// BenchmarkRelay measures the outbox's throughput: events per second from
// stored (unsent, in the outbox) to acknowledged by the broker and marked
// sent, with the relay's default batch and concurrency. Each iteration is
// one event: b.N events of 64 aggregates are stored first, outside the
// timer, then one relay drains them. The broker benchmarks are skipped
// without their servers.
func BenchmarkRelay(b *testing.B) {
	b.Run("memstore+mem", func(b *testing.B) {
		ctx := context.Background()
		url := "mem://" + outboxtest.Unique("commerce-bench-")
		pub := open(b, url)
		sub, err := pubsub.OpenSubscription(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		subCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				m, err := sub.Receive(subCtx)
				if err != nil {
					return
				}
				m.Ack()
			}
		}()
		defer func() {
			stop()
			<-done
			sub.Shutdown(ctx)
		}()
		benchRelay(b, outboxtest.Mem(b), pub)
	})
	b.Run("bunstore+nats", func(b *testing.B) {
		brokertest.NATS(b)
		benchRelay(b, outboxtest.Bun(b), open(b, "nats://"+outboxtest.Unique("commerce.bench.")))
	})
	b.Run("bunstore+nats-jetstream", func(b *testing.B) {
		subject, _ := brokertest.Stream(b, brokertest.NATS(b))
		benchRelay(b, outboxtest.Bun(b), open(b, "nats://"+subject+"?jetstream=true"))
	})
	b.Run("bunstore+rabbit", func(b *testing.B) {
		exchange, deliveries := brokertest.Exchange(b, brokertest.Rabbit(b), "", true)
		go func() {
			for range deliveries {
			}
		}()
		benchRelay(b, outboxtest.Bun(b), open(b, "rabbit://"+exchange))
	})
}

// benchRelay stores b.N events in o and times one relay draining them to
// pub.
func benchRelay(b *testing.B, o outboxtest.Outbox, pub outbox.Publisher) {
	const aggregates = 64
	evs := outboxtest.Events(aggregates, (b.N+aggregates-1)/aggregates)[:b.N]
	outboxtest.Fill(b, o, evs, 500)
	r, err := outbox.NewRelay(o.Store, pub, &outbox.RelayOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	sent, err := r.Drain(context.Background())
	b.StopTimer()
	if sent != b.N || err != nil {
		b.Fatalf("Drain = %d, %v; want %d, nil", sent, err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
