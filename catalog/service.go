package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
	"github.com/impactmuseum/commerce/media"
)

// DefaultPlaceholderImage is the cover of a product without images unless
// Options.PlaceholderImage says otherwise.
const DefaultPlaceholderImage = "/static/placeholder.svg"

// HomePageSize is the number of newest products the shop's home page shows.
const HomePageSize = 8

// Limits on field lengths, in characters (runes).
const (
	maxNameLen        = 100
	maxProductNameLen = 200
	maxSummaryLen     = 300
	maxTextLen        = 10000
	maxURLLen         = 2048
	maxImages         = 20
	maxStock          = 1_000_000_000
	maxQueryLen       = 200
)

// maxPrice bounds prices well inside what every adapter stores exactly.
var maxPrice = decimal.New(1, 12)

// Options configure a Service. The zero value, or nil, gives the defaults.
type Options struct {
	// Now is the clock. Default: time.Now.
	Now commerce.Clock
	// NewID makes ids. Default: commerce.NewID (UUIDv7).
	NewID commerce.IDGenerator
	// PlaceholderImage is the ImageURL of a product without images.
	// Default: DefaultPlaceholderImage.
	PlaceholderImage string
	// Media stores the images staff upload (UploadImage). Default: none;
	// images are then URLs only.
	Media *media.Store
	// Currency is the shop's currency, an ISO 4217 code: a product priced
	// in another is refused (a validation error on price), since carts and
	// orders could not sell it. Give cart.Options.Currency and
	// order.Options.Currency the same value. Default: "KRW".
	Currency string
}

// Service is the catalog: problems, brands and products. Anyone reads;
// only staff write. It is safe for concurrent use.
type Service struct {
	repo        Repository
	now         commerce.Clock
	newID       commerce.IDGenerator
	placeholder string
	media       *media.Store
	currency    string
}

// NewService returns the catalog over repo. It panics if repo is nil.
func NewService(repo Repository, opts *Options) *Service {
	if repo == nil {
		panic("catalog: nil Repository")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Service{repo: repo, now: opts.Now, newID: opts.NewID, placeholder: opts.PlaceholderImage, media: opts.Media, currency: opts.Currency}
	if s.currency == "" {
		s.currency = "KRW"
	}
	if s.newID == nil {
		s.newID = commerce.NewID
	}
	if s.placeholder == "" {
		s.placeholder = DefaultPlaceholderImage
	}
	return s
}

// ---- reads ----

// Products returns a page of products filtered by f, newest first or, with
// f.Sort = SortRelevance and a query, by relevance.
func (s *Service) Products(ctx context.Context, f ProductFilter) (commerce.Page[Product], error) {
	var bad commerce.ValidationError
	limit, err := commerce.CheckLimit(f.Limit)
	collect(&bad, err)
	search, err := ParseSearch(f.Query, f.Phrase)
	collect(&bad, err)
	q := ProductQuery{Search: search, Sort: f.Sort, BrandID: f.BrandID, Limit: limit + 1}
	switch f.Sort {
	case "", SortNewest, SortRelevance:
	default:
		bad.Add("sort", `must be "newest" or "relevance"`)
	}
	if q.Ordered() {
		rank, before, err := commerce.DecodeRankCursor(f.Cursor)
		collect(&bad, err)
		if rank >= uint8(NumRanks) {
			collect(&bad, commerce.Invalid("cursor", "malformed cursor; pass back next_cursor of the previous page unchanged"))
		}
		q.Before, q.BeforeRank = before, Rank(rank)
	} else {
		q.Sort = SortNewest
		q.Before, err = commerce.DecodeCursor(f.Cursor)
		collect(&bad, err)
	}
	if err := bad.Err(); err != nil {
		return commerce.Page[Product]{}, err
	}
	items, err := s.repo.ListProducts(ctx, q)
	if err != nil {
		return commerce.Page[Product]{}, err
	}
	s.covers(items)
	if !q.Ordered() || len(items) <= limit {
		return commerce.PageOf(items, limit, productID), nil
	}
	last := items[limit-1]
	rank, _ := search.Rank(ProductKeys(last))
	return commerce.Page[Product]{Items: items[:limit], NextCursor: commerce.EncodeRankCursor(uint8(rank), last.ID)}, nil
}

// ProductKeys returns the search keys of p's name and of its brand's name
// ("" without a brand), as Search.Rank takes them.
func ProductKeys(p Product) (nameKey, brandKey string) {
	if p.Brand != nil {
		brandKey = SearchKey(p.Brand.Name)
	}
	return SearchKey(p.Name), brandKey
}

// MaxSuggestions is the most names Suggest returns.
const MaxSuggestions = 8

// Suggestion is a name that a search box may offer as what was typed is
// completed: a brand's or a product's.
type Suggestion struct {
	// Kind is "brand" or "product".
	Kind string
	ID   uuid.UUID
	Name string
}

// Suggest returns up to MaxSuggestions brand and product names that match
// query by the search rule (ParseSearch) through the name itself, for a
// search box's drop-down: first the brands (at most half of them), then
// the products, each those
// whose name starts with the first word before the others, newest first. A
// name is given once, though several products have it. A blank query has
// no suggestions; a malformed one is a ValidationError on q, as for
// Products.
func (s *Service) Suggest(ctx context.Context, query string) ([]Suggestion, error) {
	search, err := ParseSearch(query, false)
	if err != nil || search.IsZero() {
		return []Suggestion{}, err
	}
	// The brands and the products are read at once: over a network
	// each is a round trip or more, and neither needs the other.
	type productsRead struct {
		products []Product
		err      error
	}
	read := make(chan productsRead, 1)
	go func() {
		// Products by relevance, of their own names only: those
		// matched through their brand's name do not complete what was
		// typed.
		products, err := s.repo.ListProducts(ctx, ProductQuery{Search: search, Sort: SortRelevance, NameOnly: true, Limit: 2 * MaxSuggestions})
		read <- productsRead{products, err}
	}()
	brands, err := s.repo.ListBrands(ctx, BrandQuery{Search: search, Limit: MaxSuggestions})
	got := <-read
	if err == nil {
		err = got.err
	}
	if err != nil {
		return nil, err
	}
	// Brands whose name starts with the first word come first.
	first := search.Terms()[0]
	slices.SortStableFunc(brands, func(a, b Brand) int {
		return compareBool(!strings.HasPrefix(Compact(SearchKey(a.Name)), first), !strings.HasPrefix(Compact(SearchKey(b.Name)), first))
	})
	out := make([]Suggestion, 0, MaxSuggestions)
	seen := make(map[string]bool)
	for _, b := range brands {
		if len(out) < MaxSuggestions/2 && !seen[b.Name] {
			seen[b.Name] = true
			out = append(out, Suggestion{Kind: "brand", ID: b.ID, Name: b.Name})
		}
	}
	for _, p := range got.products {
		if len(out) == MaxSuggestions {
			break
		}
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, Suggestion{Kind: "product", ID: p.ID, Name: p.Name})
		}
	}
	return out, nil
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Newest returns the HomePageSize newest products, with their brands.
func (s *Service) Newest(ctx context.Context) ([]Product, error) {
	page, err := s.Products(ctx, ProductFilter{Limit: HomePageSize})
	return page.Items, err
}

// Product returns the product with id, or ErrProductNotFound.
func (s *Service) Product(ctx context.Context, id uuid.UUID) (Product, error) {
	p, err := s.repo.GetProduct(ctx, id)
	if err != nil {
		return Product{}, err
	}
	s.cover(&p)
	return p, nil
}

// Brands returns a page of brands, newest first, filtered by f.
func (s *Service) Brands(ctx context.Context, f BrandFilter) (commerce.Page[Brand], error) {
	var bad commerce.ValidationError
	limit, err := commerce.CheckLimit(f.Limit)
	collect(&bad, err)
	before, err := commerce.DecodeCursor(f.Cursor)
	collect(&bad, err)
	search, err := ParseSearch(f.Query, f.Phrase)
	collect(&bad, err)
	if err := bad.Err(); err != nil {
		return commerce.Page[Brand]{}, err
	}
	items, err := s.repo.ListBrands(ctx, BrandQuery{
		Search: search, ProblemID: f.ProblemID, Before: before, Limit: limit + 1,
	})
	if err != nil {
		return commerce.Page[Brand]{}, err
	}
	return commerce.PageOf(items, limit, brandID), nil
}

// ImagesInUse returns the set of image URLs starting with prefix that a
// product, brand or problem refers to: the stored images (package media,
// whose Prefix it is) that a sweep must keep.
func (s *Service) ImagesInUse(ctx context.Context, prefix string) (map[string]bool, error) {
	used := make(map[string]bool)
	err := s.repo.ImageURLs(ctx, prefix, func(url string) error {
		used[url] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return used, nil
}

// Brand returns the brand with id and its newest products (up to
// commerce.MaxLimit; NextCursor continues them), or ErrBrandNotFound.
func (s *Service) Brand(ctx context.Context, id uuid.UUID) (BrandWithProducts, error) {
	b, err := s.repo.GetBrand(ctx, id)
	if err != nil {
		return BrandWithProducts{}, err
	}
	page, err := s.Products(ctx, ProductFilter{BrandID: id, Limit: commerce.MaxLimit})
	if err != nil {
		return BrandWithProducts{}, err
	}
	return BrandWithProducts{Brand: b, Products: page.Items, NextCursor: page.NextCursor}, nil
}

// Problems returns every problem, oldest first.
func (s *Service) Problems(ctx context.Context) ([]Problem, error) {
	return s.repo.ListProblems(ctx)
}

// Problem returns the problem with id and the brands working on it, newest
// first (up to commerce.MaxLimit; NextCursor continues them), or
// ErrProblemNotFound.
func (s *Service) Problem(ctx context.Context, id uuid.UUID) (ProblemWithBrands, error) {
	p, err := s.repo.GetProblem(ctx, id)
	if err != nil {
		return ProblemWithBrands{}, err
	}
	page, err := s.Brands(ctx, BrandFilter{ProblemID: id, Limit: commerce.MaxLimit})
	if err != nil {
		return ProblemWithBrands{}, err
	}
	return ProblemWithBrands{Problem: p, Brands: page.Items, NextCursor: page.NextCursor}, nil
}

// ---- problems ----

// CreateProblem adds a problem. Staff only.
func (s *Service) CreateProblem(ctx context.Context, actor commerce.Actor, in ProblemInput) (Problem, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return Problem{}, err
	}
	now := s.now.Now()
	p := Problem{
		ID: s.newID(), Name: in.Name, Summary: in.Summary, Description: in.Description,
		ImageURL: in.ImageURL, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := validateProblem(&p); err != nil {
		return Problem{}, err
	}
	if err := s.repo.CreateProblem(ctx, p); err != nil {
		return Problem{}, err
	}
	return p, nil
}

// UpdateProblem changes the fields of the problem that patch sets. Staff only.
func (s *Service) UpdateProblem(ctx context.Context, actor commerce.Actor, id uuid.UUID, patch ProblemPatch) (Problem, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return Problem{}, err
	}
	return edit(ctx, s, id, patch.Version, s.repo.GetProblem, func(p *Problem) error {
		apply(&p.Name, patch.Name)
		apply(&p.Summary, patch.Summary)
		apply(&p.Description, patch.Description)
		apply(&p.ImageURL, patch.ImageURL)
		return validateProblem(p)
	}, s.repo.UpdateProblem, nil, nil)
}

// DeleteProblem deletes a problem that no brand works on; otherwise it
// returns ErrProblemInUse. Staff only.
func (s *Service) DeleteProblem(ctx context.Context, actor commerce.Actor, id uuid.UUID) error {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return err
	}
	return s.repo.DeleteProblem(ctx, id)
}

// ---- brands ----

// CreateBrand adds a brand working on an existing problem. Staff only.
func (s *Service) CreateBrand(ctx context.Context, actor commerce.Actor, in BrandInput) (Brand, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return Brand{}, err
	}
	now := s.now.Now()
	b := Brand{
		ID: s.newID(), Name: in.Name, Summary: in.Summary, Story: in.Story, LogoURL: in.LogoURL,
		ImageURL: in.ImageURL, Homepage: in.Homepage, Problem: ProblemRef{ID: in.ProblemID},
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := validateBrand(&b); err != nil {
		return Brand{}, err
	}
	if err := s.repo.CreateBrand(ctx, b); err != nil {
		return Brand{}, refError(err, ErrProblemNotFound, "problem_id", "no such problem")
	}
	return s.repo.GetBrand(ctx, b.ID)
}

// UpdateBrand changes the fields of the brand that patch sets. Staff only.
func (s *Service) UpdateBrand(ctx context.Context, actor commerce.Actor, id uuid.UUID, patch BrandPatch) (Brand, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return Brand{}, err
	}
	b, err := edit(ctx, s, id, patch.Version, s.repo.GetBrand, func(b *Brand) error {
		apply(&b.Name, patch.Name)
		apply(&b.Summary, patch.Summary)
		apply(&b.Story, patch.Story)
		apply(&b.LogoURL, patch.LogoURL)
		apply(&b.ImageURL, patch.ImageURL)
		apply(&b.Homepage, patch.Homepage)
		if patch.ProblemID.Set {
			b.Problem = ProblemRef{ID: patch.ProblemID.Value}
		}
		return validateBrand(b)
	}, s.repo.UpdateBrand, func(err error) error {
		return refError(err, ErrProblemNotFound, "problem_id", "no such problem")
	}, nil)
	if err != nil {
		return Brand{}, err
	}
	return s.repo.GetBrand(ctx, b.ID)
}

// DeleteBrand deletes a brand; its products stay, without a brand. Staff only.
func (s *Service) DeleteBrand(ctx context.Context, actor commerce.Actor, id uuid.UUID) error {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return err
	}
	return s.repo.DeleteBrand(ctx, id)
}

// ---- products ----

// CreateProduct adds a product. Staff only. The product.created event
// (ProductData) is stored with it.
func (s *Service) CreateProduct(ctx context.Context, actor commerce.Actor, in ProductInput) (Product, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return Product{}, err
	}
	now := s.now.Now()
	p := Product{
		ID: s.newID(), Name: in.Name, Description: in.Description, Price: in.Price,
		Images: in.Images, Stock: in.Stock, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if in.BrandID != uuid.Nil {
		p.Brand = &BrandRef{ID: in.BrandID}
	}
	if err := validateProduct(&p, s.currency); err != nil {
		return Product{}, err
	}
	brand, err := s.brandName(ctx, nil, p.Brand)
	if err != nil {
		return Product{}, err
	}
	wctx := commerce.WithEvents(ctx, productCreatedEvent(p, brand))
	if err := s.repo.CreateProduct(wctx, p); err != nil {
		return Product{}, refError(err, ErrBrandNotFound, "brand_id", "no such brand")
	}
	return s.Product(ctx, p.ID)
}

// UpdateProduct changes the fields of the product that patch sets. Staff
// only. The product.updated event (ProductData) is stored with the edit,
// and product.out_of_stock after it when the edit takes tracked stock to
// 0.
func (s *Service) UpdateProduct(ctx context.Context, actor commerce.Actor, id uuid.UUID, patch ProductPatch) (Product, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return Product{}, err
	}
	p, err := edit(ctx, s, id, patch.Version, s.repo.GetProduct, func(p *Product) error {
		apply(&p.Name, patch.Name)
		apply(&p.Description, patch.Description)
		apply(&p.Price, patch.Price)
		apply(&p.Images, patch.Images)
		apply(&p.Stock, patch.Stock)
		if patch.BrandID.Set {
			p.Brand = nil
			if patch.BrandID.Value != uuid.Nil {
				p.Brand = &BrandRef{ID: patch.BrandID.Value}
			}
		}
		return validateProduct(p, s.currency)
	}, s.repo.UpdateProduct, func(err error) error {
		return refError(err, ErrBrandNotFound, "brand_id", "no such brand")
	}, func(cur, next *Product) ([]commerce.Event, error) {
		brand, err := s.brandName(ctx, cur.Brand, next.Brand)
		if err != nil {
			return nil, err
		}
		return productUpdatedEvents(*cur, *next, brand), nil
	})
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, p.ID)
}

// DeleteProduct deletes a product, or returns ErrProductNotFound. Staff
// only. The product.deleted event (ProductDeleted) is stored with the
// deletion.
func (s *Service) DeleteProduct(ctx context.Context, actor commerce.Actor, id uuid.UUID) error {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := authorize(actor); err != nil {
		return err
	}
	// The event names the product, so it is read first.
	p, err := s.repo.GetProduct(ctx, id)
	if err != nil {
		return err
	}
	return s.repo.DeleteProduct(commerce.WithEvents(ctx, productDeletedEvent(p, s.now.Now())), id)
}

// brandName returns the name of the brand next names, for a product's
// event: "" for none, cur's name when the brand is the one the product
// had (as read, with its current name), and otherwise the name read from
// the store. A brand that does not exist is a validation error on
// brand_id, as the write would report it.
func (s *Service) brandName(ctx context.Context, cur, next *BrandRef) (string, error) {
	switch {
	case next == nil:
		return "", nil
	case cur != nil && cur.ID == next.ID:
		return cur.Name, nil
	}
	b, err := s.repo.GetBrand(ctx, next.ID)
	if err != nil {
		return "", refError(err, ErrBrandNotFound, "brand_id", "no such brand")
	}
	return b.Name, nil
}

// ---- helpers ----

// record is what edit needs of the record it edits: its version and its
// time of last change.
type record[T any] interface {
	*T
	stamp() (version *int64, updated *time.Time)
}

func (p *Problem) stamp() (*int64, *time.Time) { return &p.Version, &p.UpdatedAt }
func (b *Brand) stamp() (*int64, *time.Time)   { return &b.Version, &b.UpdatedAt }
func (p *Product) stamp() (*int64, *time.Time) { return &p.Version, &p.UpdatedAt }

// edit runs a read-modify-write of one record under optimistic locking. With
// want != 0 the edit applies only to that version; with want == 0 it applies
// to the current version, and a lost race with another edit is read again
// (retry.OnConflict), so a patch never undoes a concurrent change to fields
// it does not set.
//
// events, when not nil, returns the events of the edit from the record as
// read (cur) to the record as it is to be stored (next, with its new
// version and update time); they go to the write with it, so that they
// are stored only with the write that succeeds. Each run makes its own.
func edit[T any, P record[T]](
	ctx context.Context, s *Service, id uuid.UUID, want int64,
	get func(context.Context, uuid.UUID) (T, error),
	change func(*T) error,
	store func(context.Context, T, int64) error,
	mapErr func(error) error,
	events func(cur, next *T) ([]commerce.Event, error),
) (T, error) {
	run := func() (T, error) {
		var zero T
		cur, err := get(ctx, id)
		if err != nil {
			return zero, err
		}
		v, _ := P(&cur).stamp()
		old := *v
		if want != 0 && old != want {
			return zero, ErrVersionConflict
		}
		next := cur
		if err := change(&next); err != nil {
			return zero, err
		}
		nv, updated := P(&next).stamp()
		*nv, *updated = old+1, s.now.Now()
		wctx := ctx
		if events != nil {
			evs, err := events(&cur, &next)
			if err != nil {
				return zero, err
			}
			wctx = commerce.WithEvents(ctx, evs...)
		}
		if err := store(wctx, next, old); err != nil {
			if mapErr != nil {
				err = mapErr(err)
			}
			return zero, err
		}
		return next, nil
	}
	if want != 0 {
		return run()
	}
	return retry.OnConflict(ctx, stale, run)
}

// stale reports whether err is a lost race of an edit.
func stale(err error) bool { return errors.Is(err, ErrVersionConflict) }

// apply sets *dst to the patch value when the patch sets it.
func apply[T any](dst *T, o commerce.Optional[T]) {
	if o.Set {
		*dst = o.Value
	}
}

// UploadImage stores an image that staff upload for a product, brand or
// problem (Options.Media): the rules of package media apply, and a file
// it refuses is a validation error on field. Use the returned image's URL
// in the record. Only staff upload; without Options.Media it returns
// ErrNoMedia.
func (s *Service) UploadImage(ctx context.Context, actor commerce.Actor, field string, r io.Reader) (media.Image, error) {
	if err := authorize(actor); err != nil {
		return media.Image{}, err
	}
	if s.media == nil {
		return media.Image{}, ErrNoMedia
	}
	return s.media.Upload(ctx, field, r)
}

// Media returns the store of the images staff upload (Options.Media), or
// nil: the pages and the API describe stored images with it.
func (s *Service) Media() *media.Store { return s.media }

// authorize allows staff and refuses everyone else with the catalog's
// errors.
func authorize(a commerce.Actor) error { return a.RequireStaff(ErrSignInRequired, ErrStaffOnly) }

// refError turns a repository's "the referenced record is missing" into a
// validation error on the field that named it.
func refError(err, missing error, field, message string) error {
	if errors.Is(err, missing) {
		return commerce.Invalid(field, message)
	}
	return err
}

// collect adds the fields of a ValidationError to bad; other errors cannot
// come from the checks it is used with.
func collect(bad *commerce.ValidationError, err error) {
	var v *commerce.ValidationError
	if errors.As(err, &v) {
		for f, m := range v.Fields {
			bad.Add(f, m)
		}
	}
}

func (s *Service) cover(p *Product) { p.SetCover(s.placeholder) }

func (s *Service) covers(ps []Product) {
	for i := range ps {
		s.cover(&ps[i])
	}
}

func productID(p Product) uuid.UUID { return p.ID }
func brandID(b Brand) uuid.UUID     { return b.ID }

// ---- validation ----

// checkURL accepts an empty string, an absolute http(s) URL or a
// root-relative path such as /static/logo.png.
func checkURL(bad *commerce.ValidationError, field string, s *string) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		return
	}
	if !validURL(*s) {
		bad.Add(field, "must be an http(s) URL or a path starting with /")
	}
}

func validURL(s string) bool {
	if len(s) > maxURLLen || strings.ContainsAny(s, " \t\n\r") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if u.Scheme == "" {
		return u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func validateProblem(p *Problem) error {
	var bad commerce.ValidationError
	p.Name = bad.Text("name", p.Name, commerce.TextRule{Max: maxNameLen, Required: true})
	p.Summary = bad.Text("summary", p.Summary, commerce.TextRule{Max: maxSummaryLen})
	p.Description = bad.Text("description", p.Description, commerce.TextRule{Max: maxTextLen, Multiline: true})
	checkURL(&bad, "image_url", &p.ImageURL)
	return bad.Err()
}

func validateBrand(b *Brand) error {
	var bad commerce.ValidationError
	b.Name = bad.Text("name", b.Name, commerce.TextRule{Max: maxNameLen, Required: true})
	b.Summary = bad.Text("summary", b.Summary, commerce.TextRule{Max: maxSummaryLen})
	b.Story = bad.Text("story", b.Story, commerce.TextRule{Max: maxTextLen, Multiline: true})
	checkURL(&bad, "logo_url", &b.LogoURL)
	checkURL(&bad, "image_url", &b.ImageURL)
	checkURL(&bad, "homepage", &b.Homepage)
	if b.Problem.ID == uuid.Nil {
		bad.Add("problem_id", "required")
	}
	return bad.Err()
}

// validateProduct checks p and puts its fields in canonical form; its price
// must be in the shop's currency.
func validateProduct(p *Product, currency string) error {
	var bad commerce.ValidationError
	p.Name = bad.Text("name", p.Name, commerce.TextRule{Max: maxProductNameLen, Required: true})
	p.Description = bad.Text("description", p.Description, commerce.TextRule{Max: maxTextLen, Multiline: true})
	switch _, known := commerce.CurrencyDigits(p.Price.Currency); {
	case p.Price.Currency == "":
		bad.Add("price", "required")
	case !known:
		bad.Add("price", fmt.Sprintf("unknown currency %q", p.Price.Currency))
	case p.Price.Currency != currency:
		bad.Add("price", fmt.Sprintf("must be in %s, the shop's currency, not %s", currency, p.Price.Currency))
	case !p.Price.Valid():
		bad.Add("price", fmt.Sprintf("%s has no more than %d minor digits", p.Price.Currency, mustDigits(p.Price.Currency)))
	case p.Price.IsNegative():
		bad.Add("price", "must not be negative")
	case p.Price.Amount.GreaterThanOrEqual(maxPrice):
		bad.Add("price", "is too large")
	default:
		p.Price = p.Price.Round() // the canonical form, exact after Valid
	}
	if len(p.Images) > maxImages {
		bad.Add("images", fmt.Sprintf("at most %d images", maxImages))
	}
	images := make([]string, len(p.Images))
	for i, u := range p.Images {
		checkURL(&bad, "images", &u)
		if u == "" {
			bad.Add("images", "must not contain empty URLs")
		}
		images[i] = u
	}
	p.Images = images
	if p.Stock != nil {
		n := *p.Stock
		if n < 0 || n > maxStock {
			bad.Add("stock", "must be between 0 and 1000000000, or null when not tracked")
		}
		p.Stock = &n
	}
	return bad.Err()
}

func mustDigits(currency string) int32 {
	d, _ := commerce.CurrencyDigits(currency)
	return d
}
