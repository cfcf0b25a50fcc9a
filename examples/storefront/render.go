package storefront

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/internal/web"
	"github.com/impactmuseum/commerce/examples/internal/webauth"
	"github.com/impactmuseum/commerce/order"
)

// pageTemplate is one page: the layout with the page's own blocks.
type pageTemplate struct {
	t *template.Template
}

// layoutFiles are parsed into every page.
var layoutFiles = []string{"layout.html", "partials.html"}

// mustParsePages parses every page template of fsys (every .html file but
// the layout's) with the layout. It panics on a template that does not
// parse: the templates are part of the program.
func mustParsePages(fsys fs.FS, funcs template.FuncMap) map[string]*pageTemplate {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(fsys, layoutFiles...))
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		panic("storefront: " + err.Error())
	}
	pages := make(map[string]*pageTemplate)
	for _, name := range names {
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(fsys, name))
		pages[strings.TrimSuffix(name, ".html")] = &pageTemplate{t: t}
	}
	return pages
}

// header is what the header of every page shows.
type header struct {
	ShopName  string
	SignedIn  bool
	Staff     bool
	CartCount int
	// Query is the search box's text.
	Query string
	// Path is the page's path, for the sign-in link's next.
	Path string
}

// view is what a page template executes with.
type view struct {
	Title  string
	Header header
	// Data is the page's own data.
	Data any
}

// titled is implemented by the data of pages whose title is not their
// template's default.
type titled interface{ PageTitle() string }

// actor returns who the request acts as.
func actor(r *http.Request) commerce.Actor { return webauth.FromContext(r.Context()).Actor }

// token returns the request's live session token, or "".
func token(r *http.Request) string { return webauth.FromContext(r.Context()).Token }

// render answers status with the page name executed on data, inside the
// layout. The whole page is rendered before anything is written, so a
// failure midway gives an error page, never half a page.
func (s *Storefront) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	p, ok := s.pages[name]
	if !ok {
		panic("storefront: no template " + name)
	}
	hdr, err := s.header(r)
	if err != nil && name != "error" {
		s.fail(w, r, err)
		return
	}
	v := view{Header: hdr, Data: data}
	if t, ok := data.(titled); ok {
		v.Title = t.PageTitle()
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.ErrorContext(r.Context(), "rendering a page", "page", name, "path", r.URL.Path, "err", err)
		if name == "error" {
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			return
		}
		s.errorPage(w, r, http.StatusInternalServerError, "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// Pages show the visitor's cart and account: no shared cache may keep
	// them.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Cookie")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // an error means the client is gone
}

// header gathers the header of the page for r: who is signed in and the
// number of units in their cart (or the guest's).
func (s *Storefront) header(r *http.Request) (header, error) {
	a := actor(r)
	h := header{
		ShopName: s.shopName,
		SignedIn: a.SignedIn(),
		Staff:    a.IsStaff(),
		Path:     r.URL.RequestURI(),
	}
	// The search box keeps the query of the search results; other pages
	// (a staff list's own filter) may use ?query= for something else.
	if r.URL.Path == "/" {
		h.Query = r.URL.Query().Get("query")
	}
	if a.SignedIn() || a.SessionID != "" {
		sum, err := s.carts.Summary(r.Context(), a)
		if err != nil {
			return h, err
		}
		h.CartCount = sum.Count
	}
	return h, nil
}

// redirect answers 303 See Other to target: after a form, the browser
// GETs the next page, so that reloading it never posts again.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// signInFirst sends a visitor to the sign-in page, to come back to the
// page they asked for (for a GET) or to back (after a form).
func signInFirst(w http.ResponseWriter, r *http.Request, back string) {
	if back == "" {
		back = r.URL.RequestURI()
	}
	redirect(w, r, "/accounts/login?next="+url.QueryEscape(webauth.SameSitePath(back)))
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Title   string
	Message string
}

func (e errorView) PageTitle() string { return e.Title }

// errorTitles are the headings of the error pages.
var errorTitles = map[int]errorView{
	http.StatusBadRequest:            {Title: "잘못된 요청입니다", Message: "주소나 입력한 값을 다시 확인해 주세요."},
	http.StatusUnauthorized:          {Title: "로그인이 필요합니다", Message: "로그인한 뒤 다시 시도해 주세요."},
	http.StatusForbidden:             {Title: "권한이 없습니다", Message: "이 페이지나 기능을 쓸 수 있는 권한이 없습니다."},
	http.StatusNotFound:              {Title: "페이지를 찾을 수 없습니다", Message: "주소가 바뀌었거나 삭제된 페이지입니다."},
	http.StatusMethodNotAllowed:      {Title: "허용되지 않은 요청입니다", Message: "이 주소는 그렇게 열 수 없습니다."},
	http.StatusConflict:              {Title: "요청을 처리할 수 없습니다", Message: "그 사이에 내용이 바뀌었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."},
	http.StatusRequestEntityTooLarge: {Title: "입력한 내용이 너무 깁니다", Message: "내용을 줄여서 다시 보내 주세요."},
	http.StatusTooManyRequests:       {Title: "요청이 너무 많습니다", Message: "잠시 후에 다시 시도해 주세요."},
	http.StatusInternalServerError:   {Title: "문제가 생겼습니다", Message: "저희 쪽 문제입니다. 기록해 두었으니 잠시 후에 다시 시도해 주세요."},
	http.StatusServiceUnavailable:    {Title: "잠시 후에 다시 시도해 주세요", Message: "지금은 서비스가 응답하지 않습니다. 잠시 후에 다시 시도해 주세요."},
}

// errorPage answers the shop's page for status; message, when not empty,
// replaces the page's usual explanation.
func (s *Storefront) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	v, ok := errorTitles[status]
	if !ok {
		v = errorTitles[http.StatusBadRequest]
	}
	v.Status = status
	if message != "" {
		v.Message = message
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	s.render(w, r, status, "error", v)
}

// statusOf is the status of the page for err: web.StatusOf's, and 413
// for a form over Options.MaxFormBytes.
func statusOf(err error) int {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	return web.StatusOf(err)
}

// fail answers the error page for err. A visitor asked to sign in is sent
// to the sign-in page instead. Invalid input names what was wrong, in
// Korean; 5xx causes go to the log, never to the page.
func (s *Storefront) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	message := ""
	switch status {
	case http.StatusUnauthorized:
		if r.Method == http.MethodGet && !actor(r).SignedIn() {
			signInFirst(w, r, "")
			return
		}
	case http.StatusBadRequest, http.StatusConflict:
		message = describe(err)
	case http.StatusTooManyRequests:
		message = waitMessage(err)
	case http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		s.log.WarnContext(r.Context(), "unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.errorPage(w, r, status, message)
}

// pathID parses the path's {name} as an id; a malformed one is the 404
// page's business, as for an id that names nothing.
func pathID(r *http.Request, name string) (id uuid.UUID, ok bool) {
	u, err := commerce.ParseID(r.PathValue(name))
	return u, err == nil
}

// funcs are the helpers the templates call.
func (s *Storefront) funcs() template.FuncMap {
	return template.FuncMap{
		"won":      formatMoney,
		"date":     func(t time.Time) string { return t.In(s.loc).Format("2006.01.02") },
		"datetime": func(t time.Time) string { return t.In(s.loc).Format("2006.01.02 15:04") },
		"status":   statusLabel,
		"payment":  paymentLabel,
		"category": func(c board.Category) string { return c.Label() },
		"badge":    func(c board.Category) string { return strings.ToLower(string(c)) },
		"soldOut":  func(stock *int) bool { return stock != nil && *stock <= 0 },
		"deref":    func(n *int) int { return *n },
		"brandImage": func(b catalog.Brand) string {
			switch {
			case b.ImageURL != "":
				return b.ImageURL
			case b.LogoURL != "":
				return b.LogoURL
			}
			return catalog.DefaultPlaceholderImage
		},
		"add": func(a, b int) int { return a + b },
		"seq": func(from, to int) []int {
			var out []int
			for i := from; i <= to; i++ {
				out = append(out, i)
			}
			return out
		},
		// query makes the query of a link from name, value pairs, leaving
		// out empty values. It is already escaped, as a template.URL, so
		// that html/template does not escape its = and % again.
		"query": func(kv ...string) template.URL {
			q := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] != "" {
					q.Set(kv[i], kv[i+1])
				}
			}
			return template.URL(q.Encode())
		},
		"lines":     func(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") },
		"providers": func() []provider { return s.providers },
		// small and srcset give the smaller copies of a stored image, so
		// that a phone loads 320 pixels, not a 12-megapixel original.
		"small":  thumbnails{s.media}.Of,
		"srcset": thumbnails{s.media}.SrcSet,
		"asset":  s.assets.url,
	}
}

// statusLabels are the order statuses as the shop names them.
var statusLabels = map[order.Status]string{
	order.PendingPayment: "결제 대기",
	order.Paid:           "결제 완료",
	order.Shipped:        "배송 중",
	order.Delivered:      "배송 완료",
	order.Cancelled:      "주문 취소",
}

func statusLabel(s order.Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// paymentMethods are the methods the checkout offers, in its order, with
// their names.
var paymentMethods = []struct {
	Method order.PaymentMethod
	Label  string
}{
	{order.Card, "카드"},
	{order.BankTransfer, "무통장 입금"},
	{order.Mobile, "휴대폰 결제"},
}

func paymentLabel(m order.PaymentMethod) string {
	for _, p := range paymentMethods {
		if p.Method == m {
			return p.Label
		}
	}
	return string(m)
}

// waitMessage tells why and how long to wait after too many attempts:
// failed sign-ins, sign-ups from one client (waitReasons).
func waitMessage(err error) string {
	wait, ok := commerce.RetryAfter(err)
	if !ok {
		return "잠시 후에 다시 시도해 주세요."
	}
	reason := "요청이 너무 많습니다."
	for _, w := range waitReasons {
		if errors.Is(err, w.err) {
			reason = w.ko
			break
		}
	}
	minutes := max(int((wait+time.Minute-1)/time.Minute), 1)
	return reason + " " + strconv.Itoa(minutes) + "분 뒤에 다시 시도해 주세요."
}
