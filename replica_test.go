package commerce_test

import (
	"context"
	"sync"
	"testing"

	"github.com/impactmuseum/commerce"
)

func TestStaleReads(t *testing.T) {
	ctx := context.Background()
	if commerce.StaleReadsAllowed(ctx) {
		t.Fatal("a plain context allows stale reads")
	}
	stale := commerce.AllowStaleReads(ctx)
	if !commerce.StaleReadsAllowed(stale) {
		t.Fatal("AllowStaleReads did not allow stale reads")
	}
	if again := commerce.AllowStaleReads(stale); again != stale {
		t.Error("AllowStaleReads of a marked context made a new one")
	}
	type key struct{}
	child := context.WithValue(stale, key{}, 1)
	if !commerce.StaleReadsAllowed(child) {
		t.Error("a context derived from a marked one lost the mark")
	}
	fresh := commerce.WithoutStaleReads(child)
	if commerce.StaleReadsAllowed(fresh) {
		t.Error("WithoutStaleReads left stale reads allowed")
	}
	if fresh.Value(key{}) != 1 {
		t.Error("WithoutStaleReads lost the context's other values")
	}
	if commerce.WithoutStaleReads(ctx) != ctx {
		t.Error("WithoutStaleReads of an unmarked context made a new one")
	}
	if !commerce.StaleReadsAllowed(commerce.AllowStaleReads(fresh)) {
		t.Error("AllowStaleReads after WithoutStaleReads did not allow stale reads")
	}
	if commerce.StaleReadsAllowed(commerce.WithEvents(ctx)) {
		t.Error("WithEvents allowed stale reads")
	}
}

// The mark is a context value: goroutines that share a marked context
// read it at once, and unmarking in one does not change the others'.
func TestStaleReadsConcurrent(t *testing.T) {
	stale := commerce.AllowStaleReads(context.Background())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := stale
			if i%2 == 0 {
				ctx = commerce.WithoutStaleReads(ctx)
			}
			for range 100 {
				if got, want := commerce.StaleReadsAllowed(ctx), i%2 != 0; got != want {
					t.Errorf("goroutine %d: StaleReadsAllowed = %v, want %v", i, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	if !commerce.StaleReadsAllowed(stale) {
		t.Error("the shared context lost its mark")
	}
}
