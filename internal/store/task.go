package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// FindTaskStatuses returns the account's statuses in order, seeding the defaults on first use.
func (s *Store) FindTaskStatuses(ctx context.Context, accountID string) ([]domain.TaskStatus, error) {
	out, err := findStatuses(ctx, s.r, accountID)
	if err != nil || len(out) > 0 {
		return out, err
	}
	err = s.write(ctx, func(tx *Tx) error {
		for i, st := range domain.DefaultTaskStatuses {
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_statuses (account_id, id, name, category, position) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, accountID, NewID(), st.Name, st.Category, i); err != nil {
				return fmt.Errorf("store: seed statuses: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return findStatuses(ctx, s.w, accountID)
}

func findStatuses(ctx context.Context, q queryer, accountID string) ([]domain.TaskStatus, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, category, position FROM task_statuses WHERE account_id = $1 ORDER BY position, name`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: statuses: %w", err)
	}
	defer rows.Close()
	var out []domain.TaskStatus
	for rows.Next() {
		var st domain.TaskStatus
		if err := rows.Scan(&st.ID, &st.Name, &st.Category, &st.Position); err != nil {
			return nil, fmt.Errorf("store: statuses: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

const taskColumns = `t.id, t.account_id, t.project_id, t.kind, t.title, t.description, t.status_id, COALESCE(st.name, ''), COALESCE(st.category, ''),
	COALESCE(t.parent_id, ''), t.percent, t.start_date, t.due_date, t.estimate_minutes, t.milestone_weight, t.budget_minor, t.billable,
	t.fixed_fee_minor, t.signoff_state, COALESCE(t.signoff_by, ''), t.signoff_at, t.signoff_comment, t.created_by, t.created_at, t.updated_at`

const taskFrom = `FROM tasks t LEFT JOIN task_statuses st ON st.account_id = t.account_id AND st.id = t.status_id`

func scanTask(row interface{ Scan(...any) error }, t *domain.Task) error {
	var start, due sql.NullString
	var est, weight, budget, fee sql.NullInt64
	var signAt sql.NullTime
	if err := row.Scan(&t.ID, &t.AccountID, &t.ProjectID, &t.Kind, &t.Title, &t.Description, &t.StatusID, &t.StatusName, &t.StatusCat,
		&t.ParentID, &t.Percent, &start, &due, &est, &weight, &budget, &t.Billable, &fee, &t.SignoffState, &t.SignoffBy, &signAt,
		&t.SignoffComment, &t.CreatedBy, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return err
	}
	t.StartDate, t.DueDate = dateOf(start), dateOf(due)
	t.EstimateMin, t.MilestoneWeight, t.BudgetMinor, t.FixedFeeMinor = nullInt(est), nullInt(weight), nullInt(budget), nullInt(fee)
	t.SignoffAt = nullTime(signAt)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return nil
}

// TaskWrite is everything a create or update stores; the app has validated it and checked the
// caller may set each section.
type TaskWrite struct {
	Task      *domain.Task
	Actor     AuditActor
	Summary   string // for the task's history
	Recompute bool   // also replace assignees, dependencies and custom values
}

// CreateTask stores a task with its assignees, dependencies and custom values. EINVALID for a
// dependency cycle or a parent/dependency outside the project.
func (s *Store) CreateTask(ctx context.Context, w TaskWrite) error {
	t := w.Task
	return s.write(ctx, func(tx *Tx) error {
		t.ID, t.CreatedAt, t.UpdatedAt = NewID(), tx.now, tx.now
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO tasks (account_id, id, project_id, kind, title, description, status_id, parent_id, start_date, due_date,
				estimate_minutes, percent, milestone_weight, budget_minor, billable, fixed_fee_minor, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
			t.AccountID, t.ID, t.ProjectID, t.Kind, t.Title, t.Description, t.StatusID, nullStr(t.ParentID), dateArg(t.StartDate),
			dateArg(t.DueDate), intArg(t.EstimateMin), t.Percent, intArg(t.MilestoneWeight), intArg(t.BudgetMinor), t.Billable,
			intArg(t.FixedFeeMinor), t.CreatedBy, tx.now); err != nil {
			return fmt.Errorf("store: create task: %w", err)
		}
		if err := tx.writeTaskLinks(ctx, t); err != nil {
			return err
		}
		return tx.taskHistory(ctx, t, w.Actor, "created the "+t.Kind)
	})
}

// UpdateTask replaces a task's fields (as read and changed by the caller) with its history
// entry. ENOTFOUND if it is gone; EINVALID for a cycle or links outside the project.
func (s *Store) UpdateTask(ctx context.Context, w TaskWrite) error {
	t := w.Task
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE tasks SET kind = $3, title = $4, description = $5, status_id = $6, parent_id = $7, start_date = $8, due_date = $9,
				estimate_minutes = $10, percent = $11, milestone_weight = $12, budget_minor = $13, billable = $14, fixed_fee_minor = $15,
				signoff_state = $16, signoff_by = $17, signoff_at = $18, signoff_comment = $19, updated_at = $20
			WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`,
			t.AccountID, t.ID, t.Kind, t.Title, t.Description, t.StatusID, nullStr(t.ParentID), dateArg(t.StartDate), dateArg(t.DueDate),
			intArg(t.EstimateMin), t.Percent, intArg(t.MilestoneWeight), intArg(t.BudgetMinor), t.Billable, intArg(t.FixedFeeMinor),
			t.SignoffState, nullStr(t.SignoffBy), timeArg(t.SignoffAt), t.SignoffComment, tx.now)
		if err != nil {
			return fmt.Errorf("store: update task: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("task")
		}
		if w.Recompute {
			if err := tx.writeTaskLinks(ctx, t); err != nil {
				return err
			}
		}
		return tx.taskHistory(ctx, t, w.Actor, w.Summary)
	})
}

// writeTaskLinks replaces assignees, dependencies and custom values, checking that parent and
// predecessors belong to the project and that no cycle forms (parents or dependencies).
func (tx *Tx) writeTaskLinks(ctx context.Context, t *domain.Task) error {
	var v domain.Validator
	if t.ParentID != "" {
		if t.ParentID == t.ID || !tx.taskInProject(ctx, t.AccountID, t.ProjectID, t.ParentID) {
			v.Add("parent_id", "must be another task of this project")
		} else if tx.parentCycle(ctx, t.AccountID, t.ID, t.ParentID) {
			v.Add("parent_id", "would make the task its own ancestor")
		}
	}
	for _, d := range t.DependsOn {
		if d == t.ID || !tx.taskInProject(ctx, t.AccountID, t.ProjectID, d) {
			v.Add("depends_on", "every predecessor must be another task of this project")
			break
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	stmts := []string{`DELETE FROM task_assignees WHERE account_id = $1 AND task_id = $2`,
		`DELETE FROM task_dependencies WHERE account_id = $1 AND to_task = $2`,
		`DELETE FROM task_custom_values WHERE account_id = $1 AND task_id = $2`}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, t.AccountID, t.ID); err != nil {
			return fmt.Errorf("store: task links: %w", err)
		}
	}
	for _, u := range t.Assignees {
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_assignees (account_id, task_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, t.AccountID, t.ID, u); err != nil {
			return fmt.Errorf("store: assignee: %w", err)
		}
	}
	for _, d := range t.DependsOn {
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_dependencies (account_id, project_id, from_task, to_task) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			t.AccountID, t.ProjectID, d, t.ID); err != nil {
			return fmt.Errorf("store: dependency: %w", err)
		}
	}
	if len(t.DependsOn) > 0 {
		cyclic, err := tx.dependencyCycle(ctx, t.AccountID, t.ProjectID, t.ID)
		if err != nil {
			return err
		}
		if cyclic {
			return domain.Invalid(domain.FieldError{Field: "depends_on", Message: "these dependencies would form a cycle"})
		}
	}
	for field, val := range t.CustomValues {
		if val == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_custom_values (account_id, task_id, field_id, value) VALUES ($1, $2, $3, $4)`, t.AccountID, t.ID, field, val); err != nil {
			return fmt.Errorf("store: custom value: %w", err)
		}
	}
	return nil
}

func (tx *Tx) taskInProject(ctx context.Context, accountID, projectID, id string) bool {
	var n int
	tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks WHERE account_id = $1 AND project_id = $2 AND id = $3 AND deleted_at IS NULL`, accountID, projectID, id).Scan(&n)
	return n == 1
}

func (tx *Tx) parentCycle(ctx context.Context, accountID, id, parent string) bool {
	for steps := 0; parent != "" && steps < 10000; steps++ {
		if parent == id {
			return true
		}
		var next sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT parent_id FROM tasks WHERE account_id = $1 AND id = $2`, accountID, parent).Scan(&next); err != nil {
			return false
		}
		parent = next.String
	}
	return false
}

// dependencyCycle reports whether start can reach itself along the project's dependencies.
func (tx *Tx) dependencyCycle(ctx context.Context, accountID, projectID, start string) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT from_task, to_task FROM task_dependencies WHERE account_id = $1 AND project_id = $2`, accountID, projectID)
	if err != nil {
		return false, fmt.Errorf("store: dependencies: %w", err)
	}
	next := map[string][]string{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return false, fmt.Errorf("store: dependencies: %w", err)
		}
		next[a] = append(next[a], b)
	}
	rows.Close()
	seen := map[string]bool{}
	stack := append([]string(nil), next[start]...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == start {
			return true, nil
		}
		if !seen[n] {
			seen[n] = true
			stack = append(stack, next[n]...)
		}
	}
	return false, nil
}

func (tx *Tx) taskHistory(ctx context.Context, t *domain.Task, actor AuditActor, summary string) error {
	if summary == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO task_history (account_id, id, task_id, user_id, summary, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.AccountID, NewID(), t.ID, actor.UserID, truncate(actor.Name+" "+summary, 500), tx.now)
	if err != nil {
		return fmt.Errorf("store: task history: %w", err)
	}
	return nil
}

// FindTask returns a task of the project with its assignees, predecessors and custom values.
func (s *Store) FindTask(ctx context.Context, id string) (*domain.Task, error) {
	var t domain.Task
	if err := scanTask(s.r.QueryRowContext(ctx, `SELECT `+taskColumns+` `+taskFrom+` WHERE t.id = $1 AND t.deleted_at IS NULL`, id), &t); err != nil {
		return nil, notFound(err, "task")
	}
	ts := []*domain.Task{&t}
	if err := s.attachTaskLinks(ctx, t.AccountID, ts); err != nil {
		return nil, err
	}
	return &t, s.attachCustomValues(ctx, t.AccountID, ts)
}

// TaskFilter selects a page of a project's tasks.
type TaskFilter struct {
	AccountID, ProjectID string
	StatusID             string
	Assignee             string
	Kind                 string
	DueFrom, DueTo       *domain.Date
	Cursor               string
	Limit                int
}

// FindTasks lists a project's tasks oldest first, filtered, keyset-paginated, with assignees and
// predecessors (two more statements for the page).
func (s *Store) FindTasks(ctx context.Context, f TaskFilter) ([]domain.Task, string, error) {
	c, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := clampLimit(f.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+taskColumns+` `+taskFrom+`
		WHERE t.account_id = $1 AND t.project_id = $2 AND t.deleted_at IS NULL
		  AND ($3 = '' OR t.status_id = $3) AND ($4 = '' OR t.kind = $4)
		  AND ($5 = '' OR EXISTS (SELECT 1 FROM task_assignees a WHERE a.account_id = t.account_id AND a.task_id = t.id AND a.user_id = $5))
		  AND ($6 = '' OR t.due_date >= $6) AND ($7 = '' OR t.due_date <= $7)
		  AND (t.created_at, t.id) > ($8, $9)
		ORDER BY t.created_at, t.id LIMIT $10`,
		f.AccountID, f.ProjectID, f.StatusID, f.Kind, f.Assignee, dateStrArg(f.DueFrom), dateStrArg(f.DueTo), c.At, c.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: tasks: %w", err)
	}
	var out []domain.Task
	for rows.Next() {
		var t domain.Task
		if err := scanTask(rows, &t); err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("store: tasks: %w", err)
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: tasks: %w", err)
	}
	out, next := page(out, limit, func(t domain.Task) cursor { return cursor{t.CreatedAt, t.ID} })
	ptrs := make([]*domain.Task, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, next, s.attachTaskLinks(ctx, f.AccountID, ptrs)
}

func dateStrArg(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// FindAllTasks returns every task of a project, in creation order, with what the Gantt chart
// draws and nothing else: id, kind, title, parent, percent complete, start and due dates, status
// category and predecessors; the other fields are left zero. (Reading only these columns makes
// the chart of a big project several times faster: drivers pay per column and row.)
func (s *Store) FindAllTasks(ctx context.Context, accountID, projectID string) ([]domain.Task, error) {
	// Tasks are big: growing the slice row by row would copy them over and over.
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks WHERE account_id = $1 AND project_id = $2 AND deleted_at IS NULL`,
		accountID, projectID).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: all tasks: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.kind, t.title, COALESCE(t.parent_id, ''), t.percent, t.start_date, t.due_date,
		COALESCE(st.category, '') `+taskFrom+`
		WHERE t.account_id = $1 AND t.project_id = $2 AND t.deleted_at IS NULL ORDER BY t.created_at, t.id`, accountID, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: all tasks: %w", err)
	}
	out := make([]domain.Task, 0, n+16)
	for rows.Next() {
		t := domain.Task{AccountID: accountID, ProjectID: projectID}
		var start, due sql.NullString
		if err := rows.Scan(&t.ID, &t.Kind, &t.Title, &t.ParentID, &t.Percent, &start, &due, &t.StatusCat); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: all tasks: %w", err)
		}
		t.StartDate, t.DueDate = dateOf(start), dateOf(due)
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: all tasks: %w", err)
	}
	byID := make(map[string]*domain.Task, len(out))
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	deps, err := s.r.QueryContext(ctx, `SELECT from_task, to_task FROM task_dependencies WHERE account_id = $1 AND project_id = $2`, accountID, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: all dependencies: %w", err)
	}
	defer deps.Close()
	for deps.Next() {
		var from, to string
		if err := deps.Scan(&from, &to); err != nil {
			return nil, fmt.Errorf("store: all dependencies: %w", err)
		}
		if t := byID[to]; t != nil {
			t.DependsOn = append(t.DependsOn, from)
		}
	}
	return out, deps.Err()
}

// attachTaskLinks loads assignees and predecessors of the tasks in two statements. Each is
// ordered by the task first: ordered by user or predecessor alone, SQLite walks the account's
// whole table in that order rather than look the few tasks up (and sort them).
func (s *Store) attachTaskLinks(ctx context.Context, accountID string, ts []*domain.Task) error {
	if len(ts) == 0 {
		return nil
	}
	args := []any{accountID}
	byID := map[string]*domain.Task{}
	for _, t := range ts {
		args = append(args, t.ID)
		byID[t.ID] = t
	}
	in := placeholders(2, len(ts))
	rows, err := s.r.QueryContext(ctx, `SELECT task_id, user_id FROM task_assignees WHERE account_id = $1 AND task_id IN (`+in+`) ORDER BY task_id, user_id`, args...)
	if err != nil {
		return fmt.Errorf("store: assignees: %w", err)
	}
	for rows.Next() {
		var tid, uid string
		if err := rows.Scan(&tid, &uid); err != nil {
			rows.Close()
			return fmt.Errorf("store: assignees: %w", err)
		}
		byID[tid].Assignees = append(byID[tid].Assignees, uid)
	}
	rows.Close()
	rows, err = s.r.QueryContext(ctx, `SELECT to_task, from_task FROM task_dependencies WHERE account_id = $1 AND to_task IN (`+in+`) ORDER BY to_task, from_task`, args...)
	if err != nil {
		return fmt.Errorf("store: dependencies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var to, from string
		if err := rows.Scan(&to, &from); err != nil {
			return fmt.Errorf("store: dependencies: %w", err)
		}
		byID[to].DependsOn = append(byID[to].DependsOn, from)
	}
	return rows.Err()
}

func (s *Store) attachCustomValues(ctx context.Context, accountID string, ts []*domain.Task) error {
	for _, t := range ts {
		rows, err := s.r.QueryContext(ctx, `SELECT field_id, value FROM task_custom_values WHERE account_id = $1 AND task_id = $2`, accountID, t.ID)
		if err != nil {
			return fmt.Errorf("store: custom values: %w", err)
		}
		t.CustomValues = map[string]string{}
		for rows.Next() {
			var f, v string
			if err := rows.Scan(&f, &v); err != nil {
				rows.Close()
				return fmt.Errorf("store: custom values: %w", err)
			}
			t.CustomValues[f] = v
		}
		rows.Close()
	}
	return nil
}

// DeleteTask removes a task, its links and its children's parent reference.
func (s *Store) DeleteTask(ctx context.Context, accountID, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET deleted_at = $3 WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, accountID, id, tx.now)
		if err != nil {
			return fmt.Errorf("store: delete task: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("task")
		}
		for _, q := range []string{`DELETE FROM task_dependencies WHERE account_id = $1 AND (from_task = $2 OR to_task = $2)`,
			`UPDATE tasks SET parent_id = NULL WHERE account_id = $1 AND parent_id = $2`} {
			if _, err := tx.ExecContext(ctx, q, accountID, id); err != nil {
				return fmt.Errorf("store: delete task: %w", err)
			}
		}
		return nil
	})
}

// AddProgress records a progress update and sets the task's percent complete.
func (s *Store) AddProgress(ctx context.Context, accountID string, p *domain.Progress, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		p.ID, p.CreatedAt = NewID(), tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_progress (account_id, id, task_id, user_id, percent, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			accountID, p.ID, p.TaskID, p.UserID, p.Percent, p.Comment, tx.now); err != nil {
			return fmt.Errorf("store: progress: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET percent = $3, updated_at = $4 WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, accountID, p.TaskID, p.Percent, tx.now)
		if err != nil {
			return fmt.Errorf("store: progress: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("task")
		}
		return tx.taskHistory(ctx, &domain.Task{AccountID: accountID, ID: p.TaskID}, actor, fmt.Sprintf("reported %d%% complete", p.Percent))
	})
}

// FindProgress lists a task's progress updates, newest first.
func (s *Store) FindProgress(ctx context.Context, accountID, taskID string) ([]domain.Progress, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, p.task_id, p.user_id, TRIM(u.first_name || ' ' || u.last_name), p.percent, p.comment, p.created_at
		FROM task_progress p JOIN users u ON u.id = p.user_id WHERE p.account_id = $1 AND p.task_id = $2 ORDER BY p.created_at DESC, p.id DESC LIMIT 200`, accountID, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: progress: %w", err)
	}
	defer rows.Close()
	var out []domain.Progress
	for rows.Next() {
		var p domain.Progress
		if err := rows.Scan(&p.ID, &p.TaskID, &p.UserID, &p.UserName, &p.Percent, &p.Comment, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: progress: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// TaskHistoryEntry is one line of a task's history.
type TaskHistoryEntry struct {
	Summary string
	At      time.Time
}

// FindTaskHistory lists a task's history, newest first.
func (s *Store) FindTaskHistory(ctx context.Context, accountID, taskID string) ([]TaskHistoryEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT summary, created_at FROM task_history WHERE account_id = $1 AND task_id = $2 ORDER BY created_at DESC, id DESC LIMIT 200`, accountID, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: task history: %w", err)
	}
	defer rows.Close()
	var out []TaskHistoryEntry
	for rows.Next() {
		var e TaskHistoryEntry
		if err := rows.Scan(&e.Summary, &e.At); err != nil {
			return nil, fmt.Errorf("store: task history: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// FindCustomFields lists the account's task custom fields.
func (s *Store) FindCustomFields(ctx context.Context, accountID string) ([]domain.CustomField, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, kind, choices, position FROM custom_fields WHERE account_id = $1 ORDER BY position, name`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: custom fields: %w", err)
	}
	defer rows.Close()
	var out []domain.CustomField
	for rows.Next() {
		var f domain.CustomField
		var choices string
		if err := rows.Scan(&f.ID, &f.Name, &f.Kind, &choices, &f.Position); err != nil {
			return nil, fmt.Errorf("store: custom fields: %w", err)
		}
		if choices != "" {
			f.Choices = strings.Split(choices, "\n")
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// CreateCustomField adds a custom field to the account. EINVALID if the name is taken.
func (s *Store) CreateCustomField(ctx context.Context, accountID string, f *domain.CustomField) error {
	return s.write(ctx, func(tx *Tx) error {
		f.ID = NewID()
		_, err := tx.ExecContext(ctx, `INSERT INTO custom_fields (account_id, id, name, kind, choices, position) VALUES ($1, $2, $3, $4, $5, $6)`,
			accountID, f.ID, f.Name, f.Kind, strings.Join(f.Choices, "\n"), f.Position)
		if isUniqueViolation(err) {
			return domain.Invalid(domain.FieldError{Field: "name", Message: "another custom field has this name"})
		}
		if err != nil {
			return fmt.Errorf("store: custom field: %w", err)
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actorFrom(ctx), Action: "settings.custom_field", Target: f.Name, Summary: "added the task field " + f.Name})
	})
}
