package auth

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/mail"
	"github.com/partsbin/partsbin/backend/internal/ratelimit"
)

//go:embed queries.sql
var queriesSQL string

var q = db.MustParseQueries("auth/queries.sql", queriesSQL)

// Address is a postal address as stored with a user.
type Address struct {
	Recipient   string `json:"recipient"`
	Line1       string `json:"line1"`
	Line2       string `json:"line2,omitempty"`
	City        string `json:"city"`
	Region      string `json:"region,omitempty"`
	PostalCode  string `json:"postal_code"`
	CountryCode string `json:"country_code"`
	Phone       string `json:"phone,omitempty"`
}

// User is an account.
type User struct {
	ID             string
	Email          string
	FullName       string
	Phone          string
	DefaultAddress *Address
	Role           Role
	Disabled       bool
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Limits are the throttles of the auth flows.
type Limits struct {
	// LoginPerIP caps login attempts from one client address (any account).
	LoginPerIP ratelimit.Rule
	// LoginPerAccountIP caps attempts on one account from one address.
	LoginPerAccountIP ratelimit.Rule
	// LoginPerAccount caps attempts on one account from everywhere. Past
	// it, only addresses that have not tried this account in the window may
	// still try: the owner on a fresh device gets in, a guesser must burn a
	// new address for every single guess.
	LoginPerAccount ratelimit.Rule
	// RegisterPerIP caps sign-ups from one address.
	RegisterPerIP ratelimit.Rule
	// ResetPerIP caps reset requests and reset attempts from one address.
	ResetPerIP ratelimit.Rule
	// ResetMailsPerAccount caps reset mails to one account; past it
	// requests are answered as usual but send nothing.
	ResetMailsPerAccount ratelimit.Rule
	// PasswordChecksPerUser caps ChangePassword attempts of one account.
	PasswordChecksPerUser ratelimit.Rule
}

// DefaultLimits are the production throttles.
func DefaultLimits() Limits {
	return Limits{
		LoginPerIP:            ratelimit.Rule{Name: "login-ip", Limit: 30, Window: time.Minute},
		LoginPerAccountIP:     ratelimit.Rule{Name: "login-acct-ip", Limit: 5, Window: 15 * time.Minute},
		LoginPerAccount:       ratelimit.Rule{Name: "login-acct", Limit: 20, Window: 15 * time.Minute},
		RegisterPerIP:         ratelimit.Rule{Name: "register-ip", Limit: 10, Window: 10 * time.Minute},
		ResetPerIP:            ratelimit.Rule{Name: "reset-ip", Limit: 10, Window: 15 * time.Minute},
		ResetMailsPerAccount:  ratelimit.Rule{Name: "reset-mail", Limit: 3, Window: time.Hour},
		PasswordChecksPerUser: ratelimit.Rule{Name: "password-check", Limit: 5, Window: 15 * time.Minute},
	}
}

// Mailer queues an email for delivery.
type Mailer interface {
	Enqueue(m mail.Message) error
}

// Service implements the account flows.
type Service struct {
	pool     *pgxpool.Pool
	sessions *Sessions
	hasher   *Hasher
	limiter  *ratelimit.Limiter
	limits   Limits
	mailer   Mailer
	clock    clock.Clock
	log      *slog.Logger
	resetTTL time.Duration
	// resetURL is the page of the shop front end that takes a reset
	// token; the mail links to it with ?token=.
	resetURL string
}

// ServiceConfig gathers what Service needs.
type ServiceConfig struct {
	Pool      *pgxpool.Pool
	Sessions  *Sessions
	Hasher    *Hasher
	Limiter   *ratelimit.Limiter
	Limits    Limits
	Mailer    Mailer
	Clock     clock.Clock
	Log       *slog.Logger
	ResetTTL  time.Duration
	PublicURL string
}

// NewService returns a Service.
func NewService(c ServiceConfig) *Service {
	return &Service{
		pool: c.Pool, sessions: c.Sessions, hasher: c.Hasher, limiter: c.Limiter, limits: c.Limits,
		mailer: c.Mailer, clock: c.Clock, log: c.Log, resetTTL: c.ResetTTL,
		resetURL: strings.TrimSuffix(c.PublicURL, "/") + "/reset-password",
	}
}

// Sessions returns the session store (the Authenticator of the interceptor).
func (s *Service) Sessions() *Sessions { return s.sessions }

// SessionInfo is a freshly created session.
type SessionInfo struct {
	Token     string
	ExpiresAt time.Time
}

// Client describes where a request came from.
type Client struct {
	IP        string
	UserAgent string
}

// allow runs a limiter rule, failing closed when Redis is unreachable.
func (s *Service) allow(ctx context.Context, r ratelimit.Rule, key, what string) (ratelimit.Decision, error) {
	d, err := s.limiter.Allow(ctx, r, key)
	if err != nil {
		return d, &LimiterDownError{Err: err}
	}
	if !d.Allowed {
		return d, &RateLimitError{What: what, RetryAfter: d.RetryAfter.Milliseconds()}
	}
	return d, nil
}

// Register creates a customer account and signs it in.
func (s *Service) Register(ctx context.Context, email, password, fullName string, cl Client) (User, SessionInfo, error) {
	if _, err := s.allow(ctx, s.limits.RegisterPerIP, cl.IP, "sign-ups from this address"); err != nil {
		return User{}, SessionInfo{}, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return User{}, SessionInfo{}, fmt.Errorf("hash password: %w", err)
	}
	var (
		u  User
		si SessionInfo
	)
	err = db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, q.SQL("InsertUser"), email, hash, fullName, RoleCustomer, s.clock.Now()))
		if err != nil {
			return err
		}
		si.Token, si.ExpiresAt, err = s.sessions.Create(ctx, tx, u.ID, cl.IP, cl.UserAgent)
		return err
	})
	if db.IsCode(err, db.CodeUniqueViolation) {
		return User{}, SessionInfo{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, SessionInfo{}, fmt.Errorf("register: %w", err)
	}
	s.log.InfoContext(ctx, "account registered", "user_id", u.ID)
	return u, si, nil
}

// CreateUser creates an account with any role (the admin CLI and the back
// office use it; customers come through Register).
func (s *Service) CreateUser(ctx context.Context, email, password, fullName string, role Role) (User, error) {
	if !role.Valid() {
		return User{}, fmt.Errorf("create user: unknown role %q", role)
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	var u User
	err = db.Retry(ctx, func(ctx context.Context) error {
		var err error
		u, err = scanUser(s.pool.QueryRow(ctx, q.SQL("InsertUser"), email, hash, fullName, role, s.clock.Now()))
		return err
	})
	if db.IsCode(err, db.CodeUniqueViolation) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Login checks credentials and starts a session. Every failure that could
// tell a guesser something returns ErrInvalidCredentials after the same
// amount of argon2 work.
func (s *Service) Login(ctx context.Context, email, password string, cl Client) (User, SessionInfo, error) {
	if _, err := s.allow(ctx, s.limits.LoginPerIP, cl.IP, "login attempts from this address"); err != nil {
		return User{}, SessionInfo{}, err
	}
	pairKey := email + "|" + cl.IP
	pair, err := s.allow(ctx, s.limits.LoginPerAccountIP, pairKey, "login attempts for this account")
	if err != nil {
		return User{}, SessionInfo{}, err
	}
	acct, err := s.limiter.Allow(ctx, s.limits.LoginPerAccount, email)
	if err != nil {
		return User{}, SessionInfo{}, &LimiterDownError{Err: err}
	}
	// pair.Count includes this attempt: more than one means this address
	// already tried this account in the window.
	if !acct.Allowed && pair.Count > 1 {
		return User{}, SessionInfo{}, &RateLimitError{What: "login attempts for this account", RetryAfter: acct.RetryAfter.Milliseconds()}
	}

	var (
		userID, hash, status string
	)
	err = db.Retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, q.SQL("CredentialsByEmail"), email).Scan(&userID, &hash, &status)
	})
	if errors.Is(err, pgx.ErrNoRows) || len(password) > 4*MaxPasswordLen {
		if err := s.hasher.VerifyDummy(ctx, password); errors.Is(err, ErrHasherBusy) {
			return User{}, SessionInfo{}, err
		}
		return User{}, SessionInfo{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, SessionInfo{}, fmt.Errorf("look up account: %w", err)
	}
	ok, stale, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return User{}, SessionInfo{}, fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return User{}, SessionInfo{}, ErrInvalidCredentials
	}
	if status != "active" {
		return User{}, SessionInfo{}, ErrAccountDisabled
	}
	// The owner is in: forget this address's failures for the account.
	if err := s.limiter.Clear(ctx, s.limits.LoginPerAccountIP, pairKey); err != nil {
		s.log.WarnContext(ctx, "clear login limit", "err", err)
	}
	if stale {
		s.rehash(ctx, userID, hash, password)
	}
	var (
		u  User
		si SessionInfo
	)
	err = db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		var err error
		if u, err = scanUser(tx.QueryRow(ctx, q.SQL("UserByID"), userID)); err != nil {
			return err
		}
		si.Token, si.ExpiresAt, err = s.sessions.Create(ctx, tx, u.ID, cl.IP, cl.UserAgent)
		return err
	})
	if err != nil {
		return User{}, SessionInfo{}, fmt.Errorf("start session: %w", err)
	}
	return u, si, nil
}

// rehash upgrades a hash made with older parameters; failure only costs
// the upgrade.
func (s *Service) rehash(ctx context.Context, userID, oldHash, password string) {
	newHash, err := s.hasher.Hash(ctx, password)
	if err == nil {
		_, err = s.pool.Exec(ctx, q.SQL("RehashPassword"), userID, oldHash, newHash)
	}
	if err != nil {
		s.log.WarnContext(ctx, "password rehash failed", "user_id", userID, "err", err)
	}
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, c Caller) error {
	return s.sessions.Revoke(ctx, c.SessionID)
}

// User returns an account by id.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	var u User
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		u, err = scanUser(s.pool.QueryRow(ctx, q.SQL("UserByID"), id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

// ProfileChange is a validated profile update.
type ProfileChange struct {
	FullName, Phone *string
	// Address is applied when SetAddress is true; nil clears it.
	Address    *Address
	SetAddress bool
}

// UpdateProfile applies change if the account is still at expectedVersion.
func (s *Service) UpdateProfile(ctx context.Context, userID string, expectedVersion int64, change ProfileChange) (User, error) {
	var u User
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		cur, err := scanUser(tx.QueryRow(ctx, q.SQL("UserByID")+" FOR UPDATE", userID))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur.Version != expectedVersion {
			return &VersionConflictError{Expected: expectedVersion, Current: cur.Version}
		}
		if change.FullName != nil {
			cur.FullName = *change.FullName
		}
		if change.Phone != nil {
			cur.Phone = *change.Phone
		}
		if change.SetAddress {
			cur.DefaultAddress = change.Address
		}
		var addr []byte
		if cur.DefaultAddress != nil {
			if addr, err = json.Marshal(cur.DefaultAddress); err != nil {
				return err
			}
		}
		u, err = scanUser(tx.QueryRow(ctx, q.SQL("UpdateProfile"), userID, expectedVersion, cur.FullName, cur.Phone, addr, s.clock.Now()))
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ChangePassword sets a new password after checking the current one and
// ends every other session of the caller.
func (s *Service) ChangePassword(ctx context.Context, c Caller, current, next string) error {
	if _, err := s.allow(ctx, s.limits.PasswordChecksPerUser, c.UserID, "password attempts"); err != nil {
		return err
	}
	var hash string
	if err := s.pool.QueryRow(ctx, q.SQL("PasswordHashByID"), c.UserID).Scan(&hash); err != nil {
		return fmt.Errorf("load password: %w", err)
	}
	ok, _, err := s.hasher.Verify(ctx, hash, current)
	if err != nil {
		return fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return ErrWrongPassword
	}
	newHash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	var revoked [][]byte
	err = db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		var version int64
		if err := tx.QueryRow(ctx, q.SQL("SetPasswordHash"), c.UserID, newHash, s.clock.Now()).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q.SQL("RetireResetTokens"), c.UserID, s.clock.Now()); err != nil {
			return err
		}
		revoked, err = s.sessions.revokeAllTx(ctx, tx, c.UserID, c.SessionID)
		return err
	})
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	s.sessions.invalidate(ctx, revoked)
	s.log.InfoContext(ctx, "password changed", "user_id", c.UserID, "sessions_ended", len(revoked))
	return nil
}

// RequestPasswordReset mails a reset token if email belongs to an active
// account. Its result does not depend on whether the account exists.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, cl Client) error {
	if _, err := s.allow(ctx, s.limits.ResetPerIP, cl.IP, "password reset requests from this address"); err != nil {
		return err
	}
	// Counted per address whether or not an account exists, so the limit
	// itself reveals nothing.
	mails, err := s.limiter.Allow(ctx, s.limits.ResetMailsPerAccount, email)
	if err != nil {
		return &LimiterDownError{Err: err}
	}
	if !mails.Allowed {
		s.log.InfoContext(ctx, "password reset mail suppressed: per-account limit")
		return nil
	}
	var userID string
	err = db.Retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, q.SQL("ActiveUserIDByEmail"), email).Scan(&userID)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up account: %w", err)
	}
	token, hash, err := newToken(resetTokenPrefix)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	err = db.Retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, q.SQL("InsertResetToken"), userID, hash, now, now.Add(s.resetTTL), cl.IP)
		return err
	})
	if err != nil {
		return fmt.Errorf("store reset token: %w", err)
	}
	minutes := int(s.resetTTL / time.Minute)
	body := fmt.Sprintf(`Hello,

someone (hopefully you) asked to reset the password of your partsbin account.

Open this link within %d minutes to choose a new password:

  %s?token=%s

or call ResetPassword with this token:

  %s

The token works once. Resetting ends every session of your account.
If you did not ask for this, ignore this mail: your password stays as it is.
`, minutes, s.resetURL, url.QueryEscape(token), token)
	if err := s.mailer.Enqueue(mail.Message{To: email, Subject: "Reset your partsbin password", Body: body}); err != nil {
		return fmt.Errorf("queue reset mail: %w", err)
	}
	return nil
}

// ResetPassword sets a new password with a reset token and ends every
// session of the account.
func (s *Service) ResetPassword(ctx context.Context, token, password string, cl Client) error {
	if _, err := s.allow(ctx, s.limits.ResetPerIP, cl.IP, "password reset attempts from this address"); err != nil {
		return err
	}
	hash := hashToken(resetTokenPrefix, token)
	if hash == nil {
		return ErrInvalidResetToken
	}
	newHash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	var (
		userID  string
		revoked [][]byte
	)
	err = db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		now := s.clock.Now()
		if err := tx.QueryRow(ctx, q.SQL("ClaimResetToken"), hash, now).Scan(&userID); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrInvalidResetToken
			}
			return err
		}
		var version int64
		if err := tx.QueryRow(ctx, q.SQL("SetPasswordHash"), userID, newHash, now).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q.SQL("RetireResetTokens"), userID, now); err != nil {
			return err
		}
		revoked, err = s.sessions.revokeAllTx(ctx, tx, userID, "")
		return err
	})
	if err != nil {
		return err
	}
	s.sessions.invalidate(ctx, revoked)
	s.log.InfoContext(ctx, "password reset", "user_id", userID, "sessions_ended", len(revoked))
	return nil
}

// SetRole changes an account's role; its sessions carry the new role from
// the very next call.
func (s *Service) SetRole(ctx context.Context, userID string, role Role, expectedVersion int64) (User, error) {
	if !role.Valid() {
		return User{}, fmt.Errorf("set role: unknown role %q", role)
	}
	return s.changeAccount(ctx, userID, expectedVersion, func(tx pgx.Tx, cur User) (User, error) {
		if cur.Role == RoleAdmin && role != RoleAdmin && !cur.Disabled {
			if err := s.ensureAnotherAdmin(ctx, tx); err != nil {
				return User{}, err
			}
		}
		return scanUser(tx.QueryRow(ctx, q.SQL("SetRole"), userID, expectedVersion, role, s.clock.Now()))
	}, false)
}

// SetDisabled disables or enables an account. Disabling ends its sessions.
func (s *Service) SetDisabled(ctx context.Context, userID string, disabled bool, expectedVersion int64) (User, error) {
	status := "active"
	if disabled {
		status = "disabled"
	}
	return s.changeAccount(ctx, userID, expectedVersion, func(tx pgx.Tx, cur User) (User, error) {
		if disabled && cur.Role == RoleAdmin && !cur.Disabled {
			if err := s.ensureAnotherAdmin(ctx, tx); err != nil {
				return User{}, err
			}
		}
		return scanUser(tx.QueryRow(ctx, q.SQL("SetStatus"), userID, expectedVersion, status, s.clock.Now()))
	}, disabled)
}

func (s *Service) ensureAnotherAdmin(ctx context.Context, tx pgx.Tx) error {
	// Serialise admin changes so two admins cannot demote each other at once.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('partsbin.admins'))"); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, q.SQL("CountAdmins")).Scan(&n); err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

func (s *Service) changeAccount(ctx context.Context, userID string, expectedVersion int64, apply func(pgx.Tx, User) (User, error), revoke bool) (User, error) {
	var (
		u      User
		hashes [][]byte
	)
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		cur, err := scanUser(tx.QueryRow(ctx, q.SQL("UserByID")+" FOR UPDATE", userID))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur.Version != expectedVersion {
			return &VersionConflictError{Expected: expectedVersion, Current: cur.Version}
		}
		if u, err = apply(tx, cur); err != nil {
			return err
		}
		if revoke {
			hashes, err = s.sessions.revokeAllTx(ctx, tx, userID, "")
		} else {
			hashes, err = s.sessions.liveHashesTx(ctx, tx, userID)
		}
		return err
	})
	if err != nil {
		return User{}, err
	}
	s.sessions.invalidate(ctx, hashes)
	return u, nil
}

func scanUser(row pgx.Row) (User, error) {
	var (
		u      User
		addr   []byte
		status string
	)
	if err := row.Scan(&u.ID, &u.Email, &u.FullName, &u.Phone, &addr, &u.Role, &status, &u.Version, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return User{}, err
	}
	u.Disabled = status != "active"
	if len(addr) > 0 {
		u.DefaultAddress = new(Address)
		if err := json.Unmarshal(addr, u.DefaultAddress); err != nil {
			return User{}, fmt.Errorf("decode address: %w", err)
		}
	}
	return u, nil
}
