package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"

	"github.com/impactmuseum/commerce"
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

// ErrStorage is wrapped by the errors of a bucket that failed to open,
// read, write, list or delete: the request may succeed later.
var ErrStorage = fmt.Errorf("media: storage %w", commerce.ErrUnavailable)

// Options configure a Store. The zero value, or nil, gives the defaults.
type Options struct {
	// Prefix is the URL path the Store's Handler is mounted at; the URL of
	// every stored image starts with it. It starts and ends with "/".
	// Default: DefaultPrefix.
	Prefix string
	// Grace is the age below which Sweep never deletes a file. Default:
	// DefaultGrace. It must not be negative.
	Grace time.Duration
	// Now is the clock of Sweep. Default: time.Now.
	Now func() time.Time
	// MaxConcurrentUploads is how many uploads decode and resize at once;
	// further ones wait (their context may end the wait). A photo of 40
	// megapixels takes a few hundred MB while it is decoded, so this bounds
	// the memory uploads take together. Default: runtime.GOMAXPROCS(0) at
	// the time of New or Open.
	MaxConcurrentUploads int
}

// Image is a stored image, or what a stored image's URL says of it.
type Image struct {
	// ID is the SHA-256 of the stored original, in hex.
	ID string
	// URL is the original's URL: Options.Prefix and the file's name.
	URL         string
	ContentType string
	// Width and Height are the size the image is shown at: a JPEG whose
	// EXIF orientation turns it on its side has them swapped from the
	// size of its stored pixels.
	Width  int
	Height int
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

	// owned is set by Open: Close then closes the bucket.
	owned bool
	// uploads holds a slot per upload in progress (MaxConcurrentUploads).
	uploads chan struct{}
	// writing is held shared by every Upload while it writes and
	// exclusively by Sweep while it checks and deletes one image, so that
	// within one process an upload's files are never deleted under it.
	writing sync.RWMutex
}

// Open opens the bucket of url — file:///var/lib/shop/media, mem://, or
// s3://bucket?endpoint=…&region=… for any S3-compatible store — and
// returns a Store over it. Close closes the bucket.
//
// The schemes are those of the bucket drivers the program imports
// (gocloud.dev/blob/fileblob, memblob, s3blob, …): package media imports
// none, so that the packages that use a Store (the catalog) do not pull
// in a cloud SDK. Package media/mediaurl imports the file, mem and s3
// drivers and opens a Store in one call.
//
// The URL carries no credentials: one with a user or password is
// refused, and S3 keys come from the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY) or the shared AWS config. See the package
// documentation for each scheme's parameters. Open checks that the bucket
// answers, so a wrong endpoint or a missing directory fails here rather
// than at the first upload; such an error wraps ErrStorage and names the
// URL.
func Open(ctx context.Context, url string, opts *Options) (*Store, error) {
	o, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	shown, err := redact(url)
	if err != nil {
		return nil, err
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%w: open bucket %s: %v", ErrStorage, shown, err)
	}
	ok, err := b.IsAccessible(ctx)
	if err == nil && !ok {
		err = errors.New("the bucket does not exist")
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("%w: open bucket %s: %v", ErrStorage, shown, err)
	}
	s := newStore(b, o)
	s.owned = true
	return s, nil
}

// redact returns the form of a bucket URL fit for an error message, or an
// error if the URL carries a user or password: credentials in a URL end up
// in logs and process lists, so they are refused rather than hidden.
func redact(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("media: bucket URL is malformed: %w", commerce.ErrInvalid)
	}
	if u.User != nil {
		u.User = nil
		return "", fmt.Errorf("media: bucket URL %s must not carry credentials; use the environment: %w", u, commerce.ErrInvalid)
	}
	return raw, nil
}

// New returns a Store over bucket, which the caller owns. It panics if
// bucket is nil or opts are invalid (a Prefix that does not start and end
// with "/", a negative Grace): both are mistakes of the program, not of
// its input.
func New(bucket *blob.Bucket, opts *Options) *Store {
	if bucket == nil {
		panic("media: missing bucket")
	}
	o, err := resolve(opts)
	if err != nil {
		panic(err.Error())
	}
	return newStore(bucket, o)
}

func newStore(b *blob.Bucket, o Options) *Store {
	return &Store{bucket: b, prefix: o.Prefix, grace: o.Grace, now: o.Now, uploads: make(chan struct{}, o.MaxConcurrentUploads)}
}

// resolve fills in the defaults of opts and checks them.
func resolve(opts *Options) (Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(o.Prefix, "/") || !strings.HasSuffix(o.Prefix, "/") {
		return o, fmt.Errorf("media: Options.Prefix %q must start and end with \"/\": %w", o.Prefix, commerce.ErrInvalid)
	}
	if o.Grace < 0 {
		return o, fmt.Errorf("media: Options.Grace must not be negative: %w", commerce.ErrInvalid)
	}
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxConcurrentUploads < 1 {
		o.MaxConcurrentUploads = runtime.GOMAXPROCS(0)
	}
	return o, nil
}

// Close closes the bucket of a Store made by Open. For a Store made by
// New it does nothing: the caller owns that bucket.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("%w: close bucket: %v", ErrStorage, err)
	}
	return nil
}

// Prefix returns the URL path the Store's images are served under.
func (s *Store) Prefix() string { return s.prefix }

// Upload reads an image of at most MaxBytes from r and stores it: JPEG,
// PNG, GIF or WebP only, judged by its bytes; at most MaxPixels, checked
// from its header before the pixels are decoded; metadata (EXIF, XMP,
// comments) removed. The original is stored under the SHA-256 of what is
// kept, so the same file uploaded twice is stored once, together with its
// variants. A refused file is a *commerce.ValidationError on field.
//
// Every upload writes its files again, even those already stored, so that
// Sweep sees them as new; the variants are written before the original,
// so a stored original always has its variants. A failed write wraps
// ErrStorage.
func (s *Store) Upload(ctx context.Context, field string, r io.Reader) (Image, error) {
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	case <-ctx.Done():
		return Image{}, fmt.Errorf("%w: waiting for a free upload slot: %w", ErrStorage, ctx.Err())
	}
	return s.upload(ctx, field, r)
}

// Describe returns what the URL of a stored image says of it — its id,
// size, type and variants, from the name alone, without reading the
// bucket — or false for any other URL, such as an external one.
//
// Only the URL of an original is described: a variant's name does not say
// the original's type, and a record keeps the original's URL anyway.
func (s *Store) Describe(url string) (Image, bool) {
	name, ok := strings.CutPrefix(url, s.prefix)
	if !ok {
		return Image{}, false
	}
	n, ok := parseName(name)
	if !ok || n.variant != 0 {
		return Image{}, false
	}
	return s.describe(n, 0, nil), true
}

// describe builds the Image of the original named by n, with the sizes
// of the stored files when they are known.
func (s *Store) describe(n name, bytes int64, variantBytes []int64) Image {
	img := Image{
		ID:          n.id,
		URL:         s.prefix + n.String(),
		ContentType: contentTypes[n.ext],
		Width:       n.width,
		Height:      n.height,
		Bytes:       bytes,
	}
	for i, v := range n.variants() {
		vw, vh := variantSize(n.width, n.height, v.variant)
		var b int64
		if i < len(variantBytes) {
			b = variantBytes[i]
		}
		img.Variants = append(img.Variants, Variant{Width: vw, Height: vh, URL: s.prefix + v.String(), Bytes: b})
	}
	return img
}

// ServeHTTP serves GET and HEAD of Prefix + a stored file's name, with
// http.ServeContent: ETag, Last-Modified, ranges, a year of caching
// (names change when content does) and nosniff.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

// SweepResult counts what a Sweep did.
type SweepResult struct {
	// Deleted and Kept count stored originals.
	Deleted int
	Kept    int
	// Orphans counts variants deleted because their original was gone
	// and they were older than the grace period: what an upload
	// interrupted between its variants and its original leaves behind.
	Orphans int
}

// Sweep deletes every stored image, with its variants, that is older than
// Options.Grace and of which inUse reports no file — neither the
// original's URL nor a variant's (a page shows the 320 copy, and its
// address is what someone copying the picture gets). It lists the
// bucket before it asks inUse, and an upload rewrites its files, so an
// upload in flight or just finished is never swept.
//
// Before deleting an image Sweep reads its files' times again, so one
// uploaded again while inUse was being asked is kept. Within one process
// that check and the deletes exclude uploads; across processes sharing a
// bucket, the grace period is what protects an upload in flight.
func (s *Store) Sweep(ctx context.Context, inUse func(url string) bool) (SweepResult, error) {
	return s.sweep(ctx, inUse)
}
