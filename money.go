package commerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// currencyDigits gives the number of minor digits of each supported ISO 4217
// currency. A currency missing here is refused rather than guessed.
var currencyDigits = map[string]int32{
	"AED": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0,
	"CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2,
	"IDR": 2, "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0,
	"KWD": 3, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2,
	"PLN": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2,
	"TWD": 2, "UGX": 0, "USD": 2, "VND": 0, "XAF": 0, "XOF": 0, "ZAR": 2,
}

// CurrencyDigits returns the number of minor digits of an ISO 4217 currency
// code, and false if the engine does not know the currency.
func CurrencyDigits(currency string) (int32, bool) {
	d, ok := currencyDigits[currency]
	return d, ok
}

// ErrMixedCurrencies is returned by arithmetic on amounts of two currencies.
var ErrMixedCurrencies = fmt.Errorf("commerce: mixed currencies: %w", ErrInvalid)

// Money is an exact amount in one currency. The zero value has no currency
// and is not valid; make values with NewMoney or ParseMoney.
type Money struct {
	Amount   decimal.Decimal
	Currency string
}

// NewMoney checks that currency is known and that amount has no more
// fractional digits than the currency allows (15000.5 KRW is refused). The
// amount it returns is in canonical form: exactly the currency's digits
// (12.5 USD becomes 12.50), so that equal amounts are equal values.
func NewMoney(amount decimal.Decimal, currency string) (Money, error) {
	digits, ok := currencyDigits[currency]
	if !ok {
		return Money{}, fmt.Errorf("commerce: unknown currency %q: %w", currency, ErrInvalid)
	}
	if !amount.Equal(amount.Truncate(digits)) {
		return Money{}, fmt.Errorf("commerce: %s has %d minor digits, %s has more: %w", currency, digits, amount, ErrInvalid)
	}
	return Money{Amount: amount.Round(digits), Currency: currency}, nil
}

// ParseMoney parses a decimal string such as "15000" or "12.50" in currency.
func ParseMoney(amount, currency string) (Money, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(amount))
	if err != nil {
		return Money{}, fmt.Errorf("commerce: amount %q is not a decimal number: %w", amount, ErrInvalid)
	}
	return NewMoney(d, currency)
}

// MustMoney is ParseMoney for constants in code and tests; it panics on error.
func MustMoney(amount, currency string) Money {
	m, err := ParseMoney(amount, currency)
	if err != nil {
		panic(err)
	}
	return m
}

// Zero returns zero in currency, in canonical form.
func Zero(currency string) Money {
	return Money{Amount: decimal.New(0, -currencyDigits[currency]), Currency: currency}
}

// IsZero reports whether the amount is zero (whatever the currency).
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.Amount.IsNegative() }

// Valid reports whether m has a known currency and fits its digits.
func (m Money) Valid() bool {
	_, err := NewMoney(m.Amount, m.Currency)
	return err == nil
}

// Add returns m + o, or ErrMixedCurrencies.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: %s and %s", ErrMixedCurrencies, m.Currency, o.Currency)
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Sub returns m - o, or ErrMixedCurrencies.
func (m Money) Sub(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: %s and %s", ErrMixedCurrencies, m.Currency, o.Currency)
	}
	return Money{Amount: m.Amount.Sub(o.Amount), Currency: m.Currency}, nil
}

// Mul returns m × n rounded half-up to the currency's digits; it is how a
// line total is made from a unit price and a quantity.
func (m Money) Mul(n int64) Money {
	return Money{Amount: m.Amount.Mul(decimal.NewFromInt(n)), Currency: m.Currency}.Round()
}

// Round rounds half-up (away from zero at .5) to the currency's minor
// digits; the result is in canonical form.
func (m Money) Round() Money {
	digits := currencyDigits[m.Currency]
	return Money{Amount: m.Amount.Round(digits), Currency: m.Currency}
}

// Equal reports whether m and o are the same amount in the same currency
// (15000 and 15000.00 are equal).
func (m Money) Equal(o Money) bool {
	return m.Currency == o.Currency && m.Amount.Equal(o.Amount)
}

// Cmp compares two amounts of one currency: -1, 0 or +1. It panics on mixed
// currencies, which is a programming error at every call site.
func (m Money) Cmp(o Money) int {
	if m.Currency != o.Currency {
		panic(fmt.Sprintf("commerce: comparing %s with %s", m.Currency, o.Currency))
	}
	return m.Amount.Cmp(o.Amount)
}

// AmountString formats the amount with exactly the currency's minor digits:
// "15000" for KRW, "12.50" for USD.
func (m Money) AmountString() string {
	return m.Amount.StringFixed(currencyDigits[m.Currency])
}

// String formats as "15000 KRW".
func (m Money) String() string { return m.AmountString() + " " + m.Currency }

type moneyJSON struct {
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
}

// MarshalJSON writes {"amount":"15000","currency":"KRW"}, the amount as a
// decimal string so that no client parses it into a float.
func (m Money) MarshalJSON() ([]byte, error) {
	amount, _ := json.Marshal(m.AmountString())
	return json.Marshal(moneyJSON{Amount: amount, Currency: m.Currency})
}

// UnmarshalJSON reads {"amount":"15000","currency":"KRW"}. The amount must
// be a string; the currency must be known and the amount must fit its digits.
func (m *Money) UnmarshalJSON(data []byte) error {
	var raw moneyJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("commerce: money must be {\"amount\": \"…\", \"currency\": \"…\"}: %w", ErrInvalid)
	}
	var amount string
	if err := json.Unmarshal(raw.Amount, &amount); err != nil {
		return fmt.Errorf("commerce: money amount must be a decimal string such as \"15000\": %w", ErrInvalid)
	}
	v, err := ParseMoney(amount, raw.Currency)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
