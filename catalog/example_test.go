package catalog_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// A shop embeds the catalog in a few lines: a store, a service, and staff
// to fill it. Anyone may then browse and search.
func Example() {
	ctx := context.Background()
	store := memstore.New(nil)
	shop := catalog.NewService(store.Catalog(), nil)
	staff := commerce.StaffActor(commerce.NewID())

	env, err := shop.CreateProblem(ctx, staff, catalog.ProblemInput{Name: "환경"})
	if err != nil {
		log.Fatal(err)
	}
	farm, err := shop.CreateBrand(ctx, staff, catalog.BrandInput{Name: "사과나무농장", ProblemID: env.ID})
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"유기농사과잼", "배즙", "대나무 칫솔"} {
		in := catalog.ProductInput{Name: name, Price: commerce.MustMoney("12000", "KRW"), BrandID: farm.ID}
		if name == "대나무 칫솔" {
			in.BrandID = uuid.Nil
		}
		if _, err := shop.CreateProduct(ctx, staff, in); err != nil {
			log.Fatal(err)
		}
	}

	// "사과" matches a product name and, through its brand, 배즙.
	page, err := shop.Products(ctx, catalog.ProductFilter{Query: "사과"})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range page.Items {
		fmt.Println(p.Name, p.Price, p.Brand.Name, p.ImageURL)
	}
	// Output:
	// 배즙 12000 KRW 사과나무농장 /static/placeholder.svg
	// 유기농사과잼 12000 KRW 사과나무농장 /static/placeholder.svg
}

// Only staff change the catalog; the service itself refuses everyone else.
func ExampleService_CreateProduct_forbidden() {
	ctx := context.Background()
	shop := catalog.NewService(memstore.New(nil).Catalog(), nil)
	shopper := commerce.UserActor(commerce.NewID())

	_, err := shop.CreateProduct(ctx, shopper, catalog.ProductInput{Name: "몰래 올린 상품"})
	fmt.Println(err)
	// Output:
	// catalog: only staff may change the catalog: forbidden
}

// A refused input names every failing field at once.
func ExampleService_CreateProduct_validation() {
	ctx := context.Background()
	shop := catalog.NewService(memstore.New(nil).Catalog(), nil)
	staff := commerce.StaffActor(commerce.NewID())

	_, err := shop.CreateProduct(ctx, staff, catalog.ProductInput{
		Name:   "",
		Price:  commerce.MustMoney("-100", "KRW"),
		Images: []string{"not a url"},
	})
	fmt.Println(err)
	// Output:
	// invalid input: images: must be an http(s) URL or a path starting with /; name: required; price: must not be negative
}

// Pages are read with the cursor of the page before.
func ExampleService_Products_paging() {
	ctx := context.Background()
	shop := catalog.NewService(memstore.New(nil).Catalog(), nil)
	staff := commerce.StaffActor(commerce.NewID())
	for i := 1; i <= 5; i++ {
		in := catalog.ProductInput{Name: fmt.Sprintf("엽서 %d", i), Price: commerce.MustMoney("2000", "KRW")}
		if _, err := shop.CreateProduct(ctx, staff, in); err != nil {
			log.Fatal(err)
		}
	}
	filter := catalog.ProductFilter{Limit: 2}
	for {
		page, err := shop.Products(ctx, filter)
		if err != nil {
			log.Fatal(err)
		}
		var names []string
		for _, p := range page.Items {
			names = append(names, p.Name)
		}
		fmt.Println(strings.Join(names, ", "))
		if page.NextCursor == "" {
			break
		}
		filter.Cursor = page.NextCursor
	}
	// Output:
	// 엽서 5, 엽서 4
	// 엽서 3, 엽서 2
	// 엽서 1
}
