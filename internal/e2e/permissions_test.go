package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// permWorld is one financial project of Northwind Studio with people on both sides:
//   - Ada, the Account Administrator who created it (so its Project Administrator);
//   - Pat, a Project Lead made Project Administrator of it (a second administrator);
//   - Tom, a Collaborator at Edit Tasks;
//   - Lee Park and Kim Rivera, external clients invited by e-mail, at Edit Tasks and Edit
//     Financials, with passwords of their own.
type permWorld struct {
	srv     *testutil.Server
	acct    testutil.AccountFixture
	admin   testutil.Person
	pat     testutil.Person
	tom     testutil.Person
	lee     extPerson
	kim     extPerson
	project *domain.Project
}

// extPerson is someone outside the account who joined the project through its invitation.
type extPerson struct {
	ID, Name, Email, Password string
}

func newPermWorld(t *testing.T) *permWorld {
	t.Helper()
	ctx := t.Context()
	srv := testutil.StartServer(t, "sqlite")
	w := &permWorld{srv: srv, acct: testutil.MustCreateAccount(t, srv.App, "Northwind Studio")}
	w.admin = w.acct.Admin
	proj, err := srv.App.CreateProject(ctx, testutil.MustActor(t, srv.App, w.admin.User.ID, w.acct.Account.ID), app.ProjectInput{
		Name: "Harbor Website", ClientCompany: "Harbor & Co", Financial: true, Privacy: string(domain.PrivacyInvitation)})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	w.project = proj
	adminUser, err := srv.App.Store.FindUserByID(ctx, w.admin.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := srv.App.ProjectActor(ctx, &store.Principal{User: *adminUser}, proj.ID)
	if err != nil {
		t.Fatalf("project actor: %v", err)
	}
	w.pat = testutil.MustCreateMember(t, srv.App, w.acct, domain.LevelProjectLead, "Pat")
	w.tom = testutil.MustCreateMember(t, srv.App, w.acct, domain.LevelCollaborator, "Tom")
	for _, m := range []struct {
		p     testutil.Person
		level domain.ProjectLevel
	}{{w.pat, domain.PLProjectAdmin}, {w.tom, domain.PLEditTasks}} {
		if _, err := srv.App.AddMember(ctx, pa, m.p.Member.ID, domain.SideProvider, m.level, nil); err != nil {
			t.Fatalf("add %s: %v", m.p.Email, err)
		}
	}
	invite := func(first, last string, level domain.ProjectLevel) extPerson {
		t.Helper()
		p := extPerson{Name: first + " " + last, Email: testutil.UniqueEmail(strings.ToLower(first)), Password: "a-client-passphrase-" + strings.ToLower(first)}
		_, link, err := srv.App.InviteToProject(ctx, pa, p.Email, domain.SideClient, level, nil)
		if err != nil {
			t.Fatalf("invite %s: %v", p.Name, err)
		}
		token := link[strings.LastIndex(link, "/")+1:]
		if _, _, err := srv.App.AcceptProjectInvitation(ctx, token, app.AcceptInput{FirstName: first, LastName: last, Password: p.Password}, app.Client{IP: "127.0.0.1"}); err != nil {
			t.Fatalf("accept %s: %v", p.Name, err)
		}
		u, _, err := srv.App.Store.FindUserCredentials(ctx, p.Email)
		if err != nil {
			t.Fatal(err)
		}
		p.ID = u.ID
		return p
	}
	w.lee = invite("Lee", "Park", domain.PLEditTasks)
	w.kim = invite("Kim", "Rivera", domain.PLEditFinancials)
	return w
}

func (w *permWorld) path(rest string) string { return "/projects/" + w.project.ID + rest }

// apiGet sends an authenticated GET to the API with net/http and decodes the JSON answer.
func apiGet(t *testing.T, base, token, path string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
}

type apiParticipants struct {
	Revision     int64 `json:"revision"`
	Participants []struct {
		UserID string   `json:"user_id"`
		Level  string   `json:"level"`
		Side   string   `json:"side"`
		Access []string `json:"access"`
	} `json:"participants"`
}

// levels returns the project's revision and everyone's level, as the administrator's API sees them.
func (w *permWorld) levels(t *testing.T) (int64, map[string]string) {
	t.Helper()
	var v apiParticipants
	apiGet(t, w.srv.URL, w.admin.Token, "/api/v1/projects/"+w.project.ID+"/participants", &v)
	out := map[string]string{}
	for _, p := range v.Participants {
		out[p.UserID] = p.Level
	}
	return v.Revision, out
}

// clickHere clicks an element that does not lead to another page (a tab button, Revert).
func clickHere(tb *tab, sel string) {
	tb.t.Helper()
	if _, err := run(tb, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		tb.fail("click "+sel, err)
	}
}

// value returns the current value of a form control, visible or not.
func value(tb *tab, sel string) string {
	tb.t.Helper()
	return tb.Eval(fmt.Sprintf(`(document.querySelector(%s) || {value: "<missing>"}).value`, jsString(sel)))
}

// shown reports whether the element is rendered (not hidden, nor inside something hidden).
func shown(tb *tab, sel string) bool {
	tb.t.Helper()
	return tb.Eval(fmt.Sprintf(`(() => { const el = document.querySelector(%s); return !!el && el.getClientRects().length > 0; })()`, jsString(sel))) == "true"
}

// shownRows lists the data-person of the permission rows that are rendered.
func shownRows(tb *tab) []string {
	tb.t.Helper()
	return evalInto[[]string](tb, `[...document.querySelectorAll("tr[data-person]")].filter(r => r.getClientRects().length > 0).map(r => r.dataset.person)`)
}

// projectTabs returns the link texts of the project's tab bar.
func projectTabs(tb *tab) []string {
	tb.t.Helper()
	return evalInto[[]string](tb, `[...document.querySelectorAll('nav.tabs[aria-label="Project"] a')].map(a => a.textContent.trim())`)
}

// shot saves a screenshot for people to look at when PORTICO_SCREENS_DIR is set.
func shot(tb *tab, name string) {
	tb.t.Helper()
	dir := os.Getenv("PORTICO_SCREENS_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	tb.Screenshot(filepath.Join(dir, name+".png"))
}

// openPeople signs in and opens the project's People page from its tab bar.
func (w *permWorld) openPeople(t *testing.T, b *browser, name, email, password string) *tab {
	t.Helper()
	tb := b.newTab(t, name, w.srv.URL)
	if st := signIn(tb, email, password); st != http.StatusOK {
		t.Fatalf("%s sign-in: status %d", name, st)
	}
	tb.Open(w.path(""))
	if st := tb.Click(`nav.tabs[aria-label="Project"] a[href="` + w.path("/people") + `"]`); st != http.StatusOK {
		t.Fatalf("%s: open People: status %d", name, st)
	}
	tb.WantPath(w.path("/people"))
	return tb
}

func TestPermissionsPageSaveReloadRevert(t *testing.T) {
	b := startBrowser(t)
	w := newPermWorld(t)
	admin := w.openPeople(t, b, "admin", w.admin.Email, w.admin.Password)
	shot(admin, "people-admin-providers")
	lee, kim := "#level-"+w.lee.ID, "#level-"+w.kim.ID

	// The sides are tabs: Providers first, Clients on a click, and back.
	if got := admin.Text("#tab-provider"); got != "Provider (3)" {
		t.Errorf("provider tab = %q, want %q", got, "Provider (3)")
	}
	if got := admin.Text("#tab-client"); got != "Client (2)" {
		t.Errorf("client tab = %q, want %q", got, "Client (2)")
	}
	if !shown(admin, "#side-provider") || shown(admin, "#side-client") {
		t.Fatalf("on opening, provider table shown %v, client table shown %v; want only the providers", shown(admin, "#side-provider"), shown(admin, "#side-client"))
	}
	clickHere(admin, "#tab-client")
	if shown(admin, "#side-provider") || !shown(admin, "#side-client") {
		t.Fatalf("after the Client tab, provider table shown %v, client table shown %v", shown(admin, "#side-provider"), shown(admin, "#side-client"))
	}
	if sel := admin.Eval(`document.querySelector("#tab-client").getAttribute("aria-selected")`); sel != "true" {
		t.Errorf("Client tab aria-selected = %s", sel)
	}
	if got := shownRows(admin); !slices.Equal(got, []string{"Kim Rivera", "Lee Park"}) {
		t.Errorf("client tab rows = %q", got)
	}
	// Every control of the table belongs to the permissions form, Save included, and every
	// "View as" button to a form of its own.
	if n := admin.Eval(`[...document.querySelectorAll("#side-provider select, #side-provider input, #side-client select, #side-client input, #save-permissions, #revert-permissions")].filter(el => el.form?.id !== "permissions-form").length`); n != "0" {
		t.Fatalf("%s controls of the permissions table are outside the permissions form", n)
	}
	if bad := evalInto[[]string](admin, `[...document.querySelectorAll("button[form^=viewas-]")].filter(b => !b.form || b.form.action !== location.origin + `+jsString(w.path("/view-as"))+`).map(b => b.closest("tr").dataset.person)`); len(bad) != 0 {
		t.Errorf("View as buttons without their form: %q", bad)
	}
	if n := admin.Eval(`document.querySelectorAll("button[form^=viewas-]").length`); n != "4" {
		t.Errorf("%s View as buttons, want 4 (everyone but Ada herself)", n)
	}
	shot(admin, "people-admin-clients")

	// The level picker offers the client side no Time and Expenses level.
	opts := evalInto[[]string](admin, `[...document.querySelector(`+jsString(lee)+`).options].map(o => o.text)`)
	if !slices.Equal(opts, []string{"View Tasks", "View Financials", "Edit Tasks", "Edit Financials", "Project Administrator"}) {
		t.Errorf("a client's level options = %q", opts)
	}

	// Change Lee from Edit Tasks to View Financials and save.
	rev0, _ := w.levels(t)
	if v := value(admin, lee); v != "edit_tasks" {
		t.Fatalf("Lee's level on the page = %q, want edit_tasks", v)
	}
	admin.Select(lee, "View Financials")
	if st := admin.Click("#save-permissions"); st != http.StatusOK {
		t.Fatalf("save: status %d\n%s", st, admin.Text("main"))
	}
	admin.WantPath(w.path("/people"))
	if msg := admin.Text(`.flash[role="status"]`); msg != "Permissions saved." {
		t.Errorf("flash after saving = %q", msg)
	}
	if v := value(admin, lee); v != "view_financials" {
		t.Errorf("after saving, Lee's level on the page = %q, want view_financials", v)
	}
	// Reloaded, it is still there, and the API agrees.
	admin.Open(w.path("/people"))
	if v := value(admin, lee); v != "view_financials" {
		t.Errorf("after reloading, Lee's level on the page = %q, want view_financials", v)
	}
	if admin.Eval(`!!document.querySelector(".flash")`) != "false" {
		t.Error("the flash is shown again after a reload")
	}
	rev1, lv := w.levels(t)
	if lv[w.lee.ID] != "view_financials" || lv[w.kim.ID] != "edit_financials" || lv[w.tom.User.ID] != "edit_tasks" {
		t.Errorf("API levels after saving: Lee %s, Kim %s, Tom %s", lv[w.lee.ID], lv[w.kim.ID], lv[w.tom.User.ID])
	}
	if rev1 != rev0+1 {
		t.Errorf("revision %d → %d, want one step", rev0, rev1)
	}

	// Revert: Kim's edit is undone on the page and nothing is sent.
	clickHere(admin, "#tab-client")
	admin.Select(kim, "View Tasks")
	if v := value(admin, kim); v != "view_tasks" {
		t.Fatalf("Kim's level after picking = %q", v)
	}
	clickHere(admin, "#revert-permissions")
	if v := value(admin, kim); v != "edit_financials" {
		t.Errorf("after Revert, Kim's level on the page = %q, want edit_financials", v)
	}
	if v := value(admin, lee); v != "view_financials" {
		t.Errorf("after Revert, Lee's level on the page = %q, want the saved view_financials", v)
	}
	admin.WantPath(w.path("/people"))
	if rev, lv := w.levels(t); rev != rev1 || lv[w.kim.ID] != "edit_financials" {
		t.Errorf("after Revert: revision %d (want %d), Kim %s", rev, rev1, lv[w.kim.ID])
	}
	admin.Open(w.path("/people"))
	if v := value(admin, kim); v != "edit_financials" {
		t.Errorf("after Revert and reload, Kim's level = %q, want edit_financials", v)
	}

	// Search by name hides the rows that do not match, on both sides; clearing shows all. (The
	// page remembers the side last shown, so open the providers' tab first.)
	clickHere(admin, "#tab-provider")
	admin.Type("[data-people-search]", "lee")
	if got := shownRows(admin); len(got) != 0 {
		t.Errorf("providers tab, searching lee: rows shown %q, want none", got)
	}
	clickHere(admin, "#tab-client")
	if got := shownRows(admin); !slices.Equal(got, []string{"Lee Park"}) {
		t.Errorf("clients tab, searching lee: rows shown %q, want Lee Park only", got)
	}
	shot(admin, "people-admin-search")
	admin.Eval(`(() => { const s = document.querySelector("[data-people-search]"); s.value = ""; s.dispatchEvent(new Event("input", {bubbles: true})); })()`)
	if got := shownRows(admin); !slices.Equal(got, []string{"Kim Rivera", "Lee Park"}) {
		t.Errorf("clients tab, search cleared: rows shown %q", got)
	}
	clickHere(admin, "#tab-provider")
	if got := shownRows(admin); len(got) != 3 {
		t.Errorf("providers tab, search cleared: rows shown %q, want 3", got)
	}

	// Enter in the search box searches; it does not save edits in progress.
	clickHere(admin, "#tab-client")
	admin.Select(kim, "View Tasks")
	admin.Type("[data-people-search]", "Kim")
	admin.KeyAndWait("\r")
	if rev, lv := w.levels(t); rev != rev1 || lv[w.kim.ID] != "edit_financials" {
		t.Errorf("Enter in the search box saved the permissions: revision %d (want %d), Kim %s", rev, rev1, lv[w.kim.ID])
	}
	clickHere(admin, "#tab-client")
	if got := shownRows(admin); !slices.Equal(got, []string{"Kim Rivera"}) {
		t.Errorf("after searching Kim with Enter, client rows shown %q, want Kim Rivera only", got)
	}

	// A batch with one bad row is refused as a whole: the message names the person, the row
	// says why, and everything typed is still there to correct.
	admin.Open(w.path("/people"))
	pat, tom := "#level-"+w.pat.User.ID, w.tom.User.ID
	trackTom := `input[name="access.` + tom + `"][value="track_time"]`
	admin.Select(pat, "Edit Financials")
	// The page itself unticks and disables Track Time at Edit Tasks; force it on, as a stale or
	// hand-made form would, to see the server refuse the row.
	admin.Eval(`(() => { const b = document.querySelector('` + trackTom + `'); b.disabled = false; b.checked = true; return "ok"; })()`)
	clickHere(admin, "#tab-client")
	clickHere(admin, `input[name="remove.`+w.lee.ID+`"]`)
	if st := admin.Click("#save-permissions"); st != http.StatusUnprocessableEntity {
		t.Fatalf("save with Track Time at Edit Tasks: status %d, want 422\n%s", st, admin.Text("main"))
	}
	msg := admin.Text("#people-error")
	if !strings.Contains(msg, "Tom Tester: Track Time is not possible with Edit Tasks") || strings.Contains(msg, "changes[") {
		t.Errorf("refused save's message = %q, want it to name Tom and no field paths", msg)
	}
	clickHere(admin, "#tab-provider")
	if e := admin.Text("#error-" + tom); e != "Track Time is not possible with Edit Tasks" {
		t.Errorf("Tom's row error = %q", e)
	}
	if v := value(admin, pat); v != "edit_financials" {
		t.Errorf("after the refused save Pat's level shows %q, want the typed edit_financials", v)
	}
	if admin.Eval(`document.querySelector(`+jsString(trackTom)+`).checked`) != "true" ||
		admin.Eval(`document.querySelector('input[name="remove.`+w.lee.ID+`"]').checked`) != "true" {
		t.Error("after the refused save, Tom's Track Time or Lee's Remove box lost what was typed")
	}
	if rev, lv := w.levels(t); rev != rev1 || lv[w.pat.User.ID] != "project_admin" || lv[w.lee.ID] != "view_financials" {
		t.Errorf("after the refused save: revision %d (want %d), Pat %s, Lee %s", rev, rev1, lv[w.pat.User.ID], lv[w.lee.ID])
	}
	shot(admin, "people-refused")
	// Corrected, the rest goes through.
	clickHere(admin, "#tab-provider")
	clickHere(admin, trackTom)
	clickHere(admin, "#tab-client")
	clickHere(admin, `input[name="remove.`+w.lee.ID+`"]`)
	if st := admin.Click("#save-permissions"); st != http.StatusOK {
		t.Fatalf("corrected save: status %d\n%s", st, admin.Text("main"))
	}
	if rev, lv := w.levels(t); rev != rev1+1 || lv[w.pat.User.ID] != "edit_financials" || lv[w.lee.ID] != "view_financials" || lv[tom] != "edit_tasks" {
		t.Errorf("after the corrected save: revision %d (want %d), Pat %s, Lee %s, Tom %s", rev, rev1+1, lv[w.pat.User.ID], lv[w.lee.ID], lv[tom])
	}
}

func TestClientTabsAndViewAs(t *testing.T) {
	b := startBrowser(t)
	w := newPermWorld(t)
	// noStatus checks the page, and its markup, for the provider-only status and for links to
	// the tabs named.
	noStatus := func(tb *tab, who string, tabs ...string) {
		t.Helper()
		if n := tb.Eval(`document.querySelectorAll(".hidden-marker, [title='Project status']").length`); n != "0" {
			t.Errorf("%s: %s status pills or hidden-from-clients markers on the page", who, n)
		}
		html := tb.HTML()
		leaks := []string{"hidden from clients", "On track", "Project status", `id="status`}
		for _, k := range tabs {
			leaks = append(leaks, "/tab/"+k)
		}
		for _, leak := range leaks {
			if strings.Contains(html, leak) {
				t.Errorf("%s: the page's HTML contains %q", who, leak)
			}
		}
	}
	wantNoTabs := []string{"Overview", "Activity", "Tasks", "Gantt", "Files", "Schedule", "People"}

	// Lee, a client at Edit Tasks, signs in and finds the project in the projects list.
	leeTab := b.newTab(t, "lee", w.srv.URL)
	if st := signIn(leeTab, w.lee.Email, w.lee.Password); st != http.StatusOK {
		t.Fatalf("Lee's sign-in: status %d", st)
	}
	leeTab.Open("/projects")
	leeTab.Click(`main a[href="` + w.path("") + `"]`)
	leeTab.WantPath(w.path(""))
	leeTabs := projectTabs(leeTab)
	if !slices.Equal(leeTabs, wantNoTabs) {
		t.Errorf("Lee's tabs = %q, want %q", leeTabs, wantNoTabs)
	}
	noStatus(leeTab, "Lee", "budget", "time", "invoices")
	for _, tabKey := range []string{"budget", "time", "invoices"} {
		if st := leeTab.Open(w.path("/tab/" + tabKey)); st != http.StatusNotFound {
			t.Errorf("Lee opens /tab/%s: status %d, want 404", tabKey, st)
		}
	}
	leeTab.Open(w.path("/people"))
	if leeTab.Eval(`!!document.querySelector("#permissions-form")`) != "false" {
		t.Error("Lee's People page has the permissions form")
	}
	if people := leeTab.Text(".people-list"); !strings.Contains(people, "Ada Admin") || strings.Contains(people, "@") {
		t.Errorf("Lee's people list = %q: want names, no e-mail addresses", people)
	}
	shot(leeTab, "people-client-edit-tasks")
	leePeopleHTML := leeTab.Eval(`document.querySelector("main").innerText`)

	// Kim, a client at Edit Financials, sees Budget and Invoices, never Time.
	kimTab := b.newTab(t, "kim", w.srv.URL)
	signIn(kimTab, w.kim.Email, w.kim.Password)
	kimTab.Open(w.path(""))
	if got, want := projectTabs(kimTab), []string{"Overview", "Activity", "Tasks", "Gantt", "Files", "Schedule", "Budget", "Invoices", "People"}; !slices.Equal(got, want) {
		t.Errorf("Kim's tabs = %q, want %q", got, want)
	}
	noStatus(kimTab, "Kim", "time")
	if st := kimTab.Open(w.path("/tab/budget")); st != http.StatusOK {
		t.Errorf("Kim opens the Budget tab: status %d", st)
	}

	// The administrator sees the status, then views the project as Lee.
	admin := w.openPeople(t, b, "admin", w.admin.Email, w.admin.Password)
	admin.Open(w.path(""))
	if !shown(admin, ".project-header .hidden-marker") || !strings.Contains(admin.Text(".project-header"), "On track") {
		t.Fatalf("the administrator's header lacks the status pill: %q", admin.Text(".project-header"))
	}
	adminTabs := projectTabs(admin)
	if !slices.Contains(adminTabs, "Time") || !slices.Contains(adminTabs, "Budget") {
		t.Errorf("the administrator's tabs = %q", adminTabs)
	}
	admin.Open(w.path("/people"))
	clickHere(admin, "#tab-client")
	if st := admin.Click(`tr[data-user="` + w.lee.ID + `"] button[form="viewas-` + w.lee.ID + `"]`); st != http.StatusOK {
		t.Fatalf("View as Lee: status %d", st)
	}
	admin.WantPath(w.path(""))
	banner := strings.Join(strings.Fields(admin.Text(".banner-viewas")), " ")
	if want := "Viewing as Lee Park (Client, Edit Tasks) — read-only"; !strings.HasPrefix(banner, want) || !strings.HasSuffix(banner, "Exit") {
		t.Errorf("banner = %q, want %q … Exit", banner, want)
	}
	if got := projectTabs(admin); !slices.Equal(got, leeTabs) {
		t.Errorf("tabs viewing as Lee = %q, want Lee's own %q", got, leeTabs)
	}
	noStatus(admin, "admin viewing as Lee", "budget", "time", "invoices")
	if admin.Eval(`!!document.querySelector('a[href="`+w.path("/settings")+`"]')`) != "false" {
		t.Error("viewing as Lee shows the Settings button")
	}
	shot(admin, "viewas-lee-overview")
	if st := admin.Open(w.path("/tab/budget")); st != http.StatusNotFound {
		t.Errorf("viewing as Lee, the Budget tab answers %d, want 404", st)
	}
	admin.Open(w.path("/people"))
	if admin.Eval(`!!document.querySelector("#permissions-form, #explain-user")`) != "false" {
		t.Error("viewing as Lee, the People page offers the permissions form or the explain widget")
	}
	// The page is Lee's own People page, word for word, under the banner.
	if got := admin.Eval(`document.querySelector("main").innerText`); !strings.HasPrefix(got, "Viewing as Lee Park") || !strings.HasSuffix(got, "\n"+leePeopleHTML) {
		t.Errorf("viewing as Lee, the People page is not Lee's:\n%q\n--- Lee's own:\n%q", got, leePeopleHTML)
	}
	shot(admin, "viewas-lee-people")

	// Exit returns to the administrator's own view.
	if st := admin.Click(".banner-viewas button"); st != http.StatusOK {
		t.Fatalf("exit view-as: status %d", st)
	}
	admin.WantPath(w.path("/people"))
	if admin.Eval(`!!document.querySelector(".banner-viewas")`) != "false" {
		t.Error("the view-as banner is still shown after Exit")
	}
	if admin.Eval(`!!document.querySelector("#permissions-form")`) != "true" {
		t.Error("after Exit the People page has no permissions form")
	}
	admin.Open(w.path(""))
	if !shown(admin, ".project-header .hidden-marker") {
		t.Error("after Exit the status pill is still hidden")
	}
	if got := projectTabs(admin); !slices.Equal(got, adminTabs) {
		t.Errorf("after Exit the tabs = %q, want the administrator's %q", got, adminTabs)
	}

	// The view-as is in the audit log.
	var audit struct {
		Items []struct {
			Action    string `json:"action"`
			ProjectID string `json:"project_id"`
			Target    string `json:"target"`
			ActorID   string `json:"actor_id"`
		} `json:"items"`
	}
	apiGet(t, w.srv.URL, w.admin.Token, "/api/v1/accounts/"+w.acct.Account.ID+"/audit?action=view_as", &audit)
	found := false
	for _, e := range audit.Items {
		found = found || (e.Action == "view_as" && e.ProjectID == w.project.ID && e.Target == w.lee.Email && e.ActorID == w.admin.User.ID)
	}
	if !found || len(audit.Items) != 1 {
		t.Errorf("audit entries for view_as = %+v, want one for Lee in the project", audit.Items)
	}
}

func TestConcurrentSaveConflict(t *testing.T) {
	b := startBrowser(t)
	w := newPermWorld(t)
	ada := w.openPeople(t, b, "ada", w.admin.Email, w.admin.Password)
	pat := w.openPeople(t, b, "pat", w.pat.Email, w.pat.Password)
	rev0, _ := w.levels(t)

	// Ada saves first: Lee to View Financials.
	clickHere(ada, "#tab-client")
	ada.Select("#level-"+w.lee.ID, "View Financials")
	if st := ada.Click("#save-permissions"); st != http.StatusOK {
		t.Fatalf("Ada's save: status %d\n%s", st, ada.Text("main"))
	}
	if msg := ada.Text(`.flash[role="status"]`); msg != "Permissions saved." {
		t.Errorf("Ada's flash = %q", msg)
	}

	// Pat, on the page loaded before, changes Kim and Tom and saves: refused, nothing applied.
	clickHere(pat, "#tab-client")
	pat.Select("#level-"+w.kim.ID, "View Tasks")
	clickHere(pat, "#tab-provider")
	pat.Select("#level-"+w.tom.User.ID, "Edit Financials")
	if st := pat.Click("#save-permissions"); st != http.StatusConflict {
		t.Fatalf("Pat's stale save: status %d, want 409\n%s", st, pat.Text("main"))
	}
	pat.WantPath(w.path("/people"))
	if msg := pat.Text("#people-error"); !strings.Contains(strings.ToLower(msg), "someone else changed the permissions") {
		t.Errorf("Pat's error = %q", msg)
	}
	shot(pat, "people-conflict")
	rev, lv := w.levels(t)
	if rev != rev0+1 {
		t.Errorf("revision %d → %d, want exactly Ada's save", rev0, rev)
	}
	if lv[w.lee.ID] != "view_financials" || lv[w.kim.ID] != "edit_financials" || lv[w.tom.User.ID] != "edit_tasks" {
		t.Errorf("after the conflict: Lee %s (want view_financials), Kim %s (want edit_financials), Tom %s (want edit_tasks)",
			lv[w.lee.ID], lv[w.kim.ID], lv[w.tom.User.ID])
	}
	// The refused page shows the current state, at the current revision: a fresh save works.
	if v := value(pat, "#level-"+w.lee.ID); v != "view_financials" {
		t.Errorf("the conflict page shows Lee at %q, want Ada's view_financials", v)
	}
	if v := value(pat, `input[name="revision"]`); v != fmt.Sprint(rev) {
		t.Errorf("the conflict page carries revision %s, want %d", v, rev)
	}
	clickHere(pat, "#tab-client")
	pat.Select("#level-"+w.kim.ID, "View Tasks")
	if st := pat.Click("#save-permissions"); st != http.StatusOK {
		t.Fatalf("Pat's second save: status %d\n%s", st, pat.Text("main"))
	}
	if _, lv := w.levels(t); lv[w.lee.ID] != "view_financials" || lv[w.kim.ID] != "view_tasks" {
		t.Errorf("after Pat's second save: Lee %s, Kim %s", lv[w.lee.ID], lv[w.kim.ID])
	}
}

func TestExplainWidget(t *testing.T) {
	b := startBrowser(t)
	w := newPermWorld(t)
	admin := w.openPeople(t, b, "admin", w.admin.Email, w.admin.Password)
	if h := admin.Text("#explain-title"); h != "Why can or can't someone…?" {
		t.Errorf("explain heading = %q", h)
	}
	ask := func(who extPerson, want string) string {
		t.Helper()
		admin.Select("#explain-user", who.Name)
		admin.Select("#explain-action", "see the budget")
		if st := admin.Click(`form:has(#explain-user) button[type="submit"]`); st != http.StatusOK {
			t.Fatalf("explain: status %d", st)
		}
		admin.WantPath(w.path("/people"))
		got := strings.Join(strings.Fields(admin.Text("#explanation")), " ")
		prefix := who.Name + " (Client, " + map[string]string{w.lee.ID: "Edit Tasks", w.kim.ID: "Edit Financials"}[who.ID] + ") " + want + " do this: "
		rule, ok := strings.CutPrefix(got, prefix)
		if !ok {
			t.Fatalf("explanation = %q, want it to start %q", got, prefix)
		}
		text, id, ok := strings.Cut(rule, ". Rule ")
		if !ok || len(strings.Fields(text)) < 3 || id == "" {
			t.Errorf("explanation %q: want a rule sentence and its id", got)
		}
		// The choice is kept for the next question.
		if v := value(admin, "#explain-user"); v != who.ID {
			t.Errorf("after explaining, the person picker shows %q, want %q", v, who.ID)
		}
		if v := value(admin, "#explain-action"); v != "view_budget" {
			t.Errorf("after explaining, the action picker shows %q, want view_budget", v)
		}
		return text
	}
	leeRule := ask(w.lee, "cannot")
	if c := admin.Eval(`document.querySelector("#explanation").className`); !strings.Contains(c, "denied") {
		t.Errorf("Lee's explanation class = %q", c)
	}
	shot(admin, "people-explain-denied")
	kimRule := ask(w.kim, "can")
	if c := admin.Eval(`document.querySelector("#explanation").className`); !strings.Contains(c, "allowed") {
		t.Errorf("Kim's explanation class = %q", c)
	}
	if !strings.Contains(leeRule, "Financials") {
		t.Errorf("Lee's rule %q does not say who sees budgets", leeRule)
	}

	// The API tells the same.
	for _, c := range []struct {
		who     extPerson
		allowed bool
	}{{w.lee, false}, {w.kim, true}} {
		var e struct {
			Allowed bool   `json:"allowed"`
			Rule    string `json:"rule"`
		}
		apiGet(t, w.srv.URL, w.admin.Token, "/api/v1/access/explain?user="+c.who.ID+"&action=view_budget&resource=project:"+w.project.ID, &e)
		want := map[bool]string{true: kimRule, false: leeRule}[c.allowed]
		if e.Allowed != c.allowed || e.Rule != want {
			t.Errorf("API explain for %s: allowed %v rule %q; the page said %q", c.who.Name, e.Allowed, e.Rule, want)
		}
	}
}
