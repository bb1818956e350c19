package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// enqueueAt queues a mail job due at the clock's time and returns the mail's subject, by
// which the job's payload finds it.
func enqueueAt(t *testing.T, s *store.Store, clk *clock, at time.Time, subject string) {
	t.Helper()
	clk.Set(at)
	must(t, s.EnqueueMail(t.Context(), store.OutgoingMail{AccountID: "acct-jobs", To: "x@example.com", Subject: subject, Text: "."}))
}

// claimSubject claims the next job and returns the subject of its mail.
func claimSubject(t *testing.T, s *store.Store, lease time.Duration) (*store.Job, string) {
	t.Helper()
	j, err := s.ClaimJob(t.Context(), lease)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	var p store.SendMailPayload
	must(t, json.Unmarshal(j.Payload, &p))
	m, err := s.FindMailByID(t.Context(), p.MailID)
	must(t, err)
	return j, m.Subject
}

// jobRow reads what a job looks like in the database.
type jobRow struct {
	RunAt     time.Time
	Attempts  int
	Finished  bool
	Failed    bool
	LastError string
}

func readJob(t *testing.T, s *store.Store, id string) jobRow {
	t.Helper()
	var r jobRow
	var finished *time.Time
	err := store.RawDB(s).QueryRowContext(context.Background(),
		`SELECT run_at, attempts, finished_at, failed, last_error FROM jobs WHERE id = $1`, id).
		Scan(&r.RunAt, &r.Attempts, &finished, &r.Failed, &r.LastError)
	must(t, err)
	r.RunAt, r.Finished = r.RunAt.UTC(), finished != nil
	return r
}

func TestJobs(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := useClock(s, t0)
		const lease = time.Minute

		_, err := s.ClaimJob(ctx, lease)
		wantCode(t, err, domain.ENOTFOUND)

		// Oldest due first, whatever the order of insertion (ids are time-ordered by the wall
		// clock, so they would give a different order).
		enqueueAt(t, s, clk, t0.Add(2*time.Second), "third")
		enqueueAt(t, s, clk, t0, "first")
		enqueueAt(t, s, clk, t0.Add(time.Second), "second")
		enqueueAt(t, s, clk, t0.Add(time.Hour), "later")
		clk.Set(t0.Add(3 * time.Second))
		var ids []string
		for _, want := range []string{"first", "second", "third"} {
			j, got := claimSubject(t, s, lease)
			if got != want || j.Kind != store.JobSendMail || j.Attempts != 1 || j.MaxAttempts != store.DefaultMaxAttempts {
				t.Fatalf("claimed %q %+v, want %q at attempt 1", got, j, want)
			}
			ids = append(ids, j.ID)
		}
		// "later" is not due yet; the others are leased.
		_, err = s.ClaimJob(ctx, lease)
		wantCode(t, err, domain.ENOTFOUND)
		// Pending counts what is due: the three leased ones, not "later".
		if pending, failed, err := s.JobStats(ctx); err != nil || pending != 3 || failed != 0 {
			t.Fatalf("stats %d pending %d failed, %v", pending, failed, err)
		}

		t.Run("LeaseRunsOut", func(t *testing.T) {
			clk.Set(t0.Add(3*time.Second + lease - time.Second))
			_, err := s.ClaimJob(ctx, lease)
			wantCode(t, err, domain.ENOTFOUND)
			// The worker holding "first" died: its lease ends and the job comes back.
			must(t, s.CompleteJob(ctx, ids[1]))
			must(t, s.FailJob(ctx, ids[2], "boom", nil))
			clk.Set(t0.Add(3*time.Second + lease + time.Second))
			j, subject := claimSubject(t, s, lease)
			if subject != "first" || j.ID != ids[0] || j.Attempts != 2 {
				t.Fatalf("after the lease: %q %+v", subject, j)
			}
			_, err = s.ClaimJob(ctx, lease)
			wantCode(t, err, domain.ENOTFOUND)
			if r := readJob(t, s, ids[1]); !r.Finished || r.Failed {
				t.Fatalf("completed job %+v", r)
			}
		})

		t.Run("FailJob", func(t *testing.T) {
			// With a retry time the job waits until then.
			now := clk.Now()
			retry := now.Add(10 * time.Minute)
			must(t, s.FailJob(ctx, ids[0], "temporary", &retry))
			if r := readJob(t, s, ids[0]); !r.RunAt.Equal(retry) || r.Attempts != 2 || r.Finished || r.LastError != "temporary" {
				t.Fatalf("rescheduled job %+v, want run at %v", r, retry)
			}
			clk.Set(retry.Add(-time.Second))
			_, err := s.ClaimJob(ctx, lease)
			wantCode(t, err, domain.ENOTFOUND)
			clk.Set(retry)
			j, subject := claimSubject(t, s, lease)
			if subject != "first" || j.Attempts != 3 {
				t.Fatalf("retried %q %+v", subject, j)
			}
			// Without one it has failed for good: never claimed again.
			must(t, s.FailJob(ctx, j.ID, "permanent", nil))
			if r := readJob(t, s, j.ID); !r.Finished || !r.Failed || r.LastError != "permanent" {
				t.Fatalf("failed job %+v", r)
			}
			if r := readJob(t, s, ids[2]); !r.Finished || !r.Failed || r.LastError != "boom" {
				t.Fatalf("failed job %+v", r)
			}
			clk.Set(t0.Add(30 * time.Minute))
			_, err = s.ClaimJob(ctx, lease)
			wantCode(t, err, domain.ENOTFOUND)
			pending, failed, err := s.JobStats(ctx)
			must(t, err)
			if pending != 0 || failed != 2 { // "later" is not due until t0+1h
				t.Fatalf("stats: %d pending, %d failed; want 0 and 2", pending, failed)
			}
			clk.Set(t0.Add(time.Hour))
			if _, subject := claimSubject(t, s, lease); subject != "later" {
				t.Fatalf("claimed %q, want later", subject)
			}
		})
	})
}

// Several workers claiming at once never get the same job: SKIP LOCKED on PostgreSQL, the one
// writer on SQLite.
func TestClaimJobConcurrently(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		const jobs, workers = 50, 4
		for i := range jobs {
			must(t, s.EnqueueMail(ctx, store.OutgoingMail{To: "x@example.com", Subject: fmt.Sprint(i), Text: "."}))
		}
		var mu sync.Mutex
		claims := map[string]int{}
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		deadline := time.Now().Add(30 * time.Second)
		for range workers {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					mu.Lock()
					done := len(claims) >= jobs
					mu.Unlock()
					if done {
						return
					}
					j, err := s.ClaimJob(ctx, time.Hour)
					if domain.ErrorCode(err) == domain.ENOTFOUND {
						continue // all due jobs are locked by others at the moment
					}
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					claims[j.ID]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("claim: %v", err)
		}
		if len(claims) != jobs {
			t.Fatalf("claimed %d distinct jobs, want %d", len(claims), jobs)
		}
		for id, n := range claims {
			if n != 1 {
				t.Errorf("job %s claimed %d times", id, n)
			}
		}
	})
}

// Concurrent writers queue in Go for SQLite's one write connection instead of failing with
// "database is locked"; readers keep reading meanwhile.
func TestConcurrentWrites(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		const writers, writes = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, writers*writes+writers)
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for range 2 {
			readers.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, _, err := s.FindAccountMails(ctx, "acct-busy", "", 20); err != nil {
						errs <- fmt.Errorf("read: %w", err)
					}
					if _, _, err := s.JobStats(ctx); err != nil {
						errs <- fmt.Errorf("stats: %w", err)
					}
				}
			})
		}
		for w := range writers {
			wg.Go(func() {
				for i := range writes {
					err := s.EnqueueMail(ctx, store.OutgoingMail{AccountID: "acct-busy", To: "x@example.com", Subject: fmt.Sprintf("%d-%d", w, i), Text: "."})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(stop)
		readers.Wait()
		close(errs)
		locked, failed := 0, 0
		for err := range errs {
			failed++
			if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
				locked++
			}
			if failed <= 3 {
				t.Error(err)
			}
		}
		if failed > 0 {
			t.Fatalf("%d operations failed, %d of them with a locked database", failed, locked)
		}
		if n := rowCount(t, s, "mails"); n != writers*writes {
			t.Fatalf("%d mails, want %d", n, writers*writes)
		}
		if pending, _, err := s.JobStats(ctx); err != nil || pending != writers*writes {
			t.Fatalf("%d pending jobs (%v), want %d", pending, err, writers*writes)
		}
	})
}
