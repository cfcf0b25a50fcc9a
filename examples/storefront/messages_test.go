package storefront

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/order"
)

// serviceMessages reads the message of every field error the services
// write — the literal second argument of each ValidationError.Add and
// commerce.Invalid call in the domain packages, with the verbs of a
// fmt.Sprintf filled in — so that a message added to a service without a
// translation fails this test.
func serviceMessages(t *testing.T) map[string]string {
	t.Helper()
	out := make(map[string]string) // message → where
	fset := gotoken.NewFileSet()
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[dsqv]`)
	for _, dir := range []string{"catalog", "account", "cart", "order", "board", "media", "."} {
		files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 2 {
					return true
				}
				var fn string
				switch f := call.Fun.(type) {
				case *ast.SelectorExpr:
					fn = f.Sel.Name
				case *ast.Ident:
					fn = f.Name
				}
				if fn != "Add" && fn != "Invalid" {
					return true
				}
				msg, ok := literal(call.Args[1])
				if !ok {
					return true
				}
				msg = verbs.ReplaceAllStringFunc(msg, func(v string) string {
					if strings.HasSuffix(v, "d") {
						return "7"
					}
					return "X"
				})
				out[msg] = fset.Position(call.Pos()).String()
				return true
			})
		}
	}
	if len(out) < 40 {
		t.Fatalf("found only %d messages in the services; has the code moved?", len(out))
	}
	return out
}

// literal returns the string of a literal or of fmt.Sprintf with a
// literal format.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == gotoken.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			return literal(e.Args[0])
		}
	}
	return "", false
}

func TestEveryServiceMessageHasATranslation(t *testing.T) {
	messages := serviceMessages(t)
	// Messages made otherwise than by Add or Invalid with a literal.
	for _, pw := range []string{"", "short", "12345678901", "password", "minjun-kim", strings.Repeat("x", account.MaxPasswordBytes+1)} {
		for _, m := range account.PasswordProblems(pw, account.Attr{Name: "username", Value: "minjun-kim"},
			account.Attr{Name: "nickname", Value: "minjun-kim"}, account.Attr{Name: "email", Value: "minjun-kim@example.com"}) {
			messages[m] = "account.PasswordProblems"
		}
	}
	for _, m := range account.Taken("username").FieldErrors() {
		messages[m] = "account.TakenError"
	}
	for _, m := range (&order.OutOfStockError{ProductID: uuid.New(), Name: "유기농사과잼"}).FieldErrors() {
		messages[m] = "order.OutOfStockError"
	}
	// Messages of fields no page has: the API's alone.
	apiOnly := map[string]bool{
		"required: 1 to 32 lowercase letters, digits, - or _":                    true, // provider
		"required: at most 255 bytes of printable UTF-8":                         true, // subject
		"must be pending_payment, paid, shipped, delivered or cancelled":         true, // staff status
		"malformed cursor; pass back next_cursor of the previous page unchanged": true,
		"unknown currency X": true,
		"must be a UUID such as 0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c": false,
	}
	for msg, where := range messages {
		// The import methods (import.go) are an operator's tool: their
		// messages go to an importer's report, never to a page.
		if apiOnly[msg] || strings.Contains(where, "/import.go:") {
			continue
		}
		if got := translate(msg); got == unknownMessage || strings.ContainsAny(got, "abcdefghijklmnopqrstuvwxyz") &&
			!strings.Contains(got, "name@example.com") && !strings.Contains(got, "@ . + - _") {
			t.Errorf("%s: %q translates to %q", where, msg, got)
		}
	}
}

func TestTranslateKeepsNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"must be at most 100 characters", "100자 이하로 입력해 주세요."},
		{"must be between 1 and 99", "1에서 99 사이의 수를 입력해 주세요."},
		{"must be at least 8 characters; is too common", "8자 이상이어야 합니다. 너무 흔한 비밀번호입니다."},
		{"0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c: 유기농사과잼 is out of stock", "유기농사과잼의 재고가 부족합니다."},
		{"something new", unknownMessage},
	} {
		if got := translate(tc.in); got != tc.want {
			t.Errorf("translate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct{ amount, currency, want string }{
		{"12000", "KRW", "12,000원"},
		{"0", "KRW", "0원"},
		{"1234567", "KRW", "1,234,567원"},
		{"999", "KRW", "999원"},
		{"12.5", "USD", "12.50 USD"},
		{"1234.5", "USD", "1,234.50 USD"},
		{"1.234", "KWD", "1.234 KWD"},
		{"1500", "JPY", "1,500 JPY"},
	} {
		m := mustMoney(t, tc.amount, tc.currency)
		if got := formatMoney(m); got != tc.want {
			t.Errorf("formatMoney(%s %s) = %q, want %q", tc.amount, tc.currency, got, tc.want)
		}
	}
}

func mustMoney(t *testing.T, amount, currency string) commerce.Money {
	t.Helper()
	m, err := commerce.ParseMoney(amount, currency)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
