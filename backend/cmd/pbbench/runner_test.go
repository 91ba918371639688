package main

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
)

func TestRunLoad_StopsAtCallBudget(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	call := func(context.Context, int) error {
		if n.Add(1)%4 == 0 {
			return connect.NewError(connect.CodeUnavailable, errors.New("down"))
		}
		return nil
	}
	res := runLoad(context.Background(), plan{duration: time.Minute, concurrency: 3, maxCalls: 20}, call)
	s := summarize(res)
	if s.calls != 20 || n.Load() != 20 {
		t.Errorf("calls = %d (made %d), want 20", s.calls, n.Load())
	}
	if s.errors[connect.CodeUnavailable] != 5 {
		t.Errorf("unavailable = %d, want 5", s.errors[connect.CodeUnavailable])
	}
	if res.stop != stopBudget {
		t.Errorf("stop = %q, want %q", res.stop, stopBudget)
	}
}

func TestRunLoad_InterruptedKeepsPartialResults(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	call := func(ctx context.Context, _ int) error {
		k := n.Add(1)
		if k == 50 {
			cancel()
		}
		if k >= 50 {
			// Return only once the cancellation is visible, so the other
			// worker cannot slip in recorded calls before it is.
			<-ctx.Done()
		}
		return nil
	}
	res := runLoad(ctx, plan{duration: time.Minute, concurrency: 2}, call)
	s := summarize(res)
	if s.calls == 0 || s.calls > 50 {
		t.Errorf("calls = %d, want between 1 and 50", s.calls)
	}
	if res.stop != stopInterrupted {
		t.Errorf("stop = %q, want %q", res.stop, stopInterrupted)
	}
}

func TestMeasuredSpan_EndsAtLastRecordedCall(t *testing.T) {
	t.Parallel()
	start := time.Now()
	results := []workerResult{
		{lastDone: start.Add(3 * time.Second)},
		{}, // recorded nothing
		{lastDone: start.Add(5 * time.Second)},
	}
	if got, want := measuredSpan(start, results), 5*time.Second; got != want {
		t.Errorf("measuredSpan = %v, want %v", got, want)
	}
	if got := measuredSpan(start, []workerResult{{}}); got != 0 {
		t.Errorf("measuredSpan with no calls = %v, want 0", got)
	}
}

func TestRunLoad_CallsCarryNoRunDeadline(t *testing.T) {
	t.Parallel()
	// A deadline on the call's context would be sent to the server, which
	// would then fail the last calls of the run just before it ends.
	call := func(ctx context.Context, _ int) error {
		if _, ok := ctx.Deadline(); ok {
			return errors.New("the call's context has a deadline")
		}
		time.Sleep(time.Millisecond)
		return nil
	}
	res := runLoad(context.Background(), plan{duration: 50 * time.Millisecond, concurrency: 2}, call)
	s := summarize(res)
	if s.calls == 0 || s.errorCount() != 0 {
		t.Errorf("calls = %d, errors = %v; want calls and no errors", s.calls, s.errors)
	}
	if res.stop != stopDuration {
		t.Errorf("stop = %q, want %q", res.stop, stopDuration)
	}
}
