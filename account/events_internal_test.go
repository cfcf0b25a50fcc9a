package account

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
)

// sameJSON fails t unless got is the JSON of want, byte for byte once want
// is compacted: the field names, their order and every value.
func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var w bytes.Buffer
	if err := json.Compact(&w, []byte(want)); err != nil {
		t.Fatalf("%s: the golden JSON is not JSON: %v", what, err)
	}
	if !bytes.Equal(got, w.Bytes()) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, w.Bytes())
	}
}

func TestSignedUpEvent(t *testing.T) {
	at := time.Date(2026, 3, 1, 18, 0, 0, 250000000, time.FixedZone("KST", 9*3600))
	u := User{
		ID: uuid.MustParse("01956a3e-1c00-7000-8000-0000000000a1"), Username: "hana.kim",
		PasswordHash: "pbkdf2_sha256$1000000$salt$hash", Nickname: "하나", Email: "hana@example.kr",
		Interests: []uuid.UUID{uuid.MustParse("01956a3e-1c00-7000-8000-0000000000b1"), uuid.MustParse("01956a3e-1c00-7000-8000-0000000000b2")},
		CreatedAt: at, UpdatedAt: at, Version: 1,
	}
	ev := signedUpEvent(u, ProviderPassword)
	if EventUserSignedUp != "user.signed_up" || ev.Type != EventUserSignedUp || ev.AggregateID != u.ID || ev.Version != 1 || !ev.Time.Equal(at) || ev.Time.Location() != time.UTC {
		t.Errorf("event %s about %s at version %d, %v", ev.Type, ev.AggregateID, ev.Version, ev.Time)
	}
	sameJSON(t, "user.signed_up", ev.Data, `{
		"user_id": "01956a3e-1c00-7000-8000-0000000000a1",
		"username": "hana.kim",
		"nickname": "하나",
		"email": "hana@example.kr",
		"provider": "password",
		"interests": ["01956a3e-1c00-7000-8000-0000000000b1", "01956a3e-1c00-7000-8000-0000000000b2"],
		"signed_up_at": "2026-03-01T09:00:00.25Z"
	}`)
	if bytes.Contains(ev.Data, []byte("pbkdf2")) {
		t.Errorf("the event holds the password hash: %s", ev.Data)
	}

	// A provider's user without an email or interests.
	u.Username, u.Nickname, u.Email, u.Interests, u.PasswordHash = "kakao_3141592", "카카오 사용자", "", nil, ""
	sameJSON(t, "user.signed_up through kakao", signedUpEvent(u, "kakao").Data, `{
		"user_id": "01956a3e-1c00-7000-8000-0000000000a1",
		"username": "kakao_3141592",
		"nickname": "카카오 사용자",
		"email": "",
		"provider": "kakao",
		"interests": [],
		"signed_up_at": "2026-03-01T09:00:00.25Z"
	}`)
}
