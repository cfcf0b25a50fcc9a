package apiclient_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/impactmuseum/commerce/examples/apiclient"
	"github.com/impactmuseum/commerce/examples/internal/shop"
)

// A client of a shop at a base URL signs up, then sends its Bearer token
// with every request and searches the catalog in Korean.
func Example() {
	ctx := context.Background()
	// The demo shop in memory stands in for a server; a program gives its
	// own server's base URL, such as http://localhost:8080.
	demo, err := shop.OpenDemo(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		log.Fatal(err)
	}
	defer demo.Images.Close()
	srv := httptest.NewServer(demo.API.Handler())
	defer srv.Close()
	baseURL := srv.URL

	anon, err := apiclient.NewClientWithResponses(baseURL)
	if err != nil {
		log.Fatal(err)
	}
	signUp, err := anon.SignUpWithResponse(ctx, apiclient.SignUp{
		Username: "seoyeon", Nickname: "서연", Email: "seoyeon@example.com",
		Password: "tangerine-Orbit-42", PasswordConfirm: "tangerine-Orbit-42",
	})
	if err != nil {
		log.Fatal(err)
	}
	if signUp.JSON201 == nil {
		log.Fatalf("sign up: %s %s", signUp.Status(), signUp.Body)
	}
	token := signUp.JSON201.Token

	c, err := apiclient.NewClientWithResponses(baseURL,
		apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.GetMeWithResponse(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if me.JSON200 == nil {
		log.Fatalf("me: %s %s", me.Status(), me.Body)
	}
	fmt.Println("signed in as", me.JSON200.Nickname)

	q := "사과 잼"
	res, err := c.ListProductsWithResponse(ctx, &apiclient.ListProductsParams{Q: &q})
	if err != nil {
		log.Fatal(err)
	}
	if res.JSON200 == nil {
		log.Fatalf("search: %s %s", res.Status(), res.Body)
	}
	for _, p := range res.JSON200.Items {
		fmt.Println(p.Name, p.Price.Amount, p.Price.Currency)
	}
	// Output:
	// signed in as 서연
	// 유기농사과잼 8900 KRW
}
