package storefront

import (
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/webhook"
)

// The engine's messages are English, for developers and the JSON API; the
// shop speaks Korean. translations turn each message the services write
// for a field into the words a shopper reads next to it. A message not
// listed here is shown as "입력한 값을 확인해 주세요" rather than in
// English: storefront_test checks that every message the services are
// known to write has a translation.
var translations = []struct {
	re *regexp.Regexp
	ko string // with ${1}, ${2} for the groups
}{
	{regexp.MustCompile(`^required$`), "꼭 입력해 주세요."},
	{regexp.MustCompile(`^required unless the cart is checked out$`), "상품을 골라 주세요."},
	{regexp.MustCompile(`^required: address_id or address$`), "배송지를 고르거나 입력해 주세요."},
	{regexp.MustCompile(`^give address_id or address, not both$`), "저장된 배송지를 고르거나 새 주소를 입력해 주세요. 둘 다는 안 됩니다."},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "${1}자 이하로 입력해 주세요."},
	{regexp.MustCompile(`^must be at least (\d+) characters$`), "${1}자 이상이어야 합니다."},
	{regexp.MustCompile(`^must be between (\d+) and (\d+)$`), "${1}에서 ${2} 사이의 수를 입력해 주세요."},
	{regexp.MustCompile(`^must not contain control characters.*$`), "쓸 수 없는 문자가 들어 있습니다."},
	{regexp.MustCompile(`^must be valid UTF-8$`), "쓸 수 없는 문자가 들어 있습니다."},
	// Search's, after "검색어는 " and "정렬은 ".
	{regexp.MustCompile(`^must have at most (\d+) words$`), "${1}단어 이하로 입력해 주세요."},
	{regexp.MustCompile(`^must be "newest" or "relevance"$`), "최신순이나 정확도순 중에서 골라 주세요."},
	{regexp.MustCompile(`^must not be only digits$`), "숫자로만 된 비밀번호는 쓸 수 없습니다."},
	{regexp.MustCompile(`^is too common$`), "너무 흔한 비밀번호입니다."},
	{regexp.MustCompile(`^is too similar to the username$`), "아이디와 너무 비슷합니다."},
	{regexp.MustCompile(`^is too similar to the nickname$`), "닉네임과 너무 비슷합니다."},
	{regexp.MustCompile(`^is too similar to the email$`), "이메일과 너무 비슷합니다."},
	{regexp.MustCompile(`^is too similar to .*$`), "회원 정보와 너무 비슷합니다."},
	{regexp.MustCompile(`^is too long \(at most \d+ bytes\)$`), "너무 깁니다."},
	{regexp.MustCompile(`^does not match the password$`), "비밀번호가 서로 다릅니다."},
	{regexp.MustCompile(`^wrong password$`), "현재 비밀번호가 맞지 않습니다."},
	{regexp.MustCompile(`^already taken$`), "이미 사용 중입니다."},
	{regexp.MustCompile(`^may contain only letters, digits and @ \. \+ - _$`), "글자, 숫자와 @ . + - _ 만 쓸 수 있습니다."},
	{regexp.MustCompile(`^must be an email address such as .*$`), "name@example.com 같은 이메일 주소를 입력해 주세요."},
	{regexp.MustCompile(`^at most (\d+)$`), "${1}개까지 고를 수 있습니다."},
	{regexp.MustCompile(`^must be problem ids$`), "목록에 있는 사회문제를 골라 주세요."},
	{regexp.MustCompile(`^names a problem that does not exist$`), "목록에 있는 사회문제를 골라 주세요."},
	// The catalog's, on the staff pages.
	{regexp.MustCompile(`^no such problem$`), "목록에 있는 사회문제를 골라 주세요."},
	{regexp.MustCompile(`^no such brand$`), "목록에 있는 브랜드를 골라 주세요."},
	{regexp.MustCompile(`^must be an http\(s\) URL or a path starting with /$`), "웹 주소(URL)나 /로 시작하는 경로를 입력해 주세요."},
	{regexp.MustCompile(`^must not contain empty URLs$`), "빈 주소는 넣을 수 없습니다."},
	{regexp.MustCompile(`^at most (\d+) images$`), "사진은 ${1}장까지 넣을 수 있습니다."},
	{regexp.MustCompile(`^\S+ has no more than 0 minor digits$`), "소수점 없이 원 단위로 입력해 주세요."},
	{regexp.MustCompile(`^\S+ has no more than (\d+) minor digits$`), "소수점 아래 ${1}자리까지 입력할 수 있습니다."},
	{regexp.MustCompile(`^must not be negative$`), "0 이상으로 입력해 주세요."},
	{regexp.MustCompile(`^must be in (\S+), the shop's currency, not \S+$`), "가격은 이 쇼핑몰의 통화(${1})로 입력해 주세요."},
	{regexp.MustCompile(`^is too large$`), "너무 큰 값입니다."},
	{regexp.MustCompile(`^must be between 0 and (\d+), or null when not tracked$`), "0에서 ${1} 사이의 수를 입력하거나 ‘재고 관리 안 함’을 골라 주세요."},
	// Package media's, for a file it refuses.
	{regexp.MustCompile(`^is empty$`), "빈 파일입니다."},
	{regexp.MustCompile(`^must be at most (\d+) MiB$`), "${1}MB 이하의 파일만 올릴 수 있습니다."},
	{regexp.MustCompile(`^must be a JPEG, PNG, GIF or WebP image$`), "JPEG, PNG, GIF, WEBP 이미지만 올릴 수 있습니다."},
	{regexp.MustCompile(`^is truncated or corrupt$`), "파일이 잘렸거나 손상되었습니다."},
	{regexp.MustCompile(`^uses a form of its format that cannot be read.*$`), "읽을 수 없는 형식의 이미지입니다. 일반 JPEG나 PNG로 다시 저장해 올려 주세요."},
	{regexp.MustCompile(`^must be at least 1 pixel wide and 1 pixel high$`), "가로와 세로가 1픽셀 이상인 이미지여야 합니다."},
	{regexp.MustCompile(`^must be a still WebP image.*$`), "움직이는 WEBP 이미지는 올릴 수 없습니다."},
	{regexp.MustCompile(`^must have at most (\d+) megapixels in all its frames together$`), "GIF의 모든 프레임을 합쳐 ${1}메가픽셀 이하여야 합니다."},
	{regexp.MustCompile(`^must be at most (\d+) megapixels \(this one is (\d+)×(\d+)\)$`), "${1}메가픽셀 이하의 이미지만 올릴 수 있습니다. 이 이미지는 ${2}×${3}입니다."},
	{regexp.MustCompile(`^was not received in full$`), "파일을 다 받지 못했습니다. 다시 올려 주세요."},
	{regexp.MustCompile(`^must be a phone number such as .*$`), "010-1234-5678 같은 전화번호를 입력해 주세요."},
	{regexp.MustCompile(`^must be a postal code such as .*$`), "04524 같은 우편번호를 입력해 주세요."},
	{regexp.MustCompile(`^the cart already holds (\d+); a line holds at most (\d+)$`), "장바구니에 이미 ${1}개가 있습니다. 한 상품은 ${2}개까지 담을 수 있습니다."},
	// translate splits messages at "; ", so the cart's arrives in halves.
	{regexp.MustCompile(`^the cart already holds (\d+)$`), "장바구니에 이미 ${1}개가 있습니다."},
	{regexp.MustCompile(`^a line holds at most (\d+)$`), "한 상품은 ${1}개까지 담을 수 있습니다."},
	{regexp.MustCompile(`^(.*: )?no such product$`), "판매하지 않는 상품입니다."},
	{regexp.MustCompile(`^.*: (.*) is out of stock$`), "${1}의 재고가 부족합니다."},
	{regexp.MustCompile(`^(.* )?is priced in .*$`), "이 쇼핑몰에서 살 수 없는 통화의 상품입니다."},
	{regexp.MustCompile(`^must be card, bank_transfer or mobile$`), "결제 수단을 골라 주세요."},
	{regexp.MustCompile(`^.* is not accepted by this shop$`), "이 결제 수단은 쓸 수 없습니다."},
	{regexp.MustCompile(`^no such address in your address book$`), "주소록에 없는 배송지입니다."},
	{regexp.MustCompile(`^an address book holds at most (\d+) addresses; delete one first$`), "배송지는 ${1}개까지 저장할 수 있습니다. 하나를 지운 뒤 추가해 주세요."},
	{regexp.MustCompile(`^must be one of NORMAL.*$`), "분류를 골라 주세요."},
	{regexp.MustCompile(`^must be 1 to \d+ printable ASCII characters$`), "주문서가 올바르지 않습니다. 주문서를 새로 열어 주세요."},
	{regexp.MustCompile(`^must be a UUID.*$`), "올바른 값이 아닙니다."},
	{regexp.MustCompile(`^must be a whole number$`), "숫자를 입력해 주세요."},
	{regexp.MustCompile(`^malformed form$`), "양식이 올바르지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."},
	// Package webhook's, for an endpoint's URL and event types.
	{regexp.MustCompile(`^at most (\d+) characters$`), "${1}자 이하로 입력해 주세요."},
	{regexp.MustCompile(`^must not contain spaces or control characters$`), "주소에 빈칸이나 쓸 수 없는 문자가 들어 있습니다."},
	{regexp.MustCompile(`^must be an absolute URL such as .*$`), "https://example.com/webhooks 같은 전체 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must be an https URL$`), "https://로 시작하는 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must be an http or https URL$`), "http:// 또는 https://로 시작하는 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must not contain a user name or password$`), "주소에 사용자 이름이나 비밀번호를 넣을 수 없습니다."},
	{regexp.MustCompile(`^must not contain a fragment .*$`), "주소에 # 뒷부분을 넣을 수 없습니다."},
	{regexp.MustCompile(`^has a port that is not between (\d+) and (\d+)$`), "포트 번호는 ${1}에서 ${2} 사이여야 합니다."},
	{regexp.MustCompile(`^has an empty port$`), "포트 번호가 비어 있습니다. 포트를 쓰지 않으면 : 도 지워 주세요."},
	{regexp.MustCompile(`^has a malformed IPv6 address$`), "IPv6 주소가 올바르지 않습니다."},
	{regexp.MustCompile(`^must not name an IPv6 zone$`), "IPv6 주소에 %로 시작하는 영역을 넣을 수 없습니다."},
	{regexp.MustCompile(`^must not name localhost$`), "이 서버 자신(localhost)으로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must not name a loopback address$`), "이 서버 자신(루프백 주소)으로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must not name a private address$`), "내부망(사설 IP) 주소로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must not name a link-local address$`), "링크 로컬 주소로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must not name .+$`), "인터넷에서 쓰이지 않는 특수한 주소로는 보낼 수 없습니다. 인터넷에서 접근할 수 있는 주소를 입력해 주세요."},
	{regexp.MustCompile(`^must name a host$`), "호스트 이름을 입력해 주세요."},
	{regexp.MustCompile(`^has a malformed host name$`), "호스트 이름이 올바르지 않습니다."},
	{regexp.MustCompile(`^must give the host name in its ASCII \(xn--\) form$`), "한글 도메인은 xn--로 시작하는 퓨니코드로 바꿔 입력해 주세요."},
	{regexp.MustCompile(`^must be a host name or an IP address in its usual form$`), "호스트 이름이나 IP 주소를 흔히 쓰는 형식으로 입력해 주세요."},
	{regexp.MustCompile(`^required: list event types, or ".*" for all$`), "받을 이벤트를 하나 이상 고르거나 ‘모든 이벤트’를 골라 주세요."},
	{regexp.MustCompile(`^must not contain an empty type$`), "목록에 있는 이벤트를 골라 주세요."},
	{regexp.MustCompile(`^unknown event type .*$`), "목록에 있는 이벤트를 골라 주세요."},
	{regexp.MustCompile(`^".*" already subscribes to every type; give it alone$`), "‘모든 이벤트’를 고르면 다른 이벤트는 고르지 마세요. 모든 이벤트에 이미 들어 있습니다."},
}

// unknownMessage stands in for a message without a translation.
const unknownMessage = "입력한 값을 확인해 주세요."

// translate returns the Korean of one message the services wrote for a
// field. A message that is not known whole but joins several by "; "
// (the password policy's) is translated part by part.
func translate(message string) string {
	if ko, ok := translateOne(message); ok {
		return ko
	}
	parts := strings.Split(message, "; ")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		ko, _ := translateOne(p)
		out = append(out, ko)
	}
	return strings.Join(out, " ")
}

// translateOne returns the Korean of message, or unknownMessage and false.
func translateOne(message string) (string, bool) {
	for _, t := range translations {
		if m := t.re.FindStringSubmatchIndex(message); m != nil {
			return string(t.re.ExpandString(nil, t.ko, message, m)), true
		}
	}
	return unknownMessage, false
}

// fieldErrors returns the Korean messages of the fields err names.
func fieldErrors(err error) map[string]string {
	fields := commerce.FieldErrors(err)
	if len(fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(fields))
	for f, m := range fields {
		out[f] = translate(m)
	}
	return out
}

// known are the engine's errors that a page explains in a sentence of
// their own, rather than next to a field.
var known = []struct {
	err error
	ko  string
}{
	{account.ErrBadCredentials, "아이디 또는 비밀번호가 맞지 않습니다."},
	{order.ErrEmptyCart, "장바구니가 비어 있습니다."},
	{order.ErrIdempotencyConflict, "이 주문서로는 이미 다른 주문이 들어갔습니다. 주문서를 새로 열어 주세요."},
	{order.ErrPaymentDeclined, "결제가 거절되었습니다. 다른 결제 수단으로 다시 시도해 주세요."},
	{order.ErrTooLate, "이미 배송이 시작되어 취소할 수 없습니다."},
	{order.ErrStatusConflict, "지금 상태에서는 할 수 없는 변경입니다."},
	{catalog.ErrOutOfStock, "재고가 부족합니다."},
	{catalog.ErrVersionConflict, "그 사이에 다른 사람이 고쳤습니다. 새로 고친 뒤 다시 시도해 주세요."},
	{board.ErrVersionConflict, "그 사이에 다른 사람이 고쳤습니다. 새로 고친 뒤 다시 시도해 주세요."},
	{webhook.ErrVersionConflict, "그 사이에 다른 사람이 고쳤거나 전송이 계속 실패해 자동으로 꺼졌습니다. 새로 고친 뒤 다시 시도해 주세요."},
	{cart.ErrProductNotFound, "판매하지 않는 상품입니다."},
	{catalog.ErrProductNotFound, "판매하지 않는 상품입니다."},
	{order.ErrAddressNotFound, "주소록에 없는 배송지입니다."},
}

// waitReasons say which limit a page that asks to wait met; waitMessage
// adds how long.
var waitReasons = []struct {
	err error
	ko  string
}{
	{account.ErrTooManySignUps, "짧은 시간에 회원가입 시도가 너무 많았습니다."},
	{account.ErrTooManyAttempts, "로그인에 여러 번 실패했습니다."},
}

// describe returns one Korean sentence for err, for the top of a form or
// an error page: the known error's own, or the fields' messages.
func describe(err error) string {
	for _, k := range known {
		if errors.Is(err, k.err) {
			return k.ko
		}
	}
	if fields := fieldErrors(err); len(fields) > 0 {
		var msgs []string
		for _, f := range slices.Sorted(maps.Keys(fields)) {
			if !slices.Contains(msgs, fields[f]) {
				msgs = append(msgs, fields[f])
			}
		}
		return strings.Join(msgs, " ")
	}
	return ""
}
