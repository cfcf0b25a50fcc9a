package board

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// EventPostPublished is the type (commerce.Event.Type) of the event of a
// new notice: staff published a post (Service.Create). The board has no
// drafts — every post is published as it is created — so every created
// post has one. Its AggregateID is the post's id, its Version the post's
// Version (1), and its Data a PostPublished. Edits, deletions and
// imported posts (Service.ImportPosts) store no event.
const EventPostPublished = "post.published"

// PostPublished is the payload of post.published: the notice whole, for a
// newsletter, a feed or a search index that needs no read of its own. It
// carries no listing number: a post's Number is its place in a listing,
// which every newer post changes. Its JSON form:
//
//	{"id": "…", "title": "설 연휴 배송 안내", "category": "NORMAL",
//	 "category_label": "일반", "body": "…", "pinned": true,
//	 "author_id": "…", "created_at": "2026-01-20T01:00:00Z"}
type PostPublished struct {
	// ID is the post's id.
	ID uuid.UUID `json:"id"`
	// Title is the post's title.
	Title string `json:"title"`
	// Category is the post's category, such as "ENVIRONMENT".
	Category Category `json:"category"`
	// CategoryLabel is the category's Korean label, such as "환경".
	CategoryLabel string `json:"category_label"`
	// Body is the post's text.
	Body string `json:"body"`
	// Pinned is true for a post listed above the pages.
	Pinned bool `json:"pinned"`
	// AuthorID is the id of the staff member who wrote it.
	AuthorID uuid.UUID `json:"author_id"`
	// CreatedAt is when it was published, UTC.
	CreatedAt time.Time `json:"created_at"`
}

// publishedEvent returns the post.published event of p, new, at its
// creation time.
func publishedEvent(p Post) commerce.Event {
	return commerce.NewEvent(EventPostPublished, p.ID, p.Version, p.CreatedAt, PostPublished{
		ID: p.ID, Title: p.Title, Category: p.Category, CategoryLabel: p.Category.Label(),
		Body: p.Body, Pinned: p.Pinned, AuthorID: p.Author.ID, CreatedAt: p.CreatedAt.UTC(),
	})
}
