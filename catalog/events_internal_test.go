package catalog

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// sameJSON fails t unless got is the JSON of want, byte for byte once want
// is compacted: the field names, their order and every value.
func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var w bytes.Buffer
	if err := json.Compact(&w, []byte(want)); err != nil {
		t.Fatalf("%s: the golden JSON is not JSON: %v", what, err)
	}
	if !bytes.Equal(got, w.Bytes()) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, w.Bytes())
	}
}

var (
	jamID   = uuid.MustParse("01956a3e-1c00-7000-8000-000000000001")
	farmID  = uuid.MustParse("01956a3e-1c00-7000-8000-000000000002")
	created = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	edited  = time.Date(2026, 3, 2, 10, 30, 0, 500000000, time.UTC)
)

func jam(stock *int) Product {
	return Product{
		ID: jamID, Name: "유기농 사과잼", Description: "국산 사과로 만든 잼\n설탕 30% 줄임",
		Price: commerce.MustMoney("12000", "KRW"), Brand: &BrandRef{ID: farmID},
		Images:    []string{"https://cdn.example.kr/jam.jpg", "/media/jam-2.webp"},
		Stock:     stock,
		CreatedAt: created, UpdatedAt: edited, Version: 3,
	}
}

func intPtr(n int) *int { return &n }

func TestProductCreatedEvent(t *testing.T) {
	ev := productCreatedEvent(jam(intPtr(30)), "사과나무농장")
	if EventProductCreated != "product.created" || ev.Type != EventProductCreated || ev.AggregateID != jamID || ev.Version != 3 || !ev.Time.Equal(created) {
		t.Errorf("event %s about %s at version %d, %v", ev.Type, ev.AggregateID, ev.Version, ev.Time)
	}
	if ev.ID.Version() != 7 {
		t.Errorf("event id %s is not a UUIDv7", ev.ID)
	}
	sameJSON(t, "product.created", ev.Data, `{
		"id": "01956a3e-1c00-7000-8000-000000000001",
		"name": "유기농 사과잼",
		"description": "국산 사과로 만든 잼\n설탕 30% 줄임",
		"price": {"amount": "12000", "currency": "KRW"},
		"brand": {"id": "01956a3e-1c00-7000-8000-000000000002", "name": "사과나무농장"},
		"images": ["https://cdn.example.kr/jam.jpg", "/media/jam-2.webp"],
		"stock": 30,
		"version": 3,
		"created_at": "2026-03-01T09:00:00Z",
		"updated_at": "2026-03-02T10:30:00.5Z"
	}`)
	var back ProductData
	if err := json.Unmarshal(ev.Data, &back); err != nil || back.Brand == nil || back.Brand.Name != "사과나무농장" || *back.Stock != 30 || !back.Price.Equal(commerce.MustMoney("12000", "KRW")) {
		t.Errorf("read back: %+v, %v", back, err)
	}
}

func TestProductDataWithoutBrandStockOrImages(t *testing.T) {
	p := jam(nil)
	p.Brand, p.Images, p.Description = nil, nil, ""
	p.CreatedAt = time.Date(2026, 3, 1, 18, 0, 0, 0, time.FixedZone("KST", 9*3600))
	p.UpdatedAt = p.CreatedAt
	ev := productCreatedEvent(p, "무시되는 이름")
	sameJSON(t, "product.created", ev.Data, `{
		"id": "01956a3e-1c00-7000-8000-000000000001",
		"name": "유기농 사과잼",
		"description": "",
		"price": {"amount": "12000", "currency": "KRW"},
		"brand": null,
		"images": [],
		"stock": null,
		"version": 3,
		"created_at": "2026-03-01T09:00:00Z",
		"updated_at": "2026-03-01T09:00:00Z"
	}`)
}

func TestProductUpdatedEvents(t *testing.T) {
	for _, c := range []struct {
		name      string
		cur, next *int
		soldOut   bool
	}{
		{"stock taken to 0", intPtr(5), intPtr(0), true},
		{"stock tracked from 0", nil, intPtr(0), true},
		{"stock left at 0", intPtr(0), intPtr(0), false},
		{"stock given back", intPtr(0), intPtr(10), false},
		{"stock lowered", intPtr(10), intPtr(1), false},
		{"stock no longer tracked", intPtr(0), nil, false},
	} {
		cur, next := jam(c.cur), jam(c.next)
		next.Version, next.Name = 4, "유기농 사과잼 (대용량)"
		evs := productUpdatedEvents(cur, next, "사과나무농장")
		if want := map[bool]int{false: 1, true: 2}[c.soldOut]; len(evs) != want {
			t.Fatalf("%s: %d events, want %d", c.name, len(evs), want)
		}
		up := evs[0]
		if up.Type != "product.updated" || up.AggregateID != jamID || up.Version != 4 || !up.Time.Equal(edited) {
			t.Errorf("%s: event %s about %s at version %d, %v", c.name, up.Type, up.AggregateID, up.Version, up.Time)
		}
		var d ProductData
		if err := json.Unmarshal(up.Data, &d); err != nil || d.Name != "유기농 사과잼 (대용량)" || d.Version != 4 || (d.Stock == nil) != (c.next == nil) {
			t.Errorf("%s: product.updated data %s, %v", c.name, up.Data, err)
		}
		if !c.soldOut {
			continue
		}
		out := evs[1]
		if out.Type != "product.out_of_stock" || out.AggregateID != jamID || out.Version != 4 || !out.Time.Equal(edited) {
			t.Errorf("%s: event %s about %s at version %d, %v", c.name, out.Type, out.AggregateID, out.Version, out.Time)
		}
		sameJSON(t, c.name, out.Data, `{"id": "01956a3e-1c00-7000-8000-000000000001", "name": "유기농 사과잼 (대용량)", "version": 4}`)
	}
}

func TestProductDeletedEvent(t *testing.T) {
	at := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	ev := productDeletedEvent(jam(nil), at)
	if ev.Type != "product.deleted" || ev.AggregateID != jamID || ev.Version != 4 || !ev.Time.Equal(at) {
		t.Errorf("event %s about %s at version %d, %v", ev.Type, ev.AggregateID, ev.Version, ev.Time)
	}
	sameJSON(t, "product.deleted", ev.Data, `{"id": "01956a3e-1c00-7000-8000-000000000001", "name": "유기농 사과잼"}`)
}

func TestProductOutOfStockEvent(t *testing.T) {
	at := time.Date(2026, 3, 3, 8, 0, 0, 123456789, time.UTC)
	p := jam(intPtr(0))
	p.Version = 9
	ev := ProductOutOfStockEvent(p, at)
	if ev.Type != "product.out_of_stock" || ev.AggregateID != jamID || ev.Version != 9 || !ev.Time.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("event %s about %s at version %d, %v", ev.Type, ev.AggregateID, ev.Version, ev.Time)
	}
	sameJSON(t, "product.out_of_stock", ev.Data, `{"id": "01956a3e-1c00-7000-8000-000000000001", "name": "유기농 사과잼", "version": 9}`)
}
