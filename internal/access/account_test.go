package access

import (
	"testing"

	"github.com/portico-dev/portico/internal/domain"
)

// accountTable is the account-wide table of ACCESS-MATRIX.md written out as data: for each
// action, the levels allowed (P Punch Clock, X Collaborator (External), C Collaborator,
// R Project Creator, L Project Lead, V Report Viewer, W Report Viewer with Cost,
// A Account Administrator).
var accountTable = map[AccountAction]string{
	ViewMembers:               "P.CRLVWA",
	ManageMembers:             ".......A",
	ManageAccountSettings:     ".......A",
	SeeBillRates:              "....LVWA",
	SeeCostRates:              "......WA",
	ReadOutbox:                ".......A",
	ReadAuditLog:              ".......A",
	CreateNonFinancialProject: "...RLVWA",
	CreateFinancialProject:    "....LVWA",
	ListAllProjects:           ".......A",
	ViewReports:               ".....VWA",
	ViewMarginReport:          "......WA",
}

func TestDecideAccount(t *testing.T) {
	if len(accountTable) != int(numAccountActions) {
		t.Fatalf("the table covers %d actions, the package has %d", len(accountTable), numAccountActions)
	}
	for a, row := range accountTable {
		for i, lvl := range domain.AccountLevels {
			want := row[i] != '.'
			s := &Subject{Level: lvl, Active: true}
			d := DecideAccount(s, a)
			if d.Allowed != want {
				t.Errorf("%s by %s: allowed=%v, want %v (rule %s)", a, lvl, d.Allowed, want, d.Rule.ID)
			}
			if d.Rule.ID == "" || d.Rule.Text == "" {
				t.Errorf("%s by %s: no rule named", a, lvl)
			}
			inactive := &Subject{Level: lvl, Active: false}
			if DecideAccount(inactive, a).Allowed {
				t.Errorf("%s by deactivated %s: allowed", a, lvl)
			}
		}
		if DecideAccount(&Subject{}, a).Allowed || DecideAccount(nil, a).Allowed {
			t.Errorf("%s by a non-member: allowed", a)
		}
	}
}

func TestAccessGroupsOnlyAdd(t *testing.T) {
	s := &Subject{Level: domain.LevelCollaborator, Active: true, Caps: Caps(domain.CapViewAllProjects)}
	if d := DecideAccount(s, ListAllProjects); !d.Allowed || d.Rule != RuleListAll {
		t.Fatalf("view-all-projects group did not grant the list: %+v", d)
	}
	all := Caps(domain.Capabilities...)
	for a := range accountTable {
		without := DecideAccount(&Subject{Level: domain.LevelCollaborator, Active: true}, a).Allowed
		with := DecideAccount(&Subject{Level: domain.LevelCollaborator, Active: true, Caps: all}, a).Allowed
		if without && !with {
			t.Errorf("%s: a capability took away what the level gave", a)
		}
	}
}

func BenchmarkDecideAccount(b *testing.B) {
	s := &Subject{Level: domain.LevelProjectLead, Active: true, Caps: Caps(domain.CapViewOpenProjects)}
	b.ReportAllocs()
	for b.Loop() {
		DecideAccount(s, SeeBillRates)
	}
}
