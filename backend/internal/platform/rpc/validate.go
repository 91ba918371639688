package rpc

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// CheckText records a violation unless s (already trimmed by the caller if
// it wants) is valid UTF-8 of minLen..maxLen characters without control
// characters. multiline allows newlines and tabs.
func CheckText(v *Violations, field, s string, minLen, maxLen int, multiline bool) {
	if !utf8.ValidString(s) {
		v.Add(field, "must be valid UTF-8")
		return
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen && minLen == 1:
		v.Add(field, "is required")
		return
	case n < minLen:
		v.Add(field, "must be at least %d characters", minLen)
		return
	case n > maxLen:
		v.Add(field, "must be at most %d characters", maxLen)
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			v.Add(field, "must not contain control characters")
			return
		}
	}
}

// NormalizeEmail lower-cases and trims an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckEmail records a violation unless email (normalized) is a plain
// address like name@example.com of at most 254 characters.
func CheckEmail(v *Violations, field, email string) {
	if email == "" {
		v.Add(field, "is required")
		return
	}
	if len(email) > 254 || !utf8.ValidString(email) {
		v.Add(field, "must be an email address of at most 254 characters")
		return
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		v.Add(field, "must be an email address like name@example.com")
		return
	}
	_, domain, _ := strings.Cut(email, "@")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		v.Add(field, "must have a domain like example.com")
	}
}

// CheckPhone records a violation unless phone is empty or a phone number of
// at most 32 characters (digits, spaces and + - ( ) . /).
func CheckPhone(v *Violations, field, phone string) {
	if phone == "" {
		return
	}
	if len(phone) > 32 {
		v.Add(field, "must be at most 32 characters")
		return
	}
	digits := 0
	for _, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-()./", r):
		default:
			v.Add(field, "may contain only digits, spaces and + - ( ) . /")
			return
		}
	}
	if digits < 4 {
		v.Add(field, "must contain at least 4 digits")
	}
}

// CheckAddress records violations of a postal address under prefix.
func CheckAddress(v *Violations, prefix string, a *commonv1.Address) {
	if a == nil {
		v.Add(prefix, "is required")
		return
	}
	CheckText(v, prefix+".recipient", a.GetRecipient(), 1, 200, false)
	CheckText(v, prefix+".line1", a.GetLine1(), 1, 200, false)
	CheckText(v, prefix+".line2", a.GetLine2(), 0, 200, false)
	CheckText(v, prefix+".city", a.GetCity(), 1, 100, false)
	CheckText(v, prefix+".region", a.GetRegion(), 0, 100, false)
	CheckText(v, prefix+".postal_code", a.GetPostalCode(), 1, 20, false)
	if cc := a.GetCountryCode(); len(cc) != 2 || strings.ToUpper(cc) != cc || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		v.Add(prefix+".country_code", "must be an ISO 3166-1 alpha-2 code in upper case, like DE")
	}
	CheckPhone(v, prefix+".phone", a.GetPhone())
}

// Paging limits of every list RPC.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageSize applies the paging rules of the API: 0 means the default, more
// than the maximum is capped, negative is invalid.
func PageSize(v *Violations, n int32) int {
	switch {
	case n < 0:
		v.Add("page_size", "must not be negative")
		return 0
	case n == 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return int(n)
}
