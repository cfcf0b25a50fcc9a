package bunstore_test

import (
	"context"
	"testing"

	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/storagetest"
)

// Each handle is a Store over a pool of its own on one database, as
// servers that start together have.
func TestExclusive(t *testing.T) {
	t.Parallel()
	storagetest.RunExclusiveTests(t, func(t *testing.T) func() storagetest.Exclusive {
		dsn := testdb.MySQLDSN(t)
		return func() storagetest.Exclusive {
			s, err := bunstore.New(context.Background(), openDB(t, dsn), nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}
