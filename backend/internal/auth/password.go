package auth

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id parameters. The defaults are OWASP's minimum for
// argon2id: 19 MiB of memory, two passes, one lane.
type HashParams struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrHasherBusy means every hashing slot stayed taken for too long: the
// server is flooded with logins and sheds load rather than memory.
var ErrHasherBusy = errors.New("password hashing is at capacity")

// Hasher hashes and verifies passwords with argon2id. At most `slots`
// hashes run at once, so a login flood costs queueing time, not memory
// (each hash holds MemoryKiB for its duration).
type Hasher struct {
	params  HashParams
	slots   chan struct{}
	maxWait time.Duration
	dummy   string
}

// NewHasher returns a Hasher allowing maxConcurrent hashes at once.
func NewHasher(p HashParams, maxConcurrent int) *Hasher {
	h := &Hasher{params: p, slots: make(chan struct{}, maxConcurrent), maxWait: 5 * time.Second}
	// Verifying against a dummy hash for unknown emails makes them cost the
	// same time as a wrong password for a real account.
	h.dummy = h.encode(make([]byte, saltLen), argon2.IDKey([]byte("partsbin-dummy"), make([]byte, saltLen), p.Iterations, p.MemoryKiB, p.Parallelism, keyLen))
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrHasherBusy
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC-formatted argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, h.params.Iterations, h.params.MemoryKiB, h.params.Parallelism, keyLen)
	return h.encode(salt, key), nil
}

func (h *Hasher) encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Iterations, h.params.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Verify reports whether password matches encoded, and whether encoded was
// made with weaker parameters than the current ones (so the caller can
// store a fresh hash).
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (ok, stale bool, err error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	stale = p.MemoryKiB < h.params.MemoryKiB || p.Iterations < h.params.Iterations || p.Parallelism < h.params.Parallelism
	return ok, stale, nil
}

// VerifyDummy burns the time of one verification and always fails.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, h.dummy, password)
	return err
}

func decodeHash(encoded string) (HashParams, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return HashParams{}, nil, nil, errors.New("password hash: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return HashParams{}, nil, nil, errors.New("password hash: unsupported version")
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Parallelism); err != nil {
		return HashParams{}, nil, nil, errors.New("password hash: bad parameters")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return HashParams{}, nil, nil, errors.New("password hash: bad salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return HashParams{}, nil, nil, errors.New("password hash: bad key")
	}
	return p, salt, key, nil
}

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{}, 10000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
}()

// Password length limits, in characters.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// CheckPassword returns why password is not acceptable as a new password,
// or "" if it is. email is the account's address: a password equal to it
// (or its local part) is refused too.
func CheckPassword(password, email string) string {
	if !utf8.ValidString(password) {
		return "must be valid UTF-8"
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Sprintf("must be at most %d characters", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	if _, common := commonPasswords[lower]; common {
		return "is one of the most common passwords; choose another"
	}
	if email != "" {
		local, _, _ := strings.Cut(email, "@")
		if lower == strings.ToLower(email) || lower == strings.ToLower(local) {
			return "must not be your email address"
		}
	}
	if strings.Count(password, password[:1]) == len(password) {
		return "must not repeat a single character"
	}
	return ""
}
