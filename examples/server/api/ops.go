package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"path"
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
func serveFile(w http.ResponseWriter, r *http.Request, name string, content []byte) {
	sum := sha256.Sum256(content)
	h := w.Header()
	h.Set("Cache-Control", "public, max-age="+staticMaxAge)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(content))
}
