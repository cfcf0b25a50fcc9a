// Package shop assembles the reference shop that the example servers
// serve: the engine's services configured as the shop uses them (its
// currency, its payment providers, a guest's cart joining the customer's
// at sign-in), over storage of the caller's choice, and the demo catalog
// and notice board.
//
// The reference server (examples/server) and the router examples
// (examples/chi, examples/gin, examples/echo) all build their shop here,
// so that they serve one and the same shop and differ only in how they
// mount it.
package shop

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"go.opentelemetry.io/otel/metric"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/media/mediaurl"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/webhook"
)

// Currency is the currency the shop sells in: the catalog refuses prices
// in another, and carts and orders sum in it.
const Currency = "KRW"

// Storage is what the shop stores in.
type Storage struct {
	Catalog  catalog.Repository
	Users    account.Repository
	Carts    cart.Repository
	Orders   order.Repository
	Tx       order.Transactor
	Board    board.Repository
	Sessions account.SessionStore
	Attempts account.AttemptStore
	// Lock runs the demo's loading once across the instances that share
	// the storage.
	Lock demo.Locker
	// Outbox holds the events that the writes store (see package outbox);
	// the server's relay sends them.
	Outbox outbox.Store
	// Webhooks keeps staff's webhook endpoints and their deliveries.
	Webhooks webhook.Repository
}

// Memory returns storage in one new memstore.Store, and the store itself
// (whose Ping reports readiness).
func Memory() (Storage, *memstore.Store) {
	s := memstore.New(nil)
	return Storage{
		Catalog: s.Catalog(), Users: s.Accounts(), Carts: s.Carts(), Orders: s.Orders(),
		Tx: s.Transactor(), Board: s.Board(), Sessions: s.Sessions(), Attempts: s.Attempts(), Lock: s,
		Outbox: s.Outbox(), Webhooks: s.Webhooks(),
	}, s
}

// Options configure the services. Images is required.
type Options struct {
	// Images is the bucket of uploaded images.
	Images *media.Store
	// Hasher hashes new passwords. Default: account.NewHasher(nil).
	Hasher *account.Hasher
	// MaxClientSignUps is account.Options.MaxClientSignUps. Default:
	// account's.
	MaxClientSignUps int
	// Logger receives the account service's warnings and the webhooks'
	// failures. Default: slog.Default().
	Logger *slog.Logger
	// WebhooksAllowPrivate lets webhook endpoints use http and private,
	// loopback and link-local addresses (webhook.Options.AllowPrivate):
	// for tests and shops whose endpoints are inside their own network.
	WebhooksAllowPrivate bool
	// MeterProvider receives the counters of the order and account
	// services (checkouts, out-of-stock refusals, refused sign-ins; see
	// order.Options.MeterProvider and account.Options.MeterProvider).
	// Default: the global provider of package otel, which records nothing
	// until an application sets one.
	MeterProvider metric.MeterProvider
}

// Services are the engine's services of the shop.
type Services struct {
	Catalog  *catalog.Service
	Accounts *account.Service
	Carts    *cart.Service
	Orders   *order.Service
	Board    *board.Service
	Webhooks *webhook.Service
}

// EventTypes are the types of every event the shop's services store, which
// webhook endpoints may subscribe to.
var EventTypes = []string{
	account.EventUserSignedUp,
	catalog.EventProductCreated, catalog.EventProductUpdated, catalog.EventProductDeleted, catalog.EventProductOutOfStock,
	order.EventOrderPlaced, order.EventOrderPaid, order.EventOrderShipped, order.EventOrderDelivered, order.EventOrderCancelled,
	board.EventPostPublished,
}

// New returns the shop's services over st.
func New(st Storage, opts Options) Services {
	if opts.Images == nil {
		panic("shop: nil Options.Images")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cat := catalog.NewService(st.Catalog, &catalog.Options{Media: opts.Images, Currency: Currency})
	carts := cart.NewService(st.Carts, st.Catalog, &cart.Options{Currency: Currency})
	accounts := account.NewService(st.Users, st.Sessions, st.Attempts, &account.Options{
		Hasher:           opts.Hasher,
		MaxClientSignUps: opts.MaxClientSignUps,
		// Names the users whose stored hash cannot be read, once each.
		Logger: opts.Logger,
		// A guest's cart joins the customer's at sign-in, before the
		// guest session ends.
		GuestCarts:    carts,
		MeterProvider: opts.MeterProvider,
	})
	hooks, err := webhook.NewService(st.Webhooks, &webhook.Options{
		EventTypes:   EventTypes,
		Logger:       opts.Logger,
		AllowHTTP:    opts.WebhooksAllowPrivate,
		AllowPrivate: opts.WebhooksAllowPrivate,
	})
	if err != nil {
		// The options are this package's own: an error is a bug here.
		panic("shop: " + err.Error())
	}
	return Services{
		Catalog:  cat,
		Accounts: accounts,
		Carts:    carts,
		Orders: order.NewService(st.Orders, st.Tx, &order.Options{Payments: Payments(), Currency: Currency,
			MeterProvider: opts.MeterProvider}),
		Board:    board.NewService(st.Board, nil),
		Webhooks: hooks,
	}
}

// Relay returns the relay of st's outbox: it publishes every event to pub,
// when not nil (a broker's topic, outbox/broker), and to the webhooks'
// deliveries, which svc's dispatchers send.
func Relay(st Storage, svc Services, pub outbox.Publisher, log *slog.Logger) (*outbox.Relay, error) {
	return outbox.NewRelay(st.Outbox, outbox.Fanout(pub, svc.Webhooks.Publisher()), &outbox.RelayOptions{Logger: log})
}

// API returns the services as the JSON API takes them.
func (s Services) API() api.Services {
	return api.Services{Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board,
		Webhooks: s.Webhooks}
}

// Storefront returns the services as the storefront takes them.
func (s Services) Storefront() storefront.Services {
	return storefront.Services{Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board, Webhooks: s.Webhooks}
}

// Payments are the shop's payment providers: cards and mobile payments go
// through one fake provider that pays at once (no money moves: replace it
// with a real provider to sell), bank transfers stay pending until staff
// mark the order paid.
func Payments() map[order.PaymentMethod]order.PaymentProvider {
	fake := &order.FakeCardProvider{}
	return map[order.PaymentMethod]order.PaymentProvider{
		order.Card:         fake,
		order.Mobile:       fake,
		order.BankTransfer: order.ManualProvider{},
	}
}

// LoadDemoCatalog loads the demo catalog unless the catalog has content,
// under st.Lock, through the catalog service, which validates it like any
// staff write.
func LoadDemoCatalog(ctx context.Context, st Storage, svc Services) error {
	return demo.Load(ctx, st.Lock, svc.Catalog, commerce.StaffActor(commerce.NewID()))
}

// DemoAuthor is the username of the staff account that signs the demo
// notices when no staff account is given.
const DemoAuthor = "museum"

// LoadDemoBoard posts the demo notices unless the board has posts, under
// st.Lock (see demo.LoadBoard), so that of several instances that start
// together one posts them and makes their author. The author is staff
// when it is not nil, else the account DemoAuthor, made staff with a
// random password that nobody learns. A customer who took that username
// is never made staff: the board then stays empty, with a warning in log.
func LoadDemoBoard(ctx context.Context, st Storage, svc Services, staff *account.Account, log *slog.Logger) error {
	return demo.LoadBoard(ctx, st.Lock, svc.Board, func(ctx context.Context) (commerce.Actor, error) {
		return demoNoticesAuthor(ctx, svc.Accounts, st.Users, staff, log)
	})
}

func demoNoticesAuthor(ctx context.Context, accounts *account.Service, users account.Repository,
	staff *account.Account, log *slog.Logger) (commerce.Actor, error) {
	if staff != nil {
		return commerce.StaffActor(staff.ID), nil
	}
	u, err := users.GetUserByUsername(ctx, DemoAuthor)
	switch {
	case err == nil && u.Staff:
	case err == nil:
		log.Warn("the demo board is not loaded: its author's username belongs to a customer; "+
			"name a staff account in COMMERCE_BOOTSTRAP_STAFF", "username", DemoAuthor)
		return commerce.Anonymous, nil
	case errors.Is(err, account.ErrUserNotFound):
		// The password is never shown or logged: nobody signs in as the
		// demo's author.
		acct, err := accounts.BootstrapStaff(ctx, DemoAuthor, rand.Text()+rand.Text())
		if err != nil {
			return commerce.Anonymous, fmt.Errorf("staff account %q: %w", DemoAuthor, err)
		}
		log.Info("staff account made to sign the demo notices; nobody knows its password", "username", DemoAuthor)
		u.ID = acct.ID
	default:
		return commerce.Anonymous, err
	}
	return commerce.StaffActor(u.ID), nil
}

// Demo is the demo shop in memory, as the router examples serve it: the
// JSON API, the storefront and the bucket of uploaded images, over the
// demo catalog and notice board.
type Demo struct {
	Services   Services
	API        *api.API
	Storefront *storefront.Storefront
	// Images serves the uploaded images under Images.Prefix().
	Images *media.Store

	relay *outbox.Relay
}

// Run sends the demo's events to the webhooks that staff register, until
// ctx ends: the outbox's relay and a dispatcher of the deliveries. Without
// it, the events stay in the outbox.
func (d *Demo) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { d.relay.Run(ctx) })
	wg.Go(func() { d.Services.Webhooks.Dispatcher().Run(ctx) })
	wg.Wait()
}

// OpenDemo returns the demo shop in memory, its images in a mem://
// bucket, logging to log. Close the Images store when done.
func OpenDemo(ctx context.Context, log *slog.Logger) (*Demo, error) {
	images, err := mediaurl.Open(ctx, "mem://", nil)
	if err != nil {
		return nil, fmt.Errorf("opening the bucket of images: %w", err)
	}
	st, mem := Memory()
	svc := New(st, Options{Images: images, Logger: log})
	if err := LoadDemoCatalog(ctx, st, svc); err != nil {
		images.Close()
		return nil, fmt.Errorf("loading the demo catalog: %w", err)
	}
	if err := LoadDemoBoard(ctx, st, svc, nil, log); err != nil {
		images.Close()
		return nil, fmt.Errorf("loading the demo board: %w", err)
	}
	relay, err := Relay(st, svc, nil, log)
	if err != nil {
		images.Close()
		return nil, err
	}
	return &Demo{
		relay:      relay,
		Services:   svc,
		API:        api.New(svc.API(), &api.Options{Logger: log, Ready: mem.Ping, Static: demo.Images()}),
		Storefront: storefront.New(svc.Storefront(), &storefront.Options{Logger: log}),
		Images:     images,
	}, nil
}
