package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"time"
)

// readyTimeout bounds a readiness check, so that /readyz answers quickly
// even when storage hangs.
const readyTimeout = 2 * time.Second

// staticMaxAge is how long clients may cache static files, in seconds.
const staticMaxAge = "86400"

//go:embed static/placeholder.svg
var placeholderSVG []byte

type statusJSON struct {
	Status string `json:"status"`
}

// Healthz serves GET /healthz: 200 while the process can answer at all.
func (a *API) Healthz(w http.ResponseWriter, r *http.Request) {
	a.writeJSON(w, r, http.StatusOK, statusJSON{Status: "ok"})
}

// Readyz serves GET /readyz: 200 while Options.Ready succeeds, else a 503
// problem with Retry-After, so that a load balancer sends traffic only to
// instances whose storage answers.
func (a *API) Readyz(w http.ResponseWriter, r *http.Request) {
	if a.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := a.ready(ctx); err != nil {
			a.log.WarnContext(r.Context(), "not ready", "err", err)
			a.writeProblem(w, r, problemDoc{
				Status: http.StatusServiceUnavailable,
				Detail: "storage is not answering",
			})
			return
		}
	}
	a.writeJSON(w, r, http.StatusOK, statusJSON{Status: "ready"})
}

// Placeholder serves GET /static/placeholder.svg, the cover of products
// without images.
func (a *API) Placeholder(w http.ResponseWriter, r *http.Request) {
	serveFile(w, r, "placeholder.svg", placeholderSVG)
}

// Static serves GET /static/{path...} from Options.Static.
func (a *API) Static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	if a.static == nil || !fs.ValidPath(name) {
		a.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.static, name)
	switch {
	case errors.Is(err, fs.ErrNotExist), err != nil && isDir(a.static, name):
		a.NotFound(w, r)
		return
	case err != nil:
		a.Error(w, r, err)
		return
	}
	serveFile(w, r, name, b)
}

func isDir(fsys fs.FS, name string) bool {
	fi, err := fs.Stat(fsys, name)
	return err == nil && fi.IsDir()
}

// serveFile answers with a small file held in memory: the type from its
// name, a day of caching, and an ETag so that revalidation costs no body.
// Range and conditional requests are answered as http.ServeContent answers
// them, except that its errors are problem documents like every other
// error of the API.
func serveFile(w http.ResponseWriter, r *http.Request, name string, content []byte) {
	sum := sha256.Sum256(content)
	h := w.Header()
	h.Set("Cache-Control", "public, max-age="+staticMaxAge)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(&fileErrors{ResponseWriter: w}, r, path.Base(name), time.Time{}, bytes.NewReader(content))
}

// fileErrors turns the errors that http.ServeContent writes — 412 without
// a body for an If-Match or If-Unmodified-Since that does not hold, 416 in
// plain text for a Range outside the file — into problem documents, and
// keeps caches from storing them.
type fileErrors struct {
	http.ResponseWriter
	// failed is set once an error has been answered: what ServeContent
	// writes after it is dropped.
	failed bool
}

func (f *fileErrors) WriteHeader(status int) {
	switch {
	case f.failed:
		return
	case status < 400:
		f.ResponseWriter.WriteHeader(status)
		return
	}
	f.failed = true
	detail := http.StatusText(status)
	switch status {
	case http.StatusPreconditionFailed:
		detail = "the file does not meet the request's If-Match or If-Unmodified-Since"
	case http.StatusRequestedRangeNotSatisfiable:
		detail = "no range of the Range header is within the file; Content-Range gives its size"
	}
	body, _ := json.Marshal(problemDoc{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
	body = append(body, '\n')
	h := f.Header()
	h.Del("Cache-Control")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	f.ResponseWriter.WriteHeader(status)
	f.ResponseWriter.Write(body) // an error means the client is gone
}

func (f *fileErrors) Write(p []byte) (int, error) {
	if f.failed {
		return len(p), nil
	}
	return f.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (f *fileErrors) Unwrap() http.ResponseWriter { return f.ResponseWriter }
