package jobs_test

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for reading rows directly

	"github.com/portico-dev/portico/internal/jobs"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// t0 is the start of the fake clock: years from the wall clock, so that code reading
// time.Now instead of the store's clock shows up.
var t0 = time.Date(2031, 3, 14, 9, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// db is one test database: its DSN (to reopen it), an open store on a fake clock, and a
// direct connection for reading rows no store method returns.
type db struct {
	dialect, dsn string
	s            *store.Store
	clk          *clock
	raw          *sql.DB
}

// forEachDialect runs f with a fresh database per dialect.
func forEachDialect(t *testing.T, f func(t *testing.T, d *db)) {
	t.Helper()
	for _, dialect := range testutil.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			d := &db{dialect: dialect, dsn: testutil.MustDSN(t, dialect), clk: &clock{t: t0}}
			d.s = d.open(t)
			driver, dsn := "pgx", d.dsn
			if dialect == "sqlite" {
				driver, dsn = "sqlite", "file:"+d.dsn+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_time_format=sqlite"
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			d.raw = raw
			f(t, d)
		})
	}
}

// open opens (again) the test's database with the fake clock; closed when the test ends.
func (d *db) open(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), d.dsn, nil)
	if err != nil {
		t.Fatalf("open %s: %v", d.dialect, err)
	}
	s.Now = d.clk.Now
	t.Cleanup(func() { s.Close() })
	return s
}

// jobRow is a job as stored.
type jobRow struct {
	ID        string
	RunAt     time.Time
	Attempts  int
	Finished  bool
	Failed    bool
	LastError string
}

// jobs reads every job, oldest first.
func (d *db) jobs(t *testing.T) []jobRow {
	t.Helper()
	rows, err := d.raw.QueryContext(context.Background(), `
		SELECT id, run_at, attempts, finished_at, failed, last_error FROM jobs ORDER BY created_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []jobRow
	for rows.Next() {
		var r jobRow
		var finished sql.NullTime
		if err := rows.Scan(&r.ID, &r.RunAt, &r.Attempts, &finished, &r.Failed, &r.LastError); err != nil {
			t.Fatal(err)
		}
		r.RunAt, r.Finished = r.RunAt.UTC(), finished.Valid
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// job reads the only job.
func (d *db) job(t *testing.T) jobRow {
	t.Helper()
	js := d.jobs(t)
	if len(js) != 1 {
		t.Fatalf("%d jobs, want 1", len(js))
	}
	return js[0]
}

// enqueue queues a mail (and so a JobSendMail job) in account "acct".
func (d *db) enqueue(t *testing.T, to, subject string) {
	t.Helper()
	if err := d.s.EnqueueMail(t.Context(), store.OutgoingMail{AccountID: "acct", To: to, Subject: subject, Text: "Hello " + to, HTML: "<p>Hello</p>"}); err != nil {
		t.Fatal(err)
	}
}

// mails returns the mails of account "acct", newest first.
func (d *db) mails(t *testing.T) []store.StoredMail {
	t.Helper()
	ms, _, err := d.s.FindAccountMails(t.Context(), "acct", "", 50)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func newWorker(t *testing.T, s *store.Store) *jobs.Worker {
	w := jobs.NewWorker(s, slog.New(slog.NewTextHandler(t.Output(), nil)))
	w.Poll = 10 * time.Millisecond
	return w
}

// runOnce runs one job and fails the test unless there was one and it ran without a store error.
func runOnce(t *testing.T, w *jobs.Worker) {
	t.Helper()
	did, err := w.RunOnce(t.Context())
	if err != nil || !did {
		t.Fatalf("RunOnce: did %v, err %v", did, err)
	}
}

// runNone fails the test if a job was due.
func runNone(t *testing.T, w *jobs.Worker) {
	t.Helper()
	did, err := w.RunOnce(t.Context())
	if err != nil || did {
		t.Fatalf("RunOnce with nothing due: did %v, err %v", did, err)
	}
}
