package storefront

import "net/http"

// Board is not built yet.
func (s *Storefront) Board(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// Post is not built yet.
func (s *Storefront) Post(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// NewPostForm is not built yet.
func (s *Storefront) NewPostForm(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// CreatePost is not built yet.
func (s *Storefront) CreatePost(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// EditPostForm is not built yet.
func (s *Storefront) EditPostForm(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// UpdatePost is not built yet.
func (s *Storefront) UpdatePost(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// DeletePost is not built yet.
func (s *Storefront) DeletePost(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }
