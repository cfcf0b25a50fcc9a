package memstore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/catalogdata"
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
// generated catalog (internal/catalogdata), loaded once per size. Beside
// each search through the index ("indexed") runs a loop over every product
// that applies the rule (and, by relevance, sorts the matches) ("scan");
// then suggestions and the writes that keep the index.
//
//	COMMERCE_BENCH_SIZES=10000,100000,1000000 go test -run '^$' -bench Catalog -benchmem -count 5 ./storage/memstore/
func BenchmarkCatalog(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) { benchCatalog(b, size) })
	}
}

func benchCatalog(b *testing.B, size int) {
	ctx := context.Background()
	s := New(nil)
	repo := s.Catalog()
	data := catalogdata.New(size, catalogdata.DefaultSeed)
	started := time.Now()
	for _, p := range data.Problems {
		must(b, repo.CreateProblem(ctx, p))
	}
	for _, br := range data.Brands {
		must(b, repo.CreateBrand(ctx, br))
	}
	for i := range data.Len() {
		must(b, repo.CreateProduct(ctx, data.Product(i)))
	}
	loaded := time.Since(started)
	svc := catalog.NewService(repo, nil)
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
		var entries, bytes uint64
		for _, set := range s.search.sets {
			entries += set.GetCardinality()
			bytes += set.GetSizeInBytes()
		}
		b.ReportMetric(float64(entries), "entries")
		b.ReportMetric(float64(bytes)/float64(size), "index-B/product")
	})
	b.Run("home", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ps, err := svc.Newest(ctx); err != nil || len(ps) != catalog.HomePageSize {
				b.Fatalf("Newest: %d products, %v", len(ps), err)
			}
		}
	})
	b.Run("product", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := svc.Product(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	scan := catalog.NewService(scanRepo{catalogRepo{s: s}}, nil)
	rare := min(20, data.RareCount())
	for _, term := range []struct {
		name, query string
		want        int
	}{
		{"common", catalogdata.CommonTerm, 20},
		{"rare", catalogdata.RareTerm, rare},
		{"miss", catalogdata.MissTerm, 0},
		{"hardmiss", catalogdata.HardMissTerm, 0},
		{"syllable", catalogdata.SyllableTerm, 20},
		{"brand", catalogdata.BrandTerm, 20},
		{"twoterms", catalogdata.TwoTerms, -1},
		{"threeterms", catalogdata.ThreeTerms, -1},
	} {
		if term.want < 0 {
			term.want = len(s.scanProducts(catalog.ProductQuery{Search: catalog.MustParseSearch(term.query), Limit: 20}))
		}
		for _, sort := range []catalog.Sort{catalog.SortNewest, catalog.SortRelevance} {
			name := "search=" + term.name
			if sort == catalog.SortRelevance {
				name = "relevance=" + term.name
			}
			filter := catalog.ProductFilter{Query: term.query, Sort: sort}
			for _, way := range []struct {
				name string
				svc  *catalog.Service
			}{{"indexed", svc}, {"scan", scan}} {
				b.Run(name+"/"+way.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						page, err := way.svc.Products(ctx, filter)
						if err != nil || len(page.Items) != term.want {
							b.Fatalf("search %q: %d products, %v; want %d", term.query, len(page.Items), err, term.want)
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

	user := account.User{
		ID: commerce.NewID(), Username: "bench", Nickname: "벤치", Email: "bench@example.com",
		CreatedAt: commerce.Now(), UpdatedAt: commerce.Now(), Version: 1,
	}
	must(b, s.Accounts().CreateUser(ctx, user, nil))
	me := commerce.UserActor(user.ID)
	carts := cart.NewService(s.Carts(), repo, nil)
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
	buy, err := repo.GetProduct(ctx, ids[len(ids)-1])
	must(b, err)
	plenty := 2_000_000_000
	buy.Stock = &plenty
	must(b, repo.UpdateProduct(ctx, buy, buy.Version))
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

// scanRepo is the store's catalog with the search it had before the
// index, the baseline of the benchmarks.
type scanRepo struct{ catalogRepo }

func (r scanRepo) ListProducts(ctx context.Context, q catalog.ProductQuery) ([]catalog.Product, error) {
	return r.s.scanProducts(q), nil
}
