package api

import (
	"net/http"
	"strconv"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/board"
)

// ListPosts serves GET /api/posts: page (from 1, default 1) of the notice
// board, optionally of one category — every pinned post, then ten posts
// newest first, numbered counting down from the total. A page past the
// end is empty; page=0 or a page that is not a number is 400.
func (a *API) ListPosts(w http.ResponseWriter, r *http.Request) {
	in := newInput(r)
	page := 1
	if s := in.values.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			in.bad.Add("page", "must be a whole number from 1")
		}
		page = n
	}
	category := board.Category(in.text("category", 32))
	if category != "" && !category.Valid() {
		// Checked here too, so that one answer names both parameters.
		_, err := board.ParseCategory(string(category))
		for field, msg := range commerce.FieldErrors(err) {
			in.bad.Add(field, msg)
		}
	}
	if err := in.err(); err != nil {
		a.Error(w, r, err)
		return
	}
	l, err := a.board.List(r.Context(), page, category)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, boardJSON{
		Pinned: mapOut(l.Pinned, postOut),
		Items:  mapOut(l.Items, postOut),
		Page:   l.Page,
		Pages:  l.Pages,
		Total:  l.Total,
	})
}

// GetPost serves GET /api/posts/{id}: the post, with number null.
func (a *API) GetPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	p, err := a.board.Post(r.Context(), id)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, postOut(p))
}

type postBody struct {
	Title    string `json:"title"`
	Category string `json:"category"`
	Body     string `json:"body"`
	Pinned   bool   `json:"pinned"`
}

type postPatchBody struct {
	Title    commerce.Optional[string] `json:"title"`
	Category commerce.Optional[string] `json:"category"`
	Body     commerce.Optional[string] `json:"body"`
	Pinned   commerce.Optional[bool]   `json:"pinned"`
	// Version, when not 0, makes the edit apply only to that version of
	// the post (else 409).
	Version int64 `json:"version"`
}

// CreatePost serves POST /api/posts: staff publish a notice, pinned or
// not. It answers 201 with the post.
func (a *API) CreatePost(w http.ResponseWriter, r *http.Request) {
	if !a.needStaff(w, r, board.ErrSignInRequired, board.ErrStaffOnly) {
		return
	}
	var in postBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	p, err := a.board.Create(r.Context(), ActorFrom(r.Context()), board.PostInput{
		Title: in.Title, Category: board.Category(in.Category), Body: in.Body, Pinned: in.Pinned,
	})
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.created(w, r, "/api/posts/"+p.ID.String(), postOut(p))
}

// UpdatePost serves PATCH /api/posts/{id}: the fields present change.
// Only the post's author may; pinning or unpinning takes staff too.
// "version" guards against a concurrent edit: a post changed since that
// version is 409, and changes nothing.
func (a *API) UpdatePost(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, board.ErrSignInRequired) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	var in postPatchBody
	if err := a.decodeBody(w, r, &in); err != nil {
		a.bodyError(w, r, err)
		return
	}
	patch := board.PostPatch{Title: in.Title, Body: in.Body, Pinned: in.Pinned, Version: in.Version}
	if in.Category.Set {
		patch.Category = commerce.Some(board.Category(in.Category.Value))
	}
	p, err := a.board.Update(r.Context(), ActorFrom(r.Context()), id, patch)
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, postOut(p))
}

// DeletePost serves DELETE /api/posts/{id}: its author or staff remove a
// post. It answers 204.
func (a *API) DeletePost(w http.ResponseWriter, r *http.Request) {
	if !a.needSignIn(w, r, board.ErrSignInRequired) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		a.Error(w, r, err)
		return
	}
	a.deleted(w, r, a.board.Delete(r.Context(), ActorFrom(r.Context()), id))
}
