package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce/account"
)

// Attempts returns the store's counter of attempts (failed sign-ins,
// sign-ups) that the account service throttles by. A window is a
// counter key that expires when the window ends, so every server that
// shares the Redis counts against the same limit.
func (s *Store) Attempts() account.AttemptStore { return attemptStore{s} }

type attemptStore struct{ s *Store }

var _ account.AttemptStore = attemptStore{}

func (s *Store) attemptKey(key string) string { return s.prefix + "attempts:" + key }

// addFailureScript counts one failure and returns the count and the
// window's remaining milliseconds. The first failure opens the window;
// later ones leave its end alone. A counter found without an expiry
// (written by someone else) gets one, so that it cannot lock a key out
// for good.
//
// KEYS[1] the counter; ARGV[1] the window in ms.
var addFailureScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
	ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

func (r attemptStore) AddFailure(ctx context.Context, key string, window time.Duration) (int, time.Time, error) {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	// Redis counts in whole milliseconds, and PEXPIRE 0 would delete the
	// counter at once.
	ms := max(window.Milliseconds(), 1)
	if time.Duration(ms)*time.Millisecond < window {
		ms++
	}
	sent := s.now.Now()
	res, err := addFailureScript.Run(ctx, s.rdb, []string{s.attemptKey(key)}, ms).Int64Slice()
	if err != nil {
		return 0, time.Time{}, unavailable(ctx, err)
	}
	if len(res) != 2 {
		return 0, time.Time{}, malformed("reply", fmt.Errorf("%d values, want 2", len(res)))
	}
	return int(res[0]), windowEnd(sent, res[1]), nil
}

// windowEnd dates the end of a window from the time a call was sent and
// the window's time left in whole milliseconds (PTTL) that Redis answered.
// Redis ran the command after sent, and counts time left from its clock
// in whole milliseconds, so up to a millisecond more is left than PTTL
// says: sent + PTTL - 1ms is just before the window's end, never after
// it. A later date could tell a client to wait longer than the window
// itself, when the window opened within the same millisecond.
func windowEnd(sent time.Time, pttl int64) time.Time {
	return sent.Add(time.Duration(pttl-1) * time.Millisecond)
}

func (r attemptStore) Failures(ctx context.Context, key string) (int, time.Time, error) {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	k := s.attemptKey(key)
	var (
		get *redis.StringCmd
		ttl *redis.DurationCmd
	)
	sent := s.now.Now()
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, k)
		ttl = p.PTTL(ctx, k)
		return nil
	})
	switch {
	case errors.Is(err, redis.Nil):
		return 0, time.Time{}, nil
	case err != nil:
		return 0, time.Time{}, unavailable(ctx, err)
	}
	d := ttl.Val()
	if d <= 0 {
		// Expired between the two reads (-2), or a counter without an
		// expiry (-1) that AddFailure has yet to repair: no open window.
		return 0, time.Time{}, nil
	}
	n, err := strconv.Atoi(get.Val())
	if err != nil {
		return 0, time.Time{}, malformed("failure count", err)
	}
	return n, windowEnd(sent, d.Milliseconds()), nil
}

func (r attemptStore) ResetFailures(ctx context.Context, key string) error {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.rdb.Del(ctx, s.attemptKey(key)).Err(); err != nil {
		return unavailable(ctx, err)
	}
	return nil
}
