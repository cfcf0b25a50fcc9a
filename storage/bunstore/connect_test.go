package bunstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// A server that turns the connection down for good — a wrong password, an
// unknown database — is ErrDenied (an ErrInvalid), never ErrUnavailable,
// so that a caller waiting for the database to start gives up at once. The
// error carries the server's message, not the password.
func TestNewDenied(t *testing.T) {
	t.Parallel()
	cfg, err := mysql.ParseDSN(testdb.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	wrongPassword := cfg.Clone()
	wrongPassword.Passwd = "s3cr3t-wrong-pw"
	unknownDB := cfg.Clone()
	unknownDB.DBName = cfg.DBName + "_missing"
	for _, tc := range []struct {
		name string
		cfg  *mysql.Config
		want string // in the server's message
	}{
		{"wrong password", wrongPassword, "Access denied"},
		{"unknown database", unknownDB, "Unknown database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, tc.cfg.FormatDSN())
			_, err := bunstore.New(context.Background(), db, nil)
			if !errors.Is(err, bunstore.ErrDenied) || !errors.Is(err, commerce.ErrInvalid) || errors.Is(err, commerce.ErrUnavailable) {
				t.Fatalf("got %v, want ErrDenied, an ErrInvalid and no ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want the server's message %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error %q repeats the password", err)
			}
			var myErr *mysql.MySQLError
			if errors.As(err, &myErr) {
				t.Errorf("the error %v leaks *mysql.MySQLError", err)
			}
		})
	}
}
