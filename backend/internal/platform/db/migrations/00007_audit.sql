-- The audit log of staff and admin changes (StaffService.ListAuditEvents).
-- It is append-only in the database itself: the application role loses
-- UPDATE, DELETE and TRUNCATE on the table, and triggers refuse those
-- statements for anyone, so a bug or an injected statement in the server
-- cannot rewrite history. (A superuser or the table owner could still drop
-- the triggers and grant the rights back: that takes a deliberate DDL
-- change, which shows in the database's own logs.)

-- +goose Up
CREATE TABLE audit_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_time   timestamptz NOT NULL,
    actor_id     uuid NOT NULL,
    -- The actor's email at the time of the change (accounts can change it).
    actor_email  text NOT NULL,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    uuid NOT NULL,
    summary      text NOT NULL DEFAULT '',
    -- The entity before and after, in protobuf JSON form; NULL for a
    -- creation (before) or a deletion (after).
    before       jsonb,
    after        jsonb,
    request_id   text NOT NULL DEFAULT '',
    client_ip    text NOT NULL DEFAULT '',
    CONSTRAINT audit_action_shape CHECK (action ~ '^[a-z_]+\.[a-z_]+$' AND split_part(action, '.', 1) = entity_type)
);
CREATE INDEX audit_events_time_idx ON audit_events (event_time DESC, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, event_time DESC, id DESC);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, event_time DESC, id DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, event_time DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM CURRENT_USER;

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
