package storefront

import "net/http"

// StaffProblems is not built yet.
func (s *Storefront) StaffProblems(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffNewProblem is not built yet.
func (s *Storefront) StaffNewProblem(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffCreateProblem is not built yet.
func (s *Storefront) StaffCreateProblem(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffEditProblem is not built yet.
func (s *Storefront) StaffEditProblem(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffUpdateProblem is not built yet.
func (s *Storefront) StaffUpdateProblem(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffDeleteProblem is not built yet.
func (s *Storefront) StaffDeleteProblem(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffBrands is not built yet.
func (s *Storefront) StaffBrands(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffNewBrand is not built yet.
func (s *Storefront) StaffNewBrand(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffCreateBrand is not built yet.
func (s *Storefront) StaffCreateBrand(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffEditBrand is not built yet.
func (s *Storefront) StaffEditBrand(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffUpdateBrand is not built yet.
func (s *Storefront) StaffUpdateBrand(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffDeleteBrand is not built yet.
func (s *Storefront) StaffDeleteBrand(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffProducts is not built yet.
func (s *Storefront) StaffProducts(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffNewProduct is not built yet.
func (s *Storefront) StaffNewProduct(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffCreateProduct is not built yet.
func (s *Storefront) StaffCreateProduct(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffEditProduct is not built yet.
func (s *Storefront) StaffEditProduct(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffUpdateProduct is not built yet.
func (s *Storefront) StaffUpdateProduct(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }

// StaffDeleteProduct is not built yet.
func (s *Storefront) StaffDeleteProduct(w http.ResponseWriter, r *http.Request) { s.NotFound(w, r) }
