package access

import "github.com/portico-dev/portico/internal/domain"

// Rules for seeing projects one does not take part in.
var (
	RuleGuestAll    = Rule{"guest.all-projects", "Account Administrators and the access group capability \"view all projects\" see every project of the account (as View Tasks)"}
	RuleGuestOpen   = Rule{"guest.open-projects", "the capability \"view open projects\" shows projects open to account members (as View Tasks)"}
	RuleGuestAdmins = Rule{"guest.open-to-admins", "projects open to administrator-level members are visible to Project Lead and above with \"view open projects\""}
	RuleGuestNone   = Rule{"guest.none", "this project is by invitation only"}
	RuleJoinPrivacy = Rule{"join.privacy", "members join a project by themselves only as its privacy allows; clients and externals join by invitation"}
)

// Guest decides whether an account member who does not take part in a project may look at it
// as a guest (View Tasks, provider side, no additional access). Guest access ends where a
// participation begins: callers ask only for non-participants.
func Guest(s *Subject, privacy domain.ProjectPrivacy) Decision {
	if !s.IsMember() {
		return deny(RuleNoParticipation)
	}
	if s.Level == domain.LevelAccountAdmin || s.Caps.Has(domain.CapViewAllProjects) {
		return allow(RuleGuestAll)
	}
	if !s.Caps.Has(domain.CapViewOpenProjects) {
		return deny(RuleGuestNone)
	}
	switch privacy {
	case domain.PrivacyMembers:
		return allow(RuleGuestOpen)
	case domain.PrivacyAdmins:
		return when(s.Level.AtLeast(domain.LevelProjectLead), RuleGuestAdmins)
	}
	return deny(RuleGuestNone)
}

// ListScope is the account-wide part of the project-list predicate: which of the account's
// projects the member sees besides their own. The store turns it into SQL.
type ListScope struct {
	All, OpenToMembers, OpenToAdmins bool
}

// ProjectListScope derives the list predicate from the same rules as Guest.
func ProjectListScope(s *Subject) ListScope {
	return ListScope{
		All:           Guest(s, domain.PrivacyInvitation).Allowed,
		OpenToMembers: Guest(s, domain.PrivacyMembers).Allowed,
		OpenToAdmins:  Guest(s, domain.PrivacyAdmins).Allowed,
	}
}

// Join decides whether a member may join a project by themselves.
func Join(s *Subject, privacy domain.ProjectPrivacy) Decision {
	if !s.IsMember() || s.Level == domain.LevelCollaboratorExternal {
		return deny(RuleJoinPrivacy)
	}
	switch privacy {
	case domain.PrivacyMembers:
		return allow(RuleJoinPrivacy)
	case domain.PrivacyAdmins:
		return when(s.Level.AtLeast(domain.LevelProjectLead), RuleJoinPrivacy)
	}
	return when(s.Level == domain.LevelAccountAdmin, RuleJoinPrivacy)
}
