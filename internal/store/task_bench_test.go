package store_test

import (
	"context"
	"testing"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// The Gantt and task-list benchmarks of issue 5: a project of 5,000 tasks and 10,000
// finish-to-start dependencies (PERFORMANCE.md), seeded in one transaction.
const (
	benchTasks = 5000
	benchDeps  = 10000
)

type taskBenchWorld struct {
	s                  *store.Store
	accountID, project string
	ids                []string
}

func newTaskBenchWorld(tb testing.TB, dialect string) *taskBenchWorld {
	tb.Helper()
	ctx := context.Background()
	dsn := testutil.MustDSN(tb, dialect)
	s, err := store.Open(ctx, dsn, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	acct, admin, err := s.CreateAccount(ctx, "Tasks", store.NewAdmin{Email: "tasks-admin@example.com", PasswordHash: "x"})
	if err != nil {
		tb.Fatal(err)
	}
	p := &domain.Project{AccountID: acct.ID, Name: "Big plan", Currency: "EUR", Privacy: domain.PrivacyInvitation, Status: domain.StatusOnTrack, CreatedBy: admin.UserID}
	if err := s.CreateProject(ctx, p, store.AuditActor{}); err != nil {
		tb.Fatal(err)
	}
	statuses, err := s.FindTaskStatuses(ctx, acct.ID)
	if err != nil {
		tb.Fatal(err)
	}
	ids := testutil.SeedTasks(tb, dsn, testutil.TaskSeed{AccountID: acct.ID, ProjectID: p.ID, StatusID: statuses[0].ID,
		CreatedBy: admin.UserID, Assignees: []string{admin.UserID}, Tasks: benchTasks, Dependencies: benchDeps})
	return &taskBenchWorld{s: s, accountID: acct.ID, project: p.ID, ids: ids}
}

// TestTaskSeedShape checks the seeded world the benchmarks measure: every task and dependency
// is read back, pages are complete and in order, and the deep cursor lands where it should.
func TestTaskSeedShape(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newTaskBenchWorld(t, d)
			ctx := context.Background()
			ts, err := w.s.FindAllTasks(ctx, w.accountID, w.project)
			if err != nil {
				t.Fatal(err)
			}
			deps := 0
			for i, task := range ts {
				if task.ID != w.ids[i] {
					t.Fatalf("task %d is %s, want %s (creation order)", i, task.ID, w.ids[i])
				}
				deps += len(task.DependsOn)
			}
			if len(ts) != benchTasks || deps != benchDeps {
				t.Fatalf("%d tasks, %d dependencies", len(ts), deps)
			}
			cur := w.cursorAt(t, 4500)
			page, next, err := w.s.FindTasks(ctx, store.TaskFilter{AccountID: w.accountID, ProjectID: w.project, Cursor: cur, Limit: 50})
			if err != nil || len(page) != 50 || next == "" || page[0].ID != w.ids[4500] || len(page[0].Assignees) != 1 {
				t.Fatalf("deep page: %d tasks, next %q, %v", len(page), next, err)
			}
		})
	}
}

// cursorAt walks pages of 50 to the cursor of the page starting at task n.
func (w *taskBenchWorld) cursorAt(tb testing.TB, n int) string {
	tb.Helper()
	cur := ""
	for seen := 0; seen < n; seen += 50 {
		_, next, err := w.s.FindTasks(context.Background(), store.TaskFilter{AccountID: w.accountID, ProjectID: w.project, Cursor: cur, Limit: 50})
		if err != nil || next == "" {
			tb.Fatalf("page at %d: next %q, %v", seen, next, err)
		}
		cur = next
	}
	return cur
}

// BenchmarkGanttTasks measures loading every task of the project with its dependencies, as
// the Gantt chart does.
func BenchmarkGanttTasks(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			w := newTaskBenchWorld(b, d)
			ctx := context.Background()
			for range 3 { // warm the connections and caches: steady state is what counts
				w.s.FindAllTasks(ctx, w.accountID, w.project)
			}
			b.ReportAllocs()
			for b.Loop() {
				ts, err := w.s.FindAllTasks(ctx, w.accountID, w.project)
				if err != nil || len(ts) != benchTasks {
					b.Fatalf("%d tasks, %v", len(ts), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

// BenchmarkTaskListPage measures one page of 50 with assignees and predecessors: the first page
// and a deep one (task 4,500 on: keyset pagination should cost the same).
func BenchmarkTaskListPage(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			w := newTaskBenchWorld(b, d)
			ctx := context.Background()
			for _, pg := range []struct {
				name   string
				cursor string
			}{{"first", ""}, {"deep", w.cursorAt(b, 4500)}} {
				b.Run(pg.name, func(b *testing.B) {
					f := store.TaskFilter{AccountID: w.accountID, ProjectID: w.project, Cursor: pg.cursor, Limit: 50}
					for range 10 {
						w.s.FindTasks(ctx, f)
					}
					b.ReportAllocs()
					for b.Loop() {
						ts, _, err := w.s.FindTasks(ctx, f)
						if err != nil || len(ts) != 50 {
							b.Fatalf("%d tasks, %v", len(ts), err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
				})
			}
		})
	}
}
