package storefront

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// form is a submitted form as its page shows it back: what was typed, and
// what was wrong with it, field by field and as a whole.
type form struct {
	Values url.Values
	// Errors are Korean messages by field name.
	Errors map[string]string
	// Message is a Korean sentence about the form as a whole.
	Message string
}

// Value returns what was typed in the field name.
func (f form) Value(name string) string { return f.Values.Get(name) }

// Has reports whether value is among the values of name (a checked box).
func (f form) Has(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Error returns the message of the field name, or "".
func (f form) Error(name string) string { return f.Errors[name] }

// Failed reports whether the form has any error to show.
func (f form) Failed() bool { return len(f.Errors) > 0 || f.Message != "" }

// readForm parses the posted form of r, at most Options.MaxFormBytes.
func (s *Storefront) readForm(w http.ResponseWriter, r *http.Request) (form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.maxForm)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return form{}, err
		}
		return form{}, commerce.Invalid("form", "malformed form")
	}
	return form{Values: r.PostForm}, nil
}

// postedForm reads the form of r, or answers the error page and returns
// false.
func (s *Storefront) postedForm(w http.ResponseWriter, r *http.Request) (form, bool) {
	f, err := s.readForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return form{}, false
	}
	return f, true
}

// failed records err on f for its page to show again, and returns the
// status of that page: 422 for invalid input, the kind's status for the
// rest. It returns 0 after answering the error page itself, for an error
// that is not the form's (a service that is down).
func (s *Storefront) failed(w http.ResponseWriter, r *http.Request, f *form, err error) int {
	status := statusOf(err)
	if status >= 500 {
		s.fail(w, r, err)
		return 0
	}
	f.Errors = fieldErrors(err)
	switch {
	case status == http.StatusTooManyRequests:
		f.Message = waitMessage(err)
	case len(f.Errors) == 0 || knownError(err):
		f.Message = describe(err)
		if f.Message == "" {
			f.Message = errorTitles[status].Message
		}
	}
	if status == http.StatusBadRequest {
		status = http.StatusUnprocessableEntity
	}
	return status
}

// knownError reports whether err has a sentence of its own (known).
func knownError(err error) bool {
	for _, k := range known {
		if errors.Is(err, k.err) {
			return true
		}
	}
	return false
}

// formID parses the field name of f as an id: "" gives uuid.Nil, and a
// malformed one is added to bad.
func formID(bad *commerce.ValidationError, f form, name string) uuid.UUID {
	v := strings.TrimSpace(f.Value(name))
	if v == "" {
		return uuid.Nil
	}
	id, err := commerce.ParseID(v)
	if err != nil {
		bad.Add(name, "must be a UUID")
	}
	return id
}

// quantity parses a quantity typed in a form or a query; a missing one is
// def, anything that is not a whole number is added to bad. The services
// check the range.
func quantity(bad *commerce.ValidationError, field, v string, def int) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		if len(v) > 0 && strings.Trim(v, "0123456789") == "" {
			// A number too large for an int: out of range all the same.
			return 1 << 30
		}
		bad.Add(field, "must be a whole number")
		return 0
	}
	return n
}
