package redisstore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/internal/redistest"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/redisstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

// harness shares one client between the cases; each case gets a key
// prefix of its own, deleted when it ends.
type harness struct{ rdb redis.UniversalClient }

func (h *harness) MakeStores(ctx context.Context, t *testing.T) storagetest.Stores {
	// The cases' cleanups, which delete their keys through h.rdb, run
	// before RunConformanceTests closes the harness.
	prefix := testdb.RedisPrefix(t, h.rdb)
	rs := redisstore.New(h.rdb, &redisstore.Options{Prefix: prefix})
	// Users and the catalog come from memstore: redisstore keeps sessions
	// and throttling counters only. Real time: Redis expires keys by TTL.
	mem := memstore.New(nil)
	return storagetest.Stores{
		Catalog:  mem.Catalog(),
		Accounts: mem.Accounts(),
		Sessions: rs.Sessions(),
		Attempts: rs.Attempts(),
	}
}

func (h *harness) Close() { h.rdb.Close() }

// runConformance runs the conformance suite on the client that newClient
// makes from url.
func runConformance(t *testing.T, newClient func(url string) (redis.UniversalClient, error), url string) {
	storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
		rdb, err := newClient(url)
		if err != nil {
			return nil, err
		}
		return &harness{rdb: rdb}, nil
	})
}

// TestConformance runs the conformance suite on the Redis that
// COMMERCE_REDIS_URL names.
func TestConformance(t *testing.T) {
	t.Parallel()
	url, _ := testdb.RedisURL(t)
	runConformance(t, redisstore.NewClient, url)
}

// TestConformanceCluster runs the conformance suite on a Redis Cluster of
// three masters, where a session, its user's index and each counter can
// lie on different nodes: a command whose keys spanned two slots would
// fail with CROSSSLOT.
func TestConformanceCluster(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, nil)
	runConformance(t, redisstore.NewClusterClient, c.URL())
}

// TestConformanceSentinel runs the conformance suite on a master that a
// sentinel watches, reached through the sentinel.
func TestConformanceSentinel(t *testing.T) {
	t.Parallel()
	g := redistest.StartSentinel(t)
	runConformance(t, redisstore.NewFailoverClient, g.URL())
}

// newStore returns a Store on the test Redis under a fresh prefix, whose
// client carries hooks, and another client to look at what it wrote.
func newStore(t testing.TB, opts *redisstore.Options, hooks ...redis.Hook) (*redisstore.Store, redis.UniversalClient, string) {
	t.Helper()
	url, prefix := testdb.RedisURL(t)
	var clients [2]redis.UniversalClient
	for i := range clients {
		rdb, err := redisstore.NewClient(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		clients[i] = rdb
	}
	for _, h := range hooks {
		clients[0].AddHook(h)
	}
	o := redisstore.Options{}
	if opts != nil {
		o = *opts
	}
	o.Prefix = prefix
	return redisstore.New(clients[0], &o), clients[1], prefix
}

func TestNewPanicsOnNilClient(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil, nil) did not panic")
		}
	}()
	redisstore.New(nil, nil)
}

func TestNewClient(t *testing.T) {
	cases := []struct {
		url                     string
		dial, read, write, pool time.Duration
		retries, dialerRetries  int
		contextTimeout          bool
	}{
		{"redis://127.0.0.1:6379/0", redisstore.DefaultDialTimeout, redisstore.DefaultReadTimeout,
			redisstore.DefaultWriteTimeout, redisstore.DefaultPoolTimeout, redisstore.DefaultMaxRetries, 1, true},
		// The URL's own settings win; an unset write timeout follows the
		// read timeout, and max_retries=-1 (no retries) becomes 0.
		{"rediss://user:pw@redis.example:6380/2?dial_timeout=1s&read_timeout=2s&pool_timeout=3s&max_retries=-1",
			time.Second, 2 * time.Second, 2 * time.Second, 3 * time.Second, 0, 1, true},
	}
	for _, c := range cases {
		rdb, err := redisstore.NewClient(c.url)
		if err != nil {
			t.Fatalf("NewClient(%q): %v", c.url, err)
		}
		client, ok := rdb.(*redis.Client)
		if !ok {
			t.Fatalf("NewClient(%q) made a %T, want a *redis.Client", c.url, rdb)
		}
		o := client.Options()
		got := []any{o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled}
		want := []any{c.dial, c.read, c.write, c.pool, c.retries, c.dialerRetries, c.contextTimeout}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("NewClient(%q): options %v, want %v", c.url, got, want)
				break
			}
		}
		rdb.Close()
	}
}

func TestNewClientMalformedURL(t *testing.T) {
	const password = "s3cret-Pa55"
	for _, url := range []string{
		"redis://:" + password + "@[::1",
		"http://user:" + password + "@redis.example:6379/0",
		"redis://user:" + password + "@redis.example:6379/zero",
		"redis://user:" + password + "@redis.example:6379/0/1",
		"redis://user:" + password + "@redis.example:6379/0?no_such_option=1",
		"redis://user:" + password + "@redis.example:port/0",
		"redis://user:" + password + "@redis.example:6379/0?read_timeout=" + password,
		"redis://user:s3cret%2DPa55@redis.example:6379/0?read_timeout=s3cret-Pa55",
	} {
		rdb, err := redisstore.NewClient(url)
		if err == nil {
			rdb.Close()
			t.Errorf("NewClient(%q) accepted it", url)
			continue
		}
		if !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("NewClient(%q): %v, want commerce.ErrInvalid", url, err)
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "s3cret%2DPa55") {
			t.Errorf("NewClient(%q): the error repeats the password: %v", url, err)
		}
	}
}

func TestNewClusterClient(t *testing.T) {
	cases := []struct {
		url                     string
		addrs                   int
		dial, read, write, pool time.Duration
		retries, dialerRetries  int
	}{
		{"redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002", 3,
			redisstore.DefaultDialTimeout, redisstore.DefaultReadTimeout, redisstore.DefaultWriteTimeout,
			redisstore.DefaultPoolTimeout, redisstore.DefaultMaxRetries, 1},
		// The URL's own settings win, as for NewClient; database 0 is
		// the only one a cluster has.
		{"rediss://user:pw@redis.example:7000/0?addr=redis2.example:7000&dial_timeout=1s&read_timeout=2s&pool_timeout=3s&max_retries=2&dialer_retries=3", 2,
			time.Second, 2 * time.Second, 2 * time.Second, 3 * time.Second, 2, 3},
	}
	for _, c := range cases {
		rdb, err := redisstore.NewClusterClient(c.url)
		if err != nil {
			t.Fatalf("NewClusterClient(%q): %v", c.url, err)
		}
		client, ok := rdb.(*redis.ClusterClient)
		if !ok {
			t.Fatalf("NewClusterClient(%q) made a %T, want a *redis.ClusterClient", c.url, rdb)
		}
		o := client.Options()
		got := []any{len(o.Addrs), o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.MaxRetries, o.DialerRetries,
			o.ContextTimeoutEnabled, o.ClusterStateReloadInterval, o.ReadOnly}
		want := []any{c.addrs, c.dial, c.read, c.write, c.pool, c.retries, c.dialerRetries,
			true, redisstore.DefaultClusterStateReloadInterval, false}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("NewClusterClient(%q): options (-want +got):\n%s", c.url, diff)
		}
		rdb.Close()
	}
}

func TestNewFailoverClient(t *testing.T) {
	cases := []struct {
		url                     string
		dial, read, write, pool time.Duration
		retries, dialerRetries  int
		db                      int
	}{
		{"redis://127.0.0.1:26379/0?master_name=mymaster&addr=127.0.0.1:26380",
			redisstore.DefaultDialTimeout, redisstore.DefaultReadTimeout, redisstore.DefaultWriteTimeout,
			redisstore.DefaultPoolTimeout, redisstore.DefaultMaxRetries, 1, 0},
		{"redis://sentinel:pw@redis.example:26379/2?master_name=mymaster&password=pw2&dial_timeout=1s&read_timeout=2s&pool_timeout=3s&max_retries=-1",
			time.Second, 2 * time.Second, 2 * time.Second, 3 * time.Second, 0, 1, 2},
	}
	for _, c := range cases {
		rdb, err := redisstore.NewFailoverClient(c.url)
		if err != nil {
			t.Fatalf("NewFailoverClient(%q): %v", c.url, err)
		}
		client, ok := rdb.(*redis.Client)
		if !ok {
			t.Fatalf("NewFailoverClient(%q) made a %T, want a *redis.Client", c.url, rdb)
		}
		o := client.Options()
		got := []any{o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled, o.DB}
		want := []any{c.dial, c.read, c.write, c.pool, c.retries, c.dialerRetries, true, c.db}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("NewFailoverClient(%q): options (-want +got):\n%s", c.url, diff)
		}
		rdb.Close()
	}
}

// TestNewClusterAndFailoverClientMalformedURL checks that a URL that
// NewClusterClient or NewFailoverClient cannot use is an ErrInvalid that
// names what is wrong and never repeats a password.
func TestNewClusterAndFailoverClientMalformedURL(t *testing.T) {
	const password = "s3cret-Pa55"
	cases := []struct {
		newClient func(string) (redis.UniversalClient, error)
		url, want string
	}{
		{redisstore.NewClusterClient, "redis://:" + password + "@[::1", "Cluster URL"},
		{redisstore.NewClusterClient, "http://user:" + password + "@redis.example:7000", "scheme"},
		{redisstore.NewClusterClient, "redis://user:" + password + "@redis.example:7000/1", "database"},
		{redisstore.NewClusterClient, "redis://user:" + password + "@redis.example:7000?addr=redis2.example", "addr"},
		{redisstore.NewClusterClient, "redis://user:" + password + "@redis.example:7000?read_only=true", "read_only"},
		{redisstore.NewClusterClient, "redis://user:" + password + "@redis.example:7000?route_by_latency=true", "route_by_latency"},
		{redisstore.NewClusterClient, "redis://user:" + password + "@redis.example:7000?route_randomly=true", "route_randomly"},
		{redisstore.NewClusterClient, "redis://user:" + password + "@redis.example:7000?no_such_option=1", "no_such_option"},
		{redisstore.NewClusterClient, "redis://user:" + password + "@redis.example:7000?read_timeout=" + password, "read_timeout"},
		{redisstore.NewFailoverClient, "redis://:" + password + "@[::1", "Sentinel URL"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/0", "master_name"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/0?password=" + password, "master_name"},
		{redisstore.NewFailoverClient, "http://redis.example:26379/0?master_name=m&password=" + password, "scheme"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/zero?master_name=m&password=" + password, "database"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/0?master_name=m&replica_only=true", "replica_only"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/0?master_name=m&route_by_latency=true", "route_by_latency"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/0?master_name=m&route_randomly=true", "route_randomly"},
		{redisstore.NewFailoverClient, "redis://user:" + password + "@redis.example:26379/0?master_name=m&no_such_option=1", "no_such_option"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/0?master_name=m&password=" + password + "&read_timeout=" + password, "read_timeout"},
		{redisstore.NewFailoverClient, "redis://redis.example:26379/0?master_name=m&password=s3cret%2DPa55&read_timeout=s3cret-Pa55", "read_timeout"},
	}
	for _, c := range cases {
		rdb, err := c.newClient(c.url)
		if err == nil {
			rdb.Close()
			t.Errorf("%q accepted", c.url)
			continue
		}
		if !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("%q: %v, want commerce.ErrInvalid", c.url, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want a message naming %s", c.url, err, c.want)
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "s3cret%2DPa55") {
			t.Errorf("%q: the error repeats the password: %v", c.url, err)
		}
	}
}

// blackHole returns the address of a server that accepts connections and
// never answers, like a Redis that hangs.
func blackHole(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// closedPort returns an address where nothing listens: connecting is
// refused at once.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// wantUnavailable checks that err reports an unavailable Redis and that no
// go-redis error type reaches the caller.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var redisErr redis.Error
	switch {
	case !errors.Is(err, commerce.ErrUnavailable):
		t.Errorf("%s: %v, want commerce.ErrUnavailable", what, err)
	case errors.Is(err, commerce.ErrNotFound):
		t.Errorf("%s: %v is also not-found: a down Redis must not look like an ended session", what, err)
	case errors.As(err, &redisErr):
		t.Errorf("%s: a go-redis error (%T) reached the caller", what, redisErr)
	}
}

// TestUnavailable checks that every call fails with ErrUnavailable when
// Redis does not answer, and returns before the caller's deadline: the
// client's own timeouts and the Store's end it. How fast is measured by
// BenchmarkGetSessionUnavailable.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name  string
		store func(t *testing.T) *redisstore.Store
	}{
		{"Refused", func(t *testing.T) *redisstore.Store {
			return newUnreachable(t, closedPort(t), nil)
		}},
		{"NoAnswer", func(t *testing.T) *redisstore.Store {
			return newUnreachable(t, blackHole(t), nil)
		}},
		{"NoAnswerClientTimeoutsOnly", func(t *testing.T) *redisstore.Store {
			return newUnreachable(t, blackHole(t), &redisstore.Options{Timeout: -1})
		}},
		{"NoAnswerStoreTimeoutOnly", func(t *testing.T) *redisstore.Store {
			// go-redis's defaults: 5s read timeout, three retries.
			rdb := redis.NewClient(&redis.Options{Addr: blackHole(t), ContextTimeoutEnabled: true})
			t.Cleanup(func() { rdb.Close() })
			return redisstore.New(rdb, &redisstore.Options{Timeout: 300 * time.Millisecond})
		}},
	}
	user := commerce.NewID()
	now := time.Now().UTC().Truncate(time.Microsecond)
	sess := account.Session{
		ID: account.SessionID("token"), UserID: user, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour),
	}
	calls := []struct {
		name string
		call func(ctx context.Context, s *redisstore.Store) error
	}{
		{"GetSession", func(ctx context.Context, s *redisstore.Store) error {
			_, err := s.Sessions().GetSession(ctx, sess.ID)
			return err
		}},
		{"CreateSession", func(ctx context.Context, s *redisstore.Store) error {
			return s.Sessions().CreateSession(ctx, sess)
		}},
		{"TouchSession", func(ctx context.Context, s *redisstore.Store) error {
			return s.Sessions().TouchSession(ctx, sess.ID, now, now.Add(time.Hour))
		}},
		{"DeleteSession", func(ctx context.Context, s *redisstore.Store) error {
			return s.Sessions().DeleteSession(ctx, sess.ID)
		}},
		{"DeleteUserSessions", func(ctx context.Context, s *redisstore.Store) error {
			return s.Sessions().DeleteUserSessions(ctx, user, "")
		}},
		{"AddFailure", func(ctx context.Context, s *redisstore.Store) error {
			_, _, err := s.Attempts().AddFailure(ctx, "user:x", time.Minute)
			return err
		}},
		{"Failures", func(ctx context.Context, s *redisstore.Store) error {
			_, _, err := s.Attempts().Failures(ctx, "user:x")
			return err
		}},
		{"ResetFailures", func(ctx context.Context, s *redisstore.Store) error {
			return s.Attempts().ResetFailures(ctx, "user:x")
		}},
		{"Ping", func(ctx context.Context, s *redisstore.Store) error { return s.Ping(ctx) }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s := st.store(t)
			for _, c := range calls {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				err := c.call(ctx, s)
				if ctx.Err() != nil {
					t.Errorf("%s waited for the caller's deadline: %v", c.name, err)
				}
				cancel()
				wantUnavailable(t, c.name, err)
			}
		})
	}
}

// newUnreachable returns a Store whose client (made by NewClient) points
// at addr.
func newUnreachable(t testing.TB, addr string, opts *redisstore.Options) *redisstore.Store {
	t.Helper()
	rdb, err := redisstore.NewClient("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return redisstore.New(rdb, opts)
}

func TestCancelledContext(t *testing.T) {
	s, _, _ := newStore(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Sessions().GetSession(ctx, account.SessionID("token"))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, commerce.ErrUnavailable) {
		t.Errorf("GetSession with a cancelled context: %v, want context.Canceled and commerce.ErrUnavailable", err)
	}
}

// TestContextEndsWhileWaiting ends the caller's context while a call
// waits for a Redis that does not answer: the error wraps
// commerce.ErrUnavailable and the context's error, although go-redis
// reports an i/o timeout — after its read timeout for a cancelled context,
// which does not interrupt a read, and at the deadline for an expired one,
// where it can answer before ctx.Err does.
func TestContextEndsWhileWaiting(t *testing.T) {
	t.Parallel()
	addr := blackHole(t)
	user := commerce.NewID()
	calls := map[string]func(ctx context.Context, s *redisstore.Store) error{
		"GetSession": func(ctx context.Context, s *redisstore.Store) error {
			_, err := s.Sessions().GetSession(ctx, "token")
			return err
		},
		"TouchSession": func(ctx context.Context, s *redisstore.Store) error {
			return s.Sessions().TouchSession(ctx, "token", time.Now(), time.Now().Add(time.Hour))
		},
		"DeleteSession": func(ctx context.Context, s *redisstore.Store) error {
			return s.Sessions().DeleteSession(ctx, "token")
		},
		"DeleteUserSessions": func(ctx context.Context, s *redisstore.Store) error {
			return s.Sessions().DeleteUserSessions(ctx, user, "")
		},
		"AddFailure": func(ctx context.Context, s *redisstore.Store) error {
			_, _, err := s.Attempts().AddFailure(ctx, "user:x", time.Minute)
			return err
		},
		"Failures": func(ctx context.Context, s *redisstore.Store) error {
			_, _, err := s.Attempts().Failures(ctx, "user:x")
			return err
		},
		"Ping": func(ctx context.Context, s *redisstore.Store) error { return s.Ping(ctx) },
	}
	// store returns a Store on a client of its own, which has met no
	// failure yet (a pool that has failed to connect often enough answers
	// with its last error at once), makes one attempt per call (a retry's
	// pause would notice the end), reads for up to readTimeout and is
	// bounded only by the caller's context and the client's timeouts.
	const readTimeout = time.Second
	store := func(t *testing.T) *redisstore.Store {
		rdb, err := redisstore.NewClient("redis://" + addr + "/0?max_retries=-1&read_timeout=" + readTimeout.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		return redisstore.New(rdb, &redisstore.Options{Timeout: -1})
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// The deadline and the cancellation fall well inside the
			// client's read timeout, so the call can only fail at them.
			for range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				err := call(ctx, store(t))
				cancel()
				if !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("deadline passed: %v, want commerce.ErrUnavailable and context.DeadlineExceeded", err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			s := store(t)
			stop := time.AfterFunc(50*time.Millisecond, cancel)
			err := call(ctx, s)
			stop.Stop()
			cancel()
			if !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled: %v, want commerce.ErrUnavailable and context.Canceled", err)
			}
		})
	}
}

// benchSession stores a session that lives through a benchmark.
func benchSession(b *testing.B, s *redisstore.Store) account.Session {
	b.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	sess := account.Session{
		ID: account.SessionID(commerce.NewID().String()), UserID: commerce.NewID(), CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour),
	}
	if err := s.Sessions().CreateSession(context.Background(), sess); err != nil {
		b.Fatal(err)
	}
	return sess
}

// BenchmarkGetSession measures one session check: one HGETALL.
func BenchmarkGetSession(b *testing.B) {
	s, _, _ := newStore(b, nil)
	sess := benchSession(b, s)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sessions().GetSession(ctx, sess.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTouchSession measures recording activity: one EVALSHA.
func BenchmarkTouchSession(b *testing.B) {
	s, _, _ := newStore(b, nil)
	sess := benchSession(b, s)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		now := time.Now()
		if err := s.Sessions().TouchSession(ctx, sess.ID, now, now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetSessionUnavailable measures how long a session check takes
// to fail when Redis refuses connections or accepts them and never
// answers, with a client from NewClient and the default Options.
func BenchmarkGetSessionUnavailable(b *testing.B) {
	for _, c := range []struct {
		name string
		addr func(testing.TB) string
	}{
		{"Refused", closedPort},
		{"NoAnswer", blackHole},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newUnreachable(b, c.addr(b), nil)
			id := account.SessionID("token")
			for b.Loop() {
				if _, err := s.Sessions().GetSession(context.Background(), id); !errors.Is(err, commerce.ErrUnavailable) {
					b.Fatalf("GetSession: %v, want commerce.ErrUnavailable", err)
				}
			}
		})
	}
}
