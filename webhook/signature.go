package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/impactmuseum/commerce"
)

// The headers of a delivery, as the Standard Webhooks specification
// (https://www.standardwebhooks.com) names them.
const (
	// HeaderID carries the event's id, the same in every attempt.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries when the attempt was made, in Unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries "v1," and the base64 of the HMAC-SHA256, by
	// the endpoint's secret, of the id, the timestamp and the body joined
	// by dots. Several signatures may be sent, separated by spaces.
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret.
const SecretPrefix = "whsec_"

// secretBytes is the length of a new secret's key: 256 bits, within the 24
// to 64 bytes that Standard Webhooks asks for.
const secretBytes = 32

// Limits on the key of a secret that Sign and Verify accept, from the
// Standard Webhooks specification.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// DefaultTolerance is how far a timestamp may be from the verifier's clock,
// either way, when Verify is given no tolerance: five minutes, as the
// Standard Webhooks libraries use.
const DefaultTolerance = 5 * time.Minute

// NewSecret returns a new signing secret: SecretPrefix and the base64 of
// 32 bytes from crypto/rand.
func NewSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b) // never fails; it crashes the program if the system's source does
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey returns the key of a secret: the bytes that the base64 after
// SecretPrefix encodes. The prefix may be left out, as the Standard
// Webhooks libraries allow.
func secretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, fmt.Errorf("webhook: a secret is %q and the base64 of %d to %d bytes: %w",
			SecretPrefix, minSecretBytes, maxSecretBytes, commerce.ErrInvalid)
	}
	return key, nil
}

// Sign returns the webhook-signature of a request: "v1," and the base64
// of the HMAC-SHA256, keyed by the secret's bytes, of id, the Unix seconds
// of t and body, joined by dots. It returns an error wrapping
// commerce.ErrInvalid, which never repeats the secret, when the secret is
// malformed.
func Sign(secret, id string, t time.Time, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, t.Unix(), body)), nil
}

func mac(key []byte, id string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, unix, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery that a consumer received: that header holds a
// webhook-id, a webhook-timestamp no further than tolerance from now
// (DefaultTolerance when tolerance is 0 or less), and a webhook-signature
// of which one "v1" signature is body's, signed with secret. The
// timestamp's bound keeps a captured request from being replayed later.
//
// It returns nil for a verified request, an error wrapping ErrVerification
// that says what is wrong for one that is not, and an error wrapping
// commerce.ErrInvalid for a malformed secret. body must be the request's
// body exactly as received, before any JSON decoding.
func Verify(secret string, header http.Header, body []byte, tolerance time.Duration) error {
	return verifyAt(secret, header, body, tolerance, time.Now())
}

func verifyAt(secret string, header http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	key, err := secretKey(secret)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, ts, sigs := header.Get(HeaderID), header.Get(HeaderTimestamp), header.Values(HeaderSignature)
	switch {
	case id == "":
		return fmt.Errorf("%w: no %s header", ErrVerification, HeaderID)
	case ts == "":
		return fmt.Errorf("%w: no %s header", ErrVerification, HeaderTimestamp)
	case len(sigs) == 0:
		return fmt.Errorf("%w: no %s header", ErrVerification, HeaderSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not a number of seconds", ErrVerification, HeaderTimestamp)
	}
	// Compared in seconds, so that no timestamp overflows a time.Duration.
	diff, bound := now.Unix()-unix, int64(tolerance/time.Second)
	switch {
	case diff > bound:
		return fmt.Errorf("%w: %s is more than %v old", ErrVerification, HeaderTimestamp, tolerance)
	case -diff > bound:
		return fmt.Errorf("%w: %s is more than %v ahead", ErrVerification, HeaderTimestamp, tolerance)
	}
	want := mac(key, id, unix, body)
	for _, value := range sigs {
		for _, sig := range strings.Fields(value) {
			version, b64, ok := strings.Cut(sig, ",")
			if !ok || version != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: no v1 signature in %s matches the body", ErrVerification, HeaderSignature)
}
