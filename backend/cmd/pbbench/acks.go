package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"connectrpc.com/connect"
)

// retryOutage runs fn until it succeeds, fails with an error an outage does
// not explain, or ctx ends. `unavailable` is what the server answers while
// the database fails over; `unknown`/`deadline_exceeded` cover a connection
// that broke mid-call. fn must be safe to repeat (an idempotency key).
func retryOutage(ctx context.Context, fn func() error) error {
	delay := 50 * time.Millisecond
	for {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return err
		}
		switch connect.CodeOf(err) {
		case connect.CodeUnavailable, connect.CodeUnknown, connect.CodeDeadlineExceeded, connect.CodeAborted:
		default:
			return err
		}
		outageRetries.Add(connect.CodeOf(err))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// codeCounts counts errors by Connect code, safely from many workers.
type codeCounts struct {
	mu sync.Mutex
	m  map[connect.Code]int
}

func (c *codeCounts) Add(code connect.Code) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[connect.Code]int{}
	}
	c.m[code]++
}

func (c *codeCounts) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) == 0 {
		return "none"
	}
	codes := make([]connect.Code, 0, len(c.m))
	for code := range c.m {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	s := ""
	for _, code := range codes {
		s += fmt.Sprintf("%s %d  ", code, c.m[code])
	}
	return s[:len(s)-2]
}

// outageRetries counts the calls retried by retryOutage in this process.
var outageRetries codeCounts

// ack is one order the server acknowledged.
type ack struct {
	at       time.Time
	customer int
	key, id  string
}

// ackLog records acknowledged orders per worker (no lock on the hot path).
type ackLog struct{ perWorker [][]ack }

func newAckLog(workers int) *ackLog { return &ackLog{perWorker: make([][]ack, workers)} }

func (l *ackLog) record(worker, customer int, key, id string) {
	l.perWorker[worker] = append(l.perWorker[worker], ack{at: time.Now(), customer: customer, key: key, id: id})
}

// verify prints the longest stretch without an acknowledgement (the
// interruption a failover causes) and checks that every acknowledged order
// exists and that no two checkouts share an order.
func (l *ackLog) verify(ctx context.Context, w io.Writer, get func(ctx context.Context, customer int, id string) error) error {
	var all []ack
	for _, a := range l.perWorker {
		all = append(all, a...)
	}
	slices.SortFunc(all, func(a, b ack) int { return a.at.Compare(b.at) })
	var gap time.Duration
	var gapAt time.Time
	for i := 1; i < len(all); i++ {
		if d := all[i].at.Sub(all[i-1].at); d > gap {
			gap, gapAt = d, all[i-1].at
		}
	}
	ids := map[string]string{}
	dups := 0
	for _, a := range all {
		if k, ok := ids[a.id]; ok && k != a.key {
			dups++
		}
		ids[a.id] = a.key
	}
	missing := 0
	var firstErr error
	for _, a := range all {
		err := retryOutage(ctx, func() error { return get(ctx, a.customer, a.id) })
		if err != nil {
			missing++
			if firstErr == nil {
				firstErr = fmt.Errorf("order %s: %w", a.id, err)
			}
		}
	}
	fmt.Fprintf(w, "orders: %d acknowledged, %d verified with GetOrder, %d missing, %d duplicates\n",
		len(all), len(all)-missing, missing, dups)
	if gap > 0 {
		fmt.Fprintf(w, "longest stretch without an acknowledged order: %v (from %s)\n",
			gap.Round(time.Millisecond), gapAt.Format("15:04:05.000"))
	}
	fmt.Fprintf(w, "retried during the run (outage answers): %s\n", outageRetries.String())
	if missing > 0 || dups > 0 {
		return errors.Join(errors.New("acknowledged orders lost or duplicated"), firstErr)
	}
	return nil
}
