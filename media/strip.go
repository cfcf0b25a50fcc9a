package media

import (
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"io"
)

// Stripping rewrites an image's container without its metadata. It never
// decodes or re-encodes the pixels: it copies the segments, chunks or
// blocks that draw the image, in their order and byte for byte, and
// leaves out the others. Each function compacts its input in place —
// what it keeps never lies after where it reads — so stripping costs no
// second copy of the file. Anything after the container's end marker is
// dropped too, since whatever hides there is no part of the image.

// compactor writes the kept parts of buf over buf itself. The caller
// ensures that w never passes the position it has read up to.
type compactor struct {
	buf []byte
	w   int
}

// keep copies buf[start:end] down to the write position.
func (c *compactor) keep(start, end int) { c.w += copy(c.buf[c.w:], c.buf[start:end]) }

// put writes b, which must be no longer than what was read past w.
func (c *compactor) put(b ...byte) { c.w += copy(c.buf[c.w:], b) }

// colourInfo is what a stripped original says of its colours that its
// variants should say too: the segments or chunks to copy into them.
type colourInfo struct {
	// orientation is the EXIF orientation of a JPEG, 1 to 8; 1 for any
	// other image.
	orientation int
	// colour holds whole JPEG APP2 ICC_PROFILE segments or PNG colour
	// chunks, ready to insert into a variant of the same type.
	colour []byte
}

// JPEG markers.
const (
	jpegSOI   = 0xD8
	jpegEOI   = 0xD9
	jpegSOS   = 0xDA
	jpegAPP0  = 0xE0
	jpegAPP1  = 0xE1
	jpegAPP2  = 0xE2
	jpegAPP14 = 0xEE
	jpegAPP15 = 0xEF
	jpegCOM   = 0xFE
)

// stripJPEG keeps a JPEG's frame, tables and scans and, of its
// application segments, only those that change how it looks: APP0 JFIF
// (without its thumbnail), APP2 ICC_PROFILE, APP14 Adobe (which says how
// to convert its colours), and, when the photo is turned, an APP1 of
// 36 bytes that holds the EXIF orientation alone. Everything else is
// dropped: APP1 EXIF (camera, time, GPS position, thumbnail) and XMP,
// APP13 IPTC and Photoshop, the other APPn, COM, and data after EOI.
func stripJPEG(b []byte) ([]byte, colourInfo, error) {
	info := colourInfo{orientation: 1}
	if len(b) < 4 || b[0] != 0xFF || b[1] != jpegSOI {
		return nil, info, errCorrupt
	}
	c := compactor{buf: b, w: 2}
	var iccStart, iccEnd []int
	iccRGB := false
	seenJFIF, seenEXIF := false, false
	p := 2
	for {
		q := p // where this marker starts, fill bytes included
		if p >= len(b) {
			return nil, info, errCorrupt
		}
		if b[p] != 0xFF {
			return nil, info, errCorrupt
		}
		for p < len(b) && b[p] == 0xFF {
			p++
		}
		if p >= len(b) {
			return nil, info, errCorrupt
		}
		m := b[p]
		p++
		switch {
		case m == jpegEOI:
			c.put(0xFF, jpegEOI)
			out := b[:c.w]
			if iccRGB {
				for i := range iccStart {
					info.colour = append(info.colour, out[iccStart[i]:iccEnd[i]]...)
				}
			}
			return out, info, nil
		case 0xD0 <= m && m <= 0xD7 || m == 0x01:
			c.put(0xFF, m)
			continue
		case m == 0x00 || m == jpegSOI:
			return nil, info, errCorrupt
		}
		if p+2 > len(b) {
			return nil, info, errCorrupt
		}
		end := p + (int(b[p])<<8 | int(b[p+1]))
		if end < p+2 {
			return nil, info, errCorrupt
		}
		if end > len(b) {
			return nil, info, errCorrupt
		}
		payload := b[p+2 : end]
		switch {
		case m == jpegAPP0:
			// JFIF is 14 bytes and an optional thumbnail, put back
			// without it. Any other APP0 (JFXX holds a thumbnail) goes.
			if !seenJFIF && len(payload) >= 14 && bytes.HasPrefix(payload, []byte("JFIF\x00")) {
				seenJFIF = true
				var jfif [18]byte
				copy(jfif[:], []byte{0xFF, jpegAPP0, 0, 16})
				copy(jfif[4:16], payload[:12])
				c.put(jfif[:]...) // 18 bytes over at least 18 read
			}
		case m == jpegAPP1:
			if !seenEXIF && bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
				seenEXIF = true
				// An orientation entry needs at least 36 bytes of
				// segment, so the rewritten one always fits.
				if o := exifOrientation(payload[6:]); o != 1 && end-q >= len(minimalEXIF) {
					info.orientation = o
					seg := minimalEXIF
					seg[28] = byte(o)
					c.put(seg[:]...)
				}
			}
		case m == jpegAPP2:
			if bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00")) {
				// The profile's colour space is at offset 16 of the
				// profile, in its first chunk. Only an RGB profile
				// suits the RGB variants.
				if len(payload) >= 14+20 && payload[12] == 1 && string(payload[14+16:14+20]) == "RGB " {
					iccRGB = true
				}
				iccStart = append(iccStart, c.w)
				c.put(0xFF, m)
				c.keep(p, end)
				iccEnd = append(iccEnd, c.w)
			}
		case m == jpegAPP14:
			if bytes.HasPrefix(payload, []byte("Adobe")) {
				c.put(0xFF, m)
				c.keep(p, end)
			}
		case jpegAPP0 <= m && m <= jpegAPP15 || m == jpegCOM:
			// Dropped.
		default:
			c.put(0xFF, m)
			c.keep(p, end)
		}
		p = end
		if m != jpegSOS {
			continue
		}
		// Entropy-coded data runs to the next marker other than a
		// stuffed zero or a restart.
		s := p
		for {
			i := bytes.IndexByte(b[s:], 0xFF)
			if i < 0 || s+i+1 >= len(b) {
				return nil, info, errCorrupt
			}
			s += i
			if n := b[s+1]; n == 0x00 || 0xD0 <= n && n <= 0xD7 {
				s += 2
				continue
			}
			break
		}
		c.keep(p, s)
		p = s
	}
}

// minimalEXIF is an APP1 segment holding only an orientation, at byte 28:
// "Exif\0\0", a little-endian TIFF header and an IFD0 of one entry.
var minimalEXIF = [36]byte{
	0xFF, jpegAPP1, 0, 34,
	'E', 'x', 'i', 'f', 0, 0,
	'I', 'I', 42, 0, 8, 0, 0, 0, // TIFF header, IFD0 at 8
	1, 0, // one entry
	0x12, 0x01, 3, 0, 1, 0, 0, 0, // 0x0112 Orientation, SHORT, count 1
	1, 0, 0, 0, // the value, at byte 28
	0, 0, 0, 0, // no next IFD
}

// exifOrientation returns the Orientation entry of the IFD0 of the TIFF
// structure t, or 1 (upright) if it has none or t is malformed.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 1
	}
	n := uint64(bo.Uint16(t[off:]))
	for i, e := uint64(0), off+2; i < n && e+12 <= uint64(len(t)); i, e = i+1, e+12 {
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 1
		}
		if v := int(bo.Uint16(t[e+8:])); 1 <= v && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// The PNG chunks kept besides the critical IHDR, PLTE, IDAT and IEND:
// transparency, colour, pixel size, background and APNG animation.
// tEXt, zTXt, iTXt, eXIf, tIME and every unknown chunk go.
var keptPNGChunks = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true,
	"sBIT": true, "cICP": true, "mDCv": true, "cLLi": true,
	"pHYs": true, "bKGD": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

const pngSignature = "\x89PNG\r\n\x1a\n"

// stripPNG keeps the chunks of keptPNGChunks, each whole with its own
// CRC, and drops the rest and anything after IEND.
func stripPNG(b []byte) ([]byte, colourInfo, error) {
	info := colourInfo{orientation: 1}
	if !bytes.HasPrefix(b, []byte(pngSignature)) {
		return nil, info, errCorrupt
	}
	c := compactor{buf: b, w: len(pngSignature)}
	var colourStart, colourEnd []int
	colourType := byte(0)
	for p := len(pngSignature); ; {
		if p+12 > len(b) {
			return nil, info, errCorrupt
		}
		n := uint64(binary.BigEndian.Uint32(b[p:]))
		if n > 1<<31-1 || uint64(p)+12+n > uint64(len(b)) {
			return nil, info, errCorrupt
		}
		end := p + 12 + int(n)
		typ := string(b[p+4 : p+8])
		if typ == "IHDR" && n >= 13 {
			colourType = b[p+8+9]
		}
		if keptPNGChunks[typ] {
			switch typ {
			case "gAMA", "cHRM", "sRGB", "iCCP":
				colourStart = append(colourStart, c.w)
				c.keep(p, end)
				colourEnd = append(colourEnd, c.w)
			default:
				c.keep(p, end)
			}
		}
		p = end
		if typ != "IEND" {
			continue
		}
		out := b[:c.w]
		for i := range colourStart {
			// A grey image's profile would not suit RGB variants.
			if string(out[colourStart[i]+4:colourStart[i]+8]) == "iCCP" && colourType != 2 && colourType != 3 && colourType != 6 {
				continue
			}
			info.colour = append(info.colour, out[colourStart[i]:colourEnd[i]]...)
		}
		return out, info, nil
	}
}

// VP8X flags.
const (
	webpAnimation = 1 << 1
	webpXMP       = 1 << 2
	webpEXIF      = 1 << 3
)

// stripWebP keeps the chunks that draw a still WebP — VP8X, ICCP, ALPH,
// VP8, VP8L — and drops EXIF, XMP and unknown chunks, clears the EXIF and
// XMP flags of VP8X, and sets the RIFF size to what is left. An animated
// WebP is refused: golang.org/x/image/webp cannot decode it, so it could
// be neither checked nor made into variants.
func stripWebP(b []byte) ([]byte, colourInfo, error) {
	info := colourInfo{orientation: 1}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, info, errCorrupt
	}
	end := 8 + uint64(binary.LittleEndian.Uint32(b[4:]))
	if end > uint64(len(b)) {
		return nil, info, errCorrupt
	}
	riffEnd := int(end)
	c := compactor{buf: b, w: 12}
	vp8x := -1
	for p := 12; p < riffEnd; {
		if p+8 > riffEnd {
			return nil, info, errCorrupt
		}
		n := uint64(binary.LittleEndian.Uint32(b[p+4:]))
		if uint64(p)+8+n > uint64(riffEnd) {
			return nil, info, errCorrupt
		}
		// Chunks are padded to an even size; tolerate a last chunk
		// whose padding byte is missing.
		next := min(p+8+int(n)+int(n&1), riffEnd)
		switch string(b[p : p+4]) {
		case "VP8X":
			if n != 10 {
				return nil, info, errCorrupt
			}
			if b[p+8]&webpAnimation != 0 {
				return nil, info, errAnimatedWebP
			}
			vp8x = c.w
			c.keep(p, next)
		case "ICCP", "ALPH", "VP8 ", "VP8L":
			c.keep(p, next)
		case "ANIM", "ANMF":
			return nil, info, errAnimatedWebP
		}
		p = next
	}
	out := b[:c.w]
	if vp8x >= 0 {
		out[vp8x+8] &^= webpEXIF | webpXMP
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, info, nil
}

// maxGIFFramePixels bounds the pixels of all of a GIF's frames together:
// each is checked by decompressing it, and LZW can expand a 10 MiB file
// two thousandfold.
const maxGIFFramePixels = 4 * MaxPixels

// The GIF application extensions kept: the looping of an animation.
var keptGIFApplications = map[string]bool{"NETSCAPE2.0": true, "ANIMEXTS1.0": true}

// stripGIF keeps a GIF's header, colour tables, frames, graphic control
// extensions (delay, disposal, transparency) and looping extension, and
// drops comments, plain-text extensions (which no browser draws), every
// other application extension (XMP, ICC, editors' data) and anything
// after the trailer. Every frame must lie within the screen and its LZW
// data must give exactly its pixels, as image/gif would require of it.
func stripGIF(b []byte) ([]byte, colourInfo, error) {
	info := colourInfo{orientation: 1}
	if len(b) < 13 || string(b[:6]) != "GIF87a" && string(b[:6]) != "GIF89a" {
		return nil, info, errCorrupt
	}
	width := int(binary.LittleEndian.Uint16(b[6:]))
	height := int(binary.LittleEndian.Uint16(b[8:]))
	p := 13
	if b[10]&0x80 != 0 {
		p += 3 << (b[10]&7 + 1)
	}
	if p > len(b) {
		return nil, info, errCorrupt
	}
	c := compactor{buf: b, w: p}
	frames, pixels := 0, 0
	var lz *lzw.Reader
	for {
		if p >= len(b) {
			return nil, info, errCorrupt
		}
		switch b[p] {
		case 0x21: // extension
			if p+2 > len(b) {
				return nil, info, errCorrupt
			}
			end, err := skipSubBlocks(b, p+2)
			if err != nil {
				return nil, info, err
			}
			switch label := b[p+1]; {
			case label == 0xF9:
				c.keep(p, end)
			case label == 0xFF && p+3+11 <= len(b) && b[p+2] == 11 && keptGIFApplications[string(b[p+3:p+3+11])]:
				c.keep(p, end)
			}
			p = end
		case 0x2C: // image descriptor
			if p+10 > len(b) {
				return nil, info, errCorrupt
			}
			left := int(binary.LittleEndian.Uint16(b[p+1:]))
			top := int(binary.LittleEndian.Uint16(b[p+3:]))
			w := int(binary.LittleEndian.Uint16(b[p+5:]))
			h := int(binary.LittleEndian.Uint16(b[p+7:]))
			if left+w > width || top+h > height {
				return nil, info, errCorrupt
			}
			if pixels += w * h; pixels > maxGIFFramePixels {
				return nil, info, errGIFFrames
			}
			q := p + 10
			if b[p+9]&0x80 != 0 {
				q += 3 << (b[p+9]&7 + 1)
			}
			if q+1 > len(b) {
				return nil, info, errCorrupt
			}
			litWidth := int(b[q])
			if litWidth < 2 || litWidth > 8 {
				return nil, info, errCorrupt
			}
			end, err := skipSubBlocks(b, q+1)
			if err != nil {
				return nil, info, err
			}
			src := &subBlockReader{b: b[q+1 : end]}
			if lz == nil {
				lz = lzw.NewReader(src, lzw.LSB, litWidth).(*lzw.Reader)
			} else {
				lz.Reset(src, lzw.LSB, litWidth)
			}
			if err := checkLZW(lz, int64(w)*int64(h)); err != nil {
				return nil, info, err
			}
			c.keep(p, end)
			p = end
			frames++
		case 0x3B: // trailer
			if frames == 0 {
				return nil, info, errCorrupt
			}
			c.put(0x3B)
			return b[:c.w], info, nil
		default:
			return nil, info, errCorrupt
		}
	}
}

// checkLZW reads exactly n pixels from lz and checks that no more follow,
// with the tolerance of image/gif for a missing end code.
func checkLZW(lz *lzw.Reader, n int64) error {
	if got, _ := io.CopyN(io.Discard, lz, n); got < n {
		return errCorrupt
	}
	var one [1]byte
	if k, err := lz.Read(one[:]); k != 0 || err != io.EOF && err != io.ErrUnexpectedEOF {
		return errCorrupt
	}
	return nil
}

// skipSubBlocks returns the position after the data sub-blocks starting
// at p and their terminator.
func skipSubBlocks(b []byte, p int) (int, error) {
	for {
		if p >= len(b) {
			return 0, errCorrupt
		}
		n := int(b[p])
		p++
		if n == 0 {
			return p, nil
		}
		p += n
	}
}

// subBlockReader reads the data of a run of GIF sub-blocks that
// skipSubBlocks has checked, without copying it.
type subBlockReader struct {
	b    []byte
	n    int // bytes left in the current sub-block
	done bool
}

func (r *subBlockReader) Read(p []byte) (int, error) {
	for r.n == 0 {
		if r.done || len(r.b) == 0 {
			r.done = true
			return 0, io.EOF
		}
		r.n = int(r.b[0])
		r.b = r.b[1:]
		if r.n == 0 {
			r.done = true
			return 0, io.EOF
		}
	}
	k := copy(p[:min(len(p), r.n)], r.b)
	r.b = r.b[k:]
	r.n -= k
	return k, nil
}
