package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
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
	ImageURL    string         `json:"image_url"`
	Stock       *int           `json:"stock"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Version     int64          `json:"version"`
}

type brandJSON struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Summary   string    `json:"summary"`
	Story     string    `json:"story"`
	LogoURL   string    `json:"logo_url"`
	ImageURL  string    `json:"image_url"`
	Homepage  string    `json:"homepage"`
	Problem   refJSON   `json:"problem"`
	CreatedAt time.Time `json:"created_at"`
	Version   int64     `json:"version"`
}

type brandDetailJSON struct {
	brandJSON
	Products           []productJSON `json:"products"`
	ProductsNextCursor *string       `json:"products_next_cursor"`
}

type problemJSON struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	Summary     string    `json:"summary"`
	Description string    `json:"description"`
	ImageURL    string    `json:"image_url"`
	Version     int64     `json:"version"`
}

type problemDetailJSON struct {
	problemJSON
	Brands           []brandJSON `json:"brands"`
	BrandsNextCursor *string     `json:"brands_next_cursor"`
}

type listJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func productOut(p catalog.Product) productJSON {
	out := productJSON{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		Price:       p.Price,
		Images:      append([]string{}, p.Images...),
		ImageURL:    p.ImageURL,
		Stock:       p.Stock,
		CreatedAt:   p.CreatedAt.UTC(),
		UpdatedAt:   p.UpdatedAt.UTC(),
		Version:     p.Version,
	}
	if p.Brand != nil {
		out.Brand = &refJSON{ID: p.Brand.ID, Name: p.Brand.Name}
	}
	return out
}

func brandOut(b catalog.Brand) brandJSON {
	return brandJSON{
		ID:        b.ID,
		Name:      b.Name,
		Summary:   b.Summary,
		Story:     b.Story,
		LogoURL:   b.LogoURL,
		ImageURL:  b.ImageURL,
		Homepage:  b.Homepage,
		Problem:   refJSON{ID: b.Problem.ID, Name: b.Problem.Name},
		CreatedAt: b.CreatedAt.UTC(),
		Version:   b.Version,
	}
}

func problemOut(p catalog.Problem) problemJSON {
	return problemJSON{
		ID:          p.ID,
		Name:        p.Name,
		Summary:     p.Summary,
		Description: p.Description,
		ImageURL:    p.ImageURL,
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
