package webhook_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impactmuseum/commerce/webhook"
)

// pythonBlock finds the Python verifier that docs/EVENTS.md shows.
var pythonBlock = regexp.MustCompile("(?s)```python\n(.*?)```")

// TestPythonVerifierOfTheDocs runs the Python function that docs/EVENTS.md
// gives consumers against signatures that Sign makes: it must accept a
// signed delivery, with one signature or among several, and refuse a
// changed body, another secret and an old timestamp.
func TestPythonVerifierOfTheDocs(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is not on PATH: %v", err)
		}
		t.Skipf("python3 is not on PATH (install python3 to run this test): %v", err)
	}
	doc, err := os.ReadFile("../docs/EVENTS.md")
	if err != nil {
		t.Fatal(err)
	}
	m := pythonBlock.FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/EVENTS.md shows no Python verifier")
	}
	// The harness reads the secret, the headers and the body from its
	// arguments and prints the verifier's answer.
	script := string(m[1]) + `
import sys
secret, msg_id, timestamp, signature = sys.argv[1:5]
body = sys.stdin.buffer.read()
print(verify(secret, {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": signature}, body))
`
	file := filepath.Join(t.TempDir(), "verify.py")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	secret, other := webhook.NewSecret(), webhook.NewSecret()
	body := []byte(`{"id":"01a22bce-d616-7434-b940-55f2611b3b4c","type":"order.placed","data":{"recipient":"김지우"}}`)
	id := "01a22bce-d616-7434-b940-55f2611b3b4c"
	sign := func(secret string, at time.Time) string {
		s, err := webhook.Sign(secret, id, at, body)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	for _, c := range []struct {
		name      string
		at        time.Time
		signature string
		body      []byte
		want      string
	}{
		{"signed", now, sign(secret, now), body, "True"},
		{"among several", now, sign(other, now) + " " + sign(secret, now), body, "True"},
		{"changed body", now, sign(secret, now), bytes.Replace(body, []byte("김지우"), []byte("김철수"), 1), "False"},
		{"another secret", now, sign(other, now), body, "False"},
		{"old timestamp", now.Add(-10 * time.Minute), sign(secret, now.Add(-10*time.Minute)), body, "False"},
	} {
		cmd := exec.Command(python, file, secret, id, strconv.FormatInt(c.at.Unix(), 10), c.signature)
		cmd.Stdin = bytes.NewReader(c.body)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: python: %v\n%s", c.name, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("%s: the docs' verifier says %s, want %s", c.name, got, c.want)
		}
	}
}
