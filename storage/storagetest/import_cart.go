package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
)

func runCartImportTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *shopFixture)
	}{
		{"Create", testImportCartsCreate},
		{"Update", testImportCartsUpdate},
		{"Invalid", testImportCartsInvalid},
		{"Missing", testImportCartsMissing},
		{"LargeBatch", testImportCartsLargeBatch},
		{"Concurrent", testImportCartsConcurrent},
		{"EndedContext", testImportCartsEnded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newShopFixture(t, h))
		})
	}
}

// cartAt is when the old shop's carts were filled.
var cartAt = time.Date(2023, 4, 1, 21, 15, 30, 123456789, pastZone)

// importCarts imports carts and fails unless every outcome is want.
func (f *shopFixture) importCarts(t *testing.T, carts []cart.ImportedCart, want commerce.ImportOutcome) {
	t.Helper()
	results, err := f.carts.ImportCarts(f.ctx, carts)
	if err != nil {
		t.Fatalf("ImportCarts: %v", err)
	}
	if len(results) != len(carts) {
		t.Fatalf("ImportCarts: %d results for %d carts", len(results), len(carts))
	}
	for i, r := range results {
		if r.Outcome != want || r.Err != nil {
			t.Errorf("cart %d: %v, %v; want %v", i, r.Outcome, r.Err, want)
		}
	}
}

// cartLines renders a cart's lines as "name×quantity@added", in the order
// the cart lists them.
func cartLines(c cart.Cart) []string {
	out := []string{}
	for _, l := range c.Lines {
		out = append(out, fmt.Sprintf("%s×%d@%s", l.Product.Name, l.Quantity, l.AddedAt.UTC().Format(time.RFC3339Nano)))
	}
	return out
}

// cartTime is the time cartAt+d as a cart line reads it.
func cartTime(d time.Duration) string {
	return cartAt.Add(d).UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

func testImportCartsCreate(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", intp(3))
	tea := f.item(t, "보리차", "4500", nil)
	me, you, visitor := f.customer(t), f.customer(t), guest()
	if _, err := f.carts.Add(f.ctx, visitor, jam.ID, 1); err != nil {
		t.Fatal(err)
	}
	carts := []cart.ImportedCart{
		{UserID: me.UserID, Lines: []cart.ImportedLine{
			{ProductID: tea.ID, Quantity: 2, AddedAt: cartAt.Add(time.Minute)},
			{ProductID: jam.ID, Quantity: 5, AddedAt: cartAt}, // more than the stock: a cart may
		}},
		{UserID: you.UserID}, // an empty cart
	}
	results, err := f.carts.ImportCarts(f.ctx, carts)
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Outcome != commerce.ImportCreated || results[1].Outcome != commerce.ImportUnchanged {
		t.Errorf("results %v; want created, then unchanged (an empty cart stays empty)", results)
	}
	c := f.cart(t, me)
	if diff := cmp.Diff([]string{"사과잼×5@" + cartTime(0), "보리차×2@" + cartTime(time.Minute)}, cartLines(c)); diff != "" {
		t.Errorf("the imported cart, oldest line first (-want +got):\n%s", diff)
	}
	if c.Count != 7 || !c.Subtotal.Equal(commerce.MustMoney("69000", "KRW")) {
		t.Errorf("count %d, subtotal %v; want 7 and 69000 KRW at the current prices", c.Count, c.Subtotal)
	}
	checkSums(t, "the imported cart", c)
	if got := quantities(f.cart(t, visitor)); !cmp.Equal(got, []string{"사과잼×1"}) {
		t.Errorf("a guest's cart after an import: %v", got)
	}
	if got := quantities(f.cart(t, you)); len(got) != 0 {
		t.Errorf("an empty imported cart: %v", got)
	}
	f.importCarts(t, carts, commerce.ImportUnchanged)
	// A shopper's change after the import is as any other.
	if _, err := f.carts.Add(f.ctx, me, jam.ID, 1); err != nil {
		t.Fatal(err)
	}
	if got := cartLines(f.cart(t, me)); got[0] != "사과잼×6@"+cartTime(0) {
		t.Errorf("after adding one more: %v", got)
	}
}

// testImportCartsUpdate: a cart the shop holds is the customer's; an
// import that differs from it leaves it as it is.
func testImportCartsUpdate(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	mug := f.item(t, "머그컵", "8000", nil)
	me, you := f.customer(t), f.customer(t)
	if _, err := f.carts.Add(f.ctx, you, mug.ID, 3); err != nil {
		t.Fatal(err)
	}
	first := []cart.ImportedCart{
		{UserID: me.UserID, Lines: []cart.ImportedLine{
			{ProductID: jam.ID, Quantity: 1, AddedAt: cartAt},
			{ProductID: tea.ID, Quantity: 1, AddedAt: cartAt.Add(time.Second)},
		}},
	}
	f.importCarts(t, first, commerce.ImportCreated)
	next := []cart.ImportedCart{
		{UserID: me.UserID, Lines: []cart.ImportedLine{
			{ProductID: tea.ID, Quantity: 4, AddedAt: cartAt.Add(time.Second)},
			{ProductID: mug.ID, Quantity: 1, AddedAt: cartAt.Add(time.Hour)},
		}},
		{UserID: you.UserID}, // the customer filled a cart in the shop
	}
	f.importCarts(t, next, commerce.ImportKept)
	if diff := cmp.Diff([]string{"사과잼×1@" + cartTime(0), "보리차×1@" + cartTime(time.Second)}, cartLines(f.cart(t, me))); diff != "" {
		t.Errorf("the cart the shop holds (-want +got):\n%s", diff)
	}
	if got := quantities(f.cart(t, you)); !cmp.Equal(got, []string{"머그컵×3"}) {
		t.Errorf("the cart filled in the shop: %v", got)
	}
	f.importCarts(t, first, commerce.ImportUnchanged)
}

func testImportCartsInvalid(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	dollars := f.reprice(t, f.item(t, "수입 잼", "12000", nil), commerce.MustMoney("9.50", "USD"))
	me := f.customer(t)
	line := func(edit func(*cart.ImportedLine)) cart.ImportedCart {
		l := cart.ImportedLine{ProductID: jam.ID, Quantity: 1, AddedAt: cartAt}
		edit(&l)
		return cart.ImportedCart{UserID: me.UserID, Lines: []cart.ImportedLine{l}}
	}
	cases := []struct {
		cart   cart.ImportedCart
		fields []string
	}{
		{line(func(l *cart.ImportedLine) { l.Quantity = 0 }), []string{"lines[0].quantity"}},
		{line(func(l *cart.ImportedLine) { l.Quantity = cart.MaxQuantity + 1 }), []string{"lines[0].quantity"}},
		{line(func(l *cart.ImportedLine) { l.ProductID = uuid.Nil }), []string{"lines[0].product_id"}},
		{line(func(l *cart.ImportedLine) { l.AddedAt = time.Time{} }), []string{"lines[0].added_at"}},
		{line(func(l *cart.ImportedLine) { l.ProductID = dollars.ID }), []string{"lines[0].product_id"}},
		{cart.ImportedCart{UserID: me.UserID, Lines: []cart.ImportedLine{
			{ProductID: jam.ID, Quantity: 1, AddedAt: cartAt}, {ProductID: jam.ID, Quantity: 2, AddedAt: cartAt},
		}}, []string{"lines[1].product_id"}},
		{cart.ImportedCart{Lines: []cart.ImportedLine{{ProductID: jam.ID, Quantity: 1, AddedAt: cartAt}}}, []string{"user_id"}},
	}
	for i, c := range cases {
		results, err := f.carts.ImportCarts(f.ctx, []cart.ImportedCart{c.cart})
		if err != nil {
			t.Fatal(err)
		}
		if results[0].Outcome != commerce.ImportSkipped {
			t.Errorf("case %d (%v): %v, want skipped", i, c.fields, results[0].Outcome)
			continue
		}
		wantFields(t, fmt.Sprintf("case %d", i), results[0].Err, c.fields...)
	}
	if got := quantities(f.cart(t, me)); len(got) != 0 {
		t.Errorf("skipped carts left lines: %v", got)
	}
	// Two carts of one customer in one import: the second is refused.
	results, err := f.carts.ImportCarts(f.ctx, []cart.ImportedCart{line(func(*cart.ImportedLine) {}), line(func(l *cart.ImportedLine) { l.Quantity = 2 })})
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Outcome != commerce.ImportCreated || results[1].Outcome != commerce.ImportSkipped || !errors.Is(results[1].Err, commerce.ErrConflict) {
		t.Errorf("two carts of one customer: %v", results)
	}
	if got := quantities(f.cart(t, me)); !cmp.Equal(got, []string{"사과잼×1"}) {
		t.Errorf("the customer's cart: %v", got)
	}
}

func testImportCartsMissing(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	gone := f.item(t, "단종된 잼", "9000", nil)
	if err := f.catalog.DeleteProduct(f.ctx, staff, gone.ID); err != nil {
		t.Fatal(err)
	}
	me := f.customer(t)
	ok := cart.ImportedLine{ProductID: jam.ID, Quantity: 1, AddedAt: cartAt}
	carts := []cart.ImportedCart{
		{UserID: commerce.NewID(), Lines: []cart.ImportedLine{ok}},
		{UserID: me.UserID, Lines: []cart.ImportedLine{ok, {ProductID: gone.ID, Quantity: 1, AddedAt: cartAt}}},
	}
	results, err := f.carts.ImportCarts(f.ctx, carts)
	if err != nil {
		t.Fatal(err)
	}
	for i, field := range []string{"user_id", "lines[1].product_id"} {
		r := results[i]
		if r.Outcome != commerce.ImportSkipped || !errors.Is(r.Err, commerce.ErrNotFound) {
			t.Errorf("cart %d: %v, %v; want skipped, not found", i, r.Outcome, r.Err)
		} else if _, named := commerce.FieldErrors(r.Err)[field]; !named {
			t.Errorf("cart %d: %v names %v, want %s", i, r.Err, commerce.FieldErrors(r.Err), field)
		}
	}
	if !errors.Is(results[1].Err, cart.ErrProductNotFound) {
		t.Errorf("a deleted product: %v, want cart.ErrProductNotFound", results[1].Err)
	}
	if got := quantities(f.cart(t, me)); len(got) != 0 {
		t.Errorf("a skipped cart left lines: %v", got)
	}
}

func testImportCartsLargeBatch(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	n := commerce.ImportBatchSize + 3
	carts := make([]cart.ImportedCart, n)
	actors := make([]commerce.Actor, n)
	for i := range carts {
		actors[i] = f.customer(t)
		carts[i] = cart.ImportedCart{UserID: actors[i].UserID, Lines: []cart.ImportedLine{
			{ProductID: jam.ID, Quantity: i%9 + 1, AddedAt: cartAt.Add(time.Duration(i) * time.Second)},
			{ProductID: tea.ID, Quantity: 1, AddedAt: cartAt},
		}}
	}
	f.importCarts(t, carts, commerce.ImportCreated)
	for _, i := range []int{0, commerce.ImportBatchSize - 1, commerce.ImportBatchSize, n - 1} {
		want := []string{"보리차×1@" + cartTime(0), fmt.Sprintf("사과잼×%d@%s", i%9+1, cartTime(time.Duration(i)*time.Second))}
		if i == 0 {
			want = []string{fmt.Sprintf("사과잼×1@%s", cartTime(0)), "보리차×1@" + cartTime(0)} // the same time: product id order
			if jam.ID.String() > tea.ID.String() {
				want[0], want[1] = want[1], want[0]
			}
		}
		if diff := cmp.Diff(want, cartLines(f.cart(t, actors[i]))); diff != "" {
			t.Errorf("cart %d (-want +got):\n%s", i, diff)
		}
	}
	f.importCarts(t, carts, commerce.ImportUnchanged)
}

// testImportCartsConcurrent runs imports of overlapping batches at once,
// and shoppers' changes of other carts beside them: every cart is created
// by exactly one import, and no change is lost.
func testImportCartsConcurrent(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	tea := f.item(t, "보리차", "4500", nil)
	const n = 40
	carts := make([]cart.ImportedCart, n)
	actors := make([]commerce.Actor, n)
	for i := range carts {
		actors[i] = f.customer(t)
		carts[i] = cart.ImportedCart{UserID: actors[i].UserID, Lines: []cart.ImportedLine{
			{ProductID: jam.ID, Quantity: i%5 + 1, AddedAt: cartAt.Add(time.Duration(i) * time.Second)},
		}}
	}
	shoppers := []commerce.Actor{f.customer(t), f.customer(t)}
	batches := [][2]int{{0, 20}, {10, 30}, {20, 40}, {0, 40}}
	created := make([][]uuid.UUID, len(batches))
	var wg sync.WaitGroup
	for b, r := range batches {
		wg.Go(func() {
			part := carts[r[0]:r[1]]
			results, err := f.carts.ImportCarts(f.ctx, part)
			if err != nil {
				t.Errorf("import %d: %v", b, err)
				return
			}
			for i, res := range results {
				switch res.Outcome {
				case commerce.ImportCreated:
					created[b] = append(created[b], part[i].UserID)
				case commerce.ImportUnchanged:
				default:
					t.Errorf("import %d, cart %d: %v, %v", b, i, res.Outcome, res.Err)
				}
			}
		})
	}
	for _, s := range shoppers {
		wg.Go(func() {
			for range 10 {
				if _, err := f.carts.Add(f.ctx, s, tea.ID, 1); err != nil {
					t.Errorf("a shopper's add beside imports: %v", err)
				}
			}
		})
	}
	wg.Wait()
	count := make(map[uuid.UUID]int)
	for _, ids := range created {
		for _, id := range ids {
			count[id]++
		}
	}
	for i, c := range carts {
		if count[c.UserID] != 1 {
			t.Errorf("cart %d created %d times, want once", i, count[c.UserID])
		}
		want := []string{fmt.Sprintf("사과잼×%d", i%5+1)}
		if got := quantities(f.cart(t, actors[i])); !cmp.Equal(got, want) {
			t.Errorf("cart %d: %v, want %v", i, got, want)
		}
	}
	for _, s := range shoppers {
		if got := quantities(f.cart(t, s)); !cmp.Equal(got, []string{"보리차×10"}) {
			t.Errorf("a shopper's cart: %v", got)
		}
	}
	f.importCarts(t, carts, commerce.ImportUnchanged)
}

// testImportCartsEnded holds ImportCarts to the rule of context.go: with
// an ended context it fails with an error wrapping commerce.ErrUnavailable
// and the context's, and writes nothing.
func testImportCartsEnded(t *testing.T, f *shopFixture) {
	jam := f.item(t, "사과잼", "12000", nil)
	me := f.customer(t)
	c := cart.ImportedCart{UserID: me.UserID, Lines: []cart.ImportedLine{{ProductID: jam.ID, Quantity: 1, AddedAt: cartAt}}}
	callEnded(t, []endedCall{{"ImportCarts", func(ctx context.Context) error {
		_, err := f.carts.ImportCarts(ctx, []cart.ImportedCart{c})
		return err
	}}})
	if got := quantities(f.cart(t, me)); len(got) != 0 {
		t.Errorf("a cart imported with an ended context: %v", got)
	}
}
