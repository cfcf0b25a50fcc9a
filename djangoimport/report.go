package djangoimport

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/impactmuseum/commerce"
)

// The kinds of record an import reads, in the order it writes them.
const (
	KindProblems   = "problems"
	KindBrands     = "brands"
	KindProducts   = "products"
	KindUsers      = "users"
	KindIdentities = "identities"
	KindPosts      = "posts"
	KindOrders     = "orders"
	KindCarts      = "carts"
	KindPhotos     = "photos"
)

var kinds = []string{KindProblems, KindBrands, KindProducts, KindUsers, KindIdentities, KindPosts, KindOrders, KindCarts, KindPhotos}

// Counts are what an import did with the records of one kind.
type Counts struct {
	Read      int
	Created   int
	Updated   int
	Unchanged int
	// Kept counts records that differ from the source but were changed
	// in the shop after it, and are kept as the shop has them
	// (commerce.ImportKept).
	Kept    int
	Skipped int
}

// Written is the number of records created or updated.
func (c Counts) Written() int { return c.Created + c.Updated }

// Skip is a record that was not imported, or a part of one that was left
// out (a photo), and why.
type Skip struct {
	Kind   string
	Source string // the Django row, such as "products_product:42"
	Reason string
}

// Conflict is a value the import changed so that a record could come
// across, such as a username that differs from another only in case,
// which the engine treats as the same name.
type Conflict struct {
	Kind     string
	Source   string
	Field    string
	Was, Now string
	Reason   string
}

// Report is the outcome of an import.
type Report struct {
	DryRun    bool
	Counts    map[string]*Counts
	Skips     []Skip
	Conflicts []Conflict
}

func newReport(dryRun bool) *Report {
	r := &Report{DryRun: dryRun, Counts: map[string]*Counts{}}
	for _, k := range kinds {
		r.Counts[k] = &Counts{}
	}
	return r
}

// Skipped is the number of records (and photos) left out.
func (r *Report) Skipped() int { return len(r.Skips) }

func (r *Report) skip(kind, source, reason string) {
	r.Counts[kind].Skipped++
	r.Skips = append(r.Skips, Skip{Kind: kind, Source: source, Reason: reason})
}

func (r *Report) conflict(c Conflict) { r.Conflicts = append(r.Conflicts, c) }

// add counts the results of one batch; sources name its records.
func (r *Report) add(kind string, sources []string, results []commerce.ImportResult) {
	c := r.Counts[kind]
	for i, res := range results {
		switch res.Outcome {
		case commerce.ImportCreated:
			c.Created++
		case commerce.ImportUpdated:
			c.Updated++
		case commerce.ImportUnchanged:
			c.Unchanged++
		case commerce.ImportKept:
			c.Kept++
		default:
			reason := "refused"
			if res.Err != nil {
				reason = res.Err.Error()
			}
			r.skip(kind, sources[i], reason)
		}
	}
}

// WriteTo writes the report for a person to read: a table of counts, then
// every conflict resolved and every record skipped.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	if r.DryRun {
		b.WriteString("Dry run: nothing was written to the shop.\n")
	}
	fmt.Fprintf(&b, "%-11s %8s %8s %8s %10s %8s %8s\n", "kind", "read", "created", "updated", "unchanged", "kept", "skipped")
	for _, k := range kinds {
		c := r.Counts[k]
		fmt.Fprintf(&b, "%-11s %8d %8d %8d %10d %8d %8d\n", k, c.Read, c.Created, c.Updated, c.Unchanged, c.Kept, c.Skipped)
	}
	b.WriteString("(kept: changed in the shop after the source; the shop's record stays. Photos: read and skipped;\n" +
		" the others are stored with their records, on every run, as the store keeps one copy of each.)\n")
	if len(r.Conflicts) > 0 {
		fmt.Fprintf(&b, "\n%d conflicts resolved:\n", len(r.Conflicts))
		for _, c := range r.Conflicts {
			fmt.Fprintf(&b, "  %s %s: %s %q → %q (%s)\n", c.Kind, c.Source, c.Field, c.Was, c.Now, c.Reason)
		}
	}
	if len(r.Skips) > 0 {
		skips := append([]Skip(nil), r.Skips...)
		sort.SliceStable(skips, func(i, j int) bool { return skips[i].Kind < skips[j].Kind })
		fmt.Fprintf(&b, "\n%d skipped:\n", len(skips))
		for _, s := range skips {
			fmt.Fprintf(&b, "  %s %s: %s\n", s.Kind, s.Source, s.Reason)
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
