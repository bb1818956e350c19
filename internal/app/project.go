package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// ProjectInput is a project's info and settings as typed by a user.
type ProjectInput struct {
	Name, Description, ClientCompany string
	StartDate, DueDate               string // YYYY-MM-DD or ""
	Financial                        bool
	Currency                         string // "" = the account's
	Privacy                          string
	ProviderSideName, ClientSideName string
	DefaultPostPrivacy               string // "", public or private
	ScheduleApproval                 bool
	TimeApproval                     bool
	ExpenseApproval                  bool
}

// validate checks the input and returns the parsed dates.
func (in *ProjectInput) validate() (start, due *domain.Date, err error) {
	var v domain.Validator
	in.Name = strings.TrimSpace(in.Name)
	v.Check(in.Name != "" && utf8.RuneCountInString(in.Name) <= 200, "name", "must be 1 to 200 characters")
	v.Check(utf8.RuneCountInString(in.Description) <= 10000, "description", "must be at most 10000 characters")
	v.Check(utf8.RuneCountInString(in.ClientCompany) <= 200, "client_company", "must be at most 200 characters")
	v.Check(in.Currency == "" || domain.ValidCurrency(in.Currency), "currency", "must be a three-letter ISO 4217 code such as EUR")
	if in.Privacy == "" {
		in.Privacy = string(domain.PrivacyInvitation)
	}
	v.Check(domain.ProjectPrivacy(in.Privacy).Valid(), "privacy", "must be invitation_only, open_to_admins or open_to_members")
	v.Check(in.DefaultPostPrivacy == "" || in.DefaultPostPrivacy == "public" || in.DefaultPostPrivacy == "private", "default_post_privacy", "must be public or private (or empty for the account's default)")
	v.Check(utf8.RuneCountInString(in.ProviderSideName) <= 40, "provider_side_name", "must be at most 40 characters")
	v.Check(utf8.RuneCountInString(in.ClientSideName) <= 40, "client_side_name", "must be at most 40 characters")
	parse := func(field, s string) *domain.Date {
		if s == "" {
			return nil
		}
		d, err := domain.ParseDate(s)
		if err != nil {
			v.Add(field, "must be a date like 2026-03-31")
			return nil
		}
		return &d
	}
	start, due = parse("start_date", in.StartDate), parse("due_date", in.DueDate)
	if start != nil && due != nil && due.Before(start.Time) {
		v.Add("due_date", "must not be before the start date")
	}
	return start, due, v.Err()
}

func (in *ProjectInput) settings() domain.ProjectSettings {
	return domain.ProjectSettings{ProviderSideName: strings.TrimSpace(in.ProviderSideName), ClientSideName: strings.TrimSpace(in.ClientSideName),
		DefaultPostPrivacy: domain.PostPrivacy(in.DefaultPostPrivacy), ScheduleApproval: in.ScheduleApproval,
		TimeApproval: in.TimeApproval, ExpenseApproval: in.ExpenseApproval}
}

// CreateProject creates a project in the actor's account; the creator becomes its
// Project Administrator. Project Creator and above create non-financial projects, Project Lead
// and above financial ones (EFORBIDDEN otherwise).
func (a *App) CreateProject(ctx context.Context, act *Actor, in ProjectInput) (*domain.Project, error) {
	need := access.CreateNonFinancialProject
	if in.Financial {
		need = access.CreateFinancialProject
	}
	if err := act.require(need); err != nil {
		return nil, err
	}
	start, due, err := in.validate()
	if err != nil {
		return nil, err
	}
	if in.Currency == "" {
		in.Currency = act.Account.Settings.Currency
	}
	p := &domain.Project{AccountID: act.Account.ID, Name: in.Name, Description: in.Description, ClientCompany: strings.TrimSpace(in.ClientCompany),
		StartDate: start, DueDate: due, Financial: in.Financial, Currency: in.Currency, Privacy: domain.ProjectPrivacy(in.Privacy),
		Status: domain.StatusOnTrack, Settings: in.settings(), CreatedBy: act.Principal.User.ID}
	if err := a.Store.CreateProject(ctx, p, auditActorOf(act.Principal)); err != nil {
		return nil, err
	}
	return p, nil
}

// UpdateProject changes a project's info and settings (provider Project Administrators).
// Making a project financial needs an account level that may create financial projects.
func (a *App) UpdateProject(ctx context.Context, pa *ProjectActor, in ProjectInput) (*domain.Project, error) {
	if err := pa.Require(access.EditProject, pa.Facts(), true); err != nil {
		return nil, err
	}
	if in.Financial && !pa.Project().Financial && !access.CanAccount(&pa.Subject.Account, access.CreateFinancialProject) {
		return nil, domain.Invalid(domain.FieldError{Field: "financial", Message: "only Project Lead and above may make a project financial"})
	}
	start, due, err := in.validate()
	if err != nil {
		return nil, err
	}
	// The dates are the schedule's: changing them here is a direct change of dates, refused
	// while the project requires approval of schedule changes (propose new dates instead).
	if dateOrNone(start) != dateOrNone(pa.Project().StartDate) || dateOrNone(due) != dateOrNone(pa.Project().DueDate) {
		if err := pa.Require(access.EditDatesDirectly, pa.Facts(), true); err != nil {
			return nil, err
		}
	}
	return a.Store.UpdateProject(ctx, pa.Project().AccountID, pa.Project().ID, store.ProjectUpdate{
		Name: in.Name, Description: in.Description, ClientCompany: strings.TrimSpace(in.ClientCompany), StartDate: start, DueDate: due,
		Privacy: domain.ProjectPrivacy(in.Privacy), Settings: in.settings(), Financial: in.Financial}, pa.auditActor())
}

// SetArchived archives or restores a project (provider Project Administrators).
func (a *App) SetArchived(ctx context.Context, pa *ProjectActor, archived bool) error {
	if err := pa.Require(access.EditProject, pa.Facts(), true); err != nil {
		return err
	}
	return a.Store.SetProjectArchived(ctx, pa.Project().AccountID, pa.Project().ID, archived, pa.auditActor())
}

// SetStatus records the project's status with a note (provider Edit Financials and
// Project Administrators).
func (a *App) SetStatus(ctx context.Context, pa *ProjectActor, status, note string) error {
	if err := pa.Require(access.SetProjectStatus, pa.Facts(), true); err != nil {
		return err
	}
	var v domain.Validator
	v.Check(domain.ProjectStatus(status).Valid(), "status", "must be on_track, at_risk or off_track")
	v.Check(utf8.RuneCountInString(note) <= 2000, "note", "must be at most 2000 characters")
	if err := v.Err(); err != nil {
		return err
	}
	return a.Store.SetProjectStatus(ctx, pa.Project().AccountID, pa.Project().ID, domain.ProjectStatus(status), strings.TrimSpace(note), pa.auditActor())
}

// StatusHistory returns the project's status changes (provider side only).
func (a *App) StatusHistory(ctx context.Context, pa *ProjectActor) ([]store.StatusChange, error) {
	if err := pa.Require(access.ViewProjectStatus, pa.Facts(), false); err != nil {
		return nil, err
	}
	return a.Store.FindStatusHistory(ctx, pa.Project().AccountID, pa.Project().ID)
}

// ListProjects lists the projects the principal takes part in, plus — for a member of the
// current account whose level or access groups allow — that account's other projects.
func (a *App) ListProjects(ctx context.Context, p *store.Principal, act *Actor, f store.ProjectFilter) ([]store.ProjectListItem, string, error) {
	f.UserID = p.User.ID
	f.AccountID, f.All, f.Open, f.OpenAdmins = "", false, false, false
	if act != nil {
		scope := access.ProjectListScope(&act.Subject)
		f.AccountID, f.All, f.Open, f.OpenAdmins = act.Account.ID, scope.All, scope.OpenToMembers, scope.OpenToAdmins
	}
	return a.Store.FindProjects(ctx, f)
}

// Tab is a project tab the viewer may open.
type Tab struct {
	Key, Label string
}

// Tabs lists the project tabs the viewer may open, in order; a tab they may not open is absent.
func (pa *ProjectActor) Tabs() []Tab {
	tabs := []Tab{{"overview", "Overview"}, {"activity", "Activity"}, {"tasks", "Tasks"}, {"gantt", "Gantt"}, {"files", "Files"}, {"schedule", "Schedule"}}
	if pa.Can(access.ViewBudget) {
		tabs = append(tabs, Tab{"budget", "Budget"})
	}
	if pa.Can(access.ViewAllEntries) || pa.Can(access.TrackTime) || pa.Can(access.TrackExpenses) {
		tabs = append(tabs, Tab{"time", "Time"})
	}
	if pa.Can(access.ViewInvoices) {
		tabs = append(tabs, Tab{"invoices", "Invoices"})
	}
	return append(tabs, Tab{"people", "People"})
}
