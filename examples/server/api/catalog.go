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
	"github.com/impactmuseum/commerce/examples/internal/web"
)

// ListProducts serves GET /api/products: products filtered by the query
// parameters q (words of the product's or its brand's name; with
// phrase=true one exact phrase) and brand_id, newest first or, with
// sort=relevance, by how well they match q, paged by limit and cursor.
func (a *API) ListProducts(w http.ResponseWriter, r *http.Request) {
	in := newInput(r)
	f := catalog.ProductFilter{
		// The catalog checks q and sort, and whether the cursor is one of
		// the sort's.
		Query:   in.values.Get("q"),
		Phrase:  in.boolean("phrase"),
		Sort:    catalog.Sort(in.values.Get("sort")),
		BrandID: in.id("brand_id"),
		Limit:   in.limit(),
		Cursor:  in.rankedCursor(),
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
		Items:      mapOut(page.Items, a.productOut),
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
	a.writeJSON(w, r, http.StatusOK, a.productOut(p))
}

// ListBrands serves GET /api/brands: brands newest first, filtered by q
// (words of the brand's name; with phrase=true one exact phrase) and
// problem_id, paged by limit and cursor.
func (a *API) ListBrands(w http.ResponseWriter, r *http.Request) {
	in := newInput(r)
	f := catalog.BrandFilter{
		Query:     in.values.Get("q"), // the catalog checks it
		Phrase:    in.boolean("phrase"),
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
		Items:      mapOut(page.Items, a.brandOut),
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
		brandJSON:          a.brandOut(b.Brand),
		Products:           mapOut(b.Products, a.productOut),
		ProductsNextCursor: cursorOut(b.NextCursor),
	})
}

// Suggest serves GET /api/search/suggest: up to catalog.MaxSuggestions
// brand and product names that match q, for a search box's drop-down, as
// {"suggestions": [{"kind": "brand" | "product", "id", "name"}…]}. A blank
// q has none. The answer is the same for everyone, so caches may keep it
// for a minute.
func (a *API) Suggest(w http.ResponseWriter, r *http.Request) {
	in := newInput(r)
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	list, err := a.cat.Suggest(r.Context(), in.values.Get("q")) // the catalog checks q
	if err != nil {
		a.Error(w, r, err)
		return
	}
	web.WriteSuggestions(w, list)
}

// ListProblems serves GET /api/problems: every problem, oldest first, as a
// list whose next_cursor is always null.
func (a *API) ListProblems(w http.ResponseWriter, r *http.Request) {
	problems, err := a.cat.Problems(r.Context())
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, listJSON[problemJSON]{Items: mapOut(problems, a.problemOut)})
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
		problemJSON:      a.problemOut(p.Problem),
		Brands:           mapOut(p.Brands, a.brandOut),
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
		in.bad.Add("cursor", cursorMessage)
	}
	return s
}

// rankedCursor is cursor for a list that may be ordered by rank (products
// by relevance): the cursor of either order passes here, and the service
// checks that it is the one of the order asked for.
func (in *input) rankedCursor() string {
	s := in.values.Get("cursor")
	_, err := commerce.DecodeCursor(s)
	if _, _, rankErr := commerce.DecodeRankCursor(s); err != nil && rankErr != nil {
		in.bad.Add("cursor", cursorMessage)
	}
	return s
}

const cursorMessage = "malformed cursor; pass back next_cursor of the previous page unchanged"

// boolean returns the parameter name, which must be true or false; a
// missing one is false.
func (in *input) boolean(name string) bool {
	switch in.values.Get(name) {
	case "", "false":
		return false
	case "true":
		return true
	}
	in.bad.Add(name, `must be "true" or "false"`)
	return false
}

// ---- writes: staff only ----

type problemBody struct {
	Name        string `json:"name"`
	Summary     string `json:"summary"`
	Description string `json:"description"`
	ImageURL    string `json:"image_url"`
}

type problemPatchBody struct {
	Name        commerce.Optional[string] `json:"name"`
	Summary     commerce.Optional[string] `json:"summary"`
	Description commerce.Optional[string] `json:"description"`
	ImageURL    commerce.Optional[string] `json:"image_url"`
	// Version, when not 0, makes the edit apply only to that version
	// (else 409).
	Version int64 `json:"version"`
}

// CreateProblem serves POST /api/problems: 201 with the new problem.
func (a *API) CreateProblem(w http.ResponseWriter, r *http.Request) {
	if !a.needStaff(w, r, catalog.ErrSignInRequired, catalog.ErrStaffOnly) {
		return
	}
	var in problemBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	p, err := a.cat.CreateProblem(r.Context(), ActorFrom(r.Context()), catalog.ProblemInput{
		Name: in.Name, Summary: in.Summary, Description: in.Description, ImageURL: in.ImageURL,
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.created(w, r, "/api/problems/"+p.ID.String(), a.problemOut(p))
}

// UpdateProblem serves PATCH /api/problems/{id}: the fields present
// change; "version" guards against a concurrent edit.
func (a *API) UpdateProblem(w http.ResponseWriter, r *http.Request) {
	id, ok := a.writeTarget(w, r)
	if !ok {
		return
	}
	var in problemPatchBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	p, err := a.cat.UpdateProblem(r.Context(), ActorFrom(r.Context()), id, catalog.ProblemPatch{
		Name: in.Name, Summary: in.Summary, Description: in.Description, ImageURL: in.ImageURL, Version: in.Version,
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, a.problemOut(p))
}

// DeleteProblem serves DELETE /api/problems/{id}: 204, or 409 while
// brands work on the problem.
func (a *API) DeleteProblem(w http.ResponseWriter, r *http.Request) {
	id, ok := a.writeTarget(w, r)
	if !ok {
		return
	}
	a.deleted(w, r, a.cat.DeleteProblem(r.Context(), ActorFrom(r.Context()), id))
}

type brandBody struct {
	Name      string `json:"name"`
	Summary   string `json:"summary"`
	Story     string `json:"story"`
	LogoURL   string `json:"logo_url"`
	ImageURL  string `json:"image_url"`
	Homepage  string `json:"homepage"`
	ProblemID string `json:"problem_id"`
}

type brandPatchBody struct {
	Name      commerce.Optional[string] `json:"name"`
	Summary   commerce.Optional[string] `json:"summary"`
	Story     commerce.Optional[string] `json:"story"`
	LogoURL   commerce.Optional[string] `json:"logo_url"`
	ImageURL  commerce.Optional[string] `json:"image_url"`
	Homepage  commerce.Optional[string] `json:"homepage"`
	ProblemID commerce.Optional[string] `json:"problem_id"`
	Version   int64                     `json:"version"`
}

// CreateBrand serves POST /api/brands: 201 with the new brand.
func (a *API) CreateBrand(w http.ResponseWriter, r *http.Request) {
	if !a.needStaff(w, r, catalog.ErrSignInRequired, catalog.ErrStaffOnly) {
		return
	}
	var in brandBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	var bad commerce.ValidationError
	problemID := parseOptionalID(&bad, "problem_id", in.ProblemID)
	if err := bad.Err(); err != nil {
		a.bodyError(w, r, err)
		return
	}
	b, err := a.cat.CreateBrand(r.Context(), ActorFrom(r.Context()), catalog.BrandInput{
		Name: in.Name, Summary: in.Summary, Story: in.Story, LogoURL: in.LogoURL,
		ImageURL: in.ImageURL, Homepage: in.Homepage, ProblemID: problemID,
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.created(w, r, "/api/brands/"+b.ID.String(), a.brandOut(b))
}

// UpdateBrand serves PATCH /api/brands/{id}.
func (a *API) UpdateBrand(w http.ResponseWriter, r *http.Request) {
	id, ok := a.writeTarget(w, r)
	if !ok {
		return
	}
	var in brandPatchBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	patch := catalog.BrandPatch{
		Name: in.Name, Summary: in.Summary, Story: in.Story, LogoURL: in.LogoURL,
		ImageURL: in.ImageURL, Homepage: in.Homepage, Version: in.Version,
	}
	var bad commerce.ValidationError
	if in.ProblemID.Set {
		patch.ProblemID = commerce.Some(parseOptionalID(&bad, "problem_id", in.ProblemID.Value))
	}
	if err := bad.Err(); err != nil {
		a.bodyError(w, r, err)
		return
	}
	b, err := a.cat.UpdateBrand(r.Context(), ActorFrom(r.Context()), id, patch)
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, a.brandOut(b))
}

// DeleteBrand serves DELETE /api/brands/{id}: 204; the brand's products
// stay, without a brand.
func (a *API) DeleteBrand(w http.ResponseWriter, r *http.Request) {
	id, ok := a.writeTarget(w, r)
	if !ok {
		return
	}
	a.deleted(w, r, a.cat.DeleteBrand(r.Context(), ActorFrom(r.Context()), id))
}

type productBody struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Price       commerce.Money `json:"price"`
	BrandID     string         `json:"brand_id"`
	Images      []string       `json:"images"`
	Stock       *int           `json:"stock"`
}

type productPatchBody struct {
	Name        commerce.Optional[string]         `json:"name"`
	Description commerce.Optional[string]         `json:"description"`
	Price       commerce.Optional[commerce.Money] `json:"price"`
	// BrandID null (or "") removes the brand.
	BrandID commerce.Optional[string]   `json:"brand_id"`
	Images  commerce.Optional[[]string] `json:"images"`
	// Stock null stops tracking stock.
	Stock   commerce.Optional[*int] `json:"stock"`
	Version int64                   `json:"version"`
}

// CreateProduct serves POST /api/products: 201 with the new product.
func (a *API) CreateProduct(w http.ResponseWriter, r *http.Request) {
	if !a.needStaff(w, r, catalog.ErrSignInRequired, catalog.ErrStaffOnly) {
		return
	}
	var in productBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	var bad commerce.ValidationError
	brandID := parseOptionalID(&bad, "brand_id", in.BrandID)
	if err := bad.Err(); err != nil {
		a.bodyError(w, r, err)
		return
	}
	p, err := a.cat.CreateProduct(r.Context(), ActorFrom(r.Context()), catalog.ProductInput{
		Name: in.Name, Description: in.Description, Price: in.Price, BrandID: brandID,
		Images: in.Images, Stock: in.Stock,
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.created(w, r, "/api/products/"+p.ID.String(), a.productOut(p))
}

// UpdateProduct serves PATCH /api/products/{id}.
func (a *API) UpdateProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := a.writeTarget(w, r)
	if !ok {
		return
	}
	var in productPatchBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	patch := catalog.ProductPatch{
		Name: in.Name, Description: in.Description, Price: in.Price,
		Images: in.Images, Stock: in.Stock, Version: in.Version,
	}
	var bad commerce.ValidationError
	if in.BrandID.Set {
		patch.BrandID = commerce.Some(parseOptionalID(&bad, "brand_id", in.BrandID.Value))
	}
	if err := bad.Err(); err != nil {
		a.bodyError(w, r, err)
		return
	}
	p, err := a.cat.UpdateProduct(r.Context(), ActorFrom(r.Context()), id, patch)
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, a.productOut(p))
}

// DeleteProduct serves DELETE /api/products/{id}: 204.
func (a *API) DeleteProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := a.writeTarget(w, r)
	if !ok {
		return
	}
	a.deleted(w, r, a.cat.DeleteProduct(r.Context(), ActorFrom(r.Context()), id))
}

// writeTarget checks that the actor is staff, then parses the path's id.
func (a *API) writeTarget(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	if !a.needStaff(w, r, catalog.ErrSignInRequired, catalog.ErrStaffOnly) {
		return uuid.Nil, false
	}
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return uuid.Nil, false
	}
	return id, true
}

// created answers 201 with v, at location.
func (a *API) created(w http.ResponseWriter, r *http.Request, location string, v any) {
	w.Header().Set("Location", location)
	a.writeJSON(w, r, http.StatusCreated, v)
}

// deleted answers 204, or the error of the deletion.
func (a *API) deleted(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		a.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
