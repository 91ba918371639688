package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
)

type rawResult struct {
	status int
	code   string
	header http.Header
	body   string
}

// post sends a raw Connect unary request.
func post(t *testing.T, s *apptest.Server, procedure, contentType string, body []byte, header map[string]string) rawResult {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+procedure, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := s.HTTP1.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", procedure, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(b, &e)
	return rawResult{status: res.StatusCode, code: e.Code, header: res.Header, body: string(b)}
}

func countUsers(t *testing.T, s *apptest.Server) int {
	t.Helper()
	var n int
	if err := s.Conn(t).QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBadInput_ClearErrorsNoChangedRows(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	acct := s.Register(t, apptest.Protocols[0])
	before := countUsers(t, s)
	register := authv1connect.AuthServiceRegisterProcedure
	getMe := authv1connect.AuthServiceGetMeProcedure
	const jsonCT = "application/json"
	// A RegisterRequest whose email (field 1) is not UTF-8, in binary.
	badUTF8 := []byte{0x0a, 0x04, 0xff, 0xfe, 'a', '@', 0x12, 0x0a}
	badUTF8 = append(badUTF8, []byte("longpass12")...)
	cases := []struct {
		name        string
		procedure   string
		contentType string
		body        []byte
		header      map[string]string
		want        string
	}{
		{"unknown field", register, jsonCT, []byte(`{"email":"x@example.com","password":"Good-Pass-123","fullName":"X","role":"ROLE_ADMIN"}`), nil, "invalid_argument"},
		{"malformed json", register, jsonCT, []byte(`{"email":`), nil, "invalid_argument"},
		{"json array", register, jsonCT, []byte(`[1,2]`), nil, "invalid_argument"},
		{"empty body", register, jsonCT, nil, nil, "invalid_argument"},
		{"empty strings", register, jsonCT, []byte(`{"email":"","password":"","fullName":""}`), nil, "invalid_argument"},
		{"huge name", register, jsonCT, []byte(`{"email":"h@example.com","password":"Good-Pass-123","fullName":"` + strings.Repeat("n", 10000) + `"}`), nil, "invalid_argument"},
		{"huge password", register, jsonCT, []byte(`{"email":"h@example.com","password":"` + strings.Repeat("p", 129) + `","fullName":"H"}`), nil, "invalid_argument"},
		{"short password", register, jsonCT, []byte(`{"email":"h@example.com","password":"Ab1!","fullName":"H"}`), nil, "invalid_argument"},
		{"common password", register, jsonCT, []byte(`{"email":"h@example.com","password":"Password123","fullName":"H"}`), nil, "invalid_argument"},
		{"invalid email", register, jsonCT, []byte(`{"email":"not an email","password":"Good-Pass-123","fullName":"H"}`), nil, "invalid_argument"},
		{"email with display name", register, jsonCT, []byte(`{"email":"Eve <eve@example.com>","password":"Good-Pass-123","fullName":"H"}`), nil, "invalid_argument"},
		{"control characters in name", register, jsonCT, []byte(`{"email":"c@example.com","password":"Good-Pass-123","fullName":"a\u0000b"}`), nil, "invalid_argument"},
		{"non-UTF-8 JSON", register, jsonCT, []byte("{\"email\":\"\xff\xfe@example.com\",\"password\":\"Good-Pass-123\",\"fullName\":\"H\"}"), nil, "invalid_argument"},
		{"non-UTF-8 binary", register, "application/proto", badUTF8, nil, "invalid_argument"},
		{"oversized body", register, jsonCT, []byte(`{"email":"b@example.com","password":"Good-Pass-123","fullName":"` + strings.Repeat("b", 2<<20) + `"}`), nil, "resource_exhausted"},
		{"missing token", getMe, jsonCT, []byte(`{}`), nil, "unauthenticated"},
		{"forged token", getMe, jsonCT, []byte(`{}`), map[string]string{"Authorization": "Bearer pbs_" + strings.Repeat("A", 43)}, "unauthenticated"},
		{"garbage token", getMe, jsonCT, []byte(`{}`), map[string]string{"Authorization": "Bearer ' OR 1=1 --"}, "unauthenticated"},
		{"wrong scheme", getMe, jsonCT, []byte(`{}`), map[string]string{"Authorization": "Basic " + acct.Token}, "unauthenticated"},
		{"huge token", getMe, jsonCT, []byte(`{}`), map[string]string{"Authorization": "Bearer " + strings.Repeat("x", 5000)}, "unauthenticated"},
		{"reset with garbage token", authv1connect.AuthServiceResetPasswordProcedure, jsonCT, []byte(`{"token":"pbr_nope","newPassword":"Good-Pass-123"}`), nil, "invalid_argument"},
		{"bad mask path", authv1connect.AuthServiceUpdateProfileProcedure, jsonCT, []byte(`{"expectedVersion":"1","updateMask":"role"}`), map[string]string{"Authorization": "Bearer " + acct.Token}, "invalid_argument"},
		{"bad address", authv1connect.AuthServiceUpdateProfileProcedure, jsonCT, []byte(`{"expectedVersion":"1","fullName":"A","defaultShippingAddress":{"line1":"x","countryCode":"germany"}}`), map[string]string{"Authorization": "Bearer " + acct.Token}, "invalid_argument"},
	}
	for _, tc := range cases {
		res := post(t, s, tc.procedure, tc.contentType, tc.body, tc.header)
		if res.code != tc.want {
			t.Errorf("%s: HTTP %d code %q, want %s (body %.200s)", tc.name, res.status, res.code, tc.want, res.body)
		}
	}
	if after := countUsers(t, s); after != before {
		t.Errorf("users: %d before, %d after bad input", before, after)
	}
	var profile struct {
		Version  int64
		FullName string
	}
	if err := s.Conn(t).QueryRow(context.Background(), "SELECT version, full_name FROM users WHERE id = $1", acct.ID).Scan(&profile.Version, &profile.FullName); err != nil {
		t.Fatal(err)
	}
	if profile.Version != acct.Version || profile.FullName != "Test Customer" {
		t.Errorf("profile changed by rejected updates: %+v", profile)
	}
}

func TestHTTPRoutes(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	get := func(path string, header map[string]string, method string) *http.Response {
		req, _ := http.NewRequest(method, s.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := s.HTTP1.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	if res := get("/healthz", nil, http.MethodGet); res.StatusCode != 200 {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
	res := get("/readyz", nil, http.MethodGet)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"postgres","ok":true`) || !strings.Contains(string(body), `"redis","ok":true`) {
		t.Errorf("/readyz: %d %s", res.StatusCode, body)
	}
	// Request ids: a sane one is echoed, a missing one is made up.
	r1 := post(t, s, authv1connect.AuthServiceGetMeProcedure, "application/json", []byte(`{}`), map[string]string{"X-Request-Id": "test-req-12345"})
	if got := r1.header.Get("X-Request-Id"); got != "test-req-12345" {
		t.Errorf("X-Request-Id echoed as %q", got)
	}
	r2 := post(t, s, authv1connect.AuthServiceGetMeProcedure, "application/json", []byte(`{}`), map[string]string{"X-Request-Id": "bad id with spaces"})
	if got := r2.header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("X-Request-Id for an insane id = %q, want a fresh one", got)
	}
	// Metrics count RPCs by procedure and code.
	res = get("/metrics", nil, http.MethodGet)
	body, _ = io.ReadAll(res.Body)
	if !strings.Contains(string(body), `partsbin_rpc_requests_total{code="unauthenticated",procedure="/partsbin.auth.v1.AuthService/GetMe"} 2`) {
		t.Errorf("/metrics lacks the GetMe counter:\n%.2000s", body)
	}
	// CORS: allowed origins get a preflight answer, others do not.
	pre := map[string]string{"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,connect-protocol-version,content-type"}
	res = get(authv1connect.AuthServiceGetMeProcedure, pre, http.MethodOptions)
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "http://localhost:5173" {
		t.Errorf("preflight from an allowed origin: Allow-Origin %q", got)
	}
	pre["Origin"] = "https://evil.example"
	res = get(authv1connect.AuthServiceGetMeProcedure, pre, http.MethodOptions)
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("preflight from a foreign origin: Allow-Origin %q", got)
	}
	// gRPC health over Connect JSON.
	h := post(t, s, "/grpc.health.v1.Health/Check", "application/json", []byte(`{"service":"partsbin.auth.v1.AuthService"}`), nil)
	if h.status != 200 || !strings.Contains(h.body, "SERVING") {
		t.Errorf("health check: %d %s", h.status, h.body)
	}
}

type panicky struct {
	authv1connect.UnimplementedAuthServiceHandler
}

func (panicky) GetMe(context.Context, *authv1.GetMeRequest) (*authv1.GetMeResponse, error) {
	panic("boom: secret detail")
}

func (panicky) Logout(context.Context, *authv1.LogoutRequest) (*authv1.LogoutResponse, error) {
	return nil, errors.New("raw database error: password=hunter2")
}

func TestPanicsAndRawErrorsBecomeGenericInternal(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	acct := s.CreateUser(t, auth.RoleCustomer)
	mux := http.NewServeMux()
	mux.Handle(authv1connect.NewAuthServiceHandler(panicky{}, s.App.HandlerOptions(s.App.Auth.Sessions(), rpc.NewMetrics(noRegistry{}))...))
	h := rpc.RequestContext(nil, mux)
	client := authv1connect.NewAuthServiceClient(&http.Client{Transport: handlerTransport{h}}, "http://in-process", apptest.WithToken(acct.Token))
	for name, call := range map[string]func() error{
		"panic":     func() error { _, err := client.GetMe(context.Background(), &authv1.GetMeRequest{}); return err },
		"raw error": func() error { _, err := client.Logout(context.Background(), &authv1.LogoutRequest{}); return err },
	} {
		err := call()
		if got := connect.CodeOf(err); got != connect.CodeInternal {
			t.Errorf("%s: code %v, want internal", name, got)
		}
		if err != nil && (strings.Contains(err.Error(), "boom") || strings.Contains(err.Error(), "hunter2")) {
			t.Errorf("%s: error leaks details: %v", name, err)
		}
	}
}
