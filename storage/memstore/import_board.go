package memstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/board"
)

func (r boardRepo) GetPosts(ctx context.Context, ids []uuid.UUID) ([]board.Post, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []board.Post{}
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if p, ok := s.posts[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, s.postOut(p))
		}
	}
	return out, nil
}

func (r boardRepo) MissingUsers(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []uuid.UUID
	seen := make(map[uuid.UUID]bool)
	for _, id := range ids {
		if _, ok := s.users[id]; !ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// ImportPosts checks the whole batch under the store's lock before it
// changes anything, so that a refused batch leaves the store as it was.
func (r boardRepo) ImportPosts(ctx context.Context, ps []board.Post) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	inBatch := make(map[uuid.UUID]bool, len(ps))
	for _, p := range ps {
		var stored int64 // 0: no post has the id
		if old, ok := s.posts[p.ID]; ok {
			stored = old.Version
		}
		if p.Version < 1 || stored != p.Version-1 || inBatch[p.ID] {
			return board.ErrVersionConflict
		}
		inBatch[p.ID] = true
		if _, ok := s.users[p.Author.ID]; !ok {
			return board.ErrAuthorNotFound
		}
	}
	for _, p := range ps {
		if _, ok := s.posts[p.ID]; !ok {
			s.postOrder.insert(p.ID)
		}
		p.Author.Nickname, p.Number = "", 0
		s.posts[p.ID] = p
	}
	return nil
}
