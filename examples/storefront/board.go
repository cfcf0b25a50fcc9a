package storefront

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/board"
)

// pageLinksShown is the number of page links the board shows at once, in
// blocks (1–10, 11–20, …) as Korean boards do, so that a long board does
// not print a thousand links.
const pageLinksShown = 10

// boardPaging is the page links of a listing of the board, for /board
// and the staff's notices alike.
type boardPaging struct {
	// Pages are the links of the block of pages around the current one.
	Pages []boardLink
	// Prev and Next are the previous and next pages' addresses, or "".
	Prev, Next string
	// PastEnd is true on a page after the last, which the board answers
	// empty; Last is the address of the last page.
	PastEnd bool
	Last    string
}

// pagingOf returns the page links of l, each page's address made by url.
func pagingOf(l board.Listing, url func(page int) string) boardPaging {
	var p boardPaging
	first := (min(l.Page, l.Pages)-1)/pageLinksShown*pageLinksShown + 1
	for n := first; n < first+pageLinksShown && n <= l.Pages; n++ {
		p.Pages = append(p.Pages, boardLink{Label: strconv.Itoa(n), URL: url(n), Current: n == l.Page})
	}
	if l.Page > 1 {
		p.Prev = url(min(l.Page-1, l.Pages))
	}
	if l.Page < l.Pages {
		p.Next = url(l.Page + 1)
	}
	p.PastEnd, p.Last = l.Page > l.Pages, url(l.Pages)
	return p
}

// boardView is a page of the notice board.
type boardView struct {
	Listing board.Listing
	// Category is the category shown, or "" for all.
	Category board.Category
	Filters  []boardLink
	boardPaging
	// Problem says what was wrong with the address (a page that is not a
	// number, an unknown category) and what is shown instead.
	Problem string
	// Staff see the button to write a notice.
	Staff bool
}

func (boardView) PageTitle() string { return "공지사항" }

// boardLink is a link of the category filter or the pager.
type boardLink struct {
	Label   string
	URL     string
	Current bool
}

// boardURL is the address of page of the board in category; page 1 and all
// categories are left out, so that the first page is simply /board.
func boardURL(category board.Category, page int) string {
	q := url.Values{}
	if category != "" {
		q.Set("category", string(category))
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/board"
	}
	return "/board?" + q.Encode()
}

// Board serves GET /board: the pinned notices, then a page of ten notices
// numbered counting down; ?category= filters and ?page= pages. An address
// typed wrong (a page that is not a number, an unknown category) shows the
// first page of what can be shown, saying so, with status 400.
func (s *Storefront) Board(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := boardView{Category: board.Category(q.Get("category")), Staff: actor(r).IsStaff()}
	page := 1
	badPage := "페이지 번호가 올바르지 않아 첫 페이지를 보여 드립니다."
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			v.Problem = badPage
		} else {
			page = n
		}
	}
	if v.Category != "" && !v.Category.Valid() {
		v.Problem = "없는 분류라서 모든 공지사항을 보여 드립니다."
		v.Category, page = "", 1
	}
	l, err := s.board.List(r.Context(), page, v.Category)
	if errors.Is(err, commerce.ErrInvalid) && commerce.FieldErrors(err)["page"] != "" {
		// A number, but past any board the service pages through.
		v.Problem = badPage
		l, err = s.board.List(r.Context(), 1, v.Category)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Listing = l
	v.Filters = append(v.Filters, boardLink{Label: "전체", URL: "/board", Current: v.Category == ""})
	for _, c := range board.Categories {
		v.Filters = append(v.Filters, boardLink{Label: c.Label(), URL: boardURL(c, 1), Current: c == v.Category})
	}
	v.boardPaging = pagingOf(l, func(n int) string { return boardURL(v.Category, n) })
	status := http.StatusOK
	if v.Problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "board", v)
}

// postView is a notice's page.
type postView struct {
	Post board.Post
	// CanEdit and CanDelete show the buttons; the service decides what
	// they do.
	CanEdit, CanDelete bool
}

func (v postView) PageTitle() string { return v.Post.Title }

// Paragraphs splits the body at its blank lines. The page shows each in a
// <p> whose line breaks the stylesheet keeps (white-space: pre-wrap), so
// the text reads as typed, blank lines included, and is never HTML.
func (v postView) Paragraphs() []string {
	body := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(v.Post.Body)
	return strings.Split(body, "\n\n")
}

// Post serves GET /board/{id}: the notice, its body as text; its author
// may edit it, its author and staff delete it.
func (s *Storefront) Post(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	p, err := s.board.Post(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actor(r)
	author := a.SignedIn() && a.UserID == p.Author.ID
	s.render(w, r, http.StatusOK, "post", postView{Post: p, CanEdit: author, CanDelete: author || a.IsStaff()})
}

// postFormView is the form that writes or edits a notice.
type postFormView struct {
	// ID is the post edited, or uuid.Nil for a new one.
	ID         uuid.UUID
	Form       form
	Categories []board.Category
	// Staff may pin a notice.
	Staff bool
	// Conflict lists what the author had typed in the fields that someone
	// else changed meanwhile; the form shows the current values.
	Conflict []typedField
}

func (v postFormView) PageTitle() string {
	if v.Editing() {
		return "공지사항 수정"
	}
	return "공지사항 쓰기"
}

// Editing reports whether the form edits a post rather than writes one.
func (v postFormView) Editing() bool { return v.ID != uuid.Nil }

// Action is where the form posts.
func (v postFormView) Action() string {
	if v.Editing() {
		return "/board/" + v.ID.String() + "/edit"
	}
	return "/board/new"
}

// renderPostForm shows the post form with f.
func (s *Storefront) renderPostForm(w http.ResponseWriter, r *http.Request, status int, id uuid.UUID, f form) {
	s.render(w, r, status, "post_form", postFormView{ID: id, Form: f, Categories: board.Categories, Staff: actor(r).IsStaff()})
}

// postFailed shows err from the board service after a posted form: a
// visitor, someone not allowed or a post that is gone get their error page,
// anything wrong with the fields the form again.
func (s *Storefront) postFailed(w http.ResponseWriter, r *http.Request, id uuid.UUID, f form, err error) {
	if errors.Is(err, commerce.ErrUnauthenticated) || errors.Is(err, commerce.ErrForbidden) || errors.Is(err, commerce.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	if status := s.failed(w, r, &f, err); status != 0 {
		s.renderPostForm(w, r, status, id, f)
	}
}

// pinned reads the 상단 고정 box of f.
func pinned(f form) bool { return f.Has("pinned", "true") }

// NewPostForm serves GET /board/new: the form to write a notice, for
// staff. The service decides the post itself (CreatePost); this only spares
// others a form they could not send.
func (s *Storefront) NewPostForm(w http.ResponseWriter, r *http.Request) {
	switch a := actor(r); {
	case !a.SignedIn():
		signInFirst(w, r, "")
		return
	case !a.IsStaff():
		s.fail(w, r, board.ErrStaffOnly)
		return
	}
	s.renderPostForm(w, r, http.StatusOK, uuid.Nil, form{Values: url.Values{"category": {string(board.Normal)}}})
}

// CreatePost serves POST /board/new: staff publish a notice, and see it.
func (s *Storefront) CreatePost(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	p, err := s.board.Create(r.Context(), actor(r), board.PostInput{
		Title:    f.Value("title"),
		Category: board.Category(f.Value("category")),
		Body:     f.Value("body"),
		Pinned:   pinned(f),
	})
	if err != nil {
		s.postFailed(w, r, uuid.Nil, f, err)
		return
	}
	redirect(w, r, "/board/"+p.ID.String())
}

// EditPostForm serves GET /board/{id}/edit: the notice's form, for its
// author. UpdatePost's service call decides the change itself.
func (s *Storefront) EditPostForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	a := actor(r)
	if !a.SignedIn() {
		signInFirst(w, r, "")
		return
	}
	p, err := s.board.Post(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Author.ID != a.UserID {
		s.fail(w, r, board.ErrAuthorOnly)
		return
	}
	s.renderPostForm(w, r, http.StatusOK, id, form{Values: postValues(p)})
}

// postValues are the fields of the edit form of p, with the version it
// was read at.
func postValues(p board.Post) url.Values {
	v := url.Values{
		"title": {p.Title}, "category": {string(p.Category)}, "body": {p.Body},
		"version": {strconv.FormatInt(p.Version, 10)},
	}
	if p.Pinned {
		v.Set("pinned", "true")
	}
	return v
}

// UpdatePost serves POST /board/{id}/edit: the author saves the notice, at
// the version the form was read at. The pinned box is only sent on for
// staff, who alone see it: an author who is no longer staff keeps the pin
// as it is.
func (s *Storefront) UpdatePost(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	a := actor(r)
	patch := board.PostPatch{
		Title:    commerce.Some(f.Value("title")),
		Category: commerce.Some(board.Category(f.Value("category"))),
		Body:     commerce.Some(f.Value("body")),
		Version:  formVersion(f),
	}
	if a.IsStaff() {
		patch.Pinned = commerce.Some(pinned(f))
	}
	_, err := s.board.Update(r.Context(), a, id, patch)
	switch {
	case errors.Is(err, board.ErrVersionConflict):
		s.postConflict(w, r, id, f)
		return
	case err != nil:
		s.postFailed(w, r, id, f, err)
		return
	}
	redirect(w, r, "/board/"+id.String())
}

// postConflict shows a notice's form again after someone else changed it
// since the form was read, 409: their values in the form, at their
// version, and what was typed where it differs.
func (s *Storefront) postConflict(w http.ResponseWriter, r *http.Request, id uuid.UUID, typed form) {
	p, err := s.board.Post(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := postFormView{ID: id, Form: form{Values: postValues(p), Message: conflictMessage}, Categories: board.Categories, Staff: actor(r).IsStaff()}
	differs(&v.Conflict, "제목", typed.Value("title"), p.Title)
	label := func(c string) string {
		if l := board.Category(c).Label(); l != "" {
			return l
		}
		return c
	}
	differs(&v.Conflict, "분류", label(typed.Value("category")), label(string(p.Category)))
	differs(&v.Conflict, "내용", typed.Value("body"), p.Body)
	if v.Staff {
		yes := map[bool]string{true: "예", false: "아니오"}
		differs(&v.Conflict, "상단 고정", yes[pinned(typed)], yes[p.Pinned])
	}
	s.render(w, r, http.StatusConflict, "post_form", v)
}

// DeletePost serves POST /board/{id}/delete: its author or staff remove a
// notice, and are back on the board.
func (s *Storefront) DeletePost(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	if err := s.board.Delete(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/board")
}
