package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/storage/memstore"
)

var (
	postFields   = sortedList("id", "number", "title", "category", "category_label", "body", "pinned", "author", "created_at", "updated_at", "version")
	boardFields  = sortedList("pinned", "items", "page", "pages", "total")
	authorFields = sortedList("id", "nickname")
)

// staffUser makes a staff account and returns its token and id.
func (f *fixture) staffUser(t *testing.T, username string) (string, string) {
	t.Helper()
	token := f.staff(t, username)
	me := f.call(t, call{method: "GET", path: "/api/me", bearer: token}).want(t, http.StatusOK)
	return token, me["id"].(string)
}

func checkPost(t *testing.T, p obj) {
	t.Helper()
	if got := keys(p); got != postFields {
		t.Fatalf("post fields: got %s, want %s", got, postFields)
	}
	if got := keys(p["author"].(obj)); got != authorFields {
		t.Errorf("author fields: got %s, want %s", got, authorFields)
	}
	labels := map[string]string{"NORMAL": "일반", "DISABLED": "장애인", "ENVIRONMENT": "환경", "EMPLOYMENT": "고용", "EDUCATION": "교육", "ELDERS": "노인"}
	if want := labels[p["category"].(string)]; want == "" || p["category_label"] != want {
		t.Errorf("category %v labelled %v", p["category"], p["category_label"])
	}
	checkTime(t, "created_at", p["created_at"])
	checkTime(t, "updated_at", p["updated_at"])
}

func posts(t *testing.T, l obj, field string) []obj {
	t.Helper()
	raw, ok := l[field].([]any)
	if !ok {
		t.Fatalf("%s is %T, want an array", field, l[field])
	}
	out := make([]obj, len(raw))
	for i, p := range raw {
		out[i] = p.(obj)
		checkPost(t, out[i])
	}
	return out
}

func TestBoard(t *testing.T) {
	f := startAccounts(t, nil)
	staff, staffID := f.staffUser(t, "admin")
	// The demo notices: six, and one pinned.
	// One loader, so a lock of its own serves.
	author := func(context.Context) (commerce.Actor, error) {
		return commerce.StaffActor(uuid.MustParse(staffID)), nil
	}
	if err := demo.LoadBoard(context.Background(), memstore.New(nil), f.svc.Board, author); err != nil {
		t.Fatal(err)
	}
	// Nine more make 15 unpinned posts: two pages.
	for i := range 9 {
		f.call(t, call{method: "POST", path: "/api/posts", bearer: staff, body: obj{
			"title": fmt.Sprintf("공지 %d", i+1), "category": "ENVIRONMENT", "body": "본문",
		}}).want(t, http.StatusCreated)
	}

	var l obj
	f.getJSON(t, "/api/posts", &l)
	if got := keys(l); got != boardFields {
		t.Fatalf("board fields: got %s, want %s", got, boardFields)
	}
	if l["page"] != float64(1) || l["pages"] != float64(2) || l["total"] != float64(15) {
		t.Errorf("page %v of %v, total %v; want 1 of 2, 15", l["page"], l["pages"], l["total"])
	}
	pinned := posts(t, l, "pinned")
	if len(pinned) != 1 || pinned[0]["pinned"] != true || pinned[0]["number"] != nil ||
		!strings.Contains(pinned[0]["title"].(string), "필독") {
		t.Errorf("pinned %v, want the one pinned notice without a number", pinned)
	}
	first := posts(t, l, "items")
	if len(first) != 10 {
		t.Fatalf("page 1 has %d posts, want 10", len(first))
	}
	for i, p := range first {
		if p["number"] != float64(15-i) || p["pinned"] != false {
			t.Errorf("page 1 post %d: number %v, pinned %v; want %d, false", i, p["number"], p["pinned"], 15-i)
		}
		if p["author"].(obj)["id"] != staffID || p["author"].(obj)["nickname"] != "admin" {
			t.Errorf("author %v", p["author"])
		}
	}
	if first[0]["title"] != "공지 9" {
		t.Errorf("the newest post is %v, want 공지 9", first[0]["title"])
	}

	// The same pinned notice on every page; page 2 numbers on from 5.
	f.getJSON(t, "/api/posts?page=2", &l)
	second := posts(t, l, "items")
	if len(second) != 5 || len(posts(t, l, "pinned")) != 1 || l["page"] != float64(2) {
		t.Fatalf("page 2: %d posts, page %v", len(second), l["page"])
	}
	for i, p := range second {
		if p["number"] != float64(5-i) {
			t.Errorf("page 2 post %d: number %v, want %d", i, p["number"], 5-i)
		}
	}
	if second[4]["title"] != "임팩트뮤지엄이 문을 열었습니다" {
		t.Errorf("the oldest post is %v", second[4]["title"])
	}
	// Past the end: an empty page.
	f.getJSON(t, "/api/posts?page=3", &l)
	if len(posts(t, l, "items")) != 0 || l["page"] != float64(3) || l["pages"] != float64(2) || l["total"] != float64(15) {
		t.Errorf("page 3: %v", l)
	}

	// A category: its posts only, numbered within it.
	f.getJSON(t, "/api/posts?category=ENVIRONMENT", &l)
	env := posts(t, l, "items")
	if l["total"] != float64(10) || len(env) != 10 || l["pages"] != float64(1) || len(posts(t, l, "pinned")) != 0 {
		t.Errorf("ENVIRONMENT: total %v, %d posts, %v pages, pinned %v", l["total"], len(env), l["pages"], l["pinned"])
	}
	for i, p := range env {
		if p["category"] != "ENVIRONMENT" || p["category_label"] != "환경" || p["number"] != float64(10-i) {
			t.Errorf("ENVIRONMENT post %d: %v %v %v", i, p["category"], p["category_label"], p["number"])
		}
	}
	f.getJSON(t, "/api/posts?category=NORMAL", &l)
	if len(posts(t, l, "pinned")) != 1 || l["total"] != float64(1) {
		t.Errorf("NORMAL: %v", l)
	}

	// One post, on its own, has no number.
	var p obj
	f.getJSON(t, "/api/posts/"+first[3]["id"].(string), &p)
	checkPost(t, p)
	if p["number"] != nil || p["title"] != first[3]["title"] || p["body"] != first[3]["body"] {
		t.Errorf("GET one post: %v, want %v without a number", p, first[3])
	}
}

func TestBoardWrites(t *testing.T) {
	f := startAccounts(t, nil)
	staff, staffID := f.staffUser(t, "admin")
	otherStaff, _ := f.staffUser(t, "editor")
	customer, _ := f.signUp(t, "reader")
	body := obj{"title": "  새 소식  ", "category": "ELDERS", "body": "어르신과 함께", "pinned": true}

	f.call(t, call{method: "POST", path: "/api/posts", body: body}).want(t, http.StatusUnauthorized)
	f.call(t, call{method: "POST", path: "/api/posts", bearer: customer, body: body}).want(t, http.StatusForbidden)
	// Whatever the body: nobody learns the rules without being allowed to
	// post.
	f.call(t, call{method: "POST", path: "/api/posts", bearer: customer, body: "{"}).want(t, http.StatusForbidden)

	res := f.call(t, call{method: "POST", path: "/api/posts", bearer: staff, body: body})
	p := res.want(t, http.StatusCreated)
	checkPost(t, p)
	id := p["id"].(string)
	if res.header.Get("Location") != "/api/posts/"+id || p["title"] != "새 소식" || p["pinned"] != true ||
		p["category_label"] != "노인" || p["number"] != nil || p["author"].(obj)["id"] != staffID || p["version"] != float64(1) {
		t.Errorf("created %v at %q", p, res.header.Get("Location"))
	}
	var l obj
	f.getJSON(t, "/api/posts", &l)
	if pinned := posts(t, l, "pinned"); len(pinned) != 1 || pinned[0]["id"] != id || l["total"] != float64(0) {
		t.Errorf("board after a pinned post: %v", l)
	}

	// Only the author edits.
	path := "/api/posts/" + id
	f.call(t, call{method: "PATCH", path: path, body: obj{"title": "x"}}).want(t, http.StatusUnauthorized)
	f.call(t, call{method: "PATCH", path: path, bearer: customer, body: obj{"title": "x"}}).want(t, http.StatusForbidden)
	f.call(t, call{method: "PATCH", path: path, bearer: otherStaff, body: obj{"title": "x"}}).want(t, http.StatusForbidden)
	p = f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"body": "고친 본문", "pinned": false, "category": "NORMAL"}}).
		want(t, http.StatusOK)
	if p["body"] != "고친 본문" || p["title"] != "새 소식" || p["pinned"] != false || p["category_label"] != "일반" || p["version"] != float64(2) {
		t.Errorf("after PATCH: %v", p)
	}
	// A stale version is a conflict and changes nothing; the current one
	// applies; no version means no check.
	f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"title": "늦은 제목", "version": 1}}).want(t, http.StatusConflict)
	p = f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"title": "새 소식 2", "version": 2}}).want(t, http.StatusOK)
	if p["title"] != "새 소식 2" || p["version"] != float64(3) {
		t.Errorf("after a PATCH at the current version: %v", p)
	}
	p = f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"title": "새 소식"}}).want(t, http.StatusOK)
	if p["title"] != "새 소식" || p["version"] != float64(4) {
		t.Errorf("after a PATCH without a version: %v", p)
	}
	f.getJSON(t, "/api/posts", &l)
	if items := posts(t, l, "items"); len(items) != 1 || items[0]["number"] != float64(1) {
		t.Errorf("board after unpinning: %v", l)
	}
	wantFields(t, f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"title": "", "category": "CATS"}}).
		want(t, http.StatusUnprocessableEntity), "title", "category")

	// The author or staff delete; a customer may not.
	f.call(t, call{method: "DELETE", path: path}).want(t, http.StatusUnauthorized)
	f.call(t, call{method: "DELETE", path: path, bearer: customer}).want(t, http.StatusForbidden)
	f.call(t, call{method: "DELETE", path: path, bearer: otherStaff}).want(t, http.StatusNoContent)
	f.call(t, call{method: "GET", path: path}).want(t, http.StatusNotFound)
	f.call(t, call{method: "DELETE", path: path, bearer: staff}).want(t, http.StatusNotFound)

	mine := f.call(t, call{method: "POST", path: "/api/posts", bearer: otherStaff, body: obj{"title": "t", "category": "NORMAL", "body": "b"}}).
		want(t, http.StatusCreated)
	f.call(t, call{method: "DELETE", path: "/api/posts/" + mine["id"].(string), bearer: otherStaff}).want(t, http.StatusNoContent)
}

func TestBoardBadInput(t *testing.T) {
	f := startAccounts(t, nil)
	staff, _ := f.staffUser(t, "admin")
	p := f.call(t, call{method: "POST", path: "/api/posts", bearer: staff, body: obj{"title": "t", "category": "NORMAL", "body": "b"}}).
		want(t, http.StatusCreated)
	id := p["id"].(string)
	create := func(body any) call { return call{method: "POST", path: "/api/posts", bearer: staff, body: body} }
	patch := func(body any) call { return call{method: "PATCH", path: "/api/posts/" + id, bearer: staff, body: body} }
	checkBadInputs(t, f, []badInput{
		{"page 0", call{method: "GET", path: "/api/posts?page=0"}, 400, []string{"page"}},
		{"page -1", call{method: "GET", path: "/api/posts?page=-1"}, 400, []string{"page"}},
		{"page abc", call{method: "GET", path: "/api/posts?page=abc"}, 400, []string{"page"}},
		{"page 1.5", call{method: "GET", path: "/api/posts?page=1.5"}, 400, []string{"page"}},
		{"page huge", call{method: "GET", path: "/api/posts?page=99999999999999999999"}, 400, []string{"page"}},
		{"page past the limit", call{method: "GET", path: "/api/posts?page=1000001"}, 400, []string{"page"}},
		{"unknown category", call{method: "GET", path: "/api/posts?category=CATS"}, 400, []string{"category"}},
		{"lowercase category", call{method: "GET", path: "/api/posts?category=normal"}, 400, []string{"category"}},
		{"category not UTF-8", call{method: "GET", path: "/api/posts?category=%FF"}, 400, []string{"category"}},
		{"page and category", call{method: "GET", path: "/api/posts?page=x&category=y"}, 400, []string{"page", "category"}},
		{"malformed id", call{method: "GET", path: "/api/posts/12"}, 400, []string{"id"}},
		{"unknown post", call{method: "GET", path: "/api/posts/" + uuid.NewString()}, 404, nil},
		{"create: nothing", create(obj{}), 422, []string{"title", "category", "body"}},
		{"create: title too long", create(obj{"title": strings.Repeat("가", 101), "category": "NORMAL", "body": "b"}), 422, []string{"title"}},
		{"create: control character", create(obj{"title": "a\x07", "category": "NORMAL", "body": "b\x00"}), 422, []string{"title", "body"}},
		{"create: pinned a string", create(obj{"title": "t", "category": "NORMAL", "body": "b", "pinned": "yes"}), 400, []string{"pinned"}},
		{"create: unknown field", create(obj{"title": "t", "category": "NORMAL", "body": "b", "author": "me"}), 400, []string{"author"}},
		{"create: not JSON", call{method: "POST", path: "/api/posts", bearer: staff, body: "t", contentType: "text/plain"}, 415, nil},
		{"create: customer", call{method: "POST", path: "/api/posts", bearer: func() string { c, _ := f.signUp(t, "nobody"); return c }(),
			body: obj{"title": "t", "category": "NORMAL", "body": "b"}}, 403, nil},
		{"patch: category null", patch(`{"category": null}`), 422, []string{"category"}},
		{"patch: title a number", patch(obj{"title": 1}), 400, []string{"title"}},
		{"patch: version a string", patch(obj{"title": "t", "version": "1"}), 400, []string{"version"}},
		{"patch: malformed id", call{method: "PATCH", path: "/api/posts/x", bearer: staff, body: obj{}}, 400, []string{"id"}},
		{"patch: unknown post", call{method: "PATCH", path: "/api/posts/" + uuid.NewString(), bearer: staff, body: obj{}}, 404, nil},
		{"delete: malformed id", call{method: "DELETE", path: "/api/posts/x", bearer: staff}, 400, []string{"id"}},
		{"PUT a post", call{method: "PUT", path: "/api/posts/" + id, bearer: staff, body: obj{}}, 405, nil},
	})
}
