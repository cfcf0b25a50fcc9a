package commerce

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
)

// The error kinds. Every error returned by the engine wraps exactly one of
// them; test with errors.Is.
var (
	// ErrNotFound means the thing asked for does not exist (or the caller
	// may not know that it exists).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request is well-formed but clashes with the
	// current state: a duplicate, a stale version, a rule about references.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input is wrong. A *ValidationError says which
	// fields.
	ErrInvalid = errors.New("invalid input")
	// ErrUnauthenticated means the caller must sign in first.
	ErrUnauthenticated = errors.New("not signed in")
	// ErrForbidden means the caller is known but not allowed.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable means a backing service did not answer, or the
	// caller's context ended first (the error then also wraps
	// context.Canceled or context.DeadlineExceeded); the request may
	// succeed later.
	ErrUnavailable = errors.New("unavailable")
	// ErrTooManyRequests means the caller must wait before trying again;
	// RetryAfter tells how long.
	ErrTooManyRequests = errors.New("too many attempts")
)

// RetryAfter returns how long a caller should wait before retrying after
// err, if err (or an error it wraps) says so.
func RetryAfter(err error) (time.Duration, bool) {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter(), true
	}
	return 0, false
}

// ValidationError reports every failing field of an input at once, as field
// → message pairs, so that a client can point at each. Field names are the
// snake_case names of the JSON API. It wraps ErrInvalid.
type ValidationError struct {
	Fields map[string]string
}

// Add records a problem with field. The first message recorded for a field
// wins, so checks should run from the most basic to the most specific.
func (e *ValidationError) Add(field, message string) {
	if e.Fields == nil {
		e.Fields = make(map[string]string)
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = message
	}
}

// Has reports whether a problem was recorded for field.
func (e *ValidationError) Has(field string) bool {
	_, ok := e.Fields[field]
	return ok
}

// Err returns e if it holds at least one problem and nil otherwise, so a
// validator can end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Error lists the fields in name order: "invalid input: name: required; price: must not be negative".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalid.Error())
	for i, f := range slices.Sorted(maps.Keys(e.Fields)) {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f)
		b.WriteString(": ")
		b.WriteString(e.Fields[f])
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// FieldErrors returns the field → message pairs that err carries — those of
// a *ValidationError, or of any error with a FieldErrors method, such as a
// conflict that names the duplicate fields — or nil.
func FieldErrors(err error) map[string]string {
	var f interface{ FieldErrors() map[string]string }
	if errors.As(err, &f) {
		return f.FieldErrors()
	}
	return nil
}

// FieldErrors returns e.Fields.
func (e *ValidationError) FieldErrors() map[string]string { return e.Fields }

// Invalid returns a ValidationError for a single field.
func Invalid(field, message string) *ValidationError {
	return &ValidationError{Fields: map[string]string{field: message}}
}
