package webhook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNonGlobalAddresses(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3",
		"224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.0.8", "192.0.2.1",
		"198.18.0.1", "198.51.100.7", "203.0.113.9",
		"::", "::1", "fe80::1", "febf::1", "fc00::1", "fd12:3456::1", "ff02::1", "ff05::2",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
		"64:ff9b::a00:1", "64:ff9b:1::1", "100::1", "2001::1", "2001:db8::1", "2002:7f00:1::1", "3fff::1", "fec0::1",
	}
	allowed := []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255",
		"169.253.255.255", "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "::ffff:8.8.8.8",
	}
	var p policy
	for _, s := range refused {
		a := netip.MustParseAddr(s)
		if nonGlobal(a) == "" {
			t.Errorf("%s: taken for a global address", s)
		}
		err := p.checkAddr(a)
		var re *refusedError
		if !errors.As(err, &re) {
			t.Errorf("checkAddr(%s) = %v, want a refusal", s, err)
		}
	}
	for _, s := range allowed {
		if kind := nonGlobal(netip.MustParseAddr(s)); kind != "" {
			t.Errorf("%s: refused as %s", s, kind)
		}
	}
}

func TestAllowedAddresses(t *testing.T) {
	private := policy{allowPrivate: true}
	for _, s := range []string{"127.0.0.1", "10.0.0.1", "::1", "fd00::1", "169.254.169.254", "100.64.0.1"} {
		if err := private.checkAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("AllowPrivate: %s refused: %v", s, err)
		}
	}
	for _, s := range []string{"0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255"} {
		if err := private.checkAddr(netip.MustParseAddr(s)); err == nil {
			t.Errorf("AllowPrivate: %s allowed; it is no unicast address", s)
		}
	}
	nets := policy{allowed: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("fd00:1::/32")}}
	for s, ok := range map[string]bool{
		"10.1.2.3": true, "::ffff:10.1.2.3": true, "fd00:1::5": true,
		"10.2.0.1": false, "127.0.0.1": false, "fd00:2::5": false, "8.8.8.8": true,
	} {
		if err := nets.checkAddr(netip.MustParseAddr(s)); (err == nil) != ok {
			t.Errorf("AllowedNetworks: %s: %v, want allowed %v", s, err, ok)
		}
	}
}

func TestCheckURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", maxURLLen)
	for _, tc := range []struct {
		url  string
		p    policy
		want string // in the problem; "" when the URL is accepted
	}{
		{"https://hooks.example.com/shop?token=abc", policy{}, ""},
		{"https://hooks.example.com:8443/shop", policy{}, ""},
		{"https://HOOKS.Example.COM./x", policy{}, ""},
		{"https://93.184.216.34/x", policy{}, ""},
		{"https://[2606:4700:4700::1111]/x", policy{}, ""},
		{"http://hooks.example.com/x", policy{allowHTTP: true}, ""},
		{"http://127.0.0.1:8080/x", policy{allowHTTP: true, allowPrivate: true}, ""},
		{"http://localhost:8080/x", policy{allowHTTP: true, allowPrivate: true}, ""},
		{"https://10.1.2.3/x", policy{allowed: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}, ""},

		{"", policy{}, "required"},
		{long, policy{}, "at most"},
		{"https://example.com/a b", policy{}, "spaces"},
		{"https://example.com/\x00", policy{}, "control"},
		{"http://hooks.example.com/x", policy{}, "https"},
		{"ftp://hooks.example.com/x", policy{}, "https"},
		{"ftp://hooks.example.com/x", policy{allowHTTP: true}, "http or https"},
		{"file:///etc/passwd", policy{allowHTTP: true}, "http or https"},
		{"javascript:alert(1)", policy{}, "https"},
		{"gopher://127.0.0.1:6379/_FLUSHALL", policy{allowHTTP: true}, "http or https"},
		{"/webhooks", policy{}, "https"},
		{"https:hooks.example.com", policy{}, "absolute"},
		{"https:///path", policy{}, "absolute"},
		{"https://user:pw@hooks.example.com/x", policy{}, "user name"},
		{"https://token@hooks.example.com/x", policy{}, "user name"},
		{"https://hooks.example.com/x#frag", policy{}, "fragment"},
		{"https://hooks.example.com/x#", policy{}, "fragment"},
		{"https://hooks.example.com:0/x", policy{}, "port"},
		{"https://hooks.example.com:70000/x", policy{}, "port"},
		{"https://hooks.example.com:/x", policy{}, "empty port"},
		{"https://127.0.0.1/x", policy{}, "loopback"},
		{"https://10.0.0.1/x", policy{}, "private"},
		{"https://169.254.169.254/latest/meta-data/", policy{}, "link-local"},
		{"https://100.64.0.1/x", policy{}, "carrier-grade"},
		{"https://0.0.0.0/x", policy{}, "unspecified"},
		{"https://[::1]/x", policy{}, "loopback"},
		{"https://[::ffff:127.0.0.1]/x", policy{}, "loopback"},
		{"https://[fe80::1%25eth0]/x", policy{}, "zone"},
		{"https://[fd00::1]/x", policy{}, "private"},
		{"https://[::]/x", policy{allowPrivate: true}, "unspecified"},
		{"https://localhost/x", policy{}, "localhost"},
		{"https://api.LOCALHOST./x", policy{}, "localhost"},
		{"https://2130706433/x", policy{}, "usual form"},
		{"https://0x7f.1/x", policy{}, "usual form"},
		{"https://127.1/x", policy{}, "usual form"},
		{"https://0177.0.0.1/x", policy{}, "usual form"},
		{"https://bücher.example/x", policy{}, "xn--"},
		{"https://-bad.example.com/x", policy{}, "malformed host"},
		{"https://a..example.com/x", policy{}, "malformed host"},
		{"https://exa$mple.com/x", policy{}, "malformed host"},
	} {
		got := tc.p.checkURL(tc.url)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%q: refused (%s), want it accepted", tc.url, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%q: %q, want a refusal saying %q", tc.url, got, tc.want)
		}
	}
}

// TestClientRefusesAtDial connects through the dispatcher's client to a
// server on 127.0.0.1, by address and by a name that resolves to it
// (localhost): the dialer refuses every resolved address that the policy
// does not allow, so the server never sees a request.
func TestClientRefusesAtDial(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	refusing := policy{allowHTTP: true}.client(5 * time.Second)
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/", "http://[::1]:" + port + "/"} {
		resp, err := refusing.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("POST %s: HTTP %d, want the dial refused", u, resp.StatusCode)
			continue
		}
		var re *refusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("POST %s: %v, want a refusal of a loopback address", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server received %d requests through a refusing client", n)
	}

	allowing := policy{allowHTTP: true, allowPrivate: true}.client(5 * time.Second)
	resp, err := allowing.Post("http://localhost:"+port+"/", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("POST with AllowPrivate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || hits.Load() != 1 {
		t.Errorf("POST with AllowPrivate: HTTP %d, %d requests; want 204 and 1", resp.StatusCode, hits.Load())
	}
	nets := policy{allowHTTP: true, allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.client(5 * time.Second)
	resp, err = nets.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("POST with 127.0.0.0/8 allowed: %v", err)
	}
	resp.Body.Close()
}

// TestClientFollowsNoRedirect checks that a redirect, even to an allowed
// address, comes back as the answer and is not followed.
func TestClientFollowsNoRedirect(t *testing.T) {
	var followed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/target" {
			followed.Store(true)
			return
		}
		http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c := policy{allowHTTP: true, allowPrivate: true}.client(5 * time.Second)
	resp, err := c.Post(srv.URL+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || followed.Load() {
		t.Errorf("HTTP %d, followed %v; want the 307 itself", resp.StatusCode, followed.Load())
	}
}

// TestClientUsesNoProxy checks that the environment's proxy, whose own
// address would be checked instead of the endpoint's, is not used.
func TestClientUsesNoProxy(t *testing.T) {
	var proxied atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(true)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer proxy.Close()
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	c := policy{allowHTTP: true}.client(2 * time.Second)
	resp, err := c.Post("http://10.0.0.1/hook", "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
	}
	var re *refusedError
	if !errors.As(err, &re) || proxied.Load() {
		t.Errorf("POST to 10.0.0.1 with a proxy set: %v (proxied %v), want the dial refused and no proxy", err, proxied.Load())
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Errorf("got %T, want a *url.Error", err)
	}
}
