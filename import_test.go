package commerce_test

import (
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
)

func TestImportedID(t *testing.T) {
	at := time.Date(2022, 3, 29, 10, 4, 5, 123456000, time.UTC)
	a := commerce.ImportedID(at, "products_product:1")
	if a != commerce.ImportedID(at.In(time.FixedZone("KST", 9*3600)), "products_product:1") {
		t.Error("the same record gets two ids")
	}
	if a.Version() != 7 || a.Variant().String() != "RFC4122" {
		t.Errorf("%s: version %d, variant %s; want a UUIDv7", a, a.Version(), a.Variant())
	}
	if sec, nsec := a.Time().UnixTime(); time.Unix(sec, nsec).UnixMilli() != at.UnixMilli() {
		t.Errorf("%s carries time %v; want %v", a, time.Unix(sec, nsec).UTC(), at)
	}
	if b := commerce.ImportedID(at, "products_product:2"); a == b {
		t.Error("two records made in the same microsecond share an id")
	}
	// Later records sort after earlier ones, to the microsecond.
	prev := commerce.ImportedID(at, "x:9")
	for i := 1; i < 2000; i++ {
		id := commerce.ImportedID(at.Add(time.Duration(i)*time.Microsecond), "x:1")
		if string(id[:]) <= string(prev[:]) {
			t.Fatalf("%d µs later: %s does not sort after %s", i, id, prev)
		}
		prev = id
	}
}

func TestImportOutcomeString(t *testing.T) {
	for o, want := range map[commerce.ImportOutcome]string{
		commerce.ImportCreated: "created", commerce.ImportUpdated: "updated",
		commerce.ImportUnchanged: "unchanged", commerce.ImportSkipped: "skipped", commerce.ImportKept: "kept",
		0: "unknown",
	} {
		if o.String() != want {
			t.Errorf("%d: %q; want %q", o, o.String(), want)
		}
	}
}
