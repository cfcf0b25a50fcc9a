package storefront

import (
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// searchPageSize is the number of products a page of search results shows.
const searchPageSize = 20

// homeView is the home page: the newest products, or a page of search
// results.
type homeView struct {
	Query string
	// Searching is true when a query was typed.
	Searching bool
	// Sort is the results' order as the page's links carry it: "" for
	// newest first (the default), or "relevance".
	Sort     string
	Products []catalog.Product
	// Next is the cursor of the next page of results, or "".
	Next string
	// First is false on the pages after the first.
	First bool
	// Problem is a message about the query itself.
	Problem string
}

func (v homeView) PageTitle() string {
	if v.Searching {
		return "‘" + v.Query + "’ 검색 결과"
	}
	return ""
}

// Home serves GET /: the catalog.HomePageSize newest products, or with
// ?query= the products whose name or brand's name holds its words, newest
// first or, with ?sort=relevance, best match first, searchPageSize a page
// (?cursor= continues).
func (s *Storefront) Home(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("query"))
	v := homeView{Query: query, Searching: query != "", Sort: q.Get("sort"), First: q.Get("cursor") == ""}
	if v.Sort == string(catalog.SortNewest) {
		v.Sort = "" // the default: links leave it out
	}
	if !v.Searching {
		products, err := s.cat.Newest(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Products = products
		s.render(w, r, http.StatusOK, "home", v)
		return
	}
	page, err := s.cat.Products(r.Context(), catalog.ProductFilter{
		Query: query, Sort: catalog.Sort(v.Sort), Limit: searchPageSize, Cursor: q.Get("cursor"),
	})
	switch {
	case err == nil:
		v.Products, v.Next = page.Items, page.NextCursor
	case errors.Is(err, commerce.ErrInvalid):
		// A query too long, an order or a cursor mangled by hand: say so
		// on the results page, with the search box to try again.
		fields := commerce.FieldErrors(err)
		switch {
		case fields["q"] != "":
			v.Problem = "검색어는 " + translate(fields["q"])
		case fields["sort"] != "":
			v.Problem = "정렬은 " + translate(fields["sort"])
		default:
			v.Problem = "다음 페이지 주소가 올바르지 않습니다. 처음부터 다시 검색해 주세요."
		}
		s.render(w, r, http.StatusBadRequest, "home", v)
		return
	default:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", v)
}

// productView is a product's page.
type productView struct {
	Product catalog.Product
	// Added is the number of units just put in the cart, to say so.
	Added bool
	Form  form
}

func (v productView) PageTitle() string { return v.Product.Name }

// Product serves GET /products/{id}.
func (s *Storefront) Product(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	p, err := s.cat.Product(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "product", productView{
		Product: p,
		Added:   r.URL.Query().Has("added"),
		Form:    form{Values: map[string][]string{"quantity": {"1"}}},
	})
}

// brandsView is a page of brands.
type brandsView struct {
	Brands []catalog.Brand
	Next   string
	First  bool
}

func (brandsView) PageTitle() string { return "브랜드" }

// brandsPageSize is the number of brands a page of /brands shows.
const brandsPageSize = 20

// Brands serves GET /brands: brands, newest first, each with its image,
// summary and problem; ?cursor= continues.
func (s *Storefront) Brands(w http.ResponseWriter, r *http.Request) {
	cursor := r.URL.Query().Get("cursor")
	page, err := s.cat.Brands(r.Context(), catalog.BrandFilter{Limit: brandsPageSize, Cursor: cursor})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "brands", brandsView{Brands: page.Items, Next: page.NextCursor, First: cursor == ""})
}

// brandView is a brand's page.
type brandView struct {
	Brand    catalog.Brand
	Products []catalog.Product
	// Next continues the brand's products (?cursor=).
	Next  string
	First bool
}

func (v brandView) PageTitle() string { return v.Brand.Name }

// Brand serves GET /brands/{id}: the brand, its problem and its products
// in a carousel, newest first; ?cursor= shows the products after the
// carousel's last.
func (s *Storefront) Brand(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	b, err := s.cat.Brand(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := brandView{Brand: b.Brand, Products: b.Products, Next: b.NextCursor, First: true}
	if cursor := r.URL.Query().Get("cursor"); cursor != "" {
		page, err := s.cat.Products(r.Context(), catalog.ProductFilter{BrandID: id, Cursor: cursor, Limit: 100})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Products, v.Next, v.First = page.Items, page.NextCursor, false
	}
	s.render(w, r, http.StatusOK, "brand", v)
}

// problemsView lists the problems with their brands.
type problemsView struct {
	Problems []problemBrands
}

type problemBrands struct {
	Problem catalog.Problem
	Brands  []catalog.Brand
}

func (problemsView) PageTitle() string { return "사회문제" }

// maxListedBrands bounds the brands read for /problems: a shop with more
// shows each problem's full list on its own page.
const maxListedBrands = 500

// Problems serves GET /problems: every social problem with the brands
// working on it.
func (s *Storefront) Problems(w http.ResponseWriter, r *http.Request) {
	problems, err := s.cat.Problems(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byProblem := make(map[uuid.UUID][]catalog.Brand)
	cursor := ""
	for read := 0; read < maxListedBrands; {
		page, err := s.cat.Brands(r.Context(), catalog.BrandFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, b := range page.Items {
			byProblem[b.Problem.ID] = append(byProblem[b.Problem.ID], b)
		}
		read += len(page.Items)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	v := problemsView{}
	for _, p := range problems {
		v.Problems = append(v.Problems, problemBrands{Problem: p, Brands: byProblem[p.ID]})
	}
	s.render(w, r, http.StatusOK, "problems", v)
}

// problemView is a problem's page.
type problemView struct {
	Problem catalog.Problem
	Brands  []catalog.Brand
	Next    string
	First   bool
}

func (v problemView) PageTitle() string { return v.Problem.Name }

// Problem serves GET /problems/{id}: the problem and its brands; ?cursor=
// continues the brands.
func (s *Storefront) Problem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	p, err := s.cat.Problem(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := problemView{Problem: p.Problem, Brands: p.Brands, Next: p.NextCursor, First: true}
	if cursor := r.URL.Query().Get("cursor"); cursor != "" {
		page, err := s.cat.Brands(r.Context(), catalog.BrandFilter{ProblemID: id, Cursor: cursor, Limit: 100})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Brands, v.Next, v.First = page.Items, page.NextCursor, false
	}
	s.render(w, r, http.StatusOK, "problem", v)
}
