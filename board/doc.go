// Package board is the shop's notice board: staff publish notices,
// everyone reads them.
//
// # Posts
//
// A [Post] has an author, a title of at most 100 characters, a [Category]
// (NORMAL 일반, DISABLED 장애인, ENVIRONMENT 환경, EMPLOYMENT 고용,
// EDUCATION 교육, ELDERS 노인), a body, a pinned flag, its times and a
// version.
//
// # Edits
//
// Every edit increments a post's Version. An editor who read the post
// earlier — a form, a client — names the version read
// (PostPatch.Version), and the edit applies only if no one else changed
// the post since; otherwise it fails with [ErrVersionConflict], a
// commerce.ErrConflict, and changes nothing. A patch that names no
// version, such as staff pinning a post from a list, applies to the
// current post: if another edit lands between its read and its write, it
// is read again and applied to that, so it never undoes a change to the
// fields it does not set.
//
// # Listing
//
// [Service.List] gives a page of the board as its readers expect: every
// pinned post first, newest first, on every page; then pages of ten unpinned
// posts, newest first. Each unpinned post carries a display Number counting
// down from the total across pages — on a board of 23 posts, page 1 shows
// 23 to 14, page 3 shows 3 to 1 — which is not its id. A page past the end
// is an empty page. An optional category filters both the pinned posts and
// the pages.
//
// # Events
//
// The board has no drafts: a post is published as it is created. Each
// new post is told to the world outside the shop by the domain event
// [EventPostPublished] ([PostPublished]: the post whole, its author's id,
// no listing number), stored with the post in the same transaction, in
// the store's outbox, for a relay to deliver (package outbox). A post
// that is not created stores none, and neither do edits, deletions and
// imports ([Service.ImportPosts]), whose posts were published elsewhere.
//
// # Permissions
//
// Only staff create posts; any staff member pins or unpins any post; only
// a post's author edits its title, category and body; its author or staff
// delete it. The service checks every rule itself,
// whatever the HTTP layer above does.
package board
