package storefront

import (
	"embed"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
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

// DefaultMaxFormBytes is the largest form accepted unless
// Options.MaxFormBytes says otherwise: 64 KiB, far above any form of the
// shop (a notice's body is the longest field).
const DefaultMaxFormBytes = 64 << 10

// DefaultMaxUploadBytes is the largest staff form with files accepted
// unless Options.MaxUploadBytes says otherwise: room for eight photos of
// media.MaxBytes.
const DefaultMaxUploadBytes = 8*media.MaxBytes + 1<<20

// DefaultUploadTimeout bounds a staff form with files unless
// Options.UploadTimeout says otherwise: eight photos of a few MB over a
// phone's connection, and the time to store them.
const DefaultUploadTimeout = 5 * time.Minute

// DefaultShopName is the name in the header unless Options.ShopName says
// otherwise.
const DefaultShopName = "임팩트뮤지엄"

// Services are the engine's services the storefront renders. All are
// required but Webhooks.
type Services struct {
	Catalog *catalog.Service
	// Accounts should merge a guest's cart into the customer's at sign-in:
	// give it account.Options.GuestCarts = Carts, as the reference server
	// does.
	Accounts *account.Service
	Carts    *cart.Service
	Orders   *order.Service
	Board    *board.Service
	// Webhooks, when not nil, gives staff the pages of the shop's webhook
	// endpoints under /staff/webhooks. Without it those pages answer 404
	// and the staff home does not link them.
	Webhooks *webhook.Service
}

// Options configure a storefront. The zero value, or nil, gives the
// defaults.
type Options struct {
	// Logger receives the request log and the causes of 5xx pages.
	// Default: slog.Default().
	Logger *slog.Logger
	// RequestTimeout bounds the context of each request. Default:
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// ShopName is shown in the header and the titles. Default:
	// DefaultShopName.
	ShopName string
	// Providers are the external sign-in providers whose buttons the
	// sign-in and sign-up pages show, linking to /auth/{name}/login: the
	// JSON API serves those routes (api.Options.Providers). Default: none.
	Providers []*social.Provider
	// SecureCookies marks every cookie Secure, as api.Options.SecureCookies
	// does. Default: false.
	SecureCookies bool
	// MaxFormBytes is the largest form body accepted; larger ones get 413.
	// Default: DefaultMaxFormBytes.
	MaxFormBytes int64
	// ClientIP returns the address that failed sign-ins and sign-ups are
	// counted against, as api.Options.ClientIP. Default: the host of
	// RemoteAddr.
	ClientIP func(r *http.Request) string
	// Location is the time zone of the dates shown. Default: Korea
	// Standard Time (UTC+9, no daylight saving).
	Location *time.Location
	// UploadTimeout bounds a staff form with files: reading it over a slow
	// connection and storing the images. Default: DefaultUploadTimeout.
	UploadTimeout time.Duration
	// MaxUploadBytes is the largest staff form with files accepted (a
	// product's photos); larger ones get 413. Default:
	// DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// Templates replaces the embedded templates: a file system with the
	// same file names as the package's templates directory. Default: the
	// embedded ones.
	Templates fs.FS
	// Assets replaces the embedded stylesheet, script and images served
	// under /assets/. Default: the embedded ones.
	Assets fs.FS
}

//go:embed templates/*.html
var embeddedTemplates embed.FS

//go:embed assets
var embeddedAssets embed.FS

// Storefront is the shop's pages over the engine's services. It is safe
// for concurrent use.
type Storefront struct {
	cat           *catalog.Service
	accounts      *account.Service
	carts         *cart.Service
	orders        *order.Service
	board         *board.Service
	webhooks      *webhook.Service
	log           *slog.Logger
	timeout       time.Duration
	shopName      string
	providers     []provider
	cookies       webauth.Cookies
	maxForm       int64
	maxUpload     int64
	uploadTimeout time.Duration
	media         *media.Store
	clientIP      func(*http.Request) string
	loc           *time.Location
	origins       *http.CrossOriginProtection
	pages         map[string]*pageTemplate
	assets        *assetServer
	mux           *http.ServeMux
	handler       http.Handler
}

// provider is an external sign-in button.
type provider struct {
	Name  string // "google", "kakao"
	Label string // "Google로 로그인"
}

// providerLabels are the buttons' words, as Korean shops write them.
var providerLabels = map[string]string{"google": "Google로 로그인", "kakao": "카카오 로그인"}

// New returns the storefront over svc. It panics if a service is missing
// or a template does not parse.
func New(svc Services, opts *Options) *Storefront {
	switch {
	case svc.Catalog == nil:
		panic("storefront: nil catalog.Service")
	case svc.Accounts == nil:
		panic("storefront: nil account.Service")
	case svc.Carts == nil:
		panic("storefront: nil cart.Service")
	case svc.Orders == nil:
		panic("storefront: nil order.Service")
	case svc.Board == nil:
		panic("storefront: nil board.Service")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Storefront{
		cat:           svc.Catalog,
		accounts:      svc.Accounts,
		carts:         svc.Carts,
		orders:        svc.Orders,
		board:         svc.Board,
		webhooks:      svc.Webhooks,
		log:           opts.Logger,
		timeout:       opts.RequestTimeout,
		shopName:      opts.ShopName,
		cookies:       webauth.Cookies{Secure: opts.SecureCookies},
		maxForm:       opts.MaxFormBytes,
		maxUpload:     opts.MaxUploadBytes,
		uploadTimeout: opts.UploadTimeout,
		// Staff upload images through the catalog, and the pages describe
		// the stored ones with its store, if it has one.
		media:    svc.Catalog.Media(),
		clientIP: opts.ClientIP,
		loc:      opts.Location,
		origins:  http.NewCrossOriginProtection(),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.timeout <= 0 {
		s.timeout = DefaultRequestTimeout
	}
	if s.shopName == "" {
		s.shopName = DefaultShopName
	}
	if s.maxForm <= 0 {
		s.maxForm = DefaultMaxFormBytes
	}
	if s.uploadTimeout <= 0 {
		s.uploadTimeout = DefaultUploadTimeout
	}
	if s.maxUpload <= 0 {
		s.maxUpload = DefaultMaxUploadBytes
	}
	if s.clientIP == nil {
		s.clientIP = web.RemoteIP
	}
	if s.loc == nil {
		s.loc = time.FixedZone("KST", 9*60*60)
	}
	for _, p := range opts.Providers {
		label := providerLabels[p.Name()]
		if label == "" {
			label = p.Name() + "로 로그인"
		}
		s.providers = append(s.providers, provider{Name: p.Name(), Label: label})
	}
	assets := opts.Assets
	if assets == nil {
		assets, _ = fs.Sub(embeddedAssets, "assets")
	}
	s.assets = newAssetServer(assets)
	templates := opts.Templates
	if templates == nil {
		templates, _ = fs.Sub(embeddedTemplates, "templates")
	}
	s.pages = mustParsePages(templates, s.funcs())

	s.mux = http.NewServeMux()
	for pattern, h := range s.routes() {
		s.mux.Handle(pattern, h)
	}
	s.handler = s.Middleware(http.HandlerFunc(s.route))
	return s
}

// routes are the storefront's pages and forms, by http.ServeMux pattern.
// Another router can mount the same handlers (see Routes).
func (s *Storefront) routes() map[string]http.HandlerFunc {
	routes := map[string]http.HandlerFunc{
		"GET /{$}":              s.Home,
		"GET /products/{id}":    s.Product,
		"GET /brands":           s.Brands,
		"GET /brands/{id}":      s.Brand,
		"GET /problems":         s.Problems,
		"GET /problems/{id}":    s.Problem,
		"GET /search/suggest":   s.Suggest,
		"GET /assets/{path...}": s.Asset,

		"GET /accounts/signup":  s.SignUpForm,
		"POST /accounts/signup": s.SignUp,
		"GET /accounts/login":   s.SignInForm,
		"POST /accounts/login":  s.SignIn,
		"POST /accounts/logout": s.SignOut,

		"GET /mypage":                        s.MyPage,
		"POST /mypage/profile":               s.UpdateProfile,
		"POST /mypage/password":              s.ChangePassword,
		"POST /mypage/addresses":             s.AddAddress,
		"POST /mypage/addresses/{id}/delete": s.DeleteAddress,

		"GET /cart":                            s.Cart,
		"POST /cart/items":                     s.AddToCart,
		"POST /cart/items/{product_id}":        s.SetCartQuantity,
		"POST /cart/items/{product_id}/delete": s.RemoveFromCart,
		"POST /cart/clear":                     s.ClearCart,
		"GET /checkout":                        s.CheckoutForm,
		"POST /checkout":                       s.Checkout,
		"GET /orders/{id}":                     s.Order,
		"POST /orders/{id}/cancel":             s.CancelOrder,

		"GET /board":              s.Board,
		"GET /board/{id}":         s.Post,
		"GET /board/new":          s.NewPostForm,
		"POST /board/new":         s.CreatePost,
		"GET /board/{id}/edit":    s.EditPostForm,
		"POST /board/{id}/edit":   s.UpdatePost,
		"POST /board/{id}/delete": s.DeletePost,
	}
	maps.Copy(routes, s.staffRoutes())
	return routes
}

// Routes returns every page and form of the storefront by
// http.ServeMux-style pattern ("GET /products/{id}"), each wrapped in
// Authenticate, for mounting on another router. The handlers read path
// values with r.PathValue: a router that does not fill them in (Go 1.22+
// routers such as chi v5.1 do) must call r.SetPathValue first. Wrap the
// whole router in Middleware.
func (s *Storefront) Routes() map[string]http.Handler {
	out := make(map[string]http.Handler)
	for pattern, h := range s.routes() {
		out[pattern] = s.Authenticate(h)
	}
	return out
}

// Handler returns the whole storefront: every page behind the middleware
// and authentication. Mount it at "/".
func (s *Storefront) Handler() http.Handler { return s.handler }

// ServeHTTP serves the storefront; see Handler.
func (s *Storefront) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// route serves r through the mux, authenticated; a request no route
// matches gets the shop's 404 or 405 page instead of the mux's plain text.
func (s *Storefront) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.Authenticate(s.mux).ServeHTTP(w, r)
		return
	}
	var next http.HandlerFunc = s.NotFound
	if web.Allowed(s.mux, r) != "" {
		next = s.MethodNotAllowed
	}
	s.Authenticate(next).ServeHTTP(w, r)
}

// NotFound answers the shop's 404 page.
func (s *Storefront) NotFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "")
}

// Authenticate finds who the request acts as from the session cookie the
// JSON API sets too (package webauth) and puts it in the request's
// context. A form posted from another origin is refused with a 403 page
// before anything else happens; a session store that does not answer gives
// the 503 page, never an anonymous pass.
func (s *Storefront) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.origins.Check(r); err != nil {
			s.render(w, r.WithContext(webauth.NewContext(r.Context(), webauth.Credentials{})),
				http.StatusForbidden, "error", errorView{
					Status:  http.StatusForbidden,
					Title:   "허용되지 않은 요청입니다",
					Message: "다른 사이트에서 보낸 양식은 받지 않습니다. 이 쇼핑몰의 페이지에서 다시 시도해 주세요.",
				})
			return
		}
		creds, err := s.cookies.FromCookie(w, r, s.accounts)
		if err != nil {
			s.fail(w, r.WithContext(webauth.NewContext(r.Context(), webauth.Credentials{})), err)
			return
		}
		next.ServeHTTP(w, webauth.WithCredentials(r, creds))
	})
}

// Middleware wraps next with what every page needs: security headers, a
// request log, panic recovery and a request timeout. Handler applies it
// already; use it around another router that mounts Routes, or use Headers
// and Timeout beside that router's own logging and recovery.
func (s *Storefront) Middleware(next http.Handler) http.Handler {
	logged := web.Logged(s.log, web.Timeouts{Request: s.timeout, Upload: s.uploadTimeout}, s.InternalError, next)
	return s.Headers(logged)
}

// Headers wraps next with the pages' security headers: nosniff, no
// framing, a same-origin referrer and the Content-Security-Policy.
// Middleware applies it.
func (s *Storefront) Headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		next.ServeHTTP(w, r)
	})
}

// Timeout bounds each request's context by Options.RequestTimeout, and an
// upload's by Options.UploadTimeout. Middleware applies it.
func (s *Storefront) Timeout(next http.Handler) http.Handler {
	return web.Timeout(web.Timeouts{Request: s.timeout, Upload: s.uploadTimeout}, next)
}

// InternalError answers the shop's 500 page, which says nothing of the
// cause: for a router's panic recovery, which has logged the cause
// already.
func (s *Storefront) InternalError(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusInternalServerError, "")
}

// MethodNotAllowed answers the shop's 405 page with the Allow header,
// which it takes from the storefront's own routes: for a request whose
// path is a page but whose method is not.
func (s *Storefront) MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if allow := web.Allowed(s.mux, r); allow != "" {
		w.Header().Set("Allow", allow)
	}
	s.errorPage(w, r, http.StatusMethodNotAllowed, "")
}

// contentSecurityPolicy allows the page's own stylesheet, script and
// images, product images from any http(s) origin (catalog images may be
// absolute URLs, which the catalog accepts with either scheme), and the
// script's requests to the shop (the search box's suggestions); no inline
// script or style, no framing, and forms post only to the shop.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' https: http: data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
