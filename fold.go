package commerce

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the form in which the engine compares names: without
// surrounding space, in Unicode NFC (so decomposed Hangul jamo equal the
// composed syllables) and in lower case. Catalog search and the uniqueness
// of usernames, nicknames and emails all compare folded strings, computed by
// this one function in every adapter.
func Fold(s string) string {
	return norm.NFC.String(strings.ToLower(norm.NFC.String(strings.TrimSpace(s))))
}
