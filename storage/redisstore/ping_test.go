package redisstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// A Redis that turns the client down for good — an unknown user or a wrong
// password, a database it does not have — makes Ping answer ErrDenied (an
// ErrInvalid), never ErrUnavailable, so that a server waiting for Redis to
// start gives up at once. The error says what Redis said, not the
// password.
func TestPingDenied(t *testing.T) {
	t.Parallel()
	base, _ := testdb.RedisURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	wrongUser := *u
	// Redis has no such user, whether or not it requires a password.
	wrongUser.User = url.UserPassword("commerce_test_nobody", "s3cret-wrong-pw")
	noSuchDB := *u
	noSuchDB.Path = "/100000"
	for _, tc := range []struct {
		name, url, want string
	}{
		{"unknown user", wrongUser.String(), "WRONGPASS"},
		{"no such database", noSuchDB.String(), "DB index is out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb, err := redisstore.NewClient(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			err = redisstore.New(rdb, nil).Ping(context.Background())
			if !errors.Is(err, redisstore.ErrDenied) || !errors.Is(err, commerce.ErrInvalid) || errors.Is(err, commerce.ErrUnavailable) {
				t.Fatalf("Ping: %v; want ErrDenied, an ErrInvalid and no ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Ping: %q; want Redis's %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error %q repeats the password", err)
			}
		})
	}
}
