package board

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/retry"
)

// ImportPosts stores posts made elsewhere — a Django shop's notices, moved
// over — each with its own ID, author (Author.ID; the nickname is
// ignored), CreatedAt and UpdatedAt. It is an operator's tool, run by a
// data importer the shop starts itself: it takes no Actor, and no API
// exposes it, so it checks no one's rights to post or pin.
//
// Each post is validated as Create validates one, and stored in the form
// Create stores (texts trimmed, NFC), with its times in UTC at microsecond
// precision; an invalid one is skipped with a *commerce.ValidationError
// naming the field, one whose author is not a user with an error wrapping
// commerce.ErrNotFound that names author (commerce.FieldErrors), and one
// whose id an earlier post of the import has with an error wrapping
// ErrDuplicateID.
//
// A post equal to the stored one with its id — author, title, category,
// body, pinned flag and both times, at microsecond precision — is
// unchanged and not written, so that an import run twice writes nothing
// the second time. A new post is created at Version 1, a changed one
// replaces the stored one at its Version + 1, unless the stored one was
// changed after it (a later UpdatedAt: edited in the shop since), which
// is kept (commerce.ImportKept). An import stores no post.published
// event: its posts were published elsewhere, and the consumers of the
// shop's events (a newsletter, say) would take them for new notices.
//
// The board lists posts by id, newest (highest) first, and numbers them
// by their place in that order (List); so imported posts take their place
// among the others by their ids. Ids made with commerce.ImportedID from
// the posts' creation times follow those times, so an old notice imported
// into a board that has newer ones is listed, and numbered, below them.
//
// It returns one result per post, in the order of ps, and writes the
// accepted ones in transactions of at most commerce.ImportBatchSize. The
// error is a failure of the store: the results before the failing
// transaction stand, nothing of it was written, and the results from it
// on are zero.
func (s *Service) ImportPosts(ctx context.Context, ps []Post) ([]commerce.ImportResult, error) {
	results := make([]commerce.ImportResult, len(ps))
	seen := make(map[uuid.UUID]bool, len(ps))
	for start := 0; start < len(ps); start += commerce.ImportBatchSize {
		end := min(start+commerce.ImportBatchSize, len(ps))
		var (
			batch []Post
			at    []int // at[j] is the index in ps of batch[j]
		)
		for i := start; i < end; i++ {
			p, err := cleanImportedPost(ps[i])
			switch {
			case err != nil:
				results[i] = skipped(err)
				continue
			case seen[p.ID]:
				results[i] = skipped(&importError{field: "id", message: "an earlier post of the import has this id", kind: ErrDuplicateID})
				continue
			}
			seen[p.ID] = true
			batch = append(batch, p)
			at = append(at, i)
		}
		if len(batch) == 0 {
			continue
		}
		// A run that lost a race — another writer stored one of the posts,
		// or deleted an author, since it read — reads again and decides
		// anew.
		out, err := retry.OnConflict(ctx, func(err error) bool {
			return errors.Is(err, ErrVersionConflict) || errors.Is(err, ErrAuthorNotFound)
		}, func() ([]commerce.ImportResult, error) {
			return s.importBatch(ctx, batch)
		})
		if err != nil {
			return results, err
		}
		for j, r := range out {
			results[at[j]] = r
		}
	}
	return results, nil
}

// importBatch checks the authors of batch, reads the posts stored under
// its ids, and writes the new and changed ones in one write.
func (s *Service) importBatch(ctx context.Context, batch []Post) ([]commerce.ImportResult, error) {
	ids := make([]uuid.UUID, len(batch))
	authors := make([]uuid.UUID, 0, len(batch))
	asked := make(map[uuid.UUID]bool)
	for j, p := range batch {
		ids[j] = p.ID
		if !asked[p.Author.ID] {
			asked[p.Author.ID] = true
			authors = append(authors, p.Author.ID)
		}
	}
	missing, err := s.repo.MissingUsers(ctx, authors)
	if err != nil {
		return nil, err
	}
	stored, err := s.repo.GetPosts(ctx, ids)
	if err != nil {
		return nil, err
	}
	noUser := make(map[uuid.UUID]bool, len(missing))
	for _, id := range missing {
		noUser[id] = true
	}
	byID := make(map[uuid.UUID]Post, len(stored))
	for _, p := range stored {
		byID[p.ID] = p
	}
	out := make([]commerce.ImportResult, len(batch))
	var write []Post
	for j, p := range batch {
		if noUser[p.Author.ID] {
			out[j] = skipped(&importError{field: "author", message: "no user has the id " + p.Author.ID.String(), kind: commerce.ErrNotFound})
			continue
		}
		switch old, ok := byID[p.ID]; {
		case !ok:
			p.Version = 1
			out[j].Outcome = commerce.ImportCreated
		case samePost(old, p):
			out[j].Outcome = commerce.ImportUnchanged
			continue
		case old.UpdatedAt.After(p.UpdatedAt):
			// Edited in the shop since: the shop's post stays.
			out[j].Outcome = commerce.ImportKept
			continue
		default:
			p.Version = old.Version + 1
			out[j].Outcome = commerce.ImportUpdated
		}
		write = append(write, p)
	}
	if len(write) > 0 {
		if err := s.repo.ImportPosts(ctx, write); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// cleanImportedPost validates a post to import as Create does, with the
// fields an import sets that Create makes itself, and returns it in the
// form it is stored and compared in.
func cleanImportedPost(p Post) (Post, error) {
	var bad commerce.ValidationError
	if err := validate(&p); err != nil {
		for field, msg := range commerce.FieldErrors(err) {
			bad.Add(field, msg)
		}
	}
	if p.ID == uuid.Nil {
		bad.Add("id", "required")
	}
	if p.Author.ID == uuid.Nil {
		bad.Add("author", "required")
	}
	commerce.CheckImportTime(&bad, "created_at", &p.CreatedAt)
	commerce.CheckImportTime(&bad, "updated_at", &p.UpdatedAt)
	p.Author.Nickname, p.Version, p.Number = "", 0, 0
	return p, bad.Err()
}

// samePost reports whether the stored post a equals the imported b in
// every field an import sets.
func samePost(a, b Post) bool {
	return a.ID == b.ID && a.Author.ID == b.Author.ID && a.Title == b.Title && a.Category == b.Category &&
		a.Body == b.Body && a.Pinned == b.Pinned && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

// importError is why an import skipped a post, other than a validation
// error: an author who is not a user (kind wraps commerce.ErrNotFound) or
// an id given twice (commerce.ErrConflict). It names the field, as
// commerce.FieldErrors reports.
type importError struct {
	field, message string
	kind           error
}

func (e *importError) Error() string { return "board: import: " + e.field + ": " + e.message }

// Unwrap returns the error's kind, for errors.Is.
func (e *importError) Unwrap() error { return e.kind }

// FieldErrors names the field, as a *commerce.ValidationError does.
func (e *importError) FieldErrors() map[string]string {
	return map[string]string{e.field: e.message}
}

func skipped(err error) commerce.ImportResult {
	return commerce.ImportResult{Outcome: commerce.ImportSkipped, Err: err}
}
