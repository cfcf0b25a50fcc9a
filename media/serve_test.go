package media

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"
)

func TestServeHTTP(t *testing.T) {
	t.Parallel()
	s, b := newTestStore(t, nil)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(encodeJPEG(t, photo(1000, 750), 90)))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := b.Attributes(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
	if err != nil {
		t.Fatal(err)
	}
	etag := `"` + strings.TrimPrefix(img.URL, DefaultPrefix) + `"`
	missing := DefaultPrefix + strings.Repeat("0", 64) + "-1000x750.jpg"

	tests := []struct {
		name    string
		method  string
		url     string
		header  map[string]string
		status  int
		body    []byte
		headers map[string]string
	}{
		{name: "GET", method: "GET", url: img.URL, status: 200, body: stored, headers: map[string]string{
			"Content-Type":            "image/jpeg",
			"Content-Length":          itoa(len(stored)),
			"ETag":                    etag,
			"Last-Modified":           attrs.ModTime.UTC().Format(http.TimeFormat),
			"Cache-Control":           "public, max-age=31536000, immutable",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; sandbox",
			"Accept-Ranges":           "bytes",
		}},
		{name: "HEAD", method: "HEAD", url: img.URL, status: 200, body: []byte{}, headers: map[string]string{
			"Content-Type": "image/jpeg", "Content-Length": itoa(len(stored)), "ETag": etag,
		}},
		{name: "variant", method: "GET", url: img.Variants[1].URL, status: 200, headers: map[string]string{
			"Content-Type": "image/jpeg", "Content-Length": itoa(int(img.Variants[1].Bytes)),
		}},
		{name: "If-None-Match", method: "GET", url: img.URL, header: map[string]string{"If-None-Match": etag}, status: 304, body: []byte{}},
		{name: "If-Modified-Since", method: "GET", url: img.URL,
			header: map[string]string{"If-Modified-Since": attrs.ModTime.Add(time.Second).UTC().Format(http.TimeFormat)}, status: 304, body: []byte{}},
		{name: "Range", method: "GET", url: img.URL, header: map[string]string{"Range": "bytes=0-9"}, status: 206, body: stored[:10], headers: map[string]string{
			"Content-Range": "bytes 0-9/" + itoa(len(stored)), "Content-Length": "10", "Content-Type": "image/jpeg",
		}},
		{name: "suffix Range", method: "GET", url: img.URL, header: map[string]string{"Range": "bytes=-2"}, status: 206, body: []byte{0xFF, 0xD9}},
		{name: "unknown", method: "GET", url: missing, status: 404},
		{name: "malformed", method: "GET", url: DefaultPrefix + "photo.jpg", status: 404},
		{name: "not a variant width", method: "GET", url: strings.Replace(img.Variants[0].URL, "-w320", "-w321", 1), status: 404},
		{name: "outside the prefix", method: "GET", url: "/elsewhere/" + strings.TrimPrefix(img.URL, DefaultPrefix), status: 404},
		{name: "POST", method: "POST", url: img.URL, status: 405, headers: map[string]string{"Allow": "GET, HEAD"}},
		{name: "DELETE", method: "DELETE", url: img.URL, status: 405, headers: map[string]string{"Allow": "GET, HEAD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.url, nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			for k, v := range tt.headers {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if tt.body != nil && !bytes.Equal(w.Body.Bytes(), tt.body) {
				t.Errorf("body of %d bytes, want %d", w.Body.Len(), len(tt.body))
			}
		})
	}
}

// A bucket that fails is 503, not 404: the file may well be there.
func TestServeHTTPUnavailable(t *testing.T) {
	t.Parallel()
	b := memblob.OpenBucket(nil)
	s := New(b, nil)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(encodePNG(t, photo(10, 10))))
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", img.URL, nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
}

// Mounted on a mux under its prefix, as a server does.
func TestServeHTTPMounted(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, &Options{Prefix: "/img/"})
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(encodePNG(t, photo(10, 10))))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(s.Prefix(), s)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + img.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || int64(len(body)) != img.Bytes || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("got %d, %d bytes, %q", resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
