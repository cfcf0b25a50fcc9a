package bunstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// BenchmarkCheckout measures a buy-now checkout of a tracked product
// through order.Service on the database: the idempotency check, then one
// transaction that reads the product, takes the stock and stores the
// order. It reports checkouts per second beside ns/op.
//
//	go test -run '^$' -bench Checkout -benchmem ./storage/bunstore/
//
// "serial" runs one checkout after another. "parallel/one product" runs
// GOMAXPROCS×4 shoppers at once buying the same product, whose row lock
// makes their transactions take turns; "parallel/many products" gives each
// shopper a product of its own, so they only share the pool (Open's 32
// connections) and the server.
func BenchmarkCheckout(b *testing.B) {
	ctx := context.Background()
	db, err := bunstore.Open(testdb.MySQLDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := bunstore.New(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	sh := newShop(b, s)
	orders := order.NewService(s.Orders(), s.Transactor(), nil)
	me := commerce.UserActor(sh.user.ID)
	address := &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"}
	var keys atomic.Int64
	checkout := func(b *testing.B, p catalog.Product) {
		_, err := orders.Checkout(ctx, me, order.CheckoutInput{
			ProductID: p.ID, Quantity: 1, Address: address, PaymentMethod: order.BankTransfer,
			IdempotencyKey: fmt.Sprint("bench-", keys.Add(1)),
		})
		if err != nil {
			b.Error(err)
		}
	}
	perSecond := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")
	}
	const plenty = 2_000_000_000

	b.Run("serial", func(b *testing.B) {
		p := sh.product(b, "사과잼", intp(plenty))
		b.ReportAllocs()
		for b.Loop() {
			checkout(b, p)
		}
		perSecond(b)
	})
	b.Run("parallel/one product", func(b *testing.B) {
		p := sh.product(b, "한정판 사과잼", intp(plenty))
		b.SetParallelism(4)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				checkout(b, p)
			}
		})
		perSecond(b)
	})
	b.Run("parallel/many products", func(b *testing.B) {
		var next atomic.Int64
		products := make([]catalog.Product, 64)
		for i := range products {
			products[i] = sh.product(b, fmt.Sprint("상품 ", i), intp(plenty))
		}
		b.SetParallelism(4)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			p := products[int(next.Add(1)-1)%len(products)]
			for pb.Next() {
				checkout(b, p)
			}
		})
		perSecond(b)
	})
}
