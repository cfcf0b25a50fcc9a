// Package brokertest gives tests the real brokers:
// a NATS server (with JetStream) and a RabbitMQ server, with subjects,
// streams, exchanges and queues of the run's own, removed when the test
// ends.
//
// COMMERCE_NATS_URL (default nats://127.0.0.1:4222) and
// COMMERCE_RABBIT_URL (default amqp://guest:guest@127.0.0.1:5672/) point
// at the servers. A test whose server does not answer is skipped, the
// skip naming the variable; under CI=true it fails.
package brokertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
)

// The variables that point the tests at the brokers, and their defaults.
const (
	NATSEnv       = "COMMERCE_NATS_URL"
	RabbitEnv     = "COMMERCE_RABBIT_URL"
	defaultNATS   = "nats://127.0.0.1:4222"
	defaultRabbit = "amqp://guest:guest@127.0.0.1:5672/"
)

// dialTimeout bounds how long a test waits to learn that a broker is down.
const dialTimeout = 2 * time.Second

// NATS connects to the NATS server, points NATS_SERVER_URL
// (broker.NATSServerEnv) at it for the rest of the test (so the test
// cannot be parallel), and returns the connection, closed when the test
// ends.
func NATS(t testing.TB) *nats.Conn {
	t.Helper()
	url := env(NATSEnv, defaultNATS)
	nc, err := nats.Connect(url, nats.Timeout(dialTimeout), nats.Name("commerce tests"))
	if err != nil {
		unreachable(t, NATSEnv, "NATS", err)
	}
	t.Cleanup(nc.Close)
	t.Setenv("NATS_SERVER_URL", url)
	return nc
}

// Stream makes a JetStream stream, in memory, that captures one subject of
// its own, and returns the subject and the stream; the stream is deleted
// when the test ends.
func Stream(t testing.TB, nc *nats.Conn) (subject string, stream jetstream.Stream) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("JetStream: %v", err)
	}
	name := Unique("COMMERCE_TEST_")
	subject = Unique("commerce.test.")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err = js.CreateStream(ctx, jetstream.StreamConfig{
		Name: name, Subjects: []string{subject}, Storage: jetstream.MemoryStorage,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		t.Fatalf("creating the JetStream stream %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Errorf("deleting the JetStream stream %s: %v", name, err)
		}
	})
	return subject, stream
}

// Rabbit connects to the RabbitMQ server, points RABBIT_SERVER_URL
// (broker.RabbitServerEnv) at it for the rest of the test (so the test cannot be parallel), and
// returns the connection, closed when the test ends.
func Rabbit(t testing.TB) *amqp.Connection {
	t.Helper()
	url := env(RabbitEnv, defaultRabbit)
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(dialTimeout)})
	if err != nil {
		unreachable(t, RabbitEnv, "RabbitMQ", err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("RABBIT_SERVER_URL", url)
	return conn
}

// Exchange declares a fanout exchange named exchange, or one of the run's
// own when exchange is empty; with bound set it also declares a queue
// bound to it, and returns the queue's deliveries (acknowledged on
// delivery). Both are deleted when the test ends.
func Exchange(t testing.TB, conn *amqp.Connection, exchange string, bound bool) (string, <-chan amqp.Delivery) {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("opening an AMQP channel: %v", err)
	}
	t.Cleanup(func() { ch.Close() })
	if exchange == "" {
		exchange = Unique("commerce_test_")
	}
	if err := ch.ExchangeDeclare(exchange, "fanout", false, false, false, false, nil); err != nil {
		t.Fatalf("declaring the exchange %s: %v", exchange, err)
	}
	t.Cleanup(func() {
		if err := ch.ExchangeDelete(exchange, false, false); err != nil {
			t.Errorf("deleting the exchange %s: %v", exchange, err)
		}
	})
	if !bound {
		return exchange, nil
	}
	q, err := ch.QueueDeclare(exchange+"_queue", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("declaring a queue: %v", err)
	}
	t.Cleanup(func() {
		if _, err := ch.QueueDelete(q.Name, false, false, false); err != nil {
			t.Errorf("deleting the queue %s: %v", q.Name, err)
		}
	})
	if err := ch.QueueBind(q.Name, "", exchange, false, nil); err != nil {
		t.Fatalf("binding the queue %s to %s: %v", q.Name, exchange, err)
	}
	deliveries, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatalf("consuming from %s: %v", q.Name, err)
	}
	return exchange, deliveries
}

// Unique returns prefix and 12 random hex digits: a name of the run's own.
func Unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// unreachable skips t because a service it needs does not answer, naming
// the variable that points at the service; under CI=true it fails t.
func unreachable(t testing.TB, variable, service string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is unreachable (set %s): %v", service, variable, err)
	}
	t.Skipf("%s is unreachable, skipping (set %s to run this test): %v", service, variable, err)
}

// env returns the variable's value, or def when it is unset.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// NATSURL returns the URL of the tests' NATS server.
func NATSURL() string { return env(NATSEnv, defaultNATS) }

// RabbitURL returns the URL of the tests' RabbitMQ server.
func RabbitURL() string { return env(RabbitEnv, defaultRabbit) }
