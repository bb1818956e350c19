package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/testutil"
)

// mxParticipants is the participants answer with every key kept, to check which keys exist.
type mxParticipants struct {
	Revision     *int64           `json:"revision"`
	Participants []map[string]any `json:"participants"`
	People       []map[string]any `json:"people"`
}

// activeParticipants are the people who take part in the financial project.
func (w *mxWorld) activeParticipants() []*mxPerson {
	var out []*mxPerson
	for _, p := range w.people {
		if p.participant() {
			out = append(out, p)
		}
	}
	return out
}

// testParticipants: the provider side sees everyone in full; a client sees people by name and
// side only, never the hidden provider person; a client Project Administrator sees the client
// side in full (to manage it) and the provider side as people.
func (w *mxWorld) testParticipants(t *testing.T) {
	// Everyone who ever took part and was not removed: the columns and the deactivated member.
	everyone := map[string]*mxPerson{}
	for _, p := range w.people {
		if p.participant() || p.Kind == mxDeactivated {
			everyone[p.UserID] = p
		}
	}
	for _, p := range w.people {
		t.Run(p.Column, func(t *testing.T) {
			r := mxCheck(t, p.Column, p.c, p.status(http.StatusOK), "GET", mxProject(w.fin, "/participants"), nil)
			if !p.visible() {
				return
			}
			var v mxParticipants
			r.JSON(t, &v)
			if p.provider() {
				if len(v.People) != 0 || len(v.Participants) != len(everyone) || v.Revision == nil {
					t.Fatalf("provider view: %d full, %d people, revision %v, want %d full\n%s", len(v.Participants), len(v.People), v.Revision, len(everyone), r.Body)
				}
				for _, row := range v.Participants {
					q := everyone[row["user_id"].(string)]
					if q == nil || row["email"] != q.Email || row["level"] != string(q.Level) || row["hidden"] != (q.Column == "VT") {
						t.Errorf("provider view row %v does not match %+v", row, q)
					}
				}
				return
			}
			// A client.
			fullClientSide := p.Level == domain.PLProjectAdmin
			if (v.Revision != nil) != fullClientSide {
				t.Errorf("revision present %v, want %v", v.Revision != nil, fullClientSide)
			}
			seen := map[string]bool{}
			for _, row := range v.Participants {
				if !fullClientSide || row["side"] != "client" {
					t.Errorf("client %s sees a full row: %v", p.Column, row)
				}
				seen[row["user_id"].(string)] = true
			}
			for _, row := range v.People {
				for k := range row {
					if !slices.Contains([]string{"user_id", "name", "side", "team_lead"}, k) {
						t.Errorf("a person row shows %q to a client: %v", k, row)
					}
				}
				if fullClientSide && row["side"] == "client" {
					t.Errorf("the client administrator sees a client as a person only: %v", row)
				}
				seen[row["user_id"].(string)] = true
			}
			for _, leak := range []string{"@test.example\"", "\"access\"", "\"account_level\""} {
				if !fullClientSide && bytes.Contains(r.Body, []byte(leak)) {
					t.Errorf("client list leaks %s:\n%s", leak, r.Body)
				}
			}
			for _, q := range everyone {
				// Deactivated members still take part; only the hidden provider person is absent.
				want := q.Column != "VT"
				if seen[q.UserID] != want {
					t.Errorf("client %s sees %s (%s): %v, want %v", p.Column, q.Column, q.Name, seen[q.UserID], want)
				}
			}
		})
	}
}

// testSaveParticipants: provider Project Administrators change anyone; a client Project
// Administrator changes the client side only; everyone else gets 403, whatever the revision.
func (w *mxWorld) testSaveParticipants(t *testing.T) {
	cvt, vt, cpa := w.by["cVT"], w.by["VT"], w.by["cPA"]
	teamLead := func(p *mxPerson) bool {
		var v mxParticipants
		mxMust(t, w.pa, http.StatusOK, "GET", mxProject(w.fin, "/participants"), nil).JSON(t, &v)
		for _, row := range v.Participants {
			if row["user_id"] == p.UserID {
				return row["team_lead"] == true
			}
		}
		t.Fatalf("%s is not in the project", p.Column)
		return false
	}
	for _, p := range w.people {
		for _, target := range []*mxPerson{cvt, vt} {
			want := http.StatusForbidden
			if p.providerAdmin() || (p.participant() && p.Client && p.Level == domain.PLProjectAdmin && target.Client) {
				want = http.StatusOK
			}
			rev := w.revision(t, w.pa, w.fin)
			lead := !teamLead(target)
			r := mxCheck(t, p.Column+"→"+target.Column, p.c, p.status(want), "PATCH", mxProject(w.fin, "/participants"),
				map[string]any{"revision": rev, "changes": []map[string]any{{"user_id": target.UserID, "team_lead": lead}}})
			if changed := teamLead(target) == lead; changed != (r.StatusCode == http.StatusOK) {
				t.Errorf("%s→%s: answered %d, team lead changed %v", p.Column, target.Column, r.StatusCode, changed)
			}
			// A stale revision does not turn a refusal into a conflict for those who may manage
			// neither side (a client administrator may manage, and learns of the conflict first).
			if want == http.StatusForbidden && !(p.participant() && p.Level == domain.PLProjectAdmin) {
				mxCheck(t, p.Column+" stale", p.c, p.status(want), "PATCH", mxProject(w.fin, "/participants"),
					map[string]any{"revision": rev - 1, "changes": []map[string]any{{"user_id": target.UserID, "team_lead": true}}})
			}
		}
	}
	// The client administrator: levels on the client side, not their own, not a move to the provider side.
	rev := w.revision(t, cpa.c, w.fin)
	w.save(t, cpa.c, http.StatusOK, w.fin, rev, map[string]any{"user_id": cvt.UserID, "level": "view_financials"})
	rev = w.revision(t, cpa.c, w.fin)
	w.save(t, cpa.c, http.StatusForbidden, w.fin, rev, map[string]any{"user_id": cpa.UserID, "level": "edit_financials"})
	w.save(t, cpa.c, http.StatusForbidden, w.fin, rev, map[string]any{"user_id": cvt.UserID, "side": "provider"})
	w.save(t, cpa.c, http.StatusForbidden, w.fin, rev, map[string]any{"user_id": vt.UserID, "hidden": false})
	w.save(t, cpa.c, http.StatusOK, w.fin, rev, map[string]any{"user_id": cvt.UserID, "level": "view_tasks"})
	// The provider administrator cannot change their own level, nor (as a guest) can the Account Administrator change anything.
	pa := w.by["PA"]
	w.save(t, pa.c, http.StatusForbidden, w.fin, w.revision(t, pa.c, w.fin), map[string]any{"user_id": pa.UserID, "level": "edit_financials"})
}

// testInvite: inviting needs Invite Members (Project Administrators always); client-side people
// invite to the client side only.
func (w *mxWorld) testInvite(t *testing.T) {
	for _, p := range w.people {
		for _, side := range []string{"provider", "client"} {
			want := http.StatusForbidden
			if p.participant() && p.has(domain.AccessInvite) && (!p.Client || side == "client") {
				want = http.StatusCreated
			}
			email := testutil.UniqueEmail("invitee")
			r := mxCheck(t, p.Column+" to "+side, p.c, p.status(want), "POST", mxProject(w.fin, "/participants"),
				map[string]any{"email": email, "side": side})
			if r.StatusCode != http.StatusCreated {
				continue
			}
			var inv map[string]any
			r.JSON(t, &inv)
			// The link is the invitee's credential: only a provider Project Administrator sees it.
			if link, _ := inv["link"].(string); (link != "") != p.providerAdmin() || inv["invitation_id"] == "" {
				t.Errorf("%s invites: %v", p.Column, inv)
			}
			var invs []map[string]any
			mxMust(t, w.pa, http.StatusOK, "GET", mxProject(w.fin, "/invitations"), nil).JSON(t, &invs)
			found := false
			for _, i := range invs {
				found = found || (i["email"] == email && i["side"] == side && i["status"] == "pending")
			}
			if !found {
				t.Errorf("%s's invitation of %s to the %s side is not listed", p.Column, email, side)
			}
		}
	}
	// The invitations: provider Project Administrators see all, a client administrator the
	// client side's, nobody else any.
	for _, p := range w.people {
		want := http.StatusForbidden
		if p.participant() && p.Level == domain.PLProjectAdmin {
			want = http.StatusOK
		}
		r := mxCheck(t, p.Column, p.c, p.status(want), "GET", mxProject(w.fin, "/invitations"), nil)
		if r.StatusCode != http.StatusOK {
			continue
		}
		var invs []map[string]any
		r.JSON(t, &invs)
		sides := map[any]int{}
		for _, i := range invs {
			sides[i["side"]]++
		}
		if sides["client"] == 0 || (sides["provider"] == 0) != p.Client {
			t.Errorf("%s sees invitations by side %v", p.Column, sides)
		}
	}
}

// mxExplanation is the explain answer.
type mxExplanation struct {
	Allowed  bool   `json:"allowed"`
	Action   string `json:"action"`
	RuleID   string `json:"rule_id"`
	Rule     string `json:"rule"`
	Standing string `json:"standing"`
}

func (w *mxWorld) explainPath(user *mxPerson, action access.Action) string {
	return "/api/v1/access/explain" + mxQuery("user", user.UserID, "action", action.String(), "resource", "project:"+w.fin)
}

// testExplain: provider Project Administrators and Account Administrators ask why; others get
// 403, people who cannot see the project 404. The answers agree with the access layer applied
// to the standing the world gave each person, and with a few cells of the matrix written out.
func (w *mxWorld) testExplain(t *testing.T) {
	for _, p := range w.people {
		want := http.StatusForbidden
		if p.providerAdmin() || p.Kind == mxGuestAdmin {
			want = http.StatusOK
		}
		mxCheck(t, p.Column, p.c, p.status(want), "GET", w.explainPath(w.by["cVF"], access.ViewBudget), nil)
	}
	facts := access.Facts{Financial: true, HasClientDecider: true}
	for _, asker := range []*mxPerson{w.by["PA"], w.by["AA"]} {
		for _, p := range w.people {
			if p.Kind == mxOtherAccount {
				// Someone with no standing in the project at all is not explained.
				mxCheck(t, asker.Column, asker.c, http.StatusNotFound, "GET", w.explainPath(p, access.ViewProject), nil)
				continue
			}
			s := p.subject()
			for a := access.Action(0); a < access.ViewAs; a++ {
				var e mxExplanation
				mxMust(t, asker.c, http.StatusOK, "GET", w.explainPath(p, a), nil).JSON(t, &e)
				d := access.Decide(&s, a, &facts)
				if e.Allowed != d.Allowed || e.RuleID != d.Rule.ID || e.Rule == "" {
					t.Errorf("%s asks about %s %s: allowed %v by %s, the access layer says %v by %s", asker.Column, p.Column, a, e.Allowed, e.RuleID, d.Allowed, d.Rule.ID)
				}
			}
		}
	}
	// A few cells of ACCESS-MATRIX.md, written out.
	cells := []struct {
		col    string
		action access.Action
		want   bool
	}{
		{"cVF", access.ViewBudget, true}, {"cVF", access.ViewBurn, false}, {"cVT", access.ViewBudget, false},
		{"cEF", access.ViewInvoices, true}, {"cPA", access.ViewProjectStatus, false}, {"VT", access.ViewProjectStatus, true},
		{"VT", access.ViewTaskTime, false}, {"VTE", access.ViewTaskTime, true}, {"VTE", access.TrackTime, true},
		{"ETE", access.TrackExpenses, true}, {"VF", access.ApproveEntries, true}, {"EF", access.SetBudget, true},
		{"VF", access.SetBudget, false}, {"ET", access.UploadFile, true}, {"cET", access.UploadFile, true},
		{"cVF", access.UploadFile, false}, {"cET", access.SignOffDeliverable, true}, {"ET", access.SignOffDeliverable, false},
		{"cVT", access.ViewTaskSchedule, false}, {"cPA", access.ViewCostRates, false}, {"EF", access.SetProjectStatus, true},
		{"VF", access.SetProjectStatus, false}, {"AA", access.ViewProject, true}, {"AA", access.ViewBudget, false},
		{"nonparticipant", access.ViewProject, false}, {"deactivated", access.ViewProject, false},
		{"VT", access.ViewAllEntries, true}, // Project Lead and above see time entries in their projects
		{"ET", access.ViewAllEntries, false},
	}
	for _, c := range cells {
		var e mxExplanation
		mxMust(t, w.pa, http.StatusOK, "GET", w.explainPath(w.by[c.col], c.action), nil).JSON(t, &e)
		if e.Allowed != c.want {
			t.Errorf("%s %s: allowed %v, the matrix says %v (%s)", c.col, c.action, e.Allowed, c.want, e.Rule)
		}
	}
	var e mxExplanation
	mxMust(t, w.pa, http.StatusOK, "GET", w.explainPath(w.by["deactivated"], access.ViewProject), nil).JSON(t, &e)
	if e.Standing != "deactivated member" {
		t.Errorf("a deactivated member's standing is %q", e.Standing)
	}
	mxMust(t, w.pa, http.StatusUnprocessableEntity, "GET", "/api/v1/access/explain"+mxQuery("user", w.by["VT"].UserID, "action", "view_as", "resource", "project:"+w.fin), nil)
	mxMust(t, w.pa, http.StatusUnprocessableEntity, "GET", "/api/v1/access/explain"+mxQuery("user", w.by["VT"].UserID, "action", "view_budget", "resource", "task:"+w.fin), nil)
}

// viewAsCount counts the view_as entries of the audit log.
func (w *mxWorld) viewAsCount(t *testing.T) int {
	t.Helper()
	return len(w.audit(t, w.admin, "action", "view_as"))
}

// testViewAs: a provider Project Administrator (and the Account Administrator) see exactly what
// the viewed person sees; client administrators and everyone else may not; every use is audited.
func (w *mxWorld) testViewAs(t *testing.T) {
	before := w.viewAsCount(t)
	audited := 0
	routes := []string{"", "/participants", "/status"}
	for _, viewer := range []*mxPerson{w.by["PA"], w.by["AA"]} {
		for _, target := range w.activeParticipants() {
			for _, route := range routes {
				own := target.c.Do("GET", mxProject(w.fin, route), nil)
				as := mxCheck(t, viewer.Column+" as "+target.Column, viewer.c, own.StatusCode, "GET", mxProject(w.fin, route)+mxQuery("view_as", target.UserID), nil)
				audited++
				if !jsonEqual(own.Body, as.Body) {
					t.Errorf("%s viewing %s as %s:\n%s\nthey see themselves:\n%s", viewer.Column, route, target.Column, as.Body, own.Body)
				}
			}
		}
		// A write under view-as is refused (and the use is still recorded).
		mxCheck(t, viewer.Column, viewer.c, http.StatusForbidden, "PUT", mxProject(w.fin, "/status")+mxQuery("view_as", w.by["EF"].UserID),
			map[string]any{"status": "off_track"})
		audited++
		// Someone who does not take part, or no longer may, has no view.
		for _, col := range []string{"nonparticipant", "deactivated", "otheraccount"} {
			mxCheck(t, viewer.Column, viewer.c, http.StatusNotFound, "GET", mxProject(w.fin)+mxQuery("view_as", w.by[col].UserID), nil)
		}
	}
	v := mxGet(t, w.pa, http.StatusOK, mxProject(w.fin)+mxQuery("view_as", w.by["cEF"].UserID))
	audited++
	if _, ok := v["provider"]; ok {
		t.Errorf("the view as a client has the provider part: %v", v)
	}
	for _, p := range w.people {
		if p.providerAdmin() || p.Kind == mxGuestAdmin {
			continue
		}
		mxCheck(t, p.Column, p.c, p.status(http.StatusForbidden), "GET", mxProject(w.fin)+mxQuery("view_as", w.by["VT"].UserID), nil)
	}
	if got := w.viewAsCount(t) - before; got != audited {
		t.Errorf("%d view_as audit entries for %d uses", got, audited)
	}
	es := w.audit(t, w.admin, "action", "view_as", "actor", w.by["PA"].UserID)
	if len(es) == 0 || es[0].ProjectID != w.fin || es[0].Target != w.by["cEF"].Email || !strings.Contains(es[0].Summary, "Pat Tester") {
		t.Errorf("the last view-as entry: %+v", es)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}
