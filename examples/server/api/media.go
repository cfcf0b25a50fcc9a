package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/media"
)

// mediaFileField is the multipart field of POST /api/media that carries
// the file.
const mediaFileField = "file"

// UploadMedia serves POST /api/media: staff upload an image as
// multipart/form-data, the file in the field "file". It answers 201 with
// the stored image: its id, URL, type, size and variants — use its url in
// a product's images or a brand's or problem's image. A file that is not
// a JPEG, PNG, GIF or WebP image, is over media.MaxBytes or
// media.MaxPixels, or is truncated is 422 naming "file". Without a media
// store in the catalog service (catalog.Options.Media) the route answers
// 404.
func (a *API) UploadMedia(w http.ResponseWriter, r *http.Request) {
	// Answering early spares reading a body for nobody; the catalog
	// service decides again.
	if !a.needStaff(w, r, catalog.ErrSignInRequired, catalog.ErrStaffOnly) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.maxUpload)
	file, _, err := r.FormFile(mediaFileField)
	switch {
	case err == nil:
	case isTooLarge(err):
		limit := fmt.Sprintf("must be at most %d MiB", media.MaxBytes>>20)
		a.Error(w, r, &httpError{status: http.StatusRequestEntityTooLarge,
			detail: "the upload is too large; an image " + limit[len("must "):], fields: map[string]string{mediaFileField: limit}})
		return
	case errors.Is(err, http.ErrNotMultipart), errors.Is(err, http.ErrMissingBoundary):
		a.Error(w, r, &httpError{status: http.StatusUnsupportedMediaType,
			detail: "send the image as multipart/form-data, in the field \"file\""})
		return
	case errors.Is(err, http.ErrMissingFile):
		a.bodyError(w, r, commerce.Invalid(mediaFileField, "required: an image file"))
		return
	default:
		a.Error(w, r, &httpError{status: http.StatusBadRequest, detail: "malformed multipart body: " + err.Error()})
		return
	}
	defer file.Close()
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	img, err := a.cat.UploadImage(r.Context(), ActorFrom(r.Context()), mediaFileField, file)
	if err != nil {
		a.bodyError(w, r, err)
		return
	}
	a.created(w, r, img.URL, imageOut(img))
}

func isTooLarge(err error) bool {
	_, ok := errors.AsType[*http.MaxBytesError](err)
	return ok
}
