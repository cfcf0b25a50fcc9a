package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
)

// boardFixture is one test's notice board over an empty store, with two
// staff members and a customer.
type boardFixture struct {
	ctx           context.Context
	repo          board.Repository
	users         account.Repository
	svc           *board.Service
	staff, staff2 commerce.Actor
	customer      commerce.Actor
	staffName     string
}

func runBoardTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *boardFixture)
	}{
		{"OrderAndNumbers", testBoardOrderAndNumbers},
		{"PagingEdges", testBoardPagingEdges},
		{"CategoryFilter", testBoardCategoryFilter},
		{"Permissions", testBoardPermissions},
		{"NotFound", testBoardNotFound},
		{"Validation", testBoardValidation},
		{"AuthorNickname", testBoardAuthorNickname},
		{"ConcurrentPosts", testBoardConcurrentPosts},
		{"Versions", testBoardVersions},
		{"ConcurrentPatches", testBoardConcurrentPatches},
		{"ConcurrentVersionedEdits", testBoardConcurrentVersionedEdits},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			stores := h.MakeStores(ctx, t)
			if stores.Board == nil || stores.Accounts == nil {
				t.Skip("the adapter has no board or no users")
			}
			f := &boardFixture{ctx: ctx, repo: stores.Board, users: stores.Accounts, svc: board.NewService(stores.Board, nil)}
			f.staff = commerce.StaffActor(f.user(t, "운영자", true))
			f.staff2 = commerce.StaffActor(f.user(t, "관리자", true))
			f.customer = commerce.UserActor(f.user(t, "손님", false))
			f.staffName = "운영자"
			c.fn(t, f)
		})
	}
}

func (f *boardFixture) user(t *testing.T, nickname string, staff bool) uuid.UUID {
	t.Helper()
	now := commerce.Now()
	u := account.User{
		ID: commerce.NewID(), Username: "u" + strings.ReplaceAll(commerce.NewID().String(), "-", ""), Nickname: nickname,
		Staff: staff, Interests: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := f.users.CreateUser(f.ctx, u, nil); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u.ID
}

func (f *boardFixture) post(t *testing.T, title string, c board.Category, pinned bool) board.Post {
	t.Helper()
	p, err := f.svc.Create(f.ctx, f.staff, board.PostInput{Title: title, Category: c, Body: title + " 본문", Pinned: pinned})
	if err != nil {
		t.Fatalf("Create(%q): %v", title, err)
	}
	return p
}

func (f *boardFixture) list(t *testing.T, page int, c board.Category) board.Listing {
	t.Helper()
	l, err := f.svc.List(f.ctx, page, c)
	if err != nil {
		t.Fatalf("List(%d, %q): %v", page, c, err)
	}
	return l
}

// numbered renders a listing's items as "number:title".
func numbered(ps []board.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%d:%s", p.Number, p.Title)
	}
	return out
}

func titles(ps []board.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

func testBoardOrderAndNumbers(t *testing.T, f *boardFixture) {
	// 25 posts, the 5th and the 20th pinned: 23 unpinned.
	for i := 1; i <= 25; i++ {
		f.post(t, fmt.Sprintf("공지 %02d", i), board.Normal, i == 5 || i == 20)
	}
	first := f.list(t, 1, "")
	if diff := cmp.Diff([]string{"공지 20", "공지 05"}, titles(first.Pinned)); diff != "" {
		t.Errorf("pinned, newest first (-want +got):\n%s", diff)
	}
	want := []string{"23:공지 25", "22:공지 24", "21:공지 23", "20:공지 22", "19:공지 21", "18:공지 19", "17:공지 18", "16:공지 17", "15:공지 16", "14:공지 15"}
	if diff := cmp.Diff(want, numbered(first.Items)); diff != "" {
		t.Errorf("page 1 (-want +got):\n%s", diff)
	}
	if first.Total != 23 || first.Pages != 3 || first.Page != 1 {
		t.Errorf("page 1: total %d, pages %d, page %d; want 23, 3, 1", first.Total, first.Pages, first.Page)
	}
	for _, p := range first.Pinned {
		if p.Number != 0 || !p.Pinned {
			t.Errorf("pinned post %q: number %d, pinned %v", p.Title, p.Number, p.Pinned)
		}
	}
	third := f.list(t, 3, "")
	if diff := cmp.Diff([]string{"3:공지 03", "2:공지 02", "1:공지 01"}, numbered(third.Items)); diff != "" {
		t.Errorf("page 3 (-want +got):\n%s", diff)
	}
	if len(third.Pinned) != 2 {
		t.Errorf("page 3 shows %d pinned posts, want them all (2)", len(third.Pinned))
	}
	// Every unpinned post once, numbers 23 down to 1.
	var all []string
	for page := 1; page <= first.Pages; page++ {
		for _, p := range f.list(t, page, "").Items {
			all = append(all, fmt.Sprint(p.Number))
		}
	}
	var wantAll []string
	for n := 23; n >= 1; n-- {
		wantAll = append(wantAll, fmt.Sprint(n))
	}
	if diff := cmp.Diff(wantAll, all); diff != "" {
		t.Errorf("numbers across pages (-want +got):\n%s", diff)
	}
}

func testBoardPagingEdges(t *testing.T, f *boardFixture) {
	empty := f.list(t, 1, "")
	if len(empty.Items) != 0 || len(empty.Pinned) != 0 || empty.Total != 0 || empty.Pages != 1 {
		t.Errorf("empty board: %+v; want no posts, total 0, 1 page", empty)
	}
	if empty.Items == nil || empty.Pinned == nil {
		t.Error("empty board: nil lists (JSON would say null, not [])")
	}
	for i := 1; i <= 10; i++ {
		f.post(t, fmt.Sprintf("글 %02d", i), board.Normal, false)
	}
	ten := f.list(t, 1, "")
	if len(ten.Items) != 10 || ten.Pages != 1 || ten.Items[9].Number != 1 {
		t.Errorf("exactly 10 posts: %d items, %d pages, last number %d", len(ten.Items), ten.Pages, ten.Items[len(ten.Items)-1].Number)
	}
	if past := f.list(t, 2, ""); len(past.Items) != 0 || past.Page != 2 || past.Total != 10 || past.Pages != 1 {
		t.Errorf("page 2 of 10 posts: %+v; want an empty page", past)
	}
	f.post(t, "글 11", board.Normal, false)
	eleven := f.list(t, 2, "")
	if diff := cmp.Diff([]string{"1:글 01"}, numbered(eleven.Items)); diff != "" || eleven.Pages != 2 {
		t.Errorf("page 2 of 11 posts, %d pages (-want +got):\n%s", eleven.Pages, diff)
	}
	if first := f.list(t, 1, ""); first.Items[0].Number != 11 || first.Items[0].Title != "글 11" {
		t.Errorf("page 1 of 11 posts starts with %d:%s", first.Items[0].Number, first.Items[0].Title)
	}
	if far := f.list(t, 999, ""); len(far.Items) != 0 || far.Total != 11 {
		t.Errorf("page 999: %+v", far)
	}
	for _, page := range []int{0, -1, 1_000_001} {
		_, err := f.svc.List(f.ctx, page, "")
		wantFields(t, fmt.Sprintf("List(page %d)", page), err, "page")
	}
	_, err := f.svc.List(f.ctx, 1, "WEATHER")
	wantFields(t, "List(category WEATHER)", err, "category")
}

func testBoardCategoryFilter(t *testing.T, f *boardFixture) {
	f.post(t, "환경 공지", board.Environment, true)
	f.post(t, "일반 공지", board.Normal, true)
	for i := 1; i <= 12; i++ {
		c := board.Normal
		if i%3 == 0 {
			c = board.Environment
		}
		f.post(t, fmt.Sprintf("%s %02d", c.Label(), i), c, false)
	}
	env := f.list(t, 1, board.Environment)
	if diff := cmp.Diff([]string{"환경 공지"}, titles(env.Pinned)); diff != "" {
		t.Errorf("pinned of one category (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"4:환경 12", "3:환경 09", "2:환경 06", "1:환경 03"}, numbered(env.Items)); diff != "" {
		t.Errorf("posts of one category, numbered within it (-want +got):\n%s", diff)
	}
	if env.Total != 4 || env.Pages != 1 {
		t.Errorf("filtered total %d, pages %d", env.Total, env.Pages)
	}
	if l := f.list(t, 1, board.Elders); len(l.Items) != 0 || len(l.Pinned) != 0 {
		t.Errorf("a category without posts: %+v", l)
	}
	if all := f.list(t, 1, ""); all.Total != 12 || len(all.Pinned) != 2 {
		t.Errorf("unfiltered: total %d, %d pinned", all.Total, len(all.Pinned))
	}
}

func testBoardPermissions(t *testing.T, f *boardFixture) {
	in := board.PostInput{Title: "배송 안내", Category: board.Normal, Body: "설 연휴 배송 일정입니다."}
	_, err := f.svc.Create(f.ctx, f.customer, in)
	wantErr(t, "Create as a customer", err, commerce.ErrForbidden)
	_, err = f.svc.Create(f.ctx, commerce.Anonymous, in)
	wantErr(t, "Create anonymously", err, commerce.ErrUnauthenticated)

	p, err := f.svc.Create(f.ctx, f.staff, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Author.ID != f.staff.UserID || p.Author.Nickname != f.staffName {
		t.Errorf("author %+v, want %v %q", p.Author, f.staff.UserID, f.staffName)
	}
	_, err = f.svc.Update(f.ctx, f.staff2, p.ID, board.PostPatch{Title: commerce.Some("남의 글")})
	wantErr(t, "Update by other staff", err, board.ErrAuthorOnly)
	_, err = f.svc.Update(f.ctx, f.customer, p.ID, board.PostPatch{Title: commerce.Some("손님 글")})
	wantErr(t, "Update by a customer", err, commerce.ErrForbidden)
	_, err = f.svc.Update(f.ctx, commerce.Anonymous, p.ID, board.PostPatch{Title: commerce.Some("x")})
	wantErr(t, "Update anonymously", err, commerce.ErrUnauthenticated)

	edited, err := f.svc.Update(f.ctx, f.staff, p.ID, board.PostPatch{
		Title: commerce.Some("배송 안내 (수정)"), Category: commerce.Some(board.Elders), Pinned: commerce.Some(true),
	})
	if err != nil {
		t.Fatalf("Update by the author: %v", err)
	}
	if edited.Title != "배송 안내 (수정)" || edited.Category != board.Elders || !edited.Pinned || edited.Body != p.Body ||
		!edited.CreatedAt.Equal(p.CreatedAt) || edited.UpdatedAt.Before(p.UpdatedAt) {
		t.Errorf("after Update: %+v", edited)
	}
	// Any staff member pins and unpins any post, with a patch of Pinned
	// alone; a customer may not, and other staff may not edit meanwhile.
	unpinned, err := f.svc.Update(f.ctx, f.staff2, p.ID, board.PostPatch{Pinned: commerce.Some(false)})
	if err != nil || unpinned.Pinned || unpinned.Title != edited.Title {
		t.Errorf("unpinning by other staff: %+v, %v", unpinned, err)
	}
	_, err = f.svc.Update(f.ctx, f.staff2, p.ID, board.PostPatch{Pinned: commerce.Some(true), Title: commerce.Some("x")})
	wantErr(t, "pinning with an edit by other staff", err, board.ErrAuthorOnly)
	_, err = f.svc.Update(f.ctx, f.customer, p.ID, board.PostPatch{Pinned: commerce.Some(true)})
	wantErr(t, "pinning by a customer", err, commerce.ErrForbidden)
	if again, err := f.svc.Update(f.ctx, f.staff2, p.ID, board.PostPatch{Pinned: commerce.Some(true)}); err != nil || !again.Pinned {
		t.Errorf("pinning by other staff: %+v, %v", again, err)
	}
	// An author who is no longer staff edits but may not unpin.
	former := commerce.UserActor(f.staff.UserID)
	_, err = f.svc.Update(f.ctx, former, p.ID, board.PostPatch{Pinned: commerce.Some(false)})
	wantErr(t, "unpinning without staff", err, board.ErrStaffOnly)
	if _, err := f.svc.Update(f.ctx, former, p.ID, board.PostPatch{Body: commerce.Some("고친 본문"), Pinned: commerce.Some(true)}); err != nil {
		t.Errorf("an edit by the former-staff author: %v", err)
	}

	wantErr(t, "Delete by a customer", f.svc.Delete(f.ctx, f.customer, p.ID), board.ErrNotAllowed)
	wantErr(t, "Delete anonymously", f.svc.Delete(f.ctx, commerce.Anonymous, p.ID), commerce.ErrUnauthenticated)
	if err := f.svc.Delete(f.ctx, f.staff2, p.ID); err != nil {
		t.Errorf("Delete by other staff: %v", err)
	}
	q := f.post(t, "지울 글", board.Normal, false)
	if err := f.svc.Delete(f.ctx, f.staff, q.ID); err != nil {
		t.Errorf("Delete by the author: %v", err)
	}
	if l := f.list(t, 1, ""); len(l.Items)+len(l.Pinned) != 0 {
		t.Errorf("after deletes: %d posts left", len(l.Items)+len(l.Pinned))
	}
}

func testBoardNotFound(t *testing.T, f *boardFixture) {
	missing := commerce.NewID()
	_, err := f.svc.Post(f.ctx, missing)
	wantErr(t, "Post", err, board.ErrPostNotFound)
	wantErr(t, "Post", err, commerce.ErrNotFound)
	_, err = f.svc.Update(f.ctx, f.staff, missing, board.PostPatch{Title: commerce.Some("x")})
	wantErr(t, "Update", err, board.ErrPostNotFound)
	wantErr(t, "Delete", f.svc.Delete(f.ctx, f.staff, missing), board.ErrPostNotFound)
	wantErr(t, "repo UpdatePost", f.repo.UpdatePost(f.ctx, board.Post{ID: missing, Title: "x", Version: 2}, 1), board.ErrPostNotFound)
	wantErr(t, "repo DeletePost", f.repo.DeletePost(f.ctx, missing), board.ErrPostNotFound)
	now := commerce.Now()
	err = f.repo.CreatePost(f.ctx, board.Post{ID: commerce.NewID(), Author: board.Author{ID: commerce.NewID()}, Title: "t", Category: board.Normal, Body: "b", CreatedAt: now, UpdatedAt: now})
	wantErr(t, "repo CreatePost by a missing user", err, board.ErrAuthorNotFound)
	p := f.post(t, "중복", board.Normal, false)
	wantErr(t, "repo CreatePost twice", f.repo.CreatePost(f.ctx, p), board.ErrDuplicateID)
}

func testBoardValidation(t *testing.T, f *boardFixture) {
	_, err := f.svc.Create(f.ctx, f.staff, board.PostInput{})
	wantFields(t, "Create empty", err, "title", "category", "body")
	_, err = f.svc.Create(f.ctx, f.staff, board.PostInput{Title: strings.Repeat("가", 101), Category: "NEWS", Body: "본문"})
	wantFields(t, "Create with a long title and a bad category", err, "title", "category")
	ok, err := f.svc.Create(f.ctx, f.staff, board.PostInput{Title: strings.Repeat("가", 100), Category: board.Education, Body: "줄 하나\n줄 둘"})
	if err != nil {
		t.Fatalf("a 100-character title: %v", err)
	}
	got, _ := f.svc.Post(f.ctx, ok.ID)
	if diff := cmp.Diff(ok, got); diff != "" {
		t.Errorf("Post (-created +read):\n%s", diff)
	}
	_, err = f.svc.Update(f.ctx, f.staff, ok.ID, board.PostPatch{Title: commerce.Some(" "), Body: commerce.Some("")})
	wantFields(t, "Update to empty", err, "title", "body")
	if got, _ := f.svc.Post(f.ctx, ok.ID); got.Title != ok.Title {
		t.Errorf("a refused update changed the title to %q", got.Title)
	}
	if l := f.list(t, 1, ""); l.Total != 1 {
		t.Errorf("refused posts were stored: total %d", l.Total)
	}
}

func testBoardAuthorNickname(t *testing.T, f *boardFixture) {
	p := f.post(t, "이름이 바뀌는 글", board.Normal, false)
	u, err := f.users.GetUser(f.ctx, f.staff.UserID)
	if err != nil {
		t.Fatal(err)
	}
	next := u
	next.Nickname, next.Version, next.UpdatedAt = "새 운영자", u.Version+1, u.UpdatedAt.Add(time.Second)
	if err := f.users.UpdateUser(f.ctx, next, u.Version); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Post(f.ctx, p.ID)
	l := f.list(t, 1, "")
	if got.Author.Nickname != "새 운영자" || l.Items[0].Author.Nickname != "새 운영자" {
		t.Errorf("author nickname after a rename: %q and %q", got.Author.Nickname, l.Items[0].Author.Nickname)
	}
}

func testBoardConcurrentPosts(t *testing.T, f *boardFixture) {
	const n = 25
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := f.svc.Create(f.ctx, f.staff, board.PostInput{Title: fmt.Sprintf("동시 %d", i), Category: board.Normal, Body: "본문"}); err != nil {
				t.Errorf("Create: %v", err)
			}
		})
	}
	wg.Wait()
	seen := map[uuid.UUID]bool{}
	l := f.list(t, 1, "")
	for page := 1; page <= l.Pages; page++ {
		for _, p := range f.list(t, page, "").Items {
			seen[p.ID] = true
		}
	}
	if l.Total != n || len(seen) != n {
		t.Errorf("after %d concurrent posts: total %d, %d distinct across pages", n, l.Total, len(seen))
	}
}

// testBoardVersions checks that every edit increments a post's version,
// that an edit naming a version applies only to that one, and that the
// repository refuses a stale write by itself.
func testBoardVersions(t *testing.T, f *boardFixture) {
	p := f.post(t, "버전 공지", board.Normal, false)
	if p.Version != 1 {
		t.Fatalf("a new post: version %d, want 1", p.Version)
	}
	edited, err := f.svc.Update(f.ctx, f.staff, p.ID, board.PostPatch{Title: commerce.Some("버전 공지 2")})
	if err != nil || edited.Version != 2 {
		t.Fatalf("an edit without a version: version %d, %v; want 2", edited.Version, err)
	}
	pinned, err := f.svc.Update(f.ctx, f.staff2, p.ID, board.PostPatch{Pinned: commerce.Some(true)})
	if err != nil || pinned.Version != 3 || !pinned.Pinned {
		t.Fatalf("pinning: version %d, pinned %v, %v; want 3, true", pinned.Version, pinned.Pinned, err)
	}
	current, err := f.svc.Update(f.ctx, f.staff, p.ID, board.PostPatch{Body: commerce.Some("고친 본문"), Version: 3})
	if err != nil || current.Version != 4 || current.Body != "고친 본문" {
		t.Fatalf("an edit at the current version: version %d, body %q, %v", current.Version, current.Body, err)
	}
	if got, _ := f.svc.Post(f.ctx, p.ID); got.Version != 4 {
		t.Errorf("the post read again: version %d, want 4", got.Version)
	}

	_, err = f.svc.Update(f.ctx, f.staff, p.ID, board.PostPatch{Title: commerce.Some("늦은 수정"), Version: 3})
	wantErr(t, "an edit at a stale version", err, board.ErrVersionConflict)
	wantErr(t, "an edit at a stale version", err, commerce.ErrConflict)
	_, err = f.svc.Update(f.ctx, f.staff2, p.ID, board.PostPatch{Pinned: commerce.Some(false), Version: 1})
	wantErr(t, "unpinning at a stale version", err, board.ErrVersionConflict)
	// Permissions come before versions: a stranger learns nothing.
	_, err = f.svc.Update(f.ctx, f.customer, p.ID, board.PostPatch{Title: commerce.Some("x"), Version: 1})
	wantErr(t, "an edit by a customer at a stale version", err, commerce.ErrForbidden)
	_, err = f.svc.Update(f.ctx, f.staff, p.ID, board.PostPatch{Title: commerce.Some(" "), Version: 4})
	wantFields(t, "an invalid edit", err, "title")
	got, err := f.svc.Post(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "버전 공지 2" || got.Body != "고친 본문" || !got.Pinned || got.Version != 4 {
		t.Errorf("after refused edits: %q %q pinned %v version %d; want them unchanged at version 4",
			got.Title, got.Body, got.Pinned, got.Version)
	}

	// The repository's own check, without the service's read first.
	stale := got
	stale.Title, stale.Version = "raced", 3
	wantErr(t, "repo UpdatePost at a stale version", f.repo.UpdatePost(f.ctx, stale, 2), board.ErrVersionConflict)
	next := got
	next.Title, next.Version = "저장소에서 고침", 5
	if err := f.repo.UpdatePost(f.ctx, next, 4); err != nil {
		t.Fatalf("repo UpdatePost at the current version: %v", err)
	}
	if again, _ := f.repo.GetPost(f.ctx, p.ID); again.Title != "저장소에서 고침" || again.Version != 5 {
		t.Errorf("after repo UpdatePost: %q version %d, want %q version 5", again.Title, again.Version, next.Title)
	}
}

// racedReads is a board repository whose first two reads of a post wait
// for each other, so that two edits surely read the same version before
// either writes.
type racedReads struct {
	board.Repository
	mu      sync.Mutex
	readers int
	both    chan struct{}
}

func (r *racedReads) GetPost(ctx context.Context, id uuid.UUID) (board.Post, error) {
	p, err := r.Repository.GetPost(ctx, id)
	r.mu.Lock()
	r.readers++
	n := r.readers
	r.mu.Unlock()
	switch n {
	case 1:
		select {
		case <-r.both:
		case <-ctx.Done():
		}
	case 2:
		close(r.both)
	}
	return p, err
}

// raceEdits runs edits a and b at once through a service whose first two
// reads of a post wait for each other, and returns their errors.
func (f *boardFixture) raceEdits(a, b func(*board.Service) (board.Post, error)) (errA, errB error) {
	svc := board.NewService(&racedReads{Repository: f.repo, both: make(chan struct{})}, nil)
	var wg sync.WaitGroup
	wg.Go(func() { _, errA = a(svc) })
	wg.Go(func() { _, errB = b(svc) })
	wg.Wait()
	return errA, errB
}

// testBoardConcurrentPatches races two patches without a version, of
// different fields, that both read the post before either writes: the
// loser reads the post again, so both land and neither undoes the other.
func testBoardConcurrentPatches(t *testing.T, f *boardFixture) {
	p := f.post(t, "함께 고치는 공지", board.Normal, false)
	update := func(actor commerce.Actor, patch board.PostPatch) func(*board.Service) (board.Post, error) {
		return func(svc *board.Service) (board.Post, error) { return svc.Update(f.ctx, actor, p.ID, patch) }
	}
	errTitle, errBody := f.raceEdits(
		update(f.staff, board.PostPatch{Title: commerce.Some("새 제목")}),
		update(f.staff, board.PostPatch{Body: commerce.Some("새 본문")}))
	if errTitle != nil || errBody != nil {
		t.Fatalf("concurrent patches: %v, %v; want both to land", errTitle, errBody)
	}
	// Staff pinning from a list send no version either.
	errPin, errEdit := f.raceEdits(
		update(f.staff2, board.PostPatch{Pinned: commerce.Some(true)}),
		update(f.staff, board.PostPatch{Category: commerce.Some(board.Elders)}))
	if errPin != nil || errEdit != nil {
		t.Fatalf("a pin racing an edit: %v, %v; want both to land", errPin, errEdit)
	}
	got, err := f.svc.Post(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "새 제목" || got.Body != "새 본문" || !got.Pinned || got.Category != board.Elders || got.Version != 5 {
		t.Errorf("after four racing patches: %q %q pinned %v %s version %d; want every change, version 5",
			got.Title, got.Body, got.Pinned, got.Category, got.Version)
	}
}

// testBoardConcurrentVersionedEdits races two edits that name the version
// both read: exactly one lands, the other is a conflict.
func testBoardConcurrentVersionedEdits(t *testing.T, f *boardFixture) {
	p := f.post(t, "경쟁 공지", board.Normal, false)
	edit := func(title string) func(*board.Service) (board.Post, error) {
		return func(svc *board.Service) (board.Post, error) {
			return svc.Update(f.ctx, f.staff, p.ID, board.PostPatch{Title: commerce.Some(title), Version: p.Version})
		}
	}
	errA, errB := f.raceEdits(edit("가"), edit("나"))
	var winner string
	switch {
	case errA == nil && errors.Is(errB, board.ErrVersionConflict):
		winner = "가"
	case errB == nil && errors.Is(errA, board.ErrVersionConflict):
		winner = "나"
	default:
		t.Fatalf("two edits of version %d: %v, %v; want exactly one ErrVersionConflict", p.Version, errA, errB)
	}
	if got, _ := f.svc.Post(f.ctx, p.ID); got.Title != winner || got.Version != p.Version+1 {
		t.Errorf("after the race: %q version %d, want %q version %d", got.Title, got.Version, winner, p.Version+1)
	}
}
