// Package jobs runs the durable background work stored in the database (e-mail now,
// notifications and webhooks later). A job is claimed with a lease, so a crashed worker's job
// is retried by another; failures retry with exponential backoff.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// Handler does one job. An error wrapped with Permanent is not retried.
type Handler func(ctx context.Context, payload json.RawMessage) error

type permanent struct{ error }

// Permanent marks an error that retrying cannot fix.
func Permanent(err error) error { return permanent{err} }

// Worker claims due jobs and runs their handlers, one at a time.
type Worker struct {
	Store    *store.Store
	Handlers map[string]Handler
	Log      *slog.Logger
	Poll     time.Duration // how often to look for due jobs when not woken
	Lease    time.Duration // how long a claimed job is ours before others may retry it
	wake     chan struct{}
}

// NewWorker returns a worker with default timings.
func NewWorker(s *store.Store, log *slog.Logger) *Worker {
	return &Worker{Store: s, Handlers: map[string]Handler{}, Log: log, Poll: time.Second, Lease: 5 * time.Minute, wake: make(chan struct{}, 1)}
}

// Wake makes the worker look for jobs now rather than at the next poll.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx is cancelled. A job under way when that happens is finished first
// (bounded by the lease), so a graceful shutdown loses nothing.
func (w *Worker) Run(ctx context.Context) {
	for {
		for ctx.Err() == nil {
			did, err := w.RunOnce(context.WithoutCancel(ctx))
			if err != nil {
				w.Log.Error("job worker", "err", err)
			}
			if !did || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce claims and runs one due job. It reports whether there was one.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	j, err := w.Store.ClaimJob(ctx, w.Lease)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	h, ok := w.Handlers[j.Kind]
	if !ok {
		return true, w.Store.FailJob(ctx, j.ID, "no handler for job kind "+j.Kind, nil)
	}
	jctx, cancel := context.WithTimeout(context.WithValue(ctx, attemptKey{}, *j), w.Lease)
	err = runHandler(jctx, h, j.Payload)
	cancel()
	if err == nil {
		return true, w.Store.CompleteJob(ctx, j.ID)
	}
	var perm permanent
	if errors.As(err, &perm) || j.Attempts >= j.MaxAttempts {
		w.Log.Error("job failed for good", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts, "err", err)
		return true, w.Store.FailJob(ctx, j.ID, err.Error(), nil)
	}
	next := w.Store.Now().Add(Backoff(j.Attempts)) // the store's clock, which decides what is due
	w.Log.Warn("job failed; will retry", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "retry_at", next, "err", err)
	if ferr := w.Store.FailJob(ctx, j.ID, err.Error(), &next); ferr != nil {
		return true, fmt.Errorf("jobs: record failure: %w", ferr)
	}
	return true, nil
}

type attemptKey struct{}

// LastAttempt reports whether the job a handler is running is on its last attempt: if the
// handler fails now, the job is marked failed rather than retried, so the handler may record
// that outcome (the mail handler marks its mail failed).
func LastAttempt(ctx context.Context) bool {
	j, ok := ctx.Value(attemptKey{}).(store.Job)
	return ok && j.Attempts >= j.MaxAttempts
}

// Backoff is the wait before attempt n+1: 2^n seconds, at most an hour, with ±10 % jitter.
func Backoff(attempt int) time.Duration {
	d := time.Duration(1<<min(attempt, 12)) * time.Second
	d = min(d, time.Hour)
	jitter := time.Duration(rand.Int64N(int64(d)/5 + 1))
	return d - d/10 + jitter
}

// runHandler calls h, turning a panic into an error so that one bad job cannot stop the worker
// (the job is then retried like any failure).
func runHandler(ctx context.Context, h Handler, payload json.RawMessage) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("jobs: handler panicked: %v", v)
		}
	}()
	return h(ctx, payload)
}
