package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/internal/web"
	"github.com/impactmuseum/commerce/examples/internal/webauth"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/webhook"
)

// DefaultRequestTimeout bounds a request's context unless
// Options.RequestTimeout says otherwise.
const DefaultRequestTimeout = 10 * time.Second

// DefaultUploadTimeout bounds an upload's context unless
// Options.UploadTimeout says otherwise: 10 MiB over a 1 Mbit/s
// connection, and the time to store it.
const DefaultUploadTimeout = 2 * time.Minute

// DefaultMaxBodyBytes is the largest request body accepted unless
// Options.MaxBodyBytes says otherwise: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// Services are the engine's services that the API serves. All but
// Webhooks are required.
type Services struct {
	Catalog *catalog.Service
	// Accounts should merge a guest's cart into the customer's at sign-in:
	// give it account.Options.GuestCarts = Carts. Without that, a guest's
	// cart stays behind when they sign in.
	Accounts *account.Service
	Carts    *cart.Service
	Orders   *order.Service
	Board    *board.Service
	// Webhooks, optional, serves staff's webhook endpoints under
	// /api/admin/webhooks; without it those routes answer 404.
	Webhooks *webhook.Service
}

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
	// Providers are the external sign-in providers served under
	// /auth/{name}/login and /auth/{name}/callback, by their Name. The
	// redirect URL of each must be the callback route as the browser
	// reaches it. Default: none (those routes answer 404).
	Providers []*social.Provider
	// SecureCookies marks every cookie Secure. Cookies of requests that
	// arrive over TLS are Secure anyway; set this when TLS ends at a proxy
	// in front of the server. Default: false.
	SecureCookies bool
	// MaxBodyBytes is the largest request body accepted; larger ones get
	// 413. Default: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ClientIP returns the address that failed sign-ins and sign-ups are
	// counted against, per client. Default: the host of the request's RemoteAddr,
	// the peer of the TCP connection. Behind a reverse proxy every request
	// comes from the proxy: supply a function that reads the header your
	// proxy sets, and only if the proxy always overwrites it, or any
	// client can pick its own address.
	ClientIP func(r *http.Request) string
	// UploadTimeout bounds an upload (POST /api/media): reading the file
	// over a slow connection and storing it. Default:
	// DefaultUploadTimeout.
	UploadTimeout time.Duration
	// MaxUploadBytes is the largest POST /api/media body accepted; larger
	// ones get 413. Default: media.MaxBytes and 64 KiB for the form
	// around the file.
	MaxUploadBytes int64
	// TrustedOrigins are origins (such as "https://shop.example") whose
	// cookie-authenticated writes are accepted although they are not the
	// API's own origin: a front-end served from another host. New panics
	// on a malformed origin. Default: none.
	TrustedOrigins []string
}

// API is the JSON API over the engine's services. It is safe for
// concurrent use.
type API struct {
	cat           *catalog.Service
	accounts      *account.Service
	carts         *cart.Service
	orders        *order.Service
	board         *board.Service
	webhooks      *webhook.Service
	log           *slog.Logger
	ready         func(context.Context) error
	timeout       time.Duration
	static        fs.FS
	media         *media.Store
	maxUpload     int64
	uploadTimeout time.Duration
	providers     map[string]*social.Provider
	cookies       webauth.Cookies
	maxBody       int64
	clientIP      func(*http.Request) string
	origins       *http.CrossOriginProtection
	mux           *http.ServeMux
	handler       http.Handler
}

// New returns the API over svc. It panics if a service is missing, if two
// providers have the same name, or if a trusted origin is malformed.
func New(svc Services, opts *Options) *API {
	switch {
	case svc.Catalog == nil:
		panic("api: nil catalog.Service")
	case svc.Accounts == nil:
		panic("api: nil account.Service")
	case svc.Carts == nil:
		panic("api: nil cart.Service")
	case svc.Orders == nil:
		panic("api: nil order.Service")
	case svc.Board == nil:
		panic("api: nil board.Service")
	}
	if opts == nil {
		opts = &Options{}
	}
	a := &API{
		cat:           svc.Catalog,
		accounts:      svc.Accounts,
		carts:         svc.Carts,
		orders:        svc.Orders,
		board:         svc.Board,
		webhooks:      svc.Webhooks,
		log:           opts.Logger,
		ready:         opts.Ready,
		timeout:       opts.RequestTimeout,
		static:        opts.Static,
		media:         svc.Catalog.Media(),
		maxUpload:     opts.MaxUploadBytes,
		uploadTimeout: opts.UploadTimeout,
		providers:     make(map[string]*social.Provider, len(opts.Providers)),
		cookies:       webauth.Cookies{Secure: opts.SecureCookies},
		maxBody:       opts.MaxBodyBytes,
		clientIP:      opts.ClientIP,
		origins:       http.NewCrossOriginProtection(),
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.timeout <= 0 {
		a.timeout = DefaultRequestTimeout
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	if a.uploadTimeout <= 0 {
		a.uploadTimeout = DefaultUploadTimeout
	}
	if a.maxUpload <= 0 {
		a.maxUpload = media.MaxBytes + 64<<10
	}
	if a.clientIP == nil {
		a.clientIP = web.RemoteIP
	}
	for _, p := range opts.Providers {
		if _, dup := a.providers[p.Name()]; dup {
			panic("api: two providers named " + p.Name())
		}
		a.providers[p.Name()] = p
	}
	for _, o := range opts.TrustedOrigins {
		if err := a.origins.AddTrustedOrigin(o); err != nil {
			panic("api: Options.TrustedOrigins: " + err.Error())
		}
	}

	a.mux = http.NewServeMux()
	for pattern, h := range a.routes() {
		a.mux.Handle(pattern, h)
	}
	a.handler = a.Middleware(http.HandlerFunc(a.route))
	return a
}

// Routes returns every route of the API by http.ServeMux pattern ("GET
// /api/products/{id}"), each wrapped in Authenticate or
// AuthenticateForSignIn as it needs, for mounting on another router: the
// map is the API's own route table, and a new copy each call. The handlers
// read path values with r.PathValue: a router that does not fill them in
// (Go 1.22+ routers such as chi v5.1 do) must call r.SetPathValue first.
// Wrap the routes in Middleware, or in Headers and Timeout beside the
// router's own logging and recovery.
func (a *API) Routes() map[string]http.Handler { return a.routes() }

// routes builds the route table.
func (a *API) routes() map[string]http.Handler {
	routes := make(map[string]http.Handler)
	// Routes that a signed-in user may call with a token: one whose
	// session has ended is refused (401).
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /api/products":         a.ListProducts,
		"GET /api/products/{id}":    a.GetProduct,
		"POST /api/products":        a.CreateProduct,
		"PATCH /api/products/{id}":  a.UpdateProduct,
		"DELETE /api/products/{id}": a.DeleteProduct,
		"GET /api/brands":           a.ListBrands,
		"GET /api/brands/{id}":      a.GetBrand,
		"POST /api/brands":          a.CreateBrand,
		"PATCH /api/brands/{id}":    a.UpdateBrand,
		"DELETE /api/brands/{id}":   a.DeleteBrand,
		"GET /api/problems":         a.ListProblems,
		"GET /api/problems/{id}":    a.GetProblem,
		"POST /api/problems":        a.CreateProblem,
		"PATCH /api/problems/{id}":  a.UpdateProblem,
		"DELETE /api/problems/{id}": a.DeleteProblem,
		"GET /api/search/suggest":   a.Suggest,
		"POST /api/media":           a.UploadMedia,
		"GET /api/me":               a.Me,
		"PATCH /api/me":             a.UpdateMe,
		"POST /api/me/password":     a.ChangePassword,

		"GET /api/cart":                       a.GetCart,
		"POST /api/cart/items":                a.AddToCart,
		"PUT /api/cart/items/{product_id}":    a.SetCartQuantity,
		"DELETE /api/cart/items/{product_id}": a.RemoveFromCart,

		"GET /api/addresses":           a.ListAddresses,
		"POST /api/addresses":          a.CreateAddress,
		"DELETE /api/addresses/{id}":   a.DeleteAddress,
		"POST /api/orders":             a.Checkout,
		"GET /api/orders":              a.ListOrders,
		"GET /api/orders/{id}":         a.GetOrder,
		"POST /api/orders/{id}/cancel": a.CancelOrder,
		"POST /api/orders/{id}/status": a.SetOrderStatus,
		"GET /api/admin/orders":        a.ListAllOrders,

		"GET /api/posts":         a.ListPosts,
		"GET /api/posts/{id}":    a.GetPost,
		"POST /api/posts":        a.CreatePost,
		"PATCH /api/posts/{id}":  a.UpdatePost,
		"DELETE /api/posts/{id}": a.DeletePost,

		// Without Services.Webhooks these answer 404, but they are routes
		// all the same, so that every router mounts the same table.
		"GET /api/admin/webhooks":                 a.ListWebhooks,
		"POST /api/admin/webhooks":                a.CreateWebhook,
		"GET /api/admin/webhooks/{id}":            a.GetWebhook,
		"PATCH /api/admin/webhooks/{id}":          a.UpdateWebhook,
		"DELETE /api/admin/webhooks/{id}":         a.DeleteWebhook,
		"POST /api/admin/webhooks/{id}/secret":    a.RotateWebhookSecret,
		"GET /api/admin/webhooks/{id}/deliveries": a.ListWebhookDeliveries,
	} {
		routes[pattern] = a.Authenticate(h)
	}
	// Routes that start or end a session: a token whose session has ended
	// counts as none, so that a client holding a stale one can sign in.
	for pattern, h := range map[string]http.HandlerFunc{
		"POST /api/accounts":            a.SignUp,
		"POST /api/session":             a.SignIn,
		"DELETE /api/session":           a.SignOut,
		"GET /auth/{provider}/login":    a.SocialLogin,
		"GET /auth/{provider}/callback": a.SocialCallback,
	} {
		routes[pattern] = a.AuthenticateForSignIn(h)
	}
	// Routes that need no one's identity.
	routes["GET /healthz"] = http.HandlerFunc(a.Healthz)
	routes["GET /readyz"] = http.HandlerFunc(a.Readyz)
	routes["GET /api/openapi.json"] = http.HandlerFunc(a.OpenAPI)
	routes["GET "+catalog.DefaultPlaceholderImage] = http.HandlerFunc(a.Placeholder)
	if a.static != nil {
		routes["GET /static/{path...}"] = http.HandlerFunc(a.Static)
	}
	return routes
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
	if web.Allowed(a.mux, r) != "" {
		a.MethodNotAllowed(w, r)
		return
	}
	a.NotFound(w, r)
}

// MethodNotAllowed answers 405 with a problem document and the Allow
// header, which it takes from the API's own routes: for a request whose
// path is a route of the API but whose method is not.
func (a *API) MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allow := web.Allowed(a.mux, r)
	if allow == "" {
		allow = w.Header().Get("Allow")
	}
	w.Header().Set("Allow", allow)
	a.writeProblem(w, r, problemDoc{
		Status: http.StatusMethodNotAllowed,
		Detail: r.Method + " is not allowed here; allowed: " + allow,
	})
}

// NotFound answers 404 with a problem document, for a request that no
// route matches.
func (a *API) NotFound(w http.ResponseWriter, r *http.Request) {
	a.writeProblem(w, r, problemDoc{Status: http.StatusNotFound, Detail: "no such route: " + r.URL.Path})
}

// Paths are the parts of the URL space that the API owns: every route of
// the API is under one of them. A path ending in "/" is a prefix; the
// others are whole paths. A server that mounts the API beside other
// handlers sends these to it (examples/server's handler does).
var Paths = []string{"/api/", "/auth/", "/static/", "/healthz", "/readyz"}

// Owns reports whether path is in the API's part of the URL space (Paths):
// under one of its prefixes, one of its whole paths, or a prefix without
// its slash ("/api"), which http.ServeMux redirects to the prefix. On
// another router, a request there that no route takes gets the API's
// problem documents (NotFound, MethodNotAllowed) rather than a page.
func Owns(path string) bool {
	for _, p := range Paths {
		if path == p || path+"/" == p || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
