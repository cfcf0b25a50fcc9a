package catalog

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
)

// Imports store a catalog made elsewhere — another shop's problems, brands
// and products — with the ids and times it had there. They are an
// operator's tool, run by a data importer the shop starts itself: they
// take no Actor and no API exposes them.
//
// Each record is validated as the create path validates it (and put in the
// same canonical form), its references are checked, and it is compared
// with the record stored under its id: a new record is created with
// Version 1, a changed one replaces the stored one with the stored Version
// + 1, and one equal to the stored one (every field the import sets, times
// at microsecond precision) is left alone. So running an import twice
// changes nothing the second time. A stored record that differs but was
// changed after the imported one (a later UpdatedAt: staff edited it in
// the shop since the last import) is kept (commerce.ImportKept).
//
// Imports store no domain events (product.created, product.updated): what
// they bring in is history, which happened and was told elsewhere, and
// the consumers of the shop's events would take it for new changes.

// ImportProblems stores problems made elsewhere, each with its own ID,
// CreatedAt and UpdatedAt. It is an operator's tool: it takes no Actor,
// and no API exposes it.
//
// Each problem is validated as CreateProblem validates one; an invalid one
// is skipped with a *commerce.ValidationError naming the field. It returns
// one result per problem, in the order of ps, and writes the accepted ones
// in transactions of at most commerce.ImportBatchSize. The error is a
// failure of the store: the results before the failing transaction stand,
// nothing of it was written, and the results from it on are zero.
func (s *Service) ImportProblems(ctx context.Context, ps []Problem) ([]commerce.ImportResult, error) {
	return runImport(ctx, ps, importKind[Problem]{
		clean: func(p *Problem) error {
			p.Version = 0
			return importChecks(p.ID, &p.CreatedAt, &p.UpdatedAt, validateProblem(p))
		},
		id:    problemID,
		get:   s.repo.GetProblems,
		same:  sameProblem,
		write: s.repo.ImportProblems,
	})
}

// ImportBrands stores brands made elsewhere, each with its own ID,
// CreatedAt and UpdatedAt, working on a stored problem (Problem.ID; the
// name is ignored). It is an operator's tool: it takes no Actor, and no
// API exposes it.
//
// Each brand is validated as CreateBrand validates one; an invalid one is
// skipped with a *commerce.ValidationError naming the field, and one whose
// problem does not exist with an error wrapping ErrProblemNotFound (and so
// commerce.ErrNotFound) that names problem_id (commerce.FieldErrors). A
// brand whose name changes is found by its new name at once, its products
// included. Results and errors are as in ImportProblems.
func (s *Service) ImportBrands(ctx context.Context, bs []Brand) ([]commerce.ImportResult, error) {
	return runImport(ctx, bs, importKind[Brand]{
		clean: func(b *Brand) error {
			b.Problem.Name, b.Version = "", 0
			return importChecks(b.ID, &b.CreatedAt, &b.UpdatedAt, validateBrand(b))
		},
		refs: func(ctx context.Context, bs []Brand) ([]error, error) {
			return missingRefs(ctx, bs, func(b Brand) uuid.UUID { return b.Problem.ID },
				s.repo.GetProblems, problemID, "problem_id", "no such problem", ErrProblemNotFound)
		},
		id:    brandID,
		get:   s.repo.GetBrands,
		same:  sameBrand,
		write: s.repo.ImportBrands,
		lost:  ErrProblemNotFound,
	})
}

// ImportProducts stores products made elsewhere, each with its own ID,
// CreatedAt and UpdatedAt, optionally of a stored brand (Brand.ID; the
// name is ignored, and a nil Brand or one with uuid.Nil is the shop's own
// product). Images are URLs of images already stored, the cover first;
// ImageURL is ignored, and reads give the first image as it. A nil Stock
// is stock not tracked. It is an operator's tool: it takes no Actor, and
// no API exposes it.
//
// Each product is validated as CreateProduct validates one (a price in the
// shop's currency, at most 20 images, …); an invalid one is skipped with a
// *commerce.ValidationError naming the field, and one whose brand does not
// exist with an error wrapping ErrBrandNotFound (and so
// commerce.ErrNotFound) that names brand_id (commerce.FieldErrors).
// Search finds the products at once, in the order of their ids, however
// old their times. Results and errors are as in ImportProblems. Unlike
// CreateProduct and UpdateProduct, it stores no product.created or
// product.updated event: an imported product is history.
func (s *Service) ImportProducts(ctx context.Context, ps []Product) ([]commerce.ImportResult, error) {
	return runImport(ctx, ps, importKind[Product]{
		clean: func(p *Product) error {
			if p.Brand != nil {
				if p.Brand.ID == uuid.Nil {
					p.Brand = nil
				} else {
					p.Brand = &BrandRef{ID: p.Brand.ID} // a copy, without the name
				}
			}
			p.ImageURL, p.Version = "", 0
			return importChecks(p.ID, &p.CreatedAt, &p.UpdatedAt, validateProduct(p, s.currency))
		},
		refs: func(ctx context.Context, ps []Product) ([]error, error) {
			return missingRefs(ctx, ps, func(p Product) uuid.UUID {
				if p.Brand == nil {
					return uuid.Nil
				}
				return p.Brand.ID
			}, s.repo.GetBrands, brandID, "brand_id", "no such brand", ErrBrandNotFound)
		},
		id:    productID,
		get:   s.repo.GetProducts,
		same:  sameProduct,
		write: s.repo.ImportProducts,
		lost:  ErrBrandNotFound,
	})
}

// importKind is what runImport needs to know of one kind of record.
type importKind[T any] struct {
	// clean validates a copy of a record and puts it in canonical form.
	clean func(*T) error
	// refs, when not nil, returns for each record of a batch the error of
	// a reference to a missing record, or nil.
	refs func(ctx context.Context, batch []T) ([]error, error)
	id   func(T) uuid.UUID
	get  func(ctx context.Context, ids []uuid.UUID) ([]T, error)
	// same reports whether the stored record equals the imported one in
	// every field the import sets.
	same  func(stored, imported T) bool
	write func(ctx context.Context, batch []T) error
	// lost, when not nil, is the error of a write that found a record a
	// batch refers to gone after it was checked; the batch runs again.
	lost error
}

// runImport imports recs in batches of commerce.ImportBatchSize.
func runImport[T any, P record[T]](ctx context.Context, recs []T, k importKind[T]) ([]commerce.ImportResult, error) {
	results := make([]commerce.ImportResult, len(recs))
	seen := make(map[uuid.UUID]bool, len(recs))
	for start := 0; start < len(recs); start += commerce.ImportBatchSize {
		end := min(start+commerce.ImportBatchSize, len(recs))
		var (
			batch []T
			at    []int // at[j] is the index in recs of batch[j]
		)
		for i := start; i < end; i++ {
			rec := recs[i]
			if err := k.clean(&rec); err != nil {
				results[i] = skipped(err)
				continue
			}
			id := k.id(rec)
			if seen[id] {
				results[i] = skipped(&importError{field: "id", message: "an earlier record of the import has this id", kind: ErrDuplicateID})
				continue
			}
			seen[id] = true
			batch = append(batch, rec)
			at = append(at, i)
		}
		if len(batch) == 0 {
			continue
		}
		// A run that lost a race — another writer stored one of the
		// records, or removed a record they refer to, since it read them
		// — reads again and decides anew.
		out, err := retry.OnConflict(ctx, func(err error) bool {
			return errors.Is(err, ErrVersionConflict) || k.lost != nil && errors.Is(err, k.lost)
		}, func() ([]commerce.ImportResult, error) {
			return importBatch[T, P](ctx, batch, k)
		})
		if err != nil {
			return results, err
		}
		for j, r := range out {
			results[at[j]] = r
		}
	}
	return results, nil
}

// importBatch checks the references of batch, reads the records stored
// under its ids, and writes those that are new or changed, with their
// versions, in one write. It returns the result of each record of batch.
func importBatch[T any, P record[T]](ctx context.Context, batch []T, k importKind[T]) ([]commerce.ImportResult, error) {
	out := make([]commerce.ImportResult, len(batch))
	if k.refs != nil {
		errs, err := k.refs(ctx, batch)
		if err != nil {
			return nil, err
		}
		for j, err := range errs {
			if err != nil {
				out[j] = skipped(err)
			}
		}
	}
	ids := make([]uuid.UUID, 0, len(batch))
	for j, rec := range batch {
		if out[j].Outcome == 0 {
			ids = append(ids, k.id(rec))
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	stored, err := k.get(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]T, len(stored))
	for _, rec := range stored {
		byID[k.id(rec)] = rec
	}
	var write []T
	for j, rec := range batch {
		if out[j].Outcome != 0 {
			continue
		}
		version, _ := P(&rec).stamp()
		switch old, ok := byID[k.id(rec)]; {
		case !ok:
			*version = 1
			out[j].Outcome = commerce.ImportCreated
		case k.same(old, rec):
			out[j].Outcome = commerce.ImportUnchanged
			continue
		case changedSince(P(&old), P(&rec)):
			out[j].Outcome = commerce.ImportKept
			continue
		default:
			v, _ := P(&old).stamp()
			*version = *v + 1
			out[j].Outcome = commerce.ImportUpdated
		}
		write = append(write, rec)
	}
	if len(write) > 0 {
		if err := k.write(ctx, write); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// missingRefs returns, for each record of batch, an error when the id that
// ref gives (uuid.Nil: none) names no record that get finds.
func missingRefs[T, R any](ctx context.Context, batch []T, ref func(T) uuid.UUID,
	get func(context.Context, []uuid.UUID) ([]R, error), id func(R) uuid.UUID,
	field, message string, missing error) ([]error, error) {
	var ids []uuid.UUID
	asked := make(map[uuid.UUID]bool)
	for _, rec := range batch {
		if r := ref(rec); r != uuid.Nil && !asked[r] {
			asked[r] = true
			ids = append(ids, r)
		}
	}
	errs := make([]error, len(batch))
	if len(ids) == 0 {
		return errs, nil
	}
	found, err := get(ctx, ids)
	if err != nil {
		return nil, err
	}
	exists := make(map[uuid.UUID]bool, len(found))
	for _, r := range found {
		exists[id(r)] = true
	}
	for j, rec := range batch {
		if r := ref(rec); r != uuid.Nil && !exists[r] {
			errs[j] = &importError{field: field, message: message, kind: missing}
		}
	}
	return errs, nil
}

// importChecks adds to the create path's validation error (nil when the
// record passed) the checks of what an import sets that the create path
// makes itself: a non-nil id and both times, which it puts in UTC at
// microsecond precision, the precision every adapter keeps.
func importChecks(id uuid.UUID, created, updated *time.Time, err error) error {
	var bad commerce.ValidationError
	collect(&bad, err)
	if id == uuid.Nil {
		bad.Add("id", "required")
	}
	commerce.CheckImportTime(&bad, "created_at", created)
	commerce.CheckImportTime(&bad, "updated_at", updated)
	return bad.Err()
}

// importError is why an import skipped a record, other than a validation
// error: a reference to a missing record (kind wraps commerce.ErrNotFound)
// or an id taken earlier in the import (commerce.ErrConflict). It names
// the field, as commerce.FieldErrors reports.
type importError struct {
	field, message string
	kind           error
}

func (e *importError) Error() string { return "catalog: import: " + e.field + ": " + e.message }

// Unwrap returns the error's kind, for errors.Is.
func (e *importError) Unwrap() error { return e.kind }

// FieldErrors names the field, as a *commerce.ValidationError does.
func (e *importError) FieldErrors() map[string]string {
	return map[string]string{e.field: e.message}
}

func skipped(err error) commerce.ImportResult {
	return commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: err}
}

func problemID(p Problem) uuid.UUID { return p.ID }

func sameProblem(a, b Problem) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Summary == b.Summary && a.Description == b.Description &&
		a.ImageURL == b.ImageURL && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func sameBrand(a, b Brand) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Summary == b.Summary && a.Story == b.Story &&
		a.LogoURL == b.LogoURL && a.ImageURL == b.ImageURL && a.Homepage == b.Homepage &&
		a.Problem.ID == b.Problem.ID && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func sameProduct(a, b Product) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description && a.Price.Equal(b.Price) &&
		refID(a.Brand) == refID(b.Brand) && slices.Equal(a.Images, b.Images) && sameStock(a.Stock, b.Stock) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func refID(b *BrandRef) uuid.UUID {
	if b == nil {
		return uuid.Nil
	}
	return b.ID
}

func sameStock(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// changedSince reports whether the stored record was changed after the
// imported one.
func changedSince[S interface{ stamp() (*int64, *time.Time) }](stored, imported S) bool {
	_, s := stored.stamp()
	_, i := imported.stamp()
	return s.After(*i)
}
