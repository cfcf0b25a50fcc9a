package storefront

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/examples/internal/webauth"
	"github.com/impactmuseum/commerce/media"
)

// The staff forms of the catalog carry files: a problem's image, a brand's
// logo and image, a product's photos. Each file goes to the media store
// before the catalog sees the form, and the catalog stores the URL the
// store gives it, as it stores a URL typed in.

// uploadMemory is how much of a staff form with files is kept in memory;
// beyond it, the files spill to temporary files, removed after the request
// (removeUploads).
const uploadMemory = 1 << 20

// staffForm reads a staff form that may carry files: multipart, of at most
// Options.MaxUploadBytes, or urlencoded, as every other form. It answers
// the error page (413 for a form too large) and returns false when the
// form cannot be read. The caller removes the files with removeUploads.
func (s *Storefront) staffForm(w http.ResponseWriter, r *http.Request) (form, map[string][]*multipart.FileHeader, bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		f, ok := s.postedForm(w, r)
		return f, nil, ok
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload)
	if err := r.ParseMultipartForm(uploadMemory); err != nil {
		removeUploads(r)
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.fail(w, r, err)
			return form{}, nil, false
		}
		s.fail(w, r, commerce.Invalid("form", "malformed form"))
		return form{}, nil, false
	}
	return form{Values: r.MultipartForm.Value}, r.MultipartForm.File, true
}

// removeUploads deletes the temporary files of r's multipart form, if any.
func removeUploads(r *http.Request) {
	if r.MultipartForm != nil {
		r.MultipartForm.RemoveAll()
	}
}

// refusedFile stands, in what a staff form sends the catalog, for an image
// whose file the media store refused. It is never a valid URL (it holds a
// space), so the catalog refuses the write — it validates the whole input
// before storing anything — and answers with every other field's
// problems, which the form shows at once beside the file's. (A price or a
// stock that is not a number is sent as a zero Money or -1, to the same
// end; see localErrors.)
const refusedFile = "refused file"

// localErrors are what a staff form got wrong before the catalog saw it:
// files the media store refused, numbers and ids that do not parse. Each
// poisons a catalog field — gives it a value the catalog refuses, so that
// nothing is written — whose own message it replaces.
type localErrors struct {
	// msgs are Korean messages by form field.
	msgs map[string]string
	// poisoned are the catalog fields given a refused value.
	poisoned map[string]bool
}

// add records the Korean message ko on the form field, which poisons the
// catalog field poisons.
func (l *localErrors) add(field, ko, poisons string) {
	if l.msgs == nil {
		l.msgs, l.poisoned = make(map[string]string), make(map[string]bool)
	}
	if prev, ok := l.msgs[field]; ok {
		ko = prev + " " + ko
	}
	l.msgs[field] = ko
	l.poisoned[poisons] = true
}

// failed reports whether anything was recorded.
func (l *localErrors) failed() bool { return len(l.msgs) > 0 }

// has reports whether the form field has a message.
func (l *localErrors) has(field string) bool {
	_, ok := l.msgs[field]
	return ok
}

// show puts l's messages on f, in place of what the catalog said of the
// fields that l poisoned.
func (l *localErrors) show(f *form) {
	if !l.failed() {
		return
	}
	for field := range l.poisoned {
		delete(f.Errors, field)
	}
	if f.Errors == nil {
		f.Errors = make(map[string]string)
	}
	maps.Copy(f.Errors, l.msgs)
}

// uploadImages stores the files of the form field name in the media store,
// in order, and returns their URLs. A file the store refuses is recorded on
// name (with the file's name, so that one bad photo among several is
// found), poisoning the catalog field poisons; the others are stored all
// the same, so that the form shown again keeps them. Without a media store
// files are ignored: the forms offer none. Other errors (a store that does
// not answer) end the request.
func (s *Storefront) uploadImages(ctx context.Context, name, poisons string, files []*multipart.FileHeader, l *localErrors) ([]string, error) {
	if s.media == nil {
		return nil, nil
	}
	var urls []string
	for _, fh := range files {
		if fh.Filename == "" && fh.Size == 0 {
			continue // a file input left empty
		}
		img, err := s.uploadOne(ctx, name, fh)
		if bad, ok := errors.AsType[*commerce.ValidationError](err); ok {
			l.add(name, fileLabel(fh.Filename)+refusal(bad, name), poisons)
			continue
		}
		if err != nil {
			return nil, err
		}
		urls = append(urls, img.URL)
	}
	return urls, nil
}

func (s *Storefront) uploadOne(ctx context.Context, name string, fh *multipart.FileHeader) (media.Image, error) {
	a := webauth.FromContext(ctx).Actor
	f, err := fh.Open()
	if err != nil {
		return media.Image{}, err
	}
	defer f.Close()
	// The catalog service decides who uploads: staff only.
	return s.cat.UploadImage(ctx, a, name, f)
}

// refusal is the Korean of why the media store refused a file uploaded
// as field.
func refusal(bad *commerce.ValidationError, field string) string {
	if m, ok := bad.Fields[field]; ok {
		return translate(m)
	}
	return describe(bad)
}

// fileLabel is the name of an uploaded file as its error message starts:
// the base name, shortened, or nothing when the browser sent none.
func fileLabel(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == "" || !utf8.ValidString(name) {
		return ""
	}
	if r := []rune(name); len(r) > 60 {
		name = string(r[:57]) + "…"
	}
	return name + ": "
}

// singleImage resolves an image of a form that holds one (a problem's
// image, a brand's logo or image) named name: the file name_file uploaded
// replaces it, the box name_delete clears it, and otherwise the URL field
// name_url holds it — the current image's URL on an edit form. An uploaded
// file's URL is written into name_url, so that the form, shown again for
// another field's sake, keeps it without a second upload. A refused file
// poisons the catalog field name_url.
func (s *Storefront) singleImage(ctx context.Context, f *form, files map[string][]*multipart.FileHeader, name string, l *localErrors) (string, error) {
	urlField := name + "_url"
	urls, err := s.uploadImages(ctx, name+"_file", urlField, files[name+"_file"], l)
	switch {
	case err != nil:
		return "", err
	case l.has(name + "_file"):
		return refusedFile, nil
	case len(urls) > 0:
		f.Values.Set(urlField, urls[0])
		f.Values.Del(name + "_delete")
		return urls[0], nil
	case f.Has(name+"_delete", "true"):
		return "", nil
	}
	return strings.TrimSpace(f.Value(urlField)), nil
}

// thumbnails gives the smaller copies of a stored image: for the staff
// lists and forms and the shop's product cards, the narrowest variant (320
// pixels wide) of an image the media store describes, and any other URL as
// it is; for a browser that picks by width, every copy (SrcSet).
type thumbnails struct{ m *media.Store }

// Of returns the thumbnail of the image at url.
func (t thumbnails) Of(url string) string {
	if t.m == nil || url == "" {
		return url
	}
	if img, ok := t.m.Describe(url); ok && len(img.Variants) > 0 {
		return img.Variants[0].URL
	}
	return url
}

// SrcSet returns the srcset of a stored image — each variant and the
// original with its width — or "" for any other URL.
func (t thumbnails) SrcSet(url string) string {
	if t.m == nil || url == "" {
		return ""
	}
	img, ok := t.m.Describe(url)
	if !ok || len(img.Variants) == 0 {
		return ""
	}
	var b strings.Builder
	for _, v := range img.Variants {
		fmt.Fprintf(&b, "%s %dw, ", v.URL, v.Width)
	}
	fmt.Fprintf(&b, "%s %dw", img.URL, img.Width)
	return b.String()
}
