package commerce_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

func TestOptional(t *testing.T) {
	var v struct {
		Name  commerce.Optional[string]     `json:"name"`
		Brand commerce.Optional[*uuid.UUID] `json:"brand_id"`
		Stock commerce.Optional[*int]       `json:"stock"`
	}
	if err := json.Unmarshal([]byte(`{"brand_id": null, "stock": 3}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Name.Set || !v.Brand.Set || v.Brand.Value != nil || !v.Stock.Set || *v.Stock.Value != 3 {
		t.Errorf("got %+v", v)
	}
}

func TestOptionalField(t *testing.T) {
	field := reflect.TypeFor[commerce.OptionalField]()
	for _, tc := range []struct {
		v    any
		want bool
	}{
		{commerce.Optional[string]{}, true},
		{commerce.Some(3), true},
		{commerce.Optional[*uuid.UUID]{}, true},
		{commerce.Optional[[]commerce.Optional[int]]{}, true},
		{struct {
			Value string
			Set   bool
		}{}, false},
		{"", false},
		{commerce.Money{}, false},
	} {
		if got := reflect.TypeOf(tc.v).Implements(field); got != tc.want {
			t.Errorf("%T implements OptionalField: %v, want %v", tc.v, got, tc.want)
		}
	}
}
