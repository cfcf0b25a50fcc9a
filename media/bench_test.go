package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"
)

// The photo of the benchmarks: 4000×3000, 12 megapixels, gradients and
// noise, JPEG quality 90. Made once; only its bytes are kept.
var (
	benchOnce  sync.Once
	benchPhoto []byte
)

func benchJPEG(b *testing.B) []byte {
	benchOnce.Do(func() { benchPhoto = encodeJPEG(b, photo(4000, 3000), 90) })
	return benchPhoto
}

// peakHeap samples the bytes of heap objects, live or not yet swept,
// every 200µs until stop is called, and returns the highest seen.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkUpload uploads a 12-megapixel JPEG to mem:// and reports,
// besides time and allocations, the peak of the heap above what it was
// before the upload ("peak-MB", the bucket's new copies included) beside
// the size of the decoded image ("decoded-MB").
//
//	go test -run '^$' -bench Upload -benchmem ./media/
func BenchmarkUpload(b *testing.B) {
	file := benchJPEG(b)
	s, _ := newTestStore(b, nil)
	m, err := jpeg.Decode(bytes.NewReader(file))
	if err != nil {
		b.Fatal(err)
	}
	decoded := len(m.(*image.YCbCr).Y) + len(m.(*image.YCbCr).Cb) + len(m.(*image.YCbCr).Cr)
	m = nil
	var worst uint64
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := peakHeap()
		b.StartTimer()
		if _, err := s.Upload(b.Context(), "image", bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		peak := stop()
		worst = max(worst, peak-min(before.HeapAlloc, peak))
		b.StartTimer()
	}
	b.ReportMetric(float64(worst)/1e6, "peak-MB")
	b.ReportMetric(float64(decoded)/1e6, "decoded-MB")
	b.ReportMetric(float64(worst)/float64(decoded), "peak/decoded")
	b.ReportMetric(float64(len(file))/1e6, "file-MB")
}

// BenchmarkServeVariant serves the 960-pixel variant of the photo from
// mem:// into a recorder.
//
//	go test -run '^$' -bench ServeVariant -benchmem ./media/
func BenchmarkServeVariant(b *testing.B) {
	s, _ := newTestStore(b, nil)
	img, err := s.Upload(b.Context(), "image", bytes.NewReader(benchJPEG(b)))
	if err != nil {
		b.Fatal(err)
	}
	v := img.Variants[1]
	b.SetBytes(v.Bytes)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", v.URL, nil))
		if w.Code != 200 || int64(w.Body.Len()) != v.Bytes {
			b.Fatalf("%d, %d bytes", w.Code, w.Body.Len())
		}
	}
}

// BenchmarkResize makes the 960 and 320 variants of the decoded photo
// four ways, and reports how close each comes to draw.CatmullRom applied
// directly, the best the library offers ("psnr-dB", higher is closer;
// CatmullRom itself is the reference):
//
//	go test -run '^$' -bench Resize -benchmem ./media/
func BenchmarkResize(b *testing.B) {
	m, err := jpeg.Decode(bytes.NewReader(benchJPEG(b)))
	if err != nil {
		b.Fatal(err)
	}
	canvas := m.Bounds()
	n := name{width: 4000, height: 3000, ext: "jpg"}
	vs := n.variants()
	direct := func(k draw.Interpolator) func() []*image.RGBA {
		return func() []*image.RGBA {
			var out []*image.RGBA
			for _, v := range vs {
				w, h := variantSize(4000, 3000, v.variant)
				d := image.NewRGBA(image.Rect(0, 0, w, h))
				k.Scale(d, d.Rect, m, canvas, draw.Src, nil)
				out = append(out, d)
			}
			return out
		}
	}
	boxed := func(k draw.Interpolator) func() []*image.RGBA {
		return func() []*image.RGBA {
			out := make([]*image.RGBA, len(vs))
			if err := resize(k, m, canvas, 1, vs, func(i int, v *image.RGBA) error { out[i] = v; return nil }); err != nil {
				b.Fatal(err)
			}
			return out
		}
	}
	ref := direct(draw.CatmullRom)()
	for _, tt := range []struct {
		name string
		f    func() []*image.RGBA
	}{
		{"box+ApproxBiLinear", boxed(draw.ApproxBiLinear)},
		{"box+CatmullRom", boxed(draw.CatmullRom)},
		{"CatmullRom", direct(draw.CatmullRom)},
		{"ApproxBiLinear", direct(draw.ApproxBiLinear)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			var out []*image.RGBA
			for b.Loop() {
				out = tt.f()
			}
			b.ReportMetric(psnr(ref[0], out[0]), "psnr320-dB")
			b.ReportMetric(psnr(ref[1], out[1]), "psnr960-dB")
		})
	}
}

// psnr returns the peak signal-to-noise ratio of b against a, in dB, on
// the RGB channels; +Inf for identical images.
func psnr(a, b *image.RGBA) float64 {
	var sum float64
	n := 0
	for i := 0; i < len(a.Pix); i += 4 {
		for c := range 3 {
			d := float64(a.Pix[i+c]) - float64(b.Pix[i+c])
			sum += d * d
			n++
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}
