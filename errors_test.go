package commerce_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/impactmuseum/commerce"
)

func TestValidationError(t *testing.T) {
	var v commerce.ValidationError
	if v.Err() != nil {
		t.Fatal("an empty ValidationError is an error")
	}
	v.Add("price", "must not be negative")
	v.Add("name", "required")
	v.Add("name", "too long") // the first message for a field wins
	err := v.Err()
	if !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("%v does not wrap ErrInvalid", err)
	}
	if got, want := err.Error(), "invalid input: name: required; price: must not be negative"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("catalog: %w", err)
	var got *commerce.ValidationError
	if !errors.As(wrapped, &got) || !got.Has("price") || got.Has("stock") {
		t.Errorf("errors.As through wrapping: %v", got)
	}
}

func ExampleValidationError() {
	var v commerce.ValidationError
	v.Add("email", "required")
	v.Add("password", "at least 8 characters")
	err := v.Err()
	fmt.Println(errors.Is(err, commerce.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// invalid input: email: required; password: at least 8 characters
}
