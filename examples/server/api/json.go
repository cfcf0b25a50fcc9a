package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/order"
)

// The JSON shapes of API.md. Times are UTC; slices are never null.

type refJSON struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

type productJSON struct {
	ID          uuid.UUID      `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Price       commerce.Money `json:"price"`
	Brand       *refJSON       `json:"brand"`
	Images      []string       `json:"images"`
	// ImageDetails describe Images, in their order: each one's URL and,
	// for a stored image, its size and smaller variants.
	ImageDetails []imageJSON `json:"image_details"`
	ImageURL     string      `json:"image_url"`
	Stock        *int        `json:"stock"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	Version      int64       `json:"version"`
}

type brandJSON struct {
	ID        uuid.UUID  `json:"id"`
	Name      string     `json:"name"`
	Summary   string     `json:"summary"`
	Story     string     `json:"story"`
	LogoURL   string     `json:"logo_url"`
	ImageURL  string     `json:"image_url"`
	Logo      *imageJSON `json:"logo"`
	Image     *imageJSON `json:"image"`
	Homepage  string     `json:"homepage"`
	Problem   refJSON    `json:"problem"`
	CreatedAt time.Time  `json:"created_at"`
	Version   int64      `json:"version"`
}

type brandDetailJSON struct {
	brandJSON
	Products           []productJSON `json:"products"`
	ProductsNextCursor *string       `json:"products_next_cursor"`
}

type problemJSON struct {
	ID          uuid.UUID  `json:"id"`
	Name        string     `json:"name"`
	Summary     string     `json:"summary"`
	Description string     `json:"description"`
	ImageURL    string     `json:"image_url"`
	Image       *imageJSON `json:"image"`
	Version     int64      `json:"version"`
}

type problemDetailJSON struct {
	problemJSON
	Brands           []brandJSON `json:"brands"`
	BrandsNextCursor *string     `json:"brands_next_cursor"`
}

// imageJSON is an image: its URL, and for an image stored through
// Options.Media its id, type, size in pixels (and in bytes, when known)
// and its smaller variants, narrowest first. An external URL has only
// its url.
type imageJSON struct {
	URL         string        `json:"url"`
	ID          string        `json:"id,omitempty"`
	ContentType string        `json:"content_type,omitempty"`
	Width       int           `json:"width,omitempty"`
	Height      int           `json:"height,omitempty"`
	Bytes       int64         `json:"bytes,omitempty"`
	Variants    []variantJSON `json:"variants,omitempty"`
}

type variantJSON struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int64  `json:"bytes,omitempty"`
}

func imageOut(img media.Image) imageJSON {
	out := imageJSON{URL: img.URL, ID: img.ID, ContentType: img.ContentType, Width: img.Width, Height: img.Height, Bytes: img.Bytes}
	for _, v := range img.Variants {
		out.Variants = append(out.Variants, variantJSON{URL: v.URL, Width: v.Width, Height: v.Height, Bytes: v.Bytes})
	}
	return out
}

// image describes url: a stored image in full, any other URL as it is,
// and no URL as null.
func (a *API) image(url string) *imageJSON {
	if url == "" {
		return nil
	}
	if a.media != nil {
		if img, ok := a.media.Describe(url); ok {
			out := imageOut(img)
			return &out
		}
	}
	return &imageJSON{URL: url}
}

type listJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func (a *API) productOut(p catalog.Product) productJSON {
	out := productJSON{
		ID:           p.ID,
		Name:         p.Name,
		Description:  p.Description,
		Price:        p.Price,
		Images:       append([]string{}, p.Images...),
		ImageDetails: make([]imageJSON, 0, len(p.Images)),
		ImageURL:     p.ImageURL,
		Stock:        p.Stock,
		CreatedAt:    p.CreatedAt.UTC(),
		UpdatedAt:    p.UpdatedAt.UTC(),
		Version:      p.Version,
	}
	if p.Brand != nil {
		out.Brand = &refJSON{ID: p.Brand.ID, Name: p.Brand.Name}
	}
	for _, u := range p.Images {
		out.ImageDetails = append(out.ImageDetails, *a.image(u))
	}
	return out
}

func (a *API) brandOut(b catalog.Brand) brandJSON {
	return brandJSON{
		ID:        b.ID,
		Name:      b.Name,
		Summary:   b.Summary,
		Story:     b.Story,
		LogoURL:   b.LogoURL,
		ImageURL:  b.ImageURL,
		Logo:      a.image(b.LogoURL),
		Image:     a.image(b.ImageURL),
		Homepage:  b.Homepage,
		Problem:   refJSON{ID: b.Problem.ID, Name: b.Problem.Name},
		CreatedAt: b.CreatedAt.UTC(),
		Version:   b.Version,
	}
}

func (a *API) problemOut(p catalog.Problem) problemJSON {
	return problemJSON{
		ID:          p.ID,
		Name:        p.Name,
		Summary:     p.Summary,
		Description: p.Description,
		ImageURL:    p.ImageURL,
		Image:       a.image(p.ImageURL),
		Version:     p.Version,
	}
}

// mapOut converts each item with out; the result is never nil.
func mapOut[T, J any](items []T, out func(T) J) []J {
	js := make([]J, 0, len(items))
	for _, it := range items {
		js = append(js, out(it))
	}
	return js
}

// cursorOut is null for the last page.
func cursorOut(c string) *string {
	if c == "" {
		return nil
	}
	return &c
}

type cartJSON struct {
	Items []cartLineJSON `json:"items"`
	// Count is the number of units that can be bought: the sum of the
	// quantities of the items without "unavailable".
	Count    int            `json:"count"`
	Subtotal commerce.Money `json:"subtotal"`
}

type cartLineJSON struct {
	Product   productJSON    `json:"product"`
	Quantity  int            `json:"quantity"`
	LineTotal commerce.Money `json:"line_total"`
	// Unavailable says why the line cannot be bought (its product is
	// priced in another currency than the shop's); absent when it can.
	// Such a line is in neither count nor subtotal, and checkout refuses
	// it: remove it.
	Unavailable string `json:"unavailable,omitempty"`
}

func (a *API) cartOut(c cart.Cart) cartJSON {
	return cartJSON{
		Items: mapOut(c.Lines, func(l cart.Line) cartLineJSON {
			return cartLineJSON{Product: a.productOut(l.Product), Quantity: l.Quantity, LineTotal: l.LineTotal, Unavailable: l.Unavailable}
		}),
		Count:    c.Count,
		Subtotal: c.Subtotal,
	}
}

// addressJSON is an entry of a customer's address book.
type addressJSON struct {
	ID uuid.UUID `json:"id"`
	shippingJSON
	CreatedAt time.Time `json:"created_at"`
}

// shippingJSON is where an order goes: the fields of an address.
type shippingJSON struct {
	Recipient string `json:"recipient"`
	Phone     string `json:"phone"`
	Line1     string `json:"line1"`
	Line2     string `json:"line2"`
	City      string `json:"city"`
	Zipcode   string `json:"zipcode"`
	Note      string `json:"note"`
}

func shippingOut(a order.Address) shippingJSON {
	return shippingJSON{
		Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2,
		City: a.City, Zipcode: a.Zipcode, Note: a.Note,
	}
}

func addressOut(a order.Address) addressJSON {
	return addressJSON{ID: a.ID, shippingJSON: shippingOut(a), CreatedAt: a.CreatedAt.UTC()}
}

type orderJSON struct {
	ID            uuid.UUID           `json:"id"`
	Number        string              `json:"number"`
	Status        order.Status        `json:"status"`
	Lines         []orderLineJSON     `json:"lines"`
	Subtotal      commerce.Money      `json:"subtotal"`
	Total         commerce.Money      `json:"total"`
	Address       shippingJSON        `json:"address"`
	PaymentMethod order.PaymentMethod `json:"payment_method"`
	PlacedAt      time.Time           `json:"placed_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

type orderLineJSON struct {
	ProductID uuid.UUID      `json:"product_id"`
	Name      string         `json:"name"`
	UnitPrice commerce.Money `json:"unit_price"`
	Quantity  int            `json:"quantity"`
	LineTotal commerce.Money `json:"line_total"`
}

func orderOut(o order.Order) orderJSON {
	return orderJSON{
		ID:     o.ID,
		Number: o.Number,
		Status: o.Status,
		Lines: mapOut(o.Lines, func(l order.Line) orderLineJSON {
			return orderLineJSON{ProductID: l.ProductID, Name: l.Name, UnitPrice: l.UnitPrice, Quantity: l.Quantity, LineTotal: l.LineTotal}
		}),
		Subtotal:      o.Subtotal,
		Total:         o.Total,
		Address:       shippingOut(o.Address),
		PaymentMethod: o.PaymentMethod,
		PlacedAt:      o.PlacedAt.UTC(),
		UpdatedAt:     o.UpdatedAt.UTC(),
	}
}

type postJSON struct {
	ID uuid.UUID `json:"id"`
	// Number is the post's place in a listing, counting down from the
	// total; null for pinned posts and for a post read on its own.
	Number        *int           `json:"number"`
	Title         string         `json:"title"`
	Category      board.Category `json:"category"`
	CategoryLabel string         `json:"category_label"`
	Body          string         `json:"body"`
	Pinned        bool           `json:"pinned"`
	Author        authorJSON     `json:"author"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	// Version counts the post's edits; a PATCH may name it.
	Version int64 `json:"version"`
}

type authorJSON struct {
	ID       uuid.UUID `json:"id"`
	Nickname string    `json:"nickname"`
}

type boardJSON struct {
	Pinned []postJSON `json:"pinned"`
	Items  []postJSON `json:"items"`
	Page   int        `json:"page"`
	Pages  int        `json:"pages"`
	Total  int        `json:"total"`
}

func postOut(p board.Post) postJSON {
	out := postJSON{
		ID:            p.ID,
		Title:         p.Title,
		Category:      p.Category,
		CategoryLabel: p.Category.Label(),
		Body:          p.Body,
		Pinned:        p.Pinned,
		Author:        authorJSON{ID: p.Author.ID, Nickname: p.Author.Nickname},
		CreatedAt:     p.CreatedAt.UTC(),
		UpdatedAt:     p.UpdatedAt.UTC(),
		Version:       p.Version,
	}
	if p.Number > 0 {
		n := p.Number
		out.Number = &n
	}
	return out
}
