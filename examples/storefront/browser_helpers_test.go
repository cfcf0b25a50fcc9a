package storefront_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/internal/demo"
)

// screenshotDir is where the browser tests save their screenshots of the
// shop (home.png, product.png, cart.png), for the documentation:
//
//	go test ./examples/storefront -run Browser -screenshots=../../docs/screenshots
var screenshotDir = flag.String("screenshots", "", "save the browser tests' screenshots (home.png, product.png, cart.png) into this directory")

// chromiumEnv names the browser the tests drive, when it is not chromium on
// the PATH or /usr/bin/chromium.
const chromiumEnv = "COMMERCE_CHROMIUM"

// browserTimeout bounds a whole browser test, so that a hung browser fails
// the test instead of hanging the run.
const browserTimeout = 60 * time.Second

// chromium returns the path of the browser to drive. Without one the test
// skips, except under CI=true, where it fails: CI must never pass by
// skipping, as with MySQL in internal/testdb.
func chromium(t *testing.T) string {
	t.Helper()
	candidates := []string{"chromium", "/usr/bin/chromium"}
	if p := os.Getenv(chromiumEnv); p != "" {
		candidates = []string{p}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no browser: %s not found (install Debian's chromium, or set %s to a Chromium or Chrome binary)", strings.Join(candidates, " or "), chromiumEnv)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + ", skipping")
	return ""
}

// browser is one headless Chromium with its own profile, driven through the
// DevTools protocol, on one shop. Its methods fail the test on any error.
type browser struct {
	t   *testing.T
	ctx context.Context
	// url is where the browser finds the shop: the storefront, with the
	// demo's images under /static/ as the reference server serves them.
	url string

	mu sync.Mutex
	// problems are what the page reported that a shopper would meet as a
	// fault: script errors, Content-Security-Policy refusals, assets that
	// did not load.
	problems []string
}

// newBrowser starts a Chromium for t on s, with JavaScript on and a
// 1280×900 window. It closes when the test ends.
func newBrowser(t *testing.T, s *shop) *browser {
	t.Helper()
	path := chromium(t)
	srv := httptest.NewServer(withImages(s))
	t.Cleanup(srv.Close)   // after the browser is gone
	profile := t.TempDir() // removed after the browser is gone (cleanups run last-in first-out)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	var output bytes.Buffer
	var outputMu sync.Mutex
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests may run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "ko-KR"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(lockedWriter{&outputMu, &output}),
	)
	t.Cleanup(cancelAlloc)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, ctx: tabCtx, url: srv.URL}
	// Cleanups run last-in first-out: the console is checked, then the
	// tab and the browser close, then the profile and the server go.
	t.Cleanup(func() {
		cancelTab()
		if t.Failed() {
			outputMu.Lock()
			if out := browserLog(output.String()); out != "" {
				t.Logf("browser output:\n%s", out)
			}
			outputMu.Unlock()
		}
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	messages := chromedp.Console(tabCtx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if fault(m) {
				b.mu.Lock()
				b.problems = append(b.problems, m.String()+" ("+m.URL+")")
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(b.checkConsole)
	return b
}

// withImages is the storefront of s with the demo's pictures under
// /static/, served by the JSON API as examples/server mounts it, so that
// the pages show their images (and a missing one is a fault).
func withImages(s *shop) http.Handler {
	a := api.New(api.Services{
		Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board,
	}, &api.Options{Static: demo.Images(), Logger: discardLogger()})
	mux := http.NewServeMux()
	mux.Handle("/static/", a.Handler())
	mux.Handle("/", s.Handler)
	return mux
}

// fault reports whether a console message is a fault of the shop's pages:
// an uncaught exception, a refusal by the Content-Security-Policy (an
// inline script or style), or one of the shop's assets or images that
// failed to load. An error page's own status (a 404 the test asked for) is
// not one.
func fault(m chromedp.ConsoleMessage) bool {
	switch {
	case m.IsException():
		return true
	case strings.Contains(m.Text, "Content Security Policy"):
		return true
	case m.Type == chromedp.ConsoleError && (strings.Contains(m.URL, "/assets/") || strings.Contains(m.URL, "/static/")):
		return true
	}
	return false
}

// checkConsole fails the test for every fault the pages reported.
func (b *browser) checkConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("in the browser: %s", p)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// browserLog is the last lines of what the browser printed, without its
// complaints about the missing system bus and the Debian wrapper script.
func browserLog(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if !strings.Contains(l, "dbus") && !strings.Contains(l, "unexpected operator") {
			keep = append(keep, l)
		}
	}
	return tail(keep, 40)
}

func tail(all []string, lines int) string {
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// do runs actions, failing the test on an error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.location())
	}
}

// location is where the tab is, for messages; "?" if it cannot tell.
func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// open loads the shop's page at path and returns its HTTP status.
func (b *browser) open(path string) int {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.url+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	return int(res.Status)
}

// openOK opens path and fails the test unless it answers 200.
func (b *browser) openOK(path string) {
	b.t.Helper()
	if status := b.open(path); status != http.StatusOK {
		b.t.Fatalf("GET %s: status %d, want 200; page:\n%s", path, status, b.mainText())
	}
}

// click clicks what sel selects, as a shopper's mouse would, expecting a
// new page (a link or a form's button), and returns the new page's HTTP
// status (after redirects).
func (b *browser) click(sel string) int {
	b.t.Helper()
	b.must(sel)
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel))
	if err != nil {
		b.t.Fatalf("clicking %s: %v (at %s)", sel, err, b.location())
	}
	return int(res.Status)
}

// clickOK clicks sel and fails the test unless the page it leads to answers
// 200.
func (b *browser) clickOK(sel string) {
	b.t.Helper()
	if status := b.click(sel); status != http.StatusOK {
		b.t.Fatalf("clicking %s: status %d, want 200 (at %s); page:\n%s", sel, status, b.location(), b.mainText())
	}
}

// typeInto replaces the text of the input sel with text, typed key by key.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	b.must(sel)
	// chromedp.SetValue cannot set "" (it reports a failure), so the field
	// is emptied by a script of the DevTools, which runs with the page's
	// scripts off too.
	js, _ := json.Marshal(sel)
	b.do("emptying "+sel, chromedp.Evaluate[chromedp.Void](`document.evaluate(`+string(js)+`, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue.value = ""`))
	b.do("typing into "+sel, chromedp.SendKeys(sel, text))
}

// must fails the test at once unless sel selects something on the page
// (the actions would wait for it until the test's time runs out).
func (b *browser) must(sel string) {
	b.t.Helper()
	if !b.has(sel) {
		b.t.Fatalf("no %s on %s; the page reads:\n%s", sel, b.location(), b.mainText())
	}
}

// checked reports whether the checkbox or radio button sel is checked.
func (b *browser) checked(sel string) bool {
	b.t.Helper()
	b.must(sel)
	v, err := chromedp.Run(b.ctx, chromedp.JavascriptAttribute[bool](sel, "checked"))
	if err != nil {
		b.t.Fatalf("reading whether %s is checked: %v", sel, err)
	}
	return v
}

// value returns the value of the input sel.
func (b *browser) value(sel string) string {
	b.t.Helper()
	b.must(sel)
	v, err := chromedp.Run(b.ctx, chromedp.Value(sel))
	if err != nil {
		b.t.Fatalf("reading the value of %s: %v", sel, err)
	}
	return v
}

// attr returns the attribute name of the first element sel selects, and
// whether it has it.
func (b *browser) attr(sel, name string) (string, bool) {
	b.t.Helper()
	b.must(sel)
	res, err := chromedp.Run(b.ctx, chromedp.AttributeValue(sel, name))
	if err != nil {
		b.t.Fatalf("reading %s of %s: %v", name, sel, err)
	}
	return res.Value, res.Exists
}

// count returns how many elements sel selects now, without waiting.
func (b *browser) count(sel string) int {
	b.t.Helper()
	ids, err := chromedp.Run(b.ctx, chromedp.QueryNodeIDs(sel, chromedp.AtLeast(0)))
	if err != nil {
		b.t.Fatalf("looking for %s: %v", sel, err)
	}
	return len(ids)
}

// has reports whether sel selects anything now.
func (b *browser) has(sel string) bool {
	b.t.Helper()
	return b.count(sel) > 0
}

// text returns the text of the first element sel selects, as the page
// shows it (CSS applied, spaces collapsed).
func (b *browser) text(sel string) string {
	b.t.Helper()
	b.must(sel)
	s, err := chromedp.Run(b.ctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("reading the text of %s: %v (at %s)", sel, err, b.location())
	}
	return strings.Join(strings.Fields(s), " ")
}

// texts returns the text of every element sel selects now, in order.
func (b *browser) texts(sel string) []string {
	b.t.Helper()
	if !b.has(sel) {
		return nil
	}
	nodes, err := chromedp.Run(b.ctx, chromedp.Nodes(sel, chromedp.AtLeast(0)))
	if err != nil {
		b.t.Fatalf("looking for %s: %v", sel, err)
	}
	var out []string
	for _, n := range nodes {
		s, err := chromedp.Run(b.ctx, chromedp.TextContent(chromedp.NodeIDs{n.NodeID}))
		if err != nil {
			b.t.Fatalf("reading the text of %s: %v", sel, err)
		}
		out = append(out, strings.Join(strings.Fields(s), " "))
	}
	return out
}

// mainText is the text of the page's main part, for failure messages.
func (b *browser) mainText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("main")))
	if err != nil {
		s, err = chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("body")))
		if err != nil {
			return "(no page: " + err.Error() + ")"
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

// path returns the path and query of the page the tab shows.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("reading the location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.RequestURI()
}

var cartLinkText = regexp.MustCompile(`^장바구니 (\d+)$`)

// cartCount returns the number the header's link to /cart shows.
func (b *browser) cartCount() int {
	b.t.Helper()
	s := b.text(`//header//a[@href="/cart"]`)
	m := cartLinkText.FindStringSubmatch(s)
	if m == nil {
		b.t.Fatalf("the header's cart link reads %q, want 장바구니 N", s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// signedIn reports whether the header shows a signed-in customer:
// 마이페이지 and 로그아웃, and no 로그인.
func (b *browser) signedIn() bool {
	b.t.Helper()
	return b.has(`//header//a[@href="/mypage" and normalize-space()="마이페이지"]`) &&
		b.has(`//header//form[@action="/accounts/logout"]//button[normalize-space()="로그아웃"]`) &&
		!b.has(`//header//a[normalize-space()="로그인"]`)
}

// signIn signs in through the login page.
func (b *browser) signIn(username, password string) {
	b.t.Helper()
	b.openOK("/accounts/login")
	b.typeInto(field("아이디"), username)
	b.typeInto(field("비밀번호"), password)
	b.clickOK(button("로그인"))
	if !b.signedIn() {
		b.t.Fatalf("signing in as %s: the header shows no 마이페이지/로그아웃 (at %s):\n%s", username, b.location(), b.mainText())
	}
}

// cookies returns the browser's cookies for the shop.
func (b *browser) cookies() []*http.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.url + "/"}})
	if err != nil {
		b.t.Fatalf("reading the cookies: %v", err)
	}
	var out []*http.Cookie
	for _, c := range res.Cookies {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

// disableJavaScript turns scripts off in the tab, as in a browser with
// JavaScript disabled, from the next page on.
func (b *browser) disableJavaScript() {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		b.t.Fatalf("disabling JavaScript: %v", err)
	}
}

// acceptDialogs accepts every JavaScript dialog (confirm, alert) the page
// opens from now on, and returns a func that reports the messages seen.
func (b *browser) acceptDialogs() func() []string {
	var mu sync.Mutex
	var seen []string
	dialogs := chromedp.Events(b.ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			seen = append(seen, ev.Message)
			mu.Unlock()
			if _, err := chromedp.Call(b.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true}); err != nil && b.ctx.Err() == nil {
				// Reported by checkConsole: the test may be over by now.
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("accepting the dialog %q: %v", ev.Message, err))
				b.mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// screenshot saves the first screen of the page as dir/name when the
// -screenshots flag asks for screenshots.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if *screenshotDir == "" {
		return
	}
	// Lazy images load once the page shows them: wait for those on the
	// first screen (at most 5 s), so that the picture shows the pictures.
	if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](`Promise.race([
		new Promise(done => setTimeout(done, 5000)),
		Promise.all(Array.from(document.images)
			.filter(img => img.getBoundingClientRect().top < window.innerHeight)
			.map(img => img.decode().catch(() => {})))
	])`, chromedp.EvalAwaitPromise)); err != nil {
		b.t.Fatalf("waiting for the images: %v", err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(*screenshotDir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("saved %s (%d KB)", path, len(png)/1024)
}

// field selects the input, select or textarea labelled label (its
// <label for=…> reads exactly label).
func field(label string) string {
	return `//*[@id=//label[normalize-space()=` + xpathString(label) + `]/@for]`
}

// button selects the button that reads text.
func button(text string) string {
	return `//button[normalize-space()=` + xpathString(text) + `] | //input[(@type="submit" or @type="button") and @value=` + xpathString(text) + `]`
}

// link selects the link that reads text.
func link(text string) string {
	return `//a[normalize-space()=` + xpathString(text) + `]`
}

// within narrows an XPath selector to what lies inside the elements the
// XPath scope selects.
func within(scope, sel string) string {
	var parts []string
	for _, p := range strings.Split(sel, " | ") {
		parts = append(parts, scope+p)
	}
	return strings.Join(parts, " | ")
}

// xpathString quotes s as an XPath 1.0 string literal.
func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return `'` + s + `'`
}
