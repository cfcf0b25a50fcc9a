package djangoimport

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/account/social/socialtest"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/media/mediaurl"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// target is a shop on the engine that an import writes into: bunstore on
// a new MariaDB database, sessions in memory, images in a memory bucket.
type target struct {
	store    *bunstore.Store
	sessions account.SessionStore
	images   *media.Store
	catalog  *catalog.Service
	accounts *account.Service
	board    *board.Service
	orders   *order.Service
	carts    *cart.Service
}

func newTarget(t *testing.T) *target {
	t.Helper()
	ctx := context.Background()
	db, err := bunstore.Open(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := bunstore.New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	images, err := mediaurl.Open(ctx, "mem://", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { images.Close() })
	mem := memstore.New(nil)
	return &target{
		store: s, sessions: mem.Sessions(), images: images,
		catalog: catalog.NewService(s.Catalog(), &catalog.Options{Media: images, Currency: "KRW"}),
		accounts: account.NewService(s.Accounts(), mem.Sessions(), mem.Attempts(), &account.Options{
			// Few iterations: the legacy hashes re-hashed at sign-in.
			Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000}),
		}),
		board:  board.NewService(s.Board(), nil),
		orders: order.NewService(s.Orders(), s.Transactor(), &order.Options{Currency: "KRW"}),
		carts:  cart.NewService(s.Carts(), s.Catalog(), &cart.Options{Currency: "KRW"}),
	}
}

func (tg *target) importFrom(t *testing.T, from string, mediaDir string) *Report {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	report, err := Import(ctx, Options{
		From: db, Catalog: tg.catalog, Accounts: tg.accounts, Board: tg.board, Orders: tg.orders, Carts: tg.carts,
		MediaDir: mediaDir, Images: tg.images,
	})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return report
}

// userID is the id the import gives a Django user.
func userID(u djangoShopUser) uuid.UUID {
	return commerce.ImportedID(u.DateJoined.UTC().Truncate(time.Microsecond), "auth_user:"+strconv.FormatInt(u.ID, 10))
}

// TestImportDjangoShop imports a shop that real Django made, twice, and
// checks the shop through the engine's services after each run.
func TestImportDjangoShop(t *testing.T) {
	dsn, mediaDir, shop := makeDjangoShop(t)
	tg := newTarget(t)

	first := tg.importFrom(t, dsn, mediaDir)
	var b strings.Builder
	first.WriteTo(&b)
	t.Logf("first run:\n%s", b.String())
	checkFirstReport(t, first, shop)
	checkShop(t, tg, shop, first)

	second := tg.importFrom(t, dsn, mediaDir)
	b.Reset()
	second.WriteTo(&b)
	t.Logf("second run:\n%s", b.String())
	for _, kind := range []string{KindProblems, KindBrands, KindProducts, KindUsers, KindPosts, KindOrders, KindCarts} {
		c1, c2 := first.Counts[kind], second.Counts[kind]
		// Users whose legacy hash was replaced at their sign-in were
		// changed in the shop since: they are kept, not taken back.
		if c2.Written() != 0 || c2.Read != c1.Read || c2.Skipped != c1.Skipped || c2.Unchanged+c2.Kept != c1.Written()+c1.Unchanged {
			t.Errorf("second run, %s: %+v; want nothing written and %d unchanged or kept", kind, *c2, c1.Written())
		}
	}
	checkShop(t, tg, shop, second)
}

// checkFirstReport checks the first run's counts and reasons against
// what make_shop.py made.
func checkFirstReport(t *testing.T, r *Report, shop djangoShop) {
	t.Helper()
	want := map[string]int{
		KindProblems: len(shop.Problems), KindBrands: len(shop.Brands),
		KindProducts: len(shop.Products), KindUsers: len(shop.Users), KindPosts: len(shop.Posts),
	}
	for kind, n := range want {
		if c := r.Counts[kind]; c.Read != n || c.Created != n {
			t.Errorf("%s: %+v; want %d read and created", kind, *c, n)
		}
	}
	// Photos: each missing file and each file that is not an image is
	// reported, the rest stored.
	skipped := map[string]bool{}
	for _, s := range r.Skips {
		if s.Kind == KindPhotos {
			skipped[strings.SplitN(strings.SplitN(s.Reason, " (", 2)[0], ": ", 2)[0]] = true
		}
	}
	for _, p := range append(slices.Clone(shop.MissingMedia), shop.NotImageMedia...) {
		if !skipped[p] {
			t.Errorf("photo %s: not reported as skipped; skips: %v", p, r.Skips)
		}
	}
	if n := len(shop.MissingMedia) + len(shop.NotImageMedia); r.Counts[KindPhotos].Skipped != n {
		t.Errorf("%d photos skipped, want %d", r.Counts[KindPhotos].Skipped, n)
	}
	// Orders: the open cart becomes the customer's cart; the order never
	// completed is skipped, as is the order of a deleted customer.
	var orders, open, never int
	for _, o := range shop.Orders {
		switch {
		case o.Complete == nil:
			never++
		case !*o.Complete:
			open++
		default:
			orders++
		}
	}
	if c := r.Counts[KindOrders]; c.Read != orders {
		t.Errorf("orders: %+v; want %d read", *c, orders)
	}
	if c := r.Counts[KindCarts]; c.Read != open+never || c.Created != open || c.Skipped != never {
		t.Errorf("carts: %+v; want %d read, %d created, %d skipped", *c, open+never, open, never)
	}
	// The look-alike usernames: one keeps its name, the other is renamed.
	renamed := 0
	for _, c := range r.Conflicts {
		if c.Kind == KindUsers && c.Field == "username" {
			renamed++
		}
	}
	if renamed != 1 {
		t.Errorf("%d usernames renamed, want 1 (the look-alike); conflicts: %+v", renamed, r.Conflicts)
	}
}

// usernames returns each Django user's username in the engine: its own,
// or the one the report says it was renamed to.
func usernames(r *Report, shop djangoShop) map[int64]string {
	out := map[int64]string{}
	for _, u := range shop.Users {
		out[u.ID] = u.Username
	}
	for _, c := range r.Conflicts {
		if c.Kind == KindUsers && c.Field == "username" {
			id, _ := strconv.ParseInt(strings.TrimPrefix(c.Source, "auth_user:"), 10, 64)
			out[id] = c.Now
		}
	}
	return out
}

func checkShop(t *testing.T, tg *target, shop djangoShop, r *Report) {
	t.Helper()
	ctx := context.Background()
	names := usernames(r, shop)

	// Every user signs in with the password they had; a disabled user
	// cannot; a legacy hash is replaced at that sign-in.
	legacy := map[string]bool{"sha1": true, "md5": true, "unsalted_sha1": true, "unsalted_md5": true, "pbkdf2_sha1": true}
	for _, u := range shop.Users {
		if u.Hasher == "unusable" {
			continue
		}
		signed, err := tg.accounts.SignIn(ctx, account.Credentials{Username: names[u.ID], Password: u.Password}, "")
		if !u.IsActive {
			if err == nil {
				t.Errorf("user %s (inactive in Django) signed in", u.Username)
			}
			continue
		}
		if err != nil {
			t.Errorf("user %s (%s): sign-in with the Django password: %v", names[u.ID], u.Hasher, err)
			continue
		}
		if signed.Account.ID != userID(u) {
			t.Errorf("user %s signed in as %s, want %s", u.Username, signed.Account.ID, userID(u))
		}
		if signed.Account.Staff != (u.IsStaff || u.IsSuperuser) {
			t.Errorf("user %s: staff %v, want %v", u.Username, signed.Account.Staff, u.IsStaff || u.IsSuperuser)
		}
		stored, err := tg.store.Accounts().GetUser(ctx, userID(u))
		if err != nil {
			t.Fatal(err)
		}
		if legacy[u.Hasher] && !strings.HasPrefix(stored.PasswordHash, "pbkdf2_sha256$") {
			t.Errorf("user %s (%s): hash %.20s… not replaced at sign-in", u.Username, u.Hasher, stored.PasswordHash)
		}
		if _, err := tg.accounts.SignIn(ctx, account.Credentials{Username: names[u.ID], Password: u.Password + "x"}, ""); !errors.Is(err, account.ErrBadCredentials) {
			t.Errorf("user %s, wrong password: %v, want ErrBadCredentials", u.Username, err)
		}
	}

	// A Kakao user signs in through the provider, as the same user.
	for _, u := range shop.Users {
		for _, a := range u.Social {
			if a.Provider != "kakao" {
				continue
			}
			fake := socialtest.New()
			defer fake.Close()
			cfg := fake.Config("https://shop.example/auth/kakao/callback")
			cfg.States = tg.sessions.(account.SignInStateStore)
			p := social.Kakao(cfg)
			state, authURL, err := p.Begin(ctx, "/")
			if err != nil {
				t.Fatal(err)
			}
			kakaoID, _ := strconv.ParseInt(a.UID, 10, 64)
			callback, err := fake.Authorize(authURL, socialtest.KakaoUser(kakaoID, "", false, "카카오"))
			if err != nil {
				t.Fatal(err)
			}
			cb, _ := url.Parse(callback)
			ext, _, err := p.Finish(ctx, state, cb.Query())
			if err != nil {
				t.Fatalf("Kakao sign-in: %v", err)
			}
			signed, err := tg.accounts.SignInExternal(ctx, commerce.Actor{}, ext, "")
			if err != nil {
				t.Fatalf("Kakao user %s: %v", u.Username, err)
			}
			if signed.Account.ID != userID(u) {
				t.Errorf("Kakao user %s signed in as %s, want %s (a new account?)", u.Username, signed.Account.ID, userID(u))
			}
		}
	}

	// The catalog lists the products newest first by their creation
	// time, with their names and prices.
	page, err := tg.catalog.Products(ctx, catalog.ProductFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(shop.Products)
	slices.SortStableFunc(want, func(a, b djangoShopProduct) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if len(page.Items) != len(want) {
		t.Fatalf("%d products listed, want %d", len(page.Items), len(want))
	}
	for i, p := range page.Items {
		w := want[i]
		if p.Name != w.Name || p.Price.Amount.IntPart() != w.Price || p.Price.Currency != "KRW" || !p.CreatedAt.Equal(w.CreatedAt.UTC().Truncate(time.Microsecond)) {
			t.Errorf("product %d: %s %s at %v; want %s %d KRW at %v", i, p.Name, p.Price, p.CreatedAt, w.Name, w.Price, w.CreatedAt)
		}
		if (w.BrandID == nil) != (p.Brand == nil) {
			t.Errorf("product %s: brand %v, want Django's %v", p.Name, p.Brand, w.BrandID)
		}
		missing := 0
		for _, img := range w.Images {
			if slices.Contains(shop.MissingMedia, img) || slices.Contains(shop.NotImageMedia, img) {
				missing++
			}
		}
		if len(p.Images) != len(w.Images)-missing {
			t.Errorf("product %s: %d images, want %d of Django's %d", p.Name, len(p.Images), len(w.Images)-missing, len(w.Images))
		}
	}
	// Search finds an imported product by a word of its name.
	word := strings.Fields(want[0].Name)[0]
	found, err := tg.catalog.Products(ctx, catalog.ProductFilter{Query: word})
	if err != nil || len(found.Items) == 0 {
		t.Errorf("search %q: %d products, %v", word, len(found.Items), err)
	}

	// The board: pinned notices first, then the others newest first.
	listing, err := tg.board.List(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	var pinned int
	for _, p := range shop.Posts {
		if p.Pinned {
			pinned++
		}
	}
	if len(listing.Pinned) != pinned || listing.Total != len(shop.Posts)-pinned {
		t.Errorf("board: %d pinned, %d others; want %d, %d", len(listing.Pinned), listing.Total, pinned, len(shop.Posts)-pinned)
	}
	// The others, newest first, with their titles.
	var others []djangoShopPost
	for _, p := range shop.Posts {
		if !p.Pinned {
			others = append(others, p)
		}
	}
	slices.SortStableFunc(others, func(a, b djangoShopPost) int { return b.CreatedAt.Compare(a.CreatedAt) })
	for i, p := range listing.Items {
		if i < len(others) && p.Title != others[i].Title {
			t.Errorf("board, post %d: %q, want %q", i, p.Title, others[i].Title)
		}
	}

	users := map[int64]djangoShopUser{}
	for _, u := range shop.Users {
		users[u.ID] = u
	}
	// The open cart is the customer's cart, at today's prices.
	for _, o := range shop.Orders {
		if o.Complete == nil || *o.Complete || o.CustomerUserID == nil {
			continue
		}
		c, err := tg.carts.Cart(ctx, commerce.UserActor(userID(users[*o.CustomerUserID])))
		if err != nil {
			t.Fatal(err)
		}
		var want int
		for _, it := range o.Items {
			if it.ProductID != nil {
				want += it.Quantity
			}
		}
		if c.Count != want {
			t.Errorf("the open cart of %s: %d items, want %d", users[*o.CustomerUserID].Username, c.Count, want)
		}
	}

	// Each customer's order history: the completed orders, priced from
	// the product as it is now.
	price := map[int64]int64{}
	for _, p := range shop.Products {
		price[p.ID] = p.Price
	}
	history := map[int64][]djangoShopOrder{}
	for _, o := range shop.Orders {
		if o.Complete != nil && *o.Complete && o.CustomerUserID != nil {
			history[*o.CustomerUserID] = append(history[*o.CustomerUserID], o)
		}
	}
	for uid, orders := range history {
		got, err := tg.orders.Orders(ctx, commerce.UserActor(userID(users[uid])), order.Filter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(orders, func(a, b djangoShopOrder) int { return b.DateOrdered.Compare(a.DateOrdered) })
		var wantOrders []djangoShopOrder
		for _, o := range orders {
			for _, it := range o.Items {
				if it.ProductID != nil {
					wantOrders = append(wantOrders, o)
					break
				}
			}
		}
		if len(got.Items) != len(wantOrders) {
			t.Errorf("user %s: %d orders, want %d", users[uid].Username, len(got.Items), len(wantOrders))
			continue
		}
		for i, o := range got.Items {
			w := wantOrders[i]
			var total int64
			for _, it := range w.Items {
				if it.ProductID != nil {
					total += price[*it.ProductID] * int64(it.Quantity)
				}
			}
			if o.Status != ImportedStatus || o.Total.Amount.IntPart() != total || !o.PlacedAt.Equal(w.DateOrdered.UTC().Truncate(time.Microsecond)) {
				t.Errorf("user %s, order %d: %s, total %s, placed %v; want %s, %d, %v",
					users[uid].Username, w.ID, o.Status, o.Total, o.PlacedAt, ImportedStatus, total, w.DateOrdered)
			}
		}
	}
}

// TestImportResumes stops an import half-way, as a crash or Ctrl-C
// would, and runs it again: the second run writes what the first did not,
// and the shop ends as after one whole run.
func TestImportResumes(t *testing.T) {
	dsn, mediaDir, shop := makeDjangoShop(t)
	tg := newTarget(t)
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stopped, stop := context.WithCancel(ctx)
	defer stop()
	opts := Options{
		From: db, Catalog: tg.catalog, Accounts: tg.accounts, Board: tg.board, Orders: tg.orders, Carts: tg.carts,
		MediaDir: mediaDir, Images: tg.images,
		// Stop once the products are in, before the users.
		Progress: func(kind string, done, total int) {
			if kind == KindProducts && done == total {
				stop()
			}
		},
	}
	if _, err := Import(stopped, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("the stopped import: %v, want context.Canceled", err)
	}
	opts.Progress = nil
	report, err := Import(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if c := report.Counts[KindProducts]; c.Unchanged != len(shop.Products) || c.Written() != 0 {
		t.Errorf("products on the second run: %+v; want all %d unchanged", *c, len(shop.Products))
	}
	if c := report.Counts[KindUsers]; c.Created != len(shop.Users) {
		t.Errorf("users on the second run: %+v; want all %d created", *c, len(shop.Users))
	}
	checkShop(t, tg, shop, report)
}
