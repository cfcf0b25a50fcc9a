package bunstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
)

// benchHash is a Django hash, computed once: neither way hashes, so that
// the benchmark measures the writes.
const benchHash = "pbkdf2_sha256$870000$k3PqXz8Lr2TnW5vYb9Hc1d$7dp9aMjILLAD9EodwZhhKkOQRMKImxKE4u0HraDdq4s="

// BenchmarkImportUsers stores COMMERCE_BENCH_SIZES users (10,000 by
// default), each with one or two interests and every third with a Kakao
// identity, into a fresh database two ways, and reports users/s:
// "way=bulk" through account.Service.ImportUsers in batches of
// commerce.ImportBatchSize, and "way=one" through the repository's
// CreateUser, one user (and identity) per transaction, as sign-ups store
// them — but with the hash made beforehand, since SignUp's hashing would
// dwarf the write. Each op is all the users; making the database and its
// problems is not timed.
//
//	go test -run '^$' -bench ImportUsers -benchtime 1x ./storage/bunstore/
func BenchmarkImportUsers(b *testing.B) {
	for _, way := range []string{"bulk", "one"} {
		b.Run("way="+way, func(b *testing.B) {
			for _, size := range benchSizes(b) {
				b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) { benchImportUsers(b, way, size) })
			}
		})
	}
}

func benchImportUsers(b *testing.B, way string, size int) {
	ctx := context.Background()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		store, problems := newUserBenchStore(b)
		users := benchUsers(size, problems)
		svc := account.NewService(store.Accounts(), nilSessions{}, nilAttempts{}, nil)
		b.StartTimer()
		started := time.Now()
		switch way {
		case "bulk":
			for start := 0; start < size; start += commerce.ImportBatchSize {
				batch := users[start:min(start+commerce.ImportBatchSize, size)]
				res, err := svc.ImportUsers(ctx, batch)
				if err != nil {
					b.Fatal(err)
				}
				for k, r := range res {
					if r.Outcome != commerce.ImportCreated {
						b.Fatalf("user %d: %v (%v)", start+k, r.Outcome, r.Err)
					}
				}
			}
		case "one":
			for _, in := range users {
				u := in.User
				u.Version = 1
				var id *account.Identity
				if len(in.Identities) > 0 {
					id = &in.Identities[0]
				}
				if err := store.Accounts().CreateUser(ctx, u, id); err != nil {
					b.Fatal(err)
				}
			}
		}
		elapsed += time.Since(started)
	}
	b.ReportMetric(float64(size*b.N)/elapsed.Seconds(), "users/s")
}

// newUserBenchStore returns a store over a fresh database holding five
// problems, and their ids.
func newUserBenchStore(b *testing.B) (*Store, []uuid.UUID) {
	b.Helper()
	ctx := context.Background()
	db, err := Open(testdb.MySQLDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := New(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	svc := catalog.NewService(s.Catalog(), nil)
	staff := commerce.StaffActor(commerce.NewID())
	var ids []uuid.UUID
	for _, name := range []string{"장애인", "환경", "고용", "교육", "노인"} {
		p, err := svc.CreateProblem(ctx, staff, catalog.ProblemInput{Name: name})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	return s, ids
}

// benchUsers returns n users as an importer hands them over.
func benchUsers(n int, problems []uuid.UUID) []account.ImportedUser {
	epoch := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]account.ImportedUser, n)
	for k := range out {
		at := epoch.Add(time.Duration(k) * 17 * time.Minute)
		u := account.User{
			ID:       commerce.ImportedID(at, fmt.Sprintf("auth_user:%d", k)),
			Username: fmt.Sprintf("user%07d", k), PasswordHash: benchHash,
			Nickname: fmt.Sprintf("회원%07d", k), Email: fmt.Sprintf("user%07d@example.com", k),
			Interests: []uuid.UUID{problems[k%len(problems)]}, CreatedAt: at, UpdatedAt: at,
		}
		if k%2 == 0 {
			u.Interests = append(u.Interests, problems[(k+1)%len(problems)])
		}
		out[k] = account.ImportedUser{User: u}
		if k%3 == 0 {
			out[k].Identities = []account.Identity{{Provider: "kakao", Subject: fmt.Sprint(1_000_000_000 + k), CreatedAt: at}}
		}
	}
	return out
}

// nilSessions and nilAttempts stand for the stores the import never
// touches when it creates users.
type nilSessions struct{ account.SessionStore }

type nilAttempts struct{ account.AttemptStore }
