package media

import (
	"context"
	"io"
	"net/http"
	"time"

	"gocloud.dev/blob"
)

// Limits of an upload, checked before any pixel is decoded.
const (
	// MaxBytes is the largest file accepted: 10 MiB.
	MaxBytes = 10 << 20
	// MaxPixels is the largest image accepted, width × height: 40
	// megapixels, far above a phone's photo, far below a decompression
	// bomb.
	MaxPixels = 40_000_000
)

// VariantWidths are the widths of the smaller copies made of every stored
// image wider than them, narrowest first. They are part of the names of
// stored files, so changing them leaves older images without the new
// widths.
var VariantWidths = []int{320, 960}

// DefaultPrefix is the URL path under which a Store's images are served
// unless Options.Prefix says otherwise.
const DefaultPrefix = "/media/"

// DefaultGrace is how old an unused file must be before Sweep deletes it
// unless Options.Grace says otherwise: long enough for a staff member to
// upload a photo and finish the product's form.
const DefaultGrace = 24 * time.Hour

// Options configure a Store. The zero value, or nil, gives the defaults.
type Options struct {
	// Prefix is the URL path the Store's Handler is mounted at; the URL of
	// every stored image starts with it. It starts and ends with "/".
	// Default: DefaultPrefix.
	Prefix string
	// Grace is the age below which Sweep never deletes a file. Default:
	// DefaultGrace.
	Grace time.Duration
	// Now is the clock of Sweep. Default: time.Now.
	Now func() time.Time
}

// Image is a stored image, or what a stored image's URL says of it.
type Image struct {
	// ID is the SHA-256 of the stored original, in hex.
	ID string
	// URL is the original's URL: Options.Prefix and the file's name.
	URL         string
	ContentType string
	Width       int
	Height      int
	// Bytes is the size of the stored original; 0 when the Image was
	// described from its URL alone.
	Bytes int64
	// Variants are the smaller copies, narrowest first; none for an image
	// no wider than the narrowest of VariantWidths.
	Variants []Variant
}

// Variant is a smaller copy of a stored image, with the original's aspect.
type Variant struct {
	Width  int
	Height int
	URL    string
	// Bytes is the size of the file; 0 when described from a URL alone.
	Bytes int64
}

// Store keeps images in a blob bucket. It is safe for concurrent use.
type Store struct {
	bucket *blob.Bucket
	prefix string
	grace  time.Duration
	now    func() time.Time
}

// Open opens the bucket of url — file:///var/lib/shop/media, mem://, or
// s3://bucket?endpoint=…&region=… for any S3-compatible store — and
// returns a Store over it. Close closes the bucket.
func Open(ctx context.Context, url string, opts *Options) (*Store, error) {
	panic("media: not built yet")
}

// New returns a Store over bucket, which the caller owns.
func New(bucket *blob.Bucket, opts *Options) *Store {
	panic("media: not built yet")
}

// Close closes the bucket of a Store made by Open.
func (s *Store) Close() error { panic("media: not built yet") }

// Prefix returns the URL path the Store's images are served under.
func (s *Store) Prefix() string { return s.prefix }

// Upload reads an image of at most MaxBytes from r and stores it: JPEG,
// PNG, GIF or WebP only, judged by its bytes; at most MaxPixels, checked
// from its header before the pixels are decoded; metadata (EXIF, XMP,
// comments) removed. The original is stored under the SHA-256 of what is
// kept, so the same file uploaded twice is stored once, together with its
// variants. A refused file is a *commerce.ValidationError on field.
func (s *Store) Upload(ctx context.Context, field string, r io.Reader) (Image, error) {
	panic("media: not built yet")
}

// Describe returns what the URL of a stored image says of it — its id,
// size, type and variants, from the name alone, without reading the
// bucket — or false for any other URL, such as an external one.
func (s *Store) Describe(url string) (Image, bool) { panic("media: not built yet") }

// ServeHTTP serves GET and HEAD of Prefix + a stored file's name, with
// http.ServeContent: ETag, Last-Modified, ranges, a year of caching
// (names change when content does) and nosniff.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) { panic("media: not built yet") }

// SweepResult counts what a Sweep did.
type SweepResult struct {
	// Deleted and Kept count stored originals.
	Deleted int
	Kept    int
}

// Sweep deletes every stored image, with its variants, whose URL inUse
// does not report and that is older than Options.Grace. It lists the
// bucket before it asks inUse, and an upload rewrites its files, so an
// upload in flight or just finished is never swept.
func (s *Store) Sweep(ctx context.Context, inUse func(url string) bool) (SweepResult, error) {
	panic("media: not built yet")
}
