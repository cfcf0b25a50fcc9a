package storefront

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

// assetServer serves the stylesheet, script and images of the pages from
// memory. Pages link each file with its content's hash in the query
// (url), so a browser may keep it for a year and still sees a change at
// once.
type assetServer struct {
	files map[string]asset
}

type asset struct {
	content []byte
	etag    string
	ctype   string
}

func newAssetServer(fsys fs.FS) *assetServer {
	a := &assetServer{files: make(map[string]asset)}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(b)
		}
		a.files[name] = asset{content: b, etag: hex.EncodeToString(sum[:8]), ctype: ctype}
		return nil
	})
	if err != nil {
		panic("storefront: reading the assets: " + err.Error())
	}
	return a
}

// url returns the path of the asset name, with its version. It panics on
// a name that is not an asset: a template links only files that exist.
func (a *assetServer) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("storefront: no asset " + name)
	}
	return "/assets/" + name + "?v=" + f.etag
}

// Asset serves GET /assets/{path...}.
func (s *Storefront) Asset(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.files[r.PathValue("path")]
	if !ok {
		s.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", `"`+f.etag+`"`)
	if r.URL.Query().Get("v") == f.etag {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.content))
}
