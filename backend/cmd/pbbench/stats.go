package main

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
)

// summary is the digest of a run.
type summary struct {
	// calls is every completed call, failed ones included.
	calls int
	// errors counts the failed calls by Connect code.
	errors map[connect.Code]int
	// elapsed is the wall time of the run.
	elapsed time.Duration
	// throughput is calls per second of elapsed time.
	throughput float64
	// The latency percentiles and maximum are over successful calls only:
	// a fast rejection (say resource_exhausted) says nothing about the
	// cost of the work being measured.
	p50, p95, p99, max time.Duration
}

// errorCount is the number of failed calls.
func (s summary) errorCount() int {
	n := 0
	for _, c := range s.errors {
		n += c
	}
	return n
}

// summarize merges the workers' records of r into a summary.
func summarize(r runResult) summary {
	s := summary{errors: make(map[connect.Code]int), elapsed: r.elapsed}
	var total int
	for _, w := range r.workers {
		total += len(w.latencies)
	}
	all := make([]time.Duration, 0, total)
	for _, w := range r.workers {
		all = append(all, w.latencies...)
		for code, n := range w.errors {
			s.errors[code] += n
		}
	}
	slices.Sort(all)
	s.calls = len(all) + s.errorCount()
	if r.elapsed > 0 {
		s.throughput = float64(s.calls) / r.elapsed.Seconds()
	}
	s.p50 = percentile(all, 0.50)
	s.p95 = percentile(all, 0.95)
	s.p99 = percentile(all, 0.99)
	if len(all) > 0 {
		s.max = all[len(all)-1]
	}
	return s
}

// percentile returns the q-quantile (0 < q <= 1) of sorted by the
// nearest-rank method: the smallest sample that at least q of all samples
// are less than or equal to. It returns 0 for no samples.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The epsilon keeps float error from pushing an exact rank to the
	// next sample (0.07*100 is 7.000000000000001 in float64).
	rank := int(math.Ceil(q*float64(len(sorted)) - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// tableRow is one line of the result table.
type tableRow struct {
	scenario    string
	protocol    string
	concurrency int
	summary     summary
}

// printTable writes rows as an aligned table.
func printTable(w io.Writer, rows []tableRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tprotocol\tconcurrency\tcalls\terrors\tcalls/s\tp50\tp95\tp99\tmax\t")
	for _, r := range rows {
		s := r.summary
		noSamples := s.calls == s.errorCount()
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%.1f\t%s\t%s\t%s\t%s\t\n",
			r.scenario, r.protocol, r.concurrency, s.calls, formatErrors(s.errors), s.throughput,
			formatLatency(s.p50, noSamples), formatLatency(s.p95, noSamples),
			formatLatency(s.p99, noSamples), formatLatency(s.max, noSamples))
	}
	return tw.Flush()
}

// formatErrors renders error counts as "0" or "7 (unavailable=5 unknown=2)",
// codes ordered by number.
func formatErrors(errs map[connect.Code]int) string {
	codes := make([]connect.Code, 0, len(errs))
	total := 0
	for code, n := range errs {
		if n > 0 {
			codes = append(codes, code)
			total += n
		}
	}
	if total == 0 {
		return "0"
	}
	slices.SortFunc(codes, func(a, b connect.Code) int { return cmp.Compare(a, b) })
	parts := make([]string, len(codes))
	for i, code := range codes {
		parts[i] = fmt.Sprintf("%s=%d", code, errs[code])
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, " "))
}

// formatLatency renders d in milliseconds with microsecond precision, so a
// column compares at a glance; "-" when there was no successful call.
func formatLatency(d time.Duration, none bool) string {
	if none {
		return "-"
	}
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}

// printCalls lists every successful call's latency per worker, in the
// order the calls were made.
func printCalls(w io.Writer, r runResult) {
	for i, wr := range r.workers {
		for j, d := range wr.latencies {
			fmt.Fprintf(w, "worker %d call %d: %s\n", i+1, j+1, formatLatency(d, false))
		}
	}
}
