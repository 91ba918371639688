// Package pagetoken seals list positions into opaque page tokens. A token
// carries the position (the sort key of the last row shown) and a
// fingerprint of the query it belongs to, authenticated with an HMAC under
// a server secret: a client can hand a token back but cannot forge or edit
// one, so whatever a decoded token holds was written by a partsbin server.
// Every instance of a deployment must share the secret, or a page token
// made by one instance is refused by the next.
package pagetoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Errors of Decode; handlers map both to invalid_argument on page_token.
var (
	// ErrMalformed means the token was not made by this deployment (forged,
	// edited, truncated, made with another secret or for another list).
	ErrMalformed = errors.New("page_token is malformed; pass the next_page_token of the previous response unchanged")
	// ErrForeign means the token is genuine but belongs to a request with
	// other filters or sort.
	ErrForeign = errors.New("page_token belongs to a different query; send the same filters and sort as the first page")
)

// MaxLen is the longest token Decode looks at; longer input is malformed
// without further work.
const MaxLen = 1024

// MinSecretLen is the shortest secret New accepts.
const MinSecretLen = 16

const macLen = 16 // bytes of HMAC-SHA256 kept: 128 bits

// Codec makes and checks page tokens under one secret.
type Codec struct {
	key []byte
}

// New returns a codec for secret (at least MinSecretLen bytes).
func New(secret []byte) (*Codec, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("page token secret: want at least %d bytes, got %d", MinSecretLen, len(secret))
	}
	return &Codec{key: append([]byte(nil), secret...)}, nil
}

// Random returns a codec with a fresh random secret: for tests and for a
// single instance without a configured secret (its tokens do not survive
// a restart and are refused by other instances).
func Random() *Codec {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	c, _ := New(b)
	return c
}

// envelope is what a token carries.
type envelope struct {
	Scope string          `json:"k"`
	Query string          `json:"q,omitempty"`
	Pos   json.RawMessage `json:"p"`
}

// Encode seals position (any JSON-encodable value) for the list named by
// scope (e.g. "catalog.search") and the query fingerprint query (anything
// that identifies the request's filters and sort; "" if the list has none).
func (c *Codec) Encode(scope, query string, position any) (string, error) {
	pos, err := json.Marshal(position)
	if err != nil {
		return "", fmt.Errorf("page token: %w", err)
	}
	body, err := json.Marshal(envelope{Scope: scope, Query: query, Pos: pos})
	if err != nil {
		return "", fmt.Errorf("page token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(c.mac(body))
	if len(tok) > MaxLen {
		return "", fmt.Errorf("page token: %d bytes is longer than %d", len(tok), MaxLen)
	}
	return tok, nil
}

// MustEncode is Encode for positions that always encode (plain structs of
// numbers and strings); it panics otherwise, which is a bug.
func (c *Codec) MustEncode(scope, query string, position any) string {
	tok, err := c.Encode(scope, query, position)
	if err != nil {
		panic(err)
	}
	return tok
}

// Decode checks token and fills position (a pointer) with what Encode
// sealed. It fails with ErrMalformed unless the token is genuine and made
// for scope, and with ErrForeign when it was made for another query.
// Unknown fields in the position are refused.
func (c *Codec) Decode(scope, query, token string, position any) error {
	if len(token) > MaxLen {
		return ErrMalformed
	}
	b64body, b64mac, ok := strings.Cut(token, ".")
	if !ok {
		return ErrMalformed
	}
	body, err := base64.RawURLEncoding.DecodeString(b64body)
	if err != nil {
		return ErrMalformed
	}
	mac, err := base64.RawURLEncoding.DecodeString(b64mac)
	if err != nil || !hmac.Equal(mac, c.mac(body)) {
		return ErrMalformed
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Scope != scope {
		return ErrMalformed
	}
	if env.Query != query {
		return ErrForeign
	}
	dec := json.NewDecoder(strings.NewReader(string(env.Pos)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(position); err != nil {
		return ErrMalformed
	}
	return nil
}

func (c *Codec) mac(body []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(body)
	return m.Sum(nil)[:macLen]
}
