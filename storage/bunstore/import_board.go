package bunstore

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/impactmuseum/commerce/board"
)

// maxStatementBytes bounds the text of the posts that one multi-row
// statement carries: a batch of posts with long bodies (up to 20,000
// characters each) could pass max_allowed_packet, which is 16 MiB on
// MariaDB and was 4 MiB on MySQL 5.7, in one statement.
const maxStatementBytes = 1 << 20

// GetPosts reads the posts with their authors' nicknames in one query.
func (r *boardRepo) GetPosts(ctx context.Context, ids []uuid.UUID) ([]board.Post, error) {
	if len(ids) == 0 {
		return []board.Post{}, nil
	}
	var rows []postRow
	if err := r.posts(&rows).Where("po.id IN (?)", bun.List(binIDs(ids))).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return postsOut(rows), nil
}

func (r *boardRepo) MissingUsers(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	return missingIDs(ctx, r.db, "SELECT id FROM users WHERE id IN (?)", ids)
}

// ImportPosts writes a batch in one transaction: it reads the versions of
// the batch's posts FOR UPDATE — holding those rows, and the gaps where
// the new ones go, against concurrent writers — then writes the posts with
// INSERT … ON DUPLICATE KEY UPDATE, as few statements as
// maxStatementBytes allows (one for a batch of ordinary notices). The
// primary key is the posts' only unique key, so the upsert creates the new
// posts and rewrites the changed ones; the foreign key to users refuses an
// author who is not a user.
func (r *boardRepo) ImportPosts(ctx context.Context, ps []board.Post) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]binID, len(ps))
	rows := make([]postRow, len(ps))
	for i, p := range ps {
		ids[i], rows[i] = binID(p.ID), *postIn(p)
	}
	return inTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		var stored []struct {
			ID      binID `bun:"id"`
			Version int64 `bun:"version"`
		}
		err := tx.NewSelect().TableExpr("posts").Column("id", "version").
			Where("id IN (?)", bun.List(ids)).For("UPDATE").Scan(ctx, &stored)
		if err != nil {
			return translate(err)
		}
		versions := make(map[binID]int64, len(stored))
		for _, row := range stored {
			versions[row.ID] = row.Version
		}
		for _, p := range ps {
			if p.Version < 1 || versions[binID(p.ID)] != p.Version-1 {
				return board.ErrVersionConflict
			}
		}
		for start := 0; start < len(rows); {
			end, size := start, 0
			for end < len(rows) && (end == start || size+postBytes(rows[end]) <= maxStatementBytes) {
				size += postBytes(rows[end])
				end++
			}
			chunk := rows[start:end]
			_, err := tx.NewInsert().Model(&chunk).On("DUPLICATE KEY UPDATE").Exec(ctx)
			if isErrno(err, errNoReferencedRow, errNoReferencedRowOld) {
				return board.ErrAuthorNotFound
			}
			if err != nil {
				return translate(err)
			}
			start = end
		}
		return nil
	})
}

// postBytes is about what a post's row adds to an INSERT: its texts, and
// a little for the other columns.
func postBytes(r postRow) int { return len(r.Title) + len(r.Body) + len(r.Category) + 128 }
