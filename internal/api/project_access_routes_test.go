package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
)

// testGetProject: everyone who takes part (and the guest Account Administrator) sees the
// project, others get 404; the provider part is there exactly for the provider side; the
// money tabs exactly for financial sight, and never in a non-financial project.
func (w *mxWorld) testGetProject(t *testing.T) {
	for _, proj := range []struct {
		id        string
		financial bool
	}{{w.fin, true}, {w.nonfi, false}} {
		for _, p := range w.people {
			t.Run(fmt.Sprintf("%s/financial=%v", p.Column, proj.financial), func(t *testing.T) {
				r := mxCheck(t, p.Column, p.c, p.status(http.StatusOK), "GET", mxProject(proj.id), nil)
				if !p.visible() {
					mxCheck(t, p.Column, p.c, http.StatusNotFound, "GET", mxProject(proj.id, "/participants"), nil)
					if strings.Contains(string(r.Body), "Website") || strings.Contains(string(r.Body), "Intranet") {
						t.Errorf("a 404 names the project: %s", r.Body)
					}
					return
				}
				var v map[string]json.RawMessage
				if err := json.Unmarshal(r.Body, &v); err != nil {
					t.Fatal(err)
				}
				if _, ok := v["provider"]; ok != p.provider() {
					t.Errorf("provider part present %v, want %v: %s", ok, p.provider(), r.Body)
				}
				var tabs []string
				json.Unmarshal(v["tabs"], &tabs)
				want := p.financialSight() && proj.financial
				for _, tab := range []string{"budget", "invoices"} {
					if slices.Contains(tabs, tab) != want {
						t.Errorf("tabs %v: %s present %v, want %v", tabs, tab, !want, want)
					}
				}
				// The Time tab: the access layer's answer for the subject the world made.
				s, f := p.subject(), access.Facts{Financial: proj.financial, HasClientDecider: true}
				wantTime := access.Can(&s, access.ViewAllEntries, &f) || access.Can(&s, access.TrackTime, &f) || access.Can(&s, access.TrackExpenses, &f)
				if slices.Contains(tabs, "time") != wantTime {
					t.Errorf("tabs %v: time present %v, want %v", tabs, !wantTime, wantTime)
				}
				if p.Client && wantTime {
					t.Errorf("a client has the Time tab")
				}
				var side, level string
				json.Unmarshal(v["my_side"], &side)
				json.Unmarshal(v["my_level"], &level)
				if p.participant() && (side != map[bool]string{false: "provider", true: "client"}[p.Client] || level != string(p.Level)) {
					t.Errorf("my_side %q my_level %q, want the participation %v %s", side, level, p.Client, p.Level)
				}
			})
		}
	}
}

// testProjectList: the list holds the projects a person takes part in; asked for the account
// (an API token has no current account), the Account Administrator's holds every project of it,
// and people who are not active members of the account get 404.
func (w *mxWorld) testProjectList(t *testing.T) {
	for _, p := range w.people {
		for _, account := range []string{"", w.acct.Account.ID} {
			want, listed := http.StatusOK, p.participant()
			if account != "" {
				listed = p.visible()
				if p.AcctLevel == "" || p.Kind == mxDeactivated {
					want = http.StatusNotFound
				}
			}
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			r := mxCheck(t, p.Column, p.c, want, "GET", "/api/v1/projects"+mxQuery("limit", "200", "account", account), nil)
			if r.StatusCode != http.StatusOK {
				continue
			}
			r.JSON(t, &page)
			var ids []string
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			for _, proj := range []string{w.fin, w.nonfi} {
				if slices.Contains(ids, proj) != listed {
					t.Errorf("%s (account=%q) lists %v, want %s listed: %v", p.Column, account, ids, proj, listed)
				}
			}
		}
	}
}

// testStatusHistory: project status and its history are provider-only.
func (w *mxWorld) testStatusHistory(t *testing.T) {
	for _, p := range w.people {
		want := http.StatusOK
		if p.Client {
			want = http.StatusForbidden
		}
		mxCheck(t, p.Column, p.c, p.status(want), "GET", mxProject(w.fin, "/status"), nil)
	}
}

// testSetStatus: provider Edit Financials and Project Administrators set the status.
func (w *mxWorld) testSetStatus(t *testing.T) {
	for _, p := range w.people {
		want := http.StatusForbidden
		if p.participant() && !p.Client && (p.Level == domain.PLEditFinancials || p.Level == domain.PLProjectAdmin) {
			want = http.StatusOK
		}
		note := "set by " + p.Column
		mxCheck(t, p.Column, p.c, p.status(want), "PUT", mxProject(w.fin, "/status"), map[string]any{"status": "at_risk", "note": note})
		var hist []struct {
			Note  string `json:"note"`
			SetBy string `json:"set_by"`
		}
		mxMust(t, w.pa, http.StatusOK, "GET", mxProject(w.fin, "/status"), nil).JSON(t, &hist)
		recorded := len(hist) > 0 && hist[0].Note == note && hist[0].SetBy == p.UserID
		if recorded != (want == http.StatusOK && p.visible()) {
			t.Errorf("%s: status recorded %v, want %v (%+v)", p.Column, recorded, !recorded, hist)
		}
	}
	// The provider part shows the last status to the provider side.
	v := mxGet(t, w.by["VT"].c, http.StatusOK, mxProject(w.fin))
	if prov, _ := v["provider"].(map[string]any); prov == nil || prov["status"] != "at_risk" || prov["status_note"] != "set by PA" {
		t.Errorf("provider part after status changes: %v", v["provider"])
	}
}

// projectBody is the full info and settings of the financial project as created.
func (w *mxWorld) projectBody(name string) map[string]any {
	return map[string]any{"name": name, "client_company": "Acme", "financial": true, "start_date": "2026-01-05", "due_date": "2026-06-30"}
}

// testUpdateProject: only a provider Project Administrator edits project info and settings.
func (w *mxWorld) testUpdateProject(t *testing.T) {
	for _, p := range w.people {
		want := http.StatusForbidden
		if p.providerAdmin() {
			want = http.StatusOK
		}
		name := "Website relaunch (" + p.Column + ")"
		mxCheck(t, p.Column, p.c, p.status(want), "PATCH", mxProject(w.fin), w.projectBody(name))
		got := mxGet(t, w.pa, http.StatusOK, mxProject(w.fin))["name"]
		if (got == name) != (want == http.StatusOK && p.visible()) {
			t.Errorf("%s: name is %v after a %d", p.Column, got, want)
		}
	}
	mxMust(t, w.pa, http.StatusOK, "PATCH", mxProject(w.fin), w.projectBody("Website relaunch"))
}

// testArchiveRestore: only a provider Project Administrator archives and restores.
func (w *mxWorld) testArchiveRestore(t *testing.T) {
	for _, p := range w.people {
		want := http.StatusForbidden
		if p.providerAdmin() {
			want = http.StatusOK
		}
		for _, op := range []string{"/archive", "/restore"} {
			mxCheck(t, p.Column, p.c, p.status(want), "POST", mxProject(w.fin, op), nil)
			archived := mxGet(t, w.pa, http.StatusOK, mxProject(w.fin))["archived"]
			if archived != (op == "/archive" && want == http.StatusOK && p.visible()) {
				t.Errorf("%s %s: archived is %v", p.Column, op, archived)
			}
		}
	}
}
