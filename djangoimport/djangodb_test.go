package djangoimport

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"image"
	_ "image/jpeg" // photos of the test shop
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce/internal/testdb"
)

// The test shop is made by real Django: Debian's Python with Django 3.2,
// not whichever python3 comes first on PATH.
const (
	shopPython  = "/usr/bin/python3"
	shopInstall = "apt-get install python3-django python3-django-allauth python3-mysqldb python3-argon2 python3-bcrypt python3-pil"
)

// djangoShop is what testdata/make_shop.py says it wrote: every row of the
// shop's tables that an import reads, read back through Django's ORM, plus
// the clear-text passwords and the photos. Times are UTC.
type djangoShop struct {
	Users    []djangoShopUser    `json:"users"`
	Problems []djangoShopProblem `json:"problems"`
	Brands   []djangoShopBrand   `json:"brands"`
	Products []djangoShopProduct `json:"products"`
	Posts    []djangoShopPost    `json:"posts"`
	Orders   []djangoShopOrder   `json:"orders"`
	// Media lists the photos written under the media folder.
	Media []djangoShopMedia `json:"media"`
	// MissingMedia are paths stored in a row whose file does not exist.
	MissingMedia []string `json:"missing_media"`
	// NotImageMedia are paths stored in a row whose file is not an image.
	NotImageMedia []string `json:"not_image_media"`
}

// djangoShopUser is an auth_user row with its customer profile, its allauth
// addresses and social accounts, and the password it was given.
type djangoShopUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"` // exactly as stored: one is NFD
	Email    string `json:"email"`
	// Password is the clear text; empty when Hasher is "unusable".
	Password string `json:"password"`
	// Hasher is the Django 3.2 algorithm that stored it (pbkdf2_sha256,
	// pbkdf2_sha1, argon2, bcrypt_sha256, bcrypt, sha1, md5,
	// unsalted_sha1, unsalted_md5), or "unusable" for a "!…" password.
	Hasher       string              `json:"hasher"`
	PasswordHash string              `json:"password_hash"`
	IsActive     bool                `json:"is_active"`
	IsStaff      bool                `json:"is_staff"`
	IsSuperuser  bool                `json:"is_superuser"`
	DateJoined   time.Time           `json:"date_joined"`
	LastLogin    *time.Time          `json:"last_login"`
	Customer     *djangoShopCustomer `json:"customer"` // nil: the profile was deleted
	Emails       []djangoShopEmail   `json:"emails"`
	Social       []djangoShopSocial  `json:"social"`
}

// djangoShopCustomer is an accounts_customer row.
type djangoShopCustomer struct {
	ID       int64   `json:"id"`
	Nickname string  `json:"nickname"`
	Email    string  `json:"email"` // empty for the Kakao user
	Problem  *string `json:"problem"`
}

// djangoShopEmail is an account_emailaddress row.
type djangoShopEmail struct {
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
	Primary  bool   `json:"primary"`
}

// djangoShopSocial is a socialaccount_socialaccount row.
type djangoShopSocial struct {
	Provider string `json:"provider"`
	UID      string `json:"uid"`
}

// djangoShopProblem is a posts_problem row.
type djangoShopProblem struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Image        *string `json:"image"`
	ShortContent *string `json:"short_content"`
}

// djangoShopBrand is a posts_brand row.
type djangoShopBrand struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	ProblemID int64   `json:"problem_id"`
	Homepage  string  `json:"homepage"` // one has no scheme
	Logo      *string `json:"logo"`
	Image     *string `json:"image"`
}

// djangoShopProduct is a products_product row.
type djangoShopProduct struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Price   int64  `json:"price"` // whole won
	BrandID *int64 `json:"brand_id"`
	// Images are the non-empty paths of image, image2, image3 in order
	// (Django stores an empty ImageField as '').
	Images    []string  `json:"images"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// djangoShopPost is a posts_post row; its author is a customer.
type djangoShopPost struct {
	ID               int64     `json:"id"`
	Title            string    `json:"title"`
	Category         string    `json:"category"`
	Pinned           bool      `json:"pinned"`
	AuthorCustomerID int64     `json:"author_customer_id"`
	AuthorUserID     int64     `json:"author_user_id"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// djangoShopOrder is a products_order row with its items and the first
// shipping address that names it.
type djangoShopOrder struct {
	ID            int64   `json:"id"`
	Complete      *bool   `json:"complete"` // false: the open cart; nil occurs
	TransactionID *string `json:"transaction_id"`
	// CustomerID and CustomerUserID are nil when the customer was deleted.
	CustomerID     *int64             `json:"customer_id"`
	CustomerUserID *int64             `json:"customer_user_id"`
	DateOrdered    time.Time          `json:"date_ordered"`
	Items          []djangoShopItem   `json:"items"`
	Address        *djangoShopAddress `json:"address"`
}

// djangoShopItem is a products_orderitem row.
type djangoShopItem struct {
	ID        int64     `json:"id"`
	ProductID *int64    `json:"product_id"` // nil: the product was deleted
	Quantity  int       `json:"quantity"`
	DateAdded time.Time `json:"date_added"`
}

// djangoShopAddress is a products_shippingaddress row.
type djangoShopAddress struct {
	Address *string `json:"address"`
	City    *string `json:"city"`
	Zipcode *string `json:"zipcode"`
}

// djangoShopMedia is a photo written under the media folder.
type djangoShopMedia struct {
	Path   string `json:"path"`   // relative to the media folder
	Format string `json:"format"` // JPEG or PNG
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// makeDjangoShop makes a fresh MySQL database holding the Django shop's
// schema (testdata/django-shop-schema.sql) and fills it through Django 3.2
// itself with testdata/make_shop.py, which writes the shop's photos into a
// temporary media folder. It returns the database's DSN (with the
// parameters of COMMERCE_MYSQL_DSN and no others: add parseTime and the
// like yourself), the media folder and what make_shop.py says it made.
// The database and the folder are removed when t ends.
//
// Without Debian's python3-django the test is skipped, naming what to
// install; under CI=true it fails instead, as a missing MySQL does.
func makeDjangoShop(t *testing.T) (dsn, mediaDir string, shop djangoShop) {
	t.Helper()
	shopRequireDjango(t)
	dsn = testdb.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("djangoimport: parsing the test DSN: %v", err)
	}
	shopLoadSchema(t, cfg)

	mediaDir = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, shopPython, "make_shop.py", "--media", mediaDir)
	cmd.Dir = "testdata"
	cmd.Env = shopEnv(cfg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("djangoimport: testdata/make_shop.py: %v\n%s", err, stderr.Bytes())
	}
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields() // the Go types must say all the script says
	if err := dec.Decode(&shop); err != nil {
		t.Fatalf("djangoimport: decoding the output of make_shop.py: %v", err)
	}
	return dsn, mediaDir, shop
}

// shopRequireDjango skips t, or fails it under CI=true, unless Debian's
// python3 can import Django 3.2 and everything make_shop.py uses.
func shopRequireDjango(t *testing.T) {
	t.Helper()
	probe := "import django, allauth, MySQLdb, argon2, bcrypt, PIL\n" +
		"assert django.VERSION[:2] == (3, 2), 'Django %s, not 3.2' % django.get_version()"
	cmd := exec.Command(shopPython, "-c", probe)
	cmd.Env = shopPythonEnv()
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("djangoimport: %s cannot run Django 3.2 (%s): %v\n%s", shopPython, shopInstall, err, out)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// shopLoadSchema gives the test database the shop's collation and runs
// the schema file in it.
func shopLoadSchema(t *testing.T, cfg *mysql.Config) {
	t.Helper()
	schema, err := os.ReadFile(filepath.Join("testdata", "django-shop-schema.sql"))
	if err != nil {
		t.Fatalf("djangoimport: %v", err)
	}
	admin := cfg.Clone()
	admin.MultiStatements = true
	db := shopOpenDB(t, admin)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// testdb makes utf8mb4_unicode_ci databases; the shop's was general_ci.
	alter := "ALTER DATABASE `" + cfg.DBName + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
	if _, err := db.ExecContext(ctx, alter); err != nil {
		t.Fatalf("djangoimport: setting the collation of %s: %v", cfg.DBName, err)
	}
	if _, err := db.ExecContext(ctx, string(schema)); err != nil {
		t.Fatalf("djangoimport: loading django-shop-schema.sql: %v", err)
	}
}

// shopOpenDB opens cfg and closes it when t ends.
func shopOpenDB(t *testing.T, cfg *mysql.Config) *sql.DB {
	t.Helper()
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("djangoimport: %v", err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	return db
}

// shopPythonEnv is our environment less anything that would make Debian's
// python load other packages or another Django project, and with no
// __pycache__ written into testdata.
func shopPythonEnv() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == "PYTHONPATH" || name == "PYTHONHOME" || name == "PYTHONSTARTUP" ||
			name == "DJANGO_SETTINGS_MODULE" || strings.HasPrefix(name, "DJANGO_DB_")
	})
	return append(env, "PYTHONDONTWRITEBYTECODE=1")
}

// shopEnv is the environment of make_shop.py: shopPythonEnv plus the
// database settings that djangoshop/settings.py reads.
func shopEnv(cfg *mysql.Config) []string {
	host, port := cfg.Addr, ""
	if cfg.Net != "unix" {
		if h, p, ok := strings.Cut(cfg.Addr, ":"); ok && !strings.Contains(p, ":") {
			host, port = h, p
		} else if i := strings.LastIndex(cfg.Addr, "]:"); strings.HasPrefix(cfg.Addr, "[") && i > 0 {
			host, port = cfg.Addr[1:i], cfg.Addr[i+2:]
		}
	}
	return append(shopPythonEnv(),
		"DJANGO_DB_NAME="+cfg.DBName,
		"DJANGO_DB_HOST="+host,
		"DJANGO_DB_PORT="+port,
		"DJANGO_DB_USER="+cfg.User,
		"DJANGO_DB_PASSWORD="+cfg.Passwd,
	)
}

// TestMakeDjangoShop checks that makeDjangoShop's database and photos hold
// what its JSON says, so that the importer's tests can rely on both.
func TestMakeDjangoShop(t *testing.T) {
	t.Parallel()
	dsn, mediaDir, shop := makeDjangoShop(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	db := shopOpenDB(t, cfg)
	ctx := context.Background()

	t.Run("schema", func(t *testing.T) {
		var coll string
		if err := db.QueryRowContext(ctx, "SELECT @@collation_database").Scan(&coll); err != nil {
			t.Fatal(err)
		}
		if coll != "utf8mb4_general_ci" {
			t.Errorf("database collation %s, want utf8mb4_general_ci", coll)
		}
		// Django added no table of its own: the schema stays as the SQL made it.
		got := shopQueryStrings(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
		slices.Sort(got)
		want := []string{"account_emailaddress", "accounts_customer", "auth_user", "posts_brand", "posts_post",
			"posts_problem", "products_order", "products_orderitem", "products_product", "products_shippingaddress",
			"socialaccount_socialaccount"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("tables (-want +got):\n%s", diff)
		}
	})

	t.Run("counts", func(t *testing.T) {
		want := map[string]int{
			"auth_user":         len(shop.Users),
			"posts_problem":     len(shop.Problems),
			"posts_brand":       len(shop.Brands),
			"products_product":  len(shop.Products),
			"posts_post":        len(shop.Posts),
			"products_order":    len(shop.Orders),
			"accounts_customer": 0, "account_emailaddress": 0, "socialaccount_socialaccount": 0,
			"products_orderitem": 0, "products_shippingaddress": 0,
		}
		for _, u := range shop.Users {
			if u.Customer != nil {
				want["accounts_customer"]++
			}
			want["account_emailaddress"] += len(u.Emails)
			want["socialaccount_socialaccount"] += len(u.Social)
		}
		for _, o := range shop.Orders {
			want["products_orderitem"] += len(o.Items)
			if o.Address != nil {
				want["products_shippingaddress"]++
			}
		}
		got := map[string]int{}
		for table := range want {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+table+"`").Scan(&n); err != nil {
				t.Fatal(err)
			}
			got[table] = n
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows per table (-json +database):\n%s", diff)
		}
		// What the brief of the test shop promises, so that the importer's
		// tests meet every case.
		if len(shop.Users) < 12 || len(shop.Products) < 20 || len(shop.Brands) < 6 || len(shop.Problems) != 5 || len(shop.Posts) < 8 {
			t.Errorf("shop too small: %d users, %d products, %d brands, %d problems, %d posts",
				len(shop.Users), len(shop.Products), len(shop.Brands), len(shop.Problems), len(shop.Posts))
		}
	})

	t.Run("passwords", func(t *testing.T) {
		stored := map[int64]string{}
		rows, err := db.QueryContext(ctx, "SELECT id, password FROM auth_user")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var pw string
			if err := rows.Scan(&id, &pw); err != nil {
				t.Fatal(err)
			}
			stored[id] = pw
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, u := range shop.Users {
			encoded := stored[u.ID]
			if encoded != u.PasswordHash {
				t.Errorf("user %d: stored hash %q, json says %q", u.ID, encoded, u.PasswordHash)
			}
			kind := shopHasherOf(encoded)
			seen[kind]++
			if kind != u.Hasher {
				t.Errorf("user %d (%s): hash %.20q… is %s, json says %s", u.ID, u.Username, encoded, kind, u.Hasher)
				continue
			}
			if err := shopCheckPassword(u.Password, encoded); err != nil {
				t.Errorf("user %d (%s): %v", u.ID, u.Username, err)
			}
		}
		for _, kind := range []string{"pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt",
			"sha1", "md5", "unsalted_sha1", "unsalted_md5", "unusable"} {
			if seen[kind] == 0 {
				t.Errorf("no user has a %s password", kind)
			}
		}
	})

	t.Run("users", func(t *testing.T) {
		type row struct {
			ID                           int64
			Username, Email              string
			Active, Staff, Super         bool
			Joined                       time.Time
			LastLogin                    sql.NullTime
			Customer                     sql.NullInt64
			Nickname, CustEmail, Problem sql.NullString
		}
		var got, want []row
		rows, err := db.QueryContext(ctx, `SELECT u.id, u.username, u.email, u.is_active, u.is_staff, u.is_superuser,
			u.date_joined, u.last_login, c.id, c.name, c.email, c.problem
			FROM auth_user u LEFT JOIN accounts_customer c ON c.user_id = u.id ORDER BY u.id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.ID, &r.Username, &r.Email, &r.Active, &r.Staff, &r.Super, &r.Joined, &r.LastLogin,
				&r.Customer, &r.Nickname, &r.CustEmail, &r.Problem); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		nfc := map[string][]string{}
		var inactive, staff, super, noCustomer int
		for _, u := range shop.Users {
			r := row{ID: u.ID, Username: u.Username, Email: u.Email, Active: u.IsActive, Staff: u.IsStaff,
				Super: u.IsSuperuser, Joined: u.DateJoined}
			if u.LastLogin != nil {
				r.LastLogin = sql.NullTime{Time: *u.LastLogin, Valid: true}
			}
			if c := u.Customer; c != nil {
				r.Customer = sql.NullInt64{Int64: c.ID, Valid: true}
				r.Nickname = sql.NullString{String: c.Nickname, Valid: true}
				r.CustEmail = sql.NullString{String: c.Email, Valid: true}
				if c.Problem != nil {
					r.Problem = sql.NullString{String: *c.Problem, Valid: true}
				}
			} else {
				noCustomer++
			}
			want = append(want, r)
			nfc[norm.NFC.String(u.Username)] = append(nfc[norm.NFC.String(u.Username)], u.Username)
			if !u.IsActive {
				inactive++
			}
			if u.IsStaff {
				staff++
			}
			if u.IsSuperuser {
				super++
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("users (-json +database):\n%s", diff)
		}
		lookalikes := 0
		for _, names := range nfc {
			if len(names) > 1 {
				lookalikes++
			}
		}
		if lookalikes == 0 || inactive == 0 || staff < 2 || super == 0 || noCustomer != 1 {
			t.Errorf("%d look-alike usernames, %d inactive, %d staff, %d superusers, %d without a customer; want ≥1, ≥1, ≥2, ≥1, 1",
				lookalikes, inactive, staff, super, noCustomer)
		}
	})

	t.Run("products", func(t *testing.T) {
		type row struct {
			ID               int64
			Name             string
			Price            int64
			Brand            sql.NullInt64
			Images           [3]string
			Created, Updated time.Time
		}
		var got, want []row
		rows, err := db.QueryContext(ctx, `SELECT id, product_name, price, brand_id,
			COALESCE(image, ''), COALESCE(image2, ''), COALESCE(image3, ''), created_at, updated_at
			FROM products_product ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.ID, &r.Name, &r.Price, &r.Brand, &r.Images[0], &r.Images[1], &r.Images[2],
				&r.Created, &r.Updated); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		var noBrand, outOfOrder int
		var latest time.Time
		for _, p := range shop.Products {
			r := row{ID: p.ID, Name: p.Name, Price: p.Price, Created: p.CreatedAt, Updated: p.UpdatedAt}
			if p.BrandID != nil {
				r.Brand = sql.NullInt64{Int64: *p.BrandID, Valid: true}
			} else {
				noBrand++
			}
			copy(r.Images[:], p.Images)
			want = append(want, r)
			if p.CreatedAt.Before(latest) {
				outOfOrder++
			}
			if p.CreatedAt.After(latest) {
				latest = p.CreatedAt
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("products (-json +database):\n%s", diff)
		}
		if noBrand != 1 || outOfOrder != 1 {
			t.Errorf("%d products without a brand and %d created before a lower id; want 1 and 1", noBrand, outOfOrder)
		}
	})

	t.Run("orders", func(t *testing.T) {
		type row struct {
			ID          int64
			Complete    sql.NullBool
			Transaction sql.NullString
			Customer    sql.NullInt64
			Ordered     time.Time
			Items       string // id:product:quantity, …
		}
		var got, want []row
		rows, err := db.QueryContext(ctx, `SELECT o.id, o.complete, o.transaction_id, o.customer_id, o.date_ordered,
			COALESCE(GROUP_CONCAT(CONCAT_WS(':', i.id, COALESCE(i.product_id, 'null'), i.quantity) ORDER BY i.id), '')
			FROM products_order o LEFT JOIN products_orderitem i ON i.order_id = o.id GROUP BY o.id ORDER BY o.id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.ID, &r.Complete, &r.Transaction, &r.Customer, &r.Ordered, &r.Items); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		states := map[string]int{}
		var noCustomer, noProduct int
		for _, o := range shop.Orders {
			r := row{ID: o.ID, Ordered: o.DateOrdered}
			state := "null"
			if o.Complete != nil {
				r.Complete = sql.NullBool{Bool: *o.Complete, Valid: true}
				state = strconv.FormatBool(*o.Complete)
			}
			states[state]++
			if o.TransactionID != nil {
				r.Transaction = sql.NullString{String: *o.TransactionID, Valid: true}
			}
			if o.CustomerID != nil {
				r.Customer = sql.NullInt64{Int64: *o.CustomerID, Valid: true}
			} else {
				noCustomer++
			}
			var items []string
			for _, it := range o.Items {
				product := "null"
				if it.ProductID != nil {
					product = strconv.FormatInt(*it.ProductID, 10)
				} else {
					noProduct++
				}
				items = append(items, fmt.Sprintf("%d:%s:%d", it.ID, product, it.Quantity))
			}
			r.Items = strings.Join(items, ",")
			want = append(want, r)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("orders (-json +database):\n%s", diff)
		}
		if states["true"] < 3 || states["false"] != 1 || states["null"] != 1 || noCustomer != 1 || noProduct != 1 {
			t.Errorf("orders by complete %v, %d without a customer, %d items without a product; want ≥3 true, 1 false, 1 null, 1, 1",
				states, noCustomer, noProduct)
		}
	})

	t.Run("posts", func(t *testing.T) {
		got := shopQueryStrings(t, db, `SELECT CONCAT_WS('|', p.id, p.title, p.category, IF(p.top_fixed, 'true', 'false'), c.user_id)
			FROM posts_post p JOIN accounts_customer c ON c.id = p.author_id ORDER BY p.id`)
		var want []string
		pinned := 0
		for _, p := range shop.Posts {
			want = append(want, fmt.Sprintf("%d|%s|%s|%t|%d", p.ID, p.Title, p.Category, p.Pinned, p.AuthorUserID))
			if p.Pinned {
				pinned++
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("posts (-json +database):\n%s", diff)
		}
		if pinned != 2 {
			t.Errorf("%d pinned posts, want 2", pinned)
		}
	})

	t.Run("media", func(t *testing.T) {
		for _, m := range shop.Media {
			f, err := os.Open(filepath.Join(mediaDir, filepath.FromSlash(m.Path)))
			if err != nil {
				t.Errorf("photo %s: %v", m.Path, err)
				continue
			}
			cfg, format, err := image.DecodeConfig(f)
			f.Close()
			if err != nil {
				t.Errorf("photo %s: %v", m.Path, err)
				continue
			}
			if !strings.EqualFold(format, m.Format) || cfg.Width != m.Width || cfg.Height != m.Height {
				t.Errorf("photo %s is a %dx%d %s, json says %dx%d %s", m.Path, cfg.Width, cfg.Height, format, m.Width, m.Height, m.Format)
			}
		}
		for _, p := range shop.MissingMedia {
			if _, err := os.Stat(filepath.Join(mediaDir, filepath.FromSlash(p))); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("missing photo %s: stat gives %v, want not-exist", p, err)
			}
		}
		for _, p := range shop.NotImageMedia {
			f, err := os.Open(filepath.Join(mediaDir, filepath.FromSlash(p)))
			if err != nil {
				t.Errorf("broken photo %s: %v", p, err)
				continue
			}
			_, _, err = image.DecodeConfig(f)
			f.Close()
			if err == nil {
				t.Errorf("broken photo %s decodes as an image", p)
			}
		}
		if len(shop.MissingMedia) != 1 || len(shop.NotImageMedia) != 1 {
			t.Errorf("%d missing and %d broken photos, want 1 and 1", len(shop.MissingMedia), len(shop.NotImageMedia))
		}
		// Every path a row names is a photo, the missing one or the broken one.
		known := map[string]bool{}
		for _, m := range shop.Media {
			known[m.Path] = true
		}
		for _, p := range append(shop.MissingMedia, shop.NotImageMedia...) {
			known[p] = true
		}
		var named []string
		for _, p := range shop.Products {
			named = append(named, p.Images...)
		}
		for _, b := range shop.Brands {
			named = append(named, shopDeref(b.Logo), shopDeref(b.Image))
		}
		for _, p := range shop.Problems {
			named = append(named, shopDeref(p.Image))
		}
		for _, p := range named {
			if p != "" && !known[p] {
				t.Errorf("path %s is in a row but not among the photos", p)
			}
		}
	})
}

// shopHasherOf names the Django 3.2 hasher that made encoded, as Django's
// identify_hasher does, or "unusable" for an unusable password.
func shopHasherOf(encoded string) string {
	switch {
	case strings.HasPrefix(encoded, "!"):
		return "unusable"
	case strings.HasPrefix(encoded, "sha1$$"):
		return "unsalted_sha1"
	case len(encoded) == 32 && !strings.Contains(encoded, "$"), strings.HasPrefix(encoded, "md5$$"):
		return "unsalted_md5"
	}
	algorithm, _, _ := strings.Cut(encoded, "$")
	return algorithm
}

// shopCheckPassword returns an error unless encoded is password's hash.
// It computes the hashes the standard library can (PBKDF2, salted and
// unsalted SHA-1 and MD5); of argon2 and bcrypt hashes, which Django
// itself verified when make_shop.py stored them, it checks the form and
// the cheap costs of testdata/djangoshop/hashers.py.
func shopCheckPassword(password, encoded string) error {
	hexOf := func(h hash.Hash, s string) string {
		h.Write([]byte(s))
		return hex.EncodeToString(h.Sum(nil))
	}
	parts := strings.Split(encoded, "$")
	var ok bool
	switch kind := shopHasherOf(encoded); kind {
	case "pbkdf2_sha256", "pbkdf2_sha1":
		if len(parts) != 4 {
			return fmt.Errorf("%s hash with %d fields, want 4", kind, len(parts))
		}
		iter, err := strconv.Atoi(parts[1])
		if err != nil {
			return fmt.Errorf("%s iterations %q: %v", kind, parts[1], err)
		}
		h, size := sha256.New, sha256.Size
		if kind == "pbkdf2_sha1" {
			h, size = sha1.New, sha1.Size
		}
		key, err := pbkdf2.Key(h, password, []byte(parts[2]), iter, size)
		if err != nil {
			return err
		}
		ok = base64.StdEncoding.EncodeToString(key) == parts[3]
	case "sha1":
		ok = len(parts) == 3 && hexOf(sha1.New(), parts[1]+password) == parts[2]
	case "md5":
		ok = len(parts) == 3 && hexOf(md5.New(), parts[1]+password) == parts[2]
	case "unsalted_sha1":
		ok = encoded == "sha1$$"+hexOf(sha1.New(), password)
	case "unsalted_md5":
		ok = strings.TrimPrefix(encoded, "md5$$") == hexOf(md5.New(), password)
	case "argon2":
		if !strings.HasPrefix(encoded, "argon2$argon2id$v=19$m=1024,t=2,p=2$") {
			return fmt.Errorf("argon2 hash %.40q… lacks the test shop's argon2id m=1024,t=2,p=2", encoded)
		}
		return nil
	case "bcrypt", "bcrypt_sha256":
		if !strings.HasPrefix(encoded, kind+"$$2b$04$") || len(encoded) != len(kind)+1+60 {
			return fmt.Errorf("%s hash %.30q… is not a cost-4 $2b$ hash", kind, encoded)
		}
		return nil
	case "unusable":
		if password != "" {
			return fmt.Errorf("unusable password, yet the clear text is %q", password)
		}
		return nil
	default:
		return fmt.Errorf("unknown hasher %s", kind)
	}
	if !ok {
		return fmt.Errorf("the %s hash does not match the password %q", shopHasherOf(encoded), password)
	}
	return nil
}

// shopQueryStrings returns the single string column of query's rows.
func shopQueryStrings(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// shopDeref returns *s, or "" for nil.
func shopDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
