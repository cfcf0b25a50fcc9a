package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/catalogdata"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
)

// benchSizes returns the catalog sizes to benchmark, from
// COMMERCE_BENCH_SIZES (catalogdata.Sizes).
func benchSizes(b *testing.B) []int {
	sizes, err := catalogdata.Sizes(os.Getenv(catalogdata.SizesEnv))
	if err != nil {
		b.Fatal(err)
	}
	return sizes
}

// BenchmarkCatalog measures the shop's reads, a cart and a checkout on a
// generated catalog (internal/catalogdata) in a fresh database per size,
// loaded once and shared by the sub-benchmarks. Beside each search through
// the index ("indexed") runs the search rule in SQL alone, LIKE on every
// row, on the same rows ("like"); beside the home page and a product
// through the store ("bun") runs hand-written database/sql ("sql").
//
//	COMMERCE_BENCH_SIZES=10000,100000,1000000 go test -run '^$' -bench Catalog -benchmem -count 5 -timeout 3h ./storage/bunstore/
//
// "load" reports how long loading took (multi-row INSERTs, then
// RebuildSearch) and the sizes of the index and of the products table.
func BenchmarkCatalog(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) { benchCatalog(b, size) })
	}
}

func benchCatalog(b *testing.B, size int) {
	ctx := context.Background()
	db, err := Open(testdb.MySQLDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := New(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	data := catalogdata.New(size, catalogdata.DefaultSeed)
	started := time.Now()
	index, err := loadCatalog(ctx, db, data)
	if err != nil {
		b.Fatal(err)
	}
	loaded := time.Since(started)
	productBytes, err := tableBytes(ctx, db, "products")
	if err != nil {
		b.Fatal(err)
	}
	indexBytes, err := tableBytes(ctx, db, "search_sets")
	if err != nil {
		b.Fatal(err)
	}
	brandIndexBytes, err := tableBytes(ctx, db, "brand_grams")
	if err != nil {
		b.Fatal(err)
	}

	svc := catalog.NewService(s.Catalog(), nil)
	like := catalog.NewService(likeRepo{s.catalog}, nil)
	ids := make([]uuid.UUID, 1024)
	for i := range ids {
		ids[i] = data.ProductID(i * size / len(ids))
	}

	b.Run("load", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(loaded.Seconds(), "s")
		b.ReportMetric(float64(size), "products")
		b.ReportMetric(float64(index.rows), "set-rows")
		b.ReportMetric(float64(index.bytes)/float64(size), "set-B/product")
		b.ReportMetric(float64(indexBytes)/float64(size), "index-disk-B/product")
		b.ReportMetric(float64(productBytes)/float64(size), "products-disk-B/product")
		b.ReportMetric(float64(indexBytes)/float64(productBytes), "index/products")
		b.ReportMetric(float64(brandIndexBytes)/float64(size), "brand-grams-disk-B/product")
	})
	b.Run("home/bun", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ps, err := svc.Newest(ctx); err != nil || len(ps) != catalog.HomePageSize {
				b.Fatalf("Newest: %d products, %v", len(ps), err)
			}
		}
	})
	b.Run("home/sql", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ps, err := sqlNewest(ctx, db.DB, catalog.HomePageSize); err != nil || len(ps) != catalog.HomePageSize {
				b.Fatalf("sqlNewest: %d products, %v", len(ps), err)
			}
		}
	})
	b.Run("product/bun", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := svc.Product(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("product/sql", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := sqlProduct(ctx, db.DB, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, term := range searchTerms(data) {
		for _, sort := range []catalog.Sort{catalog.SortNewest, catalog.SortRelevance} {
			filter := catalog.ProductFilter{Query: term.query, Sort: sort}
			want, err := like.Products(ctx, filter)
			if err != nil {
				b.Fatal(err)
			}
			if term.want >= 0 && len(want.Items) != term.want {
				b.Fatalf("search %q: %d products by LIKE, want %d", term.query, len(want.Items), term.want)
			}
			name := "search=" + term.name
			if sort == catalog.SortRelevance {
				name = "relevance=" + term.name
			}
			for _, way := range []struct {
				name string
				svc  *catalog.Service
			}{{"indexed", svc}, {"like", like}} {
				b.Run(name+"/"+way.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						page, err := way.svc.Products(ctx, filter)
						if err != nil || len(page.Items) != len(want.Items) {
							b.Fatalf("search %q: %d products, %v; want %d", term.query, len(page.Items), err, len(want.Items))
						}
					}
				})
			}
		}
	}
	catalogdata.BenchSuggest(b, ctx, svc)
	catalogdata.BenchWrites(b, ctx, svc, data)
	brand := data.Brands[len(data.Brands)/2].ID
	b.Run("brand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if bp, err := svc.Brand(ctx, brand); err != nil || len(bp.Products) == 0 {
				b.Fatalf("Brand: %d products, %v", len(bp.Products), err)
			}
		}
	})

	// A customer with three products in the cart, and a product to buy.
	user := account.User{
		ID: commerce.NewID(), Username: "bench", Nickname: "벤치", Email: "bench@example.com",
		CreatedAt: commerce.Now(), UpdatedAt: commerce.Now(), Version: 1,
	}
	if err := s.Accounts().CreateUser(ctx, user, nil); err != nil {
		b.Fatal(err)
	}
	me := commerce.UserActor(user.ID)
	carts := cart.NewService(s.Carts(), s.Catalog(), nil)
	for _, id := range ids[:3] {
		if _, err := carts.Add(ctx, me, id, 2); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cart", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if c, err := carts.Cart(ctx, me); err != nil || len(c.Lines) != 3 {
				b.Fatalf("Cart: %d lines, %v", len(c.Lines), err)
			}
		}
	})
	buy, err := s.Catalog().GetProduct(ctx, ids[len(ids)-1])
	if err != nil {
		b.Fatal(err)
	}
	plenty := 2_000_000_000
	buy.Stock = &plenty
	if err := s.Catalog().UpdateProduct(ctx, buy, buy.Version); err != nil {
		b.Fatal(err)
	}
	orders := order.NewService(s.Orders(), s.Transactor(), nil)
	address := &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"}
	key := 0
	b.Run("checkout", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			key++
			_, err := orders.Checkout(ctx, me, order.CheckoutInput{
				ProductID: buy.ID, Quantity: 1, Address: address, PaymentMethod: order.BankTransfer,
				IdempotencyKey: fmt.Sprint("bench-", key),
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchTerm is a search of the benchmarks and the size of its first page.
type benchTerm struct {
	name, query string
	want        int
}

// searchTerms returns the searches the benchmarks run on data, with the
// number of products their first page (20) holds.
func searchTerms(data *catalogdata.Catalog) []benchTerm {
	page := min(20, data.RareCount())
	return []benchTerm{
		{"common", catalogdata.CommonTerm, 20},
		{"rare", catalogdata.RareTerm, page},
		{"miss", catalogdata.MissTerm, 0},
		{"hardmiss", catalogdata.HardMissTerm, 0},
		{"syllable", catalogdata.SyllableTerm, 20},
		{"brand", catalogdata.BrandTerm, 20},
		{"twoterms", catalogdata.TwoTerms, -1},
		{"threeterms", catalogdata.ThreeTerms, -1},
	}
}

// likeRepo is the store's catalog with the search rule written in SQL
// alone: every term LIKE '%t%' in the product's or the brand's search key
// without spaces, ranked by CASE expressions, on every row newest first.
// It is the baseline of the benchmarks and what the tests check the index
// against.
type likeRepo struct{ *catalogRepo }

func (r likeRepo) ListProducts(ctx context.Context, q catalog.ProductQuery) ([]catalog.Product, error) {
	var rows []productRow
	sel := r.db.NewSelect().Model(&rows).ColumnExpr(productColumns).
		Join("LEFT JOIN brands AS b ON b.id = p.brand_id")
	if q.BrandID != uuid.Nil {
		sel = sel.Where("p.brand_id = ?", binID(q.BrandID))
	}
	order := "p.id DESC"
	if !q.Search.IsZero() {
		name, brand := "REPLACE(p.name_key, ' ', '')", "REPLACE(b.name_key, ' ', '')"
		terms := q.Search.Terms()
		first := terms[0]
		if q.Search.Phrase() {
			name, brand = "p.name_key", "b.name_key"
			terms = []string{q.Search.String()}
			first = terms[0]
		}
		var inName []string
		var args []any
		for _, t := range terms {
			pattern := likeContains(t)
			sel = sel.Where("("+name+" LIKE ? ESCAPE '!' OR "+brand+" LIKE ? ESCAPE '!')", pattern, pattern)
			inName = append(inName, name+" LIKE ? ESCAPE '!'")
			args = append(args, pattern)
		}
		args = append(args, likeEscape(first)+"%")
		rank := "(CASE WHEN " + strings.Join(inName, " AND ") + " THEN 0 ELSE 2 END + CASE WHEN " + name + " LIKE ? ESCAPE '!' THEN 0 ELSE 1 END)"
		if q.Ordered() {
			order = rank + " ASC, p.id DESC"
			sel = sel.OrderExpr(order, args...)
			if q.Before != uuid.Nil {
				sel = sel.Where(rank+" > ? OR "+rank+" = ? AND p.id < ?", append(append(append(slices.Clone(args), q.BeforeRank), args...), q.BeforeRank, binID(q.Before))...)
			}
			order = ""
		}
	}
	if q.Before != uuid.Nil && !q.Ordered() {
		sel = sel.Where("p.id < ?", binID(q.Before))
	}
	if order != "" {
		sel = sel.OrderExpr(order)
	}
	if err := sel.Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]catalog.Product, len(rows))
	for i := range rows {
		p, err := rows[i].out()
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// sqlColumns and sqlScan are the hand-written database/sql baseline: the
// same columns as the store reads, scanned into catalog.Product by hand.
const sqlColumns = "SELECT p.id, p.brand_id, p.name, p.description, p.price_amount, p.price_currency, p.images, " +
	"p.stock, p.created_at, p.updated_at, p.version, b.name FROM products AS p LEFT JOIN brands AS b ON b.id = p.brand_id "

func sqlScan(rows interface{ Scan(...any) error }) (catalog.Product, error) {
	var (
		p                   catalog.Product
		id, brandID, images []byte
		amount              decimal.Decimal
		stock               sql.NullInt64
		brandName           sql.NullString
	)
	err := rows.Scan(&id, &brandID, &p.Name, &p.Description, &amount, &p.Price.Currency, &images,
		&stock, &p.CreatedAt, &p.UpdatedAt, &p.Version, &brandName)
	if err != nil {
		return p, err
	}
	copy(p.ID[:], id)
	if brandID != nil {
		p.Brand = &catalog.BrandRef{Name: brandName.String}
		copy(p.Brand.ID[:], brandID)
	}
	p.Price.Amount = amount.Round(0)
	if err := json.Unmarshal(images, &p.Images); err != nil {
		return p, err
	}
	if stock.Valid {
		n := int(stock.Int64)
		p.Stock = &n
	}
	return p, nil
}

func sqlNewest(ctx context.Context, db *sql.DB, n int) ([]catalog.Product, error) {
	rows, err := db.QueryContext(ctx, sqlColumns+"ORDER BY p.id DESC LIMIT ?", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []catalog.Product
	for rows.Next() {
		p, err := sqlScan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func sqlProduct(ctx context.Context, db *sql.DB, id uuid.UUID) (catalog.Product, error) {
	return sqlScan(db.QueryRowContext(ctx, sqlColumns+"WHERE p.id = ?", id[:]))
}

// loadCatalog writes data into the empty store on db with multi-row
// INSERTs — problems, brands, products — then builds the search index with
// RebuildSearch, as after any load by plain SQL. It returns the index's
// size: its rows and bytes.
func loadCatalog(ctx context.Context, db *bun.DB, data *catalogdata.Catalog) (indexSize, error) {
	repo := &catalogRepo{db: db}
	for _, p := range data.Problems {
		if err := repo.CreateProblem(ctx, p); err != nil {
			return indexSize{}, err
		}
	}
	brands := make([]*brandRow, len(data.Brands))
	for i, b := range data.Brands {
		brands[i] = brandIn(b)
	}
	for chunk := range slices.Chunk(brands, 1000) {
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return indexSize{}, err
		}
	}
	const batch = 1000
	rows := make([]*productRow, 0, batch)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := db.NewInsert().Model(&rows).ExcludeColumn("seq").Exec(ctx)
		rows = rows[:0]
		return err
	}
	for i := range data.Len() {
		row, err := productIn(data.Product(i))
		if err != nil {
			return indexSize{}, err
		}
		rows = append(rows, row)
		if len(rows) == batch {
			if err := flush(); err != nil {
				return indexSize{}, err
			}
		}
	}
	if err := flush(); err != nil {
		return indexSize{}, err
	}
	if err := RebuildSearch(ctx, db); err != nil {
		return indexSize{}, err
	}
	for _, table := range []string{"products", "brands", "search_sets", "brand_grams"} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+table); err != nil {
			return indexSize{}, err
		}
	}
	var size indexSize
	err := db.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(LENGTH(bits)), 0) FROM search_sets").Scan(&size.rows, &size.bytes)
	return size, err
}

// indexSize is the size of search_sets: rows and bytes of sets.
type indexSize struct{ rows, bytes int64 }

// tableBytes returns the bytes that table takes on disk, data and indexes,
// as information_schema tells after ANALYZE TABLE.
func tableBytes(ctx context.Context, db *bun.DB, table string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, "SELECT data_length + index_length FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", table).Scan(&n)
	return n, err
}
