package catalog

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// SearchKey is the form in which names are compared by search: Unicode NFC
// (so a query typed as decomposed Hangul jamo finds composed syllables),
// lower case, without surrounding space. Adapters store or compute the key
// of every product and brand name with this function, so that every adapter
// matches exactly the same products.
func SearchKey(s string) string {
	return norm.NFC.String(strings.ToLower(norm.NFC.String(strings.TrimSpace(s))))
}
