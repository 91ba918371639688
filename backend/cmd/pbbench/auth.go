package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"connectrpc.com/connect"

	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
)

// getMeScenario hammers AuthService.GetMe with one account's session: the
// cost of an authenticated call (session lookup plus the RPC stack).
func getMeScenario() scenario {
	return scenario{
		name:    "getme",
		summary: "AuthService.GetMe with one registered account's bearer token",
		help: `Registers one account (bench-<random>@example.com) before the run; the
server allows 10 registrations per 10 minutes per client address.`,
		server: true,
		flags: func(*flag.FlagSet) prepareFunc {
			return prepareGetMe
		},
	}
}

// prepareGetMe registers the account and returns a GetMe workload.
func prepareGetMe(ctx context.Context, o options, stderr io.Writer) (workload, error) {
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	acct, err := registerAccount(ctx, t, stderr)
	if err != nil {
		return workload{}, err
	}
	client := authv1connect.NewAuthServiceClient(t.httpClient, t.baseURL,
		append(t.options, connect.WithInterceptors(bearer(acct.token)))...)
	call := func(ctx context.Context, _ int) error {
		_, err := client.GetMe(ctx, &authv1.GetMeRequest{})
		return err
	}
	return workload{call: call, protocol: o.protocol}, nil
}

// loginLimit is the server's default cap on logins to one account from
// one address (5 per 15 minutes); -n above it trips the throttle.
const loginLimit = 5

// loginScenario measures AuthService.Login, whose cost is dominated by one
// argon2id verification.
func loginScenario() scenario {
	return scenario{
		name:    "login",
		summary: "AuthService.Login latency (argon2id verification), -n sequential logins",
		help: `Registers one account, then logs in to it -n times and lists each
login's latency. The server throttles logins (5 per 15 minutes per
account and address, 30 per minute per address), so this is a latency
probe, not a throughput test: keep -n at 5 or less and -concurrency at 1,
or the extra calls come back as resource_exhausted and show up in the
errors column. For hashing throughput use the argon2 scenario, which needs
no server. -duration still bounds the run (default 1m).`,
		server: true,
		defaults: func(o *options) {
			o.concurrency = 1
			o.duration = time.Minute
		},
		flags: func(fs *flag.FlagSet) prepareFunc {
			n := fs.Int("n", loginLimit, "number of logins")
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareLogin(ctx, o, *n, stderr)
			}
		},
	}
}

// prepareLogin registers the account and returns a Login workload of n calls.
func prepareLogin(ctx context.Context, o options, n int, stderr io.Writer) (workload, error) {
	if n < 1 {
		return workload{}, usageError{fmt.Sprintf("-n must be at least 1, got %d", n)}
	}
	if n > loginLimit {
		fmt.Fprintf(stderr, "pbbench login: warning: -n %d exceeds the server's login throttle (%d per 15 min per account and address); expect resource_exhausted\n", n, loginLimit)
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	acct, err := registerAccount(ctx, t, stderr)
	if err != nil {
		return workload{}, err
	}
	client := authv1connect.NewAuthServiceClient(t.httpClient, t.baseURL, t.options...)
	req := &authv1.LoginRequest{Email: acct.email, Password: acct.password}
	call := func(ctx context.Context, _ int) error {
		res, err := client.Login(ctx, req)
		if err == nil && res.GetSession().GetToken() == "" {
			return connect.NewError(connect.CodeInternal, errors.New("login returned no session"))
		}
		return err
	}
	return workload{call: call, maxCalls: int64(n), listCalls: true, protocol: o.protocol}, nil
}

// account is a registered benchmark account.
type account struct {
	email    string
	password string
	token    string
}

// registerAccount signs up one fresh account with a random address and a
// strong random password.
func registerAccount(ctx context.Context, t target, stderr io.Writer) (account, error) {
	acct := account{email: "bench-" + randomHex(8) + "@example.com", password: randomPassword()}
	client := authv1connect.NewAuthServiceClient(t.httpClient, t.baseURL, t.options...)
	res, err := client.Register(ctx, &authv1.RegisterRequest{Email: acct.email, Password: acct.password, FullName: "pbbench"})
	if connect.CodeOf(err) == connect.CodeResourceExhausted {
		return account{}, fmt.Errorf("register %s: %w (the server allows 10 sign-ups per 10 minutes per address; wait, or on the dev stack only flush its Redis)", acct.email, err)
	}
	if err != nil {
		return account{}, fmt.Errorf("register %s at %s: %w", acct.email, t.baseURL, err)
	}
	acct.token = res.GetSession().GetToken()
	if acct.token == "" {
		return account{}, fmt.Errorf("register %s: the response has no session token", acct.email)
	}
	fmt.Fprintf(stderr, "registered %s\n", acct.email)
	return acct, nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// randomPassword returns 192 random bits as 32 URL-safe characters.
func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
