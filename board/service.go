package board

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
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

// Create publishes a post by the actor, who must be staff.
func (s *Service) Create(ctx context.Context, actor commerce.Actor, in PostInput) (Post, error) {
	if err := staffOnly(actor); err != nil {
		return Post{}, err
	}
	now := s.now.Now()
	p := Post{
		ID: s.newID(), Author: Author{ID: actor.UserID}, Title: in.Title, Category: in.Category,
		Body: in.Body, Pinned: in.Pinned, CreatedAt: now, UpdatedAt: now,
	}
	if err := validate(&p); err != nil {
		return Post{}, err
	}
	if err := s.repo.CreatePost(ctx, p); err != nil {
		return Post{}, err
	}
	return s.repo.GetPost(ctx, p.ID)
}

// Update changes the fields of a post that patch sets. Only the author
// edits a post's title, category and body; pinning and unpinning take
// staff, and any staff member may pin or unpin any post with a patch that
// sets Pinned alone (the board is the staff's to arrange).
func (s *Service) Update(ctx context.Context, actor commerce.Actor, id uuid.UUID, patch PostPatch) (Post, error) {
	if !actor.SignedIn() {
		return Post{}, ErrSignInRequired
	}
	p, err := s.repo.GetPost(ctx, id)
	if err != nil {
		return Post{}, err
	}
	pinOnly := patch.Pinned.Set && !patch.Title.Set && !patch.Category.Set && !patch.Body.Set
	switch {
	case pinOnly && actor.IsStaff():
	case p.Author.ID != actor.UserID:
		return Post{}, ErrAuthorOnly
	case patch.Pinned.Set && patch.Pinned.Value != p.Pinned && !actor.IsStaff():
		return Post{}, ErrStaffOnly
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
		return Post{}, err
	}
	p.UpdatedAt = s.now.Now()
	if err := s.repo.UpdatePost(ctx, p); err != nil {
		return Post{}, err
	}
	return s.repo.GetPost(ctx, id)
}

// Delete removes a post; its author or staff may.
func (s *Service) Delete(ctx context.Context, actor commerce.Actor, id uuid.UUID) error {
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
	p.Title = norm.NFC.String(strings.TrimSpace(p.Title))
	p.Body = norm.NFC.String(strings.TrimSpace(p.Body))
	switch {
	case p.Title == "":
		bad.Add("title", "required")
	case !utf8.ValidString(p.Title):
		bad.Add("title", "must be valid UTF-8")
	case utf8.RuneCountInString(p.Title) > MaxTitleLen:
		bad.Add("title", fmt.Sprintf("must be at most %d characters", MaxTitleLen))
	case strings.IndexFunc(p.Title, unicode.IsControl) >= 0:
		bad.Add("title", "must not contain control characters")
	}
	if p.Category == "" {
		bad.Add("category", "required")
	} else if _, err := ParseCategory(string(p.Category)); err != nil {
		bad.Add("category", commerce.FieldErrors(err)["category"])
	}
	switch {
	case p.Body == "":
		bad.Add("body", "required")
	case !utf8.ValidString(p.Body):
		bad.Add("body", "must be valid UTF-8")
	case utf8.RuneCountInString(p.Body) > maxBodyLen:
		bad.Add("body", fmt.Sprintf("must be at most %d characters", maxBodyLen))
	case strings.IndexFunc(p.Body, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		bad.Add("body", "must not contain control characters other than line breaks and tabs")
	}
	return bad.Err()
}

func nonNil(ps []Post) []Post {
	if ps == nil {
		return []Post{}
	}
	return ps
}
