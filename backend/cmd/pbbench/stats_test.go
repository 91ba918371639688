package main

import (
	"maps"
	"testing"
	"time"

	"connectrpc.com/connect"
)

// ms returns n milliseconds.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// series returns 1ms, 2ms, ... n ms.
func series(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = ms(i + 1)
	}
	return out
}

func TestPercentile_NearestRank(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"single p50", []time.Duration{ms(7)}, 0.50, ms(7)},
		{"single p99", []time.Duration{ms(7)}, 0.99, ms(7)},
		{"100 p50", series(100), 0.50, ms(50)},
		{"100 p95", series(100), 0.95, ms(95)},
		{"100 p99", series(100), 0.99, ms(99)},
		{"100 max", series(100), 1, ms(100)},
		{"10 p50", series(10), 0.50, ms(5)},
		{"10 p95 rounds up", series(10), 0.95, ms(10)},
		{"10 p99 rounds up", series(10), 0.99, ms(10)},
		{"1000 p99", series(1000), 0.99, ms(990)},
		{"3 p50 rounds up", series(3), 0.50, ms(2)},
		{"float error does not bump the rank", series(100), 0.07, ms(7)},
		{"tiny q stays on the first sample", series(3), 0.0001, ms(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(tt.sorted, tt.q); got != tt.want {
				t.Errorf("percentile(%d samples, %v) = %v, want %v", len(tt.sorted), tt.q, got, tt.want)
			}
		})
	}
}

func TestSummarize_MergesWorkers(t *testing.T) {
	t.Parallel()
	// Two workers, unsorted samples split between them: 1..100 ms in all.
	var a, b []time.Duration
	for i := 100; i >= 1; i-- {
		if i%3 == 0 {
			a = append(a, ms(i))
		} else {
			b = append(b, ms(i))
		}
	}
	r := runResult{
		elapsed: 2 * time.Second,
		workers: []workerResult{
			{latencies: a, errors: map[connect.Code]int{connect.CodeUnavailable: 3}},
			{latencies: b, errors: map[connect.Code]int{connect.CodeUnavailable: 1, connect.CodeResourceExhausted: 6}},
		},
	}
	got := summarize(r)

	if got.calls != 110 {
		t.Errorf("calls = %d, want 110 (100 ok + 10 errors)", got.calls)
	}
	if got.throughput != 55 {
		t.Errorf("throughput = %v, want 55 calls/s", got.throughput)
	}
	wantErrs := map[connect.Code]int{connect.CodeUnavailable: 4, connect.CodeResourceExhausted: 6}
	if !maps.Equal(got.errors, wantErrs) {
		t.Errorf("errors = %v, want %v", got.errors, wantErrs)
	}
	if got.p50 != ms(50) || got.p95 != ms(95) || got.p99 != ms(99) || got.max != ms(100) {
		t.Errorf("p50/p95/p99/max = %v/%v/%v/%v, want 50ms/95ms/99ms/100ms", got.p50, got.p95, got.p99, got.max)
	}
}

func TestSummarize_NoSuccessfulCalls(t *testing.T) {
	t.Parallel()
	r := runResult{
		elapsed: time.Second,
		workers: []workerResult{{errors: map[connect.Code]int{connect.CodeUnknown: 4}}},
	}
	got := summarize(r)
	if got.calls != 4 || got.errorCount() != 4 {
		t.Errorf("calls, errors = %d, %d, want 4, 4", got.calls, got.errorCount())
	}
	if got.p50 != 0 || got.max != 0 {
		t.Errorf("p50, max = %v, %v, want 0, 0", got.p50, got.max)
	}
}

func TestSummarize_ZeroElapsed(t *testing.T) {
	t.Parallel()
	got := summarize(runResult{workers: []workerResult{{latencies: []time.Duration{ms(1)}}}})
	if got.throughput != 0 {
		t.Errorf("throughput = %v, want 0 for a zero-length run", got.throughput)
	}
}

func TestFormatErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		errs map[connect.Code]int
		want string
	}{
		{nil, "0"},
		{map[connect.Code]int{connect.CodeUnavailable: 0}, "0"},
		{map[connect.Code]int{connect.CodeUnavailable: 5, connect.CodeUnknown: 2}, "7 (unknown=2 unavailable=5)"},
	}
	for _, tt := range tests {
		if got := formatErrors(tt.errs); got != tt.want {
			t.Errorf("formatErrors(%v) = %q, want %q", tt.errs, got, tt.want)
		}
	}
}
