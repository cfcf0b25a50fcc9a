package storefront

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/webhook"
)

// The webhooks' staff pages: the URLs that receive the shop's events
// (package webhook), their recent deliveries, and their signing secrets,
// each shown once, in the answer of the form that made it. The webhook
// service decides every change (staff only); staffRoutes mounts these
// pages only when the storefront has one.

// webhookEventLabels name the shop's event types as staff read them, in
// the order the form offers them; a type the service knows and this list
// does not comes after these, by its own name.
var webhookEventLabels = []struct{ Type, Label string }{
	{order.EventOrderPlaced, "주문 접수"},
	{order.EventOrderPaid, "결제 완료"},
	{order.EventOrderShipped, "배송 시작"},
	{order.EventOrderDelivered, "배송 완료"},
	{order.EventOrderCancelled, "주문 취소"},
	{catalog.EventProductCreated, "상품 등록"},
	{catalog.EventProductUpdated, "상품 수정"},
	{catalog.EventProductDeleted, "상품 삭제"},
	{catalog.EventProductOutOfStock, "품절"},
	{account.EventUserSignedUp, "회원 가입"},
	{board.EventPostPublished, "공지 게시"},
}

// allEventsLabel names webhook.AllEvents.
const allEventsLabel = "모든 이벤트"

// webhookType is an event type as the pages show it: its Korean label, and
// the type itself, which the receiver reads in the event's JSON.
type webhookType struct {
	Type  string
	Label string
}

// eventLabel returns the Korean label of an event type, or "" for a type
// without one.
func eventLabel(t string) string {
	if t == webhook.AllEvents {
		return allEventsLabel
	}
	for _, l := range webhookEventLabels {
		if l.Type == t {
			return l.Label
		}
	}
	return ""
}

// labelledTypes returns types with their labels, in the order of
// webhookEventLabels, the types without a label last, by name.
func labelledTypes(types []string) []webhookType {
	rank := func(t string) int {
		if t == webhook.AllEvents {
			return -1
		}
		for i, l := range webhookEventLabels {
			if l.Type == t {
				return i
			}
		}
		return len(webhookEventLabels)
	}
	sorted := slices.Clone(types)
	slices.SortStableFunc(sorted, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	out := make([]webhookType, len(sorted))
	for i, t := range sorted {
		out[i] = webhookType{Type: t, Label: eventLabel(t)}
	}
	return out
}

// typesText is types as one line of Korean labels, for what a staff
// member had typed in a form that someone else's edit overtook.
func typesText(types []string) string {
	labels := make([]string, 0, len(types))
	for _, t := range labelledTypes(types) {
		if t.Label == "" {
			labels = append(labels, t.Type)
		} else {
			labels = append(labels, t.Label)
		}
	}
	if len(labels) == 0 {
		return "(없음)"
	}
	return strings.Join(labels, ", ")
}

// webhookRow is an endpoint as the pages show it, never with its secret.
type webhookRow struct {
	webhook.Endpoint
	// Types are the event types it receives, labelled.
	Types []webhookType
	// Why says in Korean why a disabled endpoint is off; LastAt and
	// LastError are the last attempt before a dispatcher disabled it,
	// when the reason names it, and Reason is the service's own account
	// when it could not be read so.
	Why       string
	LastAt    time.Time
	LastError string
	Reason    string
}

// Edited reports whether the endpoint changed after it was registered.
func (r webhookRow) Edited() bool { return r.UpdatedAt.After(r.CreatedAt) }

// The reasons a webhook.Endpoint is disabled for, as Service.Update and
// the dispatchers write them.
var (
	staffDisabled  = regexp.MustCompile(`^disabled by staff member ([0-9a-f-]{36})$`)
	failingTooLong = regexp.MustCompile(`^every delivery attempt has failed since `)
	givenUpInARow  = regexp.MustCompile(`^(\d+) deliveries in a row were given up`)
	lastAttempt    = regexp.MustCompile(`; the last(?: attempt)?, at (\S+): (.*)$`)
)

// webhookRows returns the endpoints as rows, with the nickname of each
// staff member who disabled one, when their account is there still.
func (s *Storefront) webhookRows(ctx context.Context, a commerce.Actor, es []webhook.Endpoint) ([]webhookRow, error) {
	rows := make([]webhookRow, len(es))
	who := make(map[int]uuid.UUID)
	var ids []uuid.UUID
	for i, e := range es {
		e.Secret = ""
		rows[i] = webhookRow{Endpoint: e, Types: labelledTypes(e.EventTypes)}
		if e.Enabled {
			continue
		}
		r := &rows[i]
		reason := e.DisabledReason
		if m := staffDisabled.FindStringSubmatch(reason); m != nil {
			r.Why = "운영자가 껐습니다."
			if id, err := uuid.Parse(m[1]); err == nil {
				who[i] = id
				ids = append(ids, id)
			}
			continue
		}
		switch m := givenUpInARow.FindStringSubmatch(reason); {
		case failingTooLong.MatchString(reason):
			r.Why = "전송이 오랫동안 모두 실패해서 자동으로 꺼졌습니다."
		case m != nil:
			r.Why = "전송 " + m[1] + "건이 연달아 끝내 실패해서 자동으로 꺼졌습니다."
		default:
			r.Why, r.Reason = "꺼져 있습니다.", reason
			continue
		}
		m := lastAttempt.FindStringSubmatch(reason)
		if m == nil {
			// Cut short: the service's own words.
			r.Reason = reason
			continue
		}
		if at, err := time.Parse(time.RFC3339, m[1]); err == nil {
			r.LastAt = at
		}
		r.LastError = m[2]
	}
	if len(ids) == 0 {
		return rows, nil
	}
	staff, err := s.accounts.UsersByID(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	for i, id := range who {
		if u, ok := staff[id]; ok {
			rows[i].Why = "운영자 " + u.Nickname + "(" + u.Username + ") 님이 껐습니다."
		}
	}
	return rows, nil
}

// webhookRowOf is webhookRows for one endpoint.
func (s *Storefront) webhookRowOf(ctx context.Context, a commerce.Actor, e webhook.Endpoint) (webhookRow, error) {
	rows, err := s.webhookRows(ctx, a, []webhook.Endpoint{e})
	if err != nil {
		return webhookRow{}, err
	}
	return rows[0], nil
}

// noStore marks every answer of next no-store, so that no cache, the
// browser's own included, keeps a page of the webhooks: they show the
// receivers' URLs, which may hold a token, and the secret pages a signing
// secret. It sets the header as the status is written, after render has
// set its own.
func noStore(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		next(&noStoreWriter{ResponseWriter: w}, r)
	}
}

// noStoreWriter sets Cache-Control: no-store on the answer it writes.
type noStoreWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *noStoreWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set("Cache-Control", "no-store")
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *noStoreWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *noStoreWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// badCursor explains a list address whose cursor was mangled by hand.
const badCursor = "다음 페이지 주소가 올바르지 않아 첫 페이지를 보여 드립니다."

// isCursorError reports whether err is the service's refusal of a
// malformed cursor.
func isCursorError(err error) bool {
	return errors.Is(err, commerce.ErrInvalid) && commerce.FieldErrors(err)["cursor"] != ""
}

// ---- the list ----

// staffWebhooksView is a page of the endpoints, newest first.
type staffWebhooksView struct {
	Section staffSection
	Rows    []webhookRow
	// Next is the address of the next page, or ""; First is false on the
	// pages after the first.
	Next  string
	First bool
	// Notice says what was just done; Problem what was wrong with the
	// address.
	Notice  string
	Problem string
}

func (staffWebhooksView) PageTitle() string { return "웹훅 관리" }

// staffWebhooksURL is the address of the endpoints after cursor.
func staffWebhooksURL(cursor string) string {
	if cursor == "" {
		return "/staff/webhooks"
	}
	return "/staff/webhooks?" + url.Values{"cursor": {cursor}}.Encode()
}

// StaffWebhooks serves GET /staff/webhooks: the endpoints, newest first,
// staffPageSize a page (?cursor= continues), each with its URL, the
// events it receives, whether it is on and, when it is off, why and since
// when, and since when its deliveries fail. A mangled cursor shows the
// first page, saying so, with status 400.
func (s *Storefront) StaffWebhooks(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actor(r)
	v := staffWebhooksView{Section: webhooksSection, Notice: staffNotice(r, "웹훅을")}
	cursor := r.URL.Query().Get("cursor")
	page, err := s.webhooks.List(ctx, a, webhook.EndpointFilter{Cursor: cursor, Limit: staffPageSize})
	if isCursorError(err) {
		v.Problem, cursor = badCursor, ""
		page, err = s.webhooks.List(ctx, a, webhook.EndpointFilter{Limit: staffPageSize})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Rows, err = s.webhookRows(ctx, a, page.Items); err != nil {
		s.fail(w, r, err)
		return
	}
	v.First = cursor == ""
	if page.NextCursor != "" {
		v.Next = staffWebhooksURL(page.NextCursor)
	}
	status := http.StatusOK
	if v.Problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "staff_webhooks", v)
}

// ---- the form ----

// staffWebhookFormView is the form that registers or edits an endpoint.
type staffWebhookFormView struct {
	Section staffSection
	// ID is the endpoint edited, or uuid.Nil for a new one.
	ID   uuid.UUID
	Form form
	// Types are the event types the service offers, labelled.
	Types []webhookType
	// Conflict lists what the staff member had typed in the fields that
	// someone else changed meanwhile; the form shows the current values.
	Conflict []typedField
}

func (v staffWebhookFormView) PageTitle() string {
	if v.Editing() {
		return "웹훅 수정"
	}
	return "웹훅 등록"
}

// Editing reports whether the form edits an endpoint rather than adds one.
func (v staffWebhookFormView) Editing() bool { return v.ID != uuid.Nil }

// Action is where the form posts.
func (v staffWebhookFormView) Action() string {
	if v.Editing() {
		return "/staff/webhooks/" + v.ID.String() + "/edit"
	}
	return "/staff/webhooks/new"
}

// AllEvents is the value of the box that subscribes to every event.
func (staffWebhookFormView) AllEvents() string { return webhook.AllEvents }

// webhookValues are the fields of the form that edits e.
func webhookValues(e webhook.Endpoint) url.Values {
	v := url.Values{
		"url": {e.URL}, "event_types": slices.Clone(e.EventTypes), "description": {e.Description},
		"version": {strconv.FormatInt(e.Version, 10)},
	}
	if e.Enabled {
		v.Set("enabled", "true")
	}
	return v
}

// webhookFormPage shows the form of v with the service's event types.
func (s *Storefront) webhookFormPage(w http.ResponseWriter, r *http.Request, status int, v staffWebhookFormView) {
	v.Section = webhooksSection
	if v.Form.Values == nil {
		v.Form.Values = url.Values{}
	}
	v.Types = labelledTypes(s.webhooks.EventTypes())
	s.render(w, r, status, "staff_webhook_form", v)
}

// webhookFormFailed shows err from the service after the form: a visitor,
// someone not allowed or an endpoint that is gone get their error page;
// what is wrong with the fields shows next to them on the form again.
func (s *Storefront) webhookFormFailed(w http.ResponseWriter, r *http.Request, v staffWebhookFormView, err error) {
	if errors.Is(err, commerce.ErrUnauthenticated) || errors.Is(err, commerce.ErrForbidden) || errors.Is(err, commerce.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	status := s.failed(w, r, &v.Form, err)
	if status == 0 {
		return
	}
	s.webhookFormPage(w, r, status, v)
}

// StaffNewWebhook serves GET /staff/webhooks/new: the form that registers
// an endpoint.
func (s *Storefront) StaffNewWebhook(w http.ResponseWriter, r *http.Request) {
	s.webhookFormPage(w, r, http.StatusOK, staffWebhookFormView{})
}

// StaffCreateWebhook serves POST /staff/webhooks/new: the endpoint is
// registered, enabled, and the answer shows its signing secret, the only
// time it is shown. The secret goes in no address and no cookie, and the
// answer is no-store, so it cannot be redirected to: reloading the
// answer would post the form again.
func (s *Storefront) StaffCreateWebhook(w http.ResponseWriter, r *http.Request) {
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	e, err := s.webhooks.Create(r.Context(), actor(r), webhook.EndpointInput{
		URL: f.Value("url"), EventTypes: f.Values["event_types"], Description: f.Value("description"),
	})
	if err != nil {
		s.webhookFormFailed(w, r, staffWebhookFormView{Form: f}, err)
		return
	}
	s.webhookSecretPage(w, r, e, false)
}

// StaffEditWebhook serves GET /staff/webhooks/{id}/edit, with the version
// read in a hidden field.
func (s *Storefront) StaffEditWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	e, err := s.webhooks.Get(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.webhookFormPage(w, r, http.StatusOK, staffWebhookFormView{ID: id, Form: form{Values: webhookValues(e)}})
}

// StaffUpdateWebhook serves POST /staff/webhooks/{id}/edit: the URL, the
// event types, the description and whether the endpoint is on, at the
// version the form was read at. Turning it on clears why it was off and
// sends its pending deliveries; turning it off records who did. An
// endpoint changed meanwhile — by staff, or by a dispatcher that turned it
// off — shows the form again with its current values and what was typed
// (409), and changes nothing.
func (s *Storefront) StaffUpdateWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	_, err := s.webhooks.Update(r.Context(), actor(r), id, webhook.EndpointPatch{
		URL:         commerce.Some(f.Value("url")),
		EventTypes:  commerce.Some(f.Values["event_types"]),
		Description: commerce.Some(f.Value("description")),
		Enabled:     commerce.Some(f.Has("enabled", "true")),
		Version:     formVersion(f),
	})
	switch {
	case errors.Is(err, webhook.ErrVersionConflict):
		s.webhookConflict(w, r, id, f)
		return
	case err != nil:
		s.webhookFormFailed(w, r, staffWebhookFormView{ID: id, Form: f}, err)
		return
	}
	redirect(w, r, "/staff/webhooks?done=updated")
}

// webhookConflict shows the form of endpoint id again after someone
// else's change: its current values, and what f had typed where it
// differs.
func (s *Storefront) webhookConflict(w http.ResponseWriter, r *http.Request, id uuid.UUID, f form) {
	e, err := s.webhooks.Get(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := staffWebhookFormView{ID: id, Form: form{Values: webhookValues(e), Message: conflictMessage}}
	differs(&v.Conflict, "주소", f.Value("url"), e.URL)
	typed := f.Values["event_types"]
	if !slices.Equal(sortedSet(typed), e.EventTypes) {
		v.Conflict = append(v.Conflict, typedField{Label: "받는 이벤트", Value: typesText(sortedSet(typed))})
	}
	differs(&v.Conflict, "설명", f.Value("description"), e.Description)
	onOff := func(on bool) string {
		if on {
			return "켜짐"
		}
		return "꺼짐"
	}
	if typedOn := f.Has("enabled", "true"); typedOn != e.Enabled {
		v.Conflict = append(v.Conflict, typedField{Label: "사용", Value: onOff(typedOn)})
	}
	s.webhookFormPage(w, r, http.StatusConflict, v)
}

// sortedSet returns the values trimmed, sorted, each once, as the service
// stores event types.
func sortedSet(values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ---- the secret ----

// staffWebhookSecretView shows an endpoint's signing secret, once: after
// the endpoint is registered, or after its secret is replaced.
type staffWebhookSecretView struct {
	Section  staffSection
	Endpoint webhookRow
	Secret   string
	// Rotated is true for a replaced secret, false for a new endpoint's.
	Rotated bool
}

func (v staffWebhookSecretView) PageTitle() string {
	if v.Rotated {
		return "새 비밀 키"
	}
	return "웹훅 등록 완료"
}

// webhookSecretPage answers with e's secret, which only this answer shows
// (no-store, as every webhook page is).
func (s *Storefront) webhookSecretPage(w http.ResponseWriter, r *http.Request, e webhook.Endpoint, rotated bool) {
	secret := e.Secret
	row, err := s.webhookRowOf(r.Context(), actor(r), e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_webhook_secret", staffWebhookSecretView{
		Section: webhooksSection, Endpoint: row, Secret: secret, Rotated: rotated,
	})
}

// StaffRotateWebhookSecret serves POST /staff/webhooks/{id}/secret:
// without confirm=yes, the endpoint's page asks to confirm; with it, the
// endpoint gets a new signing secret, which signs every later attempt, and
// the answer shows it, the only time it is shown. The old secret signs
// nothing more.
func (s *Storefront) StaffRotateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	if f.Value("confirm") != "yes" {
		s.webhookPage(w, r, http.StatusOK, id, staffWebhookView{Confirm: "secret"})
		return
	}
	e, err := s.webhooks.RotateSecret(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.webhookSecretPage(w, r, e, true)
}

// ---- one endpoint ----

// staffWebhookView is an endpoint's page: its settings and a page of its
// deliveries, newest first.
type staffWebhookView struct {
	Section    staffSection
	Endpoint   webhookRow
	Deliveries []webhookDeliveryRow
	// Next is the address of the next page of deliveries, or ""; First is
	// false on the pages after the first, whose address is FirstURL.
	Next     string
	First    bool
	FirstURL string
	// Problem says what was wrong with the address.
	Problem string
	// Confirm is the button to confirm: "delete" or "secret", or "".
	Confirm string
}

func (staffWebhookView) PageTitle() string { return "웹훅 전송 기록" }

// webhookDeliveryRow is a delivery as the endpoint's page shows it.
type webhookDeliveryRow struct {
	webhook.Delivery
	// Label is its event type's Korean label, or "".
	Label string
}

// StatusLabel is the delivery's status in Korean.
func (d webhookDeliveryRow) StatusLabel() string {
	switch d.Status {
	case webhook.StatusDelivered:
		return "전송 완료"
	case webhook.StatusFailed:
		return "실패 (재시도 끝)"
	case webhook.StatusPending:
		if d.Attempts > 0 {
			return "재시도 대기"
		}
		return "전송 대기"
	}
	return string(d.Status)
}

// webhookURL is the address of endpoint id's page, its deliveries
// continued after cursor.
func webhookURL(id uuid.UUID, cursor string) string {
	u := "/staff/webhooks/" + id.String()
	if cursor == "" {
		return u
	}
	return u + "?" + url.Values{"cursor": {cursor}}.Encode()
}

// StaffWebhook serves GET /staff/webhooks/{id}: the endpoint's settings
// and health, with its buttons, and its recent deliveries, newest first,
// staffPageSize a page (?cursor= continues): each with its event, its
// status, its attempts, the last one's answer or error, and its times. A
// mangled cursor shows the first page, saying so, with status 400.
func (s *Storefront) StaffWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	s.webhookPage(w, r, http.StatusOK, id, staffWebhookView{})
}

// webhookPage renders endpoint id's page of v with status, its deliveries
// from the ?cursor= of r.
func (s *Storefront) webhookPage(w http.ResponseWriter, r *http.Request, status int, id uuid.UUID, v staffWebhookView) {
	ctx, a := r.Context(), actor(r)
	v.Section = webhooksSection
	e, err := s.webhooks.Get(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Endpoint, err = s.webhookRowOf(ctx, a, e); err != nil {
		s.fail(w, r, err)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	page, err := s.webhooks.Deliveries(ctx, a, id, webhook.DeliveryFilter{Cursor: cursor, Limit: staffPageSize})
	if isCursorError(err) {
		v.Problem, cursor = badCursor, ""
		page, err = s.webhooks.Deliveries(ctx, a, id, webhook.DeliveryFilter{Limit: staffPageSize})
		if status == http.StatusOK {
			status = http.StatusBadRequest
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, d := range page.Items {
		v.Deliveries = append(v.Deliveries, webhookDeliveryRow{Delivery: d, Label: eventLabel(d.EventType)})
	}
	v.First, v.FirstURL = cursor == "", webhookURL(id, "")
	if page.NextCursor != "" {
		v.Next = webhookURL(id, page.NextCursor)
	}
	s.render(w, r, status, "staff_webhook", v)
}

// StaffDeleteWebhook serves POST /staff/webhooks/{id}/delete: without
// confirm=yes, the endpoint's page asks to confirm; with it, the endpoint
// and its deliveries go, and the list says so.
func (s *Storefront) StaffDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, confirmed, ok := s.staffDelete(w, r)
	if !ok {
		return
	}
	if !confirmed {
		s.webhookPage(w, r, http.StatusOK, id, staffWebhookView{Confirm: "delete"})
		return
	}
	if err := s.webhooks.Delete(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/staff/webhooks?done=deleted")
}
