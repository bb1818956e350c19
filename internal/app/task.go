package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// TaskSections says which sections of a task the viewer may see; the API and pages build
// their answers from it, leaving the others out entirely.
type TaskSections struct {
	Schedule bool // dates, estimate, dependencies, milestone weight
	Custom   bool // custom fields
	Fees     bool // budget, billable, fixed fee
	EditFees bool
	Edit     bool
}

// Sections returns what the actor sees of tasks in this project.
func (pa *ProjectActor) Sections() TaskSections {
	w := pa.ViewAs == nil
	return TaskSections{Schedule: pa.Can(access.ViewTaskSchedule), Custom: pa.Can(access.ViewTaskCustomFields), Fees: pa.Can(access.ViewTaskFees),
		EditFees: w && pa.Can(access.EditTaskFees), Edit: w && pa.Can(access.EditTasks)}
}

// TaskInput is a task as typed; nil fields stay as they are (on create: defaults).
type TaskInput struct {
	Kind, Title, Description, StatusID, ParentID *string
	Assignees                                    *[]string
	StartDate, DueDate                           *string // YYYY-MM-DD, "" clears
	EstimateMin                                  *int64
	ClearEstimate                                bool
	DependsOn                                    *[]string
	MilestoneWeight                              *int64
	BudgetMinor, FixedFeeMinor                   *int64
	ClearBudget, ClearFixedFee                   bool
	Billable                                     *bool
	Custom                                       map[string]string
}

// touchesSchedule, touchesFees and touchesCustom tell which sections an input changes.
func (in *TaskInput) touchesSchedule() bool {
	return in.StartDate != nil || in.DueDate != nil || in.EstimateMin != nil || in.ClearEstimate || in.DependsOn != nil || in.MilestoneWeight != nil
}
func (in *TaskInput) touchesFees() bool {
	return in.BudgetMinor != nil || in.FixedFeeMinor != nil || in.ClearBudget || in.ClearFixedFee || in.Billable != nil
}

// CreateTask adds a task (Edit levels). Sections the actor may not see cannot be set (EFORBIDDEN).
func (a *App) CreateTask(ctx context.Context, pa *ProjectActor, in TaskInput) (*domain.Task, error) {
	if err := pa.Require(access.EditTasks, pa.Facts(), true); err != nil {
		return nil, err
	}
	statuses, err := a.Store.FindTaskStatuses(ctx, pa.Project().AccountID)
	if err != nil {
		return nil, err
	}
	t := &domain.Task{AccountID: pa.Project().AccountID, ProjectID: pa.Project().ID, Kind: domain.TaskKindTask, StatusID: statuses[0].ID,
		Billable: true, CreatedBy: pa.UserID, CustomValues: map[string]string{}}
	if pa.IsClient() && in.Kind == nil {
		issue := domain.TaskKindIssue
		in.Kind = &issue // what a client raises is an issue
	}
	if err := a.applyTaskInput(ctx, pa, t, &in, statuses, true); err != nil {
		return nil, err
	}
	if err := a.Store.CreateTask(ctx, store.TaskWrite{Task: t, Actor: pa.auditActor()}); err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateTask changes a task (Edit levels; fees need Edit Financials; clients may change the type
// only to Issue and cannot touch sections they do not see).
func (a *App) UpdateTask(ctx context.Context, pa *ProjectActor, id string, in TaskInput) (*domain.Task, error) {
	t, err := a.TaskForActor(ctx, pa, id)
	if err != nil {
		return nil, err
	}
	if err := pa.Require(access.EditTasks, pa.Facts(), true); err != nil {
		return nil, err
	}
	statuses, err := a.Store.FindTaskStatuses(ctx, pa.Project().AccountID)
	if err != nil {
		return nil, err
	}
	before := *t
	if err := a.applyTaskInput(ctx, pa, t, &in, statuses, false); err != nil {
		return nil, err
	}
	err = a.Store.UpdateTask(ctx, store.TaskWrite{Task: t, Actor: pa.auditActor(), Summary: describeTaskChange(before, *t), Recompute: true})
	if err != nil {
		return nil, err
	}
	return a.TaskForActor(ctx, pa, id)
}

func (a *App) applyTaskInput(ctx context.Context, pa *ProjectActor, t *domain.Task, in *TaskInput, statuses []domain.TaskStatus, creating bool) error {
	sec := pa.Sections()
	if in.touchesSchedule() && !sec.Schedule {
		return domain.Forbidden("not allowed: %s", access.RuleProviderOnly.Text)
	}
	if in.MilestoneWeight != nil && !pa.Can(access.EditProject) {
		return domain.Forbidden("not allowed: only a provider Project Administrator sets milestone weights")
	}
	if in.touchesFees() && !sec.EditFees {
		return domain.Forbidden("not allowed: %s", access.RuleEditFees.Text)
	}
	if in.Custom != nil && !sec.Custom {
		return domain.Forbidden("not allowed: %s", access.RuleCustomFields.Text)
	}
	var v domain.Validator
	if in.Kind != nil {
		k := *in.Kind
		v.Check(domain.ValidTaskKind(k), "kind", "must be task, milestone, deliverable or issue")
		if pa.IsClient() && k != t.Kind && k != domain.TaskKindIssue && !(creating && k == domain.TaskKindTask) {
			v.Add("kind", "clients may change a task's type to Issue only")
		}
		t.Kind = k
	}
	if in.Title != nil {
		t.Title = strings.TrimSpace(*in.Title)
	}
	v.Check(t.Title != "" && utf8.RuneCountInString(t.Title) <= 300, "title", "must be 1 to 300 characters")
	if in.Description != nil {
		t.Description = *in.Description
		v.Check(utf8.RuneCountInString(t.Description) <= 20000, "description", "must be at most 20000 characters")
	}
	if in.StatusID != nil {
		ok := slices.ContainsFunc(statuses, func(s domain.TaskStatus) bool { return s.ID == *in.StatusID })
		v.Check(ok, "status_id", "is not one of this account's statuses")
		t.StatusID = *in.StatusID
	}
	if in.ParentID != nil {
		t.ParentID = *in.ParentID
	}
	if in.Assignees != nil {
		people, err := a.participantSet(ctx, pa)
		if err != nil {
			return err
		}
		// Hidden provider people do not exist for clients: a client cannot assign them, and
		// keeps them where they are assigned already (the client's list never showed them).
		// Those kept come first, in their order, so that an unchanged list stays the same.
		hidden := func(u string) bool { return pa.IsClient() && people[u] != nil && people[u].Hidden }
		var as []string
		for _, u := range t.Assignees {
			if hidden(u) || slices.Contains(*in.Assignees, u) {
				as = append(as, u)
			}
		}
		for _, u := range *in.Assignees {
			if people[u] == nil || (hidden(u) && !slices.Contains(as, u)) {
				v.Add("assignees", "every assignee must take part in the project")
				break
			}
			if !slices.Contains(as, u) {
				as = append(as, u)
			}
		}
		t.Assignees = as
	}
	parseDate := func(field string, s *string, dst **domain.Date) {
		if s == nil {
			return
		}
		if *s == "" {
			*dst = nil
			return
		}
		d, err := domain.ParseDate(*s)
		if err != nil {
			v.Add(field, "must be a date like 2026-03-31")
			return
		}
		*dst = &d
	}
	parseDate("start_date", in.StartDate, &t.StartDate)
	parseDate("due_date", in.DueDate, &t.DueDate)
	if t.StartDate != nil && t.DueDate != nil && t.DueDate.Before(t.StartDate.Time) {
		v.Add("due_date", "must not be before the start date")
	}
	setAmount(&v, "estimate_minutes", &t.EstimateMin, in.EstimateMin, in.ClearEstimate, 1_000_000)
	setAmount(&v, "budget_minor", &t.BudgetMinor, in.BudgetMinor, in.ClearBudget, maxRateMinor*1000)
	setAmount(&v, "fixed_fee_minor", &t.FixedFeeMinor, in.FixedFeeMinor, in.ClearFixedFee, maxRateMinor*1000)
	if in.MilestoneWeight != nil {
		v.Check(*in.MilestoneWeight >= 0 && *in.MilestoneWeight <= 1000, "milestone_weight", "must be 0 to 1000")
		t.MilestoneWeight = in.MilestoneWeight
	}
	if in.Billable != nil {
		t.Billable = *in.Billable
	}
	if in.DependsOn != nil {
		t.DependsOn = uniqueExcept(*in.DependsOn, "")
	}
	if in.Custom != nil {
		if err := a.applyCustom(ctx, pa, t, in.Custom, &v); err != nil {
			return err
		}
	}
	return v.Err()
}

func setAmount(v *domain.Validator, field string, dst **int64, val *int64, clear bool, max int64) {
	switch {
	case clear:
		*dst = nil
	case val != nil:
		v.Check(*val >= 0 && *val <= max, field, fmt.Sprintf("must be between 0 and %d", max))
		*dst = val
	}
}

func (a *App) applyCustom(ctx context.Context, pa *ProjectActor, t *domain.Task, values map[string]string, v *domain.Validator) error {
	fields, err := a.Store.FindCustomFields(ctx, pa.Project().AccountID)
	if err != nil {
		return err
	}
	for id, val := range values {
		i := slices.IndexFunc(fields, func(f domain.CustomField) bool { return f.ID == id })
		if i < 0 {
			v.Add("custom."+id, "is not one of this account's custom fields")
			continue
		}
		f := fields[i]
		switch {
		case val == "":
		case f.Kind == "number" && !isNumber(val):
			v.Add("custom."+id, f.Name+" must be a number")
		case f.Kind == "date":
			if _, err := domain.ParseDate(val); err != nil {
				v.Add("custom."+id, f.Name+" must be a date like 2026-03-31")
			}
		case f.Kind == "choice" && !slices.Contains(f.Choices, val):
			v.Add("custom."+id, f.Name+" must be one of "+strings.Join(f.Choices, ", "))
		case utf8.RuneCountInString(val) > 1000:
			v.Add("custom."+id, f.Name+" must be at most 1000 characters")
		}
		t.CustomValues[id] = val
	}
	return nil
}

func isNumber(s string) bool {
	dot := false
	for i, r := range s {
		switch {
		case r == '-' && i == 0:
		case r == '.' && !dot:
			dot = true
		case r < '0' || r > '9':
			return false
		}
	}
	return s != "" && s != "-"
}

func describeTaskChange(b, a domain.Task) string {
	var parts []string
	if b.Title != a.Title {
		parts = append(parts, "renamed it")
	}
	if b.StatusID != a.StatusID {
		parts = append(parts, "changed the status")
	}
	if b.Kind != a.Kind {
		parts = append(parts, "made it a "+a.Kind)
	}
	if dateOrNone(b.StartDate) != dateOrNone(a.StartDate) || dateOrNone(b.DueDate) != dateOrNone(a.DueDate) {
		parts = append(parts, "moved its dates")
	}
	if strings.Join(b.Assignees, ",") != strings.Join(a.Assignees, ",") {
		parts = append(parts, "changed the assignees")
	}
	if b.Description != a.Description {
		parts = append(parts, "edited the description")
	}
	if len(parts) == 0 {
		return "edited the task"
	}
	return strings.Join(parts, ", ")
}

func dateOrNone(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// TaskForActor returns a task of this project the actor can see.
func (a *App) TaskForActor(ctx context.Context, pa *ProjectActor, id string) (*domain.Task, error) {
	if err := pa.Require(access.ViewTasks, pa.Facts(), false); err != nil {
		return nil, err
	}
	t, err := a.Store.FindTask(ctx, id)
	if err != nil || t.ProjectID != pa.Project().ID {
		return nil, domain.NotFound("task")
	}
	return t, nil
}

// Tasks lists the project's tasks with the filter.
func (a *App) Tasks(ctx context.Context, pa *ProjectActor, f store.TaskFilter) ([]domain.Task, string, error) {
	if err := pa.Require(access.ViewTasks, pa.Facts(), false); err != nil {
		return nil, "", err
	}
	if (f.DueFrom != nil || f.DueTo != nil) && !pa.Can(access.ViewTaskSchedule) {
		return nil, "", domain.Forbidden("not allowed: %s", access.RuleProviderOnly.Text)
	}
	f.AccountID, f.ProjectID = pa.Project().AccountID, pa.Project().ID
	return a.Store.FindTasks(ctx, f)
}

// TaskFacts describes a task for a decision about it.
func (pa *ProjectActor) TaskFacts(t *domain.Task) access.Facts {
	f := pa.Facts()
	f.Own = t.CreatedBy == pa.UserID
	return f
}

// DeleteTask removes a task (Edit levels; on the client side only tasks one created).
func (a *App) DeleteTask(ctx context.Context, pa *ProjectActor, id string) error {
	t, err := a.TaskForActor(ctx, pa, id)
	if err != nil {
		return err
	}
	if err := pa.Require(access.DeleteTask, pa.TaskFacts(t), true); err != nil {
		return err
	}
	return a.Store.DeleteTask(ctx, t.AccountID, t.ID)
}

// PostProgress records percent complete with a comment (Edit levels, clients too) and tells the
// assignees through a private system post on the task.
func (a *App) PostProgress(ctx context.Context, pa *ProjectActor, id string, percent int, comment string) (*domain.Progress, error) {
	t, err := a.TaskForActor(ctx, pa, id)
	if err != nil {
		return nil, err
	}
	if err := pa.Require(access.PostProgress, pa.Facts(), true); err != nil {
		return nil, err
	}
	var v domain.Validator
	v.Check(percent >= 0 && percent <= 100, "percent", "must be 0 to 100")
	v.Check(utf8.RuneCountInString(comment) <= 5000, "comment", "must be at most 5000 characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &domain.Progress{TaskID: t.ID, UserID: pa.UserID, Percent: percent, Comment: strings.TrimSpace(comment)}
	if err := a.Store.AddProgress(ctx, t.AccountID, p, pa.auditActor()); err != nil {
		return nil, err
	}
	if recipients := uniqueExcept(t.Assignees, pa.UserID); len(recipients) > 0 {
		body := fmt.Sprintf("%s updated “%s” to %d%% complete.", pa.Principal.User.FullName(), t.Title, percent)
		if p.Comment != "" {
			body += " " + p.Comment
		}
		private := true
		post := &domain.Post{AccountID: t.AccountID, ProjectID: t.ProjectID, AuthorID: pa.UserID, Kind: domain.PostKindPost, Body: body, Private: private, TaskID: t.ID}
		if err := a.Store.CreatePost(ctx, store.NewPost{Post: post, Recipients: recipients, Notify: true}); err != nil {
			return nil, err
		}
		a.Worker.Wake()
	}
	return p, nil
}

// SignOff approves a deliverable, or sends it back with a comment (client Edit levels).
func (a *App) SignOff(ctx context.Context, pa *ProjectActor, id string, approve bool, comment string) (*domain.Task, error) {
	t, err := a.TaskForActor(ctx, pa, id)
	if err != nil {
		return nil, err
	}
	if err := pa.Require(access.SignOffDeliverable, pa.Facts(), true); err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	var v domain.Validator
	v.Check(t.Kind == domain.TaskKindDeliverable, "kind", "only deliverables are signed off")
	v.Check(approve || comment != "", "comment", "say what needs to change when sending a deliverable back")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := a.Store.Now().UTC()
	t.SignoffState, t.SignoffBy, t.SignoffAt, t.SignoffComment = "sent_back", pa.UserID, &now, comment
	summary := "sent the deliverable back"
	if approve {
		t.SignoffState, summary = "approved", "approved the deliverable"
	}
	if err := a.Store.UpdateTask(ctx, store.TaskWrite{Task: t, Actor: pa.auditActor(), Summary: summary}); err != nil {
		return nil, err
	}
	return a.TaskForActor(ctx, pa, id)
}

// TaskStatuses returns the account's statuses (seeding the defaults on first use).
func (a *App) TaskStatuses(ctx context.Context, pa *ProjectActor) ([]domain.TaskStatus, error) {
	return a.Store.FindTaskStatuses(ctx, pa.Project().AccountID)
}

// CustomFields returns the account's task fields for those who may see them, else none.
func (a *App) CustomFields(ctx context.Context, pa *ProjectActor) ([]domain.CustomField, error) {
	if !pa.Can(access.ViewTaskCustomFields) {
		return nil, nil
	}
	return a.Store.FindCustomFields(ctx, pa.Project().AccountID)
}

// CreateCustomField defines a task field for the account (Account Administrators).
func (a *App) CreateCustomField(ctx context.Context, act *Actor, f domain.CustomField) (*domain.CustomField, error) {
	if err := act.require(access.ManageAccountSettings); err != nil {
		return nil, err
	}
	var v domain.Validator
	f.Name = strings.TrimSpace(f.Name)
	v.Check(f.Name != "" && utf8.RuneCountInString(f.Name) <= 80, "name", "must be 1 to 80 characters")
	v.Check(slices.Contains([]string{"text", "number", "date", "choice"}, f.Kind), "kind", "must be text, number, date or choice")
	v.Check(f.Kind != "choice" || len(f.Choices) > 0, "choices", "a choice field needs at least one choice")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := a.Store.CreateCustomField(ctx, act.Account.ID, &f); err != nil {
		return nil, err
	}
	return &f, nil
}
