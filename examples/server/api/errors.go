package api

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/examples/internal/web"
)

// retryAfter is the Retry-After, in seconds, of a 503 answer, and of a 429
// whose error does not say how long to wait.
const retryAfter = 5

// problemDoc is an RFC 9457 problem document.
type problemDoc struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Errors map[string]string `json:"errors,omitempty"`
}

// httpError is an answer decided by the HTTP layer itself, for what the
// error kinds do not cover: a body too large (413) or not JSON (415), a
// body that does not decode (400), a sign-in provider that is not
// configured (404).
type httpError struct {
	status int
	detail string
	fields map[string]string
}

func (e *httpError) Error() string { return e.detail }

// Error answers with the problem document for err. 4xx documents carry the
// error's text as their detail (engine errors are written to be shown);
// 5xx documents do not, and the cause goes to the log. Fields named by the
// error (commerce.FieldErrors) go to "errors".
func (a *API) Error(w http.ResponseWriter, r *http.Request, err error) {
	a.fail(w, r, err, false)
}

// bodyError is Error for the errors of a call whose input came from the
// request body: invalid input is then 422 (Unprocessable Content), as the
// JSON itself was well-formed.
func (a *API) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	a.fail(w, r, err, true)
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error, fromBody bool) {
	if he, ok := errors.AsType[*httpError](err); ok {
		a.writeProblem(w, r, problemDoc{Status: he.status, Detail: he.detail, Errors: he.fields})
		return
	}
	// web.StatusOf is the one table from error kinds to statuses.
	status := web.StatusOf(err)
	if status == http.StatusBadRequest && fromBody {
		status = http.StatusUnprocessableEntity
	}
	doc := problemDoc{Status: status, Detail: err.Error()}
	switch status {
	case http.StatusInternalServerError:
		a.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		doc.Detail = "something went wrong on our side; it has been logged"
	case http.StatusServiceUnavailable:
		a.log.WarnContext(r.Context(), "unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		doc.Detail = "a backing service is not answering; try again shortly"
	case http.StatusTooManyRequests:
		wait, ok := commerce.RetryAfter(err)
		if !ok {
			wait = retryAfter * time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="commerce"`)
	}
	if status < 500 {
		if fields := commerce.FieldErrors(err); len(fields) > 0 {
			doc.Errors = fields
			if v, ok := errors.AsType[*commerce.ValidationError](err); ok && len(v.Fields) > 0 {
				// The messages are in "errors"; the detail only points there.
				doc.Detail = "invalid " + strings.Join(slices.Sorted(maps.Keys(v.Fields)), ", ") + "; see errors"
			}
		}
	}
	a.writeProblem(w, r, doc)
}

// writeProblem answers with doc, filling in its type and title.
func (a *API) writeProblem(w http.ResponseWriter, r *http.Request, doc problemDoc) {
	if doc.Type == "" {
		// about:blank: the status says it all, and the title is its phrase.
		doc.Type = "about:blank"
	}
	if doc.Title == "" {
		doc.Title = http.StatusText(doc.Status)
	}
	if doc.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	a.write(w, r, doc.Status, "application/problem+json", doc)
}

// writeJSON answers status with v as JSON.
func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	a.write(w, r, status, "application/json", v)
}

func (a *API) write(w http.ResponseWriter, r *http.Request, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a bug can make the engine's own types unmarshalable.
		a.log.ErrorContext(r.Context(), "encoding a response", "method", r.Method, "path", r.URL.Path, "err", err)
		status, contentType = http.StatusInternalServerError, "application/problem+json"
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"something went wrong on our side; it has been logged"}`)
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) // an error means the client is gone: nothing left to do
}
