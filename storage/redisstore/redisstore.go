package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce"
)

// DefaultPrefix starts every key the Store writes unless Options.Prefix
// says otherwise.
const DefaultPrefix = "commerce:"

// DefaultTimeout bounds each call of the Store unless Options.Timeout says
// otherwise: a session check against a Redis that does not answer fails
// within half a second, whatever the client's own timeouts.
const DefaultTimeout = 400 * time.Millisecond

// Client settings that NewClient uses when the URL sets none. A Redis on
// the same network answers in well under a millisecond, so a connection,
// read or write that takes 150ms means Redis is down or stuck; one retry
// covers a connection that went stale (Redis restarted, a failover) and
// still ends within DefaultTimeout.
const (
	DefaultDialTimeout  = 150 * time.Millisecond
	DefaultReadTimeout  = 150 * time.Millisecond
	DefaultWriteTimeout = 150 * time.Millisecond
	// DefaultPoolTimeout is how long a call waits for a free connection
	// when every connection of the pool is busy.
	DefaultPoolTimeout = 150 * time.Millisecond
	// DefaultMaxRetries is how many times a failed command is retried.
	DefaultMaxRetries = 1
)

// Options configure a Store. The zero value, or nil, gives the defaults.
type Options struct {
	// Prefix starts every key, so that one Redis can serve several shops
	// or environments. Default: DefaultPrefix. A prefix that holds a Redis
	// Cluster hash tag ({...}) puts every key in one slot, on one node;
	// the Store works either way.
	Prefix string
	// Timeout bounds each call, on top of the caller's context; a negative
	// value leaves only the context and the client's timeouts. It needs a
	// client with ContextTimeoutEnabled (as NewClient makes) to cut short
	// a read or write that hangs. Default: DefaultTimeout.
	Timeout time.Duration
	// Now is the clock by which a session that Redis still holds counts
	// as expired: a key lives until its session's End by Redis's clock,
	// and the Store also refuses a session that has ended by this one, so
	// clock skew between servers never lengthens a session. It also
	// dates the end of sign-in throttling windows. Default: time.Now.
	Now func() time.Time
}

// Store keeps sessions and sign-in throttling counters in Redis. It is
// safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	now     commerce.Clock
}

// New returns a Store on rdb, which the caller owns and closes after the
// Store's last use. Any redis.UniversalClient works: a *redis.Client, a
// Sentinel-backed failover client or a *redis.ClusterClient. New does not
// connect; Ping checks that Redis answers. It panics if rdb is nil.
func New(rdb redis.UniversalClient, opts *Options) *Store {
	if rdb == nil {
		panic("redisstore: nil redis.UniversalClient")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{rdb: rdb, prefix: opts.Prefix, timeout: opts.Timeout, now: commerce.Clock(opts.Now)}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	return s
}

// Ping reports whether Redis answers, for a readiness check and for a
// server that waits at start for Redis. Its error wraps ErrDenied when
// Redis turns the client's credentials or database down, and
// commerce.ErrUnavailable otherwise.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return pingError(ctx, err)
	}
	return nil
}

// ErrDenied means that Redis turned the client down for a reason that
// waiting will not cure: a wrong user or password (WRONGPASS), no
// password where Redis requires one (NOAUTH), a user without the right to
// the commands the Store sends (NOPERM), or a database number beyond
// Redis's databases. The error that wraps it carries Redis's message,
// which never repeats the password.
//
// It wraps commerce.ErrInvalid, the kind of a malformed URL: the
// connection settings are wrong, so only whoever set them can fix them,
// and a caller that retries while Redis starts up (on
// commerce.ErrUnavailable) gives up at once. Only Ping returns it: the
// Store's other calls, for requests, answer commerce.ErrUnavailable
// whatever stops Redis from serving them, since their clients can do
// nothing about it.
var ErrDenied = fmt.Errorf("redisstore: Redis denies the connection (%w)", commerce.ErrInvalid)

// pingError translates the error of a Ping: ErrDenied for a refusal that
// lasts, and otherwise what unavailable makes of it.
func pingError(ctx context.Context, err error) error {
	if redis.IsAuthError(err) || redis.IsPermissionError(err) ||
		strings.Contains(err.Error(), "DB index is out of range") {
		return fmt.Errorf("%w: %v", ErrDenied, err)
	}
	return unavailable(ctx, err)
}

// bound applies the Store's timeout to a call.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// NewClient returns a client for the Redis server that a URL names, such
// as redis://127.0.0.1:6379/0, redis://:password@host:6379/0 or
// rediss://user:password@host:6380/0 (TLS), set up to fail fast when
// Redis is down. The URL's own parameters (dial_timeout=1s, pool_size=20,
// ...; see redis.ParseURL) are kept; where it sets none, NewClient uses
// DefaultDialTimeout, DefaultReadTimeout, DefaultWriteTimeout (or the
// URL's read_timeout, as go-redis does), DefaultPoolTimeout and
// DefaultMaxRetries, dials once per attempt instead of go-redis's five,
// and turns ContextTimeoutEnabled on so that a context's deadline cuts a
// hanging read short. The caller closes the client.
//
// A malformed URL is an error wrapping commerce.ErrInvalid; the password
// is never repeated in the message. NewClient does not connect.
func NewClient(redisURL string) (redis.UniversalClient, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: malformed Redis URL (want redis://[user:password@]host:port/db or rediss://...): %s: %w",
			redactURLError(err, redisURL), commerce.ErrInvalid)
	}
	failFast(clientSettings{
		dialTimeout: &opts.DialTimeout, readTimeout: &opts.ReadTimeout, writeTimeout: &opts.WriteTimeout,
		poolTimeout: &opts.PoolTimeout, maxRetries: &opts.MaxRetries,
		minRetryBackoff: &opts.MinRetryBackoff, maxRetryBackoff: &opts.MaxRetryBackoff,
		dialerRetries: &opts.DialerRetries, contextTimeoutEnabled: &opts.ContextTimeoutEnabled,
	})
	return redis.NewClient(opts), nil
}

// DefaultClusterStateReloadInterval is how old, at most, the map of slots
// to nodes that a client from NewClusterClient routes by may grow before
// the client asks the cluster again (CLUSTER SLOTS, in the background, on
// the next command). go-redis reloads the map at once when a node answers
// MOVED, but a primary that died answers nothing: until the map is
// reloaded, the client keeps sending that primary's slots to it, after
// its replica has taken over. go-redis's own default is a minute.
const DefaultClusterStateReloadInterval = time.Second

// NewClusterClient returns a client for the Redis Cluster that a URL
// names, in the form redis.ParseClusterURL reads: one node in the URL's
// host and any others in addr parameters, such as
//
//	redis://10.0.0.1:6379?addr=10.0.0.2:6379&addr=10.0.0.3:6379
//	rediss://user:password@10.0.0.1:6379?addr=10.0.0.2:6379 (TLS)
//
// The nodes listed are only where the client starts: it learns the
// cluster's other nodes from them. It has the settings of NewClient,
// under the same rules (the URL's own parameters are kept); each node
// client retries a command DefaultMaxRetries times, and the cluster
// client tries a command on up to go-redis's MaxRedirects (3) more
// nodes or attempts, all within the Store's Options.Timeout. The client
// reloads the cluster's slot map at least every
// DefaultClusterStateReloadInterval, so that it finds a replica promoted
// after a failover within about a second.
//
// A Redis Cluster has only database 0, so a URL path other than /0 is an
// error; so are read_only, route_by_latency and route_randomly, which
// would send reads to replicas that may not hold a session created a
// moment before. Every error wraps commerce.ErrInvalid and names what is
// wrong, without the password. NewClusterClient does not connect.
func NewClusterClient(clusterURL string) (redis.UniversalClient, error) {
	malformed := func(why string) error {
		return fmt.Errorf("redisstore: malformed Redis Cluster URL (want redis://[user:password@]host:port?addr=host2:port2&addr=host3:port3 or rediss://...): %s: %w",
			why, commerce.ErrInvalid)
	}
	u, err := url.Parse(clusterURL)
	if err != nil {
		return nil, malformed(redactURLError(err, clusterURL))
	}
	if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
		return nil, malformed(fmt.Sprintf("database %q: a Redis Cluster has only database 0", p))
	}
	opts, err := redis.ParseClusterURL(clusterURL)
	if err != nil {
		return nil, malformed(redactURLError(err, clusterURL))
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"read_only", opts.ReadOnly},
		{"route_by_latency", opts.RouteByLatency},
		{"route_randomly", opts.RouteRandomly},
	} {
		if f.set {
			return nil, malformed(f.name + " sends reads to replicas, which may not hold a session created a moment before")
		}
	}
	failFast(clientSettings{
		dialTimeout: &opts.DialTimeout, readTimeout: &opts.ReadTimeout, writeTimeout: &opts.WriteTimeout,
		poolTimeout: &opts.PoolTimeout, maxRetries: &opts.MaxRetries,
		minRetryBackoff: &opts.MinRetryBackoff, maxRetryBackoff: &opts.MaxRetryBackoff,
		dialerRetries: &opts.DialerRetries, contextTimeoutEnabled: &opts.ContextTimeoutEnabled,
	})
	setDefault(&opts.ClusterStateReloadInterval, DefaultClusterStateReloadInterval)
	return redis.NewClusterClient(opts), nil
}

// NewFailoverClient returns a client for the primary that a group of
// Redis Sentinels watches, in the form redis.ParseFailoverURL reads: a
// sentinel in the URL's host, any other sentinels in addr parameters, the
// name the sentinels know the primary by in master_name, and the
// database in the path, such as
//
//	redis://10.0.0.1:26379/0?master_name=mymaster&addr=10.0.0.2:26379&addr=10.0.0.3:26379
//
// The URL's user and password are the sentinels' own; the primary's, if
// it needs them, go in the username and password parameters:
// redis://10.0.0.1:26379/0?master_name=mymaster&password=secret. The
// client asks a sentinel for the primary's address whenever it connects,
// and drops its connections to the old primary when the sentinels
// announce a failover.
//
// The client has the settings of NewClient, under the same rules (the
// URL's own parameters are kept); they apply to the connections to the
// sentinels too. An empty master_name is an error; so are replica_only,
// which would send every command, writes included, to a replica, and
// route_by_latency and route_randomly, which go-redis accepts only for
// reads from replicas, which may not hold a session created a moment
// before. Every error wraps commerce.ErrInvalid and names what is wrong,
// without the passwords. NewFailoverClient does not connect.
func NewFailoverClient(sentinelURL string) (redis.UniversalClient, error) {
	malformed := func(why string) error {
		return fmt.Errorf("redisstore: malformed Redis Sentinel URL (want redis://[user:password@]sentinel:port/db?master_name=name&addr=sentinel2:port): %s: %w",
			why, commerce.ErrInvalid)
	}
	opts, err := redis.ParseFailoverURL(sentinelURL)
	if err != nil {
		return nil, malformed(redactURLError(err, sentinelURL))
	}
	if opts.MasterName == "" {
		return nil, malformed("master_name is missing: the name the sentinels know the primary by")
	}
	for _, f := range []struct {
		name, why string
		set       bool
	}{
		{"replica_only", "would send writes to a replica", opts.ReplicaOnly},
		{"route_by_latency", "sends reads to replicas, which may not hold a session created a moment before", opts.RouteByLatency},
		{"route_randomly", "sends reads to replicas, which may not hold a session created a moment before", opts.RouteRandomly},
	} {
		if f.set {
			return nil, malformed(f.name + " " + f.why)
		}
	}
	failFast(clientSettings{
		dialTimeout: &opts.DialTimeout, readTimeout: &opts.ReadTimeout, writeTimeout: &opts.WriteTimeout,
		poolTimeout: &opts.PoolTimeout, maxRetries: &opts.MaxRetries,
		minRetryBackoff: &opts.MinRetryBackoff, maxRetryBackoff: &opts.MaxRetryBackoff,
		dialerRetries: &opts.DialerRetries, contextTimeoutEnabled: &opts.ContextTimeoutEnabled,
	})
	return redis.NewFailoverClient(opts), nil
}

// clientSettings points at the fields that NewClient, NewClusterClient
// and NewFailoverClient set up to fail fast: go-redis gives each kind of
// client an options struct of its own, with fields of the same names.
type clientSettings struct {
	dialTimeout, readTimeout, writeTimeout, poolTimeout *time.Duration
	maxRetries                                          *int
	minRetryBackoff, maxRetryBackoff                    *time.Duration
	dialerRetries                                       *int
	contextTimeoutEnabled                               *bool
}

// failFast gives every setting that the URL left unset the Store's
// default, and turns ContextTimeoutEnabled on.
func failFast(c clientSettings) {
	setDefault(c.dialTimeout, DefaultDialTimeout)
	if *c.readTimeout == 0 && *c.writeTimeout == 0 {
		// Otherwise go-redis makes an unset write timeout follow the
		// read timeout that the URL chose.
		*c.writeTimeout = DefaultWriteTimeout
	}
	setDefault(c.readTimeout, DefaultReadTimeout)
	setDefault(c.poolTimeout, DefaultPoolTimeout)
	setDefault(c.maxRetries, DefaultMaxRetries)
	// A retry waits between 8ms and 32ms rather than up to go-redis's
	// second, and a connection is dialled once per attempt: the retries
	// above already try again, and five dials 100ms apart would outlast
	// the whole budget.
	setDefault(c.minRetryBackoff, 8*time.Millisecond)
	setDefault(c.maxRetryBackoff, 32*time.Millisecond)
	setDefault(c.dialerRetries, 1)
	*c.contextTimeoutEnabled = true
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// redactURLError returns the text of a URL parse error without the URL's
// passwords: url.Parse quotes the whole URL in its errors, and go-redis
// quotes the value of a parameter it cannot read. The passwords are the
// URL's own and, in a Sentinel URL, the primary's password parameter.
func redactURLError(err error, rawURL string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return msg
	}
	var secrets []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			secrets = append(secrets, u.User.String(), p)
		}
	}
	// ParseQuery keeps the pairs it can read when others are malformed.
	q, _ := url.ParseQuery(u.RawQuery)
	secrets = append(secrets, q["password"]...)
	for _, raw := range strings.Split(u.RawQuery, "&") {
		if v, ok := strings.CutPrefix(raw, "password="); ok {
			secrets = append(secrets, v)
		}
	}
	for _, secret := range secrets {
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "xxxxx")
		}
	}
	return msg
}

// unavailable reports that Redis did not do what was asked, on a call
// made with ctx. The client's error is kept as text only, so that no
// caller comes to depend on go-redis's types. When ctx has ended — before
// the call, or while it waited for a connection or for Redis's answer —
// the error wraps ctx's own error as well as commerce.ErrUnavailable, as
// every adapter reports an ended context. go-redis may not say so itself:
// a read that a cancelled context did not interrupt ends in the client's
// read timeout, and a read cut short by ctx's deadline is an i/o timeout
// that can come back a moment before ctx.Err reports the deadline.
func unavailable(ctx context.Context, err error) error {
	ctxErr := ctx.Err()
	if d, ok := ctx.Deadline(); ok && ctxErr == nil && !time.Now().Before(d) {
		ctxErr = context.DeadlineExceeded
	}
	for _, e := range []error{context.Canceled, context.DeadlineExceeded} {
		if ctxErr == nil && errors.Is(err, e) {
			ctxErr = e
		}
	}
	switch {
	case ctxErr == nil:
		return fmt.Errorf("redisstore: %v: %w", err, commerce.ErrUnavailable)
	case err == ctxErr:
		return fmt.Errorf("redisstore: %w: %w", commerce.ErrUnavailable, ctxErr)
	}
	return fmt.Errorf("redisstore: %v: %w: %w", err, commerce.ErrUnavailable, ctxErr)
}

// malformed reports a stored value that the Store did not write in that
// form (another program wrote the key, or a version with another layout).
func malformed(what string, err error) error {
	return fmt.Errorf("redisstore: malformed %s in Redis: %v: %w", what, err, commerce.ErrUnavailable)
}

// ceilMilli returns t in Unix milliseconds, rounded up: Redis expires keys
// at millisecond precision, and a key must not vanish before its time.
func ceilMilli(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}
