package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/order"
)

// IdempotencyKeyHeader is the request header that makes POST /api/orders
// safe to retry.
const IdempotencyKeyHeader = "Idempotency-Key"

// ---- the address book ----

// addressBody is an address as a customer types it: the body of
// POST /api/addresses, and the "address" of a checkout.
type addressBody struct {
	Recipient string `json:"recipient"`
	Phone     string `json:"phone"`
	Line1     string `json:"line1"`
	Line2     string `json:"line2"`
	City      string `json:"city"`
	Zipcode   string `json:"zipcode"`
	Note      string `json:"note"`
}

// UnmarshalJSON refuses unknown fields, as decodeBody does at the top
// level: inside a checkout's "address", a misspelt "zipcod" must not pass
// unnoticed.
func (b *addressBody) UnmarshalJSON(data []byte) error {
	type plain addressBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*b = addressBody(p)
	return nil
}

// jsonShape says what JSON an address takes, for decodeBody's messages.
func (addressBody) jsonShape() string {
	return "an address object with recipient, phone, line1, line2, city, zipcode and note (strings)"
}

func (b addressBody) input() order.AddressInput {
	return order.AddressInput{
		Recipient: b.Recipient, Phone: b.Phone, Line1: b.Line1, Line2: b.Line2,
		City: b.City, Zipcode: b.Zipcode, Note: b.Note,
	}
}

// ListAddresses serves GET /api/addresses: the customer's address book,
// oldest first, as a list whose next_cursor is always null.
func (a *API) ListAddresses(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, order.ErrSignInRequired) {
		return
	}
	book, err := a.orders.Addresses(r.Context(), ActorFrom(r.Context()))
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, listJSON[addressJSON]{Items: mapOut(book, addressOut)})
}

// CreateAddress serves POST /api/addresses: 201 with the new entry of the
// customer's address book (at most 20).
func (a *API) CreateAddress(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, order.ErrSignInRequired) {
		return
	}
	var in addressBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	addr, err := a.orders.AddAddress(r.Context(), ActorFrom(r.Context()), in.input())
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusCreated, addressOut(addr))
}

// DeleteAddress serves DELETE /api/addresses/{id}: 204. Orders keep their
// own copy of the address. Another customer's address is 404.
func (a *API) DeleteAddress(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, order.ErrSignInRequired) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.deleted(w, r, a.orders.DeleteAddress(r.Context(), ActorFrom(r.Context()), id))
}

// ---- checkout ----

type checkoutBody struct {
	// Source "cart" checks out the whole cart; otherwise ProductID and
	// Quantity (default 1) buy one product now.
	Source    string                 `json:"source"`
	ProductID string                 `json:"product_id"`
	Quantity  commerce.Optional[int] `json:"quantity"`
	// AddressID names a saved address; Address is typed in.
	AddressID     string       `json:"address_id"`
	Address       *addressBody `json:"address"`
	PaymentMethod string       `json:"payment_method"`
}

// Checkout serves POST /api/orders: an order from the whole cart
// ({"source": "cart"}) or of one product ({"product_id", "quantity"}),
// to a saved address ("address_id") or a typed one ("address"), paid by
// "payment_method". The Idempotency-Key header is required: a retry with
// the same key and body returns the same order, with the same 201; the
// same key with another body is 409.
//
// It answers 201 with the order; 400 when the key is missing or malformed
// (errors names the header; order.CheckKey is the rule); 409 when a
// product is out of stock (errors names product_id), when the payment is
// declined or the key was used for another request; 422 for an empty cart
// (errors names source) or invalid fields; 503 when the request's deadline
// passed first — no order was stored then, unless the database applied a
// commit it had not yet answered, which a retry with the same key finds.
func (a *API) Checkout(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, order.ErrSignInRequired) {
		return
	}
	key, err := order.CheckKey(r.Header.Get(IdempotencyKeyHeader))
	if err != nil {
		msg := commerce.FieldErrors(err)["idempotency_key"]
		detail := "the " + IdempotencyKeyHeader + " header " + msg
		if strings.TrimSpace(r.Header.Get(IdempotencyKeyHeader)) == "" {
			detail = "send an " + IdempotencyKeyHeader + " header: a key of your choosing, such as a UUID, " +
				"that is the same when you retry this checkout and new for the next"
		}
		a.Error(w, r, &httpError{status: http.StatusBadRequest, detail: detail, fields: map[string]string{IdempotencyKeyHeader: msg}})
		return
	}
	var body checkoutBody
	if err := a.decodeBody(w, r, &body); err != nil {
		a.bodyError(w, r, err)
		return
	}
	in := order.CheckoutInput{IdempotencyKey: key, PaymentMethod: order.PaymentMethod(body.PaymentMethod)}
	var bad commerce.ValidationError
	switch body.Source {
	case "cart":
		in.FromCart = true
		if body.ProductID != "" || body.Quantity.Set {
			bad.Add("source", `give "source": "cart" or product_id and quantity, not both`)
		}
	case "":
		in.ProductID = parseOptionalID(&bad, "product_id", body.ProductID)
		in.Quantity = 1
		if body.Quantity.Set {
			in.Quantity = body.Quantity.Value
		}
	default:
		bad.Add("source", `must be "cart", or absent to buy product_id now`)
	}
	in.AddressID = parseOptionalID(&bad, "address_id", body.AddressID)
	if body.Address != nil {
		addr := body.Address.input()
		in.Address = &addr
	}
	if err := bad.Err(); err != nil {
		a.bodyError(w, r, err)
		return
	}
	o, err := a.orders.Checkout(r.Context(), ActorFrom(r.Context()), in)
	if err != nil {
		a.bodyError(w, r, checkoutError(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.created(w, r, "/api/orders/"+o.ID.String(), orderOut(o))
}

// checkoutError names what the client sent for an error of Checkout that
// names something else: an empty cart is the fault of "source".
func checkoutError(err error) error {
	if errors.Is(err, order.ErrEmptyCart) {
		return commerce.Invalid("source", "the cart is empty")
	}
	return err
}

// ---- orders ----

// ListOrders serves GET /api/orders: the customer's own orders, newest
// first, paged by limit and cursor.
func (a *API) ListOrders(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, order.ErrSignInRequired) {
		return
	}
	in := newInput(r)
	f := order.Filter{Limit: in.limit(), Cursor: in.cursor()}
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	page, err := a.orders.Orders(r.Context(), ActorFrom(r.Context()), f)
	a.answerOrders(w, r, page, err)
}

// ListAllOrders serves GET /api/admin/orders: every customer's orders,
// newest first, optionally of one status, paged by limit and cursor.
// Staff only.
func (a *API) ListAllOrders(w http.ResponseWriter, r *http.Request) {
	if !a.needStaff(w, r, order.ErrSignInRequired, order.ErrStaffOnly) {
		return
	}
	in := newInput(r)
	f := order.Filter{
		Status: order.Status(in.text("status", 32)),
		Limit:  in.limit(),
		Cursor: in.cursor(),
	}
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	page, err := a.orders.AllOrders(r.Context(), ActorFrom(r.Context()), f)
	a.answerOrders(w, r, page, err)
}

// answerOrders answers with a page of orders, or the error that reading
// it returned.
func (a *API) answerOrders(w http.ResponseWriter, r *http.Request, page commerce.Page[order.Order], err error) {
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, listJSON[orderJSON]{
		Items:      mapOut(page.Items, orderOut),
		NextCursor: cursorOut(page.NextCursor),
	})
}

// GetOrder serves GET /api/orders/{id}: the order, to its customer or to
// staff; to anyone else it is 404, as if it did not exist.
func (a *API) GetOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := a.orderTarget(w, r)
	if !ok {
		return
	}
	o, err := a.orders.Order(r.Context(), ActorFrom(r.Context()), id)
	a.answerOrder(w, r, o, err)
}

// CancelOrder serves POST /api/orders/{id}/cancel: its customer may cancel
// an order until it ships (then 409), staff may cancel any order that is
// pending or paid. Stock comes back. It answers with the order.
func (a *API) CancelOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := a.orderTarget(w, r)
	if !ok {
		return
	}
	o, err := a.orders.Cancel(r.Context(), ActorFrom(r.Context()), id)
	a.answerOrder(w, r, o, err)
}

type statusBody struct {
	Status string `json:"status"`
}

// SetOrderStatus serves POST /api/orders/{id}/status: staff move an order
// along pending_payment → paid → shipped → delivered, or cancel it while
// pending or paid. Any other move is 409. It answers with the order.
func (a *API) SetOrderStatus(w http.ResponseWriter, r *http.Request) {
	if !a.needStaff(w, r, order.ErrSignInRequired, order.ErrStaffOnly) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	var in statusBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	o, err := a.orders.SetStatus(r.Context(), ActorFrom(r.Context()), id, order.Status(in.Status))
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.answerOrder(w, r, o, nil)
}

// orderTarget checks that someone is signed in, then parses the path's id.
func (a *API) orderTarget(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	if !a.needSignIn(w, r, order.ErrSignInRequired) {
		return uuid.Nil, false
	}
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return uuid.Nil, false
	}
	return id, true
}

// answerOrder answers 200 with an order, or the error that getting it
// returned.
func (a *API) answerOrder(w http.ResponseWriter, r *http.Request, o order.Order, err error) {
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.writeJSON(w, r, http.StatusOK, orderOut(o))
}
