package order

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
)

// The address's texts follow the engine's one text rule
// (commerce.ValidationError.Text): cleaned, and refused when empty where
// required, not UTF-8, too long or holding control characters.
func TestAddressText(t *testing.T) {
	ok := AddressInput{Recipient: "김민준", Phone: "010-1234-5678", Line1: "서울특별시 중구 세종대로 110", Zipcode: "04524"}
	for _, tc := range []struct {
		what string
		edit func(*AddressInput)
		want map[string]string
	}{
		{"valid", func(*AddressInput) {}, nil},
		{"required", func(in *AddressInput) { in.Recipient, in.Line1 = " ", "" },
			map[string]string{"x.recipient": "required", "x.line1": "required"}},
		{"not UTF-8", func(in *AddressInput) { in.Recipient, in.Note = "김\xff", "\x80\x81" },
			map[string]string{"x.recipient": "must be valid UTF-8", "x.note": "must be valid UTF-8"}},
		{"too long", func(in *AddressInput) { in.City = strings.Repeat("가", maxCityLen+1) },
			map[string]string{"x.city": fmt.Sprintf("must be at most %d characters", maxCityLen)}},
		{"control characters", func(in *AddressInput) { in.Line2 = "101동\n202호" },
			map[string]string{"x.line2": "must not contain control characters"}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			in := ok
			tc.edit(&in)
			_, err := (&Service{}).address(in, "x.", true)
			if got := commerce.FieldErrors(err); !maps.Equal(got, tc.want) {
				t.Errorf("address: %v, want %v", got, tc.want)
			}
		})
	}
	a, err := (&Service{}).address(AddressInput{Recipient: " 김민준 ", Phone: " 010-1234-5678 ", Line1: "세종대로", Zipcode: "04524"}, "", true)
	if err != nil || a.Recipient != "김민준" || a.Phone != "010-1234-5678" {
		t.Errorf("address = %+v, %v; want trimmed fields", a, err)
	}
}
