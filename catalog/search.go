package catalog

import "github.com/impactmuseum/commerce"

// SearchKey is the form in which names are compared by search:
// commerce.Fold — NFC (so a query typed as decomposed Hangul jamo finds
// composed syllables), lower case, without surrounding space. Adapters store
// or compute the key of every product and brand name with this function, so
// that every adapter matches exactly the same products.
func SearchKey(s string) string { return commerce.Fold(s) }
