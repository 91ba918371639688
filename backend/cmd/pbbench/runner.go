package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
)

// callFunc performs one measured operation for the worker with the given
// index. A non-nil error counts as a failed call, classified by its Connect
// code (connect.CodeUnknown for errors that carry none).
type callFunc func(ctx context.Context, worker int) error

// plan says how a load run proceeds.
type plan struct {
	duration    time.Duration
	concurrency int
	// maxCalls, if positive, is the total number of calls to make across
	// all workers; the run still ends after duration.
	maxCalls int64
}

// samplesPerWorker is the latency slots preallocated per worker for a run
// bounded only by time: enough for about 6.5k calls/s per worker over 10 s
// without the slice growing. Past it the slice grows by append, which is
// still lock-free since each worker owns its slice.
const samplesPerWorker = 1 << 16

// workerResult is what one worker recorded. Only that worker writes it
// while the run is on, so recording needs no lock.
type workerResult struct {
	// latencies of the successful calls, in the order they were made.
	latencies []time.Duration
	// errors counts the failed calls by Connect code.
	errors map[connect.Code]int
	// lastDone is when the worker's last recorded call completed.
	lastDone time.Time
}

// stopReason says why a run ended.
type stopReason string

const (
	stopDuration    stopReason = "duration elapsed"
	stopBudget      stopReason = "call budget spent"
	stopInterrupted stopReason = "interrupted"
	stopHardCap     stopReason = "hard cap of 10 minutes reached"
)

// runResult is the raw outcome of a run.
type runResult struct {
	workers []workerResult
	elapsed time.Duration
	stop    stopReason
}

// runLoad runs p.concurrency workers calling call back to back until the
// duration elapses, the call budget is spent or ctx ends. A call still in
// flight when the run ends is cut off and not recorded, so neither its
// latency nor its cancellation error skews the result.
func runLoad(ctx context.Context, p plan, call callFunc) runResult {
	var budget *atomic.Int64
	if p.maxCalls > 0 {
		budget = new(atomic.Int64)
		budget.Store(p.maxCalls)
	}
	results := make([]workerResult, p.concurrency)
	for i := range results {
		results[i] = workerResult{
			latencies: make([]time.Duration, 0, sampleCapacity(p)),
			errors:    make(map[connect.Code]int),
		}
	}

	start := time.Now()
	// The run ends by a timer, not a context deadline: a deadline would
	// travel to the server (Connect-Timeout-Ms, grpc-timeout), which would
	// fail the calls still running at the end a moment before this side
	// notices the end, and they would be counted as errors.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.AfterFunc(p.duration, cancel)
	defer timer.Stop()
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { runWorker(runCtx, i, budget, call, &results[i]) })
	}
	wg.Wait()

	return runResult{workers: results, elapsed: measuredSpan(start, results), stop: reason(ctx, budget)}
}

// measuredSpan is the time from start to the last recorded completion.
// Waiting for calls that were cut off (an argon2 hash cannot be stopped
// midway) would add time without adding calls and bias throughput down.
func measuredSpan(start time.Time, results []workerResult) time.Duration {
	var span time.Duration
	for _, r := range results {
		if !r.lastDone.IsZero() {
			span = max(span, r.lastDone.Sub(start))
		}
	}
	return span
}

// sampleCapacity is the latency slice capacity to preallocate per worker.
func sampleCapacity(p plan) int64 {
	if p.maxCalls > 0 {
		perWorker := (p.maxCalls + int64(p.concurrency) - 1) / int64(p.concurrency)
		return min(perWorker, samplesPerWorker)
	}
	return samplesPerWorker
}

// runWorker is one worker's loop: take a call from the budget, make it,
// record it, until ctx ends or the budget is spent.
func runWorker(ctx context.Context, id int, budget *atomic.Int64, call callFunc, out *workerResult) {
	for ctx.Err() == nil {
		if budget != nil && budget.Add(-1) < 0 {
			return
		}
		start := time.Now()
		err := call(ctx, id)
		done := time.Now()
		if ctx.Err() != nil {
			return // cut off by the end of the run
		}
		out.lastDone = done
		if err != nil {
			out.errors[connect.CodeOf(err)]++
			continue
		}
		out.latencies = append(out.latencies, done.Sub(start))
	}
}

// reason tells why a run that has ended stopped.
func reason(parent context.Context, budget *atomic.Int64) stopReason {
	switch {
	case budget != nil && budget.Load() < 0:
		return stopBudget
	case errors.Is(parent.Err(), context.Canceled):
		return stopInterrupted
	case parent.Err() != nil:
		return stopHardCap
	default:
		return stopDuration
	}
}
