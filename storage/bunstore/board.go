package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce/board"
)

// Board returns the notice board's repository.
func (s *Store) Board() board.Repository { return s.board }

// boardRepo is the notice board's posts. Its reads may run on a read
// replica of reads (see replica.go).
type boardRepo struct {
	db    bun.IDB
	reads *replicaSet
}

var _ board.Repository = (*boardRepo)(nil)

type postRow struct {
	bun.BaseModel `bun:"table:posts,alias:po"`

	ID        binID     `bun:"id,pk"`
	AuthorID  binID     `bun:"author_id"`
	Title     string    `bun:"title"`
	Category  string    `bun:"category"`
	Body      string    `bun:"body"`
	Pinned    bool      `bun:"pinned"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
	Version   int64     `bun:"version"`
	// AuthorNickname is read by a join of users.
	AuthorNickname string `bun:"author_nickname,scanonly"`
}

// postColumns reads a post with its author's nickname (join users AS u).
const postColumns = "po.id, po.author_id, po.title, po.category, po.body, po.pinned, po.created_at, po.updated_at, " +
	"po.version, u.nickname AS author_nickname"

func postIn(p board.Post) *postRow {
	return &postRow{
		ID: binID(p.ID), AuthorID: binID(p.Author.ID), Title: p.Title, Category: string(p.Category), Body: p.Body,
		Pinned: p.Pinned, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version,
	}
}

func (r *postRow) out() board.Post {
	return board.Post{
		ID: uuid.UUID(r.ID), Author: board.Author{ID: uuid.UUID(r.AuthorID), Nickname: r.AuthorNickname},
		Title: r.Title, Category: board.Category(r.Category), Body: r.Body, Pinned: r.Pinned,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
}

func postsOut(rows []postRow) []board.Post {
	out := make([]board.Post, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out
}

// CreatePost is one INSERT: the primary key finds a taken id, the foreign
// key an author who is not a user. With the events ctx carries it is a
// transaction of the INSERT and the events' (withEvents).
func (r *boardRepo) CreatePost(ctx context.Context, p board.Post) error {
	row := postIn(p)
	return withEvents(ctx, r.db, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(row).Exec(ctx)
		switch {
		case isErrno(err, errDupEntry):
			return board.ErrDuplicateID
		case isErrno(err, errNoReferencedRow, errNoReferencedRowOld):
			return board.ErrAuthorNotFound
		}
		return translate(err)
	})
}

func (r *boardRepo) GetPost(ctx context.Context, id uuid.UUID) (board.Post, error) {
	var row postRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		row = postRow{}
		return selectPosts(db, &row).Where("po.id = ?", binID(id)).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return board.Post{}, board.ErrPostNotFound
	}
	if err != nil {
		return board.Post{}, translate(err)
	}
	return row.out(), nil
}

// UpdatePost rewrites the editable columns with one UPDATE … WHERE id = ?
// AND version = ?. A row that matches always changes, since its version
// does; so no row changed means a missing post or another version, and one
// more query tells which.
func (r *boardRepo) UpdatePost(ctx context.Context, p board.Post, ifVersion int64) error {
	res, err := r.db.NewUpdate().Model(postIn(p)).Column("title", "category", "body", "pinned", "updated_at", "version").
		Where("id = ?", binID(p.ID)).Where("version = ?", ifVersion).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err)
	} else if n > 0 {
		return nil
	}
	var exists bool
	if err := r.db.NewRaw("SELECT EXISTS (SELECT 1 FROM posts WHERE id = ?)", binID(p.ID)).Scan(ctx, &exists); err != nil {
		return translate(err)
	}
	if !exists {
		return board.ErrPostNotFound
	}
	return board.ErrVersionConflict
}

func (r *boardRepo) DeletePost(ctx context.Context, id uuid.UUID) error {
	res, err := r.db.NewDelete().TableExpr("posts").Where("id = ?", binID(id)).Exec(ctx)
	if err != nil {
		return translate(err)
	}
	return deleted(res, board.ErrPostNotFound)
}

// ListPinned reads the pinned posts through the (pinned, id) or
// (category, pinned, id) index, newest first.
func (r *boardRepo) ListPinned(ctx context.Context, category board.Category) ([]board.Post, error) {
	var rows []postRow
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		rows = nil
		sel := selectPosts(db, &rows).Where("po.pinned = TRUE")
		if category != "" {
			sel = sel.Where("po.category = ?", string(category))
		}
		return sel.OrderExpr("po.id DESC").Scan(ctx)
	})
	if err != nil {
		return nil, translate(err)
	}
	return postsOut(rows), nil
}

// ListPosts reads a page with LIMIT and OFFSET — the board numbers its
// pages — and counts the unpinned posts in a second query; both walk the
// same index. Boards are small: a deep OFFSET costs little here, unlike in
// the catalog, which pages by cursor. Both run on the same server.
func (r *boardRepo) ListPosts(ctx context.Context, q board.PostQuery) ([]board.Post, int, error) {
	var (
		rows  []postRow
		total int64
	)
	err := r.reads.read(ctx, r.db, func(db bun.IDB) error {
		rows = nil
		if q.Limit > 0 {
			sel := selectPosts(db, &rows).Where("po.pinned = FALSE")
			if q.Category != "" {
				sel = sel.Where("po.category = ?", string(q.Category))
			}
			err := sel.OrderExpr("po.id DESC").Limit(int64(q.Limit)).Offset(int64(max(q.Offset, 0))).Scan(ctx)
			if err != nil {
				return err
			}
		}
		count := db.NewSelect().TableExpr("posts AS po").Where("po.pinned = FALSE")
		if q.Category != "" {
			count = count.Where("po.category = ?", string(q.Category))
		}
		n, err := count.Count(ctx)
		total = n
		return err
	})
	if err != nil {
		return nil, 0, translate(err)
	}
	return postsOut(rows), int(total), nil
}

// posts selects posts with their authors' nicknames into dest, on the
// primary.
func (r *boardRepo) posts(dest any) *bun.SelectQuery { return selectPosts(r.db, dest) }

// selectPosts selects posts with their authors' nicknames into dest, on db.
func selectPosts(db bun.IDB, dest any) *bun.SelectQuery {
	return db.NewSelect().Model(dest).ColumnExpr(postColumns).Join("JOIN users AS u ON u.id = po.author_id")
}
