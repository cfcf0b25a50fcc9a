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
	"github.com/impactmuseum/commerce/board"
)

// The board's import (board.Service.ImportPosts) on the adapter's
// board.ImportRepository.

func runPostImportTests(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(*testing.T, *boardFixture)
	}{
		{"CreateAndReadBack", testPostImportCreate},
		{"NumbersAmongNewerPosts", testPostImportNumbers},
		{"UnchangedOnSecondRun", testPostImportUnchanged},
		{"Update", testPostImportUpdate},
		{"KeptWhenEditedInTheShop", testPostImportKept},
		{"InvalidSkipped", testPostImportInvalid},
		{"MissingAuthorSkipped", testPostImportMissingAuthor},
		{"LargerThanBatch", testPostImportLargerThanBatch},
		{"Concurrent", testPostImportConcurrent},
		{"EndedContext", testPostImportEndedContext},
		{"RepositoryContracts", testPostImportRepository},
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
			f.staffName = "운영자"
			c.fn(t, f)
		})
	}
}

// postImportEpoch is the time of the first imported post: years before
// any post the service creates, with microseconds, in the shop's time
// zone, as a Django shop's rows have them.
var postImportEpoch = time.Date(2021, 7, 9, 14, 25, 36, 246813000, time.FixedZone("KST", 9*60*60))

// importedPosts returns n notices by author as an importer hands them
// over, one a day from postImportEpoch, with ids from commerce.ImportedID
// of their times. Every seventh is pinned; categories take turns.
func importedPosts(prefix string, author uuid.UUID, n int) []board.Post {
	out := make([]board.Post, n)
	for k := range n {
		at := postImportEpoch.Add(time.Duration(k)*24*time.Hour + time.Duration(k)*time.Microsecond)
		out[k] = board.Post{
			ID: commerce.ImportedID(at, fmt.Sprintf("posts_post:%s%d", prefix, k)), Author: board.Author{ID: author},
			Title: fmt.Sprintf("%s 공지 %03d", prefix, k), Category: board.Categories[k%len(board.Categories)],
			Body: fmt.Sprintf("%s 공지 %d의 본문입니다.\n둘째 줄.", prefix, k), Pinned: k%7 == 3,
			CreatedAt: at, UpdatedAt: at.Add(3 * time.Hour),
		}
	}
	return out
}

// importPosts imports ps and wants every result to be want.
func (f *boardFixture) importPosts(t *testing.T, ps []board.Post, want commerce.ImportOutcome) {
	t.Helper()
	res, err := f.svc.ImportPosts(f.ctx, ps)
	if err != nil {
		t.Fatalf("ImportPosts: %v", err)
	}
	if len(res) != len(ps) {
		t.Fatalf("ImportPosts: %d results, want %d", len(res), len(ps))
	}
	for i, r := range res {
		if r.Outcome != want || r.Err != nil {
			t.Fatalf("ImportPosts: post %d: %v (%v), want %v", i, r.Outcome, r.Err, want)
		}
	}
}

// storedPost is what a read gives of an imported post at version.
func storedPost(p board.Post, nickname string, version int64) board.Post {
	p.Author.Nickname, p.Version, p.Number = nickname, version, 0
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p
}

// checkPostsStored wants each post read on its own to be ps's, at version.
func (f *boardFixture) checkPostsStored(t *testing.T, ps []board.Post, version int64) {
	t.Helper()
	for _, p := range ps {
		got, err := f.svc.Post(f.ctx, p.ID)
		if err != nil {
			t.Fatalf("Post(%s): %v", p.Title, err)
		}
		if diff := cmp.Diff(storedPost(p, f.staffName, version), got); diff != "" {
			t.Fatalf("post %q (-want +got):\n%s", p.Title, diff)
		}
	}
}

// listAll returns every pinned post and every page's posts of the board.
func (f *boardFixture) listAll(t *testing.T) (pinned, items []board.Post) {
	t.Helper()
	first := f.list(t, 1, "")
	pinned = first.Pinned
	for page := 1; page <= first.Pages; page++ {
		items = append(items, f.list(t, page, "").Items...)
	}
	return pinned, items
}

func testPostImportCreate(t *testing.T, f *boardFixture) {
	ps := importedPosts("생성", f.staff.UserID, 24)
	f.importPosts(t, ps, commerce.ImportCreated)
	f.checkPostsStored(t, ps, 1)

	// The listing has them as Create would have made them at their
	// times: pinned first, then newest first, numbered down to 1.
	var wantPinned, wantItems []board.Post
	for k := len(ps) - 1; k >= 0; k-- {
		p := storedPost(ps[k], f.staffName, 1)
		if p.Pinned {
			wantPinned = append(wantPinned, p)
		} else {
			wantItems = append(wantItems, p)
		}
	}
	for i := range wantItems {
		wantItems[i].Number = len(wantItems) - i
	}
	pinned, items := f.listAll(t)
	if diff := cmp.Diff(wantPinned, pinned); diff != "" {
		t.Errorf("pinned posts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantItems, items); diff != "" {
		t.Errorf("posts across pages (-want +got):\n%s", diff)
	}
}

// testPostImportNumbers imports old notices into a board that has newer
// ones: they go below them, and the numbers count down across both.
func testPostImportNumbers(t *testing.T, f *boardFixture) {
	f.post(t, "새 공지 1", board.Normal, false)
	f.post(t, "새 고정 공지", board.Normal, true)
	f.post(t, "새 공지 2", board.Environment, false)
	f.importPosts(t, importedPosts("옛", f.staff.UserID, 11), commerce.ImportCreated)
	// Old posts 3 and 10 are pinned: 9 old unpinned and 2 new.
	first := f.list(t, 1, "")
	if diff := cmp.Diff([]string{"새 고정 공지", "옛 공지 010", "옛 공지 003"}, titles(first.Pinned)); diff != "" {
		t.Errorf("pinned, newest first (-want +got):\n%s", diff)
	}
	want := []string{"11:새 공지 2", "10:새 공지 1", "9:옛 공지 009", "8:옛 공지 008", "7:옛 공지 007", "6:옛 공지 006",
		"5:옛 공지 005", "4:옛 공지 004", "3:옛 공지 002", "2:옛 공지 001"}
	if diff := cmp.Diff(want, numbered(first.Items)); diff != "" {
		t.Errorf("page 1 (-want +got):\n%s", diff)
	}
	second := f.list(t, 2, "")
	if diff := cmp.Diff([]string{"1:옛 공지 000"}, numbered(second.Items)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	if first.Total != 11 || first.Pages != 2 {
		t.Errorf("total %d, pages %d; want 11, 2", first.Total, first.Pages)
	}
	env := f.list(t, 1, board.Environment)
	if diff := cmp.Diff([]string{"3:새 공지 2", "2:옛 공지 008", "1:옛 공지 002"}, numbered(env.Items)); diff != "" {
		t.Errorf("category ENVIRONMENT (-want +got):\n%s", diff)
	}
}

func testPostImportUnchanged(t *testing.T, f *boardFixture) {
	ps := importedPosts("같은", f.staff.UserID, 15)
	f.importPosts(t, ps, commerce.ImportCreated)
	f.importPosts(t, ps, commerce.ImportUnchanged)
	// Posts are compared as they are stored: trimmed, in UTC at
	// microsecond precision, whatever nickname the author carries.
	again := append([]board.Post(nil), ps...)
	again[2].Title = "  " + again[2].Title + "\t"
	again[3].CreatedAt = again[3].CreatedAt.UTC().Add(999 * time.Nanosecond)
	again[4].Author.Nickname, again[4].Version, again[4].Number = "다른 이름", 7, 3
	f.importPosts(t, again, commerce.ImportUnchanged)
	f.checkPostsStored(t, ps, 1)
}

// testPostImportKept: a post staff edited in the shop after the import
// keeps the shop's values when the import runs again.
func testPostImportKept(t *testing.T, f *boardFixture) {
	ps := importedPosts("보존", f.staff.UserID, 2)
	f.importPosts(t, ps, commerce.ImportCreated)
	edited, err := f.svc.Update(f.ctx, f.staff, ps[0].ID, board.PostPatch{Title: commerce.Some("가게에서 고친 제목"), Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	next := append([]board.Post(nil), ps...)
	next[0].Title = "다시 가져온 제목"
	next[1].Title = "바뀐 제목"
	res, err := f.svc.ImportPosts(f.ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []commerce.ImportOutcome{commerce.ImportKept, commerce.ImportUpdated} {
		if res[i].Outcome != want || res[i].Err != nil {
			t.Errorf("post %d: %v (%v), want %v", i, res[i].Outcome, res[i].Err, want)
		}
	}
	if got, err := f.svc.Post(f.ctx, edited.ID); err != nil || got.Title != edited.Title || got.Version != edited.Version {
		t.Errorf("the post edited in the shop: %q v%d, %v; want %q v%d kept", got.Title, got.Version, err, edited.Title, edited.Version)
	}
}

func testPostImportUpdate(t *testing.T, f *boardFixture) {
	other := f.user(t, "다른운영자", true)
	ps := importedPosts("수정", f.staff.UserID, 8)
	f.importPosts(t, ps, commerce.ImportCreated)
	next := append([]board.Post(nil), ps...)
	next[0].Title = "바뀐 제목"
	next[1].Pinned = !next[1].Pinned
	next[2].Body = "바뀐 본문"
	next[3].Category = board.Elders
	next[4].UpdatedAt = next[4].UpdatedAt.Add(time.Microsecond)
	next[5].CreatedAt = next[5].CreatedAt.Add(-time.Hour)
	next[6].Author.ID = other
	res, err := f.svc.ImportPosts(f.ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		want := commerce.ImportUpdated
		if i == 7 {
			want = commerce.ImportUnchanged
		}
		if r.Outcome != want || r.Err != nil {
			t.Errorf("post %d: %v (%v), want %v", i, r.Outcome, r.Err, want)
		}
	}
	f.checkPostsStored(t, next[:6], 2)
	f.checkPostsStored(t, next[7:], 1)
	got, err := f.svc.Post(f.ctx, next[6].ID)
	if err != nil || got.Author.ID != other || got.Author.Nickname != "다른운영자" || got.Version != 2 {
		t.Errorf("a post given another author: %+v, %v", got, err)
	}
	// An import is an edit: an editor who read the post before it is
	// refused.
	_, err = f.svc.Update(f.ctx, f.staff, next[0].ID, board.PostPatch{Title: commerce.Some("늦은 수정"), Version: 1})
	wantErr(t, "an edit of the version before the import", err, board.ErrVersionConflict)
}

func testPostImportInvalid(t *testing.T, f *boardFixture) {
	cases := []struct {
		name   string
		edit   func(*board.Post)
		fields []string
	}{
		{"no id", func(p *board.Post) { p.ID = uuid.Nil }, []string{"id"}},
		{"no author", func(p *board.Post) { p.Author.ID = uuid.Nil }, []string{"author"}},
		{"no title", func(p *board.Post) { p.Title = " " }, []string{"title"}},
		{"a title of 101 letters", func(p *board.Post) { p.Title = strings.Repeat("가", 101) }, []string{"title"}},
		{"an unknown category", func(p *board.Post) { p.Category = "NEWS" }, []string{"category"}},
		{"no category, no body", func(p *board.Post) { p.Category, p.Body = "", "" }, []string{"body", "category"}},
		{"no creation time", func(p *board.Post) { p.CreatedAt = time.Time{} }, []string{"created_at"}},
		{"an update before the year 1000", func(p *board.Post) { p.UpdatedAt = time.Date(999, 12, 31, 0, 0, 0, 0, time.UTC) }, []string{"updated_at"}},
	}
	for i, c := range cases {
		ps := importedPosts(fmt.Sprintf("잘못%d", i), f.staff.UserID, 2)
		c.edit(&ps[0])
		res, err := f.svc.ImportPosts(f.ctx, ps)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res[1].Outcome != commerce.ImportCreated {
			t.Errorf("%s: the valid post beside it: %v (%v)", c.name, res[1].Outcome, res[1].Err)
		}
		if res[0].Outcome != commerce.ImportSkipped {
			t.Errorf("%s: %v, want it skipped", c.name, res[0].Outcome)
			continue
		}
		wantFields(t, c.name, res[0].Err, c.fields...)
		if ps[0].ID != uuid.Nil {
			if _, err := f.svc.Post(f.ctx, ps[0].ID); !errors.Is(err, board.ErrPostNotFound) {
				t.Errorf("%s: the skipped post was stored: %v", c.name, err)
			}
		}
	}
	// An id given twice: the later post is refused.
	ps := importedPosts("두번", f.staff.UserID, 2)
	ps[1].ID = ps[0].ID
	res, err := f.svc.ImportPosts(f.ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != commerce.ImportCreated || res[1].Outcome != commerce.ImportSkipped ||
		!errors.Is(res[1].Err, board.ErrDuplicateID) || commerce.FieldErrors(res[1].Err)["id"] == "" {
		t.Errorf("an id given twice: %+v", res)
	}
}

func testPostImportMissingAuthor(t *testing.T, f *boardFixture) {
	ps := importedPosts("없는", f.staff.UserID, 3)
	ps[1].Author.ID = commerce.NewID()
	res, err := f.svc.ImportPosts(f.ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != commerce.ImportCreated || res[2].Outcome != commerce.ImportCreated {
		t.Errorf("the posts of a known author: %+v", res)
	}
	if res[1].Outcome != commerce.ImportSkipped || !errors.Is(res[1].Err, commerce.ErrNotFound) {
		t.Errorf("a post of no user: %v (%v), want it skipped with commerce.ErrNotFound", res[1].Outcome, res[1].Err)
	}
	if _, ok := commerce.FieldErrors(res[1].Err)["author"]; !ok {
		t.Errorf("a post of no user: %v names no field author", res[1].Err)
	}
	if _, err := f.svc.Post(f.ctx, ps[1].ID); !errors.Is(err, board.ErrPostNotFound) {
		t.Errorf("the skipped post was stored: %v", err)
	}
}

func testPostImportLargerThanBatch(t *testing.T, f *boardFixture) {
	ps := importedPosts("많은", f.staff.UserID, 2*commerce.ImportBatchSize+3)
	// A few long bodies, so that a batch takes more than one statement
	// in a store that splits them by size.
	for k := 0; k < len(ps); k += 10 {
		ps[k].Body = strings.Repeat("긴 본문입니다.", 2000)
	}
	f.importPosts(t, ps, commerce.ImportCreated)
	pinned, items := f.listAll(t)
	if len(pinned)+len(items) != len(ps) {
		t.Fatalf("the board lists %d posts, want %d", len(pinned)+len(items), len(ps))
	}
	for i, p := range items {
		if p.Number != len(items)-i {
			t.Fatalf("item %d is numbered %d, want %d", i, p.Number, len(items)-i)
		}
	}
	f.checkPostsStored(t, ps[:20], 1)
	f.importPosts(t, ps, commerce.ImportUnchanged)
}

// testPostImportConcurrent runs imports of overlapping posts at once:
// each post is created by exactly one of them, and the others find it
// unchanged.
func testPostImportConcurrent(t *testing.T, f *boardFixture) {
	const n, runs, step = 700, 3, 150
	ps := importedPosts("동시", f.staff.UserID, n)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created = make(map[uuid.UUID]int)
		errs    []error
	)
	for r := range runs {
		part := ps[r*step : n-(runs-1-r)*step]
		wg.Go(func() {
			res, err := f.svc.ImportPosts(f.ctx, part)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for i, res := range res {
				switch res.Outcome {
				case commerce.ImportCreated:
					created[part[i].ID]++
				case commerce.ImportUnchanged:
				default:
					errs = append(errs, fmt.Errorf("post %s: %v (%v)", part[i].Title, res.Outcome, res.Err))
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent imports: %v", errors.Join(errs...))
	}
	for _, p := range ps {
		if created[p.ID] != 1 {
			t.Errorf("post %s created %d times", p.Title, created[p.ID])
		}
	}
	f.importPosts(t, ps, commerce.ImportUnchanged)
	if l := f.list(t, 1, ""); l.Total+len(l.Pinned) != n {
		t.Errorf("the board lists %d posts, want %d", l.Total+len(l.Pinned), n)
	}
}

func testPostImportEndedContext(t *testing.T, f *boardFixture) {
	ps := importedPosts("문맥", f.staff.UserID, 2)
	ids := []uuid.UUID{ps[0].ID, ps[1].ID}
	callEnded(t, []endedCall{
		{"ImportPosts", func(ctx context.Context) error { _, err := f.svc.ImportPosts(ctx, ps); return err }},
		{"Repository.ImportPosts", func(ctx context.Context) error {
			return f.repo.ImportPosts(ctx, []board.Post{storedPost(ps[0], "", 1)})
		}},
		{"GetPosts", func(ctx context.Context) error { _, err := f.repo.GetPosts(ctx, ids); return err }},
		{"MissingUsers", func(ctx context.Context) error { _, err := f.repo.MissingUsers(ctx, ids); return err }},
	})
	if got, err := f.repo.GetPosts(f.ctx, ids); err != nil || len(got) != 0 {
		t.Errorf("imports with an ended context stored %d posts (%v)", len(got), err)
	}
}

// testPostImportRepository holds the repository's bulk methods to their
// contracts, apart from the service's checks: a refused write writes
// nothing of its batch.
func testPostImportRepository(t *testing.T, f *boardFixture) {
	ps := importedPosts("저장소", f.staff.UserID, 3)
	for k := range ps {
		ps[k] = storedPost(ps[k], "", 1)
	}
	if err := f.repo.ImportPosts(f.ctx, ps[:2]); err != nil {
		t.Fatal(err)
	}
	got, err := f.repo.GetPosts(f.ctx, []uuid.UUID{ps[1].ID, commerce.NewID(), ps[0].ID, ps[1].ID})
	if err != nil || len(got) != 2 || got[0].Author.Nickname != f.staffName || got[1].Author.Nickname != f.staffName {
		t.Errorf("GetPosts: %+v, %v; want the two posts, once each, with their author's nickname", got, err)
	}
	nobody := commerce.NewID()
	missing, err := f.repo.MissingUsers(f.ctx, []uuid.UUID{f.staff.UserID, nobody, nobody})
	if err != nil || len(missing) != 1 || missing[0] != nobody {
		t.Errorf("MissingUsers: %v, %v; want %v once", missing, err, nobody)
	}

	changed := ps[1]
	changed.Title, changed.Version = "바뀐 제목", 2
	for _, c := range []struct {
		name string
		edit func(p, q *board.Post)
		want error
	}{
		{"a stale version", func(p, q *board.Post) { p.Version = 3 }, board.ErrVersionConflict},
		{"a new post that exists", func(p, q *board.Post) { q.ID = ps[0].ID }, board.ErrVersionConflict},
		{"an author who is not a user", func(p, q *board.Post) { q.Author.ID = nobody }, board.ErrAuthorNotFound},
	} {
		p, q := changed, ps[2]
		c.edit(&p, &q)
		wantErr(t, c.name, f.repo.ImportPosts(f.ctx, []board.Post{p, q}), c.want)
		got, err := f.repo.GetPosts(f.ctx, []uuid.UUID{ps[1].ID, ps[2].ID})
		if err != nil || len(got) != 1 || got[0].Title != ps[1].Title || got[0].Version != 1 {
			t.Fatalf("%s: the refused batch was written: %+v, %v", c.name, got, err)
		}
	}
	if err := f.repo.ImportPosts(f.ctx, []board.Post{changed, ps[2]}); err != nil {
		t.Fatal(err)
	}
	f.checkPostsStored(t, ps[2:], 1)
	if got, err := f.svc.Post(f.ctx, changed.ID); err != nil || got.Title != "바뀐 제목" || got.Version != 2 {
		t.Errorf("the changed post: %+v, %v", got, err)
	}
}
