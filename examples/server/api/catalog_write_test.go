package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce/examples/server/api"
)

func TestCatalogWriteAccess(t *testing.T) {
	f := startAccounts(t, nil)
	customer, _ := f.signUp(t, "buyer")
	body := obj{"name": "돌봄", "summary": "요약"}
	for _, path := range []string{"/api/problems", "/api/brands", "/api/products"} {
		f.call(t, call{method: "POST", path: path, body: body}).want(t, http.StatusUnauthorized)
		f.call(t, call{method: "POST", path: path, body: body, bearer: customer}).want(t, http.StatusForbidden)
		// The answer is the same whatever the body: nobody learns the rules
		// without being allowed to write.
		f.call(t, call{method: "POST", path: path, body: "{", bearer: customer}).want(t, http.StatusForbidden)
		id := uuid.NewString()
		f.call(t, call{method: "PATCH", path: path + "/" + id, body: body}).want(t, http.StatusUnauthorized)
		f.call(t, call{method: "DELETE", path: path + "/" + id, bearer: customer}).want(t, http.StatusForbidden)
	}
}

func TestProblemWrites(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")

	res := f.call(t, call{method: "POST", path: "/api/problems", bearer: staff, body: obj{
		"name": "  돌봄  ", "summary": "돌봄이 필요한 이웃", "description": "여러 줄\n설명", "image_url": "/static/care.svg",
	}})
	p := res.want(t, http.StatusCreated)
	id := p["id"].(string)
	if p["name"] != "돌봄" || p["version"] != float64(1) || res.header.Get("Location") != "/api/problems/"+id {
		t.Errorf("created %v at %q", p, res.header.Get("Location"))
	}
	var got obj
	f.getJSON(t, "/api/problems/"+id, &got)
	if got["summary"] != "돌봄이 필요한 이웃" {
		t.Errorf("GET after POST: %v", got)
	}

	// PATCH changes what is present and nothing else.
	p = f.call(t, call{method: "PATCH", path: "/api/problems/" + id, bearer: staff, body: obj{"summary": "새 요약", "version": 1}}).
		want(t, http.StatusOK)
	if p["summary"] != "새 요약" || p["description"] != "여러 줄\n설명" || p["version"] != float64(2) {
		t.Errorf("after PATCH: %v", p)
	}
	// A stale version is a conflict; no version means no check.
	f.call(t, call{method: "PATCH", path: "/api/problems/" + id, bearer: staff, body: obj{"name": "x", "version": 1}}).
		want(t, http.StatusConflict)
	f.call(t, call{method: "PATCH", path: "/api/problems/" + id, bearer: staff, body: obj{"name": "돌봄 2"}}).
		want(t, http.StatusOK)

	// A problem that brands work on cannot go.
	b := f.call(t, call{method: "POST", path: "/api/brands", bearer: staff, body: obj{"name": "돌봄상회", "problem_id": id}}).
		want(t, http.StatusCreated)
	doc := f.call(t, call{method: "DELETE", path: "/api/problems/" + id, bearer: staff}).want(t, http.StatusConflict)
	if !strings.Contains(doc["detail"].(string), "brands") {
		t.Errorf("409 detail %q", doc["detail"])
	}
	f.call(t, call{method: "DELETE", path: "/api/brands/" + b["id"].(string), bearer: staff}).want(t, http.StatusNoContent)
	f.call(t, call{method: "DELETE", path: "/api/problems/" + id, bearer: staff}).want(t, http.StatusNoContent)
	f.call(t, call{method: "GET", path: "/api/problems/" + id}).want(t, http.StatusNotFound)
	f.call(t, call{method: "DELETE", path: "/api/problems/" + id, bearer: staff}).want(t, http.StatusNotFound)
}

func TestBrandAndProductWrites(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	problem := problemIDs(t, f)[0]

	b := f.call(t, call{method: "POST", path: "/api/brands", bearer: staff, body: obj{
		"name": "새싹공방", "summary": "s", "story": "이야기", "logo_url": "https://cdn.example/logo.png",
		"image_url": "/static/x.png", "homepage": "https://saessak.example", "problem_id": problem,
	}}).want(t, http.StatusCreated)
	brand := b["id"].(string)
	if b["problem"].(obj)["id"] != problem || b["homepage"] != "https://saessak.example" {
		t.Errorf("brand %v", b)
	}
	b = f.call(t, call{method: "PATCH", path: "/api/brands/" + brand, bearer: staff, body: obj{"story": "새 이야기"}}).
		want(t, http.StatusOK)
	if b["story"] != "새 이야기" || b["name"] != "새싹공방" {
		t.Errorf("brand after PATCH %v", b)
	}
	doc := f.call(t, call{method: "PATCH", path: "/api/brands/" + brand, bearer: staff, body: obj{"problem_id": uuid.NewString()}}).
		want(t, http.StatusUnprocessableEntity)
	wantFields(t, doc, "problem_id")

	p := f.call(t, call{method: "POST", path: "/api/products", bearer: staff, body: obj{
		"name": "씨앗 연필", "description": "d", "price": obj{"amount": "3500", "currency": "KRW"},
		"brand_id": brand, "images": []string{"/static/pencil.svg"}, "stock": 10,
	}}).want(t, http.StatusCreated)
	product := p["id"].(string)
	if p["brand"].(obj)["id"] != brand || p["stock"] != float64(10) || p["price"].(obj)["amount"] != "3500" ||
		p["image_url"] != "/static/pencil.svg" {
		t.Errorf("product %v", p)
	}

	// null clears the brand and stops tracking stock; absent fields stay.
	p = f.call(t, call{method: "PATCH", path: "/api/products/" + product, bearer: staff,
		body: `{"brand_id": null, "stock": null, "version": 1}`}).want(t, http.StatusOK)
	if p["brand"] != nil || p["stock"] != nil || p["name"] != "씨앗 연필" || p["version"] != float64(2) {
		t.Errorf("product after clearing brand and stock: %v", p)
	}
	p = f.call(t, call{method: "PATCH", path: "/api/products/" + product, bearer: staff,
		body: obj{"brand_id": brand, "stock": 0, "price": obj{"amount": "4000", "currency": "KRW"}}}).want(t, http.StatusOK)
	if p["brand"] == nil || p["stock"] != float64(0) || p["price"].(obj)["amount"] != "4000" {
		t.Errorf("product after setting brand, stock, price: %v", p)
	}
	f.call(t, call{method: "PATCH", path: "/api/products/" + product, bearer: staff, body: obj{"name": "x", "version": 2}}).
		want(t, http.StatusConflict)

	// Deleting the brand keeps its product, brand-less.
	f.call(t, call{method: "DELETE", path: "/api/brands/" + brand, bearer: staff}).want(t, http.StatusNoContent)
	var got obj
	f.getJSON(t, "/api/products/"+product, &got)
	if got["brand"] != nil {
		t.Errorf("product of a deleted brand: %v", got)
	}
	f.call(t, call{method: "DELETE", path: "/api/products/" + product, bearer: staff}).want(t, http.StatusNoContent)
	f.call(t, call{method: "GET", path: "/api/products/" + product}).want(t, http.StatusNotFound)
}

func TestCatalogWriteBadBodies(t *testing.T) {
	f := startAccounts(t, &api.Options{MaxBodyBytes: 4096})
	staff := f.staff(t, "admin")
	brand := func() string {
		var list obj
		f.getJSON(t, "/api/brands?limit=1", &list)
		return items(t, list)[0]["id"].(string)
	}()
	good := obj{"name": "n", "price": obj{"amount": "100", "currency": "KRW"}}

	tests := []struct {
		name        string
		method      string
		path        string
		body        any
		contentType string
		status      int
		fields      []string
	}{
		{"text/plain", "POST", "/api/products", good, "text/plain", 415, nil},
		{"form", "POST", "/api/products", "name=x", "application/x-www-form-urlencoded", 415, nil},
		{"no content type", "POST", "/api/products", good, "-", 415, nil},
		{"latin-1", "POST", "/api/products", good, "application/json; charset=iso-8859-1", 415, nil},
		{"charset utf-8 is fine", "POST", "/api/problems", obj{"name": "ok"}, "application/json; charset=UTF-8", 201, nil},
		{"too large", "POST", "/api/problems", obj{"name": "x", "description": strings.Repeat("가", 2000)}, "", 413, nil},
		{"malformed JSON", "POST", "/api/products", `{"name": "x",`, "", 400, nil},
		{"trailing garbage", "POST", "/api/products", `{"name": "x"} {}`, "", 400, nil},
		{"an array", "POST", "/api/products", `[1]`, "", 400, nil},
		{"empty body", "POST", "/api/problems", "", "", 400, nil},
		{"null", "POST", "/api/problems", "null", "", 400, nil},
		{"not UTF-8", "POST", "/api/problems", "{\"name\": \"\xff\"}", "", 400, nil},
		{"unknown field", "POST", "/api/problems", obj{"name": "x", "colour": "red"}, "", 400, []string{"colour"}},
		{"field names are exact", "POST", "/api/problems", obj{"Name": "x"}, "", 400, []string{"Name"}},
		{"wrong types", "POST", "/api/products", obj{"name": 5, "stock": "many", "images": "a.png", "price": good["price"]}, "",
			400, []string{"name", "stock", "images"}},
		{"stock not whole", "POST", "/api/products", obj{"name": "x", "stock": 1.5, "price": good["price"]}, "", 400, []string{"stock"}},
		{"patch wrong types", "PATCH", "/api/products/" + brand, obj{"stock": "x", "name": []int{1}, "version": "1"}, "",
			400, []string{"stock", "name", "version"}},
		{"bad path id", "PATCH", "/api/products/xyz", obj{"name": "x"}, "", 400, []string{"id"}},
		{"bad path id on delete", "DELETE", "/api/brands/xyz", nil, "", 400, []string{"id"}},
		{"validation", "POST", "/api/products", obj{"name": " ", "price": obj{"amount": "-1", "currency": "KRW"},
			"images": []string{"javascript:alert(1)"}, "stock": -1}, "", 422, []string{"name", "price", "images", "stock"}},
		{"money that does not parse", "POST", "/api/products", obj{"name": "x", "price": obj{"amount": "lots", "currency": "KRW"}}, "",
			422, []string{"price"}},
		{"unknown currency", "POST", "/api/products", obj{"name": "x", "price": obj{"amount": "1", "currency": "XXX"}}, "",
			422, []string{"price"}},
		{"malformed brand id", "POST", "/api/products", obj{"name": "x", "price": good["price"], "brand_id": "nope"}, "",
			422, []string{"brand_id"}},
		{"unknown brand", "POST", "/api/products", obj{"name": "x", "price": good["price"], "brand_id": uuid.NewString()}, "",
			422, []string{"brand_id"}},
		{"brand without problem", "POST", "/api/brands", obj{"name": "x"}, "", 422, []string{"problem_id"}},
		{"unknown product", "PATCH", "/api/products/" + uuid.NewString(), obj{"name": "x"}, "", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := call{method: tc.method, path: tc.path, body: tc.body, contentType: tc.contentType, bearer: staff}
			if tc.contentType == "-" {
				c.contentType = ""
				c.header = http.Header{"Content-Type": {""}}
			}
			res := f.call(t, c)
			doc := res.want(t, tc.status)
			if tc.status < 400 {
				return
			}
			if doc["detail"] == "" || doc["title"] != http.StatusText(tc.status) {
				t.Errorf("problem %v", doc)
			}
			if len(tc.fields) > 0 {
				wantFields(t, doc, tc.fields...)
			} else if _, ok := doc["errors"]; ok {
				t.Errorf("errors %v, want none", doc["errors"])
			}
		})
	}
	if l := f.logs.String(); strings.Contains(l, "level=ERROR") {
		t.Errorf("bad bodies logged errors:\n%s", l)
	}

	// A body of unknown length is cut off at the limit too.
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/problems",
		io.NopCloser(strings.NewReader(`{"name": "`+strings.Repeat("x", 5000)+`"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+staff)
	if res := f.roundTrip(t, f.srv.Client(), req); res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a chunked body over the limit: %d, want 413", res.status)
	}
}
