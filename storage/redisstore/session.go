package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce/account"
)

// Sessions returns the store's session store.
func (s *Store) Sessions() account.SessionStore { return sessionStore{s} }

type sessionStore struct{ s *Store }

var _ account.SessionStore = sessionStore{}

// The fields of a session's hash. Times are Unix microseconds, the
// precision every adapter keeps, as decimal integers: a Lua number holds
// them exactly until the year 2255.
const (
	fieldUser    = "user"    // the user's UUID; the nil UUID for a guest
	fieldStaff   = "staff"   // "1" or "0"
	fieldCreated = "created" // CreatedAt
	fieldSeen    = "seen"    // LastSeenAt
	fieldIdle    = "idle"    // IdleExpiresAt
	fieldExpires = "expires" // ExpiresAt
)

func (s *Store) sessionKey(id string) string { return s.prefix + "session:" + id }

func (s *Store) userSessionsKey(userID uuid.UUID) string {
	return s.prefix + "user-sessions:" + userID.String()
}

// indexScript adds a session to its user's index, a sorted set of session
// ids scored by the sessions' absolute expiry in Unix milliseconds. It
// drops the ids whose absolute expiry has passed, and keeps the set itself
// until the last absolute expiry of its members. Touching a session never
// moves its absolute expiry, so the index needs no write on the hot path.
//
// KEYS[1] the index; ARGV[1] the session id; ARGV[2] its ExpiresAt in ms,
// rounded up; ARGV[3] now in ms.
var indexScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
return 1
`)

// touchScript records activity on a session that exists and has not ended
// by the caller's clock, and moves the key's expiry to the session's new
// End. It returns 0, writing nothing, for a session that is gone: it never
// revives one.
//
// KEYS[1] the session; ARGV[1] LastSeenAt in µs; ARGV[2] IdleExpiresAt in
// µs; ARGV[3] IdleExpiresAt in ms, rounded up; ARGV[4] now in µs.
var touchScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'idle', 'expires')
local idle, expires = tonumber(v[1]), tonumber(v[2])
if not idle or not expires then return 0 end
local now = tonumber(ARGV[4])
if now >= idle or now >= expires then return 0 end
redis.call('HSET', KEYS[1], 'seen', ARGV[1], 'idle', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], math.min(tonumber(ARGV[3]), math.ceil(expires / 1000)))
return 1
`)

// CreateSession stores sess in a hash that expires at sess.End(). A signed-in
// user's session goes into the user's index first, so that a session that
// exists is always found by DeleteUserSessions; if storing the session then
// fails, the index keeps an id with no session, which is harmless.
func (r sessionStore) CreateSession(ctx context.Context, sess account.Session) error {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	now := s.now.Now()
	key := s.sessionKey(sess.ID)
	if !now.Before(sess.End()) {
		// Already over: store nothing, and leave no older session under
		// the same id.
		if err := s.rdb.Del(ctx, key).Err(); err != nil {
			return unavailable(ctx, err)
		}
		return nil
	}
	if !sess.Guest() {
		err := indexScript.Run(ctx, s.rdb, []string{s.userSessionsKey(sess.UserID)},
			sess.ID, ceilMilli(sess.ExpiresAt), now.UnixMilli()).Err()
		if err != nil {
			return unavailable(ctx, err)
		}
	}
	staff := "0"
	if sess.Staff {
		staff = "1"
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key,
			fieldUser, sess.UserID.String(),
			fieldStaff, staff,
			fieldCreated, sess.CreatedAt.UnixMicro(),
			fieldSeen, sess.LastSeenAt.UnixMicro(),
			fieldIdle, sess.IdleExpiresAt.UnixMicro(),
			fieldExpires, sess.ExpiresAt.UnixMicro(),
		)
		p.PExpireAt(ctx, key, time.UnixMilli(ceilMilli(sess.End())))
		return nil
	})
	if err != nil {
		return unavailable(ctx, err)
	}
	return nil
}

func (r sessionStore) GetSession(ctx context.Context, id string) (account.Session, error) {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	fields, err := s.rdb.HGetAll(ctx, s.sessionKey(id)).Result()
	if err != nil {
		return account.Session{}, unavailable(ctx, err)
	}
	if len(fields) == 0 {
		return account.Session{}, account.ErrSessionNotFound
	}
	sess, err := decodeSession(id, fields)
	if err != nil {
		return account.Session{}, err
	}
	if sess.Expired(s.now.Now()) {
		return account.Session{}, account.ErrSessionNotFound
	}
	return sess, nil
}

// decodeSession reads the hash that CreateSession wrote.
func decodeSession(id string, fields map[string]string) (account.Session, error) {
	sess := account.Session{ID: id}
	var err error
	if sess.UserID, err = uuid.Parse(fields[fieldUser]); err != nil {
		return account.Session{}, malformed("session", fmt.Errorf("field %s: %v", fieldUser, err))
	}
	switch fields[fieldStaff] {
	case "1":
		sess.Staff = true
	case "0":
	default:
		return account.Session{}, malformed("session", fmt.Errorf("field %s: %q", fieldStaff, fields[fieldStaff]))
	}
	for _, f := range []struct {
		name string
		t    *time.Time
	}{
		{fieldCreated, &sess.CreatedAt},
		{fieldSeen, &sess.LastSeenAt},
		{fieldIdle, &sess.IdleExpiresAt},
		{fieldExpires, &sess.ExpiresAt},
	} {
		us, err := strconv.ParseInt(fields[f.name], 10, 64)
		if err != nil {
			return account.Session{}, malformed("session", fmt.Errorf("field %s: %v", f.name, err))
		}
		*f.t = time.UnixMicro(us).UTC()
	}
	return sess, nil
}

func (r sessionStore) TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	touched, err := touchScript.Run(ctx, s.rdb, []string{s.sessionKey(id)},
		lastSeen.UnixMicro(), idleExpires.UnixMicro(), ceilMilli(idleExpires), s.now.Now().UnixMicro()).Int()
	if err != nil {
		return unavailable(ctx, err)
	}
	if touched == 0 {
		return account.ErrSessionNotFound
	}
	return nil
}

// DeleteSession deletes the session and, for a user's session, its id in
// the user's index. The session goes first: if removing the id then
// fails, the index keeps an id with no session, which is harmless.
func (r sessionStore) DeleteSession(ctx context.Context, id string) error {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	key := s.sessionKey(id)
	var (
		user *redis.StringCmd
		del  *redis.IntCmd
	)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		user = p.HGet(ctx, key, fieldUser)
		del = p.Del(ctx, key)
		return nil
	})
	// HGET of a missing session answers redis.Nil, which the pipeline
	// reports as its error; only the DEL's own error counts.
	if err != nil && !errors.Is(err, redis.Nil) {
		return unavailable(ctx, err)
	}
	if err := del.Err(); err != nil {
		return unavailable(ctx, err)
	}
	userID, err := uuid.Parse(user.Val())
	if err != nil || userID == uuid.Nil {
		// No session, a guest's, or one this store did not write: there
		// is no index to clean.
		return nil
	}
	if err := s.rdb.ZRem(ctx, s.userSessionsKey(userID), id).Err(); err != nil {
		return unavailable(ctx, err)
	}
	return nil
}

// DeleteUserSessions deletes the sessions in the user's index, one key at
// a time (in a pipeline, so that Redis Cluster can send each to its
// node), then removes their ids from the index. Guest sessions have no
// index, so DeleteUserSessions(ctx, uuid.Nil, ...) deletes nothing.
func (r sessionStore) DeleteUserSessions(ctx context.Context, userID uuid.UUID, except string) error {
	s := r.s
	if userID == uuid.Nil {
		return nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	index := s.userSessionsKey(userID)
	ids, err := s.rdb.ZRange(ctx, index, 0, -1).Result()
	if err != nil {
		return unavailable(ctx, err)
	}
	gone := make([]any, 0, len(ids))
	for _, id := range ids {
		if id != except {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range gone {
			p.Del(ctx, s.sessionKey(id.(string)))
		}
		return nil
	})
	if err != nil {
		return unavailable(ctx, err)
	}
	// Remove exactly the ids deleted: a session created meanwhile keeps
	// its place in the index.
	if err := s.rdb.ZRem(ctx, index, gone...).Err(); err != nil {
		return unavailable(ctx, err)
	}
	return nil
}
