package memstore

import (
	"context"
	"time"

	"github.com/impactmuseum/commerce/account"
)

var _ account.SignInStateStore = sessionStore{}

// signInStates are the external sign-ins in progress, by key. Records that
// nobody takes (a person who never comes back from the provider) are
// swept out once the map has doubled since the last sweep, so that it
// holds about one TTL's worth of them.
type signInStates struct {
	m         map[string]signInState
	sweepSize int // the size at which the next sweep runs
}

type signInState struct {
	value   []byte
	expires time.Time
}

// PutSignInState stores value under key until ttl has passed by the
// store's clock (Options.Now).
func (r sessionStore) PutSignInState(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	st, now := &s.signIns, s.now()
	if st.m == nil {
		st.m = make(map[string]signInState)
	}
	if len(st.m) >= st.sweepSize {
		for k, v := range st.m {
			if !now.Before(v.expires) {
				delete(st.m, k)
			}
		}
		st.sweepSize = max(2*len(st.m), 64)
	}
	st.m[key] = signInState{value: append([]byte(nil), value...), expires: now.Add(ttl)}
	return nil
}

// TakeSignInState returns and deletes the value under key; the store's one
// lock makes it atomic.
func (r sessionStore) TakeSignInState(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, false, err
	}
	s := r.s
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	v, ok := s.signIns.m[key]
	if !ok {
		return nil, false, nil
	}
	delete(s.signIns.m, key)
	if !s.now().Before(v.expires) {
		return nil, false, nil
	}
	return v.value, true, nil
}
