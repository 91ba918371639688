package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/audit"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

func TestRecord_ListsNewestFirstWithFilters(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.CreateUser(t, auth.RoleAdmin)
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Microsecond)
	entity := "7d3f0a3e-2b1c-4a5d-9e8f-0123456789ab"
	for i := range 5 {
		err := pgx.BeginFunc(ctx, s.Conn(t), func(tx pgx.Tx) error {
			return audit.Record(ctx, tx, audit.Event{
				ActorID: admin.ID, Action: "product.update", EntityType: "product", EntityID: entity,
				Summary: "price changed", At: at.Add(time.Duration(i) * time.Second),
				Before: &commonv1.Money{AmountMinor: int64(100 + i), Currency: "EUR"},
				After:  &commonv1.Money{AmountMinor: int64(200 + i), Currency: "EUR"},
			})
		})
		if err != nil {
			t.Fatalf("Record %d: %v", i, err)
		}
	}
	f := audit.Filter{EntityType: "product", EntityID: entity}
	page, next, err := audit.List(ctx, s.App.Pool, s.App.PageTokens, f, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || next == "" {
		t.Fatalf("first page: %d events, next %q; want 3 and a token", len(page), next)
	}
	if got := page[0].After.GetFields()["amountMinor"].GetStringValue(); got != "204" {
		t.Fatalf("newest event's after.amountMinor = %q, want \"204\" (int64 as a string)", got)
	}
	if page[0].ActorEmail != admin.Email {
		t.Fatalf("actor email %q, want %q", page[0].ActorEmail, admin.Email)
	}
	rest, next2, err := audit.List(ctx, s.App.Pool, s.App.PageTokens, f, 3, next)
	if err != nil || len(rest) != 2 || next2 != "" {
		t.Fatalf("second page: %d events, next %q, err %v; want 2, none", len(rest), next2, err)
	}
	if _, _, err := audit.List(ctx, s.App.Pool, s.App.PageTokens, audit.Filter{Action: "product.create"}, 3, next); err == nil {
		t.Fatal("a token of another filter was accepted")
	}
}

func TestAuditLog_IsAppendOnly(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.CreateUser(t, auth.RoleAdmin)
	ctx := context.Background()
	conn := s.Conn(t)
	err := audit.Record(ctx, conn, audit.Event{ActorID: admin.ID, Action: "user.set_role", EntityType: "user",
		EntityID: admin.ID, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE audit_events SET summary = 'rewritten'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
	} {
		_, err := conn.Exec(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE summary = ''").Scan(&n); err != nil || n != 1 {
		t.Fatalf("events left untouched: %d (err %v), want 1", n, err)
	}
}
