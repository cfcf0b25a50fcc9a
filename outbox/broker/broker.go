// Package broker publishes the shop's domain events to a message broker
// through gocloud.dev/pubsub: a Publisher is the outbox.Publisher that a
// relay (outbox.Relay) hands each event to.
//
// # Topics by URL
//
// Open takes the topic's URL:
//
//   - nats://SUBJECT publishes to a NATS subject, on the server that the
//     environment variable NATS_SERVER_URL names (nats://host:4222, with
//     credentials if the server wants them). With ?jetstream=true the
//     message goes through JetStream: a stream must capture the subject,
//     and the publish waits for the stream's acknowledgement that it
//     stored the message. Without it the message goes through core NATS,
//     and the publish waits for the server to have processed it (a flush):
//     core NATS keeps no message, so only the subscribers connected at the
//     time receive it.
//   - rabbit://EXCHANGE publishes to a RabbitMQ exchange, on the server
//     that RABBIT_SERVER_URL names (amqp://user:password@host:5672/), with
//     publisher confirms: the publish waits for the broker's ack. The
//     exchange must exist, and should be a fanout exchange; a message that
//     no queue is bound to receive is returned by the broker and the
//     publish fails, so that the relay keeps the event until a queue
//     exists. gocloud's ?key_name=KEY takes the routing key from the
//     metadata key KEY ("type", say, for a topic exchange). The AMQP
//     client does not reconnect by itself; the publisher dials the server
//     again when its connection has closed (NATS's client reconnects on
//     its own).
//   - mem://TOPIC publishes to gocloud's in-memory topic of that name, in
//     this process, for tests and demonstrations:
//     pubsub.OpenSubscription(ctx, "mem://TOPIC") receives its messages.
//   - Any other scheme that gocloud.dev/pubsub's default URL mux knows,
//     through a driver that the program imports (gcppubsub, awssnssqs,
//     kafkapubsub, …), is opened by that driver.
//
// The nats:// scheme is served by a gocloud driver of this package, over
// nats.go, not by gocloud's natspubsub module, which this project does not
// depend on; a program that imports natspubsub as well does not change
// what nats:// means to Open. The driver sends the metadata as NATS
// headers (NATS 2.2 and later).
//
// # Messages
//
// Each event is one message. Its body is the event's JSON form
// (commerce.Event's MarshalJSON: {"id", "type", "aggregate_id",
// "version", "time", "data"}), and its metadata — NATS or AMQP headers —
// are "type", "id" and "aggregate_id", so that a consumer can route or
// drop a message without reading its body. On NATS the header
// Nats-Msg-Id is the event's ID too, which lets JetStream drop a
// duplicate published within the stream's duplicate window. On RabbitMQ
// the message is persistent, its message-id is the event's ID, its type
// the event's type, its content type application/json and its timestamp
// the event's time.
//
// Delivery to the broker is at least once, as the relay's is: a publish
// that failed, or whose ack was lost, is published again. Each
// aggregate's events reach the broker in the order they were stored, as
// the relay publishes an aggregate's next event only once the broker has
// acknowledged the one before.
package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/mempubsub"
	"gocloud.dev/pubsub/rabbitpubsub"

	"github.com/impactmuseum/commerce"
)

// The environment variables that name the brokers' servers, as gocloud's
// drivers read them.
const (
	NATSServerEnv   = "NATS_SERVER_URL"
	RabbitServerEnv = "RABBIT_SERVER_URL"
)

// The metadata keys of each message.
const (
	MetaType        = "type"
	MetaID          = "id"
	MetaAggregateID = "aggregate_id"
)

// dialTimeout bounds how long Open, and a reconnection to RabbitMQ, waits
// for the server.
const dialTimeout = 5 * time.Second

// connectionName is how the publisher's connections are named on the
// brokers' servers, for their operators.
const connectionName = "commerce outbox"

// Publisher publishes events to one broker topic. It implements
// outbox.Publisher and is safe for concurrent use.
type Publisher struct {
	name string // the URL Open was given, for messages

	mu     sync.Mutex
	topic  *pubsub.Topic
	closed bool
	// shared is set for a topic that gocloud's default URL mux owns (mem://
	// and the schemes of other drivers): Shutdown leaves a mem:// topic
	// open for the others who opened it.
	shared bool
	// rabbit is the connection of a rabbit:// topic, and redial makes a new
	// one when the broker has closed it: the AMQP client does not
	// reconnect by itself.
	rabbit *amqp.Connection
	redial func() (*amqp.Connection, *pubsub.Topic, error)
	// nats is the connection of a nats:// topic; the NATS client
	// reconnects by itself.
	nats *nats.Conn
}

// Open opens the topic that rawURL names (see the package documentation).
// A URL of an unknown scheme, a malformed one, or a missing server
// variable is an error wrapping commerce.ErrInvalid; a server that does
// not answer is an error wrapping commerce.ErrUnavailable.
func Open(ctx context.Context, rawURL string) (*Publisher, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("broker: the topic URL %q is malformed: %v: %w", rawURL, err, commerce.ErrInvalid)
	}
	name := path.Join(u.Host, u.Path)
	switch u.Scheme {
	case "nats":
		return openNATS(u, name, rawURL)
	case "rabbit":
		return openRabbit(u, name, rawURL)
	case "":
		return nil, fmt.Errorf("broker: the topic URL %q has no scheme (nats://, rabbit://, mem://): %w", rawURL, commerce.ErrInvalid)
	}
	if !pubsub.DefaultURLMux().ValidTopicScheme(u.Scheme) {
		return nil, fmt.Errorf("broker: the topic URL %q has the scheme %q, which no driver serves (nats://, rabbit://, mem://, or a gocloud driver the program imports): %w",
			rawURL, u.Scheme, commerce.ErrInvalid)
	}
	if name == "" {
		return nil, fmt.Errorf("broker: the topic URL %q names no topic: %w", rawURL, commerce.ErrInvalid)
	}
	t, err := pubsub.DefaultURLMux().OpenTopicURL(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("broker: opening %s: %v: %w", rawURL, err, commerce.ErrInvalid)
	}
	return &Publisher{name: rawURL, topic: t, shared: u.Scheme == mempubsub.Scheme}, nil
}

// openNATS opens nats://SUBJECT[?jetstream=true].
func openNATS(u *url.URL, subject, rawURL string) (*Publisher, error) {
	useJS := false
	for param, values := range u.Query() {
		switch param {
		case "jetstream":
			if len(values) != 1 || (values[0] != "true" && values[0] != "false") {
				return nil, fmt.Errorf("broker: the topic URL %q: jetstream must be true or false: %w", rawURL, commerce.ErrInvalid)
			}
			useJS = values[0] == "true"
		default:
			return nil, fmt.Errorf("broker: the topic URL %q has the unknown parameter %q (nats:// takes jetstream): %w", rawURL, param, commerce.ErrInvalid)
		}
	}
	if err := checkSubject(subject); err != nil {
		return nil, fmt.Errorf("broker: the topic URL %q: %v: %w", rawURL, err, commerce.ErrInvalid)
	}
	server := os.Getenv(NATSServerEnv)
	if server == "" {
		return nil, fmt.Errorf("broker: %s is not set; it names the NATS server, such as nats://127.0.0.1:4222: %w", NATSServerEnv, commerce.ErrInvalid)
	}
	nc, err := nats.Connect(server, nats.Name(connectionName), nats.Timeout(dialTimeout), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("broker: connecting to the NATS server that %s names: %v: %w", NATSServerEnv, err, commerce.ErrUnavailable)
	}
	d := &natsTopic{nc: nc, subject: subject}
	if useJS {
		js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(sendTimeout))
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("broker: JetStream on the NATS server that %s names: %v: %w", NATSServerEnv, err, commerce.ErrUnavailable)
		}
		d.js = js
	}
	return &Publisher{name: rawURL, topic: newNATSTopic(d), nats: nc}, nil
}

// checkSubject reports whether s can be published to: tokens separated by
// dots, none empty, no wildcard, no white space.
func checkSubject(s string) error {
	if s == "" {
		return errors.New("it names no subject")
	}
	for i, tok := range splitDots(s) {
		switch {
		case tok == "":
			return fmt.Errorf("the subject %q has an empty token", s)
		case tok == "*" || tok == ">":
			return fmt.Errorf("the subject %q has a wildcard (token %d); a message goes to one subject", s, i+1)
		}
		for _, r := range tok {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return fmt.Errorf("the subject %q has white space", s)
			}
		}
	}
	return nil
}

func splitDots(s string) []string {
	var toks []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			toks = append(toks, s[start:i])
			start = i + 1
		}
	}
	return append(toks, s[start:])
}

// openRabbit opens rabbit://EXCHANGE with gocloud's driver on a
// connection of the publisher's own.
func openRabbit(u *url.URL, exchange, rawURL string) (*Publisher, error) {
	if exchange == "" {
		return nil, fmt.Errorf("broker: the topic URL %q names no exchange: %w", rawURL, commerce.ErrInvalid)
	}
	server := os.Getenv(RabbitServerEnv)
	if server == "" {
		return nil, fmt.Errorf("broker: %s is not set; it names the RabbitMQ server, such as amqp://guest:guest@127.0.0.1:5672/: %w", RabbitServerEnv, commerce.ErrInvalid)
	}
	if _, err := amqp.ParseURI(server); err != nil {
		// The parse error may quote the URL, password and all.
		return nil, fmt.Errorf("broker: %s is not an AMQP URL such as amqp://user:password@host:5672/: %w", RabbitServerEnv, commerce.ErrInvalid)
	}
	for param, values := range u.Query() {
		switch {
		case param != "key_name":
			return nil, fmt.Errorf("broker: the topic URL %q has the unknown parameter %q (rabbit:// takes key_name): %w", rawURL, param, commerce.ErrInvalid)
		case len(values) != 1 || values[0] == "":
			return nil, fmt.Errorf("broker: the topic URL %q: key_name must have one value, a metadata key: %w", rawURL, commerce.ErrInvalid)
		}
	}
	redial := func() (*amqp.Connection, *pubsub.Topic, error) {
		props := amqp.NewConnectionProperties()
		props.SetClientConnectionName(connectionName)
		conn, err := amqp.DialConfig(server, amqp.Config{Dial: amqp.DefaultDial(dialTimeout), Properties: props})
		if err != nil {
			return nil, nil, fmt.Errorf("broker: connecting to the RabbitMQ server that %s names: %v: %w", RabbitServerEnv, err, commerce.ErrUnavailable)
		}
		t, err := (&rabbitpubsub.URLOpener{Connection: conn}).OpenTopicURL(context.Background(), u)
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("broker: opening %s: %v: %w", rawURL, err, commerce.ErrInvalid)
		}
		return conn, t, nil
	}
	conn, t, err := redial()
	if err != nil {
		return nil, err
	}
	return &Publisher{name: rawURL, topic: t, rabbit: conn, redial: redial}, nil
}

// Publish sends ev as one message and returns once the broker has
// acknowledged it (see the package documentation for what each broker's
// acknowledgement means). When it has not, the error wraps
// commerce.ErrUnavailable and the broker's or the client's error; an
// event without an ID or a type is an error wrapping commerce.ErrInvalid.
func (p *Publisher) Publish(ctx context.Context, ev commerce.Event) error {
	if ev.ID == uuid.Nil {
		return fmt.Errorf("broker: the event has no ID: %w", commerce.ErrInvalid)
	}
	if ev.Type == "" {
		return fmt.Errorf("broker: event %s has no Type: %w", ev.ID, commerce.ErrInvalid)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("broker: writing event %s as JSON: %v: %w", ev.ID, err, commerce.ErrInvalid)
	}
	t, err := p.currentTopic()
	if err != nil {
		return err
	}
	id := ev.ID.String()
	m := &pubsub.Message{
		Body: body,
		Metadata: map[string]string{
			MetaType:        ev.Type,
			MetaID:          id,
			MetaAggregateID: ev.AggregateID.String(),
		},
		BeforeSend: func(as func(any) bool) error {
			var nm *nats.Msg
			if as(&nm) {
				nm.Header.Set(jetstream.MsgIDHeader, id)
			}
			var am *amqp.Publishing
			if as(&am) {
				am.DeliveryMode = amqp.Persistent
				am.MessageId = id
				am.Type = ev.Type
				am.ContentType = "application/json"
				am.Timestamp = ev.Time
			}
			return nil
		},
	}
	if err := t.Send(ctx, m); err != nil {
		return fmt.Errorf("broker: publishing event %s to %s: %w: %w", ev.ID, p.name, commerce.ErrUnavailable, err)
	}
	return nil
}

// currentTopic returns the topic to send to. For RabbitMQ it first
// reconnects when the broker closed the connection (a restart, a network
// failure), since the AMQP client does not.
func (p *Publisher) currentTopic() (*pubsub.Topic, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("broker: the publisher of %s is shut down: %w", p.name, commerce.ErrUnavailable)
	}
	if p.rabbit != nil && p.rabbit.IsClosed() {
		conn, t, err := p.redial()
		if err != nil {
			return nil, err
		}
		old := p.topic
		p.rabbit, p.topic = conn, t
		go func() {
			// The old topic's connection is gone: shutting it down only
			// fails the sends still waiting on it.
			ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
			defer cancel()
			_ = old.Shutdown(ctx)
		}()
	}
	return p.topic, nil
}

// As exposes the types of the topic's driver, as gocloud's Topic.As does:
// a **nats.Conn for nats://, a **amqp.Connection for rabbit:// (the
// current one: the publisher dials again when the broker closed it), and
// those of gocloud's drivers for the other schemes.
func (p *Publisher) As(i any) bool {
	p.mu.Lock()
	t := p.topic
	p.mu.Unlock()
	return t.As(i)
}

// Shutdown waits for the messages being sent, up to ctx, and closes the
// publisher's connection. A mem:// topic stays open for the others who
// opened it: only this publisher stops.
func (p *Publisher) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	t, conn, nc, shared := p.topic, p.rabbit, p.nats, p.shared
	p.mu.Unlock()
	if shared {
		return nil
	}
	err := t.Shutdown(ctx)
	if conn != nil {
		if cerr := conn.Close(); cerr != nil && !errors.Is(cerr, amqp.ErrClosed) {
			err = errors.Join(err, cerr)
		}
	}
	if nc != nil {
		nc.Close()
	}
	if err != nil {
		return fmt.Errorf("broker: shutting down the publisher of %s: %w", p.name, err)
	}
	return nil
}
