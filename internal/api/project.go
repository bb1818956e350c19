package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// ProjectPath names a project; view_as (provider Project Administrators and Account
// Administrators) answers as that participant would see it, read-only.
type ProjectPath struct {
	Project string `path:"project" maxLength:"64"`
	ViewAs  string `query:"view_as" maxLength:"64" doc:"user id of a participant: answer as they would see it (read-only, audited)"`
}

// projectOut is a project as any participant sees it. What only the provider side sees lives
// in Provider, which the client builder never fills.
type projectOut struct {
	ID               string           `json:"id"`
	AccountID        string           `json:"account_id"`
	AccountName      string           `json:"account_name"`
	Name             string           `json:"name"`
	Description      string           `json:"description"`
	ClientCompany    string           `json:"client_company"`
	StartDate        string           `json:"start_date,omitempty" format:"date"`
	DueDate          string           `json:"due_date,omitempty" format:"date"`
	Financial        bool             `json:"financial"`
	Currency         string           `json:"currency"`
	ProviderSideName string           `json:"provider_side_name"`
	ClientSideName   string           `json:"client_side_name"`
	Archived         bool             `json:"archived"`
	CreatedAt        time.Time        `json:"created_at"`
	MySide           string           `json:"my_side,omitempty" doc:"the viewer's side; empty for guests"`
	MyLevel          string           `json:"my_level,omitempty"`
	Tabs             []string         `json:"tabs" doc:"the project tabs the viewer may open"`
	Provider         *projectProvider `json:"provider,omitempty" doc:"provider-side only"`
}

type projectProvider struct {
	Status             string `json:"status" enum:"on_track,at_risk,off_track"`
	StatusNote         string `json:"status_note"`
	Privacy            string `json:"privacy"`
	DefaultPostPrivacy string `json:"default_post_privacy,omitempty"`
	ScheduleApproval   bool   `json:"schedule_approval"`
	TimeApproval       bool   `json:"time_approval"`
	ExpenseApproval    bool   `json:"expense_approval"`
	CustomSideNames    bool   `json:"custom_side_names"`
}

func dateStr(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// projectView builds the project for the viewer: the shared part for everyone, the provider
// part only when the access layer lets them see project status.
func projectView(pa *app.ProjectActor) projectOut {
	p, acct := pa.Project(), pa.Account()
	out := projectOut{ID: p.ID, AccountID: p.AccountID, AccountName: acct.Name, Name: p.Name, Description: p.Description,
		ClientCompany: p.ClientCompany, StartDate: dateStr(p.StartDate), DueDate: dateStr(p.DueDate), Financial: p.Financial,
		Currency: p.Currency, ProviderSideName: p.SideName(acct.Settings, domain.SideProvider),
		ClientSideName: p.SideName(acct.Settings, domain.SideClient), Archived: p.ArchivedAt != nil, CreatedAt: p.CreatedAt, Tabs: []string{}}
	if pt := pa.Participant(); pt != nil && !pa.Subject.Part.Guest {
		out.MySide, out.MyLevel = string(pt.Side), string(pt.Level)
	}
	for _, t := range pa.Tabs() {
		out.Tabs = append(out.Tabs, t.Key)
	}
	if pa.Can(access.ViewProjectStatus) {
		st := p.Settings
		out.Provider = &projectProvider{Status: string(p.Status), StatusNote: p.StatusNote, Privacy: string(p.Privacy),
			DefaultPostPrivacy: string(st.DefaultPostPrivacy), ScheduleApproval: st.ScheduleApproval, TimeApproval: st.TimeApproval,
			ExpenseApproval: st.ExpenseApproval, CustomSideNames: st.ProviderSideName != "" || st.ClientSideName != ""}
	}
	return out
}

type projectListItemOut struct {
	ID            string `json:"id"`
	AccountID     string `json:"account_id"`
	AccountName   string `json:"account_name"`
	Name          string `json:"name"`
	ClientCompany string `json:"client_company"`
	Financial     bool   `json:"financial"`
	Archived      bool   `json:"archived"`
	MySide        string `json:"my_side,omitempty"`
	MyLevel       string `json:"my_level,omitempty"`
}

type listProjectsInput struct {
	PageQuery
	Search   string `query:"search" maxLength:"100"`
	Archived bool   `query:"archived"`
	Account  string `query:"account" maxLength:"64" doc:"also list this account's projects the caller may see account-wide (default: the session's account)"`
}

type projectsPage struct {
	Items      []projectListItemOut `json:"items"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// ProjectBody is a project's info and settings as a client sends them.
type ProjectBody struct {
	Name               string `json:"name" maxLength:"200"`
	Description        string `json:"description,omitempty" maxLength:"10000"`
	ClientCompany      string `json:"client_company,omitempty" maxLength:"200"`
	StartDate          string `json:"start_date,omitempty" maxLength:"10" doc:"YYYY-MM-DD"`
	DueDate            string `json:"due_date,omitempty" maxLength:"10" doc:"YYYY-MM-DD"`
	Financial          bool   `json:"financial,omitempty"`
	Currency           string `json:"currency,omitempty" maxLength:"3"`
	Privacy            string `json:"privacy,omitempty" enum:"invitation_only,open_to_admins,open_to_members"`
	ProviderSideName   string `json:"provider_side_name,omitempty" maxLength:"40"`
	ClientSideName     string `json:"client_side_name,omitempty" maxLength:"40"`
	DefaultPostPrivacy string `json:"default_post_privacy,omitempty" enum:"public,private"`
	ScheduleApproval   bool   `json:"schedule_approval,omitempty"`
	TimeApproval       bool   `json:"time_approval,omitempty"`
	ExpenseApproval    bool   `json:"expense_approval,omitempty"`
}

func (b ProjectBody) input() app.ProjectInput {
	return app.ProjectInput{Name: b.Name, Description: b.Description, ClientCompany: b.ClientCompany, StartDate: b.StartDate,
		DueDate: b.DueDate, Financial: b.Financial, Currency: b.Currency, Privacy: b.Privacy, ProviderSideName: b.ProviderSideName,
		ClientSideName: b.ClientSideName, DefaultPostPrivacy: b.DefaultPostPrivacy, ScheduleApproval: b.ScheduleApproval,
		TimeApproval: b.TimeApproval, ExpenseApproval: b.ExpenseApproval}
}

type createProjectInput struct {
	Body struct {
		AccountID string `json:"account_id,omitempty" maxLength:"64" doc:"the account to create it in (default: the session's account, or the only one)"`
		ProjectBody
	}
}

type updateProjectInput struct {
	ProjectPath
	Body ProjectBody
}

type statusInput struct {
	ProjectPath
	Body struct {
		Status string `json:"status" enum:"on_track,at_risk,off_track"`
		Note   string `json:"note,omitempty" maxLength:"2000"`
	}
}

type statusChangeOut struct {
	Status    string    `json:"status"`
	Note      string    `json:"note"`
	SetBy     string    `json:"set_by"`
	SetByName string    `json:"set_by_name"`
	At        time.Time `json:"at"`
}

// projectActor loads the caller in the project, or the participant they view as.
func (h *Handler) projectActor(ctx context.Context, in ProjectPath) (*app.ProjectActor, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if in.ViewAs != "" {
		return h.app.ViewAsActor(ctx, p, in.Project, in.ViewAs, true)
	}
	return h.app.ProjectActor(ctx, p, in.Project)
}

type projectBodyOut struct{ Body projectOut }

func (h *Handler) registerProjects(api huma.API) {
	huma.Register(api, op("list-projects", http.MethodGet, "/api/v1/projects", "The projects the caller takes part in or may see account-wide", "projects"),
		func(ctx context.Context, in *listProjectsInput) (*struct{ Body projectsPage }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			var act *app.Actor
			accountID := in.Account
			if accountID == "" {
				accountID = p.AccountID
			}
			if accountID != "" {
				if act, err = h.app.Actor(ctx, p, accountID); err != nil {
					return nil, h.fail(err)
				}
			}
			items, next, err := h.app.ListProjects(ctx, p, act, store.ProjectFilter{Search: in.Search, Archived: in.Archived, Cursor: in.Cursor, Limit: in.Limit})
			if err != nil {
				return nil, h.fail(err)
			}
			out := projectsPage{Items: make([]projectListItemOut, len(items)), NextCursor: next}
			for i, it := range items {
				out.Items[i] = projectListItemOut{it.ID, it.AccountID, it.AccountName, it.Name, it.ClientCompany, it.Financial,
					it.ArchivedAt != nil, string(it.Side), string(it.Level)}
			}
			return &struct{ Body projectsPage }{out}, nil
		})
	huma.Register(api, created(op("create-project", http.MethodPost, "/api/v1/projects", "Create a project (Project Creator: non-financial; Project Lead and above: financial too)", "projects")), func(ctx context.Context, in *createProjectInput) (*projectBodyOut, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, h.fail(err)
		}
		accountID, err := h.targetAccount(ctx, p, in.Body.AccountID)
		if err != nil {
			return nil, h.fail(err)
		}
		act, err := h.app.Actor(ctx, p, accountID)
		if err != nil {
			return nil, h.fail(err)
		}
		proj, err := h.app.CreateProject(ctx, act, in.Body.ProjectBody.input())
		if err != nil {
			return nil, h.fail(err)
		}
		return h.projectResponse(ctx, ProjectPath{Project: proj.ID})
	})
	huma.Register(api, op("get-project", http.MethodGet, "/api/v1/projects/{project}", "A project as the caller may see it", "projects"),
		func(ctx context.Context, in *ProjectPath) (*projectBodyOut, error) {
			return h.projectResponse(ctx, *in)
		})
	huma.Register(api, op("update-project", http.MethodPatch, "/api/v1/projects/{project}", "Replace a project's info and settings (provider Project Administrators)", "projects"),
		func(ctx context.Context, in *updateProjectInput) (*projectBodyOut, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			if _, err := h.app.UpdateProject(ctx, pa, in.Body.input()); err != nil {
				return nil, h.fail(err)
			}
			return h.projectResponse(ctx, ProjectPath{Project: in.Project})
		})
	for _, archive := range []bool{true, false} {
		id, path, summary := "archive-project", "/api/v1/projects/{project}/archive", "Archive a project"
		if !archive {
			id, path, summary = "restore-project", "/api/v1/projects/{project}/restore", "Restore an archived project"
		}
		huma.Register(api, op(id, http.MethodPost, path, summary+" (provider Project Administrators)", "projects"),
			func(ctx context.Context, in *ProjectPath) (*projectBodyOut, error) {
				pa, err := h.projectActor(ctx, *in)
				if err != nil {
					return nil, h.fail(err)
				}
				if err := h.app.SetArchived(ctx, pa, archive); err != nil {
					return nil, h.fail(err)
				}
				return h.projectResponse(ctx, ProjectPath{Project: in.Project})
			})
	}
	huma.Register(api, op("set-project-status", http.MethodPut, "/api/v1/projects/{project}/status", "Set the project status (provider Edit Financials and Project Administrators)", "projects"),
		func(ctx context.Context, in *statusInput) (*projectBodyOut, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			if err := h.app.SetStatus(ctx, pa, in.Body.Status, in.Body.Note); err != nil {
				return nil, h.fail(err)
			}
			return h.projectResponse(ctx, ProjectPath{Project: in.Project})
		})
	huma.Register(api, op("project-status-history", http.MethodGet, "/api/v1/projects/{project}/status", "The project's status history (provider side only)", "projects"),
		func(ctx context.Context, in *ProjectPath) (*struct{ Body []statusChangeOut }, error) {
			pa, err := h.projectActor(ctx, *in)
			if err != nil {
				return nil, h.fail(err)
			}
			hist, err := h.app.StatusHistory(ctx, pa)
			if err != nil {
				return nil, h.fail(err)
			}
			out := make([]statusChangeOut, len(hist))
			for i, c := range hist {
				out[i] = statusChangeOut{string(c.Status), c.Note, c.SetBy, c.SetByName, c.At}
			}
			return &struct{ Body []statusChangeOut }{out}, nil
		})
}

func (h *Handler) projectResponse(ctx context.Context, in ProjectPath) (*projectBodyOut, error) {
	pa, err := h.projectActor(ctx, in)
	if err != nil {
		return nil, h.fail(err)
	}
	return &projectBodyOut{projectView(pa)}, nil
}

// targetAccount picks the account a new thing goes into: the one named, the session's, or
// the caller's only active membership.
func (h *Handler) targetAccount(ctx context.Context, p *store.Principal, named string) (string, error) {
	if named != "" {
		return named, nil
	}
	if p.AccountID != "" {
		return p.AccountID, nil
	}
	ms, err := h.app.Store.FindMemberships(ctx, p.User.ID)
	if err != nil {
		return "", err
	}
	var active []string
	for _, m := range ms {
		if m.Active {
			active = append(active, m.AccountID)
		}
	}
	if len(active) != 1 {
		return "", domain.Invalid(domain.FieldError{Field: "account_id", Message: "name the account to create the project in"})
	}
	return active[0], nil
}
