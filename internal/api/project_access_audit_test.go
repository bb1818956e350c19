package api_test

import (
	"encoding/csv"
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/testutil"
)

// mxAuditEntry is one entry of the audit log as the API sends it.
type mxAuditEntry struct {
	ID        string `json:"id"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	Action    string `json:"action"`
	ProjectID string `json:"project_id"`
	Target    string `json:"target"`
	Summary   string `json:"summary"`
	Before    string `json:"before"`
	After     string `json:"after"`
}

// audit reads the whole filtered audit log of the account, newest first, page by page.
func (w *mxWorld) audit(t *testing.T, c *testutil.Client, filter ...string) []mxAuditEntry {
	t.Helper()
	var out []mxAuditEntry
	cursor := ""
	for {
		q := append([]string{"limit", "200", "cursor", cursor}, filter...)
		var page struct {
			Items      []mxAuditEntry `json:"items"`
			NextCursor string         `json:"next_cursor"`
		}
		mxMust(t, c, http.StatusOK, "GET", "/api/v1/accounts/"+w.acct.Account.ID+"/audit"+mxQuery(q...), nil).JSON(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

// state decodes an audit entry's before or after.
func mxState(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("audit state %q: %v", s, err)
	}
	return m
}

// testAudit: every permission change, invitation, acceptance, removal, side move and view-as
// made above is in the log with actor, action, before and after; only the Account
// Administrator reads it; the action filter and the CSV export work.
func (w *mxWorld) testAudit(t *testing.T) {
	for _, p := range w.people {
		want := http.StatusForbidden
		switch {
		case p.Kind == mxGuestAdmin:
			want = http.StatusOK
		case p.AcctLevel == "" || p.Kind == mxDeactivated:
			want = http.StatusNotFound // clients, another account's people, a deactivated member
		}
		for _, path := range []string{"/audit", "/audit.csv"} {
			mxCheck(t, p.Column, p.c, want, "GET", "/api/v1/accounts/"+w.acct.Account.ID+path, nil)
		}
	}
	all := w.audit(t, w.admin, "project", w.fin)
	pat := w.by["PA"]
	find := func(action, target, actorID string) *mxAuditEntry {
		for i := range all {
			e := &all[i]
			if e.Action == action && e.Target == target && e.ActorID == actorID && e.ProjectID == w.fin {
				return e
			}
		}
		t.Errorf("no %s entry for %s by %s", action, target, actorID)
		return nil
	}
	vt, cvt := w.by["VT"], w.by["cVT"]
	if e := find("participant.add", vt.Email, pat.UserID); e != nil {
		if after := mxState(t, e.After); after["side"] != "provider" || e.Before != "" || e.ActorName != "Pat Tester" {
			t.Errorf("add entry: %+v", e)
		}
	}
	if e := find("participant.invite", cvt.Email, pat.UserID); e != nil {
		if after := mxState(t, e.After); after["side"] != "client" || after["email"] != cvt.Email {
			t.Errorf("invite entry: %+v", e)
		}
	}
	if e := find("participant.accept", cvt.Email, cvt.UserID); e != nil {
		if after := mxState(t, e.After); after["side"] != "client" || after["user_id"] != cvt.UserID {
			t.Errorf("accept entry: %+v", e)
		}
	}
	if e := find("participant.level", vt.Email, pat.UserID); e != nil {
		before, after := mxState(t, e.Before), mxState(t, e.After)
		if before["level"] != "edit_financials" || after["level"] != "view_tasks" || after["hidden"] != true {
			t.Errorf("level entry: before %v after %v", before, after)
		}
	}
	if e := find("participant.access", w.by["ET"].Email, pat.UserID); e != nil {
		if before, after := mxState(t, e.Before), mxState(t, e.After); cmp.Equal(before["access"], after["access"]) {
			t.Errorf("access entry without an access change: %v → %v", before, after)
		}
	}
	if e := find("participant.move", w.tim.Email, pat.UserID); e != nil {
		before, after := mxState(t, e.Before), mxState(t, e.After)
		if before["side"] != "provider" || after["side"] != "client" || after["level"] != "edit_tasks" {
			t.Errorf("move entry: before %v after %v", before, after)
		}
	}
	if e := find("participant.remove", w.tim.Email, pat.UserID); e != nil {
		if before := mxState(t, e.Before); before["side"] != "client" || e.After != "" {
			t.Errorf("remove entry: %+v", e)
		}
	}
	// Every person's level and access as the permissions page set them, with before and after;
	// every client's invitation and acceptance.
	for _, p := range w.people {
		if !p.participant() || p.Column == "PA" {
			continue
		}
		found := false
		for _, e := range all {
			if e.Target != p.Email || e.ActorID != pat.UserID || (e.Action != "participant.level" && e.Action != "participant.access") {
				continue
			}
			before, after := mxState(t, e.Before), mxState(t, e.After)
			found = found || (before["user_id"] == p.UserID && after["level"] == string(p.Level) && cmp.Equal(after["access"], anySlice(p.Access)))
		}
		if !found {
			t.Errorf("no permission change of %s (%s) to %s %v in the audit log", p.Column, p.Email, p.Level, p.Access)
		}
		if p.Client {
			find("participant.invite", p.Email, pat.UserID)
			find("participant.accept", p.Email, p.UserID)
		}
	}
	find("participant.team_lead", cvt.Email, w.by["cPA"].UserID)
	find("view_as", w.by["cEF"].Email, pat.UserID)
	find("view_as", vt.Email, w.acct.Admin.User.ID)

	// The action filter is a prefix.
	parts := w.audit(t, w.admin, "action", "participant.")
	kinds := map[string]bool{}
	for _, e := range parts {
		if !strings.HasPrefix(e.Action, "participant.") {
			t.Errorf("action=participant. returned %s", e.Action)
		}
		kinds[e.Action] = true
	}
	for _, k := range []string{"participant.add", "participant.invite", "participant.accept", "participant.level", "participant.access", "participant.move", "participant.remove", "participant.team_lead"} {
		if !kinds[k] {
			t.Errorf("action=participant. has no %s", k)
		}
	}

	// The CSV export: a header row and the same entries.
	r := mxMust(t, w.admin, http.StatusOK, "GET", "/api/v1/accounts/"+w.acct.Account.ID+"/audit.csv"+mxQuery("action", "participant."), nil)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "text/csv" {
		t.Errorf("audit.csv content type %q", r.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatalf("audit.csv: %v\n%s", err, r.Body)
	}
	if len(rows) == 0 || !cmp.Equal(rows[0], []string{"at", "actor", "action", "project_id", "target", "summary", "before", "after"}) {
		t.Fatalf("audit.csv header: %v", rows[:min(1, len(rows))])
	}
	if len(rows)-1 != len(parts) {
		t.Errorf("audit.csv has %d entries, the API %d", len(rows)-1, len(parts))
	}
	moved := false
	for _, row := range rows[1:] {
		if !strings.HasPrefix(row[2], "participant.") {
			t.Errorf("filtered audit.csv has %v", row)
		}
		moved = moved || (row[2] == "participant.move" && row[4] == w.tim.Email && row[1] == "Pat Tester" && row[6] != "" && row[7] != "")
	}
	if !moved {
		t.Errorf("audit.csv lacks the side move of %s", w.tim.Email)
	}
}

// testPermissionTable: members read the table; only the Account Administrator changes it; an
// invalid table changes nothing; a valid one changes which levels the permissions page accepts.
func (w *mxWorld) testPermissionTable(t *testing.T) {
	path := "/api/v1/accounts/" + w.acct.Account.ID + "/permission-table"
	for _, p := range w.people {
		want := http.StatusOK
		if p.AcctLevel == "" || p.Kind == mxDeactivated {
			want = http.StatusNotFound
		}
		mxCheck(t, p.Column, p.c, want, "GET", path, nil)
	}
	type table struct {
		Allowed  map[string][]string                  `json:"allowed"`
		Defaults map[string]map[string]map[string]any `json:"defaults"`
	}
	read := func() table {
		var tb table
		mxMust(t, w.admin, http.StatusOK, "GET", path, nil).JSON(t, &tb)
		for _, ls := range tb.Allowed {
			slices.Sort(ls) // a set: the order is not part of the answer
		}
		return tb
	}
	orig := read()
	mxCheck(t, "PA", w.by["PA"].c, http.StatusForbidden, "PUT", path, orig)

	// An invalid default: a Time & Expenses level on the client side.
	bad := read()
	bad.Defaults["collaborator"]["client"]["level"] = "edit_time_expenses"
	r := mxCheck(t, "AA", w.admin, http.StatusUnprocessableEntity, "PUT", path, bad)
	if !strings.Contains(string(r.Body), `"defaults.collaborator.client.level"`) {
		t.Errorf("the 422 does not name the field:\n%s", r.Body)
	}
	// Unknown account levels and sides are not stored as if they meant something.
	bad = read()
	bad.Allowed["overlord"] = []string{"project_admin"}
	mxCheck(t, "AA", w.admin, http.StatusUnprocessableEntity, "PUT", path, bad)
	bad = read()
	bad.Allowed["collaborator"] = append(bad.Allowed["collaborator"], "edit_tasks")
	mxCheck(t, "AA", w.admin, http.StatusUnprocessableEntity, "PUT", path, bad)
	bad = read()
	bad.Defaults["collaborator"]["vendor"] = map[string]any{"level": "edit_tasks", "access": []string{}}
	mxCheck(t, "AA", w.admin, http.StatusUnprocessableEntity, "PUT", path, bad)
	if diff := cmp.Diff(orig, read()); diff != "" {
		t.Errorf("refused tables changed the table (-before +after):\n%s", diff)
	}

	// Today a Project Lead may hold View Tasks …
	val := w.by["VTE"]
	w.save(t, w.pa, http.StatusOK, w.fin, w.revision(t, w.pa, w.fin), map[string]any{"user_id": val.UserID, "level": "view_tasks", "access": []string{}})
	w.save(t, w.pa, http.StatusOK, w.fin, w.revision(t, w.pa, w.fin), map[string]any{"user_id": val.UserID, "level": string(val.Level), "access": mxStrings(val.Access)})
	// … until the table says otherwise.
	changed := read()
	var kept []string
	for _, l := range changed.Allowed["project_lead"] {
		if l != "view_tasks" {
			kept = append(kept, l)
		}
	}
	changed.Allowed["project_lead"] = kept
	mxMust(t, w.admin, http.StatusOK, "PUT", path, changed)
	rev := w.revision(t, w.pa, w.fin)
	r = w.save(t, w.pa, http.StatusUnprocessableEntity, w.fin, rev, map[string]any{"user_id": val.UserID, "level": "view_tasks", "access": []string{}})
	if !strings.Contains(string(r.Body), `"changes[0].level"`) {
		t.Errorf("the 422 does not name the level:\n%s", r.Body)
	}
	if got := w.revision(t, w.pa, w.fin); got != rev {
		t.Errorf("a refused save changed the revision %d → %d", rev, got)
	}
	es := w.audit(t, w.admin, "action", "settings.permission_table")
	leadMay := func(state string) []any {
		allowed, _ := mxState(t, state)["Allowed"].(map[string]any)
		l, _ := allowed["project_lead"].([]any)
		return l
	}
	if len(es) != 1 || es[0].ActorID != w.acct.Admin.User.ID {
		t.Errorf("permission table audit: %+v", es)
	} else if b, a := leadMay(es[0].Before), leadMay(es[0].After); len(b) != len(a)+1 {
		t.Errorf("permission table audit: project_lead before %v, after %v", b, a)
	}
	mxMust(t, w.admin, http.StatusOK, "PUT", path, orig)
	if diff := cmp.Diff(orig, read()); diff != "" {
		t.Errorf("restoring the table (-want +got):\n%s", diff)
	}
}

// testBadInput: unknown fields (mass assignment), over-long names, dates out of order, a level
// that may not create financial projects, and malformed JSON, on the project routes.
func (w *mxWorld) testBadInput(t *testing.T) {
	pa, etta := w.by["PA"], w.by["ET"]
	projects := func() int {
		var page struct {
			Items []any `json:"items"`
		}
		mxMust(t, pa.c, http.StatusOK, "GET", "/api/v1/projects?limit=200", nil).JSON(t, &page)
		return len(page.Items)
	}
	before, proj := projects(), mxGet(t, pa.c, http.StatusOK, mxProject(w.fin))
	long := strings.Repeat("n", 201)
	create := func(kv ...any) map[string]any {
		m := map[string]any{"account_id": w.acct.Account.ID, "name": "Side project"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	update := func(kv ...any) map[string]any {
		m := w.projectBody("Website relaunch")
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name   string
		c      *testutil.Client
		method string
		path   string
		body   any
		status int
		field  string
	}{
		{"create with created_by", pa.c, "POST", "/api/v1/projects", create("created_by", etta.UserID), 422, "created_by"},
		{"create with revision", pa.c, "POST", "/api/v1/projects", create("revision", 7), 422, "revision"},
		{"create with a long name", pa.c, "POST", "/api/v1/projects", create("name", long), 422, "name"},
		{"create due before start", pa.c, "POST", "/api/v1/projects", create("start_date", "2026-05-01", "due_date", "2026-04-30"), 422, "due_date"},
		{"create with a bad date", pa.c, "POST", "/api/v1/projects", create("start_date", "2026-02-30"), 422, "start_date"},
		{"Project Creator creates a financial project", etta.c, "POST", "/api/v1/projects", create("financial", true), 403, ""},
		{"create malformed", pa.c, "POST", "/api/v1/projects", `{"name": "x",`, 400, ""},
		{"update with account_id", pa.c, "PATCH", mxProject(w.fin), update("account_id", w.other.Account.ID), 422, "account_id"},
		{"update with revision", pa.c, "PATCH", mxProject(w.fin), update("revision", 1), 422, "revision"},
		{"update with created_by", pa.c, "PATCH", mxProject(w.fin), update("created_by", etta.UserID), 422, "created_by"},
		{"update with archived", pa.c, "PATCH", mxProject(w.fin), update("archived", true), 422, "archived"},
		{"update with a long name", pa.c, "PATCH", mxProject(w.fin), update("name", long), 422, "name"},
		{"update due before start", pa.c, "PATCH", mxProject(w.fin), update("due_date", "2025-12-31"), 422, "due_date"},
		{"update malformed", pa.c, "PATCH", mxProject(w.fin), `{"name": `, 400, ""},
		{"status unknown", pa.c, "PUT", mxProject(w.fin, "/status"), map[string]any{"status": "fine"}, 422, "status"},
		{"status malformed", pa.c, "PUT", mxProject(w.fin, "/status"), `[`, 400, ""},
		{"invite with a level field it does not have", pa.c, "POST", mxProject(w.fin, "/participants"),
			map[string]any{"email": testutil.UniqueEmail("x"), "side": "client", "account_level": "account_admin"}, 422, "account_level"},
		{"save with a field it does not have", pa.c, "PATCH", mxProject(w.fin, "/participants"),
			map[string]any{"revision": 1, "changes": []map[string]any{{"user_id": etta.UserID, "account_level": "account_admin"}}}, 422, "changes[0].account_level"},
		{"save malformed", pa.c, "PATCH", mxProject(w.fin, "/participants"), `{"revision": 1, "changes": [}`, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.c.Do(c.method, c.path, c.body)
			if r.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, c.status, r.Body)
			}
			if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/problem+json" {
				t.Errorf("content type %q", r.Header.Get("Content-Type"))
			}
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Errorf("the problem does not name %s:\n%s", c.field, r.Body)
			}
		})
	}
	if got := projects(); got != before {
		t.Errorf("refused creations made projects: %d → %d", before, got)
	}
	if diff := cmp.Diff(proj, mxGet(t, pa.c, http.StatusOK, mxProject(w.fin))); diff != "" {
		t.Errorf("refused updates changed the project (-before +after):\n%s", diff)
	}
	// A Project Creator does create non-financial projects (and administers them).
	var made map[string]any
	mxMust(t, etta.c, http.StatusCreated, "POST", "/api/v1/projects", create()).JSON(t, &made)
	if made["financial"] != false || made["my_level"] != "project_admin" {
		t.Errorf("a Project Creator's project: %v", made)
	}
}

func anySlice[T ~string](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}
