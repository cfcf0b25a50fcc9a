package memstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// BenchmarkCheckoutOutbox measures what the outbox adds to a checkout in
// memory: a buy-now checkout of a tracked product through order.Service
// on a store that stores the checkout's event, order.placed ("outbox=on":
// checked, copied and appended to the outbox inside the transaction), and
// on one made with Options.NoOutbox ("outbox=off"):
//
//	go test -run '^$' -bench CheckoutOutbox -benchmem -count 5 ./storage/memstore/
//
// "serial" runs one checkout after another; "parallel" runs GOMAXPROCS×4
// shoppers at once, each buying a product of its own, who take turns at
// the store's lock. Each sub-benchmark has a store of its own, and no
// relay runs, so the outbox of outbox=on grows by one event per checkout.
// It reports checkouts per second beside ns/op.
func BenchmarkCheckoutOutbox(b *testing.B) {
	for _, noOutbox := range []bool{false, true} {
		name := "outbox=on"
		if noOutbox {
			name = "outbox=off"
		}
		b.Run(name, func(b *testing.B) {
			for _, variant := range []string{"serial", "parallel"} {
				b.Run(variant, func(b *testing.B) {
					benchCheckout(b, memstore.New(&memstore.Options{NoOutbox: noOutbox}), variant == "parallel")
				})
			}
		})
	}
}

// benchCheckout times checkouts on s of one unit each of a product with
// stock to spare, one after another or, when parallel is set, by
// shoppers in parallel.
func benchCheckout(b *testing.B, s *memstore.Store, parallel bool) {
	ctx := context.Background()
	user := newUser()
	if err := s.Accounts().CreateUser(ctx, user, nil); err != nil {
		b.Fatal(err)
	}
	me := commerce.UserActor(user.ID)
	shop := catalog.NewService(s.Catalog(), nil)
	products := make([]catalog.Product, 64)
	for i := range products {
		p, err := shop.CreateProduct(ctx, commerce.StaffActor(user.ID), catalog.ProductInput{
			Name: fmt.Sprint("사과잼 ", i), Price: commerce.MustMoney("12000", "KRW"), Stock: new(1_000_000_000),
		})
		if err != nil {
			b.Fatal(err)
		}
		products[i] = p
	}
	orders := order.NewService(s.Orders(), s.Transactor(), nil)
	address := &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"}
	var keys atomic.Int64
	checkout := func(p catalog.Product) {
		_, err := orders.Checkout(ctx, me, order.CheckoutInput{
			ProductID: p.ID, Quantity: 1, Address: address, PaymentMethod: order.BankTransfer,
			IdempotencyKey: fmt.Sprint("bench-", keys.Add(1)),
		})
		if err != nil {
			b.Error(err)
		}
	}

	b.ReportAllocs()
	if parallel {
		var next atomic.Int64
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			p := products[int(next.Add(1)-1)%len(products)]
			for pb.Next() {
				checkout(p)
			}
		})
	} else {
		for b.Loop() {
			checkout(products[0])
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")
}
