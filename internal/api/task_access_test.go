package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/testutil"
)

// This file replays the second table of ACCESS-MATRIX.md ("Tasks, schedule, Gantt, resources")
// over HTTP in the world of project_access_test.go: a participant in every column of the
// matrix, the guest Account Administrator, a member who does not take part, a deactivated
// member and another account's administrator — plus two Report Viewers (one per side), since
// custom fields depend on the account level (note ²). The table is data below; each subtest
// derives what every person should get from it and checks the answer, the stored state and,
// for what a person may not see, that the JSON keys and HTML sections are absent (not null).

// tkColumns are the matrix's columns in its order.
var tkColumns = []string{"VT", "VTE", "VF", "ET", "ETE", "EF", "PA", "cVT", "cVF", "cET", "cEF", "cPA"}

// tkMatrix is the table. Cells: ✔ allowed, ✘ denied, a = note ² (provider side and account
// level Report Viewer or above), S / M = needs Schedule Hours for Self / for Team, ³ = note ³
// (decided per proposal: see testDecide). "milestone weights" comes from the first table.
var tkMatrix = map[string]string{
	// one cell per column, in the order of tkColumns: VT VTE VF ET ETE EF PA cVT cVF cET cEF cPA
	"see tasks":             "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔",
	"see task schedule":     "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"see custom fields":     "a a a a a a a ✘ ✘ ✘ ✘ ✘",
	"see task time":         "✘ ✔ ✔ ✘ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"see fees":              "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"edit tasks":            "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔",
	"edit fees":             "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"change type to issue":  "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔",
	"post progress":         "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔",
	"sign off deliverable":  "✘ ✘ ✘ ✘ ✘ ✘ ✘ ✘ ✘ ✔ ✔ ✔",
	"see schedule":          "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔",
	"change dates directly": "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"propose dates":         "✘ ✘ ✘ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔",
	"decide date proposal":  "✘ ✘ ✘ ✘ ✘ ³ ³ ✘ ✘ ✘ ³ ³",
	"see gantt":             "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔",
	"see gantt baselines":   "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"see gantt budget use":  "✘ ✘ ✔ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"save baseline":         "✘ ✘ ✘ ✘ ✘ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"see allocations":       "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✘ ✘ ✘ ✘",
	"allocate own hours":    "S S S S S S ✔ ✘ ✘ ✘ ✘ ✘",
	"allocate team hours":   "M M M M M M ✔ ✘ ✘ ✘ ✘ ✘",
	"set milestone weights": "✘ ✘ ✘ ✘ ✘ ✘ ✔ ✘ ✘ ✘ ✘ ✘",
}

// tkColumnOf is the column whose rules apply to a person: their side and level, or View Tasks
// on the provider side for the guest Account Administrator.
func tkColumnOf(p *mxPerson) string {
	if p.Kind == mxGuestAdmin {
		return "VT"
	}
	col := map[domain.ProjectLevel]string{domain.PLViewTasks: "VT", domain.PLViewTimeExpenses: "VTE", domain.PLViewFinancials: "VF",
		domain.PLEditTasks: "ET", domain.PLEditTimeExpenses: "ETE", domain.PLEditFinancials: "EF", domain.PLProjectAdmin: "PA"}[p.Level]
	if p.Client {
		col = "c" + col
	}
	return col
}

// may answers a row of the table for a person (in the financial project, where the toggles of
// the world apply). People who cannot see the project may nothing.
func tkMay(p *mxPerson, row string) bool {
	if !p.visible() {
		return false
	}
	cells, ok := tkMatrix[row]
	if !ok {
		panic("no matrix row " + row)
	}
	i := slices.Index(tkColumns, tkColumnOf(p))
	switch strings.Fields(cells)[i] {
	case "✔":
		return true
	case "✘":
		return false
	case "a":
		return p.AcctLevel != "" && p.AcctLevel.AtLeast(domain.LevelReportViewer)
	case "S":
		return p.participant() && p.has(domain.AccessScheduleSelf)
	case "M":
		return p.participant() && p.has(domain.AccessScheduleTeam)
	}
	panic("row " + row + " needs its own test for column " + tkColumns[i])
}

// tkStatus is the status a person should get: 404 when they cannot see the project, success
// when the table allows it, 403 otherwise.
func tkStatus(p *mxPerson, allowed bool, success int) int {
	switch {
	case !p.visible():
		return http.StatusNotFound
	case allowed:
		return success
	}
	return http.StatusForbidden
}

// Sentinels: values of the reference task that must never reach people who may not see them.
const (
	tkStart    = "2031-07-14" // a Monday
	tkDue      = "2031-07-25"
	tkBudget   = 4242420
	tkFixedFee = 1717170
	tkCustom   = "RISK-SECRET-7"
	tkBaseline = "Plan v1 (provider only)"
	tkWeek     = "2030-03-04" // a Monday
)

var (
	tkScheduleKeys = []string{"schedule", "start_date", "due_date", "estimate_minutes", "depends_on", "milestone_weight"}
	tkFeeKeys      = []string{"fees", "budget", "billable", "fixed_fee"}
	// A task's time (logged hours, estimate vs actual) and the Gantt's progress against budget
	// are not built yet: for now only their absence is checked, for those who may not see them.
	tkTimeKeys   = []string{"time", "logged_minutes", "actual_minutes"}
	tkBudgetKeys = []string{"budget", "budget_used", "budget_progress"}
)

// tkWorld is the matrix world with the tasks, a custom field and a baseline.
type tkWorld struct {
	*mxWorld
	field                   string // the custom field's id
	design, build, handover string // tasks of the financial project (handover is a deliverable)
	otherTask               string // a task of the non-financial project
	foreign                 string // a task of another account's project
	baseline, otherBaseline string
	sessions                map[string]*testutil.Client
	admin, pa, rv           *mxPerson
}

func TestTaskAccessMatrix(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newTkWorld(t, d)
			// Reads of the reference tasks first, then the writes, each checking what it left.
			t.Run("ReadTask", w.testReadTask)
			t.Run("TaskList", w.testTaskList)
			t.Run("TaskPageHTML", w.testTaskPages)
			t.Run("CustomFieldList", w.testCustomFieldList)
			t.Run("ViewAs", w.testViewAsTasks)
			t.Run("CreateTask", w.testCreateTask)
			t.Run("EditTask", w.testEditTask)
			t.Run("ChangeType", w.testChangeType)
			t.Run("Progress", w.testProgress)
			t.Run("SignOff", w.testSignOff)
			t.Run("DeleteTask", w.testDeleteTask)
			t.Run("ScheduleRead", w.testScheduleRead)
			t.Run("DirectDates", w.testDirectDates)
			t.Run("Propose", w.testPropose)
			t.Run("Decide", w.testDecide)
			t.Run("DecideFallback", w.testDecideFallback)
			t.Run("Gantt", w.testGantt)
			t.Run("GanttPageHTML", w.testGanttPage)
			t.Run("SaveBaseline", w.testSaveBaseline)
			t.Run("Allocations", w.testAllocations)
			t.Run("BadInput", w.testTaskBadInput)
		})
	}
}

func newTkWorld(t *testing.T, dialect string) *tkWorld {
	t.Helper()
	w := &tkWorld{mxWorld: newMxWorld(t, dialect), sessions: map[string]*testutil.Client{}}
	w.admin, w.pa = w.by["AA"], w.by["PA"]
	// Two Report Viewers: one on the provider side (sees custom fields) and one a member the
	// provider placed on the client side (does not), both at Edit Tasks, in both projects.
	for _, rv := range []struct {
		col    string
		client bool
	}{{"RV", false}, {"cRV", true}} {
		m := testutil.MustCreateMember(t, w.srv.App, w.acct, domain.LevelReportViewer, "Rae"+rv.col)
		p := &mxPerson{Column: rv.col, Client: rv.client, Level: domain.PLEditTasks, Access: []domain.Access{}, AcctLevel: domain.LevelReportViewer,
			UserID: m.User.ID, MemberID: m.Member.ID, Email: m.Email, Name: "Rae" + rv.col + " Tester", c: w.srv.NewClient(t, m.Token)}
		side := map[bool]string{false: "provider", true: "client"}[rv.client]
		for _, proj := range []string{w.fin, w.nonfi} {
			mxMust(t, w.pa.c, http.StatusCreated, "POST", mxProject(proj, "/participants"),
				map[string]any{"member_id": m.Member.ID, "side": side, "level": "edit_tasks", "access": []string{}})
		}
		w.add(p)
	}
	w.rv = w.by["RV"]
	// Schedule Hours toggles in the financial project: Self and Team in different hands.
	toggles := map[string][]domain.Access{
		"VT": {domain.AccessPost, domain.AccessScheduleSelf},
		"VF": {domain.AccessPost, domain.AccessInvite, domain.AccessScheduleSelf, domain.AccessScheduleTeam},
		"ET": {domain.AccessScheduleTeam},
	}
	var changes []map[string]any
	for col, acc := range toggles {
		w.by[col].Access = acc
		changes = append(changes, map[string]any{"user_id": w.by[col].UserID, "access": mxStrings(acc)})
	}
	w.save(t, w.pa.c, http.StatusOK, w.fin, w.revision(t, w.pa.c, w.fin), changes...)

	var field struct {
		ID string `json:"id"`
	}
	mxMust(t, w.admin.c, http.StatusCreated, "POST", "/api/v1/accounts/"+w.acct.Account.ID+"/custom-fields",
		map[string]any{"name": "Risk code", "kind": "text"}).JSON(t, &field)
	w.field = field.ID

	w.design = w.createTask(t, w.pa.c, w.fin, map[string]any{"title": "Design", "description": "The look", "start_date": tkStart, "due_date": tkDue,
		"estimate_minutes": 777, "budget_minor": tkBudget, "fixed_fee_minor": tkFixedFee, "billable": true, "milestone_weight": 5,
		"assignee_ids": []string{w.by["ET"].UserID, w.by["cET"].UserID}})
	w.build = w.createTask(t, w.pa.c, w.fin, map[string]any{"title": "Build", "start_date": "2031-07-28", "due_date": "2031-08-08", "depends_on": []string{w.design}})
	w.handover = w.createTask(t, w.pa.c, w.fin, map[string]any{"title": "Handover", "kind": "deliverable", "due_date": "2031-08-15", "depends_on": []string{w.build}})
	// Only a provider Report Viewer (or above) sets custom values; the Project Lead who is PA does not see them.
	mxMust(t, w.pa.c, http.StatusForbidden, "PATCH", "/api/v1/tasks/"+w.design, map[string]any{"custom_fields": map[string]string{w.field: "x"}})
	mxMust(t, w.rv.c, http.StatusOK, "PATCH", "/api/v1/tasks/"+w.design, map[string]any{"custom_fields": map[string]string{w.field: tkCustom}})
	w.baseline = w.saveBaseline(t, w.pa.c, w.fin, tkBaseline)

	w.otherTask = w.createTask(t, w.pa.c, w.nonfi, map[string]any{"title": "Intranet task"})
	w.otherBaseline = w.saveBaseline(t, w.pa.c, w.nonfi, "Intranet plan")
	oc := w.by["otheraccount"].c
	var proj struct {
		ID string `json:"id"`
	}
	mxMust(t, oc, http.StatusCreated, "POST", "/api/v1/projects", map[string]any{"account_id": w.other.Account.ID, "name": "Elsewhere project"}).JSON(t, &proj)
	w.foreign = w.createTask(t, oc, proj.ID, map[string]any{"title": "Foreign task"})
	return w
}

func (w *tkWorld) createTask(t *testing.T, c *testutil.Client, proj string, body map[string]any) string {
	t.Helper()
	var out struct {
		Task struct {
			ID string `json:"id"`
		} `json:"task"`
	}
	mxMust(t, c, http.StatusCreated, "POST", mxProject(proj, "/tasks"), body).JSON(t, &out)
	return out.Task.ID
}

func (w *tkWorld) saveBaseline(t *testing.T, c *testutil.Client, proj, name string) string {
	t.Helper()
	var b struct {
		ID string `json:"id"`
	}
	mxMust(t, c, http.StatusCreated, "POST", mxProject(proj, "/baselines"), map[string]any{"name": name}).JSON(t, &b)
	return b.ID
}

// task reads a task's JSON object as c sees it.
func (w *tkWorld) task(t *testing.T, c *testutil.Client, id string) map[string]any {
	t.Helper()
	var d struct {
		Task map[string]any `json:"task"`
	}
	mxMust(t, c, http.StatusOK, "GET", "/api/v1/tasks/"+id, nil).JSON(t, &d)
	return d.Task
}

// tasks lists the financial project's tasks as the provider Project Administrator sees them, by title.
func (w *tkWorld) tasks(t *testing.T, proj string) map[string]map[string]any {
	t.Helper()
	var page struct {
		Items []map[string]any `json:"items"`
	}
	mxMust(t, w.pa.c, http.StatusOK, "GET", mxProject(proj, "/tasks?limit=200"), nil).JSON(t, &page)
	out := map[string]map[string]any{}
	for _, it := range page.Items {
		out[it["title"].(string)] = it
	}
	return out
}

// session signs a person in through POST /api/v1/session and returns a client with the
// session cookie, or nil if they cannot sign in.
func (w *tkWorld) session(t *testing.T, p *mxPerson) *testutil.Client {
	t.Helper()
	if c, ok := w.sessions[p.Column]; ok {
		return c
	}
	c := w.srv.NewClient(t, "")
	r := c.Do("POST", "/api/v1/session", map[string]string{"email": p.Email, "password": testutil.Password})
	if r.StatusCode != http.StatusOK {
		if p.Kind != mxDeactivated {
			t.Fatalf("%s cannot sign in: %d %s", p.Column, r.StatusCode, r.Body)
		}
		c = nil
	}
	w.sessions[p.Column] = c
	return c
}

// tkKeys collects every key of a JSON value, at any depth.
func tkKeys(v any, into map[string]bool) map[string]bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			into[k] = true
			tkKeys(e, into)
		}
	case []any:
		for _, e := range x {
			tkKeys(e, into)
		}
	}
	return into
}

// checkTaskKeys checks one task object: each section's key is there exactly when the person
// may see it, and for the sections they may not see no key of it exists at any depth. For the
// reference task it also checks the values; custom values are checked when withCustom is set
// (the task list leaves custom fields out for everyone: they are on the task itself).
func (w *tkWorld) checkTaskKeys(t *testing.T, p *mxPerson, task map[string]any, reference bool, withCustom ...bool) {
	t.Helper()
	keys := tkKeys(task, map[string]bool{})
	sched, custom, fees := tkMay(p, "see task schedule"), tkMay(p, "see custom fields"), tkMay(p, "see fees")
	if keys["schedule"] != sched {
		t.Errorf("%s: task %v: schedule key present %v, want %v", p.Column, task["title"], keys["schedule"], sched)
	}
	if keys["fees"] != fees {
		t.Errorf("%s: task %v: fees key present %v, want %v", p.Column, task["title"], keys["fees"], fees)
	}
	if !sched {
		for _, k := range tkScheduleKeys {
			if keys[k] {
				t.Errorf("%s: task %v carries the scheduling key %q", p.Column, task["title"], k)
			}
		}
	}
	if !fees {
		for _, k := range tkFeeKeys {
			if keys[k] {
				t.Errorf("%s: task %v carries the fees key %q", p.Column, task["title"], k)
			}
		}
	}
	if !custom && keys["custom_fields"] {
		t.Errorf("%s: task %v carries custom_fields", p.Column, task["title"])
	}
	if !tkMay(p, "see task time") {
		for _, k := range tkTimeKeys {
			if keys[k] {
				t.Errorf("%s: task %v carries the time key %q", p.Column, task["title"], k)
			}
		}
	}
	if !reference {
		return
	}
	withCustom = append(withCustom, true)
	if withCustom[0] && keys["custom_fields"] != custom {
		t.Errorf("%s: reference task: custom_fields present %v, want %v", p.Column, keys["custom_fields"], custom)
	}
	if sched {
		s, _ := task["schedule"].(map[string]any)
		if s["start_date"] != tkStart || s["due_date"] != tkDue || s["estimate_minutes"] != float64(777) {
			t.Errorf("%s: schedule %v", p.Column, s)
		}
	}
	if custom && withCustom[0] {
		if cf, _ := task["custom_fields"].(map[string]any); cf[w.field] != tkCustom {
			t.Errorf("%s: custom fields %v", p.Column, cf)
		}
	}
	if fees {
		f, _ := task["fees"].(map[string]any)
		b, _ := f["budget"].(map[string]any)
		if b["amount_minor"] != float64(tkBudget) || f["billable"] != true {
			t.Errorf("%s: fees %v", p.Column, f)
		}
	}
}

// checkRaw checks a whole answer for the reference task's hidden values.
func (w *tkWorld) checkRaw(t *testing.T, p *mxPerson, what string, body []byte) {
	t.Helper()
	var leaks []string
	if !tkMay(p, "see task schedule") {
		leaks = append(leaks, tkStart, tkDue)
	}
	if !tkMay(p, "see custom fields") {
		leaks = append(leaks, tkCustom, "Risk code")
	}
	if !tkMay(p, "see fees") {
		leaks = append(leaks, fmt.Sprint(tkBudget), fmt.Sprint(tkFixedFee), domain.FormatMinor(tkBudget), domain.FormatMinor(tkFixedFee))
	}
	for _, l := range leaks {
		if strings.Contains(string(body), l) {
			t.Errorf("%s: %s carries %q", p.Column, what, l)
		}
	}
}

// testReadTask: every participant reads a task; the scheduling section only on the provider
// side, custom fields only for provider Report Viewers and above, fees only for VF/EF/PA.
func (w *tkWorld) testReadTask(t *testing.T) {
	for _, p := range w.people {
		for _, id := range []string{w.design, w.build, w.handover} {
			r := mxCheck(t, p.Column, p.c, tkStatus(p, tkMay(p, "see tasks"), http.StatusOK), "GET", "/api/v1/tasks/"+id, nil)
			if r.StatusCode != http.StatusOK {
				if strings.Contains(string(r.Body), "Design") || strings.Contains(string(r.Body), "Build") {
					t.Errorf("%s: a refusal names the task: %s", p.Column, r.Body)
				}
				continue
			}
			var d struct {
				Task     map[string]any `json:"task"`
				Progress []any          `json:"progress"`
				History  []string       `json:"history"`
			}
			r.JSON(t, &d)
			w.checkTaskKeys(t, p, d.Task, id == w.design)
			w.checkRaw(t, p, "GET /api/v1/tasks/{id}", r.Body)
			if d.Progress == nil || d.History == nil {
				t.Errorf("%s: progress or history missing: %s", p.Column, r.Body)
			}
		}
	}
}

// testTaskList: the list has the same sections per item as the task; filtering by due dates is
// provider-only (403 for clients), the other filters are for everyone.
func (w *tkWorld) testTaskList(t *testing.T) {
	for _, p := range w.people {
		r := mxCheck(t, p.Column, p.c, tkStatus(p, tkMay(p, "see tasks"), http.StatusOK), "GET", mxProject(w.fin, "/tasks?limit=200"), nil)
		if r.StatusCode == http.StatusOK {
			var page struct {
				Items []map[string]any `json:"items"`
			}
			r.JSON(t, &page)
			found := false
			for _, it := range page.Items {
				w.checkTaskKeys(t, p, it, it["id"] == w.design, false)
				found = found || it["id"] == w.design
			}
			if !found {
				t.Errorf("%s: the list lacks the reference task", p.Column)
			}
			w.checkRaw(t, p, "the task list", r.Body)
		}
		sched := tkMay(p, "see task schedule")
		r = mxCheck(t, p.Column, p.c, tkStatus(p, sched, http.StatusOK), "GET", mxProject(w.fin, "/tasks"+mxQuery("due_from", "2031-07-20", "due_to", "2031-07-31")), nil)
		if sched && !strings.Contains(string(r.Body), w.design) {
			t.Errorf("%s: due filter lacks the reference task: %s", p.Column, r.Body)
		}
		for _, q := range []string{mxQuery("kind", "deliverable"), mxQuery("assignee", w.by["cET"].UserID)} {
			r = mxCheck(t, p.Column, p.c, tkStatus(p, true, http.StatusOK), "GET", mxProject(w.fin, "/tasks"+q), nil)
			if r.StatusCode != http.StatusOK {
				continue
			}
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			r.JSON(t, &page)
			want := map[bool]string{true: w.handover, false: w.design}[strings.Contains(q, "deliverable")]
			if len(page.Items) != 1 || page.Items[0].ID != want {
				t.Errorf("%s: filter %s: %s", p.Column, q, r.Body)
			}
		}
	}
}

// testTaskPages: the HTML task page and task list, signed in with a session cookie, show the
// same sections as the JSON — and for those who may not see a section, nothing of it.
func (w *tkWorld) testTaskPages(t *testing.T) {
	for _, p := range w.people {
		c := w.session(t, p)
		if c == nil {
			continue // the deactivated member cannot sign in at all
		}
		r := mxCheck(t, p.Column, c, tkStatus(p, true, http.StatusOK), "GET", "/projects/"+w.fin+"/tasks/"+w.design, nil)
		lr := mxCheck(t, p.Column, c, tkStatus(p, true, http.StatusOK), "GET", "/projects/"+w.fin+"/tab/tasks", nil)
		if r.StatusCode != http.StatusOK {
			if strings.Contains(string(r.Body), "Design") || strings.Contains(string(lr.Body), "Design") {
				t.Errorf("%s: a refused page names the task", p.Column)
			}
			continue
		}
		page, list := string(r.Body), string(lr.Body)
		sched, custom, fees := tkMay(p, "see task schedule"), tkMay(p, "see custom fields"), tkMay(p, "see fees")
		for _, chk := range []struct {
			what string
			want bool
			in   string
		}{
			{`id="schedule-section"`, sched, page},
			{`value="` + tkStart + `"`, sched, page},
			{`name="due_date"`, sched, page},
			{`name="estimate_hours"`, sched, page},
			{`name="depends_on"`, sched, page},
			{tkCustom, custom, page},
			{`name="custom.` + w.field + `"`, custom, page},
			{`id="fees-section"`, fees, page},
			{`name="budget"`, fees, page},
			{`name="billable"`, fees, page},
			{domain.FormatMinor(tkBudget), fees, page},
			{tkDue, sched, list},
			{`<th scope="col">Due</th>`, sched, list},
		} {
			if strings.Contains(chk.in, chk.what) != chk.want {
				t.Errorf("%s: page contains %s: %v, want %v", p.Column, chk.what, !chk.want, chk.want)
			}
		}
		w.checkRaw(t, p, "the task page", r.Body)
		w.checkRaw(t, p, "the tasks tab", lr.Body)
	}
}

// testViewAsTasks: a provider Project Administrator viewing the task list as someone gets
// exactly their sections, and cannot write as them.
func (w *tkWorld) testViewAsTasks(t *testing.T) {
	for _, p := range w.people {
		if !p.participant() {
			continue
		}
		r := mxMust(t, w.pa.c, http.StatusOK, "GET", mxProject(w.fin, "/tasks"+mxQuery("limit", "200", "view_as", p.UserID)), nil)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		r.JSON(t, &page)
		for _, it := range page.Items {
			w.checkTaskKeys(t, p, it, it["id"] == w.design, false)
		}
		w.checkRaw(t, p, "the task list viewed as them", r.Body)
		mxCheck(t, "PA as "+p.Column, w.pa.c, http.StatusForbidden, "POST", mxProject(w.fin, "/tasks"+mxQuery("view_as", p.UserID)), map[string]any{"title": "As " + p.Column})
		mxCheck(t, "PA as "+p.Column, w.pa.c, http.StatusForbidden, "POST", mxProject(w.fin, "/date-changes"+mxQuery("view_as", p.UserID)), map[string]any{"due_date": "2026-09-30"})
	}
	if _, ok := w.tasks(t, w.fin)["As cET"]; ok {
		t.Error("a write under view-as was stored")
	}
}

// testCustomFieldList: the account's task fields are listed for those who see custom fields;
// everyone else gets an empty list.
func (w *tkWorld) testCustomFieldList(t *testing.T) {
	for _, p := range w.people {
		r := mxCheck(t, p.Column, p.c, tkStatus(p, true, http.StatusOK), "GET", mxProject(w.fin, "/custom-fields"), nil)
		if r.StatusCode != http.StatusOK {
			continue
		}
		var fs []map[string]any
		r.JSON(t, &fs)
		if (len(fs) > 0) != tkMay(p, "see custom fields") {
			t.Errorf("%s: custom fields %s", p.Column, r.Body)
		}
	}
}

// tkVariant is a task body touching one section, with the rows it needs besides editing.
type tkVariant struct {
	name string
	body func(i int, p *mxPerson) map[string]any
	rows []string
}

func (w *tkWorld) variants() []tkVariant {
	return []tkVariant{
		{"plain", func(i int, p *mxPerson) map[string]any { return map[string]any{"description": "by " + p.Column} }, nil},
		{"schedule", func(i int, p *mxPerson) map[string]any {
			return map[string]any{"due_date": fmt.Sprintf("2031-09-%02d", i+1), "estimate_minutes": 60 + i}
		}, []string{"see task schedule"}},
		{"dependencies", func(i int, p *mxPerson) map[string]any { return map[string]any{"depends_on": []string{w.design}} }, []string{"see task schedule"}},
		{"fees", func(i int, p *mxPerson) map[string]any {
			return map[string]any{"budget_minor": 1000 + i, "fixed_fee_minor": 2000 + i, "billable": i%2 == 0}
		}, []string{"edit fees"}},
		{"custom", func(i int, p *mxPerson) map[string]any {
			return map[string]any{"custom_fields": map[string]string{w.field: "by " + p.Column}}
		}, []string{"see custom fields"}},
		{"milestone weight", func(i int, p *mxPerson) map[string]any { return map[string]any{"milestone_weight": 10 + i} },
			[]string{"set milestone weights"}},
	}
}

func tkAll(p *mxPerson, rows ...string) bool {
	for _, r := range rows {
		if !tkMay(p, r) {
			return false
		}
	}
	return true
}

// testCreateTask: Edit levels create tasks (a client's becomes an Issue); each section of a
// new task can be set only by those who may set it, and a refused create stores nothing.
func (w *tkWorld) testCreateTask(t *testing.T) {
	for i, p := range w.people {
		for _, v := range w.variants() {
			title := "Raised by " + p.Column + " (" + v.name + ")"
			body := v.body(i, p)
			body["title"] = title
			ok := tkAll(p, append([]string{"edit tasks"}, v.rows...)...)
			r := mxCheck(t, p.Column+"/"+v.name, p.c, tkStatus(p, ok, http.StatusCreated), "POST", mxProject(w.fin, "/tasks"), body)
			if r.StatusCode == http.StatusCreated {
				var d struct {
					Task map[string]any `json:"task"`
				}
				r.JSON(t, &d)
				if want := map[bool]string{false: "task", true: "issue"}[p.Client]; d.Task["kind"] != want {
					t.Errorf("%s: created a %v, want %s", p.Column, d.Task["kind"], want)
				}
				w.checkTaskKeys(t, p, d.Task, false)
			}
		}
		// Clients raise issues (or plain tasks); any other type is refused.
		want := tkStatus(p, tkMay(p, "edit tasks"), http.StatusCreated)
		if want == http.StatusCreated && p.Client {
			want = http.StatusUnprocessableEntity
		}
		r := mxCheck(t, p.Column+"/milestone", p.c, want, "POST", mxProject(w.fin, "/tasks"), map[string]any{"title": "Raised by " + p.Column + " (milestone)", "kind": "milestone"})
		if want == http.StatusUnprocessableEntity {
			tkWantField(t, p.Column, r, "kind")
		}
	}
	stored := w.tasks(t, w.fin)
	for i, p := range w.people {
		for _, v := range append(w.variants(), tkVariant{name: "milestone"}) {
			title := "Raised by " + p.Column + " (" + v.name + ")"
			ok := tkAll(p, append([]string{"edit tasks"}, v.rows...)...) && !(v.name == "milestone" && p.Client)
			if _, got := stored[title]; got != ok {
				t.Errorf("%s: task %q stored %v, want %v", p.Column, title, got, ok)
			}
			if !ok || v.body == nil {
				continue
			}
			// What was set is what was sent (read back by someone who sees the section).
			it := stored[title]
			switch v.name {
			case "schedule":
				if s := it["schedule"].(map[string]any); s["due_date"] != fmt.Sprintf("2031-09-%02d", i+1) {
					t.Errorf("%s: stored schedule %v", p.Column, s)
				}
			case "fees":
				if f := it["fees"].(map[string]any); f["budget"].(map[string]any)["amount_minor"] != float64(1000+i) || f["billable"] != (i%2 == 0) {
					t.Errorf("%s: stored fees %v", p.Column, f)
				}
			case "custom":
				if cf := w.task(t, w.admin.c, it["id"].(string))["custom_fields"].(map[string]any); cf[w.field] != "by "+p.Column {
					t.Errorf("%s: stored custom fields %v", p.Column, cf)
				}
			}
		}
	}
}

// testEditTask: the same sections on an existing task; a refused edit changes nothing.
func (w *tkWorld) testEditTask(t *testing.T) {
	target := w.createTask(t, w.pa.c, w.fin, map[string]any{"title": "Edit target", "kind": "milestone", "due_date": "2031-10-01", "budget_minor": 1})
	for i, p := range w.people {
		for _, v := range w.variants() {
			before := w.task(t, w.admin.c, target)
			beforeFees := w.task(t, w.pa.c, target)["fees"]
			ok := tkAll(p, append([]string{"edit tasks"}, v.rows...)...)
			mxCheck(t, p.Column+"/"+v.name, p.c, tkStatus(p, ok, http.StatusOK), "PATCH", "/api/v1/tasks/"+target, v.body(i, p))
			after := w.task(t, w.admin.c, target)
			afterFees := w.task(t, w.pa.c, target)["fees"].(map[string]any)
			var changed bool
			switch v.name {
			case "plain":
				changed = after["description"] == "by "+p.Column
			case "schedule":
				changed = after["schedule"].(map[string]any)["due_date"] == fmt.Sprintf("2031-09-%02d", i+1)
			case "dependencies":
				deps := after["schedule"].(map[string]any)["depends_on"].([]any)
				changed = len(deps) == 1
				if changed { // undo for the next person
					mxMust(t, w.pa.c, http.StatusOK, "PATCH", "/api/v1/tasks/"+target, map[string]any{"depends_on": []string{}})
				}
			case "fees":
				changed = afterFees["budget"].(map[string]any)["amount_minor"] == float64(1000+i)
			case "custom":
				cf, _ := after["custom_fields"].(map[string]any)
				changed = cf[w.field] == "by "+p.Column
			case "milestone weight":
				changed = after["schedule"].(map[string]any)["milestone_weight"] == float64(10+i)
			}
			if changed != ok {
				t.Errorf("%s/%s: changed %v, want %v", p.Column, v.name, changed, ok)
			}
			if !ok {
				after["updated_at"], before["updated_at"] = nil, nil
				if a, b := fmt.Sprint(after), fmt.Sprint(before); a != b {
					t.Errorf("%s/%s: a refused edit changed the task:\n%s\n%s", p.Column, v.name, b, a)
				}
				if fmt.Sprint(afterFees) != fmt.Sprint(beforeFees) {
					t.Errorf("%s/%s: a refused edit changed the fees", p.Column, v.name)
				}
			}
		}
	}
}

// testChangeType: Edit levels change a task's type; clients only to Issue (and not back).
func (w *tkWorld) testChangeType(t *testing.T) {
	for _, p := range w.people {
		id := w.createTask(t, w.pa.c, w.fin, map[string]any{"title": "Type of " + p.Column})
		edit := tkMay(p, "change type to issue")
		want := tkStatus(p, edit, http.StatusOK)
		if want == http.StatusOK && p.Client {
			want = http.StatusUnprocessableEntity
		}
		r := mxCheck(t, p.Column, p.c, want, "PATCH", "/api/v1/tasks/"+id, map[string]any{"kind": "milestone"})
		if want == http.StatusUnprocessableEntity {
			tkWantField(t, p.Column, r, "kind")
		}
		if k := w.task(t, w.pa.c, id)["kind"]; (k == "milestone") != (want == http.StatusOK) {
			t.Errorf("%s: kind %v after a %d", p.Column, k, want)
		}
		mxCheck(t, p.Column, p.c, tkStatus(p, edit, http.StatusOK), "PATCH", "/api/v1/tasks/"+id, map[string]any{"kind": "issue"})
		if k := w.task(t, w.pa.c, id)["kind"]; (k == "issue") != edit {
			t.Errorf("%s: kind %v, want issue %v", p.Column, k, edit)
		}
		if edit && p.Client {
			r := mxCheck(t, p.Column, p.c, http.StatusUnprocessableEntity, "PATCH", "/api/v1/tasks/"+id, map[string]any{"kind": "task"})
			tkWantField(t, p.Column, r, "kind")
			if k := w.task(t, w.pa.c, id)["kind"]; k != "issue" {
				t.Errorf("%s: kind %v after a refused change", p.Column, k)
			}
		}
	}
}

// testProgress: Edit levels (clients too) post progress; everyone who sees the task sees the history.
func (w *tkWorld) testProgress(t *testing.T) {
	var want []string
	for i, p := range w.people {
		ok := tkMay(p, "post progress")
		comment := "progress by " + p.Column
		mxCheck(t, p.Column, p.c, tkStatus(p, ok, http.StatusCreated), "POST", "/api/v1/tasks/"+w.design+"/progress", map[string]any{"percent": i, "comment": comment})
		if ok {
			want = append(want, comment)
		}
	}
	r := mxCheck(t, "PA", w.pa.c, http.StatusUnprocessableEntity, "POST", "/api/v1/tasks/"+w.design+"/progress", map[string]any{"percent": 101})
	tkWantField(t, "PA", r, "percent")
	for _, p := range w.people {
		if !p.visible() {
			continue
		}
		var d struct {
			Task     map[string]any `json:"task"`
			Progress []struct {
				Comment string `json:"comment"`
			} `json:"progress"`
		}
		mxMust(t, p.c, http.StatusOK, "GET", "/api/v1/tasks/"+w.design, nil).JSON(t, &d)
		var got []string
		for _, pr := range d.Progress {
			got = append(got, pr.Comment)
		}
		slices.Reverse(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s sees progress %v, want %v", p.Column, got, want)
		}
	}
}

// testSignOff: only client Edit levels sign off a deliverable or send it back (with a comment).
func (w *tkWorld) testSignOff(t *testing.T) {
	last := ""
	for _, p := range w.people {
		ok := tkMay(p, "sign off deliverable")
		mxCheck(t, p.Column, p.c, tkStatus(p, ok, http.StatusOK), "POST", "/api/v1/tasks/"+w.handover+"/signoff", map[string]any{"approve": true, "comment": "fine by " + p.Column})
		if ok {
			last = p.UserID
			r := mxCheck(t, p.Column, p.c, http.StatusUnprocessableEntity, "POST", "/api/v1/tasks/"+w.handover+"/signoff", map[string]any{"approve": false})
			tkWantField(t, p.Column, r, "comment")
			r = mxCheck(t, p.Column, p.c, http.StatusUnprocessableEntity, "POST", "/api/v1/tasks/"+w.design+"/signoff", map[string]any{"approve": true})
			tkWantField(t, p.Column, r, "kind")
		}
		so, _ := w.task(t, w.pa.c, w.handover)["signoff"].(map[string]any)
		if last == "" && so != nil || last != "" && (so == nil || so["by_id"] != last || so["state"] != "approved") {
			t.Errorf("%s: sign-off is %v, want by %q", p.Column, so, last)
		}
	}
	if last == "" {
		t.Fatal("nobody signed off")
	}
	cet := w.by["cET"]
	mxMust(t, cet.c, http.StatusOK, "POST", "/api/v1/tasks/"+w.handover+"/signoff", map[string]any{"approve": false, "comment": "the logo is blurry"})
	if so := w.task(t, w.by["cVT"].c, w.handover)["signoff"].(map[string]any); so["state"] != "sent_back" || so["comment"] != "the logo is blurry" {
		t.Errorf("sent back: %v", so)
	}
}

// testDeleteTask: Edit levels delete tasks; clients only those they created.
func (w *tkWorld) testDeleteTask(t *testing.T) {
	for _, p := range w.people {
		id := w.createTask(t, w.pa.c, w.fin, map[string]any{"title": "Delete me " + p.Column})
		ok := tkMay(p, "edit tasks") && !p.Client
		mxCheck(t, p.Column, p.c, tkStatus(p, ok, http.StatusNoContent), "DELETE", "/api/v1/tasks/"+id, nil)
		if _, still := w.tasks(t, w.fin)["Delete me "+p.Column]; still == ok {
			t.Errorf("%s: task still there %v after a delete allowed %v", p.Column, still, ok)
		}
		if p.Client && tkMay(p, "edit tasks") {
			own := w.createTask(t, p.c, w.fin, map[string]any{"title": "Own of " + p.Column})
			mxCheck(t, p.Column, p.c, http.StatusNoContent, "DELETE", "/api/v1/tasks/"+own, nil)
		}
	}
}

// testScheduleRead: every participant sees the project's dates, proposals and history.
func (w *tkWorld) testScheduleRead(t *testing.T) {
	for _, p := range w.people {
		r := mxCheck(t, p.Column, p.c, tkStatus(p, tkMay(p, "see schedule"), http.StatusOK), "GET", mxProject(w.fin, "/schedule"), nil)
		if r.StatusCode != http.StatusOK {
			continue
		}
		var s map[string]json.RawMessage
		r.JSON(t, &s)
		for _, k := range []string{"start_date", "due_date", "proposals", "changes", "approval_required"} {
			if _, ok := s[k]; !ok {
				t.Errorf("%s: schedule lacks %s: %s", p.Column, k, r.Body)
			}
		}
		// The Schedule tab: the direct-change form, the proposal form (for those who may
		// propose but not change) and the resources section follow the same rows.
		c := w.session(t, p)
		page := string(mxCheck(t, p.Column, c, http.StatusOK, "GET", "/projects/"+w.fin+"/tab/schedule", nil).Body)
		direct, propose := tkMay(p, "change dates directly"), tkMay(p, "propose dates")
		for _, chk := range []struct {
			what string
			want bool
		}{
			{`action="/projects/` + w.fin + `/schedule"`, direct},
			{`id="propose-form"`, propose && !direct},
			{`id="resources"`, tkMay(p, "see allocations")},
		} {
			if strings.Contains(page, chk.what) != chk.want {
				t.Errorf("%s: schedule tab contains %s: %v, want %v", p.Column, chk.what, !chk.want, chk.want)
			}
		}
	}
}

type tkSchedule struct {
	StartDate        string `json:"start_date"`
	DueDate          string `json:"due_date"`
	ApprovalRequired bool   `json:"approval_required"`
	Proposals        []struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		CanDecide bool   `json:"can_decide"`
		BySide    string `json:"by_side"`
	} `json:"proposals"`
	Changes []struct {
		DueDate    string `json:"due_date"`
		ProposalID string `json:"proposal_id"`
	} `json:"changes"`
}

func (w *tkWorld) schedule(t *testing.T, c *testutil.Client, proj string) tkSchedule {
	t.Helper()
	var s tkSchedule
	mxMust(t, c, http.StatusOK, "GET", mxProject(proj, "/schedule"), nil).JSON(t, &s)
	return s
}

func (w *tkWorld) setApproval(t *testing.T, proj string, on bool) {
	t.Helper()
	s := w.schedule(t, w.pa.c, proj)
	body := w.projectBody(map[string]string{w.fin: "Website relaunch", w.nonfi: "Intranet"}[proj])
	body["financial"] = proj == w.fin
	body["start_date"], body["due_date"], body["schedule_approval"] = s.StartDate, s.DueDate, on
	mxMust(t, w.pa.c, http.StatusOK, "PATCH", mxProject(proj), body)
}

// testDirectDates: provider EF and PA change the dates directly — only while approval is not
// required; then nobody does, not through the project's info either.
func (w *tkWorld) testDirectDates(t *testing.T) {
	if w.schedule(t, w.pa.c, w.fin).ApprovalRequired {
		t.Fatal("the project starts with approval required")
	}
	for i, p := range w.people {
		due := fmt.Sprintf("2026-07-%02d", i+1)
		ok := tkMay(p, "change dates directly")
		mxCheck(t, p.Column, p.c, tkStatus(p, ok, http.StatusOK), "PUT", mxProject(w.fin, "/schedule"), map[string]any{"start_date": "2026-01-05", "due_date": due})
		if got := w.schedule(t, w.pa.c, w.fin).DueDate; (got == due) != ok {
			t.Errorf("%s: due %s after a change allowed %v", p.Column, got, ok)
		}
	}
	r := mxCheck(t, "PA", w.pa.c, http.StatusUnprocessableEntity, "PUT", mxProject(w.fin, "/schedule"), map[string]any{"start_date": "2026-03-10", "due_date": "2026-03-01"})
	tkWantField(t, "PA", r, "due_date")
	// Changing the dates with the project's info is a direct change too: it is in the history.
	changes := len(w.schedule(t, w.pa.c, w.fin).Changes)
	info := w.projectBody("Website relaunch")
	info["due_date"] = "2026-07-31"
	mxMust(t, w.pa.c, http.StatusOK, "PATCH", mxProject(w.fin), info)
	if s := w.schedule(t, w.pa.c, w.fin); s.DueDate != "2026-07-31" || len(s.Changes) != changes+1 || s.Changes[0].DueDate != "2026-07-31" {
		t.Errorf("a date change through the project's info is not in the history: %+v", s)
	}
	w.setApproval(t, w.fin, true)
	if s := w.schedule(t, w.pa.c, w.fin); len(s.Changes) != changes+1 {
		t.Errorf("turning approval on (same dates) added a change: %+v", s.Changes)
	}
	before := w.schedule(t, w.pa.c, w.fin)
	for _, p := range w.people {
		mxCheck(t, p.Column, p.c, tkStatus(p, false, http.StatusOK), "PUT", mxProject(w.fin, "/schedule"), map[string]any{"due_date": "2026-12-31"})
	}
	// Editing the project's info is no way around the approval.
	body := w.projectBody("Website relaunch")
	body["start_date"], body["due_date"], body["schedule_approval"] = before.StartDate, "2026-12-31", true
	mxCheck(t, "PA", w.pa.c, http.StatusForbidden, "PATCH", mxProject(w.fin), body)
	if after := w.schedule(t, w.pa.c, w.fin); after.DueDate != before.DueDate || len(after.Changes) != len(before.Changes) {
		t.Errorf("dates changed while approval is required: %+v → %+v", before, after)
	}
}

// testPropose: provider Edit levels and every client propose new dates, one open at a time;
// only the proposer withdraws.
func (w *tkWorld) testPropose(t *testing.T) {
	for i, p := range w.people {
		ok := tkMay(p, "propose dates")
		r := mxCheck(t, p.Column, p.c, tkStatus(p, ok, http.StatusCreated), "POST", mxProject(w.fin, "/date-changes"),
			map[string]any{"due_date": fmt.Sprintf("2026-08-%02d", i+1), "comment": "from " + p.Column})
		if r.StatusCode != http.StatusCreated {
			continue
		}
		var prop struct {
			ID        string `json:"id"`
			CanDecide bool   `json:"can_decide"`
			BySide    string `json:"by_side"`
		}
		r.JSON(t, &prop)
		if prop.CanDecide || prop.BySide != map[bool]string{false: "provider", true: "client"}[p.Client] {
			t.Errorf("%s: own proposal %+v", p.Column, prop)
		}
		// One open proposal at a time; nobody but the proposer withdraws it.
		mxCheck(t, p.Column, w.by["cPA"].c, http.StatusConflict, "POST", mxProject(w.fin, "/date-changes"), map[string]any{"due_date": "2026-09-30"})
		for _, q := range w.people {
			if q != p {
				mxCheck(t, q.Column, q.c, tkStatus(q, false, 0), "POST", "/api/v1/date-changes/"+prop.ID+"/withdraw", nil)
			}
		}
		mxCheck(t, p.Column, p.c, http.StatusNoContent, "POST", "/api/v1/date-changes/"+prop.ID+"/withdraw", nil)
		if s := w.schedule(t, w.pa.c, w.fin); s.Proposals[0].ID != prop.ID || s.Proposals[0].Status != "cancelled" {
			t.Errorf("%s: after withdrawing: %+v", p.Column, s.Proposals[0])
		}
	}
}

// deciders is who may decide a proposal by the proposer (note ³), given whether a client
// decider (cEF or cPA) takes part.
func tkDeciders(proposer *mxPerson, people []*mxPerson, clientDecider bool) map[string]bool {
	out := map[string]bool{}
	for _, q := range people {
		if !q.participant() || q == proposer {
			continue
		}
		col := tkColumnOf(q)
		switch {
		case proposer.Client:
			out[q.Column] = col == "EF" || col == "PA"
		case clientDecider:
			out[q.Column] = col == "cEF" || col == "cPA"
		default:
			out[q.Column] = col == "PA"
		}
	}
	return out
}

// decideRound lets proposer propose in proj, checks can_decide for everyone, lets every
// non-decider try (403/404, still open), then the first decider decides and the next gets 409.
func (w *tkWorld) decideRound(t *testing.T, proj string, proposer *mxPerson, deciders map[string]bool, visible func(*mxPerson) bool, approve bool, due string) {
	t.Helper()
	var prop struct {
		ID string `json:"id"`
	}
	mxMust(t, proposer.c, http.StatusCreated, "POST", mxProject(proj, "/date-changes"), map[string]any{"start_date": "2026-01-05", "due_date": due}).JSON(t, &prop)
	var first, second *mxPerson
	for _, q := range w.people {
		if !visible(q) {
			mxCheck(t, q.Column, q.c, http.StatusNotFound, "POST", "/api/v1/date-changes/"+prop.ID+"/approve", map[string]any{})
			continue
		}
		s := w.schedule(t, q.c, proj)
		if s.Proposals[0].ID != prop.ID || s.Proposals[0].CanDecide != deciders[q.Column] {
			t.Errorf("proposal by %s: %s sees %+v, want can_decide %v", proposer.Column, q.Column, s.Proposals[0], deciders[q.Column])
		}
		if deciders[q.Column] {
			if first == nil {
				first = q
			} else if second == nil {
				second = q
			}
			continue
		}
		for _, op := range []string{"approve", "decline"} {
			mxCheck(t, "proposal by "+proposer.Column+": "+q.Column, q.c, http.StatusForbidden, "POST", "/api/v1/date-changes/"+prop.ID+"/"+op, map[string]any{})
		}
	}
	if s := w.schedule(t, w.pa.c, proj); s.Proposals[0].Status != "open" {
		t.Fatalf("proposal by %s: a refused decision closed it: %+v", proposer.Column, s.Proposals[0])
	}
	if first == nil {
		mxMust(t, proposer.c, http.StatusNoContent, "POST", "/api/v1/date-changes/"+prop.ID+"/withdraw", nil)
		return
	}
	op := map[bool]string{true: "approve", false: "decline"}[approve]
	mxCheck(t, "proposal by "+proposer.Column+": "+first.Column, first.c, http.StatusOK, "POST", "/api/v1/date-changes/"+prop.ID+"/"+op, map[string]any{"comment": "ok"})
	if second == nil {
		second = first
	}
	// Overtaken by the decision: a stale approve or decline answers 409.
	mxCheck(t, "stale: "+second.Column, second.c, http.StatusConflict, "POST", "/api/v1/date-changes/"+prop.ID+"/approve", map[string]any{})
	s := w.schedule(t, w.pa.c, proj)
	wantStatus := map[bool]string{true: "approved", false: "declined"}[approve]
	if s.Proposals[0].Status != wantStatus || (s.DueDate == due) != approve {
		t.Errorf("proposal by %s decided by %s: %+v, due %s", proposer.Column, first.Column, s.Proposals[0], s.DueDate)
	}
	if approve && (len(s.Changes) == 0 || s.Changes[0].ProposalID != prop.ID) {
		t.Errorf("an approved proposal is not in the history: %+v", s.Changes)
	}
}

// testDecide: the side that did not propose decides (note ³) while clients with Edit
// Financials and Project Administrator take part; nobody decides their own proposal.
func (w *tkWorld) testDecide(t *testing.T) {
	for i, col := range []string{"ET", "ETE", "EF", "PA", "cVT", "cET", "cEF", "cPA"} {
		p := w.by[col]
		w.decideRound(t, w.fin, p, tkDeciders(p, w.people, true), (*mxPerson).visible, i%2 == 0, fmt.Sprintf("2026-10-%02d", i+1))
	}
}

// testDecideFallback: in the non-financial project the clients with Edit Financials and
// Project Administrator are lowered to Edit Tasks; a provider proposal then falls to the
// provider Project Administrator — checked when deciding, not when proposing — who cannot
// decide their own. A client's proposal still goes to provider EF/PA.
func (w *tkWorld) testDecideFallback(t *testing.T) {
	proj, et, pa := w.nonfi, w.by["ET"], w.pa
	visible := (*mxPerson).visible
	setClients := func(level string) {
		var changes []map[string]any
		for _, col := range []string{"cEF", "cPA"} {
			changes = append(changes, map[string]any{"user_id": w.by[col].UserID, "level": level})
		}
		w.save(t, pa.c, http.StatusOK, proj, w.revision(t, pa.c, proj), changes...)
	}
	// Proposed while clients could decide, decided after they no longer can: the fallback applies.
	var prop struct {
		ID string `json:"id"`
	}
	mxMust(t, et.c, http.StatusCreated, "POST", mxProject(proj, "/date-changes"), map[string]any{"due_date": "2026-11-30"}).JSON(t, &prop)
	mxCheck(t, "PA before the fallback", pa.c, http.StatusForbidden, "POST", "/api/v1/date-changes/"+prop.ID+"/approve", map[string]any{})
	setClients("edit_tasks")
	mxCheck(t, "cEF lowered", w.by["cEF"].c, http.StatusForbidden, "POST", "/api/v1/date-changes/"+prop.ID+"/approve", map[string]any{})
	mxCheck(t, "PA fallback", pa.c, http.StatusOK, "POST", "/api/v1/date-changes/"+prop.ID+"/approve", map[string]any{})
	if s := w.schedule(t, pa.c, proj); s.DueDate != "2026-11-30" {
		t.Errorf("fallback approval did not apply: %+v", s)
	}
	noClientDecider := func(p *mxPerson) map[string]bool { return tkDeciders(p, w.people, false) }
	w.decideRound(t, proj, et, noClientDecider(et), visible, true, "2026-12-01")
	w.decideRound(t, proj, w.by["EF"], noClientDecider(w.by["EF"]), visible, false, "2026-12-02")
	// Nobody decides their own: the provider Project Administrator's proposal has no decider now.
	w.decideRound(t, proj, pa, map[string]bool{}, visible, true, "2026-12-03")
	w.decideRound(t, proj, w.by["cET"], noClientDecider(w.by["cET"]), visible, true, "2026-12-04")
	// Proposed during the fallback, decided after a client decider is back: the client decides.
	mxMust(t, et.c, http.StatusCreated, "POST", mxProject(proj, "/date-changes"), map[string]any{"due_date": "2026-12-05"}).JSON(t, &prop)
	setClients("project_admin")
	mxCheck(t, "PA after the fallback", pa.c, http.StatusForbidden, "POST", "/api/v1/date-changes/"+prop.ID+"/approve", map[string]any{})
	mxCheck(t, "cPA back", w.by["cPA"].c, http.StatusOK, "POST", "/api/v1/date-changes/"+prop.ID+"/decline", map[string]any{})
}

// testGantt: everyone sees the chart (tasks, milestones, dependencies); baselines — the list
// and the comparison — only the provider side, and nothing of them reaches a client.
func (w *tkWorld) testGantt(t *testing.T) {
	for _, p := range w.people {
		for _, q := range []string{"", "?baseline=" + w.baseline} {
			r := mxCheck(t, p.Column, p.c, tkStatus(p, tkMay(p, "see gantt"), http.StatusOK), "GET", mxProject(w.fin, "/gantt"+q), nil)
			if r.StatusCode != http.StatusOK {
				continue
			}
			var g map[string]any
			r.JSON(t, &g)
			keys := tkKeys(g, map[string]bool{})
			see := tkMay(p, "see gantt baselines")
			if keys["baselines"] != see || (q != "" && keys["baseline"] != see) {
				t.Errorf("%s %s: baselines %v, baseline %v, want %v", p.Column, q, keys["baselines"], keys["baseline"], see)
			}
			if !see && (strings.Contains(string(r.Body), "baseline") || strings.Contains(string(r.Body), tkBaseline)) {
				t.Errorf("%s: the chart carries baselines: %s", p.Column, r.Body)
			}
			if !tkMay(p, "see gantt budget use") {
				for _, k := range tkBudgetKeys {
					if keys[k] {
						t.Errorf("%s: the chart carries %q", p.Column, k)
					}
				}
			}
			ids, deps := map[string]bool{}, 0
			for _, it := range g["tasks"].([]any) {
				ids[it.(map[string]any)["id"].(string)] = true
			}
			for _, d := range g["dependencies"].([]any) {
				if d.(map[string]any)["to"] == w.handover {
					deps++
				}
			}
			if !ids[w.design] || !ids[w.handover] || deps != 1 {
				t.Errorf("%s: chart lacks tasks or dependencies: %s", p.Column, r.Body)
			}
		}
	}
	// Another project's baseline is not this project's.
	mxCheck(t, "PA", w.pa.c, http.StatusNotFound, "GET", mxProject(w.fin, "/gantt?baseline="+w.otherBaseline), nil)
}

// testGanttPage: the SVG page, signed in: the baseline picker and comparison only for the
// provider side, the save form for EF and PA.
func (w *tkWorld) testGanttPage(t *testing.T) {
	for _, p := range w.people {
		c := w.session(t, p)
		if c == nil {
			continue
		}
		r := mxCheck(t, p.Column, c, tkStatus(p, true, http.StatusOK), "GET", "/projects/"+w.fin+"/tab/gantt?baseline="+w.baseline, nil)
		if r.StatusCode != http.StatusOK {
			continue
		}
		page := string(r.Body)
		see, save := tkMay(p, "see gantt baselines"), tkMay(p, "save baseline")
		if strings.Contains(page, "Compare with baseline") != see || strings.Contains(page, tkBaseline) != see {
			t.Errorf("%s: baseline picker shown %v, want %v", p.Column, !see, see)
		}
		if !see && strings.Contains(page, w.baseline) {
			t.Errorf("%s: the page echoes the baseline's id", p.Column)
		}
		if strings.Contains(page, "Save baseline") != save {
			t.Errorf("%s: save form shown %v, want %v", p.Column, !save, save)
		}
		if !tkMay(p, "see gantt budget use") && strings.Contains(page, "of budget") {
			t.Errorf("%s: the chart shows progress against budget", p.Column)
		}
		if !strings.Contains(page, "<svg") || !strings.Contains(page, "Handover") {
			t.Errorf("%s: no chart", p.Column)
		}
	}
}

// testSaveBaseline: provider EF and PA save baselines.
func (w *tkWorld) testSaveBaseline(t *testing.T) {
	for _, p := range w.people {
		mxCheck(t, p.Column, p.c, tkStatus(p, tkMay(p, "save baseline"), http.StatusCreated), "POST", mxProject(w.fin, "/baselines"), map[string]any{"name": "By " + p.Column})
	}
	var g struct {
		Baselines []struct {
			Name string `json:"name"`
		} `json:"baselines"`
	}
	mxMust(t, w.pa.c, http.StatusOK, "GET", mxProject(w.fin, "/gantt"), nil).JSON(t, &g)
	names := map[string]bool{}
	for _, b := range g.Baselines {
		names[b.Name] = true
	}
	for _, p := range w.people {
		if names["By "+p.Column] != tkMay(p, "save baseline") {
			t.Errorf("%s: baseline stored %v", p.Column, names["By "+p.Column])
		}
	}
}

// testAllocations: the provider side sees the planned hours; own hours need Schedule Hours
// for Self, others' Schedule Hours for Team; only provider people are planned.
func (w *tkWorld) testAllocations(t *testing.T) {
	team := w.by["ETE"]
	read := func() map[string]float64 {
		var as []struct {
			UserID  string  `json:"user_id"`
			Minutes float64 `json:"minutes"`
		}
		mxMust(t, w.pa.c, http.StatusOK, "GET", mxProject(w.fin, "/allocations"+mxQuery("from", tkWeek, "to", tkWeek)), nil).JSON(t, &as)
		out := map[string]float64{}
		for _, a := range as {
			out[a.UserID] = a.Minutes
		}
		return out
	}
	for i, p := range w.people {
		mxCheck(t, p.Column, p.c, tkStatus(p, tkMay(p, "see allocations"), http.StatusOK), "GET", mxProject(w.fin, "/allocations"), nil)
		own := tkMay(p, "allocate own hours")
		mxCheck(t, p.Column+"/own", p.c, tkStatus(p, own, http.StatusNoContent), "PUT", mxProject(w.fin, "/allocations"),
			map[string]any{"user_id": p.UserID, "week": tkWeek, "minutes": 60 + i})
		if got := read()[p.UserID]; (got == float64(60+i)) != own {
			t.Errorf("%s: own allocation %v after a change allowed %v", p.Column, got, own)
		}
		other := tkMay(p, "allocate team hours")
		if p == team {
			continue
		}
		mxCheck(t, p.Column+"/team", p.c, tkStatus(p, other, http.StatusNoContent), "PUT", mxProject(w.fin, "/allocations"),
			map[string]any{"user_id": team.UserID, "week": tkWeek, "minutes": 600 + i})
		if got := read()[team.UserID]; (got == float64(600+i)) != other {
			t.Errorf("%s: team allocation %v after a change allowed %v", p.Column, got, other)
		}
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"user_id": w.by["cET"].UserID, "week": tkWeek, "minutes": 60}, "user_id"},
		{map[string]any{"user_id": w.by["nonparticipant"].UserID, "week": tkWeek, "minutes": 60}, "user_id"},
		{map[string]any{"user_id": team.UserID, "week": "2030-03-05", "minutes": 60}, "week"},
		{map[string]any{"user_id": team.UserID, "week": tkWeek, "minutes": -1}, "minutes"},
	} {
		before := read()
		r := mxCheck(t, "PA", w.pa.c, http.StatusUnprocessableEntity, "PUT", mxProject(w.fin, "/allocations"), c.body)
		tkWantField(t, "PA", r, c.field)
		if after := read(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a refused allocation changed %v → %v", before, after)
		}
	}
}

// testTaskBadInput: a dependency cycle, due before start, an assignee outside the project and
// another project's (or account's) task as parent or dependency: 422 naming the field, and
// nothing stored — neither a new task nor any part of a change.
func (w *tkWorld) testTaskBadInput(t *testing.T) {
	pa := w.pa.c
	a := w.createTask(t, pa, w.fin, map[string]any{"title": "Cycle A", "start_date": "2031-03-02", "due_date": "2031-03-06"})
	b := w.createTask(t, pa, w.fin, map[string]any{"title": "Cycle B", "depends_on": []string{a}, "parent_id": a})
	c := w.createTask(t, pa, w.fin, map[string]any{"title": "Cycle C", "depends_on": []string{b}})
	snapshot := func() string {
		var g struct {
			Tasks        []any `json:"tasks"`
			Dependencies []any `json:"dependencies"`
		}
		mxMust(t, pa, http.StatusOK, "GET", mxProject(w.fin, "/gantt"), nil).JSON(t, &g)
		var ts []string
		for _, id := range []string{a, b, c} {
			task := w.task(t, pa, id)
			delete(task, "updated_at")
			ts = append(ts, fmt.Sprint(task))
		}
		return fmt.Sprint(len(g.Tasks), len(g.Dependencies), ts, len(w.tasks(t, w.fin)))
	}
	before := snapshot()
	// A deactivated member's participation is inert, but the store still lists it, so assigning
	// them is accepted today (reported, not asserted here).
	outsiders := map[string]string{"non-participant": w.by["nonparticipant"].UserID, "other account": w.by["otheraccount"].UserID,
		"removed": w.tim.UserID}
	type badCase struct {
		name, method, path string
		body               map[string]any
		field              string
	}
	cases := []badCase{
		{"cycle A→B→C→A", "PATCH", "/api/v1/tasks/" + a, map[string]any{"title": "Cycle A renamed", "depends_on": []string{c}}, "depends_on"},
		{"self dependency", "PATCH", "/api/v1/tasks/" + a, map[string]any{"depends_on": []string{a}}, "depends_on"},
		{"parent cycle", "PATCH", "/api/v1/tasks/" + a, map[string]any{"parent_id": b}, "parent_id"},
		{"own parent", "PATCH", "/api/v1/tasks/" + a, map[string]any{"parent_id": a}, "parent_id"},
		{"due before start (create)", "POST", mxProject(w.fin, "/tasks"), map[string]any{"title": "Bad dates", "start_date": "2031-03-10", "due_date": "2031-03-01"}, "due_date"},
		{"due before start (edit)", "PATCH", "/api/v1/tasks/" + a, map[string]any{"title": "Renamed", "start_date": "2031-03-10", "due_date": "2031-03-01"}, "due_date"},
		{"due before the stored start", "PATCH", "/api/v1/tasks/" + a, map[string]any{"due_date": "2031-03-01"}, "due_date"},
		{"bad date", "POST", mxProject(w.fin, "/tasks"), map[string]any{"title": "Bad date", "due_date": "2031-02-30"}, "due_date"},
		{"other project's task as parent (create)", "POST", mxProject(w.fin, "/tasks"), map[string]any{"title": "Bad parent", "parent_id": w.otherTask}, "parent_id"},
		{"other project's task as parent (edit)", "PATCH", "/api/v1/tasks/" + a, map[string]any{"title": "Renamed", "parent_id": w.otherTask}, "parent_id"},
		{"other project's task as dependency (create)", "POST", mxProject(w.fin, "/tasks"), map[string]any{"title": "Bad dep", "depends_on": []string{w.otherTask}}, "depends_on"},
		{"other project's task as dependency (edit)", "PATCH", "/api/v1/tasks/" + b, map[string]any{"depends_on": []string{a, w.otherTask}}, "depends_on"},
		{"other account's task as parent", "PATCH", "/api/v1/tasks/" + a, map[string]any{"parent_id": w.foreign}, "parent_id"},
		{"other account's task as dependency", "POST", mxProject(w.fin, "/tasks"), map[string]any{"title": "Bad dep", "depends_on": []string{w.foreign}}, "depends_on"},
		{"unknown task as dependency", "PATCH", "/api/v1/tasks/" + a, map[string]any{"depends_on": []string{"no-such-task"}}, "depends_on"},
	}
	for name, id := range outsiders {
		cases = append(cases,
			badCase{"assignee " + name + " (create)", "POST", mxProject(w.fin, "/tasks"), map[string]any{"title": "Bad assignee", "assignee_ids": []string{w.by["ET"].UserID, id}}, "assignees"},
			badCase{"assignee " + name + " (edit)", "PATCH", "/api/v1/tasks/" + a, map[string]any{"title": "Renamed", "assignee_ids": []string{id}}, "assignees"})
	}
	for _, bc := range cases {
		r := mxCheck(t, bc.name, pa, http.StatusUnprocessableEntity, bc.method, bc.path, bc.body)
		if bc.field != "" {
			tkWantField(t, bc.name, r, bc.field)
		} else if len(tkFieldsOf(r)) == 0 {
			t.Errorf("%s: no field named: %s", bc.name, r.Body)
		}
		if after := snapshot(); after != before {
			t.Errorf("%s: something was stored:\n%s\n%s", bc.name, before, after)
			before = after // report each case on its own
		}
	}
	// The cycle check is not fooled by the order of the chain: closing it from the middle fails too.
	r := mxCheck(t, "cycle B→C", pa, http.StatusUnprocessableEntity, "PATCH", "/api/v1/tasks/"+b, map[string]any{"depends_on": []string{c}})
	tkWantField(t, "cycle B→C", r, "depends_on")
	if after := snapshot(); after != before {
		t.Errorf("cycle B→C: something was stored")
	}
}

func tkFieldsOf(r *testutil.Response) []string {
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	json.Unmarshal(r.Body, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// tkWantField checks that a 422 names the field.
func tkWantField(t *testing.T, who string, r *testutil.Response, field string) {
	t.Helper()
	if r.StatusCode != http.StatusUnprocessableEntity {
		return
	}
	if fs := tkFieldsOf(r); !slices.Contains(fs, field) {
		t.Errorf("%s: the 422 names %v, want %q: %s", who, fs, field, r.Body)
	}
}
