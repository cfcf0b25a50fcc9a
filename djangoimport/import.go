package djangoimport

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/order"
)

// Options say where an import reads and what it writes to.
type Options struct {
	// From is the Django shop's MySQL database. The import only reads it.
	From *sql.DB

	// The shop's services the records are written through: each
	// validates what it imports by the rules of its own create path.
	Catalog  *catalog.Service
	Accounts *account.Service
	Board    *board.Service
	Orders   *order.Service
	// Carts, if set, gives customers the carts they left open in Django
	// (an order with complete = 0); nil reports them as skipped.
	Carts *cart.Service

	// MediaDir is a copy of the Django shop's MEDIA_ROOT, whose files
	// the records' photo paths name. Empty: photos are not read.
	MediaDir string
	// Images stores the photos read from MediaDir through the engine's
	// checks (a photo that is not a JPEG, PNG, GIF or WebP, or is
	// damaged, is reported and left out). Nil: a photo is kept as a URL,
	// MediaURL followed by its path, unchecked; with MediaURL empty too,
	// photos are left out and reported.
	Images *media.Store
	// MediaURL is where the Django shop's media are served, such as
	// "https://old.example.com/media/", used when Images is nil.
	MediaURL string

	// ProblemWords maps the words of the customer profile's problem
	// column to the names of the Django shop's problems; nil means
	// DefaultProblemWords.
	ProblemWords map[string]string

	// DryRun is written on the report: the caller gives services that
	// write to memory, so that everything is read and checked and the
	// shop is left alone.
	DryRun bool

	// Progress, if set, is called as records are read: kind, how many of
	// the kind are done, and how many there are.
	Progress func(kind string, done, total int)
	// Logger gets a line per kind begun and ended; nil means
	// slog.Default().
	Logger *slog.Logger
}

// DefaultProblemWords are the words the Django shop stored in the
// customer profile's problem column, and the problems they name.
var DefaultProblemWords = map[string]string{
	"disabled":    "장애인",
	"environment": "환경",
	"employment":  "고용",
	"education":   "교육",
	"elders":      "노인",
}

// importer is one run of Import.
type importer struct {
	Options
	src    source
	report *Report
	log    *slog.Logger

	problems  map[int64]uuid.UUID // posts_problem id → problem id
	problemBy map[string]uuid.UUID
	brands    map[int64]uuid.UUID // posts_brand id → brand id
	products  map[int64]productRef
	users     map[int64]uuid.UUID // auth_user id → user id
	customers map[int64]uuid.UUID // accounts_customer id → user id
}

// productRef is what an order's line needs of an imported product.
type productRef struct {
	id    uuid.UUID
	name  string
	price commerce.Money
}

// Import reads the Django shop's database and writes its records into the
// shop on the engine: problems, brands, products, users with their
// Google and Kakao accounts, notices and orders, in that order, each
// kind in batches of commerce.ImportBatchSize. Every record gets the same
// id on every run (commerce.ImportedID of its Django table and id), so a
// second run finds every record unchanged and a run that stopped half-way
// finishes the job. The report counts what was read, written, unchanged
// and skipped, and lists every conflict it resolved. The error is for a
// failure to read or to write, not for a record refused: that is
// reported.
func Import(ctx context.Context, opts Options) (*Report, error) {
	if opts.From == nil || opts.Catalog == nil || opts.Accounts == nil || opts.Board == nil || opts.Orders == nil {
		return nil, errors.New("djangoimport: Options need From, Catalog, Accounts, Board and Orders")
	}
	if opts.ProblemWords == nil {
		opts.ProblemWords = DefaultProblemWords
	}
	im := &importer{
		Options: opts, src: source{opts.From}, report: newReport(opts.DryRun),
		log:      opts.Logger,
		problems: map[int64]uuid.UUID{}, problemBy: map[string]uuid.UUID{},
		brands: map[int64]uuid.UUID{}, products: map[int64]productRef{},
		users: map[int64]uuid.UUID{}, customers: map[int64]uuid.UUID{},
	}
	if im.log == nil {
		im.log = slog.Default()
	}
	for _, step := range []struct {
		kind string
		run  func(context.Context) error
	}{
		{KindProblems, im.importProblems},
		{KindBrands, im.importBrands},
		{KindProducts, im.importProducts},
		{KindUsers, im.importUsers},
		{KindPosts, im.importPosts},
		{KindOrders, im.importOrders},
	} {
		started := time.Now()
		im.log.Info("djangoimport: importing", "kind", step.kind)
		if err := step.run(ctx); err != nil {
			return im.report, fmt.Errorf("djangoimport: %s: %w", step.kind, err)
		}
		c := im.report.Counts[step.kind]
		im.log.Info("djangoimport: imported", "kind", step.kind, "read", c.Read, "written", c.Written(),
			"unchanged", c.Unchanged, "skipped", c.Skipped, "took", time.Since(started).Round(time.Millisecond))
	}
	return im.report, nil
}

// Epoch is the time of the rows of the tables that keep none (problems,
// brands): a fixed time before any shop's records, so that the same row
// gets the same id on every run, whatever else changed in the database.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// recordTime is the time of a row of a table that keeps no time: Epoch
// plus as many milliseconds as the row's id, so that their ids sort as
// the Django ids did.
func (im *importer) recordTime(id int64) time.Time {
	return Epoch.Add(time.Duration(id) * time.Millisecond)
}

func sourceOf(table string, id int64) string { return table + ":" + strconv.FormatInt(id, 10) }

// progress reports done of total records of kind.
func (im *importer) progress(kind string, done, total int) {
	if im.Progress != nil {
		im.Progress(kind, done, total)
	}
}

// photo returns the URL of the photo at the media path p for the field
// of the record source, or "" when it has none or cannot be kept (which
// is reported).
func (im *importer) photo(ctx context.Context, kind, src, field string, p sql.NullString) (string, error) {
	if !p.Valid || strings.TrimSpace(p.String) == "" {
		return "", nil
	}
	rel := path.Clean("/" + strings.ReplaceAll(p.String, "\\", "/"))[1:]
	im.report.Counts[KindPhotos].Read++
	skip := func(reason string) (string, error) {
		im.report.skip(KindPhotos, src+" "+field, fmt.Sprintf("%s (%s): %s", rel, kind, reason))
		return "", nil
	}
	if im.Images == nil {
		if im.MediaURL == "" {
			return skip("no media folder or media URL was given")
		}
		return strings.TrimSuffix(im.MediaURL, "/") + "/" + escapePath(rel), nil
	}
	if im.MediaDir == "" {
		return skip("no media folder was given")
	}
	f, err := os.Open(filepath.Join(im.MediaDir, filepath.FromSlash(rel)))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return skip("the file is missing")
		}
		return skip(err.Error())
	}
	defer f.Close()
	img, err := im.Images.Upload(ctx, field, f)
	if err != nil {
		var bad *commerce.ValidationError
		if errors.As(err, &bad) {
			return skip(strings.Join(fieldMessages(bad), "; "))
		}
		return "", fmt.Errorf("storing %s: %w", rel, err)
	}
	return img.URL, nil
}

func fieldMessages(e *commerce.ValidationError) []string {
	var out []string
	for f, m := range e.FieldErrors() {
		out = append(out, f+" "+m)
	}
	return out
}

// escapePath escapes each segment of a slash-separated path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// written records the results of a batch of kind and returns the indexes
// of the records that are in the shop after it (written or unchanged).
func (im *importer) written(kind string, sources []string, results []commerce.ImportResult) []bool {
	im.report.add(kind, sources, results)
	ok := make([]bool, len(results))
	for i, r := range results {
		ok[i] = r.Outcome != commerce.ImportSkipped
	}
	return ok
}

func (im *importer) importProblems(ctx context.Context) error {
	total, err := im.src.count(ctx, "posts_problem")
	if err != nil {
		return err
	}
	done := 0
	return pages(ctx, im.src, problemsQuery, commerce.ImportBatchSize, scanProblem, func(rows []djangoProblem) error {
		batch := make([]catalog.Problem, 0, len(rows))
		var sources []string
		for _, r := range rows {
			im.report.Counts[KindProblems].Read++
			src := sourceOf("posts_problem", r.ID)
			image, err := im.photo(ctx, KindProblems, src, "image", r.Image)
			if err != nil {
				return err
			}
			at := im.recordTime(r.ID)
			batch = append(batch, catalog.Problem{
				ID: commerce.ImportedID(at, src), Name: r.Name, Summary: r.ShortContent.String,
				Description: r.Content, ImageURL: image, CreatedAt: at, UpdatedAt: at,
			})
			sources = append(sources, src)
		}
		results, err := im.Catalog.ImportProblems(ctx, batch)
		if err != nil {
			return err
		}
		for i, ok := range im.written(KindProblems, sources, results) {
			if ok {
				im.problems[rows[i].ID] = batch[i].ID
				im.problemBy[rows[i].Name] = batch[i].ID
			}
		}
		done += len(rows)
		im.progress(KindProblems, done, total)
		return nil
	})
}

func (im *importer) importBrands(ctx context.Context) error {
	total, err := im.src.count(ctx, "posts_brand")
	if err != nil {
		return err
	}
	done := 0
	return pages(ctx, im.src, brandsQuery, commerce.ImportBatchSize, scanBrand, func(rows []djangoBrand) error {
		var batch []catalog.Brand
		var sources []string
		var olds []int64
		for _, r := range rows {
			im.report.Counts[KindBrands].Read++
			src := sourceOf("posts_brand", r.ID)
			problem, ok := im.problems[r.ProblemID]
			if !ok {
				im.report.skip(KindBrands, src, fmt.Sprintf("its problem (posts_problem:%d) was not imported", r.ProblemID))
				continue
			}
			logo, err := im.photo(ctx, KindBrands, src, "logo", r.Logo)
			if err != nil {
				return err
			}
			image, err := im.photo(ctx, KindBrands, src, "image", r.Image)
			if err != nil {
				return err
			}
			homepage := strings.TrimSpace(r.Homepage)
			if u, err := url.Parse(homepage); homepage != "" && (err != nil || u.Scheme == "" || u.Host == "") {
				im.report.conflict(Conflict{Kind: KindBrands, Source: src, Field: "homepage", Was: r.Homepage,
					Now: "https://" + homepage, Reason: "a homepage needs a scheme"})
				homepage = "https://" + homepage
			}
			at := im.recordTime(r.ID)
			batch = append(batch, catalog.Brand{
				ID: commerce.ImportedID(at, src), Name: r.Name, Summary: r.ShortContent, Story: r.LongContent,
				LogoURL: logo, ImageURL: image, Homepage: homepage,
				Problem: catalog.ProblemRef{ID: problem}, CreatedAt: at, UpdatedAt: at,
			})
			sources = append(sources, src)
			olds = append(olds, r.ID)
		}
		results, err := im.Catalog.ImportBrands(ctx, batch)
		if err != nil {
			return err
		}
		for i, ok := range im.written(KindBrands, sources, results) {
			if ok {
				im.brands[olds[i]] = batch[i].ID
			}
		}
		done += len(rows)
		im.progress(KindBrands, done, total)
		return nil
	})
}

func (im *importer) importProducts(ctx context.Context) error {
	total, err := im.src.count(ctx, "products_product")
	if err != nil {
		return err
	}
	done := 0
	return pages(ctx, im.src, productsQuery, commerce.ImportBatchSize, scanProduct, func(rows []djangoProduct) error {
		var batch []catalog.Product
		var sources []string
		var olds []int64
		for _, r := range rows {
			im.report.Counts[KindProducts].Read++
			src := sourceOf("products_product", r.ID)
			var brand *catalog.BrandRef
			if r.BrandID.Valid {
				id, ok := im.brands[r.BrandID.Int64]
				if !ok {
					im.report.skip(KindProducts, src, fmt.Sprintf("its brand (posts_brand:%d) was not imported", r.BrandID.Int64))
					continue
				}
				brand = &catalog.BrandRef{ID: id}
			}
			var images []string
			for i, p := range r.Images {
				field := "image"
				if i > 0 {
					field += strconv.Itoa(i + 1)
				}
				u, err := im.photo(ctx, KindProducts, src, field, p)
				if err != nil {
					return err
				}
				if u != "" {
					images = append(images, u)
				}
			}
			price, err := commerce.NewMoney(decimal.NewFromInt(r.Price), "KRW")
			if err != nil {
				im.report.skip(KindProducts, src, "price: "+err.Error())
				continue
			}
			created, updated := r.CreatedAt.UTC().Truncate(time.Microsecond), r.UpdatedAt.UTC().Truncate(time.Microsecond)
			batch = append(batch, catalog.Product{
				ID: commerce.ImportedID(created, src), Name: r.Name, Price: price, Brand: brand,
				Images: images, CreatedAt: created, UpdatedAt: updated,
			})
			sources = append(sources, src)
			olds = append(olds, r.ID)
		}
		results, err := im.Catalog.ImportProducts(ctx, batch)
		if err != nil {
			return err
		}
		for i, ok := range im.written(KindProducts, sources, results) {
			if ok {
				im.products[olds[i]] = productRef{id: batch[i].ID, name: batch[i].Name, price: batch[i].Price}
			}
		}
		done += len(rows)
		im.progress(KindProducts, done, total)
		return nil
	})
}

// extraEmail returns the e-mail address in an allauth account's
// extra_data: Google's "email", Kakao's "kakao_account"."email".
func extraEmail(provider, extra string) string {
	var data struct {
		Email        string `json:"email"`
		KakaoAccount struct {
			Email string `json:"email"`
		} `json:"kakao_account"`
	}
	if json.Unmarshal([]byte(extra), &data) != nil {
		return ""
	}
	if provider == "kakao" {
		return data.KakaoAccount.Email
	}
	return data.Email
}
