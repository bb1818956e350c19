package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/gantt"
	"github.com/portico-dev/portico/internal/store"
)

// GanttView is a project's chart for one viewer: the chart, and — only for those who may see
// them — the saved baselines and whether progress against budget is shown.
type GanttView struct {
	Chart          gantt.Chart
	Baselines      []store.Baseline // nil for clients
	Baseline       *store.Baseline  // the one compared with, if any
	BudgetProgress bool
	CanSaveBase    bool
}

// Gantt builds the chart of the project for the actor: every participant sees tasks,
// milestones and dependencies; baselines and progress against budget only where the access
// layer allows (never clients).
func (a *App) Gantt(ctx context.Context, pa *ProjectActor, zoom, baselineID string) (*GanttView, error) {
	if err := pa.Require(access.ViewGantt, pa.Facts(), false); err != nil {
		return nil, err
	}
	z, err := gantt.ParseZoom(zoom)
	if err != nil {
		return nil, domain.Invalid(domain.FieldError{Field: "zoom", Message: "must be day, week or month"})
	}
	p := pa.Project()
	tasks, err := a.Store.FindAllTasks(ctx, p.AccountID, p.ID)
	if err != nil {
		return nil, err
	}
	v := &GanttView{BudgetProgress: pa.Can(access.ViewGanttBudgetProgress), CanSaveBase: pa.ViewAs == nil && pa.Can(access.SaveBaseline)}
	if pa.Can(access.ViewGanttBaselines) {
		if v.Baselines, err = a.Store.FindBaselines(ctx, p.AccountID, p.ID); err != nil {
			return nil, err
		}
		if baselineID != "" {
			if v.Baseline, err = a.Store.FindBaselineTasks(ctx, p.AccountID, p.ID, baselineID); err != nil {
				return nil, err
			}
		}
	}
	v.Chart = gantt.Chart{Title: p.Name, Today: a.Store.Now().UTC(), Zoom: z, Tasks: make([]gantt.Task, 0, len(tasks))}
	deps := 0
	for _, t := range tasks {
		deps += len(t.DependsOn)
	}
	v.Chart.Dependencies = make([]gantt.Dependency, 0, deps)
	if p.StartDate != nil {
		v.Chart.ProjectStart = &p.StartDate.Time
	}
	if p.DueDate != nil {
		v.Chart.ProjectDue = &p.DueDate.Time
	}
	for _, t := range tasks {
		gt := gantt.Task{ID: t.ID, Title: t.Title, URL: "/projects/" + p.ID + "/tasks/" + t.ID, Kind: t.Kind, ParentID: t.ParentID,
			Percent: t.Percent, Status: t.StatusCat}
		if t.StartDate != nil {
			gt.Start = t.StartDate.Time
		}
		if t.DueDate != nil {
			gt.Due = t.DueDate.Time
		}
		if v.Baseline != nil {
			if span, ok := v.Baseline.Tasks[t.ID]; ok && (span[0] != nil || span[1] != nil) {
				s := &gantt.Span{}
				if span[0] != nil {
					s.Start = span[0].Time
				}
				if span[1] != nil {
					s.Due = span[1].Time
				}
				gt.Baseline = s
			}
		}
		v.Chart.Tasks = append(v.Chart.Tasks, gt)
		for _, d := range t.DependsOn {
			v.Chart.Dependencies = append(v.Chart.Dependencies, gantt.Dependency{From: d, To: t.ID})
		}
	}
	return v, nil
}

// SaveBaseline snapshots the project's task dates under a name (provider Edit Financials and
// Project Administrators).
func (a *App) SaveBaseline(ctx context.Context, pa *ProjectActor, name string) (string, error) {
	if err := pa.Require(access.SaveBaseline, pa.Facts(), true); err != nil {
		return "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Baseline of " + a.Store.Now().UTC().Format(time.DateOnly)
	}
	if utf8.RuneCountInString(name) > 120 {
		return "", domain.Invalid(domain.FieldError{Field: "name", Message: "must be at most 120 characters"})
	}
	return a.Store.SaveBaseline(ctx, pa.Project().AccountID, pa.Project().ID, name, pa.UserID)
}
