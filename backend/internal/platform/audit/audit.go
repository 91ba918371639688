// Package audit records who changed what in the back office. Every
// mutation by staff or an admin, in any service, calls Record inside the
// transaction that makes the change, so an event exists exactly when the
// change committed. The table is append-only in the database (see
// migration 00007): nothing here or anywhere else can rewrite it.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/pagetoken"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
)

// Event is one change made by a signed-in staff member or admin.
type Event struct {
	// ActorID is the account that made the change (UUID).
	ActorID string
	// Action is "<entity_type>.<verb>", e.g. "product.update".
	Action string
	// EntityType is the kind of entity changed, e.g. "product".
	EntityType string
	// EntityID is the changed entity (UUID).
	EntityID string
	// Summary is one human-readable line, e.g. "stock 12 -> 10: damaged".
	Summary string
	// Before and After are the entity around the change in its protobuf
	// form (nil before a creation, after a deletion). They must not carry
	// secrets; the API's messages never do.
	Before, After proto.Message
	// At is when the change happened (the service's clock).
	At time.Time
}

var marshal = protojson.MarshalOptions{EmitUnpopulated: false}

// Record writes e inside tx. The request id and client address come from
// ctx; the actor's email is read in the same statement, so it is the email
// the account had when the change was made.
func Record(ctx context.Context, tx db.Querier, e Event) error {
	if e.ActorID == "" || e.EntityID == "" || e.At.IsZero() {
		return errors.New("audit: actor, entity and time are required")
	}
	if !strings.HasPrefix(e.Action, e.EntityType+".") {
		return fmt.Errorf("audit: action %q does not belong to entity type %q", e.Action, e.EntityType)
	}
	before, err := jsonOf(e.Before)
	if err != nil {
		return err
	}
	after, err := jsonOf(e.After)
	if err != nil {
		return err
	}
	ip := ""
	if a := rpc.ClientIP(ctx); a.IsValid() {
		ip = a.String()
	}
	tag, err := tx.Exec(ctx, `
INSERT INTO audit_events (event_time, actor_id, actor_email, action, entity_type, entity_id, summary, before, after, request_id, client_ip)
SELECT $1, u.id, u.email, $3, $4, $5, $6, $7, $8, $9, $10 FROM users u WHERE u.id = $2`,
		e.At, e.ActorID, e.Action, e.EntityType, e.EntityID, e.Summary, before, after, rpc.RequestID(ctx), ip)
	if err != nil {
		return fmt.Errorf("record audit event %s: %w", e.Action, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("record audit event %s: actor %s does not exist", e.Action, e.ActorID)
	}
	return nil
}

func jsonOf(m proto.Message) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	b, err := marshal.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("audit: encode %T: %w", m, err)
	}
	return b, nil
}

// Stored is an event as read back.
type Stored struct {
	ID         string
	EventTime  time.Time
	ActorID    string
	ActorEmail string
	Action     string
	EntityType string
	EntityID   string
	Summary    string
	// Before and After are nil when absent.
	Before, After *structpb.Struct
	RequestID     string
	ClientIP      string
}

// Filter selects events; empty fields match everything.
type Filter struct {
	ActorID, EntityType, EntityID, Action string
	// Start is inclusive, End exclusive; zero for no bound.
	Start, End time.Time
}

type cursor struct {
	Time int64  `json:"t"` // unix microseconds
	ID   string `json:"i"`
}

// ErrBadPageToken wraps the page token errors of List.
var ErrBadPageToken = errors.New("bad page token")

// List returns a page of events, newest first, and the token of the next
// page ("" on the last one). Tokens are sealed with codec and bound to the
// filter.
func List(ctx context.Context, q db.Querier, codec *pagetoken.Codec, f Filter, pageSize int, pageToken string) ([]Stored, string, error) {
	fp, _ := json.Marshal(f)
	var cur *cursor
	if pageToken != "" {
		var c cursor
		if err := codec.Decode("audit.list", string(fp), pageToken, &c); err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrBadPageToken, err)
		}
		if _, err := uuid.Parse(c.ID); err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrBadPageToken, pagetoken.ErrMalformed)
		}
		cur = &c
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.ActorID != "" {
		where = append(where, "actor_id = "+arg(f.ActorID))
	}
	if f.EntityType != "" {
		where = append(where, "entity_type = "+arg(f.EntityType))
	}
	if f.EntityID != "" {
		where = append(where, "entity_id = "+arg(f.EntityID))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if !f.Start.IsZero() {
		where = append(where, "event_time >= "+arg(f.Start))
	}
	if !f.End.IsZero() {
		where = append(where, "event_time < "+arg(f.End))
	}
	if cur != nil {
		where = append(where, fmt.Sprintf("(event_time, id) < (%s, %s)", arg(time.UnixMicro(cur.Time).UTC()), arg(cur.ID)))
	}
	sql := `SELECT id, event_time, actor_id, actor_email, action, entity_type, entity_id, summary, before, after, request_id, client_ip
FROM audit_events`
	if len(where) > 0 {
		sql += "\nWHERE " + strings.Join(where, " AND ")
	}
	sql += "\nORDER BY event_time DESC, id DESC LIMIT " + arg(pageSize+1)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Stored, error) {
		var s Stored
		var before, after []byte
		if err := r.Scan(&s.ID, &s.EventTime, &s.ActorID, &s.ActorEmail, &s.Action, &s.EntityType, &s.EntityID,
			&s.Summary, &before, &after, &s.RequestID, &s.ClientIP); err != nil {
			return s, err
		}
		var err error
		if s.Before, err = structOf(before); err != nil {
			return s, err
		}
		s.After, err = structOf(after)
		return s, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	next := ""
	if len(out) > pageSize {
		out = out[:pageSize]
		last := out[len(out)-1]
		next = codec.MustEncode("audit.list", string(fp), cursor{Time: last.EventTime.UnixMicro(), ID: last.ID})
	}
	return out, next, nil
}

func structOf(b []byte) (*structpb.Struct, error) {
	if b == nil {
		return nil, nil
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("decode audit snapshot: %w", err)
	}
	return s, nil
}
