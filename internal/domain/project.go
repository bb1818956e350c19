package domain

import (
	"strings"
	"time"
)

// Side is the side of a project a participant is on.
type Side string

// The two sides. Their display names are settings (account default, project override).
const (
	SideProvider Side = "provider"
	SideClient   Side = "client"
)

// Valid reports whether s is a side.
func (s Side) Valid() bool { return s == SideProvider || s == SideClient }

// ProjectLevel is a participant's project permission level (PRODUCT.md §3).
type ProjectLevel string

// The seven project levels.
const (
	PLViewTasks        ProjectLevel = "view_tasks"
	PLViewTimeExpenses ProjectLevel = "view_time_expenses"
	PLViewFinancials   ProjectLevel = "view_financials"
	PLEditTasks        ProjectLevel = "edit_tasks"
	PLEditTimeExpenses ProjectLevel = "edit_time_expenses"
	PLEditFinancials   ProjectLevel = "edit_financials"
	PLProjectAdmin     ProjectLevel = "project_admin"
)

// ProjectLevels lists the levels in the order the permissions page offers them.
var ProjectLevels = []ProjectLevel{
	PLViewTasks, PLViewTimeExpenses, PLViewFinancials, PLEditTasks, PLEditTimeExpenses, PLEditFinancials, PLProjectAdmin,
}

var projectLevelNames = map[ProjectLevel]string{
	PLViewTasks: "View Tasks", PLViewTimeExpenses: "View Time and Expenses", PLViewFinancials: "View Financials",
	PLEditTasks: "Edit Tasks", PLEditTimeExpenses: "Edit Time and Expenses", PLEditFinancials: "Edit Financials",
	PLProjectAdmin: "Project Administrator",
}

// Valid reports whether l is one of the seven levels.
func (l ProjectLevel) Valid() bool { _, ok := projectLevelNames[l]; return ok }

// Name is the level's display name.
func (l ProjectLevel) Name() string {
	if n, ok := projectLevelNames[l]; ok {
		return n
	}
	return string(l)
}

// TimeExpenses reports whether l is one of the Time & Expenses levels, which the client side
// does not offer.
func (l ProjectLevel) TimeExpenses() bool { return l == PLViewTimeExpenses || l == PLEditTimeExpenses }

// Financial reports whether l sees financial data (View/Edit Financials, Project Administrator).
func (l ProjectLevel) Financial() bool {
	return l == PLViewFinancials || l == PLEditFinancials || l == PLProjectAdmin
}

// ParseProjectLevel accepts a level key and returns EINVALID naming field for anything else.
func ParseProjectLevel(field, s string) (ProjectLevel, error) {
	l := ProjectLevel(s)
	if !l.Valid() {
		keys := make([]string, len(ProjectLevels))
		for i, x := range ProjectLevels {
			keys[i] = string(x)
		}
		return "", Invalid(FieldError{field, "unknown project level " + quote(s) + "; one of " + strings.Join(keys, ", ")})
	}
	return l, nil
}

// Access is an additional-access toggle of a participant.
type Access string

// The six additional-access toggles. Project Administrators hold them all.
const (
	AccessPost          Access = "post"
	AccessTrackTime     Access = "track_time"
	AccessTrackExpenses Access = "track_expenses"
	AccessInvite        Access = "invite"
	AccessScheduleSelf  Access = "schedule_self"
	AccessScheduleTeam  Access = "schedule_team"
)

// Accesses lists the toggles in display order.
var Accesses = []Access{AccessPost, AccessTrackTime, AccessTrackExpenses, AccessInvite, AccessScheduleSelf, AccessScheduleTeam}

var accessNames = map[Access]string{
	AccessPost: "Post to Activity Feed", AccessTrackTime: "Track Time", AccessTrackExpenses: "Track Expenses",
	AccessInvite: "Invite Members to Project", AccessScheduleSelf: "Schedule Hours for Self", AccessScheduleTeam: "Schedule Hours for Team",
}

// Valid reports whether a is a known toggle.
func (a Access) Valid() bool { _, ok := accessNames[a]; return ok }

// Name is the toggle's display name.
func (a Access) Name() string { return accessNames[a] }

// ProjectPrivacy says who may join a project without an invitation.
type ProjectPrivacy string

// Privacy values.
const (
	PrivacyInvitation ProjectPrivacy = "invitation_only"
	PrivacyAdmins     ProjectPrivacy = "open_to_admins"
	PrivacyMembers    ProjectPrivacy = "open_to_members"
)

// Valid reports whether p is known.
func (p ProjectPrivacy) Valid() bool {
	return p == PrivacyInvitation || p == PrivacyAdmins || p == PrivacyMembers
}

// ProjectStatus is the provider-only health of a project.
type ProjectStatus string

// Status values.
const (
	StatusOnTrack  ProjectStatus = "on_track"
	StatusAtRisk   ProjectStatus = "at_risk"
	StatusOffTrack ProjectStatus = "off_track"
)

// Valid reports whether s is known.
func (s ProjectStatus) Valid() bool {
	return s == StatusOnTrack || s == StatusAtRisk || s == StatusOffTrack
}

// Project is a project of an account.
type Project struct {
	ID            string
	AccountID     string
	Name          string
	Description   string
	ClientCompany string
	StartDate     *Date
	DueDate       *Date
	Financial     bool
	Currency      string
	Privacy       ProjectPrivacy
	Status        ProjectStatus
	StatusNote    string
	Settings      ProjectSettings
	CreatedBy     string // user id of the creator (their Project Administrator level is protected)
	ArchivedAt    *time.Time
	Revision      int64 // bumped by every participant change, for the permissions page's optimistic save
	CreatedAt     time.Time
}

// ProjectSettings are the project's own settings; empty side names and privacy fall back to the
// account's.
type ProjectSettings struct {
	ProviderSideName   string
	ClientSideName     string
	DefaultPostPrivacy PostPrivacy // "" = the account's
	ScheduleApproval   bool        // schedule changes require approval
	TimeApproval       bool        // time entries must be approved before invoicing
	ExpenseApproval    bool        // expenses must be approved before invoicing
}

// SideName returns the display name of a side in this project.
func (p *Project) SideName(acct AccountSettings, s Side) string {
	if s == SideClient {
		if p.Settings.ClientSideName != "" {
			return p.Settings.ClientSideName
		}
		return acct.ClientSideName
	}
	if p.Settings.ProviderSideName != "" {
		return p.Settings.ProviderSideName
	}
	return acct.ProviderSideName
}

// Participant is a user's membership in a project.
type Participant struct {
	ProjectID string
	AccountID string
	UserID    string
	Email     string
	FirstName string
	LastName  string
	Side      Side
	Level     ProjectLevel
	Access    []Access
	TeamLead  bool
	Hidden    bool // hidden from clients entirely (provider side only)
	External  bool // not a member of the project's account
	// AccountLevel is the participant's level in the project's account ("" for externals).
	AccountLevel AccountLevel
	JoinedAt     time.Time
}

// FullName is "First Last", or the e-mail.
func (p Participant) FullName() string { return fullName(p.FirstName, p.LastName, p.Email) }

// Has reports whether the participant holds a toggle (Project Administrators hold all).
func (p Participant) Has(a Access) bool {
	if p.Level == PLProjectAdmin {
		return true
	}
	for _, x := range p.Access {
		if x == a {
			return true
		}
	}
	return false
}

// Date is a calendar date without a time zone (project and task dates).
type Date struct{ time.Time }

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	return Date{t}, err
}

// String is YYYY-MM-DD.
func (d Date) String() string { return d.Format(time.DateOnly) }
