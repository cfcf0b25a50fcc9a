package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/examples/internal/shop"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/webhook"
)

// newWebhooks returns the webhook service over store with opts (nil for
// the defaults: https URLs on public addresses only), every event type of
// the shop, and a log that goes nowhere.
func newWebhooks(store *memstore.Store, opts *webhook.Options) *webhook.Service {
	o := webhook.Options{}
	if opts != nil {
		o = *opts
	}
	o.EventTypes = shop.EventTypes
	o.Logger = discard()
	hooks, err := webhook.NewService(store.Webhooks(), &o)
	if err != nil {
		// The options are the test's own: an error is a bug in it.
		panic(err)
	}
	return hooks
}

var (
	webhookFields = sortedList("id", "url", "event_types", "description", "enabled", "disabled_at", "disabled_reason",
		"failing_since", "given_up", "created_at", "updated_at", "version")
	webhookCreatedFields = sortedList(append(strings.Split(webhookFields, ","), "secret")...)
	deliveryFields       = sortedList("id", "endpoint_id", "event_id", "event_type", "status", "attempts", "created_at",
		"first_attempt_at", "last_attempt_at", "next_attempt_at", "last_status_code", "last_error")
)

// webhookRoutes are the webhook routes, each with a path of an endpoint
// that need not exist, and a body the route takes.
func webhookRoutes(id string) []call {
	return []call{
		{method: "GET", path: "/api/admin/webhooks"},
		{method: "POST", path: "/api/admin/webhooks", body: obj{"url": "https://erp.example.com/hooks", "event_types": []string{"*"}}},
		{method: "GET", path: "/api/admin/webhooks/" + id},
		{method: "PATCH", path: "/api/admin/webhooks/" + id, body: obj{"description": "주문 알림"}},
		{method: "DELETE", path: "/api/admin/webhooks/" + id},
		{method: "POST", path: "/api/admin/webhooks/" + id + "/secret"},
		{method: "GET", path: "/api/admin/webhooks/" + id + "/deliveries"},
	}
}

// createWebhook registers an endpoint as staff, checks the answer, and
// returns it; its secret is registered as one the log must not show.
func (f *fixture) createWebhook(t *testing.T, staff string, body obj) obj {
	t.Helper()
	res := f.call(t, call{method: "POST", path: "/api/admin/webhooks", bearer: staff, body: body})
	e := res.want(t, http.StatusCreated)
	if got := keys(e); got != webhookCreatedFields {
		t.Fatalf("created endpoint fields: got %s, want %s", got, webhookCreatedFields)
	}
	if loc := res.header.Get("Location"); loc != "/api/admin/webhooks/"+e["id"].(string) {
		t.Errorf("Location %q, want the endpoint's path", loc)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on an answer with a secret, want no-store", cc)
	}
	secret, _ := e["secret"].(string)
	if !strings.HasPrefix(secret, webhook.SecretPrefix) || len(secret) != len(webhook.SecretPrefix)+44 {
		t.Fatalf("secret %q, want whsec_ and the base64 of 32 bytes", secret)
	}
	f.secret(strings.TrimPrefix(secret, webhook.SecretPrefix))
	return e
}

// checkWebhook checks an endpoint as GET, the list and PATCH answer it:
// every field, and no secret.
func checkWebhook(t *testing.T, e obj) {
	t.Helper()
	if got := keys(e); got != webhookFields {
		t.Fatalf("endpoint fields: got %s, want %s", got, webhookFields)
	}
	checkTime(t, "created_at", e["created_at"])
	checkTime(t, "updated_at", e["updated_at"])
	if e["enabled"] == true && (e["disabled_at"] != nil || e["disabled_reason"] != nil) {
		t.Errorf("an enabled endpoint with disabled_at %v and disabled_reason %v", e["disabled_at"], e["disabled_reason"])
	}
}

func TestWebhooksAccess(t *testing.T) {
	f := startAccounts(t, nil)
	customer, _ := f.signUp(t, "webhook_customer")
	for _, c := range webhookRoutes(uuid.NewString()) {
		res := f.call(t, c)
		res.want(t, http.StatusUnauthorized)
		if res.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", c.method, c.path)
		}
		c.bearer = customer
		f.call(t, c).want(t, http.StatusForbidden)
		if c.body != nil {
			// The answer is the same whatever the body.
			c.body = "{"
			f.call(t, c).want(t, http.StatusForbidden)
		}
	}
}

func TestWebhookEndpoints(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "webhook_admin")
	secretAnswers := 0

	e := f.createWebhook(t, staff, obj{
		"url": "  https://erp.example.com/hooks/shop?token=abc  ", "event_types": []string{"order.placed", "order.paid", "order.placed"},
		"description": "회계 시스템에 주문과 결제를 보냅니다",
	})
	secretAnswers++
	id := e["id"].(string)
	if e["url"] != "https://erp.example.com/hooks/shop?token=abc" ||
		strings.Join(strs(e["event_types"]), ",") != "order.paid,order.placed" || e["enabled"] != true ||
		e["version"] != float64(1) || e["given_up"] != float64(0) || e["failing_since"] != nil {
		t.Errorf("created endpoint %v", e)
	}

	// GET shows it without the secret.
	res := f.call(t, call{method: "GET", path: "/api/admin/webhooks/" + id, bearer: staff})
	got := res.want(t, http.StatusOK)
	checkWebhook(t, got)
	if res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET: Cache-Control %q, want no-store", res.header.Get("Cache-Control"))
	}
	delete(e, "secret")
	if !equalJSON(got, e) {
		t.Errorf("GET = %v, want the created endpoint %v", got, e)
	}

	// A second one, registered disabled, for every type.
	all := f.createWebhook(t, staff, obj{"url": "https://crm.example.com/shop", "event_types": []string{"*"}, "enabled": false})
	secretAnswers++
	if all["enabled"] != false || all["disabled_at"] == nil || !strings.Contains(all["disabled_reason"].(string), "staff") ||
		strings.Join(strs(all["event_types"]), ",") != "*" {
		t.Errorf("endpoint created disabled: %v", all)
	}

	// The list: newest first, no secrets, paged.
	list := f.call(t, call{method: "GET", path: "/api/admin/webhooks", bearer: staff}).want(t, http.StatusOK)
	es := items(t, list)
	if len(es) != 2 || es[0]["id"] != all["id"] || es[1]["id"] != id || list["next_cursor"] != nil {
		t.Fatalf("list %v, want the two endpoints newest first", list)
	}
	for _, e := range es {
		checkWebhook(t, e)
	}
	list = f.call(t, call{method: "GET", path: "/api/admin/webhooks?limit=1", bearer: staff}).want(t, http.StatusOK)
	cursor, _ := list["next_cursor"].(string)
	if len(items(t, list)) != 1 || cursor == "" {
		t.Fatalf("limit=1: %v, want one endpoint and a cursor", list)
	}
	list = f.call(t, call{method: "GET", path: "/api/admin/webhooks?limit=1&cursor=" + cursor, bearer: staff}).want(t, http.StatusOK)
	if es := items(t, list); len(es) != 1 || es[0]["id"] != id || list["next_cursor"] != nil {
		t.Errorf("the second page: %v, want the older endpoint alone", list)
	}

	// PATCH changes the fields present; a stale version is a conflict and
	// changes nothing.
	path := "/api/admin/webhooks/" + id
	p := f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{
		"event_types": []string{"order.shipped"}, "description": "배송 알림", "version": 1,
	}}).want(t, http.StatusOK)
	checkWebhook(t, p)
	if strings.Join(strs(p["event_types"]), ",") != "order.shipped" || p["description"] != "배송 알림" ||
		p["url"] != e["url"] || p["version"] != float64(2) {
		t.Errorf("after PATCH: %v", p)
	}
	doc := f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"url": "https://other.example.com/hook", "version": 1}}).
		want(t, http.StatusConflict)
	if !strings.Contains(doc["detail"].(string), "changed") {
		t.Errorf("409 detail %q", doc["detail"])
	}
	if got := f.call(t, call{method: "GET", path: path, bearer: staff}).want(t, http.StatusOK); !equalJSON(got, p) {
		t.Errorf("after the refused PATCH: %v, want %v", got, p)
	}

	// Disabling says who did it; enabling clears it.
	p = f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"enabled": false}}).want(t, http.StatusOK)
	checkWebhook(t, p)
	if p["enabled"] != false || p["disabled_at"] == nil || !strings.Contains(p["disabled_reason"].(string), "disabled by staff member") {
		t.Errorf("disabled: %v", p)
	}
	p = f.call(t, call{method: "PATCH", path: path, bearer: staff, body: obj{"enabled": true, "version": 3}}).want(t, http.StatusOK)
	checkWebhook(t, p)
	if p["enabled"] != true || p["version"] != float64(4) {
		t.Errorf("enabled again: %v", p)
	}

	// Rotating shows a new secret, once.
	res = f.call(t, call{method: "POST", path: path + "/secret", bearer: staff})
	r := res.want(t, http.StatusOK)
	secretAnswers++
	if got := keys(r); got != webhookCreatedFields {
		t.Fatalf("rotated endpoint fields: got %s, want %s", got, webhookCreatedFields)
	}
	f.secret(strings.TrimPrefix(r["secret"].(string), webhook.SecretPrefix))
	if r["secret"] == e["secret"] || !strings.HasPrefix(r["secret"].(string), webhook.SecretPrefix) ||
		r["version"] != float64(5) || res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("rotated: %v, Cache-Control %q", r, res.header.Get("Cache-Control"))
	}
	checkWebhook(t, f.call(t, call{method: "GET", path: path, bearer: staff}).want(t, http.StatusOK))

	// DELETE removes it, with its deliveries.
	f.call(t, call{method: "DELETE", path: path, bearer: staff}).want(t, http.StatusNoContent)
	for _, c := range webhookRoutes(id)[2:] {
		c.bearer = staff
		doc := f.call(t, c).want(t, http.StatusNotFound)
		if !strings.Contains(doc["detail"].(string), "endpoint not found") {
			t.Errorf("%s %s: 404 detail %q", c.method, c.path, doc["detail"])
		}
	}

	// Only the answers of a registration and a rotation showed a secret.
	f.mu.Lock()
	defer f.mu.Unlock()
	shown := 0
	for _, b := range f.bodies {
		if bytes.Contains(b, []byte(webhook.SecretPrefix)) {
			shown++
		}
	}
	if shown != secretAnswers {
		t.Errorf("%d answers show a secret, want the %d of registrations and rotations", shown, secretAnswers)
	}
}

func TestWebhookBadInput(t *testing.T) {
	f := startAccounts(t, nil)
	staff := f.staff(t, "webhook_admin")
	e := f.createWebhook(t, staff, obj{"url": "https://erp.example.com/hooks", "event_types": []string{"order.placed"}})
	path := "/api/admin/webhooks/" + e["id"].(string)
	long := strings.Repeat("가", webhook.MaxDescriptionLen+1)

	tests := []struct {
		name   string
		c      call
		status int
		fields []string
		// says are words of the message of the first field.
		says string
	}{
		{"an http URL", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "http://erp.example.com/hooks", "event_types": []string{"order.placed"}}}, 422, []string{"url"}, "https"},
		{"not a URL", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "erp.example.com", "event_types": []string{"order.placed"}}}, 422, []string{"url"}, "https"},
		{"a URL with a password", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://user:pw@erp.example.com/hooks", "event_types": []string{"order.placed"}}}, 422, []string{"url"}, "password"},
		{"a private address", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://10.1.2.3/hooks", "event_types": []string{"order.placed"}}}, 422, []string{"url"}, "must not name"},
		{"loopback", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://127.0.0.1:8443/hooks", "event_types": []string{"order.placed"}}}, 422, []string{"url"}, "must not name"},
		{"the cloud's metadata address", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://169.254.169.254/latest/meta-data", "event_types": []string{"order.placed"}}}, 422, []string{"url"}, "must not name"},
		{"localhost", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://localhost/hooks", "event_types": []string{"order.placed"}}}, 422, []string{"url"}, "localhost"},
		{"an unknown event type", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://erp.example.com/hooks", "event_types": []string{"order.refunded"}}}, 422, []string{"event_types"}, "unknown event type"},
		{"no event types", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://erp.example.com/hooks", "event_types": []string{}}}, 422, []string{"event_types"}, "required"},
		{"every field at fault", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"description": long}}, 422, []string{"url", "event_types", "description"}, "required"},
		{"a field of the wrong type", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": 5, "event_types": "order.placed"}}, 400, []string{"url", "event_types"}, "string"},
		{"a secret of the caller's choosing", call{method: "POST", path: "/api/admin/webhooks",
			body: obj{"url": "https://erp.example.com/hooks", "event_types": []string{"*"}, "secret": "whsec_AAAA"}}, 400, []string{"secret"}, "unknown field"},
		{"enabled null", call{method: "POST", path: "/api/admin/webhooks",
			body: `{"url": "https://erp.example.com/hooks", "event_types": ["*"], "enabled": null}`}, 400, []string{"enabled"}, "true or false"},
		{"a PATCH to a private address", call{method: "PATCH", path: path,
			body: obj{"url": "https://192.168.0.10/hooks"}}, 422, []string{"url"}, "must not name"},
		{"a PATCH with * and another type", call{method: "PATCH", path: path,
			body: obj{"event_types": []string{"*", "order.placed"}}}, 422, []string{"event_types"}, "alone"},
		{"a PATCH enabling with null", call{method: "PATCH", path: path,
			body: `{"enabled": null}`}, 400, []string{"enabled"}, "true or false"},
		{"a PATCH clearing the description with null", call{method: "PATCH", path: path,
			body: `{"description": null}`}, 400, []string{"description"}, "a string"},
		{"a malformed id", call{method: "GET", path: "/api/admin/webhooks/42"}, 400, []string{"id"}, "UUID"},
		{"a malformed id on rotation", call{method: "POST", path: "/api/admin/webhooks/42/secret"}, 400, []string{"id"}, "UUID"},
		{"limit 0", call{method: "GET", path: "/api/admin/webhooks?limit=0"}, 400, []string{"limit"}, "1 to 100"},
		{"a malformed cursor", call{method: "GET", path: path + "/deliveries?cursor=%25%25&limit=101"}, 400, []string{"cursor", "limit"}, "next_cursor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.bearer = staff
			doc := f.call(t, tc.c).want(t, tc.status)
			wantFields(t, doc, tc.fields...)
			if msg, _ := doc["errors"].(obj)[tc.fields[0]].(string); !strings.Contains(msg, tc.says) {
				t.Errorf("errors.%s = %q, want it to say %q", tc.fields[0], msg, tc.says)
			}
		})
	}
	// Nothing changed.
	if got := f.call(t, call{method: "GET", path: path, bearer: staff}).want(t, http.StatusOK); got["version"] != float64(1) {
		t.Errorf("after refused edits: %v", got)
	}
	list := f.call(t, call{method: "GET", path: "/api/admin/webhooks", bearer: staff}).want(t, http.StatusOK)
	if n := len(items(t, list)); n != 1 {
		t.Errorf("%d endpoints after refused registrations, want 1", n)
	}
}

// receiver is an endpoint that keeps what it receives and answers status.
type receiver struct {
	srv    *httptest.Server
	status int

	mu  sync.Mutex
	got []delivered
}

// delivered is one request that a receiver received.
type delivered struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	rc := &receiver{status: status}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.got = append(rc.got, delivered{header: r.Header.Clone(), body: body})
		rc.mu.Unlock()
		if rc.status >= 300 {
			http.Error(w, "점검 중입니다", rc.status)
			return
		}
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// received returns what the receiver has received so far.
func (rc *receiver) received() []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivered(nil), rc.got...)
}

// deliveries lists the deliveries of endpoint id, checking each one's
// fields.
func (f *fixture) deliveries(t *testing.T, staff, id, query string) (list obj, ds []obj) {
	t.Helper()
	res := f.call(t, call{method: "GET", path: "/api/admin/webhooks/" + id + "/deliveries" + query, bearer: staff})
	list = res.want(t, http.StatusOK)
	if res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("deliveries: Cache-Control %q, want no-store", res.header.Get("Cache-Control"))
	}
	ds = items(t, list)
	for _, d := range ds {
		if got := keys(d); got != deliveryFields {
			t.Fatalf("delivery fields: got %s, want %s", got, deliveryFields)
		}
		if d["endpoint_id"] != id {
			t.Errorf("a delivery of endpoint %v among those of %s", d["endpoint_id"], id)
		}
		checkTime(t, "created_at", d["created_at"])
	}
	return list, ds
}

func TestWebhookDeliveries(t *testing.T) {
	ctx := context.Background()
	store, cat := newDemoStore(t)
	svc := newServices(store, cat)
	// The receivers are httptest servers: http on the loopback address.
	svc.Webhooks = newWebhooks(store, &webhook.Options{AllowHTTP: true, AllowPrivate: true})
	f := startWith(t, svc, nil)
	f.secret(password)
	staff := f.staff(t, "webhook_admin")

	// The demo's own events are not this test's.
	drainEvents(t, store)

	ok, down := newReceiver(t, http.StatusNoContent), newReceiver(t, http.StatusServiceUnavailable)
	products := f.createWebhook(t, staff, obj{"url": ok.srv.URL + "/hooks", "event_types": []string{catalog.EventProductCreated}})
	every := f.createWebhook(t, staff, obj{"url": down.srv.URL + "/hooks", "event_types": []string{"*"}})
	pid, eid := products["id"].(string), every["id"].(string)
	if _, ds := f.deliveries(t, staff, pid, ""); len(ds) != 0 {
		t.Fatalf("deliveries before any event: %v", ds)
	}

	// A product and a notice made through the API store their events in
	// the outbox; the relay hands them to the webhooks' Publisher.
	f.product(t, staff, "제주 유기농 녹차", "12000", ptr(10))
	f.call(t, call{method: "POST", path: "/api/posts", bearer: staff, body: obj{
		"title": "설 연휴 배송 안내", "body": "연휴 동안에는 배송이 쉽니다.", "category": "NORMAL",
	}}).want(t, http.StatusCreated)
	events := drainEvents(t, store)
	var created commerce.Event
	for _, ev := range events {
		if ev.Type == catalog.EventProductCreated {
			created = ev
		}
		if err := svc.Webhooks.Publisher().Publish(ctx, ev); err != nil {
			t.Fatalf("Publish(%s): %v", ev.Type, err)
		}
	}
	if created.ID == uuid.Nil {
		t.Fatalf("no product.created among the events %v", events)
	}

	_, ds := f.deliveries(t, staff, pid, "")
	if len(ds) != 1 {
		t.Fatalf("deliveries of the product endpoint: %v, want one", ds)
	}
	d := ds[0]
	if d["event_id"] != created.ID.String() || d["event_type"] != catalog.EventProductCreated || d["status"] != "pending" ||
		d["attempts"] != float64(0) || d["first_attempt_at"] != nil || d["last_attempt_at"] != nil ||
		d["last_status_code"] != nil || d["last_error"] != nil {
		t.Errorf("a delivery before its first attempt: %v", d)
	}
	checkTime(t, "next_attempt_at", d["next_attempt_at"])

	if _, err := svc.Webhooks.Dispatcher().Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	// The receiver got the event, signed with the secret shown at
	// registration.
	got := ok.received()
	if len(got) != 1 {
		t.Fatalf("the product endpoint received %d requests, want 1", len(got))
	}
	if err := webhook.Verify(products["secret"].(string), got[0].header, got[0].body, time.Minute); err != nil {
		t.Errorf("the delivery does not verify with the secret shown: %v", err)
	}
	if got[0].header.Get(webhook.HeaderID) != created.ID.String() || !bytes.Contains(got[0].body, []byte(created.AggregateID.String())) {
		t.Errorf("the delivery: %v %s", got[0].header, got[0].body)
	}
	_, ds = f.deliveries(t, staff, pid, "")
	d = ds[0]
	if d["status"] != "delivered" || d["attempts"] != float64(1) || d["last_status_code"] != float64(http.StatusNoContent) ||
		d["last_error"] != nil || d["next_attempt_at"] != nil {
		t.Errorf("a delivered delivery: %v", d)
	}
	checkTime(t, "first_attempt_at", d["first_attempt_at"])
	checkTime(t, "last_attempt_at", d["last_attempt_at"])

	// The endpoint that answers 503 has every event pending, its last
	// attempt's status and error shown, and is failing.
	list, ds := f.deliveries(t, staff, eid, "")
	if len(ds) != len(events) || len(down.received()) != len(events) || list["next_cursor"] != nil {
		t.Fatalf("the endpoint for every type has %d deliveries and received %d requests, want %d",
			len(ds), len(down.received()), len(events))
	}
	for _, d := range ds {
		if d["status"] != "pending" || d["attempts"] != float64(1) || d["last_status_code"] != float64(http.StatusServiceUnavailable) ||
			!strings.Contains(d["last_error"].(string), "HTTP 503: 점검 중입니다") || d["next_attempt_at"] == nil {
			t.Errorf("a failed attempt: %v", d)
		}
	}
	h := f.call(t, call{method: "GET", path: "/api/admin/webhooks/" + eid, bearer: staff}).want(t, http.StatusOK)
	checkWebhook(t, h)
	if h["enabled"] != true {
		t.Errorf("an endpoint failing for seconds: %v, want it enabled still", h)
	}
	checkTime(t, "failing_since", h["failing_since"])
	list, first := f.deliveries(t, staff, eid, "?limit=1")
	cursor, _ := list["next_cursor"].(string)
	_, second := f.deliveries(t, staff, eid, "?limit=1&cursor="+cursor)
	if len(first) != 1 || len(second) != 1 || first[0]["id"] != ds[0]["id"] || second[0]["id"] != ds[1]["id"] {
		t.Errorf("pages of one delivery: %v then %v, want %v", first, second, ds)
	}

	// After a rotation, deliveries are signed with the new secret alone.
	rotated := f.call(t, call{method: "POST", path: "/api/admin/webhooks/" + pid + "/secret", bearer: staff}).want(t, http.StatusOK)
	f.secret(strings.TrimPrefix(rotated["secret"].(string), webhook.SecretPrefix))
	ev := commerce.NewEvent(catalog.EventProductCreated, commerce.NewID(), 1, time.Now(), obj{"name": "못난이 감귤"})
	if err := svc.Webhooks.Publisher().Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Webhooks.Dispatcher().Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	got = ok.received()
	if len(got) != 2 {
		t.Fatalf("the product endpoint received %d requests, want 2", len(got))
	}
	last := got[1]
	if err := webhook.Verify(rotated["secret"].(string), last.header, last.body, time.Minute); err != nil {
		t.Errorf("a delivery after rotation does not verify with the new secret: %v", err)
	}
	if err := webhook.Verify(products["secret"].(string), last.header, last.body, time.Minute); err == nil {
		t.Error("a delivery after rotation verifies with the old secret")
	}
	_, ds = f.deliveries(t, staff, pid, "")
	if len(ds) != 2 || ds[0]["event_id"] != ev.ID.String() || ds[0]["status"] != "delivered" {
		t.Errorf("deliveries after the second event, newest first: %v", ds)
	}

	// A deleted endpoint's deliveries are gone with it.
	f.call(t, call{method: "DELETE", path: "/api/admin/webhooks/" + eid, bearer: staff}).want(t, http.StatusNoContent)
	f.call(t, call{method: "GET", path: "/api/admin/webhooks/" + eid + "/deliveries", bearer: staff}).want(t, http.StatusNotFound)
}

func TestWebhooksNotConfigured(t *testing.T) {
	store, cat := newDemoStore(t)
	svc := newServices(store, cat)
	svc.Webhooks = nil
	f := startWith(t, svc, nil)
	f.secret(password)
	staff := f.staff(t, "webhook_admin")

	routes := f.api.Routes()
	for _, c := range webhookRoutes(uuid.NewString()) {
		if !hasRoute(routes, c.method, c.path) {
			t.Errorf("%s %s is no route of an API without webhooks", c.method, c.path)
		}
		for _, bearer := range []string{staff, ""} {
			c.bearer = bearer
			doc := f.call(t, c).want(t, http.StatusNotFound)
			if doc["detail"] != "webhooks are not configured" {
				t.Errorf("%s %s: detail %q", c.method, c.path, doc["detail"])
			}
		}
	}
}

// hasRoute reports whether routes holds a pattern that a request with
// method and path takes.
func hasRoute(routes map[string]http.Handler, method, path string) bool {
	mux := http.NewServeMux()
	for pattern := range routes {
		mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	}
	_, pattern := mux.Handler(httptest.NewRequest(method, path, nil))
	return strings.HasPrefix(pattern, method+" /api/admin/webhooks")
}
