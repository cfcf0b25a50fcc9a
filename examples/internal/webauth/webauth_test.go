package webauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

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
