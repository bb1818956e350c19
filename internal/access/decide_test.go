package access

import (
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/domain"
)

// matrix is ACCESS-MATRIX.md written out as data, one row per action, one cell per column:
// VT VTE VF ET ETE EF PA (provider side) cVT cVF cET cEF cPA (client side).
// Cell codes: ✔ allowed, ✘ denied, P Post to Activity Feed, T Track Time, X Track Expenses,
// I Invite Members (Ic: to the client side only), S/M Schedule Hours for Self/Team,
// R only author and recipients, O only own items, R+P, O+P, ✔¹ client side only,
// lvl level-change protections, ³d/³b the proposal rule for dates/budget, acct² custom
// fields, F+ the acct overrides of the money table, file "as its post".
// Rows of the money table are all F: on a non-financial project every cell is ✘.
var matrix = []struct {
	action Action
	cells  string
}{
	{ViewProject, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔"},
	{ViewProjectStatus, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{SetProjectStatus, "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{EditProject, "✘ ✘ ✘ ✘ ✘ ✘ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ViewParticipants, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔"},
	{ChangeParticipantLevel, "✘ ✘ ✘ ✘ ✘ ✘ ✔lvl ✘ ✘ ✘ ✘ ✔¹lvl"},
	{ManageParticipants, "✘ ✘ ✘ ✘ ✘ ✘ ✔ ✘ ✘ ✘ ✘ ✔¹"},
	{InviteParticipants, "I I I I I I ✔ Ic Ic Ic Ic ✔¹"},
	{ReadPublicPosts, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔"},
	{ReadPrivateThread, "R R R R R R R R R R R R"},
	{WritePost, "P P P P P P ✔ P P P P ✔"},
	{WriteInternalReply, "P P P P P P ✔ ✘ ✘ ✘ ✘ ✘"},
	{ReadInternalReply, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{AddRecipients, "R+P R+P R+P R+P R+P R+P R R+P R+P R+P R+P R"},
	{EditPost, "O+P O+P O+P O+P O+P O+P O O+P O+P O+P O+P O"},
	{DeletePost, "O+P O+P O+P O+P O+P O+P ✔ O+P O+P O+P O+P O"},
	{UploadFile, "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔"},
	{AttachFile, "P P P P P P ✔ P P P P ✔"},
	{ViewFile, "file file file file file file file file file file file file"},
	{DeleteFile, "O O O O O O ✔ O O O O O"},
	{PinPost, "✘ ✘ ✘ ✘ ✘ ✘ ✔ ✘ ✘ ✘ ✘ ✔"}, // not in the matrix: see docs/access.md

	{ViewTasks, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔"},
	{ViewTaskSchedule, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ViewTaskCustomFields, "acct² acct² acct² acct² acct² acct² acct² ✘ ✘ ✘ ✘ ✘"},
	{ViewTaskTime, "✘ ✔ ✔ ✘ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ViewTaskFees, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{EditTasks, "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔"},
	{EditTaskFees, "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{DeleteTask, "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ O O O"}, // not in the matrix: see docs/access.md
	{ChangeTaskTypeToIssue, "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔"},
	{PostProgress, "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔"},
	{SignOffDeliverable, "✘ ✘ ✘ ✘ ✘ ✘ ✘ ✘ ✘ ✔ ✔ ✔"},
	{ViewSchedule, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔"},
	{EditDatesDirectly, "✘ ✘ ✘ ✘ ✘ ✔ap ✔ap ✘ ✘ ✘ ✘ ✘"},
	{ProposeDates, "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔"},
	{DecideDateProposal, "✘ ✘ ✘ ✘ ✘ ³d ³d ✘ ✘ ✘ ³d ³d"},
	{ViewGantt, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔"},
	{ViewGanttBaselines, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ViewGanttBudgetProgress, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{SaveBaseline, "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ViewAllocations, "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{AllocateOwnHours, "S S S S S S ✔ ✘ ✘ ✘ ✘ ✘"},
	{AllocateTeamHours, "M M M M M M ✔ ✘ ✘ ✘ ✘ ✘"},

	{ViewBudget, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✔ ✘ ✔ ✔"},
	{ViewBurn, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{SetBudget, "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{DecideBudgetChange, "✘ ✘ ✘ ✘ ✘ ✘ ³b ✘ ✘ ✘ ³b ³b"},
	{TrackTime, "✘ T T ✘ T T ✔ ✘ ✘ ✘ ✘ ✘"},
	{TrackExpenses, "✘ X X ✘ X X ✔ ✘ ✘ ✘ ✘ ✘"},
	{ViewAllEntries, "lead+ ✔ ✔ lead+ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{EditOthersEntries, "lead+ lead+ lead+ lead+ lead+ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ApproveEntries, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ClientSignOffTimesheet, "✘ ✘ ✘ ✘ ✘ ✘ ✘ ✘ ✔ ✘ ✔ ✔"},
	{ViewBillRates, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{SetBillRates, "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ViewInvoices, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✔ ✘ ✔ ✔"},
	{ManageInvoices, "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘"},
	{ClientInvoiceSignOff, "✘ ✘ ✘ ✘ ✘ ✘ ✘ ✘ ✔ ✘ ✔ ✔"},
	{ViewPayments, "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✔ ✘ ✔ ✔"},
	{ViewCostRates, "cost cost cost cost cost cost cost cost cost cost cost cost"},
	{ViewApprovalEvents, "✔O ✔O ✔ ✔O ✔O ✔ ✔ O O O O O"},
}

var columns = []struct {
	client bool
	level  Level
}{
	{false, LvlViewTasks}, {false, LvlViewTimeExpenses}, {false, LvlViewFinancials}, {false, LvlEditTasks},
	{false, LvlEditTimeExpenses}, {false, LvlEditFinancials}, {false, LvlProjectAdmin},
	{true, LvlViewTasks}, {true, LvlViewFinancials}, {true, LvlEditTasks}, {true, LvlEditFinancials}, {true, LvlProjectAdmin},
}

// factVariants flip the facts one or two at a time around the common case.
var factVariants = func() []Facts {
	base := []Facts{
		{}, {Own: true}, {Private: true}, {Private: true, Recipient: true}, {Internal: true},
		{Internal: true, Private: true, Recipient: true}, {Recipient: true}, {ProposedByClient: true},
		{HasClientDecider: true}, {ProposedByClient: true, HasClientDecider: true}, {Own: true, HasClientDecider: true},
		{Own: true, ProposedByClient: true}, {ScheduleApproval: true}, {TargetClient: true}, {TargetSelf: true},
		{TargetCreator: true}, {TargetAccountAdmin: true}, {TargetClient: true, TargetSelf: true},
		{TargetClient: true, TargetAccountAdmin: true}, {PunchClockOwner: true}, {PunchClockOwner: true, Own: true},
	}
	out := make([]Facts, 0, 2*len(base))
	for _, f := range base {
		out = append(out, f)
		f.Financial = true
		out = append(out, f)
	}
	return out
}()

// expect interprets one cell for one subject and facts: the oracle, written from the matrix
// and its notes without looking at Decide.
func expect(t *testing.T, a Action, cell string, s *ProjectSubject, f *Facts) bool {
	p := s.Part
	has := func(x AccessSet) bool { return p.Level == LvlProjectAdmin || p.Access&x != 0 }
	member := s.Account.Active && s.Account.Level != ""
	acctAtLeast := func(l domain.AccountLevel) bool { return member && s.Account.Level.AtLeast(l) }
	money := a >= ViewBudget && a <= ViewApprovalEvents
	if money && !f.Financial {
		return false
	}
	switch cell {
	case "✔":
		return true
	case "✘":
		return false
	case "P":
		return has(AccPost)
	case "T":
		return has(AccTrackTime)
	case "X":
		return has(AccTrackExpenses)
	case "I":
		return has(AccInvite)
	case "Ic", "✔¹":
		return f.TargetClient && (cell == "✔¹" || has(AccInvite))
	case "S":
		return has(AccScheduleSelf)
	case "M":
		return has(AccScheduleTeam)
	case "R":
		if a == AddRecipients {
			return f.Recipient
		}
		return !f.Private || f.Recipient
	case "R+P":
		return f.Recipient && has(AccPost)
	case "O":
		return f.Own
	case "O+P":
		return f.Own && has(AccPost)
	case "✔lvl", "✔¹lvl":
		return (cell == "✔lvl" || f.TargetClient) && !f.TargetSelf && !f.TargetCreator && !f.TargetAccountAdmin
	case "file":
		return (!f.Internal || !p.Client) && (!f.Private || f.Recipient)
	case "acct²":
		return acctAtLeast(domain.LevelReportViewer)
	case "✔ap":
		return !f.ScheduleApproval
	case "³d", "³b":
		if f.Own {
			return false
		}
		if f.ProposedByClient {
			return cell == "³d" && !p.Client // provider EF/PA decide a client's dates (only they hold this cell)
		}
		if p.Client {
			return true // cEF, cPA
		}
		return p.Level == LvlProjectAdmin && !f.HasClientDecider
	case "lead+":
		if a == EditOthersEntries && f.PunchClockOwner {
			return member && s.Account.Level == domain.LevelAccountAdmin
		}
		return acctAtLeast(domain.LevelProjectLead)
	case "cost":
		return acctAtLeast(domain.LevelReportViewerCost)
	case "✔O":
		return f.Own
	}
	t.Fatalf("%s: unknown cell %q", a, cell)
	return false
}

func TestDecideMatrix(t *testing.T) {
	if len(matrix) != int(ViewAs) {
		t.Fatalf("the matrix has %d rows, the package %d project actions", len(matrix), ViewAs)
	}
	acctLevels := append([]domain.AccountLevel{""}, domain.AccountLevels...) // "" = external
	checked := 0
	for i, row := range matrix {
		if row.action != Action(i) {
			t.Fatalf("row %d is %s, want %s: keep the rows in the order of the actions", i, row.action, Action(i))
		}
		cells := strings.Fields(row.cells)
		if len(cells) != len(columns) {
			t.Fatalf("%s: %d cells", row.action, len(cells))
		}
		for c, col := range columns {
			for _, al := range acctLevels {
				for acc := AccessSet(0); acc <= AccAll; acc++ {
					for fi := range factVariants {
						f := &factVariants[fi]
						cell := cells[c]
						// Overrides of the money table apply whatever the column says.
						if row.action == EditOthersEntries && f.PunchClockOwner {
							cell = "lead+"
						}
						// The internal-reply row overrides every read of an internal item by a client.
						if (row.action == ReadPublicPosts || row.action == ReadPrivateThread) && f.Internal && col.client {
							cell = "✘"
						}
						part := &Participation{Client: col.client, Level: col.level, Access: acc, External: al == ""}
						s := &ProjectSubject{Account: Subject{Level: al, Active: al != ""}, Part: part}
						want := expect(t, row.action, cell, s, f)
						d := Decide(s, row.action, f)
						checked++
						if d.Allowed != want {
							t.Fatalf("%s by %s %s/%d (acct %q, access %06b) with %+v: allowed=%v, want %v (cell %q, rule %s)",
								row.action, side(col.client), levelName(col.level), col.level, al, acc, *f, d.Allowed, want, cell, d.Rule.ID)
						}
						if d.Rule.ID == "" || d.Rule.Text == "" {
							t.Fatalf("%s: no rule named", row.action)
						}
					}
				}
			}
		}
	}
	t.Logf("%d decisions checked against the matrix", checked)
}

func TestNonParticipantSeesNothing(t *testing.T) {
	for a := Action(0); a < ViewAs; a++ {
		for _, l := range domain.AccountLevels {
			s := &ProjectSubject{Account: Subject{Level: l, Active: true}}
			if d := Decide(s, a, &Facts{Financial: true}); d.Allowed || d.Rule != RuleNoParticipation {
				t.Errorf("%s by non-participant %s: %+v", a, l, d)
			}
		}
	}
}

func TestViewAsAndExplain(t *testing.T) {
	for _, a := range []Action{ViewAs, Explain} {
		admin := &ProjectSubject{Account: Subject{Level: domain.LevelAccountAdmin, Active: true}}
		if !Can(admin, a, &Facts{}) {
			t.Errorf("%s: an Account Administrator of the project's account is refused", a)
		}
		for _, col := range columns {
			for _, guest := range []bool{false, true} {
				s := &ProjectSubject{Account: Subject{Level: domain.LevelProjectLead, Active: true},
					Part: &Participation{Client: col.client, Level: col.level, Guest: guest}}
				want := !col.client && !guest && col.level == LvlProjectAdmin
				if got := Can(s, a, &Facts{}); got != want {
					t.Errorf("%s by %s %s guest=%v: %v, want %v", a, side(col.client), levelName(col.level), guest, got, want)
				}
			}
		}
		external := &ProjectSubject{Part: &Participation{Client: true, Level: LvlProjectAdmin, External: true}}
		if Can(external, a, &Facts{}) {
			t.Errorf("%s: a client Project Administrator may not view as others", a)
		}
	}
}

func side(client bool) string {
	if client {
		return "client"
	}
	return "provider"
}

func levelName(l Level) string {
	return [...]string{"none", "VT", "VTE", "VF", "ET", "ETE", "EF", "PA"}[l]
}

func BenchmarkDecide(b *testing.B) {
	s := &ProjectSubject{Account: Subject{Level: domain.LevelProjectLead, Active: true},
		Part: &Participation{Client: true, Level: LvlEditFinancials, Access: AccPost}}
	f := &Facts{Financial: true, ProposedByClient: false, HasClientDecider: true}
	b.ReportAllocs()
	for b.Loop() {
		Decide(s, DecideBudgetChange, f)
	}
}
