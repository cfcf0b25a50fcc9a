package order_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// FuzzCheckoutTotals checks out random carts and checks the money rules:
// each line total is its unit price times its quantity, rounded to the
// currency's digits; the total is the sum of the line totals; and every
// amount has exactly the currency's digits (none for KRW).
func FuzzCheckoutTotals(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, false)
	f.Add([]byte{255, 0, 99, 17, 42, 8, 200, 13}, true)
	f.Add([]byte{9, 9, 9, 9}, false)
	f.Fuzz(func(t *testing.T, seed []byte, usd bool) {
		if len(seed) < 2 || len(seed) > 40 {
			return
		}
		currency := "KRW"
		if usd {
			currency = "USD"
		}
		ctx := context.Background()
		store := memstore.New(nil)
		staff := commerce.StaffActor(commerce.NewID())
		shop := catalog.NewService(store.Catalog(), &catalog.Options{Currency: currency})
		carts := cart.NewService(store.Carts(), store.Catalog(), &cart.Options{Currency: currency})
		orders := order.NewService(store.Orders(), store.Transactor(), &order.Options{
			Currency: currency,
			Payments: map[order.PaymentMethod]order.PaymentProvider{order.Card: &order.FakeCardProvider{}},
		})
		now := commerce.Now()
		me := commerce.UserActor(commerce.NewID())
		if err := store.Accounts().CreateUser(ctx, account.User{
			ID: me.UserID, Username: "fuzz", Nickname: "fuzz", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
		}, nil); err != nil {
			t.Fatal(err)
		}
		digits, _ := commerce.CurrencyDigits(currency)
		want := commerce.Zero(currency)
		for i := 0; i+1 < len(seed); i += 2 {
			// A price from 0 to 65535 minor units, and a quantity 1..99.
			minor := int64(seed[i])<<8 | int64(seed[(i+2)%len(seed)])
			price := commerce.Money{Amount: decimal.New(minor, -digits), Currency: currency}
			p, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: fmt.Sprint("p", i), Price: price})
			if err != nil {
				t.Fatal(err)
			}
			n := int(seed[i+1])%cart.MaxQuantity + 1
			if _, err := carts.Add(ctx, me, p.ID, n); err != nil {
				t.Fatal(err)
			}
			want, _ = want.Add(price.Mul(int64(n)))
		}
		o, err := orders.Checkout(ctx, me, order.CheckoutInput{
			FromCart: true, PaymentMethod: order.Card, IdempotencyKey: "fuzz",
			Address: &order.AddressInput{Recipient: "수령인", Phone: "010-0000-0000", Line1: "주소", Zipcode: "04524"},
		})
		if err != nil {
			t.Fatal(err)
		}
		sum := commerce.Zero(currency)
		for _, l := range o.Lines {
			if !l.LineTotal.Equal(l.UnitPrice.Mul(int64(l.Quantity))) {
				t.Fatalf("line %s: %s × %d = %s", l.Name, l.UnitPrice, l.Quantity, l.LineTotal)
			}
			if l.LineTotal.Amount.Exponent() != -digits {
				t.Fatalf("line total %s has exponent %d", l.LineTotal, l.LineTotal.Amount.Exponent())
			}
			sum, _ = sum.Add(l.LineTotal)
		}
		if !o.Total.Equal(sum) || !o.Total.Equal(want) || !o.Subtotal.Equal(sum) {
			t.Fatalf("total %s, subtotal %s, Σ lines %s, expected %s", o.Total, o.Subtotal, sum, want)
		}
		if o.Total.Amount.Exponent() != -digits {
			t.Fatalf("total %s has exponent %d, want %d", o.Total, o.Total.Amount.Exponent(), -digits)
		}
	})
}
