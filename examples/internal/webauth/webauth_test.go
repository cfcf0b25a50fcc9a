package webauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
)

// TestWithCredentials: a GET or HEAD by a visitor or customer may read
// stale; a write, and any request by staff, may not.
func TestWithCredentials(t *testing.T) {
	customer := commerce.Actor{UserID: uuid.New()}
	staff := commerce.Actor{UserID: uuid.New(), Staff: true}
	for _, tc := range []struct {
		method string
		actor  commerce.Actor
		stale  bool
	}{
		{http.MethodGet, commerce.Anonymous, true},
		{http.MethodHead, commerce.Anonymous, true},
		{http.MethodGet, customer, true},
		{http.MethodGet, staff, false},
		{http.MethodHead, staff, false},
		{http.MethodPost, commerce.Anonymous, false},
		{http.MethodPost, customer, false},
		{http.MethodPatch, staff, false},
		{http.MethodDelete, customer, false},
		{http.MethodOptions, commerce.Anonymous, false},
	} {
		r := WithCredentials(httptest.NewRequest(tc.method, "/", nil), Credentials{Actor: tc.actor, Token: "t"})
		if got := commerce.StaleReadsAllowed(r.Context()); got != tc.stale {
			t.Errorf("%s as %+v: stale reads allowed %v, want %v", tc.method, tc.actor, got, tc.stale)
		}
		if c := FromContext(r.Context()); c.Actor != tc.actor || c.Token != "t" {
			t.Errorf("%s: credentials %+v", tc.method, c)
		}
	}
}

func TestSameSitePath(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/mypage", "/mypage"},
		{"/checkout?product=0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c&quantity=2", "/checkout?product=0190f3c2-8d7a-7b2e-9c41-5a6d3e2f1b0c&quantity=2"},
		{"/board/", "/board/"},
		{"/products/1?x=1#top", "/products/1?x=1#top"},
		{"/a/../mypage", "/mypage"},
		{"/%EC%82%AC%EA%B3%BC", "/%EC%82%AC%EA%B3%BC"},
		{"", "/"},
		{"mypage", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/evil.example"}, // no host: a path of this site
		{`/\evil.example`, "/"},
		{`/../\evil.example`, "/"},
		{"/%5Cevil.example", "/"},
		{"/%5C%5Cevil.example", "/"},
		{"/..//evil.example", "/evil.example"},
		{"/./..//evil.example", "/evil.example"},
		{"https://evil.example/", "/"},
		{"/\r\nSet-Cookie:x", "/"},
		{"/\tx", "/"},
		{"/ok\x00", "/"},
		{"http:/evil.example", "/"},
	} {
		got := SameSitePath(tc.next)
		if got != tc.want {
			t.Errorf("SameSitePath(%q) = %q, want %q", tc.next, got, tc.want)
		}
		// What http.Redirect sends must stay on this site too.
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest(http.MethodGet, "/", nil), got, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		if len(loc) == 0 || loc[0] != '/' || (len(loc) > 1 && (loc[1] == '/' || loc[1] == '\\')) {
			t.Errorf("SameSitePath(%q) = %q redirects to %q", tc.next, got, loc)
		}
	}
}
