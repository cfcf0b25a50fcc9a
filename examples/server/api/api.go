package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/impactmuseum/commerce/catalog"
)

// DefaultRequestTimeout bounds a request's context unless
// Options.RequestTimeout says otherwise.
const DefaultRequestTimeout = 10 * time.Second

// Options configure an API. The zero value, or nil, gives the defaults.
type Options struct {
	// Logger receives the request log and the causes of 5xx answers.
	// Default: slog.Default().
	Logger *slog.Logger
	// Ready reports whether the backing services answer; GET /readyz
	// calls it. Default: always ready.
	Ready func(ctx context.Context) error
	// RequestTimeout bounds the context of each request. Default:
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Static holds files served under /static/: the file "demo/a.svg" is
	// GET /static/demo/a.svg. /static/placeholder.svg is always the API's
	// own placeholder. Default: none.
	Static fs.FS
}

// API is the JSON API over a catalog. It is safe for concurrent use.
type API struct {
	cat     *catalog.Service
	log     *slog.Logger
	ready   func(context.Context) error
	timeout time.Duration
	static  fs.FS
	mux     *http.ServeMux
	handler http.Handler
}

// New returns the API over cat. It panics if cat is nil.
func New(cat *catalog.Service, opts *Options) *API {
	if cat == nil {
		panic("api: nil catalog.Service")
	}
	if opts == nil {
		opts = &Options{}
	}
	a := &API{
		cat:     cat,
		log:     opts.Logger,
		ready:   opts.Ready,
		timeout: opts.RequestTimeout,
		static:  opts.Static,
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.timeout <= 0 {
		a.timeout = DefaultRequestTimeout
	}

	a.mux = http.NewServeMux()
	a.mux.HandleFunc("GET /api/products", a.ListProducts)
	a.mux.HandleFunc("GET /api/products/{id}", a.GetProduct)
	a.mux.HandleFunc("GET /api/brands", a.ListBrands)
	a.mux.HandleFunc("GET /api/brands/{id}", a.GetBrand)
	a.mux.HandleFunc("GET /api/problems", a.ListProblems)
	a.mux.HandleFunc("GET /api/problems/{id}", a.GetProblem)
	a.mux.HandleFunc("GET /healthz", a.Healthz)
	a.mux.HandleFunc("GET /readyz", a.Readyz)
	a.mux.HandleFunc("GET "+catalog.DefaultPlaceholderImage, a.Placeholder)
	if a.static != nil {
		a.mux.HandleFunc("GET /static/{path...}", a.Static)
	}
	a.handler = a.Middleware(http.HandlerFunc(a.route))
	return a
}

// Handler returns the whole API: every route behind the middleware.
func (a *API) Handler() http.Handler { return a.handler }

// route serves r through the mux, except that a request no route matches
// gets a problem document instead of the mux's plain-text answer.
func (a *API) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	// The mux knows whether another method would match; ask it by letting
	// its own handler answer into a recorder, and keep only what it says.
	h, _ := a.mux.Handler(r)
	rec := &headerRecorder{header: make(http.Header)}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		a.writeProblem(w, r, problemDoc{
			Status: http.StatusMethodNotAllowed,
			Detail: r.Method + " is not allowed here; allowed: " + rec.header.Get("Allow"),
		})
		return
	}
	a.NotFound(w, r)
}

// NotFound answers 404 with a problem document, for a request that no
// route matches.
func (a *API) NotFound(w http.ResponseWriter, r *http.Request) {
	a.writeProblem(w, r, problemDoc{Status: http.StatusNotFound, Detail: "no such route: " + r.URL.Path})
}

// headerRecorder keeps the status and headers a handler writes and drops
// the body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }

func (h *headerRecorder) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *headerRecorder) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return len(b), nil
}
