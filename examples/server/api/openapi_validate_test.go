package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/impactmuseum/commerce/examples/server/api"
)

// openAPIDoc is the API's OpenAPI document, loaded once for every test:
// validation only reads it.
var openAPIDoc = sync.OnceValues(api.LoadOpenAPI)

// wildcard matches a wildcard of a ServeMux pattern: {name} or {name...}.
var wildcard = regexp.MustCompile(`\{([^{}.]+)(\.\.\.)?\}`)

// operationOf splits a ServeMux pattern ("GET /static/{path...}") into the
// method and the path of its operation in the document ("/static/{path}"):
// an OpenAPI path template has no multi-segment wildcard, so {path...} is
// written {path}, and the document says that the value may hold slashes.
func operationOf(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	return method, wildcard.ReplaceAllString(path, "{$1}")
}

// errorResponses names the document's problem response of each status that
// the API's one table gives to an error kind.
var errorResponses = map[int]string{
	http.StatusBadRequest:          "BadRequest",
	http.StatusUnauthorized:        "Unauthorized",
	http.StatusForbidden:           "Forbidden",
	http.StatusNotFound:            "NotFound",
	http.StatusConflict:            "Conflict",
	http.StatusTooManyRequests:     "TooManyRequests",
	http.StatusInternalServerError: "InternalServerError",
	http.StatusServiceUnavailable:  "ServiceUnavailable",
}

// openAPIChecker checks requests and answers against the OpenAPI document.
// It finds the route a request takes as the API's own http.ServeMux does,
// from the same patterns, and checks the request and the answer against
// that route's operation with openapi3filter. A request that no route
// takes must be answered 404 or 405 with the document's problem responses
// for them.
type openAPIChecker struct {
	doc *openapi3.T
	// mux holds the API's patterns; its handlers note which one a request
	// takes (see match).
	mux *http.ServeMux
	// routes are the document's operations by ServeMux pattern; nil for a
	// pattern that the document lacks.
	routes map[string]*routers.Route
	// unrouted answers for the requests that no pattern takes.
	unrouted *routers.Route
	// anyErrorStatus admits, on any route, every status of the table from
	// error kinds to statuses, as a problem document, beside the statuses
	// the operation lists. The document lists what each route gives over
	// storage that keeps its contract; a test that makes storage fail with
	// every kind of error gets the others.
	anyErrorStatus bool
	options        *openapi3filter.Options
}

// newOpenAPIChecker returns a checker of the routes named by patterns
// (ServeMux patterns, as API.Routes gives them) against doc.
func newOpenAPIChecker(doc *openapi3.T, patterns []string) (*openAPIChecker, error) {
	c := &openAPIChecker{
		doc:    doc,
		mux:    http.NewServeMux(),
		routes: make(map[string]*routers.Route, len(patterns)),
		options: &openapi3filter.Options{
			// An answer with a status the operation does not list fails.
			IncludeResponseStatus: true,
			// The request goes on to the server as it came.
			SkipSettingDefaults: true,
			AuthenticationFunc:  presentCredentials,
		},
	}
	for _, pattern := range patterns {
		c.mux.HandleFunc(pattern, noteMatch)
		method, path := operationOf(pattern)
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			c.routes[pattern] = nil
			continue
		}
		c.routes[pattern] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: item.GetOperation(method)}
	}
	unrouted := openapi3.NewOperation()
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed} {
		ref, err := c.componentResponse(status)
		if err != nil {
			return nil, err
		}
		unrouted.AddResponse(status, ref.Value)
	}
	c.unrouted = &routers.Route{Spec: doc, Path: "", PathItem: &openapi3.PathItem{}, Method: "", Operation: unrouted}
	return c, nil
}

// componentResponse returns the document's problem response for status.
func (c *openAPIChecker) componentResponse(status int) (*openapi3.ResponseRef, error) {
	name := errorResponses[status]
	if status == http.StatusMethodNotAllowed {
		name = "MethodNotAllowed"
	}
	ref := c.doc.Components.Responses[name]
	if name == "" || ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("the OpenAPI document has no response %q for status %d in components.responses", name, status)
	}
	return ref, nil
}

// presentCredentials is the checker's openapi3filter.AuthenticationFunc: a
// security scheme is met when the request carries its credential at all.
// Whether the session behind it is alive is the server's to decide.
func presentCredentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r, s := in.RequestValidationInput.Request, in.SecurityScheme
	switch {
	case s.Type == "apiKey" && s.In == "cookie":
		if c, err := r.Cookie(s.Name); err == nil && c.Value != "" {
			return nil
		}
		return fmt.Errorf("no %s cookie", s.Name)
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
			return nil
		}
		return errors.New("no Bearer token")
	}
	return fmt.Errorf("the checker does not know the security scheme %q", in.SecuritySchemeName)
}

// match is what noteMatch found out about a request.
type match struct {
	pattern string
	params  map[string]string
}

type matchKey struct{}

// noteMatch is the handler of every pattern of the checker's mux: it
// notes the pattern the mux chose and the values of its wildcards.
func noteMatch(_ http.ResponseWriter, r *http.Request) {
	m := r.Context().Value(matchKey{}).(*match)
	m.pattern = r.Pattern
	for _, w := range wildcard.FindAllStringSubmatch(r.Pattern, -1) {
		m.params[w[1]] = r.PathValue(w[1])
	}
}

// match returns the pattern that r takes, and its path parameters; the
// pattern is "" when no route takes r.
func (c *openAPIChecker) match(r *http.Request) (string, map[string]string) {
	m := &match{params: map[string]string{}}
	c.mux.ServeHTTP(&discardWriter{header: http.Header{}}, r.WithContext(context.WithValue(r.Context(), matchKey{}, m)))
	return m.pattern, m.params
}

// handler wraps next so that every request and every answer is checked
// against the document; report gets each failure, naming the method, the
// path, the status and what does not match:
//
//   - a route of the API without an operation in the document;
//   - an answer whose status the operation does not list, or whose
//     headers or body do not match what it lists for that status;
//   - a request that the document refuses (its parameters, body or
//     credentials) which the server did not refuse with a 4xx.
func (c *openAPIChecker) handler(report func(format string, args ...any), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, readErr := io.ReadAll(r.Body)
		if readErr != nil {
			// The client went away while sending: let the server see the
			// same failure, and check nothing.
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{readErr}))
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		pattern, params := c.match(r)
		route := c.routes[pattern]
		var requestErr error
		switch {
		case pattern == "":
			route = c.unrouted
		case route == nil:
			report("%s %s: the route %q has no operation in the OpenAPI document", r.Method, r.URL.Path, pattern)
		default:
			requestErr = c.checkRequest(r, route, params, body)
		}

		rec := &bufferedWriter{w: w, header: http.Header{}}
		next.ServeHTTP(rec, r)
		status := rec.statusCode()

		if route != nil {
			if err := c.checkResponse(r, route, params, status, rec.sent(), rec.body.Bytes()); err != nil {
				report("%s %s: the answer %d does not match the OpenAPI document: %v\nbody: %.600s",
					r.Method, r.URL.Path, status, err, rec.body.Bytes())
			}
		}
		if err := checkProblem(status, rec.sent(), rec.body.Bytes()); err != nil {
			report("%s %s: the answer %d: %v\nbody: %.600s", r.Method, r.URL.Path, status, err, rec.body.Bytes())
		}
		if requestErr != nil && (status < 400 || status > 499) {
			report("%s %s: the OpenAPI document refuses the request, but the server answered %d: %v",
				r.Method, r.URL.Path, status, requestErr)
		}
		rec.flush()
	})
}

// requestInput returns the validation input of r's request, on a copy of
// r that has its own copy of the body. A HEAD request is checked as its
// GET, whose answer it gets without a body.
func (c *openAPIChecker) requestInput(r *http.Request, route *routers.Route, params map[string]string, body []byte) *openapi3filter.RequestValidationInput {
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	if req.Method == http.MethodHead {
		req.Method = http.MethodGet
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: c.options}
}

// checkRequest checks the request against the route's operation.
func (c *openAPIChecker) checkRequest(r *http.Request, route *routers.Route, params map[string]string, body []byte) error {
	return openapi3filter.ValidateRequest(r.Context(), c.requestInput(r, route, params, body))
}

// checkResponse checks an answer against the route's operation: its
// status must be one the operation lists (or, with anyErrorStatus, an
// error status with its problem response), its headers and body what the
// operation says of that status.
func (c *openAPIChecker) checkResponse(r *http.Request, route *routers.Route, params map[string]string, status int, header http.Header, body []byte) error {
	if route.Operation.Responses.Status(status) == nil {
		if _, isError := errorResponses[status]; !c.anyErrorStatus || !isError {
			return fmt.Errorf("status %d is not among the operation's responses (%s)", status, listedStatuses(route.Operation))
		}
		ref, err := c.componentResponse(status)
		if err != nil {
			return err
		}
		op := openapi3.NewOperation()
		op.AddResponse(status, ref.Value)
		route = &routers.Route{Spec: route.Spec, Path: route.Path, PathItem: route.PathItem, Method: route.Method, Operation: op}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: c.requestInput(r, route, params, nil),
		Status:                 status,
		Header:                 header,
		Options:                c.options,
	}
	in.SetBodyBytes(body)
	if r.Method == http.MethodHead {
		// The answer to HEAD is the GET's without its body (net/http drops
		// what the handler writes): check its status and headers as the
		// GET's. openapi3filter would skip it for its method.
		options := *c.options
		options.ExcludeResponseBody = true
		in.Options = &options
	}
	return openapi3filter.ValidateResponse(r.Context(), in)
}

// listedStatuses lists the statuses an operation documents, for messages.
func listedStatuses(op *openapi3.Operation) string {
	var codes []string
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return strings.Join(codes, ", ")
}

// bufferedWriter keeps an answer until it has been checked: the status,
// the headers as they were when the status was written, and the body.
type bufferedWriter struct {
	w      http.ResponseWriter
	header http.Header
	// wrote holds the headers at WriteHeader; nil until then.
	wrote  http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if b.status != 0 || status < 200 {
		return
	}
	b.status = status
	b.wrote = b.header.Clone()
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (b *bufferedWriter) Unwrap() http.ResponseWriter { return b.w }

// statusCode is the status written, or 200 if the handler wrote nothing
// (net/http then sends 200).
func (b *bufferedWriter) statusCode() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// sent returns the headers of the answer.
func (b *bufferedWriter) sent() http.Header {
	if b.wrote == nil {
		return b.header
	}
	return b.wrote
}

// flush sends the answer on.
func (b *bufferedWriter) flush() {
	h := b.w.Header()
	for k, vs := range b.sent() {
		h[k] = vs
	}
	b.w.WriteHeader(b.statusCode())
	b.w.Write(b.body.Bytes()) // an error means the client is gone
}

// discardWriter is the answer of the checker's own mux, which nobody
// reads.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// checkProblem checks what the document's one ProblemDetails schema cannot
// say for each status: that a problem document's status is the answer's
// own and its title that status's text.
func checkProblem(status int, header http.Header, body []byte) error {
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/problem+json" {
		return nil
	}
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("the problem document is not JSON: %v", err)
	}
	if p.Status != status || p.Title != http.StatusText(status) {
		return fmt.Errorf("the problem document's status and title are %d %q, not the answer's %d %q",
			p.Status, p.Title, status, http.StatusText(status))
	}
	return nil
}
