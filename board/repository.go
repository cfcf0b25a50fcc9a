package board

import (
	"context"

	"github.com/google/uuid"
)

// Repository stores posts. Reads fill in Author.Nickname from the author's
// user record in the same query.
type Repository interface {
	// CreatePost stores p. It returns ErrDuplicateID if p.ID exists and
	// ErrAuthorNotFound if p.Author.ID is not a user.
	CreatePost(ctx context.Context, p Post) error
	// GetPost returns the post with id, or ErrPostNotFound.
	GetPost(ctx context.Context, id uuid.UUID) (Post, error)
	// UpdatePost replaces the title, category, body, pinned flag, update
	// time and version of the post p.ID with p's if its stored Version is
	// ifVersion; p.Version is the new version. It returns ErrPostNotFound
	// or ErrVersionConflict and then changes nothing.
	UpdatePost(ctx context.Context, p Post, ifVersion int64) error
	// DeletePost deletes the post with id, or returns ErrPostNotFound.
	DeletePost(ctx context.Context, id uuid.UUID) error
	// ListPinned returns every pinned post of the category (all posts
	// when category is ""), newest (highest id) first.
	ListPinned(ctx context.Context, category Category) ([]Post, error)
	// ListPosts returns the unpinned posts that q selects, newest first,
	// skipping q.Offset and returning at most q.Limit, and the number of
	// unpinned posts of the category in all.
	ListPosts(ctx context.Context, q PostQuery) (posts []Post, total int, err error)
}

// PostQuery selects a page of unpinned posts.
type PostQuery struct {
	// Category keeps the posts of one category; "" keeps all.
	Category Category
	Offset   int
	Limit    int
}
