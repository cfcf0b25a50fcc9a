package media

import (
	"slices"
	"strconv"
	"strings"
)

// The file types a Store keeps, by the extension of their names.
var contentTypes = map[string]string{
	"jpg":  "image/jpeg",
	"png":  "image/png",
	"gif":  "image/gif",
	"webp": "image/webp",
}

// name is the parsed name of a stored file:
//
//	<id>-<width>x<height>.<ext>            an original
//	<id>-<width>x<height>-w<variant>.<ext> one of its variants
//
// where id is the SHA-256 of the original in lower-case hex and width and
// height are the original's shown size. The names carry everything
// Describe and ServeHTTP need, so neither reads the bucket to know what a
// URL is.
type name struct {
	id            string
	width, height int
	variant       int // 0 for the original
	ext           string
}

func (n name) String() string {
	var b strings.Builder
	b.Grow(len(n.id) + 32)
	b.WriteString(n.id)
	b.WriteByte('-')
	b.WriteString(strconv.Itoa(n.width))
	b.WriteByte('x')
	b.WriteString(strconv.Itoa(n.height))
	if n.variant != 0 {
		b.WriteString("-w")
		b.WriteString(strconv.Itoa(n.variant))
	}
	b.WriteByte('.')
	b.WriteString(n.ext)
	return b.String()
}

// variantExt is the extension of the variants of an original with
// extension ext: photos stay JPEG, everything else becomes PNG, which
// keeps transparency and the hard edges of drawings.
func variantExt(ext string) string {
	if ext == "jpg" {
		return "jpg"
	}
	return "png"
}

// variants returns the names of the variants of original n, narrowest
// first: one for each of VariantWidths narrower than n.
func (n name) variants() []name {
	var vs []name
	for _, w := range VariantWidths {
		if w < n.width {
			vs = append(vs, name{id: n.id, width: n.width, height: n.height, variant: w, ext: variantExt(n.ext)})
		}
	}
	return vs
}

// variantSize returns the size of the variant of width vw of an image of
// width × height: the same aspect, the height rounded, at least 1.
func variantSize(width, height, vw int) (int, int) {
	vh := (height*vw + width/2) / width
	return vw, max(vh, 1)
}

// parseName parses the name of a stored file, accepting only the names
// that Upload writes: lower-case hex, numbers without leading zeros, a
// size within MaxPixels, a variant width from VariantWidths narrower than
// the original. Every stored file thus has exactly one name, and a name
// that parses is one this package may have written.
func parseName(s string) (name, bool) {
	var n name
	const hexLen = 64
	if len(s) < hexLen+1 || s[hexLen] != '-' {
		return n, false
	}
	n.id = s[:hexLen]
	for i := 0; i < hexLen; i++ {
		c := n.id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return n, false
		}
	}
	rest := s[hexLen+1:]
	dot := strings.LastIndexByte(rest, '.')
	if dot < 0 {
		return n, false
	}
	rest, n.ext = rest[:dot], rest[dot+1:]
	if _, ok := contentTypes[n.ext]; !ok {
		return n, false
	}
	size, w, isVariant := strings.Cut(rest, "-w")
	ws, hs, ok := strings.Cut(size, "x")
	if !ok {
		return n, false
	}
	if n.width, ok = parseDim(ws); !ok {
		return n, false
	}
	if n.height, ok = parseDim(hs); !ok {
		return n, false
	}
	if int64(n.width)*int64(n.height) > MaxPixels {
		return n, false
	}
	if isVariant {
		if n.variant, ok = parseDim(w); !ok {
			return n, false
		}
		if !slices.Contains(VariantWidths, n.variant) || n.variant >= n.width {
			return n, false
		}
		if n.ext != "jpg" && n.ext != "png" {
			return n, false
		}
	}
	return n, true
}

// parseDim parses a positive decimal without sign or leading zeros.
func parseDim(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}
