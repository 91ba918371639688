// Package rpc holds what every partsbin service shares on the wire: error
// constructors with typed details, request-scoped values (request id, client
// address), interceptors for logging, metrics and error hygiene, and the
// HTTP server that carries Connect, gRPC and gRPC-Web on one port.
package rpc

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// Violations collects invalid request fields; Err turns them into one
// invalid_argument error with a BadRequest detail.
type Violations struct {
	list []*commonv1.FieldViolation
}

// Add records that field is invalid.
func (v *Violations) Add(field, format string, args ...any) {
	v.list = append(v.list, &commonv1.FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Any reports whether a violation was recorded.
func (v *Violations) Any() bool { return len(v.list) > 0 }

// Err returns nil or an invalid_argument error naming every violation.
func (v *Violations) Err() error {
	if len(v.list) == 0 {
		return nil
	}
	parts := make([]string, len(v.list))
	for i, f := range v.list {
		parts[i] = f.Field + ": " + f.Description
	}
	return withDetail(connect.NewError(connect.CodeInvalidArgument,
		errors.New("invalid request: "+strings.Join(parts, "; "))),
		&commonv1.BadRequest{FieldViolations: v.list})
}

// InvalidField is a one-violation invalid_argument error.
func InvalidField(field, format string, args ...any) error {
	var v Violations
	v.Add(field, format, args...)
	return v.Err()
}

// VersionConflict is the aborted error for a stale expected_version.
func VersionConflict(entity string, expected, current int64) error {
	return withDetail(connect.NewError(connect.CodeAborted,
		fmt.Errorf("%s was changed by someone else: expected version %d, current version %d", entity, expected, current)),
		&commonv1.VersionMismatch{Entity: entity, ExpectedVersion: expected, CurrentVersion: current})
}

// RateLimited is the resource_exhausted error of a rate limit.
func RateLimited(what string, retryAfter time.Duration) error {
	secs := max(1, int64((retryAfter+time.Second-1)/time.Second))
	return withDetail(connect.NewError(connect.CodeResourceExhausted,
		fmt.Errorf("too many %s, retry in %d s", what, secs)),
		&commonv1.RetryInfo{RetryAfterMs: max(retryAfter.Milliseconds(), 1)})
}

// Unavailable is the retryable error for a dependency that is down.
func Unavailable(what string, retryAfter time.Duration) error {
	return withDetail(connect.NewError(connect.CodeUnavailable,
		fmt.Errorf("%s temporarily unavailable, retry shortly", what)),
		&commonv1.RetryInfo{RetryAfterMs: max(retryAfter.Milliseconds(), 1)})
}

// Errorf is a connect error with a message meant for the client.
func Errorf(code connect.Code, format string, args ...any) error {
	return connect.NewError(code, fmt.Errorf(format, args...))
}

func withDetail(err *connect.Error, msg proto.Message) *connect.Error {
	if d, derr := connect.NewErrorDetail(msg); derr == nil {
		err.AddDetail(d)
	}
	return err
}
