package bunstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/order"
)

// BenchmarkImportOrders imports orders of two lines each, for 100
// customers, into a new database through order.Service.ImportOrders
// (transactions of commerce.ImportBatchSize), and reports orders/s. Run it
// with
//
//	go test -run '^$' -bench ImportOrders -benchtime 1x ./storage/bunstore/
func BenchmarkImportOrders(b *testing.B) {
	const n, customers = 5000, 100
	ctx := context.Background()
	at := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	b.StopTimer()
	for range b.N {
		s, _ := newStore(ctx, b)
		users := make([]uuid.UUID, customers)
		for i := range users {
			users[i] = commerce.ImportedID(at, fmt.Sprint("auth_user:", i))
			err := s.Accounts().CreateUser(ctx, account.User{
				ID: users[i], Username: fmt.Sprint("user", i), Nickname: fmt.Sprint("손님", i),
				Interests: []uuid.UUID{}, CreatedAt: at, UpdatedAt: at, Version: 1,
			}, nil)
			if err != nil {
				b.Fatal(err)
			}
		}
		orders := make([]order.Order, n)
		for i := range orders {
			placed := at.Add(time.Duration(i) * time.Minute)
			orders[i] = order.Order{
				ID: commerce.ImportedID(placed, fmt.Sprint("products_order:", i)), UserID: users[i%customers],
				Status: order.Delivered, PaymentMethod: order.BankTransfer, PlacedAt: placed,
				Address: order.Address{Line1: "서울특별시 중구 세종대로 110", City: "서울", Zipcode: "04524"},
				Lines: []order.Line{
					{Name: "유기농사과잼", UnitPrice: commerce.MustMoney("12000", "KRW"), Quantity: 2},
					{Name: "보리차", UnitPrice: commerce.MustMoney("4500", "KRW"), Quantity: 1},
				},
			}
		}
		svc := order.NewService(s.Orders(), s.Transactor(), nil)
		b.StartTimer()
		start := time.Now()
		results, err := svc.ImportOrders(ctx, orders)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "orders/s")
		for i, r := range results {
			if r.Outcome != commerce.ImportCreated {
				b.Fatalf("order %d: %v, %v", i, r.Outcome, r.Err)
			}
		}
	}
}
