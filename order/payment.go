package order

import (
	"context"
	"sync"

	"github.com/impactmuseum/commerce"
)

// PaymentProvider takes payments for orders. Checkout calls Charge inside
// its transaction, after the order is complete and just before it commits;
// if the transaction then fails, it calls Refund.
type PaymentProvider interface {
	// Charge asks for o.Total. It returns the order's status after payment
	// — Paid when the money is taken at once, PendingPayment when it comes
	// later (a bank transfer, confirmed by staff) — and a reference, or
	// ErrPaymentDeclined.
	Charge(ctx context.Context, o Order) (status Status, ref string, err error)
	// Refund gives back what Charge took for o, when it took anything.
	Refund(ctx context.Context, o Order) error
}

// ManualProvider is for payments made outside the shop — a bank transfer,
// cash on delivery: the order stays pending until staff mark it paid.
type ManualProvider struct{}

// Charge leaves the order pending.
func (ManualProvider) Charge(ctx context.Context, o Order) (Status, string, error) {
	return PendingPayment, "", nil
}

// Refund has nothing to give back.
func (ManualProvider) Refund(ctx context.Context, o Order) error { return nil }

// FakeCardProvider pays at once, as a card would, for tests and demos.
type FakeCardProvider struct {
	// Decline, when set, is asked about each order; true declines it.
	Decline func(o Order) bool
	// Record keeps every charge not refunded, for Charged, so that tests
	// can check that refunds follow failures. A long-running demo leaves
	// it off, and the provider keeps nothing.
	Record bool

	mu      sync.Mutex
	charged map[string]commerce.Money
}

// Charge pays o at once unless Decline says no.
func (p *FakeCardProvider) Charge(ctx context.Context, o Order) (Status, string, error) {
	if p.Decline != nil && p.Decline(o) {
		return "", "", ErrPaymentDeclined
	}
	ref := "fake-" + o.ID.String()
	if !p.Record {
		return Paid, ref, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.charged == nil {
		p.charged = make(map[string]commerce.Money)
	}
	p.charged[ref] = o.Total
	return Paid, ref, nil
}

// Refund forgets the charge of o. Refunding an order it did not charge
// (one charged before a restart, say) is not an error.
func (p *FakeCardProvider) Refund(ctx context.Context, o Order) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.charged, "fake-"+o.ID.String())
	return nil
}

// Charged returns the number of charges not refunded and their sum, when
// Record is on.
func (p *FakeCardProvider) Charged() (n int, sum commerce.Money) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.charged {
		if n == 0 {
			sum = m
		} else {
			sum, _ = sum.Add(m)
		}
		n++
	}
	return n, sum
}
