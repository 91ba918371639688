-- Named queries of the auth package (accounts, sessions, reset tokens).

-- name: InsertUser
INSERT INTO users (email, password_hash, full_name, role, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
RETURNING id, email, full_name, phone, default_address, role, status, version, created_at, updated_at;

-- name: UserByID
SELECT id, email, full_name, phone, default_address, role, status, version, created_at, updated_at
FROM users WHERE id = $1;

-- name: CredentialsByEmail
SELECT id, password_hash, status FROM users WHERE email = $1;

-- name: PasswordHashByID
SELECT password_hash FROM users WHERE id = $1;

-- name: UpdateProfile
UPDATE users
SET full_name = $3, phone = $4, default_address = $5, version = version + 1, updated_at = $6
WHERE id = $1 AND version = $2
RETURNING id, email, full_name, phone, default_address, role, status, version, created_at, updated_at;

-- name: UserVersion
SELECT version FROM users WHERE id = $1;

-- name: SetPasswordHash
UPDATE users SET password_hash = $2, version = version + 1, updated_at = $3
WHERE id = $1
RETURNING version;

-- name: RehashPassword
-- A silent upgrade of the hash parameters: same password, so no version bump.
UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2;

-- name: SetRole
UPDATE users SET role = $3, version = version + 1, updated_at = $4
WHERE id = $1 AND version = $2
RETURNING id, email, full_name, phone, default_address, role, status, version, created_at, updated_at;

-- name: SetStatus
UPDATE users SET status = $3, version = version + 1, updated_at = $4
WHERE id = $1 AND version = $2
RETURNING id, email, full_name, phone, default_address, role, status, version, created_at, updated_at;

-- name: CountAdmins
SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active';

-- name: InsertSession
INSERT INTO sessions (user_id, token_hash, created_at, expires_at, client_ip, user_agent)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: SessionByTokenHash
SELECT s.id, s.user_id, s.expires_at, s.revoked_at IS NOT NULL, u.role, u.status, u.version
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1;

-- name: RevokeSession
UPDATE sessions SET revoked_at = $2
WHERE id = $1 AND revoked_at IS NULL
RETURNING token_hash;

-- name: RevokeUserSessions
-- Every live session of a user except, optionally, one ($3 may be NULL).
UPDATE sessions SET revoked_at = $2
WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3)
RETURNING token_hash;

-- name: LiveSessionHashes
SELECT token_hash FROM sessions
WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2;

-- name: InsertResetToken
INSERT INTO password_reset_tokens (user_id, token_hash, created_at, expires_at, requested_ip)
VALUES ($1, $2, $3, $4, $5);

-- name: ClaimResetToken
-- Marks a live token used and returns its user; no row means the token is
-- unknown, used or expired.
UPDATE password_reset_tokens SET used_at = $2
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
RETURNING user_id;

-- name: RetireResetTokens
UPDATE password_reset_tokens SET used_at = $2
WHERE user_id = $1 AND used_at IS NULL;

-- name: ActiveUserIDByEmail
SELECT id FROM users WHERE email = $1 AND status = 'active';
