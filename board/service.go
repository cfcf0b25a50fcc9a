package board

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
)

// Limits of a post, in characters.
const (
	MaxTitleLen = 100
	maxBodyLen  = 20000
	// maxPage bounds page numbers far beyond any real board, so that an
	// offset never overflows.
	maxPage = 1_000_000
)

// Options configure a Service. The zero value, or nil, gives the defaults.
type Options struct {
	// Now is the clock. Default: time.Now.
	Now commerce.Clock
	// NewID makes post ids. Default: commerce.NewID.
	NewID commerce.IDGenerator
}

// Service is the notice board: staff post, everyone reads. It is safe for
// concurrent use.
type Service struct {
	repo  Repository
	now   commerce.Clock
	newID commerce.IDGenerator
}

// NewService returns the board over repo. It panics if repo is nil.
func NewService(repo Repository, opts *Options) *Service {
	if repo == nil {
		panic("board: nil Repository")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Service{repo: repo, now: opts.Now, newID: opts.NewID}
	if s.newID == nil {
		s.newID = commerce.NewID
	}
	return s
}

// List returns page (from 1) of the board: every pinned post, then ten
// unpinned posts, newest first, numbered counting down from the total. A
// category of "" lists every category. A page past the end is empty, not an
// error.
func (s *Service) List(ctx context.Context, page int, category Category) (Listing, error) {
	var bad commerce.ValidationError
	if page < 1 || page > maxPage {
		bad.Add("page", fmt.Sprintf("must be between 1 and %d", maxPage))
	}
	if category != "" && !category.Valid() {
		_, err := ParseCategory(string(category))
		bad.Add("category", commerce.FieldErrors(err)["category"])
	}
	if err := bad.Err(); err != nil {
		return Listing{}, err
	}
	pinned, err := s.repo.ListPinned(ctx, category)
	if err != nil {
		return Listing{}, err
	}
	offset := (page - 1) * PageSize
	items, total, err := s.repo.ListPosts(ctx, PostQuery{Category: category, Offset: offset, Limit: PageSize})
	if err != nil {
		return Listing{}, err
	}
	for i := range items {
		items[i].Number = total - offset - i
	}
	for i := range pinned {
		pinned[i].Number = 0
	}
	pages := max(1, (total+PageSize-1)/PageSize)
	return Listing{Pinned: nonNil(pinned), Items: nonNil(items), Page: page, Pages: pages, Total: total}, nil
}

// Post returns the post with id, or ErrPostNotFound.
func (s *Service) Post(ctx context.Context, id uuid.UUID) (Post, error) {
	return s.repo.GetPost(ctx, id)
}

// Create publishes a post by the actor, who must be staff. The
// post.published event (PostPublished) is stored with the post, in the
// same transaction.
func (s *Service) Create(ctx context.Context, actor commerce.Actor, in PostInput) (Post, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if err := staffOnly(actor); err != nil {
		return Post{}, err
	}
	now := s.now.Now()
	p := Post{
		ID: s.newID(), Author: Author{ID: actor.UserID}, Title: in.Title, Category: in.Category,
		Body: in.Body, Pinned: in.Pinned, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := validate(&p); err != nil {
		return Post{}, err
	}
	if err := s.repo.CreatePost(commerce.WithEvents(ctx, publishedEvent(p)), p); err != nil {
		return Post{}, err
	}
	return s.repo.GetPost(ctx, p.ID)
}

// Update changes the fields of a post that patch sets. Only the author
// edits a post's title, category and body; pinning and unpinning take
// staff, and any staff member may pin or unpin any post with a patch that
// sets Pinned alone (the board is the staff's to arrange).
//
// Every edit increments the post's Version. A patch with a Version applies
// only to that version of the post, and otherwise fails with
// ErrVersionConflict, changing nothing. A patch without one applies to
// the current version: when another edit lands between its read and its
// write, it reads the post again and applies to that, so it never undoes
// a change to the fields it does not set.
func (s *Service) Update(ctx context.Context, actor commerce.Actor, id uuid.UUID, patch PostPatch) (Post, error) {
	ctx = commerce.WithoutStaleReads(ctx)
	if !actor.SignedIn() {
		return Post{}, ErrSignInRequired
	}
	edit := func() (struct{}, error) { return struct{}{}, s.update(ctx, actor, id, patch) }
	var err error
	if patch.Version != 0 {
		_, err = edit()
	} else {
		_, err = retry.OnConflict(ctx, stale, edit)
	}
	if err != nil {
		return Post{}, err
	}
	return s.repo.GetPost(ctx, id)
}

// stale reports whether err is a lost race of an edit.
func stale(err error) bool { return errors.Is(err, ErrVersionConflict) }

// update applies patch to the post as it is now, if the actor may, and
// stores it unless the post changed since it was read.
func (s *Service) update(ctx context.Context, actor commerce.Actor, id uuid.UUID, patch PostPatch) error {
	p, err := s.repo.GetPost(ctx, id)
	if err != nil {
		return err
	}
	pinOnly := patch.Pinned.Set && !patch.Title.Set && !patch.Category.Set && !patch.Body.Set
	switch {
	case pinOnly && actor.IsStaff():
	case p.Author.ID != actor.UserID:
		return ErrAuthorOnly
	case patch.Pinned.Set && patch.Pinned.Value != p.Pinned && !actor.IsStaff():
		return ErrStaffOnly
	}
	if patch.Version != 0 && patch.Version != p.Version {
		return ErrVersionConflict
	}
	if patch.Title.Set {
		p.Title = patch.Title.Value
	}
	if patch.Category.Set {
		p.Category = patch.Category.Value
	}
	if patch.Body.Set {
		p.Body = patch.Body.Value
	}
	if patch.Pinned.Set {
		p.Pinned = patch.Pinned.Value
	}
	if err := validate(&p); err != nil {
		return err
	}
	read := p.Version
	p.UpdatedAt, p.Version = s.now.Now(), read+1
	return s.repo.UpdatePost(ctx, p, read)
}

// Delete removes a post; its author or staff may.
func (s *Service) Delete(ctx context.Context, actor commerce.Actor, id uuid.UUID) error {
	ctx = commerce.WithoutStaleReads(ctx)
	if !actor.SignedIn() {
		return ErrSignInRequired
	}
	p, err := s.repo.GetPost(ctx, id)
	if err != nil {
		return err
	}
	if p.Author.ID != actor.UserID && !actor.IsStaff() {
		return ErrNotAllowed
	}
	return s.repo.DeletePost(ctx, id)
}

// staffOnly allows staff and refuses everyone else with the board's errors.
func staffOnly(a commerce.Actor) error { return a.RequireStaff(ErrSignInRequired, ErrStaffOnly) }

func validate(p *Post) error {
	var bad commerce.ValidationError
	p.Title = bad.Text("title", p.Title, commerce.TextRule{Max: MaxTitleLen, Required: true})
	if p.Category == "" {
		bad.Add("category", "required")
	} else if _, err := ParseCategory(string(p.Category)); err != nil {
		bad.Add("category", commerce.FieldErrors(err)["category"])
	}
	p.Body = bad.Text("body", p.Body, commerce.TextRule{Max: maxBodyLen, Required: true, Multiline: true})
	return bad.Err()
}

func nonNil(ps []Post) []Post {
	if ps == nil {
		return []Post{}
	}
	return ps
}
