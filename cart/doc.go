// Package cart keeps the carts of the shop: one per signed-in customer and
// one per guest session.
//
// # Lines
//
// A cart holds lines of a product and a quantity from 1 to 99. [Service.Add]
// increments a line (refusing to pass 99), [Service.SetQuantity] sets it (0
// removes it), [Service.Remove] deletes it whatever its quantity and
// [Service.Clear] empties the cart. Lines always show the product as it is
// now — its current price — and a line whose product was deleted drops
// out. [Service.Summary] gives the count (the sum of the quantities) and
// the subtotal, from one storage query.
//
// # Currency
//
// A cart holds products priced in the shop's currency ([Options].Currency,
// KRW by default, the same value as the catalog's and the order service's).
// The catalog refuses other prices, but a product stored before it did can
// still be in a cart: its line is [Line].Unavailable, says why, and is in
// neither the count nor the subtotal, which therefore always count the
// same units. The shopper can only remove it; checkout refuses it.
//
// # Guests
//
// A visitor's cart belongs to their guest session ([KeyOf]). When they sign
// in, [Service.MergeGuest] moves it into their customer cart in one
// transaction: quantities add up, capped at 99, and the guest cart is left
// empty, so a merge run twice changes nothing more. The rule is the
// service's; the repository only reads and writes the two carts atomically
// ([Repository].UpdatePair). MergeGuest takes no actor: the account service
// calls it at sign-in, when the cart service is its
// account.Options.GuestCarts, as the reference server wires it.
//
// # Import
//
// [Service.ImportCarts] moves customers' open carts in from the system the
// engine replaces: an operator's tool that takes no actor. A customer
// whose cart is empty gets exactly the lines imported, checked as
// [Service.Add] checks a line, with the times they were added; a cart
// stored with the same lines is left unchanged, so an import can run
// again, and a cart the customer filled or changed in the shop is kept as
// it is (commerce.ImportKept). Carts are written
// in transactions of at most commerce.ImportBatchSize, each in a few
// multi-row statements ([Repository].ImportCarts).
//
// # Concurrency
//
// Every change goes through [Repository.Update], which the adapters run
// atomically per cart: fifty concurrent adds of one unit leave a quantity
// of fifty.
package cart
