package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/ratelimit"
	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
	statsv1 "github.com/partsbin/partsbin/gen/partsbin/stats/v1"
	"github.com/partsbin/partsbin/gen/partsbin/stats/v1/statsv1connect"
)

var ctx = context.Background()

func TestRegisterLoginGetMe(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	for _, p := range apptest.Protocols {
		t.Run(p.Name, func(t *testing.T) {
			acct := s.Register(t, p)
			me, err := s.AuthClient(p, apptest.WithToken(acct.Token)).GetMe(ctx, &authv1.GetMeRequest{})
			if err != nil {
				t.Fatalf("GetMe: %v", err)
			}
			if got := me.GetUser(); got.GetEmail() != acct.Email || got.GetRole() != authv1.Role_ROLE_CUSTOMER || got.GetStatus() != authv1.UserStatus_USER_STATUS_ACTIVE {
				t.Errorf("GetMe = %v, want %s as an active customer", got, acct.Email)
			}
			res, err := s.AuthClient(p).Login(ctx, &authv1.LoginRequest{Email: strings.ToUpper(acct.Email), Password: acct.Password})
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			tok := res.GetSession().GetToken()
			if !strings.HasPrefix(tok, "pbs_") || len(tok) != 4+43 || tok == acct.Token {
				t.Errorf("session token %q: want a fresh pbs_ token of 256 bits", tok)
			}
			if exp := res.GetSession().GetExpireTime().AsTime(); exp.Before(s.Clock.Now().Add(time.Hour)) {
				t.Errorf("session expires %v, want days from now", exp)
			}
			if _, err := s.AuthClient(p, apptest.WithToken(tok)).GetMe(ctx, &authv1.GetMeRequest{}); err != nil {
				t.Errorf("GetMe with login token: %v", err)
			}
		})
	}
}

func TestRegister_DuplicateEmail(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[0]
	acct := s.Register(t, p)
	_, err := s.AuthClient(p).Register(ctx, &authv1.RegisterRequest{Email: " " + strings.ToUpper(acct.Email), Password: "Another-Good-Pass-9", FullName: "Dup"})
	if got := apptest.CodeOf(t, err); got != connect.CodeAlreadyExists {
		t.Errorf("register duplicate: code %v, want already_exists", got)
	}
}

func TestLogin_SameErrorForUnknownEmailAndWrongPassword(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[0]
	acct := s.Register(t, p)
	_, errWrong := s.AuthClient(p).Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: "not-the-password"})
	_, errUnknown := s.AuthClient(p).Login(ctx, &authv1.LoginRequest{Email: "nobody-" + acct.Email, Password: "not-the-password"})
	for name, err := range map[string]error{"wrong password": errWrong, "unknown email": errUnknown} {
		if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
			t.Errorf("%s: code %v, want unauthenticated", name, got)
		}
	}
	var a, b *connect.Error
	if errors.As(errWrong, &a) && errors.As(errUnknown, &b) && a.Message() != b.Message() {
		t.Errorf("messages differ: %q vs %q", a.Message(), b.Message())
	}
}

func TestLogin_GuesserThrottledOwnerStillGetsIn(t *testing.T) {
	t.Parallel()
	limits := auth.DefaultLimits()
	limits.LoginPerAccountIP = ratelimit.Rule{Name: "login-acct-ip", Limit: 3, Window: time.Minute}
	limits.LoginPerAccount = ratelimit.Rule{Name: "login-acct", Limit: 5, Window: time.Minute}
	s := apptest.Start(t, apptest.WithLimits(limits))
	p := apptest.Protocols[0]
	acct := s.Register(t, p)
	guess := func(ip string) error {
		_, err := s.AuthClient(p, apptest.FromIP(ip)).Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: "guess-" + ip})
		return err
	}
	// One address: three guesses, then throttled with a retry delay.
	for i := range 3 {
		if got := apptest.CodeOf(t, guess("203.0.113.1")); got != connect.CodeUnauthenticated {
			t.Fatalf("guess %d: code %v, want unauthenticated", i, got)
		}
	}
	err := guess("203.0.113.1")
	if got := apptest.CodeOf(t, err); got != connect.CodeResourceExhausted {
		t.Fatalf("4th guess: code %v, want resource_exhausted", got)
	}
	if ri := retryInfo(err); ri == nil || ri.GetRetryAfterMs() <= 0 {
		t.Errorf("throttled error carries no RetryInfo: %v", err)
	}
	// Spread over addresses the account limit (5) trips; addresses that
	// already guessed are refused, a fresh one still gets its one try.
	_ = guess("203.0.113.2")
	_ = guess("203.0.113.2")
	if got := apptest.CodeOf(t, guess("203.0.113.2")); got != connect.CodeResourceExhausted {
		t.Errorf("repeat guesser past the account limit: code %v, want resource_exhausted", got)
	}
	// The owner, from a fresh address, logs in despite the attack.
	if _, err := s.AuthClient(p, apptest.FromIP("198.51.100.7")).Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: acct.Password}); err != nil {
		t.Errorf("owner login during attack: %v", err)
	}
}

func TestLogout_EndsSessionOnNextCall(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	for _, p := range apptest.Protocols {
		acct := s.Register(t, p)
		c := s.AuthClient(p, apptest.WithToken(acct.Token))
		// Warm the session cache first, so the test proves invalidation.
		if _, err := c.GetMe(ctx, &authv1.GetMeRequest{}); err != nil {
			t.Fatalf("%s GetMe: %v", p.Name, err)
		}
		if _, err := c.Logout(ctx, &authv1.LogoutRequest{}); err != nil {
			t.Fatalf("%s Logout: %v", p.Name, err)
		}
		_, err := c.GetMe(ctx, &authv1.GetMeRequest{})
		if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
			t.Errorf("%s GetMe after logout: code %v, want unauthenticated", p.Name, got)
		}
	}
}

func TestChangePassword_EndsOtherSessions(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[1]
	acct := s.Register(t, p)
	other, err := s.AuthClient(p).Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: acct.Password})
	if err != nil {
		t.Fatal(err)
	}
	otherClient := s.AuthClient(p, apptest.WithToken(other.GetSession().GetToken()))
	if _, err := otherClient.GetMe(ctx, &authv1.GetMeRequest{}); err != nil {
		t.Fatal(err)
	}
	me := s.AuthClient(p, apptest.WithToken(acct.Token))
	_, err = me.ChangePassword(ctx, &authv1.ChangePasswordRequest{CurrentPassword: "wrong-current-pw", NewPassword: "Brand-New-Secret-77"})
	if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
		t.Errorf("wrong current password: code %v, want invalid_argument", got)
	}
	if _, err := me.ChangePassword(ctx, &authv1.ChangePasswordRequest{CurrentPassword: acct.Password, NewPassword: "Brand-New-Secret-77"}); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, err := me.GetMe(ctx, &authv1.GetMeRequest{}); err != nil {
		t.Errorf("the calling session must survive: %v", err)
	}
	_, err = otherClient.GetMe(ctx, &authv1.GetMeRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
		t.Errorf("other session after password change: code %v, want unauthenticated", got)
	}
	if _, err := s.AuthClient(p).Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: "Brand-New-Secret-77"}); err != nil {
		t.Errorf("login with new password: %v", err)
	}
}

func TestPasswordReset_MailTokenSingleUseEndsSessions(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[0]
	acct := s.Register(t, p)
	c := s.AuthClient(p)
	if _, err := s.AuthClient(p, apptest.WithToken(acct.Token)).GetMe(ctx, &authv1.GetMeRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RequestPasswordReset(ctx, &authv1.RequestPasswordResetRequest{Email: acct.Email}); err != nil {
		t.Fatalf("RequestPasswordReset: %v", err)
	}
	token := apptest.ResetToken(t, s.WaitForMail(t, acct.Email))
	if _, err := c.ResetPassword(ctx, &authv1.ResetPasswordRequest{Token: token, NewPassword: "Reset-Works-Fine-3"}); err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	_, err := s.AuthClient(p, apptest.WithToken(acct.Token)).GetMe(ctx, &authv1.GetMeRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
		t.Errorf("old session after reset: code %v, want unauthenticated", got)
	}
	_, err = c.ResetPassword(ctx, &authv1.ResetPasswordRequest{Token: token, NewPassword: "Second-Use-Fails-4"})
	if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
		t.Errorf("reused token: code %v, want invalid_argument", got)
	}
	if _, err := c.Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: "Reset-Works-Fine-3"}); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	_, err = c.Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: acct.Password})
	if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
		t.Errorf("login with the old password: code %v, want unauthenticated", got)
	}
}

func TestPasswordReset_TokenExpires(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[0]
	acct := s.Register(t, p)
	c := s.AuthClient(p)
	if _, err := c.RequestPasswordReset(ctx, &authv1.RequestPasswordResetRequest{Email: acct.Email}); err != nil {
		t.Fatal(err)
	}
	token := apptest.ResetToken(t, s.WaitForMail(t, acct.Email))
	s.Clock.Advance(31 * time.Minute)
	_, err := c.ResetPassword(ctx, &authv1.ResetPasswordRequest{Token: token, NewPassword: "Too-Late-Now-55"})
	if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
		t.Errorf("expired token: code %v, want invalid_argument", got)
	}
}

func TestRequestPasswordReset_SameAnswerForUnknownEmail(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[0]
	unknown := "ghost-" + apptest.RandomHex(4) + "@example.com"
	res, err := s.AuthClient(p).RequestPasswordReset(ctx, &authv1.RequestPasswordResetRequest{Email: unknown})
	if err != nil || res == nil {
		t.Fatalf("unknown email: %v, want success", err)
	}
	// Give the mail queue time it would need; nothing may arrive.
	acct := s.Register(t, p)
	if _, err := s.AuthClient(p).RequestPasswordReset(ctx, &authv1.RequestPasswordResetRequest{Email: acct.Email}); err != nil {
		t.Fatal(err)
	}
	s.WaitForMail(t, acct.Email)
	if n := s.MailCount(t, unknown); n != 0 {
		t.Errorf("%d mails to an unknown address, want 0", n)
	}
}

func TestRoleAndStatusChanges_TakeEffectOnNextCall(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[0]
	acct := s.Register(t, p)
	cart := apptest.NewClient(s, p, cartv1connect.NewCartServiceClient, apptest.WithToken(acct.Token))
	stats := apptest.NewClient(s, p, statsv1connect.NewStatsServiceClient, apptest.WithToken(acct.Token))
	// As a customer: the cart works, stats is denied.
	if _, err := cart.GetCart(ctx, &cartv1.GetCartRequest{}); err != nil {
		t.Fatalf("customer GetCart: %v, want the cart", err)
	}
	var err error
	_, err = stats.GetDashboard(ctx, &statsv1.GetDashboardRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodePermissionDenied {
		t.Fatalf("customer GetDashboard: %v, want permission_denied", got)
	}

	u, err := s.App.Auth.SetRole(ctx, acct.ID, auth.RoleStaff, acct.Version)
	if err != nil {
		t.Fatalf("SetRole: %v", err)
	}
	_, err = stats.GetDashboard(ctx, &statsv1.GetDashboardRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodeUnimplemented {
		t.Errorf("promoted to staff, GetDashboard: %v, want unimplemented (policy passed)", got)
	}
	_, err = cart.GetCart(ctx, &cartv1.GetCartRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodePermissionDenied {
		t.Errorf("promoted to staff, GetCart: %v, want permission_denied", got)
	}

	if _, err := s.App.Auth.SetRole(ctx, acct.ID, auth.RoleCustomer, acct.Version); err == nil {
		t.Error("SetRole with a stale version succeeded")
	}
	if _, err := s.App.Auth.SetDisabled(ctx, acct.ID, true, u.Version); err != nil {
		t.Fatalf("SetDisabled: %v", err)
	}
	_, err = s.AuthClient(p, apptest.WithToken(acct.Token)).GetMe(ctx, &authv1.GetMeRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
		t.Errorf("disabled account GetMe: %v, want unauthenticated", got)
	}
	_, err = s.AuthClient(p).Login(ctx, &authv1.LoginRequest{Email: acct.Email, Password: acct.Password})
	if got := apptest.CodeOf(t, err); got != connect.CodePermissionDenied {
		t.Errorf("disabled account Login: %v, want permission_denied", got)
	}
}

func TestLastAdminCannotBeDemoted(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.CreateUser(t, auth.RoleAdmin)
	_, err := s.App.Auth.SetRole(ctx, admin.ID, auth.RoleStaff, admin.Version)
	if !errors.Is(err, auth.ErrLastAdmin) {
		t.Errorf("demote the only admin: %v, want ErrLastAdmin", err)
	}
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[1]
	acct := s.Register(t, p)
	c := s.AuthClient(p, apptest.WithToken(acct.Token))
	addr := &commonv1.Address{Recipient: "Ann Example", Line1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", CountryCode: "DE"}
	res, err := c.UpdateProfile(ctx, &authv1.UpdateProfileRequest{
		FullName: "Ann B. Example", Phone: "+49 30 1234567", DefaultShippingAddress: addr, ExpectedVersion: acct.Version,
	})
	if err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	u := res.GetUser()
	if u.GetFullName() != "Ann B. Example" || u.GetDefaultShippingAddress().GetCity() != "Berlin" || u.GetVersion() != acct.Version+1 {
		t.Errorf("profile = %v", u)
	}
	// A partial update through the mask keeps the other fields.
	res, err = c.UpdateProfile(ctx, &authv1.UpdateProfileRequest{
		Phone: "+49 30 7654321", ExpectedVersion: u.GetVersion(), UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"phone"}},
	})
	if err != nil {
		t.Fatalf("masked UpdateProfile: %v", err)
	}
	if got := res.GetUser(); got.GetPhone() != "+49 30 7654321" || got.GetFullName() != "Ann B. Example" || got.GetDefaultShippingAddress() == nil {
		t.Errorf("after masked update = %v", got)
	}
	// A stale version is refused with the current one in the details.
	_, err = c.UpdateProfile(ctx, &authv1.UpdateProfileRequest{FullName: "Lost Update", ExpectedVersion: acct.Version})
	if got := apptest.CodeOf(t, err); got != connect.CodeAborted {
		t.Fatalf("stale version: %v, want aborted", got)
	}
	if vm := versionMismatch(err); vm == nil || vm.GetCurrentVersion() != acct.Version+2 {
		t.Errorf("VersionMismatch detail = %v, want current version %d", vm, acct.Version+2)
	}
}

func TestSessions_ConcurrentLogoutAndUseNeverResurrects(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	p := apptest.Protocols[0]
	acct := s.Register(t, p)
	c := s.AuthClient(p, apptest.WithToken(acct.Token))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				_, _ = c.GetMe(ctx, &authv1.GetMeRequest{})
			}
		})
	}
	if _, err := c.Logout(ctx, &authv1.LogoutRequest{}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i := range 5 {
		_, err := c.GetMe(ctx, &authv1.GetMeRequest{})
		if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
			t.Fatalf("call %d after logout raced with cache fills: %v, want unauthenticated", i, got)
		}
	}
}

func retryInfo(err error) *commonv1.RetryInfo { return apptest.Detail[*commonv1.RetryInfo](err) }

func versionMismatch(err error) *commonv1.VersionMismatch {
	return apptest.Detail[*commonv1.VersionMismatch](err)
}
