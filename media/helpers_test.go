package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

// newTestStore returns a Store over a new in-memory bucket.
func newTestStore(t testing.TB, opts *Options) (*Store, *blob.Bucket) {
	t.Helper()
	b := memblob.OpenBucket(nil)
	t.Cleanup(func() { b.Close() })
	return New(b, opts), b
}

// photo returns a picture with the statistics of a photo — smooth
// gradients and fine noise — the same for the same size.
func photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		for x := range w {
			n := int(rng.IntN(24)) - 12
			r := 40 + 180*x/w + n
			g := 60 + 150*y/h + n
			b := 120 + 100*((x+y)%(w/4+1))/(w/4+1) - 50 + n
			i := m.PixOffset(x, y)
			m.Pix[i] = clamp(r)
			m.Pix[i+1] = clamp(g)
			m.Pix[i+2] = clamp(b)
			m.Pix[i+3] = 255
		}
	}
	return m
}

func clamp(v int) uint8 { return uint8(max(0, min(255, v))) }

func encodeJPEG(t testing.TB, m image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeGIF encodes an animation of frames, each a flat colour of the
// same 4-colour palette, looping forever.
func encodeGIF(t testing.TB, w, h int, colours ...uint8) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 160, 0, 255}, color.RGBA{255, 255, 255, 255}}
	a := &gif.GIF{LoopCount: 0}
	for _, c := range colours {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for i := range f.Pix {
			f.Pix[i] = c
		}
		// A stripe of another colour, so that frames differ in shape.
		for y := range h / 4 {
			for x := range w {
				f.Pix[y*f.Stride+x] = (c + 1) % 4
			}
		}
		a.Image = append(a.Image, f)
		a.Delay = append(a.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, a); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jpegSegment returns a JPEG marker segment.
func jpegSegment(marker byte, payload ...[]byte) []byte {
	n := 2
	for _, p := range payload {
		n += len(p)
	}
	s := []byte{0xFF, marker, byte(n >> 8), byte(n)}
	for _, p := range payload {
		s = append(s, p...)
	}
	return s
}

// gpsRational is the GPS latitude's seconds, 5940/100, as the big-endian
// bytes a TIFF structure holds: what must not be left in a stored file.
var gpsRational = []byte{0, 0, 0x17, 0x34, 0, 0, 0, 0x64}

// exifAPP1 returns an APP1 EXIF segment built by hand: a big-endian TIFF
// structure whose IFD0 holds Make "TestPhone", the orientation and a
// pointer to a GPS IFD with a latitude of 37° 33' 59.40" N.
func exifAPP1(orientation uint16) []byte {
	be := binary.BigEndian
	t := []byte{'M', 'M', 0, 42, 0, 0, 0, 8}
	entry := func(tag, typ uint16, count, value uint32) {
		t = be.AppendUint16(t, tag)
		t = be.AppendUint16(t, typ)
		t = be.AppendUint32(t, count)
		t = be.AppendUint32(t, value)
	}
	// IFD0 at 8: 3 entries, ends at 8+2+36+4 = 50.
	t = be.AppendUint16(t, 3)
	entry(0x010F, 2, 10, 50) // Make, ASCII, at 50
	entry(0x0112, 3, 1, uint32(orientation)<<16)
	entry(0x8825, 4, 1, 60) // GPS IFD at 60
	t = be.AppendUint32(t, 0)
	t = append(t, "TestPhone\x00"...) // 50..60
	// GPS IFD at 60: 2 entries, ends at 60+2+24+4 = 90.
	t = be.AppendUint16(t, 2)
	entry(0x0001, 2, 2, uint32('N')<<24) // GPSLatitudeRef "N"
	entry(0x0002, 5, 3, 90)              // GPSLatitude, 3 RATIONAL at 90
	t = be.AppendUint32(t, 0)
	for _, r := range [][2]uint32{{37, 1}, {33, 1}, {5940, 100}} {
		t = be.AppendUint32(t, r[0])
		t = be.AppendUint32(t, r[1])
	}
	return jpegSegment(0xE1, []byte("Exif\x00\x00"), t)
}

// fakeICC returns an APP2 ICC_PROFILE segment with a profile header whose
// colour space is space ("RGB " or "CMYK"); decoders ignore it.
func fakeICC(space string) []byte {
	profile := make([]byte, 128)
	binary.BigEndian.PutUint32(profile, 128)
	copy(profile[12:], "mntr")
	copy(profile[16:], space)
	copy(profile[36:], "acsp")
	return jpegSegment(0xE2, []byte("ICC_PROFILE\x00\x01\x01"), profile)
}

// withMetadata returns the JPEG j with every kind of metadata a camera
// or an editor leaves: a JFIF with a thumbnail, EXIF with GPS, XMP, IPTC,
// an ICC profile, an MPF index, a comment, an Adobe segment, and bytes
// after EOI.
func withMetadata(j []byte, orientation uint16) []byte {
	jfif := []byte("JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x02\x01")
	jfif = append(jfif, 0xAB, 0xCD, 0xEF, 0xAB, 0xCD, 0xEF) // 2×1 RGB thumbnail
	segs := [][]byte{
		jpegSegment(0xE0, jfif),
		exifAPP1(orientation),
		jpegSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>FixtureAuthor</x:xmpmeta>")),
		fakeICC("RGB "),
		jpegSegment(0xE2, []byte("MPF\x00II*\x00secret-mpf")),
		jpegSegment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04secret-iptc")),
		jpegSegment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")), // transform 1: YCbCr
		jpegSegment(0xFE, []byte("secret comment")),
	}
	out := append([]byte(nil), j[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	out = append(out, j[2:]...)
	return append(out, "TRAILING-SECRET"...)
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// insertPNGChunks inserts chunks right after the IHDR of p.
func insertPNGChunks(p []byte, chunks ...[]byte) []byte {
	at := len(pngSignature) + 25
	out := append([]byte(nil), p[:at]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[at:]...)
}

// samePixels reports whether a and b have the same bounds and colours.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	flat := func(m image.Image) []byte {
		d := image.NewRGBA64(m.Bounds())
		draw.Draw(d, d.Rect, m, m.Bounds().Min, draw.Src)
		return d.Pix
	}
	return bytes.Equal(flat(a), flat(b))
}

// keys lists the keys of bucket.
func keys(t testing.TB, b *blob.Bucket) []string {
	t.Helper()
	var ks []string
	it := b.List(nil)
	for {
		o, err := it.Next(t.Context())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, o.Key)
	}
	return ks
}
