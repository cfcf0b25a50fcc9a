package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/catalog"
)

// SuggestMaxAge is how long, in seconds, a browser or a shared cache may
// keep an answer of WriteSuggestions: names change seldom, and a
// suggestion a minute old still leads to its page.
const SuggestMaxAge = 60

// Suggestion is one name a search box offers, as the JSON API's
// GET /api/search/suggest and the storefront's GET /search/suggest both
// send it.
type Suggestion struct {
	// Kind is "brand" or "product".
	Kind string    `json:"kind"`
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// Suggestions is the body of a suggestions answer:
// {"suggestions": [{"kind", "id", "name"}…]}, never null.
type Suggestions struct {
	Suggestions []Suggestion `json:"suggestions"`
}

// SuggestionsOf returns the answer of list, in its order.
func SuggestionsOf(list []catalog.Suggestion) Suggestions {
	out := Suggestions{Suggestions: make([]Suggestion, 0, len(list))}
	for _, s := range list {
		out.Suggestions = append(out.Suggestions, Suggestion{Kind: s.Kind, ID: s.ID, Name: s.Name})
	}
	return out
}

// WriteSuggestions answers 200 with list as JSON, cacheable for
// SuggestMaxAge seconds. The answer depends on no one's identity, so any
// cache may keep it, unless it sets a cookie (a dead session cookie
// cleared on the way): then only the browser may.
func WriteSuggestions(w http.ResponseWriter, list []catalog.Suggestion) {
	body, err := json.Marshal(SuggestionsOf(list))
	if err != nil {
		// A struct of strings and ids always encodes.
		panic("web: encoding suggestions: " + err.Error())
	}
	body = append(body, '\n')
	h := w.Header()
	scope := "public"
	if len(h.Values("Set-Cookie")) > 0 {
		scope = "private"
	}
	h.Set("Cache-Control", scope+", max-age="+strconv.Itoa(SuggestMaxAge))
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body) // an error means the client is gone
}
