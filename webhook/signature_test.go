package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
)

// The test vector of the Standard Webhooks reference libraries: the Go
// library's signing test (github.com/standard-webhooks/standard-webhooks,
// libraries/go/webhooks_test.go, TestSign) signs this payload, id and
// timestamp with this secret and expects this signature.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func vectorHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, vectorID)
	h.Set(HeaderTimestamp, "1614265330")
	h.Set(HeaderSignature, sig)
	return h
}

func TestSignStandardWebhooksVector(t *testing.T) {
	got, err := Sign(vectorSecret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Errorf("Sign = %s, want %s", got, vectorSignature)
	}
	// The prefix may be left out of the secret.
	got, err = Sign(strings.TrimPrefix(vectorSecret, SecretPrefix), vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))
	if err != nil || got != vectorSignature {
		t.Errorf("Sign without the prefix = %s, %v; want %s", got, err, vectorSignature)
	}
}

func TestVerifyStandardWebhooksVector(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	body := []byte(vectorPayload)
	if err := verifyAt(vectorSecret, vectorHeader(vectorSignature), body, 0, at); err != nil {
		t.Errorf("the vector: %v", err)
	}
	other := "v1," + base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name   string
		secret string
		header http.Header
		body   string
		now    time.Time
		want   string // in the error; "" for a verified request
	}{
		{"one of several signatures", vectorSecret, vectorHeader(other + " v2,abc " + vectorSignature), vectorPayload, at, ""},
		{"signatures in several headers", vectorSecret, func() http.Header {
			h := vectorHeader(other)
			h.Add(HeaderSignature, vectorSignature)
			return h
		}(), vectorPayload, at, ""},
		{"within the tolerance, late", vectorSecret, vectorHeader(vectorSignature), vectorPayload, at.Add(DefaultTolerance), ""},
		{"within the tolerance, early", vectorSecret, vectorHeader(vectorSignature), vectorPayload, at.Add(-DefaultTolerance), ""},
		{"another body", vectorSecret, vectorHeader(vectorSignature), `{"test": 2432232315}`, at, "no v1 signature"},
		{"another secret", NewSecret(), vectorHeader(vectorSignature), vectorPayload, at, "no v1 signature"},
		{"another id", vectorSecret, func() http.Header {
			h := vectorHeader(vectorSignature)
			h.Set(HeaderID, "msg_other")
			return h
		}(), vectorPayload, at, "no v1 signature"},
		{"another version", vectorSecret, vectorHeader("v2," + strings.TrimPrefix(vectorSignature, "v1,")), vectorPayload, at, "no v1 signature"},
		{"malformed signature", vectorSecret, vectorHeader("v1,***"), vectorPayload, at, "no v1 signature"},
		{"too old", vectorSecret, vectorHeader(vectorSignature), vectorPayload, at.Add(DefaultTolerance + time.Second), "old"},
		{"too new", vectorSecret, vectorHeader(vectorSignature), vectorPayload, at.Add(-DefaultTolerance - time.Second), "ahead"},
		{"no id", vectorSecret, func() http.Header {
			h := vectorHeader(vectorSignature)
			h.Del(HeaderID)
			return h
		}(), vectorPayload, at, "no webhook-id"},
		{"no timestamp", vectorSecret, func() http.Header {
			h := vectorHeader(vectorSignature)
			h.Del(HeaderTimestamp)
			return h
		}(), vectorPayload, at, "no webhook-timestamp"},
		{"no signature", vectorSecret, func() http.Header {
			h := vectorHeader(vectorSignature)
			h.Del(HeaderSignature)
			return h
		}(), vectorPayload, at, "no webhook-signature"},
		{"timestamp not a number", vectorSecret, func() http.Header {
			h := vectorHeader(vectorSignature)
			h.Set(HeaderTimestamp, "2021-02-25T15:02:10Z")
			return h
		}(), vectorPayload, at, "not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyAt(tc.secret, tc.header, []byte(tc.body), 0, tc.now)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want it verified", err)
			case tc.want != "" && (!errors.Is(err, ErrVerification) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want ErrVerification saying %q", err, tc.want)
			}
		})
	}
}

func TestVerifyTolerance(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	h, body := vectorHeader(vectorSignature), []byte(vectorPayload)
	if err := verifyAt(vectorSecret, h, body, time.Hour, at.Add(59*time.Minute)); err != nil {
		t.Errorf("within an hour's tolerance: %v", err)
	}
	if err := verifyAt(vectorSecret, h, body, time.Hour, at.Add(61*time.Minute)); !errors.Is(err, ErrVerification) {
		t.Errorf("past an hour's tolerance: %v, want ErrVerification", err)
	}
	// A timestamp far out of range is refused, not overflowed.
	far := vectorHeader(vectorSignature)
	far.Set(HeaderTimestamp, "-9223372036854775808")
	if err := verifyAt(vectorSecret, far, body, time.Hour, at); !errors.Is(err, ErrVerification) {
		t.Errorf("the earliest int64 timestamp: %v, want ErrVerification", err)
	}
}

func TestVerifyNow(t *testing.T) {
	secret, body, now := NewSecret(), []byte(`{"id":"x","type":"order.placed"}`), time.Now()
	sig, err := Sign(secret, "evt_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderID, "evt_1")
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, sig)
	if err := Verify(secret, h, body, 0); err != nil {
		t.Errorf("Verify of a request signed now: %v", err)
	}
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Add(-time.Hour).Unix(), 10))
	if err := Verify(secret, h, body, 0); !errors.Is(err, ErrVerification) {
		t.Errorf("Verify of a request signed an hour ago, its signature made for now: %v, want ErrVerification", err)
	}
}

func TestSecrets(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Error("two new secrets are equal")
	}
	for _, s := range []string{a, b} {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
		if !strings.HasPrefix(s, SecretPrefix) || err != nil || len(key) != 32 {
			t.Errorf("secret %q: want %q and the base64 of 32 bytes", s, SecretPrefix)
		}
	}
	for _, bad := range []string{"", "whsec_", "whsec_not base64!", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 23)),
		"whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65))} {
		if _, err := Sign(bad, "id", time.Now(), nil); !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("Sign with secret %q: %v, want ErrInvalid", bad, err)
		}
		if err := Verify(bad, vectorHeader(vectorSignature), nil, 0); !errors.Is(err, commerce.ErrInvalid) {
			t.Errorf("Verify with secret %q: %v, want ErrInvalid", bad, err)
		}
	}
	for _, n := range []int{24, 64} {
		if _, err := Sign(SecretPrefix+base64.StdEncoding.EncodeToString(make([]byte, n)), "id", time.Now(), nil); err != nil {
			t.Errorf("Sign with a secret of %d bytes: %v", n, err)
		}
	}
}
