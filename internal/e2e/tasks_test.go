package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// taskWorld is one financial project of Northwind Studio (the provider) for Harbor (the client),
// with approval of schedule changes required:
//   - Ada, Northwind's administrator, who created the project (so its Project Administrator);
//   - Pat, a Northwind Project Lead on the provider side at Edit Tasks;
//   - Hank, a Northwind Collaborator on the provider side at Edit Tasks, hidden from clients;
//   - Kim and Lee, members of Harbor's own account, on the client side at Edit Financials and
//     Edit Tasks.
//
// Everyone may post.
type taskWorld struct {
	srv                 *testutil.Server
	northwind           testutil.AccountFixture
	ada, pat, hank      testutil.Person
	kim, lee            testutil.Person
	project             *domain.Project
	projStart, projDue  string
	tasks               map[string]string // title → id
	adaAPI, patAPI      *testutil.Client
	kimAPI, leeAPI      *testutil.Client
	statusIDs, statuses []string // the account's task statuses, in order (ids and names)
}

func newTaskWorld(t *testing.T) *taskWorld {
	t.Helper()
	ctx := t.Context()
	srv := testutil.StartServer(t, "sqlite")
	northwind := testutil.MustCreateAccount(t, srv.App, "Northwind Studio")
	harbor := testutil.MustCreateAccount(t, srv.App, "Harbor Outfitters")
	w := &taskWorld{srv: srv, northwind: northwind, ada: northwind.Admin,
		pat:       testutil.MustCreateMember(t, srv.App, northwind, domain.LevelProjectLead, "Pat"),
		hank:      testutil.MustCreateMember(t, srv.App, northwind, domain.LevelCollaborator, "Hank"),
		kim:       testutil.MustCreateMember(t, srv.App, harbor, domain.LevelCollaborator, "Kim"),
		lee:       testutil.MustCreateMember(t, srv.App, harbor, domain.LevelCollaborator, "Lee"),
		projStart: "2026-11-02", projDue: "2027-01-29", tasks: map[string]string{}}
	proj, err := srv.App.CreateProject(ctx, testutil.MustActor(t, srv.App, w.ada.User.ID, northwind.Account.ID), app.ProjectInput{
		Name: "Harbor Website", ClientCompany: "Harbor Outfitters", Financial: true, ScheduleApproval: true,
		StartDate: w.projStart, DueDate: w.projDue})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	w.project = proj
	for _, p := range []struct {
		who    testutil.Person
		side   domain.Side
		level  domain.ProjectLevel
		hidden bool
	}{
		{w.pat, domain.SideProvider, domain.PLEditTasks, false},
		{w.hank, domain.SideProvider, domain.PLEditTasks, true},
		{w.kim, domain.SideClient, domain.PLEditFinancials, false},
		{w.lee, domain.SideClient, domain.PLEditTasks, false},
	} {
		if err := srv.Store.AddParticipant(ctx, &domain.Participant{ProjectID: proj.ID, AccountID: northwind.Account.ID, UserID: p.who.User.ID,
			Email: p.who.Email, Side: p.side, Level: p.level, Hidden: p.hidden, Access: []domain.Access{domain.AccessPost}}, store.AuditActor{}); err != nil {
			t.Fatalf("add %s: %v", p.who.Email, err)
		}
	}
	w.adaAPI, w.patAPI = srv.NewClient(t, w.ada.Token), srv.NewClient(t, w.pat.Token)
	w.kimAPI, w.leeAPI = srv.NewClient(t, w.kim.Token), srv.NewClient(t, w.lee.Token)
	var sts []struct{ ID, Name string }
	w.adaAPI.Must(http.StatusOK, "GET", "/api/v1/projects/"+proj.ID+"/task-statuses", nil).JSON(t, &sts)
	for _, s := range sts {
		w.statusIDs, w.statuses = append(w.statusIDs, s.ID), append(w.statuses, s.Name)
	}
	return w
}

func (w *taskWorld) path(rest string) string { return "/projects/" + w.project.ID + rest }

// addTask creates a task through the API as Ada; deps and assignees are titles of earlier tasks
// and user ids.
func (w *taskWorld) addTask(t *testing.T, title string, body map[string]any, deps ...string) string {
	t.Helper()
	body["title"] = title
	if len(deps) > 0 {
		ids := make([]string, len(deps))
		for i, d := range deps {
			ids[i] = w.tasks[d]
		}
		body["depends_on"] = ids
	}
	var r struct {
		Task struct {
			ID string `json:"id"`
		} `json:"task"`
	}
	w.adaAPI.Must(http.StatusCreated, "POST", "/api/v1/projects/"+w.project.ID+"/tasks", body).JSON(t, &r)
	w.tasks[title] = r.Task.ID
	return r.Task.ID
}

// addPlan adds the plan the Gantt tests draw: Discovery → Design → Launch (a milestone), and a
// Style guide deliverable after Discovery.
func (w *taskWorld) addPlan(t *testing.T) {
	t.Helper()
	w.addTask(t, "Discovery", map[string]any{"start_date": "2026-11-16", "due_date": "2026-11-27", "assignee_ids": []string{w.pat.User.ID}})
	w.addTask(t, "Design", map[string]any{"start_date": "2026-11-30", "due_date": "2026-12-18", "assignee_ids": []string{w.pat.User.ID}}, "Discovery")
	w.addTask(t, "Style guide", map[string]any{"kind": "deliverable", "start_date": "2026-12-01", "due_date": "2026-12-11"}, "Discovery")
	w.addTask(t, "Launch", map[string]any{"kind": "milestone", "due_date": "2027-01-15"}, "Design")
}

// signInTo signs in as the person and opens the project.
func (w *taskWorld) signInTo(t *testing.T, b *browser, name string, p testutil.Person) *tab {
	t.Helper()
	tb := b.newTab(t, name, w.srv.URL)
	if st := signIn(tb, p.Email, p.Password); st != http.StatusOK {
		t.Fatalf("%s sign-in: status %d", name, st)
	}
	if st := tb.Open(w.path("")); st != http.StatusOK {
		t.Fatalf("%s opens the project: status %d", name, st)
	}
	return tb
}

// openTab clicks the project tab's link in the tab bar.
func (w *taskWorld) openTab(t *testing.T, tb *tab, key string) {
	t.Helper()
	if st := tb.Click(`nav.tabs[aria-label="Project"] a[href="` + w.path("/tab/"+key) + `"]`); st != http.StatusOK {
		t.Fatalf("%s: open the %s tab: status %d", tb.name, key, st)
	}
	tb.WantPath(w.path("/tab/" + key))
}

// tkCount returns how many elements match the selector.
func tkCount(tb *tab, sel string) int {
	tb.t.Helper()
	var n int
	if _, err := fmt.Sscan(tb.Eval(`document.querySelectorAll(`+jsString(sel)+`).length`), &n); err != nil {
		tb.t.Fatalf("%s: count %s: %v", tb.name, sel, err)
	}
	return n
}

// tkExists reports whether an element matches the selector.
func tkExists(tb *tab, sel string) bool {
	tb.t.Helper()
	return tb.Eval(`!!document.querySelector(`+jsString(sel)+`)`) == "true"
}

// tkSetValue sets a form control's value as a date or number picker would, with its events.
func tkSetValue(tb *tab, sel, v string) {
	tb.t.Helper()
	ok := tb.Eval(`(() => { const el = document.querySelector(` + jsString(sel) + `); if (!el) return false;
		el.focus(); el.value = ` + jsString(v) + `;
		el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	if ok != "true" {
		tb.t.Fatalf("%s: no %s to set", tb.name, sel)
	}
}

// tkFlash returns the text of the page's flash message ("" if none) and whether it is an error.
func tkFlash(tb *tab) (string, bool) {
	tb.t.Helper()
	text := tb.Eval(`(document.querySelector(".flash") || {innerText: ""}).innerText.trim()`)
	return text, tkExists(tb, ".flash-error")
}

// tkNotInHTML fails the test for each text found (case-insensitively) in the page's markup.
func tkNotInHTML(t *testing.T, tb *tab, where string, texts ...string) {
	t.Helper()
	html := strings.ToLower(tb.HTML())
	for _, s := range texts {
		if i := strings.Index(html, strings.ToLower(s)); i >= 0 {
			t.Errorf("%s: %s contains %q: …%s…", tb.name, where, s, html[max(i-80, 0):min(i+len(s)+80, len(html))])
		}
	}
}

// svgCount counts the chart's elements of a class, leaving out the legend's swatches.
func svgCount(tb *tab, class string) int {
	tb.t.Helper()
	var n int
	fmt.Sscan(tb.Eval(`[...document.querySelectorAll("#gantt svg.portico-gantt ."+`+jsString(class)+`)].filter(e => !e.closest(".g-legend")).length`), &n)
	return n
}

// TestGanttBaselineOnlyForProvider: the provider administrator saves a baseline on the Gantt
// tab and compares with it; a client (Edit Financials) gets the same chart — bars, milestone,
// dependencies — with no trace of baselines, even when asking for one in the URL.
func TestGanttBaselineOnlyForProvider(t *testing.T) {
	b := startBrowser(t)
	w := newTaskWorld(t)
	w.addPlan(t)
	const baseName = "Plan of record v1"

	ada := w.signInTo(t, b, "ada", w.ada)
	w.openTab(t, ada, "gantt")
	if n := svgCount(ada, "g-base"); n != 0 {
		t.Errorf("before any baseline the chart has %d baseline bars", n)
	}
	if tkExists(ada, "#g-baseline") {
		t.Error("the baseline selector is shown with no baseline saved")
	}
	ada.Type("#g-name", baseName)
	if st := ada.Click(`form[action="` + w.path("/baselines") + `"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("save baseline: status %d", st)
	}
	ada.WantPath(w.path("/tab/gantt"))
	if msg, isErr := tkFlash(ada); msg != "Baseline saved." || isErr {
		t.Errorf("flash after saving = %q (error %v)", msg, isErr)
	}
	baseID := value(ada, "#g-baseline")
	if baseID == "" || baseID == "<missing>" {
		t.Fatalf("after saving, the selector shows %q, want the new baseline selected", baseID)
	}
	if got := ada.Eval(`document.querySelector("#g-baseline").selectedOptions[0].text`); got != baseName {
		t.Errorf("selected baseline = %q, want %q", got, baseName)
	}
	if n := svgCount(ada, "g-base"); n != 4 {
		t.Errorf("with the new baseline selected the chart has %d baseline bars, want 4 (one per dated row)", n)
	}

	// Design slips by a week; comparing shows the old plan under the new bar.
	w.adaAPI.Must(http.StatusOK, "PATCH", "/api/v1/tasks/"+w.tasks["Design"], map[string]any{"due_date": "2026-12-24"})
	ada.Open(w.path("/tab/gantt"))
	if n := svgCount(ada, "g-base"); n != 0 {
		t.Errorf("with no baseline chosen the chart has %d baseline bars", n)
	}
	if v := value(ada, "#g-baseline"); v != "" {
		t.Errorf("with no baseline chosen the selector shows %q", v)
	}
	if !shown(ada, `label[for="g-baseline"] .hidden-marker`) {
		t.Error(`the baseline selector lacks its "hidden from clients" marker`)
	}
	ada.Select("#g-baseline", baseName)
	if st := ada.Click(`form:has(#g-baseline) button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("show baseline: status %d", st)
	}
	if q := ada.Eval(`location.search`); !strings.Contains(q, "baseline="+baseID) {
		t.Errorf("after choosing the baseline the address is …%s", q)
	}
	if n := svgCount(ada, "g-base"); n != 4 {
		t.Errorf("comparing with the baseline: %d baseline bars, want 4", n)
	}
	type bar struct {
		Title     string  `json:"title"`
		BarW      float64 `json:"barW"`
		BaseW     float64 `json:"baseW"`
		HasBase   bool    `json:"hasBase"`
		Connector bool    `json:"connector"`
	}
	design := evalInto[bar](ada, `(() => {
		const a = [...document.querySelectorAll("#gantt svg a")].find(a => a.querySelector("title") && a.querySelector("title").textContent.startsWith("Design:"));
		if (!a) return {title: ""};
		const base = a.querySelector(".g-base"), b = a.querySelector(".g-bar");
		return {title: a.querySelector("title").textContent, barW: b ? b.getBBox().width : 0, baseW: base ? base.getBBox().width : 0, hasBase: !!base};
	})()`)
	if !design.HasBase || design.BaseW >= design.BarW || !strings.Contains(design.Title, "baseline") {
		t.Errorf("Design's bar with the baseline: %+v, want a baseline bar shorter than the slipped bar, and the baseline in the tooltip", design)
	}
	if legend := ada.Eval(`document.querySelector("#gantt svg .g-legend").textContent`); !strings.Contains(legend, "Baseline") {
		t.Errorf("the provider's legend = %q, want a Baseline entry", legend)
	}
	shot(ada, "gantt-provider-baseline")

	// Kim, a client at Edit Financials, opens the Gantt from the tab bar.
	kim := w.signInTo(t, b, "kim", w.kim)
	clientChart := func(where string) {
		t.Helper()
		if !tkExists(kim, "#gantt svg.portico-gantt") {
			t.Fatalf("%s: no chart", where)
		}
		if n := svgCount(kim, "g-bar"); n != 3 {
			t.Errorf("%s: %d task bars, want 3", where, n)
		}
		if n := svgCount(kim, "g-ms"); n != 1 {
			t.Errorf("%s: %d milestone diamonds, want 1", where, n)
		}
		if n := tkCount(kim, "#gantt svg .g-deps path"); n != 3 {
			t.Errorf("%s: %d dependency connectors, want 3", where, n)
		}
		if n := tkCount(kim, "#gantt svg .g-base"); n != 0 {
			t.Errorf("%s: %d baseline bars (legend included)", where, n)
		}
		if tkExists(kim, "#g-baseline") || tkExists(kim, `form[action$="/baselines"]`) || tkExists(kim, "#g-name") {
			t.Errorf("%s: the client has the baseline selector or the save form", where)
		}
		if got := kim.Eval(`[...document.querySelectorAll("button, a")].filter(e => /baseline/i.test(e.textContent)).length`); got != "0" {
			t.Errorf("%s: %s buttons or links mention baselines", where, got)
		}
		tkNotInHTML(t, kim, where, baseName, "baseline", baseID, "hidden from clients")
	}
	w.openTab(t, kim, "gantt")
	clientChart("the client's Gantt")
	shot(kim, "gantt-client")
	// Asking for the baseline by its id changes nothing.
	kim.Open(w.path("/tab/gantt?zoom=week&baseline=" + baseID))
	clientChart("the client's Gantt asked for a baseline")
	// Nor does the printable chart in day zoom.
	kim.Click(`nav[aria-label="Zoom"] a[href*="zoom=day"]`)
	clientChart("the client's Gantt in day zoom")
}

// TestClientApprovesDateChangeFromFeed: the provider lead proposes new project dates on the
// Schedule tab; a second proposal while it is open is refused with a message; the client at
// Edit Financials decides it from the top of the Activity tab, and the dates apply at once.
func TestClientApprovesDateChangeFromFeed(t *testing.T) {
	b := startBrowser(t)
	w := newTaskWorld(t)
	const comment = "Holidays push the launch"

	pat := w.signInTo(t, b, "pat", w.pat)
	w.openTab(t, pat, "schedule")
	if tkExists(pat, `#dates form[action$="/schedule"]`) {
		t.Error("the lead may change the dates directly although changes need approval")
	}
	tkSetValue(pat, "#p-start", "2027-01-04")
	tkSetValue(pat, "#p-due", "2027-04-30")
	pat.Type("#p-why", comment)
	if st := pat.Click(`#propose-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("propose: status %d", st)
	}
	pat.WantPath(w.path("/tab/schedule"))
	if msg, isErr := tkFlash(pat); isErr || !strings.HasPrefix(msg, "Proposal sent.") {
		t.Errorf("flash after proposing = %q (error %v)", msg, isErr)
	}
	if n := tkCount(pat, "#proposals article.proposal"); n != 1 {
		t.Fatalf("%d proposals listed, want 1", n)
	}
	propID := pat.Eval(`document.querySelector("#proposals article.proposal").dataset.proposal`)
	art := `article[data-proposal="` + propID + `"]`
	if s := pat.Text("#proposals " + art + " .pill"); s != "open" {
		t.Errorf("the new proposal's state = %q, want open", s)
	}
	if tkExists(pat, "#proposals "+art+` form[action$="/approve"]`) {
		t.Error("the proposer may approve their own proposal")
	}
	shot(pat, "schedule-provider-proposed")

	// The administrator cannot decide (a client can), so no decision card for her.
	ada := w.signInTo(t, b, "ada", w.ada)
	w.openTab(t, ada, "activity")
	if tkExists(ada, "article.decision") {
		t.Error("the provider administrator gets a decision card although a client decides")
	}
	announce := "Pat Tester proposed new dates: 4 Jan 2027 → 30 Apr 2027. “" + comment + "”"
	if !slices.Contains(threadBodies(ada), announce) {
		t.Errorf("the feed lacks the announcement %q; threads: %q", announce, threadBodies(ada))
	}

	// Kim, the client at Edit Financials, first tries a proposal of her own: one at a time.
	kim := w.signInTo(t, b, "kim", w.kim)
	w.openTab(t, kim, "schedule")
	tkSetValue(kim, "#p-due", "2027-06-30")
	if st := kim.Click(`#propose-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("second proposal: status %d", st)
	}
	if msg, isErr := tkFlash(kim); !isErr || !strings.Contains(strings.ToLower(msg), "another proposal is open") {
		t.Errorf("second proposal's flash = %q (error %v), want an error about the open proposal", msg, isErr)
	}
	if n := tkCount(kim, "#proposals article.proposal"); n != 1 {
		t.Errorf("after the refused proposal %d proposals are listed, want 1", n)
	}
	shot(kim, "schedule-client-one-open")

	// On the Activity tab the decision waits for her at the top.
	w.openTab(t, kim, "activity")
	card := "article.decision" + `[data-proposal="` + propID + `"]`
	if kim.Eval(`(() => { const c = document.querySelector("#feed > article"); return !!c && c.matches(`+jsString(card)+`); })()`) != "true" {
		t.Fatalf("the first article of Kim's feed is not the decision card for %s:\n%s", propID, kim.Text("#feed"))
	}
	text := strings.Join(strings.Fields(kim.Text(card)), " ")
	if want := "Your decision: Pat Tester proposes new dates 2027-01-04 → 2027-04-30 (“" + comment + "”)."; !strings.HasPrefix(text, want) {
		t.Errorf("decision card = %q, want it to start %q", text, want)
	}
	shot(kim, "activity-client-decision")
	if st := kim.Click(card + ` button[type="submit"]:not([formaction])`); st != http.StatusOK {
		t.Fatalf("approve: status %d", st)
	}
	kim.WantPath(w.path("/tab/activity"))
	if msg, isErr := tkFlash(kim); isErr || msg != "Recorded." {
		t.Errorf("flash after approving = %q (error %v)", msg, isErr)
	}
	if tkExists(kim, "article.decision") {
		t.Error("the decision card is still there after approving")
	}
	approved := "Kim Tester approved the new dates: 4 Jan 2027 → 30 Apr 2027."
	if bodies := threadBodies(kim); len(bodies) == 0 || bodies[0] != approved {
		t.Errorf("the newest post of the feed is %q, want the announcement %q", bodies, approved)
	}
	header := strings.Join(strings.Fields(kim.Text(".project-header")), " ")
	if !strings.Contains(header, "2027-01-04 → 2027-04-30") {
		t.Errorf("the header after approval = %q, want the new dates", header)
	}

	// The Schedule tab shows the new dates, the proposal approved and the accepted change.
	w.openTab(t, kim, "schedule")
	if d := kim.Text("#dates .big-dates"); d != "2027-01-04 → 2027-04-30" {
		t.Errorf("Schedule tab dates = %q", d)
	}
	if s := kim.Text("#proposals " + art + " .pill"); s != "approved" {
		t.Errorf("the proposal's state = %q, want approved", s)
	}
	if s := kim.Text("#proposals " + art); !strings.Contains(s, "approved by Kim Tester") {
		t.Errorf("the proposal reads %q, want who approved it", s)
	}
	if tkExists(kim, "#proposals "+art+" form") {
		t.Error("the decided proposal still offers a decision")
	}
	if s := kim.Text("#proposals ul.history"); !strings.Contains(s, "2027-01-04 → 2027-04-30 · Kim Tester") {
		t.Errorf("accepted changes = %q", s)
	}
	shot(kim, "schedule-client-approved")

	// The provider lead sees the same, and the project's dates are the new ones.
	pat.Open(w.path("/tab/schedule"))
	if d := pat.Text("#dates .big-dates"); d != "2027-01-04 → 2027-04-30" {
		t.Errorf("the lead's Schedule tab dates = %q", d)
	}
	p, err := w.srv.Store.FindProjectByID(t.Context(), w.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.StartDate == nil || p.DueDate == nil || p.StartDate.String() != "2027-01-04" || p.DueDate.String() != "2027-04-30" {
		t.Errorf("stored project dates %v → %v", p.StartDate, p.DueDate)
	}
}

// threadBodies lists the first posts of the feed's threads, as shown, newest first.
func threadBodies(tb *tab) []string {
	tb.t.Helper()
	return evalInto[[]string](tb, `[...document.querySelectorAll("#feed article.thread > .post-body")].map(b => b.innerText.trim())`)
}

// TestClientTaskPage: a client at Edit Tasks opens task pages: no scheduling, fees or custom
// fields, nor any of their values; the type changes only to Issue (and saving touches nothing
// the client cannot see, not even a provider assignee hidden from clients); a progress update
// reaches the assignees; a deliverable is sent back only with a comment.
func TestClientTaskPage(t *testing.T) {
	b := startBrowser(t)
	w := newTaskWorld(t)
	var field struct {
		ID string `json:"id"`
	}
	w.adaAPI.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+w.northwind.Account.ID+"/custom-fields", map[string]any{"name": "Cost centre", "kind": "text"}).JSON(t, &field)
	copyID := w.addTask(t, "Homepage copy", map[string]any{"description": "Write the homepage.", "start_date": "2026-12-07", "due_date": "2026-12-18",
		"estimate_minutes": 750, "budget_minor": 345600, "billable": true, "assignee_ids": []string{w.pat.User.ID, w.hank.User.ID},
		"custom_fields": map[string]string{field.ID: "CC-4711"}})
	guideID := w.addTask(t, "Style guide", map[string]any{"kind": "deliverable", "start_date": "2026-12-01", "due_date": "2026-12-11", "assignee_ids": []string{w.pat.User.ID}})
	secrets := []string{"2026-12-07", "2026-12-18", "2026-12-01", "2026-12-11", "7 Dec", "18 Dec", "1 Dec", "11 Dec", "Dec 7", "Dec 18",
		"Scheduling", "Estimate", "Depends on", "Budget", "Billable", "3456", "Cost centre", "CC-4711", "hidden from clients",
		"Hank", w.hank.User.ID, w.hank.Email}

	lee := w.signInTo(t, b, "lee", w.lee)
	w.openTab(t, lee, "tasks")
	tkNotInHTML(t, lee, "the client's task list", secrets...)
	if got := lee.Text(`#task-table tr[data-task="` + copyID + `"] td:nth-child(4)`); got != "Pat Tester" {
		t.Errorf("the client's task list shows the assignees %q, want Pat Tester only", got)
	}
	if st := lee.Click(`#task-table a[href="` + w.path("/tasks/"+copyID) + `"]`); st != http.StatusOK {
		t.Fatalf("open the task: status %d", st)
	}
	lee.WantPath(w.path("/tasks/" + copyID))
	if !tkExists(lee, "#task-form") {
		t.Fatal("no task form for a client at Edit Tasks")
	}
	for _, sel := range []string{"#schedule-section", "#fees-section", "#t-start", "#t-due", "#t-est", "#t-budget", `[name^="custom."]`, "#signoff"} {
		if tkExists(lee, sel) {
			t.Errorf("the client's task page has %s", sel)
		}
	}
	tkNotInHTML(t, lee, "the client's task page", secrets...)
	shot(lee, "task-client")

	// The type: the current one, or Issue.
	if got := evalInto[[]string](lee, `[...document.querySelectorAll("#t-kind option")].map(o => o.value)`); !slices.Equal(got, []string{"task", "issue"}) {
		t.Errorf("the client's type choices = %q, want [task issue]", got)
	}
	lee.Select("#t-kind", "Issue")
	if st := lee.Click(`#task-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("save the task: status %d", st)
	}
	lee.WantPath(w.path("/tasks/" + copyID))
	if msg, isErr := tkFlash(lee); isErr || msg != "Task saved." {
		t.Errorf("flash after saving = %q (error %v)", msg, isErr)
	}
	if k := lee.Text("#task-form h1 .pill"); k != "issue" {
		t.Errorf("the task's type after saving = %q, want issue", k)
	}
	if got := evalInto[[]string](lee, `[...document.querySelectorAll("#t-kind option")].map(o => o.value)`); !slices.Equal(got, []string{"issue"}) {
		t.Errorf("an issue's type choices for the client = %q, want [issue]", got)
	}
	// Saving the client's form touched nothing else: dates, estimate, fees, custom value, assignees.
	var after struct {
		Task struct {
			Kind        string   `json:"kind"`
			AssigneeIDs []string `json:"assignee_ids"`
			Schedule    struct {
				StartDate       string `json:"start_date"`
				DueDate         string `json:"due_date"`
				EstimateMinutes int64  `json:"estimate_minutes"`
			} `json:"schedule"`
			Fees struct {
				Billable bool `json:"billable"`
				Budget   struct {
					Minor int64 `json:"amount_minor"`
				} `json:"budget"`
			} `json:"fees"`
			Custom map[string]string `json:"custom_fields"`
		} `json:"task"`
	}
	w.adaAPI.Must(http.StatusOK, "GET", "/api/v1/tasks/"+copyID, nil).JSON(t, &after)
	at := after.Task
	if at.Kind != "issue" || at.Schedule.StartDate != "2026-12-07" || at.Schedule.DueDate != "2026-12-18" || at.Schedule.EstimateMinutes != 750 ||
		!at.Fees.Billable || at.Fees.Budget.Minor != 345600 || at.Custom[field.ID] != "CC-4711" {
		t.Errorf("after the client's save the task is %+v", at)
	}
	if !slices.Contains(at.AssigneeIDs, w.pat.User.ID) || !slices.Contains(at.AssigneeIDs, w.hank.User.ID) || len(at.AssigneeIDs) != 2 {
		t.Errorf("after the client's save the assignees are %q, want Pat and the hidden Hank still", at.AssigneeIDs)
	}

	// A progress update, which tells the assignees.
	tkSetValue(lee, "#p-pct", "40")
	lee.Type("#p-comment", "Copy reviewed, two pages left")
	if st := lee.Click(`#progress form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("post progress: status %d", st)
	}
	if msg, isErr := tkFlash(lee); isErr || msg != "Progress recorded." {
		t.Errorf("flash after the progress update = %q (error %v)", msg, isErr)
	}
	if h := lee.Text("#progress h2"); h != "Progress — 40%" {
		t.Errorf("progress heading = %q", h)
	}
	if li := lee.Text("#progress ul.history li"); !strings.Contains(li, "40%") || !strings.Contains(li, "Lee Tester") || !strings.Contains(li, "Copy reviewed, two pages left") {
		t.Errorf("the progress history's newest entry = %q", li)
	}
	tkNotInHTML(t, lee, "the task page after the progress update", "Hank", w.hank.User.ID)
	w.srv.WaitForJobs(t, 15*time.Second)
	var notes struct {
		Items []struct {
			ProjectID string `json:"project_id"`
			ActorName string `json:"actor_name"`
			Excerpt   string `json:"excerpt"`
		} `json:"items"`
	}
	apiGet(t, w.srv.URL, w.pat.Token, "/api/v1/notifications", &notes)
	found := false
	for _, n := range notes.Items {
		found = found || (n.ProjectID == w.project.ID && n.ActorName == "Lee Tester" && strings.Contains(n.Excerpt, "40%") && strings.Contains(n.Excerpt, "Homepage copy"))
	}
	if !found {
		t.Errorf("the assignee Pat's notifications = %+v, want Lee's progress update", notes.Items)
	}
	// The client's feed shows the update without the hidden assignee.
	w.openTab(t, lee, "activity")
	tkNotInHTML(t, lee, "the client's feed after the progress update", "Hank", w.hank.User.ID)

	// Sign-off of a deliverable: sending it back needs a comment.
	lee.Open(w.path("/tasks/" + guideID))
	if !tkExists(lee, "#signoff form") {
		t.Fatal("no sign-off form on the deliverable for a client at Edit Tasks")
	}
	tkNotInHTML(t, lee, "the client's deliverable page", "2026-12-01", "2026-12-11", "Scheduling", "Budget")
	sendBack := `#signoff button[value="send_back"]`
	if st := lee.Click(sendBack); st != http.StatusOK {
		t.Fatalf("send back without a comment: status %d", st)
	}
	if msg, isErr := tkFlash(lee); !isErr || !strings.Contains(strings.ToLower(msg), "say what needs to change") {
		t.Errorf("sending back without a comment: flash %q (error %v), want an error asking for a comment", msg, isErr)
	}
	if s := lee.Text("#signoff p"); s != "Not signed off yet." {
		t.Errorf("after the refused send-back the sign-off reads %q", s)
	}
	shot(lee, "task-client-signoff-refused")
	lee.Type("#so-comment", "The colours need more contrast")
	if st := lee.Click(sendBack); st != http.StatusOK {
		t.Fatalf("send back: status %d", st)
	}
	if msg, isErr := tkFlash(lee); isErr || msg != "Thank you — recorded." {
		t.Errorf("flash after sending back = %q (error %v)", msg, isErr)
	}
	if s := strings.Join(strings.Fields(lee.Text("#signoff p")), " "); !strings.HasPrefix(s, "Sent back") || !strings.Contains(s, "“The colours need more contrast”") {
		t.Errorf("the sign-off after sending back reads %q", s)
	}
	var g struct {
		Task struct {
			Signoff struct {
				State, Comment string
				ByID           string `json:"by_id"`
			} `json:"signoff"`
		} `json:"task"`
	}
	w.adaAPI.Must(http.StatusOK, "GET", "/api/v1/tasks/"+guideID, nil).JSON(t, &g)
	if s := g.Task.Signoff; s.State != "sent_back" || s.Comment != "The colours need more contrast" || s.ByID != w.lee.User.ID {
		t.Errorf("stored sign-off = %+v", s)
	}
	shot(lee, "task-client-sent-back")
}

// TestTaskListFilterAndLoadMore: the Tasks tab filters by type and by "Me", and "Load more"
// keeps the filter.
func TestTaskListFilterAndLoadMore(t *testing.T) {
	b := startBrowser(t)
	w := newTaskWorld(t)
	w.addTask(t, "Mine", map[string]any{"assignee_ids": []string{w.ada.User.ID}})
	w.addTask(t, "Pat's", map[string]any{"assignee_ids": []string{w.pat.User.ID}})
	for i := range 52 {
		w.addTask(t, fmt.Sprintf("Issue %02d", i), map[string]any{"kind": "issue"})
	}
	ada := w.signInTo(t, b, "ada", w.ada)
	w.openTab(t, ada, "tasks")
	kinds := func() []string {
		t.Helper()
		return evalInto[[]string](ada, `[...document.querySelectorAll("#task-table tbody tr td:nth-child(2)")].map(td => td.innerText.trim())`)
	}
	// Me.
	ada.Select("#f-assignee", "Me")
	ada.Click(`form[aria-label="Filter tasks"] button[type="submit"]`)
	if got := evalInto[[]string](ada, `[...document.querySelectorAll("#task-table tbody tr a")].map(a => a.innerText.trim())`); !slices.Equal(got, []string{"Mine"}) {
		t.Errorf("tasks assigned to me = %q, want [Mine]", got)
	}
	// Issues, over two pages.
	ada.Open(w.path("/tab/tasks"))
	ada.Select("#f-kind", "Issue")
	ada.Click(`form[aria-label="Filter tasks"] button[type="submit"]`)
	first := kinds()
	if len(first) != 50 || slices.ContainsFunc(first, func(k string) bool { return k != "issue" }) {
		t.Fatalf("first page of issues: %d rows %q", len(first), first)
	}
	if st := ada.Click(`main a.btn[href*="cursor="]`); st != http.StatusOK {
		t.Fatalf("load more: status %d", st)
	}
	if got := kinds(); !slices.Equal(got, []string{"issue", "issue"}) {
		t.Errorf("after Load more with the Issue filter the rows are of the types %q, want the 2 remaining issues", got)
	}
	if v := value(ada, "#f-kind"); v != "issue" {
		t.Errorf("after Load more the type filter shows %q, want issue", v)
	}
}

// TestTaskScreenshots renders the Tasks tab (list and board), a task page, the Gantt and the
// Schedule tab for the provider administrator and for a client, on a laptop (light and dark)
// and on a phone, and saves a PNG of each: into PORTICO_SCREENS_DIR when set, else into the
// test's temporary directory. Each page must answer without a server error and fit the phone.
func TestTaskScreenshots(t *testing.T) {
	dir := os.Getenv("PORTICO_SCREENS_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t)
	w := newTaskWorld(t)
	w.addPlan(t)
	w.addTask(t, "Homepage copy", map[string]any{"description": "Write the homepage: hero, three sections, footer.", "start_date": "2026-12-07",
		"due_date": "2026-12-18", "estimate_minutes": 750, "budget_minor": 345600, "billable": true, "assignee_ids": []string{w.pat.User.ID, w.ada.User.ID}},
		"Discovery")
	w.addTask(t, "The logo is blurry on retina screens", map[string]any{"kind": "issue", "status_id": w.statusIDs[min(1, len(w.statusIDs)-1)]})
	w.adaAPI.Must(http.StatusOK, "PATCH", "/api/v1/tasks/"+w.tasks["Discovery"], map[string]any{"status_id": w.statusIDs[len(w.statusIDs)-1]})
	w.adaAPI.Must(http.StatusCreated, "POST", "/api/v1/projects/"+w.project.ID+"/baselines", map[string]any{"name": "Signed plan"})
	w.adaAPI.Must(http.StatusOK, "PATCH", "/api/v1/tasks/"+w.tasks["Design"], map[string]any{"due_date": "2026-12-24"})
	w.leeAPI.Must(http.StatusCreated, "POST", "/api/v1/tasks/"+w.tasks["Homepage copy"]+"/progress", map[string]any{"percent": 40, "comment": "Two pages left"})
	w.patAPI.Must(http.StatusCreated, "POST", "/api/v1/projects/"+w.project.ID+"/date-changes", map[string]any{"start_date": "2027-01-04", "due_date": "2027-04-30", "comment": "Holidays"})
	w.adaAPI.Must(http.StatusCreated, "POST", "/api/v1/projects/"+w.project.ID+"/posts", map[string]any{"body": "Kick-off notes are in the Files tab.", "private": false})
	week := app.MondayOf(time.Now().UTC())
	w.adaAPI.Must(http.StatusNoContent, "PUT", "/api/v1/projects/"+w.project.ID+"/allocations", map[string]any{"user_id": w.pat.User.ID, "week": week, "minutes": 16 * 60})
	var g struct {
		Baselines []struct {
			ID string `json:"id"`
		} `json:"baselines"`
	}
	w.adaAPI.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.project.ID+"/gantt", nil).JSON(t, &g)
	if len(g.Baselines) != 1 {
		t.Fatalf("baselines: %+v", g)
	}

	pages := []struct{ name, path string }{
		{"tasks-list", "/tab/tasks"}, {"tasks-board", "/tab/tasks?view=board"}, {"task", "/tasks/" + w.tasks["Homepage copy"]},
		{"deliverable", "/tasks/" + w.tasks["Style guide"]}, {"gantt", "/tab/gantt?baseline=" + g.Baselines[0].ID}, {"schedule", "/tab/schedule"},
		{"activity", "/tab/activity"},
	}
	for _, who := range []struct {
		name string
		p    testutil.Person
	}{{"provider", w.ada}, {"client", w.kim}} {
		tb := w.signInTo(t, b, who.name, who.p)
		for _, theme := range []string{"light", "dark"} {
			tb.Open("/settings")
			tb.Select("#theme", strings.ToUpper(theme[:1])+theme[1:])
			tb.Click(`form[action="/settings/profile"] button[type="submit"]`)
			for _, p := range pages {
				if theme == "dark" && p.name != "gantt" && p.name != "tasks-board" {
					continue
				}
				if st := tb.Open(w.path(p.path)); st != http.StatusOK {
					t.Errorf("%s opens %s: status %d", who.name, p.path, st)
				}
				tb.Screenshot(filepath.Join(dir, p.name+"-"+who.name+"-"+theme+".png"))
			}
		}
		const phone = 390
		tb.Viewport(phone, 844, chromedp.EmulateMobile)
		for _, p := range pages {
			tb.Open(w.path(p.path))
			tb.Screenshot(filepath.Join(dir, p.name+"-"+who.name+"-phone.png"))
			if wd := tb.Eval(`document.documentElement.scrollWidth`); wd != fmt.Sprint(phone) {
				wide := evalInto[[]string](tb, widest)
				t.Errorf("%s's %s on a %dpx phone is %spx wide; widest elements:\n  %s", who.name, p.name, phone, wd, strings.Join(wide, "\n  "))
			}
		}
	}
}
