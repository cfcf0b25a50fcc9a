package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"

	"gocloud.dev/blob"
	"golang.org/x/image/webp"

	"github.com/impactmuseum/commerce"
)

// refusal is why an upload is refused, as the message of the
// *commerce.ValidationError on its field.
type refusal string

func (r refusal) Error() string { return string(r) }

// The reasons for refusing a file, in English, as a client shows them
// under the field.
var (
	errEmpty        = refusal("is empty")
	errTooBig       = refusal(fmt.Sprintf("must be at most %d MiB", MaxBytes>>20))
	errType         = refusal("must be a JPEG, PNG, GIF or WebP image")
	errCorrupt      = refusal("is truncated or corrupt")
	errUnsupported  = refusal("uses a form of its format that cannot be read; save it again as a plain JPEG or PNG")
	errNoPixels     = refusal("must be at least 1 pixel wide and 1 pixel high")
	errAnimatedWebP = refusal("must be a still WebP image: an animated WebP cannot be read")
	errGIFFrames    = refusal(fmt.Sprintf("must have at most %d megapixels in all its frames together", maxGIFFramePixels/1_000_000))
	errIncomplete   = refusal("was not received in full")
)

// tooManyPixels is the refusal of an image of width × height.
func tooManyPixels(width, height int) refusal {
	return refusal(fmt.Sprintf("must be at most %d megapixels (this one is %d×%d)", MaxPixels/1_000_000, width, height))
}

// cacheControl is sent with every stored file: a name changes whenever
// its content does, so a file can be cached for a year as it is.
const cacheControl = "public, max-age=31536000, immutable"

// The kinds of file accepted, by what http.DetectContentType says of
// their first bytes, with the extension they are stored under.
var sniffedExt = map[string]string{
	"image/jpeg": "jpg",
	"image/png":  "png",
	"image/gif":  "gif",
	"image/webp": "webp",
}

func (s *Store) upload(ctx context.Context, field string, r io.Reader) (Image, error) {
	refuse := func(err error) (Image, error) {
		var why refusal
		if errors.As(err, &why) {
			return Image{}, commerce.Invalid(field, string(why))
		}
		return Image{}, err
	}
	buf, err := readLimited(ctx, r)
	if err != nil {
		return refuse(err)
	}
	ext := sniffedExt[http.DetectContentType(buf)]
	if ext == "" {
		return refuse(errType)
	}
	// The header alone first: a decompression bomb is refused here,
	// before a single pixel is allocated.
	cfg, err := decodeConfig(ext, buf)
	if err != nil {
		return refuse(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return refuse(errNoPixels)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return refuse(tooManyPixels(cfg.Width, cfg.Height))
	}
	kept, info, err := strip(ext, buf)
	if err != nil {
		return refuse(err)
	}
	buf = nil
	if ctx.Err() != nil {
		return Image{}, ended(ctx)
	}
	// Decoding what is kept checks the whole file — a file cut short or
	// damaged after its header fails here — and that stripping left an
	// image, and gives the pixels of the variants.
	m, err := decode(ext, kept)
	if err != nil {
		return refuse(err)
	}
	canvas := image.Rect(0, 0, cfg.Width, cfg.Height)
	if ext != "gif" && m.Bounds() != canvas {
		return refuse(errCorrupt)
	}
	if ctx.Err() != nil {
		return Image{}, ended(ctx)
	}

	sum := sha256.Sum256(kept)
	n := name{id: hex.EncodeToString(sum[:]), width: cfg.Width, height: cfg.Height, ext: ext}
	if info.orientation >= 5 {
		n.width, n.height = n.height, n.width
	}
	variants := n.variants()

	s.writing.RLock()
	defer s.writing.RUnlock()
	sizes := make([]int64, len(variants))
	write := func(i int, v *image.RGBA) error {
		var err error
		sizes[i], err = s.writeVariant(ctx, variants[i], v, info.colour)
		return err
	}
	if err := resize(finalScaler, m, canvas, info.orientation, variants, write); err != nil {
		return Image{}, err
	}
	// The original last: once it is stored, so are its variants.
	opts := &blob.WriterOptions{ContentType: contentTypes[ext], CacheControl: cacheControl}
	if err := s.bucket.WriteAll(ctx, n.String(), kept, opts); err != nil {
		return Image{}, writeError(ctx, n, err)
	}
	return s.describe(n, int64(len(kept)), sizes), nil
}

// writeVariant encodes v as the file named n, straight into the bucket,
// and returns its size.
func (s *Store) writeVariant(ctx context.Context, n name, v *image.RGBA, colour []byte) (int64, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, n.String(), &blob.WriterOptions{ContentType: contentTypes[n.ext], CacheControl: cacheControl})
	if err != nil {
		return 0, writeError(ctx, n, err)
	}
	cw := &countingWriter{w: w}
	if err := encodeVariant(cw, v, n.ext, colour); err != nil {
		err = writeError(ctx, n, err)
		cancel() // abandons the write instead of storing half a file
		w.Close()
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, writeError(ctx, n, err)
	}
	return cw.n, nil
}

// ended is the error of an upload or sweep whose context ended: the
// context's error, as ErrStorage (unavailable), like every engine error
// for an ended context.
func ended(ctx context.Context) error { return fmt.Errorf("%w: %w", ErrStorage, ctx.Err()) }

// writeError reports a failed write of n: the context's error if it was
// cancelled, else the bucket's, wrapping ErrStorage.
func writeError(ctx context.Context, n name, err error) error {
	if ctx.Err() != nil {
		return ended(ctx)
	}
	return fmt.Errorf("%w: write %s: %v", ErrStorage, n, err)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// readLimited reads all of r into one buffer, refusing more than
// MaxBytes: it never reads more than MaxBytes+1 bytes. A reader that
// tells its size (bytes.Reader, a multipart file, an os.File) is read
// into a buffer of exactly that size; any other into one that doubles.
func readLimited(ctx context.Context, r io.Reader) ([]byte, error) {
	size := int64(64 << 10)
	switch v := r.(type) {
	case interface{ Len() int }:
		size = int64(v.Len())
	case interface{ Size() int64 }:
		size = v.Size()
	case *os.File:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	buf := make([]byte, 0, min(max(size, 0), MaxBytes)+1)
	for {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*cap(buf), MaxBytes+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > MaxBytes {
			return nil, errTooBig
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				return nil, errTooBig
			case ctx.Err() != nil:
				return nil, ended(ctx)
			case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
				return nil, fmt.Errorf("%w: %w", ErrStorage, err)
			}
			return nil, errIncomplete
		}
	}
	if len(buf) == 0 {
		return nil, errEmpty
	}
	return buf, nil
}

// decodeConfig reads the size of an image of type ext from its header.
func decodeConfig(ext string, b []byte) (image.Config, error) {
	var (
		cfg image.Config
		err error
	)
	r := bytes.NewReader(b)
	switch ext {
	case "jpg":
		cfg, err = jpeg.DecodeConfig(r)
	case "png":
		cfg, err = png.DecodeConfig(r)
	case "gif":
		cfg, err = gif.DecodeConfig(r)
	case "webp":
		cfg, err = webp.DecodeConfig(r)
	default:
		return cfg, errType
	}
	if err != nil {
		return cfg, decodeError(err)
	}
	return cfg, nil
}

// decode decodes an image of type ext: all of it, but for a GIF, whose
// first frame is all a variant needs (stripGIF has checked the others).
func decode(ext string, b []byte) (image.Image, error) {
	var (
		m   image.Image
		err error
	)
	r := bytes.NewReader(b)
	switch ext {
	case "jpg":
		m, err = jpeg.Decode(r)
	case "png":
		m, err = png.Decode(r)
	case "gif":
		m, err = gif.Decode(r)
	case "webp":
		m, err = webp.Decode(r)
	default:
		return nil, errType
	}
	if err != nil {
		return nil, decodeError(err)
	}
	return m, nil
}

// decodeError tells a file this package cannot read from a broken one.
func decodeError(err error) error {
	var (
		j jpeg.UnsupportedError
		p png.UnsupportedError
	)
	if errors.As(err, &j) || errors.As(err, &p) {
		return errUnsupported
	}
	return errCorrupt
}

// strip removes the metadata of an image of type ext; see strip.go.
func strip(ext string, b []byte) ([]byte, colourInfo, error) {
	switch ext {
	case "jpg":
		return stripJPEG(b)
	case "png":
		return stripPNG(b)
	case "gif":
		return stripGIF(b)
	case "webp":
		return stripWebP(b)
	}
	return nil, colourInfo{}, errType
}
