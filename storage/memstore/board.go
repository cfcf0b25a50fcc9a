package memstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/board"
)

// Board returns the store's notice-board repository.
func (s *Store) Board() board.Repository { return boardRepo{s} }

type boardRepo struct{ s *Store }

var _ board.Repository = boardRepo{}

func (r boardRepo) CreatePost(ctx context.Context, p board.Post) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.posts[p.ID]; ok {
		return board.ErrDuplicateID
	}
	if _, ok := s.users[p.Author.ID]; !ok {
		return board.ErrAuthorNotFound
	}
	events, err := s.eventsToStore(ctx, nil)
	if err != nil {
		return err
	}
	p.Author.Nickname, p.Number = "", 0
	s.posts[p.ID] = p
	s.postOrder.insert(p.ID)
	s.storeEvents(events, nil)
	return nil
}

func (r boardRepo) GetPost(ctx context.Context, id uuid.UUID) (board.Post, error) {
	if err := ctxErr(ctx); err != nil {
		return board.Post{}, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.posts[id]
	if !ok {
		return board.Post{}, board.ErrPostNotFound
	}
	return s.postOut(p), nil
}

func (r boardRepo) UpdatePost(ctx context.Context, p board.Post, ifVersion int64) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.posts[p.ID]
	switch {
	case !ok:
		return board.ErrPostNotFound
	case old.Version != ifVersion:
		return board.ErrVersionConflict
	}
	old.Title, old.Category, old.Body, old.Pinned, old.UpdatedAt, old.Version = p.Title, p.Category, p.Body, p.Pinned, p.UpdatedAt, p.Version
	s.posts[p.ID] = old
	return nil
}

func (r boardRepo) DeletePost(ctx context.Context, id uuid.UUID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.posts[id]; !ok {
		return board.ErrPostNotFound
	}
	delete(s.posts, id)
	s.postOrder.remove(id)
	return nil
}

func (r boardRepo) ListPinned(ctx context.Context, category board.Category) ([]board.Post, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []board.Post
	for i := len(s.postOrder) - 1; i >= 0; i-- {
		p := s.posts[s.postOrder[i]]
		if p.Pinned && (category == "" || p.Category == category) {
			out = append(out, s.postOut(p))
		}
	}
	return out, nil
}

func (r boardRepo) ListPosts(ctx context.Context, q board.PostQuery) ([]board.Post, int, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, 0, err
	}
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	var (
		out   []board.Post
		total int
	)
	for i := len(s.postOrder) - 1; i >= 0; i-- {
		p := s.posts[s.postOrder[i]]
		if p.Pinned || (q.Category != "" && p.Category != q.Category) {
			continue
		}
		if total >= q.Offset && len(out) < q.Limit {
			out = append(out, s.postOut(p))
		}
		total++
	}
	return out, total, nil
}

// postOut returns a stored post with its author's current nickname.
func (s *Store) postOut(p board.Post) board.Post {
	p.Author.Nickname = s.users[p.Author.ID].Nickname
	return p
}
