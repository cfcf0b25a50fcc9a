package storefront_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/media/mediaurl"
)

// catWithMedia serves the services of s again through a storefront whose
// staff may upload images, to a media store on mem:// (in a catalog
// service of its own over the same storage) mounted at its prefix as the
// shop's server mounts it. opts, when not nil, configure the storefront
// further (its Logger is set here).
func catWithMedia(t *testing.T, s *shop, opts *storefront.Options) (*shop, *media.Store) {
	t.Helper()
	store, err := mediaurl.Open(context.Background(), "mem://", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if opts == nil {
		opts = &storefront.Options{}
	}
	opts.Logger = discardLogger()
	cat := catalog.NewService(s.catalogRepo, &catalog.Options{Media: store})
	front := storefront.New(storefront.Services{
		Catalog: cat, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board,
	}, opts)
	mux := http.NewServeMux()
	mux.Handle(store.Prefix(), store)
	mux.Handle("/", front)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	m := *s
	m.URL, m.Handler, m.Catalog = srv.URL, mux, cat
	return &m, store
}

// catUpload is a file a form sends.
type catUpload struct {
	field, name string
	data        []byte
}

// postFiles submits a multipart form with files to path, as the shop's
// own pages do (same origin).
func (c *client) postFiles(path string, form url.Values, files ...catUpload) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, values := range form {
		for _, v := range values {
			if err := mw.WriteField(name, v); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			c.t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.shop.URL+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.shop.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// catPicture returns a width × height image in one colour with a gradient,
// so that two pictures of different colours are different files.
func catPicture(width, height int, c color.RGBA) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			m.Set(x, y, color.RGBA{c.R, c.G, uint8(x * 255 / width), 255})
		}
	}
	return m
}

func catPNG(t *testing.T, width, height int, c color.RGBA) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, catPicture(width, height, c)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func catJPEG(t *testing.T, width, height int, c color.RGBA) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, catPicture(width, height, c), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var (
	catRed   = color.RGBA{200, 30, 30, 255}
	catGreen = color.RGBA{30, 160, 60, 255}
	catBlue  = color.RGBA{30, 60, 200, 255}
)

// catHiddenImages are the photos a product's form lists, in order.
func catHiddenImages(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`name="images" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// catFieldError is the message shown under the field whose error id is id.
func catFieldError(body, id string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(id) + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// catProductForm is the form of p as its edit page sends it.
func catProductForm(p catalog.Product) url.Values {
	f := url.Values{
		"name": {p.Name}, "description": {p.Description}, "price": {p.Price.AmountString()},
		"images": slices.Clone(p.Images), "version": {strconv.FormatInt(p.Version, 10)},
	}
	if p.Brand != nil {
		f.Set("brand_id", p.Brand.ID.String())
	}
	if p.Stock == nil {
		f.Set("stock_untracked", "true")
	} else {
		f.Set("stock", strconv.Itoa(*p.Stock))
	}
	return f
}

// catProblem returns the problem named name.
func catProblem(t *testing.T, s *shop, name string) catalog.Problem {
	t.Helper()
	problems, err := s.Catalog.Problems(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no problem %q", name)
	return catalog.Problem{}
}

// catBrand returns the brand named name.
func catBrand(t *testing.T, s *shop, name string) catalog.Brand {
	t.Helper()
	page, err := s.Catalog.Brands(context.Background(), catalog.BrandFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range page.Items {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("no brand %q", name)
	return catalog.Brand{}
}

// catProductNamed returns the product named name, or false.
func catProductNamed(t *testing.T, s *shop, name string) (catalog.Product, bool) {
	t.Helper()
	page, err := s.Catalog.Products(context.Background(), catalog.ProductFilter{Query: name, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Items {
		if p.Name == name {
			return p, true
		}
	}
	return catalog.Product{}, false
}

func catWantStatus(t *testing.T, what string, p page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: got %d, want %d; body:\n%s", what, p.Status, status, p.Body)
	}
}

// A staff member adds a problem, a brand with an uploaded logo and a
// product with two photos uploaded at once; the product is on the home
// page with its picture, served by the media store; its photos are
// reordered and one removed; its stock set and then left untracked.
func TestStaffCatalogWithUploads(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s, store := catWithMedia(t, newShopOn(t, b), nil)
			c := s.client()
			c.signInAsStaff()

			// A problem, with an image.
			form := c.get("/staff/problems/new")
			catWantStatus(t, "new problem form", form, http.StatusOK)
			for _, want := range []string{`enctype="multipart/form-data"`, `name="image_file"`, `name="image_url"`, `for="problem-image-file"`} {
				if !strings.Contains(form.Body, want) {
					t.Errorf("the problem form lacks %s", want)
				}
			}
			p := c.postFiles("/staff/problems/new", url.Values{"name": {"기후 위기"}, "summary": {"더워지는 지구"}},
				catUpload{"image_file", "climate.jpg", catJPEG(t, 640, 480, catBlue)})
			catWantStatus(t, "new problem", p, http.StatusSeeOther)
			list := c.follow(p)
			if !strings.Contains(list.Body, "사회문제를 등록했습니다.") || !strings.Contains(list.Body, "기후 위기") {
				t.Errorf("the problems' list lacks the notice or the problem:\n%s", list.Body)
			}
			problem := catProblem(t, s, "기후 위기")
			img, ok := store.Describe(problem.ImageURL)
			if !ok || len(img.Variants) == 0 {
				t.Fatalf("the problem's image %q is not a stored image with variants", problem.ImageURL)
			}
			if !strings.Contains(list.Body, `src="`+img.Variants[0].URL+`"`) {
				t.Errorf("the list does not show the 320-wide thumbnail %s", img.Variants[0].URL)
			}

			// A brand working on it, with an uploaded logo.
			p = c.postFiles("/staff/brands/new", url.Values{
				"name": {"바람공방"}, "summary": {"바람으로 만드는 전기"}, "problem_id": {problem.ID.String()},
				"homepage": {"https://example.org/wind"},
			}, catUpload{"logo_file", "logo.png", catPNG(t, 200, 200, catGreen)})
			catWantStatus(t, "new brand", p, http.StatusSeeOther)
			if list := c.follow(p); !strings.Contains(list.Body, "브랜드를 등록했습니다.") {
				t.Errorf("no notice after adding a brand:\n%s", list.Body)
			}
			brand := catBrand(t, s, "바람공방")
			if !strings.HasPrefix(brand.LogoURL, media.DefaultPrefix) || brand.ImageURL != "" || brand.Problem.ID != problem.ID {
				t.Errorf("brand: logo %q, image %q, problem %v", brand.LogoURL, brand.ImageURL, brand.Problem)
			}

			// A product with two photos uploaded at once.
			p = c.postFiles("/staff/products/new", url.Values{
				"name": {"바람개비 무드등"}, "description": {"바람으로 도는 등"}, "price": {"23,000"},
				"brand_id": {brand.ID.String()}, "stock": {"5"},
			}, catUpload{"photos", "first.png", catPNG(t, 800, 600, catRed)}, catUpload{"photos", "second.jpg", catJPEG(t, 600, 800, catGreen)})
			catWantStatus(t, "new product", p, http.StatusSeeOther)
			if list := c.follow(p); !strings.Contains(list.Body, "상품을 등록했습니다.") || !strings.Contains(list.Body, "바람개비 무드등") {
				t.Errorf("the products' list lacks the notice or the product:\n%s", list.Body)
			}
			product, ok := catProductNamed(t, s, "바람개비 무드등")
			if !ok {
				t.Fatal("the product was not added")
			}
			if len(product.Images) != 2 || !strings.HasSuffix(product.Images[0], ".png") || !strings.HasSuffix(product.Images[1], ".jpg") {
				t.Fatalf("images %q, want the PNG then the JPEG", product.Images)
			}
			if product.Price.AmountString() != "23000" || product.Stock == nil || *product.Stock != 5 || product.Brand == nil || product.Brand.ID != brand.ID {
				t.Errorf("product %+v", product)
			}

			// On the home page, with its catPicture, which the media store serves.
			// The card loads the 320-pixel copy, and offers the rest by width.
			home := c.get("/")
			cover, _ := store.Describe(product.Images[0])
			if len(cover.Variants) == 0 || !strings.Contains(home.Body, `src="`+cover.Variants[0].URL+`"`) ||
				!strings.Contains(home.Body, product.Images[0]+" 800w") {
				t.Errorf("the home page does not show %s (its 320 copy, and the original in srcset)", product.Images[0])
			}
			for _, u := range []string{product.Images[0], product.Images[1]} {
				got := c.get(u)
				if got.Status != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "image/") {
					t.Errorf("GET %s: %d %s", u, got.Status, got.Header.Get("Content-Type"))
				}
			}
			if img, _ := store.Describe(product.Images[0]); len(img.Variants) > 0 {
				if got := c.get(img.Variants[0].URL); got.Status != http.StatusOK {
					t.Errorf("GET %s: %d", img.Variants[0].URL, got.Status)
				}
			}

			// Reordering re-renders the form without saving.
			edit := "/staff/products/" + product.ID.String() + "/edit"
			got := c.get(edit)
			catWantStatus(t, "edit form", got, http.StatusOK)
			if imgs := catHiddenImages(got.Body); !slices.Equal(imgs, product.Images) {
				t.Fatalf("the form lists %q, want %q", imgs, product.Images)
			}
			f := catProductForm(product)
			f.Set("move", "down:0")
			moved := c.postFiles(edit, f)
			catWantStatus(t, "moving a photo", moved, http.StatusOK)
			swapped := []string{product.Images[1], product.Images[0]}
			if imgs := catHiddenImages(moved.Body); !slices.Equal(imgs, swapped) {
				t.Errorf("after 아래로, the form lists %q, want %q", imgs, swapped)
			}
			if again, _ := catProductNamed(t, s, product.Name); !slices.Equal(again.Images, product.Images) || again.Version != product.Version {
				t.Errorf("moving a photo saved the product: %q v%d", again.Images, again.Version)
			}
			// Saving the new order, with a third photo uploaded and the
			// (new) second removed.
			f = catProductForm(product)
			f["images"] = catHiddenImages(moved.Body)
			f.Set("remove", "1")
			saved := c.postFiles(edit, f, catUpload{"photos", "third.png", catPNG(t, 300, 300, catBlue)})
			catWantStatus(t, "saving the order", saved, http.StatusSeeOther)
			product, _ = catProductNamed(t, s, product.Name)
			if len(product.Images) != 2 || product.Images[0] != swapped[0] || !strings.HasSuffix(product.Images[1], "-300x300.png") {
				t.Fatalf("images %q, want the JPEG then the new PNG", product.Images)
			}
			if home := c.get("/"); !strings.Contains(home.Body, product.Images[0]+" 600w") {
				t.Errorf("the home page does not show the new cover %s", product.Images[0])
			}

			// Stock: a number, then untracked.
			f = catProductForm(product)
			f.Set("stock", "12")
			catWantStatus(t, "setting the stock", c.post(edit, f), http.StatusSeeOther)
			product, _ = catProductNamed(t, s, product.Name)
			if product.Stock == nil || *product.Stock != 12 {
				t.Fatalf("stock %v, want 12", product.Stock)
			}
			f = catProductForm(product)
			f.Set("stock_untracked", "true")
			catWantStatus(t, "untracking the stock", c.post(edit, f), http.StatusSeeOther)
			product, _ = catProductNamed(t, s, product.Name)
			if product.Stock != nil {
				t.Fatalf("stock %d, want untracked", *product.Stock)
			}
			list = c.get("/staff/products?query=" + url.QueryEscape("바람개비"))
			if !strings.Contains(list.Body, "관리 안 함") || !strings.Contains(list.Body, "23,000원") || !strings.Contains(list.Body, "바람공방") {
				t.Errorf("the products' list does not show the product's price, brand and untracked stock:\n%s", list.Body)
			}

			// The brand's logo deleted, an image URL typed instead.
			bf := url.Values{
				"name": {brand.Name}, "summary": {brand.Summary}, "problem_id": {problem.ID.String()},
				"logo_url": {brand.LogoURL}, "logo_delete": {"true"}, "image_url": {"https://example.org/wind.jpg"},
				"version": {strconv.FormatInt(brand.Version, 10)},
			}
			catWantStatus(t, "editing the brand", c.postFiles("/staff/brands/"+brand.ID.String()+"/edit", bf), http.StatusSeeOther)
			brand = catBrand(t, s, "바람공방")
			if brand.LogoURL != "" || brand.ImageURL != "https://example.org/wind.jpg" {
				t.Errorf("brand: logo %q, image %q", brand.LogoURL, brand.ImageURL)
			}
		})
	}
}

// A file that is not an image is refused next to 사진, with every other
// error of the form at once, and nothing reaches the catalog; the good
// photo sent with it stays in the form.
func TestStaffBadPhotoIsRefused(t *testing.T) {
	s, _ := catWithMedia(t, newShop(t), nil)
	c := s.client()
	c.signInAsStaff()
	p := c.postFiles("/staff/products/new", url.Values{"name": {"글자 파일 상품"}, "price": {"5000"}, "stock": {"3"}},
		catUpload{"photos", "notes.txt", []byte("이것은 사진이 아닙니다.\n")})
	catWantStatus(t, "a text file as a photo", p, http.StatusUnprocessableEntity)
	if got := catFieldError(p.Body, "product-photos-error"); !strings.Contains(got, "notes.txt") || !strings.Contains(got, "이미지만 올릴 수 있습니다") {
		t.Errorf("photos' error %q", got)
	}
	if !strings.Contains(p.Body, `aria-describedby="product-photos-error"`) {
		t.Error("the photos' input does not point at its error")
	}
	if _, ok := catProductNamed(t, s, "글자 파일 상품"); ok {
		t.Error("the product was added despite its refused photo")
	}
	if inputValue(t, p.Body, "name") != "글자 파일 상품" || inputValue(t, p.Body, "price") != "5000" {
		t.Error("the form lost what was typed")
	}

	// A good photo, a bad one, no name and a price that is not a number:
	// every error at once, and the good photo kept.
	p = c.postFiles("/staff/products/new", url.Values{"name": {""}, "price": {"만원"}, "stock_untracked": {"true"}},
		catUpload{"photos", "good.png", catPNG(t, 100, 100, catRed)}, catUpload{"photos", "bad.gif", []byte("GIF89a")})
	catWantStatus(t, "a bad photo and bad fields", p, http.StatusUnprocessableEntity)
	for id, want := range map[string]string{
		"product-name-error":   "꼭 입력해 주세요.",
		"product-price-error":  "숫자로 입력해 주세요.",
		"product-photos-error": "bad.gif",
	} {
		if got := catFieldError(p.Body, id); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if got := catFieldError(p.Body, "product-images-error"); got != "" {
		t.Errorf("the images' field says %q: the refused file's stand-in leaked", got)
	}
	kept := catHiddenImages(p.Body)
	if len(kept) != 1 || !strings.HasSuffix(kept[0], "-100x100.png") {
		t.Fatalf("the form keeps %q, want the good photo", kept)
	}
	// Sent again with a name and a price, the kept photo is saved.
	p = c.postFiles("/staff/products/new", url.Values{"name": {"다시 보낸 상품"}, "price": {"10000"}, "stock_untracked": {"true"}, "images": kept})
	catWantStatus(t, "sent again", p, http.StatusSeeOther)
	if got, ok := catProductNamed(t, s, "다시 보낸 상품"); !ok || !slices.Equal(got.Images, kept) {
		t.Errorf("saved %q, want %q", got.Images, kept)
	}

	// A brand's logo refused: the logo's error, the name's, nothing stored.
	before, _ := s.Catalog.Brands(context.Background(), catalog.BrandFilter{Limit: 100})
	p = c.postFiles("/staff/brands/new", url.Values{"name": {""}, "problem_id": {catProblem(t, s, "환경").ID.String()}},
		catUpload{"logo_file", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)})
	catWantStatus(t, "a refused logo", p, http.StatusUnprocessableEntity)
	if catFieldError(p.Body, "brand-logo-file-error") == "" || catFieldError(p.Body, "brand-name-error") == "" {
		t.Errorf("want the logo's and the name's errors:\n%s", p.Body)
	}
	if catFieldError(p.Body, "brand-logo-url-error") != "" {
		t.Error("the logo's URL field shows the refused file's stand-in")
	}
	after, _ := s.Catalog.Brands(context.Background(), catalog.BrandFilter{Limit: 100})
	if len(after.Items) != len(before.Items) {
		t.Error("a brand was added despite its refused logo")
	}
}

// Every message package media refuses a file with reads in Korean.
func TestStaffUploadRefusalsAreKorean(t *testing.T) {
	s, _ := catWithMedia(t, newShop(t), nil)
	c := s.client()
	c.signInAsStaff()
	whole := catPNG(t, 50, 50, catGreen)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.png", nil, "빈 파일"},
		{"notes.txt", []byte("hello"), "이미지만 올릴 수 있습니다"},
		{"cut.png", whole[:len(whole)/2], "손상"},
		{"huge.png", catHugePNG(), "메가픽셀"},
	} {
		p := c.postFiles("/staff/problems/new", url.Values{"name": {"거부 " + tc.name}}, catUpload{"image_file", tc.name, tc.data})
		catWantStatus(t, tc.name, p, http.StatusUnprocessableEntity)
		got := catFieldError(p.Body, "problem-image-file-error")
		if msg := strings.TrimPrefix(got, tc.name+": "); msg == "" || msg == "입력한 값을 확인해 주세요." ||
			strings.ContainsAny(msg, "abcdefghijklmnopqrstuvwxyz") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want a Korean explanation with %q", tc.name, got, tc.want)
		}
	}
}

// catHugePNG is the start of a PNG that claims 100000 × 100000 pixels.
func catHugePNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	data := b.Bytes()
	// The IHDR chunk: its type at bytes 12–15, width and height at 16–23,
	// its CRC (of type and data) at 29–32.
	for _, off := range []int{16, 20} {
		binary.BigEndian.PutUint32(data[off:], 100_000)
	}
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// An edit saved at a version someone else changed since shows their
// values, with the new version, and lists what was typed that differs.
func TestStaffStaleEditShowsTheirValues(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			jam := s.product("유기농사과잼")
			c := s.client()
			c.signInAsStaff()
			edit := "/staff/products/" + jam.ID.String() + "/edit"
			form := c.get(edit)
			catWantStatus(t, "edit form", form, http.StatusOK)
			if v := inputValue(t, form.Body, "version"); v != strconv.FormatInt(jam.Version, 10) {
				t.Fatalf("version %s, want %d", v, jam.Version)
			}
			theirs, err := s.Catalog.UpdateProduct(ctx, s.Staff, jam.ID, catalog.ProductPatch{
				Name: commerce.Some("사과잼 (새 이름)"), Price: commerce.Some(commerce.MustMoney("9900", "KRW")),
			})
			if err != nil {
				t.Fatal(err)
			}
			f := catProductForm(jam)
			f.Set("name", "내가 고친 사과잼")
			f.Set("description", "내가 쓴 설명")
			p := c.post(edit, f)
			catWantStatus(t, "stale edit", p, http.StatusConflict)
			if !strings.Contains(p.Body, "그 사이에 다른 사람이 고쳤습니다") || !strings.Contains(p.Body, "입력하셨던 내용") {
				t.Errorf("the page does not explain the conflict:\n%s", p.Body)
			}
			if got := inputValue(t, p.Body, "name"); got != "사과잼 (새 이름)" {
				t.Errorf("name field %q, want theirs", got)
			}
			if got := inputValue(t, p.Body, "price"); got != "9900" {
				t.Errorf("price field %q, want theirs", got)
			}
			if got := inputValue(t, p.Body, "version"); got != strconv.FormatInt(theirs.Version, 10) {
				t.Errorf("version %s, want %d", got, theirs.Version)
			}
			for _, want := range []string{"<dt>상품명</dt>", "내가 고친 사과잼", "<dt>설명</dt>", "내가 쓴 설명", "<dt>가격</dt>"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("what was typed lacks %s", want)
				}
			}
			if strings.Contains(p.Body, "<dt>재고</dt>") || strings.Contains(p.Body, "<dt>사진</dt>") {
				t.Error("fields that agree are listed as typed")
			}
			if got, _ := s.Catalog.Product(ctx, jam.ID); got.Name != "사과잼 (새 이름)" {
				t.Errorf("the stale edit was saved: %q", got.Name)
			}
			// Saved again from the form shown, it applies.
			f = catProductForm(theirs)
			f.Set("name", "내가 고친 사과잼")
			catWantStatus(t, "edit at the new version", c.post(edit, f), http.StatusSeeOther)
			if got, _ := s.Catalog.Product(ctx, jam.ID); got.Name != "내가 고친 사과잼" || got.Price.AmountString() != "9900" {
				t.Errorf("got %q %s", got.Name, got.Price)
			}

			// A problem too.
			env := catProblem(t, s, "환경")
			if _, err := s.Catalog.UpdateProblem(ctx, s.Staff, env.ID, catalog.ProblemPatch{Summary: commerce.Some("바뀐 요약")}); err != nil {
				t.Fatal(err)
			}
			p = c.post("/staff/problems/"+env.ID.String()+"/edit", url.Values{
				"name": {"환경 문제"}, "summary": {env.Summary}, "description": {env.Description},
				"image_url": {env.ImageURL}, "version": {strconv.FormatInt(env.Version, 10)},
			})
			catWantStatus(t, "stale problem edit", p, http.StatusConflict)
			if got := inputValue(t, p.Body, "summary"); got != "바뀐 요약" || !strings.Contains(p.Body, "환경 문제") {
				t.Errorf("summary %q; the page should show theirs and the typed name", got)
			}
		})
	}
}

// Deleting asks first; a problem brands work on stays and the list names
// them; a brand's products stay without it.
func TestStaffDeletes(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			s := newShopOn(t, b)
			ctx := context.Background()
			c := s.client()
			c.signInAsStaff()
			env := catProblem(t, s, "환경")
			del := "/staff/problems/" + env.ID.String() + "/delete"

			ask := c.post(del, url.Values{})
			catWantStatus(t, "delete without confirming", ask, http.StatusOK)
			if !strings.Contains(ask.Body, "‘환경’ 사회문제를 삭제할까요?") || !strings.Contains(ask.Body, `name="confirm" value="yes"`) {
				t.Errorf("no confirmation:\n%s", ask.Body)
			}
			p := c.post(del, url.Values{"confirm": {"yes"}})
			catWantStatus(t, "delete a problem in use", p, http.StatusConflict)
			if !strings.Contains(p.Body, "이 사회문제를 다루는 브랜드가 있어 삭제할 수 없습니다: ") ||
				!strings.Contains(p.Body, "사과꽃농원") || !strings.Contains(p.Body, "초록순환") {
				t.Errorf("the refusal does not name the brands:\n%s", p.Body)
			}
			if _, err := s.Catalog.Problem(ctx, env.ID); err != nil {
				t.Errorf("the problem is gone: %v", err)
			}

			unused, err := s.Catalog.CreateProblem(ctx, s.Staff, catalog.ProblemInput{Name: "지울 문제"})
			if err != nil {
				t.Fatal(err)
			}
			p = c.post("/staff/problems/"+unused.ID.String()+"/delete", url.Values{"confirm": {"yes"}})
			catWantStatus(t, "delete an unused problem", p, http.StatusSeeOther)
			if list := c.follow(p); !strings.Contains(list.Body, "사회문제를 삭제했습니다.") || strings.Contains(list.Body, "지울 문제") {
				t.Errorf("after deleting:\n%s", list.Body)
			}

			brand := catBrand(t, s, "사과꽃농원")
			jam := s.product("유기농사과잼")
			ask = c.post("/staff/brands/"+brand.ID.String()+"/delete", url.Values{})
			if !strings.Contains(ask.Body, "상품은 지워지지 않고 브랜드 없이 남습니다") {
				t.Errorf("the confirmation does not say the products stay:\n%s", ask.Body)
			}
			p = c.post("/staff/brands/"+brand.ID.String()+"/delete", url.Values{"confirm": {"yes"}})
			catWantStatus(t, "delete a brand", p, http.StatusSeeOther)
			if got, err := s.Catalog.Product(ctx, jam.ID); err != nil || got.Brand != nil {
				t.Errorf("the brand's product: %v, brand %v", err, got.Brand)
			}

			p = c.post("/staff/products/"+jam.ID.String()+"/delete", url.Values{"confirm": {"yes"}})
			catWantStatus(t, "delete a product", p, http.StatusSeeOther)
			if _, err := s.Catalog.Product(ctx, jam.ID); !errors.Is(err, commerce.ErrNotFound) {
				t.Errorf("the product is still there: %v", err)
			}
		})
	}
}

// Without a media store the forms take URLs only, urlencoded; every error
// of a form shows at once next to its field, and what was typed stays.
func TestStaffFormsWithoutMedia(t *testing.T) {
	s := newShop(t)
	c := s.client()
	c.signInAsStaff()
	for _, path := range []string{"/staff/problems/new", "/staff/brands/new", "/staff/products/new"} {
		p := c.get(path)
		catWantStatus(t, path, p, http.StatusOK)
		if strings.Contains(p.Body, `type="file"`) || strings.Contains(p.Body, "multipart") {
			t.Errorf("%s offers files without a media store", path)
		}
	}
	p := c.post("/staff/problems/new", url.Values{"name": {""}, "summary": {strings.Repeat("가", 301)}, "image_url": {"ftp://example.org/x.png"}})
	catWantStatus(t, "a bad problem", p, http.StatusUnprocessableEntity)
	for id, want := range map[string]string{
		"problem-name-error":      "꼭 입력해 주세요.",
		"problem-summary-error":   "300자 이하로 입력해 주세요.",
		"problem-image-url-error": "웹 주소(URL)",
	} {
		if got := catFieldError(p.Body, id); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if !strings.Contains(p.Body, `value="ftp://example.org/x.png"`) {
		t.Error("the typed URL is lost")
	}

	p = c.post("/staff/products/new", url.Values{"name": {""}, "price": {"12.5"}, "stock": {"많이"}, "image_url": {"not a url"}})
	catWantStatus(t, "a bad product", p, http.StatusUnprocessableEntity)
	for id, want := range map[string]string{
		"product-name-error":   "꼭 입력해 주세요.",
		"product-price-error":  "소수점 없이",
		"product-stock-error":  "숫자를 입력해 주세요.",
		"product-images-error": "웹 주소(URL)",
	} {
		if got := catFieldError(p.Body, id); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}

	jam := s.product("유기농사과잼")
	f := catProductForm(jam)
	f.Set("image_url", "https://example.org/jam-side.jpg")
	f.Set("price", "13,500원")
	catWantStatus(t, "adding an image URL", c.post("/staff/products/"+jam.ID.String()+"/edit", f), http.StatusSeeOther)
	got := s.product("유기농사과잼")
	if want := append(slices.Clone(jam.Images), "https://example.org/jam-side.jpg"); !slices.Equal(got.Images, want) || got.Price.AmountString() != "13500" {
		t.Errorf("images %q price %s, want %q 13500", got.Images, got.Price, want)
	}

	// Searches.
	list := c.get("/staff/brands?query=" + url.QueryEscape("공방"))
	catWantStatus(t, "brand search", list, http.StatusOK)
	if !strings.Contains(list.Body, "손끝공방") || strings.Contains(list.Body, "사과꽃농원") {
		t.Errorf("searching brands for 공방:\n%s", list.Body)
	}
	list = c.get("/staff/problems?query=" + url.QueryEscape("환"))
	if !strings.Contains(list.Body, "환경") || strings.Contains(list.Body, ">교육<") {
		t.Errorf("filtering problems for 환:\n%s", list.Body)
	}
	list = c.get("/staff/products?query=" + url.QueryEscape(strings.Repeat("가", 300)))
	catWantStatus(t, "a search too long", list, http.StatusBadRequest)
}

// Pages of brands and products continue with the cursor.
func TestStaffListsPage(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	env := catProblem(t, s, "환경")
	for i := range 25 {
		if _, err := s.Catalog.CreateBrand(ctx, s.Staff, catalog.BrandInput{Name: fmt.Sprintf("시험 브랜드 %02d", i), ProblemID: env.ID}); err != nil {
			t.Fatal(err)
		}
	}
	c := s.client()
	c.signInAsStaff()
	first := c.get("/staff/brands")
	next := regexp.MustCompile(`<a rel="next" href="([^"]+)">다음</a>`).FindStringSubmatch(first.Body)
	if next == nil || !strings.Contains(first.Body, "시험 브랜드 24") || strings.Contains(first.Body, "사과꽃농원") {
		t.Fatalf("the first page of brands:\n%s", first.Body)
	}
	second := c.get(html.UnescapeString(next[1]))
	catWantStatus(t, "second page", second, http.StatusOK)
	if !strings.Contains(second.Body, "사과꽃농원") || strings.Contains(second.Body, "시험 브랜드 24") {
		t.Errorf("the second page of brands:\n%s", second.Body)
	}
}

// Customers get 403 on every catalog staff page and form, and from the
// catalog itself; visitors are sent to sign in; malformed and unknown ids
// are 404 pages; nothing typed gives a 500.
func TestStaffCatalogIsForStaff(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	jam := s.product("유기농사과잼")
	env := catProblem(t, s, "환경")
	brand := catBrand(t, s, "사과꽃농원")
	visitor, customer, staff := s.client(), s.client(), s.client()
	acct := customer.signUp("catalogcustomer")
	staff.signInAsStaff()

	gets := []string{
		"/staff/problems", "/staff/problems/new", "/staff/problems/" + env.ID.String() + "/edit",
		"/staff/brands", "/staff/brands/new", "/staff/brands/" + brand.ID.String() + "/edit",
		"/staff/products", "/staff/products/new", "/staff/products/" + jam.ID.String() + "/edit",
	}
	posts := []string{
		"/staff/problems/new", "/staff/problems/" + env.ID.String() + "/edit", "/staff/problems/" + env.ID.String() + "/delete",
		"/staff/brands/new", "/staff/brands/" + brand.ID.String() + "/edit", "/staff/brands/" + brand.ID.String() + "/delete",
		"/staff/products/new", "/staff/products/" + jam.ID.String() + "/edit", "/staff/products/" + jam.ID.String() + "/delete",
	}
	for _, path := range gets {
		if p := customer.get(path); p.Status != http.StatusForbidden {
			t.Errorf("customer GET %s: %d, want 403", path, p.Status)
		}
		if p := visitor.get(path); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/accounts/login?next=") {
			t.Errorf("visitor GET %s: %d %q, want a redirect to sign in", path, p.Status, p.Location)
		}
		if p := staff.get(path); p.Status != http.StatusOK {
			t.Errorf("staff GET %s: %d", path, p.Status)
		}
	}
	for _, path := range posts {
		f := url.Values{"name": {"고객이 바꾼 이름"}, "price": {"1"}, "stock_untracked": {"true"}, "problem_id": {env.ID.String()}, "confirm": {"yes"}}
		if p := customer.post(path, f); p.Status != http.StatusForbidden {
			t.Errorf("customer POST %s: %d, want 403", path, p.Status)
		}
		if p := customer.postFiles(path, f); p.Status != http.StatusForbidden {
			t.Errorf("customer multipart POST %s: %d, want 403", path, p.Status)
		}
	}
	if got := s.product("유기농사과잼"); got.Version != jam.Version {
		t.Error("a customer's post changed a product")
	}

	// The catalog decides too, whoever calls it.
	as := commerce.UserActor(acct.ID)
	for what, err := range map[string]error{
		"CreateProblem": func() error { _, err := s.Catalog.CreateProblem(ctx, as, catalog.ProblemInput{Name: "x"}); return err }(),
		"UpdateProblem": func() error {
			_, err := s.Catalog.UpdateProblem(ctx, as, env.ID, catalog.ProblemPatch{Name: commerce.Some("x")})
			return err
		}(),
		"DeleteProblem": s.Catalog.DeleteProblem(ctx, as, env.ID),
		"CreateBrand": func() error {
			_, err := s.Catalog.CreateBrand(ctx, as, catalog.BrandInput{Name: "x", ProblemID: env.ID})
			return err
		}(),
		"UpdateBrand": func() error {
			_, err := s.Catalog.UpdateBrand(ctx, as, brand.ID, catalog.BrandPatch{Name: commerce.Some("x")})
			return err
		}(),
		"DeleteBrand": s.Catalog.DeleteBrand(ctx, as, brand.ID),
		"CreateProduct": func() error {
			_, err := s.Catalog.CreateProduct(ctx, as, catalog.ProductInput{Name: "x", Price: commerce.MustMoney("1", "KRW")})
			return err
		}(),
		"UpdateProduct": func() error {
			_, err := s.Catalog.UpdateProduct(ctx, as, jam.ID, catalog.ProductPatch{Name: commerce.Some("x")})
			return err
		}(),
		"DeleteProduct": s.Catalog.DeleteProduct(ctx, as, jam.ID),
	} {
		if !errors.Is(err, commerce.ErrForbidden) {
			t.Errorf("%s as a customer: %v, want forbidden", what, err)
		}
	}

	// Malformed and unknown ids.
	for _, id := range []string{"x", "%27%3Cscript%3E", strings.Repeat("9", 300), "00000000-0000-0000-0000-000000000000", commerce.NewID().String()} {
		for _, section := range []string{"problems", "brands", "products"} {
			base := "/staff/" + section + "/" + id
			if p := staff.get(base + "/edit"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "페이지를 찾을 수 없습니다") {
				t.Errorf("GET %s/edit: %d, want the 404 page", base, p.Status)
			}
			for _, action := range []string{"/edit", "/delete"} {
				if p := staff.post(base+action, url.Values{"name": {"x"}, "confirm": {"yes"}, "price": {"1"}, "stock": {"1"}}); p.Status != http.StatusNotFound {
					t.Errorf("POST %s%s: %d, want 404", base, action, p.Status)
				}
			}
		}
	}

	// Odd values everywhere: never a 500.
	values := []string{"", "0", "-1", "99999999999999999999999", "1e9", "abc", "<b>", "\x00", strings.Repeat("가", 5000), "up:-1", "down:99", "true"}
	fields := []string{"name", "summary", "description", "story", "homepage", "problem_id", "brand_id", "price", "stock",
		"stock_untracked", "images", "remove", "move", "image_url", "logo_url", "image_delete", "logo_delete", "version", "confirm"}
	for _, path := range append(slices.Clone(posts), "/staff/problems/new", "/staff/brands/new", "/staff/products/new") {
		for _, v := range values {
			f := url.Values{}
			for _, name := range fields {
				f.Set(name, v)
			}
			if p := staff.post(path, f); p.Status >= 500 {
				t.Errorf("POST %s with %q: %d\n%s", path, v, p.Status, p.Body)
			}
		}
	}
	for _, path := range []string{"/staff/problems", "/staff/brands", "/staff/products"} {
		for _, q := range []string{"query=" + url.QueryEscape(strings.Repeat("가", 300)), "cursor=abc", "cursor=" + strings.Repeat("9", 300), "done=%3Cb%3E"} {
			if p := staff.get(path + "?" + q); p.Status >= 500 {
				t.Errorf("GET %s?%s: %d", path, q, p.Status)
			}
		}
	}
}

// A form with files over Options.MaxUploadBytes is refused with the 413
// page; a malformed multipart body is a 400 page.
func TestStaffUploadsAreBounded(t *testing.T) {
	s, _ := catWithMedia(t, newShop(t), &storefront.Options{MaxUploadBytes: 256 << 10})
	c := s.client()
	c.signInAsStaff()
	big := make([]byte, 512<<10)
	p := c.postFiles("/staff/products/new", url.Values{"name": {"큰 파일"}}, catUpload{"photos", "big.png", big})
	catWantStatus(t, "a form too large", p, http.StatusRequestEntityTooLarge)
	if _, ok := catProductNamed(t, s, "큰 파일"); ok {
		t.Error("a product was added from a form too large")
	}

	req, _ := http.NewRequest(http.MethodPost, s.URL+"/staff/problems/new", strings.NewReader("--nope\r\nbroken"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=nope")
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if p := c.do(req); p.Status != http.StatusBadRequest {
		t.Errorf("a malformed multipart form: %d, want 400", p.Status)
	}
}

// Every control of the catalog's staff pages has a label, with and
// without a media store.
func TestStaffCatalogInputsAreLabelled(t *testing.T) {
	plain := newShop(t)
	withFiles, _ := catWithMedia(t, plain, nil)
	jam := plain.product("유기농사과잼")
	env := catProblem(t, plain, "환경")
	brand := catBrand(t, plain, "사과꽃농원")
	checked := 0
	for _, s := range []*shop{plain, withFiles} {
		c := s.client()
		c.signInAsStaff()
		for _, path := range []string{
			"/staff/problems", "/staff/problems/new", "/staff/problems/" + env.ID.String() + "/edit",
			"/staff/brands", "/staff/brands/new", "/staff/brands/" + brand.ID.String() + "/edit",
			"/staff/products", "/staff/products/new", "/staff/products/" + jam.ID.String() + "/edit",
		} {
			page := c.get(path)
			if page.Status != http.StatusOK {
				t.Errorf("%s: got %d", path, page.Status)
				continue
			}
			if !strings.Contains(page.Body, `class="staff-menu"`) {
				t.Errorf("%s has no staff menu", path)
			}
			for _, tag := range inputTag.FindAllString(page.Body, -1) {
				if ty := typeAttr.FindStringSubmatch(tag); ty != nil && (ty[1] == "hidden" || ty[1] == "submit") {
					continue
				}
				id := idAttr.FindStringSubmatch(tag)
				if id == nil {
					t.Errorf("%s: %s has no id", path, tag)
					continue
				}
				if !strings.Contains(page.Body, `for="`+id[1]+`"`) {
					t.Errorf("%s: %s has no <label for=%q>", path, tag, id[1])
				}
				checked++
			}
		}
	}
	if checked < 40 {
		t.Errorf("checked only %d controls", checked)
	}
}
