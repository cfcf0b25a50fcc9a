package storagetest

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
)

// testSignInStates holds a SessionStore that keeps external sign-ins in
// progress (account.SignInStateStore) to its contract: a record is taken
// at most once, however many callers race for it, and not after its TTL.
// A replayed sign-in callback depends on exactly that to fail.
func testSignInStates(t *testing.T, f *accountFixture) {
	store, ok := f.stores.Sessions.(account.SignInStateStore)
	if !ok {
		t.Skip("the session store does not implement account.SignInStateStore")
	}
	key := func() string { return "state-" + commerce.NewID().String() }
	take := func(k string) ([]byte, bool) {
		t.Helper()
		v, found, err := store.TakeSignInState(f.ctx, k)
		if err != nil {
			t.Fatalf("TakeSignInState: %v", err)
		}
		return v, found
	}

	// Put, then take once.
	k := key()
	value := []byte{0, 1, 0xff, '{', '"', '\n'} // any bytes
	if err := store.PutSignInState(f.ctx, k, value, time.Hour); err != nil {
		t.Fatalf("PutSignInState: %v", err)
	}
	value[0] = 9 // the store keeps its own copy
	if got, found := take(k); !found || !bytes.Equal(got, []byte{0, 1, 0xff, '{', '"', '\n'}) {
		t.Fatalf("TakeSignInState = %q, %v; want the stored bytes", got, found)
	}
	if got, found := take(k); found {
		t.Fatalf("a second TakeSignInState found %q: a record must be taken once", got)
	}
	if _, found := take(key()); found {
		t.Error("TakeSignInState found a key never stored")
	}

	// A second Put under the same key replaces the first; keys are apart.
	k, other := key(), key()
	for _, put := range []struct {
		k, v string
	}{{k, "first"}, {other, "other"}, {k, "second"}} {
		if err := store.PutSignInState(f.ctx, put.k, []byte(put.v), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := take(k); string(got) != "second" {
		t.Errorf("after two puts: %q, want the second", got)
	}
	if got, _ := take(other); string(got) != "other" {
		t.Errorf("another key: %q, want other", got)
	}

	// Concurrent takes: exactly one wins.
	k = key()
	if err := store.PutSignInState(f.ctx, k, []byte("once"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		wins  atomic.Int32
		start = make(chan struct{})
	)
	for range 16 {
		wg.Go(func() {
			<-start
			_, found, err := store.TakeSignInState(f.ctx, k)
			if err != nil {
				t.Errorf("concurrent TakeSignInState: %v", err)
			}
			if found {
				wins.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d of 16 concurrent takes got the record, want exactly 1", n)
	}

	// Expiry.
	k, long := key(), key()
	if err := store.PutSignInState(f.ctx, k, []byte("short"), time.Second); err != nil {
		t.Fatal(err)
	}
	if err := store.PutSignInState(f.ctx, long, []byte("long"), time.Hour); err != nil {
		t.Fatal(err)
	}
	f.advance(1500 * time.Millisecond)
	if got, found := take(k); found {
		t.Errorf("a record outlived its TTL: %q", got)
	}
	if got, _ := take(long); string(got) != "long" {
		t.Errorf("a record expired early: %q", got)
	}

	// An ended context.
	for _, ec := range endedContexts() {
		err := store.PutSignInState(ec.ctx, key(), []byte("x"), time.Hour)
		wantEnded(t, "PutSignInState with a context "+ec.name, err, ec.want)
		_, _, err = store.TakeSignInState(ec.ctx, key())
		wantEnded(t, "TakeSignInState with a context "+ec.name, err, ec.want)
	}
}
