package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/testutil"
)

type taskResp struct {
	Task struct {
		ID       string         `json:"id"`
		Kind     string         `json:"kind"`
		Schedule map[string]any `json:"schedule"`
		Fees     map[string]any `json:"fees"`
	} `json:"task"`
}

func TestTasksByAudience(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newProjectWorld(t, d)
			admin := w.srv.NewClient(t, w.acct.Admin.Token)
			base := "/api/v1/projects/" + w.projectID
			var a, b taskResp
			admin.Must(201, "POST", base+"/tasks", map[string]any{"title": "Design", "start_date": "2026-12-01", "due_date": "2026-12-10",
				"budget_minor": 500000, "billable": true, "assignee_ids": []string{w.lead.User.ID}}).JSON(t, &a)
			admin.Must(201, "POST", base+"/tasks", map[string]any{"title": "Build", "depends_on": []string{a.Task.ID}}).JSON(t, &b)
			if a.Task.Schedule == nil || a.Task.Fees == nil {
				t.Fatalf("provider admin lacks sections: %+v", a)
			}
			// The client's JSON has no scheduling, fees or custom-field keys at all.
			r := w.client.Must(200, "GET", "/api/v1/tasks/"+a.Task.ID, nil)
			for _, leak := range []string{"schedule", "fees", "custom_fields", "start_date", "budget", "billable", "2026-12-01"} {
				if strings.Contains(string(r.Body), leak) {
					t.Fatalf("client task JSON carries %q:\n%s", leak, r.Body)
				}
			}
			if r := w.client.Must(200, "GET", base+"/tasks", nil); strings.Contains(string(r.Body), "schedule") || strings.Contains(string(r.Body), "billable") {
				t.Fatalf("client task list leaks: %s", r.Body)
			}
			// Clients may not set what they may not see; what they raise is an issue.
			w.client.Must(403, "POST", base+"/tasks", map[string]any{"title": "Sneaky", "due_date": "2026-12-01"})
			var c taskResp
			w.client.Must(201, "POST", base+"/tasks", map[string]any{"title": "The logo is blurry"}).JSON(t, &c)
			if c.Task.Kind != "issue" {
				t.Fatalf("a client's new task is a %q, want issue", c.Task.Kind)
			}
			w.client.Must(422, "PATCH", "/api/v1/tasks/"+a.Task.ID, map[string]any{"kind": "milestone"})
			w.client.Must(200, "PATCH", "/api/v1/tasks/"+a.Task.ID, map[string]any{"kind": "issue"})
			// Bad input: a cycle, due before start, an outsider as assignee, another project's task.
			for name, body := range map[string]map[string]any{
				"cycle":            {"depends_on": []string{b.Task.ID}},
				"due before start": {"start_date": "2026-12-10", "due_date": "2026-12-01"},
				"outside assignee": {"assignee_ids": []string{w.outsider.Admin.User.ID}},
				"self parent":      {"parent_id": a.Task.ID},
			} {
				if r := admin.Do("PATCH", "/api/v1/tasks/"+a.Task.ID, body); r.StatusCode != 422 {
					t.Errorf("%s: status %d, want 422: %s", name, r.StatusCode, r.Body)
				}
			}
			var again taskResp
			admin.Must(200, "GET", "/api/v1/tasks/"+a.Task.ID, nil).JSON(t, &again)
			if deps := again.Task.Schedule["depends_on"].([]any); len(deps) != 0 || again.Task.Schedule["due_date"] != "2026-12-10" {
				t.Fatalf("a refused change left traces: %+v", again.Task.Schedule)
			}
			w.srv.NewClient(t, w.outsider.Admin.Token).Must(404, "GET", "/api/v1/tasks/"+a.Task.ID, nil)
			// A provider person hidden from clients is not among a task's assignees for them.
			var people participantsResp
			admin.Must(200, "GET", base+"/participants", nil).JSON(t, &people)
			admin.Must(200, "PATCH", base+"/participants", map[string]any{"revision": people.Revision,
				"changes": []map[string]any{{"user_id": w.lead.User.ID, "hidden": true}}})
			for _, path := range []string{"/api/v1/tasks/" + a.Task.ID, base + "/tasks"} {
				if r := w.client.Must(200, "GET", path, nil); strings.Contains(string(r.Body), w.lead.User.ID) {
					t.Fatalf("%s names a hidden provider person to the client: %s", path, r.Body)
				}
			}
			if r := admin.Must(200, "GET", "/api/v1/tasks/"+a.Task.ID, nil); !strings.Contains(string(r.Body), w.lead.User.ID) {
				t.Fatal("the provider lost sight of the assignee")
			}
		})
	}
}

func TestDateProposals(t *testing.T) {
	w := newProjectWorld(t, "sqlite")
	admin := w.srv.NewClient(t, w.acct.Admin.Token)
	lead := w.srv.NewClient(t, w.lead.Token)
	base := "/api/v1/projects/" + w.projectID
	var p struct {
		ID        string `json:"id"`
		CanDecide bool   `json:"can_decide"`
	}
	// A provider proposal is decided by the client (Edit Financials here), not by the proposer.
	lead.Must(201, "POST", base+"/date-changes", map[string]any{"start_date": "2027-01-04", "due_date": "2027-04-30", "comment": "Holidays"}).JSON(t, &p)
	lead.Must(403, "POST", "/api/v1/date-changes/"+p.ID+"/approve", map[string]any{})
	admin.Must(403, "POST", "/api/v1/date-changes/"+p.ID+"/approve", map[string]any{}) // a client can decide, so no fallback
	admin.Must(409, "POST", base+"/date-changes", map[string]any{"due_date": "2027-05-31"})
	w.client.Must(200, "POST", "/api/v1/date-changes/"+p.ID+"/approve", map[string]any{"comment": "fine"})
	w.client.Must(409, "POST", "/api/v1/date-changes/"+p.ID+"/decline", map[string]any{})
	var s struct {
		StartDate string `json:"start_date"`
		DueDate   string `json:"due_date"`
		Changes   []any  `json:"changes"`
	}
	w.client.Must(200, "GET", base+"/schedule", nil).JSON(t, &s)
	if s.StartDate != "2027-01-04" || s.DueDate != "2027-04-30" || len(s.Changes) != 1 {
		t.Fatalf("after approval: %+v", s)
	}
	// A client's proposal is decided by the provider (Edit Financials or PA).
	w.client.Must(201, "POST", base+"/date-changes", map[string]any{"due_date": "2027-06-30"}).JSON(t, &p)
	w.client.Must(403, "POST", "/api/v1/date-changes/"+p.ID+"/approve", map[string]any{})
	admin.Must(200, "POST", "/api/v1/date-changes/"+p.ID+"/decline", map[string]any{"comment": "no"})
	// With no client able to decide, a provider Project Administrator decides a provider proposal.
	var people participantsResp
	admin.Must(200, "GET", base+"/participants", nil).JSON(t, &people)
	admin.Must(200, "PATCH", base+"/participants", map[string]any{"revision": people.Revision,
		"changes": []map[string]any{{"user_id": w.clientID, "level": "edit_tasks"}}})
	lead.Must(201, "POST", base+"/date-changes", map[string]any{"due_date": "2027-07-31"}).JSON(t, &p)
	w.client.Must(403, "POST", "/api/v1/date-changes/"+p.ID+"/approve", map[string]any{})
	admin.Must(http.StatusOK, "POST", "/api/v1/date-changes/"+p.ID+"/approve", map[string]any{})
	// Direct edits only while approval is not required.
	admin.Must(200, "PUT", base+"/schedule", map[string]any{"due_date": "2027-08-31"})
	w.client.Must(403, "PUT", base+"/schedule", map[string]any{"due_date": "2027-09-30"})
}

func TestGanttByAudience(t *testing.T) {
	w := newProjectWorld(t, "sqlite")
	admin := w.srv.NewClient(t, w.acct.Admin.Token)
	base := "/api/v1/projects/" + w.projectID
	var a, b taskResp
	admin.Must(201, "POST", base+"/tasks", map[string]any{"title": "Design", "start_date": "2026-12-01", "due_date": "2026-12-10"}).JSON(t, &a)
	admin.Must(201, "POST", base+"/tasks", map[string]any{"title": "Launch", "kind": "milestone", "due_date": "2026-12-20", "depends_on": []string{a.Task.ID}}).JSON(t, &b)
	admin.Must(201, "POST", base+"/baselines", map[string]any{"name": "Plan v1"})
	admin.Must(200, "PATCH", "/api/v1/tasks/"+a.Task.ID, map[string]any{"due_date": "2026-12-15"})
	var g struct {
		Tasks []struct {
			ID       string         `json:"id"`
			DueDate  string         `json:"due_date"`
			Baseline map[string]any `json:"baseline"`
		} `json:"tasks"`
		Dependencies []map[string]string `json:"dependencies"`
		Baselines    []struct {
			ID string `json:"id"`
		} `json:"baselines"`
	}
	admin.Must(200, "GET", base+"/gantt", nil).JSON(t, &g)
	if len(g.Tasks) != 2 || len(g.Dependencies) != 1 || len(g.Baselines) != 1 {
		t.Fatalf("provider gantt: %+v", g)
	}
	admin.Must(200, "GET", base+"/gantt?baseline="+g.Baselines[0].ID, nil).JSON(t, &g)
	if g.Tasks[0].Baseline == nil || g.Tasks[0].Baseline["due_date"] != "2026-12-10" || g.Tasks[0].DueDate != "2026-12-15" {
		t.Fatalf("baseline comparison: %+v", g.Tasks[0])
	}
	// The client gets the same chart — tasks, milestones, dependencies — without baselines.
	r := w.client.Must(200, "GET", base+"/gantt?baseline="+g.Baselines[0].ID, nil)
	if strings.Contains(string(r.Body), "baseline") || strings.Contains(string(r.Body), "Plan v1") {
		t.Fatalf("the client's chart carries baselines: %s", r.Body)
	}
	r.JSON(t, &g)
	if len(g.Tasks) != 2 || len(g.Dependencies) != 1 {
		t.Fatalf("client gantt: %s", r.Body)
	}
	w.client.Must(403, "POST", base+"/baselines", map[string]any{"name": "mine"})
	w.srv.NewClient(t, w.outsider.Admin.Token).Must(404, "GET", base+"/gantt", nil)
}
