// Package web holds what the JSON API and the storefront both do with
// HTTP: the one table from the engine's error kinds to statuses, the
// request log with panic recovery and a timeout, the client's address,
// and the JSON of a search box's suggestions.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/impactmuseum/commerce"
)

// statuses map the error kinds to HTTP statuses: the one place where that
// is decided. The first kind that errors.Is finds wins.
var statuses = []struct {
	kind   error
	status int
}{
	{commerce.ErrInvalid, http.StatusBadRequest},
	{commerce.ErrNotFound, http.StatusNotFound},
	{commerce.ErrConflict, http.StatusConflict},
	{commerce.ErrUnauthenticated, http.StatusUnauthorized},
	{commerce.ErrForbidden, http.StatusForbidden},
	{commerce.ErrTooManyRequests, http.StatusTooManyRequests},
	{commerce.ErrUnavailable, http.StatusServiceUnavailable},
	// The request's own deadline passed while a backing service was still
	// working: it is slow, so try again later.
	{context.DeadlineExceeded, http.StatusServiceUnavailable},
	// The client went away; nobody reads this answer, but the log shows it.
	{context.Canceled, http.StatusServiceUnavailable},
}

// StatusOf returns the HTTP status of err's kind: 400 for invalid input,
// 404, 409, 401, 403, 429, 503 for a backing service that does not answer
// or a deadline that passed, and 500 for an error of no kind (a bug).
func StatusOf(err error) int {
	for _, s := range statuses {
		if errors.Is(err, s.kind) {
			return s.status
		}
	}
	return http.StatusInternalServerError
}

// Allowed returns the Allow header of a request that mux routes nowhere
// because no pattern of its path takes its method, or "" when the path
// itself matches nothing.
func Allowed(mux *http.ServeMux, r *http.Request) string {
	// The mux knows whether another method would match; ask it by letting
	// its own handler answer into a recorder, and keep only what it says.
	h, _ := mux.Handler(r)
	rec := &headerRecorder{header: make(http.Header)}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		return rec.header.Get("Allow")
	}
	return ""
}

// headerRecorder keeps the status and headers a handler writes and drops
// the body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }

func (h *headerRecorder) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *headerRecorder) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return len(b), nil
}

// Timeouts bound a request's context.
type Timeouts struct {
	// Request bounds every request but uploads.
	Request time.Duration
	// Upload bounds an upload (IsUpload): reading its body over a slow
	// connection as well as storing its files. The connection's read and
	// write deadlines are moved to match, past the server's own
	// ReadTimeout and WriteTimeout. Zero means Request.
	Upload time.Duration
}

// IsUpload reports whether r sends files: a POST of multipart/form-data.
func IsUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct == "multipart/form-data"
}

// Logged wraps next with a request log line per request, a timeout on
// its context (Timeout), and panic recovery: a panic is logged with its
// stack, and onPanic answers the request if nothing was written yet.
func Logged(log *slog.Logger, timeouts Timeouts, onPanic http.HandlerFunc, next http.Handler) http.Handler {
	next = Timeout(timeouts, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v) // net/http's way to abort a response on purpose
				}
				log.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					onPanic(rec, r)
				}
			}
			log.InfoContext(r.Context(), "request",
				"method", r.Method,
				"path", r.URL.Path,
				"status", rec.statusCode(),
				"bytes", rec.bytes,
				"duration", time.Since(start),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// Timeout bounds the context of each request by timeouts: an upload
// (IsUpload) by Upload, every other request by Request. For an upload it
// also moves the connection's read and write deadlines to match, past the
// server's own ReadTimeout and WriteTimeout.
func Timeout(timeouts Timeouts, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := timeouts.Request
		if timeouts.Upload > 0 && IsUpload(r) {
			timeout = timeouts.Upload
			// A photo over a phone's connection takes longer than the
			// server's ReadTimeout allows any request; a writer that
			// cannot move its deadlines (a test's recorder) has none.
			deadline := time.Now().Add(timeout)
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(deadline)
			_ = rc.SetWriteDeadline(deadline.Add(5 * time.Second))
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusRecorder notes the status and the size of the body written
// through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 && status >= 200 {
		s.status = status
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// statusCode is the status sent, or 200 if the handler wrote nothing at
// all (net/http then sends 200).
func (s *statusRecorder) statusCode() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// RemoteIP returns the host of the request's RemoteAddr: the peer of the
// TCP connection.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
