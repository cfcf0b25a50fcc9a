package broker

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"
	"gocloud.dev/pubsub/driver"
)

// sendTimeout bounds one batch of NATS messages: its publishes and their
// acknowledgements. gocloud runs a batch on a context of the topic's, not
// the sender's, so the batch needs a bound of its own; the sender stops
// waiting at its own deadline.
const sendTimeout = 30 * time.Second

// natsBatching lets up to 8 batches of up to 100 messages be in flight at
// once: the sends of several aggregates' events that come in together go
// out together, and their acknowledgements are awaited together.
var natsBatching = batcher.Options{MaxHandlers: 8, MaxBatchSize: 100}

// natsTopic is a gocloud driver.Topic that publishes to one NATS subject,
// through JetStream when js is set and through core NATS otherwise.
type natsTopic struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	subject string
}

func newNATSTopic(d *natsTopic) *pubsub.Topic {
	opts := natsBatching
	return pubsub.NewTopic(d, &opts)
}

// SendBatch publishes ms, the metadata as headers. Through JetStream it
// publishes them all and then waits for each of the stream's
// acknowledgements; through core NATS it publishes them and flushes, which
// returns once the server has processed them.
func (t *natsTopic) SendBatch(ctx context.Context, ms []*driver.Message) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	msgs := make([]*nats.Msg, len(ms))
	for i, m := range ms {
		nm := nats.NewMsg(t.subject)
		nm.Data = m.Body
		for k, v := range m.Metadata {
			nm.Header.Set(k, v)
		}
		if m.BeforeSend != nil {
			if err := m.BeforeSend(natsMsgAs(nm)); err != nil {
				return err
			}
		}
		msgs[i] = nm
	}
	if t.js == nil {
		for _, nm := range msgs {
			if err := t.nc.PublishMsg(nm); err != nil {
				return err
			}
		}
		if err := t.nc.FlushWithContext(ctx); err != nil {
			return err
		}
	} else {
		futures := make([]jetstream.PubAckFuture, 0, len(msgs))
		for _, nm := range msgs {
			f, err := t.js.PublishMsgAsync(nm)
			if err != nil {
				return err
			}
			futures = append(futures, f)
		}
		var errs []error
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				errs = append(errs, err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	for i, m := range ms {
		if m.AfterSend != nil {
			if err := m.AfterSend(natsMsgAs(msgs[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

// natsMsgAs exposes a message as a *nats.Msg to BeforeSend and AfterSend.
func natsMsgAs(nm *nats.Msg) func(any) bool {
	return func(i any) bool {
		p, ok := i.(**nats.Msg)
		if ok {
			*p = nm
		}
		return ok
	}
}

// IsRetryable reports false for every error: the relay retries a failed
// publish with a backoff of its own, so gocloud's retry loop, which has no
// bound but the topic's shutdown, would only hide the failure.
func (*natsTopic) IsRetryable(error) bool { return false }

// As exposes the topic's *nats.Conn.
func (t *natsTopic) As(i any) bool {
	p, ok := i.(**nats.Conn)
	if ok {
		*p = t.nc
	}
	return ok
}

// ErrorAs exposes nothing more than errors.As does.
func (*natsTopic) ErrorAs(error, any) bool { return false }

// ErrorCode classifies the errors of SendBatch for gocloud.
func (*natsTopic) ErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrAsyncPublishTimeout):
		return gcerrors.DeadlineExceeded
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return gcerrors.NotFound
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrHeadersNotSupported):
		return gcerrors.FailedPrecondition
	case errors.Is(err, nats.ErrMaxPayload):
		return gcerrors.ResourceExhausted
	}
	return gcerrors.Unknown
}

// Close does nothing: the connection is the Publisher's, which closes it
// after the topic.
func (*natsTopic) Close() error { return nil }
