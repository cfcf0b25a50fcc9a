package bunstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// The program of README.md: open the database, make the store (which
// migrates the schema) and list the newest products. It needs a server, so
// it is compiled but not run.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// For example shop:secret@tcp(127.0.0.1:3306)/shop
	db, err := bunstore.Open(os.Getenv("COMMERCE_MYSQL_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	store, err := bunstore.New(ctx, db, nil)
	if err != nil {
		log.Fatal(err)
	}

	shop := catalog.NewService(store.Catalog(), nil)
	products, err := shop.Newest(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range products {
		brand := "-"
		if p.Brand != nil {
			brand = p.Brand.Name
		}
		fmt.Printf("%s  %s  %s  (%s)\n", p.ID, p.Name, p.Price, brand)
	}
}
