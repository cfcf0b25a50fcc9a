package storefront

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/order"
)

// The staff pages that run the shop day to day: orders and their status,
// the notices, and the users. staffOnly keeps customers out of every one;
// each change is decided again by its service.

// staffPageSize is the number of orders or users a staff page lists.
const staffPageSize = 20

// ---- orders ----

// staffOrdersView is a page of every customer's orders.
type staffOrdersView struct {
	Section staffSection
	Orders  []staffOrderRow
	// Filters are 전체 and each status, the shown one current.
	Filters []boardLink
	// Status is the status shown, or "" for all.
	Status order.Status
	// Next is the address of the next page, or ""; First is false on the
	// pages after the first, whose address is FirstURL.
	Next     string
	First    bool
	FirstURL string
	// Problem says what was wrong with the address and what is shown
	// instead.
	Problem string
}

func (staffOrdersView) PageTitle() string { return "주문 관리" }

// staffOrderRow is an order with its customer, who is nil when no user
// has the order's UserID any more.
type staffOrderRow struct {
	order.Order
	Customer *account.Account
}

// staffOrdersURL is the address of the orders in status (all for ""),
// continued after cursor.
func staffOrdersURL(status order.Status, cursor string) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", string(status))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/staff/orders"
	}
	return "/staff/orders?" + q.Encode()
}

// StaffOrders serves GET /staff/orders: every customer's orders, newest
// first, staffPageSize a page (?cursor= continues), in one status with
// ?status=. An unknown status or a mangled cursor shows the first page of
// all it can, saying so, with status 400.
func (s *Storefront) StaffOrders(w http.ResponseWriter, r *http.Request) {
	ctx, a, q := r.Context(), actor(r), r.URL.Query()
	v := staffOrdersView{Section: "orders", Status: order.Status(q.Get("status"))}
	cursor := q.Get("cursor")
	if v.Status != "" && !v.Status.Valid() {
		v.Problem = "없는 주문 상태라서 모든 주문을 보여 드립니다."
		v.Status, cursor = "", ""
	}
	page, err := s.orders.AllOrders(ctx, a, order.Filter{Status: v.Status, Limit: staffPageSize, Cursor: cursor})
	if errors.Is(err, commerce.ErrInvalid) && commerce.FieldErrors(err)["cursor"] != "" {
		v.Problem = "다음 페이지 주소가 올바르지 않아 첫 페이지를 보여 드립니다."
		cursor = ""
		page, err = s.orders.AllOrders(ctx, a, order.Filter{Status: v.Status, Limit: staffPageSize})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]uuid.UUID, 0, len(page.Items))
	for _, o := range page.Items {
		ids = append(ids, o.UserID)
	}
	customers, err := s.accounts.UsersByID(ctx, a, ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, o := range page.Items {
		row := staffOrderRow{Order: o}
		if c, ok := customers[o.UserID]; ok {
			row.Customer = &c
		}
		v.Orders = append(v.Orders, row)
	}
	v.Filters = append(v.Filters, boardLink{Label: "전체", URL: "/staff/orders", Current: v.Status == ""})
	for _, st := range order.Statuses {
		v.Filters = append(v.Filters, boardLink{Label: statusLabel(st), URL: staffOrdersURL(st, ""), Current: st == v.Status})
	}
	v.First, v.FirstURL = cursor == "", staffOrdersURL(v.Status, "")
	if page.NextCursor != "" {
		v.Next = staffOrdersURL(v.Status, page.NextCursor)
	}
	status := http.StatusOK
	if v.Problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "staff_orders", v)
}

// staffMove is a button of an order's page that moves it to To.
type staffMove struct {
	To    order.Status
	Label string
	// Confirm asks before a move that cannot be undone (cancelling).
	Confirm string
}

// staffMoves are the moves staff can make, in the order of the status
// machine; an order's page shows those its status allows (CanMove).
var staffMoves = []staffMove{
	{To: order.Paid, Label: "결제 완료로 변경"},
	{To: order.Shipped, Label: "배송 중으로 변경"},
	{To: order.Delivered, Label: "배송 완료로 변경"},
	{To: order.Cancelled, Label: "주문 취소", Confirm: "주문을 취소할까요? 재고가 돌아오고, 결제한 금액은 환불됩니다."},
}

// staffOrderView is an order's page for staff.
type staffOrderView struct {
	Section  staffSection
	Order    order.Order
	Customer *account.Account
	// Moves are the legal moves from the order's status.
	Moves []staffMove
	// Moved is true just after a move, to say so; Message says why a
	// move was refused.
	Moved   bool
	Message string
}

func (v staffOrderView) PageTitle() string { return "주문 " + v.Order.Number }

// StaffOrder serves GET /staff/orders/{id}: the order's lines, total,
// address, payment and customer, with a button for every move its status
// allows.
func (s *Storefront) StaffOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	o, err := s.orders.Order(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.staffOrderPage(w, r, http.StatusOK, staffOrderView{Order: o, Moved: r.URL.Query().Has("moved")})
}

// staffOrderPage renders the order of v with its customer and moves.
func (s *Storefront) staffOrderPage(w http.ResponseWriter, r *http.Request, status int, v staffOrderView) {
	customers, err := s.accounts.UsersByID(r.Context(), actor(r), []uuid.UUID{v.Order.UserID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c, ok := customers[v.Order.UserID]; ok {
		v.Customer = &c
	}
	v.Section = "orders"
	for _, m := range staffMoves {
		if v.Order.Status.CanMove(m.To) {
			v.Moves = append(v.Moves, m)
		}
	}
	s.render(w, r, status, "staff_order", v)
}

// StaffSetOrderStatus serves POST /staff/orders/{id}/status: it moves the
// order to the posted status (order.Service.SetStatus, which cancels with
// stock returned and a refund). A move the status no longer allows — the
// order moved meanwhile — shows the order again with why (409); the same
// move posted twice lands on the moved order as once.
func (s *Storefront) StaffSetOrderStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	ctx, a := r.Context(), actor(r)
	to := order.Status(strings.TrimSpace(f.Value("status")))
	_, err := s.orders.SetStatus(ctx, a, id, to)
	back := "/staff/orders/" + id.String()
	if err == nil {
		redirect(w, r, back+"?moved=1")
		return
	}
	conflict, invalid := errors.Is(err, commerce.ErrConflict), errors.Is(err, commerce.ErrInvalid)
	if !conflict && !invalid {
		s.fail(w, r, err)
		return
	}
	o, oerr := s.orders.Order(ctx, a, id)
	if oerr != nil {
		s.fail(w, r, oerr)
		return
	}
	v := staffOrderView{Order: o}
	switch {
	case conflict && o.Status == to:
		redirect(w, r, back+"?moved=1")
		return
	case conflict:
		v.Message = describe(err)
		s.staffOrderPage(w, r, http.StatusConflict, v)
	default:
		v.Message = "바꿀 주문 상태가 올바르지 않습니다. 아래 버튼으로 골라 주세요."
		s.staffOrderPage(w, r, http.StatusUnprocessableEntity, v)
	}
}

// ---- notices ----

// staffNoticesView is a page of the board with staff's buttons.
type staffNoticesView struct {
	Section staffSection
	// Listing is the page; Pinned and Items its notices with their
	// buttons.
	Listing       board.Listing
	Pinned, Items []staffNoticeRow
	// Others is true when a notice shown was written by someone else, to
	// explain why it has fewer buttons.
	Others bool
	// The page links, as /board's.
	boardPaging
	// Done says what was just done; Problem what was wrong with the
	// address.
	Done    string
	Problem string
}

func (staffNoticesView) PageTitle() string { return "공지사항 관리" }

// staffNoticeRow is a notice with its buttons.
type staffNoticeRow struct {
	board.Post
	// Mine is true when the staff member looking wrote it: only a
	// notice's author edits it (board.Service.Update); any staff member
	// pins, unpins and deletes.
	Mine bool
	// Page is the page of the board the buttons come back to.
	Page int
}

// staffNoticesDone are the notices of ?done= after each button.
var staffNoticesDone = map[string]string{
	"pinned":   "공지사항을 상단에 고정했습니다.",
	"unpinned": "공지사항의 고정을 해제했습니다.",
	"deleted":  "공지사항을 삭제했습니다.",
}

// staffNoticesURL is the address of page of the staff's board, saying
// done (a key of staffNoticesDone, or "").
func staffNoticesURL(page int, done string) string {
	q := url.Values{}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if done != "" {
		q.Set("done", done)
	}
	if len(q) == 0 {
		return "/staff/notices"
	}
	return "/staff/notices?" + q.Encode()
}

// staffNoticePage reads the board page a form came from (its page field),
// 1 when it is missing or not a page number.
func staffNoticePage(f form) int {
	n, err := strconv.Atoi(strings.TrimSpace(f.Value("page")))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// StaffNotices serves GET /staff/notices: every notice, pinned first then
// ten a page (?page=), each with 수정 for its author and 고정 / 고정 해제
// and 삭제 for every staff member, and 글쓰기.
func (s *Storefront) StaffNotices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := staffNoticesView{Section: "notices", Done: staffNoticesDone[q.Get("done")]}
	page := 1
	badPage := "페이지 번호가 올바르지 않아 첫 페이지를 보여 드립니다."
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			v.Problem = badPage
		} else {
			page = n
		}
	}
	l, err := s.board.List(r.Context(), page, "")
	if errors.Is(err, commerce.ErrInvalid) && commerce.FieldErrors(err)["page"] != "" {
		v.Problem = badPage
		l, err = s.board.List(r.Context(), 1, "")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Listing = l
	me := actor(r).UserID
	rows := func(posts []board.Post) []staffNoticeRow {
		out := make([]staffNoticeRow, len(posts))
		for i, p := range posts {
			out[i] = staffNoticeRow{Post: p, Mine: p.Author.ID == me, Page: l.Page}
			v.Others = v.Others || !out[i].Mine
		}
		return out
	}
	v.Pinned, v.Items = rows(l.Pinned), rows(l.Items)
	v.boardPaging = pagingOf(l, func(n int) string { return staffNoticesURL(n, "") })
	status := http.StatusOK
	if v.Problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "staff_notices", v)
}

// StaffPinNotice serves POST /staff/notices/{id}/pin: the notice goes to
// the top of every page of the board.
func (s *Storefront) StaffPinNotice(w http.ResponseWriter, r *http.Request) {
	s.pinNotice(w, r, true)
}

// StaffUnpinNotice serves POST /staff/notices/{id}/unpin: the notice goes
// back among the others, by its date.
func (s *Storefront) StaffUnpinNotice(w http.ResponseWriter, r *http.Request) {
	s.pinNotice(w, r, false)
}

// pinNotice pins or unpins the notice of the path through the board
// service, which lets any staff member do it, and goes back
// to the page of the board the button was on.
func (s *Storefront) pinNotice(w http.ResponseWriter, r *http.Request, pinned bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	if _, err := s.board.Update(r.Context(), actor(r), id, board.PostPatch{Pinned: commerce.Some(pinned)}); err != nil {
		s.fail(w, r, err)
		return
	}
	done := "unpinned"
	if pinned {
		done = "pinned"
	}
	redirect(w, r, staffNoticesURL(staffNoticePage(f), done))
}

// StaffDeleteNotice serves POST /staff/notices/{id}/delete, and goes back
// to the page of the board the button was on.
func (s *Storefront) StaffDeleteNotice(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	if err := s.board.Delete(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, staffNoticesURL(staffNoticePage(f), "deleted"))
}

// ---- users ----

// staffUsersView is a page of users, or of the users a search finds.
type staffUsersView struct {
	Section staffSection
	Users   []account.Account
	// Query is the search typed; Cursor the page shown, which the forms
	// send back so that a change lands on the same page.
	Query  string
	Cursor string
	// Next is the address of the next page, or ""; First is false on the
	// pages after the first, whose address is FirstURL.
	Next     string
	First    bool
	FirstURL string
	// Me is the staff member looking, who cannot demote themselves.
	Me uuid.UUID
	// Done says what was just done; Problem what was refused or wrong
	// with the address.
	Done    string
	Problem string
}

func (staffUsersView) PageTitle() string { return "회원 관리" }

// Self reports whether id is the staff member looking, whose row has no
// button: no one demotes themselves (account.ErrSelfDemotion).
func (v staffUsersView) Self(id uuid.UUID) bool { return id == v.Me }

// staffUsersDone are the notices of ?done= after a change.
var staffUsersDone = map[string]string{
	"staff":    "운영자로 지정했습니다. 그 회원이 다시 로그인하면 관리 메뉴를 쓸 수 있습니다.",
	"customer": "운영자에서 해제했습니다. 그 회원은 다시 로그인해야 합니다.",
}

// staffUsersURL is the address of the users query finds, continued after
// cursor, saying done (a key of staffUsersDone, or "").
func staffUsersURL(query, cursor, done string) string {
	q := url.Values{}
	for k, v := range map[string]string{"query": query, "cursor": cursor, "done": done} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/staff/users"
	}
	return "/staff/users?" + q.Encode()
}

// StaffUsers serves GET /staff/users: the users, newest first,
// staffPageSize a page (?cursor= continues); ?query= keeps those whose
// username or email contains it, in any case. Each comes with its
// nickname, email, date of joining, Google or Kakao accounts, and a button
// to make them staff or a customer again.
func (s *Storefront) StaffUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.staffUsersPage(w, r, http.StatusOK, staffUsersView{
		Query: strings.TrimSpace(q.Get("query")), Cursor: q.Get("cursor"), Done: staffUsersDone[q.Get("done")],
	})
}

// staffUsersPage lists the users of v.Query from v.Cursor and renders
// them with status. A query too long lists no one and a mangled cursor the
// first page, saying so, with status 400.
func (s *Storefront) staffUsersPage(w http.ResponseWriter, r *http.Request, status int, v staffUsersView) {
	ctx, a := r.Context(), actor(r)
	v.Section, v.Me = "users", a.UserID
	page, err := s.accounts.Users(ctx, a, account.UserFilter{Query: v.Query, Limit: staffPageSize, Cursor: v.Cursor})
	if errors.Is(err, commerce.ErrInvalid) {
		problem := "다음 페이지 주소가 올바르지 않아 첫 페이지를 보여 드립니다."
		if m := commerce.FieldErrors(err)["query"]; m != "" {
			problem = "검색어는 " + translate(m)
			page, err = commerce.Page[account.Account]{}, nil
		} else {
			v.Cursor = ""
			page, err = s.accounts.Users(ctx, a, account.UserFilter{Query: v.Query, Limit: staffPageSize})
		}
		if v.Problem == "" {
			v.Problem, status = problem, http.StatusBadRequest
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Users = page.Items
	v.First, v.FirstURL = v.Cursor == "", staffUsersURL(v.Query, "", "")
	if page.NextCursor != "" {
		v.Next = staffUsersURL(v.Query, page.NextCursor, "")
	}
	s.render(w, r, status, "staff_users", v)
}

// StaffSetUserStaff serves POST /staff/users/{id}/staff: staff=1 makes
// the user staff, staff=0 a customer again (account.Service.SetStaff,
// which signs them out everywhere). A staff member who tries to demote
// themselves is told why on the page again (409). The form's query and
// cursor bring it back to the page it was on.
func (s *Storefront) StaffSetUserStaff(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.NotFound(w, r)
		return
	}
	f, ok := s.postedForm(w, r)
	if !ok {
		return
	}
	var staff bool
	switch f.Value("staff") {
	case "1":
		staff = true
	case "0":
	default:
		s.errorPage(w, r, http.StatusBadRequest, "운영자로 지정할지 해제할지 골라 주세요.")
		return
	}
	query, cursor := strings.TrimSpace(f.Value("query")), f.Value("cursor")
	_, err := s.accounts.SetStaff(r.Context(), actor(r), id, staff)
	switch {
	case errors.Is(err, account.ErrSelfDemotion):
		s.staffUsersPage(w, r, http.StatusConflict, staffUsersView{
			Query: query, Cursor: cursor,
			Problem: "자기 자신은 운영자에서 해제할 수 없습니다. 다른 운영자에게 부탁해 주세요.",
		})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	done := "customer"
	if staff {
		done = "staff"
	}
	redirect(w, r, staffUsersURL(query, cursor, done))
}
