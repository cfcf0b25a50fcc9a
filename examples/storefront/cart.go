package storefront

import "net/http"

// Cart is not built yet.
func (s *Storefront) Cart(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// AddToCart is not built yet.
func (s *Storefront) AddToCart(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// SetCartQuantity is not built yet.
func (s *Storefront) SetCartQuantity(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// RemoveFromCart is not built yet.
func (s *Storefront) RemoveFromCart(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// ClearCart is not built yet.
func (s *Storefront) ClearCart(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// CheckoutForm is not built yet.
func (s *Storefront) CheckoutForm(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// Checkout is not built yet.
func (s *Storefront) Checkout(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// Order is not built yet.
func (s *Storefront) Order(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// CancelOrder is not built yet.
func (s *Storefront) CancelOrder(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }
