// Command echo serves the demo shop on the echo router
// (github.com/labstack/echo/v4): the JSON API of examples/server/api and
// the pages of examples/storefront, mounted route by route in echo's
// groups, with echo's own request ids, request log and panic recovery.
//
// It serves the demo shop in memory (package examples/internal/shop);
// examples/server is the reference server with the configuration for
// MariaDB, Redis, external sign-in and media buckets.
//
// Usage:
//
//	echo [-addr host:port]
//
// -addr is the address to listen on; default the COMMERCE_ADDR
// environment variable, else ":8080".
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/impactmuseum/commerce/examples/internal/serve"
	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/server/api"
)

func main() { serve.Main("echo", handler) }

// run serves the demo shop on echo until ctx ends (serve.Run).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return serve.Run(ctx, "echo", args, getenv, stderr, handler)
}

// handler is newRouter as serve.Run takes it.
func handler(d *shop.Demo, log *slog.Logger) http.Handler { return newRouter(d, log) }

// newRouter mounts the demo shop on a new echo router: the API's routes
// in the /api group (and its routes outside /api: sign-in with Google or
// Kakao under /auth, the demo's images under /static, the health checks),
// behind the API's headers and timeout; the storefront's pages in their
// own group behind the storefront's; the uploaded images under their
// prefix. Echo's request ids, request log and panic recovery run for
// every request, and its HTTPErrorHandler answers the router's 404 and
// 405 and a recovered panic with the API's problem documents under the
// API's paths and the shop's pages elsewhere.
//
// The groups' middleware is given to each route rather than to the group
// (Group.Use, or Group's own arguments): a group with middleware
// registers a catch-all not-found route under its prefix, which the router
// prefers to its 405, so every wrong method in the group would be a 404.
func newRouter(d *shop.Demo, log *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(d)
	e.Use(
		middleware.RequestID(),
		middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
			// Method, path without the query, status, duration and
			// request id only: queries hold search terms and sign-in
			// codes, headers and bodies hold tokens and passwords.
			LogMethod:    true,
			LogURIPath:   true,
			LogStatus:    true,
			LogLatency:   true,
			LogRequestID: true,
			// The error handler answers first, so that the line has the
			// status sent.
			HandleError: true,
			LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
				log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
					slog.String("method", v.Method),
					slog.String("path", v.URIPath),
					slog.Int("status", v.Status),
					slog.Duration("duration", v.Latency),
					slog.String("request_id", v.RequestID))
				return nil
			},
		}),
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			DisableStackAll: true, // the panicking goroutine's stack only
			LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
				r := c.Request()
				log.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path,
					"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
					"panic", err.Error(), "stack", string(stack))
				return err // on to the error handler's 500
			},
		}),
	)

	apiMiddleware := []echo.MiddlewareFunc{echo.WrapMiddleware(d.API.Headers), echo.WrapMiddleware(d.API.Timeout)}
	apiGroup := e.Group("/api")
	apiOutside := e.Group("") // /auth, /static, /healthz, /readyz
	for pattern, h := range d.API.Routes() {
		rt := parsePattern(pattern)
		if rest, ok := strings.CutPrefix(rt.path, "/api/"); ok {
			apiGroup.Match(rt.methods, "/"+rest, adapt(h, rt.wildcard), apiMiddleware...)
		} else {
			apiOutside.Match(rt.methods, rt.path, adapt(h, rt.wildcard), apiMiddleware...)
		}
	}

	pageMiddleware := []echo.MiddlewareFunc{
		echo.WrapMiddleware(d.Storefront.Headers), echo.WrapMiddleware(d.Storefront.Timeout),
	}
	pages := e.Group("")
	for pattern, h := range d.Storefront.Routes() {
		rt := parsePattern(pattern)
		pages.Match(rt.methods, rt.path, adapt(h, rt.wildcard), pageMiddleware...)
	}

	// The media store serves GET and HEAD and sets its own headers.
	e.Match([]string{http.MethodGet, http.MethodHead}, d.Images.Prefix()+"*", echo.WrapHandler(d.Images))
	return e
}

// route is an http.ServeMux pattern in echo's terms.
type route struct {
	// methods are the pattern's method, and HEAD beside GET, as a GET
	// pattern of http.ServeMux matches HEAD too.
	methods []string
	// path is in echo's syntax: {name} is :name, {name...} is *, and a
	// trailing {$} is dropped (echo's paths match exactly).
	path string
	// wildcard is the name of {name...}, which echo calls "*".
	wildcard string
}

// parsePattern translates an http.ServeMux pattern ("GET
// /products/{id}") into echo's syntax. It panics on a pattern without a
// method or with a form that echo has no equivalent of (a wildcard inside
// a segment, a ":" or "*" that echo would read as a parameter): the
// routes are the program's own, and such a route would be mounted wrong.
func parsePattern(pattern string) route {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("route %q: want \"METHOD /path\"", pattern))
	}
	rt := route{methods: []string{method}}
	if method == http.MethodGet {
		rt.methods = append(rt.methods, http.MethodHead)
	}
	segs := strings.Split(path, "/")
	last := len(segs) - 1
	for i, s := range segs {
		name, isWildcard := strings.CutPrefix(s, "{")
		name, closed := strings.CutSuffix(name, "}")
		switch {
		case !isWildcard && !strings.ContainsAny(s, "{}:*"):
		case !closed || strings.ContainsAny(name, "{}:*/"):
			panic(fmt.Sprintf("route %q: segment %q has no equivalent in echo", pattern, s))
		case name == "$" && i == last:
			segs[i] = ""
		case strings.HasSuffix(name, "...") && i == last:
			rt.wildcard = strings.TrimSuffix(name, "...")
			segs[i] = "*"
		case strings.Contains(name, ".") || name == "$":
			panic(fmt.Sprintf("route %q: segment %q has no equivalent in echo", pattern, s))
		default:
			segs[i] = ":" + name
		}
	}
	rt.path = strings.Join(segs, "/")
	return rt
}

// adapt serves h as an echo handler, first setting the request's path
// values from echo's parameters, under the names that h reads with
// r.PathValue; echo's "*" is wildcard. Echo matches a parameter at the
// end of a route across slashes ("/products/a/b" gives id "a/b"), which
// http.ServeMux does not: such a request is the router's 404. Echo's
// parameters are escaped when the path is ("a%2Fb"), http.ServeMux's path
// values are not: they are unescaped here.
func adapt(h http.Handler, wildcard string) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		values := c.ParamValues()
		for i, name := range c.ParamNames() {
			v := values[i]
			if name == "*" {
				name = wildcard
			} else if strings.Contains(v, "/") {
				return echo.ErrNotFound
			}
			if r.URL.RawPath != "" {
				if u, err := url.PathUnescape(v); err == nil {
					v = u
				}
			}
			r.SetPathValue(name, v)
		}
		h.ServeHTTP(c.Response(), r)
		return nil
	}
}

// errorPages answer, for one part of the URL space, the router's 404 and
// 405 and the 500 of a recovered panic.
type errorPages struct {
	notFound, methodNotAllowed, internalError http.Handler
}

// errorHandler is echo's HTTPErrorHandler for the shop. Only the router
// (404, 405), adapt (404) and the panic recovery (any other error: 500)
// return errors, as every handler of the shop answers for itself. Under
// the API's paths the answer is the API's problem document, with its
// headers; elsewhere the shop's page, with its headers, for the visitor
// that the session cookie names. The 405's Allow header is the API's or
// the storefront's own, from their route tables.
func errorHandler(d *shop.Demo) echo.HTTPErrorHandler {
	a, s := d.API, d.Storefront
	apiPages := errorPages{
		notFound:         a.Headers(http.HandlerFunc(a.NotFound)),
		methodNotAllowed: a.Headers(http.HandlerFunc(a.MethodNotAllowed)),
		internalError:    a.Headers(http.HandlerFunc(a.InternalError)),
	}
	shopPages := errorPages{
		notFound:         s.Headers(s.Authenticate(http.HandlerFunc(s.NotFound))),
		methodNotAllowed: s.Headers(s.Authenticate(http.HandlerFunc(s.MethodNotAllowed))),
		internalError:    s.Headers(s.Authenticate(http.HandlerFunc(s.InternalError))),
	}
	return func(err error, c echo.Context) {
		// A handler that panicked after answering has answered; the
		// request logger also hands on an error that it had handled.
		if c.Response().Committed {
			return
		}
		r := c.Request()
		pages := shopPages
		if api.Owns(r.URL.Path) {
			pages = apiPages
		}
		h := pages.internalError
		var he *echo.HTTPError
		if errors.As(err, &he) {
			switch he.Code {
			case http.StatusNotFound:
				h = pages.notFound
			case http.StatusMethodNotAllowed:
				h = pages.methodNotAllowed
			}
		}
		// After a panic the request's context is the route's, which its
		// timeout has canceled on the way out; the page still needs to
		// read the session.
		h.ServeHTTP(c.Response(), r.WithContext(context.WithoutCancel(r.Context())))
	}
}
