package media

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
)

// Variants are made in two steps. A box filter first averages k×k blocks
// of the decoded image, k the largest whole factor that keeps the result
// at least as large as the variant, reading the source one row at a time
// for all variants at once. draw.ApproxBiLinear then takes the remaining
// step, by less than 2×.
//
// The reason is memory and aliasing. draw.CatmullRom and the other
// kernels of golang.org/x/image/draw allocate a buffer of 32 bytes per
// pixel of (variant width × source height): 92 MB to make the 960 variant
// of a 4000×3000 photo, five times the decoded photo, and without bound
// for a tall image. draw.ApproxBiLinear allocates nothing but reads only
// 2×2 source pixels per variant pixel, so on its own it aliases badly
// when shrinking by 4 or 12. Averaging whole blocks first removes the fine
// detail that would alias, in integers and one pass; the bilinear step
// then shrinks by at most 2 (by at most 1.25 for a photo four times the
// variant's width), where it is close to the kernels. BenchmarkResize
// measures the four ways on a 12-megapixel photo, making its 320 and 960
// variants: box+ApproxBiLinear takes 75 ms and 6.5 MB and scores 42 and
// 47 dB PSNR against CatmullRom's result; box+CatmullRom is barely closer
// (42, 48 dB) for 95 ms and 32 MB; CatmullRom alone
// takes 0.5 s and 127 MB; ApproxBiLinear alone 17 ms, but it reads 4 of
// the 156 source pixels behind each pixel of the 320 variant and falls
// to 34 dB.
var finalScaler = draw.ApproxBiLinear

// jpegQuality is the quality of JPEG variants: beyond 85 files grow
// faster than the eye sees a difference.
const jpegQuality = 85

// resize makes the variants vs of m, whose canvas is the image's whole
// area in m's coordinates (a GIF's first frame may cover less of it),
// with final as the last step, turns each by the EXIF orientation, and
// hands each to emit as soon as it is made, in an order of its own. Only
// the box filter's small results and one variant at a time are held
// beside m.
func resize(final draw.Interpolator, m image.Image, canvas image.Rectangle, orientation int, vs []name, emit func(i int, v *image.RGBA) error) error {
	sw := canvas.Dx()
	type job struct {
		i      int
		tw, th int // the variant's size in m's orientation
		box    *boxTarget
	}
	var direct, boxed []job
	var targets []*boxTarget
	for i, v := range vs {
		vw, vh := variantSize(v.width, v.height, v.variant)
		if orientation >= 5 {
			vw, vh = vh, vw
		}
		j := job{i: i, tw: vw, th: vh}
		if k := sw / vw; k >= 2 {
			j.box = &boxTarget{k: k}
			targets = append(targets, j.box)
			boxed = append(boxed, j)
		} else {
			direct = append(direct, j)
		}
	}
	if len(targets) > 0 {
		boxReduce(m, canvas, targets)
	}
	for _, j := range direct {
		src := m
		if !canvas.In(m.Bounds()) {
			src = onCanvas{m, canvas}
		}
		v := image.NewRGBA(image.Rect(0, 0, j.tw, j.th))
		final.Scale(v, v.Rect, src, canvas, draw.Src, nil)
		if err := emit(j.i, orient(v, orientation)); err != nil {
			return err
		}
	}
	// m is no longer needed from here on, and the collector may take it
	// while the last steps run.
	m = nil
	for _, j := range boxed {
		v := image.NewRGBA(image.Rect(0, 0, j.tw, j.th))
		final.Scale(v, v.Rect, j.box.out, j.box.out.Rect, draw.Src, nil)
		j.box.out = nil
		if err := emit(j.i, orient(v, orientation)); err != nil {
			return err
		}
	}
	return nil
}

// boxTarget collects the k×k block averages of an image.
type boxTarget struct {
	k    int
	out  *image.RGBA
	sums []uint32 // one output row's sums, RGBA
}

// boxReduce fills the out of every target with the block averages of
// canvas in m, converting one source row at a time to premultiplied RGBA,
// so that it holds no more than a row besides the results. Blocks cut by
// the right or bottom edge average the pixels they have. Pixels of the
// canvas outside m's bounds are transparent.
func boxReduce(m image.Image, canvas image.Rectangle, targets []*boxTarget) {
	w, h := canvas.Dx(), canvas.Dy()
	row := image.NewRGBA(image.Rect(0, 0, w, 1))
	covered := canvas.In(m.Bounds())
	for _, t := range targets {
		t.out = image.NewRGBA(image.Rect(0, 0, (w+t.k-1)/t.k, (h+t.k-1)/t.k))
		t.sums = make([]uint32, 4*t.out.Rect.Dx())
	}
	for y := range h {
		if !covered {
			clear(row.Pix)
		}
		draw.Draw(row, row.Rect, m, image.Pt(canvas.Min.X, canvas.Min.Y+y), draw.Src)
		for _, t := range targets {
			t.add(row.Pix)
			if (y+1)%t.k == 0 || y == h-1 {
				t.flush(y/t.k, y%t.k+1, w)
			}
		}
	}
	for _, t := range targets {
		t.sums = nil
	}
}

// add adds a row of RGBA pixels to the sums.
func (t *boxTarget) add(px []byte) {
	step := 4 * t.k
	s := t.sums
	for x, o := 0, 0; x < len(px); x, o = x+step, o+4 {
		blk := px[x:min(x+step, len(px))]
		var r, g, b, a uint32
		for i := 0; i+3 < len(blk); i += 4 {
			r += uint32(blk[i])
			g += uint32(blk[i+1])
			b += uint32(blk[i+2])
			a += uint32(blk[i+3])
		}
		s[o] += r
		s[o+1] += g
		s[o+2] += b
		s[o+3] += a
	}
}

// flush writes the averages of the sums, over rows source rows of a
// source w wide, as output row oy, and clears the sums.
func (t *boxTarget) flush(oy, rows, w int) {
	dst := t.out.Pix[oy*t.out.Stride:]
	for ox := 0; ox < t.out.Rect.Dx(); ox++ {
		n := uint32(min(t.k, w-ox*t.k) * rows)
		for c := range 4 {
			dst[4*ox+c] = uint8((t.sums[4*ox+c] + n/2) / n)
			t.sums[4*ox+c] = 0
		}
	}
}

// onCanvas shows an image on a larger canvas, transparent outside it: a
// GIF's first frame on the GIF's screen.
type onCanvas struct {
	image.Image
	canvas image.Rectangle
}

func (c onCanvas) Bounds() image.Rectangle { return c.canvas }

func (c onCanvas) At(x, y int) color.Color {
	if !image.Pt(x, y).In(c.Image.Bounds()) {
		return color.RGBA{}
	}
	return c.Image.At(x, y)
}

// orient returns m turned as EXIF orientation o says to show it: 1 as it
// is, 2 mirrored, 3 turned half a turn, 4 flipped, 5 transposed, 6 turned
// a quarter clockwise, 7 transversed, 8 a quarter anticlockwise.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return m
	}
	sw, sh := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := sw, sh
	if o >= 5 {
		dw, dh = sh, sw
	}
	d := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = sw-1-dx, dy
			case 3:
				sx, sy = sw-1-dx, sh-1-dy
			case 4:
				sx, sy = dx, sh-1-dy
			case 5:
				sx, sy = dy, dx
			case 6:
				sx, sy = dy, sh-1-dx
			case 7:
				sx, sy = sw-1-dy, sh-1-dx
			case 8:
				sx, sy = sw-1-dy, dx
			}
			copy(d.Pix[dy*d.Stride+4*dx:][:4], m.Pix[sy*m.Stride+4*sx:][:4])
		}
	}
	return d
}

// encodeVariant writes v as a JPEG or a PNG, with the colour segments or
// chunks of its original, if any, right after the file's first header,
// where they belong: an sRGB variant of a Display P3 photo would otherwise
// look faded.
func encodeVariant(w io.Writer, v *image.RGBA, ext string, colour []byte) error {
	switch ext {
	case "jpg":
		// The JPEG encoder starts with SOI, 2 bytes.
		return jpeg.Encode(&inserter{w: w, after: 2, extra: colour}, v, &jpeg.Options{Quality: jpegQuality})
	default:
		// The PNG encoder starts with the signature and IHDR, 33 bytes.
		return png.Encode(&inserter{w: w, after: len(pngSignature) + 25, extra: colour}, v)
	}
}

// inserter passes bytes through to w and inserts extra once after the
// first after bytes.
type inserter struct {
	w     io.Writer
	after int
	extra []byte
}

func (s *inserter) Write(p []byte) (int, error) {
	if len(s.extra) == 0 || s.after > len(p) {
		s.after -= len(p)
		return s.w.Write(p)
	}
	n, err := s.w.Write(p[:s.after])
	if err != nil {
		return n, err
	}
	if _, err := s.w.Write(s.extra); err != nil {
		return n, err
	}
	s.extra = nil
	m, err := s.w.Write(p[s.after:])
	return n + m, err
}
