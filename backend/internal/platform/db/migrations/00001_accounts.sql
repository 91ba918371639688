-- Accounts, sessions and password-reset tokens (AuthService).

-- +goose Up
CREATE TABLE users (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email             text NOT NULL,
    password_hash     text NOT NULL,
    full_name         text NOT NULL,
    phone             text NOT NULL DEFAULT '',
    -- The default shipping address as a JSON object (partsbin.common.v1.Address fields).
    default_address   jsonb,
    role              text NOT NULL DEFAULT 'customer',
    status            text NOT NULL DEFAULT 'active',
    version           bigint NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_lower CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    CONSTRAINT users_role_known CHECK (role IN ('customer', 'staff', 'admin')),
    CONSTRAINT users_status_known CHECK (status IN ('active', 'disabled')),
    CONSTRAINT users_version_positive CHECK (version > 0)
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_role_created_idx ON users (role, created_at DESC);

-- Only a SHA-256 of each session token is stored: a leaked table holds no
-- usable credentials.
CREATE TABLE sessions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    client_ip   text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    CONSTRAINT sessions_token_hash_len CHECK (length(token_hash) = 32)
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_live_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE password_reset_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    requested_ip text NOT NULL DEFAULT '',
    CONSTRAINT password_reset_tokens_hash_len CHECK (length(token_hash) = 32)
);
CREATE UNIQUE INDEX password_reset_tokens_hash_key ON password_reset_tokens (token_hash);
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id) WHERE used_at IS NULL;

-- +goose Down
DROP TABLE password_reset_tokens;
DROP TABLE sessions;
DROP TABLE users;
