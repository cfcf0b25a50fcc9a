package media

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/fileblob"
)

// files returns the names of an image's files: its variants and itself.
func files(img Image) []string {
	var fs []string
	for _, v := range img.Variants {
		fs = append(fs, strings.TrimPrefix(v.URL, DefaultPrefix))
	}
	return append(fs, strings.TrimPrefix(img.URL, DefaultPrefix))
}

func TestSweep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := New(b, &Options{Grace: time.Hour})
	upload := func(w, h int) Image {
		img, err := s.Upload(t.Context(), "image", bytes.NewReader(encodeJPEG(t, photo(w, h), 80)))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	age := func(d time.Duration, names ...string) {
		for _, n := range names {
			old := time.Now().Add(-d)
			if err := os.Chtimes(filepath.Join(dir, n), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	used := upload(400, 300)   // old and used
	unused := upload(401, 300) // old and unused
	young := upload(402, 300)  // unused but young
	half := upload(403, 300)   // old original, one young variant
	orphan := upload(404, 300) // variants whose original is gone
	fresh := upload(405, 300)  // a young orphan variant
	copied := upload(406, 300) // old, used through its 320 copy's URL alone
	age(2*time.Hour, files(copied)...)
	age(2*time.Hour, files(used)...)
	age(2*time.Hour, files(unused)...)
	age(2*time.Hour, files(half)[1:]...)
	age(2*time.Hour, files(orphan)...)
	if err := b.Delete(t.Context(), files(orphan)[len(files(orphan))-1]); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(t.Context(), files(fresh)[len(files(fresh))-1]); err != nil {
		t.Fatal(err)
	}
	foreign := "notes.txt"
	if err := b.WriteAll(t.Context(), foreign, []byte("not an image"), nil); err != nil {
		t.Fatal(err)
	}
	age(48*time.Hour, foreign)

	var asked []string
	res, err := s.Sweep(t.Context(), func(url string) bool {
		asked = append(asked, url)
		return url == used.URL || url == copied.Variants[0].URL
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(SweepResult{Deleted: 1, Kept: 4, Orphans: 1}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	// Each old family is asked about until one of its files is in use.
	wantAsked := []string{used.URL, unused.URL, unused.Variants[0].URL, copied.URL, copied.Variants[0].URL}
	slices.Sort(wantAsked)
	slices.Sort(asked)
	if diff := cmp.Diff(wantAsked, asked); diff != "" {
		t.Errorf("inUse asked about (-want +got):\n%s", diff)
	}
	want := slices.Concat(files(used), files(young), files(half), files(fresh)[:len(files(fresh))-1], files(copied), []string{foreign})
	slices.Sort(want)
	if diff := cmp.Diff(want, keys(t, b)); diff != "" {
		t.Errorf("bucket after sweep (-want +got):\n%s", diff)
	}
}

// An old unused image uploaded again is young again: the upload rewrote
// its files.
func TestSweepKeepsReupload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := New(b, nil)
	file := encodeJPEG(t, photo(400, 300), 80)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-3 * DefaultGrace)
	for _, f := range files(img) {
		if err := os.Chtimes(filepath.Join(dir, f), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Upload(t.Context(), "image", bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	res, err := s.Sweep(t.Context(), func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	if res != (SweepResult{Kept: 1}) {
		t.Errorf("got %+v, want one kept", res)
	}
	if got := len(keys(t, b)); got != 2 {
		t.Errorf("%d files left, want 2", got)
	}
}

// An upload that completes while Sweep is asking inUse — before the
// record that uses it is saved, so inUse still says no — is never swept,
// whether it is a new image or one Sweep already listed as old.
func TestSweepRacingUpload(t *testing.T) {
	t.Parallel()
	for _, same := range []bool{true, false} {
		// Grace is a nanosecond and the clock stops at t0: everything
		// uploaded before t0 is old, anything after it young.
		var t0 time.Time
		s, b := newTestStore(t, &Options{Grace: time.Nanosecond, Now: func() time.Time { return t0 }})
		listed := encodeJPEG(t, photo(400, 300), 80)
		img, err := s.Upload(t.Context(), "image", bytes.NewReader(listed))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // the clock's resolution on some systems
		t0 = time.Now()
		racing := listed
		if !same {
			racing = encodePNG(t, photo(400, 300))
		}
		var (
			wg   sync.WaitGroup
			got  Image
			err2 error
		)
		res, err := s.Sweep(t.Context(), func(url string) bool {
			// The sweep waits here until the racing upload is done.
			wg.Go(func() { got, err2 = s.Upload(t.Context(), "image", bytes.NewReader(racing)) })
			wg.Wait()
			return false
		})
		if err != nil || err2 != nil {
			t.Fatal(err, err2)
		}
		left := keys(t, b)
		for _, f := range files(got) {
			if !slices.Contains(left, f) {
				t.Errorf("same=%v: the racing upload's %s was swept (%+v)", same, f, res)
			}
		}
		if same && res != (SweepResult{Kept: 1}) {
			t.Errorf("same file: got %+v, want it kept", res)
		}
		if !same {
			if res != (SweepResult{Deleted: 1}) {
				t.Errorf("new file: got %+v, want the old unused one deleted", res)
			}
			if slices.Contains(left, files(img)[0]) {
				t.Error("the old unused image is still there")
			}
		}
	}
}

// Uploads and sweeps at once, under the race detector, with no grace
// at all: every image in use survives, and every original left has its
// variants.
func TestSweepConcurrent(t *testing.T) {
	t.Parallel()
	s, b := newTestStore(t, &Options{Grace: time.Nanosecond})
	var used, unused [][]byte
	inUse := make(map[string]bool)
	scratch, _ := newTestStore(t, nil)
	for i := range 3 {
		f := encodePNG(t, photo(330+i, 10))
		img, err := scratch.Upload(t.Context(), "image", bytes.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		used = append(used, f)
		inUse[img.URL] = true
		unused = append(unused, encodePNG(t, photo(330+i, 11)))
	}
	var wg sync.WaitGroup
	for _, set := range [][][]byte{used, unused} {
		for _, f := range set {
			wg.Go(func() {
				for range 3 {
					if _, err := s.Upload(t.Context(), "image", bytes.NewReader(f)); err != nil {
						t.Error(err)
					}
				}
			})
		}
	}
	for range 2 {
		wg.Go(func() {
			for range 3 {
				if _, err := s.Sweep(t.Context(), func(url string) bool { return inUse[url] }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	left := keys(t, b)
	for url := range inUse {
		img, _ := s.Describe(url)
		for _, f := range files(img) {
			if !slices.Contains(left, f) {
				t.Errorf("%s was swept while in use", f)
			}
		}
	}
	for _, k := range left {
		n, _ := parseName(k)
		if n.variant != 0 {
			continue
		}
		img, _ := s.Describe(DefaultPrefix + k)
		for _, f := range files(img) {
			if !slices.Contains(left, f) {
				t.Errorf("%s is stored without its variant %s", k, f)
			}
		}
	}
}
