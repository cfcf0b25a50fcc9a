package commerce

import (
	"encoding/base64"

	"github.com/google/uuid"
)

// Limits of a page of a cursor-paged list.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Page is one page of a newest-first list. NextCursor is empty on the last
// page; otherwise passing it back returns the items after the last one here.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// cursorVersion leads every cursor so that its layout can change later
// without misreading cursors that clients still hold.
const cursorVersion = 1

// EncodeCursor returns the opaque cursor that continues a list after the
// item with id last.
func EncodeCursor(last uuid.UUID) string {
	var b [17]byte
	b[0] = cursorVersion
	copy(b[1:], last[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeCursor returns the id a cursor continues after. An empty cursor is
// uuid.Nil (the first page); a malformed one is a ValidationError on field
// "cursor".
func DecodeCursor(cursor string) (uuid.UUID, error) {
	if cursor == "" {
		return uuid.Nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) != 17 || b[0] != cursorVersion {
		return uuid.Nil, Invalid("cursor", "malformed cursor; pass back next_cursor of the previous page unchanged")
	}
	id, _ := uuid.FromBytes(b[1:])
	if id == uuid.Nil {
		return uuid.Nil, Invalid("cursor", "malformed cursor; pass back next_cursor of the previous page unchanged")
	}
	return id, nil
}

// CheckLimit returns the page size to use for a requested limit: 0 means
// DefaultLimit, and anything outside 1..MaxLimit is a ValidationError on
// field "limit".
func CheckLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, Invalid("limit", "must be between 1 and 100")
	}
	return limit, nil
}

// PageOf cuts items, fetched with one more than limit, into a page: the
// extra item only tells that another page exists. idOf gives an item's id.
func PageOf[T any](items []T, limit int, idOf func(T) uuid.UUID) Page[T] {
	if len(items) <= limit {
		return Page[T]{Items: items}
	}
	items = items[:limit]
	return Page[T]{Items: items, NextCursor: EncodeCursor(idOf(items[limit-1]))}
}

// rankCursorVersion leads the cursors of lists ordered by a rank.
const rankCursorVersion = 2

// EncodeRankCursor returns the opaque cursor that continues a list ordered
// by rank, then newest first, after the item of rank rank and id last.
func EncodeRankCursor(rank uint8, last uuid.UUID) string {
	var b [18]byte
	b[0] = rankCursorVersion
	b[1] = rank
	copy(b[2:], last[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeRankCursor returns the rank and id that a cursor of
// EncodeRankCursor continues after. An empty cursor is rank 0 and uuid.Nil
// (the first page); a malformed one, or one of another kind of list, is a
// ValidationError on field "cursor".
func DecodeRankCursor(cursor string) (uint8, uuid.UUID, error) {
	if cursor == "" {
		return 0, uuid.Nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) != 18 || b[0] != rankCursorVersion {
		return 0, uuid.Nil, Invalid("cursor", "malformed cursor; pass back next_cursor of the previous page unchanged")
	}
	id, _ := uuid.FromBytes(b[2:])
	if id == uuid.Nil {
		return 0, uuid.Nil, Invalid("cursor", "malformed cursor; pass back next_cursor of the previous page unchanged")
	}
	return b[1], id, nil
}
