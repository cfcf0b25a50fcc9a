package storefront_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/webhook"
)

// hookShop is a shop whose storefront has a webhook service, and that
// service with its storage, for tests to arrange and check what the pages
// do.
type hookShop struct {
	*shop
	Hooks *webhook.Service
	Repo  webhook.Repository
}

// hookEventTypes are the event types of the tests' webhook service: the
// shop's.
var hookEventTypes = []string{
	account.EventUserSignedUp,
	catalog.EventProductCreated, catalog.EventProductUpdated, catalog.EventProductDeleted, catalog.EventProductOutOfStock,
	order.EventOrderPlaced, order.EventOrderPaid, order.EventOrderShipped, order.EventOrderDelivered, order.EventOrderCancelled,
	board.EventPostPublished,
}

// newHookShop is newShopOn with a webhook service over b's storage. The
// service allows http, and of the addresses that are not public only
// loopback, where the tests' receivers listen: a private address is
// refused as in a shop. change, when not nil, adjusts its options.
func newHookShop(t *testing.T, b backend, change func(*webhook.Options)) *hookShop {
	t.Helper()
	s := newShopOn(t, b)
	var repo webhook.Repository
	switch b {
	case memory:
		repo = memstore.New(nil).Webhooks()
	case mysql:
		db, err := bunstore.Open(testdb.MySQLDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		st, err := bunstore.New(context.Background(), db, nil)
		if err != nil {
			t.Fatal(err)
		}
		repo = st.Webhooks()
	}
	opts := &webhook.Options{
		EventTypes:      hookEventTypes,
		Logger:          discardLogger(),
		AllowHTTP:       true,
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	}
	if change != nil {
		change(opts)
	}
	hooks, err := webhook.NewService(repo, opts)
	if err != nil {
		t.Fatal(err)
	}
	front := storefront.New(storefront.Services{
		Catalog: s.Catalog, Accounts: s.Accounts, Carts: s.Carts, Orders: s.Orders, Board: s.Board, Webhooks: hooks,
	}, &storefront.Options{Logger: discardLogger()})
	hs := *s
	hs.Handler = front.Handler()
	srv := httptest.NewServer(hs.Handler)
	t.Cleanup(srv.Close)
	hs.URL = srv.URL
	return &hookShop{shop: &hs, Hooks: hooks, Repo: repo}
}

// endpoint creates an endpoint through the service.
func (h *hookShop) endpoint(t *testing.T, rawURL string, types ...string) webhook.Endpoint {
	t.Helper()
	e, err := h.Hooks.Create(context.Background(), h.Staff, webhook.EndpointInput{URL: rawURL, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// stored returns endpoint id as the repository keeps it, secret and all.
func (h *hookShop) stored(t *testing.T, id uuid.UUID) webhook.Endpoint {
	t.Helper()
	e, err := h.Repo.GetEndpoint(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// hookReceiver is an endpoint of the tests: it checks each delivery's
// signature with the secret it is given, and answers status with body.
type hookReceiver struct {
	URL string

	mu     sync.Mutex
	secret string
	status int
	body   string
	events []commerce.Event
	errs   []error
}

func newHookReceiver(t *testing.T, status int, body string) *hookReceiver {
	rc := &hookReceiver{status: status, body: body}
	srv := httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/hooks/shop"
	return rc
}

func (rc *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err == nil {
		err = webhook.Verify(rc.secret, r.Header, body, 5*time.Minute)
	}
	var ev commerce.Event
	if err == nil {
		err = json.Unmarshal(body, &ev)
	}
	if err != nil {
		rc.errs = append(rc.errs, err)
		http.Error(w, "unverified", http.StatusUnauthorized)
		return
	}
	rc.events = append(rc.events, ev)
	w.WriteHeader(rc.status)
	io.WriteString(w, rc.body)
}

func (rc *hookReceiver) setSecret(secret string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secret = secret
}

// received returns the events verified so far, and the errors of the
// requests that were not.
func (rc *hookReceiver) received() ([]commerce.Event, []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]commerce.Event(nil), rc.events...), append([]error(nil), rc.errs...)
}

var (
	shownSecret  = regexp.MustCompile(`<input id="webhook-secret" type="text" value="([^"]+)"`)
	hookVersion  = regexp.MustCompile(`<input type="hidden" name="version" value="(\d+)">`)
	deliveryRows = regexp.MustCompile(`<td><span class="status">`)
	kst          = time.FixedZone("KST", 9*60*60)
)

// secretOf returns the secret a page shows, failing the test when it
// shows none.
func secretOf(t *testing.T, p page) string {
	t.Helper()
	m := shownSecret.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("the page shows no secret: %d\n%s", p.Status, p.Body)
	}
	return html.UnescapeString(m[1])
}

// noSecret fails the test when p holds a signing secret.
func noSecret(t *testing.T, what string, p page) {
	t.Helper()
	if strings.Contains(html.UnescapeString(p.Body), webhook.SecretPrefix) {
		t.Errorf("%s shows a signing secret", what)
	}
}

// kstTime is t as the pages show it: in Korea's time, to the minute.
func kstTime(t time.Time) string { return t.In(kst).Format("2006.01.02 15:04") }

// hookFieldError returns the message next to the field whose error element is
// id, or "".
func hookFieldError(body, id string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(id) + `">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// checkLabelled fails the test when a control of body has no label.
func checkLabelled(t *testing.T, what, body string) {
	t.Helper()
	n := 0
	for _, tag := range inputTag.FindAllString(body, -1) {
		if ty := typeAttr.FindStringSubmatch(tag); ty != nil && (ty[1] == "hidden" || ty[1] == "submit") {
			continue
		}
		id := idAttr.FindStringSubmatch(tag)
		if id == nil || !strings.Contains(body, `for="`+id[1]+`"`) {
			t.Errorf("%s: %s has no label", what, tag)
		}
		n++
	}
	if n == 0 {
		t.Errorf("%s has no controls", what)
	}
}

func TestStaffWebhooksAreForStaff(t *testing.T) {
	h := newHookShop(t, memory, nil)
	e := h.endpoint(t, "https://erp.example.com/hooks", order.EventOrderPaid)
	id := e.ID.String()
	visitor, customer, staff := h.client(), h.client(), h.client()
	customer.signUp("nothooks")
	me := acctActor(t, h.shop, customer)
	staff.signInAsStaff()

	pages := []string{"/staff/webhooks", "/staff/webhooks/new", "/staff/webhooks/" + id, "/staff/webhooks/" + id + "/edit"}
	for _, path := range pages {
		if p := visitor.get(path); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/accounts/login?next=") {
			t.Errorf("a visitor opening %s: %d %q, want a redirect to sign in", path, p.Status, p.Location)
		}
		if p := customer.get(path); p.Status != http.StatusForbidden {
			t.Errorf("a customer opening %s: %d, want 403", path, p.Status)
		}
		p := staff.get(path)
		if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("staff opening %s: %d, Cache-Control %q; want 200, no-store", path, p.Status, p.Header.Get("Cache-Control"))
		}
		if !strings.Contains(p.Body, `aria-current="page">웹훅</a>`) {
			t.Errorf("%s: the staff menu does not mark 웹훅", path)
		}
	}
	forms := map[string]url.Values{
		"/staff/webhooks/new":               {"url": {"https://evil.example.com/"}, "event_types": {"*"}},
		"/staff/webhooks/" + id + "/edit":   {"url": {"https://evil.example.com/"}, "event_types": {"*"}, "enabled": {"true"}},
		"/staff/webhooks/" + id + "/delete": {"confirm": {"yes"}},
		"/staff/webhooks/" + id + "/secret": {"confirm": {"yes"}},
	}
	for path, f := range forms {
		if p := customer.post(path, f); p.Status != http.StatusForbidden {
			t.Errorf("a customer posting %s: %d, want 403", path, p.Status)
		}
		if p := visitor.post(path, f); p.Status != http.StatusUnauthorized {
			t.Errorf("a visitor posting %s: %d, want 401", path, p.Status)
		}
	}
	if got := h.stored(t, e.ID); got.URL != e.URL || got.Secret != e.Secret || got.Version != e.Version {
		t.Errorf("refused forms changed the endpoint: %+v", got)
	}
	list, err := h.Hooks.List(context.Background(), h.Staff, webhook.EndpointFilter{})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("refused forms registered endpoints: %v, %v", list.Items, err)
	}
	// The service's own guard, whatever the pages do.
	if _, err := h.Hooks.Create(context.Background(), me, webhook.EndpointInput{URL: "https://evil.example.com/", EventTypes: []string{"*"}}); !errors.Is(err, webhook.ErrStaffOnly) {
		t.Errorf("Create as a customer: %v, want webhook.ErrStaffOnly", err)
	}

	home := staff.get("/staff")
	if !strings.Contains(home.Body, `href="/staff/webhooks">웹훅</a>`) || strings.Count(home.Body, `href="/staff/webhooks"`) < 2 {
		t.Error("the staff home does not link the webhooks, in its menu and its buttons")
	}
	if p := staff.get("/staff/orders"); !strings.Contains(p.Body, `href="/staff/webhooks">웹훅</a>`) {
		t.Error("the staff menu of another page does not link the webhooks")
	}

	// Without a webhook service there are no such pages, and the home
	// does not offer them.
	plain := newShop(t)
	other := plain.client()
	other.signInAsStaff()
	for _, path := range pages {
		if p := other.get(path); p.Status != http.StatusNotFound {
			t.Errorf("without webhooks, %s: %d, want 404", path, p.Status)
		}
	}
	if p := other.post("/staff/webhooks/new", forms["/staff/webhooks/new"]); p.Status != http.StatusNotFound {
		t.Errorf("without webhooks, posting the form: %d, want 404", p.Status)
	}
	if p := other.get("/staff"); p.Status != http.StatusOK || strings.Contains(p.Body, `class="button secondary" href="/staff/webhooks"`) {
		t.Errorf("without webhooks, the staff home: %d, links the webhooks %v", p.Status, strings.Contains(p.Body, `class="button secondary" href="/staff/webhooks"`))
	}
}

func TestStaffRegistersAWebhook(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			h := newHookShop(t, b, nil)
			ctx := context.Background()
			staff := h.client()
			staff.signInAsStaff()

			p := staff.get("/staff/webhooks")
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "아직 등록한 웹훅이 없습니다") || !strings.Contains(p.Body, `href="/staff/webhooks/new"`) {
				t.Fatalf("the empty list: %d\n%s", p.Status, p.Body)
			}
			p = staff.get("/staff/webhooks/new")
			for _, want := range []string{
				`action="/staff/webhooks/new"`, `name="url"`, `value="*"`, "모든 이벤트",
				`value="order.placed"`, "주문 접수", `value="order.paid"`, "결제 완료", "배송 시작", "배송 완료", "주문 취소",
				"상품 등록", "상품 수정", "상품 삭제", `value="product.out_of_stock"`, "품절", "회원 가입", "공지 게시", `name="description"`,
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the form lacks %s", want)
				}
			}
			if strings.Contains(p.Body, `name="enabled"`) || strings.Contains(p.Body, `name="version"`) {
				t.Error("the form of a new endpoint has an enabled box or a version")
			}
			checkLabelled(t, "the new webhook form", p.Body)

			// Each field's error next to it, in Korean, and what was typed
			// kept; nothing is registered.
			for _, c := range []struct {
				name  string
				form  url.Values
				field string // the id of the error's element
				want  string
			}{
				{"no URL", url.Values{"event_types": {"order.paid"}}, "webhook-url-error", "꼭 입력해 주세요."},
				{"no scheme", url.Values{"url": {"erp.example.com/hooks"}, "event_types": {"order.paid"}}, "webhook-url-error",
					"http:// 또는 https://로 시작하는 주소를 입력해 주세요."},
				{"no host", url.Values{"url": {"https:///hooks"}, "event_types": {"order.paid"}}, "webhook-url-error",
					"https://example.com/webhooks 같은 전체 주소를 입력해 주세요."},
				{"ftp", url.Values{"url": {"ftp://erp.example.com/hooks"}, "event_types": {"order.paid"}}, "webhook-url-error",
					"http:// 또는 https://로 시작하는 주소를 입력해 주세요."},
				{"a private address", url.Values{"url": {"http://10.1.2.3/hooks"}, "event_types": {"order.paid"}}, "webhook-url-error",
					"내부망(사설 IP) 주소로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
				{"another private address", url.Values{"url": {"https://192.168.0.10:8443/hooks"}, "event_types": {"order.paid"}}, "webhook-url-error",
					"내부망(사설 IP) 주소로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
				{"the cloud's metadata", url.Values{"url": {"http://169.254.169.254/latest"}, "event_types": {"order.paid"}}, "webhook-url-error",
					"링크 로컬 주소로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
				{"a password", url.Values{"url": {"https://me:pw@erp.example.com/"}, "event_types": {"order.paid"}}, "webhook-url-error",
					"주소에 사용자 이름이나 비밀번호를 넣을 수 없습니다."},
				{"no event", url.Values{"url": {"https://erp.example.com/hooks"}}, "webhook-types-error",
					"받을 이벤트를 하나 이상 고르거나 ‘모든 이벤트’를 골라 주세요."},
				{"all and one", url.Values{"url": {"https://erp.example.com/hooks"}, "event_types": {"*", "order.paid"}}, "webhook-types-error",
					"‘모든 이벤트’를 고르면 다른 이벤트는 고르지 마세요. 모든 이벤트에 이미 들어 있습니다."},
				{"an unknown event", url.Values{"url": {"https://erp.example.com/hooks"}, "event_types": {"order.lost"}}, "webhook-types-error",
					"목록에 있는 이벤트를 골라 주세요."},
				{"a long description", url.Values{"url": {"https://erp.example.com/hooks"}, "event_types": {"order.paid"}, "description": {strings.Repeat("설", 501)}},
					"webhook-description-error", "500자 이하로 입력해 주세요."},
			} {
				p := staff.post("/staff/webhooks/new", c.form)
				if p.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s: %d, want 422", c.name, p.Status)
					continue
				}
				if got := hookFieldError(p.Body, c.field); got != c.want {
					t.Errorf("%s: %s says %q, want %q", c.name, c.field, got, c.want)
				}
				if !strings.Contains(p.Body, `class="form-message"`) {
					t.Errorf("%s: no message at the top of the form", c.name)
				}
				if u := c.form.Get("url"); u != "" && !strings.Contains(p.Body, `value="`+html.EscapeString(u)+`"`) {
					t.Errorf("%s: the URL typed is not kept", c.name)
				}
				for _, typ := range c.form["event_types"] {
					if typ != "order.lost" && !regexp.MustCompile(`value="`+regexp.QuoteMeta(typ)+`" checked`).MatchString(p.Body) {
						t.Errorf("%s: the box of %s is not kept checked", c.name, typ)
					}
				}
				noSecret(t, c.name, p)
			}
			if listed, err := h.Hooks.List(ctx, h.Staff, webhook.EndpointFilter{}); err != nil || len(listed.Items) != 0 {
				t.Fatalf("refused forms registered %d endpoints, %v", len(listed.Items), err)
			}

			// Registered: the answer shows the secret, once, and is kept by
			// no cache; it is no redirect, and no cookie holds it.
			res := staff.post("/staff/webhooks/new", url.Values{
				"url": {" https://erp.example.com/hooks/shop?token=abc "}, "event_types": {"order.paid", "order.placed"}, "description": {"회계 시스템"},
			})
			if res.Status != http.StatusOK || res.Location != "" {
				t.Fatalf("registering: %d %q\n%s", res.Status, res.Location, res.Body)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("the secret's page: Cache-Control %q, want no-store", cc)
			}
			secret := secretOf(t, res)
			for _, want := range []string{"한 번만 보여 드립니다", "다시 볼 수 없으니", "https://erp.example.com/hooks/shop?token=abc", "주문 접수, 결제 완료", "회계 시스템"} {
				if !strings.Contains(html.UnescapeString(res.Body), want) {
					t.Errorf("the secret's page lacks %s", want)
				}
			}
			for _, c := range res.Header.Values("Set-Cookie") {
				if strings.Contains(c, secret) || strings.Contains(c, webhook.SecretPrefix) {
					t.Errorf("a cookie holds the secret: %s", c)
				}
			}
			checkLabelled(t, "the secret's page", res.Body)
			listed, err := h.Hooks.List(ctx, h.Staff, webhook.EndpointFilter{})
			if err != nil || len(listed.Items) != 1 {
				t.Fatalf("after registering: %d endpoints, %v", len(listed.Items), err)
			}
			e := listed.Items[0]
			if e.URL != "https://erp.example.com/hooks/shop?token=abc" || strings.Join(e.EventTypes, ",") != "order.paid,order.placed" ||
				e.Description != "회계 시스템" || !e.Enabled {
				t.Errorf("the endpoint registered: %+v", e)
			}
			if got := h.stored(t, e.ID).Secret; got != secret {
				t.Errorf("the page showed %q, the store keeps %q", secret, got)
			}
			if !strings.Contains(res.Body, `href="/staff/webhooks/`+e.ID.String()+`"`) {
				t.Error("the secret's page does not link the endpoint's page")
			}

			// Never again: the list, the endpoint's page and its form.
			list := staff.get("/staff/webhooks")
			for _, want := range []string{
				`href="/staff/webhooks/` + e.ID.String() + `"`, `href="/staff/webhooks/` + e.ID.String() + `/edit"`,
				"주문 접수, 결제 완료", "회계 시스템", `<span class="status">켜짐</span>`, kstTime(e.CreatedAt)[:10],
			} {
				if !strings.Contains(list.Body, want) {
					t.Errorf("the list lacks %s", want)
				}
			}
			for what, p := range map[string]page{
				"the list":            list,
				"the endpoint's page": staff.get("/staff/webhooks/" + e.ID.String()),
				"its form":            staff.get("/staff/webhooks/" + e.ID.String() + "/edit"),
				"the new form":        staff.get("/staff/webhooks/new"),
				"the staff home":      staff.get("/staff"),
			} {
				if p.Status != http.StatusOK {
					t.Errorf("%s: %d", what, p.Status)
				}
				noSecret(t, what, p)
			}
		})
	}
}

func TestStaffEditsAWebhook(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			h := newHookShop(t, b, nil)
			ctx := context.Background()
			e := h.endpoint(t, "https://erp.example.com/hooks", order.EventOrderPaid)
			id := e.ID.String()
			path := "/staff/webhooks/" + id + "/edit"
			staff := h.client()
			staff.signInAsStaff()

			p := staff.get(path)
			if p.Status != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", path, p.Status, p.Body)
			}
			m := hookVersion.FindStringSubmatch(p.Body)
			if m == nil || m[1] != "1" {
				t.Fatalf("the form's version: %v, want 1", m)
			}
			for _, want := range []string{`action="` + path + `"`, `value="https://erp.example.com/hooks"`, `value="order.paid" checked`, `name="enabled" value="true" checked`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the edit form lacks %s", want)
				}
			}
			checkLabelled(t, "the edit form", p.Body)
			noSecret(t, "the edit form", p)

			// A field refused: shown next to it, nothing saved.
			bad := staff.post(path, url.Values{"url": {"http://192.168.1.1/"}, "event_types": {"order.paid"}, "enabled": {"true"}, "version": {"1"}})
			if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(hookFieldError(bad.Body, "webhook-url-error"), "내부망(사설 IP)") {
				t.Errorf("a private address: %d, %q", bad.Status, hookFieldError(bad.Body, "webhook-url-error"))
			}
			if !strings.Contains(bad.Body, `name="version" value="1"`) {
				t.Error("the refused form lost its version")
			}

			// Saved at the version read.
			res := staff.post(path, url.Values{
				"url": {"https://erp.example.com/v2/hooks"}, "event_types": {"order.paid", "order.shipped"},
				"description": {"배송 알림도"}, "enabled": {"true"}, "version": {"1"},
			})
			if res.Status != http.StatusSeeOther || res.Location != "/staff/webhooks?done=updated" {
				t.Fatalf("saving: %d %q\n%s", res.Status, res.Location, res.Body)
			}
			if p := staff.follow(res); !strings.Contains(p.Body, "웹훅을 저장했습니다.") || !strings.Contains(p.Body, "https://erp.example.com/v2/hooks") ||
				!strings.Contains(p.Body, "결제 완료, 배송 시작") {
				t.Errorf("the list after saving:\n%s", p.Body)
			}
			got := h.stored(t, e.ID)
			if got.URL != "https://erp.example.com/v2/hooks" || got.Description != "배송 알림도" || got.Version != 2 || got.Secret != e.Secret {
				t.Errorf("saved: %+v", got)
			}

			// A form read at version 1 is stale now: the form comes back
			// with what is stored, what was typed below, and nothing saved.
			stale := staff.post(path, url.Values{
				"url": {"https://stale.example.com/"}, "event_types": {"*"}, "description": {"배송 알림도"}, "version": {"1"},
			})
			if stale.Status != http.StatusConflict {
				t.Fatalf("a stale form: %d, want 409\n%s", stale.Status, stale.Body)
			}
			for _, want := range []string{
				"그 사이에 다른 사람이 고쳤습니다", "입력하셨던 내용", "https://stale.example.com/", "모든 이벤트",
				`value="https://erp.example.com/v2/hooks"`, `name="version" value="2"`, `value="order.shipped" checked`,
				"<dt>사용</dt>", "<dd>꺼짐</dd>",
			} {
				if !strings.Contains(stale.Body, want) {
					t.Errorf("the stale form's answer lacks %s", want)
				}
			}
			if strings.Contains(stale.Body, "<dt>설명</dt>") {
				t.Error("the description, typed as stored, is listed as changed")
			}
			if again := h.stored(t, e.ID); again.URL != got.URL || again.Version != 2 || !again.Enabled {
				t.Errorf("the stale form changed the endpoint: %+v", again)
			}

			// Off: who turned it off and since when; then on again.
			res = staff.post(path, url.Values{"url": {got.URL}, "event_types": {"order.paid", "order.shipped"}, "version": {"2"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("turning it off: %d\n%s", res.Status, res.Body)
			}
			off := h.stored(t, e.ID)
			if off.Enabled || off.DisabledAt.IsZero() {
				t.Fatalf("after turning it off: %+v", off.Health)
			}
			me, err := h.Accounts.Account(ctx, h.Staff)
			if err != nil {
				t.Fatal(err)
			}
			for what, p := range map[string]page{"the list": staff.follow(res), "the endpoint's page": staff.get("/staff/webhooks/" + id)} {
				for _, want := range []string{`<span class="status">꺼짐</span>`, "운영자 " + me.Nickname + "(" + me.Username + ") 님이 껐습니다.", kstTime(off.DisabledAt) + "</time>부터"} {
					if !strings.Contains(html.UnescapeString(p.Body), want) {
						t.Errorf("%s lacks %s", what, want)
					}
				}
			}
			if p := staff.get(path); strings.Contains(p.Body, `name="enabled" value="true" checked`) {
				t.Error("the form of an endpoint that is off has 사용 checked")
			}
			res = staff.post(path, url.Values{"url": {got.URL}, "event_types": {"order.paid"}, "enabled": {"true"}, "version": {"3"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("turning it on: %d\n%s", res.Status, res.Body)
			}
			on := h.stored(t, e.ID)
			if !on.Enabled || on.DisabledReason != "" || !on.DisabledAt.IsZero() {
				t.Errorf("after turning it on: %+v", on.Health)
			}
			if p := staff.follow(res); !strings.Contains(p.Body, `<span class="status">켜짐</span>`) || strings.Contains(p.Body, "껐습니다") {
				t.Error("the list does not show the endpoint on again")
			}

			// A form without a version applies to the current one; a
			// mangled version never matches.
			if p := staff.post(path, url.Values{"url": {got.URL}, "event_types": {"*"}, "enabled": {"true"}, "version": {"x"}}); p.Status != http.StatusConflict {
				t.Errorf("a mangled version: %d, want 409", p.Status)
			}
			if p := staff.post(path, url.Values{"url": {got.URL}, "event_types": {"*"}, "enabled": {"true"}}); p.Status != http.StatusSeeOther {
				t.Errorf("no version: %d, want 303", p.Status)
			}
			if got := h.stored(t, e.ID); strings.Join(got.EventTypes, ",") != "*" {
				t.Errorf("after the form without a version: %v", got.EventTypes)
			}
		})
	}
}

func TestStaffRotatesAndDeletesAWebhook(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			h := newHookShop(t, b, nil)
			e := h.endpoint(t, "https://erp.example.com/hooks", webhook.AllEvents)
			id := e.ID.String()
			staff := h.client()
			staff.signInAsStaff()
			page0 := staff.get("/staff/webhooks/" + id)
			for _, want := range []string{`action="/staff/webhooks/` + id + `/secret"`, `action="/staff/webhooks/` + id + `/delete"`, `href="/staff/webhooks/` + id + `/edit"`, "모든 이벤트"} {
				if !strings.Contains(page0.Body, want) {
					t.Errorf("the endpoint's page lacks %s", want)
				}
			}

			// The button asks first, and changes nothing.
			p := staff.post("/staff/webhooks/"+id+"/secret", nil)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "비밀 키를 새로 만들까요?") || !strings.Contains(p.Body, `name="confirm" value="yes"`) {
				t.Fatalf("rotating without confirming: %d\n%s", p.Status, p.Body)
			}
			noSecret(t, "the confirmation", p)
			if got := h.stored(t, e.ID).Secret; got != e.Secret {
				t.Fatal("asking to confirm replaced the secret")
			}

			p = staff.post("/staff/webhooks/"+id+"/secret", url.Values{"confirm": {"yes"}})
			if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" || p.Location != "" {
				t.Fatalf("rotating: %d %q, Cache-Control %q", p.Status, p.Location, p.Header.Get("Cache-Control"))
			}
			secret := secretOf(t, p)
			if secret == e.Secret || h.stored(t, e.ID).Secret != secret {
				t.Errorf("the page shows %q; the old secret was %q, the store keeps %q", secret, e.Secret, h.stored(t, e.ID).Secret)
			}
			if !strings.Contains(p.Body, "한 번만 보여 드립니다") || !strings.Contains(p.Body, "이전 비밀 키는 더 이상 쓰이지 않습니다") {
				t.Error("the new secret's page does not warn")
			}
			noSecret(t, "the endpoint's page after rotating", staff.get("/staff/webhooks/"+id))
			noSecret(t, "the list after rotating", staff.get("/staff/webhooks"))

			// Deleting asks first too.
			p = staff.post("/staff/webhooks/"+id+"/delete", nil)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "이 웹훅을 삭제할까요?") {
				t.Fatalf("deleting without confirming: %d\n%s", p.Status, p.Body)
			}
			if _, err := h.Hooks.Get(context.Background(), h.Staff, e.ID); err != nil {
				t.Fatalf("asking to confirm deleted it: %v", err)
			}
			res := staff.post("/staff/webhooks/"+id+"/delete", url.Values{"confirm": {"yes"}})
			if res.Status != http.StatusSeeOther || res.Location != "/staff/webhooks?done=deleted" {
				t.Fatalf("deleting: %d %q", res.Status, res.Location)
			}
			if p := staff.follow(res); !strings.Contains(p.Body, "웹훅을 삭제했습니다.") || strings.Contains(p.Body, id) {
				t.Error("after deleting: no notice, or the endpoint is still listed")
			}
			if _, err := h.Hooks.Get(context.Background(), h.Staff, e.ID); !errors.Is(err, webhook.ErrEndpointNotFound) {
				t.Errorf("the deleted endpoint: %v", err)
			}
			for _, c := range []struct{ method, path string }{
				{http.MethodPost, "/staff/webhooks/" + id + "/delete"}, {http.MethodPost, "/staff/webhooks/" + id + "/secret"},
				{http.MethodGet, "/staff/webhooks/" + id}, {http.MethodGet, "/staff/webhooks/" + id + "/edit"},
			} {
				var p page
				if c.method == http.MethodGet {
					p = staff.get(c.path)
				} else {
					p = staff.post(c.path, url.Values{"confirm": {"yes"}})
				}
				if p.Status != http.StatusNotFound {
					t.Errorf("%s %s of a deleted endpoint: %d, want 404", c.method, c.path, p.Status)
				}
			}
		})
	}
}

func TestStaffSeesAWebhooksDeliveries(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			h := newHookShop(t, b, nil)
			ctx := context.Background()
			staff := h.client()
			staff.signInAsStaff()
			good := newHookReceiver(t, http.StatusNoContent, "")
			bad := newHookReceiver(t, http.StatusInternalServerError, "database is down")

			// Registered through the page, with the secret it shows.
			register := func(rc *hookReceiver, types ...string) webhook.Endpoint {
				t.Helper()
				p := staff.post("/staff/webhooks/new", url.Values{"url": {rc.URL}, "event_types": types})
				rc.setSecret(secretOf(t, p))
				listed, err := h.Hooks.List(ctx, h.Staff, webhook.EndpointFilter{Limit: 1})
				if err != nil || len(listed.Items) != 1 {
					t.Fatal(listed, err)
				}
				return listed.Items[0]
			}
			ok := register(good, order.EventOrderPlaced)
			failing := register(bad, webhook.AllEvents)

			placed := commerce.NewEvent(order.EventOrderPlaced, commerce.NewID(), 1, time.Now(), map[string]string{"number": "20261201-0001"})
			paid := commerce.NewEvent(order.EventOrderPaid, placed.AggregateID, 2, time.Now(), map[string]string{"number": "20261201-0001"})
			for _, ev := range []commerce.Event{placed, paid} {
				if err := h.Hooks.Publisher().Publish(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			path := "/staff/webhooks/" + ok.ID.String()
			p := staff.get(path)
			if n := len(deliveryRows.FindAllString(p.Body, -1)); n != 1 || !strings.Contains(p.Body, "전송 대기") || !strings.Contains(p.Body, "아직 시도하지 않음") {
				t.Errorf("before the dispatcher: %d deliveries\n%s", n, p.Body)
			}
			if _, err := h.Hooks.Dispatcher().Drain(ctx); err != nil {
				t.Fatal(err)
			}
			events, errs := good.received()
			if len(errs) != 0 || len(events) != 1 || events[0].ID != placed.ID {
				t.Fatalf("the receiver got %v, refused %v; want order.placed, verified with the secret the page showed", events, errs)
			}

			ds, err := h.Hooks.Deliveries(ctx, h.Staff, ok.ID, webhook.DeliveryFilter{})
			if err != nil || len(ds.Items) != 1 {
				t.Fatal(ds, err)
			}
			d := ds.Items[0]
			p = staff.get(path)
			if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("GET %s: %d %q", path, p.Status, p.Header.Get("Cache-Control"))
			}
			for _, want := range []string{
				"주문 접수", "order.placed", `<span class="status">전송 완료</span>`, "1회", "HTTP 204",
				`<time datetime="` + d.CreatedAt.Format(time.RFC3339) + `">` + kstTime(d.CreatedAt) + "</time>",
				`<time datetime="` + d.LastAttemptAt.Format(time.RFC3339) + `">` + kstTime(d.LastAttemptAt) + "</time>",
				good.URL, `<span class="status">켜짐</span>`,
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the endpoint's page lacks %s", want)
				}
			}
			if strings.Contains(p.Body, "order.paid") || strings.Contains(p.Body, "다음 시도") {
				t.Error("the page shows an event the endpoint does not receive, or a next attempt of a delivered one")
			}

			// The failing endpoint: each event, its answer, the next try,
			// and since when it fails.
			fp := staff.get("/staff/webhooks/" + failing.ID.String())
			fd, err := h.Hooks.Deliveries(ctx, h.Staff, failing.ID, webhook.DeliveryFilter{})
			if err != nil || len(fd.Items) != 2 {
				t.Fatal(fd, err)
			}
			for _, want := range []string{
				"주문 접수", "결제 완료", "order.paid", `<span class="status">재시도 대기</span>`, "HTTP 500", "database is down",
				"다음 시도</span> <time datetime=\"" + fd.Items[0].NextAttemptAt.Format(time.RFC3339) + `">` + kstTime(fd.Items[0].NextAttemptAt),
			} {
				if !strings.Contains(fp.Body, want) {
					t.Errorf("the failing endpoint's page lacks %s", want)
				}
			}
			if n := len(deliveryRows.FindAllString(fp.Body, -1)); n != 2 {
				t.Errorf("the failing endpoint's page lists %d deliveries, want 2", n)
			}
			stored := h.stored(t, failing.ID)
			if stored.FailingSince.IsZero() {
				t.Fatal("the failing endpoint is not failing")
			}
			list := staff.get("/staff/webhooks")
			since := "실패 중: <time datetime=\"" + stored.FailingSince.Format(time.RFC3339) + `">` + kstTime(stored.FailingSince) + "</time>부터"
			if !strings.Contains(list.Body, since) || !strings.Contains(fp.Body, since) {
				t.Errorf("the list or the endpoint's page does not say since when it fails (%s)", since)
			}
			noSecret(t, "the deliveries", fp)

			// Pages of deliveries, by cursor.
			for i := range 22 {
				ev := commerce.NewEvent(order.EventOrderPlaced, commerce.NewID(), int64(i+1), time.Now(), map[string]int{"n": i})
				if err := h.Hooks.Publisher().Publish(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			first := staff.get(path)
			if n := len(deliveryRows.FindAllString(first.Body, -1)); n != 20 {
				t.Fatalf("the first page of deliveries: %d, want 20", n)
			}
			next := opsNext.FindStringSubmatch(first.Body)
			if next == nil {
				t.Fatal("no 다음 link under the deliveries")
			}
			second := staff.get(html.UnescapeString(next[1]))
			if n := len(deliveryRows.FindAllString(second.Body, -1)); second.Status != http.StatusOK || n != 3 {
				t.Errorf("the second page: %d, %d deliveries; want 3", second.Status, n)
			}
			if !strings.Contains(second.Body, `href="`+path+`">처음</a>`) || opsNext.MatchString(second.Body) {
				t.Error("the last page has a 다음 link, or no 처음 link")
			}
			if !strings.Contains(second.Body, "전송 완료") || strings.Contains(first.Body, "전송 완료") {
				t.Error("the delivered one, the oldest, is not on the last page alone")
			}
			mangled := staff.get(path + "?cursor=garbage")
			if mangled.Status != http.StatusBadRequest || !strings.Contains(mangled.Body, "첫 페이지를 보여 드립니다") ||
				len(deliveryRows.FindAllString(mangled.Body, -1)) != 20 {
				t.Errorf("a mangled cursor: %d", mangled.Status)
			}
		})
	}
}

// An endpoint that a dispatcher turned off says why, and when its last
// attempt failed, in Korea's time.
func TestStaffSeesWhyAWebhookWasTurnedOff(t *testing.T) {
	h := newHookShop(t, memory, func(o *webhook.Options) {
		o.RetryFor, o.DisableAfterGivenUp, o.Backoff = 50*time.Millisecond, 1, []time.Duration{10 * time.Millisecond}
	})
	ctx := context.Background()
	rc := newHookReceiver(t, http.StatusBadGateway, "upstream timed out")
	e := h.endpoint(t, rc.URL, order.EventOrderPaid)
	rc.setSecret(e.Secret)
	ev := commerce.NewEvent(order.EventOrderPaid, commerce.NewID(), 1, time.Now(), map[string]string{"number": "20261201-0002"})
	if err := h.Hooks.Publisher().Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.stored(t, e.ID).Enabled {
		if time.Now().After(deadline) {
			t.Fatalf("the endpoint is still on: %+v", h.stored(t, e.ID).Health)
		}
		if _, err := h.Hooks.Dispatcher().Drain(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	off := h.stored(t, e.ID)
	ds, err := h.Hooks.Deliveries(ctx, h.Staff, e.ID, webhook.DeliveryFilter{})
	if err != nil || len(ds.Items) != 1 {
		t.Fatal(ds, err)
	}
	last := ds.Items[0].LastAttemptAt
	staff := h.client()
	staff.signInAsStaff()
	for what, p := range map[string]page{"the list": staff.get("/staff/webhooks"), "the endpoint's page": staff.get("/staff/webhooks/" + e.ID.String())} {
		for _, want := range []string{
			`<span class="status">꺼짐</span>`, "전송 1건이 연달아 끝내 실패해서 자동으로 꺼졌습니다.", kstTime(off.DisabledAt) + "</time>부터",
			"마지막 시도 <time datetime=\"" + last.UTC().Format(time.RFC3339) + `">` + kstTime(last) + "</time>: HTTP 502: upstream timed out",
		} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s lacks %s\n(reason %q)", what, want, off.DisabledReason)
			}
		}
	}
	if p := staff.get("/staff/webhooks/" + e.ID.String()); !strings.Contains(p.Body, `<span class="status">실패 (재시도 끝)</span>`) {
		t.Error("the delivery given up does not say so")
	}
}

// Malformed or unknown ids, and cursors typed by hand, give the shop's 4xx
// pages on every webhook page.
func TestStaffWebhooksBadAddresses(t *testing.T) {
	h := newHookShop(t, memory, nil)
	staff := h.client()
	staff.signInAsStaff()
	for _, id := range []string{"not-a-uuid", commerce.NewID().String()} {
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, "/staff/webhooks/" + id}, {http.MethodGet, "/staff/webhooks/" + id + "/edit"},
			{http.MethodPost, "/staff/webhooks/" + id + "/edit"}, {http.MethodPost, "/staff/webhooks/" + id + "/delete"},
			{http.MethodPost, "/staff/webhooks/" + id + "/secret"},
		} {
			var p page
			if c.method == http.MethodGet {
				p = staff.get(c.path)
			} else {
				p = staff.post(c.path, url.Values{"confirm": {"yes"}, "url": {"https://erp.example.com/"}, "event_types": {"*"}})
			}
			if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "페이지를 찾을 수 없습니다") {
				t.Errorf("%s %s: %d, want the 404 page", c.method, c.path, p.Status)
			}
		}
	}
	for i := range 21 {
		h.endpoint(t, "https://erp.example.com/hooks/"+string(rune('a'+i)), order.EventOrderPaid)
	}
	first := staff.get("/staff/webhooks")
	if n := strings.Count(first.Body, `class="button secondary" href="/staff/webhooks/`) / 2; n != 20 {
		t.Fatalf("the first page lists %d endpoints, want 20", n)
	}
	next := opsNext.FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("no 다음 link under the endpoints")
	}
	second := staff.get(html.UnescapeString(next[1]))
	if n := strings.Count(second.Body, `class="button secondary" href="/staff/webhooks/`) / 2; second.Status != http.StatusOK || n != 1 ||
		!strings.Contains(second.Body, "https://erp.example.com/hooks/a") {
		t.Errorf("the second page: %d, %d endpoints; want the oldest", second.Status, n)
	}
	for _, path := range []string{"/staff/webhooks?cursor=garbage", "/staff/webhooks?cursor=AQ"} {
		p := staff.get(path)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `class="form-message"`) || !strings.Contains(p.Body, "https://erp.example.com/hooks/u") {
			t.Errorf("GET %s: %d, want 400 with a message and the first page", path, p.Status)
		}
	}
}
