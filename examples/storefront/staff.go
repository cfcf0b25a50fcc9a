package storefront

import (
	"errors"
	"net/http"

	"github.com/impactmuseum/commerce"
)

// The staff pages, under /staff/: the shop run from a browser. Every one
// answers a visitor by sending them to sign in and a customer with the 403
// page (staffOnly); every change is decided again by the service that owns
// it, so a customer who posts a staff form directly gets 403 from the
// service itself.

// staffRoutes are the staff pages and forms, by http.ServeMux pattern.
func (s *Storefront) staffRoutes() map[string]http.HandlerFunc {
	routes := map[string]http.HandlerFunc{
		"GET /staff": s.StaffHome,

		"GET /staff/problems":              s.StaffProblems,
		"GET /staff/problems/new":          s.StaffNewProblem,
		"POST /staff/problems/new":         s.StaffCreateProblem,
		"GET /staff/problems/{id}/edit":    s.StaffEditProblem,
		"POST /staff/problems/{id}/edit":   s.StaffUpdateProblem,
		"POST /staff/problems/{id}/delete": s.StaffDeleteProblem,

		"GET /staff/brands":              s.StaffBrands,
		"GET /staff/brands/new":          s.StaffNewBrand,
		"POST /staff/brands/new":         s.StaffCreateBrand,
		"GET /staff/brands/{id}/edit":    s.StaffEditBrand,
		"POST /staff/brands/{id}/edit":   s.StaffUpdateBrand,
		"POST /staff/brands/{id}/delete": s.StaffDeleteBrand,

		"GET /staff/products":              s.StaffProducts,
		"GET /staff/products/new":          s.StaffNewProduct,
		"POST /staff/products/new":         s.StaffCreateProduct,
		"GET /staff/products/{id}/edit":    s.StaffEditProduct,
		"POST /staff/products/{id}/edit":   s.StaffUpdateProduct,
		"POST /staff/products/{id}/delete": s.StaffDeleteProduct,

		"GET /staff/orders":              s.StaffOrders,
		"GET /staff/orders/{id}":         s.StaffOrder,
		"POST /staff/orders/{id}/status": s.StaffSetOrderStatus,

		"GET /staff/notices":              s.StaffNotices,
		"POST /staff/notices/{id}/pin":    s.StaffPinNotice,
		"POST /staff/notices/{id}/unpin":  s.StaffUnpinNotice,
		"POST /staff/notices/{id}/delete": s.StaffDeleteNotice,

		"GET /staff/users":             s.StaffUsers,
		"POST /staff/users/{id}/staff": s.StaffSetUserStaff,
	}
	// The webhooks' pages exist only beside a webhook service; every one
	// of their answers is no-store, as the JSON API's are: they show
	// endpoint URLs, which may hold a receiver's token, and two of them a
	// signing secret.
	if s.webhooks != nil {
		for pattern, h := range map[string]http.HandlerFunc{
			"GET /staff/webhooks":              s.StaffWebhooks,
			"GET /staff/webhooks/new":          s.StaffNewWebhook,
			"POST /staff/webhooks/new":         s.StaffCreateWebhook,
			"GET /staff/webhooks/{id}":         s.StaffWebhook,
			"GET /staff/webhooks/{id}/edit":    s.StaffEditWebhook,
			"POST /staff/webhooks/{id}/edit":   s.StaffUpdateWebhook,
			"POST /staff/webhooks/{id}/delete": s.StaffDeleteWebhook,
			"POST /staff/webhooks/{id}/secret": s.StaffRotateWebhookSecret,
		} {
			routes[pattern] = noStore(h)
		}
	}
	for pattern, h := range routes {
		routes[pattern] = s.staffOnly(h)
	}
	return routes
}

// staffOnly sends a visitor to sign in and answers a customer with the 403
// page. It decides what a page shows; the services decide every change.
func (s *Storefront) staffOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The engine's one staff check decides; the page only picks how
		// to say no.
		switch err := actor(r).RequireStaff(commerce.ErrUnauthenticated, commerce.ErrForbidden); {
		case err == nil:
			next(w, r)
		case errors.Is(err, commerce.ErrUnauthenticated) && r.Method == http.MethodGet:
			signInFirst(w, r, "")
		case errors.Is(err, commerce.ErrUnauthenticated):
			s.errorPage(w, r, http.StatusUnauthorized, "")
		default:
			s.errorPage(w, r, http.StatusForbidden, "관리 페이지는 쇼핑몰 운영자만 쓸 수 있습니다.")
		}
	}
}

// staffSection is the part of the staff pages a page belongs to, for the
// staff menu: "problems", "brands", "products", "orders", "notices",
// "users", "webhooks". Every staff page's view has a Section field, and
// its template starts with {{template "staffMenu" .Section}}.
type staffSection string

// StaffMenu lists the staff pages, for the menu every staff page shows.
func (staffSection) StaffMenu() []staffMenuItem { return staffMenu }

type staffMenuItem struct {
	Section staffSection
	Path    string
	Label   string
}

// webhooksSection is the section of the webhooks' pages, which exist only
// when the storefront has a webhook service.
const webhooksSection staffSection = "webhooks"

var staffMenu = []staffMenuItem{
	{"problems", "/staff/problems", "사회문제"},
	{"brands", "/staff/brands", "브랜드"},
	{"products", "/staff/products", "상품"},
	{"orders", "/staff/orders", "주문"},
	{"notices", "/staff/notices", "공지사항"},
	{"users", "/staff/users", "회원"},
	{webhooksSection, "/staff/webhooks", "웹훅"},
}

// staffHomeView is the staff home page.
type staffHomeView struct {
	Section staffSection
	Menu    []staffMenuItem
}

func (staffHomeView) PageTitle() string { return "관리" }

// StaffHome serves GET /staff: the staff menu, without 웹훅 when the
// storefront has no webhook service.
func (s *Storefront) StaffHome(w http.ResponseWriter, r *http.Request) {
	menu := make([]staffMenuItem, 0, len(staffMenu))
	for _, m := range staffMenu {
		if m.Section != webhooksSection || s.webhooks != nil {
			menu = append(menu, m)
		}
	}
	s.render(w, r, http.StatusOK, "staff_home", staffHomeView{Menu: menu})
}
