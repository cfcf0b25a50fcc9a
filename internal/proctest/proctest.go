// Package proctest is what the test packages that start real servers
// from Debian's binaries (internal/redistest, internal/mariadbtest) share:
// finding a binary, or skipping the test without it; ports to listen on;
// the end of a server's log; and processes that die with the test.
package proctest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Binary returns the path of the program name: the one the environment
// variable names, or else name on PATH or in /usr/sbin (where Debian puts
// daemons such as mariadbd, outside a user's PATH). When there is none,
// it skips the test, saying to install the package install or set the
// variable — or fails it under CI=true, where nothing may skip.
func Binary(t testing.TB, variable, name, install string) string {
	t.Helper()
	want := name
	if v := os.Getenv(variable); v != "" {
		want = v
	}
	path, err := exec.LookPath(want)
	if err == nil {
		return path
	}
	if want == name {
		if p := filepath.Join("/usr/sbin", name); executable(p) {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (install %s or set %s to its path): %v", name, install, variable, err)
	}
	t.Skipf("%s not found, skipping (install %s or set %s to the path of %s): %v", name, install, variable, name, err)
	return ""
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// FreePorts returns n distinct ports of 127.0.0.1 that nothing listened
// on a moment ago. Another process may take one before the caller does:
// a server that cannot listen is started again on others.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// LogTail returns the last lines of the log file at path, or a note that
// it could not be read.
func LogTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
