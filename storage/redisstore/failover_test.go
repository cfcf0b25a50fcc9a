package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/internal/redistest"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// recoverWithin bounds how long the failover tests wait, after killing a
// master, until every session works again: the node timeout or the
// sentinel's down-after (1s each), the election and promotion (a second
// or two), and the client finding the new master (about a second).
const recoverWithin = 20 * time.Second

// signedIn is a user's session, and the token that a request presents.
type signedIn struct {
	token string
	sess  account.Session
	// lost is whether the session's key lies on the master that the test
	// kills.
	lost bool
}

// newSignedIn returns a session of a user of its own, not yet stored,
// that ends in an hour.
func newSignedIn(user uuid.UUID) signedIn {
	token := commerce.NewID().String()
	now := time.Now().UTC().Truncate(time.Microsecond)
	return signedIn{token: token, sess: account.Session{
		ID: account.SessionID(token), UserID: user, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour),
	}}
}

// outage records what Authenticate answered for each session while a
// master was down.
type outage struct {
	mu          sync.Mutex
	unavailable map[int]int // calls that failed closed, by session
	wrong       []string    // calls that answered what they never should
}

func (o *outage) add(i int, wrong string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if wrong != "" {
		if len(o.wrong) < 20 {
			o.wrong = append(o.wrong, wrong)
		}
		return
	}
	o.unavailable[i]++
}

// checkOutage authenticates every session over and over, as the requests
// of their users would, while kill stops the master that holds the lost
// ones, then during runs, until every session authenticates again after
// the failover. It checks that a lost session's requests either pass as
// its user or fail closed with commerce.ErrUnavailable, and fail closed at
// least once; that the other sessions' requests all pass; and that none
// ever ends a session (account.ErrSessionEnded, which would make its
// requests anonymous and sign its user out). The sessions are replicated
// before kill, so the failover loses none.
func checkOutage(t *testing.T, accounts *account.Service, sessions []signedIn, kill, during func()) {
	t.Helper()
	ctx := context.Background()
	o := &outage{unavailable: map[int]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, si := range sessions {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				actor, _, err := accounts.Authenticate(ctx, si.token)
				switch {
				case err == nil && actor.UserID == si.sess.UserID:
				case err == nil:
					o.add(i, fmt.Sprintf("session %d authenticated as %v, want %v", i, actor.UserID, si.sess.UserID))
				case errors.Is(err, account.ErrSessionEnded) || errors.Is(err, commerce.ErrNotFound):
					o.add(i, fmt.Sprintf("session %d ended: %v", i, err))
				case !errors.Is(err, commerce.ErrUnavailable) || actor.SignedIn():
					o.add(i, fmt.Sprintf("session %d: %v as %v, want commerce.ErrUnavailable and no one signed in", i, err, actor))
				case !si.lost:
					o.add(i, fmt.Sprintf("session %d, on a master that is alive, failed: %v", i, err))
				default:
					o.add(i, "")
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	var once sync.Once
	halt := func() {
		once.Do(func() { close(stop) })
		wg.Wait()
	}
	defer halt() // when the test fails before the end

	time.Sleep(100 * time.Millisecond) // requests before the crash
	kill()
	killed := time.Now()
	during()

	for {
		recovered := true
		for _, si := range sessions {
			if _, _, err := accounts.Authenticate(ctx, si.token); err != nil {
				recovered = false
				break
			}
		}
		if recovered {
			break
		}
		if time.Since(killed) > recoverWithin {
			t.Fatalf("sessions still fail %v after the master was killed", recoverWithin)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("every session works again %v after the master was killed", time.Since(killed).Round(time.Millisecond))
	time.Sleep(100 * time.Millisecond) // requests after recovery

	halt()
	for _, w := range o.wrong {
		t.Error(w)
	}
	for i, si := range sessions {
		if si.lost && o.unavailable[i] == 0 {
			t.Errorf("session %d, on the killed master, never failed closed", i)
		}
	}
}

// newFailoverStore returns a Store on rdb under a fresh prefix, and an
// account service on it, with users in memory.
func newFailoverStore(t *testing.T, rdb redis.UniversalClient) (*redisstore.Store, *account.Service, string) {
	t.Cleanup(func() { rdb.Close() })
	prefix := testdb.RedisPrefix(t, rdb)
	s := redisstore.New(rdb, &redisstore.Options{Prefix: prefix})
	return s, account.NewService(memstore.New(nil).Accounts(), s.Sessions(), s.Attempts(), nil), prefix
}

// TestClusterMasterDown kills one master of a Redis Cluster whose masters
// each have a replica, while its users' requests go on: the sessions
// whose keys it held fail closed, the others keep working, and once the
// replica has taken over every session works again, with nothing lost.
func TestClusterMasterDown(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, &redistest.ClusterOptions{Replicas: true})
	rdb, err := redisstore.NewClusterClient(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, accounts, prefix := newFailoverStore(t, rdb)
	ctx := context.Background()
	dead := c.Masters[0]
	onDead := func(key string) bool { return c.MasterOf(prefix+key) == dead }

	sessions := make([]signedIn, 30)
	lost := 0
	for i := range sessions {
		sessions[i] = newSignedIn(commerce.NewID())
		if err := s.Sessions().CreateSession(ctx, sessions[i].sess); err != nil {
			t.Fatal(err)
		}
		if sessions[i].lost = onDead("session:" + sessions[i].sess.ID); sessions[i].lost {
			lost++
		}
	}
	if lost == 0 || lost == len(sessions) {
		t.Fatalf("%d of %d sessions on the master to kill: the test needs some on it and some elsewhere", lost, len(sessions))
	}
	// Sessions yet to be created: a guest's whose key will be on the dead
	// master, a guest's elsewhere, and a user's elsewhere whose index is
	// on the dead master.
	var guestDead, guestAlive, indexDead signedIn
	for guestDead.token == "" || guestAlive.token == "" {
		si := newSignedIn(uuid.Nil)
		if onDead("session:" + si.sess.ID) {
			guestDead = si
		} else {
			guestAlive = si
		}
	}
	for indexDead.token == "" {
		si := newSignedIn(commerce.NewID())
		if onDead("user-sessions:"+si.sess.UserID.String()) && !onDead("session:"+si.sess.ID) {
			indexDead = si
		}
	}
	c.WaitReplicated()

	checkOutage(t, accounts, sessions, dead.Kill, func() {
		// While the master is down, and before its replica takes over
		// (ClusterNodeTimeout, then an election), writes to the other
		// masters' slots work and writes to its slots fail closed.
		if err := s.Sessions().CreateSession(ctx, guestAlive.sess); err != nil {
			t.Errorf("creating a session on a master that is alive: %v", err)
		}
		err := s.Sessions().CreateSession(ctx, guestDead.sess)
		wantUnavailable(t, "creating a session on the dead master", err)
		// The user's index comes first, so a session whose index cannot
		// be written is not stored: a password change could not find it.
		err = s.Sessions().CreateSession(ctx, indexDead.sess)
		wantUnavailable(t, "creating a session whose user's index is on the dead master", err)
		if _, err := s.Sessions().GetSession(ctx, indexDead.sess.ID); !errors.Is(err, account.ErrSessionNotFound) {
			t.Errorf("a session whose index could not be written: %v, want ErrSessionNotFound", err)
		}
	})

	// After the failover, everything works, on every slot.
	if got := c.MasterOf(prefix + "session:" + guestDead.sess.ID); got != c.Replicas[0] {
		t.Errorf("the dead master's slots are on %s, want its replica %s", got.Addr, c.Replicas[0].Addr)
	}
	for _, si := range []signedIn{guestDead, indexDead} {
		if err := s.Sessions().CreateSession(ctx, si.sess); err != nil {
			t.Errorf("creating a session after the failover: %v", err)
		}
		if _, _, err := accounts.Authenticate(ctx, si.token); err != nil {
			t.Errorf("a session created after the failover: %v", err)
		}
	}
	if err := s.Sessions().DeleteUserSessions(ctx, indexDead.sess.UserID, ""); err != nil {
		t.Errorf("DeleteUserSessions after the failover: %v", err)
	}
	if _, _, err := accounts.Authenticate(ctx, indexDead.token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("a session after DeleteUserSessions: %v, want ErrSessionEnded", err)
	}
	for _, si := range sessions {
		if err := accounts.SignOut(ctx, si.token); err != nil {
			t.Errorf("signing out after the failover: %v", err)
		}
	}
}

// TestSentinelFailover kills the master of a Sentinel group while its
// users' requests go on: every session fails closed until the sentinel
// has promoted the replica, and then works again, with nothing lost.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	g := redistest.StartSentinel(t)
	rdb, err := redisstore.NewFailoverClient(g.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, accounts, _ := newFailoverStore(t, rdb)
	ctx := context.Background()
	sessions := make([]signedIn, 10)
	for i := range sessions {
		sessions[i] = newSignedIn(commerce.NewID())
		sessions[i].lost = true
		if err := s.Sessions().CreateSession(ctx, sessions[i].sess); err != nil {
			t.Fatal(err)
		}
	}
	g.WaitReplicated()
	later := newSignedIn(commerce.NewID())

	checkOutage(t, accounts, sessions, g.Master.Kill, func() {
		err := s.Sessions().CreateSession(ctx, later.sess)
		wantUnavailable(t, "creating a session while the master is down", err)
	})

	if got := g.MasterAddr(); got != g.Replica.Addr {
		t.Errorf("the sentinel names %s as the master, want the replica %s", got, g.Replica.Addr)
	}
	// Writes go to the new master: a demoted or dead one would refuse them.
	if err := s.Sessions().CreateSession(ctx, later.sess); err != nil {
		t.Fatalf("creating a session after the failover: %v", err)
	}
	if err := s.Sessions().DeleteUserSessions(ctx, later.sess.UserID, ""); err != nil {
		t.Errorf("DeleteUserSessions after the failover: %v", err)
	}
	if _, _, err := accounts.Authenticate(ctx, later.token); !errors.Is(err, account.ErrSessionEnded) {
		t.Errorf("a session after DeleteUserSessions: %v, want ErrSessionEnded", err)
	}
}
