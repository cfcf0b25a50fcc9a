package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// keyRecorder is a go-redis hook that records the keys of every command.
// Offline, it answers nothing and sends nothing, so that a test needs no
// server.
type keyRecorder struct {
	offline bool

	mu      sync.Mutex
	keys    []string
	unknown []string
}

func (r *keyRecorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *keyRecorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.record(cmd)
		if r.offline {
			return nil
		}
		return next(ctx, cmd)
	}
}

func (r *keyRecorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			r.record(cmd)
		}
		if r.offline {
			return nil
		}
		return next(ctx, cmds)
	}
}

// record notes the keys of the commands the Store sends, and the name of
// any other command.
func (r *keyRecorder) record(cmd redis.Cmder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	args := cmd.Args()
	str := func(a any) string { s, _ := a.(string); return s }
	switch name := cmd.Name(); name {
	case "hgetall", "hset", "hget", "pexpireat", "zrange", "zrem", "get", "pttl":
		r.keys = append(r.keys, str(args[1]))
	case "del":
		for _, a := range args[1:] {
			r.keys = append(r.keys, str(a))
		}
	case "eval", "evalsha":
		n, _ := args[2].(int)
		for _, a := range args[3 : 3+n] {
			r.keys = append(r.keys, str(a))
		}
	case "multi", "exec", "ping", "hello", "client", "auth", "select":
	default:
		r.unknown = append(r.unknown, name)
	}
}

// ceilMilli is a time in Unix milliseconds rounded up, as Redis expires it.
func ceilMilli(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}

// checkExpiry checks that key expires at the millisecond want. Redis 7
// says exactly when (PEXPIRETIME); an older one says how long is left, and
// then the check allows for the time since want was computed.
func checkExpiry(t *testing.T, rdb redis.UniversalClient, key string, want int64) {
	t.Helper()
	ctx := context.Background()
	got, err := rdb.Do(ctx, "PEXPIRETIME", key).Int64()
	if err == nil {
		if got != want {
			t.Errorf("%s expires at %d, want %d (%+dms)", key, got, want, got-want)
		}
		return
	}
	left, err := rdb.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Now().Add(left).UnixMilli() - want; left < 0 || d < -5000 || d > 5000 {
		t.Errorf("%s expires in %v, %+dms off %d", key, left, d, want)
	}
}

func TestKeysAndExpiry(t *testing.T) {
	rec := &keyRecorder{}
	s, rdb, prefix := newStore(t, nil, rec)
	ctx := context.Background()
	sessions, attempts := s.Sessions(), s.Attempts()

	user := commerce.NewID()
	now := time.Now().UTC().Truncate(time.Microsecond)
	sess := account.Session{
		ID: account.SessionID("a token"), UserID: user, Staff: true, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(time.Hour + 500*time.Microsecond), ExpiresAt: now.Add(2*time.Hour + 1500*time.Microsecond),
	}
	guest := account.Session{
		ID: account.SessionID("a guest's token"), CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour),
	}
	for _, s := range []account.Session{sess, guest} {
		if err := sessions.CreateSession(ctx, s); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}

	// The schema: a hash of Unix microseconds, expiring at End.
	sessionKey := prefix + "session:" + sess.ID
	indexKey := prefix + "user-sessions:" + user.String()
	fields, err := rdb.HGetAll(ctx, sessionKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	micros := func(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }
	want := map[string]string{
		"user": user.String(), "staff": "1",
		"created": micros(sess.CreatedAt), "seen": micros(sess.LastSeenAt),
		"idle": micros(sess.IdleExpiresAt), "expires": micros(sess.ExpiresAt),
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("the session's hash (-want +got):\n%s", diff)
	}
	checkExpiry(t, rdb, sessionKey, ceilMilli(sess.IdleExpiresAt))
	checkExpiry(t, rdb, prefix+"session:"+guest.ID, ceilMilli(guest.End()))

	// The user's index: session id → absolute expiry, expiring with it.
	index, err := rdb.ZRangeWithScores(ctx, indexKey, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]redis.Z{{Score: float64(ceilMilli(sess.ExpiresAt)), Member: sess.ID}}, index); diff != "" {
		t.Errorf("the user's index (-want +got):\n%s", diff)
	}
	checkExpiry(t, rdb, indexKey, ceilMilli(sess.ExpiresAt))
	if n, _ := rdb.Exists(ctx, prefix+"user-sessions:"+uuid.Nil.String()).Result(); n != 0 {
		t.Error("a guest session has an index")
	}

	// A touch moves the expiry to the new End, never past ExpiresAt.
	seen := now.Add(time.Minute)
	idle := seen.Add(30*time.Minute + 700*time.Microsecond)
	if err := sessions.TouchSession(ctx, sess.ID, seen, idle); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	checkExpiry(t, rdb, sessionKey, ceilMilli(idle))
	if got, _ := rdb.HMGet(ctx, sessionKey, "seen", "idle").Result(); got[0] != micros(seen) || got[1] != micros(idle) {
		t.Errorf("after TouchSession, seen and idle are %v", got)
	}
	if err := sessions.TouchSession(ctx, sess.ID, seen, sess.ExpiresAt.Add(time.Hour)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	checkExpiry(t, rdb, sessionKey, ceilMilli(sess.ExpiresAt))
	checkExpiry(t, rdb, indexKey, ceilMilli(sess.ExpiresAt))

	// A throttling window: a counter that expires when the window ends.
	if _, _, err := attempts.AddFailure(ctx, "user:someone", time.Minute); err != nil {
		t.Fatal(err)
	}
	attemptKey := prefix + "attempts:user:someone"
	if n, err := rdb.Get(ctx, attemptKey).Result(); err != nil || n != "1" {
		t.Errorf("the counter holds %q, %v; want 1", n, err)
	}
	if left, _ := rdb.PTTL(ctx, attemptKey).Result(); left <= 0 || left > time.Minute {
		t.Errorf("the counter expires in %v, want within the window of 1m", left)
	}

	// Every call, every key under the prefix.
	if _, _, err := attempts.Failures(ctx, "user:someone"); err != nil {
		t.Fatal(err)
	}
	if err := attempts.ResetFailures(ctx, "user:someone"); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.GetSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if err := sessions.DeleteSession(ctx, guest.ID); err != nil {
		t.Fatal(err)
	}
	if err := sessions.DeleteUserSessions(ctx, user, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.keys) == 0 {
		t.Fatal("the hook saw no keys")
	}
	for _, k := range rec.keys {
		if !strings.HasPrefix(k, prefix) {
			t.Errorf("key %q lacks the prefix %q", k, prefix)
		}
	}
	if len(rec.unknown) > 0 {
		t.Errorf("commands the test does not know the keys of: %v", rec.unknown)
	}
}

func TestDefaultPrefix(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: closedPort(t)})
	defer rdb.Close()
	rec := &keyRecorder{offline: true}
	rdb.AddHook(rec)
	s := redisstore.New(rdb, nil)
	ctx := context.Background()
	if _, err := s.Sessions().GetSession(ctx, "abc"); !errors.Is(err, account.ErrSessionNotFound) {
		t.Fatalf("GetSession: %v", err)
	}
	if err := s.Attempts().ResetFailures(ctx, "user:someone"); err != nil {
		t.Fatal(err)
	}
	want := []string{"commerce:session:abc", "commerce:attempts:user:someone"}
	if diff := cmp.Diff(want, rec.keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

func TestCreateEndedSession(t *testing.T) {
	s, rdb, prefix := newStore(t, nil)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	user := commerce.NewID()
	sess := account.Session{
		ID: account.SessionID("late"), UserID: user, CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-2 * time.Hour),
		IdleExpiresAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour),
	}
	if err := s.Sessions().CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession of an ended session: %v", err)
	}
	// One key per EXISTS: in a Redis Cluster the two may lie in
	// different slots, which one command cannot span.
	for _, key := range []string{prefix + "session:" + sess.ID, prefix + "user-sessions:" + user.String()} {
		if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
			t.Errorf("an ended session left %s (%d, %v)", key, n, err)
		}
	}
}

func TestTouchNeverRevives(t *testing.T) {
	s, rdb, prefix := newStore(t, nil)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, remove := range []func(id string) error{
		func(id string) error { return rdb.Del(ctx, prefix+"session:"+id).Err() }, // as if expired
		func(id string) error { return s.Sessions().DeleteSession(ctx, id) },
	} {
		sess := account.Session{
			ID: account.SessionID(commerce.NewID().String()), UserID: commerce.NewID(), CreatedAt: now, LastSeenAt: now,
			IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour),
		}
		if err := s.Sessions().CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if err := remove(sess.ID); err != nil {
			t.Fatal(err)
		}
		err := s.Sessions().TouchSession(ctx, sess.ID, now, now.Add(time.Hour))
		if !errors.Is(err, account.ErrSessionNotFound) {
			t.Errorf("TouchSession of a removed session: %v, want ErrSessionNotFound", err)
		}
		if n, _ := rdb.Exists(ctx, prefix+"session:"+sess.ID).Result(); n != 0 {
			t.Error("TouchSession brought a removed session back")
		}
	}
}

// TestServerClockBehind checks that a session that has ended by the
// Store's clock is gone even while Redis, whose clock may lag, still
// holds it.
func TestServerClockBehind(t *testing.T) {
	s, rdb, prefix := newStore(t, nil)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	sess := account.Session{
		ID: account.SessionID("skew"), UserID: commerce.NewID(), CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour),
	}
	if err := s.Sessions().CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	later := redisstore.New(rdb, &redisstore.Options{Prefix: prefix, Now: func() time.Time { return now.Add(time.Hour) }})
	if _, err := later.Sessions().GetSession(ctx, sess.ID); !errors.Is(err, account.ErrSessionNotFound) {
		t.Errorf("GetSession after End by the Store's clock: %v, want ErrSessionNotFound", err)
	}
	err := later.Sessions().TouchSession(ctx, sess.ID, now.Add(time.Hour), now.Add(2*time.Hour))
	if !errors.Is(err, account.ErrSessionNotFound) {
		t.Errorf("TouchSession after End by the Store's clock: %v, want ErrSessionNotFound", err)
	}
	got, err := s.Sessions().GetSession(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sess, got); diff != "" {
		t.Errorf("a refused touch changed the session (-before +after):\n%s", diff)
	}
}

func TestUserIndex(t *testing.T) {
	s, rdb, prefix := newStore(t, nil)
	ctx := context.Background()
	sessions := s.Sessions()
	user := commerce.NewID()
	indexKey := prefix + "user-sessions:" + user.String()
	now := time.Now().UTC().Truncate(time.Microsecond)
	newSession := func(store *redisstore.Store, userID uuid.UUID, start time.Time) account.Session {
		t.Helper()
		sess := account.Session{
			ID: account.SessionID(commerce.NewID().String()), UserID: userID, CreatedAt: start, LastSeenAt: start,
			IdleExpiresAt: start.Add(time.Hour), ExpiresAt: start.Add(2 * time.Hour),
		}
		if err := store.Sessions().CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		return sess
	}
	members := func() []string {
		t.Helper()
		ids, err := rdb.ZRange(ctx, indexKey, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	a, b, c := newSession(s, user, now), newSession(s, user, now), newSession(s, user, now)
	guest := newSession(s, uuid.Nil, now)

	// Deleting a session removes its id.
	if err := sessions.DeleteSession(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if ids := members(); len(ids) != 2 || ids[0] == a.ID || ids[1] == a.ID {
		t.Errorf("index after DeleteSession: %v, want %s and %s", ids, b.ID, c.ID)
	}
	// Deleting the user's sessions removes their ids, but the exception's.
	if err := sessions.DeleteUserSessions(ctx, user, c.ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{c.ID}, members()); diff != "" {
		t.Errorf("index after DeleteUserSessions (-want +got):\n%s", diff)
	}
	// Guests have no index: uuid.Nil deletes nothing.
	if err := sessions.DeleteUserSessions(ctx, uuid.Nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.GetSession(ctx, guest.ID); err != nil {
		t.Errorf("DeleteUserSessions(uuid.Nil) removed a guest session: %v", err)
	}

	// Writing to the index drops the ids whose absolute expiry has passed,
	// and the index lives as long as its longest-lived session.
	start := now.Add(3 * time.Hour)
	later := redisstore.New(rdb, &redisstore.Options{Prefix: prefix, Now: func() time.Time { return start }})
	d := newSession(later, user, start)
	if diff := cmp.Diff([]string{d.ID}, members()); diff != "" {
		t.Errorf("index after a session outlived the others (-want +got):\n%s", diff)
	}
	checkExpiry(t, rdb, indexKey, ceilMilli(d.ExpiresAt))
}

func TestForeignValues(t *testing.T) {
	s, rdb, prefix := newStore(t, nil)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)

	// Keys the Store did not write, or wrote in another form, are an
	// error, never a session or a count.
	if err := rdb.HSet(ctx, prefix+"session:bad", "user", "nobody", "staff", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, prefix+"session:string", "a string", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, prefix+"attempts:bad", "many", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"bad", "string"} {
		_, err := s.Sessions().GetSession(ctx, id)
		wantUnavailable(t, "GetSession of "+id, err)
	}
	err := s.Sessions().TouchSession(ctx, "string", now, now.Add(time.Hour))
	wantUnavailable(t, "TouchSession of a string", err)
	_, _, err = s.Attempts().Failures(ctx, "bad")
	wantUnavailable(t, "Failures of a string", err)
	_, _, err = s.Attempts().AddFailure(ctx, "bad", time.Minute)
	wantUnavailable(t, "AddFailure to a string", err)

	// A counter without an expiry opens no window, and the next failure
	// gives it one.
	if err := rdb.Set(ctx, prefix+"attempts:forever", "4", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _, err := s.Attempts().Failures(ctx, "forever"); err != nil || n != 0 {
		t.Errorf("Failures of a counter without expiry: %d, %v; want 0", n, err)
	}
	n, reset, err := s.Attempts().AddFailure(ctx, "forever", time.Minute)
	if err != nil || n != 5 || !reset.After(now) || reset.After(time.Now().Add(time.Minute)) {
		t.Errorf("AddFailure to a counter without expiry: %d until %v, %v", n, reset, err)
	}
	if left, _ := rdb.PTTL(ctx, prefix+"attempts:forever").Result(); left <= 0 {
		t.Errorf("the counter still has no expiry: %v", left)
	}
}
