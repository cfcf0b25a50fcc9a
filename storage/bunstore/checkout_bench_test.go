package bunstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// BenchmarkCheckout measures a buy-now checkout of a tracked product
// through order.Service on the database: the idempotency check, then one
// transaction that reads the product, takes the stock and stores the
// order with its event (order.placed). It reports checkouts per second
// beside ns/op.
//
//	go test -run '^$' -bench 'Checkout$' -benchmem ./storage/bunstore/
//
// "serial" runs one checkout after another. "parallel/one product" runs
// GOMAXPROCS×4 shoppers at once buying the same product, whose row lock
// makes their transactions take turns; "parallel/many products" gives each
// shopper a product of its own, so they only share the pool (Open's 32
// connections) and the server.
func BenchmarkCheckout(b *testing.B) {
	db := benchDB(b)
	s, err := bunstore.New(context.Background(), db, nil)
	if err != nil {
		b.Fatal(err)
	}
	benchCheckouts(b, newShop(b, s), []checkoutStore{{"", s}})
}

// BenchmarkCheckoutOutbox measures what the outbox adds to a checkout:
// the checkouts of BenchmarkCheckout on two Stores over one database,
// one that stores the checkout's event ("outbox=on": one more INSERT, into
// outbox_events, inside the transaction) and one made with
// Options.NoOutbox ("outbox=off"), the first Store's variants, then the
// second's:
//
//	go test -run '^$' -bench CheckoutOutbox -benchmem -count 5 ./storage/bunstore/
//
// -bench CheckoutOutbox/outbox=off runs one Store alone. No relay runs:
// the events stay unsent, as they would stay for the retention period
// once sent, so outbox_events grows by one row per checkout of outbox=on.
func BenchmarkCheckoutOutbox(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	on, err := bunstore.New(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	off, err := bunstore.New(ctx, db, &bunstore.Options{NoOutbox: true, SkipMigrations: true})
	if err != nil {
		b.Fatal(err)
	}
	benchCheckouts(b, newShop(b, on), []checkoutStore{{"outbox=on", on}, {"outbox=off", off}})
}

// benchDB returns a *bun.DB over a new database, closed when b ends.
func benchDB(b *testing.B) *bun.DB {
	db, err := bunstore.Open(testdb.MySQLDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// checkoutStore is a Store the checkouts run on, and the name of its
// sub-benchmarks ("" for none).
type checkoutStore struct {
	name string
	s    *bunstore.Store
}

// benchCheckouts runs the variants of BenchmarkCheckout — serial,
// parallel/one product, parallel/many products — on every store in turn,
// for the shop's customer, on products that sh makes (all stores are over
// sh's database).
func benchCheckouts(b *testing.B, sh *shop, stores []checkoutStore) {
	ctx := context.Background()
	me := commerce.UserActor(sh.user.ID)
	address := &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"}
	var keys atomic.Int64
	checkout := func(b *testing.B, orders *order.Service, p catalog.Product) {
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

	variants := func(b *testing.B, orders *order.Service) {
		b.Run("serial", func(b *testing.B) {
			p := sh.product(b, "사과잼", intp(plenty))
			b.ReportAllocs()
			for b.Loop() {
				checkout(b, orders, p)
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
					checkout(b, orders, p)
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
					checkout(b, orders, p)
				}
			})
			perSecond(b)
		})
	}
	for _, st := range stores {
		orders := order.NewService(st.s.Orders(), st.s.Transactor(), nil)
		if st.name == "" {
			variants(b, orders)
			continue
		}
		b.Run(st.name, func(b *testing.B) { variants(b, orders) })
	}
}
