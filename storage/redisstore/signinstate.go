package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce/account"
)

var _ account.SignInStateStore = sessionStore{}

func (s *Store) signInStateKey(key string) string { return s.prefix + "signin-state:" + key }

// PutSignInState stores value in a string key that Redis expires after
// ttl, so that every server sharing the Redis can complete the sign-in.
func (r sessionStore) PutSignInState(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	// Redis expires in whole milliseconds; PX 0 is an error.
	ms := max(ttl.Milliseconds(), 1)
	if err := s.rdb.Set(ctx, s.signInStateKey(key), value, time.Duration(ms)*time.Millisecond).Err(); err != nil {
		return unavailable(ctx, err)
	}
	return nil
}

// TakeSignInState reads and deletes the key in one MULTI: of two servers
// taking the same key, only the first finds it. (GETDEL does the same in
// one command but needs Redis 6.2; MULTI keeps the adapter on 4.0.)
func (r sessionStore) TakeSignInState(ctx context.Context, key string) ([]byte, bool, error) {
	s := r.s
	ctx, cancel := s.bound(ctx)
	defer cancel()
	k := s.signInStateKey(key)
	var get *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, k)
		p.Del(ctx, k)
		return nil
	})
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, unavailable(ctx, err)
	}
	value, err := get.Bytes()
	if err != nil {
		return nil, false, unavailable(ctx, err)
	}
	return value, true, nil
}
