package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesProjects(mux *http.ServeMux) {
	mux.HandleFunc("GET /projects", h.projectsPage)
	mux.HandleFunc("GET /projects/new", h.newProjectPage)
	mux.HandleFunc("POST /projects", h.createProject)
	mux.HandleFunc("GET /projects/{id}", h.projectTab)
	mux.HandleFunc("GET /projects/{id}/tab/{tab}", h.projectTab)
	mux.HandleFunc("GET /projects/{id}/settings", h.projectSettingsPage)
	mux.HandleFunc("POST /projects/{id}/settings", h.saveProjectSettings)
	mux.HandleFunc("POST /projects/{id}/archive", h.archiveProject)
	mux.HandleFunc("POST /projects/{id}/restore", h.archiveProject)
	mux.HandleFunc("POST /projects/{id}/status", h.setStatus)
	mux.HandleFunc("POST /projects/{id}/join", h.joinProject)
}

// projectFrame is what every project page shows: header, tabs, the view-as banner.
type projectFrame struct {
	PA           *app.ProjectActor
	Project      *domain.Project
	ProviderName string
	ClientName   string
	Tabs         []app.Tab
	Active       string
	ShowStatus   bool // provider side: the status pill, with its "hidden from clients" marker
	CanEdit      bool
	CanSetStatus bool
	ViewAs       *app.ViewAs
	Guest        bool
	CanJoin      bool
}

const viewAsCookie = "portico_view_as"

// project loads the signed-in user's view of the project in the path — or, while they are
// viewing as someone (a cookie naming this project and that person), that person's view.
func (h *Handler) project(w http.ResponseWriter, r *http.Request) (*view, *page, *projectFrame, bool) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return nil, nil, nil, false
	}
	id := r.PathValue("id")
	var pa *app.ProjectActor
	var err error
	if target := viewAsTarget(r, id); target != "" {
		pa, err = h.app.ViewAsActor(r.Context(), v.p, id, target, false)
	} else {
		pa, err = h.app.ProjectActor(r.Context(), v.p, id)
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, nil, false
	}
	proj, acct := pa.Project(), pa.Account()
	f := &projectFrame{PA: pa, Project: proj, ProviderName: proj.SideName(acct.Settings, domain.SideProvider),
		ClientName: proj.SideName(acct.Settings, domain.SideClient), Tabs: pa.Tabs(), ShowStatus: pa.Can(access.ViewProjectStatus),
		CanEdit: pa.Can(access.EditProject) && pa.ViewAs == nil, CanSetStatus: pa.Can(access.SetProjectStatus) && pa.ViewAs == nil,
		ViewAs: pa.ViewAs, Guest: pa.Subject.Part.Guest}
	f.CanJoin = f.Guest && pa.ViewAs == nil && access.Join(&pa.Subject.Account, proj.Privacy).Allowed
	pg.Title = proj.Name
	return v, pg, f, true
}

func viewAsTarget(r *http.Request, projectID string) string {
	c, err := r.Cookie(viewAsCookie)
	if err != nil {
		return ""
	}
	pid, uid, ok := strings.Cut(c.Value, ":")
	if !ok || pid != projectID {
		return ""
	}
	return uid
}

type projectsData struct {
	Items     []store.ProjectListItem
	Next      string
	Search    string
	Archived  bool
	CanCreate bool
}

func (h *Handler) projectsPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := projectsData{Search: q.Get("q"), Archived: q.Get("archived") == "1"}
	items, next, err := h.app.ListProjects(r.Context(), v.p, v.act, store.ProjectFilter{Search: d.Search, Archived: d.Archived, Cursor: q.Get("cursor")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Items, d.Next = items, next
	d.CanCreate = v.act != nil && v.act.Can(access.CreateNonFinancialProject)
	pg.Title, pg.Data = "Projects", d
	h.render(w, r, 0, "projects", pg)
}

type projectFormData struct {
	New          bool
	CanFinancial bool
	Frame        *projectFrame
	History      []store.StatusChange
}

func (h *Handler) newProjectPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	if !v.act.Can(access.CreateNonFinancialProject) {
		h.fail(w, r, domain.Forbidden("your account level cannot create projects"))
		return
	}
	pg.Title, pg.Data = "New project", projectFormData{New: true, CanFinancial: v.act.Can(access.CreateFinancialProject)}
	pg.Form = url.Values{"privacy": {"invitation_only"}}
	h.render(w, r, 0, "project_form", pg)
}

func projectInput(f url.Values) app.ProjectInput {
	return app.ProjectInput{Name: f.Get("name"), Description: f.Get("description"), ClientCompany: f.Get("client_company"),
		StartDate: f.Get("start_date"), DueDate: f.Get("due_date"), Financial: f.Get("financial") == "on", Currency: strings.ToUpper(f.Get("currency")),
		Privacy: f.Get("privacy"), ProviderSideName: f.Get("provider_side_name"), ClientSideName: f.Get("client_side_name"),
		DefaultPostPrivacy: f.Get("default_post_privacy"), ScheduleApproval: f.Get("schedule_approval") == "on",
		TimeApproval: f.Get("time_approval") == "on", ExpenseApproval: f.Get("expense_approval") == "on"}
}

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	p, err := h.app.CreateProject(r.Context(), v.act, projectInput(r.PostForm))
	if err != nil {
		pg.Form = r.PostForm
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		pg.Title, pg.Data = "New project", projectFormData{New: true, CanFinancial: v.act.Can(access.CreateFinancialProject)}
		h.render(w, r, http.StatusUnprocessableEntity, "project_form", pg)
		return
	}
	h.redirect(w, r, "/projects/"+p.ID, "Project created. You are its Project Administrator.")
}

type overviewData struct {
	Frame   *projectFrame
	Leads   []app.PublicParticipant
	History []store.StatusChange
}

// projectTab shows a project tab the viewer may open; any other is 404, like a tab that does
// not exist.
func (h *Handler) projectTab(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	tab := r.PathValue("tab")
	if tab == "" {
		tab = "overview"
	}
	if tab == "people" {
		http.Redirect(w, r, "/projects/"+f.Project.ID+"/people", http.StatusSeeOther)
		return
	}
	found := false
	for _, t := range f.Tabs {
		found = found || t.Key == tab
	}
	if !found {
		h.fail(w, r, domain.NotFound("page"))
		return
	}
	f.Active = tab
	if tab != "overview" {
		pg.Data = f
		h.render(w, r, 0, "project_tab", pg)
		return
	}
	d := overviewData{Frame: f}
	people, err := h.app.ListParticipants(r.Context(), f.PA)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, p := range people.Full {
		if p.TeamLead {
			d.Leads = append(d.Leads, app.PublicParticipant{UserID: p.UserID, Name: p.FullName(), Side: p.Side, TeamLead: true})
		}
	}
	for _, p := range people.Public {
		if p.TeamLead {
			d.Leads = append(d.Leads, p)
		}
	}
	if f.ShowStatus {
		if d.History, err = h.app.StatusHistory(r.Context(), f.PA); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	pg.Data = d
	h.render(w, r, 0, "project_overview", pg)
}

func (h *Handler) projectSettingsPage(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	if !f.CanEdit {
		h.fail(w, r, domain.Forbidden("only a provider Project Administrator edits project settings"))
		return
	}
	p := f.Project
	pg.Form = url.Values{"name": {p.Name}, "description": {p.Description}, "client_company": {p.ClientCompany},
		"start_date": {dateOrEmpty(p.StartDate)}, "due_date": {dateOrEmpty(p.DueDate)}, "privacy": {string(p.Privacy)},
		"provider_side_name": {p.Settings.ProviderSideName}, "client_side_name": {p.Settings.ClientSideName},
		"default_post_privacy": {string(p.Settings.DefaultPostPrivacy)}, "currency": {p.Currency}}
	for k, on := range map[string]bool{"financial": p.Financial, "schedule_approval": p.Settings.ScheduleApproval,
		"time_approval": p.Settings.TimeApproval, "expense_approval": p.Settings.ExpenseApproval} {
		if on {
			pg.Form.Set(k, "on")
		}
	}
	f.Active = "settings"
	pg.Title, pg.Data = "Settings · "+p.Name, projectFormData{Frame: f, CanFinancial: access.CanAccount(&f.PA.Subject.Account, access.CreateFinancialProject) || p.Financial}
	h.render(w, r, 0, "project_form", pg)
}

func dateOrEmpty(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func (h *Handler) saveProjectSettings(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	if _, err := h.app.UpdateProject(r.Context(), f.PA, projectInput(r.PostForm)); err != nil {
		pg.Form = r.PostForm
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		f.Active = "settings"
		pg.Data = projectFormData{Frame: f, CanFinancial: true}
		h.render(w, r, http.StatusUnprocessableEntity, "project_form", pg)
		return
	}
	h.redirect(w, r, "/projects/"+f.Project.ID, "Project settings saved.")
}

func (h *Handler) archiveProject(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	archive := strings.HasSuffix(r.URL.Path, "/archive")
	if err := h.app.SetArchived(r.Context(), f.PA, archive); err != nil {
		h.fail(w, r, err)
		return
	}
	msg := "Project restored."
	if archive {
		msg = "Project archived."
	}
	h.redirect(w, r, "/projects/"+f.Project.ID, msg)
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	if err := h.app.SetStatus(r.Context(), f.PA, r.PostForm.Get("status"), r.PostForm.Get("note")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/projects/"+f.Project.ID, "Status updated.")
}

func (h *Handler) joinProject(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if _, err := h.app.Join(r.Context(), v.p, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/projects/"+r.PathValue("id"), "You joined the project.")
}
