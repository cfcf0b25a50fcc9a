package board

import (
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// Category sorts notices by the social problem they concern.
type Category string

// The categories of the shop's notice board.
const (
	Normal      Category = "NORMAL"
	Disabled    Category = "DISABLED"
	Environment Category = "ENVIRONMENT"
	Employment  Category = "EMPLOYMENT"
	Education   Category = "EDUCATION"
	Elders      Category = "ELDERS"
)

// Categories lists every category in the order the shop shows them.
var Categories = []Category{Normal, Disabled, Environment, Employment, Education, Elders}

var labels = map[Category]string{
	Normal:      "일반",
	Disabled:    "장애인",
	Environment: "환경",
	Employment:  "고용",
	Education:   "교육",
	Elders:      "노인",
}

// Label returns the Korean label of c, or "" for an unknown category.
func (c Category) Label() string { return labels[c] }

// Valid reports whether c is one of the board's categories.
func (c Category) Valid() bool { _, ok := labels[c]; return ok }

// ParseCategory returns the category named s (such as "ENVIRONMENT"), or a
// ValidationError on field "category".
func ParseCategory(s string) (Category, error) {
	c := Category(s)
	if !c.Valid() {
		return "", commerce.Invalid("category", "must be one of NORMAL, DISABLED, ENVIRONMENT, EMPLOYMENT, EDUCATION, ELDERS")
	}
	return c, nil
}

// Author is who wrote a post. Reads fill in the author's current nickname.
type Author struct {
	ID       uuid.UUID
	Nickname string
}

// Post is a notice on the board.
type Post struct {
	ID       uuid.UUID
	Author   Author
	Title    string
	Category Category
	Body     string
	// Pinned posts are listed above the pages, on every page.
	Pinned    bool
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts the edits, from 1; an edit may require the version
	// it read (PostPatch.Version).
	Version int64
	// Number is the post's place in a listing, counting down from the
	// total across pages: the newest unpinned post is number Total. It is
	// 0 for pinned posts and for posts read on their own.
	Number int
}

// PageSize is the number of unpinned posts on a page.
const PageSize = 10

// Listing is one page of the board.
type Listing struct {
	// Pinned holds every pinned post (of the category, if filtered),
	// newest first; they are the same on every page.
	Pinned []Post
	// Items are the page's unpinned posts, newest first, numbered.
	Items []Post
	// Page is the page asked for, from 1.
	Page int
	// Pages is the number of pages of unpinned posts: at least 1, so that
	// page 1 of an empty board is a valid, empty page.
	Pages int
	// Total is the number of unpinned posts (of the category, if
	// filtered).
	Total int
}

// PostInput is the content of a new post.
type PostInput struct {
	Title    string
	Category Category
	Body     string
	Pinned   bool
}

// PostPatch changes the fields that are Set.
type PostPatch struct {
	Title    commerce.Optional[string]
	Category commerce.Optional[Category]
	Body     commerce.Optional[string]
	Pinned   commerce.Optional[bool]
	// Version, when not 0, makes the edit apply only to that version of
	// the post (else ErrVersionConflict): an editor who read the post at
	// that version does not overwrite a change made since. With 0 the
	// edit applies to the current version, whatever it is.
	Version int64
}
