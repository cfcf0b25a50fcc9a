package commerce

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestValidationErrorText(t *testing.T) {
	name := TextRule{Max: 5, Required: true}
	optional := TextRule{Max: 5}
	body := TextRule{Max: 10, Required: true, Multiline: true}
	for _, tc := range []struct {
		what  string
		value string
		rule  TextRule
		want  string // the cleaned value
		msg   string // "" when valid
	}{
		{"trimmed", "  사과 \n", name, "사과", ""},
		{"NFC", norm.NFD.String("사과"), name, "사과", ""},
		{"empty, required", "", name, "", "required"},
		{"spaces only, required", " \t\n ", name, "", "required"},
		{"empty, optional", "  ", optional, "", ""},
		{"invalid UTF-8", "a\xffb", name, "a\xffb", "must be valid UTF-8"},
		{"at the limit in runes", "유기농사과", name, "유기농사과", ""},
		{"one rune over", "유기농사과잼", name, "유기농사과잼", "must be at most 5 characters"},
		{"NFC counts composed syllables", norm.NFD.String("유기농사과"), name, "유기농사과", ""},
		{"NUL", "a\x00b", name, "a\x00b", "must not contain control characters"},
		{"line break in a name", "a\nb", name, "a\nb", "must not contain control characters"},
		{"tab in a name", "a\tb", optional, "a\tb", "must not contain control characters"},
		{"DEL", "a\x7fb", optional, "a\x7fb", "must not contain control characters"},
		{"C1 control", "a\u0085b", name, "a\u0085b", "must not contain control characters"},
		{"line breaks and tabs in a body", "a\r\n\tb", body, "a\r\n\tb", ""},
		{"bell in a body", "a\x07b", body, "a\x07b", "must not contain control characters other than line breaks and tabs"},
		{"body too long", strings.Repeat("가", 11), body, strings.Repeat("가", 11), "must be at most 10 characters"},
		{"required before length", "", TextRule{Max: 0, Required: true}, "", "required"},
		{"UTF-8 before length", strings.Repeat("\xff", 9), name, strings.Repeat("\xff", 9), "must be valid UTF-8"},
		{"length before control", "a\x00bcdef", name, "a\x00bcdef", "must be at most 5 characters"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			var bad ValidationError
			got := bad.Text("field", tc.value, tc.rule)
			if got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.value, got, tc.want)
			}
			if msg := bad.Fields["field"]; msg != tc.msg {
				t.Errorf("Text(%q) recorded %q, want %q", tc.value, msg, tc.msg)
			}
			if len(bad.Fields) > 1 {
				t.Errorf("Text(%q) recorded other fields: %v", tc.value, bad.Fields)
			}
		})
	}
}

func TestValidationErrorTextKeepsFirstMessage(t *testing.T) {
	var bad ValidationError
	bad.Add("name", "taken")
	if got := bad.Text("name", "", TextRule{Max: 5, Required: true}); got != "" {
		t.Errorf("Text = %q", got)
	}
	if bad.Fields["name"] != "taken" {
		t.Errorf("message = %q, want the first one kept", bad.Fields["name"])
	}
}

func TestCleanText(t *testing.T) {
	if got := CleanText(" " + norm.NFD.String("민준") + "\n"); got != "민준" {
		t.Errorf("CleanText = %q, want %q", got, "민준")
	}
}
