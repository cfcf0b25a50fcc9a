package account

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"runtime"
	"strconv"
	"strings"

	"github.com/impactmuseum/commerce"
)

// DefaultIterations is the PBKDF2 work factor of new hashes. It is OWASP's
// recommendation for PBKDF2-HMAC-SHA256 and Django 4.2's default.
const DefaultIterations = 600_000

// MaxIterations is the largest iteration count Verify accepts. A stored hash
// that asks for more is treated as malformed, so that a corrupt or forged
// hash cannot make a single sign-in take minutes of CPU.
const MaxIterations = 10_000_000

// Caps on the cost of the other hashes Verify reads, for the same reason
// as MaxIterations: a stored hash over any of them is not verified but
// reported as an *UnsupportedHashError. Each is far above what Django
// writes by default.
const (
	// MaxArgon2Memory is the most memory, in KiB, of an Argon2 hash: 1 GiB,
	// ten times Django's default of 100 MiB.
	MaxArgon2Memory = 1 << 20
	// MaxArgon2Work is the most memory × passes (time cost), in KiB, of an
	// Argon2 hash: 4 GiB, twenty times Django's default of 100 MiB × 2.
	MaxArgon2Work = 4 << 20
	// MaxArgon2Threads is the most lanes (parallelism) of an Argon2 hash;
	// Django's default is 8. Verify computes the lanes on as many
	// goroutines.
	MaxArgon2Threads = 64
	// MaxBcryptCost is the highest BCrypt cost: each step doubles the
	// work, and 16 is sixteen times Django's default of 12.
	MaxBcryptCost = 16
	// MaxScryptMemory is the most memory, in bytes, of a Scrypt hash
	// (128·N·r): 1 GiB, 64 times Django's default of 16 MiB.
	MaxScryptMemory = 1 << 30
	// MaxScryptWork is the largest N·r·p of a Scrypt hash, 128 times
	// Django 4.2's default (2¹⁴·8·1).
	MaxScryptWork = 1 << 24
)

// ErrUnsupportedHash is what an *UnsupportedHashError wraps: a stored
// password hash that the engine cannot verify, so that no password signs
// its user in until the hash is replaced (by a password reset, say). It is
// not a wrong password, and is reported apart from one so that an operator
// can tell. It wraps commerce.ErrUnauthenticated.
var ErrUnsupportedHash = fmt.Errorf("account: stored password hash cannot be verified: %w", commerce.ErrUnauthenticated)

// UnsupportedHashError says why Verify cannot verify a stored hash. It
// holds nothing of the hash but the name of its algorithm and the
// parameters at fault, so it may be logged.
type UnsupportedHashError struct {
	// Algorithm is the hasher's name as Django spells it ("argon2",
	// "crypt"), or "unknown" when the hash names none that Django ships.
	Algorithm string
	// Reason says what is wrong with the hash.
	Reason string
}

func (e *UnsupportedHashError) Error() string {
	return "account: cannot verify a stored " + e.Algorithm + " password hash: " + e.Reason
}

// Unwrap makes errors.Is(err, ErrUnsupportedHash) true.
func (e *UnsupportedHashError) Unwrap() error { return ErrUnsupportedHash }

// New hashes use Django's default format, so that a Django shop can move
// its users over and back:
//
//	pbkdf2_sha256$<iterations>$<salt>$<base64 of the derived key>
//
// Verify reads every format Django ships (see djangohash.go).
const (
	// saltLen is the length of Django's salts: 22 characters from 62 carry
	// just over 128 bits. Shorter salts (Django used 12 until 3.2) are
	// reported for rehashing, as Django does.
	saltLen   = 22
	saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

	// dummySalt salts the work done for a hash that cannot be verified.
	dummySalt = "AAAAAAAAAAAAAAAAAAAAAA"

	// unusablePrefix begins Django's unusable passwords
	// (set_unusable_password), which no password matches.
	unusablePrefix = "!"
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

// Hasher hashes passwords with PBKDF2-HMAC-SHA256 in Django's format, and
// verifies hashes of every hasher Django ships. It is safe for concurrent
// use.
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
// new Hash. It reads every format Django ships, whatever the Hasher's
// setting: PBKDF2-SHA256 and PBKDF2-SHA1, Argon2 (argon2id and argon2i,
// version 1.3), BCrypt-SHA256 and BCrypt, Scrypt, and the legacy salted
// SHA1 and MD5 and unsalted SHA1 and MD5.
//
// rehash is true, asking for the stronger hash of Hash in its place, for
//   - a legacy hash: pbkdf2_sha1, sha1, md5 and the unsalted forms;
//   - a pbkdf2_sha256 hash with fewer iterations than the Hasher's setting;
//   - a salt shorter than Django's 22 characters (PBKDF2, Argon2, Scrypt);
//   - an Argon2, BCrypt or Scrypt hash below a floor: Argon2 with less than
//     7 MiB of memory or less than 35 MiB × passes (the least of OWASP's
//     recommended settings), BCrypt below cost 10 (OWASP's least), Scrypt
//     with N·r below 2¹⁷, 16 MiB (Django's default).
//
// Argon2, BCrypt and Scrypt hashes at or above their floor are kept: they
// are slow (and the first and last memory-hard) by design, and replacing
// them with PBKDF2 would gain nothing. rehash is never true when ok is
// false.
//
// An empty encoded hash (a user without a password) or Django's unusable
// "!…" password is no password: Verify returns false and no error. A hash
// the engine cannot verify — an algorithm it does not know (Django's
// crypt$…, say), Argon2d or Argon2 version 1.0, malformed fields, costs
// above the caps that keep a forged hash from tying up the server
// (MaxIterations, MaxArgon2Memory, MaxArgon2Work, MaxArgon2Threads,
// MaxBcryptCost, MaxScryptMemory, MaxScryptWork) — is never taken for a
// wrong password: Verify returns an *UnsupportedHashError, which wraps
// ErrUnsupportedHash and names the algorithm and the reason.
//
// Either costs the work of one verification at the Hasher's setting, as
// does a wrong password against a legacy hash or a PBKDF2 hash with fewer
// iterations than the setting, so that the time taken does not tell such
// users apart from the others or from unknown ones. The only other error
// is ctx's, as commerce.ErrUnavailable, when it ends the wait for a slot.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	if encoded == "" || strings.HasPrefix(encoded, unusablePrefix) {
		h.dummyWork(password)
		return false, false, nil
	}
	stored, err := parseStored(encoded)
	if err == nil {
		ok, err = stored.matches(password)
	}
	if err != nil {
		h.dummyWork(password)
		return false, false, err
	}
	if !ok {
		stored.harden(h, password)
		return false, false, nil
	}
	return true, stored.weak(h), nil
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
