// Package storagetest is the conformance suite of the engine's storage
// adapters: one set of cases that every adapter must pass, so that the
// in-memory store behaves exactly like MySQL, and a new adapter can prove
// that it does too.
//
// An adapter's tests call [RunConformanceTests] once, with a
// [HarnessMaker] that makes an empty store per case:
//
//	func TestConformance(t *testing.T) {
//		storagetest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (storagetest.Harness, error) {
//			return harness{}, nil
//		})
//	}
//
// The suite imports the domain packages and never an adapter. It checks the
// contracts written on each repository interface: create, read, update and
// delete; not-found and duplicates; validation through the services;
// ordering and cursor paging; search; the rules about references;
// concurrent edits; and calls made with a context that has ended, which
// every adapter fails alike.
package storagetest
