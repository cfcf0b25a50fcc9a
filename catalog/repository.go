package catalog

import (
	"context"

	"github.com/google/uuid"
)

// Repository is the storage the catalog consumes. Adapters implement it;
// storage/storagetest checks that each one keeps every contract written
// here, so that the in-memory adapter and MySQL answer alike.
//
// Reads fill in references: a Brand's Problem.Name and a Product's
// Brand.Name are the current names, read in the same query. No read ever
// costs one query per item.
type Repository interface {
	ProblemRepository
	BrandRepository
	ProductRepository
	ImageRepository
	ImportRepository
}

// ImageRepository reads the images the catalog refers to, for sweeping
// away stored files that nothing uses (package media).
type ImageRepository interface {
	// ImageURLs calls fn with every image URL that starts with prefix and
	// that a product (any of its images), a brand (its logo or image) or a
	// problem refers to; a URL may come more than once. An adapter over a
	// database streams the rows rather than load the whole catalog at
	// once. It stops at fn's first error, which it returns.
	ImageURLs(ctx context.Context, prefix string, fn func(url string) error) error
}

// ProblemRepository stores problems.
type ProblemRepository interface {
	// CreateProblem stores p. It returns ErrDuplicateID if p.ID exists.
	CreateProblem(ctx context.Context, p Problem) error
	// GetProblem returns the problem with id, or ErrProblemNotFound.
	GetProblem(ctx context.Context, id uuid.UUID) (Problem, error)
	// ListProblems returns every problem, oldest first (by id).
	ListProblems(ctx context.Context) ([]Problem, error)
	// UpdateProblem replaces the problem p.ID with p if its stored Version
	// is ifVersion; p.Version is the new version. It returns
	// ErrProblemNotFound or ErrVersionConflict and then changes nothing.
	UpdateProblem(ctx context.Context, p Problem, ifVersion int64) error
	// DeleteProblem deletes the problem with id. It returns
	// ErrProblemNotFound, or ErrProblemInUse while any brand works on it;
	// then it deletes nothing.
	DeleteProblem(ctx context.Context, id uuid.UUID) error
}

// BrandRepository stores brands.
type BrandRepository interface {
	// CreateBrand stores b. It returns ErrDuplicateID if b.ID exists and
	// ErrProblemNotFound if b.Problem.ID does not.
	CreateBrand(ctx context.Context, b Brand) error
	// GetBrand returns the brand with id, or ErrBrandNotFound.
	GetBrand(ctx context.Context, id uuid.UUID) (Brand, error)
	// ListBrands returns the brands that q selects, newest (highest id)
	// first, at most q.Limit of them.
	ListBrands(ctx context.Context, q BrandQuery) ([]Brand, error)
	// UpdateBrand replaces the brand b.ID with b if its stored Version is
	// ifVersion. It returns ErrBrandNotFound, ErrVersionConflict or
	// ErrProblemNotFound (b.Problem.ID does not exist) and then changes
	// nothing.
	UpdateBrand(ctx context.Context, b Brand, ifVersion int64) error
	// DeleteBrand deletes the brand with id, or returns ErrBrandNotFound.
	// Its products stay, without a brand.
	DeleteBrand(ctx context.Context, id uuid.UUID) error
}

// ProductRepository stores products.
type ProductRepository interface {
	// CreateProduct stores p. It returns ErrDuplicateID if p.ID exists and
	// ErrBrandNotFound if p.Brand is set and names no brand. It stores the
	// events ctx carries (commerce.WithEvents) in the same transaction —
	// the product.created event of the service — and, when it fails,
	// none.
	CreateProduct(ctx context.Context, p Product) error
	// GetProduct returns the product with id, or ErrProductNotFound.
	GetProduct(ctx context.Context, id uuid.UUID) (Product, error)
	// ListProducts returns the products that q selects, in the order of
	// q.Sort, at most q.Limit of them.
	ListProducts(ctx context.Context, q ProductQuery) ([]Product, error)
	// UpdateProduct replaces the product p.ID with p if its stored Version
	// is ifVersion. It returns ErrProductNotFound, ErrVersionConflict or
	// ErrBrandNotFound (p.Brand names no brand) and then changes nothing.
	// It stores the events ctx carries (commerce.WithEvents) in the same
	// transaction — product.updated, and product.out_of_stock when the
	// edit takes the stock to 0 — and, when it changes nothing, none.
	UpdateProduct(ctx context.Context, p Product, ifVersion int64) error
	// DeleteProduct deletes the product with id, or returns
	// ErrProductNotFound and deletes nothing. It stores the events ctx
	// carries (commerce.WithEvents) in the same transaction — the
	// product.deleted event of the service — and, when it returns an
	// error, none.
	DeleteProduct(ctx context.Context, id uuid.UUID) error
}

// ImportRepository reads and writes records in bulk, for the imports of
// Service (ImportProblems, ImportBrands, ImportProducts): a catalog made
// elsewhere, stored with its own ids and times. The service validates the
// records, decides which are new, changed or unchanged and sets their
// versions; an adapter reads and writes them, each write in one
// transaction with multi-row statements.
//
// A write is conditional on the versions the service read, as an edit is:
// a record with Version 1 must be new, and any other replaces the stored
// record whose Version is one less. Otherwise — another writer stored the
// record between the service's read and the write — the write returns
// ErrVersionConflict and writes nothing, and the service reads again.
type ImportRepository interface {
	// GetProblems returns the stored problems among ids, in any order;
	// an id that names no problem is left out.
	GetProblems(ctx context.Context, ids []uuid.UUID) ([]Problem, error)
	// GetBrands returns the stored brands among ids, as GetProblems does,
	// with their problems' names.
	GetBrands(ctx context.Context, ids []uuid.UUID) ([]Brand, error)
	// GetProducts returns the stored products among ids, as GetProblems
	// does, with their brands' names.
	GetProducts(ctx context.Context, ids []uuid.UUID) ([]Product, error)

	// ImportProblems stores ps, at most commerce.ImportBatchSize problems
	// with distinct ids, in one transaction: each new one (Version 1) is
	// created, each other one replaces the stored problem with its id
	// whose Version is one less. It returns ErrVersionConflict when a
	// problem is not as that says, and then writes nothing.
	ImportProblems(ctx context.Context, ps []Problem) error
	// ImportBrands stores bs as ImportProblems stores problems. It
	// returns ErrProblemNotFound when a brand's Problem.ID names no
	// problem, and then writes nothing. A brand whose name changes
	// changes the search index of its products in the same transaction,
	// as UpdateBrand does.
	ImportBrands(ctx context.Context, bs []Brand) error
	// ImportProducts stores ps as ImportProblems stores problems, and
	// indexes them for search in the same transaction: a new product gets
	// a seq as CreateProduct gives it (the products taken in id order),
	// and a changed one's grams change as UpdateProduct changes them. It
	// returns ErrBrandNotFound when a product's Brand names no brand, and
	// then writes nothing.
	ImportProducts(ctx context.Context, ps []Product) error
}

// StockRepository changes the tracked stock of products. Checkout uses it
// inside a transaction, taking stock in product-id order so that two
// checkouts never wait on each other in opposite orders.
type StockRepository interface {
	// TakeStock takes n units of product id: when its stock is tracked it
	// decreases by n if at least n remain — a conditional update, never
	// below zero — and otherwise fails with ErrOutOfStock; untracked stock
	// is left alone. It returns ErrProductNotFound for a missing product.
	// A change of stock increments the product's Version, so that an edit
	// of the product read before it cannot write the old stock back. It
	// stores the events ctx carries (commerce.WithEvents) in the same
	// transaction (the checkout's), and with a failure none. (The
	// checkout learns that it took the last units only after the take,
	// by reading the product again, so package order gives its
	// product.out_of_stock events to the order's write, which commits in
	// the same transaction.)
	TakeStock(ctx context.Context, id uuid.UUID, n int) error
	// ReturnStock gives n units back to product id when its stock is
	// tracked, incrementing its Version. A missing product or untracked
	// stock is left alone.
	ReturnStock(ctx context.Context, id uuid.UUID, n int) error
}

// ProductQuery is what a repository's ListProducts selects. The service
// builds it from a ProductFilter.
type ProductQuery struct {
	// Search, when not zero, keeps the products that it matches:
	// Search.Rank(SearchKey(name), SearchKey(brand name)) reports true.
	// An adapter may use an index to find candidates, but the matches and
	// ranks are exactly Rank's.
	Search Search
	// Sort orders the products: with SortNewest (or a zero Search) by id,
	// highest first; with SortRelevance by Search.Rank, then id, highest
	// first.
	Sort Sort
	// BrandID, when not uuid.Nil, keeps the products of that brand.
	BrandID uuid.UUID
	// Before, when not uuid.Nil, keeps the products after it in the order
	// of Sort: with SortNewest, those with a lower id; with SortRelevance,
	// those with a higher rank than BeforeRank, or the same rank and a
	// lower id.
	Before     uuid.UUID
	BeforeRank Rank
	// NameOnly, with SortRelevance, keeps only the products whose own
	// name holds every term: RankNameStart and RankName.
	NameOnly bool
	// Limit is the most products to return; always at least 1.
	Limit int
}

// Ordered reports whether q lists products by rank: a search sorted by
// relevance.
func (q ProductQuery) Ordered() bool { return q.Sort == SortRelevance && !q.Search.IsZero() }

// BrandQuery is what a repository's ListBrands selects.
type BrandQuery struct {
	// Search, when not zero, keeps the brands whose name's SearchKey it
	// matches (Search.Matches).
	Search Search
	// ProblemID, when not uuid.Nil, keeps the brands working on it.
	ProblemID uuid.UUID
	// Before, when not uuid.Nil, keeps the brands with a lower id.
	Before uuid.UUID
	// Limit is the most brands to return; always at least 1.
	Limit int
}
