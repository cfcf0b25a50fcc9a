package redisstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestWindowEndWithinWindow checks that the end of a throttling window
// that Failures reports never lies later than the window from a time
// read after the window opened, as the account service reads the time
// before it asks, to tell a client how long to wait. Redis's time left is
// in whole milliseconds: read within the millisecond the window opened,
// it is the whole window.
func TestWindowEndWithinWindow(t *testing.T) {
	s, _, _ := newStore(t, nil)
	ctx := context.Background()
	const window = 3 * time.Second
	for i := range 20 {
		key := "user:window" + strconv.Itoa(i)
		before := time.Now()
		_, reset, err := s.Attempts().AddFailure(ctx, key, window)
		opened := time.Now()
		if err != nil {
			t.Fatal(err)
		}
		if !reset.After(before) || reset.After(opened.Add(window)) {
			t.Fatalf("AddFailure: the window ends %v after the call began, want within %v of its end", reset.Sub(before), window)
		}
		_, reset, err = s.Attempts().Failures(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if wait := reset.Sub(opened); wait <= 0 || wait > window {
			t.Fatalf("Failures: the window ends %v after it opened, want within %v", wait, window)
		}
	}
}
