package bunstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
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
// the n-gram index ("indexed") runs the plain LIKE query the store used
// before, on the same rows ("like"); beside the home page and a product
// through the store ("bun") runs hand-written database/sql ("sql").
//
//	COMMERCE_BENCH_SIZES=10000,100000,1000000 go test -run '^$' -bench Catalog -benchmem -count 5 -timeout 3h ./storage/bunstore/
//
// "load" reports how long loading took (multi-row INSERTs, the grams in
// key order) and what it wrote.
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
	grams, err := loadCatalog(ctx, db, data)
	if err != nil {
		b.Fatal(err)
	}
	loaded := time.Since(started)

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
		b.ReportMetric(float64(grams), "grams")
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
		for _, way := range []struct {
			name string
			svc  *catalog.Service
		}{{"indexed", svc}, {"like", like}} {
			b.Run("search="+term.name+"/"+way.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					page, err := way.svc.Products(ctx, catalog.ProductFilter{Query: term.query})
					if err != nil || len(page.Items) != term.want {
						b.Fatalf("search %q: %d products, %v; want %d", term.query, len(page.Items), err, term.want)
					}
				}
			})
		}
	}
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
	}
}

// likeRepo is the store's catalog with the search it had before the
// index: LIKE '%q%' on the products' and brands' search keys, newest
// first. It is the baseline of the benchmarks.
type likeRepo struct{ *catalogRepo }

func (r likeRepo) ListProducts(ctx context.Context, q catalog.ProductQuery) ([]catalog.Product, error) {
	var rows []productRow
	sel := r.db.NewSelect().Model(&rows).ColumnExpr(productColumns).
		Join("LEFT JOIN brands AS b ON b.id = p.brand_id")
	if q.Before != uuid.Nil {
		sel = sel.Where("p.id < ?", binID(q.Before))
	}
	if q.Search != "" {
		pattern := likeContains(q.Search)
		sel = sel.Where("p.name_key LIKE ? ESCAPE '!' OR b.name_key LIKE ? ESCAPE '!'", pattern, pattern)
	}
	if err := sel.OrderExpr("p.id DESC").Limit(int64(q.Limit)).Scan(ctx); err != nil {
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
// INSERTs: problems, brands, products, then every product's grams sorted
// by the primary key, so that InnoDB appends to its pages, and the counts.
// It returns the number of gram rows.
func loadCatalog(ctx context.Context, db *bun.DB, data *catalogdata.Catalog) (int, error) {
	repo := &catalogRepo{db: db}
	for _, p := range data.Problems {
		if err := repo.CreateProblem(ctx, p); err != nil {
			return 0, err
		}
	}
	brandKeys := make(map[uuid.UUID]string)
	brands := make([]*brandRow, len(data.Brands))
	for i, b := range data.Brands {
		brands[i] = brandIn(b)
		brandKeys[b.ID] = brands[i].NameKey
	}
	for chunk := range slices.Chunk(brands, 1000) {
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return 0, err
		}
	}

	type pair struct {
		gram int64
		id   uuid.UUID
	}
	var pairs []pair
	counts := make(map[int64]int)
	const batch = 1000
	rows := make([]*productRow, 0, batch)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := db.NewInsert().Model(&rows).Exec(ctx)
		rows = rows[:0]
		return err
	}
	for i := range data.Len() {
		p := data.Product(i)
		row, err := productIn(p)
		if err != nil {
			return 0, err
		}
		rows = append(rows, row)
		brandKey := ""
		if p.Brand != nil {
			brandKey = brandKeys[p.Brand.ID]
		}
		for _, g := range catalog.ProductGrams(row.NameKey, brandKey) {
			pairs = append(pairs, pair{g, p.ID})
			counts[g]++
		}
		if len(rows) == batch {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if a.gram != b.gram {
			if a.gram < b.gram {
				return -1
			}
			return 1
		}
		return compareUUID(a.id, b.id)
	})

	// Two connections write halves of the sorted grams, each appending at
	// its own end of the index, while Go formats the next statement.
	const gramsPerInsert = 5000
	chunks := make(chan []pair)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			var q []byte
			for chunk := range chunks {
				q = append(q[:0], "INSERT INTO product_grams (gram, product_id) VALUES "...)
				for i, p := range chunk {
					if i > 0 {
						q = append(q, ',')
					}
					q = append(q, '(')
					q = strconv.AppendInt(q, p.gram, 10)
					q = append(q, ",X'"...)
					q = hex.AppendEncode(q, p.id[:])
					q = append(q, "')"...)
				}
				if _, err := db.DB.ExecContext(ctx, string(q)); err != nil {
					errs <- err
					for range chunks {
					}
					return
				}
			}
		})
	}
	half := len(pairs) / 2
	go func() {
		// Interleave the two halves so each connection appends in order.
		a, b := slices.Collect(slices.Chunk(pairs[:half], gramsPerInsert)), slices.Collect(slices.Chunk(pairs[half:], gramsPerInsert))
		for i := 0; i < len(a) || i < len(b); i++ {
			if i < len(a) {
				chunks <- a[i]
			}
			if i < len(b) {
				chunks <- b[i]
			}
		}
		close(chunks)
	}()
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	if err := addCounts(ctx, db, counts, true); err != nil {
		return 0, err
	}
	for _, table := range []string{"products", "brands", "product_grams", "product_gram_counts"} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+table); err != nil {
			return 0, err
		}
	}
	return len(pairs), nil
}
