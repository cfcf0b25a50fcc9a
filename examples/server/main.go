package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/examples/internal/serve"
	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/outbox/broker"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// run configures and starts the server, and serves until ctx ends; then it
// shuts down gracefully and returns nil. A bad setting, storage that does
// not answer in time or refuses the connection, or an address that cannot
// be listened on make it return an error that names the setting.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, stderr)

	obs, err := newObserver(ctx, cfg, getenv)
	if err != nil {
		return err
	}
	defer obs.shutdown(log)

	store, err := openStorage(ctx, cfg, log, obs)
	if err != nil {
		return err
	}
	defer store.close()

	images, err := openMedia(ctx, cfg)
	if err != nil {
		return err
	}
	defer images.Close()
	svc := shop.New(store.Storage, shop.Options{
		Images:               images,
		Hasher:               account.NewHasher(&account.HasherOptions{Iterations: cfg.iterations}),
		MaxClientSignUps:     cfg.signUpsPerHour,
		Logger:               log,
		WebhooksAllowPrivate: cfg.webhooksAllowPrivate,
		MeterProvider:        obs.meterProvider(),
	})
	if cfg.demo {
		if err := shop.LoadDemoCatalog(ctx, store.Storage, svc); err != nil {
			return fmt.Errorf("loading the demo (%s): %w", cfg.source["demo"], err)
		}
	}
	var firstStaff *account.Account
	for _, st := range cfg.staff {
		acct, err := svc.Accounts.BootstrapStaff(ctx, st.username, st.password)
		if err != nil {
			// The service's messages name fields and rules, never the
			// password itself.
			return fmt.Errorf("%s: staff account %q: %w", cfg.source["bootstrap-staff"], st.username, err)
		}
		log.Info("staff account ensured", "username", st.username)
		if firstStaff == nil {
			firstStaff = &acct
		}
	}
	if cfg.demo {
		if err := shop.LoadDemoBoard(ctx, store.Storage, svc, firstStaff, log); err != nil {
			return fmt.Errorf("loading the demo board (%s): %w", cfg.source["demo"], err)
		}
	}
	providers := make([]*social.Provider, 0, len(cfg.providers))
	names := make([]string, 0, len(cfg.providers))
	// Sign-ins in progress are kept beside the sessions, so that any
	// instance can complete a sign-in that another began.
	states, _ := store.Sessions.(account.SignInStateStore)
	for _, p := range cfg.providers {
		newProvider := social.Google
		if p.name == "kakao" {
			newProvider = social.Kakao
		}
		p.config.States = states
		providers = append(providers, newProvider(p.config))
		names = append(names, p.name)
	}

	a := api.New(svc.API(), &api.Options{
		Logger:        log,
		Ready:         store.ping,
		Static:        demo.Images(),
		Providers:     providers,
		SecureCookies: cfg.secureCookies,
	})
	pages := storefront.New(svc.Storefront(),
		&storefront.Options{
			Logger:        log,
			Providers:     providers,
			SecureCookies: cfg.secureCookies,
		})
	srv := serve.NewServer(obs.wrap(newHandler(a, pages, images), newRoutes(a, pages, images)), log)
	// Metrics have a listener of their own, never the public one.
	if cfg.metricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.source["metrics-addr"], err)
		}
		defer obs.serveMetrics(mln, log)()
		log.Info("serving metrics", "addr", mln.Addr().String(), "path", "/metrics")
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.source["addr"], err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "storage", store.name, "sessions", store.sessionsName,
		"media", redactURL(cfg.mediaURL), "events", redactURL(cfg.eventsURL), "demo", cfg.demo, "sign_in_providers", names,
		"tracing", obs.traces != nil)

	sweepCtx, stopSweeping := context.WithCancel(ctx)
	defer stopSweeping()
	if cfg.mediaSweep > 0 {
		go sweepMedia(sweepCtx, images, svc.Catalog, cfg.mediaSweep, log)
	}

	// The relay sends the outbox's events to the topic and the webhooks'
	// deliveries, and the dispatcher sends those; both stop after the
	// requests in flight, which may store events.
	var topic *broker.Publisher
	if cfg.eventsURL != "" {
		if topic, err = broker.Open(ctx, cfg.eventsURL); err != nil {
			return fmt.Errorf("%s: %w", cfg.source["events-url"], err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), serve.ShutdownTimeout)
			defer cancel()
			if err := topic.Shutdown(ctx); err != nil {
				log.Warn("closing the events topic", "err", err)
			}
		}()
	}
	var pub outbox.Publisher
	if topic != nil {
		pub = topic
	}
	relay, err := shop.Relay(store.Storage, svc, pub, log)
	if err != nil {
		return err
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	var work sync.WaitGroup
	work.Go(func() { relay.Run(workCtx) })
	work.Go(func() { svc.Webhooks.Dispatcher().Run(workCtx) })
	defer func() {
		stopWork()
		work.Wait()
	}()

	return serve.Serve(ctx, srv, ln, log)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// storage is what the server stores in.
type storage struct {
	shop.Storage
	name         string // "memory" or "mysql", for the log
	sessionsName string // "memory" or "redis", for the log
	// ping checks the database and Redis, for /readyz.
	ping  func(context.Context) error
	close func()
}

// openStorage opens the in-memory store, or MySQL when a DSN is set, and
// keeps sessions in memory or, when a URL is set, in Redis. It waits up to
// cfg.dbWait for MySQL and Redis to answer, and migrates MySQL. obs
// traces and measures both.
func openStorage(ctx context.Context, cfg config, log *slog.Logger, obs *observer) (*storage, error) {
	st, err := openDatabase(ctx, cfg, log, obs)
	if err != nil {
		return nil, err
	}
	if cfg.redisURL == "" {
		if cfg.dsn != "" {
			log.Warn("sessions are in memory: they end when the server stops, and other instances do not see them; set " +
				cfg.source["redis-url"] + " to share them")
			mem := memstore.New(nil)
			st.Sessions, st.Attempts = mem.Sessions(), mem.Attempts()
		}
		st.sessionsName = "memory"
		return st, nil
	}

	source := cfg.source[cfg.redisKind]
	newClient := redisstore.NewClient
	switch cfg.redisKind {
	case "redis-cluster-url":
		newClient = redisstore.NewClusterClient
	case "redis-sentinel-url":
		newClient = redisstore.NewFailoverClient
	}
	rdb, err := newClient(cfg.redisURL)
	if err != nil {
		st.close()
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if err := obs.instrumentRedis(rdb); err != nil {
		rdb.Close()
		st.close()
		return nil, fmt.Errorf("%s: tracing: %w", source, err)
	}
	rs := redisstore.New(rdb, &redisstore.Options{Prefix: cfg.redisPrefix})
	if err := waitFor(ctx, cfg.dbWait, log, "Redis", func() error { return rs.Ping(ctx) }); err != nil {
		rdb.Close()
		st.close()
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	st.sessionsName, st.Sessions, st.Attempts = "redis", rs.Sessions(), rs.Attempts()
	pingDB, closeDB := st.ping, st.close
	st.ping = func(ctx context.Context) error {
		if err := pingDB(ctx); err != nil {
			return err
		}
		return rs.Ping(ctx)
	}
	st.close = func() {
		if err := rdb.Close(); err != nil {
			log.Warn("closing the Redis client", "err", err)
		}
		closeDB()
	}
	return st, nil
}

// openDatabase opens the store of the catalog and the users: memory, or
// MySQL when a DSN is set. The in-memory store keeps sessions too.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger, obs *observer) (*storage, error) {
	if cfg.dsn == "" {
		st, s := shop.Memory()
		return &storage{Storage: st, name: "memory", ping: s.Ping, close: func() {}}, nil
	}
	source := cfg.source["mysql-dsn"]
	db, err := bunstore.Open(cfg.dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	// Before the store is made: it may work on a copy of db.
	db = obs.instrumentDB(db, "primary")
	replicas, err := bunstore.OpenReplicas(cfg.replicaDSNs...)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", cfg.source["mysql-replica-dsns"], err)
	}
	for i := range replicas {
		replicas[i] = obs.instrumentDB(replicas[i], fmt.Sprintf("replica%d", i+1))
	}
	closeAll := func() {
		for _, r := range replicas {
			if err := r.Close(); err != nil {
				log.Warn("closing a read replica", "err", err)
			}
		}
		if err := db.Close(); err != nil {
			log.Warn("closing the database", "err", err)
		}
	}
	var s *bunstore.Store
	err = waitFor(ctx, cfg.dbWait, log, "the database", func() (err error) {
		s, err = bunstore.New(ctx, db, &bunstore.Options{Replicas: replicas, MaxReplicaLag: cfg.replicaMaxLag})
		return err
	})
	if err != nil {
		closeAll()
		if len(replicas) > 0 {
			source += " with the replicas of " + cfg.source["mysql-replica-dsns"]
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(replicas) > 0 {
		log.Info("read replicas", "count", len(replicas), "max_lag", cmp.Or(cfg.replicaMaxLag, bunstore.DefaultMaxReplicaLag))
		obs.watchReplicas(s)
	}
	return &storage{
		Storage: shop.Storage{
			Catalog: s.Catalog(), Users: s.Accounts(), Carts: s.Carts(), Orders: s.Orders(),
			Tx: s.Transactor(), Board: s.Board(), Lock: s,
			Outbox: s.Outbox(), Webhooks: s.Webhooks(),
		},
		name: "mysql",
		ping: s.Ping,
		close: func() {
			s.Close()
			closeAll()
		},
	}, nil
}

// waitFor calls connect until it succeeds, retrying for up to wait while
// what it connects to does not answer (commerce.ErrUnavailable): a server
// started together with its database or Redis, as by docker compose, must
// not fail because it won the race. Any other error is final at once: a
// wrong password or an unknown database (bunstore.ErrDenied,
// redisstore.ErrDenied), which no wait cures, or a database session that
// is not utf8mb4.
func waitFor(ctx context.Context, wait time.Duration, log *slog.Logger, what string, connect func() error) error {
	deadline := time.Now().Add(wait)
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := connect()
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, commerce.ErrUnavailable):
			return err
		case ctx.Err() != nil:
			return fmt.Errorf("stopped while waiting for %s: %w", what, err)
		case time.Now().Add(delay).After(deadline):
			return fmt.Errorf("%s did not answer within %s: %w", what, wait, err)
		}
		log.Warn(what+" does not answer yet; retrying", "attempt", attempt, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped while waiting for %s: %w", what, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}
