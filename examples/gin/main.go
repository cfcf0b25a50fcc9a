// Command gin serves the demo shop (examples/internal/shop) on the gin
// router: the JSON API of examples/server/api and the pages of
// examples/storefront, each route registered with gin, in gin's route
// groups, behind a request id, gin's request log and gin's panic recovery.
//
// Usage:
//
//	gin [-addr :8080]
//
// The address may also come from COMMERCE_ADDR; the flag wins. The shop
// lives in memory and starts anew with the demo catalog on every run.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/impactmuseum/commerce/examples/internal/serve"
	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/examples/server/api"
)

func main() { serve.Main("gin", handler) }

// run serves the demo shop on gin until ctx ends (serve.Run).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return serve.Run(ctx, "gin", args, getenv, stderr, handler)
}

// handler is newRouter as serve.Run takes it.
func handler(d *shop.Demo, log *slog.Logger) http.Handler { return newRouter(d, log) }

// newRouter mounts the demo shop on a gin engine: the API's routes in the
// group /api and its others in a group of their own, both with the API's
// headers and timeout; the storefront's pages in a group with the shop's
// headers and timeout; the uploaded images under their prefix. Every
// request gets an id, one log line (log) and gin's panic recovery, which
// answers the API's 500 problem on the API's paths and the shop's 500 page
// elsewhere. Every GET route answers HEAD too, as with http.ServeMux.
func newRouter(d *shop.Demo, log *slog.Logger) *gin.Engine {
	a, s, images := d.API, d.Storefront, d.Images

	r := gin.New()
	// A wrong method is a 405 (NoMethod), not a 404.
	r.HandleMethodNotAllowed = true
	// No redirect from /brands/ to /brands: like the reference server, an
	// unknown path is a 404; and gin builds that redirect from the
	// client's X-Forwarded-Prefix header.
	r.RedirectTrailingSlash = false
	// No proxy is trusted: the client is the TCP peer, as for the API.
	if err := r.SetTrustedProxies(nil); err != nil {
		panic("gin example: " + err.Error())
	}

	apiInternalError := http.HandlerFunc(a.InternalError)
	pageInternalError := s.Authenticate(http.HandlerFunc(s.InternalError))
	r.Use(
		requestID,
		gin.LoggerWithConfig(gin.LoggerConfig{
			Formatter:       logLine(log),
			Output:          io.Discard, // logLine writes through log itself
			SkipQueryString: true,
		}),
		// gin's own panic log would dump the request's headers in debug
		// mode: the panic goes to log through recovered instead.
		gin.CustomRecoveryWithWriter(nil, recovered(log, apiInternalError, pageInternalError)),
	)

	// Unknown routes and wrong methods: the API's problem documents on its
	// paths, the media store's answers under its prefix, the shop's pages
	// (which show who is signed in) elsewhere.
	r.NoRoute(byOwner(images.Prefix(),
		a.Headers(http.HandlerFunc(a.NotFound)),
		images,
		s.Headers(s.Authenticate(http.HandlerFunc(s.NotFound)))))
	r.NoMethod(byOwner(images.Prefix(),
		a.Headers(http.HandlerFunc(a.MethodNotAllowed)),
		images,
		s.Headers(s.Authenticate(http.HandlerFunc(s.MethodNotAllowed)))))

	apiRoutes := make(map[string]http.Handler)
	apiOther := make(map[string]http.Handler)
	for pattern, h := range a.Routes() {
		if strings.Contains(pattern, " /api/") {
			apiRoutes[pattern] = h
		} else {
			apiOther[pattern] = h
		}
	}
	apiMiddleware := []gin.HandlerFunc{wrap(a.Headers), wrap(a.Timeout)}
	mount(r.Group("/api", apiMiddleware...), apiRoutes)
	mount(r.Group("/", apiMiddleware...), apiOther)
	mount(r.Group("/", wrap(s.Headers), wrap(s.Timeout)), s.Routes())

	// The media store answers its own 404.
	r.GET(images.Prefix()+"*file", gin.WrapH(images))
	r.HEAD(images.Prefix()+"*file", gin.WrapH(images))
	return r
}

// mount registers each route of routes, an http.ServeMux pattern ("GET
// /products/{id}") and its handler, on g in gin's syntax: "{name}" becomes
// ":name", a trailing "{name...}" becomes "*name" and "{$}" (the exact
// path) drops. The handler reads gin's parameters with r.PathValue.
//
// gin refuses a route beside a catch-all at the same place
// ("/static/placeholder.svg" beside "/static/*path"): such routes are
// served, with the catch-all, by an http.ServeMux behind the catch-all,
// which picks between them as the reference server does.
func mount(g *gin.RouterGroup, routes map[string]http.Handler) {
	type catchAll struct {
		method, prefix string
		mux            *http.ServeMux
	}
	var catchAlls []catchAll
	for pattern := range routes {
		method, path, _ := strings.Cut(pattern, " ")
		if i := strings.LastIndex(path, "/{"); i >= 0 && strings.HasSuffix(path, "...}") {
			catchAlls = append(catchAlls, catchAll{method, path[:i+1], http.NewServeMux()})
		}
	}
	for pattern, h := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			panic("gin example: route without a method: " + pattern)
		}
		served := false
		for _, c := range catchAlls {
			if c.method == method && strings.HasPrefix(path, c.prefix) {
				c.mux.Handle(pattern, h)
				served = true
			}
		}
		if !served {
			handle(g, method, path, h)
		}
	}
	for _, c := range catchAlls {
		handle(g, c.method, c.prefix+"{path...}", c.mux)
	}
}

// handle registers h on g for method (and HEAD too for GET) at path, an
// http.ServeMux path translated to gin's syntax, setting the request's
// path values from gin's parameters.
func handle(g *gin.RouterGroup, method, path string, h http.Handler) {
	path = strings.TrimSuffix(path, "{$}")
	segments := strings.Split(path, "/")
	catchAll := ""
	for i, seg := range segments {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		if name, ok := strings.CutSuffix(seg[1:len(seg)-1], "..."); ok {
			segments[i], catchAll = "*"+name, name
		} else {
			segments[i] = ":" + name
		}
	}
	path = strings.Join(segments, "/")
	if base := g.BasePath(); base != "/" {
		path = strings.TrimPrefix(path, base)
	}
	serve := func(c *gin.Context) {
		for _, p := range c.Params {
			v := p.Value
			if p.Key == catchAll {
				// gin's catch-all keeps the slash before it; ServeMux's not.
				v = strings.TrimPrefix(v, "/")
			}
			c.Request.SetPathValue(p.Key, v)
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
	g.Handle(method, path, serve)
	if method == http.MethodGet {
		g.Handle(http.MethodHead, path, serve)
	}
}

// wrap turns net/http middleware into gin middleware: the rest of gin's
// chain runs as the wrapped handler, with the request mw passes on (its
// context bounded by a timeout, say) and gin's writer, which the API's and
// the shop's middleware never replace. A middleware that answers by itself
// stops the chain.
func wrap(mw func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		called := false
		mw(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			called = true
			c.Request = r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
		if !called {
			c.Abort()
		}
	}
}

// byOwner serves a request that no route takes, for gin's NoRoute or
// NoMethod: with apiH on the API's paths, imagesH under imagesPrefix and
// pageH elsewhere, as the reference server splits the URL space.
func byOwner(imagesPrefix string, apiH, imagesH, pageH http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := pageH
		switch path := c.Request.URL.Path; {
		case api.Owns(path):
			h = apiH
		case strings.HasPrefix(path, imagesPrefix):
			h = imagesH
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
}

// requestIDHeader carries the request's id, in the request from a proxy
// that set one and in every response.
const requestIDHeader = "X-Request-Id"

// requestIDKey is the gin context key of the request's id.
const requestIDKey = "request_id"

// wellFormedID is what a request id from the client may look like to be
// kept: short, and nothing that could disguise a log line.
var wellFormedID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID gives each request an id, the client's X-Request-Id when it is
// well formed (a proxy's, so that its log and this one meet) or a new
// random one, and sends it back in X-Request-Id. gin has no request id
// middleware of its own.
func requestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !wellFormedID.MatchString(id) {
		id = rand.Text()
	}
	c.Set(requestIDKey, id)
	c.Header(requestIDHeader, id)
	c.Next()
}

// logLine is the formatter of gin's request log: it logs one line through
// log with the method, the path, the status, the duration and the request
// id, and nothing else — never the query string (search terms, the code
// and state of a sign-in callback), a header (cookies, tokens) or a body.
// It writes through log rather than returning the line, so that the
// request log has the format of the shop's other lines and slog quotes a
// path that holds spaces or line breaks.
func logLine(log *slog.Logger) gin.LogFormatter {
	return func(p gin.LogFormatterParams) string {
		id, _ := p.Keys[requestIDKey].(string)
		log.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("method", p.Method),
			slog.String("path", p.Path), // SkipQueryString: the path alone
			slog.Int("status", p.StatusCode),
			slog.Duration("duration", p.Latency),
			slog.String("request_id", id))
		return ""
	}
}

// recovered is gin's recovery handler: it logs the panic with its stack and
// the request's method, path and id, then answers with apiError on the
// API's paths and pageError elsewhere, if nothing was written yet.
func recovered(log *slog.Logger, apiError, pageError http.Handler) gin.RecoveryFunc {
	return func(c *gin.Context, v any) {
		path := c.Request.URL.Path
		log.Error("panic", "method", c.Request.Method, "path", path,
			"request_id", c.GetString(requestIDKey), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if !c.Writer.Written() {
			h := pageError
			if api.Owns(path) {
				h = apiError
			}
			h.ServeHTTP(c.Writer, c.Request)
		}
		c.Abort()
	}
}
