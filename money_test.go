package commerce_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce"
)

func TestParseMoney(t *testing.T) {
	cases := []struct {
		amount, currency string
		want             string // AmountString, or "" for an error
	}{
		{"15000", "KRW", "15000"},
		{"15000.00", "KRW", "15000"},
		{"15000.5", "KRW", ""},
		{"12.5", "USD", "12.50"},
		{"12.505", "USD", ""},
		{"1.125", "KWD", "1.125"},
		{"0", "JPY", "0"},
		{"-3", "KRW", "-3"},
		{"abc", "KRW", ""},
		{"", "KRW", ""},
		{"1e3", "KRW", "1000"},
		{"100", "krw", ""},
		{"100", "XYZ", ""},
		{"100", "", ""},
	}
	for _, c := range cases {
		m, err := commerce.ParseMoney(c.amount, c.currency)
		if c.want == "" {
			if !errors.Is(err, commerce.ErrInvalid) {
				t.Errorf("ParseMoney(%q, %q): got %v, %v; want an ErrInvalid", c.amount, c.currency, m, err)
			}
			continue
		}
		if err != nil || m.AmountString() != c.want {
			t.Errorf("ParseMoney(%q, %q): got %q, %v; want %q", c.amount, c.currency, m.AmountString(), err, c.want)
		}
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a := commerce.MustMoney("15000", "KRW")
	b := commerce.MustMoney("2500", "KRW")
	sum, err := a.Add(b)
	if err != nil || sum.AmountString() != "17500" {
		t.Errorf("Add: %s, %v", sum, err)
	}
	diff, err := b.Sub(a)
	if err != nil || diff.AmountString() != "-12500" || !diff.IsNegative() {
		t.Errorf("Sub: %s, %v", diff, err)
	}
	if _, err := a.Add(commerce.MustMoney("1", "USD")); !errors.Is(err, commerce.ErrMixedCurrencies) || !errors.Is(err, commerce.ErrInvalid) {
		t.Errorf("Add across currencies: %v, want ErrMixedCurrencies", err)
	}
	if _, err := a.Sub(commerce.MustMoney("1", "USD")); !errors.Is(err, commerce.ErrMixedCurrencies) {
		t.Errorf("Sub across currencies: %v, want ErrMixedCurrencies", err)
	}
	if got := a.Mul(3).AmountString(); got != "45000" {
		t.Errorf("Mul: %s", got)
	}
	// Half-up rounding to the currency's digits, once per line.
	third := commerce.Money{Amount: decimal.RequireFromString("0.125"), Currency: "USD"}
	if got := third.Round().AmountString(); got != "0.13" {
		t.Errorf("Round(0.125 USD) = %s, want 0.13", got)
	}
	if got := (commerce.Money{Amount: decimal.RequireFromString("-0.125"), Currency: "USD"}).Round().AmountString(); got != "-0.13" {
		t.Errorf("Round(-0.125 USD) = %s, want -0.13", got)
	}
	if !commerce.MustMoney("15000", "KRW").Equal(commerce.MustMoney("15000.000", "KRW")) {
		t.Error("15000 and 15000.000 KRW differ")
	}
	if commerce.MustMoney("1", "KRW").Equal(commerce.MustMoney("1", "JPY")) {
		t.Error("1 KRW equals 1 JPY")
	}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(a) != 0 {
		t.Error("Cmp")
	}
	// Equal amounts are equal values: the canonical form has exactly the
	// currency's digits.
	if m := commerce.MustMoney("12.5", "USD"); m.Amount.Exponent() != -2 || !reflect.DeepEqual(m, commerce.MustMoney("12.500", "USD")) {
		t.Errorf("MustMoney(12.5 USD) is not canonical: %#v", m.Amount)
	}
	if !commerce.Zero("KRW").IsZero() {
		t.Error("Zero is not zero")
	}
}

func TestMoneyJSON(t *testing.T) {
	b, err := json.Marshal(commerce.MustMoney("15000", "KRW"))
	if err != nil || string(b) != `{"amount":"15000","currency":"KRW"}` {
		t.Errorf("Marshal KRW: %s, %v", b, err)
	}
	b, _ = json.Marshal(commerce.MustMoney("12.5", "USD"))
	if string(b) != `{"amount":"12.50","currency":"USD"}` {
		t.Errorf("Marshal USD: %s", b)
	}
	var m commerce.Money
	if err := json.Unmarshal([]byte(`{"amount":"15000","currency":"KRW"}`), &m); err != nil || !m.Equal(commerce.MustMoney("15000", "KRW")) {
		t.Errorf("Unmarshal: %v, %v", m, err)
	}
	for _, bad := range []string{
		`{"amount":15000,"currency":"KRW"}`, // a number could have gone through a float
		`{"amount":"15000.5","currency":"KRW"}`,
		`{"amount":"15000","currency":"ABC"}`,
		`{"amount":"15000"}`,
		`{"amount":"15000","currency":"KRW","extra":1}`,
		`"15000"`,
		`null`,
	} {
		var m commerce.Money
		if err := json.Unmarshal([]byte(bad), &m); !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("Unmarshal(%s): %v, want ErrInvalid", bad, err)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"15000", "12.50", "-1", "1e5", "0.0001"} {
		f.Add(s, "USD")
		f.Add(s, "KRW")
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		m, err := commerce.ParseMoney(amount, currency)
		if err != nil {
			return
		}
		// What parses formats back to a value that parses to the same money.
		again, err := commerce.ParseMoney(m.AmountString(), m.Currency)
		if err != nil || !again.Equal(m) {
			t.Fatalf("%q %s: round trip gave %v, %v", amount, currency, again, err)
		}
	})
}
