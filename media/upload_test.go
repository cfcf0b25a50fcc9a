package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/webp"

	"github.com/impactmuseum/commerce"
)

func TestUploadAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		file        []byte
		contentType string
		ext         string
		w, h        int
	}{
		{"JPEG", encodeJPEG(t, photo(64, 48), 90), "image/jpeg", ".jpg", 64, 48},
		{"PNG", encodePNG(t, photo(64, 48)), "image/png", ".png", 64, 48},
		// What a client calls photo.jpg is stored as what its bytes are.
		{"PNG bytes in a file named .jpg", encodePNG(t, photo(30, 20)), "image/png", ".png", 30, 20},
		{"GIF", encodeGIF(t, 40, 30, 0, 1), "image/gif", ".gif", 40, 30},
		{"WebP lossy with metadata", readFixture(t, "photo-exif-xmp.webp"), "image/webp", ".webp", 400, 300},
		{"WebP lossless with alpha", readFixture(t, "alpha.lossless.webp"), "image/webp", ".webp", 48, 32},
		{"JPEG made by exiftool", readFixture(t, "photo-exif.jpg"), "image/jpeg", ".jpg", 400, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, b := newTestStore(t, nil)
			img, err := s.Upload(t.Context(), "image", bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if img.ContentType != tt.contentType || img.Width != tt.w || img.Height != tt.h {
				t.Errorf("got %s %d×%d, want %s %d×%d", img.ContentType, img.Width, img.Height, tt.contentType, tt.w, tt.h)
			}
			if !strings.HasPrefix(img.URL, DefaultPrefix+img.ID+"-") || !strings.HasSuffix(img.URL, tt.ext) {
				t.Errorf("URL %q, want %s%s-….%s", img.URL, DefaultPrefix, img.ID, tt.ext)
			}
			stored, err := b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(stored)) != img.Bytes {
				t.Errorf("Bytes = %d, stored %d", img.Bytes, len(stored))
			}
			if _, _, err := image.Decode(bytes.NewReader(stored)); err != nil && tt.ext != ".webp" {
				t.Errorf("stored file does not decode: %v", err)
			}
		})
	}
}

func TestUploadRefuses(t *testing.T) {
	t.Parallel()
	good := encodeJPEG(t, photo(64, 48), 90)
	goodPNG := encodePNG(t, photo(64, 48))
	goodGIF := encodeGIF(t, 64, 48, 0, 1)
	goodWebP := readFixture(t, "photo-exif-xmp.webp")
	// An arithmetic-coded JPEG: SOF9 instead of SOF0.
	arith := bytes.Replace(bytes.Clone(good), []byte{0xFF, 0xC0}, []byte{0xFF, 0xC9}, 1)
	zeroGIF := bytes.Clone(goodGIF)
	copy(zeroGIF[6:10], []byte{0, 0, 0, 0})
	badCRC := bytes.Clone(goodPNG)
	badCRC[len(badCRC)-20] ^= 0xFF // inside the last IDAT
	tests := []struct {
		name string
		file []byte
		want refusal
	}{
		{"empty", nil, errEmpty},
		{"text", []byte("just some words, not a picture\n"), errType},
		{"HTML", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), errType},
		{"SVG", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), errType},
		{"PDF", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"), errType},
		{"BMP", append([]byte("BM\x3e\x00\x00\x00\x00\x00\x00\x00\x3e\x00\x00\x00\x28\x00\x00\x00"), make([]byte, 64)...), errType},
		{"TIFF", append([]byte("II*\x00\x08\x00\x00\x00"), make([]byte, 64)...), errType},
		{"ICO", append([]byte("\x00\x00\x01\x00\x01\x00\x10\x10"), make([]byte, 64)...), errType},
		{"JPEG header on garbage", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10}, bytes.Repeat([]byte("garbage!"), 64)...), errCorrupt},
		{"truncated JPEG", good[:len(good)/2], errCorrupt},
		{"JPEG without EOI", good[:len(good)-2], errCorrupt},
		{"truncated PNG", goodPNG[:len(goodPNG)/2], errCorrupt},
		{"PNG with a bad CRC", badCRC, errCorrupt},
		{"truncated GIF", goodGIF[:len(goodGIF)-8], errCorrupt},
		{"truncated WebP", goodWebP[:len(goodWebP)/2], errCorrupt},
		{"GIF of 0×0", zeroGIF, errNoPixels},
		{"animated WebP", readFixture(t, "animated.webp"), errAnimatedWebP},
		{"arithmetic-coded JPEG", arith, errUnsupported},
		{"PNG bomb", pngHeader(50000, 50000), tooManyPixels(50000, 50000)},
		{"GIF bomb", gifHeader(50000, 50000), tooManyPixels(50000, 50000)},
		{"12000×8000", pngHeader(12000, 8000), tooManyPixels(12000, 8000)},
		{"over 10 MiB", append(bytes.Clone(good[:len(good)-2]), make([]byte, MaxBytes)...), errTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, b := newTestStore(t, nil)
			_, err := s.Upload(t.Context(), "photo", bytes.NewReader(tt.file))
			if !errors.Is(err, commerce.ErrInvalid) {
				t.Fatalf("got %v, want a refusal", err)
			}
			if got := commerce.FieldErrors(err)["photo"]; got != string(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if ks := keys(t, b); len(ks) != 0 {
				t.Errorf("a refused file left %v", ks)
			}
		})
	}
}

// The messages are what a person reads under the field.
func TestRefusalMessages(t *testing.T) {
	t.Parallel()
	for got, want := range map[refusal]string{
		errTooBig:                  "must be at most 10 MiB",
		errType:                    "must be a JPEG, PNG, GIF or WebP image",
		errCorrupt:                 "is truncated or corrupt",
		tooManyPixels(12000, 8000): "must be at most 40 megapixels (this one is 12000×8000)",
	} {
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// pngHeader returns a PNG that claims width×height in a few dozen bytes.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 6, 0, 0, 0}
	p := []byte(pngSignature)
	p = append(p, pngChunk("IHDR", ihdr)...)
	p = append(p, pngChunk("IDAT", []byte{0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(p, pngChunk("IEND", nil)...)
}

// gifHeader returns a GIF that claims width×height in a few dozen bytes.
func gifHeader(w, h uint16) []byte {
	g := []byte("GIF89a")
	g = append(g, byte(w), byte(w>>8), byte(h), byte(h>>8), 0, 0, 0)
	g = append(g, 0x2C, 0, 0, 0, 0, byte(w), byte(w>>8), byte(h), byte(h>>8), 0, 2, 2, 0x4C, 0x01, 0)
	return append(g, 0x3B)
}

// A decompression bomb is refused from its header: Upload allocates a
// few kilobytes where decoding would take 10 GB.
func TestUploadBombAllocatesLittle(t *testing.T) {
	s, _ := newTestStore(t, nil)
	for _, bomb := range [][]byte{pngHeader(50000, 50000), gifHeader(50000, 50000)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := s.Upload(t.Context(), "image", bytes.NewReader(bomb))
		runtime.ReadMemStats(&after)
		if !errors.Is(err, commerce.ErrInvalid) {
			t.Fatalf("got %v, want a refusal", err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("allocated %d bytes to refuse a bomb, want under 1 MiB", got)
		}
	}
}

// endless is a reader of zeros that counts what it gives.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

func TestUploadReadsAtMostMaxBytesPlusOne(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, nil)
	src := &endless{}
	_, err := s.Upload(t.Context(), "image", io.MultiReader(bytes.NewReader([]byte{0xFF, 0xD8, 0xFF, 0xE0}), src))
	if got := commerce.FieldErrors(err)["image"]; got != string(errTooBig) {
		t.Fatalf("got %v, want %q", err, errTooBig)
	}
	if got, want := src.n+4, int64(MaxBytes+1); got != want {
		t.Errorf("read %d bytes, want %d", got, want)
	}
}

func TestUploadReadErrors(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, nil)
	_, err := s.Upload(t.Context(), "image", iotest.ErrReader(errors.New("connection reset")))
	if got := commerce.FieldErrors(err)["image"]; got != string(errIncomplete) {
		t.Errorf("broken body: got %v, want %q", err, errIncomplete)
	}
	// A server's own body limit is the same refusal as ours.
	rec := httptest.NewRecorder()
	body := http.MaxBytesReader(rec, io.NopCloser(&endless{}), 1<<20)
	_, err = s.Upload(t.Context(), "image", body)
	if got := commerce.FieldErrors(err)["image"]; got != string(errTooBig) {
		t.Errorf("http.MaxBytesReader: got %v, want %q", err, errTooBig)
	}
}

func TestUploadDedup(t *testing.T) {
	t.Parallel()
	s, b := newTestStore(t, nil)
	file := encodeJPEG(t, photo(400, 300), 90)
	first, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second upload differs (-first +second):\n%s", diff)
	}
	// The same picture with metadata that is all dropped is the same
	// stored file.
	tagged := slices.Concat(file[:2], exifAPP1(1), jpegSegment(0xFE, []byte("a comment")), file[2:], []byte("trailing"))
	third, err := s.Upload(t.Context(), "image", bytes.NewReader(tagged))
	if err != nil {
		t.Fatal(err)
	}
	if third.ID != first.ID {
		t.Errorf("with metadata: ID %s, want %s", third.ID, first.ID)
	}
	want := []string{
		strings.TrimPrefix(first.URL, DefaultPrefix),
		strings.TrimPrefix(first.Variants[0].URL, DefaultPrefix),
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, keys(t, b)); diff != "" {
		t.Errorf("bucket (-want +got):\n%s", diff)
	}
}

func TestUploadVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h int
		file func(t testing.TB, w, h int) []byte
		want [][2]int
		ext  string
	}{
		// 1000×750 has the aspect of 4000×3000, whose variants
		// TestVariantSize checks without encoding 12 megapixels.
		{1000, 750, func(t testing.TB, w, h int) []byte { return encodeJPEG(t, photo(w, h), 90) }, [][2]int{{320, 240}, {960, 720}}, ".jpg"},
		{500, 400, func(t testing.TB, w, h int) []byte { return encodeJPEG(t, photo(w, h), 90) }, [][2]int{{320, 256}}, ".jpg"},
		{640, 360, func(t testing.TB, w, h int) []byte { return encodePNG(t, photo(w, h)) }, [][2]int{{320, 180}}, ".png"},
		{200, 100, func(t testing.TB, w, h int) []byte { return encodeJPEG(t, photo(w, h), 90) }, nil, ""},
		{321, 400, func(t testing.TB, w, h int) []byte { return encodeGIF(t, w, h, 0) }, [][2]int{{320, 399}}, ".png"},
		{2000, 2, func(t testing.TB, w, h int) []byte { return encodePNG(t, photo(w, h)) }, [][2]int{{320, 1}, {960, 1}}, ".png"},
		{400, 300, func(t testing.TB, _, _ int) []byte { return readFixture(t, "photo-exif-xmp.webp") }, [][2]int{{320, 240}}, ".png"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dx%d", tt.w, tt.h), func(t *testing.T) {
			t.Parallel()
			s, b := newTestStore(t, nil)
			img, err := s.Upload(t.Context(), "image", bytes.NewReader(tt.file(t, tt.w, tt.h)))
			if err != nil {
				t.Fatal(err)
			}
			var got [][2]int
			for _, v := range img.Variants {
				got = append(got, [2]int{v.Width, v.Height})
				if !strings.HasSuffix(v.URL, tt.ext) {
					t.Errorf("%d×%d: variant %s, want %s", tt.w, tt.h, v.URL, tt.ext)
				}
				data, err := b.ReadAll(t.Context(), strings.TrimPrefix(v.URL, DefaultPrefix))
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(data)) != v.Bytes {
					t.Errorf("%s: Bytes = %d, stored %d", v.URL, v.Bytes, len(data))
				}
				cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
				if err != nil || cfg.Width != v.Width || cfg.Height != v.Height {
					t.Errorf("%s: decodes to %d×%d (%v), want %d×%d", v.URL, cfg.Width, cfg.Height, err, v.Width, v.Height)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%d×%d: variants (-want +got):\n%s", tt.w, tt.h, diff)
			}
			if d, ok := s.Describe(img.URL); !ok || len(d.Variants) != len(img.Variants) {
				t.Errorf("%d×%d: Describe gives %+v, %v", tt.w, tt.h, d, ok)
			}
		})
	}
}

func TestVariantSize(t *testing.T) {
	t.Parallel()
	tests := []struct{ w, h, vw, wantH int }{
		{4000, 3000, 320, 240},
		{4000, 3000, 960, 720},
		{500, 400, 320, 256},
		{3024, 4032, 960, 1280},
		{10000, 1, 320, 1},
	}
	for _, tt := range tests {
		if _, h := variantSize(tt.w, tt.h, tt.vw); h != tt.wantH {
			t.Errorf("%d×%d at %d: height %d, want %d", tt.w, tt.h, tt.vw, h, tt.wantH)
		}
	}
	n := name{id: strings.Repeat("a", 64), width: 4000, height: 3000, ext: "jpg"}
	var got []string
	for _, v := range n.variants() {
		got = append(got, v.String())
	}
	want := []string{strings.Repeat("a", 64) + "-4000x3000-w320.jpg", strings.Repeat("a", 64) + "-4000x3000-w960.jpg"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("4000×3000 variants (-want +got):\n%s", diff)
	}
}

func TestUploadStripsJPEG(t *testing.T) {
	t.Parallel()
	plain := encodeJPEG(t, photo(400, 300), 90)
	file := withMetadata(plain, 1)
	s, b := newTestStore(t, nil)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range [][]byte{[]byte("Exif"), []byte("TestPhone"), gpsRational, []byte("xmpmeta"), []byte("FixtureAuthor"),
		[]byte("Photoshop 3.0"), []byte("secret"), []byte("MPF"), []byte("TRAILING"), {0xAB, 0xCD, 0xEF}} {
		if bytes.Contains(stored, gone) {
			t.Errorf("stored file still holds %q", gone)
		}
	}
	for _, kept := range []string{"JFIF", "ICC_PROFILE", "Adobe"} {
		if !bytes.Contains(stored, []byte(kept)) {
			t.Errorf("stored file lost %s", kept)
		}
	}
	if !bytes.HasSuffix(stored, []byte{0xFF, 0xD9}) {
		t.Error("stored file does not end with EOI")
	}
	// Only segments went: the scans are the same bytes.
	if !bytes.Contains(stored, plain[bytes.Index(plain, []byte{0xFF, 0xDA}):]) {
		t.Error("the scans changed")
	}
	before, err := jpeg.Decode(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	after, err := jpeg.Decode(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	if !samePixels(before, after) {
		t.Error("stripping changed the pixels")
	}

	// The fixtures from exiftool, with real-world EXIF and XMP, also in
	// progressive form and with restart markers.
	for _, name := range []string{"photo-exif.jpg", "photo-exif-progressive.jpg", "photo-exif-restart.jpg"} {
		fixture := readFixture(t, name)
		img, err = s.Upload(t.Context(), "image", bytes.NewReader(fixture))
		if err != nil {
			t.Fatal(err)
		}
		stored, err = b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
		if err != nil {
			t.Fatal(err)
		}
		for _, gone := range []string{"Exif", "TestPhone", "MediaFixture", "FixtureAuthor", "ExifTool"} {
			if bytes.Contains(stored, []byte(gone)) {
				t.Errorf("%s: stored file still holds %q", name, gone)
			}
		}
		if got, want := bytes.Count(stored, []byte{0xFF, 0xDA}), bytes.Count(fixture, []byte{0xFF, 0xDA}); got != want {
			t.Errorf("%s: %d scans, want %d", name, got, want)
		}
		before, _ = jpeg.Decode(bytes.NewReader(fixture))
		after, err = jpeg.Decode(bytes.NewReader(stored))
		if err != nil || !samePixels(before, after) {
			t.Errorf("%s: stripping changed the pixels (%v)", name, err)
		}
	}
}

func TestUploadOrientation(t *testing.T) {
	t.Parallel()
	// Stored lying down, 800×400: the left half red, the right half blue.
	m := image.NewRGBA(image.Rect(0, 0, 800, 400))
	for y := range 400 {
		for x := range 800 {
			i := m.PixOffset(x, y)
			if x < 400 {
				copy(m.Pix[i:], []byte{230, 20, 20, 255})
			} else {
				copy(m.Pix[i:], []byte{20, 20, 230, 255})
			}
		}
	}
	plain := encodeJPEG(t, m, 90)
	tests := []struct {
		orientation uint16
		w, h        int
		vw, vh      int
		// where the red half shows
		redAt, blueAt image.Point // in the variant, as fractions ×4
	}{
		{1, 800, 400, 320, 160, image.Pt(1, 2), image.Pt(3, 2)},
		{3, 800, 400, 320, 160, image.Pt(3, 2), image.Pt(1, 2)},
		{6, 400, 800, 320, 640, image.Pt(2, 1), image.Pt(2, 3)}, // a quarter clockwise: left goes up
		{8, 400, 800, 320, 640, image.Pt(2, 3), image.Pt(2, 1)}, // a quarter anticlockwise: left goes down
	}
	for _, tt := range tests {
		s, b := newTestStore(t, nil)
		img, err := s.Upload(t.Context(), "image", bytes.NewReader(withMetadata(plain, tt.orientation)))
		if err != nil {
			t.Fatal(err)
		}
		if img.Width != tt.w || img.Height != tt.h {
			t.Errorf("orientation %d: %d×%d, want %d×%d", tt.orientation, img.Width, img.Height, tt.w, tt.h)
		}
		stored, _ := b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
		seg := minimalEXIF
		seg[28] = byte(tt.orientation)
		if tt.orientation == 1 {
			if bytes.Contains(stored, []byte("Exif")) {
				t.Error("an upright photo kept EXIF")
			}
		} else if !bytes.Contains(stored, seg[:]) {
			t.Errorf("orientation %d: the stored file does not hold it alone", tt.orientation)
		}
		if bytes.Contains(stored, gpsRational) || bytes.Contains(stored, []byte("TestPhone")) {
			t.Errorf("orientation %d: GPS or camera kept", tt.orientation)
		}
		if len(img.Variants) != 1 {
			t.Fatalf("orientation %d: variants %+v", tt.orientation, img.Variants)
		}
		v := img.Variants[0]
		data, _ := b.ReadAll(t.Context(), strings.TrimPrefix(v.URL, DefaultPrefix))
		vm, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if vm.Bounds().Dx() != tt.vw || vm.Bounds().Dy() != tt.vh {
			t.Errorf("orientation %d: variant %v, want %d×%d", tt.orientation, vm.Bounds(), tt.vw, tt.vh)
		}
		at := func(p image.Point) (uint32, uint32) {
			r, _, b, _ := vm.At(p.X*tt.vw/4, p.Y*tt.vh/4).RGBA()
			return r >> 8, b >> 8
		}
		if r, b := at(tt.redAt); r < 180 || b > 80 {
			t.Errorf("orientation %d: not red at %v: r %d b %d", tt.orientation, tt.redAt, r, b)
		}
		if r, b := at(tt.blueAt); b < 180 || r > 80 {
			t.Errorf("orientation %d: not blue at %v: r %d b %d", tt.orientation, tt.blueAt, r, b)
		}
		if bytes.Contains(data, []byte("Exif")) {
			t.Errorf("orientation %d: the variant has EXIF", tt.orientation)
		}
	}
}

// orient agrees with the EXIF definitions built from mirrors and turns.
func TestOrient(t *testing.T) {
	t.Parallel()
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range m.Pix {
		m.Pix[i] = byte(i)
	}
	mirror := func(a *image.RGBA) *image.RGBA { return orient(a, 2) }
	cw := func(a *image.RGBA) *image.RGBA { // a quarter turn clockwise, by hand
		w, h := a.Rect.Dx(), a.Rect.Dy()
		d := image.NewRGBA(image.Rect(0, 0, h, w))
		for y := range h {
			for x := range w {
				copy(d.Pix[d.PixOffset(h-1-y, x):][:4], a.Pix[a.PixOffset(x, y):][:4])
			}
		}
		return d
	}
	want := map[int]*image.RGBA{
		3: cw(cw(m)),
		4: mirror(cw(cw(m))),
		5: cw(cw(cw(mirror(m)))),
		6: cw(m),
		7: cw(mirror(m)),
		8: cw(cw(cw(m))),
	}
	for o, w := range want {
		if got := orient(m, o); !samePixels(got, w) {
			t.Errorf("orientation %d: got %v, want %v", o, got.Pix, w.Pix)
		}
	}
	for x := range 3 {
		if got := mirror(m).RGBAAt(x, 0); got != m.RGBAAt(2-x, 0) {
			t.Errorf("mirror: at %d got %v", x, got)
		}
	}
}

func TestExifOrientation(t *testing.T) {
	t.Parallel()
	for o := uint16(1); o <= 8; o++ {
		if got := exifOrientation(exifAPP1(o)[10:]); got != int(o) {
			t.Errorf("big-endian %d: got %d", o, got)
		}
		seg := minimalEXIF
		seg[28] = byte(o)
		if got := exifOrientation(seg[10:]); got != int(o) {
			t.Errorf("little-endian %d: got %d", o, got)
		}
	}
	for _, bad := range [][]byte{nil, []byte("MM\x00\x2a"), []byte("XX\x00\x2a\x00\x00\x00\x08"), exifAPP1(9)[10:], exifAPP1(6)[10:20]} {
		if got := exifOrientation(bad); got != 1 {
			t.Errorf("%q: got %d, want 1", bad, got)
		}
	}
}

func TestUploadStripsPNG(t *testing.T) {
	t.Parallel()
	plain := encodePNG(t, photo(400, 300))
	file := insertPNGChunks(plain,
		pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F}),
		pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1}),
		pngChunk("tEXt", []byte("Comment\x00secret-text")),
		pngChunk("zTXt", []byte("Author\x00\x00\x78\x9c\x03\x00\x00\x00\x00\x01")),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>secret-xmp</x:xmpmeta>")),
		pngChunk("eXIf", exifAPP1(1)[10:]),
		pngChunk("tIME", []byte{0x07, 0xE9, 1, 2, 3, 4, 5}),
		pngChunk("prVt", []byte("secret-private")),
	)
	file = append(file, "TRAILING-SECRET"...)
	s, b := newTestStore(t, nil)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
	for _, gone := range []string{"tEXt", "zTXt", "iTXt", "eXIf", "tIME", "prVt", "secret", "TestPhone", string(gpsRational), "TRAILING"} {
		if bytes.Contains(stored, []byte(gone)) {
			t.Errorf("stored file still holds %q", gone)
		}
	}
	for _, kept := range []string{"gAMA", "pHYs", "IHDR", "IDAT", "IEND"} {
		if !bytes.Contains(stored, []byte(kept)) {
			t.Errorf("stored file lost %s", kept)
		}
	}
	before, _ := png.Decode(bytes.NewReader(file))
	after, err := png.Decode(bytes.NewReader(stored))
	if err != nil || !samePixels(before, after) {
		t.Errorf("stripping changed the pixels (%v)", err)
	}
	// The variant keeps the colour chunks, so it looks the same.
	v, _ := b.ReadAll(t.Context(), strings.TrimPrefix(img.Variants[0].URL, DefaultPrefix))
	if !bytes.Contains(v, pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F})) {
		t.Error("the variant lost gAMA")
	}
	if _, err := png.Decode(bytes.NewReader(v)); err != nil {
		t.Errorf("the variant does not decode: %v", err)
	}
}

func TestUploadStripsGIF(t *testing.T) {
	t.Parallel()
	plain := encodeGIF(t, 400, 300, 0, 1, 2)
	at := 13 + 3<<(plain[10]&7+1) // after the global colour table
	if plain[10]&0x80 == 0 {
		at = 13
	}
	ext := []byte{0x21, 0xFE, 14}
	ext = append(ext, "secret comment"...)
	ext = append(ext, 0)
	ext = append(ext, 0x21, 0xFF, 11)
	ext = append(ext, "XMP DataXMP"...)
	ext = append(ext, 16)
	ext = append(ext, "<x>secret-xmp</x"...)
	ext = append(ext, 0)
	ext = append(ext, 0x21, 0x01, 12, 0, 0, 0, 0, 8, 0, 8, 0, 8, 8, 0, 1, 11)
	ext = append(ext, "secret-text"...)
	ext = append(ext, 0)
	file := slices.Concat(plain[:at], ext, plain[at:len(plain)-1], []byte{0x3B}, []byte("TRAILING"))
	if _, err := gif.DecodeAll(bytes.NewReader(file)); err != nil {
		t.Fatalf("the test's GIF: %v", err)
	}
	s, b := newTestStore(t, nil)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
	for _, gone := range []string{"secret", "XMP DataXMP", "TRAILING"} {
		if bytes.Contains(stored, []byte(gone)) {
			t.Errorf("stored file still holds %q", gone)
		}
	}
	if !bytes.Contains(stored, []byte("NETSCAPE2.0")) {
		t.Error("stored file lost its loop")
	}
	before, _ := gif.DecodeAll(bytes.NewReader(file))
	after, err := gif.DecodeAll(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Image) != 3 || after.LoopCount != before.LoopCount || !slices.Equal(after.Delay, before.Delay) {
		t.Errorf("animation changed: %d frames, loop %d, delays %v", len(after.Image), after.LoopCount, after.Delay)
	}
	for i := range before.Image {
		if !samePixels(before.Image[i], after.Image[i]) {
			t.Errorf("frame %d changed", i)
		}
	}
	if !bytes.Equal(stored, plain) {
		t.Error("stripping the added metadata did not give back the plain GIF")
	}
}

func TestUploadStripsWebP(t *testing.T) {
	t.Parallel()
	file := readFixture(t, "photo-exif-xmp.webp")
	s, b := newTestStore(t, nil)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := b.ReadAll(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
	for _, gone := range []string{"EXIF", "XMP ", "Exif", "TestPhone", "FixtureAuthor", "xmpmeta"} {
		if bytes.Contains(stored, []byte(gone)) {
			t.Errorf("stored file still holds %q", gone)
		}
	}
	if got := int(stored[4]) | int(stored[5])<<8 | int(stored[6])<<16 | int(stored[7])<<24; got != len(stored)-8 {
		t.Errorf("RIFF size %d, want %d", got, len(stored)-8)
	}
	if i := bytes.Index(stored, []byte("VP8X")); i < 0 || stored[i+8]&(webpEXIF|webpXMP) != 0 {
		t.Errorf("VP8X flags still say EXIF or XMP")
	}
	before, _ := webp.Decode(bytes.NewReader(file))
	after, err := webp.Decode(bytes.NewReader(stored))
	if err != nil || !samePixels(before, after) {
		t.Errorf("stripping changed the pixels (%v)", err)
	}
}

func TestUploadVariantColourProfile(t *testing.T) {
	t.Parallel()
	plain := encodeJPEG(t, photo(400, 300), 90)
	for _, tt := range []struct {
		space string
		want  bool
	}{{"RGB ", true}, {"CMYK", false}} {
		file := slices.Concat(plain[:2], fakeICC(tt.space), plain[2:])
		s, b := newTestStore(t, nil)
		img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := b.ReadAll(t.Context(), strings.TrimPrefix(img.Variants[0].URL, DefaultPrefix))
		if got := bytes.Contains(v, fakeICC(tt.space)); got != tt.want {
			t.Errorf("%s profile in the variant: %v, want %v", tt.space, got, tt.want)
		}
		if _, err := jpeg.Decode(bytes.NewReader(v)); err != nil {
			t.Errorf("the variant does not decode: %v", err)
		}
	}
}

func TestUploadWrites(t *testing.T) {
	t.Parallel()
	s, b := newTestStore(t, nil)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(encodeJPEG(t, photo(1000, 200), 90)))
	if err != nil {
		t.Fatal(err)
	}
	orig, err := b.Attributes(t.Context(), strings.TrimPrefix(img.URL, DefaultPrefix))
	if err != nil {
		t.Fatal(err)
	}
	if orig.ContentType != "image/jpeg" || orig.CacheControl != cacheControl {
		t.Errorf("original: %q, %q", orig.ContentType, orig.CacheControl)
	}
	for _, v := range img.Variants {
		a, err := b.Attributes(t.Context(), strings.TrimPrefix(v.URL, DefaultPrefix))
		if err != nil {
			t.Fatal(err)
		}
		if a.ContentType != "image/jpeg" || a.CacheControl != cacheControl {
			t.Errorf("%s: %q, %q", v.URL, a.ContentType, a.CacheControl)
		}
		// Variants first, the original last.
		if a.ModTime.After(orig.ModTime) {
			t.Errorf("%s written after its original", v.URL)
		}
	}
}

func TestUploadCancelled(t *testing.T) {
	t.Parallel()
	s, b := newTestStore(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Upload(ctx, "image", bytes.NewReader(encodeJPEG(t, photo(400, 300), 90)))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if ks := keys(t, b); len(ks) != 0 {
		t.Errorf("a cancelled upload left %v", ks)
	}
}

// A GIF whose first frame covers only part of its screen: the variants
// show the frame where it is and transparency around it, both through the
// box filter (320) and without it (960).
func TestUploadGIFPartialFrame(t *testing.T) {
	t.Parallel()
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	frame := image.NewPaletted(image.Rect(250, 100, 750, 200), pal)
	file := new(bytes.Buffer)
	err := gif.EncodeAll(file, &gif.GIF{
		Image:  []*image.Paletted{frame},
		Delay:  []int{0},
		Config: image.Config{ColorModel: pal, Width: 1000, Height: 300},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, b := newTestStore(t, nil)
	img, err := s.Upload(t.Context(), "image", file)
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 1000 || img.Height != 300 || len(img.Variants) != 2 {
		t.Fatalf("got %+v", img)
	}
	for _, v := range img.Variants {
		data, _ := b.ReadAll(t.Context(), strings.TrimPrefix(v.URL, DefaultPrefix))
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		at := func(x, y int) color.NRGBA {
			return color.NRGBAModel.Convert(m.At(x*v.Width/1000, y*v.Height/300)).(color.NRGBA)
		}
		if c := at(500, 150); c != (color.NRGBA{255, 0, 0, 255}) {
			t.Errorf("%d: inside the frame %v, want red", v.Width, c)
		}
		if c := at(100, 50); c.A != 0 {
			t.Errorf("%d: outside the frame %v, want transparent", v.Width, c)
		}
	}
}

// Uploads beyond MaxConcurrentUploads wait for a slot, and their context
// may end the wait.
func TestUploadsWaitForASlot(t *testing.T) {
	s, _ := newTestStore(t, &Options{MaxConcurrentUploads: 1})
	file := encodeJPEG(t, photo(64, 48), 80)
	s.uploads <- struct{}{} // an upload in progress
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Upload(ctx, "image", bytes.NewReader(file))
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, commerce.ErrUnavailable) {
		t.Fatalf("an upload with no free slot: %v, want the deadline, as unavailable", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
		done <- err
	}()
	<-s.uploads // the first upload ends
	if err := <-done; err != nil {
		t.Fatalf("the waiting upload: %v", err)
	}
}
