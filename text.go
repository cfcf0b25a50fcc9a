package commerce

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TextRule says what a text field may hold; see ValidationError.Text.
type TextRule struct {
	// Max is the most characters (runes) the field may hold.
	Max int
	// Required refuses an empty field (after trimming).
	Required bool
	// Multiline allows line breaks and tabs, for bodies and descriptions;
	// other control characters are refused all the same.
	Multiline bool
}

// CleanText returns s without surrounding space and in Unicode NFC, the
// form in which the engine stores every text a person typed.
func CleanText(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

// Text cleans value with CleanText, checks it against rule and returns it
// cleaned. The first problem found is recorded for field, in this order:
// "required", "must be valid UTF-8", "must be at most N characters", and
// control characters ("must not contain control characters", or with
// Multiline "must not contain control characters other than line breaks
// and tabs"). Every domain package checks its text fields with it, so that
// they all answer alike.
func (e *ValidationError) Text(field, value string, rule TextRule) string {
	s := CleanText(value)
	switch {
	case s == "":
		if rule.Required {
			e.Add(field, "required")
		}
	case !utf8.ValidString(s):
		e.Add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > rule.Max:
		e.Add(field, fmt.Sprintf("must be at most %d characters", rule.Max))
	case !rule.Multiline && strings.IndexFunc(s, unicode.IsControl) >= 0:
		e.Add(field, "must not contain control characters")
	case rule.Multiline && strings.IndexFunc(s, isControlNotSpace) >= 0:
		e.Add(field, "must not contain control characters other than line breaks and tabs")
	}
	return s
}

// isControlNotSpace reports whether r is a control character other than a
// line break or a tab.
func isControlNotSpace(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
}
