package auth

import (
	"context"
	"strings"
	"testing"
)

func TestHasher_HashVerify(t *testing.T) {
	t.Parallel()
	h := NewHasher(HashParams{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want PHC argon2id with OWASP parameters", enc)
	}
	enc2, _ := h.Hash(ctx, "correct horse battery staple")
	if enc == enc2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for pw, want := range map[string]bool{"correct horse battery staple": true, "correct horse battery stapl": false, "": false} {
		ok, stale, err := h.Verify(ctx, enc, pw)
		if err != nil || ok != want || stale {
			t.Errorf("Verify(%q) = %v, %v, %v; want %v, false, nil", pw, ok, stale, err, want)
		}
	}
	stronger := NewHasher(HashParams{MemoryKiB: 32768, Iterations: 3, Parallelism: 1}, 1)
	if ok, stale, _ := stronger.Verify(ctx, enc, "correct horse battery staple"); !ok || !stale {
		t.Errorf("stronger hasher: ok=%v stale=%v, want the old hash accepted and flagged stale", ok, stale)
	}
	if err := h.VerifyDummy(ctx, "anything"); err != nil {
		t.Errorf("VerifyDummy: %v", err)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$aa$bb", "$argon2id$v=19$m=x$aa$bb", "plain"} {
		if _, _, err := h.Verify(ctx, bad, "pw"); err == nil {
			t.Errorf("Verify accepted malformed hash %q", bad)
		}
	}
}

func TestHasher_BoundsConcurrency(t *testing.T) {
	t.Parallel()
	h := NewHasher(HashParams{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}, 1)
	h.maxWait = 0
	h.slots <- struct{}{} // the only slot is taken
	if _, err := h.Hash(context.Background(), "whatever-password"); err != ErrHasherBusy {
		t.Errorf("Hash with no free slot: %v, want ErrHasherBusy", err)
	}
	<-h.slots
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.maxWait = 1e9
	h.slots <- struct{}{}
	if _, err := h.Hash(ctx, "whatever-password"); err == nil {
		t.Error("Hash with a cancelled context and no slot succeeded")
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pw, email string
		ok        bool
	}{
		{"Blue-Otter-Rides-42", "ann@example.com", true},
		{"короткий-пароль", "ann@example.com", true},
		{"short", "", false},
		{strings.Repeat("x", 129), "", false},
		{strings.Repeat("é", 128), "", true},
		{"password123", "", false},
		{"PASSWORD123", "", false},
		{"qwertyuiop", "", false},
		{"ann@example.com", "ann@example.com", false},
		{"annexample", "annexample@example.com", false},
		{"aaaaaaaaaaaa", "", false},
		{"bad\xffutf8pass", "", false},
	}
	for _, c := range cases {
		if why := CheckPassword(c.pw, c.email); (why == "") != c.ok {
			t.Errorf("CheckPassword(%q) = %q, want ok=%v", c.pw, why, c.ok)
		}
	}
	if n := len(commonPasswords); n < 9000 {
		t.Errorf("common password list has %d entries, want about 10,000", n)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	tok, hash, err := newToken(sessionTokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 47 || len(hash) != 32 {
		t.Errorf("token %q (%d), hash %d bytes", tok, len(tok), len(hash))
	}
	if got := hashToken(sessionTokenPrefix, tok); string(got) != string(hash) {
		t.Error("hashToken does not match newToken's hash")
	}
	for _, bad := range []string{"", tok[:46], "pbr_" + tok[4:], tok + "A", "pbs_" + strings.Repeat("!", 43)} {
		if hashToken(sessionTokenPrefix, bad) != nil {
			t.Errorf("hashToken accepted %q", bad)
		}
	}
}

func TestPolicy_Allows(t *testing.T) {
	t.Parallel()
	want := map[Policy][3]bool{ // customer, staff, admin
		Public:       {true, true, true},
		SignedIn:     {true, true, true},
		CustomerOnly: {true, false, false},
		StaffOnly:    {false, true, true},
		AdminOnly:    {false, false, true},
		PolicyNone:   {false, false, false},
	}
	for p, w := range want {
		for i, r := range []Role{RoleCustomer, RoleStaff, RoleAdmin} {
			if got := p.Allows(r); got != w[i] {
				t.Errorf("%s.Allows(%s) = %v, want %v", p, r, got, w[i])
			}
		}
	}
}
