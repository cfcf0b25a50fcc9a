package storefront

import "net/http"

// StaffOrders is not built yet.
func (s *Storefront) StaffOrders(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffOrder is not built yet.
func (s *Storefront) StaffOrder(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffSetOrderStatus is not built yet.
func (s *Storefront) StaffSetOrderStatus(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffNotices is not built yet.
func (s *Storefront) StaffNotices(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffPinNotice is not built yet.
func (s *Storefront) StaffPinNotice(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffUnpinNotice is not built yet.
func (s *Storefront) StaffUnpinNotice(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffDeleteNotice is not built yet.
func (s *Storefront) StaffDeleteNotice(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffUsers is not built yet.
func (s *Storefront) StaffUsers(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffSetUserStaff is not built yet.
func (s *Storefront) StaffSetUserStaff(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }
