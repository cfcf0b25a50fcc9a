package board_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// drain returns the events of ob that no earlier drain returned, in the
// order they were stored, and marks them sent.
func drain(t *testing.T, ob outbox.Store) []commerce.Event {
	t.Helper()
	evs, err := outbox.TakeAll(context.Background(), ob)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// expectNone fails t if the outbox holds events no drain returned.
func expectNone(t *testing.T, what string, ob outbox.Store) {
	t.Helper()
	if evs := drain(t, ob); len(evs) > 0 {
		t.Errorf("%s stored %d events, the first %s: %s", what, len(evs), evs[0].Type, evs[0].Data)
	}
}

func TestPostEvents(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	ob := store.Outbox()
	at := time.Date(2026, 1, 20, 1, 0, 0, 0, time.UTC)
	svc := board.NewService(store.Board(), &board.Options{Now: func() time.Time { return at }})
	staff := commerce.StaffActor(commerce.NewID())
	if err := store.Accounts().CreateUser(ctx, account.User{
		ID: staff.UserID, Username: "admin", Nickname: "운영팀", Staff: true, Interests: []uuid.UUID{}, CreatedAt: at, UpdatedAt: at, Version: 1,
	}, nil); err != nil {
		t.Fatal(err)
	}

	p, err := svc.Create(ctx, staff, board.PostInput{
		Title: "설 연휴 배송 안내", Category: board.Normal, Body: "1월 27일부터 30일까지는 배송이 쉽니다.", Pinned: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := drain(t, ob)
	if len(evs) != 1 {
		t.Fatalf("Create stored %d events, want one post.published", len(evs))
	}
	ev := evs[0]
	if ev.Type != board.EventPostPublished || ev.AggregateID != p.ID || ev.Version != 1 || !ev.Time.Equal(at) {
		t.Errorf("event %s about %s at version %d, %v", ev.Type, ev.AggregateID, ev.Version, ev.Time)
	}
	var d board.PostPublished
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatal(err)
	}
	want := board.PostPublished{
		ID: p.ID, Title: "설 연휴 배송 안내", Category: board.Normal, CategoryLabel: "일반",
		Body: "1월 27일부터 30일까지는 배송이 쉽니다.", Pinned: true, AuthorID: staff.UserID, CreatedAt: at,
	}
	if d != want {
		t.Errorf("post.published data %+v, want %+v", d, want)
	}

	// Failed creations, edits and deletions store nothing.
	if _, err := svc.Create(ctx, commerce.UserActor(commerce.NewID()), board.PostInput{Title: "공지", Category: board.Normal, Body: "본문"}); err == nil {
		t.Error("a customer published a post")
	}
	if _, err := svc.Create(ctx, staff, board.PostInput{Title: "", Category: "NEWS", Body: "본문"}); err == nil {
		t.Error("an invalid post was published")
	}
	if _, err := svc.Create(ctx, commerce.StaffActor(commerce.NewID()), board.PostInput{Title: "공지", Category: board.Normal, Body: "본문"}); err == nil {
		t.Error("a post by no user was published")
	}
	if _, err := svc.Update(ctx, staff, p.ID, board.PostPatch{Title: commerce.Some("설 연휴 배송 안내 (수정)")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, staff, p.ID); err != nil {
		t.Fatal(err)
	}
	expectNone(t, "failed creations, an edit and a deletion", ob)

	// Imported posts were published elsewhere.
	old := time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)
	res, err := svc.ImportPosts(ctx, []board.Post{{
		ID: commerce.ImportedID(old, "post 1"), Author: board.Author{ID: staff.UserID}, Title: "오픈 안내",
		Category: board.Normal, Body: "문을 열었습니다.", CreatedAt: old, UpdatedAt: old,
	}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("importing a post: %v, %+v", err, res)
	}
	expectNone(t, "an import", ob)
}
