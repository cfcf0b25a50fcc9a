package account

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// The algorithms of Django's hashers, as the first field of a hash names
// them.
const (
	algPBKDF2SHA256 = "pbkdf2_sha256"
	algPBKDF2SHA1   = "pbkdf2_sha1"
	algArgon2       = "argon2"
	algBcryptSHA256 = "bcrypt_sha256"
	algBcrypt       = "bcrypt"
	algScrypt       = "scrypt"
	algSHA1         = "sha1"
	algMD5          = "md5"
	algUnsaltedSHA1 = "unsalted_sha1"
	algUnsaltedMD5  = "unsalted_md5"
	algCrypt        = "crypt"
	// algUnknown stands for a first field that names no hasher Django
	// ships. The field itself is never reported: a column holding
	// something else than a hash (a password in clear, say) must not
	// reach the logs.
	algUnknown = "unknown"
)

// Floors below which Verify asks for a hash to be replaced; see Verify.
const (
	argon2MinMemory = 7 << 10  // KiB: OWASP's least, at 5 passes
	argon2MinWork   = 35 << 10 // KiB × passes: the least of OWASP's settings
	bcryptMinCost   = 10       // OWASP's least
	scryptMinNR     = 1 << 17  // N·r: 16 MiB, Django's default
)

// Limits of the parts of an Argon2 hash, as the reference implementation
// sets them (salt at least 8 bytes, key at least 4), with an upper bound of
// our own: real ones are 16 to 64 bytes.
const (
	argon2MinSalt = 8
	argon2MinKey  = 4
	argon2MaxPart = 1024
)

// bcrypt reads no more than the first 72 bytes of a password. Python's
// bcrypt, which Django calls, cuts the password there; so does Verify.
const bcryptMaxPassword = 72

// storedHash is a stored password hash taken apart, ready to be checked.
type storedHash interface {
	// matches reports whether password is the one hashed, in constant
	// time. An error is an *UnsupportedHashError: the hash turned out to be
	// one that cannot be checked.
	matches(password string) (bool, error)
	// weak reports whether the hash should be replaced by one of h's.
	weak(h *Hasher) bool
	// harden does, after a wrong password, the work that a hash cheaper
	// than h's setting saved, so that its users take as long as the
	// others to refuse.
	harden(h *Hasher, password string)
}

// unsupported returns the *UnsupportedHashError of alg.
func unsupported(alg, reason string) *UnsupportedHashError {
	return &UnsupportedHashError{Algorithm: alg, Reason: reason}
}

// malformed is the error of a hash of alg that no hasher of that name
// could have written.
func malformed(alg, what string) *UnsupportedHashError {
	return unsupported(alg, "malformed hash: "+what)
}

// parseStored takes encoded apart, telling its algorithm as Django's
// identify_hasher does. encoded is neither empty nor an unusable password.
func parseStored(encoded string) (storedHash, error) {
	// Django's oldest hashes: unsalted MD5, bare or behind "md5$$", and
	// unsalted SHA1 behind "sha1$$". Other lengths are the salted hashers',
	// with an empty salt, which they refuse.
	switch {
	case len(encoded) == 32 && !strings.Contains(encoded, "$"):
		return parseUnsalted(algUnsaltedMD5, md5.New, encoded)
	case len(encoded) == 37 && strings.HasPrefix(encoded, "md5$$"):
		return parseUnsalted(algUnsaltedMD5, md5.New, encoded[len("md5$$"):])
	case len(encoded) == 46 && strings.HasPrefix(encoded, "sha1$$"):
		return parseUnsalted(algUnsaltedSHA1, sha1.New, encoded[len("sha1$$"):])
	}
	alg, rest, _ := strings.Cut(encoded, "$")
	switch alg {
	case algPBKDF2SHA256:
		return parsePBKDF2(alg, sha256.New, rest)
	case algPBKDF2SHA1:
		return parsePBKDF2(alg, sha1.New, rest)
	case algArgon2:
		return parseArgon2(rest)
	case algBcryptSHA256, algBcrypt:
		return parseBcrypt(alg, rest)
	case algScrypt:
		return parseScrypt(rest)
	case algSHA1:
		return parseSalted(alg, sha1.New, rest)
	case algMD5:
		return parseSalted(alg, md5.New, rest)
	case algCrypt:
		return nil, unsupported(alg, "Unix crypt hashes are not supported")
	case algUnsaltedSHA1, algUnsaltedMD5:
		return nil, malformed(alg, "Django writes these without their name")
	default:
		return nil, unsupported(algUnknown, "the hash names no algorithm that Django ships")
	}
}

// ---- PBKDF2 ----

// pbkdf2Hash is pbkdf2_sha256 or pbkdf2_sha1:
//
//	<alg>$<iterations>$<salt>$<base64 of the key, as long as the digest>
type pbkdf2Hash struct {
	alg        string
	newHash    func() hash.Hash
	iterations int
	salt       string
	key        []byte
}

func parsePBKDF2(alg string, newHash func() hash.Hash, rest string) (storedHash, error) {
	// As Django does, split at the first dollars only: a dollar in the key
	// makes it malformed below.
	parts := strings.SplitN(rest, "$", 3)
	if len(parts) != 3 {
		return nil, malformed(alg, "want <iterations>$<salt>$<key>")
	}
	n, ok := parseDecimal(parts[0], MaxIterations)
	switch {
	case !ok || n < 1:
		return nil, malformed(alg, "the iteration count is not a positive whole number")
	case n > MaxIterations:
		return nil, unsupported(alg, "more iterations than MaxIterations ("+strconv.Itoa(MaxIterations)+")")
	case parts[1] == "":
		return nil, malformed(alg, "empty salt")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(key) != newHash().Size() {
		return nil, malformed(alg, "the key is not the base64 of a "+alg+" digest")
	}
	return &pbkdf2Hash{alg: alg, newHash: newHash, iterations: n, salt: parts[1], key: key}, nil
}

func (p *pbkdf2Hash) matches(password string) (bool, error) {
	key, err := derive(p.newHash, password, p.salt, p.iterations)
	if err != nil {
		// FIPS 140-only mode refuses salts shorter than 128 bits, such as
		// Django's older 12-character ones.
		return false, unsupported(p.alg, "the salt is too short for FIPS 140-only mode")
	}
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

func (p *pbkdf2Hash) weak(h *Hasher) bool {
	return p.alg != algPBKDF2SHA256 || p.iterations < h.iterations || shortSalt(p.salt)
}

// harden runs the iterations the hash is short of, on its salt, as
// Django's harden_runtime does.
func (p *pbkdf2Hash) harden(h *Hasher, password string) {
	if extra := h.iterations - p.iterations; extra > 0 {
		_, _ = derive(p.newHash, password, p.salt, extra)
	}
}

// shortSalt reports whether a salt carries less than Django's 128 bits, at
// log2(62) bits a character, as Django's must_update_salt tells.
func shortSalt(salt string) bool { return utf8.RuneCountInString(salt) < saltLen }

// ---- Argon2 ----

// argon2Hash is an Argon2 hash in Django's format, "argon2" before the
// encoding of the Argon2 reference implementation:
//
//	argon2$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>
//
// with salt and key in base64 without padding. Older Django wrote argon2i.
type argon2Hash struct {
	id             bool // argon2id, else argon2i
	memory, passes uint32
	lanes          uint8
	salt, key      []byte
}

func parseArgon2(rest string) (storedHash, error) {
	parts := strings.Split(rest, "$")
	switch {
	case parts[0] == "argon2d":
		return nil, unsupported(algArgon2, "argon2d is not supported")
	case parts[0] != "argon2id" && parts[0] != "argon2i":
		return nil, malformed(algArgon2, "the variant is not argon2id, argon2i or argon2d")
	case len(parts) == 4:
		// The reference implementation reads a hash without "v=" as
		// version 1.0 (0x10), as written before version 1.3.
		return nil, unsupported(algArgon2, "version 1.0 (a hash without v=): golang.org/x/crypto/argon2 implements 1.3 only")
	case len(parts) != 5:
		return nil, malformed(algArgon2, "want <variant>$v=<version>$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>")
	}
	p := &argon2Hash{id: parts[0] == "argon2id"}
	switch parts[1] {
	case "v=19":
	case "v=16":
		return nil, unsupported(algArgon2, "version 1.0 (v=16): golang.org/x/crypto/argon2 implements 1.3 only")
	default:
		return nil, malformed(algArgon2, "the version is not v=19")
	}
	m, t, lanes, ok := parseArgon2Params(parts[2])
	switch {
	case !ok:
		return nil, malformed(algArgon2, "want m=<KiB>,t=<passes>,p=<lanes>, each a positive whole number")
	case m > MaxArgon2Memory:
		return nil, unsupported(algArgon2, "more memory than MaxArgon2Memory ("+strconv.Itoa(MaxArgon2Memory)+" KiB)")
	case lanes > MaxArgon2Threads:
		return nil, unsupported(algArgon2, "more lanes than MaxArgon2Threads ("+strconv.Itoa(MaxArgon2Threads)+")")
	case m < 8*lanes:
		// Argon2 needs 8 KiB a lane; x/crypto would raise the memory
		// silently where the reference implementation refuses.
		return nil, malformed(algArgon2, "less memory than 8 KiB a lane")
	case t > MaxArgon2Work/m:
		return nil, unsupported(algArgon2, "more memory × passes than MaxArgon2Work ("+strconv.Itoa(MaxArgon2Work)+" KiB)")
	}
	p.memory, p.passes, p.lanes = uint32(m), uint32(t), uint8(lanes)
	var err error
	p.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[3])
	if err != nil || len(p.salt) < argon2MinSalt || len(p.salt) > argon2MaxPart {
		return nil, malformed(algArgon2, "the salt is not the unpadded base64 of 8 to 1024 bytes")
	}
	p.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(p.key) < argon2MinKey || len(p.key) > argon2MaxPart {
		return nil, malformed(algArgon2, "the key is not the unpadded base64 of 4 to 1024 bytes")
	}
	return p, nil
}

// parseArgon2Params parses "m=<KiB>,t=<passes>,p=<lanes>", in this order,
// as the reference implementation does. Each value is positive; values
// above the caps come back above them, not exact.
func parseArgon2Params(s string) (m, t, lanes int, ok bool) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return 0, 0, 0, false
	}
	values := [3]int{}
	for i, name := range [3]string{"m=", "t=", "p="} {
		digits, found := strings.CutPrefix(fields[i], name)
		if !found {
			return 0, 0, 0, false
		}
		n, ok := parseDecimal(digits, MaxArgon2Work)
		if !ok || n < 1 {
			return 0, 0, 0, false
		}
		values[i] = n
	}
	return values[0], values[1], values[2], true
}

func (p *argon2Hash) matches(password string) (bool, error) {
	derive := argon2.Key
	if p.id {
		derive = argon2.IDKey
	}
	key := derive([]byte(password), p.salt, p.passes, p.memory, p.lanes, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

func (p *argon2Hash) weak(*Hasher) bool {
	return p.memory < argon2MinMemory || p.memory*p.passes < argon2MinWork ||
		len(p.salt) < saltLen // Django decodes the salt as Latin-1: a character a byte
}

// harden does nothing: Argon2 costs what its parameters say, as with
// Django, whose Argon2 hasher has no harden_runtime either.
func (p *argon2Hash) harden(*Hasher, string) {}

// ---- BCrypt ----

// bcryptHash is Django's bcrypt_sha256 or bcrypt: the name, an empty
// field, and the modular crypt string of Python's bcrypt:
//
//	bcrypt_sha256$$2b$<cost>$<22 characters of salt><31 of hash>
//
// bcrypt_sha256 hashes the hex SHA-256 of the password, so that all of a
// long password counts; bcrypt the password itself, of which bcrypt reads
// the first 72 bytes.
type bcryptHash struct {
	alg   string
	cost  int
	crypt []byte // from the "$2b$" on
}

// bcryptChars are the characters of bcrypt's base64.
const bcryptChars = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func parseBcrypt(alg, rest string) (storedHash, error) {
	// rest is "$2b$12$" and 53 characters: 22 of salt, 31 of hash.
	const prefixLen, saltChars, total = 7, 22, 60
	if len(rest) != total || rest[0] != '$' || rest[1] != '2' || !strings.ContainsRune("aby", rune(rest[2])) ||
		rest[3] != '$' || rest[6] != '$' {
		return nil, malformed(alg, "want $$2b$<cost>$<53 characters>")
	}
	cost, ok := parseDecimal(strings.TrimPrefix(rest[4:6], "0"), bcrypt.MaxCost)
	switch {
	case !ok || cost < bcrypt.MinCost || cost > bcrypt.MaxCost:
		return nil, malformed(alg, "the cost is not two digits from 04 to 31")
	case cost > MaxBcryptCost:
		return nil, unsupported(alg, "a cost above MaxBcryptCost ("+strconv.Itoa(MaxBcryptCost)+")")
	}
	data := rest[prefixLen:]
	for i := 0; i < len(data); i++ {
		if strings.IndexByte(bcryptChars, data[i]) < 0 {
			return nil, malformed(alg, "a character outside bcrypt's base64")
		}
	}
	// The salt's 22 characters carry 132 bits for 128: the last one keeps
	// two. bcrypt ignores the other four, so a salt with them set would
	// verify in x/crypto but never in Django, which compares whole strings.
	if last := strings.IndexByte(bcryptChars, data[saltChars-1]); last%16 != 0 {
		return nil, malformed(alg, "the salt is not in bcrypt's canonical base64")
	}
	return &bcryptHash{alg: alg, cost: cost, crypt: []byte(rest)}, nil
}

func (p *bcryptHash) matches(password string) (bool, error) {
	pw := []byte(password)
	if p.alg == algBcryptSHA256 {
		sum := sha256.Sum256(pw)
		pw = []byte(hex.EncodeToString(sum[:]))
	}
	if len(pw) > bcryptMaxPassword {
		pw = pw[:bcryptMaxPassword]
	}
	switch err := bcrypt.CompareHashAndPassword(p.crypt, pw); err {
	case nil:
		return true, nil
	case bcrypt.ErrMismatchedHashAndPassword:
		return false, nil
	default:
		// parseBcrypt let through only what bcrypt reads.
		return false, unsupported(p.alg, "golang.org/x/crypto/bcrypt refused the hash")
	}
}

func (p *bcryptHash) weak(*Hasher) bool { return p.cost < bcryptMinCost }

// harden does nothing: bcrypt costs what its cost says.
func (p *bcryptHash) harden(*Hasher, string) {}

// ---- Scrypt ----

// scryptHash is Django's (4.0 and later) Scrypt:
//
//	scrypt$<N>$<salt>$<r>$<p>$<base64 of a 64-byte key>
type scryptHash struct {
	n, r, p int
	salt    string
	key     []byte
}

// scryptKeyLen is the length of Django's Scrypt keys.
const scryptKeyLen = 64

func parseScrypt(rest string) (storedHash, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 {
		return nil, malformed(algScrypt, "want <N>$<salt>$<r>$<p>$<key>")
	}
	n, okN := parseDecimal(parts[0], MaxScryptMemory/128)
	r, okR := parseDecimal(parts[2], MaxScryptMemory/128)
	p, okP := parseDecimal(parts[3], MaxScryptWork)
	switch {
	case !okN || n < 2 || n&(n-1) != 0:
		return nil, malformed(algScrypt, "N is not a power of 2 above 1")
	case !okR || !okP || r < 1 || p < 1:
		return nil, malformed(algScrypt, "r and p are not positive whole numbers")
	case uint64(n)*uint64(r) > MaxScryptMemory/128:
		return nil, unsupported(algScrypt, "more memory (128·N·r) than MaxScryptMemory ("+strconv.Itoa(MaxScryptMemory)+" bytes)")
	case uint64(n)*uint64(r)*uint64(p) > MaxScryptWork:
		return nil, unsupported(algScrypt, "N·r·p above MaxScryptWork ("+strconv.Itoa(MaxScryptWork)+")")
	case parts[1] == "":
		return nil, malformed(algScrypt, "empty salt")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(key) != scryptKeyLen {
		return nil, malformed(algScrypt, "the key is not the base64 of 64 bytes")
	}
	return &scryptHash{n: n, r: r, p: p, salt: parts[1], key: key}, nil
}

func (p *scryptHash) matches(password string) (bool, error) {
	key, err := scrypt.Key([]byte(password), []byte(p.salt), p.n, p.r, p.p, scryptKeyLen)
	if err != nil {
		// parseScrypt let through only parameters scrypt takes.
		return false, unsupported(algScrypt, "golang.org/x/crypto/scrypt refused the parameters")
	}
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

func (p *scryptHash) weak(*Hasher) bool { return p.n*p.r < scryptMinNR || shortSalt(p.salt) }

// harden does nothing: Scrypt costs what its parameters say.
func (p *scryptHash) harden(*Hasher, string) {}

// ---- Legacy digests ----

// digestHash is one of Django's legacy hashes: a hex digest of the salt
// and the password, "sha1$<salt>$<hex>" and "md5$<salt>$<hex>", or of the
// password alone (unsalted, with an empty salt).
type digestHash struct {
	newHash func() hash.Hash
	salt    string
	sum     []byte
}

func parseSalted(alg string, newHash func() hash.Hash, rest string) (storedHash, error) {
	salt, hexSum, found := strings.Cut(rest, "$")
	switch {
	case !found:
		return nil, malformed(alg, "want <salt>$<hex digest>")
	case salt == "":
		return nil, malformed(alg, "empty salt")
	}
	return digestOf(alg, newHash, salt, hexSum)
}

func parseUnsalted(alg string, newHash func() hash.Hash, hexSum string) (storedHash, error) {
	return digestOf(alg, newHash, "", hexSum)
}

// digestOf checks that hexSum is a digest as Python's hexdigest writes it:
// lower-case hex of the digest's length.
func digestOf(alg string, newHash func() hash.Hash, salt, hexSum string) (storedHash, error) {
	sum, err := hex.DecodeString(hexSum)
	if err != nil || len(sum) != newHash().Size() || hex.EncodeToString(sum) != hexSum {
		return nil, malformed(alg, "the digest is not "+strconv.Itoa(2*newHash().Size())+" lower-case hex digits")
	}
	return &digestHash{newHash: newHash, salt: salt, sum: sum}, nil
}

func (p *digestHash) matches(password string) (bool, error) {
	d := p.newHash()
	d.Write([]byte(p.salt))
	d.Write([]byte(password))
	return subtle.ConstantTimeCompare(d.Sum(nil), p.sum) == 1, nil
}

// weak is always true: a digest is no password hash.
func (p *digestHash) weak(*Hasher) bool { return true }

// harden does the work of a verification at h's setting, which the digest
// saved.
func (p *digestHash) harden(h *Hasher, password string) { h.dummyWork(password) }

// ---- helpers ----

// parseDecimal parses a whole number written as Django and the reference
// implementations write one: digits only, no sign, no leading zero. A
// number above limit comes back as limit+1, without reading further, so
// that no input can overflow.
func parseDecimal(s string, limit int) (int, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > limit {
			continue // keep checking the digits
		}
		n = n*10 + int(c-'0')
	}
	if n > limit {
		n = limit + 1
	}
	return n, true
}

// Compile-time checks that each kind of hash is a storedHash.
var (
	_ storedHash = (*pbkdf2Hash)(nil)
	_ storedHash = (*argon2Hash)(nil)
	_ storedHash = (*bcryptHash)(nil)
	_ storedHash = (*scryptHash)(nil)
	_ storedHash = (*digestHash)(nil)
)
