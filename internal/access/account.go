package access

import "github.com/portico-dev/portico/internal/domain"

// AccountAction is something done account-wide (not inside one project).
type AccountAction int

// The account-wide actions of the access matrix.
const (
	ViewMembers           AccountAction = iota
	ManageMembers                       // invite, change levels, default rates, deactivate
	ManageAccountSettings               // account details, settings, branding, access groups
	SeeBillRates                        // member default bill rates
	SeeCostRates                        // member cost rates, cost and margin figures
	ReadOutbox
	ReadAuditLog
	CreateNonFinancialProject
	CreateFinancialProject
	ListAllProjects
	ViewReports      // WIP and Utilization
	ViewMarginReport // margin, cost columns
	numAccountActions
)

var accountActionNames = [numAccountActions]string{
	"view_members", "manage_members", "manage_account_settings", "see_bill_rates", "see_cost_rates",
	"read_outbox", "read_audit_log", "create_non_financial_project", "create_financial_project",
	"list_all_projects", "view_reports", "view_margin_report",
}

// String is the action's key.
func (a AccountAction) String() string {
	if a >= 0 && a < numAccountActions {
		return accountActionNames[a]
	}
	return "unknown"
}

// Rules of the account-wide table.
var (
	RuleNotMember    = Rule{"account.not-member", "only active members of the account act in it"}
	RuleAdminOnly    = Rule{"account.admin-only", "only Account Administrators may do this"}
	RuleMembersView  = Rule{"account.members-visible", "every member of the account sees the member list, except Collaborator (External)"}
	RuleMembersNoExt = Rule{"account.members-not-external", "Collaborator (External) members do not see the member list"}
	RuleBillRates    = Rule{"account.bill-rates", "member bill rates are visible from Project Lead up"}
	RuleCostRates    = Rule{"account.cost-rates", "cost rates are visible only to Report Viewer with Cost and Account Administrators"}
	RuleCreateNonFin = Rule{"account.create-non-financial", "Project Creator and above create non-financial projects"}
	RuleCreateFin    = Rule{"account.create-financial", "Project Lead and above create financial projects"}
	RuleListAll      = Rule{"account.list-all-projects", "Account Administrators and the access group capability \"view all projects\" list every project"}
	RuleReports      = Rule{"account.reports", "Report Viewer and above see WIP and Utilization reports"}
	RuleMargin       = Rule{"account.margin", "only Report Viewer with Cost and Account Administrators see margin and cost figures"}
)

// minLevel gives, per action, the lowest level allowed and the rule that says so.
var minLevel = [numAccountActions]struct {
	level domain.AccountLevel
	rule  Rule
}{
	ViewMembers:               {domain.LevelPunchClock, RuleMembersView},
	ManageMembers:             {domain.LevelAccountAdmin, RuleAdminOnly},
	ManageAccountSettings:     {domain.LevelAccountAdmin, RuleAdminOnly},
	SeeBillRates:              {domain.LevelProjectLead, RuleBillRates},
	SeeCostRates:              {domain.LevelReportViewerCost, RuleCostRates},
	ReadOutbox:                {domain.LevelAccountAdmin, RuleAdminOnly},
	ReadAuditLog:              {domain.LevelAccountAdmin, RuleAdminOnly},
	CreateNonFinancialProject: {domain.LevelProjectCreator, RuleCreateNonFin},
	CreateFinancialProject:    {domain.LevelProjectLead, RuleCreateFin},
	ListAllProjects:           {domain.LevelAccountAdmin, RuleListAll},
	ViewReports:               {domain.LevelReportViewer, RuleReports},
	ViewMarginReport:          {domain.LevelReportViewerCost, RuleMargin},
}

// DecideAccount answers an account-wide question.
func DecideAccount(s *Subject, a AccountAction) Decision {
	if !s.IsMember() {
		return deny(RuleNotMember)
	}
	if a < 0 || a >= numAccountActions {
		return deny(RuleAdminOnly)
	}
	if a == ViewMembers && s.Level == domain.LevelCollaboratorExternal {
		return deny(RuleMembersNoExt)
	}
	if a == ListAllProjects && s.Caps.Has(domain.CapViewAllProjects) {
		return allow(RuleListAll)
	}
	m := minLevel[a]
	if s.Level.AtLeast(m.level) {
		return allow(m.rule)
	}
	return deny(m.rule)
}

// CanAccount is DecideAccount's answer alone.
func CanAccount(s *Subject, a AccountAction) bool { return DecideAccount(s, a).Allowed }
