package api

import (
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// Optional has the shape and name of commerce.Optional but is not one.
type Optional[T any] struct {
	Value T
	Set   bool
}

func TestDescribeOptional(t *testing.T) {
	for _, tc := range []struct {
		t    reflect.Type
		want string
	}{
		{reflect.TypeFor[commerce.Optional[string]](), "a string"},
		{reflect.TypeFor[commerce.Optional[bool]](), "true or false"},
		{reflect.TypeFor[commerce.Optional[int]](), "a whole number in range"},
		{reflect.TypeFor[commerce.Optional[*uuid.UUID]](), "a UUID string or null"},
		{reflect.TypeFor[commerce.Optional[[]string]](), "a list of strings"},
		{reflect.TypeFor[commerce.Optional[commerce.Money]](), describe(reflect.TypeFor[commerce.Money]())},
		{reflect.TypeFor[*commerce.Optional[string]](), "a string or null"},
		{reflect.TypeFor[Optional[string]](), "of another type"},
	} {
		if got := describe(tc.t); got != tc.want {
			t.Errorf("describe(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}
