package commerce_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

func TestCursor(t *testing.T) {
	id := commerce.NewID()
	got, err := commerce.DecodeCursor(commerce.EncodeCursor(id))
	if err != nil || got != id {
		t.Errorf("round trip: %v, %v; want %v", got, err, id)
	}
	if got, err := commerce.DecodeCursor(""); err != nil || got != uuid.Nil {
		t.Errorf("empty cursor: %v, %v", got, err)
	}
	for _, bad := range []string{"x", "!!!!", "AQ", commerce.EncodeCursor(id)[1:], "AgAAAAAAAAAAAAAAAAAAAAAA", "AQAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, err := commerce.DecodeCursor(bad); !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("DecodeCursor(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCheckLimit(t *testing.T) {
	for in, want := range map[int]int{0: 20, 1: 1, 100: 100} {
		if got, err := commerce.CheckLimit(in); err != nil || got != want {
			t.Errorf("CheckLimit(%d) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []int{-1, 101, 1 << 40} {
		if _, err := commerce.CheckLimit(in); !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("CheckLimit(%d): %v, want ErrInvalid", in, err)
		}
	}
}

func TestPageOf(t *testing.T) {
	ids := []uuid.UUID{commerce.NewID(), commerce.NewID(), commerce.NewID()}
	self := func(id uuid.UUID) uuid.UUID { return id }
	if p := commerce.PageOf(ids, 3, self); p.NextCursor != "" || len(p.Items) != 3 {
		t.Errorf("exactly limit items: %d items, cursor %q", len(p.Items), p.NextCursor)
	}
	p := commerce.PageOf(ids, 2, self)
	if len(p.Items) != 2 {
		t.Fatalf("limit+1 items: %d items", len(p.Items))
	}
	if last, _ := commerce.DecodeCursor(p.NextCursor); last != ids[1] {
		t.Errorf("cursor names %v, want the last item %v", last, ids[1])
	}
}

func TestIDs(t *testing.T) {
	prev := commerce.NewID()
	for range 1000 {
		id := commerce.NewID()
		if id.Version() != 7 || id.String() <= prev.String() {
			t.Fatalf("NewID: %v after %v; want increasing UUIDv7", id, prev)
		}
		prev = id
	}
	gen := commerce.SequentialIDs(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	a, b := gen(), gen()
	if a.Version() != 7 || b.String() <= a.String() {
		t.Errorf("SequentialIDs: %v then %v", a, b)
	}
	if _, err := commerce.ParseID(a.String()); err != nil {
		t.Errorf("ParseID: %v", err)
	}
	for _, bad := range []string{"", "xyz", "0190f3c28d7a7b2e9c415a6d3e2f1b0c", "{" + a.String() + "}"} {
		if _, err := commerce.ParseID(bad); !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("ParseID(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestClock(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	c := commerce.Clock(func() time.Time { return time.Date(2026, 11, 25, 18, 0, 0, 123456789, seoul) })
	got := c.Now()
	if got.Location() != time.UTC || got.Nanosecond() != 123456000 || got.Hour() != 9 {
		t.Errorf("Clock.Now() = %v, want UTC at microsecond precision", got)
	}
}
