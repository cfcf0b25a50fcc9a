package media_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/media/mediaurl"
)

// A server opens the bucket named by its configuration, stores what staff
// upload, and serves the files under the Store's prefix.
func Example() {
	ctx := context.Background()
	store, err := mediaurl.Open(ctx, "mem://", nil) // file:///var/lib/shop/media?create_dir=1 in production
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	// A 1000×600 picture, as a staff member's browser would send it.
	m := image.NewRGBA(image.Rect(0, 0, 1000, 600))
	for i := range m.Pix {
		m.Pix[i] = 200
	}
	var file bytes.Buffer
	if err := png.Encode(&file, m); err != nil {
		log.Fatal(err)
	}

	img, err := store.Upload(ctx, "image", &file)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.ContentType, img.Width, img.Height)
	for _, v := range img.Variants {
		fmt.Println("variant", v.Width, v.Height)
	}

	mux := http.NewServeMux()
	mux.Handle(store.Prefix(), store)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", img.URL, nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	// Output:
	// image/png 1000 600
	// variant 320 192
	// variant 960 576
	// 200 image/png public, max-age=31536000, immutable
}

// A refused file is a validation error on the form's field.
func ExampleStore_Upload_refused() {
	var store *media.Store
	store, err := mediaurl.Open(context.Background(), "mem://", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	_, err = store.Upload(context.Background(), "image", bytes.NewReader([]byte("<svg onload=alert(1)>")))
	fmt.Println(commerce.FieldErrors(err)["image"])
	// Output:
	// must be a JPEG, PNG, GIF or WebP image
}

// Describe tells a stored image's size and variants from its URL alone,
// so a page can write <img srcset> without reading the bucket, and tells
// an external URL apart.
func ExampleStore_Describe() {
	store, err := mediaurl.Open(context.Background(), "mem://", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	img, ok := store.Describe("/media/5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef-4000x3000.jpg")
	fmt.Println(ok, img.Width, img.Height, img.ContentType)
	for _, v := range img.Variants {
		fmt.Println(v.URL)
	}
	_, ok = store.Describe("https://example.com/photo.jpg")
	fmt.Println(ok)
	// Output:
	// true 4000 3000 image/jpeg
	// /media/5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef-4000x3000-w320.jpg
	// /media/5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef-4000x3000-w960.jpg
	// false
}
