package media

import (
	// The drivers of the schemes these tests open.
	"bytes"
	"errors"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "not", "yet")
	tests := []struct {
		name string
		url  string
		disk string // where the files land, if on disk
	}{
		{"mem", "mem://", ""},
		{"file", "file://" + filepath.ToSlash(dir) + "?create_dir=1", dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.url, &Options{Prefix: "/img/"})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
			img, err := s.Upload(t.Context(), "image", bytes.NewReader(encodePNG(t, photo(400, 300))))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(img.URL, "/img/") || s.Prefix() != "/img/" {
				t.Errorf("URL %q under %q", img.URL, s.Prefix())
			}
			if _, ok := s.Describe(img.URL); !ok {
				t.Errorf("Describe(%q) = false", img.URL)
			}
			if tt.disk != "" {
				if _, err := os.Stat(filepath.Join(tt.disk, strings.TrimPrefix(img.URL, "/img/"))); err != nil {
					t.Errorf("not on disk: %v", err)
				}
			}
		})
	}
}

func TestOpenFails(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name  string
		url   string
		opts  *Options
		kind  error
		names string // what the message must name
	}{
		{"a directory that does not exist", "file://" + filepath.ToSlash(missing), nil, ErrStorage, missing},
		{"an unknown scheme", "ftp://example.com/media", nil, ErrStorage, "ftp://example.com/media"},
		{"an unknown parameter", "mem://?colour=blue", nil, ErrStorage, "mem://"},
		{"a malformed URL", "file://%zz", nil, commerce.ErrInvalid, ""},
		{"a bad prefix", "mem://", &Options{Prefix: "media"}, commerce.ErrInvalid, "media"},
		{"a negative grace", "mem://", &Options{Grace: -1}, commerce.ErrInvalid, "Grace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(t.Context(), tt.url, tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("got %v, want %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.names) {
				t.Errorf("%q does not name %q", err, tt.names)
			}
		})
	}
}

// Credentials never reach a log through an error, and never belong in
// the URL in the first place.
func TestOpenRefusesCredentials(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"s3://AKIDEXAMPLE:wJalrXUtnFEMI@shop-media?region=us-east-1",
		"file://user:hunter2@/var/lib/shop",
	} {
		_, err := Open(t.Context(), u, nil)
		if !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("%s: got %v, want a refusal", u, err)
		}
		parsed, _ := url.Parse(u)
		secret, _ := parsed.User.Password()
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

func TestNewPanics(t *testing.T) {
	t.Parallel()
	_, b := newTestStore(t, nil)
	for name, f := range map[string]func(){
		"nil bucket": func() { New(nil, nil) },
		"bad prefix": func() { New(b, &Options{Prefix: "/media"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	// A Store made by New leaves the bucket to its owner.
	s := New(b, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Attributes(t.Context(), "x"); err == nil || strings.Contains(err.Error(), "closed") {
		t.Errorf("Close closed a bucket it does not own: %v", err)
	}
}
