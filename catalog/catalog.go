package catalog

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// Problem is a social problem that brands work on: disability, environment,
// employment, education, elders, and so on.
type Problem struct {
	ID          uuid.UUID
	Name        string
	Summary     string
	Description string
	ImageURL    string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version counts the edits; an edit may require the version it read.
	Version int64
}

// Ref returns the short reference to p that brands carry.
func (p Problem) Ref() ProblemRef { return ProblemRef{ID: p.ID, Name: p.Name} }

// ProblemRef names a problem from inside a brand.
type ProblemRef struct {
	ID   uuid.UUID
	Name string
}

// Brand is a social venture that sells products and works on one problem.
type Brand struct {
	ID       uuid.UUID
	Name     string
	Summary  string
	Story    string
	LogoURL  string
	ImageURL string
	Homepage string
	// Problem is required. Reads fill in its current name.
	Problem   ProblemRef
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Ref returns the short reference to b that products carry.
func (b Brand) Ref() *BrandRef { return &BrandRef{ID: b.ID, Name: b.Name} }

// BrandRef names a brand from inside a product.
type BrandRef struct {
	ID   uuid.UUID
	Name string
}

// Product is something a brand sells.
type Product struct {
	ID          uuid.UUID
	Name        string
	Description string
	// Price is never negative, and in the shop's currency
	// (Options.Currency) when written through the Service.
	Price commerce.Money
	// Brand is nil for a product without a brand (including one whose brand
	// was deleted). Reads fill in the brand's current name.
	Brand *BrandRef
	// Images are absolute http(s) URLs or root-relative paths, the cover
	// first.
	Images []string
	// ImageURL is the cover: the first image, or the service's placeholder
	// when there is none. Services fill it in on every read; adapters leave
	// it empty.
	ImageURL string
	// Stock is the number of units left, or nil when stock is not tracked.
	Stock     *int
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// SetCover sets p.ImageURL to the first image, or to placeholder when p
// has none. Services that return products call it on every read.
func (p *Product) SetCover(placeholder string) {
	p.ImageURL = placeholder
	if len(p.Images) > 0 {
		p.ImageURL = p.Images[0]
	}
}

// BrandWithProducts is a brand and its newest products.
type BrandWithProducts struct {
	Brand    Brand
	Products []Product
	// NextCursor continues the brand's products through Service.Products
	// with ProductFilter.BrandID; it is empty when Products holds them all.
	NextCursor string
}

// ProblemWithBrands is a problem and the brands that work on it, newest first.
type ProblemWithBrands struct {
	Problem Problem
	Brands  []Brand
	// NextCursor continues the problem's brands through Service.Brands with
	// BrandFilter.ProblemID; it is empty when Brands holds them all.
	NextCursor string
}

// ProductFilter selects a page of products, newest first.
type ProductFilter struct {
	// Query, when not blank, keeps the products that match it by the
	// search rule of ParseSearch: every word of the query in the product's
	// name or its brand's name, spacing, case, full-width letters and Latin
	// accents ignored ("사과 잼" finds "유기농사과잼").
	Query string
	// Phrase makes Query one exact phrase, spaces included, as search
	// matched before it split queries into words.
	Phrase bool
	// Sort orders the products: SortNewest (the default) or, with a
	// Query, SortRelevance.
	Sort Sort
	// BrandID, when not uuid.Nil, keeps the products of that brand.
	BrandID uuid.UUID
	// Limit is the page size, 1..100; 0 means 20.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty for the first.
	Cursor string
}

// BrandFilter selects a page of brands, newest first.
type BrandFilter struct {
	// Query, when not blank, keeps the brands whose name contains every
	// word of it, compared as ProductFilter.Query is.
	Query string
	// Phrase makes Query one exact phrase, as in ProductFilter.
	Phrase bool
	// ProblemID, when not uuid.Nil, keeps the brands working on that problem.
	ProblemID uuid.UUID
	Limit     int
	Cursor    string
}

// ProblemInput is the content of a new problem.
type ProblemInput struct {
	Name        string
	Summary     string
	Description string
	ImageURL    string
}

// ProblemPatch changes the fields that are Set. A non-zero Version makes the
// edit apply only to that version of the problem (else ErrVersionConflict).
type ProblemPatch struct {
	Name        commerce.Optional[string]
	Summary     commerce.Optional[string]
	Description commerce.Optional[string]
	ImageURL    commerce.Optional[string]
	Version     int64
}

// BrandInput is the content of a new brand.
type BrandInput struct {
	Name      string
	Summary   string
	Story     string
	LogoURL   string
	ImageURL  string
	Homepage  string
	ProblemID uuid.UUID
}

// BrandPatch changes the fields that are Set; Version as in ProblemPatch.
type BrandPatch struct {
	Name      commerce.Optional[string]
	Summary   commerce.Optional[string]
	Story     commerce.Optional[string]
	LogoURL   commerce.Optional[string]
	ImageURL  commerce.Optional[string]
	Homepage  commerce.Optional[string]
	ProblemID commerce.Optional[uuid.UUID]
	Version   int64
}

// ProductInput is the content of a new product.
type ProductInput struct {
	Name        string
	Description string
	Price       commerce.Money
	// BrandID is uuid.Nil for a product without a brand.
	BrandID uuid.UUID
	Images  []string
	// Stock is nil when stock is not tracked.
	Stock *int
}

// ProductPatch changes the fields that are Set; Version as in ProblemPatch.
// BrandID set to uuid.Nil removes the brand; Stock set to nil stops
// tracking stock.
type ProductPatch struct {
	Name        commerce.Optional[string]
	Description commerce.Optional[string]
	Price       commerce.Optional[commerce.Money]
	BrandID     commerce.Optional[uuid.UUID]
	Images      commerce.Optional[[]string]
	Stock       commerce.Optional[*int]
	Version     int64
}
