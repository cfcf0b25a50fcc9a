package storefront

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/examples/internal/web"
)

// Suggest serves GET /search/suggest?q=: the brand and product names that
// the header's search box offers as a shopper types (assets/shop.js), in
// the JSON of the API's GET /api/search/suggest (package web writes both),
// so that the shop needs no API mounted beside it. A blank q has none. A
// q that search refuses is a 400 problem document whose detail says why
// in Korean.
func (s *Storefront) Suggest(w http.ResponseWriter, r *http.Request) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.failJSON(w, r, fmt.Errorf("storefront: malformed query string: %w", commerce.ErrInvalid))
		return
	}
	list, err := s.cat.Suggest(r.Context(), values.Get("q"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	web.WriteSuggestions(w, list)
}

// problemJSON is an RFC 9457 problem document, for a script's request.
type problemJSON struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Detail is a Korean sentence that a page may show.
	Detail string `json:"detail"`
}

// failJSON answers err as a problem document with the status of the
// error page fail would show; 5xx causes go to the log, never to the
// answer.
func (s *Storefront) failJSON(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	v, ok := errorTitles[status]
	if !ok {
		v = errorTitles[http.StatusBadRequest]
	}
	doc := problemJSON{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: v.Message}
	switch status {
	case http.StatusBadRequest:
		if q := commerce.FieldErrors(err)["q"]; q != "" {
			doc.Detail = "검색어는 " + translate(q)
		}
	case http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		s.log.WarnContext(r.Context(), "unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
	}
	body, _ := json.Marshal(doc) // strings and an int always encode
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) // an error means the client is gone
}
