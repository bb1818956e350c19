package domain

import (
	"strings"
	"time"
)

// PostPrivacy is the default privacy of new posts.
type PostPrivacy string

// Post privacy values.
const (
	PostPublic  PostPrivacy = "public"
	PostPrivate PostPrivacy = "private"
)

// Account is a firm using Portico: the tenant.
type Account struct {
	ID        string
	Name      string
	Settings  AccountSettings
	CreatedAt time.Time
}

// AccountSettings are the account-wide settings of PRODUCT.md §2.
type AccountSettings struct {
	ProviderSideName         string
	ClientSideName           string
	DefaultPostPrivacy       PostPrivacy
	ExternalFinancialAllowed bool // may external participants hold financial project levels
	ProviderSideMembersOnly  bool // only account members on the provider side
	Currency                 string
	BrandColor               string
}

// DefaultAccountSettings are the settings of a new account.
func DefaultAccountSettings() AccountSettings {
	return AccountSettings{
		ProviderSideName:         "Provider",
		ClientSideName:           "Client",
		DefaultPostPrivacy:       PostPublic,
		ExternalFinancialAllowed: true,
		Currency:                 "EUR",
		BrandColor:               "#4f46e5",
	}
}

// Validate checks the settings, naming each bad field.
func (s AccountSettings) Validate() error {
	var v Validator
	v.Check(strings.TrimSpace(s.ProviderSideName) != "" && len(s.ProviderSideName) <= 40, "provider_side_name", "must be 1 to 40 characters")
	v.Check(strings.TrimSpace(s.ClientSideName) != "" && len(s.ClientSideName) <= 40, "client_side_name", "must be 1 to 40 characters")
	v.Check(s.DefaultPostPrivacy == PostPublic || s.DefaultPostPrivacy == PostPrivate, "default_post_privacy", "must be public or private")
	v.Check(ValidCurrency(s.Currency), "currency", "must be a three-letter ISO 4217 code such as EUR")
	v.Check(validColor(s.BrandColor), "brand_color", "must be a colour like #4f46e5")
	return v.Err()
}

// ValidCurrency reports whether c looks like an ISO 4217 code (three upper-case letters).
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func validColor(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for _, r := range strings.ToLower(c[1:]) {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// ValidateAccountName checks an account's name.
func ValidateAccountName(name string) error {
	var v Validator
	n := strings.TrimSpace(name)
	v.Check(n != "", "name", "is required")
	v.Check(len(n) <= 120, "name", "must be at most 120 characters")
	return v.Err()
}

// Member is a user's membership in an account.
type Member struct {
	ID              string
	AccountID       string
	UserID          string
	Email           string
	FirstName       string
	LastName        string
	Level           AccountLevel
	DefaultBillRate *int64 // minor units per hour in the account currency; nil if unset
	CostRate        *int64 // minor units per hour; visible only to cost viewers
	Active          bool
	AccessGroups    []string // ids
	CreatedAt       time.Time
	DeactivatedAt   *time.Time
}

// FullName is "First Last", or the e-mail when no name is set.
func (m Member) FullName() string { return fullName(m.FirstName, m.LastName, m.Email) }

// MemberUpdate is a change to a member; nil fields stay as they are.
type MemberUpdate struct {
	Level           *AccountLevel
	DefaultBillRate **int64 // set to a pointer to nil to clear
	CostRate        **int64
	Active          *bool
}

// Membership is one of a user's accounts, for the account switcher.
type Membership struct {
	MemberID    string
	AccountID   string
	AccountName string
	Level       AccountLevel
	Active      bool
}

// Capability is an account-wide extra capability granted by an access group.
type Capability string

// The access-group capabilities. Groups only add, never deny.
const (
	CapViewAllProjects  Capability = "view_all_projects"
	CapViewOpenProjects Capability = "view_open_projects"
	CapManageTemplates  Capability = "manage_templates"
	CapApproveTeamTime  Capability = "approve_team_time"
)

// Capabilities lists every capability an access group may hold.
var Capabilities = []Capability{CapViewAllProjects, CapViewOpenProjects, CapManageTemplates, CapApproveTeamTime}

// ValidCapability reports whether c is known.
func ValidCapability(c Capability) bool {
	for _, x := range Capabilities {
		if x == c {
			return true
		}
	}
	return false
}

// AccessGroup is a named, cumulative set of capabilities. DefaultLevels are the account
// levels whose new members join the group automatically.
type AccessGroup struct {
	ID            string
	AccountID     string
	Name          string
	Capabilities  []Capability
	DefaultLevels []AccountLevel
}

func fullName(first, last, fallback string) string {
	n := strings.TrimSpace(first + " " + last)
	if n == "" {
		return fallback
	}
	return n
}
