package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// judgedQuery is one query of testdata/judged-queries.tsv, which describes
// its format.
type judgedQuery struct {
	line      int
	query     string
	relevance bool     // products are in their order by relevance
	products  []string // nil when the query must find nothing
}

func readJudgedQueries(t *testing.T) []judgedQuery {
	t.Helper()
	path := filepath.Join("testdata", "judged-queries.tsv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []judgedQuery
	seen := make(map[string]int)
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Fatalf("%s:%d: %d fields, want 3 separated by tabs", path, n, len(fields))
		}
		q := judgedQuery{line: n, query: fields[0]}
		if strings.HasPrefix(q.query, `"`) {
			if q.query, err = strconv.Unquote(q.query); err != nil {
				t.Fatalf("%s:%d: query %s: %v", path, n, fields[0], err)
			}
		}
		if prev, ok := seen[q.query]; ok {
			t.Fatalf("%s:%d: query %q is already on line %d", path, n, q.query, prev)
		}
		seen[q.query] = n
		switch fields[1] {
		case "set":
		case "relevance":
			q.relevance = true
		default:
			t.Fatalf("%s:%d: order %q, want set or relevance", path, n, fields[1])
		}
		if fields[2] != "" {
			q.products = strings.Split(fields[2], " | ")
		}
		out = append(out, q)
	}
	return out
}

// productNames returns the names of ps, nil when there is none.
func productNames(ps []catalog.Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// TestJudgedQueries searches the demo catalog, on each store, with every
// query of testdata/judged-queries.tsv, in both orders.
func TestJudgedQueries(t *testing.T) {
	queries := readJudgedQueries(t)
	if len(queries) < 40 {
		t.Fatalf("%d judged queries, want at least 40", len(queries))
	}
	backends := []struct {
		name string
		open func(t *testing.T) (demo.Locker, catalog.Repository)
	}{
		{"memstore", func(t *testing.T) (demo.Locker, catalog.Repository) {
			store := memstore.New(nil)
			return store, store.Catalog()
		}},
		{"bunstore", func(t *testing.T) (demo.Locker, catalog.Repository) {
			db, err := bunstore.Open(testdb.MySQLDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			store, err := bunstore.New(context.Background(), db, nil)
			if err != nil {
				t.Fatal(err)
			}
			return store, store.Catalog()
		}},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			lock, repo := be.open(t)
			cat := catalog.NewService(repo, nil)
			if err := demo.Load(ctx, lock, cat, staff); err != nil {
				t.Fatalf("Load: %v", err)
			}
			// A name misspelt in the file would otherwise pass as a
			// product that must not be found.
			demoNames := make(map[string]bool)
			for _, p := range allProducts(ctx, t, cat, "") {
				demoNames[p.Name] = true
			}
			for _, q := range queries {
				for _, name := range q.products {
					if !demoNames[name] {
						t.Errorf("line %d: %q is not a product of the demo", q.line, name)
					}
				}
			}

			for _, q := range queries {
				for _, sort := range []catalog.Sort{catalog.SortNewest, catalog.SortRelevance} {
					page, err := cat.Products(ctx, catalog.ProductFilter{Query: q.query, Sort: sort, Limit: commerce.MaxLimit})
					if err != nil {
						t.Errorf("line %d: search %q by %s: %v", q.line, q.query, sort, err)
						continue
					}
					if page.NextCursor != "" {
						t.Errorf("line %d: search %q by %s: a second page, though the demo has fewer than %d products",
							q.line, q.query, sort, commerce.MaxLimit)
					}
					got, want := productNames(page.Items), q.products
					if !q.relevance || sort != catalog.SortRelevance {
						got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("line %d: search %q by %s (-want +got):\n%s", q.line, q.query, sort, diff)
					}
				}
			}
		})
	}
}
