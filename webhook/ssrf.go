package webhook

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxURLLen bounds an endpoint's URL, in bytes.
const maxURLLen = 2048

// refusedError is the error of an address that the policy refuses.
type refusedError struct {
	addr netip.Addr
	kind string // what nonGlobal says
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("%s is %s, which deliveries may not go to", e.addr, e.kind)
}

// policy decides where deliveries may go: which URLs staff may register,
// and which addresses a dispatcher may connect to. Shops reach endpoints
// on the public internet; an endpoint that named an address inside the
// shop's own network (a database, a cloud's metadata service at
// 169.254.169.254) would let whoever registers endpoints make the shop's
// servers send requests there, so those are refused unless the shop
// allows them (Options.AllowPrivate, Options.AllowedNetworks).
type policy struct {
	allowHTTP    bool
	allowPrivate bool
	allowed      []netip.Prefix
}

// special4 are the IPv4 ranges, beyond those that netip.Addr's methods
// name, that are not reachable global unicast addresses (the IANA IPv4
// Special-Purpose Address Registry).
var special4 = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved or broadcast address"},
}

// global6 holds IPv6's global unicast addresses; special6 the ranges
// inside it that are not reachable global unicast addresses, or that
// carry an IPv4 address of their own (6to4, Teredo) whose check they would
// get around.
var (
	global6  = netip.MustParsePrefix("2000::/3")
	special6 = []struct {
		prefix netip.Prefix
		name   string
	}{
		{netip.MustParsePrefix("2001::/23"), "an IETF protocol assignment (Teredo among them)"},
		{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
		{netip.MustParsePrefix("2002::/16"), "a 6to4 address"},
		{netip.MustParsePrefix("3fff::/20"), "a documentation address"},
	}
)

// nonGlobal returns what kind of address a is when it is not a global
// unicast address on the public internet — "a loopback address", say —
// and "" when it is one. IPv4-mapped IPv6 addresses are judged as the IPv4
// address they carry.
func nonGlobal(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast():
		return "a multicast address"
	case a.IsPrivate():
		return "a private address"
	}
	if a.Is4() {
		for _, s := range special4 {
			if s.prefix.Contains(a) {
				return s.name
			}
		}
		return ""
	}
	if !global6.Contains(a) {
		return "not a global unicast address"
	}
	for _, s := range special6 {
		if s.prefix.Contains(a) {
			return s.name
		}
	}
	return ""
}

// checkAddr returns nil when deliveries may go to a, and otherwise a
// *refusedError that says why. An address inside
// one of the allowed networks is allowed; with allowPrivate, every
// unicast address is.
func (p policy) checkAddr(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	for _, n := range p.allowed {
		if n.Contains(a) {
			return nil
		}
	}
	kind := nonGlobal(a)
	if kind == "" {
		return nil
	}
	if p.allowPrivate && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return nil
	}
	return &refusedError{addr: a, kind: kind}
}

// control is the dialer's check of each address it is about to connect
// to, after the host name was resolved: checking there, rather than the
// name before the dial, leaves no gap between the check and the
// connection for a name that resolves one way and then another (DNS
// rebinding).
func (p policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: cannot check the address %q", address)
	}
	return p.checkAddr(ap.Addr())
}

// client returns the HTTP client of one dispatcher. It connects only to
// addresses that the policy allows, through no proxy (a proxy's address
// would be checked instead of the endpoint's), and follows no redirect: a
// 3xx answer is a failed attempt, so that an allowed endpoint cannot send
// the request on to a refused one.
func (p policy) client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: p.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// checkURL returns the problem with an endpoint's URL, or "" when the
// policy accepts it: an absolute https URL (http too when allowHTTP),
// without a user name or password, without a fragment (checkForm), of a
// host that is a well-formed name other than localhost, or an allowed IP
// address. A host name that resolves to a refused address is refused when
// a dispatcher connects (control), as its address may change after this
// check.
func (p policy) checkURL(raw string) string {
	if why := p.checkForm(raw); why != "" {
		return why
	}
	u, _ := url.Parse(raw)
	return p.checkHost(u)
}

// checkForm returns the problem with an endpoint's URL other than its
// host, or "": what a dispatcher checks before each attempt, leaving the
// host to the dialer, which checks the addresses it connects to.
func (p policy) checkForm(raw string) string {
	switch {
	case raw == "":
		return "required"
	case len(raw) > maxURLLen:
		return fmt.Sprintf("at most %d characters", maxURLLen)
	case strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "must not contain spaces or control characters"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "must be an absolute URL such as https://example.com/webhooks"
	}
	switch {
	case u.Scheme == "http" && !p.allowHTTP:
		return "must be an https URL"
	case u.Scheme != "https" && u.Scheme != "http":
		if p.allowHTTP {
			return "must be an http or https URL"
		}
		return "must be an https URL"
	case u.Opaque != "" || u.Host == "":
		return "must be an absolute URL such as https://example.com/webhooks"
	case u.User != nil:
		return "must not contain a user name or password"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment (#…)"
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "has a port that is not between 1 and 65535"
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "has an empty port"
	}
	return ""
}

// checkHost returns the problem with the host of u, a URL that checkForm
// accepts, or "".
func (p policy) checkHost(u *url.URL) string {
	host := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(host)
		switch {
		case err != nil || !a.Is6():
			return "has a malformed IPv6 address"
		case a.Zone() != "":
			return "must not name an IPv6 zone"
		}
		if err := p.checkAddr(a); err != nil {
			return "must not name " + nonGlobal(a)
		}
		return ""
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := p.checkAddr(a); err != nil {
			return "must not name " + nonGlobal(a)
		}
		return ""
	}
	if why := checkHostName(host); why != "" {
		return why
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if (name == "localhost" || strings.HasSuffix(name, ".localhost")) &&
		p.checkAddr(netip.IPv6Loopback()) != nil && p.checkAddr(netip.AddrFrom4([4]byte{127, 0, 0, 1})) != nil {
		return "must not name localhost"
	}
	return ""
}

// checkHostName returns the problem with a DNS host name, or "". A name
// whose last label is a number is refused: no top-level domain is one,
// and resolvers read such names (2130706433, 0x7f.1, 127.1) as IPv4
// addresses in forms that the address check would not see.
func checkHostName(host string) string {
	name := strings.TrimSuffix(host, ".")
	if name == "" || len(name) > 253 {
		return "must name a host"
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "has a malformed host name"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			switch {
			case c >= 0x80:
				return "must give the host name in its ASCII (xn--) form"
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			case c == '-' && i > 0 && i < len(l)-1:
			default:
				return "has a malformed host name"
			}
		}
	}
	last := strings.ToLower(labels[len(labels)-1])
	if strings.Trim(last, "0123456789") == "" || (strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "") {
		return "must be a host name or an IP address in its usual form"
	}
	return ""
}
