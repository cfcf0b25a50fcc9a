package account

// The common passwords in common_passwords.txt are John the Ripper's
// password.lst (Openwall, last updated 2011-11-20), taken from Debian's
// john-data 1.9.0-2 package: lowercased, trimmed and deduplicated, its
// comment lines removed, in the list's own order (most common first). The
// list's header says: "This list has been compiled by Solar Designer of
// Openwall Project in 1996 through 2011. It is assumed to be in the public
// domain." Most of its 3,410 entries are shorter than MinPasswordLength and
// fail that rule anyway. The file holds one password per line and nothing
// else, so it can be replaced by a longer list in the same form.

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Limits of the password policy.
const (
	// MinPasswordLength is the fewest characters (runes) a password may have.
	MinPasswordLength = 8
	// MaxPasswordBytes is the longest password accepted, in bytes of UTF-8.
	// It bounds the work that hashing and checking do on untrusted input;
	// no passphrase a person types comes near it.
	MaxPasswordBytes = 4096
)

// maxSimilarity is Django's default: a password whose quick ratio to a user
// attribute reaches it is refused.
const maxSimilarity = 0.7

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list as a set, built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(commonPasswordsText, "\n")+1)
	for line := range strings.Lines(commonPasswordsText) {
		if pw := strings.TrimSpace(line); pw != "" {
			set[strings.ToLower(pw)] = struct{}{}
		}
	}
	return set
})

// Attr is something the user chose or is known by, such as a username,
// nickname or email address, that a password must not resemble. Name is
// how PasswordProblems names it in its message ("is too similar to the
// username"); Value is what the user entered.
type Attr struct {
	Name, Value string
}

// PasswordProblems returns what is wrong with password for a user with the
// given attributes, as short lowercase English messages meant to follow the
// word "password" ("must be at least 8 characters"), most basic first. It
// returns nil when the password is acceptable.
//
// The rules are those of Django's default validators: at least
// MinPasswordLength characters, not only digits, not a common password
// (compared lowercased and trimmed), and not too similar to any attribute.
// Similarity is Django's UserAttributeSimilarityValidator with its default
// maximum of 0.7, compared against each attribute lowercased, as a whole and
// in parts split at non-word characters; in addition, the mailbox of an
// email address (what comes before its last "@") is compared as one more
// value, because Django's whole-address comparison lets the domain dilute
// it: "helloworld" is refused for hello.world@example.com. A password over
// MaxPasswordBytes gets only the message that it is too long.
func PasswordProblems(password string, attrs ...Attr) []string {
	if len(password) > MaxPasswordBytes {
		return []string{"is too long (at most " + strconv.Itoa(MaxPasswordBytes) + " bytes)"}
	}
	var problems []string
	if utf8.RuneCountInString(password) < MinPasswordLength {
		problems = append(problems, "must be at least "+strconv.Itoa(MinPasswordLength)+" characters")
	}
	if onlyDigits(password) {
		problems = append(problems, "must not be only digits")
	}
	if _, common := commonPasswords()[strings.TrimSpace(strings.ToLower(password))]; common {
		problems = append(problems, "is too common")
	}
	lower := strings.ToLower(password)
	var named []string // attribute names already reported
	for _, a := range attrs {
		if a.Value == "" || !similarToAttr(lower, strings.ToLower(a.Value)) {
			continue
		}
		name := a.Name
		if name == "" {
			name = "your account details"
		} else {
			name = "the " + name
		}
		if !slices.Contains(named, name) {
			named = append(named, name)
			problems = append(problems, "is too similar to "+name)
		}
	}
	return problems
}

// onlyDigits is Python's str.isdigit for what matters here: non-empty and
// every rune a decimal digit of some script.
func onlyDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// similarToAttr applies Django's similarity rule to a lowercased password
// and a lowercased attribute value.
func similarToAttr(password, value string) bool {
	values := append(splitWords(value), value)
	if at := strings.LastIndexByte(value, '@'); at > 0 {
		values = append(values, value[:at])
	}
	pwLen := utf8.RuneCountInString(password)
	for _, v := range values {
		if v == "" {
			continue
		}
		// Django skips a part so much shorter than the password that it
		// cannot make up a meaningful share of it.
		vLen := utf8.RuneCountInString(v)
		if pwLen >= 10*vLen && float64(vLen) < maxSimilarity/2*float64(pwLen) {
			continue
		}
		if quickRatio(password, v) >= maxSimilarity {
			return true
		}
	}
	return false
}

// splitWords splits s at runs of non-word characters, as Python's
// re.split(r"\W+", s) does, except that combining marks count as word
// characters so that a name typed in decomposed form stays one word.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) || r == '_')
	})
}

// quickRatio is difflib's SequenceMatcher.quick_ratio on runes: twice the
// number of characters the two strings share (counting repeats) over their
// total length.
func quickRatio(a, b string) float64 {
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	if la+lb == 0 {
		return 1
	}
	avail := make(map[rune]int, lb)
	for _, r := range b {
		avail[r]++
	}
	matches := 0
	for _, r := range a {
		if avail[r] > 0 {
			avail[r]--
			matches++
		}
	}
	return 2 * float64(matches) / float64(la+lb)
}
