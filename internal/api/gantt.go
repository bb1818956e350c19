package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

type ganttTaskOut struct {
	ID        string        `json:"id"`
	Title     string        `json:"title"`
	Kind      string        `json:"kind"`
	ParentID  string        `json:"parent_id,omitempty"`
	StartDate string        `json:"start_date,omitempty"`
	DueDate   string        `json:"due_date,omitempty"`
	Percent   int           `json:"percent"`
	Status    string        `json:"status"`
	Baseline  *ganttSpanOut `json:"baseline,omitempty" doc:"provider side only"`
}

type ganttSpanOut struct {
	StartDate string `json:"start_date,omitempty"`
	DueDate   string `json:"due_date,omitempty"`
}

type ganttDepOut struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type baselineOut struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

type ganttOut struct {
	ProjectStart string         `json:"project_start,omitempty"`
	ProjectDue   string         `json:"project_due,omitempty"`
	Tasks        []ganttTaskOut `json:"tasks"`
	Dependencies []ganttDepOut  `json:"dependencies"`
	Baselines    []baselineOut  `json:"baselines,omitempty" doc:"provider side only"`
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (h *Handler) registerGantt(api huma.API) {
	huma.Register(api, op("get-gantt", http.MethodGet, "/api/v1/projects/{project}/gantt", "The Gantt chart's data: tasks, milestones, dependencies (baselines for the provider side)", "schedule"),
		func(ctx context.Context, in *struct {
			ProjectPath
			Baseline string `query:"baseline" maxLength:"64" doc:"compare with this baseline (provider side)"`
		}) (*struct{ Body ganttOut }, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			v, err := h.app.Gantt(ctx, pa, "", in.Baseline)
			if err != nil {
				return nil, h.fail(err)
			}
			c := v.Chart
			out := ganttOut{Tasks: make([]ganttTaskOut, 0, len(c.Tasks)), Dependencies: make([]ganttDepOut, 0, len(c.Dependencies))}
			if c.ProjectStart != nil {
				out.ProjectStart = ymd(*c.ProjectStart)
			}
			if c.ProjectDue != nil {
				out.ProjectDue = ymd(*c.ProjectDue)
			}
			for _, t := range c.Tasks {
				gt := ganttTaskOut{ID: t.ID, Title: t.Title, Kind: t.Kind, ParentID: t.ParentID, StartDate: ymd(t.Start), DueDate: ymd(t.Due), Percent: t.Percent, Status: t.Status}
				if t.Baseline != nil {
					gt.Baseline = &ganttSpanOut{ymd(t.Baseline.Start), ymd(t.Baseline.Due)}
				}
				out.Tasks = append(out.Tasks, gt)
			}
			for _, d := range c.Dependencies {
				out.Dependencies = append(out.Dependencies, ganttDepOut{d.From, d.To})
			}
			for _, b := range v.Baselines {
				out.Baselines = append(out.Baselines, baselineOut{b.ID, b.Name, b.At})
			}
			return &struct{ Body ganttOut }{out}, nil
		})
	huma.Register(api, created(op("save-baseline", http.MethodPost, "/api/v1/projects/{project}/baselines", "Save the task dates as a named baseline (provider Edit Financials and PA)", "schedule")), func(ctx context.Context, in *struct {
		ProjectPath
		Body struct {
			Name string `json:"name,omitempty" maxLength:"120"`
		}
	}) (*struct{ Body baselineOut }, error) {
		pa, err := h.projectActor(ctx, in.ProjectPath)
		if err != nil {
			return nil, h.fail(err)
		}
		id, err := h.app.SaveBaseline(ctx, pa, in.Body.Name)
		if err != nil {
			return nil, h.fail(err)
		}
		bs, err := h.app.Store.FindBaselines(ctx, pa.Project().AccountID, pa.Project().ID)
		if err != nil {
			return nil, h.fail(err)
		}
		for _, b := range bs {
			if b.ID == id {
				return &struct{ Body baselineOut }{baselineOut{b.ID, b.Name, b.At}}, nil
			}
		}
		return nil, h.fail(err)
	})
}
