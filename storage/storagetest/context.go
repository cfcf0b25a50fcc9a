package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
)

// The cases of this file hold every adapter to one rule: a call whose
// context has ended — cancelled, or past its deadline — fails with an
// error that wraps both commerce.ErrUnavailable and the context's own
// error, changes nothing, and no service turns it into another kind (a
// missing record, a failed sign-in, invalid input).

// endedContext is a context that has ended, and the error it ended with.
type endedContext struct {
	name string
	ctx  context.Context
	want error
}

// endedContexts returns a cancelled context and one whose deadline has
// passed.
func endedContexts() []endedContext {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	cancel2()
	return []endedContext{
		{"Cancelled", cancelled, context.Canceled},
		{"DeadlinePassed", expired, context.DeadlineExceeded},
	}
}

// endedCall is one call made with an ended context.
type endedCall struct {
	name string
	fn   func(ctx context.Context) error
}

// wantEnded checks that err reports the end of a context whose error is
// want.
func wantEnded(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, commerce.ErrUnavailable) || !errors.Is(err, want) {
		t.Errorf("%s: got %v, want an error wrapping commerce.ErrUnavailable and %v", what, err, want)
	}
}

// callEnded makes each call with each ended context.
func callEnded(t *testing.T, calls []endedCall) {
	t.Helper()
	for _, e := range endedContexts() {
		for _, c := range calls {
			wantEnded(t, e.name+" "+c.name, c.fn(e.ctx), e.want)
		}
	}
}

// unchanged fails t if read returns anything but before: a call with an
// ended context must change nothing.
func unchanged[T any](t *testing.T, what string, before T, read func() (T, error)) {
	t.Helper()
	after, err := read()
	if err != nil {
		t.Fatalf("%s after the calls: %v", what, err)
	}
	if diff := cmp.Diff(before, after, moneyEqual); diff != "" {
		t.Errorf("%s changed after calls with an ended context (-before +after):\n%s", what, diff)
	}
}

func runContextTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Catalog", testEndedCatalog},
		{"Stock", testEndedStock},
		{"Accounts", testEndedAccounts},
		{"Sessions", testEndedSessions},
		{"Attempts", testEndedAttempts},
		{"AccountService", testEndedAccountService},
		{"Carts", testEndedCarts},
		{"Orders", testEndedOrders},
		{"Checkout", testEndedCheckout},
		{"EndsInTransaction", testContextEndsInTransaction},
		{"Board", testEndedBoard},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, h)
		})
	}
}

func testEndedCatalog(t *testing.T, h Harness) {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Catalog == nil {
		t.Skip("the adapter has no catalog repository")
	}
	repo, svc := stores.Catalog, catalog.NewService(stores.Catalog, nil)
	pr, err := svc.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "환경", ImageURL: "/media/problem.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	br, err := svc.CreateBrand(ctx, staff, catalog.BrandInput{Name: "초록상점", ProblemID: pr.ID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreateProduct(ctx, staff, catalog.ProductInput{
		Name: "유기농사과잼", Price: commerce.MustMoney("12000", "KRW"), BrandID: br.ID, Stock: intp(3),
	})
	if err != nil {
		t.Fatal(err)
	}
	if pr, err = repo.GetProblem(ctx, pr.ID); err != nil {
		t.Fatal(err)
	}
	if br, err = repo.GetBrand(ctx, br.ID); err != nil {
		t.Fatal(err)
	}
	if p, err = repo.GetProduct(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	edited := func() (catalog.Problem, catalog.Brand, catalog.Product) {
		pr2, br2, p2 := pr, br, p
		pr2.Name, pr2.Version = "바뀐 문제", pr.Version+1
		br2.Name, br2.Version = "바뀐 브랜드", br.Version+1
		p2.Name, p2.Version = "바뀐 상품", p.Version+1
		return pr2, br2, p2
	}
	fresh := func() (catalog.Problem, catalog.Brand, catalog.Product) {
		pr2, br2, p2 := edited()
		pr2.ID, br2.ID, p2.ID = commerce.NewID(), commerce.NewID(), commerce.NewID()
		pr2.Version, br2.Version, p2.Version = 1, 1, 1
		return pr2, br2, p2
	}
	callEnded(t, []endedCall{
		{"GetProblem", func(ctx context.Context) error { _, err := repo.GetProblem(ctx, pr.ID); return err }},
		{"ListProblems", func(ctx context.Context) error { _, err := repo.ListProblems(ctx); return err }},
		{"CreateProblem", func(ctx context.Context) error { pr2, _, _ := fresh(); return repo.CreateProblem(ctx, pr2) }},
		{"UpdateProblem", func(ctx context.Context) error {
			pr2, _, _ := edited()
			return repo.UpdateProblem(ctx, pr2, pr.Version)
		}},
		{"DeleteProblem", func(ctx context.Context) error { return repo.DeleteProblem(ctx, pr.ID) }},
		{"GetBrand", func(ctx context.Context) error { _, err := repo.GetBrand(ctx, br.ID); return err }},
		{"ListBrands", func(ctx context.Context) error {
			_, err := repo.ListBrands(ctx, catalog.BrandQuery{ProblemID: pr.ID, Limit: 10})
			return err
		}},
		{"CreateBrand", func(ctx context.Context) error { _, br2, _ := fresh(); return repo.CreateBrand(ctx, br2) }},
		{"UpdateBrand", func(ctx context.Context) error { _, br2, _ := edited(); return repo.UpdateBrand(ctx, br2, br.Version) }},
		{"DeleteBrand", func(ctx context.Context) error { return repo.DeleteBrand(ctx, br.ID) }},
		{"GetProduct", func(ctx context.Context) error { _, err := repo.GetProduct(ctx, p.ID); return err }},
		{"ListProducts", func(ctx context.Context) error {
			_, err := repo.ListProducts(ctx, catalog.ProductQuery{Limit: 10})
			return err
		}},
		{"ListProducts search", func(ctx context.Context) error {
			_, err := repo.ListProducts(ctx, catalog.ProductQuery{Search: catalog.MustParseSearch("사과"), Limit: 10})
			return err
		}},
		{"CreateProduct", func(ctx context.Context) error { _, _, p2 := fresh(); return repo.CreateProduct(ctx, p2) }},
		{"UpdateProduct", func(ctx context.Context) error { _, _, p2 := edited(); return repo.UpdateProduct(ctx, p2, p.Version) }},
		{"DeleteProduct", func(ctx context.Context) error { return repo.DeleteProduct(ctx, p.ID) }},
		{"ImageURLs", func(ctx context.Context) error {
			return repo.ImageURLs(ctx, "/media/", func(string) error { return nil })
		}},
		// The service passes the error on: a product it could not read is
		// not a missing one.
		{"Service.Product", func(ctx context.Context) error { _, err := svc.Product(ctx, p.ID); return err }},
		{"Service.Products", func(ctx context.Context) error {
			_, err := svc.Products(ctx, catalog.ProductFilter{Query: "사과"})
			return err
		}},
		{"Service.CreateProduct", func(ctx context.Context) error {
			_, err := svc.CreateProduct(ctx, staff, catalog.ProductInput{Name: "새 상품", Price: commerce.MustMoney("1000", "KRW"), BrandID: br.ID})
			return err
		}},
	})
	unchanged(t, "the problem", pr, func() (catalog.Problem, error) { return repo.GetProblem(ctx, pr.ID) })
	unchanged(t, "the brand", br, func() (catalog.Brand, error) { return repo.GetBrand(ctx, br.ID) })
	unchanged(t, "the product", p, func() (catalog.Product, error) { return repo.GetProduct(ctx, p.ID) })
	unchanged(t, "the products", []catalog.Product{p}, func() ([]catalog.Product, error) {
		return repo.ListProducts(ctx, catalog.ProductQuery{Limit: 10})
	})
}

func testEndedStock(t *testing.T, h Harness) {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Catalog == nil || stores.Stock == nil {
		t.Skip("the adapter has no catalog or stock repository")
	}
	f := &shopFixture{ctx: ctx, stores: stores, catalog: catalog.NewService(stores.Catalog, nil)}
	pr, err := f.catalog.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "환경"})
	if err != nil {
		t.Fatal(err)
	}
	if f.brand, err = f.catalog.CreateBrand(ctx, staff, catalog.BrandInput{Name: "초록상점", ProblemID: pr.ID}); err != nil {
		t.Fatal(err)
	}
	p := f.item(t, "사과잼", "12000", intp(5))
	if p, err = stores.Catalog.GetProduct(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	callEnded(t, []endedCall{
		{"TakeStock", func(ctx context.Context) error { return stores.Stock.TakeStock(ctx, p.ID, 1) }},
		{"ReturnStock", func(ctx context.Context) error { return stores.Stock.ReturnStock(ctx, p.ID, 1) }},
	})
	unchanged(t, "the product", p, func() (catalog.Product, error) { return stores.Catalog.GetProduct(ctx, p.ID) })
}

func testEndedAccounts(t *testing.T, h Harness) {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Accounts == nil {
		t.Skip("the adapter has no account repository")
	}
	repo := stores.Accounts
	now := commerce.Now()
	u := account.User{
		ID: commerce.NewID(), Username: "hana", Nickname: "하나", Email: "hana@example.com",
		Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	google := account.Identity{Provider: "google", Subject: "g-1", Email: "hana@example.com", CreatedAt: now}
	if err := repo.CreateUser(ctx, u, &google); err != nil {
		t.Fatal(err)
	}
	u, err := repo.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	other := account.User{
		ID: commerce.NewID(), Username: "dul", Nickname: "둘", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	callEnded(t, []endedCall{
		{"CreateUser", func(ctx context.Context) error { return repo.CreateUser(ctx, other, nil) }},
		{"GetUser", func(ctx context.Context) error { _, err := repo.GetUser(ctx, u.ID); return err }},
		{"GetUserByUsername", func(ctx context.Context) error { _, err := repo.GetUserByUsername(ctx, "hana"); return err }},
		{"FindTaken", func(ctx context.Context) error {
			_, err := repo.FindTaken(ctx, uuid.Nil, "hana", "하나", "hana@example.com")
			return err
		}},
		{"UpdateUser", func(ctx context.Context) error {
			next := u
			next.Nickname, next.Version = "바뀐닉", u.Version+1
			return repo.UpdateUser(ctx, next, u.Version)
		}},
		{"GetIdentity", func(ctx context.Context) error { _, err := repo.GetIdentity(ctx, "google", "g-1"); return err }},
		{"LinkIdentity", func(ctx context.Context) error {
			return repo.LinkIdentity(ctx, account.Identity{Provider: "kakao", Subject: "k-1", UserID: u.ID, CreatedAt: now})
		}},
		{"ListIdentities", func(ctx context.Context) error { _, err := repo.ListIdentities(ctx, u.ID); return err }},
		{"ListUsers", func(ctx context.Context) error {
			_, err := repo.ListUsers(ctx, account.UserQuery{Search: "hana", Limit: 10})
			return err
		}},
		{"GetUsers", func(ctx context.Context) error { _, err := repo.GetUsers(ctx, []uuid.UUID{u.ID}); return err }},
		{"ListIdentitiesOf", func(ctx context.Context) error {
			_, err := repo.ListIdentitiesOf(ctx, []uuid.UUID{u.ID})
			return err
		}},
	})
	unchanged(t, "the user", u, func() (account.User, error) { return repo.GetUser(ctx, u.ID) })
	unchanged(t, "the identities", []string{"google"}, func() ([]string, error) {
		ids, err := repo.ListIdentities(ctx, u.ID)
		var out []string
		for _, id := range ids {
			out = append(out, id.Provider)
		}
		return out, err
	})
	if _, err := repo.GetUser(ctx, other.ID); !errors.Is(err, account.ErrUserNotFound) {
		t.Errorf("GetUser of the user created with an ended context: got %v, want ErrUserNotFound", err)
	}
}

func testEndedSessions(t *testing.T, h Harness) {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Sessions == nil {
		t.Skip("the adapter has no session store")
	}
	store := stores.Sessions
	clock := stores.Now
	if clock == nil {
		clock = time.Now
	}
	userID := commerce.NewID()
	session := func() account.Session {
		now := clock().UTC().Truncate(time.Microsecond)
		return account.Session{
			ID: account.SessionID(commerce.NewID().String()), UserID: userID, CreatedAt: now, LastSeenAt: now,
			IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour),
		}
	}
	s := session()
	if err := store.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	callEnded(t, []endedCall{
		{"CreateSession", func(ctx context.Context) error { return store.CreateSession(ctx, session()) }},
		{"GetSession", func(ctx context.Context) error { _, err := store.GetSession(ctx, s.ID); return err }},
		{"TouchSession", func(ctx context.Context) error {
			return store.TouchSession(ctx, s.ID, s.LastSeenAt.Add(time.Minute), s.IdleExpiresAt.Add(time.Minute))
		}},
		{"DeleteSession", func(ctx context.Context) error { return store.DeleteSession(ctx, s.ID) }},
		{"DeleteUserSessions", func(ctx context.Context) error { return store.DeleteUserSessions(ctx, userID, "") }},
	})
	unchanged(t, "the session", s, func() (account.Session, error) { return store.GetSession(ctx, s.ID) })

	states, ok := store.(account.SignInStateStore)
	if !ok {
		return
	}
	key := "state-" + commerce.NewID().String()
	if err := states.PutSignInState(ctx, key, []byte("state"), time.Hour); err != nil {
		t.Fatal(err)
	}
	callEnded(t, []endedCall{
		{"PutSignInState", func(ctx context.Context) error {
			return states.PutSignInState(ctx, key, []byte("other"), time.Hour)
		}},
		{"TakeSignInState", func(ctx context.Context) error { _, _, err := states.TakeSignInState(ctx, key); return err }},
	})
	unchanged(t, "the sign-in state", "state", func() (string, error) {
		v, _, err := states.TakeSignInState(ctx, key)
		return string(v), err
	})
}

func testEndedAttempts(t *testing.T, h Harness) {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Attempts == nil {
		t.Skip("the adapter has no attempt store")
	}
	store := stores.Attempts
	key := "user:" + commerce.NewID().String()
	if _, _, err := store.AddFailure(ctx, key, time.Hour); err != nil {
		t.Fatal(err)
	}
	callEnded(t, []endedCall{
		{"AddFailure", func(ctx context.Context) error { _, _, err := store.AddFailure(ctx, key, time.Hour); return err }},
		{"Failures", func(ctx context.Context) error { _, _, err := store.Failures(ctx, key); return err }},
		{"ResetFailures", func(ctx context.Context) error { return store.ResetFailures(ctx, key) }},
	})
	unchanged(t, "the failure count", 1, func() (int, error) {
		n, _, err := store.Failures(ctx, key)
		return n, err
	})
}

// testEndedAccountService checks that the account service passes an ended
// context on: a session it could not read has not ended, and a sign-in it
// could not check has not failed.
func testEndedAccountService(t *testing.T, h Harness) {
	f := newAccountFixture(t, h, nil)
	res := f.signUp(t, "minjun")
	callEnded(t, []endedCall{
		{"Authenticate", func(ctx context.Context) error { _, _, err := f.svc.Authenticate(ctx, res.Token); return err }},
		{"SignIn", func(ctx context.Context) error {
			_, err := f.svc.SignIn(ctx, account.Credentials{Username: "minjun", Password: strongPassword}, "")
			return err
		}},
		{"SignIn with a wrong password", func(ctx context.Context) error {
			_, err := f.svc.SignIn(ctx, account.Credentials{Username: "minjun", Password: "wrong-password-1"}, "")
			return err
		}},
		{"Account", func(ctx context.Context) error {
			_, err := f.svc.Account(ctx, commerce.UserActor(res.Account.ID))
			return err
		}},
		{"SignOut", func(ctx context.Context) error { return f.svc.SignOut(ctx, res.Token) }},
	})
	if _, _, err := f.svc.Authenticate(f.ctx, res.Token); err != nil {
		t.Errorf("Authenticate after the calls: %v", err)
	}
}

func testEndedCarts(t *testing.T, h Harness) {
	f := newShopFixture(t, h)
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "녹차", "8000", nil)
	buyer := f.customer(t)
	if _, err := f.carts.Add(f.ctx, buyer, jam.ID, 2); err != nil {
		t.Fatal(err)
	}
	key := cart.UserKey(buyer.UserID)
	before, err := f.stores.Carts.Lines(f.ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	callEnded(t, []endedCall{
		{"Lines", func(ctx context.Context) error { _, err := f.stores.Carts.Lines(ctx, key); return err }},
		{"Update", func(ctx context.Context) error {
			return f.stores.Carts.Update(ctx, key, f.now(), func(q map[uuid.UUID]int) error {
				q[tea.ID] = 1
				return nil
			})
		}},
		// The service must not take a product it could not read for a
		// missing one.
		{"Service.Add", func(ctx context.Context) error { _, err := f.carts.Add(ctx, buyer, tea.ID, 1); return err }},
		{"Service.Cart", func(ctx context.Context) error { _, err := f.carts.Cart(ctx, buyer); return err }},
	})
	unchanged(t, "the cart", before, func() ([]cart.Line, error) { return f.stores.Carts.Lines(f.ctx, key) })
}

func testEndedOrders(t *testing.T, h Harness) {
	f := newOrderFixture(t, h)
	jam := f.item(t, "사과잼", "12000", intp(5))
	buyer := f.customer(t)
	o, err := f.orders.Checkout(f.ctx, buyer, buyNow(jam, 1, "ended-orders"))
	if err != nil {
		t.Fatal(err)
	}
	addr, err := f.orders.AddAddress(f.ctx, buyer, *seoul)
	if err != nil {
		t.Fatal(err)
	}
	repo := f.stores.Orders
	if o, err = repo.GetOrder(f.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	other := o
	other.ID, other.IdempotencyKey, other.Number = commerce.NewID(), "ended-orders-2", "19990101-00000001"
	callEnded(t, []endedCall{
		{"CreateOrder", func(ctx context.Context) error { return repo.CreateOrder(ctx, other) }},
		{"GetOrder", func(ctx context.Context) error { _, err := repo.GetOrder(ctx, o.ID); return err }},
		{"GetOrderByKey", func(ctx context.Context) error {
			_, err := repo.GetOrderByKey(ctx, buyer.UserID, o.IdempotencyKey)
			return err
		}},
		{"ListOrders", func(ctx context.Context) error {
			_, err := repo.ListOrders(ctx, order.Query{UserID: buyer.UserID, Limit: 10})
			return err
		}},
		{"SetStatus", func(ctx context.Context) error {
			return repo.SetStatus(ctx, o.ID, o.Status, order.Cancelled, f.now())
		}},
		{"CreateAddress", func(ctx context.Context) error {
			a := addr
			a.ID = commerce.NewID()
			return repo.CreateAddress(ctx, a)
		}},
		{"GetAddress", func(ctx context.Context) error { _, err := repo.GetAddress(ctx, addr.ID); return err }},
		{"ListAddresses", func(ctx context.Context) error { _, err := repo.ListAddresses(ctx, buyer.UserID); return err }},
		{"DeleteAddress", func(ctx context.Context) error { return repo.DeleteAddress(ctx, buyer.UserID, addr.ID) }},
		// An order the service could not read is not a missing one.
		{"Service.Order", func(ctx context.Context) error { _, err := f.orders.Order(ctx, buyer, o.ID); return err }},
		{"Service.Cancel", func(ctx context.Context) error { _, err := f.orders.Cancel(ctx, buyer, o.ID); return err }},
	})
	unchanged(t, "the order", o, func() (order.Order, error) { return repo.GetOrder(f.ctx, o.ID) })
	unchanged(t, "the address book", []uuid.UUID{addr.ID}, func() ([]uuid.UUID, error) {
		as, err := repo.ListAddresses(f.ctx, buyer.UserID)
		var ids []uuid.UUID
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		return ids, err
	})
}

// testEndedCheckout checks a checkout, and a transaction of the adapter,
// that starts with an ended context.
func testEndedCheckout(t *testing.T, h Harness) {
	f := newOrderFixture(t, h)
	jam := f.item(t, "사과잼", "12000", intp(5))
	buyer := f.customer(t)
	if _, err := f.carts.Add(f.ctx, buyer, jam.ID, 2); err != nil {
		t.Fatal(err)
	}
	callEnded(t, []endedCall{
		{"Checkout buy now", func(ctx context.Context) error {
			_, err := f.orders.Checkout(ctx, buyer, buyNow(jam, 1, "ended-buy-now"))
			return err
		}},
		{"Checkout the cart", func(ctx context.Context) error {
			_, err := f.orders.Checkout(ctx, buyer, fromCart("ended-cart"))
			return err
		}},
		{"InTx", func(ctx context.Context) error {
			return f.stores.Transactor.InTx(ctx, func(ctx context.Context, tx order.Tx) error {
				return tx.Stock().TakeStock(ctx, jam.ID, 1)
			})
		}},
	})
	if got := f.stock(t, jam); got == nil || *got != 5 {
		t.Errorf("stock after the calls: got %v, want 5", got)
	}
	if got := quantities(f.cart(t, buyer)); !cmp.Equal(got, []string{"사과잼×2"}) {
		t.Errorf("cart after the calls: got %v, want [사과잼×2]", got)
	}
	if got := f.allOrders(t); len(got) != 0 {
		t.Errorf("orders after the calls: got %d, want none", len(got))
	}
}

// testContextEndsInTransaction ends the context while a transaction runs:
// the next statement of the transaction fails, and so does the commit of
// a transaction whose function did not notice.
func testContextEndsInTransaction(t *testing.T, h Harness) {
	f := newOrderFixture(t, h)
	jam := f.item(t, "사과잼", "12000", intp(5))
	buyer := f.customer(t)
	if _, err := f.carts.Add(f.ctx, buyer, jam.ID, 2); err != nil {
		t.Fatal(err)
	}
	key := cart.UserKey(buyer.UserID)
	// Each way makes a live context and a function that ends it and
	// returns once it has.
	ends := []struct {
		name string
		want error
		make func() (context.Context, func())
	}{
		{"Cancelled", context.Canceled, func() (context.Context, func()) {
			ctx, cancel := context.WithCancel(f.ctx)
			return ctx, cancel
		}},
		{"DeadlinePassed", context.DeadlineExceeded, func() (context.Context, func()) {
			ctx, cancel := context.WithTimeout(f.ctx, 200*time.Millisecond)
			t.Cleanup(cancel)
			return ctx, func() { <-ctx.Done() }
		}},
	}
	for _, e := range ends {
		for _, c := range []struct {
			name string
			next func(ctx context.Context, tx order.Tx) error
		}{
			{"next statement", func(ctx context.Context, tx order.Tx) error {
				return tx.Carts().Update(ctx, key, f.now(), func(q map[uuid.UUID]int) error {
					clear(q)
					return nil
				})
			}},
			{"commit", func(context.Context, order.Tx) error { return nil }},
		} {
			ctx, end := e.make()
			var inner error
			err := f.stores.Transactor.InTx(ctx, func(ctx context.Context, tx order.Tx) error {
				if err := tx.Stock().TakeStock(ctx, jam.ID, 2); err != nil {
					return err
				}
				end()
				inner = c.next(ctx, tx)
				return inner
			})
			if inner != nil {
				wantEnded(t, e.name+" "+c.name+" in the transaction", inner, e.want)
			}
			wantEnded(t, e.name+" "+c.name+": InTx", err, e.want)
		}
	}
	if got := f.stock(t, jam); got == nil || *got != 5 {
		t.Errorf("stock after the transactions: got %v, want 5", got)
	}
	if got := quantities(f.cart(t, buyer)); !cmp.Equal(got, []string{"사과잼×2"}) {
		t.Errorf("cart after the transactions: got %v, want [사과잼×2]", got)
	}
}

func testEndedBoard(t *testing.T, h Harness) {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Board == nil || stores.Accounts == nil {
		t.Skip("the adapter has no board or no users")
	}
	f := &boardFixture{ctx: ctx, repo: stores.Board, users: stores.Accounts, svc: board.NewService(stores.Board, nil)}
	f.staff = commerce.StaffActor(f.user(t, "운영자", true))
	post := f.post(t, "공지", board.Normal, false)
	pinned := f.post(t, "고정 공지", board.Normal, true)
	post, err := f.repo.GetPost(ctx, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	other := post
	other.ID, other.Title = commerce.NewID(), "새 글"
	callEnded(t, []endedCall{
		{"CreatePost", func(ctx context.Context) error { return f.repo.CreatePost(ctx, other) }},
		{"GetPost", func(ctx context.Context) error { _, err := f.repo.GetPost(ctx, post.ID); return err }},
		{"DeletePost", func(ctx context.Context) error { return f.repo.DeletePost(ctx, post.ID) }},
		{"ListPinned", func(ctx context.Context) error { _, err := f.repo.ListPinned(ctx, ""); return err }},
		{"ListPosts", func(ctx context.Context) error {
			_, _, err := f.repo.ListPosts(ctx, board.PostQuery{Limit: board.PageSize})
			return err
		}},
		// A post the service could not read is not a missing one.
		{"Service.Post", func(ctx context.Context) error { _, err := f.svc.Post(ctx, post.ID); return err }},
		{"Service.List", func(ctx context.Context) error { _, err := f.svc.List(ctx, 1, ""); return err }},
	})
	unchanged(t, "the post", post, func() (board.Post, error) { return f.repo.GetPost(ctx, post.ID) })
	unchanged(t, "the pinned posts", []uuid.UUID{pinned.ID}, func() ([]uuid.UUID, error) {
		ps, err := f.repo.ListPinned(ctx, "")
		var ids []uuid.UUID
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids, err
	})
}
