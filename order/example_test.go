package order_test

import (
	"context"
	"fmt"
	"log"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// Buy one product now, paying by bank transfer: the order waits for staff
// to confirm the payment. A retry with the same idempotency key returns the
// same order.
func Example() {
	ctx := context.Background()
	store := memstore.New(nil)
	shop := catalog.NewService(store.Catalog(), nil)
	orders := order.NewService(store.Orders(), store.Transactor(), nil) // bank transfers only
	staff := commerce.StaffActor(commerce.NewID())

	stock := 3
	jam, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{
		Name: "유기농사과잼", Price: commerce.MustMoney("12000", "KRW"), Stock: &stock,
	})
	if err != nil {
		log.Fatal(err)
	}
	now := commerce.Now()
	me := commerce.UserActor(commerce.NewID())
	if err := store.Accounts().CreateUser(ctx, account.User{
		ID: me.UserID, Username: "minjun", Nickname: "민준", Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}, nil); err != nil {
		log.Fatal(err)
	}

	in := order.CheckoutInput{
		ProductID: jam.ID, Quantity: 2, PaymentMethod: order.BankTransfer, IdempotencyKey: "checkout-1",
		Address: &order.AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"},
	}
	o, err := orders.Checkout(ctx, me, in)
	if err != nil {
		log.Fatal(err)
	}
	again, err := orders.Checkout(ctx, me, in)
	if err != nil {
		log.Fatal(err)
	}
	left, _ := shop.Product(ctx, jam.ID)
	fmt.Println(o.Status, o.Total, again.ID == o.ID, *left.Stock)

	paid, err := orders.SetStatus(ctx, staff, o.ID, order.Paid)
	if err != nil {
		log.Fatal(err)
	}
	_, err = orders.SetStatus(ctx, staff, o.ID, order.Delivered) // not shipped yet
	fmt.Println(paid.Status, err)
	// Output:
	// pending_payment 24000 KRW true 1
	// paid order: status change not allowed: conflict: paid → delivered
}
