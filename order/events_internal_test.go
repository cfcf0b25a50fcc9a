package order

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// sameJSON fails t unless got is the JSON of want, byte for byte once want
// is compacted: the field names, their order and every value.
func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var w bytes.Buffer
	if err := json.Compact(&w, []byte(want)); err != nil {
		t.Fatalf("%s: the golden JSON is not JSON: %v", what, err)
	}
	if !bytes.Equal(got, w.Bytes()) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, w.Bytes())
	}
}

var placedAt = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func placedOrder(status Status) Order {
	krw := func(s string) commerce.Money { return commerce.MustMoney(s, "KRW") }
	return Order{
		ID: uuid.MustParse("01956a3e-1c00-7000-8000-0000000000d1"), Number: "20260301-48312207",
		UserID: uuid.MustParse("01956a3e-1c00-7000-8000-0000000000a1"), Status: status,
		Lines: []Line{
			{ProductID: uuid.MustParse("01956a3e-1c00-7000-8000-000000000001"), Name: "유기농 사과잼", UnitPrice: krw("12000"), Quantity: 2, LineTotal: krw("24000")},
			{ProductID: uuid.MustParse("01956a3e-1c00-7000-8000-000000000003"), Name: "대나무 칫솔", UnitPrice: krw("3500"), Quantity: 1, LineTotal: krw("3500")},
		},
		Subtotal: krw("27500"), Total: krw("27500"),
		Address: Address{
			ID: uuid.MustParse("01956a3e-1c00-7000-8000-0000000000e1"), UserID: uuid.MustParse("01956a3e-1c00-7000-8000-0000000000a1"),
			Recipient: "김하나", Phone: "010-1234-5678", Line1: "서울특별시 마포구 월드컵로 1", Line2: "101호",
			City: "서울", Zipcode: "04524", Note: "문 앞에 놓아 주세요", CreatedAt: placedAt,
		},
		PaymentMethod: BankTransfer, PaymentRef: "pg-secret-ref", IdempotencyKey: "checkout-7f3a", RequestHash: "abc123",
		PlacedAt: placedAt, UpdatedAt: placedAt, Version: 1,
	}
}

const placedJSON = `{
	"id": "01956a3e-1c00-7000-8000-0000000000d1",
	"number": "20260301-48312207",
	"user_id": "01956a3e-1c00-7000-8000-0000000000a1",
	"status": %q,
	"lines": [
		{"product_id": "01956a3e-1c00-7000-8000-000000000001", "name": "유기농 사과잼",
		 "unit_price": {"amount": "12000", "currency": "KRW"}, "quantity": 2,
		 "line_total": {"amount": "24000", "currency": "KRW"}},
		{"product_id": "01956a3e-1c00-7000-8000-000000000003", "name": "대나무 칫솔",
		 "unit_price": {"amount": "3500", "currency": "KRW"}, "quantity": 1,
		 "line_total": {"amount": "3500", "currency": "KRW"}}
	],
	"subtotal": {"amount": "27500", "currency": "KRW"},
	"total": {"amount": "27500", "currency": "KRW"},
	"payment_method": "bank_transfer",
	"address": {"recipient": "김하나", "phone": "010-1234-5678", "line1": "서울특별시 마포구 월드컵로 1",
	            "line2": "101호", "city": "서울", "zipcode": "04524", "note": "문 앞에 놓아 주세요"},
	"placed_at": "2026-03-01T09:00:00Z"
}`

func TestPlacedEvents(t *testing.T) {
	o := placedOrder(PendingPayment)
	evs := placedEvents(o)
	if len(evs) != 1 {
		t.Fatalf("%d events for an order awaiting payment, want 1", len(evs))
	}
	ev := evs[0]
	if EventOrderPlaced != "order.placed" || ev.Type != EventOrderPlaced || ev.AggregateID != o.ID || ev.Version != 1 || !ev.Time.Equal(placedAt) {
		t.Errorf("event %s about %s at version %d, %v", ev.Type, ev.AggregateID, ev.Version, ev.Time)
	}
	sameJSON(t, "order.placed", ev.Data, fmt.Sprintf(placedJSON, "pending_payment"))
	for _, secret := range []string{"pg-secret-ref", "checkout-7f3a", "abc123", "01956a3e-1c00-7000-8000-0000000000e1"} {
		if bytes.Contains(ev.Data, []byte(secret)) {
			t.Errorf("order.placed holds %q: %s", secret, ev.Data)
		}
	}

	// Paid at once: order.placed, then order.paid, both at version 1.
	o = placedOrder(Paid)
	evs = placedEvents(o)
	if len(evs) != 2 {
		t.Fatalf("%d events for an order paid at checkout, want 2", len(evs))
	}
	sameJSON(t, "order.placed, paid", evs[0].Data, fmt.Sprintf(placedJSON, "paid"))
	paid := evs[1]
	if paid.Type != "order.paid" || paid.AggregateID != o.ID || paid.Version != 1 || !paid.Time.Equal(placedAt) {
		t.Errorf("event %s about %s at version %d, %v", paid.Type, paid.AggregateID, paid.Version, paid.Time)
	}
	sameJSON(t, "order.paid at checkout", paid.Data, `{
		"id": "01956a3e-1c00-7000-8000-0000000000d1",
		"number": "20260301-48312207",
		"user_id": "01956a3e-1c00-7000-8000-0000000000a1",
		"status": "paid",
		"previous_status": "pending_payment",
		"total": {"amount": "27500", "currency": "KRW"},
		"changed_at": "2026-03-01T09:00:00Z"
	}`)
}

func TestStatusEvent(t *testing.T) {
	at := time.Date(2026, 3, 2, 19, 30, 0, 0, time.FixedZone("KST", 9*3600))
	for _, c := range []struct {
		from, to Status
		typ      string
	}{
		{PendingPayment, Paid, "order.paid"},
		{Paid, Shipped, "order.shipped"},
		{Shipped, Delivered, "order.delivered"},
		{PendingPayment, Cancelled, "order.cancelled"},
		{Paid, Cancelled, "order.cancelled"},
	} {
		o := placedOrder(c.to)
		o.Version = 3
		ev := statusEvent(o, c.from, at)
		if ev.Type != c.typ || ev.AggregateID != o.ID || ev.Version != 3 || !ev.Time.Equal(at) {
			t.Errorf("%s → %s: event %s about %s at version %d, %v", c.from, c.to, ev.Type, ev.AggregateID, ev.Version, ev.Time)
		}
		sameJSON(t, c.typ, ev.Data, fmt.Sprintf(`{
			"id": "01956a3e-1c00-7000-8000-0000000000d1",
			"number": "20260301-48312207",
			"user_id": "01956a3e-1c00-7000-8000-0000000000a1",
			"status": %q,
			"previous_status": %q,
			"total": {"amount": "27500", "currency": "KRW"},
			"changed_at": "2026-03-02T10:30:00Z"
		}`, c.to, c.from))
	}
}
