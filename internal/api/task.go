package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// taskOut is a task for any participant. The provider-only sections live in their own
// pointers, which the builder sets only when the access layer lets the viewer see them; a
// client's answer therefore has no scheduling, custom-field, budget or billable key at all.
type taskOut struct {
	ID          string            `json:"id"`
	ProjectID   string            `json:"project_id"`
	Kind        string            `json:"kind" enum:"task,milestone,deliverable,issue"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Status      statusOut         `json:"status"`
	ParentID    string            `json:"parent_id,omitempty"`
	AssigneeIDs []string          `json:"assignee_ids"`
	Percent     int               `json:"percent"`
	Signoff     *signoffOut       `json:"signoff,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Schedule    *scheduleOut      `json:"schedule,omitempty" doc:"provider side only"`
	Custom      map[string]string `json:"custom_fields,omitempty" doc:"provider side, Report Viewer and above"`
	Fees        *feesOut          `json:"fees,omitempty" doc:"provider View/Edit Financials and Project Administrators"`
}

type statusOut struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
}

type signoffOut struct {
	State   string     `json:"state" enum:"approved,sent_back"`
	ByID    string     `json:"by_id"`
	At      *time.Time `json:"at,omitempty"`
	Comment string     `json:"comment,omitempty"`
}

type scheduleOut struct {
	StartDate       string   `json:"start_date,omitempty"`
	DueDate         string   `json:"due_date,omitempty"`
	EstimateMinutes *int64   `json:"estimate_minutes,omitempty"`
	DependsOn       []string `json:"depends_on"`
	MilestoneWeight *int64   `json:"milestone_weight,omitempty"`
}

type feesOut struct {
	Budget   *Money `json:"budget,omitempty"`
	Billable bool   `json:"billable"`
	FixedFee *Money `json:"fixed_fee,omitempty"`
}

// withoutHidden drops the people hidden from a client viewer.
func withoutHidden(ids []string, hidden map[string]bool) []string {
	if len(hidden) == 0 {
		return ids
	}
	out := []string{}
	for _, id := range ids {
		if !hidden[id] {
			out = append(out, id)
		}
	}
	return out
}

func taskView(t domain.Task, sec app.TaskSections, currency string) taskOut {
	out := taskOut{ID: t.ID, ProjectID: t.ProjectID, Kind: t.Kind, Title: t.Title, Description: t.Description,
		Status: statusOut{t.StatusID, t.StatusName, t.StatusCat}, ParentID: t.ParentID, AssigneeIDs: t.Assignees, Percent: t.Percent,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if out.AssigneeIDs == nil {
		out.AssigneeIDs = []string{}
	}
	if t.SignoffState != "" {
		out.Signoff = &signoffOut{t.SignoffState, t.SignoffBy, t.SignoffAt, t.SignoffComment}
	}
	if sec.Schedule {
		deps := t.DependsOn
		if deps == nil {
			deps = []string{}
		}
		out.Schedule = &scheduleOut{dateStr(t.StartDate), dateStr(t.DueDate), t.EstimateMin, deps, t.MilestoneWeight}
	}
	if sec.Custom && len(t.CustomValues) > 0 {
		out.Custom = t.CustomValues
	}
	if sec.Fees {
		out.Fees = &feesOut{money(t.BudgetMinor, currency), t.Billable, money(t.FixedFeeMinor, currency)}
	}
	return out
}

// TaskPath names a task.
type TaskPath struct {
	Task string `path:"task" maxLength:"64"`
}

type tasksInput struct {
	ProjectPath
	PageQuery
	Status   string `query:"status" maxLength:"64"`
	Assignee string `query:"assignee" maxLength:"64"`
	Kind     string `query:"kind" enum:"task,milestone,deliverable,issue"`
	DueFrom  string `query:"due_from" maxLength:"10" doc:"YYYY-MM-DD (provider side)"`
	DueTo    string `query:"due_to" maxLength:"10"`
}

type tasksPage struct {
	Items      []taskOut `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// TaskBody is a task as a client sends it; absent fields stay as they are.
type TaskBody struct {
	Kind            *string           `json:"kind,omitempty" enum:"task,milestone,deliverable,issue"`
	Title           *string           `json:"title,omitempty" maxLength:"300"`
	Description     *string           `json:"description,omitempty" maxLength:"20000"`
	StatusID        *string           `json:"status_id,omitempty" maxLength:"64"`
	ParentID        *string           `json:"parent_id,omitempty" maxLength:"64"`
	AssigneeIDs     *[]string         `json:"assignee_ids,omitempty" maxItems:"100"`
	StartDate       *string           `json:"start_date,omitempty" maxLength:"10" doc:"provider side; \"\" clears"`
	DueDate         *string           `json:"due_date,omitempty" maxLength:"10"`
	EstimateMinutes *int64            `json:"estimate_minutes,omitempty"`
	DependsOn       *[]string         `json:"depends_on,omitempty" maxItems:"500" doc:"finish-to-start predecessors"`
	MilestoneWeight *int64            `json:"milestone_weight,omitempty"`
	BudgetMinor     *int64            `json:"budget_minor,omitempty" doc:"Edit Financials"`
	Billable        *bool             `json:"billable,omitempty"`
	FixedFeeMinor   *int64            `json:"fixed_fee_minor,omitempty"`
	CustomFields    map[string]string `json:"custom_fields,omitempty"`
}

func (b TaskBody) input() app.TaskInput {
	return app.TaskInput{Kind: b.Kind, Title: b.Title, Description: b.Description, StatusID: b.StatusID, ParentID: b.ParentID,
		Assignees: b.AssigneeIDs, StartDate: b.StartDate, DueDate: b.DueDate, EstimateMin: b.EstimateMinutes, DependsOn: b.DependsOn,
		MilestoneWeight: b.MilestoneWeight, BudgetMinor: b.BudgetMinor, Billable: b.Billable, FixedFeeMinor: b.FixedFeeMinor, Custom: b.CustomFields}
}

type progressOut struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	UserName  string    `json:"user_name"`
	Percent   int       `json:"percent"`
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

type taskDetailOut struct {
	Task     taskOut       `json:"task"`
	Progress []progressOut `json:"progress"`
	History  []string      `json:"history"`
	Posts    []postOut     `json:"linked_posts" doc:"posts linked to the task that you may see"`
}

// taskActor loads the caller in the project of a task named by id alone.
func (h *Handler) taskActor(ctx context.Context, id string) (*app.ProjectActor, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := h.app.Store.FindTask(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.app.ProjectActor(ctx, p, t.ProjectID)
}

func (h *Handler) taskDetail(ctx context.Context, pa *app.ProjectActor, id string) (*struct{ Body taskDetailOut }, error) {
	t, err := h.app.TaskForActor(ctx, pa, id)
	if err != nil {
		return nil, h.fail(err)
	}
	prog, err := h.app.Store.FindProgress(ctx, t.AccountID, t.ID)
	if err != nil {
		return nil, h.fail(err)
	}
	hist, err := h.app.Store.FindTaskHistory(ctx, t.AccountID, t.ID)
	if err != nil {
		return nil, h.fail(err)
	}
	posts, err := h.app.TaskPosts(ctx, pa, t.ID)
	if err != nil {
		return nil, h.fail(err)
	}
	hidden, err := h.app.HiddenFromViewer(ctx, pa)
	if err != nil {
		return nil, h.fail(err)
	}
	t.Assignees = withoutHidden(t.Assignees, hidden)
	out := taskDetailOut{Task: taskView(*t, pa.Sections(), pa.Project().Currency), Progress: []progressOut{}, History: []string{}, Posts: []postOut{}}
	for _, p := range posts {
		out.Posts = append(out.Posts, postView(p))
	}
	for _, p := range prog {
		out.Progress = append(out.Progress, progressOut{p.ID, p.UserID, p.UserName, p.Percent, p.Comment, p.CreatedAt})
	}
	for _, e := range hist {
		out.History = append(out.History, e.At.Format(time.RFC3339)+" "+e.Summary)
	}
	return &struct{ Body taskDetailOut }{out}, nil
}

func (h *Handler) registerTasks(api huma.API) {
	huma.Register(api, op("list-tasks", http.MethodGet, "/api/v1/projects/{project}/tasks", "The project's tasks, filtered and keyset-paginated", "tasks"),
		func(ctx context.Context, in *tasksInput) (*struct{ Body tasksPage }, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			f := store.TaskFilter{StatusID: in.Status, Assignee: in.Assignee, Kind: in.Kind, Cursor: in.Cursor, Limit: in.Limit}
			var v domain.Validator
			for _, x := range []struct {
				field, val string
				dst        **domain.Date
			}{{"due_from", in.DueFrom, &f.DueFrom}, {"due_to", in.DueTo, &f.DueTo}} {
				if x.val != "" {
					d, err := domain.ParseDate(x.val)
					v.Check(err == nil, x.field, "must be a date like 2026-03-31")
					*x.dst = &d
				}
			}
			if err := v.Err(); err != nil {
				return nil, h.fail(err)
			}
			ts, next, err := h.app.Tasks(ctx, pa, f)
			if err != nil {
				return nil, h.fail(err)
			}
			sec := pa.Sections()
			hidden, err := h.app.HiddenFromViewer(ctx, pa)
			if err != nil {
				return nil, h.fail(err)
			}
			out := tasksPage{Items: make([]taskOut, len(ts)), NextCursor: next}
			for i, t := range ts {
				t.Assignees = withoutHidden(t.Assignees, hidden)
				out.Items[i] = taskView(t, sec, pa.Project().Currency)
			}
			return &struct{ Body tasksPage }{out}, nil
		})
	huma.Register(api, created(op("create-task", http.MethodPost, "/api/v1/projects/{project}/tasks", "Create a task (Edit levels; a client's becomes an Issue)", "tasks")), func(ctx context.Context, in *struct {
		ProjectPath
		Body TaskBody
	}) (*struct{ Body taskDetailOut }, error) {
		pa, err := h.projectActor(ctx, in.ProjectPath)
		if err != nil {
			return nil, h.fail(err)
		}
		t, err := h.app.CreateTask(ctx, pa, in.Body.input())
		if err != nil {
			return nil, h.fail(err)
		}
		return h.taskDetail(ctx, pa, t.ID)
	})
	huma.Register(api, op("get-task", http.MethodGet, "/api/v1/tasks/{task}", "A task with its progress and history, as the caller may see it", "tasks"),
		func(ctx context.Context, in *TaskPath) (*struct{ Body taskDetailOut }, error) {
			pa, err := h.taskActor(ctx, in.Task)
			if err != nil {
				return nil, h.fail(err)
			}
			return h.taskDetail(ctx, pa, in.Task)
		})
	huma.Register(api, op("update-task", http.MethodPatch, "/api/v1/tasks/{task}", "Change a task (only the sections you may edit)", "tasks"),
		func(ctx context.Context, in *struct {
			TaskPath
			Body TaskBody
		}) (*struct{ Body taskDetailOut }, error) {
			pa, err := h.taskActor(ctx, in.Task)
			if err != nil {
				return nil, h.fail(err)
			}
			if _, err := h.app.UpdateTask(ctx, pa, in.Task, in.Body.input()); err != nil {
				return nil, h.fail(err)
			}
			return h.taskDetail(ctx, pa, in.Task)
		})
	huma.Register(api, op("delete-task", http.MethodDelete, "/api/v1/tasks/{task}", "Delete a task", "tasks"),
		func(ctx context.Context, in *TaskPath) (*struct{}, error) {
			pa, err := h.taskActor(ctx, in.Task)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.DeleteTask(ctx, pa, in.Task))
		})
	huma.Register(api, created(op("post-progress", http.MethodPost, "/api/v1/tasks/{task}/progress", "Report percent complete with a comment (notifies the assignees)", "tasks")), func(ctx context.Context, in *struct {
		TaskPath
		Body struct {
			Percent int    `json:"percent" minimum:"0" maximum:"100"`
			Comment string `json:"comment,omitempty" maxLength:"5000"`
		}
	}) (*struct{ Body taskDetailOut }, error) {
		pa, err := h.taskActor(ctx, in.Task)
		if err != nil {
			return nil, h.fail(err)
		}
		if _, err := h.app.PostProgress(ctx, pa, in.Task, in.Body.Percent, in.Body.Comment); err != nil {
			return nil, h.fail(err)
		}
		return h.taskDetail(ctx, pa, in.Task)
	})
	huma.Register(api, op("sign-off-deliverable", http.MethodPost, "/api/v1/tasks/{task}/signoff", "Approve a deliverable or send it back with a comment (client Edit levels)", "tasks"),
		func(ctx context.Context, in *struct {
			TaskPath
			Body struct {
				Approve bool   `json:"approve"`
				Comment string `json:"comment,omitempty" maxLength:"5000"`
			}
		}) (*struct{ Body taskDetailOut }, error) {
			pa, err := h.taskActor(ctx, in.Task)
			if err != nil {
				return nil, h.fail(err)
			}
			if _, err := h.app.SignOff(ctx, pa, in.Task, in.Body.Approve, in.Body.Comment); err != nil {
				return nil, h.fail(err)
			}
			return h.taskDetail(ctx, pa, in.Task)
		})
	huma.Register(api, op("task-statuses", http.MethodGet, "/api/v1/projects/{project}/task-statuses", "The account's task statuses", "tasks"),
		func(ctx context.Context, in *ProjectPath) (*struct{ Body []statusOut }, error) {
			pa, err := h.projectActor(ctx, *in)
			if err != nil {
				return nil, h.fail(err)
			}
			sts, err := h.app.TaskStatuses(ctx, pa)
			if err != nil {
				return nil, h.fail(err)
			}
			out := make([]statusOut, len(sts))
			for i, s := range sts {
				out[i] = statusOut{s.ID, s.Name, s.Category}
			}
			return &struct{ Body []statusOut }{out}, nil
		})
	huma.Register(api, created(op("create-custom-field", http.MethodPost, "/api/v1/accounts/{account}/custom-fields", "Define a task custom field (Account Administrators)", "tasks")), func(ctx context.Context, in *struct {
		AccountPath
		Body struct {
			Name    string   `json:"name" maxLength:"80"`
			Kind    string   `json:"kind" enum:"text,number,date,choice"`
			Choices []string `json:"choices,omitempty" maxItems:"50"`
		}
	}) (*struct{ Body customFieldOut }, error) {
		act, err := h.actor(ctx, in.Account)
		if err != nil {
			return nil, h.fail(err)
		}
		f, err := h.app.CreateCustomField(ctx, act, domain.CustomField{Name: in.Body.Name, Kind: in.Body.Kind, Choices: in.Body.Choices})
		if err != nil {
			return nil, h.fail(err)
		}
		return &struct{ Body customFieldOut }{customFieldOut{f.ID, f.Name, f.Kind, f.Choices}}, nil
	})
	huma.Register(api, op("list-custom-fields", http.MethodGet, "/api/v1/projects/{project}/custom-fields", "Task custom fields (provider side, Report Viewer and above; empty for others)", "tasks"),
		func(ctx context.Context, in *ProjectPath) (*struct{ Body []customFieldOut }, error) {
			pa, err := h.projectActor(ctx, *in)
			if err != nil {
				return nil, h.fail(err)
			}
			fs, err := h.app.CustomFields(ctx, pa)
			if err != nil {
				return nil, h.fail(err)
			}
			out := []customFieldOut{}
			for _, f := range fs {
				out = append(out, customFieldOut{f.ID, f.Name, f.Kind, f.Choices})
			}
			return &struct{ Body []customFieldOut }{out}, nil
		})
}

type customFieldOut struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Choices []string `json:"choices,omitempty"`
}
