package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// Timeouts of the HTTP server. WriteTimeout exceeds the API's request
// timeout, so that a request that times out still gets its 503.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = api.DefaultRequestTimeout + 5*time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout bounds how long requests in flight may take to
	// finish once the server is told to stop.
	shutdownTimeout = 15 * time.Second
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
// not answer in time or an address that cannot be listened on make it
// return an error that names the setting.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, stderr)

	store, err := openStorage(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.close()

	cat := catalog.NewService(store.catalog, nil)
	if cfg.demo {
		// Accounts come later; until then a staff actor made here loads
		// the demo through the service, which validates it.
		if err := demo.Load(ctx, cat, commerce.StaffActor(commerce.NewID())); err != nil {
			return fmt.Errorf("loading the demo (%s): %w", cfg.source["demo"], err)
		}
	}

	a := api.New(cat, &api.Options{Logger: log, Ready: store.ping, Static: demo.Images()})
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.source["addr"], err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "storage", store.name, "demo", cfg.demo)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down", "grace", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	<-served // http.ErrServerClosed
	log.Info("stopped")
	return nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// storage is the store the server runs on.
type storage struct {
	name    string // "memory" or "mysql", for the log
	catalog catalog.Repository
	ping    func(context.Context) error
	close   func()
}

// openStorage opens the in-memory store, or MySQL when a DSN is set. On
// MySQL it waits up to cfg.dbWait for the database to answer, then
// migrates it.
func openStorage(ctx context.Context, cfg config, log *slog.Logger) (*storage, error) {
	if cfg.dsn == "" {
		s := memstore.New(nil)
		return &storage{name: "memory", catalog: s.Catalog(), ping: s.Ping, close: func() {}}, nil
	}
	source := cfg.source["mysql-dsn"]
	db, err := bunstore.Open(cfg.dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var s *bunstore.Store
	err = waitForDatabase(ctx, cfg.dbWait, log, func() (err error) {
		s, err = bunstore.New(ctx, db, nil)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return &storage{
		name:    "mysql",
		catalog: s.Catalog(),
		ping:    s.Ping,
		close: func() {
			if err := db.Close(); err != nil {
				log.Warn("closing the database", "err", err)
			}
		},
	}, nil
}

// waitForDatabase calls connect until it succeeds, retrying for up to wait
// while the database does not answer (commerce.ErrUnavailable): a server
// started together with its database, as by docker compose, must not fail
// because it won the race. Any other error, such as a session that is not
// utf8mb4, is final.
func waitForDatabase(ctx context.Context, wait time.Duration, log *slog.Logger, connect func() error) error {
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
			return fmt.Errorf("stopped while waiting for the database: %w", err)
		case time.Now().Add(delay).After(deadline):
			return fmt.Errorf("the database did not answer within %s: %w", wait, err)
		}
		log.Warn("the database does not answer yet; retrying", "attempt", attempt, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped while waiting for the database: %w", err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}
