package storefront

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/order"
)

// ---- the cart ----

// cartLine is a line of the cart or of the checkout as the page shows it.
type cartLine struct {
	cart.Line
	// SoldOut is true when the product has no stock left at all, Short
	// when it has less than the line's quantity.
	SoldOut bool
	Short   bool
	// CannotBuy is the Korean of why the line can never be bought (the
	// cart service's Line.Unavailable), or "": the line can only be
	// removed, and it blocks checkout.
	CannotBuy string
	// Value is what the line's quantity box shows: the quantity, or what
	// was typed in it when that failed.
	Value string
	// Error is the Korean message of the line's quantity, or "".
	Error string
}

// newCartLine marks l's stock state.
func newCartLine(l cart.Line) cartLine {
	c := cartLine{Line: l, Value: strconv.Itoa(l.Quantity)}
	if l.Unavailable != "" {
		c.CannotBuy = translate(l.Unavailable)
	}
	if st := l.Product.Stock; st != nil {
		c.SoldOut = *st <= 0
		c.Short = !c.SoldOut && *st < l.Quantity
	}
	return c
}

// cartView is the cart page.
type cartView struct {
	Lines    []cartLine
	Count    int
	Subtotal commerce.Money
	// Notice says what the last change did.
	Notice string
	// Form carries a quantity change that failed: its message shows on
	// its line (cartLine.Error), Message at the top.
	Form form
	// Unavailable is true when a line is sold out or short of stock.
	Unavailable bool
	// Blocked is true when a line can never be bought (CannotBuy): the
	// cart cannot be checked out until it is removed.
	Blocked bool
}

func (cartView) PageTitle() string { return "장바구니" }

// cartNotices are the notices of the cart page, by the query parameter
// that the change redirecting to it sets.
var cartNotices = []struct{ param, text string }{
	{"removed", "상품을 장바구니에서 뺐습니다."},
	{"cleared", "장바구니를 비웠습니다."},
	{"updated", "수량을 바꿨습니다."},
	// The cart service drops the lines of deleted products without a
	// word; a quantity change of such a line is the one moment the shop
	// learns of it.
	{"gone", "판매가 끝난 상품은 장바구니에서 빠졌습니다."},
	{"empty", "장바구니가 비어 있어 주문할 상품이 없습니다."},
}

// Cart serves GET /cart: the lines with their current prices and stock,
// a quantity form and 삭제 for each, the subtotal, 비우기 and 주문하기.
func (s *Storefront) Cart(w http.ResponseWriter, r *http.Request) {
	notice := ""
	q := r.URL.Query()
	for _, n := range cartNotices {
		if q.Has(n.param) {
			notice = n.text
			break
		}
	}
	s.cartPage(w, r, http.StatusOK, cartView{Notice: notice}, uuid.Nil)
}

// cartPage renders the cart page with status; v.Form's error, if any,
// belongs to the line of product failed.
func (s *Storefront) cartPage(w http.ResponseWriter, r *http.Request, status int, v cartView, failed uuid.UUID) {
	c, err := s.carts.Cart(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Count, v.Subtotal = c.Count, c.Subtotal
	for _, l := range c.Lines {
		line := newCartLine(l)
		if l.Product.ID == failed {
			line.Value, line.Error = v.Form.Value("quantity"), v.Form.Error("quantity")
		}
		v.Unavailable = v.Unavailable || line.SoldOut || line.Short
		v.Blocked = v.Blocked || line.CannotBuy != ""
		v.Lines = append(v.Lines, line)
	}
	s.render(w, r, status, "cart", v)
}

// AddToCart serves POST /cart/items, the product page's form: quantity
// (1..99) more of product_id. A visitor without a session gets a guest
// session, whose cookie is set only when the product went in. Success
// goes back to the product page, which says so (?added=1); a quantity
// refused shows the product page again with the reason next to 수량.
func (s *Storefront) AddToCart(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	id, err := commerce.ParseID(strings.TrimSpace(f.Value("product_id")))
	if err != nil {
		// Only a hand-made form names no product: there is no page to
		// show it again on.
		s.NotFound(w, r)
		return
	}
	var bad commerce.ValidationError
	n := quantity(&bad, "quantity", f.Value("quantity"), 1)
	err = bad.Err()
	if err == nil {
		err = s.cookies.WithGuest(w, r, s.accounts, actor(r), func(a commerce.Actor) error {
			_, err := s.carts.Add(r.Context(), a, id, n)
			return err
		})
	}
	if err == nil {
		redirect(w, r, "/products/"+id.String()+"?added=1")
		return
	}
	p, perr := s.cat.Product(r.Context(), id)
	if perr != nil {
		// Deleted (or never there): the 404 page, not a form about it.
		s.fail(w, r, perr)
		return
	}
	status := s.failed(w, r, &f, err)
	if status == 0 {
		return
	}
	if f.Message == "" && f.Error("quantity") == "" {
		// A problem with the product itself (its currency): no field of
		// the page shows it.
		f.Message = describe(err)
	}
	s.render(w, r, status, "product", productView{Product: p, Form: f})
}

// SetCartQuantity serves POST /cart/items/{product_id}: the line's
// quantity becomes quantity (0..99; 0 removes the line). A quantity
// refused shows the cart again with the reason on that line.
func (s *Storefront) SetCartQuantity(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "product_id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	a := actor(r)
	if cart.KeyOf(a) == "" {
		// No session, so no cart: the form is from a session that has
		// ended. The cart page shows what there is (nothing).
		redirect(w, r, "/cart")
		return
	}
	var bad commerce.ValidationError
	raw := strings.TrimSpace(f.Value("quantity"))
	if raw == "" {
		bad.Add("quantity", "required")
	}
	n := quantity(&bad, "quantity", raw, 0)
	err := bad.Err()
	if err == nil {
		_, err = s.carts.SetQuantity(r.Context(), a, id, n)
	}
	switch {
	case err == nil && n == 0:
		redirect(w, r, "/cart?removed=1")
		return
	case err == nil:
		redirect(w, r, "/cart?updated=1")
		return
	case errors.Is(err, commerce.ErrInvalid) && commerce.FieldErrors(err)["product_id"] != "" && s.productGone(r.Context(), id):
		// The product was deleted: its line has already left the cart.
		redirect(w, r, "/cart?gone=1")
		return
	}
	status := s.failed(w, r, &f, err)
	if status == 0 {
		return
	}
	if why := f.Error("product_id"); why != "" && f.Error("quantity") == "" {
		// A line that cannot be bought (its currency) takes no quantity:
		// the reason shows on its line.
		f.Errors["quantity"] = why
	}
	s.cartPage(w, r, status, cartView{Form: f}, id)
}

// productGone reports whether the product id no longer exists. A store
// that fails to answer counts as not gone: the page then shows the
// service's reason instead.
func (s *Storefront) productGone(ctx context.Context, id uuid.UUID) bool {
	_, err := s.cat.Product(ctx, id)
	return errors.Is(err, commerce.ErrNotFound)
}

// RemoveFromCart serves POST /cart/items/{product_id}/delete: the line
// goes, whatever its quantity.
func (s *Storefront) RemoveFromCart(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "product_id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	if a := actor(r); cart.KeyOf(a) != "" {
		if _, err := s.carts.Remove(r.Context(), a, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	redirect(w, r, "/cart?removed=1")
}

// ClearCart serves POST /cart/clear: every line goes.
func (s *Storefront) ClearCart(w http.ResponseWriter, r *http.Request) {
	if err := s.carts.Clear(r.Context(), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/cart?cleared=1")
}

// ---- checkout ----

// checkoutSource is what a checkout buys: the whole cart, or one product
// now ("바로 구매").
type checkoutSource struct {
	BuyNow    bool
	ProductID uuid.UUID
	Quantity  int
}

// path is the checkout page of src, to come back to after signing in.
func (src checkoutSource) path() string {
	if !src.BuyNow {
		return "/checkout"
	}
	return "/checkout?" + url.Values{
		"product":  {src.ProductID.String()},
		"quantity": {strconv.Itoa(src.Quantity)},
	}.Encode()
}

// addressFields are the fields of an address typed at checkout, in the
// page's order, named as the services name them inside "address.".
var addressFields = []struct {
	Name, Label, Type, Autocomplete string
	Required                        bool
	Max                             int
}{
	{"recipient", "받는 분", "text", "name", true, 50},
	{"phone", "연락처", "tel", "tel", true, 20},
	{"line1", "주소", "text", "address-line1", true, 200},
	{"line2", "상세 주소", "text", "address-line2", false, 200},
	{"zipcode", "우편번호", "text", "postal-code", true, 10},
	{"note", "배송 메모", "text", "off", false, 200},
}

// field is one input of a form as the template draws it.
type field struct {
	Name, Label, Type, Autocomplete string
	Required                        bool
	Max                             int
	Value, Error                    string
}

// choice is one radio button.
type choice struct {
	Value, Label string
	Checked      bool
}

// checkoutView is the checkout page.
type checkoutView struct {
	Source checkoutSource
	Lines  []cartLine
	Total  commerce.Money
	// Gone is true when the product bought now is no longer sold.
	Gone bool
	// Unavailable is true when a line is sold out or short of stock.
	Unavailable bool
	// Blocked is true when a line of the cart can never be bought
	// (cartLine.CannotBuy): the page offers no payment until it is
	// removed from the cart.
	Blocked bool
	// Addresses are the saved addresses to choose from, then the choice
	// of typing one (value "new").
	Addresses []choice
	Fields    []field
	Payments  []choice
	Form      form
	// Prior is the order this form already placed, when it was posted
	// again with other details.
	Prior *order.Order
}

func (checkoutView) PageTitle() string { return "주문/결제" }

// newAddress is the value of the address choice that uses the typed
// address.
const newAddress = "new"

// CheckoutForm serves GET /checkout: the whole cart, or with
// ?product={id}&quantity=N that product alone, the cart untouched. It
// shows the lines and total, the saved addresses or the fields of a new
// one, and the payment methods. Customers only: a visitor signs in first
// and comes back to the same page.
func (s *Storefront) CheckoutForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("product_id") && !q.Has("product") {
		// The product page's 바로 구매 button sends its form (product_id,
		// quantity) here: the page's address is ?product=…&quantity=….
		canon := url.Values{"product": {q.Get("product_id")}}
		if q.Has("quantity") {
			canon.Set("quantity", q.Get("quantity"))
		}
		redirect(w, r, "/checkout?"+canon.Encode())
		return
	}
	src, ok := s.checkoutSourceOf(w, r, q.Has("product"), q.Get("product"), q.Get("quantity"))
	if !ok {
		return
	}
	a := actor(r)
	if !a.SignedIn() {
		signInFirst(w, r, "")
		return
	}
	if !src.BuyNow {
		c, err := s.carts.Cart(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(c.Lines) == 0 {
			redirect(w, r, "/cart?empty=1")
			return
		}
	}
	book, err := s.orders.Addresses(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form{Values: url.Values{
		"idempotency_key": {rand.Text()},
		"payment_method":  {string(order.Card)},
		"address_id":      {newAddress},
	}}
	if len(book) > 0 {
		f.Values.Set("address_id", book[0].ID.String())
	}
	s.checkoutPage(w, r, http.StatusOK, src, checkoutView{Form: f}, book)
}

// checkoutSourceOf parses what a checkout buys: with buyNow, the product
// id and quantity (1 when absent). A malformed id answers the 404 page,
// a bad quantity the product's page with the reason next to 수량; then
// ok is false.
func (s *Storefront) checkoutSourceOf(w http.ResponseWriter, r *http.Request, buyNow bool, rawID, rawQuantity string) (src checkoutSource, ok bool) {
	if !buyNow {
		return checkoutSource{}, true
	}
	id, err := commerce.ParseID(strings.TrimSpace(rawID))
	if err != nil {
		s.NotFound(w, r)
		return src, false
	}
	var bad commerce.ValidationError
	n := quantity(&bad, "quantity", rawQuantity, 1)
	if !bad.Has("quantity") && (n < 1 || n > cart.MaxQuantity) {
		// The order service would refuse it only at payment; the shopper
		// should hear it where they typed it.
		bad.Add("quantity", fmt.Sprintf("must be between 1 and %d", cart.MaxQuantity))
	}
	if err := bad.Err(); err != nil {
		p, perr := s.cat.Product(r.Context(), id)
		if perr != nil {
			s.fail(w, r, perr)
			return src, false
		}
		f := form{Values: url.Values{"quantity": {rawQuantity}}}
		if status := s.failed(w, r, &f, err); status != 0 {
			s.render(w, r, status, "product", productView{Product: p, Form: f})
		}
		return src, false
	}
	return checkoutSource{BuyNow: true, ProductID: id, Quantity: n}, true
}

// checkoutLines returns the lines src buys as they are now and their
// total. gone is true when the product bought now no longer exists.
func (s *Storefront) checkoutLines(ctx context.Context, a commerce.Actor, src checkoutSource) (lines []cartLine, total commerce.Money, gone bool, err error) {
	if !src.BuyNow {
		c, err := s.carts.Cart(ctx, a)
		if err != nil {
			return nil, commerce.Money{}, false, err
		}
		for _, l := range c.Lines {
			lines = append(lines, newCartLine(l))
		}
		return lines, c.Subtotal, false, nil
	}
	p, err := s.cat.Product(ctx, src.ProductID)
	switch {
	case errors.Is(err, commerce.ErrNotFound):
		return nil, commerce.Money{}, true, nil
	case err != nil:
		return nil, commerce.Money{}, false, err
	}
	l := cart.Line{Product: p, Quantity: src.Quantity, LineTotal: p.Price.Mul(int64(src.Quantity))}
	return []cartLine{newCartLine(l)}, l.LineTotal, false, nil
}

// linesVersion identifies the lines a checkout page showed — products,
// quantities and prices — so that a form posted after the cart or a price
// changed is shown again rather than charged for something else.
func linesVersion(lines []cartLine) string {
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintf(h, "%s×%d@%s %s\n", l.Product.ID, l.Quantity, l.Product.Price.AmountString(), l.Product.Price.Currency)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// checkoutPage renders the checkout of src with status: the lines as they
// are now, the address book (book, or read again when nil), and v.Form's
// values and errors.
func (s *Storefront) checkoutPage(w http.ResponseWriter, r *http.Request, status int, src checkoutSource, v checkoutView, book []order.Address) {
	ctx, a := r.Context(), actor(r)
	lines, total, gone, err := s.checkoutLines(ctx, a, src)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if book == nil {
		if book, err = s.orders.Addresses(ctx, a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if gone && status == http.StatusOK {
		// Opened for a product that is not sold (any more).
		s.NotFound(w, r)
		return
	}
	v.Source, v.Lines, v.Total, v.Gone = src, lines, total, gone
	for _, l := range lines {
		v.Unavailable = v.Unavailable || l.SoldOut || l.Short
		v.Blocked = v.Blocked || l.CannotBuy != ""
	}
	// The form vouches for the lines it shows, whatever it vouched for
	// before.
	v.Form.Values.Set("cart", linesVersion(lines))
	chosen := v.Form.Value("address_id")
	for _, addr := range book {
		id := addr.ID.String()
		label := addr.Recipient + " · " + addr.Line1
		if addr.Line2 != "" {
			label += " " + addr.Line2
		}
		label += " (" + addr.Zipcode + ")"
		v.Addresses = append(v.Addresses, choice{Value: id, Label: label, Checked: chosen == id})
	}
	v.Addresses = append(v.Addresses, choice{Value: newAddress, Label: "새 주소 입력",
		Checked: chosen == newAddress || chosen == "" || len(book) == 0})
	for _, af := range addressFields {
		v.Fields = append(v.Fields, field{
			Name: af.Name, Label: af.Label, Type: af.Type, Autocomplete: af.Autocomplete,
			Required: af.Required, Max: af.Max,
			Value: v.Form.Value(af.Name), Error: v.Form.Error(af.Name),
		})
	}
	method := v.Form.Value("payment_method")
	for _, p := range paymentMethods {
		v.Payments = append(v.Payments, choice{Value: string(p.Method), Label: p.Label, Checked: method == string(p.Method)})
	}
	s.render(w, r, status, "checkout", v)
}

// Checkout serves POST /checkout: it places the order of the form and
// goes to its page. The form's idempotency key makes one order of it
// however often it is sent (a double click, a reload, back and again).
// Out of stock, a cart or price changed since the form was shown, bad
// address fields or a declined payment show the form again with the
// reason, as typed.
func (s *Storefront) Checkout(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	src, ok := s.checkoutSourceOf(w, r, f.Value("product") != "", f.Value("product"), f.Value("quantity"))
	if !ok {
		return
	}
	a := actor(r)
	if !a.SignedIn() {
		// A session that ended while the form was open: sign in and
		// start from the checkout page again.
		signInFirst(w, r, src.path())
		return
	}
	ctx := r.Context()
	key := f.Value("idempotency_key")
	in := order.CheckoutInput{
		FromCart: !src.BuyNow, ProductID: src.ProductID, Quantity: src.Quantity,
		PaymentMethod: order.PaymentMethod(f.Value("payment_method")), IdempotencyKey: key,
	}
	var bad commerce.ValidationError
	typed := false
	switch strings.TrimSpace(f.Value("address_id")) {
	case "", newAddress:
		typed = true
		in.Address = &order.AddressInput{
			Recipient: f.Value("recipient"), Phone: f.Value("phone"), Line1: f.Value("line1"),
			Line2: f.Value("line2"), Zipcode: f.Value("zipcode"), Note: f.Value("note"),
		}
	default:
		in.AddressID = formID(&bad, f, "address_id")
	}
	if err := bad.Err(); err != nil {
		s.checkoutFailed(w, r, src, f, err)
		return
	}

	if shown := f.Value("cart"); shown != "" {
		lines, _, gone, err := s.checkoutLines(ctx, a, src)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !gone && linesVersion(lines) != shown {
			// Either the form was sent again after its order emptied the
			// cart — then that order is the answer — or the cart really
			// changed, and the shopper must see what they would buy.
			if o, found, err := s.orderByKey(ctx, a, key); err != nil {
				s.fail(w, r, err)
				return
			} else if found {
				redirect(w, r, "/orders/"+o.ID.String())
				return
			}
			f.Message = "주문서를 연 뒤에 장바구니나 가격이 바뀌었습니다. 바뀐 내용을 확인하고 다시 결제해 주세요."
			s.checkoutPage(w, r, http.StatusConflict, src, checkoutView{Form: f}, nil)
			return
		}
	}

	o, err := s.orders.Checkout(ctx, a, in)
	if err != nil {
		s.checkoutFailed(w, r, src, f, err)
		return
	}
	if typed && f.Value("save_address") != "" {
		s.saveAddress(ctx, a, o.Address)
	}
	redirect(w, r, "/orders/"+o.ID.String())
}

// checkoutFailed shows the checkout form of src again with what was wrong.
func (s *Storefront) checkoutFailed(w http.ResponseWriter, r *http.Request, src checkoutSource, f form, err error) {
	status := s.failed(w, r, &f, err)
	if status == 0 {
		return
	}
	v := checkoutView{}
	// The services name a typed address's fields "address.recipient" and
	// so on; the page's inputs are "recipient".
	var hidden []string
	errs := make(map[string]string, len(f.Errors))
	for name, msg := range f.Errors {
		name = strings.TrimPrefix(name, "address.")
		errs[name] = msg
		switch name {
		case "product_id", "quantity", "address", "idempotency_key":
			// Fields with no input of their own on the page.
			hidden = append(hidden, msg)
		}
	}
	f.Errors = errs
	slices.Sort(hidden)
	if oos, ok := errors.AsType[*order.OutOfStockError](err); ok {
		f.Message = oos.Name + "의 재고가 부족합니다. 수량을 줄이거나 다른 상품을 골라 주세요."
	} else if f.Message == "" && len(hidden) > 0 {
		f.Message = strings.Join(hidden, " ")
	}
	switch {
	case errors.Is(err, order.ErrIdempotencyConflict):
		// This form already placed an order, with other details: show it,
		// and give the form a new key so that sending it again is a new
		// order the shopper asks for knowingly.
		o, found, ferr := s.orderByKey(r.Context(), actor(r), f.Value("idempotency_key"))
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		if found {
			v.Prior = &o
		}
		f.Values.Set("idempotency_key", rand.Text())
	case f.Error("idempotency_key") != "":
		f.Values.Set("idempotency_key", rand.Text())
	}
	v.Form = f
	s.checkoutPage(w, r, status, src, v, nil)
}

// orderByKey finds the order the customer placed with an idempotency key.
func (s *Storefront) orderByKey(ctx context.Context, a commerce.Actor, key string) (order.Order, bool, error) {
	o, err := s.orders.OrderByKey(ctx, a, key)
	switch {
	case errors.Is(err, order.ErrOrderNotFound):
		return order.Order{}, false, nil
	case err != nil:
		return order.Order{}, false, err
	}
	return o, true, nil
}

// saveAddress adds the address an order went to to the customer's address
// book, unless an entry already reads the same (the form sent twice). The
// order is placed already: a book that is full, or a store that fails
// now, must not undo it, so a failure is only logged.
func (s *Storefront) saveAddress(ctx context.Context, a commerce.Actor, addr order.Address) {
	book, err := s.orders.Addresses(ctx, a)
	if err != nil {
		s.log.WarnContext(ctx, "saving a checkout's address", "err", err)
		return
	}
	for _, b := range book {
		if b.Recipient == addr.Recipient && b.Phone == addr.Phone && b.Line1 == addr.Line1 &&
			b.Line2 == addr.Line2 && b.City == addr.City && b.Zipcode == addr.Zipcode && b.Note == addr.Note {
			return
		}
	}
	_, err = s.orders.AddAddress(ctx, a, order.AddressInput{
		Recipient: addr.Recipient, Phone: addr.Phone, Line1: addr.Line1, Line2: addr.Line2,
		City: addr.City, Zipcode: addr.Zipcode, Note: addr.Note,
	})
	if err != nil && !errors.Is(err, commerce.ErrInvalid) {
		s.log.WarnContext(ctx, "saving a checkout's address", "err", err)
	}
}

// ---- orders ----

// orderView is an order's page.
type orderView struct {
	Order order.Order
	// Cancellable is true while the customer may still cancel.
	Cancellable bool
	// Cancelled is true just after the customer cancelled it.
	Cancelled bool
	// Form carries why a cancellation was refused.
	Form form
}

func (v orderView) PageTitle() string { return "주문 " + v.Order.Number }

func newOrderView(o order.Order) orderView {
	return orderView{Order: o, Cancellable: o.Status.CanMove(order.Cancelled)}
}

// Order serves GET /orders/{id}: the order's number, date, status, lines,
// total, address and payment, with 주문 취소 while it may be cancelled.
// Another customer's order is the 404 page, as the order service answers.
func (s *Storefront) Order(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	o, err := s.orders.Order(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := newOrderView(o)
	v.Cancelled = r.URL.Query().Has("cancelled") && o.Status == order.Cancelled
	s.render(w, r, http.StatusOK, "order", v)
}

// CancelOrder serves POST /orders/{id}/cancel. An order that has shipped
// can no longer be cancelled: its page says so (409). Cancelling twice (a
// double click) lands on the cancelled order as once.
func (s *Storefront) CancelOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	a := actor(r)
	if !a.SignedIn() {
		signInFirst(w, r, "/orders/"+id.String())
		return
	}
	ctx := r.Context()
	_, err := s.orders.Cancel(ctx, a, id)
	if err == nil {
		redirect(w, r, "/orders/"+id.String()+"?cancelled=1")
		return
	}
	if !errors.Is(err, commerce.ErrConflict) {
		s.fail(w, r, err)
		return
	}
	o, oerr := s.orders.Order(ctx, a, id)
	if oerr != nil {
		s.fail(w, r, oerr)
		return
	}
	if o.Status == order.Cancelled {
		redirect(w, r, "/orders/"+id.String()+"?cancelled=1")
		return
	}
	v := newOrderView(o)
	v.Form.Message = describe(err)
	s.render(w, r, http.StatusConflict, "order", v)
}
