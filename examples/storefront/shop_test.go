package storefront_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// shop is a storefront with the demo catalog, served on a local port, and
// the services behind it, for tests to arrange what a page shows.
type shop struct {
	t        testing.TB
	URL      string
	Catalog  *catalog.Service
	Accounts *account.Service
	Carts    *cart.Service
	Orders   *order.Service
	Board    *board.Service
	// Staff is a staff member's actor; StaffName and StaffPassword sign
	// them in.
	Staff         commerce.Actor
	StaffName     string
	StaffPassword string
	Handler       http.Handler
	// catalogRepo is the catalog's storage, for a test that needs another
	// catalog service over it.
	catalogRepo catalog.Repository
}

// backend is where a shop stores: "memory", or "mysql" (MariaDB for the
// catalog, orders and board; Redis for sessions).
type backend string

const (
	memory backend = "memory"
	mysql  backend = "mysql"
)

// backends are the storage setups every page test runs on.
var backends = []backend{memory, mysql}

// newShop starts a shop on memstore with the demo catalog and a staff
// account, served over a real local HTTP server.
func newShop(t testing.TB) *shop { return newShopOn(t, memory) }

// newShopOn is newShop on the given backend. mysql needs MariaDB and Redis
// (COMMERCE_MYSQL_DSN, COMMERCE_REDIS_URL): without them the test skips,
// except under CI=true.
func newShopOn(t testing.TB, b backend) *shop {
	t.Helper()
	ctx := context.Background()
	var (
		catRepo  catalog.Repository
		users    account.Repository
		carts    cart.Repository
		orders   order.Repository
		tx       order.Transactor
		posts    board.Repository
		sessions account.SessionStore
		attempts account.AttemptStore
		lock     demo.Locker
	)
	switch b {
	case memory:
		m := memstore.New(nil)
		catRepo, users, carts, orders, tx, posts = m.Catalog(), m.Accounts(), m.Carts(), m.Orders(), m.Transactor(), m.Board()
		sessions, attempts, lock = m.Sessions(), m.Attempts(), m
	case mysql:
		db, err := bunstore.Open(testdb.MySQLDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		st, err := bunstore.New(ctx, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		catRepo, users, carts, orders, tx, posts = st.Catalog(), st.Accounts(), st.Carts(), st.Orders(), st.Transactor(), st.Board()
		lock = st
		redisURL, prefix := testdb.RedisURL(t)
		rdb, err := redisstore.NewClient(redisURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		rs := redisstore.New(rdb, &redisstore.Options{Prefix: prefix})
		sessions, attempts = rs.Sessions(), rs.Attempts()
	}
	s := &shop{t: t, catalogRepo: catRepo}
	s.Catalog = catalog.NewService(catRepo, nil)
	if err := demo.Load(ctx, lock, s.Catalog, commerce.StaffActor(commerce.NewID())); err != nil {
		t.Fatal(err)
	}
	s.Carts = cart.NewService(carts, catRepo, nil)
	s.Accounts = account.NewService(users, sessions, attempts, &account.Options{
		// A low work factor keeps sign-ups fast in tests.
		Hasher:     account.NewHasher(&account.HasherOptions{Iterations: 1000}),
		GuestCarts: s.Carts,
	})
	s.Orders = order.NewService(orders, tx, &order.Options{Payments: map[order.PaymentMethod]order.PaymentProvider{
		order.Card:         &order.FakeCardProvider{},
		order.Mobile:       &order.FakeCardProvider{},
		order.BankTransfer: order.ManualProvider{},
	}})
	s.Board = board.NewService(posts, nil)
	s.StaffName, s.StaffPassword = "museum-staff", "staff-Orbit-4812"
	acct, err := s.Accounts.BootstrapStaff(ctx, s.StaffName, s.StaffPassword)
	if err != nil {
		t.Fatal(err)
	}
	s.Staff = commerce.StaffActor(acct.ID)
	author := func(context.Context) (commerce.Actor, error) { return s.Staff, nil }
	if err := demo.LoadBoard(ctx, lock, s.Board, author); err != nil {
		t.Fatal(err)
	}
	front := storefront.New(storefront.Services{
		Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board,
	}, &storefront.Options{Logger: discardLogger()})
	s.Handler = front.Handler()
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// product returns the demo product named name.
func (s *shop) product(name string) catalog.Product {
	s.t.Helper()
	page, err := s.Catalog.Products(context.Background(), catalog.ProductFilter{Query: name, Limit: 100})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, p := range page.Items {
		if p.Name == name {
			return p
		}
	}
	s.t.Fatalf("no demo product %q", name)
	return catalog.Product{}
}

// client is a browser without JavaScript: it keeps cookies, and does not
// follow redirects on its own, so that tests see each 303.
type client struct {
	t    testing.TB
	shop *shop
	http *http.Client
}

// client returns a new browser of the shop, with no cookies.
func (s *shop) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, shop: s, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is an answer: its status, where it redirects, and its body.
type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

// get GETs path.
func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.shop.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post submits a form to path as the shop's own pages do (same origin).
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.shop.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.shop.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(b), Header: res.Header}
}

// follow GETs where p redirects to, and returns that page.
func (c *client) follow(p page) page {
	c.t.Helper()
	if p.Status != http.StatusSeeOther && p.Status != http.StatusFound {
		c.t.Fatalf("got %d, want a redirect; body:\n%s", p.Status, p.Body)
	}
	return c.get(p.Location)
}

// signUp signs the client up (and so in) as username, through the form,
// and returns the account.
func (c *client) signUp(username string) account.Account {
	c.t.Helper()
	p := c.post("/accounts/signup", url.Values{
		"username": {username}, "password": {"tangerine-Orbit-42"}, "password_confirm": {"tangerine-Orbit-42"},
		"nickname": {username + "님"}, "email": {username + "@example.com"},
	})
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("sign-up: got %d, want 303; body:\n%s", p.Status, p.Body)
	}
	token := c.cookie(storefrontCookie)
	actor, _, err := c.shop.Accounts.Authenticate(context.Background(), token)
	if err != nil {
		c.t.Fatal(err)
	}
	acct, err := c.shop.Accounts.Account(context.Background(), actor)
	if err != nil {
		c.t.Fatal(err)
	}
	return acct
}

// signInAsStaff signs the client in as the shop's staff member.
func (c *client) signInAsStaff() {
	c.t.Helper()
	p := c.post("/accounts/login", url.Values{"username": {c.shop.StaffName}, "password": {c.shop.StaffPassword}})
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("staff sign-in: got %d, want 303; body:\n%s", p.Status, p.Body)
	}
}

// storefrontCookie is the session cookie's name.
const storefrontCookie = "session"

// cookie returns the value of the client's cookie name, or "".
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.shop.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

var cartCount = regexp.MustCompile(`장바구니 <span class="count">(\d+)</span>`)

// cartCountOf returns the number the header's cart link shows on body.
func cartCountOf(t *testing.T, body string) string {
	t.Helper()
	m := cartCount.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no cart link in the header:\n%s", body)
	}
	return m[1]
}

// guestActor is the actor of a guest session.
func guestActor(sessionID string) commerce.Actor { return commerce.Actor{SessionID: sessionID} }
