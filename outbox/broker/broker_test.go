package broker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/pubsub"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/brokertest"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/outbox/broker"
	"github.com/impactmuseum/commerce/outbox/internal/outboxtest"
)

var _ outbox.Publisher = (*broker.Publisher)(nil)

// receiveTimeout bounds the wait for each message a test expects.
const receiveTimeout = 10 * time.Second

func open(t testing.TB, url string) *broker.Publisher {
	t.Helper()
	p, err := broker.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open(%q): %v", url, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return p
}

// relay fills the outbox with evs and drains it to pub.
func relay(t testing.TB, o outboxtest.Outbox, pub outbox.Publisher, evs []commerce.Event) {
	t.Helper()
	outboxtest.Fill(t, o, evs, 25)
	r, err := outbox.NewRelay(o.Store, pub, &outbox.RelayOptions{Batch: 40, Concurrency: 8, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := r.Drain(context.Background())
	if sent != len(evs) || err != nil {
		t.Fatalf("Drain = %d, %v; want %d, nil", sent, err, len(evs))
	}
}

// checkMeta checks a message's metadata against the event its body holds.
func checkMeta(t testing.TB, ev commerce.Event, get func(string) string) {
	t.Helper()
	for k, want := range map[string]string{
		broker.MetaType: ev.Type, broker.MetaID: ev.ID.String(), broker.MetaAggregateID: ev.AggregateID.String(),
	} {
		if got := get(k); got != want {
			t.Errorf("event %s: metadata %q = %q; want %q", ev.ID, k, got, want)
		}
	}
}

// eachStore runs f against every store's outbox; the subtests are not
// parallel, as the brokers' variables are set for the test.
func eachStore(t *testing.T, f func(t *testing.T, o outboxtest.Outbox)) {
	for _, m := range outboxtest.Makers {
		t.Run(m.Name, func(t *testing.T) { f(t, m.Make(t)) })
	}
}

func TestMem(t *testing.T) {
	ctx := context.Background()
	url := "mem://" + outboxtest.Unique("commerce-test-")
	pub := open(t, url)
	sub, err := pubsub.OpenSubscription(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Shutdown(ctx)
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		evs := outboxtest.Events(10, 6)
		relay(t, o, pub, evs)
		// The in-memory subscription hands messages out in no particular
		// order, but the topic numbers them as it takes them ("msg #N"):
		// that is the order they were published in.
		type numbered struct {
			n  int
			ev commerce.Event
		}
		var msgs []numbered
		for range evs {
			rctx, cancel := context.WithTimeout(ctx, receiveTimeout)
			m, err := sub.Receive(rctx)
			cancel()
			if err != nil {
				t.Fatalf("Receive after %d messages: %v", len(msgs), err)
			}
			m.Ack()
			ev := outboxtest.DecodeBody(t, m.Body)
			checkMeta(t, ev, func(k string) string { return m.Metadata[k] })
			var n int
			if _, err := fmt.Sscanf(m.LoggableID, "msg #%d", &n); err != nil {
				t.Fatalf("the in-memory message %q has no number: %v", m.LoggableID, err)
			}
			msgs = append(msgs, numbered{n, ev})
		}
		slices.SortFunc(msgs, func(a, b numbered) int { return a.n - b.n })
		got := make([]commerce.Event, len(msgs))
		for i, m := range msgs {
			got[i] = m.ev
		}
		outboxtest.CheckDelivered(t, evs, got, true)
	})

	// The topic belongs to the process: another publisher of the same
	// URL still reaches the subscription after the first shut down.
	if err := pub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	ev := outboxtest.Events(1, 1)[0]
	if err := pub.Publish(ctx, ev); !errors.Is(err, commerce.ErrUnavailable) || !strings.Contains(err.Error(), "shut down") {
		t.Errorf("Publish after Shutdown = %v; want an error saying so", err)
	}
	again := open(t, url)
	if err := again.Publish(ctx, ev); err != nil {
		t.Fatalf("Publish on a second publisher of %s: %v", url, err)
	}
	rctx, cancel := context.WithTimeout(ctx, receiveTimeout)
	defer cancel()
	m, err := sub.Receive(rctx)
	if err != nil {
		t.Fatal(err)
	}
	m.Ack()
	if got := outboxtest.DecodeBody(t, m.Body); got.ID != ev.ID {
		t.Errorf("received %s; want %s", got.ID, ev.ID)
	}
}

func TestNATS(t *testing.T) {
	nc := brokertest.NATS(t)
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		subject := outboxtest.Unique("commerce.test.")
		sub, err := nc.SubscribeSync(subject)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		evs := outboxtest.Events(10, 6)
		relay(t, o, open(t, "nats://"+subject), evs)
		var got []commerce.Event
		for range evs {
			m, err := sub.NextMsg(receiveTimeout)
			if err != nil {
				t.Fatalf("NextMsg after %d messages: %v", len(got), err)
			}
			ev := outboxtest.DecodeBody(t, m.Data)
			checkMeta(t, ev, m.Header.Get)
			if id := m.Header.Get(jetstream.MsgIDHeader); id != ev.ID.String() {
				t.Errorf("Nats-Msg-Id = %q; want %s", id, ev.ID)
			}
			got = append(got, ev)
		}
		outboxtest.CheckDelivered(t, evs, got, true)
	})
}

func TestNATSJetStream(t *testing.T) {
	ctx := context.Background()
	nc := brokertest.NATS(t)
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		subject, stream := brokertest.Stream(t, nc)
		pub := open(t, "nats://"+subject+"?jetstream=true")
		evs := outboxtest.Events(10, 6)
		relay(t, o, pub, evs)

		// An event published again within the stream's duplicate window
		// is acknowledged but not stored twice.
		if err := pub.Publish(ctx, evs[0]); err != nil {
			t.Fatalf("Publish of an event again: %v", err)
		}
		info, err := stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs != uint64(len(evs)) {
			t.Errorf("the stream holds %d messages; want %d", info.State.Msgs, len(evs))
		}

		cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		batch, err := cons.Fetch(len(evs), jetstream.FetchMaxWait(receiveTimeout))
		if err != nil {
			t.Fatal(err)
		}
		var got []commerce.Event
		for m := range batch.Messages() {
			ev := outboxtest.DecodeBody(t, m.Data())
			checkMeta(t, ev, m.Headers().Get)
			got = append(got, ev)
		}
		if err := batch.Error(); err != nil {
			t.Fatalf("Fetch after %d messages: %v", len(got), err)
		}
		outboxtest.CheckDelivered(t, evs, got, true)
	})
}

func TestNATSJetStreamWithoutStream(t *testing.T) {
	brokertest.NATS(t)
	o := outboxtest.Mem(t)
	evs := outboxtest.Events(1, 2)
	outboxtest.Fill(t, o, evs, 2)
	// No stream captures the subject: the server has no one to store the
	// message, and the events stay in the outbox.
	pub := open(t, "nats://"+outboxtest.Unique("commerce.test.")+"?jetstream=true")
	r, err := outbox.NewRelay(o.Store, pub, &outbox.RelayOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := r.Drain(context.Background()); sent != 0 || !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Fatalf("Drain to a subject without a stream = %d, %v; want 0 and %v", sent, err, jetstream.ErrNoStreamResponse)
	}
	rec := &outboxtest.Recorder{}
	r, err = outbox.NewRelay(o.Store, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := r.Drain(context.Background()); sent != len(evs) || err != nil {
		t.Fatalf("Drain afterwards = %d, %v; want %d, nil", sent, err, len(evs))
	}
}

func TestRabbit(t *testing.T) {
	conn := brokertest.Rabbit(t)
	eachStore(t, func(t *testing.T, o outboxtest.Outbox) {
		exchange, deliveries := brokertest.Exchange(t, conn, "", true)
		evs := outboxtest.Events(10, 6)
		relay(t, o, open(t, "rabbit://"+exchange), evs)
		var got []commerce.Event
		for range evs {
			var d amqp.Delivery
			select {
			case d = <-deliveries:
			case <-time.After(receiveTimeout):
				t.Fatalf("no message after %d", len(got))
			}
			ev := outboxtest.DecodeBody(t, d.Body)
			checkMeta(t, ev, func(k string) string { s, _ := d.Headers[k].(string); return s })
			if d.MessageId != ev.ID.String() || d.Type != ev.Type || d.ContentType != "application/json" ||
				d.DeliveryMode != amqp.Persistent || !d.Timestamp.Equal(ev.Time.Truncate(time.Second)) {
				t.Errorf("message %s: id %q, type %q, content type %q, delivery mode %d, timestamp %v; want the event's, application/json, persistent",
					ev.ID, d.MessageId, d.Type, d.ContentType, d.DeliveryMode, d.Timestamp)
			}
			got = append(got, ev)
		}
		outboxtest.CheckDelivered(t, evs, got, true)
	})
}

func TestRabbitRefusals(t *testing.T) {
	ctx := context.Background()
	conn := brokertest.Rabbit(t)
	ev := outboxtest.Events(1, 1)[0]

	// An exchange no queue is bound to returns the message: the event is
	// not delivered, and stays in the outbox.
	unbound, _ := brokertest.Exchange(t, conn, "", false)
	pub := open(t, "rabbit://"+unbound)
	if err := pub.Publish(ctx, ev); !errors.Is(err, commerce.ErrUnavailable) || !strings.Contains(err.Error(), "NO_ROUTE") {
		t.Errorf("Publish to an exchange without a queue = %v; want the broker's NO_ROUTE", err)
	}
	name := outboxtest.Unique("commerce_test_")
	missing := open(t, "rabbit://"+name)
	if err := missing.Publish(ctx, ev); err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
		t.Errorf("Publish to a missing exchange = %v; want the broker's NOT_FOUND", err)
	}
	// The broker closed the publisher's channel over the missing exchange;
	// once the exchange exists, the publisher gets through on a new one.
	_, deliveries := brokertest.Exchange(t, conn, name, true)
	if err := missing.Publish(ctx, ev); err != nil {
		t.Fatalf("Publish once the exchange exists: %v", err)
	}
	select {
	case d := <-deliveries:
		if got := outboxtest.DecodeBody(t, d.Body); got.ID != ev.ID {
			t.Errorf("received %s; want %s", got.ID, ev.ID)
		}
	case <-time.After(receiveTimeout):
		t.Fatal("no message")
	}
}

func TestOpenRefusesBadURLs(t *testing.T) {
	ctx := context.Background()
	t.Setenv(broker.NATSServerEnv, "nats://127.0.0.1:4222")
	t.Setenv(broker.RabbitServerEnv, "amqp://guest:guest@127.0.0.1:5672/")
	for _, c := range []struct{ url, says string }{
		{"", "no scheme"},
		{"orders", "no scheme"},
		{"kafka://orders", `"kafka"`},
		{"nats://", "no subject"},
		{"nats://orders.*", "wildcard"},
		{"nats://orders..placed", "empty token"},
		{"nats://orders?jetstream=maybe", "jetstream"},
		{"nats://orders?queue=x", `"queue"`},
		{"rabbit://", "no exchange"},
		{"rabbit://orders?durable=true", "durable"},
		{"mem://", "no topic"},
		{"mem://orders?x=1", `"x"`},
		{"://", "malformed"},
	} {
		p, err := broker.Open(ctx, c.url)
		if p != nil || !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("Open(%q) = %v, %v; want an invalid-input error that says %s", c.url, p, err, c.says)
		}
	}
	for _, c := range []struct{ url, variable string }{
		{"nats://orders", broker.NATSServerEnv},
		{"rabbit://orders", broker.RabbitServerEnv},
	} {
		t.Setenv(c.variable, "")
		p, err := broker.Open(ctx, c.url)
		if p != nil || !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), c.variable) {
			t.Errorf("Open(%q) without %s = %v, %v; want an invalid-input error naming it", c.url, c.variable, p, err)
		}
	}
	t.Setenv(broker.RabbitServerEnv, "http://guest:secret@127.0.0.1/")
	if _, err := broker.Open(ctx, "rabbit://orders"); !errors.Is(err, commerce.ErrInvalid) || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open with a malformed %s = %v; want an invalid-input error without the password", broker.RabbitServerEnv, err)
	}
	// A server that does not answer.
	t.Setenv(broker.NATSServerEnv, "nats://127.0.0.1:1")
	if _, err := broker.Open(ctx, "nats://orders"); !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("Open with no NATS server = %v; want an unavailable error", err)
	}
	t.Setenv(broker.RabbitServerEnv, "amqp://guest:guest@127.0.0.1:1/")
	if _, err := broker.Open(ctx, "rabbit://orders"); !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("Open with no RabbitMQ server = %v; want an unavailable error", err)
	}
}

func TestPublishRefusesBadEvents(t *testing.T) {
	ctx := context.Background()
	pub := open(t, "mem://"+outboxtest.Unique("commerce-test-"))
	ev := outboxtest.Events(1, 1)[0]
	noID, noType := ev, ev
	noID.ID = [16]byte{}
	noType.Type = ""
	for name, c := range map[string]struct {
		ev   commerce.Event
		says string
	}{
		"no id":   {noID, "no ID"},
		"no type": {noType, "no Type"},
	} {
		if err := pub.Publish(ctx, c.ev); !errors.Is(err, commerce.ErrInvalid) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("Publish of an event with %s = %v; want an invalid-input error that says %s", name, err, c.says)
		}
	}
}

// The NATS driver answers the gocloud questions about its topic.
func TestNATSTopicAs(t *testing.T) {
	brokertest.NATS(t)
	pub := open(t, "nats://"+outboxtest.Unique("commerce.test."))
	var nc *nats.Conn
	if !pub.As(&nc) || nc == nil || !nc.IsConnected() {
		t.Errorf("TopicAs(*nats.Conn) = %v; want the publisher's connection", nc)
	}
}

func TestRabbitReconnects(t *testing.T) {
	ctx := context.Background()
	conn := brokertest.Rabbit(t)
	exchange, deliveries := brokertest.Exchange(t, conn, "", true)
	pub := open(t, "rabbit://"+exchange)
	evs := outboxtest.Events(1, 2)
	if err := pub.Publish(ctx, evs[0]); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	// The broker drops the publisher's connection (a restart, say); the
	// AMQP client does not reconnect, the publisher does.
	var first *amqp.Connection
	if !pub.As(&first) {
		t.Fatal("As(*amqp.Connection) = false")
	}
	first.Close()
	if err := pub.Publish(ctx, evs[1]); err != nil {
		t.Fatalf("Publish after the connection closed: %v", err)
	}
	var second *amqp.Connection
	if !pub.As(&second) || second == first || second.IsClosed() {
		t.Errorf("the publisher's connection after a reconnection: %p (closed: %v); the first was %p", second, second != nil && second.IsClosed(), first)
	}
	var got []commerce.Event
	for range evs {
		select {
		case d := <-deliveries:
			got = append(got, outboxtest.DecodeBody(t, d.Body))
		case <-time.After(receiveTimeout):
			t.Fatalf("no message after %d", len(got))
		}
	}
	outboxtest.CheckDelivered(t, evs, got, true)
}
