package domain

import "time"

// Task kinds.
const (
	TaskKindTask        = "task"
	TaskKindMilestone   = "milestone"
	TaskKindDeliverable = "deliverable"
	TaskKindIssue       = "issue"
)

// ValidTaskKind reports whether k is a task kind.
func ValidTaskKind(k string) bool {
	return k == TaskKindTask || k == TaskKindMilestone || k == TaskKindDeliverable || k == TaskKindIssue
}

// Status categories order an account's statuses on the board and tell when a task is done.
const (
	StatusCategoryOpen       = "open"
	StatusCategoryInProgress = "in_progress"
	StatusCategoryDone       = "done"
)

// TaskStatus is one of an account's task statuses.
type TaskStatus struct {
	ID       string
	Name     string
	Category string
	Position int
}

// DefaultTaskStatuses are the statuses an account starts with.
var DefaultTaskStatuses = []TaskStatus{
	{Name: "To do", Category: StatusCategoryOpen},
	{Name: "In progress", Category: StatusCategoryInProgress},
	{Name: "In review", Category: StatusCategoryInProgress},
	{Name: "Done", Category: StatusCategoryDone},
}

// Task is an item of a project's task tracker. Its sections have different audiences: the
// scheduling section (dates, estimate, dependencies), custom fields and time & fees are never
// shown to clients; the access layer decides and the API builds client answers without them.
type Task struct {
	ID          string
	AccountID   string
	ProjectID   string
	Kind        string
	Title       string
	Description string
	StatusID    string
	StatusName  string
	StatusCat   string
	ParentID    string
	Assignees   []string // user ids
	Percent     int
	// Scheduling section.
	StartDate       *Date
	DueDate         *Date
	EstimateMin     *int64
	DependsOn       []string // finish-to-start predecessors
	MilestoneWeight *int64
	// Time & fees section.
	BudgetMinor   *int64
	Billable      bool
	FixedFeeMinor *int64
	// Deliverable sign-off by the client.
	SignoffState   string // "", "approved", "sent_back"
	SignoffBy      string
	SignoffAt      *time.Time
	SignoffComment string
	CustomValues   map[string]string // field id → value
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// CustomField is an account-defined task field.
type CustomField struct {
	ID       string
	Name     string
	Kind     string // text, number, date, choice
	Choices  []string
	Position int
}

// Progress is a progress update on a task.
type Progress struct {
	ID        string
	TaskID    string
	UserID    string
	UserName  string
	Percent   int
	Comment   string
	CreatedAt time.Time
}

// Proposal is a proposed change of a project's dates (or budget), decided by the other side.
type Proposal struct {
	ID              string
	AccountID       string
	ProjectID       string
	Kind            string // "dates" (budget changes come with money)
	ProposedBy      string
	ProposedByName  string
	ByClient        bool
	StartDate       *Date
	DueDate         *Date
	AmountMinor     *int64
	Comment         string
	Status          string // open, approved, declined, cancelled
	DecidedBy       string
	DecidedByName   string
	DecidedAt       *time.Time
	DecisionComment string
	CreatedAt       time.Time
}
