package media

import (
	// The drivers of the schemes these tests open.
	"bytes"
	"errors"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestS3 runs the round trip — Open, Upload, Describe, ServeHTTP, Sweep —
// against a real S3-compatible store: a SeaweedFS server ("weed") on
// loopback ports of its own, given as COMMERCE_WEED or found on PATH.
// Without one it skips, naming COMMERCE_WEED — except under CI=true, where
// it fails: .ci/run builds the binary.
func TestS3(t *testing.T) {
	bin := os.Getenv("COMMERCE_WEED")
	if bin == "" {
		bin, _ = exec.LookPath("weed")
	}
	if bin == "" {
		msg := "no SeaweedFS: set COMMERCE_WEED to a weed binary (.ci/run builds one: go build ./weed in github.com/seaweedfs/seaweedfs) to run the S3 round trip"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	endpoint := startWeed(t, bin)
	// Any key is accepted by a weed without an identity configured; the
	// SDK signs with it all the same. No shared AWS files or instance
	// metadata are consulted.
	t.Setenv("AWS_ACCESS_KEY_ID", "commerce-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "commerce-test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	opts := &Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }}
	url := "s3://shop?endpoint=" + endpoint + "&region=us-east-1&use_path_style=true"
	s, err := Open(t.Context(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	file := withMetadata(encodeJPEG(t, photo(1000, 750), 90), 1)
	img, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Variants) != 2 {
		t.Fatalf("variants %+v", img.Variants)
	}
	again, err := s.Upload(t.Context(), "image", bytes.NewReader(file))
	if err != nil || again.ID != img.ID {
		t.Fatalf("again: %v, %s", err, again.ID)
	}
	if d, ok := s.Describe(img.URL); !ok || d.Width != 1000 || d.Height != 750 {
		t.Errorf("Describe: %+v, %v", d, ok)
	}
	if got := len(keys(t, s.bucket)); got != 3 {
		t.Errorf("%d objects, want 3", got)
	}

	get := func(url string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", url, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	w := get(img.URL)
	if w.Code != 200 || int64(w.Body.Len()) != img.Bytes || bytes.Contains(w.Body.Bytes(), gpsRational) {
		t.Errorf("GET: %d, %d bytes, want 200, %d bytes without GPS", w.Code, w.Body.Len(), img.Bytes)
	}
	if w.Header().Get("Last-Modified") == "" || w.Header().Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET headers: %v", w.Header())
	}
	if w := get(img.URL, "Range", "bytes=2-5"); w.Code != 206 || w.Body.Len() != 4 {
		t.Errorf("Range: %d, %d bytes", w.Code, w.Body.Len())
	}
	if w := get(img.URL, "If-None-Match", w.Header().Get("ETag")); w.Code != 304 {
		t.Errorf("If-None-Match: %d", w.Code)
	}
	if w := get(img.Variants[0].URL); w.Code != 200 || int64(w.Body.Len()) != img.Variants[0].Bytes {
		t.Errorf("variant: %d, %d bytes", w.Code, w.Body.Len())
	}
	if w := get(strings.Replace(img.URL, img.ID, strings.Repeat("0", 64), 1)); w.Code != 404 {
		t.Errorf("missing: %d", w.Code)
	}

	if res, err := s.Sweep(t.Context(), func(string) bool { return false }); err != nil || res != (SweepResult{Kept: 1}) {
		t.Errorf("young: %+v, %v", res, err)
	}
	clock.Add(int64(2 * DefaultGrace))
	if res, err := s.Sweep(t.Context(), func(u string) bool { return u == img.URL }); err != nil || res != (SweepResult{Kept: 1}) {
		t.Errorf("used: %+v, %v", res, err)
	}
	if res, err := s.Sweep(t.Context(), func(string) bool { return false }); err != nil || res != (SweepResult{Deleted: 1}) {
		t.Errorf("unused: %+v, %v", res, err)
	}
	if ks := keys(t, s.bucket); len(ks) != 0 {
		t.Errorf("left %v", ks)
	}
	if w := get(img.URL); w.Code != 404 {
		t.Errorf("after the sweep: %d", w.Code)
	}

	_, err = Open(t.Context(), "s3://no-such-bucket?endpoint="+endpoint+"&region=us-east-1&use_path_style=true", nil)
	if !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), "s3://no-such-bucket") || strings.Contains(err.Error(), "commerce-test-secret") {
		t.Errorf("a missing bucket: %v", err)
	}
}

// startWeed starts a SeaweedFS server with an S3 gateway on free loopback
// ports, makes the bucket "shop", and returns the gateway's URL. The
// server is killed when the test ends.
func startWeed(t *testing.T, bin string) string {
	t.Helper()
	ports := freePorts(t, 8)
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	dir := t.TempDir()
	logFile, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "server",
		"-dir", dir, "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1",
		"-master.port", p(0), "-master.port.grpc", p(1), "-master.volumeSizeLimitMB", "64",
		"-master.telemetry=false",
		"-volume.port", p(2), "-volume.port.grpc", p(3), "-volume.max", "10",
		"-filer", "-filer.port", p(4), "-filer.port.grpc", p(5),
		"-s3", "-s3.port", p(6), "-s3.port.grpc", p(7), "-s3.port.iceberg", "0", "-s3.port.lance", "0",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
	})
	endpoint := "http://127.0.0.1:" + p(6)
	// The gateway answers before a volume can take writes: wait until an
	// object can be written, anonymously, as weed without identities
	// allows.
	deadline := time.Now().Add(90 * time.Second)
	for _, step := range []struct{ method, path string }{{"PUT", "/shop"}, {"PUT", "/shop/probe"}, {"DELETE", "/shop/probe"}} {
		for {
			req, _ := http.NewRequest(step.method, endpoint+step.path, strings.NewReader("probe"))
			if step.method != "PUT" || step.path == "/shop" {
				req.Body, req.ContentLength = nil, 0
			}
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					break
				}
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(logFile.Name())
				t.Fatalf("weed did not come up: %s %s: %v, %v\n%s", step.method, step.path, err, resp, tail(log, 2000))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return endpoint
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
