package order

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// The types of the order's domain events (commerce.Event.Type). Each
// event's AggregateID is the order's id and its Version the order's
// Version after the change: 1 for the placing, one more with each change
// of status.
const (
	// EventOrderPlaced: a checkout placed the order (Service.Checkout).
	// Data: OrderPlaced.
	EventOrderPlaced = "order.placed"
	// EventOrderPaid: the order was paid — at once, by a checkout whose
	// payment completed there (stored with order.placed, after it, both
	// at Version 1), or later, when staff confirmed the payment
	// (Service.SetStatus). Data: OrderStatusChanged.
	EventOrderPaid = "order.paid"
	// EventOrderShipped: staff shipped the order. Data:
	// OrderStatusChanged.
	EventOrderShipped = "order.shipped"
	// EventOrderDelivered: staff marked the order delivered. Data:
	// OrderStatusChanged.
	EventOrderDelivered = "order.delivered"
	// EventOrderCancelled: the customer or staff cancelled the order
	// (Service.Cancel, Service.SetStatus); its stock came back and a paid
	// order is refunded. Data: OrderStatusChanged.
	EventOrderCancelled = "order.cancelled"
)

// statusEvents gives the event type of each status an order moves to.
var statusEvents = map[Status]string{
	Paid:      EventOrderPaid,
	Shipped:   EventOrderShipped,
	Delivered: EventOrderDelivered,
	Cancelled: EventOrderCancelled,
}

// OrderPlaced is the payload of order.placed: the order as the checkout
// stored it, for fulfilment, a confirmation e-mail, accounting or
// analytics. It holds nothing secret: no idempotency key, no payment
// reference. Its JSON form:
//
//	{"id": "…", "number": "20260301-48312207", "user_id": "…",
//	 "status": "pending_payment",
//	 "lines": [{"product_id": "…", "name": "유기농 사과잼",
//	            "unit_price": {"amount": "12000", "currency": "KRW"},
//	            "quantity": 2,
//	            "line_total": {"amount": "24000", "currency": "KRW"}}],
//	 "subtotal": {"amount": "24000", "currency": "KRW"},
//	 "total": {"amount": "24000", "currency": "KRW"},
//	 "payment_method": "bank_transfer",
//	 "address": {"recipient": "김하나", "phone": "010-1234-5678",
//	             "line1": "서울특별시 마포구 월드컵로 1", "line2": "101호",
//	             "city": "서울", "zipcode": "04524", "note": "문 앞에 놓아 주세요"},
//	 "placed_at": "2026-03-01T09:00:00Z"}
type OrderPlaced struct {
	// ID is the order's id.
	ID uuid.UUID `json:"id"`
	// Number is the order's human-readable number.
	Number string `json:"number"`
	// UserID is the customer's id.
	UserID uuid.UUID `json:"user_id"`
	// Status is the order's status as stored: "pending_payment", or
	// "paid" when the payment completed at the checkout (an order.paid
	// event follows).
	Status Status `json:"status"`
	// Lines are the products bought, in product-id order.
	Lines []OrderPlacedLine `json:"lines"`
	// Subtotal is the sum of the line totals.
	Subtotal commerce.Money `json:"subtotal"`
	// Total is what the customer pays.
	Total commerce.Money `json:"total"`
	// PaymentMethod is how the customer pays: "card", "bank_transfer" or
	// "mobile".
	PaymentMethod PaymentMethod `json:"payment_method"`
	// Address is where the order goes.
	Address OrderPlacedAddress `json:"address"`
	// PlacedAt is when the order was placed, UTC.
	PlacedAt time.Time `json:"placed_at"`
}

// OrderPlacedLine is a line of OrderPlaced: a product bought, with its
// name and price at checkout.
type OrderPlacedLine struct {
	// ProductID is the product's id.
	ProductID uuid.UUID `json:"product_id"`
	// Name is the product's name at checkout.
	Name string `json:"name"`
	// UnitPrice is the product's price at checkout.
	UnitPrice commerce.Money `json:"unit_price"`
	// Quantity is the number of units bought.
	Quantity int `json:"quantity"`
	// LineTotal is UnitPrice × Quantity.
	LineTotal commerce.Money `json:"line_total"`
}

// OrderPlacedAddress is the address of OrderPlaced, as the order keeps
// it; "" for a field not given.
type OrderPlacedAddress struct {
	Recipient string `json:"recipient"`
	Phone     string `json:"phone"`
	Line1     string `json:"line1"`
	Line2     string `json:"line2"`
	City      string `json:"city"`
	Zipcode   string `json:"zipcode"`
	// Note is for the courier.
	Note string `json:"note"`
}

// OrderStatusChanged is the payload of order.paid, order.shipped,
// order.delivered and order.cancelled: an order moved from one status to
// another. Its JSON form:
//
//	{"id": "…", "number": "20260301-48312207", "user_id": "…",
//	 "status": "shipped", "previous_status": "paid",
//	 "total": {"amount": "24000", "currency": "KRW"},
//	 "changed_at": "2026-03-02T10:30:00Z"}
type OrderStatusChanged struct {
	// ID is the order's id.
	ID uuid.UUID `json:"id"`
	// Number is the order's human-readable number.
	Number string `json:"number"`
	// UserID is the customer's id.
	UserID uuid.UUID `json:"user_id"`
	// Status is the status the order moved to.
	Status Status `json:"status"`
	// PreviousStatus is the status it moved from: "pending_payment" for
	// an order paid at its checkout.
	PreviousStatus Status `json:"previous_status"`
	// Total is what the customer pays, or paid: what a cancellation
	// refunds when the order was paid.
	Total commerce.Money `json:"total"`
	// ChangedAt is when the status changed, UTC.
	ChangedAt time.Time `json:"changed_at"`
}

// placedEvents returns the events of the checkout that placed o (at
// Version 1): order.placed and, when its payment completed at once,
// order.paid after it.
func placedEvents(o Order) []commerce.Event {
	lines := make([]OrderPlacedLine, len(o.Lines))
	for i, l := range o.Lines {
		// Line and OrderPlacedLine have the same fields: a field added
		// to Line stops this conversion compiling until the payload
		// decides whether to carry it.
		lines[i] = OrderPlacedLine(l)
	}
	a := o.Address
	evs := []commerce.Event{commerce.NewEvent(EventOrderPlaced, o.ID, o.Version, o.PlacedAt, OrderPlaced{
		ID: o.ID, Number: o.Number, UserID: o.UserID, Status: o.Status, Lines: lines,
		Subtotal: o.Subtotal, Total: o.Total, PaymentMethod: o.PaymentMethod,
		Address: OrderPlacedAddress{
			Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2,
			City: a.City, Zipcode: a.Zipcode, Note: a.Note,
		},
		PlacedAt: o.PlacedAt.UTC(),
	})}
	if o.Status == Paid {
		evs = append(evs, statusEvent(o, PendingPayment, o.PlacedAt))
	}
	return evs
}

// statusEvent returns the event of o's move from status from to o.Status
// at time at; o carries its Version after the move.
func statusEvent(o Order, from Status, at time.Time) commerce.Event {
	return commerce.NewEvent(statusEvents[o.Status], o.ID, o.Version, at, OrderStatusChanged{
		ID: o.ID, Number: o.Number, UserID: o.UserID, Status: o.Status, PreviousStatus: from,
		Total: o.Total, ChangedAt: at.UTC(),
	})
}
