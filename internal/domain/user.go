package domain

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person with a login. A user may be a member of several accounts.
type User struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	Theme     string // "system", "light" or "dark"
	CreatedAt time.Time
}

// FullName is "First Last", or the e-mail when no name is set.
func (u User) FullName() string { return fullName(u.FirstName, u.LastName, u.Email) }

// Limits on user input.
const (
	MaxEmailLen      = 254
	MaxNameLen       = 80
	MinPasswordLen   = 10
	MaxPasswordLen   = 256
	MaxTokenNameLen  = 80
	InvitationTTL    = 7 * 24 * time.Hour
	PasswordResetTTL = time.Hour
	SessionTTL       = 30 * 24 * time.Hour
	SessionIdleTTL   = 7 * 24 * time.Hour
)

// NormalizeEmail trims and lower-cases an address and checks its form; field names the input.
func NormalizeEmail(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", Invalid(FieldError{field, "is required"})
	}
	if len(s) > MaxEmailLen {
		return "", Invalid(FieldError{field, "must be at most 254 characters"})
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", Invalid(FieldError{field, "is not a valid e-mail address"})
	}
	return s, nil
}

// ValidateName checks a first or last name.
func ValidateName(v *Validator, field, s string, required bool) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		v.Add(field, "is required")
		return
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		v.Add(field, "must be at most 80 characters")
	}
	if strings.ContainsAny(s, "<>\r\n") {
		v.Add(field, "must not contain <, > or line breaks")
	}
}

// ValidatePassword applies the password policy: long enough, not too long, not a common password.
func ValidatePassword(v *Validator, field, pw string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		v.Add(field, "must be at least 10 characters")
	case len(pw) > MaxPasswordLen:
		v.Add(field, "must be at most 256 bytes")
	case isCommonPassword(pw):
		v.Add(field, "is too common; choose a password others would not guess")
	}
}

// ValidTheme reports whether t is a theme the UI knows.
func ValidTheme(t string) bool { return t == "system" || t == "light" || t == "dark" }

// Session is a signed-in browser or API session. Only the hash of its token is stored.
type Session struct {
	ID         string
	UserID     string
	AccountID  string // the account the session is working in; "" if the user has none
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	IP         string
}

// APIToken is a personal API token. Its secret is shown once; only a SHA-256 hash is stored.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	Prefix     string // the first characters of the secret, to recognise it in lists
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Invitation invites an e-mail address to join an account at a level.
type Invitation struct {
	ID         string
	AccountID  string
	Email      string
	Level      AccountLevel
	InvitedBy  string // member id
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
}

// Status is pending, accepted, revoked or expired at time now.
func (i Invitation) Status(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case !now.Before(i.ExpiresAt):
		return "expired"
	}
	return "pending"
}
