package storefront_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/order"
)

// An order imported from the old shop may lack what a checkout always has:
// a recipient and phone number, a payment method, and the product of a
// line (deleted since). Its pages show what there is, without empty
// separators or links to no product.
func TestImportedOrderPages(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			c := s.client()
			me := c.signUp("history")
			jam := s.product(s.productNames(t)[0])
			placed := time.Date(2022, 3, 29, 19, 4, 5, 0, time.FixedZone("KST", 9*60*60))
			o := order.Order{
				ID: commerce.ImportedID(placed, "products_order:1"), UserID: me.ID, Status: order.Delivered,
				Lines: []order.Line{
					{ProductID: jam.ID, Name: jam.Name, UnitPrice: jam.Price, Quantity: 1},
					{Name: "단종된 머그컵", UnitPrice: commerce.MustMoney("8000", "KRW"), Quantity: 2},
				},
				Address:  order.Address{Line1: "서울특별시 종로구 자하문로 1", Zipcode: "03045"},
				PlacedAt: placed,
			}
			results, err := s.Orders.ImportOrders(context.Background(), []order.Order{o})
			if err != nil || results[0].Outcome != commerce.ImportCreated {
				t.Fatalf("ImportOrders: %v, %v", results, err)
			}
			staff := s.client()
			staff.signInAsStaff()
			for _, p := range []page{c.get("/orders/" + o.ID.String()), staff.get("/staff/orders/" + o.ID.String())} {
				if p.Status != http.StatusOK {
					t.Fatalf("an imported order's page: %d\n%s", p.Status, p.Body)
				}
				for _, want := range []string{"단종된 머그컵", "/products/" + jam.ID.String(), "자하문로 1", "20220329-36245000", "기록 없음"} {
					if !strings.Contains(p.Body, want) {
						t.Errorf("the page lacks %q", want)
					}
				}
				if strings.Contains(p.Body, "/products/"+uuid.Nil.String()) {
					t.Error("the page links to no product")
				}
				_, addr, _ := strings.Cut(p.Body, `<address class="panel">`)
				addr, _, _ = strings.Cut(addr, "</address>")
				if addr = strings.TrimSpace(addr); strings.HasPrefix(addr, "·") || strings.Contains(addr, "· <br>") {
					t.Errorf("the address shows an empty recipient or phone number:\n%s", addr)
				}
			}
			if p := c.get("/mypage"); p.Status != http.StatusOK || !strings.Contains(p.Body, "/orders/"+o.ID.String()) {
				t.Errorf("my page: %d; want the imported order listed", p.Status)
			}
			if p := staff.get("/staff/orders"); p.Status != http.StatusOK || !strings.Contains(p.Body, "/staff/orders/"+o.ID.String()) {
				t.Errorf("staff's orders: %d; want the imported order listed", p.Status)
			}
		})
	}
}

// productNames returns the names of the shop's newest products.
func (s *shop) productNames(t *testing.T) []string {
	t.Helper()
	ps, err := s.Catalog.Newest(context.Background())
	if err != nil || len(ps) == 0 {
		t.Fatalf("Newest: %d products, %v", len(ps), err)
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}
