package storefront_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
)

// boardSetSession gives c the session token, as the sign-in pages would.
func boardSetSession(c *client, token string) {
	c.t.Helper()
	u, err := url.Parse(c.shop.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: storefrontCookie, Value: token, Path: "/"}})
}

// boardSignInAsStaff signs c in as the shop's staff member through the
// sign-in page, or through the service while that page answers 404 (not
// built yet).
func boardSignInAsStaff(c *client) {
	c.t.Helper()
	p := c.post("/accounts/login", url.Values{"username": {c.shop.StaffName}, "password": {c.shop.StaffPassword}})
	switch p.Status {
	case http.StatusSeeOther:
		return
	case http.StatusNotFound:
	default:
		c.t.Fatalf("staff sign-in: got %d, want 303; body:\n%s", p.Status, p.Body)
	}
	in, err := c.shop.Accounts.SignIn(context.Background(), account.Credentials{
		Username: c.shop.StaffName, Password: c.shop.StaffPassword,
	}, "")
	if err != nil {
		c.t.Fatal(err)
	}
	boardSetSession(c, in.Token)
}

// boardSignUp signs c up as a customer named username, through the sign-up
// page or through the service while that page answers 404, and returns the
// account.
func boardSignUp(c *client, username string) account.Account {
	c.t.Helper()
	probe := c.get("/accounts/signup")
	if probe.Status != http.StatusNotFound {
		return c.signUp(username)
	}
	in, err := c.shop.Accounts.SignUp(context.Background(), account.SignUpInput{
		Username: username, Password: "tangerine-Orbit-42", PasswordConfirm: "tangerine-Orbit-42",
		Nickname: username + "님", Email: username + "@example.com",
	}, "")
	if err != nil {
		c.t.Fatal(err)
	}
	boardSetSession(c, in.Token)
	return in.Account
}

// boardSignInAsOtherStaff signs c in as a second staff member, made for the
// test: staff, but not the author of the demo notices.
func boardSignInAsOtherStaff(c *client, username string) commerce.Actor {
	c.t.Helper()
	ctx := context.Background()
	const password = "harbor-Lantern-7391"
	acct, err := c.shop.Accounts.BootstrapStaff(ctx, username, password)
	if err != nil {
		c.t.Fatal(err)
	}
	in, err := c.shop.Accounts.SignIn(ctx, account.Credentials{Username: username, Password: password}, "")
	if err != nil {
		c.t.Fatal(err)
	}
	boardSetSession(c, in.Token)
	return commerce.StaffActor(acct.ID)
}

// boardAddPosts publishes n notices of category as the shop's staff.
func boardAddPosts(t *testing.T, s *shop, n int, category board.Category) []board.Post {
	t.Helper()
	var out []board.Post
	for i := range n {
		p, err := s.Board.Create(context.Background(), s.Staff, board.PostInput{
			Title: fmt.Sprintf("%s 소식 %d", category.Label(), i+1), Category: category, Body: "본문",
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// listing is the board as the service lists it.
func boardListing(t *testing.T, s *shop, page int, category board.Category) board.Listing {
	t.Helper()
	l, err := s.Board.List(context.Background(), page, category)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// boardKST is the shop's time zone, in which the board shows dates.
var boardKST = time.FixedZone("KST", 9*60*60)

var (
	boardRowNumber   = regexp.MustCompile(`<td class="num">(\d+)</td>`)
	boardPinnedRow   = regexp.MustCompile(`<tr class="pinned">`)
	boardRowBadge    = regexp.MustCompile(`<td class="title">\s*<span class="badge ([a-z]+)">`)
	boardCurrentPage = regexp.MustCompile(`<a href="([^"]*)" aria-current="page">(\d+)</a>`)
)

// numbers returns the numbers of the unpinned rows of a board page.
func boardNumbers(t *testing.T, body string) []int {
	t.Helper()
	var out []int
	for _, m := range boardRowNumber.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

func TestBoardPagesCountDownWithPinnedOnEveryPage(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			boardAddPosts(t, s, 12, board.Normal)
			l := boardListing(t, s, 1, "")
			if len(l.Pinned) != 1 || l.Pages < 2 {
				t.Fatalf("demo board: %d pinned, %d pages", len(l.Pinned), l.Pages)
			}
			c := s.client()
			for page := 1; page <= l.Pages; page++ {
				path := "/board"
				if page > 1 {
					path += "?page=" + strconv.Itoa(page)
				}
				p := c.get(path)
				if p.Status != http.StatusOK {
					t.Fatalf("%s: got %d", path, p.Status)
				}
				if n := len(boardPinnedRow.FindAllString(p.Body, -1)); n != 1 {
					t.Errorf("%s: %d pinned rows, want 1", path, n)
				}
				if !strings.Contains(p.Body, `<span class="badge pinned">공지</span>`) {
					t.Errorf("%s: the pinned notice is not marked 공지", path)
				}
				got := boardNumbers(t, p.Body)
				wantLen := min(board.PageSize, l.Total-(page-1)*board.PageSize)
				if len(got) != wantLen {
					t.Fatalf("%s: %d numbered rows, want %d", path, len(got), wantLen)
				}
				for i, n := range got {
					if want := l.Total - (page-1)*board.PageSize - i; n != want {
						t.Errorf("%s: row %d numbered %d, want %d", path, i, n, want)
					}
				}
				m := boardCurrentPage.FindStringSubmatch(p.Body)
				if m == nil || m[2] != strconv.Itoa(page) {
					t.Errorf("%s: current page link %v, want %d", path, m, page)
				}
				for n := 1; n <= l.Pages; n++ {
					link := `href="/board"`
					if n > 1 {
						link = fmt.Sprintf(`href="/board?page=%d"`, n)
					}
					if !strings.Contains(p.Body, link) {
						t.Errorf("%s: no link to page %d (%s)", path, n, link)
					}
				}
				if hasPrev := strings.Contains(p.Body, ">이전</a>"); hasPrev != (page > 1) {
					t.Errorf("%s: 이전 shown %v", path, hasPrev)
				}
				if hasNext := strings.Contains(p.Body, ">다음</a>"); hasNext != (page < l.Pages) {
					t.Errorf("%s: 다음 shown %v", path, hasNext)
				}
			}
			// Every row shows its category badge, title link, author and date.
			p := c.get("/board")
			for _, post := range append(l.Pinned, l.Items...) {
				for _, want := range []string{
					`<span class="badge ` + strings.ToLower(string(post.Category)) + `">` + post.Category.Label() + `</span>`,
					`<a href="/board/` + post.ID.String() + `">` + html.EscapeString(post.Title) + `</a>`,
					post.Author.Nickname,
					post.CreatedAt.In(boardKST).Format("2006.01.02"),
				} {
					if !strings.Contains(p.Body, want) {
						t.Errorf("row of %q lacks %s", post.Title, want)
					}
				}
			}
		})
	}
}

func TestBoardFiltersByCategory(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			boardAddPosts(t, s, 11, board.Environment)
			boardAddPosts(t, s, 2, board.Elders)
			l := boardListing(t, s, 1, board.Environment)
			c := s.client()
			p := c.get("/board?category=ENVIRONMENT")
			if p.Status != http.StatusOK {
				t.Fatalf("got %d", p.Status)
			}
			badges := boardRowBadge.FindAllStringSubmatch(p.Body, -1)
			if len(badges) != len(l.Pinned)+len(l.Items) {
				t.Fatalf("%d rows, want %d", len(badges), len(l.Pinned)+len(l.Items))
			}
			for _, m := range badges {
				if m[1] != "environment" {
					t.Errorf("a row of category %s on the 환경 page", m[1])
				}
			}
			if !strings.Contains(p.Body, `<a href="/board?category=ENVIRONMENT" aria-current="page">환경</a>`) {
				t.Error("the 환경 filter is not marked current")
			}
			if !strings.Contains(p.Body, `<a href="/board">전체</a>`) {
				t.Error("no 전체 filter")
			}
			for _, cat := range board.Categories {
				if !strings.Contains(p.Body, `href="/board?category=`+string(cat)+`"`) {
					t.Errorf("no filter for %s", cat)
				}
			}
			// The pages keep the category.
			if !strings.Contains(p.Body, `href="/board?category=ENVIRONMENT&amp;page=2"`) {
				t.Error("the page links lose the category")
			}
			if got := boardNumbers(t, p.Body); len(got) != 10 || got[0] != l.Total {
				t.Errorf("numbers %v, want 10 counting down from %d", got, l.Total)
			}
			p = c.get("/board?category=ENVIRONMENT&page=2")
			if got := boardNumbers(t, p.Body); len(got) != l.Total-10 || got[0] != l.Total-10 {
				t.Errorf("page 2 numbers %v, total %d", got, l.Total)
			}
			p = c.get("/board?category=ELDERS")
			for _, m := range boardRowBadge.FindAllStringSubmatch(p.Body, -1) {
				if m[1] != "elders" {
					t.Errorf("a row of category %s on the 노인 page", m[1])
				}
			}
		})
	}
}

func TestBoardBadAddresses(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	c := s.client()
	for _, path := range []string{
		"/board?page=abc", "/board?page=0", "/board?page=-1", "/board?page=99999999999",
		"/board?page=999999999999999999999999", "/board?page=1.5", "/board?category=NOPE",
		"/board?category=environment", "/board?category=NOPE&page=x",
	} {
		p := c.get(path)
		if p.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", path, p.Status)
			continue
		}
		if !strings.Contains(p.Body, `class="form-message"`) || !strings.Contains(p.Body, `<table class="board">`) {
			t.Errorf("%s: the board with a message was not shown:\n%s", path, p.Body)
		}
	}

	// A page past the last is the service's empty page, with a way back.
	l := boardListing(t, s, 1, "")
	p := c.get("/board?page=50")
	if p.Status != http.StatusOK {
		t.Fatalf("page 50: got %d", p.Status)
	}
	if len(boardNumbers(t, p.Body)) != 0 || !strings.Contains(p.Body, "이 페이지에는 글이 없습니다") {
		t.Errorf("page 50 is not an empty page:\n%s", p.Body)
	}
	if len(l.Pinned) > 0 && !strings.Contains(p.Body, `<tr class="pinned">`) {
		t.Error("page 50 lacks the pinned notices")
	}

	staff := s.client()
	boardSignInAsStaff(staff)
	missing := uuid.NewString()
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/board/not-an-id", http.StatusNotFound},
		{http.MethodGet, "/board/" + missing, http.StatusNotFound},
		{http.MethodGet, "/board/not-an-id/edit", http.StatusNotFound},
		{http.MethodGet, "/board/" + missing + "/edit", http.StatusNotFound},
		{http.MethodPost, "/board/not-an-id/edit", http.StatusNotFound},
		{http.MethodPost, "/board/" + missing + "/edit", http.StatusNotFound},
		{http.MethodPost, "/board/not-an-id/delete", http.StatusNotFound},
		{http.MethodPost, "/board/" + missing + "/delete", http.StatusNotFound},
	} {
		var p page
		if tc.method == http.MethodGet {
			p = staff.get(tc.path)
		} else {
			p = staff.post(tc.path, url.Values{"title": {"제목"}, "category": {"NORMAL"}, "body": {"본문"}})
		}
		if p.Status != tc.want {
			t.Errorf("%s %s: got %d, want %d", tc.method, tc.path, p.Status, tc.want)
		}
		if !strings.Contains(p.Body, `<a href="/board">공지사항</a>`) {
			t.Errorf("%s %s: the error page lacks the shop's header", tc.method, tc.path)
		}
	}
}

func TestBoardWriteButtonOnlyForStaff(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	visitor := s.client()
	customer := s.client()
	boardSignUp(customer, "reader")
	staff := s.client()
	boardSignInAsStaff(staff)
	for _, tc := range []struct {
		name string
		c    *client
		want bool
	}{
		{"visitor", visitor, false},
		{"customer", customer, false},
		{"staff", staff, true},
	} {
		p := tc.c.get("/board")
		if p.Status != http.StatusOK {
			t.Fatalf("%s: got %d", tc.name, p.Status)
		}
		if got := strings.Contains(p.Body, `<a class="button" href="/board/new">글쓰기</a>`); got != tc.want {
			t.Errorf("%s: 글쓰기 shown %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBoardOnlyStaffPost(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			before := boardListing(t, s, 1, "")

			visitor := s.client()
			p := visitor.get("/board/new")
			if p.Status != http.StatusSeeOther || p.Location != "/accounts/login?next=%2Fboard%2Fnew" {
				t.Errorf("visitor GET /board/new: got %d to %q, want 303 to the sign-in page", p.Status, p.Location)
			}

			customer := s.client()
			boardSignUp(customer, "writer")
			p = customer.get("/board")
			if strings.Contains(p.Body, "글쓰기") {
				t.Error("a customer sees 글쓰기")
			}
			if p = customer.get("/board/new"); p.Status != http.StatusForbidden {
				t.Errorf("customer GET /board/new: got %d, want 403", p.Status)
			}
			form := url.Values{"title": {"몰래 쓴 글"}, "category": {"NORMAL"}, "body": {"본문"}, "pinned": {"true"}}
			for _, c := range []*client{customer, visitor} {
				p = c.post("/board/new", form)
				if p.Status != http.StatusForbidden && p.Status != http.StatusUnauthorized {
					t.Errorf("POST /board/new: got %d, want 403 or 401", p.Status)
				}
			}
			after := boardListing(t, s, 1, "")
			if after.Total != before.Total || len(after.Pinned) != len(before.Pinned) {
				t.Errorf("a post was created: %d → %d posts, %d → %d pinned",
					before.Total, after.Total, len(before.Pinned), len(after.Pinned))
			}
		})
	}
}

func TestBoardStaffWritesANotice(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			before := boardListing(t, s, 1, "")
			c := s.client()
			boardSignInAsStaff(c)

			p := c.get("/board/new")
			if p.Status != http.StatusOK {
				t.Fatalf("GET /board/new: got %d", p.Status)
			}
			for _, want := range []string{
				`<label for="post-title">제목</label>`, `<label for="post-category">분류</label>`,
				`<label for="post-body">내용</label>`, `상단 고정</label>`, `name="pinned"`,
				`<option value="ENVIRONMENT">환경</option>`, `<option value="NORMAL" selected>일반</option>`,
				`<button type="submit">등록</button>`, `action="/board/new"`,
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the form lacks %s", want)
				}
			}

			body := "첫 줄\n<script>alert(1)</script>\r\n셋째 줄\r\n\r\n둘째 문단"
			for _, tc := range []struct {
				name, title string
			}{
				{"empty title", "  "},
				{"long title", strings.Repeat("가", board.MaxTitleLen+1)},
			} {
				p = c.post("/board/new", url.Values{"title": {tc.title}, "category": {"ENVIRONMENT"}, "body": {body}})
				if p.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%s: got %d, want 422", tc.name, p.Status)
				}
				for _, want := range []string{
					`aria-invalid="true" aria-describedby="post-title-error"`, `<p class="field-error" id="post-title-error">`,
					`<option value="ENVIRONMENT" selected>환경</option>`,
					// kept as typed, line breaks and all, and escaped
					">첫 줄\n&lt;script&gt;alert(1)&lt;/script&gt;\r\n셋째 줄\r\n\r\n둘째 문단</textarea>",
				} {
					if !strings.Contains(p.Body, want) {
						t.Errorf("%s: the form lacks %q", tc.name, want)
					}
				}
				if strings.Contains(p.Body, `id="post-body-error"`) {
					t.Errorf("%s: an error on the body", tc.name)
				}
			}
			if l := boardListing(t, s, 1, ""); l.Total != before.Total {
				t.Fatalf("a failed form made a post")
			}

			// Every field's error at once.
			p = c.post("/board/new", url.Values{"title": {""}, "category": {"NOPE"}, "body": {""}})
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("empty form: got %d, want 422", p.Status)
			}
			for _, id := range []string{"post-title-error", "post-category-error", "post-body-error"} {
				if !strings.Contains(p.Body, `id="`+id+`"`) {
					t.Errorf("empty form: no %s", id)
				}
			}

			p = c.post("/board/new", url.Values{"title": {"분리배출 안내"}, "category": {"ENVIRONMENT"}, "body": {body}, "pinned": {"true"}})
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/board/") {
				t.Fatalf("got %d to %q, want 303 to the post", p.Status, p.Location)
			}
			post := c.follow(p)
			if post.Status != http.StatusOK {
				t.Fatalf("the new post: got %d", post.Status)
			}
			for _, want := range []string{
				"<h1>분리배출 안내</h1>", `<span class="badge environment">환경</span>`,
				// one paragraph a blank line, its line breaks kept as text
				"<p>첫 줄\n&lt;script&gt;alert(1)&lt;/script&gt;\n셋째 줄</p>", "<p>둘째 문단</p>",
				`<a class="button secondary" href="/board">목록</a>`,
			} {
				if !strings.Contains(post.Body, want) {
					t.Errorf("the post lacks %s", want)
				}
			}
			if strings.Contains(post.Body, "<script>alert") {
				t.Error("the body is not escaped")
			}
			after := boardListing(t, s, 1, "")
			if len(after.Pinned) != len(before.Pinned)+1 || after.Pinned[0].Title != "분리배출 안내" {
				t.Errorf("the notice was not pinned: %d pinned", len(after.Pinned))
			}
		})
	}
}

func TestBoardEditAndDelete(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			post := boardAddPosts(t, s, 1, board.Education)[0]
			postPath := "/board/" + post.ID.String()
			editPath := postPath + "/edit"
			deletePath := postPath + "/delete"

			author := s.client()
			boardSignInAsStaff(author)
			p := author.get(postPath)
			for _, want := range []string{
				`href="` + editPath + `">수정</a>`, `action="` + deletePath + `" method="post" data-confirm="삭제할까요?"`,
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the author's page lacks %s", want)
				}
			}

			customer := s.client()
			boardSignUp(customer, "stranger")
			other := s.client()
			boardSignInAsOtherStaff(other, "other-staff")
			visitor := s.client()

			// Who sees which buttons.
			for _, tc := range []struct {
				name             string
				c                *client
				edit, deleteForm bool
			}{
				{"visitor", visitor, false, false},
				{"customer", customer, false, false},
				{"other staff", other, false, true},
			} {
				p := tc.c.get(postPath)
				if got := strings.Contains(p.Body, ">수정</a>"); got != tc.edit {
					t.Errorf("%s: 수정 shown %v", tc.name, got)
				}
				if got := strings.Contains(p.Body, deletePath); got != tc.deleteForm {
					t.Errorf("%s: 삭제 shown %v", tc.name, got)
				}
			}

			// Only the author edits.
			change := url.Values{"title": {"바뀐 제목"}, "category": {"NORMAL"}, "body": {"바뀐 본문"}}
			for _, tc := range []struct {
				name string
				c    *client
			}{{"customer", customer}, {"other staff", other}} {
				if p := tc.c.get(editPath); p.Status != http.StatusForbidden {
					t.Errorf("%s GET edit: got %d, want 403", tc.name, p.Status)
				}
				if p := tc.c.post(editPath, change); p.Status != http.StatusForbidden {
					t.Errorf("%s POST edit: got %d, want 403", tc.name, p.Status)
				}
			}
			if p := visitor.get(editPath); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/accounts/login?next=") {
				t.Errorf("visitor GET edit: got %d to %q", p.Status, p.Location)
			}
			if got, _ := s.Board.Post(context.Background(), post.ID); got.Title != post.Title {
				t.Fatalf("a non-author changed the title to %q", got.Title)
			}

			p = author.get(editPath)
			if p.Status != http.StatusOK {
				t.Fatalf("author GET edit: got %d", p.Status)
			}
			for _, want := range []string{
				`value="` + post.Title + `"`, `<option value="EDUCATION" selected>교육</option>`,
				">본문</textarea>", `<button type="submit">저장</button>`, `action="` + editPath + `"`,
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the edit form lacks %s", want)
				}
			}
			p = author.post(editPath, url.Values{"title": {""}, "category": {"NORMAL"}, "body": {"고친 본문"}})
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="post-title-error"`) ||
				!strings.Contains(p.Body, ">고친 본문</textarea>") {
				t.Errorf("author's bad edit: got %d, want 422 with the title's error and the body kept", p.Status)
			}
			p = author.post(editPath, change)
			if p.Status != http.StatusSeeOther || p.Location != postPath {
				t.Fatalf("author's edit: got %d to %q", p.Status, p.Location)
			}
			if p = author.follow(p); !strings.Contains(p.Body, "<h1>바뀐 제목</h1>") || !strings.Contains(p.Body, "<p>바뀐 본문</p>") {
				t.Error("the edit is not shown")
			}
			// Staff pin through the form too.
			change.Set("pinned", "true")
			if p := author.post(editPath, change); p.Status != http.StatusSeeOther {
				t.Fatalf("author's pin: got %d", p.Status)
			}
			if got, _ := s.Board.Post(context.Background(), post.ID); !got.Pinned {
				t.Error("the notice was not pinned")
			}
			if p := author.get(editPath); !strings.Contains(p.Body, `value="true" checked`) {
				t.Error("the edit form of a pinned notice has 상단 고정 unchecked")
			}

			// The author and staff delete; others may not.
			if p := customer.post(deletePath, nil); p.Status != http.StatusForbidden {
				t.Errorf("customer delete: got %d, want 403", p.Status)
			}
			if p := visitor.post(deletePath, nil); p.Status != http.StatusUnauthorized {
				t.Errorf("visitor delete: got %d, want 401", p.Status)
			}
			if _, err := s.Board.Post(context.Background(), post.ID); err != nil {
				t.Fatalf("the post is gone after refused deletions: %v", err)
			}
			p = other.post(deletePath, nil)
			if p.Status != http.StatusSeeOther || p.Location != "/board" {
				t.Fatalf("staff delete: got %d to %q", p.Status, p.Location)
			}
			if p := other.get(postPath); p.Status != http.StatusNotFound {
				t.Errorf("the deleted post: got %d, want 404", p.Status)
			}
			if p := other.post(deletePath, nil); p.Status != http.StatusNotFound {
				t.Errorf("deleting it again: got %d, want 404", p.Status)
			}

			// The author deletes their own.
			mine := boardAddPosts(t, s, 1, board.Normal)[0]
			p = author.post("/board/"+mine.ID.String()+"/delete", nil)
			if p.Status != http.StatusSeeOther {
				t.Errorf("author delete: got %d", p.Status)
			}
		})
	}
}

// A notice saved from a form read before someone else changed it comes
// back 409 with their values, at their version, and what was typed where
// it differs; saved again from that form, it applies.
func TestBoardStaleEditShowsTheirValues(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			post := boardAddPosts(t, s, 1, board.Education)[0]
			editPath := "/board/" + post.ID.String() + "/edit"
			author := s.client()
			boardSignInAsStaff(author)
			form := author.get(editPath)
			if form.Status != http.StatusOK {
				t.Fatalf("author GET edit: got %d", form.Status)
			}
			if v := inputValue(t, form.Body, "version"); v != strconv.FormatInt(post.Version, 10) {
				t.Fatalf("version %s, want %d", v, post.Version)
			}
			// Another staff member pins it from the notices list, which
			// names no version.
			other := boardSignInAsOtherStaff(s.client(), "pinning-staff")
			theirs, err := s.Board.Update(ctx, other, post.ID, board.PostPatch{Pinned: commerce.Some(true)})
			if err != nil {
				t.Fatal(err)
			}
			typed := url.Values{
				"title": {"내가 고친 제목"}, "category": {"EDUCATION"}, "body": {post.Body},
				"version": {inputValue(t, form.Body, "version")},
			}
			p := author.post(editPath, typed)
			if p.Status != http.StatusConflict {
				t.Fatalf("stale edit: got %d, want 409; body:\n%s", p.Status, p.Body)
			}
			if !strings.Contains(p.Body, "그 사이에 다른 사람이 고쳤습니다") || !strings.Contains(p.Body, "입력하셨던 내용") {
				t.Errorf("the page does not explain the conflict:\n%s", p.Body)
			}
			if got := inputValue(t, p.Body, "title"); got != post.Title {
				t.Errorf("title field %q, want the stored %q", got, post.Title)
			}
			if got := inputValue(t, p.Body, "version"); got != strconv.FormatInt(theirs.Version, 10) {
				t.Errorf("version %s, want theirs, %d", got, theirs.Version)
			}
			if !strings.Contains(p.Body, `value="true" checked`) {
				t.Error("the form does not show their pin")
			}
			for _, want := range []string{"<dt>제목</dt>", "내가 고친 제목", "<dt>상단 고정</dt>", "아니오"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("what was typed lacks %s", want)
				}
			}
			if strings.Contains(p.Body, "<dt>내용</dt>") || strings.Contains(p.Body, "<dt>분류</dt>") {
				t.Error("fields that agree are listed as typed")
			}
			if got, _ := s.Board.Post(ctx, post.ID); got.Title != post.Title || !got.Pinned {
				t.Errorf("the stale edit was saved: %q, pinned %v", got.Title, got.Pinned)
			}
			// Saved again from the form shown, it applies.
			typed.Set("version", inputValue(t, p.Body, "version"))
			typed.Set("pinned", "true")
			if p := author.post(editPath, typed); p.Status != http.StatusSeeOther {
				t.Fatalf("edit at the new version: got %d", p.Status)
			}
			if got, _ := s.Board.Post(ctx, post.ID); got.Title != "내가 고친 제목" || !got.Pinned || got.Version != theirs.Version+1 {
				t.Errorf("after the edit: %q, pinned %v, version %d", got.Title, got.Pinned, got.Version)
			}
		})
	}
}
