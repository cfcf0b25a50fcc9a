// Package order places orders and moves them along: address books,
// checkout of a whole cart or of one product ("buy now"), payment, and the
// status machine.
//
// # Checkout
//
// [Service.Checkout] runs in one transaction ([Transactor]): from the cart,
// its lines are taken (which empties it); the prices are copied into the
// order's lines; tracked stock is taken by a conditional update in
// product-id order (never below zero; an [*OutOfStockError] names the
// product); the payment provider is charged; and the order is stored with
// a unique human-readable number. Any failure leaves nothing behind, and a
// charge whose transaction fails is refunded.
//
// Every checkout carries an idempotency key: the same key with the same
// request returns the first order, the same key with another request is
// [ErrIdempotencyConflict], and concurrent duplicates make one order. A key
// is 1 to [MaxKeyLen] printable ASCII characters ([CheckKey]), compared
// byte for byte, so that every store keeps it as it came.
//
// A checkout ends with its context: past the deadline, its transaction
// commits nothing and the error wraps the context's. Only the refund of a
// charge whose transaction failed outlives the context, as money taken
// must be given back.
//
// Inside the transaction ([Tx]) the catalog offers reads of products
// ([ProductReader]) and changes of stock, and no other write.
//
// # Status
//
// An order moves pending_payment → paid → shipped → delivered, and can be
// cancelled while pending or paid (stock comes back, a paid order is
// refunded). Staff move orders ([Service.SetStatus]); a customer may cancel
// their own order before it ships ([Service.Cancel]). Illegal moves are
// [ErrStatusConflict].
//
// # Events
//
// Each change of an order is told to the world outside the shop by a
// domain event ([commerce.Event]) stored in the same transaction as the
// change, in the store's outbox, for a relay to deliver (package outbox):
// a checkout stores [EventOrderPlaced] ([OrderPlaced]: the lines, the
// totals, the address, never the idempotency key or the payment
// reference), followed by [EventOrderPaid] when its payment completed at
// once; each move stores [EventOrderPaid], [EventOrderShipped],
// [EventOrderDelivered] or [EventOrderCancelled] ([OrderStatusChanged]).
// An event's aggregate is the order and its version the order's Version
// after the change: 1 when placed, one more with each move. A checkout
// that takes a product's last units also stores that product's
// catalog.EventProductOutOfStock. A checkout or move that fails stores
// nothing, and imports store no events.
//
// # Payment
//
// A [PaymentProvider] charges and refunds. [ManualProvider] leaves orders
// pending until staff confirm a bank transfer; [FakeCardProvider] pays at
// once (or declines) for tests and demos.
//
// # Money
//
// Each line total is the unit price times the quantity, rounded once to
// the currency's digits; the total is the sum of the line totals.
//
// # Import
//
// [Service.ImportOrders] moves a shop's order history in from the system
// the engine replaces: an operator's tool that takes no actor. Imported
// orders are stored as they were, with any status, and take no stock,
// touch no cart and charge nothing; the service computes their totals,
// checks them by the order's rules (an address may lack a recipient or
// phone number, a line's product may be gone) and numbers those without a
// number from the time they were placed. An order stored with the same
// values is left unchanged, so an import can run again; orders are
// written in transactions of at most [commerce.ImportBatchSize], each in
// a few multi-row statements ([Repository.ImportOrders]).
//
// # Privacy
//
// Customers see only their own orders: another customer's order is
// [ErrOrderNotFound], as if it did not exist. Staff see all.
//
// # Metrics
//
// The service counts, on the OpenTelemetry meter [MeterName] of
// [Options].MeterProvider, the checkouts that placed an order
// ([MetricCheckoutsPlaced]; a replayed key is not counted again), those
// that failed by the attribute "reason" ([MetricCheckoutsFailed]:
// [FailureInvalid], [FailureOutOfStock], [FailurePaymentDeclined],
// [FailureConflict], [FailureError]) and the refusals to sell beyond
// tracked stock ([MetricOutOfStock]). Without a MeterProvider the counters
// go to otel's global provider, which records nothing until an
// application sets one; give each service its own provider to keep two
// shops' counts apart.
package order
