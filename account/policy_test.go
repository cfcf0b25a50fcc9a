package account

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestPasswordProblems(t *testing.T) {
	user := []Attr{
		{"username", "minjun.kim"},
		{"nickname", "푸른하늘바다"},
		{"email", "hello.world@example.com"},
	}
	const (
		short   = "must be at least 8 characters"
		digits  = "must not be only digits"
		common  = "is too common"
		tooLong = "is too long (at most 4096 bytes)"
	)
	tests := []struct {
		name     string
		password string
		attrs    []Attr
		want     []string
	}{
		{"strong random", "v7#Qm!2xLp@9zR", user, nil},
		{"long Korean passphrase", "우리 집 고양이는 햇볕을 좋아해요", user, nil},
		{"Korean with digits", "고양이와함께2024!", user, nil},
		{"emoji", "🦄🌈🔐 무지개 unicorn", user, nil},
		{"exactly 8", "xk3$Lq9!", nil, nil},
		{"no attributes", "minjunkim1", nil, nil},

		{"empty", "", nil, []string{short}},
		{"7 characters", "xk3$Lq9", nil, []string{short}},
		{"counts characters, not bytes", "고양이햇볕좋", nil, []string{short}},
		{"Korean 8 characters", "고양이햇볕좋아요", nil, nil},

		{"only digits", "98127634590", nil, []string{digits}},
		{"only full-width digits", "９８１２７６３４５", nil, []string{digits}},
		{"digits and a letter", "98127634590a", nil, nil},

		{"password", "password", nil, []string{common}},
		{"12345678", "12345678", nil, []string{digits, common}},
		{"mixed case", "PassWord1", nil, []string{common}},
		{"surrounding spaces", "  Trustno1 ", nil, []string{common}},
		{"iloveyou", "iloveyou", nil, []string{common}},
		{"qwertyuiop", "QWERTYUIOP", nil, []string{common}},
		{"1qaz2wsx", "1qaz2wsx", nil, []string{common}},
		{"short and common", "abc123", nil, []string{short, common}},

		{"like the username", "minjunkim1", user, []string{"is too similar to the username"}},
		{"username reversed", "kim.minjun", user, []string{"is too similar to the username"}},
		{"like the email's mailbox", "helloworld", user, []string{"is too similar to the email"}},
		{"like the email in capitals", "HelloWorld!", user, []string{"is too similar to the email"}},
		{"like the Korean nickname", "푸른하늘바다12", user, []string{"is too similar to the nickname"}},
		{"like a part of the username", "minjun12", user, []string{"is too similar to the username"}},
		{"unnamed attribute", "minjunkim1", []Attr{{Value: "minjun.kim"}}, []string{"is too similar to your account details"}},
		{"two similar values of one name", "helloworld", []Attr{{"email", "hello.world@example.com"}, {"email", "helloworld@example.org"}}, []string{"is too similar to the email"}},
		{"empty attribute", "helloworld", []Attr{{"email", ""}}, nil},
		{"short name inside a long phrase", "my cat kim sleeps in the sun all afternoon", []Attr{{"username", "kim"}}, nil},

		{"everything wrong", "1234567", []Attr{{"username", "1234567"}}, []string{short, digits, common, "is too similar to the username"}},

		{"4096 bytes", strings.Repeat("고", 1365) + "a", user, nil},
		{"4097 bytes", strings.Repeat("고", 1365) + "ab", user, []string{tooLong}},
		{"long and only digits", strings.Repeat("1", 5000), nil, []string{tooLong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PasswordProblems(tt.password, tt.attrs...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("PasswordProblems(%q) = %q, want %q", tt.password, got, tt.want)
			}
		})
	}
}

func TestQuickRatio(t *testing.T) {
	// Values from Python's difflib.SequenceMatcher(a=a, b=b).quick_ratio().
	tests := []struct {
		a, b string
		want float64
	}{
		{"helloworld", "hello", 2.0 / 3},
		{"helloworld", "hello.world", 0.9523809523809523},
		{"minjunkim1", "minjun.kim", 0.9},
		{"푸른하늘바다12", "푸른하늘바다", 0.8571428571428571},
		{"aab", "abb", 2.0 / 3},
		{"abc", "xyz", 0},
		{"비밀번호", "번호비밀", 1},
		{"", "", 1},
	}
	for _, tt := range tests {
		if got := quickRatio(tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("quickRatio(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"hello.world@example.com", []string{"hello", "world", "example", "com"}},
		{"minjun_kim", []string{"minjun_kim"}},
		{"김민준.kim-2", []string{"김민준", "kim", "2"}},
		{"...", nil},
	}
	for _, tt := range tests {
		if got := splitWords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	set := commonPasswords()
	if len(set) < 1000 {
		t.Errorf("the embedded list has %d passwords, want at least 1,000", len(set))
	}
	lines := strings.Split(strings.TrimSuffix(commonPasswordsText, "\n"), "\n")
	if len(lines) != len(set) {
		t.Errorf("the file has %d lines but %d distinct passwords", len(lines), len(set))
	}
	for i, line := range lines {
		if line == "" || line != strings.TrimSpace(strings.ToLower(line)) {
			t.Errorf("line %d is %q: not trimmed, lowercase and non-empty", i+1, line)
		}
	}
	for _, pw := range []string{"password", "12345678", "password1", "iloveyou", "trustno1", "qwertyuiop"} {
		if _, ok := set[pw]; !ok {
			t.Errorf("%q is not in the list", pw)
		}
	}
}
