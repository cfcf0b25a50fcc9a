package storefront

import "net/http"

// SignUpForm is not built yet.
func (s *Storefront) SignUpForm(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// SignUp is not built yet.
func (s *Storefront) SignUp(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// SignInForm is not built yet.
func (s *Storefront) SignInForm(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// SignIn is not built yet.
func (s *Storefront) SignIn(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// SignOut is not built yet.
func (s *Storefront) SignOut(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// MyPage is not built yet.
func (s *Storefront) MyPage(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// UpdateProfile is not built yet.
func (s *Storefront) UpdateProfile(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// ChangePassword is not built yet.
func (s *Storefront) ChangePassword(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// AddAddress is not built yet.
func (s *Storefront) AddAddress(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// DeleteAddress is not built yet.
func (s *Storefront) DeleteAddress(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }
