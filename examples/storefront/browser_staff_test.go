package storefront_test

// The staff's walk through the shop in a real browser: a problem, a brand
// with an uploaded logo and a product with two uploaded photos, an edit
// that meets someone else's, and the order a customer places shipped from
// /staff/orders — while the customer, posting the staff's forms directly,
// is refused.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/order"
)

// staffBrowserMaxScreenshot is the largest a screenshot for the
// documentation may be.
const staffBrowserMaxScreenshot = 250 << 10

func TestBrowserStaffRunsTheShop(t *testing.T) {
	for _, be := range backends {
		t.Run(string(be), func(t *testing.T) {
			s, _ := catWithMedia(t, newShopOn(t, be), nil)
			ctx := context.Background()
			customer(t, s, "haneul")
			dir := t.TempDir()
			logo := staffBrowserFile(t, dir, "logo.png", staffBrowserPNG(t, 200, 200, color.RGBA{0x2e, 0x7d, 0x5b, 0xff}))
			photoPNG := staffBrowserPNG(t, 640, 480, color.RGBA{0xe0, 0x6c, 0x3c, 0xff})
			first := staffBrowserFile(t, dir, "first.png", photoPNG)
			second := staffBrowserFile(t, dir, "second.jpg", staffBrowserJPEG(t, 480, 640, color.RGBA{0x3c, 0x6c, 0xe0, 0xff}))

			// 1. The staff member signs in and finds 관리 in the header.
			staff := newBrowser(t, s)
			staff.signIn(s.StaffName, s.StaffPassword)
			staff.clickOK(`//header//a[@href="/staff" and normalize-space()="관리"]`)
			if p := staff.path(); p != "/staff" {
				t.Fatalf("관리 leads to %s, want /staff", p)
			}
			if got := staff.text(`//main//h1`); got != "관리" {
				t.Errorf("/staff's h1 reads %q, want 관리", got)
			}

			// 2. A problem, then a brand working on it with an uploaded logo.
			staff.clickOK(within(`//main`, link("사회문제")))
			staff.clickOK(within(`//main`, link("사회문제 등록")))
			if p := staff.path(); p != "/staff/problems/new" {
				t.Errorf("사회문제 등록 leads to %s", p)
			}
			staff.typeInto(field("이름"), "바다 쓰레기")
			staff.typeInto(field("요약"), "바다로 흘러가는 플라스틱")
			staff.typeInto(field("설명"), "해마다 바다로 흘러드는 플라스틱을\n줄이는 일을 합니다.")
			staffBrowserSubmit(staff, "등록", http.StatusOK)
			if p := staff.path(); !strings.HasPrefix(p, "/staff/problems") {
				t.Errorf("등록 of a problem leads to %s, want the problems' list", p)
			}
			if !staff.mainHas("사회문제를 등록했습니다.") || !staff.has(within(`//main`, link("바다 쓰레기"))) {
				t.Errorf("the problems' list lacks the notice or the new problem:\n%s", staff.mainText())
			}
			problem := catProblem(t, s, "바다 쓰레기")

			staff.openOK("/staff/brands/new")
			staff.typeInto(field("이름"), "파도공방")
			staff.typeInto(field("요약"), "바다에서 건진 플라스틱으로 만드는 물건")
			staff.typeInto(field("홈페이지"), "https://example.org/wave")
			staff.choose("사회문제", "바다 쓰레기")
			staff.do("choosing the logo", chromedp.SetUploadFiles(staffBrowserFileInput("로고"), []string{logo}))
			staffBrowserSubmit(staff, "등록", http.StatusOK)
			if !staff.mainHas("브랜드를 등록했습니다.") {
				t.Errorf("no notice after adding a brand (at %s):\n%s", staff.location(), staff.mainText())
			}
			brand := catBrand(t, s, "파도공방")
			if !strings.HasPrefix(brand.LogoURL, media.DefaultPrefix) || brand.Problem.ID != problem.ID {
				t.Errorf("the brand's logo is %q and its problem %v, want an uploaded logo and %s", brand.LogoURL, brand.Problem, problem.ID)
			}
			if broken := staffBrowserBrokenImages(staff); len(broken) > 0 {
				t.Errorf("the brands' list shows images that do not load: %q", broken)
			}

			// 3. A product of that brand, with two photos chosen at once.
			staff.openOK("/staff/products")
			staff.clickOK(within(`//main`, link("상품 등록")))
			staff.typeInto(field("상품명"), "파도 업사이클 컵받침")
			staff.typeInto(field("설명"), "바다에서 건진 병뚜껑으로 만든 컵받침 네 개")
			staff.typeInto(field("가격 (원)"), "15000")
			staff.choose("브랜드", "파도공방")
			staff.typeInto(field("재고"), "5")
			staff.do("choosing two photos", chromedp.SetUploadFiles(staffBrowserFileInput("사진 올리기"), []string{first, second}))
			staffBrowserSubmit(staff, "등록", http.StatusOK)
			if !staff.mainHas("상품을 등록했습니다.") || !staff.has(within(`//main`, link("파도 업사이클 컵받침"))) {
				t.Errorf("the products' list lacks the notice or the new product (at %s):\n%s", staff.location(), staff.mainText())
			}
			product, ok := catProductNamed(t, s, "파도 업사이클 컵받침")
			if !ok {
				t.Fatal("the product was not added")
			}
			if len(product.Images) != 2 || !strings.HasSuffix(product.Images[0], ".png") || !strings.HasSuffix(product.Images[1], ".jpg") {
				t.Fatalf("the product's images are %q, want the PNG then the JPEG", product.Images)
			}
			// The media store names an upload by its bytes: the PNG, which
			// carries nothing to strip, is stored under the SHA-256 of the
			// file (step 8 relies on it).
			if want := staffBrowserMediaURL(photoPNG, 640, 480, "png"); product.Images[0] != want {
				t.Errorf("the first photo is stored as %s, want %s", product.Images[0], want)
			}
			if product.Price.AmountString() != "15000" || product.Stock == nil || *product.Stock != 5 || product.Brand == nil || product.Brand.ID != brand.ID {
				t.Errorf("the product reads price %s, stock %v, brand %v; want 15000, 5, %s", product.Price.AmountString(), product.Stock, product.Brand, brand.ID)
			}

			// 4. The home page shows it among the newest, with its photo.
			staff.openOK("/")
			if n := staff.count(cards); n != 8 {
				t.Errorf("home shows %d product cards, want 8", n)
			}
			card := staffBrowserCardImage(staff, product.Name)
			if !card.Found {
				t.Fatalf("home does not show %s among the newest:\n%s", product.Name, staff.mainText())
			}
			for _, src := range []string{card.Src, card.CurrentSrc} {
				if u, err := url.Parse(src); err != nil || !strings.HasPrefix(u.Path, media.DefaultPrefix) {
					t.Errorf("the card's picture is %s (showing %s), want one under %s", card.Src, card.CurrentSrc, media.DefaultPrefix)
					break
				}
			}
			if card.NaturalWidth == 0 {
				t.Errorf("the card's picture %s (%s) did not load", card.Src, card.CurrentSrc)
			}

			// 5. An edit read before someone else's: the form shows theirs.
			staff.openOK("/staff/products")
			staff.clickOK(`//main//tr[.//a[normalize-space()=` + xpathString(product.Name) + `]]//a[normalize-space()="수정"]`)
			if n := staff.count(`//main//ol[contains(@class, "staff-photo-list")]/li`); n != 2 {
				t.Errorf("the edit form lists %d photos, want 2:\n%s", n, staff.mainText())
			}
			if broken := staffBrowserBrokenImages(staff); len(broken) > 0 {
				t.Errorf("the edit form shows photos that do not load: %q", broken)
			}
			if be == memory {
				staffBrowserScreenshot(staff, "staff-product.png", 1400)
			}
			const renamed = "파도 업사이클 컵받침 4개입"
			if _, err := s.Catalog.UpdateProduct(ctx, s.Staff, product.ID, catalog.ProductPatch{Name: commerce.Some(renamed)}); err != nil {
				t.Fatal(err)
			}
			staff.typeInto(field("가격 (원)"), "16000")
			staffBrowserSubmit(staff, "저장", http.StatusConflict)
			if !staff.mainHas("그 사이에 다른 사람이 고쳤습니다") {
				t.Errorf("the stale edit does not say someone else changed the product:\n%s", staff.mainText())
			}
			if got := staff.value(field("상품명")); got != renamed {
				t.Errorf("after the conflict, 상품명 holds %q, want the other edit's %q", got, renamed)
			}
			if got := staff.value(field("가격 (원)")); got != "15000" {
				t.Errorf("after the conflict, 가격 holds %q, want the stored 15000", got)
			}
			if typed := staff.text(`//main//*[contains(@class, "staff-typed")]`); !strings.Contains(typed, "16000") {
				t.Errorf("after the conflict, 입력하셨던 내용 does not show the typed price 16000: %q", typed)
			}
			// Saved again over the current version, it goes through.
			staff.typeInto(field("가격 (원)"), "16000")
			staffBrowserSubmit(staff, "저장", http.StatusOK)
			if !staff.mainHas("상품을 저장했습니다.") {
				t.Errorf("no notice after saving the product again (at %s):\n%s", staff.location(), staff.mainText())
			}
			product, err := s.Catalog.Product(ctx, product.ID)
			if err != nil {
				t.Fatal(err)
			}
			if product.Name != renamed || product.Price.AmountString() != "16000" || len(product.Images) != 2 {
				t.Errorf("after saving again: %q at %s with %d photos, want %q at 16000 with 2", product.Name, product.Price.AmountString(), len(product.Images), renamed)
			}

			// 6. A customer, in a browser of their own, buys it now and pays
			// by bank transfer.
			shopper := newBrowser(t, s)
			shopper.signIn("haneul", customerPassword)
			shopper.openOK("/products/" + product.ID.String())
			if got := shopper.text(`//main//h1`); got != renamed {
				t.Errorf("the product page's h1 reads %q, want %q", got, renamed)
			}
			shopper.typeInto(field("수량"), "1")
			shopper.clickOK(button("바로 구매"))
			if !shopper.mainHas(renamed) || !shopper.mainHas("16,000원") {
				t.Errorf("the checkout does not list %s at 16,000원:\n%s", renamed, shopper.mainText())
			}
			shopper.fillAddress()
			shopper.do("choosing 무통장 입금", chromedp.Click(field("무통장 입금")))
			shopper.clickOK(button("결제하기"))
			m := orderPath.FindStringSubmatch(shopper.path())
			if m == nil {
				t.Fatalf("결제하기 leads to %s, want /orders/{id}:\n%s", shopper.path(), shopper.mainText())
			}
			id := uuid.MustParse(m[1])
			if got := staffBrowserStatus(shopper); got != "결제 대기" {
				t.Errorf("a new bank-transfer order reads %q, want 결제 대기", got)
			}
			o, err := s.Orders.Order(ctx, s.Staff, id)
			if err != nil {
				t.Fatal(err)
			}
			if got := stock(t, s, product); got != 4 {
				t.Errorf("after the order, stock %d, want 4", got)
			}

			// 7. The staff member finds the order, marks it paid, ships it.
			staff.openOK("/staff/orders")
			row := `//main//tr[.//a[normalize-space()=` + xpathString(o.Number) + `]]`
			if got := staff.text(row); !strings.Contains(got, "결제 대기") || !strings.Contains(got, "16,000원") || !strings.Contains(got, "haneul") {
				t.Errorf("the orders' row reads %q, want 결제 대기, 16,000원 and the customer", got)
			}
			staff.clickOK(within(row, link(o.Number)))
			if p := staff.path(); p != "/staff/orders/"+id.String() {
				t.Errorf("the order's number leads to %s", p)
			}
			if got := staffBrowserStatus(staff); got == "결제 대기" {
				staff.clickOK(button("결제 완료로 변경"))
				if got := staffBrowserStatus(staff); got != "결제 완료" {
					t.Errorf("after 결제 완료로 변경, the order reads %q:\n%s", got, staff.mainText())
				}
			} else {
				t.Errorf("the staff's order page reads %q, want 결제 대기", got)
			}
			staff.clickOK(button("배송 중으로 변경"))
			if got := staffBrowserStatus(staff); got != "배송 중" {
				t.Errorf("after 배송 중으로 변경, the order reads %q:\n%s", got, staff.mainText())
			}
			if !staff.mainHas("주문 상태를 ‘배송 중’(으)로 바꿨습니다.") {
				t.Errorf("the move is not announced:\n%s", staff.mainText())
			}
			if be == memory {
				staff.openOK("/staff/orders")
				staffBrowserScreenshot(staff, "staff-orders.png", 0)
			}
			shopper.openOK("/orders/" + id.String())
			if got := staffBrowserStatus(shopper); got != "배송 중" {
				t.Errorf("the customer's order page reads %q, want 배송 중", got)
			}

			// 8. The customer posts the staff's forms directly, with their own
			// session: refused, and nothing changes.
			cookies := shopper.cookies()
			spoof := staffBrowserPNG(t, 320, 240, color.RGBA{0x99, 0x22, 0x99, 0xff})
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for name, value := range map[string]string{"name": "고객이 올린 상품", "price": "1000", "stock": "9", "brand_id": brand.ID.String()} {
				mw.WriteField(name, value)
			}
			fw, _ := mw.CreateFormFile("photos", "spoof.png")
			fw.Write(spoof)
			mw.Close()
			if got := staffBrowserPost(t, shopper, cookies, "/staff/products/new", mw.FormDataContentType(), body.Bytes()); got != http.StatusForbidden {
				t.Errorf("a customer's POST /staff/products/new answers %d, want 403", got)
			}
			if _, ok := catProductNamed(t, s, "고객이 올린 상품"); ok {
				t.Error("the customer's POST added a product")
			}
			// The staff's photo is there; the customer's is not.
			if got := staffBrowserGet(t, shopper, product.Images[0]); got != http.StatusOK {
				t.Errorf("the product's photo %s answers %d, want 200", product.Images[0], got)
			}
			spoofURL := staffBrowserMediaURL(spoof, 320, 240, "png")
			if got := staffBrowserGet(t, shopper, spoofURL); got != http.StatusNotFound {
				t.Errorf("the customer's photo %s answers %d, want 404: it was stored", spoofURL, got)
			}
			status := url.Values{"status": {string(order.Cancelled)}}.Encode()
			if got := staffBrowserPost(t, shopper, cookies, "/staff/orders/"+id.String()+"/status", "application/x-www-form-urlencoded", []byte(status)); got != http.StatusForbidden {
				t.Errorf("a customer's POST /staff/orders/{id}/status answers %d, want 403", got)
			}
			if o, err := s.Orders.Order(ctx, s.Staff, id); err != nil {
				t.Fatal(err)
			} else if o.Status != order.Shipped {
				t.Errorf("after the customer's POST, the order is %s, want still shipped", o.Status)
			}
			if got := stock(t, s, product); got != 4 {
				t.Errorf("after the customer's POST, stock %d, want still 4", got)
			}
		})
	}
}

// staffBrowserSubmit clicks the form's visible button labelled text (the
// product form also has a hidden one, first, for the Enter key) and fails
// the test unless the page it leads to answers status.
func staffBrowserSubmit(b *browser, text string, status int) {
	b.t.Helper()
	sel := `//main//form//*[contains(concat(" ", normalize-space(@class), " "), " actions ")]/button[normalize-space()=` + xpathString(text) + `]`
	if got := b.click(sel); got != status {
		b.t.Fatalf("clicking %s: status %d, want %d (at %s); page:\n%s", text, got, status, b.location(), b.mainText())
	}
}

// staffBrowserFileInput selects the file input whose label starts with
// label.
func staffBrowserFileInput(label string) string {
	return `//input[@type="file" and @id=//label[starts-with(normalize-space(), ` + xpathString(label) + `)]/@for]`
}

// staffBrowserStatus is the order status the page's summary shows.
func staffBrowserStatus(b *browser) string {
	b.t.Helper()
	return b.text(`//main//dl//span[contains(concat(" ", normalize-space(@class), " "), " status ")]`)
}

// staffBrowserCard is what a product card's picture shows.
type staffBrowserCard struct {
	Found bool
	// Src is the img's src; CurrentSrc what it loaded (of its srcset).
	Src, CurrentSrc string
	NaturalWidth    int
}

// staffBrowserCardImage finds the card of the product named name, brings
// its picture into view (it loads lazily) and reports whether it loaded.
func staffBrowserCardImage(b *browser, name string) staffBrowserCard {
	b.t.Helper()
	js, _ := json.Marshal(name)
	card, err := chromedp.Run(b.ctx, chromedp.Evaluate[staffBrowserCard](`(async () => {
		const card = Array.from(document.querySelectorAll("main li.card"))
			.find(li => Array.from(li.querySelectorAll("h3")).some(h => h.textContent.trim() === `+string(js)+`));
		const img = card && card.querySelector("img");
		if (!img) return {Found: false, Src: "", CurrentSrc: "", NaturalWidth: 0};
		img.scrollIntoView();
		await Promise.race([img.decode().catch(() => {}), new Promise(done => setTimeout(done, 5000))]);
		return {Found: true, Src: img.src, CurrentSrc: img.currentSrc, NaturalWidth: img.naturalWidth};
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("reading the card of %s: %v", name, err)
	}
	return card
}

// staffBrowserBrokenImages loads every image of the page's main part,
// lazy or not, and returns the addresses of those that did not load.
func staffBrowserBrokenImages(b *browser) []string {
	b.t.Helper()
	broken, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`(async () => {
		const imgs = Array.from(document.querySelectorAll("main img"));
		imgs.forEach(img => { img.loading = "eager"; });
		await Promise.race([
			Promise.all(imgs.map(img => img.decode().catch(() => {}))),
			new Promise(done => setTimeout(done, 5000)),
		]);
		return imgs.filter(img => img.naturalWidth === 0).map(img => img.src);
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("loading the images: %v", err)
	}
	return broken
}

// staffBrowserScreenshot saves the page as name, as browser.screenshot
// does, in a window height pixels tall (0: as it is), and checks that the
// file stays small enough for the documentation.
func staffBrowserScreenshot(b *browser, name string, height int64) {
	b.t.Helper()
	if *screenshotDir == "" {
		return
	}
	if height > 0 {
		if _, err := chromedp.Call(b.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: 1280, Height: height, DeviceScaleFactor: 1,
		}); err != nil {
			b.t.Fatal(err)
		}
		defer func() {
			if _, err := chromedp.Call(b.ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
				b.t.Fatal(err)
			}
		}()
	}
	b.screenshot(name)
	if info, err := os.Stat(filepath.Join(*screenshotDir, name)); err != nil {
		b.t.Fatal(err)
	} else if info.Size() > staffBrowserMaxScreenshot {
		b.t.Errorf("%s is %d KB, want at most %d KB", name, info.Size()>>10, staffBrowserMaxScreenshot>>10)
	}
}

// staffBrowserPost posts body to the shop at path as the customer whose
// cookies they are, from the shop's own origin, and returns the status.
// It fails the test when the shop refuses the post as coming from another
// site: then the post never reached the staff's guard.
func staffBrowserPost(t *testing.T, b *browser, cookies []*http.Cookie, path, contentType string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", b.url)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	status, page := staffBrowserDo(t, req)
	if strings.Contains(page, "다른 사이트에서 보낸 양식") {
		t.Fatalf("POST %s was refused as a cross-origin post, not by the staff's guard:\n%s", path, page)
	}
	return status
}

// staffBrowserGet returns the status of GET path on the shop.
func staffBrowserGet(t *testing.T, b *browser, path string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, _ := staffBrowserDo(t, req)
	return status
}

// staffBrowserDo sends req without following a redirect and returns the
// answer's status and body.
func staffBrowserDo(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// staffBrowserMediaURL is where the media store keeps an upload of data,
// an image of width×height with nothing to strip (as image/png writes
// them): under the SHA-256 of its bytes.
func staffBrowserMediaURL(data []byte, width, height int, ext string) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf("%s%s-%dx%d.%s", media.DefaultPrefix, hex.EncodeToString(sum[:]), width, height, ext)
}

// staffBrowserPicture is a width×height picture in c with lighter
// diagonal stripes, so that a screenshot shows something like a photo.
func staffBrowserPicture(width, height int, c color.RGBA) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, width, height))
	light := color.RGBA{c.R/2 + 0x7f, c.G/2 + 0x7f, c.B/2 + 0x7f, 0xff}
	for y := range height {
		for x := range width {
			if (x+y)/40%2 == 0 {
				m.SetRGBA(x, y, c)
			} else {
				m.SetRGBA(x, y, light)
			}
		}
	}
	return m
}

func staffBrowserPNG(t *testing.T, width, height int, c color.RGBA) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, staffBrowserPicture(width, height, c)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func staffBrowserJPEG(t *testing.T, width, height int, c color.RGBA) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, staffBrowserPicture(width, height, c), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// staffBrowserFile writes data to dir/name, for a file input, and returns
// its path.
func staffBrowserFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
