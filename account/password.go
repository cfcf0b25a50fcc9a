package account

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/impactmuseum/commerce"
)

// DefaultIterations is the PBKDF2 work factor of new hashes. It is OWASP's
// recommendation for PBKDF2-HMAC-SHA256 and Django 4.2's default.
const DefaultIterations = 600_000

// MaxIterations is the largest iteration count Verify accepts. A stored hash
// that asks for more is treated as malformed, so that a corrupt or forged
// hash cannot make a single sign-in take minutes of CPU.
const MaxIterations = 10_000_000

// Stored hashes use Django's format, so a Django shop's users can sign in
// with the passwords they have:
//
//	pbkdf2_sha256$<iterations>$<salt>$<base64 of the derived key>
const (
	algPBKDF2SHA256 = "pbkdf2_sha256"
	// algPBKDF2SHA1 is Django's older PBKDF2 hasher. Its hashes still
	// verify, and Verify asks for them to be replaced.
	algPBKDF2SHA1 = "pbkdf2_sha1"

	// saltLen is the length of Django's salts: 22 characters from 62 carry
	// just over 128 bits. Shorter salts (Django used 12 until 3.2) are
	// reported for rehashing, as Django does.
	saltLen   = 22
	saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

	// dummySalt salts the work done for a hash that cannot be verified.
	dummySalt = "AAAAAAAAAAAAAAAAAAAAAA"
)

// HasherOptions configure a Hasher. The zero value, or nil, gives the
// defaults.
type HasherOptions struct {
	// Iterations is the PBKDF2 iteration count of new hashes; Verify asks
	// for stored hashes with fewer to be replaced. Values below 1 mean
	// DefaultIterations. NewHasher panics on values above MaxIterations,
	// whose hashes Verify would refuse.
	Iterations int
	// MaxConcurrent is the number of hashes computed at once, shared by
	// Hash, Verify and VerifyNothing; further calls wait for a free slot.
	// Each hash keeps a CPU busy for its whole duration, so a burst of
	// sign-ins waits its turn instead of starving the rest of the server.
	// Values below 1 mean runtime.GOMAXPROCS(0) at the time of NewHasher.
	MaxConcurrent int
}

// Hasher hashes and verifies passwords with PBKDF2-HMAC-SHA256 in Django's
// format. It is safe for concurrent use.
type Hasher struct {
	iterations int
	slots      chan struct{} // a semaphore: one element per hash in progress

	// inSlot, when set by a test, runs while a slot is held, before the
	// work. It lets tests observe and hold the slots.
	inSlot func()
}

// NewHasher returns a Hasher with the given options; nil means the defaults.
// It panics if opts.Iterations is above MaxIterations.
func NewHasher(opts *HasherOptions) *Hasher {
	if opts == nil {
		opts = &HasherOptions{}
	}
	iterations := opts.Iterations
	if iterations < 1 {
		iterations = DefaultIterations
	}
	if iterations > MaxIterations {
		panic("account: HasherOptions.Iterations is above MaxIterations")
	}
	concurrent := opts.MaxConcurrent
	if concurrent < 1 {
		concurrent = runtime.GOMAXPROCS(0)
	}
	return &Hasher{iterations: iterations, slots: make(chan struct{}, concurrent)}
}

// Iterations returns the iteration count of new hashes.
func (h *Hasher) Iterations() int { return h.iterations }

// Hash returns the encoded hash of password (its UTF-8 bytes) with a new
// random salt. It waits for a free slot; ctx may cancel the wait, and then
// its error is returned. The work itself, once started, is not interrupted.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := newSalt()
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key, err := derive(sha256.New, password, salt, h.iterations)
	if err != nil {
		// Only FIPS 140-only mode refuses PBKDF2, for short salts or keys,
		// and ours are long enough.
		panic("account: " + err.Error())
	}
	return encodeHash(algPBKDF2SHA256, h.iterations, salt, key), nil
}

// Verify reports whether password matches the encoded hash, comparing in
// constant time, and, when it does, whether encoded should be replaced by a
// new Hash: because it has fewer iterations than the Hasher's setting, a
// salt shorter than Django's current 22 characters, or another algorithm
// (Django's pbkdf2_sha1). rehash is never true when ok is false.
//
// A malformed or empty encoded hash (a user without a password, Django's
// unusable "!…" passwords, another algorithm, an iteration count above
// MaxIterations) is not an error: Verify returns false after doing the work
// of one verification at the Hasher's setting, so the time taken does not
// tell such users apart. The only error is ctx's, as
// commerce.ErrUnavailable, when it ends the wait for
// a slot.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	p, valid := parseHash(encoded)
	if !valid {
		h.dummyWork(password)
		return false, false, nil
	}
	key, err := derive(p.newHash, password, p.salt, p.iterations)
	if err != nil {
		// FIPS 140-only mode refuses salts shorter than 128 bits, such as
		// Django's older 12-character ones: such a hash cannot be checked.
		h.dummyWork(password)
		return false, false, nil
	}
	got := base64.StdEncoding.EncodeToString(key)
	if subtle.ConstantTimeCompare([]byte(got), []byte(p.hash)) != 1 {
		return false, false, nil
	}
	rehash = p.alg != algPBKDF2SHA256 ||
		p.iterations < h.iterations ||
		utf8.RuneCountInString(p.salt) < saltLen
	return true, rehash, nil
}

// VerifyNothing does the work of one Verify at the Hasher's setting and
// throws the result away. Call it when a sign-in names an unknown user, so
// that an unknown user costs the same time as a wrong password. The only
// error is ctx's, when it ends the wait for a slot.
func (h *Hasher) VerifyNothing(ctx context.Context, password string) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	h.dummyWork(password)
	return nil
}

// acquire takes a slot, or returns ctx's error, as unavailable (like
// every engine error for an ended context), if ctx ends first.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("account: waiting to hash a password: %w: %w", commerce.ErrUnavailable, err)
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("account: waiting to hash a password: %w: %w", commerce.ErrUnavailable, ctx.Err())
	}
	if h.inSlot != nil {
		h.inSlot()
	}
	return nil
}

func (h *Hasher) release() { <-h.slots }

// dummyWork costs what verifying a current hash of password costs.
func (h *Hasher) dummyWork(password string) {
	_, _ = derive(sha256.New, password, dummySalt, h.iterations)
}

// derive is Django's PBKDF2: the key is as long as the hash's digest.
func derive(newHash func() hash.Hash, password, salt string, iterations int) ([]byte, error) {
	return pbkdf2.Key(newHash, password, []byte(salt), iterations, newHash().Size())
}

func encodeHash(alg string, iterations int, salt string, key []byte) string {
	return alg + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key)
}

// newSalt returns a salt as Django makes one: saltLen characters drawn
// uniformly from saltChars.
func newSalt() string {
	const limit = 256 - 256%len(saltChars) // reject bytes that would bias the draw
	salt := make([]byte, 0, saltLen)
	var buf [2 * saltLen]byte
	for len(salt) < saltLen {
		rand.Read(buf[:]) // never fails (crypto/rand crashes the program instead)
		for _, b := range buf {
			if int(b) < limit && len(salt) < saltLen {
				salt = append(salt, saltChars[int(b)%len(saltChars)])
			}
		}
	}
	return string(salt)
}

// parsedHash is an encoded hash taken apart.
type parsedHash struct {
	alg        string
	newHash    func() hash.Hash
	iterations int
	salt       string
	hash       string // base64, as stored
}

// parseHash takes encoded apart, reporting false if it is not a PBKDF2 hash
// this package can verify.
func parseHash(encoded string) (parsedHash, bool) {
	// As Django does, split at the first three dollars only.
	parts := strings.SplitN(encoded, "$", 4)
	if len(parts) != 4 {
		return parsedHash{}, false
	}
	p := parsedHash{alg: parts[0], salt: parts[2], hash: parts[3]}
	switch p.alg {
	case algPBKDF2SHA256:
		p.newHash = sha256.New
	case algPBKDF2SHA1:
		p.newHash = sha1.New
	default:
		return parsedHash{}, false
	}
	n, ok := parseIterations(parts[1])
	if !ok || p.salt == "" || p.hash == "" {
		return parsedHash{}, false
	}
	p.iterations = n
	return p, true
}

// parseIterations parses a decimal count in 1..MaxIterations. Unlike
// strconv.Atoi it takes digits only (no sign) and stops early on long input.
func parseIterations(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > MaxIterations {
			return 0, false
		}
	}
	return n, n >= 1
}
