package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/jobs"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

func TestWorkerRunsHandler(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		d.enqueue(t, "lee@example.com", "hi")
		w := newWorker(t, d.s)
		var got []store.SendMailPayload
		w.Handlers[store.JobSendMail] = func(ctx context.Context, payload json.RawMessage) error {
			var p store.SendMailPayload
			if err := json.Unmarshal(payload, &p); err != nil {
				return err
			}
			got = append(got, p)
			return nil
		}
		runOnce(t, w)
		if len(got) != 1 || got[0].MailID != d.mails(t)[0].ID {
			t.Fatalf("handler saw %+v", got)
		}
		if j := d.job(t); !j.Finished || j.Failed || j.Attempts != 1 {
			t.Fatalf("job %+v", j)
		}
		runNone(t, w)
	})
}

// within checks that d lies in the jitter band Backoff promises around base.
func within(d, base time.Duration) bool { return d >= base-base/10 && d <= base+base/10 }

func TestWorkerRetriesWithBackoff(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		d.enqueue(t, "lee@example.com", "hi")
		w := newWorker(t, d.s)
		var calls atomic.Int32
		w.Handlers[store.JobSendMail] = func(context.Context, json.RawMessage) error {
			if calls.Add(1) < 3 {
				return errors.New("smtp down")
			}
			return nil
		}

		runOnce(t, w)
		j := d.job(t)
		if j.Attempts != 1 || j.Finished || j.LastError != "smtp down" || !within(j.RunAt.Sub(t0), 2*time.Second) {
			t.Fatalf("after the first failure: %+v; want a retry about 2s after %v", j, t0)
		}
		runNone(t, w) // not due yet

		second := j.RunAt
		d.clk.Set(second)
		runOnce(t, w)
		j = d.job(t)
		if j.Attempts != 2 || j.Finished || !within(j.RunAt.Sub(second), 4*time.Second) {
			t.Fatalf("after the second failure: %+v; want a retry about 4s after %v", j, second)
		}

		d.clk.Set(j.RunAt)
		runOnce(t, w)
		if j := d.job(t); j.Attempts != 3 || !j.Finished || j.Failed {
			t.Fatalf("after success: %+v", j)
		}
		if n := calls.Load(); n != 3 {
			t.Fatalf("handler ran %d times", n)
		}
	})
}

func TestWorkerGivesUp(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		d.enqueue(t, "lee@example.com", "hi")
		w := newWorker(t, d.s)
		var calls atomic.Int32
		w.Handlers[store.JobSendMail] = func(context.Context, json.RawMessage) error {
			calls.Add(1)
			return errors.New("still down")
		}
		for i := range store.DefaultMaxAttempts {
			d.clk.Set(t0.Add(time.Duration(i) * 2 * time.Hour)) // past any backoff
			runOnce(t, w)
		}
		if j := d.job(t); j.Attempts != store.DefaultMaxAttempts || !j.Finished || !j.Failed || j.LastError != "still down" {
			t.Fatalf("after the last attempt: %+v", j)
		}
		d.clk.Set(t0.Add(1000 * time.Hour))
		runNone(t, w)
		if n := calls.Load(); n != store.DefaultMaxAttempts {
			t.Fatalf("handler ran %d times", n)
		}
	})
}

func TestWorkerPermanentError(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		d.enqueue(t, "lee@example.com", "hi")
		d.enqueue(t, "kim@example.com", "hi")
		w := newWorker(t, d.s)
		w.Handlers[store.JobSendMail] = func(context.Context, json.RawMessage) error {
			// Wrapped further, it is still permanent.
			return fmt.Errorf("send: %w", jobs.Permanent(errors.New("mailbox does not exist")))
		}
		runOnce(t, w)
		// A kind without a handler fails at once too.
		delete(w.Handlers, store.JobSendMail)
		runOnce(t, w)
		for _, j := range d.jobs(t) {
			if j.Attempts != 1 || !j.Finished || !j.Failed || j.LastError == "" {
				t.Fatalf("job %+v", j)
			}
		}
		if js := d.jobs(t); !strings.Contains(js[0].LastError, "mailbox does not exist") || !strings.Contains(js[1].LastError, "no handler") {
			t.Fatalf("errors %q, %q", js[0].LastError, js[1].LastError)
		}
		d.clk.Set(t0.Add(1000 * time.Hour))
		runNone(t, w)
		if _, failed, err := d.s.JobStats(t.Context()); err != nil || failed != 2 {
			t.Fatalf("failed jobs %d (%v), want 2", failed, err)
		}
	})
}

// Cancelling Run while a job runs lets the job finish and complete, and starts no other.
func TestWorkerGracefulStop(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		d.enqueue(t, "lee@example.com", "first")
		d.enqueue(t, "kim@example.com", "second")
		w := newWorker(t, d.s)
		started, release := make(chan struct{}), make(chan struct{})
		var calls atomic.Int32
		var ctxErr atomic.Value
		w.Handlers[store.JobSendMail] = func(ctx context.Context, _ json.RawMessage) error {
			if calls.Add(1) == 1 {
				close(started)
			}
			<-release
			ctxErr.Store(fmt.Sprint(ctx.Err()))
			return nil
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()

		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("the worker did not start the job")
		}
		cancel()
		select {
		case <-done:
			t.Fatal("Run returned while its job was still running")
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its job finished")
		}
		if e := ctxErr.Load(); e != "<nil>" {
			t.Fatalf("the handler's context was cancelled: %v", e)
		}
		js := d.jobs(t)
		if !js[0].Finished || js[0].Failed || js[1].Finished || js[1].Attempts != 0 || calls.Load() != 1 {
			t.Fatalf("jobs after a graceful stop: %+v (%d handler calls)", js, calls.Load())
		}
	})
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt int
		base    time.Duration
	}{
		{1, 2 * time.Second}, {2, 4 * time.Second}, {5, 32 * time.Second}, {10, 1024 * time.Second},
		{12, time.Hour}, {30, time.Hour},
	} {
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for range 200 {
			d := jobs.Backoff(c.attempt)
			if !within(d, c.base) {
				t.Fatalf("Backoff(%d) = %v, want %v ±10%%", c.attempt, d, c.base)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo == hi {
			t.Errorf("Backoff(%d) has no jitter: always %v", c.attempt, lo)
		}
	}
}

func TestWorkerSurvivesPanickingHandler(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		w := jobs.NewWorker(s, slog.New(slog.DiscardHandler))
		calls := 0
		w.Handlers[store.JobSendMail] = func(context.Context, json.RawMessage) error {
			calls++
			panic("boom")
		}
		if err := s.EnqueueMail(t.Context(), store.OutgoingMail{To: "a@b.example", Subject: "s", Text: "t"}); err != nil {
			t.Fatal(err)
		}
		did, err := w.RunOnce(t.Context())
		if !did || err != nil || calls != 1 {
			t.Fatalf("RunOnce after a panic: did=%v err=%v calls=%d", did, err, calls)
		}
		_, failed, err := s.JobStats(t.Context())
		if err != nil || failed != 0 {
			t.Fatalf("a panicking job failed for good at once: failed=%d err=%v", failed, err)
		}
		if did, err := w.RunOnce(t.Context()); did || err != nil {
			t.Fatalf("the panicking job should wait for its retry, not run again at once: did=%v err=%v", did, err)
		}
	})
}
