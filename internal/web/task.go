package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/gantt"
	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesTasks(mux *http.ServeMux) {
	mux.HandleFunc("GET /projects/{id}/tab/tasks", h.tasksTab)
	mux.HandleFunc("POST /projects/{id}/tasks", h.createTask)
	mux.HandleFunc("GET /projects/{id}/tasks/{task}", h.taskPage)
	mux.HandleFunc("POST /projects/{id}/tasks/{task}", h.updateTask)
	mux.HandleFunc("POST /projects/{id}/tasks/{task}/progress", h.taskProgress)
	mux.HandleFunc("POST /projects/{id}/tasks/{task}/signoff", h.taskSignoff)
	mux.HandleFunc("POST /projects/{id}/tasks/{task}/delete", h.deleteTask)
	mux.HandleFunc("GET /projects/{id}/tab/gantt", h.ganttTab)
	mux.HandleFunc("POST /projects/{id}/baselines", h.saveBaseline)
	mux.HandleFunc("GET /projects/{id}/tab/schedule", h.scheduleTab)
	mux.HandleFunc("POST /projects/{id}/schedule", h.setDates)
	mux.HandleFunc("POST /projects/{id}/date-changes", h.proposeDates)
	mux.HandleFunc("POST /projects/{id}/date-changes/{prop}/{decision}", h.decideProposal)
	mux.HandleFunc("POST /projects/{id}/allocations", h.setAllocation)
}

type tasksData struct {
	Frame    *projectFrame
	Tasks    []domain.Task
	Next     string
	Sections app.TaskSections
	Statuses []domain.TaskStatus
	People   map[string]string // user id → name
	Members  []domain.Participant
	Board    bool
	Columns  []boardColumn
	Filter   url.Values
}

type boardColumn struct {
	Status domain.TaskStatus
	Tasks  []domain.Task
}

func (h *Handler) tasksTab(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	f.Active = "tasks"
	q := r.URL.Query()
	ctx := r.Context()
	d := tasksData{Frame: f, Sections: f.PA.Sections(), Board: q.Get("view") == "board", Filter: q}
	filter := store.TaskFilter{StatusID: q.Get("status"), Assignee: q.Get("assignee"), Kind: q.Get("kind"), Cursor: q.Get("cursor")}
	if d.Board {
		filter.Limit = store.MaxLimit
	}
	var err error
	if d.Tasks, d.Next, err = h.app.Tasks(ctx, f.PA, filter); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Statuses, err = h.app.TaskStatuses(ctx, f.PA); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.fillPeople(r, f.PA, &d.People, &d.Members); err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range d.Tasks {
		knownAssignees(&d.Tasks[i], d.People)
	}
	if d.Board {
		for _, st := range d.Statuses {
			col := boardColumn{Status: st}
			for _, t := range d.Tasks {
				if t.StatusID == st.ID {
					col.Tasks = append(col.Tasks, t)
				}
			}
			d.Columns = append(d.Columns, col)
		}
	}
	pg.Data = d
	h.render(w, r, 0, "tasks", pg)
}

// knownAssignees keeps the assignees the viewer knows by name: hidden provider people do not
// exist for clients (the pages would show a blank name, or a dangling comma).
func knownAssignees(t *domain.Task, names map[string]string) {
	var as []string
	for _, u := range t.Assignees {
		if _, ok := names[u]; ok {
			as = append(as, u)
		}
	}
	t.Assignees = as
}

// fillPeople maps participants' ids to names (clients do not see hidden provider people).
func (h *Handler) fillPeople(r *http.Request, pa *app.ProjectActor, names *map[string]string, list *[]domain.Participant) error {
	people, err := h.app.MentionCandidates(r.Context(), pa, "", false)
	if err != nil {
		return err
	}
	*names = map[string]string{pa.UserID: pa.Principal.User.FullName()}
	for _, p := range people {
		(*names)[p.UserID] = p.FullName()
	}
	*list = people
	return nil
}

// taskInput reads the task form: only the sections the form showed (and the actor may edit).
func taskInput(f url.Values, sec app.TaskSections) app.TaskInput {
	in := app.TaskInput{}
	str := func(k string) *string {
		if !f.Has(k) {
			return nil
		}
		v := f.Get(k)
		return &v
	}
	in.Title, in.Description, in.StatusID, in.Kind = str("title"), str("description"), str("status_id"), str("kind")
	if f.Has("assignees_present") {
		as := f["assignee_ids"]
		in.Assignees = &as
	}
	if sec.Schedule {
		in.StartDate, in.DueDate, in.ParentID = str("start_date"), str("due_date"), str("parent_id")
		if f.Has("deps_present") {
			deps := f["depends_on"]
			in.DependsOn = &deps
		}
		if v := f.Get("estimate_hours"); v != "" {
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				m := int64(n * 60)
				in.EstimateMin = &m
			}
		} else if f.Has("estimate_hours") {
			in.ClearEstimate = true
		}
	}
	if sec.EditFees && f.Has("fees_present") {
		b := f.Get("billable") == "on"
		in.Billable = &b
		if v := strings.TrimSpace(f.Get("budget")); v != "" {
			if n, err := domain.ParseMinor(v); err == nil {
				in.BudgetMinor = &n
			}
		} else {
			in.ClearBudget = true
		}
	}
	return in
}

func (h *Handler) createTask(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	t, err := h.app.CreateTask(r.Context(), f.PA, taskInput(r.PostForm, f.PA.Sections()))
	to := "/projects/" + f.Project.ID + "/tab/tasks"
	if err == nil {
		to = "/projects/" + f.Project.ID + "/tasks/" + t.ID
	}
	h.afterWrite(w, r, f, err, to, "Task created.")
}

type taskPageData struct {
	Frame                              *projectFrame
	Task                               *domain.Task
	Sections                           app.TaskSections
	Statuses                           []domain.TaskStatus
	People                             map[string]string
	Members                            []domain.Participant
	Others                             []domain.Task // candidates for parent and predecessors
	Progress                           []domain.Progress
	History                            []store.TaskHistoryEntry
	Fields                             []domain.CustomField
	Posts                              []domain.Post
	CanProgress, CanSignOff, CanDelete bool
}

func (h *Handler) taskPage(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	f.Active = "tasks"
	ctx := r.Context()
	t, err := h.app.TaskForActor(ctx, f.PA, r.PathValue("task"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := taskPageData{Frame: f, Task: t, Sections: f.PA.Sections()}
	writable := f.PA.ViewAs == nil
	d.CanProgress = writable && f.PA.Can(access.PostProgress)
	d.CanSignOff = writable && t.Kind == domain.TaskKindDeliverable && f.PA.Can(access.SignOffDeliverable)
	d.CanDelete = writable && f.PA.Decide(access.DeleteTask, f.PA.TaskFacts(t)).Allowed
	if d.Statuses, err = h.app.TaskStatuses(ctx, f.PA); err == nil {
		err = h.fillPeople(r, f.PA, &d.People, &d.Members)
	}
	knownAssignees(t, d.People) // for the page only: the form never posts the others
	if err == nil {
		d.Progress, err = h.app.Store.FindProgress(ctx, t.AccountID, t.ID)
	}
	if err == nil {
		d.History, err = h.app.Store.FindTaskHistory(ctx, t.AccountID, t.ID)
	}
	if err == nil && d.Sections.Schedule {
		d.Others, _, err = h.app.Tasks(ctx, f.PA, store.TaskFilter{Limit: store.MaxLimit})
	}
	if err == nil {
		d.Fields, err = h.app.CustomFields(ctx, f.PA)
	}
	if err == nil {
		d.Posts, err = h.app.TaskPosts(ctx, f.PA, t.ID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Title, pg.Data = t.Title, d
	h.render(w, r, 0, "task", pg)
}

func (h *Handler) updateTask(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	id := r.PathValue("task")
	in := taskInput(r.PostForm, f.PA.Sections())
	if f.PA.Sections().Custom && r.PostForm.Has("custom_present") {
		in.Custom = map[string]string{}
		for k, v := range r.PostForm {
			if strings.HasPrefix(k, "custom.") {
				in.Custom[strings.TrimPrefix(k, "custom.")] = v[0]
			}
		}
	}
	_, err := h.app.UpdateTask(r.Context(), f.PA, id, in)
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tasks/"+id, "Task saved.")
}

func (h *Handler) taskProgress(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	id := r.PathValue("task")
	pct, _ := strconv.Atoi(r.PostForm.Get("percent"))
	_, err := h.app.PostProgress(r.Context(), f.PA, id, pct, r.PostForm.Get("comment"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tasks/"+id, "Progress recorded.")
}

func (h *Handler) taskSignoff(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	id := r.PathValue("task")
	_, err := h.app.SignOff(r.Context(), f.PA, id, r.PostForm.Get("decision") == "approve", r.PostForm.Get("comment"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tasks/"+id, "Thank you — recorded.")
}

func (h *Handler) deleteTask(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	err := h.app.DeleteTask(r.Context(), f.PA, r.PathValue("task"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/tasks", "Task deleted.")
}

type ganttData struct {
	Frame    *projectFrame
	View     *app.GanttView
	SVG      template.HTML
	Zoom     string
	Baseline string
}

func (h *Handler) ganttTab(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	f.Active = "gantt"
	q := r.URL.Query()
	v, err := h.app.Gantt(r.Context(), f.PA, q.Get("zoom"), q.Get("baseline"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	buf.Grow(64<<10 + 768*len(v.Chart.Tasks)) // about what a row takes: no regrowing a big chart
	if err := gantt.Render(&buf, v.Chart); err != nil {
		h.fail(w, r, err)
		return
	}
	// The renderer escapes every piece of user text itself.
	pg.InlineStyles = true
	d := ganttData{Frame: f, View: v, SVG: template.HTML(buf.String()), Zoom: string(v.Chart.Zoom)}
	if v.Baseline != nil { // never echo a baseline to someone who may not see baselines
		d.Baseline = v.Baseline.ID
	}
	pg.Data = d
	h.render(w, r, 0, "gantt", pg)
}

func (h *Handler) saveBaseline(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	id, err := h.app.SaveBaseline(r.Context(), f.PA, r.PostForm.Get("name"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/gantt?baseline="+id, "Baseline saved.")
}

type scheduleData struct {
	Frame       *projectFrame
	Schedule    *app.Schedule
	CanEdit     bool
	CanPropose  bool
	Decidable   map[string]bool
	OwnOpen     map[string]bool
	Weeks       []string
	Allocations map[string]map[string]int64 // user → week → minutes
	Providers   []domain.Participant
	CanAllocate map[string]bool
	ShowAlloc   bool
}

func (h *Handler) scheduleTab(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	f.Active = "schedule"
	ctx := r.Context()
	s, err := h.app.Schedule(ctx, f.PA)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writable := f.PA.ViewAs == nil
	d := scheduleData{Frame: f, Schedule: s, CanEdit: writable && f.PA.Can(access.EditDatesDirectly),
		CanPropose: writable && f.PA.Can(access.ProposeDates), Decidable: map[string]bool{}, OwnOpen: map[string]bool{}}
	for i := range s.Proposals {
		p := &s.Proposals[i]
		d.Decidable[p.ID] = f.PA.CanDecide(p)
		d.OwnOpen[p.ID] = p.Status == "open" && p.ProposedBy == f.PA.UserID && writable
	}
	if d.ShowAlloc = f.PA.Can(access.ViewAllocations); d.ShowAlloc {
		if err := h.fillAllocations(r, f, &d); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	pg.Data = d
	h.render(w, r, 0, "schedule", pg)
}

func (h *Handler) fillAllocations(r *http.Request, f *projectFrame, d *scheduleData) error {
	from := app.MondayOf(time.Now().UTC())
	start, _ := time.Parse(time.DateOnly, from)
	for i := 0; i < 6; i++ {
		d.Weeks = append(d.Weeks, start.AddDate(0, 0, 7*i).Format(time.DateOnly))
	}
	as, err := h.app.Allocations(r.Context(), f.PA, d.Weeks[0], d.Weeks[len(d.Weeks)-1])
	if err != nil {
		return err
	}
	d.Allocations = map[string]map[string]int64{}
	for _, a := range as {
		if d.Allocations[a.UserID] == nil {
			d.Allocations[a.UserID] = map[string]int64{}
		}
		d.Allocations[a.UserID][a.Week] = a.Minutes
	}
	people, err := h.app.ListParticipants(r.Context(), f.PA)
	if err != nil {
		return err
	}
	d.CanAllocate = map[string]bool{}
	for _, p := range people.Full {
		if p.Side != domain.SideProvider {
			continue
		}
		d.Providers = append(d.Providers, p)
		need := access.AllocateTeamHours
		if p.UserID == f.PA.UserID {
			need = access.AllocateOwnHours
		}
		d.CanAllocate[p.UserID] = f.PA.ViewAs == nil && f.PA.Can(need)
	}
	return nil
}

func (h *Handler) setDates(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	err := h.app.SetDates(r.Context(), f.PA, r.PostForm.Get("start_date"), r.PostForm.Get("due_date"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/schedule", "Dates changed.")
}

func (h *Handler) proposeDates(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	_, err := h.app.ProposeDates(r.Context(), f.PA, r.PostForm.Get("start_date"), r.PostForm.Get("due_date"), r.PostForm.Get("comment"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/schedule", "Proposal sent. The other side decides.")
}

func (h *Handler) decideProposal(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	id := r.PathValue("prop")
	var err error
	switch r.PathValue("decision") {
	case "approve", "decline":
		_, err = h.app.DecideProposal(r.Context(), f.PA, id, r.PathValue("decision") == "approve", r.PostForm.Get("comment"))
	case "withdraw":
		err = h.app.WithdrawProposal(r.Context(), f.PA, id)
	default:
		err = domain.NotFound("page")
	}
	back := r.PostForm.Get("back")
	if back != "/projects/"+f.Project.ID+"/tab/activity" {
		back = "/projects/" + f.Project.ID + "/tab/schedule"
	}
	h.afterWrite(w, r, f, err, back, "Recorded.")
}

func (h *Handler) setAllocation(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	hours, err := strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get("hours")), 64)
	if err != nil {
		err = domain.Invalid(domain.FieldError{Field: "hours", Message: "must be a number of hours"})
	} else {
		err = h.app.SetAllocation(r.Context(), f.PA, r.PostForm.Get("user_id"), r.PostForm.Get("week"), int64(hours*60))
	}
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/schedule#resources", "Hours planned.")
}
