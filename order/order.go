package order

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// Status is where an order stands.
type Status string

// The statuses of an order. An order moves
// pending_payment → paid → shipped → delivered, and may be cancelled while
// pending or paid.
const (
	PendingPayment Status = "pending_payment"
	Paid           Status = "paid"
	Shipped        Status = "shipped"
	Delivered      Status = "delivered"
	Cancelled      Status = "cancelled"
)

// Statuses lists every status in the order an order passes them.
var Statuses = []Status{PendingPayment, Paid, Shipped, Delivered, Cancelled}

// Valid reports whether s is a status.
func (s Status) Valid() bool {
	switch s {
	case PendingPayment, Paid, Shipped, Delivered, Cancelled:
		return true
	}
	return false
}

// next lists the legal moves from each status.
var next = map[Status][]Status{
	PendingPayment: {Paid, Cancelled},
	Paid:           {Shipped, Cancelled},
	Shipped:        {Delivered},
}

// CanMove reports whether an order may move from s to to.
func (s Status) CanMove(to Status) bool {
	for _, n := range next[s] {
		if n == to {
			return true
		}
	}
	return false
}

// PaymentMethod is how a shopper pays.
type PaymentMethod string

// The payment methods.
const (
	Card         PaymentMethod = "card"
	BankTransfer PaymentMethod = "bank_transfer"
	Mobile       PaymentMethod = "mobile"
)

// Valid reports whether m is a payment method.
func (m PaymentMethod) Valid() bool {
	return m == Card || m == BankTransfer || m == Mobile
}

// Address is where an order goes: an entry of a customer's address book,
// or a copy of one inside an order.
type Address struct {
	// ID is the address book entry's id; uuid.Nil inside an order whose
	// address was typed in at checkout.
	ID        uuid.UUID
	UserID    uuid.UUID
	Recipient string
	Phone     string
	Line1     string
	Line2     string
	City      string
	Zipcode   string
	// Note is for the courier, such as "문 앞에 놓아 주세요".
	Note      string
	CreatedAt time.Time
}

// Line is a product bought, with its price as it was at checkout.
type Line struct {
	ProductID uuid.UUID
	// Name is the product's name at checkout.
	Name      string
	UnitPrice commerce.Money
	Quantity  int
	// LineTotal is UnitPrice × Quantity, rounded once to the currency's
	// digits.
	LineTotal commerce.Money
}

// Order is a placed order.
type Order struct {
	ID uuid.UUID
	// Number is the human-readable order number, unique: the date in UTC
	// and eight random digits, such as "20261125-48312207".
	Number   string
	UserID   uuid.UUID
	Status   Status
	Lines    []Line
	Subtotal commerce.Money
	// Total is what the customer pays: the subtotal (the engine charges no
	// fees yet), so Total == Σ LineTotal always.
	Total         commerce.Money
	Address       Address
	PaymentMethod PaymentMethod
	// PaymentRef is the payment provider's reference, if it gave one.
	PaymentRef string
	// IdempotencyKey is the key the checkout was made with, unique per
	// customer, and RequestHash identifies the request it came with.
	IdempotencyKey string
	RequestHash    string
	PlacedAt       time.Time
	UpdatedAt      time.Time
	// Version counts the order's changes: 1 when placed, and one more
	// with each change of status (Repository.SetStatus).
	Version int64
}
