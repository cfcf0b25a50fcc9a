package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// maxQueryLen bounds the search query, in characters. No product or brand
// name is longer, so a longer query could match nothing anyway.
const maxQueryLen = 200

// ListProducts serves GET /api/products: products newest first, filtered
// by the query parameters q (product or brand name) and brand_id, paged by
// limit and cursor.
func (a *API) ListProducts(w http.ResponseWriter, r *http.Request) {
	in := newInput(r)
	f := catalog.ProductFilter{
		Query:   in.text("q", maxQueryLen),
		BrandID: in.id("brand_id"),
		Limit:   in.limit(),
		Cursor:  in.cursor(),
	}
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	page, err := a.cat.Products(r.Context(), f)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, listJSON[productJSON]{
		Items:      mapOut(page.Items, productOut),
		NextCursor: cursorOut(page.NextCursor),
	})
}

// GetProduct serves GET /api/products/{id}.
func (a *API) GetProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	p, err := a.cat.Product(r.Context(), id)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, productOut(p))
}

// ListBrands serves GET /api/brands: brands newest first, filtered by
// problem_id, paged by limit and cursor.
func (a *API) ListBrands(w http.ResponseWriter, r *http.Request) {
	in := newInput(r)
	f := catalog.BrandFilter{
		ProblemID: in.id("problem_id"),
		Limit:     in.limit(),
		Cursor:    in.cursor(),
	}
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	page, err := a.cat.Brands(r.Context(), f)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, listJSON[brandJSON]{
		Items:      mapOut(page.Items, brandOut),
		NextCursor: cursorOut(page.NextCursor),
	})
}

// GetBrand serves GET /api/brands/{id}: the brand with its newest
// products; products_next_cursor continues them through
// /api/products?brand_id={id}&cursor=….
func (a *API) GetBrand(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	b, err := a.cat.Brand(r.Context(), id)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, brandDetailJSON{
		brandJSON:          brandOut(b.Brand),
		Products:           mapOut(b.Products, productOut),
		ProductsNextCursor: cursorOut(b.NextCursor),
	})
}

// ListProblems serves GET /api/problems: every problem, oldest first, as a
// list whose next_cursor is always null.
func (a *API) ListProblems(w http.ResponseWriter, r *http.Request) {
	problems, err := a.cat.Problems(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, listJSON[problemJSON]{Items: mapOut(problems, problemOut)})
}

// GetProblem serves GET /api/problems/{id}: the problem with the brands
// working on it, newest first; brands_next_cursor continues them through
// /api/brands?problem_id={id}&cursor=….
func (a *API) GetProblem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	p, err := a.cat.Problem(r.Context(), id)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, problemDetailJSON{
		problemJSON:      problemOut(p.Problem),
		Brands:           mapOut(p.Brands, brandOut),
		BrandsNextCursor: cursorOut(p.NextCursor),
	})
}

// ---- input ----

const uuidMessage = "must be a UUID such as 0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c"

// pathID parses the {id} of the path; a malformed one is a
// ValidationError on field "id".
func pathID(r *http.Request) (uuid.UUID, error) {
	id, err := commerce.ParseID(r.PathValue("id"))
	if err != nil {
		return uuid.Nil, commerce.Invalid("id", uuidMessage)
	}
	return id, nil
}

// input reads query parameters and collects every problem with them, so
// that one answer names all the fields at fault. An empty parameter counts
// as a missing one.
type input struct {
	values url.Values
	bad    commerce.ValidationError
	// malformed is set when the query string itself cannot be parsed.
	malformed error
}

func newInput(r *http.Request) *input {
	in := &input{}
	in.values, in.malformed = url.ParseQuery(r.URL.RawQuery)
	if in.malformed != nil {
		in.malformed = fmt.Errorf("api: malformed query string (%v): %w", in.malformed, commerce.ErrInvalid)
	}
	return in
}

func (in *input) err() error {
	if in.malformed != nil {
		return in.malformed
	}
	return in.bad.Err()
}

// text returns the parameter name, which must be valid UTF-8 of at most
// max characters.
func (in *input) text(name string, max int) string {
	s := in.values.Get(name)
	switch {
	case !utf8.ValidString(s):
		in.bad.Add(name, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		in.bad.Add(name, fmt.Sprintf("must be at most %d characters", max))
	}
	return s
}

// id returns the parameter name as an id, or uuid.Nil when it is missing.
func (in *input) id(name string) uuid.UUID {
	s := in.values.Get(name)
	if s == "" {
		return uuid.Nil
	}
	id, err := commerce.ParseID(s)
	if err != nil {
		in.bad.Add(name, uuidMessage)
	}
	return id
}

// limit returns the page size asked for, or 0 (the default) when it is
// missing. Unlike catalog filters, the API refuses limit=0: a client that
// sends it means something other than the default.
func (in *input) limit() int {
	s := in.values.Get("limit")
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > commerce.MaxLimit {
		in.bad.Add("limit", fmt.Sprintf("must be a whole number from 1 to %d", commerce.MaxLimit))
		return 0
	}
	return n
}

// cursor returns the cursor parameter, checked now so that a malformed
// cursor is reported together with the other fields.
func (in *input) cursor() string {
	s := in.values.Get("cursor")
	if _, err := commerce.DecodeCursor(s); err != nil {
		in.bad.Add("cursor", "malformed cursor; pass back next_cursor of the previous page unchanged")
	}
	return s
}
