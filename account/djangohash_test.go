package account

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// djangoVector is one hash of testdata/django-hashes.json, made by real
// Django (testdata/django_hashes.py says how).
type djangoVector struct {
	Hasher   string `json:"hasher"`
	Params   string `json:"params"`
	Password string `json:"password"`
	// Wrong is a password Django refuses for Encoded.
	Wrong   string `json:"wrong"`
	Encoded string `json:"encoded"`
	// Cheap says that the parameters were lowered to keep the tests fast,
	// below the floor of Verify.
	Cheap bool `json:"cheap"`
	// Supported says whether Verify can verify the format; Django can.
	Supported bool `json:"supported"`
}

const (
	// djangoScript makes the vectors and checks hashes with Django.
	djangoScript = "testdata/django_hashes.py"
	// djangoPython is Debian's Python, which has python3-django; the
	// Python first on PATH may be another.
	djangoPython = "/usr/bin/python3"
	// fixtureIterations is the Hasher setting the vectors are checked at:
	// the script's PBKDF2 hashes have as many or more.
	fixtureIterations = 1000
)

// djangoPasswords are the passwords the script hashes with every hasher:
// ASCII, Korean, emoji, one character, 128 characters, spaces, and the
// formats' separators.
var djangoPasswords = []string{
	"password1234",
	"비밀번호는 안전해요",
	"🔐🦄✨",
	"x",
	strings.Repeat("0123456789abcdef", 8),
	"  spaces inside and around  ",
	"pa$$:word$1:",
}

// wantRehash is what Verify should say of a vector's right password at
// fixtureIterations.
func wantRehash(v djangoVector) bool {
	switch v.Hasher {
	case algPBKDF2SHA256:
		return false // 22-character salts, fixtureIterations or more
	case algArgon2, algBcrypt, algBcryptSHA256, algScrypt:
		return v.Cheap
	default:
		return true // pbkdf2_sha1 and the legacy digests
	}
}

func readDjangoVectors(t *testing.T, data []byte) []djangoVector {
	t.Helper()
	var vectors []djangoVector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatalf("reading the vectors: %v", err)
	}
	return vectors
}

// checkDjangoVectors verifies every vector with its password and its wrong
// one, and that the vectors cover every hasher with every password.
func checkDjangoVectors(t *testing.T, vectors []djangoVector) {
	t.Helper()
	// Every hasher Django ships, and the formats Verify refuses; each of
	// the first with every password.
	all := map[string]bool{
		algPBKDF2SHA256: true, algPBKDF2SHA1: true, algArgon2: true, algBcryptSHA256: true, algBcrypt: true,
		algScrypt: true, algSHA1: true, algMD5: true, algUnsaltedSHA1: true, algUnsaltedMD5: true,
	}
	passwords := make(map[string][]string)
	var refused []string
	for _, v := range vectors {
		if v.Supported {
			passwords[v.Hasher] = append(passwords[v.Hasher], v.Password)
		} else {
			refused = append(refused, v.Hasher+" "+v.Params)
		}
	}
	for alg := range all {
		for _, pw := range djangoPasswords {
			if !slices.Contains(passwords[alg], pw) {
				t.Errorf("no %s vector of %q", alg, pw)
			}
		}
	}
	for _, want := range []string{"crypt", "argon2 argon2d", "argon2 argon2i, v=16", "argon2 argon2i, no v="} {
		if !slices.ContainsFunc(refused, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no unsupported vector %q", want)
		}
	}

	h := NewHasher(&HasherOptions{Iterations: fixtureIterations})
	for i, v := range vectors {
		t.Run(fmt.Sprintf("%d %s %s", i, v.Hasher, v.Params), func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(t.Context(), v.Password, v.Encoded)
			if !v.Supported {
				var unsupported *UnsupportedHashError
				if !errors.As(err, &unsupported) || ok || rehash {
					t.Fatalf("Verify(%q, %q) = %v, %v, %v; want an *UnsupportedHashError", v.Password, v.Encoded, ok, rehash, err)
				}
				if unsupported.Algorithm != v.Hasher {
					t.Errorf("Algorithm = %q, want %q", unsupported.Algorithm, v.Hasher)
				}
				if _, _, err := h.Verify(t.Context(), v.Wrong, v.Encoded); !errors.Is(err, ErrUnsupportedHash) {
					t.Errorf("Verify(wrong password) err = %v, want ErrUnsupportedHash", err)
				}
				return
			}
			if want := wantRehash(v); err != nil || !ok || rehash != want {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want true, %v, nil", v.Password, v.Encoded, ok, rehash, err, want)
			}
			if !wantRehash(v) && v.Hasher != algPBKDF2SHA256 {
				return // slow on purpose; the cheap ones try wrong passwords
			}
			if ok, rehash, err := h.Verify(t.Context(), v.Wrong, v.Encoded); err != nil || ok || rehash {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want false, false, nil", v.Wrong, v.Encoded, ok, rehash, err)
			}
		})
	}
}

// TestDjangoFixture checks the vectors of testdata/django-hashes.json,
// made by real Django.
func TestDjangoFixture(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "django-hashes.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkDjangoVectors(t, readDjangoVectors(t, data))
}

// requireDjango skips the test unless CI=true, and there fails it when
// Debian's Python with Django is missing.
func requireDjango(t *testing.T) {
	t.Helper()
	const need = djangoPython + " with python3-django, python3-argon2 and python3-bcrypt " +
		"(apt-get install -y python3-django python3-argon2 python3-bcrypt)"
	if os.Getenv("CI") != "true" {
		t.Skip("checks against real Django run under CI=true; they need " + need)
	}
	if out, err := exec.Command(djangoPython, "-c", "import django, argon2, bcrypt").CombinedOutput(); err != nil {
		t.Fatalf("CI=true and no Django: this test needs %s: %v\n%s", need, err, out)
	}
}

// runDjango runs the script with args, stdin as its input, and returns
// what it prints.
func runDjango(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), djangoPython, append([]string{djangoScript}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", djangoPython, djangoScript, err, stderr.Bytes())
	}
	return out
}

// TestDjangoLive has real Django make new hashes, with new salts, for
// Verify to check.
func TestDjangoLive(t *testing.T) {
	requireDjango(t)
	checkDjangoVectors(t, readDjangoVectors(t, runDjango(t, nil)))
}

// TestDjangoChecksOurHashes has real Django's check_password check hashes
// made by Hash.
func TestDjangoChecksOurHashes(t *testing.T) {
	requireDjango(t)
	type item struct {
		Password string `json:"password"`
		Encoded  string `json:"encoded"`
		OK       bool   `json:"ok"`
	}
	h := NewHasher(&HasherOptions{Iterations: fixtureIterations})
	var items []item
	for _, pw := range djangoPasswords {
		enc, err := h.Hash(t.Context(), pw)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{pw, enc, true}, item{"Wrong-" + pw, enc, false}, item{pw + " ", enc, false})
	}
	in, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	var got []item
	if err := json.Unmarshal(runDjango(t, in, "check"), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(items) {
		t.Fatalf("Django answered %d hashes, want %d", len(got), len(items))
	}
	for i, want := range items {
		if got[i].OK != want.OK {
			t.Errorf("Django's check_password(%q, %q) = %v, want %v", want.Password, want.Encoded, got[i].OK, want.OK)
		}
	}
}

// TestBcryptReadsSeventyTwoBytes: Django's plain bcrypt hasher hands
// Python's bcrypt the password, which reads its first 72 bytes; Verify
// does the same, while bcrypt_sha256 counts every byte.
func TestBcryptReadsSeventyTwoBytes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "django-hashes.json"))
	if err != nil {
		t.Fatal(err)
	}
	long := djangoPasswords[4]
	h := NewHasher(&HasherOptions{Iterations: fixtureIterations})
	seen := 0
	for _, v := range readDjangoVectors(t, data) {
		if v.Password != long || !v.Cheap || v.Hasher != algBcrypt && v.Hasher != algBcryptSHA256 {
			continue
		}
		seen++
		ok, _, err := h.Verify(t.Context(), long[:72]+"something else", v.Encoded)
		if err != nil || ok != (v.Hasher == algBcrypt) {
			t.Errorf("%s: Verify(same first 72 bytes) = %v, %v; want %v", v.Hasher, ok, err, v.Hasher == algBcrypt)
		}
		if ok, _, _ := h.Verify(t.Context(), long[:71], v.Encoded); ok {
			t.Errorf("%s: Verify(the first 71 bytes) = true", v.Hasher)
		}
	}
	if seen != 2 {
		t.Fatalf("found %d bcrypt vectors of the long password, want 2", seen)
	}
}

// unsupportedHashes are hashes Verify cannot verify, with the algorithm it
// names. The Argon2 1.0 ones are Django's test suite's, of "secret"; Django
// verifies them.
var unsupportedHashes = []struct{ name, encoded, alg string }{
	{"unknown algorithm", "pbkdf2_sha512$1000$salt$a2V5", algUnknown},
	{"no dollar", "plain text that is no hash", algUnknown},
	{"crypt", "crypt$$abJnggxhB/yWI", algCrypt},
	{"unsalted name", "unsalted_md5$5f4dcc3b5aa765d61d8327deb882cf99", algUnsaltedMD5},

	// Argon2.
	{"argon2d", "argon2$argon2d$v=19$m=256,t=1,p=1$c29tZXNhbHQ$X1VxA84tr0bHGwcQA1zGLg", algArgon2},
	{"argon2 1.0", "argon2$argon2i$v=16$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg", algArgon2},
	{"argon2 without v=", "argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg", algArgon2},
	{"argon2 version 20", "argon2$argon2id$v=20$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 variant", "argon2$argon2x$v=19$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 memory cap", "argon2$argon2id$v=19$m=1048577,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 work cap", "argon2$argon2id$v=19$m=1048576,t=5,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 lanes cap", "argon2$argon2id$v=19$m=1024,t=1,p=65$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 memory per lane", "argon2$argon2id$v=19$m=8,t=1,p=2$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 zero passes", "argon2$argon2id$v=19$m=8,t=0,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 zero lanes", "argon2$argon2id$v=19$m=8,t=1,p=0$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 parameter order", "argon2$argon2id$v=19$t=1,m=8,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 missing parameter", "argon2$argon2id$v=19$m=8,t=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 huge parameter", "argon2$argon2id$v=19$m=99999999999999999999999,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 short salt", "argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdA$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 padded salt", "argon2$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ=$YC9+jJCrQhs5R6db7LlN8Q", algArgon2},
	{"argon2 short key", "argon2$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$YC9+", algArgon2},
	{"argon2 empty key", "argon2$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$", algArgon2},
	{"argon2 extra part", "argon2$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q$x", algArgon2},
	{"argon2 only", "argon2$", algArgon2},

	// BCrypt.
	{"bcrypt cost cap", "bcrypt_sha256$$2b$17$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbm", algBcryptSHA256},
	{"bcrypt cost 32", "bcrypt$$2b$32$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbm", algBcrypt},
	{"bcrypt cost 03", "bcrypt$$2b$03$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbm", algBcrypt},
	{"bcrypt one-digit cost", "bcrypt$$2b$4$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbmx", algBcrypt},
	{"bcrypt prefix", "bcrypt$$2x$10$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbm", algBcrypt},
	{"bcrypt no empty field", "bcrypt$2b$10$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbm", algBcrypt},
	{"bcrypt short", "bcrypt$$2b$10$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWb", algBcrypt},
	{"bcrypt long", "bcrypt$$2b$10$e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbmm", algBcrypt},
	{"bcrypt character", "bcrypt$$2b$10$e8joiXEkrdRVUdhpmyftCeUmu2+0Kwi7EI3vH9ModWv7rPQdvpWbm", algBcrypt},
	{"bcrypt salt bits", "bcrypt$$2b$10$e8joiXEkrdRVUdhpmyftCfUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbm", algBcrypt},

	// Scrypt.
	{"scrypt memory cap", "scrypt$16777216$salt$8$1$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt work cap", "scrypt$16384$salt$8$129$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt N not a power of 2", "scrypt$16383$salt$8$1$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt N of 1", "scrypt$1$salt$8$1$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt zero r", "scrypt$16384$salt$0$1$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt zero p", "scrypt$16384$salt$8$0$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt empty salt", "scrypt$16384$$8$1$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt short key", "scrypt$16384$salt$8$1$" + strings.Repeat("A", 43) + "=", algScrypt},
	{"scrypt field order", "scrypt$salt$16384$8$1$" + strings.Repeat("A", 86) + "==", algScrypt},
	{"scrypt extra part", "scrypt$16384$salt$8$1$" + strings.Repeat("A", 86) + "==$x", algScrypt},

	// Legacy digests.
	{"sha1 empty salt", "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8x", algSHA1},
	{"sha1 upper-case", "sha1$salt$5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8", algSHA1},
	{"sha1 short digest", "sha1$salt$5baa61e4c9b93f3f0682250b6cf8331b7ee68f", algSHA1},
	{"sha1 no digest", "sha1$salt", algSHA1},
	{"md5 digest length", "md5$salt$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", algMD5},
	{"md5 empty salt, wrong length", "md5$$5f4dcc3b5aa765d61d8327deb882cf9", algMD5},
	{"unsalted md5 not hex", "5f4dcc3b5aa765d61d8327deb882cfzz", algUnsaltedMD5},
	{"unsalted md5 upper-case", "5F4DCC3B5AA765D61D8327DEB882CF99", algUnsaltedMD5},
	{"unsalted sha1 not hex", "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fdz", algUnsaltedSHA1},
}

func TestVerifyUnsupported(t *testing.T) {
	h := NewHasher(&HasherOptions{Iterations: fixtureIterations})
	for _, tt := range unsupportedHashes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(t.Context(), "password", tt.encoded)
			var unsupported *UnsupportedHashError
			if !errors.As(err, &unsupported) || ok || rehash {
				t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, an *UnsupportedHashError", tt.encoded, ok, rehash, err)
			}
			if !errors.Is(err, ErrUnsupportedHash) {
				t.Errorf("err = %v, does not wrap ErrUnsupportedHash", err)
			}
			if unsupported.Algorithm != tt.alg || unsupported.Reason == "" {
				t.Errorf("err = %+v, want algorithm %q and a reason", unsupported, tt.alg)
			}
			// The message names the algorithm and the fault, never a
			// salt, a key or anything else of the hash.
			for i, field := range strings.Split(tt.encoded, "$") {
				if i == 0 && field == tt.alg {
					continue
				}
				if len(field) >= 10 && strings.Contains(err.Error(), field) {
					t.Errorf("err %q holds %q, a part of the hash", err, field)
				}
			}
		})
	}
}

// TestWeakFloors checks the floors below which Verify asks for a hash to
// be replaced: just at a floor, a hash is kept; just below, it is not. The
// keys are dummies: weak reads the parameters only, and the vectors of
// Django show that Verify asks it.
func TestWeakFloors(t *testing.T) {
	h := NewHasher(&HasherOptions{Iterations: fixtureIterations})
	const salt = "AbCdEfGhIjKlMnOpQrStUv" // 22 characters, as Django's
	argon2Of := func(variant, salt string, params string) string {
		return "argon2$" + variant + "$v=19$" + params + "$" + base64.RawStdEncoding.EncodeToString([]byte(salt)) + "$" +
			base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	}
	scryptOf := func(salt, params string) string {
		n, rp, _ := strings.Cut(params, "$")
		return "scrypt$" + n + "$" + salt + "$" + rp + "$" + base64.StdEncoding.EncodeToString(make([]byte, scryptKeyLen))
	}
	const bcryptData = "e8joiXEkrdRVUdhpmyftCeUmu2/0Kwi7EI3vH9ModWv7rPQdvpWbm"
	tests := []struct {
		name, encoded string
		weak          bool
	}{
		{"argon2 at the floor, 7 MiB × 5", argon2Of("argon2id", salt, "m=7168,t=5,p=1"), false},
		{"argon2 below the work floor", argon2Of("argon2id", salt, "m=7168,t=4,p=1"), true},
		{"argon2 below the memory floor", argon2Of("argon2id", salt, "m=7167,t=8,p=1"), true},
		{"argon2i at the floor", argon2Of("argon2i", salt, "m=35840,t=1,p=4"), false},
		{"argon2 Django's default", argon2Of("argon2id", salt, "m=102400,t=2,p=8"), false},
		{"argon2 short salt", argon2Of("argon2id", salt[:21], "m=35840,t=1,p=1"), true},
		{"scrypt at the floor", scryptOf(salt, "16384$8$1"), false},
		{"scrypt below the floor", scryptOf(salt, "8192$8$1"), true},
		{"scrypt r makes up for N", scryptOf(salt, "8192$16$1"), false},
		{"scrypt p does not", scryptOf(salt, "8192$8$4"), true},
		{"scrypt short salt", scryptOf(salt[:12], "16384$8$1"), true},
		{"bcrypt at the floor", "bcrypt$$2b$10$" + bcryptData, false},
		{"bcrypt below the floor", "bcrypt$$2b$09$" + bcryptData, true},
		{"bcrypt_sha256 Django's default", "bcrypt_sha256$$2b$12$" + bcryptData, false},
		{"bcrypt_sha256 below the floor", "bcrypt_sha256$$2a$04$" + bcryptData, true},
		{"pbkdf2_sha256 at the setting", "pbkdf2_sha256$1000$" + salt + "$" + base64.StdEncoding.EncodeToString(make([]byte, 32)), false},
		{"pbkdf2_sha256 below it", "pbkdf2_sha256$999$" + salt + "$" + base64.StdEncoding.EncodeToString(make([]byte, 32)), true},
		{"pbkdf2_sha1", "pbkdf2_sha1$1000$" + salt + "$" + base64.StdEncoding.EncodeToString(make([]byte, 20)), true},
		{"sha1", "sha1$" + salt + "$" + strings.Repeat("0", 40), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored, err := parseStored(tt.encoded)
			if err != nil {
				t.Fatalf("parseStored(%q): %v", tt.encoded, err)
			}
			if got := stored.weak(h); got != tt.weak {
				t.Errorf("weak(%q) = %v, want %v", tt.encoded, got, tt.weak)
			}
		})
	}
}

func TestWarnedSet(t *testing.T) {
	var w warnedSet
	if !w.add("a") || w.add("a") {
		t.Fatal("add(a) twice did not answer true, then false")
	}
	for i := range maxWarnedHashes {
		if !w.add(fmt.Sprint(i)) {
			t.Fatalf("add(%d) = false, want true", i)
		}
	}
	// "a" was the oldest: the set forgot it to make room, and keeps the
	// others.
	if len(w.seen) != maxWarnedHashes || len(w.order) != maxWarnedHashes {
		t.Errorf("the set holds %d keys (%d in order), want %d", len(w.seen), len(w.order), maxWarnedHashes)
	}
	if w.add("1") {
		t.Error("add(1) = true, want false: it is still remembered")
	}
	if !w.add("a") {
		t.Error("add(a) = false, want true after it was forgotten")
	}
	if w.add("a") {
		t.Error("add(a) = true twice")
	}
	if !w.add("0") {
		t.Error("add(0) = false, want true: adding a again pushed out 0")
	}

	var concurrent warnedSet
	var wg sync.WaitGroup
	var mu sync.Mutex
	news := 0
	for range 8 {
		wg.Go(func() {
			for j := range 100 {
				if concurrent.add(fmt.Sprint(j % 50)) {
					mu.Lock()
					news++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if news != 50 {
		t.Errorf("%d keys were new across goroutines, want 50", news)
	}
}

// FuzzVerify: no hash makes Verify panic, and an error is always an
// unsupported hash.
func FuzzVerify(f *testing.F) {
	for _, tt := range unsupportedHashes {
		f.Add("password", tt.encoded)
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "django-hashes.json")); err == nil {
		var vectors []djangoVector
		if json.Unmarshal(data, &vectors) == nil {
			for _, v := range vectors {
				if v.Cheap || v.Hasher != algArgon2 && v.Hasher != algScrypt && !strings.HasPrefix(v.Hasher, algBcrypt) {
					f.Add(v.Password, v.Encoded)
				}
			}
		}
	}
	f.Add("", "")
	f.Add("x", "!")
	f.Add("x", "md5$$")
	f.Add("x", "argon2$argon2id$v=19$m=8,t=1,p=1$$")
	h := NewHasher(&HasherOptions{Iterations: 1})
	f.Fuzz(func(t *testing.T, password, encoded string) {
		ok, rehash, err := h.Verify(context.Background(), password, encoded)
		if err != nil {
			var unsupported *UnsupportedHashError
			if !errors.As(err, &unsupported) || ok || rehash {
				t.Fatalf("Verify(%q) = %v, %v, %v; want an *UnsupportedHashError", encoded, ok, rehash, err)
			}
		}
		if rehash && !ok {
			t.Fatalf("Verify(%q) asks to rehash a wrong password", encoded)
		}
	})
}
