package media

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDescribeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"", "/files/img/"} {
		s, _ := newTestStore(t, &Options{Prefix: prefix})
		for _, file := range [][]byte{
			encodeJPEG(t, photo(400, 300), 90),
			encodePNG(t, photo(330, 100)),
			encodeGIF(t, 100, 50, 0),
			readFixture(t, "photo-exif-xmp.webp"),
		} {
			img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := s.Describe(img.URL)
			if !ok {
				t.Fatalf("Describe(%q) = false", img.URL)
			}
			// A URL does not tell the sizes of the files.
			want := img
			want.Bytes = 0
			for i := range want.Variants {
				want.Variants[i].Bytes = 0
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Describe(%q) (-want +got):\n%s", img.URL, diff)
			}
		}
	}
}

func TestDescribeRejects(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, nil)
	id := strings.Repeat("0123456789abcdef", 4)
	if _, ok := s.Describe("/media/" + id + "-4000x3000.jpg"); !ok {
		t.Fatal("the well-formed URL is refused")
	}
	for _, url := range []string{
		"",
		"https://example.com/photo.jpg",
		"https://shop.example/media/" + id + "-4000x3000.jpg", // absolute
		"/static/" + id + "-4000x3000.jpg",                    // another prefix
		"media/" + id + "-4000x3000.jpg",                      // relative
		"/media/" + id + "-4000x3000-w320.jpg",                // a variant
		"/media/" + strings.ToUpper(id) + "-4000x3000.jpg",
		"/media/" + id[1:] + "-4000x3000.jpg",
		"/media/" + id + "0-4000x3000.jpg",
		"/media/" + id + "-4000x3000.jpeg",
		"/media/" + id + "-4000x3000.svg",
		"/media/" + id + "-4000x3000.JPG",
		"/media/" + id + "-4000x3000",
		"/media/" + id + "-04000x3000.jpg",
		"/media/" + id + "-0x3000.jpg",
		"/media/" + id + "-4000x-3000.jpg",
		"/media/" + id + "-4000X3000.jpg",
		"/media/" + id + "-+4000x3000.jpg",
		"/media/" + id + "-4000x3000x1.jpg",
		"/media/" + id + "-12000x8000.jpg", // over MaxPixels
		"/media/" + id + "-4000x3000.jpg?v=1",
		"/media/" + id + "-4000x3000.jpg/",
		"/media/../" + id + "-4000x3000.jpg",
		"/media/x/" + id + "-4000x3000.jpg",
	} {
		if img, ok := s.Describe(url); ok {
			t.Errorf("Describe(%q) = %+v, want false", url, img)
		}
	}
}

func TestParseName(t *testing.T) {
	t.Parallel()
	id := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		want name
		ok   bool
	}{
		{id + "-4000x3000.jpg", name{id: id, width: 4000, height: 3000, ext: "jpg"}, true},
		{id + "-4000x3000-w320.jpg", name{id: id, width: 4000, height: 3000, variant: 320, ext: "jpg"}, true},
		{id + "-4000x3000-w960.png", name{id: id, width: 4000, height: 3000, variant: 960, ext: "png"}, true},
		{id + "-1x1.webp", name{id: id, width: 1, height: 1, ext: "webp"}, true},
		{id + "-4000x3000-w500.jpg", name{}, false},  // not one of VariantWidths
		{id + "-960x720-w960.jpg", name{}, false},    // no narrower than the original
		{id + "-4000x3000-w320.gif", name{}, false},  // variants are JPEG or PNG
		{id + "-4000x3000-w0320.jpg", name{}, false}, // not canonical
		{id + "-4000x3000-w.jpg", name{}, false},
	}
	for _, tt := range tests {
		got, ok := parseName(tt.name)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseName(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() != tt.name {
			t.Errorf("%q formats back as %q", tt.name, got.String())
		}
	}
}
