package board

import (
	"context"

	"github.com/google/uuid"
)

// Repository stores posts. Reads fill in Author.Nickname from the author's
// user record in the same query.
type Repository interface {
	ImportRepository

	// CreatePost stores p. It returns ErrDuplicateID if p.ID exists and
	// ErrAuthorNotFound if p.Author.ID is not a user, and then stores
	// nothing. It stores the events ctx carries (commerce.WithEvents) in
	// the same transaction: the post.published event of the service.
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

// ImportRepository reads and writes posts in bulk, for Service.ImportPosts:
// a board made elsewhere, stored with its own ids and times. The service
// validates the posts, decides which are new, changed or unchanged and
// sets their versions; an adapter reads for it in a fixed number of
// queries, and writes each batch in one transaction with multi-row
// statements.
//
// A write is conditional on the versions the service read, as an edit is:
// a post with Version 1 must be new, and any other replaces the stored
// post whose Version is one less. Otherwise — another writer stored the
// post between the service's read and the write — the write returns
// ErrVersionConflict and writes nothing, and the service reads again.
type ImportRepository interface {
	// GetPosts returns the stored posts among ids, with their authors'
	// nicknames, in any order; an id that names no post is left out.
	GetPosts(ctx context.Context, ids []uuid.UUID) ([]Post, error)
	// MissingUsers returns those of ids that name no user, each once, in
	// any order: the authors a post may not have.
	MissingUsers(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error)
	// ImportPosts stores ps — at most commerce.ImportBatchSize posts with
	// distinct ids — in one transaction: each post with Version 1 is
	// created, and each other one replaces every field of the stored post
	// with its id whose Version is one less (its author and creation time
	// included). It returns ErrVersionConflict when a post is not as its
	// Version says, or ErrAuthorNotFound when an author is not a user,
	// and then writes nothing.
	ImportPosts(ctx context.Context, ps []Post) error
}
