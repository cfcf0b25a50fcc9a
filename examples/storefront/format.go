package storefront

import (
	"strings"

	"github.com/impactmuseum/commerce"
)

// formatMoney writes m as a Korean shop does: "12,000원" for won, and
// other currencies with their own minor digits and their code,
// "1,234.50 USD".
func formatMoney(m commerce.Money) string {
	digits, ok := commerce.CurrencyDigits(m.Currency)
	if !ok {
		digits = 2
	}
	s := m.Amount.StringFixed(digits)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	if m.Currency == "KRW" {
		b.WriteString("원")
	} else {
		b.WriteByte(' ')
		b.WriteString(m.Currency)
	}
	return b.String()
}
