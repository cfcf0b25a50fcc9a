package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// TestOpenAPIDocument checks the document against OpenAPI 3.1 and against
// the conventions the API keeps: every operation has an id, a summary, a
// declared tag and its own security; every error answer is a problem
// document; every object an answer holds is closed, so that a field the
// document does not name fails validation.
func TestOpenAPIDocument(t *testing.T) {
	doc, err := api.LoadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
	for _, name := range []string{"cookie", "bearer"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("no security scheme %q", name)
		}
	}

	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s: no operationId or summary", name)
			}
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share the operationId %q", name, other, op.OperationID)
			}
			ids[op.OperationID] = name
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tag", name)
			}
			for _, tag := range op.Tags {
				if !tags[tag] {
					t.Errorf("%s: tag %q is not declared", name, tag)
				}
			}
			if op.Security == nil {
				t.Errorf("%s: no security of its own (write security: [] for none)", name)
			}
			if op.Responses.Status(http.StatusMethodNotAllowed) != nil {
				t.Errorf("%s lists 405, which any path may answer (components.responses.MethodNotAllowed)", name)
			}
			for code, ref := range op.Responses.Map() {
				checkResponseObject(t, name+" "+code, code, ref.Value)
			}
		}
	}
	for name, ref := range doc.Components.Responses {
		checkResponseObject(t, "components.responses."+name, "", ref.Value)
	}
}

// checkResponseObject checks one response of the document: a 4xx or 5xx
// is a problem document, and
// every object schema of a JSON answer is closed.
func checkResponseObject(t *testing.T, name, code string, res *openapi3.Response) {
	t.Helper()
	if strings.HasPrefix(code, "4") || strings.HasPrefix(code, "5") {
		if len(res.Content) != 1 || res.Content["application/problem+json"] == nil {
			t.Errorf("%s: an error answer must be application/problem+json alone", name)
		}
	}
	for mt, media := range res.Content {
		if media.Schema != nil && strings.HasSuffix(mt, "json") && !strings.Contains(name, "/api/openapi.json") {
			checkClosed(t, name+" "+mt, media.Schema, false, map[*openapi3.Schema]bool{})
		}
	}
}

// checkClosed fails for each object schema under ref that takes fields it
// does not name: it must set additionalProperties or
// unevaluatedProperties to false, or be a part (allOf) of a schema that
// does.
func checkClosed(t *testing.T, where string, ref *openapi3.SchemaRef, closedByParent bool, seen map[*openapi3.Schema]bool) {
	t.Helper()
	s := ref.Value
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if ref.Ref != "" {
		where = ref.Ref
	}
	closed := closedByParent ||
		(s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has) ||
		(s.UnevaluatedProperties.Has != nil && !*s.UnevaluatedProperties.Has)
	if len(s.Properties) > 0 && !closed {
		t.Errorf("%s: an object of an answer without additionalProperties: false", where)
	}
	for name, p := range s.Properties {
		if s.AdditionalProperties.Schema != nil {
			continue
		}
		checkClosed(t, where+"."+name, p, false, seen)
	}
	if s.AdditionalProperties.Schema != nil {
		checkClosed(t, where+".*", s.AdditionalProperties.Schema, false, seen)
	}
	if s.Items != nil {
		checkClosed(t, where+"[]", s.Items, false, seen)
	}
	// A part of allOf that only narrows fields that a closed part names
	// (status: {const: 404}) is closed by that part.
	named := map[string]bool{}
	for _, sub := range s.AllOf {
		if v := sub.Value; v != nil && v.AdditionalProperties.Has != nil && !*v.AdditionalProperties.Has {
			for name := range v.Properties {
				named[name] = true
			}
		}
	}
	for _, sub := range s.AllOf {
		narrows := sub.Value != nil && len(sub.Value.Properties) > 0
		if sub.Value != nil {
			for name := range sub.Value.Properties {
				narrows = narrows && named[name]
			}
		}
		checkClosed(t, where+" (allOf)", sub, closed || narrows, seen)
	}
	for _, sub := range append(slices.Clone(s.OneOf), s.AnyOf...) {
		checkClosed(t, where+" (oneOf)", sub, false, seen)
	}
}

// TestOpenAPIServed checks that GET /api/openapi.json serves the document
// as LoadOpenAPI returns it, and that what it serves loads as a valid
// document again.
func TestOpenAPIServed(t *testing.T) {
	f := startDemo(t)
	res := f.get(t, "/api/openapi.json")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/openapi.json: %d %q, want 200 application/json", res.status, res.header.Get("Content-Type"))
	}
	doc, err := api.LoadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var got, wantJSON any
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatalf("the served document is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &wantJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantJSON) {
		t.Errorf("the served document differs from LoadOpenAPI's:\n got %.300s…\nwant %.300s…", res.body, want)
	}
	served, err := openapi3.NewLoader().LoadFromData(res.body)
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	if err := served.Validate(context.Background()); err != nil {
		t.Errorf("the served document is not valid: %v", err)
	}
	if served.Paths.Len() != doc.Paths.Len() {
		t.Errorf("the served document has %d paths, want %d", served.Paths.Len(), doc.Paths.Len())
	}
}

// TestOpenAPICoversEveryRoute checks that every route of the API (with
// every optional route on) is an operation of the document, and every
// operation a route.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc, err := api.LoadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(newServices(memstore.New(nil), newDemoCatalog(t)), &api.Options{Static: demo.Images()})
	routes := map[string]string{}
	for pattern := range a.Routes() {
		method, path := operationOf(pattern)
		routes[method+" "+path] = pattern
	}
	operations := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			operations[method+" "+path] = true
		}
	}
	for _, op := range slices.Sorted(maps.Keys(routes)) {
		if !operations[op] {
			t.Errorf("the route %q has no operation %s in the OpenAPI document", routes[op], op)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(operations)) {
		if _, ok := routes[op]; !ok {
			t.Errorf("the OpenAPI document's operation %s is no route of the API", op)
		}
	}
	if len(routes) < 40 {
		t.Errorf("the API has %d routes, want the 40 and more it serves", len(routes))
	}
}

// reports collects what an openAPIChecker reports.
type reports struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reports) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *reports) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

// validProduct is a product as the API answers it, valid by the document.
const validProduct = `{"id": "01932f6e-5a10-7c3e-8b21-4f5a6b7c8d9e", "name": "유기농사과잼", "description": "",
	"price": {"amount": "8900", "currency": "KRW"}, "brand": null, "images": [], "image_details": [],
	"image_url": "/static/placeholder.svg", "stock": null, "created_at": "2026-01-05T09:00:00Z",
	"updated_at": "2026-01-05T09:00:00Z", "version": 1}`

// TestOpenAPICheckerCatchesDrift feeds the checker answers and requests
// that the document does not allow, and checks that it reports each one,
// naming what is wrong; and that it passes the answers the document
// allows.
func TestOpenAPICheckerCatchesDrift(t *testing.T) {
	doc, err := openAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(newServices(memstore.New(nil), newDemoCatalog(t)), &api.Options{Static: demo.Images()})
	patterns := slices.Collect(maps.Keys(a.Routes()))

	// answer returns a handler that answers status with body as contentType,
	// and the headers given as name, value pairs.
	answer := func(status int, contentType, body string, headers ...string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(headers); i += 2 {
				w.Header().Add(headers[i], headers[i+1])
			}
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			}
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		})
	}
	problem := func(status int, title string) string {
		return fmt.Sprintf(`{"type": "about:blank", "title": %q, "status": %d, "detail": "…"}`, title, status)
	}
	tests := []struct {
		name     string
		patterns []string // the routes; the API's when nil
		method   string
		target   string
		header   http.Header
		handler  http.Handler
		// want are words that the report must hold; none means no report.
		want []string
	}{
		{name: "a documented answer", method: "GET", target: "/api/products",
			handler: answer(200, "application/json", `{"items": [`+validProduct+`], "next_cursor": null}`)},
		{name: "an undocumented field", method: "GET", target: "/api/products",
			handler: answer(200, "application/json", `{"items": [], "next_cursor": null, "extra": 1}`),
			want:    []string{"GET /api/products", "200", "extra"}},
		{name: "an undocumented field deep down", method: "GET", target: "/api/products",
			handler: answer(200, "application/json", `{"items": [`+strings.Replace(validProduct, `"version": 1`, `"version": 1, "cost": 5000`, 1)+`], "next_cursor": null}`),
			want:    []string{"GET /api/products", "200", "cost"}},
		{name: "a missing field", method: "GET", target: "/api/products",
			handler: answer(200, "application/json", `{"items": []}`),
			want:    []string{"GET /api/products", "200", "next_cursor"}},
		{name: "money as a number", method: "GET", target: "/api/products",
			handler: answer(200, "application/json", `{"items": [`+strings.Replace(validProduct, `"amount": "8900"`, `"amount": 8900`, 1)+`], "next_cursor": null}`),
			want:    []string{"GET /api/products", "200", "amount"}},
		{name: "an undocumented status", method: "GET", target: "/api/products",
			handler: answer(http.StatusTeapot, "application/problem+json", problem(418, "I'm a teapot")),
			want:    []string{"GET /api/products", "418", "not among"}},
		{name: "an error status the operation does not list", method: "GET", target: "/api/problems",
			handler: answer(409, "application/problem+json", problem(409, "Conflict")),
			want:    []string{"GET /api/problems", "409", "not among"}},
		{name: "an error that is not a problem document", method: "GET", target: "/api/products",
			handler: answer(400, "text/plain; charset=utf-8", "bad request\n"),
			want:    []string{"GET /api/products", "400", "text/plain"}},
		{name: "a problem whose status is not the answer's", method: "GET", target: "/api/products/xyz",
			handler: answer(400, "application/problem+json", problem(404, "Not Found")),
			want:    []string{"GET /api/products/xyz", "400", "status"}},
		{name: "a 503 without Retry-After", method: "GET", target: "/api/products",
			handler: answer(503, "application/problem+json", problem(503, "Service Unavailable")),
			want:    []string{"GET /api/products", "503", "Retry-After"}},
		{name: "a 503 with Retry-After", method: "GET", target: "/api/products",
			handler: answer(503, "application/problem+json", problem(503, "Service Unavailable"), "Retry-After", "5")},
		{name: "a created product without Location", method: "POST", target: "/api/products",
			header:  http.Header{"Authorization": {"Bearer t"}, "Content-Type": {"application/json"}},
			handler: answer(201, "application/json", validProduct),
			want:    []string{"POST /api/products", "201", "Location"}},
		{name: "a refused request answered 200", method: "GET", target: "/api/products?limit=0",
			handler: answer(200, "application/json", `{"items": [], "next_cursor": null}`),
			want:    []string{"GET /api/products", "refuses", "200", "limit"}},
		{name: "a refused request answered 400", method: "GET", target: "/api/products?limit=0",
			handler: answer(400, "application/problem+json", problem(400, "Bad Request"))},
		{name: "a staff route without credentials answered 204", method: "DELETE", target: "/api/products/01932f6e-5a10-7c3e-8b21-4f5a6b7c8d9e",
			handler: answer(204, "", ""),
			want:    []string{"DELETE /api/products/", "refuses", "204", "security"}},
		{name: "a route without an operation", patterns: append(slices.Clone(patterns), "GET /api/extra"),
			method: "GET", target: "/api/extra",
			handler: answer(200, "application/json", `{}`),
			want:    []string{"GET /api/extra", "no operation"}},
		{name: "no route answered 200", method: "GET", target: "/api/nope",
			handler: answer(200, "application/json", `{}`),
			want:    []string{"GET /api/nope", "200", "not among"}},
		{name: "no route answered 404", method: "GET", target: "/api/nope",
			handler: answer(404, "application/problem+json", problem(404, "Not Found"))},
		{name: "a 405 without Allow", method: "PUT", target: "/healthz",
			handler: answer(405, "application/problem+json", problem(405, "Method Not Allowed")),
			want:    []string{"PUT /healthz", "405", "Allow"}},
		{name: "a HEAD answer with an undocumented status", method: "HEAD", target: "/api/products",
			handler: answer(http.StatusTeapot, "application/problem+json", problem(418, "I'm a teapot")),
			want:    []string{"HEAD /api/products", "418"}},
		{name: "a static file", method: "GET", target: "/static/demo/apple-jam.svg",
			handler: answer(200, "image/svg+xml", "<svg/>", "Cache-Control", "public, max-age=86400", "ETag", `"0a1b"`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := tc.patterns
			if ps == nil {
				ps = patterns
			}
			c, err := newOpenAPIChecker(doc, ps)
			if err != nil {
				t.Fatal(err)
			}
			var got reports
			req := httptest.NewRequest(tc.method, tc.target, nil)
			for k, vs := range tc.header {
				req.Header[k] = vs
			}
			c.handler(got.add, tc.handler).ServeHTTP(httptest.NewRecorder(), req)
			report := got.String()
			if len(tc.want) == 0 {
				if report != "" {
					t.Errorf("the checker reports an answer that the document allows:\n%s", report)
				}
				return
			}
			if report == "" {
				t.Fatalf("the checker reports nothing; want a report naming %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(report, w) {
					t.Errorf("the report does not name %q:\n%s", w, report)
				}
			}
		})
	}
}

// TestFileRanges checks the answers of the routes that serve files to
// Range and conditional requests, through the checking fixture: the
// ranges asked for, and problem documents that no cache keeps when the
// request cannot be met.
func TestFileRanges(t *testing.T) {
	f := startDemo(t)
	for _, path := range []string{"/api/openapi.json", "/static/placeholder.svg", "/static/demo/apple-jam.svg"} {
		t.Run(path, func(t *testing.T) {
			full := f.get(t, path)
			if full.status != http.StatusOK || len(full.body) < 20 {
				t.Fatalf("GET %s: %d with %d bytes", path, full.status, len(full.body))
			}
			res := f.do(t, "GET", path, http.Header{"Range": {"bytes=0-9"}})
			if res.status != http.StatusPartialContent || string(res.body) != string(full.body[:10]) ||
				res.header.Get("Content-Range") != fmt.Sprintf("bytes 0-9/%d", len(full.body)) {
				t.Errorf("Range bytes=0-9: %d %q, Content-Range %q", res.status, res.body, res.header.Get("Content-Range"))
			}
			res = f.do(t, "GET", path, http.Header{"Range": {"bytes=0-1,5-6"}})
			if ct := res.header.Get("Content-Type"); res.status != http.StatusPartialContent || !strings.HasPrefix(ct, "multipart/byteranges") {
				t.Errorf("two ranges: %d %q, want 206 multipart/byteranges", res.status, ct)
			}
			for _, tc := range []struct {
				header http.Header
				status int
			}{
				{http.Header{"Range": {"bytes=99999999-"}}, http.StatusRequestedRangeNotSatisfiable},
				{http.Header{"If-Match": {`"not-the-etag"`}}, http.StatusPreconditionFailed},
			} {
				res := f.do(t, "GET", path, tc.header)
				doc := res.want(t, tc.status)
				if doc["status"] != float64(tc.status) || doc["detail"] == "" {
					t.Errorf("%v: problem %v", tc.header, doc)
				}
				if cc := res.header.Get("Cache-Control"); cc != "" {
					t.Errorf("%v: Cache-Control %q on an error, want none", tc.header, cc)
				}
			}
			if res := f.do(t, "GET", path, http.Header{"Range": {"bytes=99999999-"}}); res.header.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(full.body)) {
				t.Errorf("416: Content-Range %q, want the size", res.header.Get("Content-Range"))
			}
			if res := f.do(t, "HEAD", path, nil); res.status != http.StatusOK || len(res.body) != 0 {
				t.Errorf("HEAD %s: %d with %d bytes, want 200 and no body", path, res.status, len(res.body))
			}
		})
	}
}
