package storagetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
)

// shopFixture is one test's shop — catalog, users, carts and orders — over
// an empty store.
type shopFixture struct {
	ctx     context.Context
	stores  Stores
	catalog *catalog.Service
	carts   *cart.Service
	now     func() time.Time
	advance func(time.Duration)
	brand   catalog.Brand
}

func newShopFixture(t *testing.T, h Harness) *shopFixture {
	ctx := context.Background()
	stores := h.MakeStores(ctx, t)
	if stores.Catalog == nil || stores.Accounts == nil || stores.Carts == nil {
		t.Skip("the adapter has no catalog, users or carts")
	}
	f := &shopFixture{ctx: ctx, stores: stores, now: stores.Now, advance: stores.Advance}
	if f.now == nil {
		f.now = time.Now
	}
	if f.advance == nil {
		f.advance = time.Sleep
	}
	f.catalog = catalog.NewService(stores.Catalog, nil)
	f.carts = cart.NewService(stores.Carts, stores.Catalog, &cart.Options{Now: f.now})
	pr, err := f.catalog.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "환경"})
	if err != nil {
		t.Fatal(err)
	}
	if f.brand, err = f.catalog.CreateBrand(ctx, staff, catalog.BrandInput{Name: "초록상점", ProblemID: pr.ID}); err != nil {
		t.Fatal(err)
	}
	return f
}

// item creates a product at price KRW with stock (nil: not tracked).
func (f *shopFixture) item(t *testing.T, name, price string, stock *int) catalog.Product {
	t.Helper()
	p, err := f.catalog.CreateProduct(f.ctx, staff, catalog.ProductInput{
		Name: name, Price: commerce.MustMoney(price, "KRW"), BrandID: f.brand.ID, Stock: stock,
	})
	if err != nil {
		t.Fatalf("CreateProduct(%q): %v", name, err)
	}
	return p
}

// customer creates a user and returns their actor.
func (f *shopFixture) customer(t *testing.T) commerce.Actor {
	t.Helper()
	now := commerce.Now()
	id := commerce.NewID()
	u := account.User{
		ID: id, Username: "c" + id.String()[24:] + fmt.Sprint(now.UnixNano()%1e6), Nickname: "손님" + id.String()[24:],
		Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := f.stores.Accounts.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return commerce.Actor{UserID: id, SessionID: account.SessionID(id.String())}
}

func guest() commerce.Actor {
	return commerce.Actor{SessionID: account.SessionID(commerce.NewID().String())}
}

func (f *shopFixture) cart(t *testing.T, a commerce.Actor) cart.Cart {
	t.Helper()
	c, err := f.carts.Cart(f.ctx, a)
	if err != nil {
		t.Fatalf("Cart: %v", err)
	}
	return c
}

// quantities renders a cart as "name×quantity" in line order.
func quantities(c cart.Cart) []string {
	out := []string{}
	for _, l := range c.Lines {
		out = append(out, fmt.Sprintf("%s×%d", l.Product.Name, l.Quantity))
	}
	return out
}

func intp(n int) *int { return &n }

// reprice stores p with another price through the repository, as data
// written before the catalog checked the shop's currency would be.
func (f *shopFixture) reprice(t *testing.T, p catalog.Product, price commerce.Money) catalog.Product {
	t.Helper()
	next := p
	next.Price, next.Version = price, p.Version+1
	if err := f.stores.Catalog.UpdateProduct(f.ctx, next, p.Version); err != nil {
		t.Fatalf("repricing %q through the repository: %v", p.Name, err)
	}
	return next
}

// checkSums fails unless c's Count and Subtotal count exactly the lines
// that are not Unavailable.
func checkSums(t *testing.T, what string, c cart.Cart) {
	t.Helper()
	count, sum := 0, commerce.Zero(c.Subtotal.Currency)
	for _, l := range c.Lines {
		if l.Unavailable != "" {
			continue
		}
		count += l.Quantity
		var err error
		if sum, err = sum.Add(l.LineTotal); err != nil {
			t.Errorf("%s: the line of %s can be bought but is priced in %s: %v", what, l.Product.Name, l.LineTotal.Currency, err)
		}
	}
	if c.Count != count || !c.Subtotal.Equal(sum) {
		t.Errorf("%s: count %d, subtotal %s; the lines that can be bought make %d and %s", what, c.Count, c.Subtotal, count, sum)
	}
}

func runCartTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *shopFixture)
	}{
		{"AddSetRemoveClear", testCartAddSetRemoveClear},
		{"Bounds", testCartBounds},
		{"CurrentPrices", testCartCurrentPrices},
		{"Owners", testCartOwners},
		{"Unavailable", testCartUnavailable},
		{"Merge", testCartMerge},
		{"UpdatePair", testCartUpdatePair},
		{"ConcurrentMerge", testCartConcurrentMerge},
		{"MergeAtSignIn", testCartMergeAtSignIn},
		{"ConcurrentAdds", testCartConcurrentAdds},
		{"ConcurrentDifferentProducts", testCartConcurrentDifferentProducts},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newShopFixture(t, h))
		})
	}
}

func testCartAddSetRemoveClear(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	me := f.customer(t)
	if _, err := f.carts.Add(f.ctx, me, jam.ID, 2); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Millisecond)
	if _, err := f.carts.Add(f.ctx, me, tea.ID, 1); err != nil {
		t.Fatal(err)
	}
	c, err := f.carts.Add(f.ctx, me, jam.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"사과잼×5", "보리차×1"}, quantities(c)); diff != "" {
		t.Errorf("after adds, in the order first added (-want +got):\n%s", diff)
	}
	if c.Count != 6 || c.Subtotal.AmountString() != "64500" || c.Subtotal.Currency != "KRW" {
		t.Errorf("count %d, subtotal %s; want 6 and 64500 KRW", c.Count, c.Subtotal)
	}
	if c.Lines[0].LineTotal.AmountString() != "60000" || c.Lines[0].Product.Brand == nil || c.Lines[0].Product.Brand.Name != "초록상점" {
		t.Errorf("line: total %s, brand %+v", c.Lines[0].LineTotal, c.Lines[0].Product.Brand)
	}
	if c.Lines[0].Product.ImageURL != catalog.DefaultPlaceholderImage {
		t.Errorf("a line's product without images has cover %q, want the placeholder", c.Lines[0].Product.ImageURL)
	}
	sum, err := f.carts.Summary(f.ctx, me)
	if err != nil || sum.Count != 6 || !sum.Subtotal.Equal(c.Subtotal) {
		t.Errorf("Summary: %+v, %v", sum, err)
	}
	if c, _ = f.carts.SetQuantity(f.ctx, me, jam.ID, 10); quantities(c)[0] != "사과잼×10" {
		t.Errorf("SetQuantity 10: %q", quantities(c))
	}
	if c, _ = f.carts.SetQuantity(f.ctx, me, tea.ID, 0); !cmp.Equal(quantities(c), []string{"사과잼×10"}) {
		t.Errorf("SetQuantity 0 removes: %q", quantities(c))
	}
	if c, _ = f.carts.Remove(f.ctx, me, jam.ID); len(c.Lines) != 0 || c.Count != 0 || !c.Subtotal.IsZero() {
		t.Errorf("Remove: %+v", c)
	}
	if c, err = f.carts.Remove(f.ctx, me, jam.ID); err != nil || len(c.Lines) != 0 {
		t.Errorf("removing what is not there: %v", err)
	}
	f.carts.Add(f.ctx, me, jam.ID, 1)
	f.carts.Add(f.ctx, me, tea.ID, 1)
	if err := f.carts.Clear(f.ctx, me); err != nil {
		t.Fatal(err)
	}
	if c := f.cart(t, me); len(c.Lines) != 0 {
		t.Errorf("after Clear: %q", quantities(c))
	}
}

func testCartBounds(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	for _, n := range []int{0, -1, 100} {
		_, err := f.carts.Add(f.ctx, me, jam.ID, n)
		wantFields(t, fmt.Sprintf("Add(%d)", n), err, "quantity")
	}
	for _, n := range []int{-1, 100} {
		_, err := f.carts.SetQuantity(f.ctx, me, jam.ID, n)
		wantFields(t, fmt.Sprintf("SetQuantity(%d)", n), err, "quantity")
	}
	if _, err := f.carts.Add(f.ctx, me, jam.ID, 98); err != nil {
		t.Fatal(err)
	}
	_, err := f.carts.Add(f.ctx, me, jam.ID, 2)
	wantFields(t, "Add past 99", err, "quantity")
	if c, err := f.carts.Add(f.ctx, me, jam.ID, 1); err != nil || c.Lines[0].Quantity != 99 {
		t.Errorf("Add up to 99: %v", err)
	}
	_, err = f.carts.Add(f.ctx, me, commerce.NewID(), 1)
	wantFields(t, "Add a missing product", err, "product_id")
	_, err = f.carts.SetQuantity(f.ctx, me, commerce.NewID(), 3)
	wantFields(t, "SetQuantity of a missing product", err, "product_id")
	usd := f.reprice(t, f.item(t, "Mug", "9500", nil), commerce.MustMoney("9.50", "USD"))
	_, err = f.carts.Add(f.ctx, me, usd.ID, 1)
	wantFields(t, "Add a product in USD to a KRW cart", err, "product_id")
	if c := f.cart(t, me); !cmp.Equal(quantities(c), []string{"사과잼×99"}) {
		t.Errorf("refused changes changed the cart: %q", quantities(c))
	}
	// The repository refuses a line of a missing product on its own.
	err = f.stores.Carts.Update(f.ctx, cart.KeyOf(me), f.now(), func(q map[uuid.UUID]int) error {
		q[commerce.NewID()] = 1
		return nil
	})
	wantErr(t, "repo Update with a missing product", err, cart.ErrProductNotFound)
	// An error from fn changes nothing.
	boom := errors.New("boom")
	err = f.stores.Carts.Update(f.ctx, cart.KeyOf(me), f.now(), func(q map[uuid.UUID]int) error {
		clear(q)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("repo Update: %v, want fn's error", err)
	}
	if c := f.cart(t, me); len(c.Lines) != 1 {
		t.Errorf("a failed Update changed the cart: %q", quantities(c))
	}
}

func testCartCurrentPrices(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	me := f.customer(t)
	f.carts.Add(f.ctx, me, jam.ID, 2)
	f.carts.Add(f.ctx, me, tea.ID, 1)
	if _, err := f.catalog.UpdateProduct(f.ctx, staff, jam.ID, catalog.ProductPatch{Price: commerce.Some(commerce.MustMoney("10000", "KRW"))}); err != nil {
		t.Fatal(err)
	}
	c := f.cart(t, me)
	if c.Subtotal.AmountString() != "24500" {
		t.Errorf("subtotal after a price change: %s, want 24500", c.Subtotal)
	}
	if err := f.catalog.DeleteProduct(f.ctx, staff, tea.ID); err != nil {
		t.Fatal(err)
	}
	c = f.cart(t, me)
	if !cmp.Equal(quantities(c), []string{"사과잼×2"}) || c.Count != 2 || c.Subtotal.AmountString() != "20000" {
		t.Errorf("after the product was deleted: %q, count %d, subtotal %s", quantities(c), c.Count, c.Subtotal)
	}
	if c, err := f.carts.Add(f.ctx, me, jam.ID, 1); err != nil || c.Count != 3 {
		t.Errorf("adding after a deleted line: %v, count %d", err, c.Count)
	}
}

func testCartOwners(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me, you, visitor := f.customer(t), f.customer(t), guest()
	f.carts.Add(f.ctx, me, jam.ID, 1)
	f.carts.Add(f.ctx, visitor, jam.ID, 2)
	if c := f.cart(t, you); len(c.Lines) != 0 {
		t.Errorf("another customer's cart: %q", quantities(c))
	}
	if c := f.cart(t, visitor); !cmp.Equal(quantities(c), []string{"사과잼×2"}) {
		t.Errorf("guest cart: %q", quantities(c))
	}
	// The same session signed in is the customer's cart, not the guest's.
	signedIn := commerce.Actor{UserID: me.UserID, SessionID: visitor.SessionID}
	if c := f.cart(t, signedIn); !cmp.Equal(quantities(c), []string{"사과잼×1"}) {
		t.Errorf("a signed-in actor's cart: %q", quantities(c))
	}
	_, err := f.carts.Add(f.ctx, commerce.Anonymous, jam.ID, 1)
	wantErr(t, "Add without a session", err, cart.ErrNoCart)
	if c := f.cart(t, commerce.Anonymous); len(c.Lines) != 0 || c.Lines == nil {
		t.Errorf("the cart of an actor without a session: %+v", c)
	}
}

// testCartUnavailable puts a product in a cart and then stores it in
// another currency than the shop's through the repository, as data from
// before the catalog refused such prices: the line stays, says it cannot
// be bought, and is in neither the count nor the subtotal.
func testCartUnavailable(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	mug := f.item(t, "머그컵", "9000", nil)
	me := f.customer(t)
	f.carts.Add(f.ctx, me, jam.ID, 2)
	f.advance(time.Millisecond)
	f.carts.Add(f.ctx, me, mug.ID, 3)
	f.advance(time.Millisecond)
	f.carts.Add(f.ctx, me, tea.ID, 1)
	if c := f.cart(t, me); c.Count != 6 || c.Subtotal.AmountString() != "55500" || !c.Buyable() {
		t.Fatalf("before: count %d, subtotal %s, buyable %v", c.Count, c.Subtotal, c.Buyable())
	}
	f.reprice(t, mug, commerce.MustMoney("9.50", "USD"))

	c := f.cart(t, me)
	if diff := cmp.Diff([]string{"사과잼×2", "머그컵×3", "보리차×1"}, quantities(c)); diff != "" {
		t.Errorf("the cart keeps the line it cannot sell (-want +got):\n%s", diff)
	}
	for _, l := range c.Lines {
		if want := l.Product.ID == mug.ID; (l.Unavailable != "") != want {
			t.Errorf("%s: Unavailable %q, want it set: %v", l.Product.Name, l.Unavailable, want)
		}
	}
	if c.Count != 3 || c.Subtotal.AmountString() != "28500" || c.Subtotal.Currency != "KRW" || c.Buyable() {
		t.Errorf("count %d, subtotal %s, buyable %v; want 3, 28500 KRW, false", c.Count, c.Subtotal, c.Buyable())
	}
	checkSums(t, "with a line in USD", c)
	if sum, err := f.carts.Summary(f.ctx, me); err != nil || sum.Count != c.Count || !sum.Subtotal.Equal(c.Subtotal) {
		t.Errorf("Summary: %+v, %v; want the cart's count and subtotal", sum, err)
	}

	// It can only be removed.
	_, err := f.carts.Add(f.ctx, me, mug.ID, 1)
	wantFields(t, "Add to an unavailable line", err, "product_id")
	_, err = f.carts.SetQuantity(f.ctx, me, mug.ID, 1)
	wantFields(t, "SetQuantity of an unavailable line", err, "product_id")
	if c, err = f.carts.SetQuantity(f.ctx, me, mug.ID, 0); err != nil || !cmp.Equal(quantities(c), []string{"사과잼×2", "보리차×1"}) || !c.Buyable() {
		t.Errorf("SetQuantity 0 of an unavailable line: %q, buyable %v, %v", quantities(c), c.Buyable(), err)
	}
	checkSums(t, "after removing it", c)
}

// testCartMerge checks the cart service's merge of a guest cart: the
// quantities of a product add up, capped at 99; a line new to the
// customer's cart keeps the time the guest added it; the guest cart is
// left empty; and running it again changes nothing.
func testCartMerge(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	cup := f.item(t, "머그컵", "9000", nil)
	gone := f.item(t, "단종 상품", "1000", nil)
	me, visitor := f.customer(t), guest()
	f.carts.Add(f.ctx, visitor, tea.ID, 1)
	f.advance(time.Millisecond)
	f.carts.Add(f.ctx, me, jam.ID, 50)
	f.advance(time.Millisecond)
	f.carts.Add(f.ctx, me, cup.ID, 2)
	f.advance(time.Millisecond)
	f.carts.Add(f.ctx, visitor, jam.ID, 60)
	f.carts.Add(f.ctx, visitor, gone.ID, 1)
	f.catalog.DeleteProduct(f.ctx, staff, gone.ID)

	for range 2 { // a second merge changes nothing
		if err := f.carts.MergeGuest(f.ctx, visitor.SessionID, me.UserID); err != nil {
			t.Fatalf("MergeGuest: %v", err)
		}
		c := f.cart(t, me)
		if diff := cmp.Diff([]string{"보리차×1", "사과잼×99", "머그컵×2"}, quantities(c)); diff != "" {
			t.Errorf("merged cart, in the order first added (-want +got):\n%s", diff)
		}
		if g := f.cart(t, visitor); len(g.Lines) != 0 {
			t.Errorf("the guest cart after the merge: %q", quantities(g))
		}
	}
	other := guest()
	if err := f.carts.MergeGuest(f.ctx, other.SessionID, me.UserID); err != nil {
		t.Errorf("merging an unknown cart: %v", err)
	}
	if c := f.cart(t, me); c.Count != 102 {
		t.Errorf("after merging an empty cart: count %d", c.Count)
	}
}

// testCartUpdatePair checks the repository's change of two carts at once:
// both or neither are written.
func testCartUpdatePair(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	me, visitor := f.customer(t), guest()
	a, b := cart.KeyOf(visitor), cart.KeyOf(me)
	f.carts.Add(f.ctx, visitor, jam.ID, 2)
	f.carts.Add(f.ctx, me, tea.ID, 1)
	before := func() {
		t.Helper()
		if g, c := f.cart(t, visitor), f.cart(t, me); !cmp.Equal(quantities(g), []string{"사과잼×2"}) || !cmp.Equal(quantities(c), []string{"보리차×1"}) {
			t.Errorf("a refused UpdatePair changed the carts: %q and %q", quantities(g), quantities(c))
		}
	}
	var seen [2]map[uuid.UUID]cart.StoredLine
	boom := errors.New("boom")
	err := f.stores.Carts.UpdatePair(f.ctx, a, b, f.now(), func(ga, gb map[uuid.UUID]cart.StoredLine) error {
		seen = [2]map[uuid.UUID]cart.StoredLine{maps.Clone(ga), maps.Clone(gb)}
		clear(ga)
		clear(gb)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("UpdatePair: %v, want fn's error", err)
	}
	if seen[0][jam.ID].Quantity != 2 || len(seen[0]) != 1 || seen[1][tea.ID].Quantity != 1 || len(seen[1]) != 1 || seen[0][jam.ID].AddedAt.IsZero() {
		t.Errorf("fn saw %+v", seen)
	}
	before()
	// A missing product in the second cart: the first is not written
	// either.
	err = f.stores.Carts.UpdatePair(f.ctx, a, b, f.now(), func(ga, gb map[uuid.UUID]cart.StoredLine) error {
		clear(ga)
		gb[commerce.NewID()] = cart.StoredLine{Quantity: 1}
		return nil
	})
	wantErr(t, "UpdatePair with a missing product", err, cart.ErrProductNotFound)
	before()
	err = f.stores.Carts.UpdatePair(f.ctx, b, b, f.now(), func(ga, gb map[uuid.UUID]cart.StoredLine) error {
		clear(ga)
		return nil
	})
	wantErr(t, "UpdatePair of one cart with itself", err, cart.ErrSameCart)
	wantErr(t, "UpdatePair of one cart with itself", err, commerce.ErrInvalid)
	before()

	// A new line takes its own AddedAt, or at when it has none; a line that
	// was there keeps its own.
	at := f.now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	old := seen[0][jam.ID].AddedAt
	err = f.stores.Carts.UpdatePair(f.ctx, a, b, at, func(ga, gb map[uuid.UUID]cart.StoredLine) error {
		gb[jam.ID] = ga[jam.ID]
		delete(ga, jam.ID)
		ga[tea.ID] = cart.StoredLine{Quantity: 5}
		gb[tea.ID] = cart.StoredLine{Quantity: 3, AddedAt: at}
		return nil
	})
	if err != nil {
		t.Fatalf("UpdatePair: %v", err)
	}
	added := func(c cart.Cart) map[string]time.Time {
		out := map[string]time.Time{}
		for _, l := range c.Lines {
			out[fmt.Sprintf("%s×%d", l.Product.Name, l.Quantity)] = l.AddedAt
		}
		return out
	}
	want := []map[string]time.Time{{"보리차×5": at}, {"사과잼×2": old, "보리차×3": seen[1][tea.ID].AddedAt}}
	if diff := cmp.Diff(want, []map[string]time.Time{added(f.cart(t, visitor)), added(f.cart(t, me))}); diff != "" {
		t.Errorf("lines and their AddedAt after UpdatePair (-want +got):\n%s", diff)
	}
}

// testCartConcurrentMerge merges a guest cart while the customer's cart
// takes adds: no update is lost, and the merge happens once.
func testCartConcurrentMerge(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	me, visitor := f.customer(t), guest()
	f.carts.Add(f.ctx, visitor, jam.ID, 7)
	const adds, merges = 20, 3
	var wg sync.WaitGroup
	for range adds {
		wg.Go(func() {
			if _, err := f.carts.Add(f.ctx, me, tea.ID, 1); err != nil {
				t.Errorf("Add: %v", err)
			}
		})
	}
	for range merges {
		wg.Go(func() {
			if err := f.carts.MergeGuest(f.ctx, visitor.SessionID, me.UserID); err != nil {
				t.Errorf("MergeGuest: %v", err)
			}
		})
	}
	wg.Wait()
	c := f.cart(t, me)
	if diff := cmp.Diff(map[string]int{"사과잼": 7, "보리차": adds}, byName(c)); diff != "" {
		t.Errorf("after concurrent adds and merges (-want +got):\n%s", diff)
	}
	if g := f.cart(t, visitor); len(g.Lines) != 0 {
		t.Errorf("the guest cart: %q", quantities(g))
	}
}

// byName returns a cart's quantities by product name.
func byName(c cart.Cart) map[string]int {
	out := map[string]int{}
	for _, l := range c.Lines {
		out[l.Product.Name] = l.Quantity
	}
	return out
}

// testCartMergeAtSignIn wires the account service to the carts the
// obvious way (account.Options.GuestCarts) and checks that a guest's cart
// joins the customer's at sign-up and at sign-in, and not from a session
// that was already signed in.
func testCartMergeAtSignIn(t *testing.T, f *shopFixture) {
	if f.stores.Sessions == nil || f.stores.Attempts == nil {
		t.Skip("the adapter has no session or attempt store")
	}
	accounts := account.NewService(f.stores.Accounts, f.stores.Sessions, f.stores.Attempts, &account.Options{
		Now: f.now, Hasher: account.NewHasher(&account.HasherOptions{Iterations: testIterations}),
		GuestCarts: f.carts,
	})
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	visit := func() (string, commerce.Actor) {
		t.Helper()
		token, sess, err := accounts.StartGuest(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return token, commerce.Actor{SessionID: sess.ID}
	}

	token, visitor := visit()
	f.carts.Add(f.ctx, visitor, jam.ID, 2)
	in, err := accounts.SignUp(f.ctx, account.SignUpInput{
		Username: "cartmerger", Password: strongPassword, PasswordConfirm: strongPassword,
		Nickname: "장바구니", Email: "cartmerger@example.com",
	}, token)
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	me := commerce.UserActor(in.Account.ID)
	if diff := cmp.Diff(map[string]int{"사과잼": 2}, byName(f.cart(t, me))); diff != "" {
		t.Errorf("after sign-up from a guest session (-want +got):\n%s", diff)
	}
	if g := f.cart(t, visitor); len(g.Lines) != 0 {
		t.Errorf("the guest cart after sign-up: %q", quantities(g))
	}

	token, visitor = visit()
	f.carts.Add(f.ctx, visitor, jam.ID, 1)
	f.carts.Add(f.ctx, visitor, tea.ID, 3)
	again, err := accounts.SignIn(f.ctx, account.Credentials{Username: "cartmerger", Password: strongPassword}, token)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"사과잼": 3, "보리차": 3}, byName(f.cart(t, me))); diff != "" {
		t.Errorf("after sign-in from a guest session (-want +got):\n%s", diff)
	}

	// Signing in again from a signed-in session merges nothing: that
	// session's cart is the customer's own.
	if _, err := accounts.SignIn(f.ctx, account.Credentials{Username: "cartmerger", Password: strongPassword}, again.Token); err != nil {
		t.Fatalf("SignIn from a signed-in session: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"사과잼": 3, "보리차": 3}, byName(f.cart(t, me))); diff != "" {
		t.Errorf("after sign-in from a signed-in session (-want +got):\n%s", diff)
	}
}

func testCartConcurrentAdds(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := f.carts.Add(f.ctx, me, jam.ID, 1); err != nil {
				t.Errorf("Add: %v", err)
			}
		})
	}
	wg.Wait()
	if c := f.cart(t, me); len(c.Lines) != 1 || c.Lines[0].Quantity != n {
		t.Errorf("%d concurrent adds of one unit: %q", n, quantities(c))
	}
}

func testCartConcurrentDifferentProducts(t *testing.T, f *shopFixture) {
	const n = 12
	products := make([]catalog.Product, n)
	for i := range n {
		products[i] = f.item(t, fmt.Sprintf("상품 %02d", i), "1000", nil)
	}
	visitor := guest()
	var wg sync.WaitGroup
	for _, p := range products {
		wg.Go(func() {
			if _, err := f.carts.Add(f.ctx, visitor, p.ID, 2); err != nil {
				t.Errorf("Add: %v", err)
			}
		})
	}
	wg.Wait()
	if c := f.cart(t, visitor); len(c.Lines) != n || c.Count != 2*n {
		t.Errorf("%d concurrent adds of different products: %d lines, count %d", n, len(c.Lines), c.Count)
	}
}
