package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Job is a unit of background work kept in the database, so that a restart loses nothing.
type Job struct {
	ID          string
	Kind        string
	Payload     json.RawMessage
	Attempts    int // including the current one
	MaxAttempts int
}

// DefaultMaxAttempts is how often a job is tried before it is marked failed.
const DefaultMaxAttempts = 10

// enqueue adds a job in the caller's transaction: the job exists exactly when the write that
// caused it commits.
func (tx *Tx) enqueue(ctx context.Context, kind string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("store: job payload: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, created_at)
		VALUES ($1, $2, $3, $4, 0, $5, $4)`, NewID(), kind, string(b), tx.now, DefaultMaxAttempts)
	if err != nil {
		return fmt.Errorf("store: enqueue %s: %w", kind, err)
	}
	return nil
}

// EnsureJob queues a job of kind to run at runAt unless one is already waiting, so that a
// recurring job (the daily digest) exists exactly once however many nodes start.
func (s *Store) EnsureJob(ctx context.Context, kind string, runAt time.Time) error {
	return s.ensureJob(ctx, kind, runAt, "")
}

// EnsureJobAfter is EnsureJob for a recurring job scheduling its own next run: the running job
// itself (not yet finished) does not count as waiting.
func (s *Store) EnsureJobAfter(ctx context.Context, kind string, runAt time.Time) error {
	return s.ensureJob(ctx, kind, runAt, "running")
}

func (s *Store) ensureJob(ctx context.Context, kind string, runAt time.Time, ignoreRunning string) error {
	return s.write(ctx, func(tx *Tx) error {
		var n int
		q := `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND finished_at IS NULL AND ($2 = '' OR locked_until IS NULL OR locked_until < $3)`
		if err := tx.QueryRowContext(ctx, q, kind, ignoreRunning, tx.now).Scan(&n); err != nil {
			return fmt.Errorf("store: ensure job: %w", err)
		}
		if n > 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, created_at)
			VALUES ($1, $2, '{}', $3, 0, $4, $5)`, NewID(), kind, runAt.UTC().Truncate(time.Microsecond), DefaultMaxAttempts, tx.now)
		if err != nil {
			return fmt.Errorf("store: ensure job: %w", err)
		}
		return nil
	})
}

// ClaimJob leases the oldest due job for lease and counts the attempt. A job whose worker died
// becomes due again when its lease runs out. ENOTFOUND when nothing is due.
func (s *Store) ClaimJob(ctx context.Context, lease time.Duration) (*Job, error) {
	var j Job
	err := s.write(ctx, func(tx *Tx) error {
		var payload string
		err := tx.QueryRowContext(ctx, `
			UPDATE jobs SET locked_until = $2, attempts = attempts + 1
			WHERE id = (
				SELECT id FROM jobs
				WHERE finished_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
				ORDER BY run_at, id LIMIT 1`+s.dialect.skipLocked()+`
			)
			RETURNING id, kind, payload, attempts, max_attempts`, tx.now, tx.now.Add(lease)).
			Scan(&j.ID, &j.Kind, &payload, &j.Attempts, &j.MaxAttempts)
		j.Payload = json.RawMessage(payload)
		return notFound(err, "job")
	})
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// CompleteJob marks a job done.
func (s *Store) CompleteJob(ctx context.Context, id string) error {
	return s.finishJob(ctx, id, "", false)
}

// FailJob records a failed attempt: the job runs again at retryAt, or, when retryAt is nil
// (attempts used up or the error is permanent), it is marked failed for good.
func (s *Store) FailJob(ctx context.Context, id, reason string, retryAt *time.Time) error {
	if retryAt == nil {
		return s.finishJob(ctx, id, reason, true)
	}
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE jobs SET run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1`,
			id, retryAt.UTC().Truncate(time.Microsecond), truncate(reason, 2000))
		return err
	})
}

func (s *Store) finishJob(ctx context.Context, id, reason string, failed bool) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE jobs SET finished_at = $2, locked_until = NULL, last_error = $3, failed = $4 WHERE id = $1`,
			id, tx.now, truncate(reason, 2000), failed)
		return err
	})
}

// JobStats counts jobs due and not finished (scheduled ones, like tomorrow's digest, are not
// pending yet) and jobs failed for good, for /metrics and tests.
func (s *Store) JobStats(ctx context.Context) (pending, failed int, err error) {
	err = s.r.QueryRowContext(ctx, `
		SELECT COALESCE(SUM(CASE WHEN finished_at IS NULL AND run_at <= $1 THEN 1 ELSE 0 END), 0),
		       COALESCE(SUM(CASE WHEN failed THEN 1 ELSE 0 END), 0)
		FROM jobs`, s.now()).Scan(&pending, &failed)
	if err != nil && err != sql.ErrNoRows {
		return 0, 0, fmt.Errorf("store: job stats: %w", err)
	}
	return pending, failed, nil
}
