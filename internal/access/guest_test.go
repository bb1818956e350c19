package access

import (
	"testing"

	"github.com/portico-dev/portico/internal/domain"
)

func TestGuestAndListScope(t *testing.T) {
	type c struct {
		level   domain.AccountLevel
		caps    CapSet
		privacy domain.ProjectPrivacy
		guest   bool
	}
	open := Caps(domain.CapViewOpenProjects)
	all := Caps(domain.CapViewAllProjects)
	for _, tc := range []c{
		{domain.LevelAccountAdmin, 0, domain.PrivacyInvitation, true},
		{domain.LevelCollaborator, all, domain.PrivacyInvitation, true},
		{domain.LevelCollaborator, open, domain.PrivacyInvitation, false},
		{domain.LevelCollaborator, open, domain.PrivacyMembers, true},
		{domain.LevelCollaborator, open, domain.PrivacyAdmins, false},
		{domain.LevelProjectLead, open, domain.PrivacyAdmins, true},
		{domain.LevelReportViewerCost, 0, domain.PrivacyMembers, false},
	} {
		s := &Subject{Level: tc.level, Active: true, Caps: tc.caps}
		if got := Guest(s, tc.privacy).Allowed; got != tc.guest {
			t.Errorf("%s caps %b on %s: guest %v, want %v", tc.level, tc.caps, tc.privacy, got, tc.guest)
		}
		scope := ProjectListScope(s)
		listed := scope.All || (tc.privacy == domain.PrivacyMembers && scope.OpenToMembers) || (tc.privacy == domain.PrivacyAdmins && scope.OpenToAdmins)
		if listed != tc.guest {
			t.Errorf("%s caps %b on %s: listed %v but guest %v — list and open must agree", tc.level, tc.caps, tc.privacy, listed, tc.guest)
		}
		inactive := &Subject{Level: tc.level, Active: false, Caps: tc.caps}
		if Guest(inactive, tc.privacy).Allowed {
			t.Errorf("deactivated %s is a guest", tc.level)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, l := range domain.AccountLevels {
		s := &Subject{Level: l, Active: true}
		if got, want := Join(s, domain.PrivacyMembers).Allowed, l != domain.LevelCollaboratorExternal; got != want {
			t.Errorf("%s joins an open project: %v", l, got)
		}
		if got, want := Join(s, domain.PrivacyAdmins).Allowed, l.AtLeast(domain.LevelProjectLead); got != want {
			t.Errorf("%s joins a project open to administrators: %v", l, got)
		}
		if got, want := Join(s, domain.PrivacyInvitation).Allowed, l == domain.LevelAccountAdmin; got != want {
			t.Errorf("%s joins an invitation-only project: %v", l, got)
		}
	}
}
