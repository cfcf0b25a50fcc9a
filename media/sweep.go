package media

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// A stored file, as listed.
type listed struct {
	key     string
	modTime time.Time
}

// An original and its variants, by the original's id.
type family struct {
	originals []listed // one, unless a name was forged
	variants  []listed
}

func (s *Store) sweep(ctx context.Context, inUse func(url string) bool) (SweepResult, error) {
	var res SweepResult
	cutoff := s.now().Add(-s.grace)
	families := make(map[string]*family)
	it := s.bucket.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, storageError(ctx, "list", err)
		}
		n, ok := parseName(obj.Key)
		if obj.IsDir || !ok {
			continue // not ours
		}
		f := families[n.id]
		if f == nil {
			f = new(family)
			families[n.id] = f
		}
		l := listed{key: obj.Key, modTime: obj.ModTime}
		if n.variant == 0 {
			f.originals = append(f.originals, l)
		} else {
			f.variants = append(f.variants, l)
		}
	}

	// Only now is inUse asked: an image saved in a record before this
	// point is seen as used, and one uploaded after the listing is not
	// in it.
	for _, id := range slices.Sorted(maps.Keys(families)) {
		if ctx.Err() != nil {
			return res, ended(ctx)
		}
		f := families[id]
		if len(f.originals) == 0 {
			n, err := s.deleteOrphans(ctx, cutoff, id, f.variants)
			res.Orphans += n
			if err != nil {
				return res, err
			}
			continue
		}
		young := false
		for _, l := range append(slices.Clip(f.variants), f.originals...) {
			young = young || !l.modTime.Before(cutoff)
		}
		// A family is used when anything refers to any of its files: a
		// page shows the 320 copy, and its address is what a person
		// copying "the image" gets.
		used := false
		if !young {
			for _, l := range append(slices.Clip(f.originals), f.variants...) {
				used = used || inUse(s.prefix+l.key)
			}
		}
		if young || used {
			res.Kept += len(f.originals)
			continue
		}
		keys := make([]string, 0, len(f.variants)+len(f.originals))
		for _, l := range append(slices.Clip(f.variants), f.originals...) {
			keys = append(keys, l.key)
		}
		gone, err := s.deleteIfOld(ctx, cutoff, keys...)
		if err != nil {
			return res, err
		}
		if gone {
			res.Deleted += len(f.originals)
		} else {
			res.Kept += len(f.originals)
		}
	}
	return res, nil
}

// deleteIfOld deletes keys, in their order, if every one of them is still
// older than cutoff, and reports whether it did. Uploads wait meanwhile,
// so none can rewrite a file between the check and the delete: an image
// uploaded again since the listing keeps its new time and is kept.
func (s *Store) deleteIfOld(ctx context.Context, cutoff time.Time, keys ...string) (bool, error) {
	s.writing.Lock()
	defer s.writing.Unlock()
	for _, k := range keys {
		a, err := s.bucket.Attributes(ctx, k)
		if gcerrors.Code(err) == gcerrors.NotFound {
			continue
		}
		if err != nil {
			return false, storageError(ctx, "read the time of "+k, err)
		}
		if !a.ModTime.Before(cutoff) {
			return false, nil
		}
	}
	for _, k := range keys {
		if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return false, storageError(ctx, "delete "+k, err)
		}
	}
	return true, nil
}

// deleteOrphans deletes those of variants, listed without an original,
// that are older than cutoff, unless their original has been stored since
// the listing: an upload writes its variants before its original, so
// between the two its variants look like orphans.
func (s *Store) deleteOrphans(ctx context.Context, cutoff time.Time, id string, variants []listed) (int, error) {
	old := make([]string, 0, len(variants))
	for _, v := range variants {
		if v.modTime.Before(cutoff) {
			old = append(old, v.key)
		}
	}
	if len(old) == 0 {
		return 0, nil
	}
	s.writing.Lock()
	defer s.writing.Unlock()
	it := s.bucket.List(&blob.ListOptions{Prefix: id + "-"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, storageError(ctx, "list "+id, err)
		}
		if n, ok := parseName(obj.Key); ok && n.variant == 0 {
			return 0, nil
		}
	}
	deleted := 0
	for _, k := range old {
		a, err := s.bucket.Attributes(ctx, k)
		if gcerrors.Code(err) == gcerrors.NotFound {
			continue
		}
		if err != nil {
			return deleted, storageError(ctx, "read the time of "+k, err)
		}
		if !a.ModTime.Before(cutoff) {
			continue
		}
		if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return deleted, storageError(ctx, "delete "+k, err)
		}
		deleted++
	}
	return deleted, nil
}

// storageError reports a failed operation on the bucket: the context's
// error if it was cancelled, else one wrapping ErrStorage.
func storageError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ended(ctx)
	}
	return fmt.Errorf("%w: sweep: %s: %v", ErrStorage, op, err)
}
