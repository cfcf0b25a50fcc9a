package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxSamples is how many error descriptions a scenario keeps for the
// report; the rest are only counted.
const maxSamples = 5

// recorder is one worker's record of a scenario. Each worker owns its
// recorder, so recording takes no lock; the recorders are merged when
// the scenario ends.
type recorder struct {
	latencies []time.Duration
	// perInstance counts the requests sent to each instance, by its
	// index in config.bases.
	perInstance []int
	errors      int
	samples     []string
}

// observe records one request to instance inst: its latency and, when it
// failed, a description of the failure (kept for the first few).
func (r *recorder) observe(d time.Duration, inst int, failure string) {
	r.latencies = append(r.latencies, d)
	r.perInstance[inst]++
	if failure != "" {
		r.errors++
		if len(r.samples) < maxSamples {
			r.samples = append(r.samples, failure)
		}
	}
}

// summary is what a scenario measured.
type summary struct {
	Name     string
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50      time.Duration
	P99      time.Duration
	Max      time.Duration
	// PerInstance counts the requests answered by (or failed at) each
	// instance, in the order of -url.
	PerInstance []int
	// Samples describes the first few failures.
	Samples []string
}

// RPS is the requests completed per second of the scenario's wall time.
func (s summary) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// summarize merges the workers' records of a scenario that ran for
// elapsed. Every latency is kept, so the percentiles are exact rather
// than estimated from buckets.
func summarize(name string, elapsed time.Duration, recs []*recorder) summary {
	s := summary{Name: name, Elapsed: elapsed}
	n := 0
	for _, r := range recs {
		n += len(r.latencies)
	}
	all := make([]time.Duration, 0, n)
	for _, r := range recs {
		all = append(all, r.latencies...)
		if extra := len(r.perInstance) - len(s.PerInstance); extra > 0 {
			s.PerInstance = append(s.PerInstance, make([]int, extra)...)
		}
		for i, c := range r.perInstance {
			s.PerInstance[i] += c
		}
		s.Errors += r.errors
		for _, m := range r.samples {
			if len(s.Samples) < maxSamples {
				s.Samples = append(s.Samples, m)
			}
		}
	}
	slices.Sort(all)
	s.Requests = len(all)
	s.P50 = percentile(all, 50)
	s.P99 = percentile(all, 99)
	if len(all) > 0 {
		s.Max = all[len(all)-1]
	}
	return s
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p percent of the
// values do not exceed. It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// rank = ceil(p/100 * n); the tolerance keeps a product such as
	// 99.9/100 * 1000 = 999.0000000000001 from rounding up a rank.
	rank := int(math.Ceil(p/100*float64(n) - 1e-9))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// writeTable prints the summaries as a Markdown table, which reads in a
// terminal and pastes into a document unchanged. With more than one
// instance, a last column gives each instance's share of the requests,
// in the order of -url, separated by slashes.
func writeTable(w io.Writer, sums []summary, instances int) {
	head, rule := "| scenario | requests | rps | p50 | p99 | max | errors |", "|---|---:|---:|---:|---:|---:|---:|"
	if instances > 1 {
		head, rule = head+" per instance |", rule+"---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, s := range sums {
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %d |",
			s.Name, s.Requests, s.RPS(), ms(s.P50), ms(s.P99), ms(s.Max), s.Errors)
		if instances > 1 {
			counts := make([]string, instances)
			for i := range counts {
				if i < len(s.PerInstance) {
					counts[i] = strconv.Itoa(s.PerInstance[i])
				} else {
					counts[i] = "0"
				}
			}
			fmt.Fprintf(w, " %s |", strings.Join(counts, " / "))
		}
		fmt.Fprintln(w)
	}
}

// writeSamples prints the first failures of each scenario that had any.
func writeSamples(w io.Writer, sums []summary) {
	for _, s := range sums {
		if s.Errors == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d errors; the first %d:\n", s.Name, s.Errors, len(s.Samples))
		for _, m := range s.Samples {
			fmt.Fprintf(w, "  - %s\n", strings.ReplaceAll(m, "\n", " "))
		}
	}
}

// ms formats d in milliseconds with a precision that suits its size.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}
