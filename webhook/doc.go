// Package webhook delivers the shop's domain events (commerce.Event) to
// URLs that staff register: signed HTTP POSTs, retried for a day, in the
// form of the Standard Webhooks specification
// (https://www.standardwebhooks.com), so that its libraries verify them in
// any language.
//
// # Endpoints
//
// Staff register an [Endpoint] through the [Service]: a URL, the event
// types it wants (from Options.EventTypes, or [AllEvents]) and a
// description. Each gets a signing secret, "whsec_" and the base64 of 32
// random bytes, shown once, when it is created, and again only when staff
// rotate it ([Service.RotateSecret]). Staff list, read, edit, disable,
// enable and delete endpoints, and list an endpoint's recent deliveries
// with their status and last error ([Service.Deliveries]). Only staff do
// any of it.
//
// # Deliveries
//
// The Service's [Service.Publisher] is an outbox.Publisher: a relay
// (package outbox) hands it each event once the change that made it has
// committed, and it stores one [Delivery] of the event for each enabled
// endpoint subscribed to its type — one only, however often the relay
// hands it the same event. A [Dispatcher] sends the due deliveries; run
// one per server instance ([Dispatcher.Run]). Each attempt is a POST of
// the event's JSON with the headers
//
//	Content-Type: application/json
//	webhook-id: <the event's id>
//	webhook-timestamp: <Unix seconds>
//	webhook-signature: v1,<base64 of HMAC-SHA256(key, id + "." + timestamp + "." + body)>
//
// where key is the secret's bytes after its "whsec_" prefix ([Sign]). A
// consumer written in Go checks them with [Verify].
//
// A 2xx answer within Options.Timeout (10 s) delivers; anything else
// fails, and the delivery is tried again after 5 s, 5 min, 30 min, 2 h,
// 5 h and every 10 h (each moved at random by up to 20%), until 24 h after
// its first attempt, when it is tried a last time and given up. An
// endpoint whose every attempt has failed for 24 h, or whose last five
// deliveries were all given up, is disabled, and its DisabledReason says
// since when it failed and how the last attempt went. Enabling it again
// sends its pending deliveries.
//
// Several dispatchers share the work without sending one delivery twice at
// once: each claims the deliveries it sends, for the length of an attempt
// and a minute (SELECT … FOR UPDATE SKIP LOCKED on MySQL, a lock and a
// lease in memory). Delivery is at least once all the same, as for every
// webhook: a consumer recognizes a repeated delivery by its webhook-id.
//
// # Where requests may go
//
// A URL that staff register, and the address a dispatcher connects to,
// must be on the public internet: loopback, private (10/8, 172.16/12,
// 192.168/16, fc00::/7), link-local (169.254/16, where clouds answer with
// their credentials, and fe80::/10), carrier-grade NAT (100.64/10),
// unspecified, multicast and the other non-global addresses are refused.
// The check of a host name is made on each address it resolves to, by the
// dialer, just before it connects (net.Dialer.Control), so that a name
// that resolves to a public address for a check and a private one for the
// connection gets nowhere. No proxy is used and no redirect is followed:
// a 3xx answer is a failed attempt. URLs must be https, without a user
// name, a password or a fragment. Options.AllowPrivate,
// Options.AllowedNetworks and Options.AllowHTTP relax these rules, for
// tests and for endpoints inside the shop's own network.
//
// # Storage
//
// A [Repository] keeps the endpoints and the deliveries; the storage
// adapters implement it (memstore's and bunstore's Webhooks), and the
// conformance suite (storage/storagetest) holds them to its rules.
package webhook
