package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// TestEventsMatchTheDocument makes every kind of domain event through the
// API — a sign-up, a product's creation, edit to no stock and deletion, a
// checkout paid at once and one paid later, each move of an order, a
// notice — and checks each event, as brokers and webhooks receive it,
// against the schema the OpenAPI document gives its type under webhooks.
// The document lists every kind, and every kind listed is made.
func TestEventsMatchTheDocument(t *testing.T) {
	store := memstore.New(nil)
	cat := catalog.NewService(store.Catalog(), nil)
	f := startWith(t, newServices(store, cat), nil)

	staff, _ := f.staffUser(t, "events_staff")
	customer, _ := f.signUp(t, "events_customer")
	jam := f.product(t, staff, "유기농사과잼", "8900", ptr(5))
	f.call(t, call{method: "PATCH", path: "/api/products/" + jam, bearer: staff, body: obj{"stock": 0}}).want(t, http.StatusOK)
	f.call(t, call{method: "DELETE", path: "/api/products/" + jam, bearer: staff}).want(t, http.StatusNoContent)

	tea := f.product(t, staff, "제주 유기농 녹차", "12000", ptr(10))
	paid := f.checkout(t, customer, "events-card", obj{"product_id": tea, "quantity": 2, "address": home(), "payment_method": "card"}).
		want(t, http.StatusCreated)
	for _, status := range []string{"shipped", "delivered"} {
		f.call(t, call{method: "POST", path: "/api/orders/" + paid["id"].(string) + "/status", bearer: staff,
			body: obj{"status": status}}).want(t, http.StatusOK)
	}
	pending := f.checkout(t, customer, "events-transfer", obj{"product_id": tea, "address": home(), "payment_method": "bank_transfer"}).
		want(t, http.StatusCreated)
	f.call(t, call{method: "POST", path: "/api/orders/" + pending["id"].(string) + "/status", bearer: staff,
		body: obj{"status": "paid"}}).want(t, http.StatusOK)
	f.call(t, call{method: "POST", path: "/api/orders/" + pending["id"].(string) + "/cancel", bearer: customer}).want(t, http.StatusOK)
	// The last units of a product, taken by a checkout.
	last := f.product(t, staff, "못난이 감귤", "15000", ptr(1))
	f.checkout(t, customer, "events-last", obj{"product_id": last, "address": home(), "payment_method": "card"}).want(t, http.StatusCreated)
	f.call(t, call{method: "POST", path: "/api/posts", bearer: staff, body: obj{
		"title": "연말 배송 일정 안내", "body": "12월 24일부터 31일까지는 배송이 하루씩 늦어집니다.", "category": "NORMAL",
	}}).want(t, http.StatusCreated)

	doc, err := openAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]int{}
	for _, ev := range drainEvents(t, store) {
		made[ev.Type]++
		item := doc.Webhooks[ev.Type]
		if item == nil || item.Post == nil || item.Post.RequestBody == nil {
			t.Errorf("the OpenAPI document has no webhook for the event %s", ev.Type)
			continue
		}
		schema := item.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("the %s event does not match the document: %v\n%s", ev.Type, err, b)
		}
	}
	for typ := range doc.Webhooks {
		if made[typ] == 0 {
			t.Errorf("the document lists the event %s, which the walk did not make", typ)
		}
	}
	if t.Failed() {
		t.Logf("events made: %v", made)
	}
}

// drainEvents returns every event the store's outbox holds, in the order
// stored, marking them sent.
func drainEvents(t *testing.T, store *memstore.Store) []commerce.Event {
	t.Helper()
	evs, err := outbox.TakeAll(context.Background(), store.Outbox())
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
