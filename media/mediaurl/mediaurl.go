// Package mediaurl opens a media.Store by URL with the bucket drivers a
// shop needs registered: file:// (a folder), mem:// (tests) and s3:// (S3
// and S3-compatible stores). It exists so that package media, which the
// domain packages import, depends on no cloud SDK; a program imports this
// package once, where it reads its configuration.
package mediaurl

import (
	"context"

	// The bucket drivers register their URL schemes with gocloud.dev/blob.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"

	"github.com/impactmuseum/commerce/media"
)

// Open opens the bucket of url — file:///var/lib/shop/media?create_dir=1,
// mem://, or s3://bucket?region=…&endpoint=…&use_path_style=true — and
// returns a media.Store over it, as media.Open does; Close the Store to
// close the bucket.
func Open(ctx context.Context, url string, opts *media.Options) (*media.Store, error) {
	return media.Open(ctx, url, opts)
}
