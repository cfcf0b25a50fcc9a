package storefront_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestStaffPagesAreForStaff(t *testing.T) {
	s := newShop(t)
	visitor, customer, staff := s.client(), s.client(), s.client()
	customer.signUp("notstaff")
	staff.signInAsStaff()
	if p := visitor.get("/staff"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/accounts/login?next=") {
		t.Errorf("visitor: got %d %q, want a redirect to sign in", p.Status, p.Location)
	}
	if p := customer.get("/staff"); p.Status != http.StatusForbidden {
		t.Errorf("customer: got %d, want 403", p.Status)
	}
	if strings.Contains(customer.get("/").Body, `href="/staff"`) {
		t.Error("a customer's header links the staff pages")
	}
	p := staff.get("/staff")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `href="/staff/products"`) {
		t.Errorf("staff: got %d\n%s", p.Status, p.Body)
	}
	if !strings.Contains(staff.get("/").Body, `href="/staff"`) {
		t.Error("staff's header does not link the staff pages (관리)")
	}
}
