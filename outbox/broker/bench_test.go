package broker_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"gocloud.dev/pubsub"

	"github.com/impactmuseum/commerce/internal/brokertest"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/outbox/internal/outboxtest"
)

// BenchmarkRelay measures the outbox's throughput: events per second from
// stored (committed, unsent, in the outbox) to acknowledged by the broker
// and marked sent, with the relay's default batch (100) and concurrency
// (16). Each iteration is one event: b.N events are stored first, outside
// the timer, then the relays drain them, and the timer stops when the
// last relay's last claim is marked sent.
//
//	go test -run '^$' -bench Relay -benchmem ./outbox/broker/
//
// Each broker runs with one relay ("relays=1") and with two relays that
// share the outbox ("relays=2"), each relay with a publisher (a broker
// connection) of its own, as two servers would have. The events belong to
// 1,024 aggregates, stored in turn (the first version of every aggregate,
// then the second, …), so that a batch holds each aggregate at most once
// and the two relays' claims never wait for each other's aggregates. The
// benchmarks of a broker are skipped without its server; those of
// bunstore without the database (COMMERCE_MYSQL_DSN), which each makes
// afresh.
func BenchmarkRelay(b *testing.B) {
	brokers := []struct {
		name string
		// setup makes the outbox and returns it with the URL of the
		// topic to publish to.
		setup func(b *testing.B) (outboxtest.Outbox, string)
		// opened, when set, runs once the publishers have opened the
		// topic.
		opened func(b *testing.B, url string)
	}{
		{"memstore+mem", func(b *testing.B) (outboxtest.Outbox, string) {
			return outboxtest.Mem(b), "mem://" + outboxtest.Unique("commerce-bench-")
		}, consume},
		{"bunstore+nats", func(b *testing.B) (outboxtest.Outbox, string) {
			brokertest.NATS(b)
			return outboxtest.Bun(b), "nats://" + outboxtest.Unique("commerce.bench.")
		}, nil},
		{"bunstore+nats-jetstream", func(b *testing.B) (outboxtest.Outbox, string) {
			subject, _ := brokertest.Stream(b, brokertest.NATS(b))
			return outboxtest.Bun(b), "nats://" + subject + "?jetstream=true"
		}, nil},
		{"bunstore+rabbit", func(b *testing.B) (outboxtest.Outbox, string) {
			exchange, deliveries := brokertest.Exchange(b, brokertest.Rabbit(b), "", true)
			go func() {
				for range deliveries {
				}
			}()
			return outboxtest.Bun(b), "rabbit://" + exchange
		}, nil},
	}
	for _, br := range brokers {
		for _, relays := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/relays=%d", br.name, relays), func(b *testing.B) {
				o, url := br.setup(b)
				pubs := make([]outbox.Publisher, relays)
				for i := range pubs {
					pubs[i] = open(b, url)
				}
				if br.opened != nil {
					br.opened(b, url)
				}
				benchRelay(b, o, pubs)
			})
		}
	}
}

// consume receives and acknowledges the messages of the mem:// topic url,
// which a publisher has opened, until the benchmark ends.
func consume(b *testing.B, url string) {
	ctx := context.Background()
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
	b.Cleanup(func() {
		stop()
		<-done
		sub.Shutdown(ctx)
	})
}

// benchRelay stores b.N events in o and times one relay per publisher in
// pubs draining them, all at once.
func benchRelay(b *testing.B, o outboxtest.Outbox, pubs []outbox.Publisher) {
	const aggregates = 1024
	evs := outboxtest.Events(aggregates, (b.N+aggregates-1)/aggregates)[:b.N]
	outboxtest.Fill(b, o, evs, 500)
	relays := make([]*outbox.Relay, len(pubs))
	for i, pub := range pubs {
		r, err := outbox.NewRelay(o.Store, pub, &outbox.RelayOptions{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		relays[i] = r
	}
	var (
		wg   sync.WaitGroup
		sent = make([]int, len(relays))
		errs = make([]error, len(relays))
	)
	b.ReportAllocs()
	b.ResetTimer()
	for i, r := range relays {
		// A relay's Drain ends at its first empty claim, which may come
		// while the other relay holds the last events; that one then
		// drains the rest.
		wg.Go(func() { sent[i], errs[i] = r.Drain(context.Background()) })
	}
	wg.Wait()
	b.StopTimer()
	total := 0
	for i := range relays {
		if errs[i] != nil {
			b.Fatalf("relay %d: Drain: %v", i+1, errs[i])
		}
		total += sent[i]
	}
	if total != b.N {
		b.Fatalf("the relays published %d events (%v); want %d", total, sent, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
