package apiclient_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce/examples/apiclient"
	"github.com/impactmuseum/commerce/examples/internal/shop"
)

// document is the OpenAPI document that client.gen.go is generated from,
// relative to this folder.
const document = "../server/api/openapi.yaml"

// TestGeneratedCodeIsCurrent runs the generator as go generate does, but
// into a temporary file, and fails when its output differs from the
// committed client.gen.go: the document changed and the client was not
// regenerated, or the file was edited by hand.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		msg := fmt.Sprintf("the go command is not on PATH (%v); the generator runs as go tool oapi-codegen", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	// The configuration's output line names client.gen.go, and oapi-codegen
	// takes it over -o: the copy in dir goes without it.
	cfg, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for line := range strings.Lines(string(cfg)) {
		if !strings.HasPrefix(line, "output:") {
			kept = append(kept, line)
		}
	}
	cfgPath, outPath := filepath.Join(dir, "oapi-codegen.yaml"), filepath.Join(dir, "client.gen.go")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), goBin, "tool", "oapi-codegen", "-config", cfgPath, "-o", outPath, document)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go tool oapi-codegen: %v\n%s", err, out)
	}
	got, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		line, committed, generated := firstDifference(want, got)
		t.Fatalf("client.gen.go is not what oapi-codegen makes of %s: at line %d it has\n\t%q\nwhere the generator gives\n\t%q\n"+
			"regenerate it: cd examples/apiclient && go generate ./...", document, line, committed, generated)
	}
}

// firstDifference returns the number of the first line where a and b
// differ, and that line of each ("" past the end).
func firstDifference(a, b []byte) (n int, lineA, lineB string) {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; ; i++ {
		if i >= len(la) || i >= len(lb) || la[i] != lb[i] {
			return i + 1, at(la, i), at(lb, i)
		}
	}
}

// at returns lines[i], or "" past the end.
func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// bearer returns a request editor that sends token as the Bearer token.
func bearer(token string) apiclient.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// startDemo serves the demo shop's JSON API, closed at the end of the
// test, and returns a client of it.
func startDemo(t *testing.T) *apiclient.ClientWithResponses {
	t.Helper()
	demo, err := shop.OpenDemo(t.Context(), slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Images.Close() })
	srv := httptest.NewServer(demo.API.Handler())
	t.Cleanup(srv.Close)
	c, err := apiclient.NewClientWithResponses(srv.URL, apiclient.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// krw returns m's amount as a whole number of won, failing the test when
// m is not an amount in KRW.
func krw(t *testing.T, what string, m apiclient.Money) int {
	t.Helper()
	if m.Currency != "KRW" {
		t.Fatalf("%s: currency %q, want KRW", what, m.Currency)
	}
	n, err := strconv.Atoi(m.Amount)
	if err != nil {
		t.Fatalf("%s: amount %q is not a whole number of won: %v", what, m.Amount, err)
	}
	return n
}

// ptr returns a pointer to v, for the generated types' optional fields.
func ptr[T any](v T) *T { return &v }

// TestWalk walks through the shop as a customer does, through the
// generated client only: it browses and searches the catalog, signs up,
// fills the cart, checks out (twice with one Idempotency-Key), reads its
// orders and the notice board, and gets a problem document for a bad
// query.
func TestWalk(t *testing.T) {
	ctx := t.Context()
	c := startDemo(t)

	// The newest products, a page of 20 and the next.
	first, err := c.ListProductsWithResponse(ctx, &apiclient.ListProductsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if first.StatusCode() != http.StatusOK || first.JSON200 == nil {
		t.Fatalf("list products: %s %s", first.Status(), first.Body)
	}
	if n := len(first.JSON200.Items); n != 20 {
		t.Fatalf("list products: %d items, want a page of 20", n)
	}
	if first.JSON200.NextCursor == nil {
		t.Fatal("list products: no next_cursor; the demo catalog has more than 20 products")
	}
	seen := map[apiclient.Id]bool{}
	for _, p := range first.JSON200.Items {
		if p.Name == "" || p.ImageUrl == "" {
			t.Errorf("product %s: name %q, image_url %q; want both", p.Id, p.Name, p.ImageUrl)
		}
		krw(t, p.Name, p.Price)
		seen[p.Id] = true
	}
	second, err := c.ListProductsWithResponse(ctx, &apiclient.ListProductsParams{Cursor: first.JSON200.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if second.JSON200 == nil || len(second.JSON200.Items) == 0 {
		t.Fatalf("list products, second page: %s %s", second.Status(), second.Body)
	}
	for _, p := range second.JSON200.Items {
		if seen[p.Id] {
			t.Errorf("product %s (%s) is on both pages", p.Id, p.Name)
		}
	}

	// A search in Korean, page by page: every product found has 사과 in
	// its name or its brand's.
	var found []apiclient.Product
	params := &apiclient.ListProductsParams{Q: ptr("사과"), Limit: ptr(3)}
	for pages := 0; ; pages++ {
		if pages == 10 {
			t.Fatal("search: still a next_cursor after 10 pages of 3")
		}
		res, err := c.ListProductsWithResponse(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil {
			t.Fatalf("search: %s %s", res.Status(), res.Body)
		}
		found = append(found, res.JSON200.Items...)
		if res.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = res.JSON200.NextCursor
	}
	names := map[string]apiclient.Product{}
	for _, p := range found {
		brand := ""
		if p.Brand != nil {
			brand = p.Brand.Name
		}
		if !strings.Contains(p.Name, "사과") && !strings.Contains(brand, "사과") {
			t.Errorf("search 사과 found %q of brand %q", p.Name, brand)
		}
		if _, dup := names[p.Name]; dup {
			t.Errorf("search 사과 found %q twice", p.Name)
		}
		names[p.Name] = p
	}
	// 유기농사과잼 by its name, 아카시아 벌꿀 by its brand's, 사과꽃농원.
	jam, ok := names["유기농사과잼"]
	if !ok {
		t.Fatalf("search 사과 did not find 유기농사과잼; found %d products", len(found))
	}
	if _, ok := names["아카시아 벌꿀"]; !ok {
		t.Error("search 사과 did not find 아카시아 벌꿀, of the brand 사과꽃농원")
	}

	// One product.
	got, err := c.GetProductWithResponse(ctx, jam.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got.JSON200 == nil {
		t.Fatalf("get product: %s %s", got.Status(), got.Body)
	}
	if p := got.JSON200; p.Id != jam.Id || p.Name != jam.Name || p.Price != jam.Price || p.Brand == nil || p.Brand.Name != "사과꽃농원" {
		t.Errorf("get product: %+v, want %s %s %+v of 사과꽃농원", p, jam.Id, jam.Name, jam.Price)
	}
	price := krw(t, jam.Name, jam.Price)

	// Suggestions: the brands first, then the products, each holding 사과.
	sug, err := c.SuggestWithResponse(ctx, &apiclient.SuggestParams{Q: ptr("사과")})
	if err != nil {
		t.Fatal(err)
	}
	if sug.JSON200 == nil || len(sug.JSON200.Suggestions) < 2 {
		t.Fatalf("suggest: %s %s", sug.Status(), sug.Body)
	}
	if s := sug.JSON200.Suggestions[0]; s.Kind != apiclient.SuggestionKindBrand || s.Name != "사과꽃농원" {
		t.Errorf("first suggestion %+v, want the brand 사과꽃농원", s)
	}
	for _, s := range sug.JSON200.Suggestions {
		if !s.Kind.Valid() || !strings.Contains(s.Name, "사과") {
			t.Errorf("suggestion %+v: want a brand or product whose name holds 사과", s)
		}
	}
	if n := len(sug.JSON200.Suggestions); n > 8 {
		t.Errorf("%d suggestions, want at most 8", n)
	}
	if sug.Headers200 == nil || sug.Headers200.CacheControl != "public, max-age=60" {
		t.Errorf("suggest: headers %+v, want Cache-Control public, max-age=60", sug.Headers200)
	}

	// Sign up, under a username nobody has.
	suffix := strings.ToLower(rand.Text()[:10])
	username := "walk_" + suffix
	signUp, err := c.SignUpWithResponse(ctx, apiclient.SignUp{
		Username:        username,
		Password:        "tangerine-Orbit-42",
		PasswordConfirm: "tangerine-Orbit-42",
		Nickname:        "산책" + suffix,
		Email:           username + "@example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	if signUp.StatusCode() != http.StatusCreated || signUp.JSON201 == nil {
		t.Fatalf("sign up: %s %s", signUp.Status(), signUp.Body)
	}
	if signUp.JSON201.Token == "" || signUp.JSON201.Account.Username != username || signUp.JSON201.Account.Staff {
		t.Fatalf("sign up: %+v, want a token and the customer %s", signUp.JSON201, username)
	}
	auth := bearer(signUp.JSON201.Token)

	// The account, with the token and without.
	me, err := c.GetMeWithResponse(ctx, auth)
	if err != nil {
		t.Fatal(err)
	}
	if me.JSON200 == nil {
		t.Fatalf("me: %s %s", me.Status(), me.Body)
	}
	if a := me.JSON200; a.Id != signUp.JSON201.Account.Id || a.Username != username || a.CartCount != 0 || !a.HasPassword {
		t.Errorf("me: %+v, want %s with a password and an empty cart", a, username)
	}
	anon, err := c.GetMeWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if anon.StatusCode() != http.StatusUnauthorized || anon.ApplicationproblemJSON401 == nil ||
		anon.Headers401 == nil || !strings.HasPrefix(anon.Headers401.WWWAuthenticate, "Bearer") {
		t.Errorf("me without a token: %s %s, want 401 with a Bearer challenge", anon.Status(), anon.Body)
	}

	// Two jars in the cart.
	add, err := c.AddToCartWithResponse(ctx, apiclient.CartAdd{ProductId: jam.Id, Quantity: ptr(2)}, auth)
	if err != nil {
		t.Fatal(err)
	}
	if add.JSON200 == nil || add.JSON200.Count != 2 {
		t.Fatalf("add to cart: %s %s", add.Status(), add.Body)
	}
	cart, err := c.GetCartWithResponse(ctx, auth)
	if err != nil {
		t.Fatal(err)
	}
	if cart.JSON200 == nil {
		t.Fatalf("get cart: %s %s", cart.Status(), cart.Body)
	}
	if cc := cart.JSON200; cc.Count != 2 || len(cc.Items) != 1 || cc.Items[0].Product.Id != jam.Id || cc.Items[0].Quantity != 2 {
		t.Fatalf("cart: %+v, want 2 of %s", cc, jam.Name)
	}
	if sub := krw(t, "subtotal", cart.JSON200.Subtotal); sub != 2*price {
		t.Errorf("cart subtotal %d, want %d × 2 = %d", sub, price, 2*price)
	}
	if line := krw(t, "line total", cart.JSON200.Items[0].LineTotal); line != 2*price {
		t.Errorf("line total %d, want %d", line, 2*price)
	}

	// Checkout of the cart to a typed Korean address, paid by card; the
	// same Idempotency-Key again gives the same order.
	address := apiclient.AddressInput{
		Recipient: ptr("김서연"),
		Phone:     ptr("010-1234-5678"),
		Line1:     ptr("부산광역시 해운대구 해운대해변로 264"),
		Line2:     ptr("101동 1203호"),
		City:      ptr("부산"),
		Zipcode:   ptr("48099"),
		Note:      ptr("문 앞에 놓아 주세요"),
	}
	checkout := apiclient.Checkout{
		Source:        ptr(apiclient.CheckoutSourceCart),
		Address:       &address,
		PaymentMethod: ptr(apiclient.PaymentMethodCard),
	}
	key := &apiclient.CheckoutParams{IdempotencyKey: rand.Text()}
	placed, err := c.CheckoutWithResponse(ctx, key, checkout, auth)
	if err != nil {
		t.Fatal(err)
	}
	if placed.StatusCode() != http.StatusCreated || placed.JSON201 == nil {
		t.Fatalf("checkout: %s %s", placed.Status(), placed.Body)
	}
	o := placed.JSON201
	if o.Status != apiclient.OrderStatusPaid || o.PaymentMethod != apiclient.OrderPaymentMethodCard || o.Number == "" {
		t.Errorf("order %s: status %q, payment %q; want a numbered order paid by card", o.Number, o.Status, o.PaymentMethod)
	}
	if len(o.Lines) != 1 || o.Lines[0].ProductId != jam.Id || o.Lines[0].Name != jam.Name || o.Lines[0].Quantity != 2 ||
		o.Lines[0].UnitPrice != jam.Price || krw(t, "order line", o.Lines[0].LineTotal) != 2*price {
		t.Errorf("order lines %+v, want 2 × %s at %s", o.Lines, jam.Name, jam.Price.Amount)
	}
	if total := krw(t, "order total", o.Total); total != 2*price || o.Subtotal != o.Total {
		t.Errorf("order subtotal %+v, total %+v; want %d KRW", o.Subtotal, o.Total, 2*price)
	}
	wantAddress := apiclient.ShippingAddress{
		Recipient: *address.Recipient, Phone: *address.Phone, Line1: *address.Line1, Line2: *address.Line2,
		City: *address.City, Zipcode: *address.Zipcode, Note: *address.Note,
	}
	if o.Address != wantAddress {
		t.Errorf("order address %+v, want %+v", o.Address, wantAddress)
	}
	if placed.Headers201 == nil || placed.Headers201.Location != "/api/orders/"+o.Id.String() {
		t.Errorf("checkout: headers %+v, want Location /api/orders/%s", placed.Headers201, o.Id)
	}
	again, err := c.CheckoutWithResponse(ctx, key, checkout, auth)
	if err != nil {
		t.Fatal(err)
	}
	if again.StatusCode() != http.StatusCreated || again.JSON201 == nil ||
		again.JSON201.Id != o.Id || again.JSON201.Number != o.Number {
		t.Fatalf("checkout again with key %s: %s %s, want order %s again", key.IdempotencyKey, again.Status(), again.Body, o.Number)
	}
	emptied, err := c.GetCartWithResponse(ctx, auth)
	if err != nil {
		t.Fatal(err)
	}
	if emptied.JSON200 == nil || emptied.JSON200.Count != 0 || len(emptied.JSON200.Items) != 0 {
		t.Errorf("cart after checkout: %s %s, want it empty", emptied.Status(), emptied.Body)
	}

	// The order, and the customer's orders: that one only.
	read, err := c.GetOrderWithResponse(ctx, o.Id, auth)
	if err != nil {
		t.Fatal(err)
	}
	if read.JSON200 == nil || read.JSON200.Id != o.Id || read.JSON200.Number != o.Number ||
		read.JSON200.Status != o.Status || read.JSON200.Address != wantAddress || !read.JSON200.PlacedAt.Equal(o.PlacedAt) {
		t.Errorf("get order: %s %s, want order %s as placed", read.Status(), read.Body, o.Number)
	}
	orders, err := c.ListOrdersWithResponse(ctx, &apiclient.ListOrdersParams{}, auth)
	if err != nil {
		t.Fatal(err)
	}
	if orders.JSON200 == nil || len(orders.JSON200.Items) != 1 || orders.JSON200.Items[0].Id != o.Id || orders.JSON200.NextCursor != nil {
		t.Errorf("list orders: %s %s, want order %s alone", orders.Status(), orders.Body, o.Number)
	}

	// The notice board and one post.
	board, err := c.ListPostsWithResponse(ctx, &apiclient.ListPostsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if board.JSON200 == nil || len(board.JSON200.Items) == 0 {
		t.Fatalf("list posts: %s %s", board.Status(), board.Body)
	}
	pg := board.JSON200
	if pg.Page != 1 || pg.Pages < 1 || pg.Total < len(pg.Items) {
		t.Errorf("board page %d of %d, %d posts in all, %d on the page", pg.Page, pg.Pages, pg.Total, len(pg.Items))
	}
	for _, p := range pg.Pinned {
		if !p.Pinned || p.Number != nil {
			t.Errorf("pinned post %q: pinned %v, number %v; want pinned and no number", p.Title, p.Pinned, p.Number)
		}
	}
	post := pg.Items[0]
	if post.Number == nil || *post.Number != pg.Total || post.Title == "" || post.CategoryLabel == "" || !post.Category.Valid() {
		t.Errorf("newest post %+v: want number %d, a title and a category", post, pg.Total)
	}
	one, err := c.GetPostWithResponse(ctx, post.Id)
	if err != nil {
		t.Fatal(err)
	}
	if one.JSON200 == nil || one.JSON200.Id != post.Id || one.JSON200.Title != post.Title ||
		one.JSON200.Body != post.Body || one.JSON200.Author != post.Author || one.JSON200.Number != nil {
		t.Errorf("get post: %s %s, want %q without a number", one.Status(), one.Body, post.Title)
	}

	// A bad limit: the problem document names it.
	bad, err := c.ListProductsWithResponse(ctx, &apiclient.ListProductsParams{Limit: ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	if bad.StatusCode() != http.StatusBadRequest || bad.ApplicationproblemJSON400 == nil {
		t.Fatalf("limit=0: %s %s, want a 400 problem document", bad.Status(), bad.Body)
	}
	p := bad.ApplicationproblemJSON400
	if p.Type != apiclient.ProblemDetailsTypeAboutBlank || p.Status != http.StatusBadRequest || p.Title != "Bad Request" || p.Detail == "" {
		t.Errorf("limit=0: problem %+v", p)
	}
	if p.Errors == nil || (*p.Errors)["limit"] == "" {
		t.Errorf("limit=0: errors %v, want one for limit", p.Errors)
	}
}
