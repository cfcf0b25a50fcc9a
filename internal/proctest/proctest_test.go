package proctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("one\ntwo\nthree\nfour\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := LogTail(path, 2); got != "three\nfour" {
		t.Errorf("LogTail(2) = %q, want the last two lines", got)
	}
	if got := LogTail(path, 10); got != "one\ntwo\nthree\nfour" {
		t.Errorf("LogTail(10) = %q, want every line", got)
	}
	if got := LogTail(filepath.Join(t.TempDir(), "none"), 3); !strings.HasPrefix(got, "(no log: ") {
		t.Errorf("LogTail of a missing file = %q", got)
	}
}

func TestFreePorts(t *testing.T) {
	ports, err := FreePorts(5)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || p > 65535 || seen[p] {
			t.Errorf("ports %v: want five distinct ports", ports)
		}
		seen[p] = true
	}
}

func TestBinary(t *testing.T) {
	t.Setenv("PROCTEST_SH", "")
	if got := Binary(t, "PROCTEST_SH", "sh", "dash"); !filepath.IsAbs(got) {
		t.Errorf("Binary(sh) = %q, want its path", got)
	}
	// The variable wins over the name.
	t.Setenv("PROCTEST_SH", "/bin/true")
	if got := Binary(t, "PROCTEST_SH", "sh", "dash"); got != "/bin/true" {
		t.Errorf("Binary with PROCTEST_SH=/bin/true = %q", got)
	}
}
