package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/media/mediaurl"
)

// openMedia opens the bucket of uploaded images. A file:// folder is made
// if it does not exist yet.
func openMedia(ctx context.Context, cfg config) (*media.Store, error) {
	source := cfg.source["media-url"]
	if u, err := url.Parse(cfg.mediaURL); err == nil && u.Scheme == "file" {
		if err := os.MkdirAll(u.Path, 0o750); err != nil {
			return nil, fmt.Errorf("%s: making the folder of images: %w", source, err)
		}
	}
	store, err := mediaurl.Open(ctx, cfg.mediaURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return store, nil
}

// sweepMedia deletes, every interval until ctx ends, the uploaded images
// that no product, brand or problem uses and that are older than
// media.DefaultGrace. The catalog is read only after the bucket is listed
// (media.Store.Sweep asks inUse afterwards), so that an image uploaded
// meanwhile is never swept; when the catalog cannot be read, everything
// is kept.
func sweepMedia(ctx context.Context, images *media.Store, cat *catalog.Service, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var (
			once sync.Once
			used map[string]bool
			err  error
		)
		res, sweepErr := images.Sweep(ctx, func(u string) bool {
			once.Do(func() { used, err = cat.ImagesInUse(ctx, images.Prefix()) })
			return err != nil || used[u]
		})
		switch {
		case sweepErr != nil:
			log.Warn("sweeping unused images", "err", sweepErr)
		case err != nil:
			log.Warn("sweeping unused images: the catalog did not answer; nothing deleted", "err", err)
		default:
			log.Info("swept unused images", "deleted", res.Deleted, "kept", res.Kept)
		}
	}
}

// redactURL is u without its password or query, for the log: an s3://
// URL may carry credentials.
func redactURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(unparsable)"
	}
	parsed.RawQuery, parsed.User = "", nil
	return parsed.String()
}
