package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/portico-dev/portico/internal/store"
)

// TaskSeed describes the tasks SeedTasks writes into one project.
type TaskSeed struct {
	AccountID, ProjectID string
	StatusID             string   // one of the account's statuses (Store.FindTaskStatuses seeds them)
	CreatedBy            string   // a user id
	Assignees            []string // task i is assigned to Assignees[i%len] (none if empty)
	Tasks, Dependencies  int
	Start                time.Time // the first task's created_at; each next one is a second later
}

// SeedTasks writes a project's tasks and finish-to-start dependencies straight into the
// database at dsn, in one transaction, for benchmarks: the store's own path checks every new
// dependency for a cycle against the whole project, which is right for one edit and far too slow
// for thousands. The shape is deterministic: phases of 50 tasks with sub-phases of 10 (parents),
// dates spread over about a year, a milestone every 25th task, a deliverable every 7th, an issue
// every 13th, a few undated; every dependency points from an earlier task to a later one, so
// there is no cycle. It returns the task ids in creation order.
func SeedTasks(tb testing.TB, dsn string, s TaskSeed) []string {
	tb.Helper()
	ctx := context.Background()
	driver, source := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite"
	if store.IsPostgres(dsn) {
		driver, source = "pgx", dsn
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		tb.Fatalf("seed tasks: %v", err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatalf("seed tasks: %v", err)
	}
	defer tx.Rollback()
	seed := uint64(42)
	rnd := func(k int) int { // xorshift: the same world on every run
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(k))
	}
	if s.Start.IsZero() {
		s.Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	words := []string{"Design", "Build", "Review", "Migrate", "Test", "Document", "Plan", "Ship"}
	ids := make([]string, s.Tasks)
	for i := range ids {
		ids[i] = store.NewID()
	}
	insert := func(prefix string, cols int, rows [][]any) {
		const batch = 500
		for lo := 0; lo < len(rows); lo += batch {
			hi := min(lo+batch, len(rows))
			var sb strings.Builder
			sb.WriteString(prefix)
			args := make([]any, 0, (hi-lo)*cols)
			for r := lo; r < hi; r++ {
				if r > lo {
					sb.WriteString(", ")
				}
				sb.WriteString("(")
				for c := 0; c < cols; c++ {
					if c > 0 {
						sb.WriteString(", ")
					}
					fmt.Fprintf(&sb, "$%d", len(args)+1)
					args = append(args, rows[r][c])
				}
				sb.WriteString(")")
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				tb.Fatalf("seed tasks: %v", err)
			}
		}
	}
	var tasks, assignees [][]any
	for i, id := range ids {
		kind := "task"
		switch {
		case i%25 == 7:
			kind = "milestone"
		case i%7 == 3:
			kind = "deliverable"
		case i%13 == 5:
			kind = "issue"
		}
		var parent any
		switch {
		case i%50 == 0:
		case i%10 == 0:
			parent = ids[i-i%50]
		default:
			parent = ids[i-i%10]
		}
		startDay := base.AddDate(0, 0, (i*3)%330+rnd(20))
		var start, due any = startDay.Format(time.DateOnly), startDay.AddDate(0, 0, 1+rnd(20)).Format(time.DateOnly)
		if kind == "milestone" {
			start = nil
		}
		if i%97 == 1 {
			start, due = nil, nil
		}
		title := fmt.Sprintf("%s %d — %s the %s work", words[i%len(words)], i, words[(i/8)%len(words)], words[(i/3)%len(words)])
		at := s.Start.Add(time.Duration(i) * time.Second).UTC()
		tasks = append(tasks, []any{s.AccountID, id, s.ProjectID, kind, title, "Seeded task " + fmt.Sprint(i), s.StatusID, parent,
			start, due, int64(60 * (1 + rnd(40))), int64(rnd(101)), int64(100000 + 1000*rnd(500)), s.CreatedBy, at, at})
		if len(s.Assignees) > 0 {
			assignees = append(assignees, []any{s.AccountID, id, s.Assignees[i%len(s.Assignees)]})
		}
	}
	insert(`INSERT INTO tasks (account_id, id, project_id, kind, title, description, status_id, parent_id, start_date, due_date,
		estimate_minutes, percent, budget_minor, created_by, created_at, updated_at) VALUES `, 16, tasks)
	insert(`INSERT INTO task_assignees (account_id, task_id, user_id) VALUES `, 3, assignees)
	if s.Tasks > 1 {
		possible := 0
		for to := 1; to < s.Tasks; to++ {
			possible += min(to, 60)
		}
		seen := map[[2]int]bool{}
		var deps [][]any
		for len(deps) < min(s.Dependencies, possible) {
			to := 1 + rnd(s.Tasks-1)
			from := to - 1 - rnd(min(to, 60)) // mostly near each other, as real plans are
			if seen[[2]int{from, to}] {
				continue
			}
			seen[[2]int{from, to}] = true
			deps = append(deps, []any{s.AccountID, s.ProjectID, ids[from], ids[to]})
		}
		insert(`INSERT INTO task_dependencies (account_id, project_id, from_task, to_task) VALUES `, 4, deps)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatalf("seed tasks: %v", err)
	}
	if driver == "pgx" {
		// What autovacuum does shortly after a bulk load: without statistics PostgreSQL's
		// generic plans (used from a prepared statement's sixth run on) read whole tables.
		if _, err := db.ExecContext(ctx, "ANALYZE tasks, task_assignees, task_dependencies"); err != nil {
			tb.Fatalf("seed tasks: %v", err)
		}
	}
	return ids
}
