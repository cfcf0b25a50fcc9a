package commerce

import "encoding/json"

// Optional is one field of a partial update: the field changes only when
// Set is true. Decoded from JSON, a field that is present sets Set, even
// when it is null, so that "brand_id": null can remove a brand while a
// missing "brand_id" leaves it alone.
type Optional[T any] struct {
	Value T
	Set   bool
}

// Some returns an Optional that sets the field to v.
func Some[T any](v T) Optional[T] { return Optional[T]{Value: v, Set: true} }

// UnmarshalJSON decodes the value and marks the field as set.
func (o *Optional[T]) UnmarshalJSON(data []byte) error {
	o.Set = true
	return json.Unmarshal(data, &o.Value)
}

// OptionalField is implemented by every Optional, whatever its T, and by
// nothing else (its method is unexported). Code that handles fields of any
// type, such as a JSON decoder that says what a field takes, asks for it
// to tell an Optional, and then finds the field's own type in Value:
//
//	if t.Kind() == reflect.Struct && t.Implements(reflect.TypeFor[commerce.OptionalField]()) {
//		f, _ := t.FieldByName("Value")
//		…
//	}
type OptionalField interface{ optional() }

func (Optional[T]) optional() {}
