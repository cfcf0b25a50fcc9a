package board

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
)

// sameJSON fails t unless got is the JSON of want, byte for byte once want
// is compacted: the field names, their order and every value.
func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var w bytes.Buffer
	if err := json.Compact(&w, []byte(want)); err != nil {
		t.Fatalf("%s: the golden JSON is not JSON: %v", what, err)
	}
	if !bytes.Equal(got, w.Bytes()) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, w.Bytes())
	}
}

func TestPublishedEvent(t *testing.T) {
	at := time.Date(2026, 1, 20, 1, 0, 0, 0, time.UTC)
	p := Post{
		ID:     uuid.MustParse("01956a3e-1c00-7000-8000-0000000000c1"),
		Author: Author{ID: uuid.MustParse("01956a3e-1c00-7000-8000-0000000000a1"), Nickname: "운영팀"},
		Title:  "설 연휴 배송 안내", Category: Environment, Body: "1월 27일부터 30일까지는 배송이 쉽니다.\n주문은 그대로 받습니다.",
		Pinned: true, CreatedAt: at, UpdatedAt: at, Version: 1, Number: 12,
	}
	ev := publishedEvent(p)
	if EventPostPublished != "post.published" || ev.Type != EventPostPublished || ev.AggregateID != p.ID || ev.Version != 1 || !ev.Time.Equal(at) {
		t.Errorf("event %s about %s at version %d, %v", ev.Type, ev.AggregateID, ev.Version, ev.Time)
	}
	sameJSON(t, "post.published", ev.Data, `{
		"id": "01956a3e-1c00-7000-8000-0000000000c1",
		"title": "설 연휴 배송 안내",
		"category": "ENVIRONMENT",
		"category_label": "환경",
		"body": "1월 27일부터 30일까지는 배송이 쉽니다.\n주문은 그대로 받습니다.",
		"pinned": true,
		"author_id": "01956a3e-1c00-7000-8000-0000000000a1",
		"created_at": "2026-01-20T01:00:00Z"
	}`)
}
