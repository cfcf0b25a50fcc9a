package cart_test

import (
	"context"
	"fmt"
	"log"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// A visitor fills a guest cart; when they sign up (or sign in) from that
// guest session, it merges into their customer cart: the account service
// is given the cart service as its GuestCarts.
func Example() {
	ctx := context.Background()
	store := memstore.New(nil)
	shop := catalog.NewService(store.Catalog(), nil)
	carts := cart.NewService(store.Carts(), store.Catalog(), nil)
	accounts := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), &account.Options{
		GuestCarts: carts,
		// A low work factor keeps the example fast; keep the default in
		// a shop.
		Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000}),
	})
	staff := commerce.StaffActor(commerce.NewID())

	jam, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: "유기농사과잼", Price: commerce.MustMoney("12000", "KRW")})
	if err != nil {
		log.Fatal(err)
	}
	tea, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{Name: "보리차", Price: commerce.MustMoney("4500", "KRW")})
	if err != nil {
		log.Fatal(err)
	}

	token, guest, err := accounts.StartGuest(ctx)
	if err != nil {
		log.Fatal(err)
	}
	visitor := commerce.Actor{SessionID: guest.ID}
	if _, err := carts.Add(ctx, visitor, jam.ID, 2); err != nil {
		log.Fatal(err)
	}
	if _, err := carts.Add(ctx, visitor, tea.ID, 1); err != nil {
		log.Fatal(err)
	}

	// Signing up from the guest session merges its cart.
	in, err := accounts.SignUp(ctx, account.SignUpInput{
		Username: "minjun", Password: "푸른하늘-Bicycle-42", PasswordConfirm: "푸른하늘-Bicycle-42",
		Nickname: "민준", Email: "minjun@example.com",
	}, token)
	if err != nil {
		log.Fatal(err)
	}
	c, err := carts.Cart(ctx, commerce.UserActor(in.Account.ID))
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range c.Lines {
		fmt.Println(l.Product.Name, l.Quantity, l.LineTotal)
	}
	fmt.Println("count", c.Count, "subtotal", c.Subtotal)

	// Output:
	// 유기농사과잼 2 24000 KRW
	// 보리차 1 4500 KRW
	// count 3 subtotal 28500 KRW
}
