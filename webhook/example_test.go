package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/webhook"
)

// A consumer written in Go checks each delivery before it trusts it, with
// the secret shown when the endpoint was created.
func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	http.HandleFunc("POST /hooks/shop", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, 5*time.Minute); err != nil {
			http.Error(w, "unverified", http.StatusUnauthorized)
			return
		}
		var ev commerce.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		// A repeated delivery has the same webhook-id, the event's id:
		// handle each id once.
		log.Printf("%s %s about %s", ev.ID, ev.Type, ev.AggregateID)
		w.WriteHeader(http.StatusNoContent)
	})
}

// Sign gives the signature the Standard Webhooks test vector expects.
func ExampleSign() {
	sig, err := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sig)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

// A shop registers an endpoint, hands its events to the Publisher (a
// relay of package outbox does, for the events its services store), and
// runs a dispatcher per server instance.
func ExampleService() {
	ctx := context.Background()
	store := memstore.New(nil)
	hooks, err := webhook.NewService(store.Webhooks(), &webhook.Options{
		EventTypes: []string{"order.placed", "order.paid", "product.out_of_stock"},
	})
	if err != nil {
		log.Fatal(err)
	}
	staff := commerce.StaffActor(commerce.NewID())
	e, err := hooks.Create(ctx, staff, webhook.EndpointInput{
		URL: "https://erp.example.com/hooks/shop", EventTypes: []string{"order.paid"}, Description: "회계 시스템",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Enabled, len(e.Secret) > len(webhook.SecretPrefix))

	ev := commerce.NewEvent("order.paid", commerce.NewID(), 2, time.Now(), map[string]string{"number": "20261201-0001"})
	if err := hooks.Publisher().Publish(ctx, ev); err != nil {
		log.Fatal(err)
	}
	page, err := hooks.Deliveries(ctx, staff, e.ID, webhook.DeliveryFilter{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Items), page.Items[0].Status)

	// In a server: go hooks.Dispatcher().Run(ctx)
	// Output:
	// true true
	// 1 pending
}
