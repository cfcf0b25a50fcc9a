package catalog

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// The types of the catalog's domain events (commerce.Event.Type). Each
// event's AggregateID is the product's id and its Version the product's
// Version after the change; its Data is the payload named beside it.
const (
	// EventProductCreated: staff added a product (Service.CreateProduct).
	// Data: ProductData.
	EventProductCreated = "product.created"
	// EventProductUpdated: staff edited a product
	// (Service.UpdateProduct). Data: ProductData, the product as it is
	// after the edit.
	EventProductUpdated = "product.updated"
	// EventProductDeleted: staff deleted a product
	// (Service.DeleteProduct). Data: ProductDeleted.
	EventProductDeleted = "product.deleted"
	// EventProductOutOfStock: a product's tracked stock reached 0, by a
	// staff edit (after its product.updated) or by a checkout that took
	// the last units (package order stores it with the order). Data:
	// ProductOutOfStock.
	EventProductOutOfStock = "product.out_of_stock"
)

// ProductData is the payload of product.created and product.updated: the
// product as it is after the change, whole, so that a consumer (a search
// index, a feed) needs no read of its own. Its JSON form:
//
//	{"id": "…", "name": "유기농 사과잼", "description": "…",
//	 "price": {"amount": "12000", "currency": "KRW"},
//	 "brand": {"id": "…", "name": "사과나무농장"},
//	 "images": ["https://…/jam.jpg"], "stock": 30, "version": 2,
//	 "created_at": "2026-03-01T09:00:00Z", "updated_at": "2026-03-02T10:30:00.5Z"}
//
// brand is null for a product without a brand, stock null when its stock
// is not tracked, and images [] when it has none.
type ProductData struct {
	// ID is the product's id.
	ID uuid.UUID `json:"id"`
	// Name is the product's name.
	Name string `json:"name"`
	// Description is the product's description, "" when it has none.
	Description string `json:"description"`
	// Price is written as the API writes money: the amount as a decimal
	// string with the currency's digits, and the ISO 4217 currency.
	Price commerce.Money `json:"price"`
	// Brand is the product's brand with its name at the time of the
	// change, or nil (null) for a product without a brand.
	Brand *ProductBrand `json:"brand"`
	// Images are the product's image URLs, the cover first; never null.
	Images []string `json:"images"`
	// Stock is the number of units left, or nil (null) when the product's
	// stock is not tracked.
	Stock *int `json:"stock"`
	// Version is the product's Version after the change, as the event's.
	Version int64 `json:"version"`
	// CreatedAt and UpdatedAt are the product's times, UTC.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProductBrand names a product's brand inside ProductData.
type ProductBrand struct {
	// ID is the brand's id.
	ID uuid.UUID `json:"id"`
	// Name is the brand's name at the time of the change.
	Name string `json:"name"`
}

// ProductDeleted is the payload of product.deleted: which product is gone.
// Its JSON form is {"id": "…", "name": "유기농 사과잼"}. The event's Version
// is the deleted product's last Version plus one, so that it is newer
// than every event the product had before.
type ProductDeleted struct {
	// ID is the deleted product's id.
	ID uuid.UUID `json:"id"`
	// Name is the name it had, for a message or a log.
	Name string `json:"name"`
}

// ProductOutOfStock is the payload of product.out_of_stock: a product's
// tracked stock reached 0. Its JSON form is
// {"id": "…", "name": "유기농 사과잼", "version": 7}.
type ProductOutOfStock struct {
	// ID is the product's id.
	ID uuid.UUID `json:"id"`
	// Name is the product's name.
	Name string `json:"name"`
	// Version is the product's Version once its stock reached 0, as the
	// event's.
	Version int64 `json:"version"`
}

// productDataOf returns the payload of product.created and product.updated
// for p as stored: brandName is the name of p's brand (ignored when p has
// none), since a product written through the Service carries its brand's
// id only.
func productDataOf(p Product, brandName string) ProductData {
	d := ProductData{
		ID: p.ID, Name: p.Name, Description: p.Description, Price: p.Price,
		Images: slices.Clone(p.Images), Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if d.Images == nil {
		d.Images = []string{}
	}
	if p.Brand != nil {
		d.Brand = &ProductBrand{ID: p.Brand.ID, Name: brandName}
	}
	if p.Stock != nil {
		n := *p.Stock
		d.Stock = &n
	}
	return d
}

// ProductOutOfStockEvent returns the product.out_of_stock event of p, read
// once its tracked stock reached 0, at time at: its Version is p.Version.
// Package order stores it with the order of a checkout that took the last
// units.
func ProductOutOfStockEvent(p Product, at time.Time) commerce.Event {
	return commerce.NewEvent(EventProductOutOfStock, p.ID, p.Version, at,
		ProductOutOfStock{ID: p.ID, Name: p.Name, Version: p.Version})
}

// productCreatedEvent returns the product.created event of p, new, at its
// creation time.
func productCreatedEvent(p Product, brandName string) commerce.Event {
	return commerce.NewEvent(EventProductCreated, p.ID, p.Version, p.CreatedAt, productDataOf(p, brandName))
}

// productUpdatedEvents returns the events of an edit of a product from cur
// to next: product.updated at next's update time and, when the edit takes
// tracked stock to 0 from anything else, product.out_of_stock after it.
func productUpdatedEvents(cur, next Product, brandName string) []commerce.Event {
	evs := []commerce.Event{commerce.NewEvent(EventProductUpdated, next.ID, next.Version, next.UpdatedAt, productDataOf(next, brandName))}
	if soldOut(next.Stock) && !soldOut(cur.Stock) {
		evs = append(evs, ProductOutOfStockEvent(next, next.UpdatedAt))
	}
	return evs
}

// productDeletedEvent returns the product.deleted event of p, read just
// before its deletion at time at.
func productDeletedEvent(p Product, at time.Time) commerce.Event {
	return commerce.NewEvent(EventProductDeleted, p.ID, p.Version+1, at, ProductDeleted{ID: p.ID, Name: p.Name})
}

// soldOut reports whether stock is tracked and 0.
func soldOut(stock *int) bool { return stock != nil && *stock == 0 }
