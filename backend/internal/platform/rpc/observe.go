package rpc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/partsbin/partsbin/backend/internal/platform/db"
)

// Metrics are the RPC-level Prometheus series.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	streams  *prometheus.GaugeVec
}

// NewMetrics registers the RPC series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partsbin_rpc_requests_total",
			Help: "RPCs handled, by procedure and Connect code (ok for success).",
		}, []string{"procedure", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "partsbin_rpc_duration_seconds",
			Help:    "Time to handle a unary RPC, or the lifetime of a stream.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60, 600},
		}, []string{"procedure", "kind"}),
		streams: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "partsbin_rpc_streams_open",
			Help: "Server streams open now, by procedure.",
		}, []string{"procedure"}),
	}
	reg.MustRegister(m.requests, m.duration, m.streams)
	return m
}

// Observer is the outermost interceptor: it bounds unary calls in time,
// replaces errors that are not meant for clients with safe ones, and logs
// and counts every call.
type Observer struct {
	log          *slog.Logger
	metrics      *Metrics
	unaryTimeout time.Duration
}

// NewObserver returns an Observer.
func NewObserver(log *slog.Logger, m *Metrics, unaryTimeout time.Duration) *Observer {
	return &Observer{log: log, metrics: m, unaryTimeout: unaryTimeout}
}

// WrapUnary implements connect.Interceptor.
func (o *Observer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if o.unaryTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, o.unaryTimeout)
			defer cancel()
		}
		start := time.Now()
		res, err := next(ctx, req)
		err = o.sanitize(ctx, req.Spec().Procedure, err)
		o.record(ctx, req.Spec().Procedure, "unary", req.Peer().Protocol, start, err)
		return res, err
	}
}

// WrapStreamingClient implements connect.Interceptor; the server has no
// outgoing streams.
func (o *Observer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (o *Observer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		proc := conn.Spec().Procedure
		o.metrics.streams.WithLabelValues(proc).Inc()
		defer o.metrics.streams.WithLabelValues(proc).Dec()
		start := time.Now()
		err := next(ctx, conn)
		err = o.sanitize(ctx, proc, err)
		o.record(ctx, proc, "stream", conn.Peer().Protocol, start, err)
		return err
	}
}

// sanitize turns errors that were not built for the client into codes:
// database outages become unavailable, everything unexpected becomes a
// generic internal error whose cause stays in the log.
func (o *Observer) sanitize(ctx context.Context, procedure string, err error) error {
	if err == nil {
		return nil
	}
	var cerr *connect.Error
	if errors.As(err, &cerr) {
		if cerr.Code() == connect.CodeInternal || cerr.Code() == connect.CodeUnknown {
			o.log.ErrorContext(ctx, "rpc failed", "procedure", procedure, "request_id", RequestID(ctx), "err", err)
			return connect.NewError(connect.CodeInternal, errors.New("internal error, request id "+RequestID(ctx)))
		}
		return err
	}
	switch {
	case errors.Is(err, db.ErrUnavailable):
		o.log.WarnContext(ctx, "database unavailable", "procedure", procedure, "request_id", RequestID(ctx), "err", err)
		return Unavailable("database", time.Second)
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("request took too long"))
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, errors.New("request canceled"))
	}
	o.log.ErrorContext(ctx, "rpc failed", "procedure", procedure, "request_id", RequestID(ctx), "err", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error, request id "+RequestID(ctx)))
}

func (o *Observer) record(ctx context.Context, procedure, kind, protocol string, start time.Time, err error) {
	elapsed := time.Since(start)
	code := "ok"
	if err != nil {
		code = connect.CodeOf(err).String()
	}
	o.metrics.requests.WithLabelValues(procedure, code).Inc()
	o.metrics.duration.WithLabelValues(procedure, kind).Observe(elapsed.Seconds())
	level := slog.LevelInfo
	if code == "internal" || code == "unknown" || code == "data_loss" {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("procedure", procedure),
		slog.String("code", code),
		slog.String("protocol", protocol),
		slog.Duration("duration", elapsed),
		slog.String("request_id", RequestID(ctx)),
		slog.String("client_ip", ClientIP(ctx).String()),
	}
	if err != nil && level != slog.LevelError {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	o.log.LogAttrs(ctx, level, "rpc", attrs...)
}
