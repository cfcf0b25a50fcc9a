package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
)

//go:embed static/demo/*.svg
var static embed.FS

// Images returns the demo's image files, named as they are served under
// /static/: "demo/apple-jam.svg" is the file of the URL
// /static/demo/apple-jam.svg.
func Images() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("demo: " + err.Error()) // static is a fixed, embedded tree
	}
	return sub
}

// Locker runs work that must happen once, although several servers may
// start together on one database. Exclusive runs fn while no other call
// with the same name runs on the same storage — in this process or in any
// other — and returns what fn returns. bunstore.Store (a named lock of the
// database server) and memstore.Store (a lock in the process) implement it.
type Locker interface {
	Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) error
}

// lockName is the name under which the demo loads; the catalog and the
// board load one after the other under it.
const lockName = "demo"

// Load creates the demo catalog through cat, acting as staff, unless the
// catalog already has a problem, a brand or a product; then it does
// nothing and returns nil. It runs under lock, so that of several servers
// that start together on one empty database, one loads the demo and the
// others, waiting their turn, find it there. Every demo product has stock
// (from 3 to 60 units), so checkout can be tried at once. Load panics if
// lock is nil.
//
// Load is not atomic: if it fails half-way, what it created stays, and the
// next Load (seeing a catalog) adds nothing.
func Load(ctx context.Context, lock Locker, cat *catalog.Service, staff commerce.Actor) error {
	if lock == nil {
		panic("demo: nil Locker")
	}
	return lock.Exclusive(ctx, lockName, func(ctx context.Context) error {
		empty, err := catalogEmpty(ctx, cat)
		if err != nil || !empty {
			return err
		}
		return load(ctx, cat, staff)
	})
}

// catalogEmpty reports whether cat has no problem, no brand and no
// product.
func catalogEmpty(ctx context.Context, cat *catalog.Service) (bool, error) {
	problems, err := cat.Problems(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: reading problems: %w", err)
	}
	brands, err := cat.Brands(ctx, catalog.BrandFilter{Limit: 1})
	if err != nil {
		return false, fmt.Errorf("demo: reading brands: %w", err)
	}
	products, err := cat.Products(ctx, catalog.ProductFilter{Limit: 1})
	if err != nil {
		return false, fmt.Errorf("demo: reading products: %w", err)
	}
	return len(problems)+len(brands.Items)+len(products.Items) == 0, nil
}

// load creates the demo catalog.
func load(ctx context.Context, cat *catalog.Service, staff commerce.Actor) error {
	problemIDs := make(map[string]uuid.UUID, len(problems))
	for _, in := range problems {
		p, err := cat.CreateProblem(ctx, staff, in)
		if err != nil {
			return fmt.Errorf("demo: creating problem %s: %w", in.Name, err)
		}
		problemIDs[in.Name] = p.ID
	}

	brandIDs := make(map[string]uuid.UUID, len(brands))
	for _, b := range brands {
		in := b.BrandInput
		in.ProblemID = problemIDs[b.problem]
		if in.ProblemID == uuid.Nil {
			return fmt.Errorf("demo: brand %s names the unknown problem %s", in.Name, b.problem)
		}
		created, err := cat.CreateBrand(ctx, staff, in)
		if err != nil {
			return fmt.Errorf("demo: creating brand %s: %w", in.Name, err)
		}
		brandIDs[in.Name] = created.ID
	}

	for round := 0; ; round++ {
		created := false
		for _, g := range products {
			if round >= len(g.products) {
				continue
			}
			created = true
			p := g.products[round]
			stock := demoStock(p.name)
			in := catalog.ProductInput{
				Name:        p.name,
				Description: p.description,
				Price:       commerce.MustMoney(p.price, "KRW"),
				Images:      p.images,
				Stock:       &stock,
			}
			if g.brand != "" {
				in.BrandID = brandIDs[g.brand]
				if in.BrandID == uuid.Nil {
					return fmt.Errorf("demo: product %s names the unknown brand %s", p.name, g.brand)
				}
			}
			if _, err := cat.CreateProduct(ctx, staff, in); err != nil {
				return fmt.Errorf("demo: creating product %s: %w", p.name, err)
			}
		}
		if !created {
			break
		}
	}
	return nil
}

// demoStock gives a product between 3 and 60 units, the same on every run.
func demoStock(name string) int {
	var h uint32
	for _, b := range []byte(name) {
		h = h*31 + uint32(b)
	}
	return 3 + int(h%58)
}

// LoadBoard publishes the demo notices through b unless the board already
// has posts; then it does nothing. One notice is pinned. It runs under
// lock, as Load does, so that servers that start together publish them
// once.
//
// author names the staff member who signs the notices, who must be a user
// of the store. LoadBoard calls it only when the board is empty, and under
// the lock, so that author may make that account without racing another
// server. An author that returns an actor who is not staff (such as
// commerce.Anonymous) leaves the board empty. LoadBoard panics if lock is
// nil.
func LoadBoard(ctx context.Context, lock Locker, b *board.Service, author func(ctx context.Context) (commerce.Actor, error)) error {
	if lock == nil {
		panic("demo: nil Locker")
	}
	return lock.Exclusive(ctx, lockName, func(ctx context.Context) error {
		existing, err := b.List(ctx, 1, "")
		if err != nil {
			return fmt.Errorf("demo: reading the board: %w", err)
		}
		if existing.Total > 0 || len(existing.Pinned) > 0 {
			return nil
		}
		staff, err := author(ctx)
		if err != nil || !staff.IsStaff() {
			return err
		}
		for _, in := range notices {
			if _, err := b.Create(ctx, staff, in); err != nil {
				return fmt.Errorf("demo: posting %q: %w", in.Title, err)
			}
		}
		return nil
	})
}
