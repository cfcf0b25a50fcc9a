package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
)

// Catalog returns the store's catalog repository.
func (s *Store) Catalog() catalog.Repository { return catalogRepo{s: s} }

// catalogRepo is the catalog on the store. Inside a transaction (tx not
// nil) the store's lock is already held and reads take no lock; writes of
// the catalog itself are not part of what a transaction can undo, so they
// are refused there.
type catalogRepo struct {
	s  *Store
	tx *undoLog
}

var _ catalog.Repository = catalogRepo{}

type problemRecord struct {
	p catalog.Problem
}

type brandRecord struct {
	b   catalog.Brand
	key string // catalog.SearchKey(b.Name)
}

type productRecord struct {
	p   catalog.Product
	key string // catalog.SearchKey(p.Name)
	seq uint32 // see catalogIndex
}

// ---- problems ----

func (r catalogRepo) CreateProblem(ctx context.Context, p catalog.Problem) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	if _, ok := s.problems[p.ID]; ok {
		return catalog.ErrDuplicateID
	}
	s.problems[p.ID] = problemRecord{p: p}
	s.problemOrder.insert(p.ID)
	return nil
}

func (r catalogRepo) GetProblem(ctx context.Context, id uuid.UUID) (catalog.Problem, error) {
	if err := ctxErr(ctx); err != nil {
		return catalog.Problem{}, err
	}
	s := r.s
	defer r.rlock()()
	rec, ok := s.problems[id]
	if !ok {
		return catalog.Problem{}, catalog.ErrProblemNotFound
	}
	return rec.p, nil
}

func (r catalogRepo) ListProblems(ctx context.Context) ([]catalog.Problem, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	defer r.rlock()()
	out := make([]catalog.Problem, 0, len(s.problemOrder))
	for _, id := range s.problemOrder {
		out = append(out, s.problems[id].p)
	}
	return out, nil
}

func (r catalogRepo) UpdateProblem(ctx context.Context, p catalog.Problem, ifVersion int64) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	rec, ok := s.problems[p.ID]
	switch {
	case !ok:
		return catalog.ErrProblemNotFound
	case rec.p.Version != ifVersion:
		return catalog.ErrVersionConflict
	}
	s.problems[p.ID] = problemRecord{p: p}
	return nil
}

func (r catalogRepo) DeleteProblem(ctx context.Context, id uuid.UUID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	if _, ok := s.problems[id]; !ok {
		return catalog.ErrProblemNotFound
	}
	for _, b := range s.brands {
		if b.b.Problem.ID == id {
			return catalog.ErrProblemInUse
		}
	}
	delete(s.problems, id)
	s.problemOrder.remove(id)
	s.dropInterest(id)
	return nil
}

// ---- brands ----

func (r catalogRepo) CreateBrand(ctx context.Context, b catalog.Brand) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	if _, ok := s.brands[b.ID]; ok {
		return catalog.ErrDuplicateID
	}
	if _, ok := s.problems[b.Problem.ID]; !ok {
		return catalog.ErrProblemNotFound
	}
	b.Problem.Name = ""
	s.brands[b.ID] = brandRecord{b: b, key: catalog.SearchKey(b.Name)}
	s.brandOrder.insert(b.ID)
	return nil
}

func (r catalogRepo) GetBrand(ctx context.Context, id uuid.UUID) (catalog.Brand, error) {
	if err := ctxErr(ctx); err != nil {
		return catalog.Brand{}, err
	}
	s := r.s
	defer r.rlock()()
	rec, ok := s.brands[id]
	if !ok {
		return catalog.Brand{}, catalog.ErrBrandNotFound
	}
	return s.brandOut(rec), nil
}

func (r catalogRepo) ListBrands(ctx context.Context, q catalog.BrandQuery) ([]catalog.Brand, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	defer r.rlock()()
	var out []catalog.Brand
	for i := s.brandOrder.below(q.Before) - 1; i >= 0 && len(out) < q.Limit; i-- {
		rec := s.brands[s.brandOrder[i]]
		if q.ProblemID != uuid.Nil && rec.b.Problem.ID != q.ProblemID {
			continue
		}
		if !q.Search.IsZero() && !q.Search.Matches(rec.key) {
			continue
		}
		out = append(out, s.brandOut(rec))
	}
	return out, nil
}

func (r catalogRepo) UpdateBrand(ctx context.Context, b catalog.Brand, ifVersion int64) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	rec, ok := s.brands[b.ID]
	switch {
	case !ok:
		return catalog.ErrBrandNotFound
	case rec.b.Version != ifVersion:
		return catalog.ErrVersionConflict
	}
	if _, ok := s.problems[b.Problem.ID]; !ok {
		return catalog.ErrProblemNotFound
	}
	b.Problem.Name = ""
	s.brands[b.ID] = brandRecord{b: b, key: catalog.SearchKey(b.Name)}
	s.renameBrand(b.ID, rec.key, s.brands[b.ID].key)
	return nil
}

// renameBrand re-indexes the products of brand id when its name's search
// key changes from before to after: their lists hold its name's grams.
func (s *Store) renameBrand(id uuid.UUID, before, after string) {
	if before == after {
		return
	}
	for _, pid := range s.search.brands[id] {
		p := s.products[pid]
		s.search.indexProduct(pid, p, p, before, after)
	}
}

func (r catalogRepo) DeleteBrand(ctx context.Context, id uuid.UUID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	brand, ok := s.brands[id]
	if !ok {
		return catalog.ErrBrandNotFound
	}
	// Its products stay, without a brand and without its name's grams.
	for _, pid := range slices.Clone(s.search.brands[id]) {
		old := s.products[pid]
		rec := old
		rec.p.Brand = nil
		s.products[pid] = rec
		s.search.indexProduct(pid, old, rec, brand.key, "")
	}
	delete(s.brands, id)
	s.brandOrder.remove(id)
	return nil
}

// brandOut returns a copy of a stored brand with its problem's name.
func (s *Store) brandOut(rec brandRecord) catalog.Brand {
	b := rec.b
	b.Problem.Name = s.problems[b.Problem.ID].p.Name
	return b
}

// ---- products ----

func (r catalogRepo) CreateProduct(ctx context.Context, p catalog.Product) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	if _, ok := s.products[p.ID]; ok {
		return catalog.ErrDuplicateID
	}
	rec, err := s.productIn(p)
	if err != nil {
		return err
	}
	events, err := s.eventsToStore(ctx, r.tx)
	if err != nil {
		return err
	}
	seq, outOfOrder := s.newSeq(p.ID)
	rec.seq = seq
	s.products[p.ID] = rec
	s.productOrder.insert(p.ID)
	s.search.indexProduct(p.ID, productRecord{}, rec, "", s.brandKey(rec))
	if outOfOrder {
		s.search.add(searchindex.OutOfOrder, seq)
	}
	s.storeEvents(events, r.tx)
	return nil
}

func (r catalogRepo) GetProduct(ctx context.Context, id uuid.UUID) (catalog.Product, error) {
	if err := ctxErr(ctx); err != nil {
		return catalog.Product{}, err
	}
	s := r.s
	defer r.rlock()()
	rec, ok := s.products[id]
	if !ok {
		return catalog.Product{}, catalog.ErrProductNotFound
	}
	return s.productOut(rec), nil
}

func (r catalogRepo) ListProducts(ctx context.Context, q catalog.ProductQuery) ([]catalog.Product, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	defer r.rlock()()
	if !q.Search.IsZero() {
		return s.searchProducts(ctx, q)
	}
	list := s.productOrder
	if q.BrandID != uuid.Nil {
		list = s.search.brands[q.BrandID]
	}
	out := make([]catalog.Product, 0, min(q.Limit, len(list)))
	for i := list.below(q.Before) - 1; i >= 0 && len(out) < q.Limit; i-- {
		out = append(out, s.productOut(s.products[list[i]]))
	}
	return out, nil
}

func (r catalogRepo) UpdateProduct(ctx context.Context, p catalog.Product, ifVersion int64) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	old, ok := s.products[p.ID]
	switch {
	case !ok:
		return catalog.ErrProductNotFound
	case old.p.Version != ifVersion:
		return catalog.ErrVersionConflict
	}
	rec, err := s.productIn(p)
	if err != nil {
		return err
	}
	events, err := s.eventsToStore(ctx, r.tx)
	if err != nil {
		return err
	}
	rec.seq = old.seq
	oldBrandKey := s.brandKey(old)
	s.products[p.ID] = rec
	s.search.indexProduct(p.ID, old, rec, oldBrandKey, s.brandKey(rec))
	s.storeEvents(events, r.tx)
	return nil
}

func (r catalogRepo) DeleteProduct(ctx context.Context, id uuid.UUID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	if err := r.writable(); err != nil {
		return err
	}
	defer r.lock()()
	old, ok := s.products[id]
	if !ok {
		return catalog.ErrProductNotFound
	}
	events, err := s.eventsToStore(ctx, r.tx)
	if err != nil {
		return err
	}
	s.search.indexProduct(id, old, productRecord{}, s.brandKey(old), "")
	s.search.remove(searchindex.OutOfOrder, old.seq)
	delete(s.products, id)
	s.productOrder.remove(id)
	s.storeEvents(events, r.tx)
	return nil
}

// productIn checks p's brand and returns the record to store: a deep copy,
// with only the brand's id kept (its name is read fresh on every read).
func (s *Store) productIn(p catalog.Product) (productRecord, error) {
	if p.Brand != nil {
		if _, ok := s.brands[p.Brand.ID]; !ok {
			return productRecord{}, catalog.ErrBrandNotFound
		}
	}
	p = copyProduct(p)
	if p.Brand != nil {
		p.Brand.Name = ""
	}
	p.ImageURL = ""
	return productRecord{p: p, key: catalog.SearchKey(p.Name)}, nil
}

// productOut returns a deep copy of a stored product with its brand's name.
func (s *Store) productOut(rec productRecord) catalog.Product {
	p := copyProduct(rec.p)
	if p.Brand != nil {
		p.Brand.Name = s.brands[p.Brand.ID].b.Name
	}
	return p
}

func copyProduct(p catalog.Product) catalog.Product {
	if p.Brand != nil {
		b := *p.Brand
		p.Brand = &b
	}
	if p.Stock != nil {
		n := *p.Stock
		p.Stock = &n
	}
	p.Images = slices.Clone(p.Images)
	if p.Images == nil {
		p.Images = []string{}
	}
	return p
}

// lock takes the store's write lock unless r runs inside a transaction,
// and returns the matching unlock.
func (r catalogRepo) lock() func() {
	if r.tx != nil {
		return func() {}
	}
	r.s.mu.Lock()
	return r.s.mu.Unlock
}

// rlock is lock for reading.
func (r catalogRepo) rlock() func() {
	if r.tx != nil {
		return func() {}
	}
	r.s.mu.RLock()
	return r.s.mu.RUnlock
}

// writable refuses catalog writes inside a transaction.
func (r catalogRepo) writable() error {
	if r.tx != nil {
		return errCatalogWriteInTx
	}
	return nil
}

// ---- images ----

func (r catalogRepo) ImageURLs(ctx context.Context, prefix string, fn func(url string) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	// The URLs are gathered under the lock and fn is called after it, so
	// that fn may use the store.
	var urls []string
	add := func(u string) {
		if strings.HasPrefix(u, prefix) {
			urls = append(urls, u)
		}
	}
	func() {
		defer r.rlock()()
		s := r.s
		for _, rec := range s.products {
			for _, u := range rec.p.Images {
				add(u)
			}
		}
		for _, rec := range s.brands {
			add(rec.b.LogoURL)
			add(rec.b.ImageURL)
		}
		for _, p := range s.problems {
			add(p.p.ImageURL)
		}
	}()
	for _, u := range urls {
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}
