package media

import (
	"net/http"
	"strings"

	"gocloud.dev/gcerrors"
)

// contentSecurityPolicy forbids a served file everything a document could
// do. Only images are ever stored, but a browser told to open one as a
// page then runs nothing.
const contentSecurityPolicy = "default-src 'none'; sandbox"

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	file, ok := strings.CutPrefix(r.URL.Path, s.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	n, ok := parseName(file)
	if !ok {
		http.NotFound(w, r)
		return
	}
	// A blob.Reader seeks by reopening at an offset, so ServeContent
	// streams ranges without the file ever being read into memory.
	rd, err := s.bucket.NewReader(r.Context(), n.String(), nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "media: storage unavailable", http.StatusServiceUnavailable)
		return
	}
	defer rd.Close()
	h := w.Header()
	h.Set("Content-Type", contentTypes[n.ext])
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	// The name is unique to the content: the original's SHA-256, and for
	// a variant its width.
	h.Set("ETag", `"`+n.String()+`"`)
	http.ServeContent(w, r, "", rd.ModTime(), rd)
}
