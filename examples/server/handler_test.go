package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The reference server serves the storefront at / and the JSON API under
// /api/, with one session for both: a guest cart filled through the API
// is the cart the pages count, and a route of neither gets the API's
// problem document under /api/ and the shop's page elsewhere.
func TestRunServesTheShopBesideTheAPI(t *testing.T) {
	s := startRun(t, nil, nil)
	s.waitReady(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	fetch := func(method, path, body string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	res, home := fetch(http.MethodGet, "/", "")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if n := strings.Count(home, `<li class="card">`); n != 8 {
		t.Errorf("GET /: %d product cards, want 8", n)
	}
	if !strings.Contains(home, `장바구니 <span class="count">0</span>`) {
		t.Error("GET /: the header does not show an empty cart")
	}

	var page struct {
		Items []struct{ ID string } `json:"items"`
	}
	if status := s.get(t, "/api/products?limit=1", &page); status != http.StatusOK || len(page.Items) != 1 {
		t.Fatalf("GET /api/products: %d %+v", status, page)
	}
	res, _ = fetch(http.MethodPost, "/api/cart/items", `{"product_id":"`+page.Items[0].ID+`","quantity":3}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/cart/items: %d", res.StatusCode)
	}
	_, home = fetch(http.MethodGet, "/", "")
	if !strings.Contains(home, `장바구니 <span class="count">3</span>`) {
		t.Error("the page does not count the cart the API filled: one session for both")
	}

	res, _ = fetch(http.MethodGet, "/api/nope", "")
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /api/nope: %d %s, want the API's 404 problem", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, body := fetch(http.MethodGet, "/nope", "")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "페이지를 찾을 수 없습니다") {
		t.Errorf("GET /nope: %d, want the shop's 404 page", res.StatusCode)
	}
	if status := s.get(t, "/static/placeholder.svg", nil); status != http.StatusOK {
		t.Errorf("GET /static/placeholder.svg: %d", status)
	}
	s.stop(t)
}

// Staff upload an image through the API; the server serves it under
// /media/ from the bucket of COMMERCE_MEDIA_URL (here a folder), and its
// sweep keeps it while it is young.
func TestRunServesUploadedImages(t *testing.T) {
	dir := t.TempDir()
	s := startRun(t, nil, map[string]string{
		"COMMERCE_BOOTSTRAP_STAFF":     "admin:" + staffPassword,
		"COMMERCE_PASSWORD_ITERATIONS": "1000",
		"COMMERCE_MEDIA_URL":           "file://" + dir + "/images",
		"COMMERCE_MEDIA_SWEEP":         "50ms",
	})
	var admin session
	if status := s.call(t, "POST", "/api/session", `{"username":"admin","password":"`+staffPassword+`"}`, "", &admin); status != 200 {
		t.Fatalf("staff sign-in: %d", status)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 400, 200))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var file bytes.Buffer
	if err := png.Encode(&file, img); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "x.png")
	fw.Write(file.Bytes())
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+admin.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var up struct {
		URL      string
		Variants []struct{ URL string }
	}
	json.NewDecoder(res.Body).Decode(&up)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || !strings.HasPrefix(up.URL, "/media/") || len(up.Variants) != 1 {
		t.Fatalf("POST /api/media: %d %+v", res.StatusCode, up)
	}
	for _, u := range []string{up.URL, up.Variants[0].URL} {
		res, err := http.Get(s.url + u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/") {
			t.Errorf("GET %s: %d %s", u, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "images"))
	if err != nil || len(entries) == 0 {
		t.Errorf("the folder of images holds %d files (%v)", len(entries), err)
	}
	// The sweep runs, and keeps an image a day has not passed over.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.logs.String(), `"msg":"swept unused images"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no sweep in the log:\n%s", s.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res, err := http.Get(s.url + up.URL); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("after the sweep: %v %v", res, err)
	}
	s.stop(t)
}
