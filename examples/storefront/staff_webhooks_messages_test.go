package storefront

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// webhookMessages reads the message of every field error that package
// webhook writes for an endpoint's form: the literal results of its URL
// checks (checkForm, checkHost, checkHostName), "must not name " with
// every kind of address that nonGlobal and its tables name, and the
// literal messages of its ValidationError.Add calls, with the verbs of a
// fmt.Sprintf filled in. A message added there without a translation
// fails TestEveryWebhookMessageHasATranslation.
func webhookMessages(t *testing.T) map[string]string {
	t.Helper()
	out := make(map[string]string) // message → where
	fset := gotoken.NewFileSet()
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[dsqv]`)
	fill := func(msg string) string {
		return verbs.ReplaceAllStringFunc(msg, func(v string) string {
			switch v[len(v)-1] {
			case 'd':
				return "7"
			case 'q':
				return `"X"`
			}
			return "X"
		})
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "webhook", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var prefixed []string // messages that end in a kind of address
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				switch n.Name.Name {
				case "checkForm", "checkHost", "checkHostName", "nonGlobal":
				default:
					return true
				}
				ast.Inspect(n.Body, func(m ast.Node) bool {
					ret, ok := m.(*ast.ReturnStmt)
					if !ok || len(ret.Results) != 1 {
						return true
					}
					where := fset.Position(ret.Pos()).String()
					if msg, ok := literal(ret.Results[0]); ok && msg != "" {
						if n.Name.Name == "nonGlobal" {
							kinds = append(kinds, msg)
						} else {
							out[fill(msg)] = where
						}
					}
					if sum, ok := ret.Results[0].(*ast.BinaryExpr); ok && sum.Op == gotoken.ADD {
						if msg, ok := literal(sum.X); ok {
							prefixed = append(prefixed, msg)
						}
					}
					return true
				})
				return false
			case *ast.CompositeLit:
				// The rows of special4 and special6: a prefix and its kind.
				if len(n.Elts) == 2 {
					if _, ok := n.Elts[0].(*ast.CallExpr); ok {
						if msg, ok := literal(n.Elts[1]); ok {
							kinds = append(kinds, msg)
						}
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Add" || len(n.Args) != 2 {
					return true
				}
				if msg, ok := literal(n.Args[1]); ok {
					out[fill(msg)] = fset.Position(n.Pos()).String()
				}
			}
			return true
		})
	}
	if len(kinds) < 15 || len(prefixed) == 0 {
		t.Fatalf("found %d kinds of address and %d messages naming one; has package webhook's code moved?", len(kinds), len(prefixed))
	}
	for _, p := range prefixed {
		for _, k := range kinds {
			out[p+k] = "webhook: " + strings.TrimSpace(p) + " …"
		}
	}
	if len(out) < 30 {
		t.Fatalf("found only %d messages in package webhook; has its code moved?", len(out))
	}
	return out
}

func TestEveryWebhookMessageHasATranslation(t *testing.T) {
	for msg, where := range webhookMessages(t) {
		got := translate(msg)
		if got == unknownMessage || !strings.ContainsFunc(got, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) {
			t.Errorf("%s: %q translates to %q", where, msg, got)
		}
	}
	// The kinds that have words of their own keep them.
	for msg, want := range map[string]string{
		"must not name a private address":       "내부망(사설 IP) 주소로는 보낼 수 없습니다.",
		"must not name a loopback address":      "이 서버 자신(루프백 주소)으로는 보낼 수 없습니다.",
		"must not name a link-local address":    "링크 로컬 주소로는 보낼 수 없습니다.",
		"must not name a documentation address": "인터넷에서 쓰이지 않는 특수한 주소로는 보낼 수 없습니다.",
		"at most 2048 characters":               "2048자 이하로 입력해 주세요.",
	} {
		if got := translate(msg); !strings.HasPrefix(got, want) {
			t.Errorf("translate(%q) = %q, want it to start %q", msg, got, want)
		}
	}
}
