package cart

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// MaxQuantity is the most units of one product a cart line holds.
const MaxQuantity = 99

// Line is one product in a cart.
type Line struct {
	// Product is the product as it is now: its current price, name and
	// stock.
	Product  catalog.Product
	Quantity int
	// LineTotal is the current price times the quantity.
	LineTotal commerce.Money
	// AddedAt is when the product was first put in the cart; lines are
	// listed in that order.
	AddedAt time.Time
	// Unavailable says why the line cannot be bought, or is "" when it
	// can. A product priced in another currency than the shop's (stored
	// before the catalog refused such prices) cannot: the line stays in
	// the cart for the shopper to see and remove, but it is in neither
	// Count nor Subtotal, and checkout refuses it.
	Unavailable string
}

// Cart is a shopper's cart as it is now. Lines of deleted products are not
// in it.
type Cart struct {
	Lines []Line
	// Count is the number of units that can be bought: the sum of the
	// quantities of the lines that are not Unavailable.
	Count int
	// Subtotal is the sum of the totals of the same lines, in the shop's
	// currency: Count and Subtotal always count the same units.
	Subtotal commerce.Money
}

// Buyable reports whether every line of c can be bought: no line is
// Unavailable.
func (c Cart) Buyable() bool {
	for _, l := range c.Lines {
		if l.Unavailable != "" {
			return false
		}
	}
	return true
}

// Summary is what every page shows of a cart: its Count and Subtotal.
type Summary struct {
	Count    int
	Subtotal commerce.Money
}

// Key names a cart in storage: "user:<id>" for a signed-in customer's
// cart, "guest:<session id>" for a visitor's.
type Key string

// UserKey is the key of a customer's cart.
func UserKey(id uuid.UUID) Key { return Key("user:" + id.String()) }

// GuestKey is the key of the cart of the guest session with id sessionID.
func GuestKey(sessionID string) Key { return Key("guest:" + sessionID) }

// KeyOf returns the key of the actor's cart: the user's when signed in,
// the guest session's otherwise, and "" for an actor without either.
func KeyOf(a commerce.Actor) Key {
	switch {
	case a.SignedIn():
		return UserKey(a.UserID)
	case a.SessionID != "":
		return GuestKey(a.SessionID)
	}
	return ""
}
