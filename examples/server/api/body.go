package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// decodeBody reads the request's JSON body into dst, a pointer to a struct
// whose fields carry json tags. The errors are for Error or bodyError:
//
//   - a Content-Type other than application/json (UTF-8): 415
//   - a body over Options.MaxBodyBytes: 413
//   - a body that is not one JSON object, holds a field that dst does not
//     have, or a value of the wrong JSON type: 400, with "errors" naming
//     each such field
//   - a value of the right type that its own decoder refuses (money with
//     an unknown currency, say): a *commerce.ValidationError naming the
//     field, 422 through bodyError
//
// Fields are matched by their exact json names; absent fields keep their
// zero value (commerce.Optional fields stay unset) and null sets the zero
// value (an Optional field is then set).
func (a *API) decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := checkContentType(r); err != nil {
		return err
	}
	tooLarge := &httpError{status: http.StatusRequestEntityTooLarge,
		detail: fmt.Sprintf("the body is larger than %d bytes", a.maxBody)}
	if r.ContentLength > a.maxBody {
		return tooLarge
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, a.maxBody)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tooLarge
		}
		return &httpError{status: http.StatusBadRequest, detail: "the body could not be read: " + err.Error()}
	}
	body := bytes.TrimSpace(buf.Bytes())
	if !utf8.Valid(body) {
		return &httpError{status: http.StatusBadRequest, detail: "the body must be UTF-8"}
	}
	if len(body) == 0 || body[0] != '{' {
		return &httpError{status: http.StatusBadRequest, detail: "the body must be a JSON object"}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		detail := "malformed JSON"
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			detail = fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
		}
		return &httpError{status: http.StatusBadRequest, detail: detail}
	}

	v := reflect.ValueOf(dst).Elem()
	fieldIndex := jsonFields(v.Type())
	wrong := map[string]string{}
	var invalid commerce.ValidationError
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		i, ok := fieldIndex[name]
		if !ok {
			wrong[name] = "unknown field"
			continue
		}
		f := v.Field(i)
		err := json.Unmarshal(raw[name], f.Addr().Interface())
		switch {
		case err == nil:
		case errors.Is(err, commerce.ErrInvalid):
			invalid.Add(name, strings.TrimPrefix(err.Error(), "commerce: "))
		default:
			wrong[name] = "must be " + describe(f.Type())
		}
	}
	if len(wrong) > 0 {
		return &httpError{
			status: http.StatusBadRequest,
			detail: "the body does not fit this route: " + strings.Join(slices.Sorted(maps.Keys(wrong)), ", ") + "; see errors",
			fields: wrong,
		}
	}
	return invalid.Err()
}

// checkContentType accepts application/json, with no charset or UTF-8.
func checkContentType(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == "application/json" {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return &httpError{status: http.StatusUnsupportedMediaType,
		detail: "send the body as Content-Type: application/json (UTF-8)"}
}

// jsonFields maps the json names of t's fields to their indexes.
func jsonFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

var (
	moneyType    = reflect.TypeFor[commerce.Money]()
	uuidType     = reflect.TypeFor[uuid.UUID]()
	optionalType = reflect.TypeFor[commerce.OptionalField]()
)

// shaped is a body type that says itself what JSON it takes.
type shaped interface{ jsonShape() string }

var shapedType = reflect.TypeFor[shaped]()

// describe says what JSON a field of type t takes, for "must be …".
func describe(t reflect.Type) string {
	switch {
	case t.Kind() != reflect.Pointer && t.Implements(shapedType):
		return reflect.Zero(t).Interface().(shaped).jsonShape()
	case t == moneyType:
		return `money such as {"amount": "15000", "currency": "KRW"}`
	case t == uuidType:
		return "a UUID string"
	case t.Kind() == reflect.Struct && t.Implements(optionalType):
		value, _ := t.FieldByName("Value")
		return describe(value.Type)
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Pointer:
		return describe(t.Elem()) + " or null"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(describe(t.Elem()), "a "), "an ") + "s"
	}
	return "of another type"
}

// parseIDs parses ids from a body. A malformed one becomes uuid.Nil, which
// the account service refuses with the other fields ("must be problem
// ids"), so that one answer names every failing field.
func parseIDs(ss []string) []uuid.UUID {
	ids := make([]uuid.UUID, len(ss))
	for i, s := range ss {
		ids[i], _ = commerce.ParseID(s)
	}
	return ids
}

// parseOptionalID parses an id from a body into bad: "" (or null) is
// uuid.Nil, for "none".
func parseOptionalID(bad *commerce.ValidationError, field, s string) uuid.UUID {
	if s == "" {
		return uuid.Nil
	}
	id, err := commerce.ParseID(s)
	if err != nil {
		bad.Add(field, uuidMessage)
	}
	return id
}
