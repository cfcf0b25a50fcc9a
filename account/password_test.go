package account

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/impactmuseum/commerce"
)

// djangoHashes were made with Python's hashlib, which is what Django's
// PBKDF2 hashers call, with random 22-character salts (12 for the legacy
// ones, as Django made them before 3.2):
//
//	h = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
//	"pbkdf2_sha256$%d$%s$%s" % (iterations, salt, base64.b64encode(h).decode())
//
// and "sha1" in place of "sha256" for pbkdf2_sha1.
var djangoHashes = []struct {
	password, encoded string
	iterations        int
	// rehash is what Verify should say with DefaultIterations.
	rehash bool
}{
	{"password", "pbkdf2_sha256$1000$bj6PqFlYsgu2PKre2odjGT$N6QRb+IVNV73AVOQOQ1RLhEXXA+xdVGcU0t24K93Vtg=", 1000, true},
	{"비밀번호1234!", "pbkdf2_sha256$1000$u96Uoml4HODMzhaSamnr6a$sWft2VFjiN8h2RUiPzos26ghwcQe7Zh6NSgofipCGLM=", 1000, true},
	{"비밀번호1234!", "pbkdf2_sha256$36000$DMHy3jimuax4qwVEYod5ph$LtI4gNu6ej6XOUgHaawu+DJVioxtA5+elUe1EabU0BE=", 36000, true},
	{"correct horse battery staple", "pbkdf2_sha256$260000$gkfh7Qp8qoCvgoP9yy0pAN$la5zQESXxLDBzE9P7V4Yb0W5s1twJx++rJqdROILc48=", 260000, true},
	{"🔐 내 비밀 🦄 secret", "pbkdf2_sha256$600000$mLPm2KXgMhrqAv2BCiQ9vT$A8BO3sBgJ42aMTWKMYRqIsL5hlvVbDdXAJqpJ5ijYiU=", 600000, false},
	{"legacy-salt", "pbkdf2_sha256$1000$B1S0uAn9fCdf$F0UrTgOmwRNFX5wiiiUsgLXs13sMCcuCcAWPyUM6hS0=", 1000, true},
	{"old-sha1-hash", "pbkdf2_sha1$1000$cnmWzMzfqSNZ$r0uYiLyfWcYczw2M3062TJUfdvY=", 1000, true},
}

func TestVerifyDjangoHashes(t *testing.T) {
	h := NewHasher(nil)
	for _, v := range djangoHashes {
		t.Run(v.encoded[:20], func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), v.password, v.encoded)
			if err != nil || !ok || rehash != v.rehash {
				t.Errorf("Verify(%q) = %v, %v, %v; want true, %v, nil", v.password, ok, rehash, err, v.rehash)
			}
		})
	}
}

func TestVerifyRehashAtSameIterations(t *testing.T) {
	// At 1,000 iterations only the legacy salt and the old algorithm ask
	// for a new hash.
	h := NewHasher(&HasherOptions{Iterations: 1000})
	for _, v := range djangoHashes {
		if v.iterations != 1000 {
			continue
		}
		ok, rehash, err := h.Verify(t.Context(), v.password, v.encoded)
		want := strings.HasPrefix(v.encoded, "pbkdf2_sha1$") || v.password == "legacy-salt"
		if err != nil || !ok || rehash != want {
			t.Errorf("Verify(%q) = %v, %v, %v; want true, %v, nil", v.password, ok, rehash, err, want)
		}
	}
	// A hash stronger than the setting is kept.
	strong := NewHasher(&HasherOptions{Iterations: 2000})
	enc, err := strong.Hash(t.Context(), "stronger than needed")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify(t.Context(), "stronger than needed", enc); err != nil || !ok || rehash {
		t.Errorf("Verify(2,000 iterations) at 1,000 = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestEncodeMatchesDjango(t *testing.T) {
	for _, v := range djangoHashes {
		if v.iterations > 36000 {
			continue // the costly ones are covered by TestVerifyDjangoHashes
		}
		alg, rest, _ := strings.Cut(v.encoded, "$")
		newHash := sha256.New
		if alg == algPBKDF2SHA1 {
			newHash = sha1.New
		}
		stored, err := parsePBKDF2(alg, newHash, rest)
		if err != nil {
			t.Fatalf("parsePBKDF2(%q): %v", v.encoded, err)
		}
		p := stored.(*pbkdf2Hash)
		key, err := derive(p.newHash, v.password, p.salt, p.iterations)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeHash(p.alg, p.iterations, p.salt, key); got != v.encoded {
			t.Errorf("encodeHash(%q) = %q, want %q", v.password, got, v.encoded)
		}
	}
}

func TestVerifyWrongPassword(t *testing.T) {
	h := NewHasher(&HasherOptions{Iterations: 1000})
	for _, v := range djangoHashes {
		if v.iterations != 1000 {
			continue
		}
		for _, wrong := range []string{"", v.password + " ", strings.ToUpper(v.password), "비밀번호1234", "wrong"} {
			if wrong == v.password {
				continue
			}
			ok, rehash, err := h.Verify(t.Context(), wrong, v.encoded)
			if err != nil || ok || rehash {
				t.Errorf("Verify(%q, hash of %q) = %v, %v, %v; want false, false, nil", wrong, v.password, ok, rehash, err)
			}
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	const good = "pbkdf2_sha256$1000$bj6PqFlYsgu2PKre2odjGT$N6QRb+IVNV73AVOQOQ1RLhEXXA+xdVGcU0t24K93Vtg="
	if ok, _, _ := NewHasher(&HasherOptions{Iterations: 1000}).Verify(t.Context(), "password", good); !ok {
		t.Fatal("the unaltered hash does not verify")
	}
	// No password: false and no error.
	h := NewHasher(&HasherOptions{Iterations: 1000})
	for _, enc := range []string{"", "!", "!Xq3bR7mUe1pQ9zLk2vW8sT4nY6cH0jAfG5dE", "!" + good} {
		if ok, rehash, err := h.Verify(t.Context(), "password", enc); err != nil || ok || rehash {
			t.Errorf("Verify(%q) = %v, %v, %v; want false, false, nil", enc, ok, rehash, err)
		}
	}
	// Anything else that cannot be verified is an *UnsupportedHashError.
	tests := []struct{ name, encoded, alg string }{
		{"other algorithm", "pbkdf2_sha512" + strings.TrimPrefix(good, "pbkdf2_sha256"), algUnknown},
		{"upper-case prefix", strings.Replace(good, "pbkdf2_sha256", "PBKDF2_SHA256", 1), algUnknown},
		{"missing hash", "pbkdf2_sha256$1000$bj6PqFlYsgu2PKre2odjGT", algPBKDF2SHA256},
		{"empty hash", "pbkdf2_sha256$1000$bj6PqFlYsgu2PKre2odjGT$", algPBKDF2SHA256},
		{"empty salt", "pbkdf2_sha256$1000$$N6QRb+IVNV73AVOQOQ1RLhEXXA+xdVGcU0t24K93Vtg=", algPBKDF2SHA256},
		{"algorithm only", "pbkdf2_sha256", algPBKDF2SHA256},
		{"dollars only", "$$$", algUnknown},
		{"bad base64", strings.Replace(good, "N6QRb+", "N6QRb*", 1), algPBKDF2SHA256},
		{"unpadded base64", strings.TrimSuffix(good, "="), algPBKDF2SHA256},
		{"short key", "pbkdf2_sha256$1000$bj6PqFlYsgu2PKre2odjGT$N6QRb+IVNV73AVOQOQ1RLhEXXA+xdVGc", algPBKDF2SHA256},
		{"sha1 key length", strings.Replace(good, "pbkdf2_sha256", "pbkdf2_sha1", 1), algPBKDF2SHA1},
		{"extra part", good + "$extra", algPBKDF2SHA256},
		{"non-numeric iterations", strings.Replace(good, "$1000$", "$1e3$", 1), algPBKDF2SHA256},
		{"signed iterations", strings.Replace(good, "$1000$", "$+1000$", 1), algPBKDF2SHA256},
		{"negative iterations", strings.Replace(good, "$1000$", "$-1000$", 1), algPBKDF2SHA256},
		{"zero iterations", strings.Replace(good, "$1000$", "$0$", 1), algPBKDF2SHA256},
		{"leading zero", strings.Replace(good, "$1000$", "$01000$", 1), algPBKDF2SHA256},
		{"empty iterations", strings.Replace(good, "$1000$", "$$", 1), algPBKDF2SHA256},
		{"huge iterations", strings.Replace(good, "$1000$", "$10000001$", 1), algPBKDF2SHA256},
		{"overflowing iterations", strings.Replace(good, "$1000$", "$99999999999999999999999999$", 1), algPBKDF2SHA256},
		{"spaces", " " + good, algUnknown},
	}
	// A salt that is not UTF-8 is still a salt: the hash is of another
	// password (or cannot be checked in FIPS 140-only mode).
	notUTF8 := "pbkdf2_sha256$1000$\xff\xfe$N6QRb+IVNV73AVOQOQ1RLhEXXA+xdVGcU0t24K93Vtg="
	if ok, rehash, err := h.Verify(t.Context(), "password", notUTF8); ok || rehash || err != nil && !errors.Is(err, ErrUnsupportedHash) {
		t.Errorf("Verify(salt not UTF-8) = %v, %v, %v; want false, false", ok, rehash, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), "password", tt.encoded)
			var unsupported *UnsupportedHashError
			if !errors.As(err, &unsupported) || !errors.Is(err, ErrUnsupportedHash) || ok || rehash {
				t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, an *UnsupportedHashError", tt.encoded, ok, rehash, err)
			}
			if unsupported.Algorithm != tt.alg {
				t.Errorf("Algorithm = %q, want %q", unsupported.Algorithm, tt.alg)
			}
		})
	}
}

func TestUnverifiableHashTakesASlot(t *testing.T) {
	// A malformed hash, including one whose iteration count is refused,
	// queues for a slot like a real verification and does its work there
	// (BenchmarkVerifyMalformedDefault shows the cost is the same).
	h := NewHasher(&HasherOptions{Iterations: 1000, MaxConcurrent: 1})
	var slots atomic.Int32
	h.inSlot = func() { slots.Add(1) }
	for _, enc := range []string{"", "pbkdf2_sha256$99999999$salt$hash"} {
		if _, _, err := h.Verify(t.Context(), "password", enc); err != nil && !errors.Is(err, ErrUnsupportedHash) {
			t.Fatal(err)
		}
	}
	if err := h.VerifyNothing(t.Context(), "password"); err != nil {
		t.Fatal(err)
	}
	if got := slots.Load(); got != 3 {
		t.Errorf("slots taken = %d, want 3", got)
	}
}

var hashFormat = regexp.MustCompile(`^pbkdf2_sha256\$([0-9]+)\$[a-zA-Z0-9]{22}\$[A-Za-z0-9+/]{43}=$`)

func TestHash(t *testing.T) {
	h := NewHasher(&HasherOptions{Iterations: 1200})
	for _, pw := range []string{"password", "비밀번호1234!", "🔐 내 비밀 🦄 secret", "", strings.Repeat("긴", 2000)} {
		enc, err := h.Hash(t.Context(), pw)
		if err != nil {
			t.Fatal(err)
		}
		m := hashFormat.FindStringSubmatch(enc)
		if m == nil || m[1] != "1200" {
			t.Errorf("Hash(%q) = %q, not in Django's format at 1200 iterations", pw, enc)
			continue
		}
		if ok, rehash, err := h.Verify(t.Context(), pw, enc); err != nil || !ok || rehash {
			t.Errorf("Verify(%q, Hash) = %v, %v, %v; want true, false, nil", pw, ok, rehash, err)
		}
		if ok, _, _ := h.Verify(t.Context(), pw+"x", enc); ok {
			t.Errorf("Verify(%q) accepted the hash of %q", pw+"x", pw)
		}
	}
}

func TestHashSalts(t *testing.T) {
	h := NewHasher(&HasherOptions{Iterations: 1})
	seen := make(map[string]bool)
	for range 50 {
		enc, err := h.Hash(t.Context(), "same password")
		if err != nil {
			t.Fatal(err)
		}
		if seen[enc] {
			t.Fatalf("Hash returned %q twice", enc)
		}
		seen[enc] = true
	}
	// Each of the 62 characters turns up, and nothing else.
	chars := make(map[byte]int)
	for range 200 {
		for _, c := range []byte(newSalt()) {
			chars[c]++
		}
	}
	if len(chars) != len(saltChars) {
		t.Errorf("salts used %d distinct characters, want %d", len(chars), len(saltChars))
	}
	for c := range chars {
		if !strings.ContainsRune(saltChars, rune(c)) {
			t.Errorf("salt character %q is not in [a-zA-Z0-9]", c)
		}
	}
}

func TestNewHasherDefaults(t *testing.T) {
	for _, opts := range []*HasherOptions{nil, {}, {Iterations: -5, MaxConcurrent: -1}} {
		h := NewHasher(opts)
		if h.Iterations() != DefaultIterations {
			t.Errorf("Iterations() = %d, want %d", h.Iterations(), DefaultIterations)
		}
		if cap(h.slots) < 1 {
			t.Errorf("MaxConcurrent = %d, want at least 1", cap(h.slots))
		}
	}
	if got := NewHasher(&HasherOptions{Iterations: 36000, MaxConcurrent: 3}); got.Iterations() != 36000 || cap(got.slots) != 3 {
		t.Errorf("NewHasher(36000, 3) = %d iterations, %d slots", got.Iterations(), cap(got.slots))
	}
	defer func() {
		if recover() == nil {
			t.Error("NewHasher with Iterations above MaxIterations did not panic")
		}
	}()
	NewHasher(&HasherOptions{Iterations: MaxIterations + 1})
}

func TestMaxConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit, calls = 3, 12
		h := NewHasher(&HasherOptions{Iterations: 1, MaxConcurrent: limit})
		var inSlot, peak atomic.Int32
		proceed := make(chan struct{})
		h.inSlot = func() {
			n := inSlot.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			<-proceed
			inSlot.Add(-1)
		}
		enc, err := NewHasher(&HasherOptions{Iterations: 1}).Hash(t.Context(), "pw")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				var err error
				switch i % 3 {
				case 0:
					_, err = h.Hash(t.Context(), "pw")
				case 1:
					_, _, err = h.Verify(t.Context(), "pw", enc)
				case 2:
					err = h.VerifyNothing(t.Context(), "pw")
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		// Let one call at a time through; every time all goroutines are
		// blocked, exactly the limit must be at work while calls remain.
		for left := calls; left > 0; left-- {
			synctest.Wait()
			want := int32(min(limit, left))
			if got := inSlot.Load(); got != want {
				t.Errorf("%d calls at work with %d left, want %d", got, left, want)
				break
			}
			proceed <- struct{}{}
		}
		close(proceed) // lets any calls left finish, after a failure
		wg.Wait()
		if got := peak.Load(); got != limit {
			t.Errorf("peak concurrency = %d, want %d", got, limit)
		}
	})
}

func TestCanceledContext(t *testing.T) {
	h := NewHasher(&HasherOptions{Iterations: 1000, MaxConcurrent: 1})
	const enc = "pbkdf2_sha256$1000$bj6PqFlYsgu2PKre2odjGT$N6QRb+IVNV73AVOQOQ1RLhEXXA+xdVGcU0t24K93Vtg="
	check := func(t *testing.T, ctx context.Context, want error) {
		t.Helper()
		ended := func(err error) bool { return errors.Is(err, want) && errors.Is(err, commerce.ErrUnavailable) }
		if _, err := h.Hash(ctx, "password"); !ended(err) {
			t.Errorf("Hash: err = %v, want %v, as unavailable", err, want)
		}
		if ok, rehash, err := h.Verify(ctx, "password", enc); !ended(err) || ok || rehash {
			t.Errorf("Verify = %v, %v, %v; want false, false, %v", ok, rehash, err, want)
		}
		if err := h.VerifyNothing(ctx, "password"); !ended(err) {
			t.Errorf("VerifyNothing: err = %v, want %v, as unavailable", err, want)
		}
	}

	t.Run("before the call", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		check(t, ctx, context.Canceled)
	})

	t.Run("while waiting for a slot", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := NewHasher(&HasherOptions{Iterations: 1, MaxConcurrent: 1})
			hold := make(chan struct{})
			h.inSlot = func() { <-hold }
			go h.VerifyNothing(context.Background(), "holder")
			synctest.Wait() // the only slot is taken

			ctx, cancel := context.WithCancel(t.Context())
			errs := make(chan error, 1)
			go func() {
				_, err := h.Hash(ctx, "password")
				errs <- err
			}()
			synctest.Wait() // Hash is waiting for the slot
			cancel()
			if err := <-errs; !errors.Is(err, context.Canceled) || !errors.Is(err, commerce.ErrUnavailable) {
				t.Errorf("Hash: err = %v, want ctx.Err() = %v, as unavailable", err, ctx.Err())
			}
			close(hold)
		})
	})

	t.Run("deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := NewHasher(&HasherOptions{Iterations: 1, MaxConcurrent: 1})
			hold := make(chan struct{})
			h.inSlot = func() { <-hold }
			go h.VerifyNothing(context.Background(), "holder")
			synctest.Wait()
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			if _, _, err := h.Verify(ctx, "password", enc); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, commerce.ErrUnavailable) {
				t.Errorf("Verify: err = %v, want %v, as unavailable", err, context.DeadlineExceeded)
			}
			close(hold)
		})
	})
}

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(nil)
	for b.Loop() {
		if _, err := h.Hash(b.Context(), "비밀번호1234!"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyMalformedDefault(b *testing.B) {
	h := NewHasher(nil)
	for b.Loop() {
		if ok, _, err := h.Verify(b.Context(), "비밀번호1234!", ""); err != nil || ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkVerifyNothingDefault(b *testing.B) {
	h := NewHasher(nil)
	for b.Loop() {
		if err := h.VerifyNothing(b.Context(), "비밀번호1234!"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDefault(b *testing.B) {
	h := NewHasher(nil)
	enc, err := h.Hash(b.Context(), "비밀번호1234!")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := h.Verify(b.Context(), "비밀번호1234!", enc); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
