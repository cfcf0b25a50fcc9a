package order

import (
	"fmt"
	"strings"

	"github.com/impactmuseum/commerce"
)

// MaxKeyLen is the longest idempotency key, in bytes.
const MaxKeyLen = 100

// CheckKey returns the idempotency key s without the spaces around it, or
// a *commerce.ValidationError on "idempotency_key" when what remains is
// empty, longer than MaxKeyLen, or holds anything but printable ASCII
// (0x20–0x7E: the characters of the string that the IETF's
// Idempotency-Key header carries). Checkout and OrderByKey check their key
// with it, and an HTTP layer may too, to refuse a bad header before it
// reads the body.
//
// Keys are compared byte for byte. Printable ASCII is what makes that hold
// in every store: a byte that is not valid UTF-8 would be stored by a
// database as U+FFFD, and two keys that differ only there would become
// one.
func CheckKey(s string) (string, error) {
	s = strings.Trim(s, " \t\n\v\f\r")
	switch {
	case s == "":
		return "", commerce.Invalid("idempotency_key", "required")
	case len(s) > MaxKeyLen || !printableASCII(s):
		return "", commerce.Invalid("idempotency_key", fmt.Sprintf("must be 1 to %d printable ASCII characters", MaxKeyLen))
	}
	return s, nil
}

// printableASCII reports whether every byte of s is in 0x20–0x7E.
func printableASCII(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
