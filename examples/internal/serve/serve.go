// Package serve runs the router examples (examples/chi, examples/gin,
// examples/echo): the demo shop (shop.OpenDemo) behind the handler that
// each example builds on its router, on an http.Server with the reference
// server's timeouts, with the demo's relay of events, until SIGINT or
// SIGTERM, then a graceful shutdown. The examples differ only in how they
// mount the shop. The reference server (examples/server) makes its
// servers (NewServer) and serves (Serve) with it too.
package serve

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

	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/examples/storefront"
)

// Timeouts of the HTTP server, as the reference server (examples/server)
// has them. WriteTimeout exceeds the request timeouts of the API and the
// pages, so that a request that times out still gets its answer.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = max(api.DefaultRequestTimeout, storefront.DefaultRequestTimeout) + 5*time.Second
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
	// ShutdownTimeout bounds how long requests in flight may take to
	// finish once the server is told to stop.
	ShutdownTimeout = 15 * time.Second
)

// ErrUsage marks an error in the command line.
var ErrUsage = errors.New("usage")

// Handler builds the example's handler of the demo shop d, logging to
// log.
type Handler func(d *shop.Demo, log *slog.Logger) http.Handler

// Main runs Run with the command line and the environment until SIGINT or
// SIGTERM, and exits: with status 2 for an error in the command line, 1
// for any other error.
func Main(name string, newHandler Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, name, os.Args[1:], os.Getenv, os.Stderr, newHandler)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, ErrUsage):
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Run serves the demo shop through newHandler at the address of -addr, or
// of COMMERCE_ADDR when the flag is not given (default ":8080"), until
// ctx ends; then it shuts down gracefully and returns nil. Its log goes
// to stderr. With -h it prints the usage and returns nil. An address that
// cannot be listened on is an error naming the flag or the variable it
// came from; an error in the command line wraps ErrUsage.
func Run(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer, newHandler Handler) error {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", ":8080", "`address` to listen on (env COMMERCE_ADDR)")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q: the only setting is -addr", ErrUsage, flags.Arg(0))
	}
	source, given := "-addr", false
	flags.Visit(func(f *flag.Flag) { given = given || f.Name == "addr" })
	if env := getenv("COMMERCE_ADDR"); env != "" && !given {
		*addr, source = env, "COMMERCE_ADDR"
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	demo, err := shop.OpenDemo(ctx, log)
	if err != nil {
		return err
	}
	defer demo.Images.Close()
	// The demo's events go to the webhooks staff register, until the
	// server has stopped.
	eventsCtx, stopEvents := context.WithCancel(context.Background())
	events := make(chan struct{})
	go func() { demo.Run(eventsCtx); close(events) }()
	defer func() { stopEvents(); <-events }()

	srv := NewServer(newHandler(demo, log), log)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("%s %q: %w", source, *addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "router", name)
	return Serve(ctx, srv, ln, log)
}

// NewServer returns an http.Server for h with the timeouts above, which
// logs its own errors (a TLS handshake, a panic it recovered) to log at
// WARN.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Serve serves srv on ln until ctx ends, then shuts it down gracefully:
// it stops accepting connections and waits up to ShutdownTimeout for the
// requests in flight, and returns nil. Serving that fails, or requests
// still running after the grace, are errors.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	<-served // http.ErrServerClosed
	log.Info("stopped")
	return nil
}
