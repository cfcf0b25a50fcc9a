package catalog

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/impactmuseum/commerce"
)

// The search rule. Every adapter matches and orders products with the
// functions of this file, so that they all answer alike; an index only
// narrows the candidates that Search.Rank then decides.

// MaxSearchTerms is the most words a search query may have.
const MaxSearchTerms = 8

// spellingVariants maps a syllable that shoppers type for another to that
// other: 쨈 is the common spelling of 잼 (jam). Both names and queries are
// mapped, so either spelling finds both.
var spellingVariants = map[rune]rune{'쨈': '잼'}

// SearchKey is the form in which search compares a name or a query: Unicode
// NFKC (full-width Latin letters and digits become ordinary ones,
// compatibility jamo become conjoining jamo), case-folded, without the
// diacritics of Latin letters (café is cafe), with the spelling variants
// mapped (쨈 is 잼), and with every run of white space made one space and
// none around. Hangul syllables stay as they are.
//
// Adapters keep or compute the key of every product and brand name with
// this function; Search.Rank compares keys.
func SearchKey(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	// Decompose, so that an accented Latin letter is its letter and a
	// combining mark, and drop the marks that follow a Latin letter.
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	latin, space := false, false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			if latin {
				continue
			}
		case unicode.IsSpace(r):
			space = true
			continue
		default:
			latin = unicode.Is(unicode.Latin, r)
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	s = norm.NFC.String(b.String())
	if strings.ContainsFunc(s, func(r rune) bool { _, ok := spellingVariants[r]; return ok }) {
		s = strings.Map(func(r rune) rune {
			if v, ok := spellingVariants[r]; ok {
				return v
			}
			return r
		}, s)
	}
	return s
}

// Compact returns key without its spaces: search ignores spacing, so a
// term is looked for in the compact key of a name.
func Compact(key string) string {
	if strings.IndexByte(key, ' ') < 0 {
		return key
	}
	return strings.ReplaceAll(key, " ", "")
}

// Sort orders a search's results.
type Sort string

const (
	// SortNewest lists the newest products first; it is the default, and
	// "" means it too.
	SortNewest Sort = "newest"
	// SortRelevance lists the products by Rank, then newest first.
	SortRelevance Sort = "relevance"
)

// Rank is how well a product matches a search; lower is better.
// SortRelevance lists products by rank, then newest first.
type Rank uint8

const (
	// RankNameStart: every term is in the name, which starts with the
	// first term.
	RankNameStart Rank = iota
	// RankName: every term is in the name.
	RankName
	// RankBrandStart: some term is only in the brand's name; the product's
	// name starts with the first term.
	RankBrandStart
	// RankBrand: some term is only in the brand's name.
	RankBrand
	// NumRanks is the number of ranks.
	NumRanks
)

// Search is a parsed search query; the zero Search matches every product.
// Make one with ParseSearch.
type Search struct {
	terms  []string // compact keys, non-empty
	phrase string   // in phrase mode: the query's key, spaces kept
}

// ParseSearch parses a search query. The query is normalised with
// SearchKey and split on white space into terms, at most MaxSearchTerms;
// a product matches when every term occurs in the compact key (spaces
// removed) of its name or of its brand's name — each term in either. So
// "사과 잼", "사과잼" and "잼 사과" all find 유기농사과잼, and
// "유기농 사과" finds both 유기농 사과식초 and 유기농사과잼. Every character
// is an ordinary one: %, _, quotes and backslashes have no special meaning.
//
// With phrase, the query is one exact phrase instead, as search was before
// terms: the name's or the brand name's key must contain the query's key,
// spaces included ("유기농 사과" finds 유기농 사과식초, not 유기농사과잼).
//
// A query that is not valid UTF-8, is longer than 200 characters or has
// more than MaxSearchTerms words is a commerce.ValidationError on field q.
func ParseSearch(query string, phrase bool) (Search, error) {
	switch {
	case !utf8.ValidString(query):
		return Search{}, commerce.Invalid("q", "must be valid UTF-8")
	case utf8.RuneCountInString(query) > maxQueryLen:
		return Search{}, commerce.Invalid("q", fmt.Sprintf("must be at most %d characters", maxQueryLen))
	}
	key := SearchKey(query)
	if key == "" {
		return Search{}, nil
	}
	if phrase {
		return Search{terms: []string{Compact(key)}, phrase: key}, nil
	}
	terms := strings.Fields(key)
	if len(terms) > MaxSearchTerms {
		return Search{}, commerce.Invalid("q", fmt.Sprintf("must have at most %d words", MaxSearchTerms))
	}
	return Search{terms: terms}, nil
}

// MustParseSearch is ParseSearch without phrase, for tests and literals; it
// panics on a query that ParseSearch refuses.
func MustParseSearch(query string) Search {
	s, err := ParseSearch(query, false)
	if err != nil {
		panic(err)
	}
	return s
}

// IsZero reports whether s is the zero Search, which matches everything.
func (s Search) IsZero() bool { return len(s.terms) == 0 }

// Terms returns the compact keys that a matching product's name or brand
// name must each contain (in phrase mode, the phrase without spaces: a
// necessary condition, which Rank completes). An index may use them to find
// candidates; the caller must not change the slice.
func (s Search) Terms() []string { return s.terms }

// Phrase reports whether s is an exact phrase.
func (s Search) Phrase() bool { return s.phrase != "" }

// String returns the query as it was understood: its terms, separated by a
// space (in phrase mode, the phrase).
func (s Search) String() string {
	if s.phrase != "" {
		return s.phrase
	}
	return strings.Join(s.terms, " ")
}

// Rank reports whether a product whose name and brand name have the search
// keys nameKey and brandKey ("" without a brand) matches s, and how well.
// The zero Search matches every product with RankNameStart.
func (s Search) Rank(nameKey, brandKey string) (Rank, bool) {
	if len(s.terms) == 0 {
		return RankNameStart, true
	}
	if s.phrase != "" {
		rank := RankNameStart
		switch {
		case strings.Contains(nameKey, s.phrase):
		case strings.Contains(brandKey, s.phrase):
			rank = RankBrandStart
		default:
			return 0, false
		}
		if !strings.HasPrefix(nameKey, s.phrase) {
			rank++
		}
		return rank, true
	}
	rank := RankNameStart
	for _, t := range s.terms {
		switch {
		case containsCompact(nameKey, t):
		case containsCompact(brandKey, t):
			rank = RankBrandStart
		default:
			return 0, false
		}
	}
	if !hasPrefixCompact(nameKey, s.terms[0]) {
		rank++
	}
	return rank, true
}

// containsCompact reports whether Compact(key) contains term, which has no
// space, without making Compact(key).
func containsCompact(key, term string) bool {
	if strings.IndexByte(key, ' ') < 0 {
		return strings.Contains(key, term)
	}
	for i := 0; i < len(key); i++ {
		if key[i] != ' ' && hasPrefixCompact(key[i:], term) {
			return true
		}
	}
	return false
}

// hasPrefixCompact reports whether Compact(key) starts with term, which
// has no space.
func hasPrefixCompact(key, term string) bool {
	j := 0
	for i := 0; i < len(key) && j < len(term); i++ {
		switch {
		case key[i] == ' ':
		case key[i] == term[j]:
			j++
		default:
			return false
		}
	}
	return j == len(term)
}

// Matches reports whether a name whose search key is key contains every
// term of s (spaces ignored), or the phrase: how brands are searched.
func (s Search) Matches(key string) bool {
	if s.phrase != "" {
		return strings.Contains(key, s.phrase)
	}
	for _, t := range s.terms {
		if !containsCompact(key, t) {
			return false
		}
	}
	return true
}
