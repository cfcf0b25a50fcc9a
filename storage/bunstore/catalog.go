package bunstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/catalog/searchindex"
)

// catalogRepo is the catalog's repository. Its queries run on db, which is
// the *bun.DB or, inside a transaction, the bun.Tx; its lookups and lists
// may run on a read replica of reads instead (see replica.go), which is
// nil inside a transaction.
type catalogRepo struct {
	db    bun.IDB
	reads *replicaSet
}

var _ catalog.Repository = (*catalogRepo)(nil)

// ---- rows ----

// The row types mirror the tables; the domain types carry no bun tags.
// Reads name their columns explicitly, so that a column added by a later
// migration never breaks a running older binary.

type problemRow struct {
	bun.BaseModel `bun:"table:problems,alias:pr"`

	ID          binID     `bun:"id,pk"`
	Name        string    `bun:"name"`
	Summary     string    `bun:"summary"`
	Description string    `bun:"description"`
	ImageURL    string    `bun:"image_url"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
	Version     int64     `bun:"version"`
}

const problemColumns = "pr.id, pr.name, pr.summary, pr.description, pr.image_url, pr.created_at, pr.updated_at, pr.version"

type brandRow struct {
	bun.BaseModel `bun:"table:brands,alias:b"`

	ID        binID     `bun:"id,pk"`
	ProblemID binID     `bun:"problem_id"`
	Name      string    `bun:"name"`
	NameKey   string    `bun:"name_key"`
	Summary   string    `bun:"summary"`
	Story     string    `bun:"story"`
	LogoURL   string    `bun:"logo_url"`
	ImageURL  string    `bun:"image_url"`
	Homepage  string    `bun:"homepage"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
	Version   int64     `bun:"version"`
	// ProblemName is read by a join.
	ProblemName string `bun:"problem_name,scanonly"`
}

// brandColumns reads a brand with its problem's name (join problems AS pr).
const brandColumns = "b.id, b.problem_id, b.name, b.summary, b.story, b.logo_url, b.image_url, b.homepage, " +
	"b.created_at, b.updated_at, b.version, pr.name AS problem_name"

type productRow struct {
	bun.BaseModel `bun:"table:products,alias:p"`

	ID            binID           `bun:"id,pk"`
	Seq           uint32          `bun:"seq"` // see search.go; not read with the product
	BrandID       nullBinID       `bun:"brand_id"`
	Name          string          `bun:"name"`
	NameKey       string          `bun:"name_key"`
	Description   string          `bun:"description"`
	PriceAmount   decimal.Decimal `bun:"price_amount"`
	PriceCurrency string          `bun:"price_currency"`
	// Images is a JSON array of URLs.
	Images    string        `bun:"images"`
	Stock     sql.NullInt64 `bun:"stock"`
	CreatedAt time.Time     `bun:"created_at"`
	UpdatedAt time.Time     `bun:"updated_at"`
	Version   int64         `bun:"version"`
	// BrandName is read by a join; NULL when the product has no brand.
	BrandName sql.NullString `bun:"brand_name,scanonly"`
}

// productColumns reads a product with its brand's name (left join brands
// AS b).
const productColumns = "p.id, p.brand_id, p.name, p.description, p.price_amount, p.price_currency, p.images, " +
	"p.stock, p.created_at, p.updated_at, p.version, b.name AS brand_name"

// Times are stored as DATETIME(6) in UTC; bun writes microseconds and drops
// the rest, which is the precision commerce.Clock gives.

func problemIn(p catalog.Problem) *problemRow {
	return &problemRow{
		ID: binID(p.ID), Name: p.Name, Summary: p.Summary, Description: p.Description, ImageURL: p.ImageURL,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version,
	}
}

func (r *problemRow) out() catalog.Problem {
	return catalog.Problem{
		ID: uuid.UUID(r.ID), Name: r.Name, Summary: r.Summary, Description: r.Description, ImageURL: r.ImageURL,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
}

func brandIn(b catalog.Brand) *brandRow {
	return &brandRow{
		ID: binID(b.ID), ProblemID: binID(b.Problem.ID), Name: b.Name, NameKey: catalog.SearchKey(b.Name),
		Summary: b.Summary, Story: b.Story, LogoURL: b.LogoURL, ImageURL: b.ImageURL, Homepage: b.Homepage,
		CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC(), Version: b.Version,
	}
}

func (r *brandRow) out() catalog.Brand {
	return catalog.Brand{
		ID: uuid.UUID(r.ID), Name: r.Name, Summary: r.Summary, Story: r.Story,
		LogoURL: r.LogoURL, ImageURL: r.ImageURL, Homepage: r.Homepage,
		Problem:   catalog.ProblemRef{ID: uuid.UUID(r.ProblemID), Name: r.ProblemName},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
}

func productIn(p catalog.Product) (*productRow, error) {
	images, err := encodeImages(p.Images)
	if err != nil {
		return nil, err
	}
	row := &productRow{
		ID: binID(p.ID), Name: p.Name, NameKey: catalog.SearchKey(p.Name), Description: p.Description,
		PriceAmount: p.Price.Amount, PriceCurrency: p.Price.Currency, Images: images,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version,
	}
	if p.Brand != nil {
		row.BrandID = nullBinID(p.Brand.ID)
	}
	if p.Stock != nil {
		row.Stock = sql.NullInt64{Int64: int64(*p.Stock), Valid: true}
	}
	return row, nil
}

func (r *productRow) out() (catalog.Product, error) {
	var images []string
	if err := json.Unmarshal([]byte(r.Images), &images); err != nil {
		return catalog.Product{}, fmt.Errorf("bunstore: product %s has malformed images: %v: %w", uuid.UUID(r.ID), err, commerce.ErrUnavailable)
	}
	if images == nil {
		images = []string{}
	}
	p := catalog.Product{
		ID: uuid.UUID(r.ID), Name: r.Name, Description: r.Description,
		Price:     commerce.Money{Amount: amountOut(r.PriceAmount, r.PriceCurrency), Currency: r.PriceCurrency},
		Images:    images,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
	if id := uuid.UUID(r.BrandID); id != uuid.Nil {
		p.Brand = &catalog.BrandRef{ID: id, Name: r.BrandName.String}
	}
	if r.Stock.Valid {
		n := int(r.Stock.Int64)
		p.Stock = &n
	}
	return p, nil
}

// encodeImages writes the URLs as a JSON array, leaving & < > as they are
// (they are common in URLs and the column is not HTML).
func encodeImages(images []string) (string, error) {
	if images == nil {
		images = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(images); err != nil {
		return "", fmt.Errorf("bunstore: encoding images: %v: %w", err, commerce.ErrInvalid)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// likeContains returns a LIKE pattern, for use with ESCAPE '!', that
// matches the strings containing s: a plain substring test in which % and
// _ in s match only themselves. '!' is the escape character rather than
// the default backslash, whose meaning inside a string literal depends on
// the sql_mode.
func likeContains(s string) string { return "%" + likeEscape(s) + "%" }

// likeEscape escapes the wildcards of LIKE, and its escape character '!',
// in s, for a pattern used with ESCAPE '!'.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// ---- problems ----

func (r *catalogRepo) CreateProblem(ctx context.Context, p catalog.Problem) error {
	_, err := r.db.NewInsert().Model(problemIn(p)).Exec(ctx)
	if isErrno(err, errDupEntry) {
		return catalog.ErrDuplicateID
	}
	return translate(err)
}

func (r *catalogRepo) GetProblem(ctx context.Context, id uuid.UUID) (catalog.Problem, error) {
	var row problemRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		row = problemRow{}
		return db.NewSelect().Model(&row).ColumnExpr(problemColumns).Where("pr.id = ?", binID(id)).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Problem{}, catalog.ErrProblemNotFound
	}
	if err != nil {
		return catalog.Problem{}, translate(err)
	}
	return row.out(), nil
}

func (r *catalogRepo) ListProblems(ctx context.Context) ([]catalog.Problem, error) {
	var rows []problemRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		rows = nil
		return db.NewSelect().Model(&rows).ColumnExpr(problemColumns).OrderExpr("pr.id ASC").Scan(ctx)
	})
	if err != nil {
		return nil, translate(err)
	}
	out := make([]catalog.Problem, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}

func (r *catalogRepo) UpdateProblem(ctx context.Context, p catalog.Problem, ifVersion int64) error {
	row := problemIn(p)
	res, err := r.db.NewUpdate().Model(row).ExcludeColumn("id").
		Where("id = ?", row.ID).Where("version = ?", ifVersion).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	return r.updated(ctx, res, "problems", p.ID, ifVersion, catalog.ErrProblemNotFound)
}

func (r *catalogRepo) DeleteProblem(ctx context.Context, id uuid.UUID) error {
	res, err := r.db.NewDelete().TableExpr("problems").Where("id = ?", binID(id)).Exec(ctx)
	switch {
	case isErrno(err, errRowIsReferenced, errRowIsReferencedOld):
		return catalog.ErrProblemInUse
	case err != nil:
		return translate(err)
	}
	return deleted(res, catalog.ErrProblemNotFound)
}

// ---- brands ----

// CreateBrand stores the brand and its grams (brand_grams) in one
// transaction.
func (r *catalogRepo) CreateBrand(ctx context.Context, b catalog.Brand) error {
	row := brandIn(b)
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		_, err := tx.NewInsert().Model(row).Exec(ctx)
		switch {
		case isErrno(err, errDupEntry):
			return catalog.ErrDuplicateID
		case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
			return catalog.ErrProblemNotFound
		case err != nil:
			return err
		}
		return writeBrandGrams(ctx, tx, b.ID, row.NameKey)
	})
}

func (r *catalogRepo) GetBrand(ctx context.Context, id uuid.UUID) (catalog.Brand, error) {
	var row brandRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		row = brandRow{}
		return db.NewSelect().Model(&row).ColumnExpr(brandColumns).
			Join("JOIN problems AS pr ON pr.id = b.problem_id").
			Where("b.id = ?", binID(id)).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Brand{}, catalog.ErrBrandNotFound
	}
	if err != nil {
		return catalog.Brand{}, translate(err)
	}
	return row.out(), nil
}

func (r *catalogRepo) ListBrands(ctx context.Context, q catalog.BrandQuery) ([]catalog.Brand, error) {
	if q.Limit < 1 {
		return []catalog.Brand{}, nil
	}
	var rows []brandRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		var err error
		if q.Search.IsZero() {
			rows, err = listBrands(ctx, db, q)
		} else {
			rows, err = searchBrands(ctx, db, q)
		}
		return err
	})
	if err != nil {
		return nil, translate(err)
	}
	out := make([]catalog.Brand, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}

// searchBrands reads the brands q selects with a search, on db.
func searchBrands(ctx context.Context, db bun.IDB, q catalog.BrandQuery) ([]brandRow, error) {
	// A search, in one statement: the inner SELECT walks the brands that
	// have one gram of the query (brand_grams' key is (gram, brand_id),
	// so the walk is newest first and stops at the page's end), testing
	// each in the binary collation the keys are stored in, each term in
	// the key without its spaces (catalog.Search.Matches); the outer one
	// adds the problems' names to the page. STRAIGHT_JOIN keeps the walk
	// on brand_grams: driven from brands, a rare word would read them
	// all; and joining the problems inside would have the server buffer
	// the join and sort every brand of the gram.
	hits := db.NewSelect().TableExpr("brand_grams AS g").ColumnExpr("g.brand_id").
		Join("STRAIGHT_JOIN brands AS b ON b.id = g.brand_id").
		Where("g.gram = ?", searchindex.NameQueryGram(q.Search))
	hits = whereNameMatches(hits, q.Search)
	if q.ProblemID != uuid.Nil {
		hits = hits.Where("b.problem_id = ?", binID(q.ProblemID))
	}
	if q.Before != uuid.Nil {
		hits = hits.Where("g.brand_id < ?", binID(q.Before))
	}
	hits = hits.OrderExpr("g.brand_id DESC").Limit(int64(q.Limit))
	var rows []brandRow
	err := db.NewSelect().Model(&rows).ColumnExpr(brandColumns).
		Join("JOIN (?) AS hit ON hit.brand_id = b.id", hits).
		Join("JOIN problems AS pr ON pr.id = b.problem_id").
		OrderExpr("b.id DESC").Scan(ctx)
	return rows, err
}

// whereNameMatches adds the search rule, on the brand's name_key, to sel.
// LOCATE leaves % and _ ordinary characters.
func whereNameMatches(sel *bun.SelectQuery, s catalog.Search) *bun.SelectQuery {
	if s.Phrase() {
		return sel.Where("LOCATE(?, b.name_key) > 0", s.String())
	}
	for _, t := range s.Terms() {
		sel = sel.Where("LOCATE(?, REPLACE(b.name_key, ' ', '')) > 0", t)
	}
	return sel
}

// listBrands reads the brands q selects without a search, newest first,
// on db.
func listBrands(ctx context.Context, db bun.IDB, q catalog.BrandQuery) ([]brandRow, error) {
	var rows []brandRow
	sel := db.NewSelect().Model(&rows).ColumnExpr(brandColumns).
		Join("JOIN problems AS pr ON pr.id = b.problem_id")
	if q.ProblemID != uuid.Nil {
		sel = sel.Where("b.problem_id = ?", binID(q.ProblemID))
	}
	if q.Before != uuid.Nil {
		sel = sel.Where("b.id < ?", binID(q.Before))
	}
	err := sel.OrderExpr("b.id DESC").Limit(int64(q.Limit)).Scan(ctx)
	return rows, err
}

// UpdateBrand reads the brand's row FOR UPDATE, then writes it; when the
// name's search key changes, the brand's products are re-indexed in the
// same transaction (see reindexBrand).
func (r *catalogRepo) UpdateBrand(ctx context.Context, b catalog.Brand, ifVersion int64) error {
	row := brandIn(b)
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		before, err := lockBrand(ctx, tx, b.ID)
		switch {
		case err != nil:
			return err
		case before.Version != ifVersion:
			return catalog.ErrVersionConflict
		}
		_, err = tx.NewUpdate().Model(row).ExcludeColumn("id").
			Where("id = ?", row.ID).Where("version = ?", ifVersion).Exec(ctx)
		switch {
		case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
			return catalog.ErrProblemNotFound
		case err != nil:
			return err
		}
		if row.NameKey == before.NameKey {
			return nil
		}
		if err := writeBrandGrams(ctx, tx, b.ID, row.NameKey); err != nil {
			return err
		}
		return reindexBrand(ctx, tx, b.ID, before.NameKey, row.NameKey)
	})
}

// DeleteBrand deletes the brand; the foreign key's ON DELETE SET NULL
// leaves its products without a brand, and their grams lose the brand
// name's in the same transaction.
func (r *catalogRepo) DeleteBrand(ctx context.Context, id uuid.UUID) error {
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		before, err := lockBrand(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := reindexBrand(ctx, tx, id, before.NameKey, ""); err != nil {
			return err
		}
		res, err := tx.NewDelete().TableExpr("brands").Where("id = ?", binID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		return deleted(res, catalog.ErrBrandNotFound)
	})
}

// lockedBrand is what a write reads of a brand, under an exclusive lock,
// before changing it.
type lockedBrand struct {
	NameKey string `bun:"name_key"`
	Version int64  `bun:"version"`
}

// lockBrand reads brand id FOR UPDATE, or returns catalog.ErrBrandNotFound.
func lockBrand(ctx context.Context, db bun.IDB, id uuid.UUID) (lockedBrand, error) {
	var cur lockedBrand
	err := db.NewRaw("SELECT name_key, version FROM brands WHERE id = ? FOR UPDATE", binID(id)).Scan(ctx, &cur)
	if errors.Is(err, sql.ErrNoRows) {
		return cur, catalog.ErrBrandNotFound
	}
	return cur, err
}

// ---- products ----

// CreateProduct stores the product, its sets and the events ctx carries
// in one transaction. The brand's name is read with a shared lock, which a
// concurrent rename waits for (or is waited on), so the sets written are
// of the name that stays; the product's seq comes from search_state (see
// nextSeq).
func (r *catalogRepo) CreateProduct(ctx context.Context, p catalog.Product) error {
	row, err := productIn(p)
	if err != nil {
		return err
	}
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		keys, err := brandKeys(ctx, tx, uuid.UUID(row.BrandID))
		if err != nil {
			return err
		}
		brandKey, ok := keys[uuid.UUID(row.BrandID)]
		if !ok && uuid.UUID(row.BrandID) != uuid.Nil {
			return catalog.ErrBrandNotFound
		}
		seq, outOfOrder, err := nextSeq(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		row.Seq = seq
		_, err = tx.NewInsert().Model(row).Exec(ctx)
		switch {
		case isErrno(err, errDupEntry):
			return catalog.ErrDuplicateID
		case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
			return catalog.ErrBrandNotFound
		case err != nil:
			return err
		}
		change := gramChange(seq, nil, &[2]string{row.NameKey, brandKey})
		if outOfOrder {
			change.added = append(change.added, searchindex.OutOfOrder)
		}
		if err := writeSets(ctx, tx, []setChange{change}); err != nil {
			return err
		}
		return storeEvents(ctx, tx)
	})
}

func (r *catalogRepo) GetProduct(ctx context.Context, id uuid.UUID) (catalog.Product, error) {
	var row productRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		row = productRow{}
		return db.NewSelect().Model(&row).ColumnExpr(productColumns).
			Join("LEFT JOIN brands AS b ON b.id = p.brand_id").
			Where("p.id = ?", binID(id)).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Product{}, catalog.ErrProductNotFound
	}
	if err != nil {
		return catalog.Product{}, translate(err)
	}
	return row.out()
}

// ListProducts reads a page of products with their brands' names in one
// query. A search goes through the index (package catalog/searchindex, see
// search.go): it reads its grams' sets, then loads the candidates by seq.
func (r *catalogRepo) ListProducts(ctx context.Context, q catalog.ProductQuery) ([]catalog.Product, error) {
	if q.Limit < 1 {
		return []catalog.Product{}, nil
	}
	var rows []productRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		rows = nil
		if !q.Search.IsZero() {
			var err error
			rows, err = searchindex.Find[productRow](ctx, searchSource{db}, q)
			return err
		}
		sel := db.NewSelect().Model(&rows).ColumnExpr(productColumns).
			Join("LEFT JOIN brands AS b ON b.id = p.brand_id")
		if q.BrandID != uuid.Nil {
			sel = sel.Where("p.brand_id = ?", binID(q.BrandID))
		}
		if q.Before != uuid.Nil {
			sel = sel.Where("p.id < ?", binID(q.Before))
		}
		return sel.OrderExpr("p.id DESC").Limit(int64(q.Limit)).Scan(ctx)
	})
	if err != nil {
		return nil, translate(err)
	}
	out := make([]catalog.Product, len(rows))
	for i := range rows {
		p, err := rows[i].out()
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// UpdateProduct reads the product's row FOR UPDATE, then writes it; when
// its name's search key or its brand changes, its grams change in the same
// transaction, computed from its brands' names read with a shared lock.
// The events ctx carries are stored in the same transaction.
func (r *catalogRepo) UpdateProduct(ctx context.Context, p catalog.Product, ifVersion int64) error {
	row, err := productIn(p)
	if err != nil {
		return err
	}
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		before, err := lockProduct(ctx, tx, p.ID)
		switch {
		case err != nil:
			return err
		case before.Version != ifVersion:
			return catalog.ErrVersionConflict
		}
		oldBrand, newBrand := uuid.UUID(before.BrandID), uuid.UUID(row.BrandID)
		reindex := before.NameKey != row.NameKey || oldBrand != newBrand
		var keys map[uuid.UUID]string
		if reindex {
			if keys, err = brandKeys(ctx, tx, oldBrand, newBrand); err != nil {
				return err
			}
			if _, ok := keys[newBrand]; !ok && newBrand != uuid.Nil {
				return catalog.ErrBrandNotFound
			}
		}
		_, err = tx.NewUpdate().Model(row).ExcludeColumn("id", "seq").
			Where("id = ?", row.ID).Where("version = ?", ifVersion).Exec(ctx)
		switch {
		case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
			return catalog.ErrBrandNotFound
		case err != nil:
			return err
		}
		if reindex {
			err := writeSets(ctx, tx, []setChange{gramChange(before.Seq,
				&[2]string{before.NameKey, keys[oldBrand]}, &[2]string{row.NameKey, keys[newBrand]})})
			if err != nil {
				return err
			}
		}
		return storeEvents(ctx, tx)
	})
}

// DeleteProduct deletes the product and its grams, and stores the events
// ctx carries, in one transaction.
func (r *catalogRepo) DeleteProduct(ctx context.Context, id uuid.UUID) error {
	return r.inTx(ctx, func(ctx context.Context, tx bun.IDB) error {
		before, err := lockProduct(ctx, tx, id)
		if err != nil {
			return err
		}
		brand := uuid.UUID(before.BrandID)
		keys, err := brandKeys(ctx, tx, brand)
		if err != nil {
			return err
		}
		res, err := tx.NewDelete().TableExpr("products").Where("id = ?", binID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		if err := deleted(res, catalog.ErrProductNotFound); err != nil {
			return err
		}
		change := gramChange(before.Seq, &[2]string{before.NameKey, keys[brand]}, nil)
		change.removed = append(change.removed, searchindex.OutOfOrder)
		if err := writeSets(ctx, tx, []setChange{change}); err != nil {
			return err
		}
		return storeEvents(ctx, tx)
	})
}

// ---- helpers ----

// inTx runs a write of several statements in a transaction (or in the one
// r runs on), and translates a database error that fn returns as it is;
// the domain's errors, which wrap the engine's kinds, come back unchanged.
func (r *catalogRepo) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.IDB) error) error {
	err := inTx(ctx, r.db, fn)
	for _, kind := range []error{commerce.ErrNotFound, commerce.ErrConflict, commerce.ErrInvalid, commerce.ErrUnavailable} {
		if errors.Is(err, kind) {
			return err
		}
	}
	return translate(err)
}

// updated interprets the result of an UPDATE … WHERE id = ? AND version = ?.
// No row affected means the row is missing, or its version is not
// ifVersion — or it matched and the update changed nothing, since MySQL
// counts changed rows, not matched ones, unless the DSN sets
// clientFoundRows. One more query tells these apart.
func (r *catalogRepo) updated(ctx context.Context, res sql.Result, table string, id uuid.UUID, ifVersion int64, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n > 0 {
		return nil
	}
	var version int64
	err = r.db.NewSelect().TableExpr(table).Column("version").Where("id = ?", binID(id)).Scan(ctx, &version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound
	case err != nil:
		return translate(err)
	case version != ifVersion:
		return catalog.ErrVersionConflict
	}
	return nil
}

// deleted interprets the result of a DELETE … WHERE id = ?.
func deleted(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// ---- images ----

// ImageURLs reads the image columns of the rows that may hold a URL with
// prefix, one table at a time, streaming the rows: a million products are
// never held in memory at once.
func (r *catalogRepo) ImageURLs(ctx context.Context, prefix string, fn func(url string) error) error {
	like := likeEscape(prefix) + "%"
	// Product images are a JSON array of strings: a URL with prefix stands
	// after a quote.
	err := r.eachString(ctx, fn, prefix, func(s string) ([]string, error) {
		var images []string
		if err := json.Unmarshal([]byte(s), &images); err != nil {
			return nil, fmt.Errorf("bunstore: a product has malformed images: %v: %w", err, commerce.ErrUnavailable)
		}
		return images, nil
	}, "SELECT images FROM products WHERE images LIKE ? ESCAPE '!'", `%"`+like)
	if err != nil {
		return err
	}
	one := func(s string) ([]string, error) { return []string{s}, nil }
	for _, q := range []string{
		"SELECT logo_url FROM brands WHERE logo_url LIKE ? ESCAPE '!'",
		"SELECT image_url FROM brands WHERE image_url LIKE ? ESCAPE '!'",
		"SELECT image_url FROM problems WHERE image_url LIKE ? ESCAPE '!'",
	} {
		if err := r.eachString(ctx, fn, prefix, one, q, like); err != nil {
			return err
		}
	}
	return nil
}

// eachString runs query, which selects one text column, and calls fn with
// each URL with prefix that split finds in a row's value.
func (r *catalogRepo) eachString(ctx context.Context, fn func(string) error, prefix string,
	split func(string) ([]string, error), query string, args ...any) error {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return translate(err)
		}
		urls, err := split(v)
		if err != nil {
			return err
		}
		for _, u := range urls {
			if strings.HasPrefix(u, prefix) {
				if err := fn(u); err != nil {
					return err
				}
			}
		}
	}
	return translate(rows.Err())
}
