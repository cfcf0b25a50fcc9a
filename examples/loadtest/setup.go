package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// orderStock is the stock of the product that the order scenario buys:
// the catalog's largest, so that no run sells out.
const orderStock = 1_000_000_000

// setupParallelism bounds the sign-ups in flight. Each costs the server a
// password hash, which keeps a core busy for a while: more in flight
// would only queue there.
const setupParallelism = 4

// fixture is what the timed runs need from the setup.
type fixture struct {
	// runID makes this run's usernames, emails and idempotency keys
	// unique, so runs against one server never collide.
	runID string
	// tokens are the customers' session tokens, used in turn.
	tokens []string
	// orderProducts are the products the order scenario buys, in turn
	// (none without the order scenario).
	orderProducts []string
	// found is how many products the search scenario's query finds on
	// its first page (-1 without the search scenario): a search that
	// finds nothing is fast, and measures little.
	found int
	// pageProduct is the product whose page the page-product scenario
	// reads: the newest.
	pageProduct string
	// products are the products the product scenario reads, in turn:
	// the first page of the catalog, newest first.
	products []string
	// instances is how many instances -url names.
	instances int
}

// prepare makes what the chosen scenarios need: the stocked products
// (via the staff account), and -users customers, each with a cart of two
// products. Sign-ups are slow by design (password hashing), so they
// happen here, before any clock runs.
//
// With several instances the setup goes to them in turn too, and relies
// on their sharing one database and one Redis: the staff token of a
// sign-in on the first instance makes the products on the others, and
// each customer signs up on one instance and fills the cart through the
// next ones. An instance that does not share them fails here, before any
// clock runs.
func prepare(ctx context.Context, client *http.Client, cfg config) (*fixture, error) {
	fx := &fixture{runID: newRunID(), found: -1, instances: len(cfg.bases)}
	// base returns the base URL of the i-th instance in turn.
	base := func(i int) string { return cfg.bases[i%len(cfg.bases)].String() }
	if cfg.wants("search") {
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := doJSON(ctx, client, base(0), http.MethodGet, searchPath(cfg.query), "", nil, http.StatusOK, &page); err != nil {
			return nil, fmt.Errorf("searching for %q: %w", cfg.query, err)
		}
		fx.found = len(page.Items)
	}
	if cfg.wants("page-product") || cfg.wants("product") {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := doJSON(ctx, client, base(0), http.MethodGet, "/api/products?limit=20", "", nil, http.StatusOK, &page); err != nil {
			return nil, fmt.Errorf("listing products for the product scenarios: %w", err)
		}
		if len(page.Items) == 0 {
			return nil, errors.New("product scenarios: the shop has no products (start the server with COMMERCE_DEMO=1)")
		}
		fx.pageProduct = page.Items[0].ID
		for _, p := range page.Items {
			fx.products = append(fx.products, p.ID)
		}
	}
	if cfg.wants("order") {
		staffToken, err := signIn(ctx, client, base(0), cfg.staffUser, cfg.staffPass)
		if err != nil {
			return nil, fmt.Errorf("staff sign-in as %q: %w", cfg.staffUser, err)
		}
		for i := range cfg.products {
			id, err := createProduct(ctx, client, base(1+i), staffToken, fmt.Sprintf("%s-%d", fx.runID, i))
			if err != nil {
				return nil, fmt.Errorf("creating a product to order: %w", err)
			}
			fx.orderProducts = append(fx.orderProducts, id)
		}
	}
	if !cfg.wants("cart") && !cfg.wants("order") {
		return fx, nil
	}
	var cartProducts []string
	if cfg.wants("cart") {
		var err error
		if cartProducts, err = pickCartProducts(ctx, client, base(0), fx.orderProducts); err != nil {
			return nil, err
		}
	}

	fx.tokens = make([]string, cfg.users)
	errs := make([]error, cfg.users)
	sem := make(chan struct{}, setupParallelism)
	var wg sync.WaitGroup
	for i := range cfg.users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			fx.tokens[i], errs[i] = prepareCustomer(ctx, client, cfg.bases, fx.runID, i, cartProducts)
		})
	}
	wg.Wait()
	// When the server is down, every customer fails alike: three say it.
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 3 {
		failed = append(failed[:3], fmt.Errorf("and %d more customers failed", len(failed)-3))
	}
	if err := errors.Join(failed...); err != nil {
		return nil, err
	}
	return fx, nil
}

// newRunID returns 8 random hex digits.
func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// prepareCustomer signs up customer i of the run on instance i (of
// bases, in turn) and, when cartProducts is set, puts one unit of each in
// the cart through the instances that follow, so that with several
// instances the token is used on others than the one that made it. It
// returns the session token.
func prepareCustomer(ctx context.Context, client *http.Client, bases []*url.URL, runID string, i int, cartProducts []string) (string, error) {
	name := fmt.Sprintf("load-%s-%d", runID, i)
	// The password is random: nobody needs it again, and the server's
	// policy refuses guessable ones.
	password := "Lt-" + rand.Text()
	var signedUp struct {
		Token string `json:"token"`
	}
	err := doJSON(ctx, client, bases[i%len(bases)].String(), http.MethodPost, "/api/accounts", "", map[string]any{
		"username": name, "password": password, "password_confirm": password,
		"nickname": fmt.Sprintf("부하%s%d", runID, i), "email": name + "@example.com",
		"interests": []string{},
	}, http.StatusCreated, &signedUp)
	if err != nil {
		return "", fmt.Errorf("signing up %s: %w", name, err)
	}
	if signedUp.Token == "" {
		return "", fmt.Errorf("signing up %s: the answer has no token", name)
	}
	var cart struct {
		Count int `json:"count"`
	}
	for j, id := range cartProducts {
		err := doJSON(ctx, client, bases[(i+1+j)%len(bases)].String(), http.MethodPost, "/api/cart/items", signedUp.Token,
			map[string]any{"product_id": id, "quantity": 1}, http.StatusOK, &cart)
		if err != nil {
			return "", fmt.Errorf("adding %s to the cart of %s: %w", id, name, err)
		}
	}
	if len(cartProducts) > 0 && cart.Count != len(cartProducts) {
		return "", fmt.Errorf("the cart of %s counts %d units, want %d", name, cart.Count, len(cartProducts))
	}
	return signedUp.Token, nil
}

// signIn returns a session token for username and password, signing in
// on the instance at base.
func signIn(ctx context.Context, client *http.Client, base, username, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := doJSON(ctx, client, base, http.MethodPost, "/api/session", "",
		map[string]string{"username": username, "password": password}, http.StatusOK, &out)
	if err != nil {
		return "", err
	}
	if out.Token == "" {
		return "", errors.New("the answer has no token")
	}
	return out.Token, nil
}

// createProduct makes a product with the largest stock the catalog
// takes, for the order scenario to buy, through the instance at base, and
// returns its id. tag makes its name unique.
func createProduct(ctx context.Context, client *http.Client, base, token, tag string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := doJSON(ctx, client, base, http.MethodPost, "/api/products", token, map[string]any{
		"name":        "부하 시험 상품 " + tag,
		"description": "examples/loadtest가 주문 시나리오를 위해 만든 상품입니다.",
		"price":       map[string]string{"amount": "1000", "currency": "KRW"},
		"images":      []string{},
		"stock":       orderStock,
	}, http.StatusCreated, &out)
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("the answer has no id")
	}
	return out.ID, nil
}

// pickCartProducts chooses the two products every cart holds: the newest
// in stock, preferring the catalog's own to those made for orders.
func pickCartProducts(ctx context.Context, client *http.Client, base string, orderProducts []string) ([]string, error) {
	var page struct {
		Items []struct {
			ID    string `json:"id"`
			Stock *int   `json:"stock"`
		} `json:"items"`
	}
	if err := doJSON(ctx, client, base, http.MethodGet, "/api/products?limit=20", "", nil, http.StatusOK, &page); err != nil {
		return nil, fmt.Errorf("listing products for the carts: %w", err)
	}
	var picked []string
	for _, p := range page.Items {
		if !slices.Contains(orderProducts, p.ID) && (p.Stock == nil || *p.Stock > 0) && len(picked) < 2 {
			picked = append(picked, p.ID)
		}
	}
	for _, id := range orderProducts {
		if len(picked) < 2 {
			picked = append(picked, id)
		}
	}
	if len(picked) < 2 {
		return nil, fmt.Errorf("the catalog has %d products in stock; the cart scenario needs 2 (start the server with COMMERCE_DEMO=1)", len(picked))
	}
	return picked, nil
}

// doJSON sends body (nil for none) as JSON with token as a Bearer token
// ("" for none) to the instance at base, and decodes the answer into out
// when its status is want. Another status is an error that names the URL
// (and so the instance) and quotes the start of the answer.
func doJSON(ctx context.Context, client *http.Client, base, method, path, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, base+path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, base+path, resp.Status, excerpt(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, base+path, err)
		}
	}
	return nil
}

// excerpt returns the start of an answer's body, for messages.
func excerpt(b []byte) string {
	const n = 300
	if len(b) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		return strconv.Quote(string(b[:cut])) + "…"
	}
	return strconv.Quote(string(b))
}

// searchPath is the path of the search scenario's request.
func searchPath(q string) string {
	return "/api/products?" + url.Values{"q": {q}}.Encode()
}
