package main

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

// durations returns 1ms, 2ms, …, n ms.
func durations(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		n    int
		p    float64
		want time.Duration
	}{
		{0, 50, 0},
		{1, 50, 1 * time.Millisecond},
		{1, 99, 1 * time.Millisecond},
		{2, 50, 1 * time.Millisecond},
		{2, 99, 2 * time.Millisecond},
		{10, 50, 5 * time.Millisecond},
		{10, 99, 10 * time.Millisecond},
		{100, 50, 50 * time.Millisecond},
		{100, 99, 99 * time.Millisecond},
		{100, 100, 100 * time.Millisecond},
		{101, 50, 51 * time.Millisecond},
		{1000, 99, 990 * time.Millisecond},
		{1000, 99.9, 999 * time.Millisecond},
		{1000, 0.1, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("p%v of %d", tt.p, tt.n), func(t *testing.T) {
			if got := percentile(durations(tt.n), tt.p); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSummarizeMergesWorkers(t *testing.T) {
	// Three workers whose latencies interleave: the merged percentiles
	// must be those of all 100 values together, not of any one worker.
	recs := []*recorder{{perInstance: make([]int, 2)}, {perInstance: make([]int, 2)}, {perInstance: make([]int, 2)}}
	for i, d := range durations(100) {
		failure := ""
		if i%10 == 0 {
			failure = fmt.Sprintf("failure %d", i)
		}
		// Instance 0 gets the requests that are multiples of 4.
		inst := 1
		if i%4 == 0 {
			inst = 0
		}
		recs[(i*7)%3].observe(d, inst, failure)
	}
	// A worker that sent nothing is merged as well.
	recs = append(recs, &recorder{})

	s := summarize("home", 2*time.Second, recs)
	if s.Requests != 100 {
		t.Errorf("requests: got %d, want 100", s.Requests)
	}
	if s.Errors != 10 {
		t.Errorf("errors: got %d, want 10", s.Errors)
	}
	if !slices.Equal(s.PerInstance, []int{25, 75}) {
		t.Errorf("per instance: got %v, want [25 75]", s.PerInstance)
	}
	if len(s.Samples) != maxSamples {
		t.Errorf("samples: got %d, want %d", len(s.Samples), maxSamples)
	}
	if s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("p50, p99, max: got %v, %v, %v, want 50ms, 99ms, 100ms", s.P50, s.P99, s.Max)
	}
	if got := s.RPS(); got != 50 {
		t.Errorf("rps: got %v, want 50", got)
	}
}

func TestSummarizeNothing(t *testing.T) {
	s := summarize("cart", 0, []*recorder{{}})
	if s.Requests != 0 || s.P50 != 0 || s.P99 != 0 || s.Max != 0 || s.RPS() != 0 {
		t.Errorf("got %+v (rps %v), want zeros", s, s.RPS())
	}
}

func TestRecorderKeepsFirstSamples(t *testing.T) {
	r := recorder{perInstance: make([]int, 1)}
	for i := range 2 * maxSamples {
		r.observe(time.Millisecond, 0, fmt.Sprintf("e%d", i))
	}
	if r.errors != 2*maxSamples {
		t.Errorf("errors: got %d, want %d", r.errors, 2*maxSamples)
	}
	if len(r.samples) != maxSamples || r.samples[0] != "e0" {
		t.Errorf("samples: got %q, want the first %d", r.samples, maxSamples)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	writeTable(&buf, []summary{
		{Name: "home", Requests: 12340, Elapsed: 10 * time.Second, P50: 1234 * time.Microsecond,
			P99: 45600 * time.Microsecond, Max: 123 * time.Millisecond},
		{Name: "order", Requests: 10, Errors: 2, Elapsed: time.Second},
	}, 1)
	want := "| scenario | requests | rps | p50 | p99 | max | errors |\n" +
		"|---|---:|---:|---:|---:|---:|---:|\n" +
		"| home | 12340 | 1234 | 1.23 ms | 45.6 ms | 123 ms | 0 |\n" +
		"| order | 10 | 10 | 0.00 ms | 0.00 ms | 0.00 ms | 2 |\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteTablePerInstance(t *testing.T) {
	var buf bytes.Buffer
	writeTable(&buf, []summary{
		{Name: "home", Requests: 7, Elapsed: time.Second, PerInstance: []int{3, 2, 2}},
		{Name: "cart", Elapsed: time.Second}, // nothing sent
	}, 3)
	want := "| scenario | requests | rps | p50 | p99 | max | errors | per instance |\n" +
		"|---|---:|---:|---:|---:|---:|---:|---:|\n" +
		"| home | 7 | 7 | 0.00 ms | 0.00 ms | 0.00 ms | 0 | 3 / 2 / 2 |\n" +
		"| cart | 0 | 0 | 0.00 ms | 0.00 ms | 0.00 ms | 0 | 0 / 0 / 0 |\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
