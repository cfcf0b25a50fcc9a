// Command chi serves the demo shop (examples/internal/shop) on the chi
// router: the JSON API of examples/server/api and the pages of
// examples/storefront, each route registered with chi, in chi's groups,
// behind chi's request ids, request log and panic recovery.
//
// Usage:
//
//	chi [-addr :8080]
//
// The address may also come from COMMERCE_ADDR; the flag wins. The shop
// lives in memory and starts anew with the demo catalog on every run.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/impactmuseum/commerce/examples/internal/serve"
	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/server/api"
)

func main() { serve.Main("chi", handler) }

// run serves the demo shop on chi until ctx ends (serve.Run).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return serve.Run(ctx, "chi", args, getenv, stderr, handler)
}

// handler is newRouter as serve.Run takes it.
func handler(d *shop.Demo, log *slog.Logger) http.Handler { return newRouter(d, log) }

// newRouter mounts the demo shop on a chi router: the API's routes under
// /api (a chi subrouter) and its others in a group, each with the API's
// headers, timeout and 500 problem; the storefront's pages in a group with
// the shop's headers, timeout and 500 page; the uploaded images under
// their prefix. Every request gets an id, one log line (log) and panic
// recovery from chi's middleware, and HEAD is served by the GET routes, as
// http.ServeMux does.
func newRouter(d *shop.Demo, log *slog.Logger) chi.Router {
	a, s := d.API, d.Storefront
	apiRoutes := a.Routes()
	pageRoutes := s.Routes()

	r := chi.NewRouter()
	r.Use(middleware.RequestID, echoRequestID,
		middleware.RequestLogger(logFormatter{log}),
		middleware.Recoverer, middleware.GetHead)

	// Unknown routes and wrong methods: the API's problem documents on its
	// paths, the shop's pages (which show who is signed in) elsewhere. The
	// /api subrouter inherits both hooks, as they are set before it is
	// mounted.
	apiNotFound := a.Headers(http.HandlerFunc(a.NotFound))
	apiNotAllowed := a.Headers(http.HandlerFunc(a.MethodNotAllowed))
	pageNotFound := s.Headers(s.Authenticate(http.HandlerFunc(s.NotFound)))
	pageNotAllowed := s.Headers(s.Authenticate(http.HandlerFunc(s.MethodNotAllowed)))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if api.Owns(r.URL.Path) {
			apiNotFound.ServeHTTP(w, r)
			return
		}
		pageNotFound.ServeHTTP(w, r)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		if api.Owns(r.URL.Path) {
			apiNotAllowed.ServeHTTP(w, r)
			return
		}
		pageNotAllowed.ServeHTTP(w, r)
	})

	apiMiddleware := chi.Middlewares{a.Headers, recoverWith(http.HandlerFunc(a.InternalError)), a.Timeout}
	r.Route("/api", func(r chi.Router) {
		r.Use(apiMiddleware...)
		for pattern, h := range apiRoutes {
			method, path, _ := strings.Cut(pattern, " ")
			if rest, ok := strings.CutPrefix(path, "/api/"); ok {
				handle(r, method+" /"+rest, h)
			}
		}
	})
	r.Group(func(r chi.Router) {
		r.Use(apiMiddleware...)
		for pattern, h := range apiRoutes {
			if !strings.Contains(pattern, " /api/") {
				handle(r, pattern, h)
			}
		}
	})
	r.Group(func(r chi.Router) {
		r.Use(s.Headers, recoverWith(s.Authenticate(http.HandlerFunc(s.InternalError))), s.Timeout)
		for pattern, h := range pageRoutes {
			handle(r, pattern, h)
		}
	})
	// The media store answers its own 404 and 405 (with Allow: GET, HEAD).
	r.Mount(d.Images.Prefix(), d.Images)
	return r
}

// handle registers h on r under an http.ServeMux pattern ("GET
// /products/{id}") translated to chi's syntax: "{$}" (the exact path)
// drops, and a trailing "{name...}" becomes chi's "*", whose value the
// handler then finds under name too. "{name}" is the same in both.
func handle(r chi.Router, pattern string, h http.Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("chi example: route without a method: " + pattern)
	}
	path = strings.TrimSuffix(path, "{$}")
	if i := strings.LastIndex(path, "/{"); i >= 0 && strings.HasSuffix(path, "...}") {
		name := path[i+2 : len(path)-len("...}")]
		path = path[:i+1] + "*"
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.SetPathValue(name, chi.URLParam(r, "*"))
			next.ServeHTTP(w, r)
		})
	}
	r.Method(method, path, h)
}

// echoRequestID sends the request's id (middleware.RequestID) back in the
// X-Request-Id header, so that a client can quote it and the log line be
// found.
func echoRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(middleware.RequestIDHeader, middleware.GetReqID(r.Context()))
		next.ServeHTTP(w, r)
	})
}

// recoverWith is chi's middleware.Recoverer answering with internalError:
// chi's own answers a bare 500 and takes no handler. The panic goes to
// the request's log entry (logFormatter), as with chi's; internalError
// answers only if nothing was written yet. http.ErrAbortHandler passes
// through, as net/http aborts the response with it on purpose.
func recoverWith(internalError http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if entry := middleware.GetLogEntry(r); entry != nil {
					entry.Panic(v, debug.Stack())
				}
				if ww.Status() == 0 {
					internalError.ServeHTTP(ww, r)
				}
			}()
			next.ServeHTTP(ww, r)
		})
	}
}

// logFormatter is chi's request log (middleware.RequestLogger) through
// log/slog: one line per request with its method, path, status, duration
// and request id, and nothing else — never the query string (search
// terms, the code and state of a sign-in callback), a header (cookies,
// tokens) or a body.
type logFormatter struct{ log *slog.Logger }

// NewLogEntry starts the log entry of r.
func (f logFormatter) NewLogEntry(r *http.Request) middleware.LogEntry {
	return &logEntry{log: f.log, method: r.Method, path: r.URL.Path, id: middleware.GetReqID(r.Context())}
}

// logEntry is the log of one request.
type logEntry struct {
	log              *slog.Logger
	method, path, id string
}

// Write logs the finished request. A handler that wrote nothing sent 200.
func (e *logEntry) Write(status, _ int, _ http.Header, elapsed time.Duration, _ any) {
	if status == 0 {
		status = http.StatusOK
	}
	e.log.Info("request", "method", e.method, "path", e.path, "status", status,
		"duration", elapsed, "request_id", e.id)
}

// Panic logs a panic in the request's handler, with its stack.
func (e *logEntry) Panic(v any, stack []byte) {
	e.log.Error("panic", "method", e.method, "path", e.path, "request_id", e.id,
		"panic", fmt.Sprint(v), "stack", string(stack))
}
