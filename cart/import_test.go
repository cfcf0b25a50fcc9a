package cart_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// Move a customer's open cart in from the old shop: the customer finds it
// as they left it, at today's prices, and a second run changes nothing.
func ExampleService_ImportCarts() {
	ctx := context.Background()
	store := memstore.New(nil)
	shop := catalog.NewService(store.Catalog(), nil)
	carts := cart.NewService(store.Carts(), store.Catalog(), nil)
	jam, err := shop.CreateProduct(ctx, commerce.StaffActor(commerce.NewID()), catalog.ProductInput{
		Name: "유기농사과잼", Price: commerce.MustMoney("12000", "KRW"),
	})
	if err != nil {
		log.Fatal(err)
	}
	added := time.Date(2023, 4, 1, 21, 15, 0, 0, time.FixedZone("KST", 9*60*60))
	user := commerce.ImportedID(added.AddDate(-1, 0, 0), "auth_user:1")
	if err := store.Accounts().CreateUser(ctx, account.User{
		ID: user, Username: "minjun", Nickname: "민준", Interests: []uuid.UUID{}, CreatedAt: added, UpdatedAt: added, Version: 1,
	}, nil); err != nil {
		log.Fatal(err)
	}
	open := []cart.ImportedCart{{UserID: user, Lines: []cart.ImportedLine{{ProductID: jam.ID, Quantity: 2, AddedAt: added}}}}
	for range 2 {
		results, err := carts.ImportCarts(ctx, open)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(results[0].Outcome)
	}
	c, err := carts.Cart(ctx, commerce.UserActor(user))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Lines[0].Product.Name, c.Lines[0].Quantity, c.Subtotal, c.Lines[0].AddedAt)
	// Output:
	// created
	// unchanged
	// 유기농사과잼 2 24000 KRW 2023-04-01 12:15:00 +0000 UTC
}
