package api

import (
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
)

// GetCart serves GET /api/cart: the cart of the signed-in customer or of
// the guest session. A visitor without a session has an empty cart, and
// gets no session for asking.
func (a *API) GetCart(w http.ResponseWriter, r *http.Request) {
	c, err := a.carts.Cart(r.Context(), ActorFrom(r.Context()))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeCart(w, r, c)
}

type addToCartBody struct {
	ProductID string `json:"product_id"`
	// Quantity is 1 when absent.
	Quantity commerce.Optional[int] `json:"quantity"`
}

// AddToCart serves POST /api/cart/items: quantity (default 1) more units
// of product_id, added to its line. It answers 200 with the cart; 422 for
// a quantity outside 1..99 (or a line that would pass 99) or a product
// that does not exist. A visitor without a session gets a guest session,
// and its cookie, with the first item.
func (a *API) AddToCart(w http.ResponseWriter, r *http.Request) {
	var in addToCartBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	var bad commerce.ValidationError
	id := parseOptionalID(&bad, "product_id", in.ProductID)
	if in.ProductID == "" {
		bad.Add("product_id", "required")
	}
	if err := bad.Err(); err != nil {
		a.bodyError(w, r, err)
		return
	}
	quantity := 1
	if in.Quantity.Set {
		quantity = in.Quantity.Value
	}
	a.changeCart(w, r, true, func(actor commerce.Actor) (cart.Cart, error) {
		return a.carts.Add(r.Context(), actor, id, quantity)
	})
}

type cartQuantityBody struct {
	Quantity commerce.Optional[int] `json:"quantity"`
}

// SetCartQuantity serves PUT /api/cart/items/{product_id}: the line's
// quantity becomes quantity (0..99; 0 removes the line). It answers 200
// with the cart; 404 for a product that does not exist.
func (a *API) SetCartQuantity(w http.ResponseWriter, r *http.Request) {
	id, err := pathProductID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	var in cartQuantityBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	if !in.Quantity.Set {
		a.bodyError(w, r, commerce.Invalid("quantity", "required; 0 removes the line"))
		return
	}
	a.changeCart(w, r, in.Quantity.Value != 0, func(actor commerce.Actor) (cart.Cart, error) {
		c, err := a.carts.SetQuantity(r.Context(), actor, id, in.Quantity.Value)
		if fields := commerce.FieldErrors(err); errors.Is(err, commerce.ErrInvalid) && fields["product_id"] != "" {
			// The product is named by the path, not by the body: a
			// missing one is a missing resource.
			return cart.Cart{}, catalog.ErrProductNotFound
		}
		return c, err
	})
}

// RemoveFromCart serves DELETE /api/cart/items/{product_id}: the line goes,
// whatever its quantity. It answers 200 with the cart, also when the
// product was not in it.
func (a *API) RemoveFromCart(w http.ResponseWriter, r *http.Request) {
	id, err := pathProductID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.changeCart(w, r, false, func(actor commerce.Actor) (cart.Cart, error) {
		return a.carts.Remove(r.Context(), actor, id)
	})
}

// changeCart runs change on the actor's cart and answers with the cart.
//
// A visitor without a session has no cart to change. If adds is true (the
// change may put something in the cart), a guest session starts for it,
// and the answer sets its cookie — only if the change succeeds; otherwise
// the session ends at once. If adds is false (a removal), there is
// nothing to remove: the answer is the empty cart, and no session starts.
func (a *API) changeCart(w http.ResponseWriter, r *http.Request, adds bool, change func(commerce.Actor) (cart.Cart, error)) {
	actor := ActorFrom(r.Context())
	if cart.KeyOf(actor) == "" && !adds {
		a.GetCart(w, r)
		return
	}
	var c cart.Cart
	err := a.cookies.WithGuest(w, r, a.accounts, actor, func(actor commerce.Actor) (err error) {
		c, err = change(actor)
		return err
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.writeCart(w, r, c)
}

// writeCart answers 200 with c. Carts are one shopper's: no cache keeps
// them.
func (a *API) writeCart(w http.ResponseWriter, r *http.Request, c cart.Cart) {
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, a.cartOut(c))
}

// pathProductID parses the {product_id} of the path.
func pathProductID(r *http.Request) (uuid.UUID, error) {
	id, err := commerce.ParseID(r.PathValue("product_id"))
	if err != nil {
		return uuid.Nil, commerce.Invalid("product_id", uuidMessage)
	}
	return id, nil
}
