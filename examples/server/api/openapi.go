package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// openAPIYAML is the OpenAPI 3.1 description of every route of the API,
// written by hand next to the handlers it describes. Tests keep the two in
// step: every route is an operation of the document and every operation a
// route, and every request the API's tests send and every answer they get
// is validated against it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is the document as served: loaded, checked against its
// OpenAPI version, and written as JSON, once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	doc, err := LoadOpenAPI()
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})

// LoadOpenAPI returns the API's OpenAPI document, validated against its
// OpenAPI version. Each call returns a new copy, which the caller may
// change: to add a server's URL, say, or to generate a client.
func LoadOpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("api: loading the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: the OpenAPI document is not valid: %w", err)
	}
	return doc, nil
}

// OpenAPI serves GET /api/openapi.json: the API's OpenAPI 3.1 document,
// from which a client can be generated. It is the same for everyone and
// changes only with the server's version, so it is cached like the static
// files, with an ETag.
func (a *API) OpenAPI(w http.ResponseWriter, r *http.Request) {
	b, err := openAPIJSON()
	if err != nil {
		a.Error(w, r, err)
		return
	}
	serveFile(w, r, "openapi.json", b)
}
