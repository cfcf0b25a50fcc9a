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

// Load creates the demo catalog through cat, acting as staff, unless the
// catalog already has a problem; then it does nothing and returns nil. Every
// demo product has stock (from 3 to 60 units), so checkout can be tried at
// once.
//
// Load is not atomic: if it fails half-way, what it created stays, and the
// next Load (seeing problems) adds nothing. Two servers that load the demo
// into one empty database at the same moment may both load it.
func Load(ctx context.Context, cat *catalog.Service, staff commerce.Actor) error {
	existing, err := cat.Problems(ctx)
	if err != nil {
		return fmt.Errorf("demo: reading problems: %w", err)
	}
	if len(existing) > 0 {
		return nil
	}

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

// LoadBoard publishes the demo notices through b, acting as staff (who
// must be a user of the store), unless the board already has posts; then it
// does nothing. One notice is pinned.
func LoadBoard(ctx context.Context, b *board.Service, staff commerce.Actor) error {
	existing, err := b.List(ctx, 1, "")
	if err != nil {
		return fmt.Errorf("demo: reading the board: %w", err)
	}
	if existing.Total > 0 || len(existing.Pinned) > 0 {
		return nil
	}
	for _, in := range notices {
		if _, err := b.Create(ctx, staff, in); err != nil {
			return fmt.Errorf("demo: posting %q: %w", in.Title, err)
		}
	}
	return nil
}
