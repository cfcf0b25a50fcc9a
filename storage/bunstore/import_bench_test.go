package bunstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/catalogdata"
	"github.com/impactmuseum/commerce/internal/testdb"
)

// BenchmarkImportProducts stores a generated catalog's products
// (internal/catalogdata, COMMERCE_BENCH_SIZES products, 10,000 by
// default) into a fresh database two ways, and reports products/s:
// "way=bulk" through catalog.Service.ImportProducts in batches of
// commerce.ImportBatchSize, and "way=one" through CreateProduct, one
// product at a time as staff create them. Each op is the whole catalog;
// making the database and importing the problems and brands are not
// timed.
//
//	go test -run '^$' -bench ImportProducts -benchtime 1x ./storage/bunstore/
func BenchmarkImportProducts(b *testing.B) {
	for _, way := range []string{"bulk", "one"} {
		b.Run("way="+way, func(b *testing.B) {
			for _, size := range benchSizes(b) {
				b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) { benchImportProducts(b, way, size) })
			}
		})
	}
}

func benchImportProducts(b *testing.B, way string, size int) {
	ctx := context.Background()
	data := catalogdata.New(size, catalogdata.DefaultSeed)
	products := make([]catalog.Product, size)
	for i := range products {
		products[i] = data.Product(i)
	}
	staff := commerce.StaffActor(commerce.NewID())
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		svc := newImportBenchService(b, data)
		b.StartTimer()
		started := time.Now()
		switch way {
		case "bulk":
			for start := 0; start < size; start += commerce.ImportBatchSize {
				batch := products[start:min(start+commerce.ImportBatchSize, size)]
				res, err := svc.ImportProducts(ctx, batch)
				if err != nil {
					b.Fatal(err)
				}
				for k, r := range res {
					if r.Outcome != commerce.ImportCreated {
						b.Fatalf("product %d: %v (%v)", start+k, r.Outcome, r.Err)
					}
				}
			}
		case "one":
			for _, p := range products {
				in := catalog.ProductInput{Name: p.Name, Description: p.Description, Price: p.Price, Images: p.Images, Stock: p.Stock}
				if p.Brand != nil {
					in.BrandID = p.Brand.ID
				}
				if _, err := svc.CreateProduct(ctx, staff, in); err != nil {
					b.Fatal(err)
				}
			}
		}
		elapsed += time.Since(started)
	}
	b.ReportMetric(float64(size*b.N)/elapsed.Seconds(), "products/s")
}

// newImportBenchService returns the catalog of a fresh database holding
// data's problems and brands.
func newImportBenchService(b *testing.B, data *catalogdata.Catalog) *catalog.Service {
	b.Helper()
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
	svc := catalog.NewService(s.Catalog(), nil)
	if _, err := svc.ImportProblems(ctx, data.Problems); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.ImportBrands(ctx, data.Brands); err != nil {
		b.Fatal(err)
	}
	return svc
}
