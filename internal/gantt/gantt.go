// Package gantt lays out a project's tasks on a timeline and renders the chart as a standalone
// SVG document: rows ordered by parent, bars with progress, milestones as diamonds,
// finish-to-start dependency connectors, a "today" line, and grid and header labels per zoom.
//
// The package is pure: it knows nothing about who is looking. Callers pass only what the viewer
// may see — tasks the viewer may open, and Baseline and BudgetUsed left nil for anyone who may
// not see baselines or progress against budget (clients). Nothing is drawn for a nil extra, not
// even a legend entry.
//
// The SVG carries its own colours in an embedded style sheet (light, with a dark variant under
// prefers-color-scheme that print ignores) and no external fonts, so it can be inlined in a page,
// served as an image or printed. Links only work when the SVG is inlined or embedded as a
// document (<object>, or opened directly), not through <img>.
package gantt

import (
	"fmt"
	"time"
)

// Zoom is the time scale of a chart.
type Zoom string

// The zooms. The zero Zoom is ZoomWeek.
const (
	ZoomDay   Zoom = "day"   // 28 px a day; a header label per day, weekends shaded
	ZoomWeek  Zoom = "week"  // 12 px a day; a header label per week ("Mon 3 Mar")
	ZoomMonth Zoom = "month" // 4 px a day; a header label per month
)

// ParseZoom returns the zoom named s ("day", "week", "month"; "" is week).
func ParseZoom(s string) (Zoom, error) {
	switch z := Zoom(s); z {
	case ZoomDay, ZoomWeek, ZoomMonth:
		return z, nil
	case "":
		return ZoomWeek, nil
	}
	return "", fmt.Errorf("gantt: unknown zoom %q (want day, week or month)", s)
}

// Task kinds with their own look; they match domain.TaskKind*. Any other kind is drawn as a task.
const (
	KindTask        = "task"
	KindMilestone   = "milestone"
	KindDeliverable = "deliverable"
	KindIssue       = "issue"
)

// StatusDone is the status category of finished tasks (domain.StatusCategoryDone): their bars
// are drawn muted, and they are never marked late.
const StatusDone = "done"

// Task is one row of the chart.
type Task struct {
	ID    string
	Title string
	// URL is the link target of the bar and the row label. Relative URLs and http, https and
	// mailto URLs are linked; anything else (javascript:, data:, …) is drawn without a link.
	URL  string
	Kind string // KindTask, KindMilestone, KindDeliverable or KindIssue
	// Start and Due are calendar dates (UTC midnight; only the date part counts) and Due is
	// inclusive. A task with neither is listed without a bar; with one of them it gets a one-day
	// bar; a Due before Start is read as Start. A milestone is a diamond at the end of its Due (or
	// Start) day, where a task due the same day ends.
	Start, Due time.Time
	// ParentID orders rows depth-first, children indented under their parent in input order.
	// A parent not in the chart makes the task a top-level row.
	ParentID string
	Percent  int // 0–100, drawn as a darker fill inside the bar
	// Status is the status category ("open", "in_progress", "done"), shown in the bar's
	// tooltip. A task that is not done and whose Due is before Chart.Today gets a red edge.
	Status string

	// Provider-only extras: leave nil for viewers who may not see them.

	Baseline   *Span // a saved baseline's dates, drawn as a thin grey bar under the real one
	BudgetUsed *int  // percent of the task budget used, drawn as "62% of budget" after the bar
}

// Span is a date range; Due is inclusive.
type Span struct{ Start, Due time.Time }

// Dependency is a finish-to-start link: From must finish before To starts. Links to tasks that
// are not in the chart or have no dates are not drawn.
type Dependency struct{ From, To string }

// Chart is everything Render draws.
type Chart struct {
	Title        string
	Tasks        []Task
	Dependencies []Dependency
	// Today is drawn as a red line labelled "Today" when it falls inside the time axis; the
	// axis itself is not stretched to reach it.
	Today time.Time
	Zoom  Zoom
	// ProjectStart and ProjectDue are drawn as faint dashed lines when set (ProjectDue at the end
	// of its day).
	ProjectStart, ProjectDue *time.Time
}
