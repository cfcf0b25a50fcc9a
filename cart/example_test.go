package cart_test

import (
	"context"
	"fmt"
	"log"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// A visitor fills a guest cart; when they sign in, it merges into their
// customer cart.
func Example() {
	ctx := context.Background()
	store := memstore.New(nil)
	shop := catalog.NewService(store.Catalog(), nil)
	carts := cart.NewService(store.Carts(), store.Catalog(), nil)
	staff := commerce.StaffActor(commerce.NewID())

	jam, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: "유기농사과잼", Price: commerce.MustMoney("12000", "KRW")})
	if err != nil {
		log.Fatal(err)
	}
	tea, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: "보리차", Price: commerce.MustMoney("4500", "KRW")})
	if err != nil {
		log.Fatal(err)
	}

	visitor := commerce.Actor{SessionID: "guest-session"}
	if _, err := carts.Add(ctx, visitor, jam.ID, 2); err != nil {
		log.Fatal(err)
	}
	customer := commerce.UserActor(commerce.NewID())
	if _, err := carts.Add(ctx, customer, tea.ID, 1); err != nil {
		log.Fatal(err)
	}

	// Signing in from the guest session merges its cart.
	if err := carts.Merge(ctx, visitor.SessionID, customer.UserID); err != nil {
		log.Fatal(err)
	}
	c, err := carts.Cart(ctx, customer)
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range c.Lines {
		fmt.Println(l.Product.Name, l.Quantity, l.LineTotal)
	}
	fmt.Println("count", c.Count, "subtotal", c.Subtotal)
	// The jam was put in a cart first, so it leads.

	// Output:
	// 유기농사과잼 2 24000 KRW
	// 보리차 1 4500 KRW
	// count 3 subtotal 28500 KRW
}
