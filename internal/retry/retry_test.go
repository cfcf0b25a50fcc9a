package retry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/impactmuseum/commerce/internal/retry"
)

var (
	errLost  = errors.New("lost the race")
	errOther = errors.New("something else")
)

func isLost(err error) bool { return errors.Is(err, errLost) }

// TestOnConflict checks how many runs an edit gets: until it succeeds, up
// to retry.Runs while it loses races, and one for any other error.
func TestOnConflict(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		lose     int   // runs that lose a race before the edit goes through
		fail     error // the error of the run after those, if any
		wantRuns int
		wantErr  error
	}{
		{"first run", 0, nil, 1, nil},
		{"after lost races", retry.Runs - 1, nil, retry.Runs, nil},
		{"too many lost races", retry.Runs, nil, retry.Runs, errLost},
		{"another error", 0, errOther, 1, errOther},
		{"another error after a lost race", 1, errOther, 2, errOther},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runs := 0
			got, err := retry.OnConflict(context.Background(), isLost, func() (int, error) {
				runs++
				switch {
				case runs <= c.lose:
					return 0, errLost
				case c.fail != nil:
					return 0, c.fail
				}
				return runs, nil
			})
			if runs != c.wantRuns {
				t.Errorf("%d runs, want %d", runs, c.wantRuns)
			}
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Errorf("got %v, want %v", err, c.wantErr)
			}
			if c.wantErr == nil && got != c.wantRuns {
				t.Errorf("result %d, want the last run's (%d)", got, c.wantRuns)
			}
		})
	}
}

// TestOnConflictStopsWhenContextEnds runs no more edits once the context
// has ended: the lost race comes back.
func TestOnConflictStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	_, err := retry.OnConflict(ctx, isLost, func() (struct{}, error) {
		runs++
		cancel()
		return struct{}{}, errLost
	})
	if runs != 1 || !errors.Is(err, errLost) {
		t.Errorf("%d runs, %v; want 1 run and the lost race", runs, err)
	}
}
