package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesPeople(mux *http.ServeMux) {
	mux.HandleFunc("GET /projects/{id}/people", h.peoplePage)
	mux.HandleFunc("POST /projects/{id}/people", h.savePeople)
	mux.HandleFunc("POST /projects/{id}/people/add", h.addPerson)
	mux.HandleFunc("POST /projects/{id}/people/invite", h.invitePerson)
	mux.HandleFunc("POST /projects/{id}/view-as", h.startViewAs)
	mux.HandleFunc("POST /projects/{id}/view-as/exit", h.exitViewAs)
	mux.HandleFunc("GET /project-invitations/{token}", h.projectInvitationPage)
	mux.HandleFunc("POST /project-invitations/{token}", h.acceptProjectInvitation)
}

type option struct {
	Value, Label       string
	Selected, Disabled bool
}

// personRow is one editable row of the permissions page: the options are exactly those the
// rules allow for this person on this side.
type personRow struct {
	P              domain.Participant
	Levels         []option
	Access         []option
	CanChangeLevel bool
	LevelWhy       string
	CanManage      bool
	CanViewAs      bool
	Filtered       bool        // hidden by the search by name
	MoveTo         domain.Side // the side picked in the row's Side select
	Remove         bool        // the row's Remove box, as typed before a refused save
	Error          string      // why the last save was refused for this row
}

type peopleData struct {
	Frame          *projectFrame
	Revision       int64
	Provider       []personRow
	Client         []personRow
	Public         []app.PublicParticipant
	AnyManageable  bool
	InviteSides    []option
	ChooseLevel    bool
	AllLevels      []option
	Members        []domain.Member
	Invitations    []store.ProjectInvitation
	Now            time.Time
	CanExplain     bool
	ExplainPeople  []option
	ExplainActions []option
	Explanation    *app.Explanation
	Search         string
}

// explainActions are the questions the permissions page offers ("Why can't Lee …?").
var explainActions = []struct {
	a     access.Action
	label string
}{
	{access.ViewBudget, "see the budget"}, {access.ViewInvoices, "see invoices"}, {access.ViewAllEntries, "see time and expenses"},
	{access.TrackTime, "track time"}, {access.EditTasks, "edit tasks"}, {access.WritePost, "post to the activity feed"},
	{access.UploadFile, "upload files"}, {access.ViewProjectStatus, "see the project status"}, {access.ViewTaskFees, "see task fees"},
	{access.InviteParticipants, "invite people"}, {access.DecideDateProposal, "approve date changes"}, {access.ManageInvoices, "send invoices"},
}

func (h *Handler) peoplePage(w http.ResponseWriter, r *http.Request) {
	v, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	h.renderPeople(w, r, v, pg, f, 0)
}

func (h *Handler) renderPeople(w http.ResponseWriter, r *http.Request, v *view, pg *page, f *projectFrame, status int) {
	h.renderPeopleTyped(w, r, pg, f, status, nil, nil)
}

// renderPeopleTyped renders the People page. After a refused save, typed is the permissions form
// as posted: the rows show what was typed (at the revision it was typed against), so nothing is
// lost, and rowErrs says next to each refused row why.
func (h *Handler) renderPeopleTyped(w http.ResponseWriter, r *http.Request, pg *page, f *projectFrame, status int, typed url.Values, rowErrs map[string]string) {
	ctx := r.Context()
	pa := f.PA
	f.Active = "people"
	people, err := h.app.ListParticipants(ctx, pa)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	table, err := h.app.Store.FindPermissionTable(ctx, f.Project.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := peopleData{Frame: f, Revision: f.Project.Revision, Public: people.Public, Now: time.Now(), Search: r.URL.Query().Get("q")}
	readOnly := pa.ViewAs != nil
	search := strings.ToLower(strings.TrimSpace(d.Search))
	for _, p := range people.Full {
		row := h.personRow(pa, table, p, readOnly)
		row.Filtered = search != "" && !strings.Contains(strings.ToLower(p.FullName()), search)
		if typed != nil && row.CanManage {
			keepTyped(&row, typed)
		}
		row.Error = rowErrs[p.UserID]
		d.AnyManageable = d.AnyManageable || row.CanManage
		if p.Side == domain.SideClient {
			d.Client = append(d.Client, row)
		} else {
			d.Provider = append(d.Provider, row)
		}
	}
	for _, side := range []domain.Side{domain.SideProvider, domain.SideClient} {
		fct := pa.Facts()
		fct.TargetClient = side == domain.SideClient
		if !readOnly && pa.Decide(access.InviteParticipants, fct).Allowed {
			d.InviteSides = append(d.InviteSides, option{Value: string(side), Label: f.ProviderName})
			if side == domain.SideClient {
				d.InviteSides[len(d.InviteSides)-1].Label = f.ClientName
			}
		}
	}
	if rev := parseInt(typed.Get("revision")); typed != nil && rev > 0 {
		d.Revision = rev
	}
	d.ChooseLevel = pa.Subject.Part.Level == access.LvlProjectAdmin
	for _, l := range domain.ProjectLevels {
		d.AllLevels = append(d.AllLevels, option{Value: string(l), Label: l.Name()})
	}
	if len(d.InviteSides) > 0 && d.InviteSides[0].Value == string(domain.SideProvider) {
		d.Members = h.addableMembers(r, pa, people.Full)
		if d.Invitations, err = h.app.ListProjectInvitations(ctx, pa); err != nil && domain.ErrorCode(err) != domain.EFORBIDDEN {
			h.fail(w, r, err)
			return
		}
	}
	d.CanExplain = !readOnly && pa.Can(access.Explain)
	if d.CanExplain {
		h.explainWidget(r, pa, people.Full, &d)
	}
	pg.Title, pg.Data = "People · "+f.Project.Name, d
	h.render(w, r, status, "people", pg)
}

func (h *Handler) personRow(pa *app.ProjectActor, table domain.PermissionTable, p domain.Participant, readOnly bool) personRow {
	row := personRow{P: p, MoveTo: p.Side}
	fct := pa.Facts()
	fct.TargetClient = p.Side == domain.SideClient
	fct.TargetSelf = p.UserID == pa.Principal.User.ID
	fct.TargetCreator = p.UserID == pa.Project().CreatedBy && p.Level == domain.PLProjectAdmin
	fct.TargetAccountAdmin = p.AccountLevel == domain.LevelAccountAdmin
	row.CanManage = !readOnly && pa.Decide(access.ManageParticipants, fct).Allowed
	if d := pa.Decide(access.ChangeParticipantLevel, fct); d.Allowed && !readOnly {
		row.CanChangeLevel = true
	} else if row.CanManage {
		row.LevelWhy = d.Rule.Text
	}
	for _, l := range domain.ProjectLevels {
		st := domain.ParticipantSetting{Side: p.Side, Level: l}
		if len(domain.ValidateParticipant("", st, p.AccountLevel, table, pa.Account().Settings)) == 0 || l == p.Level {
			row.Levels = append(row.Levels, option{Value: string(l), Label: l.Name(), Selected: l == p.Level})
		}
	}
	for _, a := range domain.Accesses {
		if p.Side == domain.SideClient && a != domain.AccessPost && a != domain.AccessInvite {
			continue
		}
		row.Access = append(row.Access, option{Value: string(a), Label: a.Name(), Selected: slices.Contains(p.Access, a) || p.Level == domain.PLProjectAdmin,
			Disabled: p.Level == domain.PLProjectAdmin})
	}
	row.CanViewAs = !readOnly && pa.Can(access.ViewAs) && p.UserID != pa.Principal.User.ID
	return row
}

// keepTyped shows in a row what was typed into the permissions form for that person.
func keepTyped(row *personRow, form url.Values) {
	uid := row.P.UserID
	if !slices.Contains(form["users"], uid) {
		return
	}
	if l := form.Get("level." + uid); l != "" {
		for i := range row.Levels {
			row.Levels[i].Selected = row.Levels[i].Value == l
		}
	}
	if form.Has("access_present."+uid) && row.P.Level != domain.PLProjectAdmin {
		for i := range row.Access {
			row.Access[i].Selected = slices.Contains(form["access."+uid], row.Access[i].Value)
		}
	}
	if s := domain.Side(form.Get("side." + uid)); s.Valid() {
		row.MoveTo = s
	}
	row.Remove = form.Get("remove."+uid) == "on"
	if form.Has("hidden_present." + uid) {
		row.P.Hidden = form.Get("hidden."+uid) == "on"
	}
	if side := string(row.P.Side); form.Has("lead_present." + side) {
		row.P.TeamLead = form.Get("lead."+side) == uid
	}
}

// saveErrors puts a refused batch into words: the page's message, naming each refused person,
// and each refused row's own message. Field errors name rows as "changes[i].…".
func saveErrors(err error, changes []store.ParticipantChange, people []domain.Participant) (string, map[string]string) {
	de, ok := err.(*domain.Error)
	if !ok || len(de.Fields) == 0 {
		return domain.ErrorMessage(err), nil
	}
	names := map[string]string{}
	for _, p := range people {
		names[p.UserID] = p.FullName()
	}
	rows := map[string]string{}
	var parts []string
	for _, fe := range de.Fields {
		rest, ok := strings.CutPrefix(fe.Field, "changes[")
		idx, _, _ := strings.Cut(rest, "]")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i >= len(changes) {
			parts = append(parts, fe.Message)
			continue
		}
		uid := changes[i].UserID
		msg := strings.TrimPrefix(fe.Message, names[uid]+": ")
		if rows[uid] != "" {
			rows[uid] += "; "
		}
		rows[uid] += msg
		parts = append(parts, names[uid]+": "+msg)
	}
	return "nothing was saved. " + strings.Join(parts, "; "), rows
}

// addableMembers lists active account members not yet in the project.
func (h *Handler) addableMembers(r *http.Request, pa *app.ProjectActor, in []domain.Participant) []domain.Member {
	ms, _, err := h.app.Store.FindMembers(r.Context(), store.MemberFilter{AccountID: pa.Project().AccountID, Limit: store.MaxLimit})
	if err != nil {
		return nil
	}
	var out []domain.Member
	for _, m := range ms {
		if m.Active && !slices.ContainsFunc(in, func(p domain.Participant) bool { return p.UserID == m.UserID }) {
			out = append(out, m)
		}
	}
	return out
}

func (h *Handler) explainWidget(r *http.Request, pa *app.ProjectActor, people []domain.Participant, d *peopleData) {
	q := r.URL.Query()
	for _, p := range people {
		d.ExplainPeople = append(d.ExplainPeople, option{Value: p.UserID, Label: p.FullName(), Selected: q.Get("explain_user") == p.UserID})
	}
	for _, a := range explainActions {
		d.ExplainActions = append(d.ExplainActions, option{Value: a.a.String(), Label: a.label, Selected: q.Get("explain_action") == a.a.String()})
	}
	if q.Get("explain_user") != "" && q.Get("explain_action") != "" {
		e, err := h.app.Explain(r.Context(), pa.Principal, pa.Project().ID, q.Get("explain_user"), q.Get("explain_action"))
		if err == nil {
			d.Explanation = e
		}
	}
}

// savePeople turns the permissions form into one batch: only what differs from the current
// state is sent, with the revision the page was loaded at.
func (h *Handler) savePeople(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	form := r.PostForm
	people, err := h.app.ListParticipants(r.Context(), f.PA)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var changes []store.ParticipantChange
	for _, p := range people.Full {
		uid := p.UserID
		if !slices.Contains(form["users"], uid) {
			continue
		}
		c := store.ParticipantChange{UserID: uid}
		changed := false
		if form.Get("remove."+uid) == "on" {
			c.Remove, changed = true, true
		}
		if l := domain.ProjectLevel(form.Get("level." + uid)); l != "" && l != p.Level {
			c.Level, changed = &l, true
		}
		if p.Level != domain.PLProjectAdmin && form.Has("access_present."+uid) {
			acc := []domain.Access{}
			for _, a := range form["access."+uid] {
				acc = append(acc, domain.Access(a))
			}
			if !sameSet(acc, p.Access) {
				c.Access, changed = &acc, true
			}
		}
		if s := domain.Side(form.Get("side." + uid)); s != "" && s != p.Side {
			c.Side, changed = &s, true
		}
		if hidden := form.Get("hidden."+uid) == "on"; form.Has("hidden_present."+uid) && hidden != p.Hidden {
			c.Hidden, changed = &hidden, true
		}
		if lead := form.Get("lead." + string(p.Side)); form.Has("lead_present."+string(p.Side)) && (lead == uid) != p.TeamLead {
			tl := lead == uid
			c.TeamLead, changed = &tl, true
		}
		if changed {
			changes = append(changes, c)
		}
	}
	if len(changes) == 0 {
		h.redirect(w, r, "/projects/"+f.Project.ID+"/people", "Nothing to save.")
		return
	}
	if _, err := h.app.SavePermissions(r.Context(), f.PA, parseInt(form.Get("revision")), changes); err != nil {
		code := domain.ErrorCode(err)
		status := map[string]int{domain.EINVALID: http.StatusUnprocessableEntity, domain.ECONFLICT: http.StatusConflict, domain.EFORBIDDEN: http.StatusForbidden}[code]
		if status == 0 {
			h.fail(w, r, err)
			return
		}
		if code == domain.ECONFLICT {
			// Someone else saved: show the permissions as they are now, to edit again.
			pg.Error = domain.ErrorMessage(err)
			h.renderPeopleTyped(w, r, pg, f, status, nil, nil)
			return
		}
		var rowErrs map[string]string
		pg.Error, rowErrs = saveErrors(err, changes, people.Full)
		h.renderPeopleTyped(w, r, pg, f, status, form, rowErrs)
		return
	}
	h.redirect(w, r, "/projects/"+f.Project.ID+"/people", "Permissions saved.")
}

func sameSet(a, b []domain.Access) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func parseInt(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

func (h *Handler) addPerson(w http.ResponseWriter, r *http.Request) {
	v, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	_, err := h.app.AddMember(r.Context(), f.PA, r.PostForm.Get("member_id"), domain.Side(r.PostForm.Get("side")), domain.ProjectLevel(r.PostForm.Get("level")), nil)
	if err != nil {
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.renderPeople(w, r, v, pg, f, http.StatusUnprocessableEntity)
		return
	}
	h.redirect(w, r, "/projects/"+f.Project.ID+"/people", "Added to the project.")
}

func (h *Handler) invitePerson(w http.ResponseWriter, r *http.Request) {
	v, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	inv, _, err := h.app.InviteToProject(r.Context(), f.PA, r.PostForm.Get("email"), domain.Side(r.PostForm.Get("side")), domain.ProjectLevel(r.PostForm.Get("level")), nil)
	if err != nil {
		pg.Form = r.PostForm
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.renderPeople(w, r, v, pg, f, http.StatusUnprocessableEntity)
		return
	}
	h.redirect(w, r, "/projects/"+f.Project.ID+"/people", "Invitation sent to "+inv.Email+".")
}

// startViewAs begins viewing the project as a participant: checked and audited now, then
// remembered in a cookie for this project only.
func (h *Handler) startViewAs(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	id, target := r.PathValue("id"), r.PostForm.Get("user_id")
	if _, err := h.app.ViewAsActor(r.Context(), v.p, id, target, true); err != nil {
		h.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: viewAsCookie, Value: id + ":" + target, Path: "/projects/" + id, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode, MaxAge: 3600})
	http.Redirect(w, r, "/projects/"+id, http.StatusSeeOther)
}

func (h *Handler) exitViewAs(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	http.SetCookie(w, &http.Cookie{Name: viewAsCookie, Path: "/projects/" + id, MaxAge: -1, HttpOnly: true, Secure: h.secure})
	http.Redirect(w, r, "/projects/"+id+"/people", http.StatusSeeOther)
}

func (h *Handler) projectInvitationPage(w http.ResponseWriter, r *http.Request) {
	inv, err := h.app.LookupProjectInvitation(r.Context(), r.PathValue("token"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, 0, "project_invitation", &page{Title: "Join " + inv.ProjectName, Data: inv})
}

func (h *Handler) acceptProjectInvitation(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	tok := r.PathValue("token")
	in := app.AcceptInput{FirstName: r.PostForm.Get("first_name"), LastName: r.PostForm.Get("last_name"), Password: r.PostForm.Get("password")}
	session, projectID, err := h.app.AcceptProjectInvitation(r.Context(), tok, in, client(r))
	if err != nil {
		inv, lerr := h.app.LookupProjectInvitation(r.Context(), tok)
		pg := &page{Title: "Join", Form: r.PostForm, Data: inv}
		pg.Form.Del("password")
		if lerr != nil || domain.ErrorCode(err) != domain.EINVALID || !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "project_invitation", pg)
		return
	}
	h.setSession(w, session)
	h.redirect(w, r, "/projects/"+projectID, "Welcome to the project!")
}
