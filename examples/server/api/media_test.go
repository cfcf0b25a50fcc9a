package api_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/internal/demo"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/media/mediaurl"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// startMedia serves the demo with an image store on mem://, in the catalog
// service and in the API, as the reference server wires them.
func startMedia(t *testing.T) (*fixture, *media.Store) {
	t.Helper()
	images, err := mediaurl.Open(context.Background(), "mem://", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { images.Close() })
	store := memstore.New(nil)
	cat := catalog.NewService(store.Catalog(), &catalog.Options{Media: images})
	if err := demo.Load(context.Background(), store, cat, commerce.StaffActor(commerce.NewID())); err != nil {
		t.Fatal(err)
	}
	f := startWith(t, newServices(store, cat), nil)
	f.secret(password)
	return f, images
}

// pngOf returns a w×h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 120, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartOf returns a multipart body with content in the field, and its
// Content-Type.
func multipartOf(t *testing.T, field, filename string, content []byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func TestUploadMedia(t *testing.T) {
	f, images := startMedia(t)
	staff := f.staff(t, "admin")
	customer, _ := f.signUp(t, "buyer")

	body, ctype := multipartOf(t, "file", "사진.png", pngOf(t, 1000, 500))
	up := func(token, body, ctype string) response {
		return f.call(t, call{method: "POST", path: "/api/media", body: body, contentType: ctype, bearer: token})
	}
	up("", body, ctype).want(t, http.StatusUnauthorized)
	up(customer, body, ctype).want(t, http.StatusForbidden)

	res := up(staff, body, ctype)
	img := res.want(t, http.StatusCreated)
	url, _ := img["url"].(string)
	if !strings.HasPrefix(url, "/media/") || res.header.Get("Location") != url {
		t.Fatalf("upload: url %q, Location %q", url, res.header.Get("Location"))
	}
	if img["content_type"] != "image/png" || img["width"] != float64(1000) || img["height"] != float64(500) ||
		img["bytes"].(float64) <= 0 || len(img["id"].(string)) != 64 {
		t.Errorf("upload answer: %v", img)
	}
	variants, _ := img["variants"].([]any)
	if len(variants) != 2 || variants[0].(obj)["width"] != float64(320) || variants[0].(obj)["height"] != float64(160) ||
		variants[1].(obj)["width"] != float64(960) {
		t.Errorf("variants: %v, want 320×160 and 960×480", variants)
	}
	// The file is served where its URL says.
	rec := httptest.NewRecorder()
	images.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		t.Errorf("GET %s: %d %q", url, rec.Code, rec.Header().Get("Content-Type"))
	}

	// A product made with it describes it in full, beside an external URL.
	p := f.call(t, call{method: "POST", path: "/api/products", bearer: staff, body: obj{
		"name": "사진 있는 상품", "price": obj{"amount": "1000", "currency": "KRW"},
		"images": []string{url, "https://example.org/x.jpg"},
	}}).want(t, http.StatusCreated)
	checkProduct(t, withStock(p))
	details := p["image_details"].([]any)
	if d := details[0].(obj); d["width"] != float64(1000) || len(d["variants"].([]any)) != 2 || d["id"] != img["id"] {
		t.Errorf("image_details[0] = %v", d)
	}
	if d := details[1].(obj); keys(d) != "url" || d["url"] != "https://example.org/x.jpg" {
		t.Errorf("an external image's details = %v, want its url alone", d)
	}

	// Refusals name the field.
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"text", []byte("hello, not an image")},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"truncated png", pngOf(t, 50, 50)[:60]},
		{"empty", nil},
	} {
		body, ctype := multipartOf(t, "file", "x.png", tc.content)
		doc := up(staff, body, ctype).want(t, http.StatusUnprocessableEntity)
		if errs, _ := doc["errors"].(obj); errs["file"] == nil {
			t.Errorf("%s: %v, want an error on file", tc.name, doc)
		}
	}
	body, ctype = multipartOf(t, "photo", "x.png", pngOf(t, 10, 10))
	if errs, _ := up(staff, body, ctype).want(t, http.StatusUnprocessableEntity)["errors"].(obj); errs["file"] == nil {
		t.Error("no file field: want an error on file")
	}
	up(staff, "{}", "application/json").want(t, http.StatusUnsupportedMediaType)
	big, bigType := multipartOf(t, "file", "big.png", bytes.Repeat([]byte{0}, media.MaxBytes+100<<10))
	up(staff, big, bigType).want(t, http.StatusRequestEntityTooLarge)
}

func TestUploadMediaWithoutAStore(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "admin")
	body, ctype := multipartOf(t, "file", "x.png", pngOf(t, 10, 10))
	f.call(t, call{method: "POST", path: "/api/media", body: body, contentType: ctype, bearer: staff}).
		want(t, http.StatusNotFound)
}

// withStock gives p a stock, which checkProduct expects of demo products.
func withStock(p obj) obj {
	if p["stock"] == nil {
		p["stock"] = float64(0)
	}
	return p
}

// A photo sent over a slow connection takes longer than the server lets
// other requests read their bodies, and longer than a request may take:
// an upload has a deadline of its own.
func TestUploadMediaOverASlowConnection(t *testing.T) {
	images, err := mediaurl.Open(context.Background(), "mem://", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { images.Close() })
	store := memstore.New(nil)
	cat := catalog.NewService(store.Catalog(), &catalog.Options{Media: images})
	svc := newServices(store, cat)
	a := api.New(svc, &api.Options{Logger: discard(), RequestTimeout: 300 * time.Millisecond, UploadTimeout: 20 * time.Second})
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	if _, err := svc.Accounts.BootstrapStaff(context.Background(), "admin", password); err != nil {
		t.Fatal(err)
	}
	signed, err := svc.Accounts.SignIn(context.Background(), account.Credentials{Username: "admin", Password: password}, "")
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartOf(t, "file", "x.png", pngOf(t, 400, 300))
	pr, pw := io.Pipe()
	go func() {
		// The body in eight parts over about 1.2 s: four times the
		// server's read timeout and the request timeout.
		b := []byte(body)
		step := len(b)/8 + 1
		for i := 0; i < len(b); i += step {
			time.Sleep(150 * time.Millisecond)
			if _, err := pw.Write(b[i:min(i+step, len(b))]); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/media", pr)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+signed.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("a slow upload: %d, want 201", res.StatusCode)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
