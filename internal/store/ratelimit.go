package store

import (
	"context"
	"fmt"
	"time"
)

// LoginFailures counts the failed sign-ins recorded under key since the start of the window and
// returns the time the oldest of them leaves it (zero when there are none). Keys are like
// "ip:203.0.113.9" or "email:lee@example.com"; keeping them in the database lets every app
// node see the same count.
func (s *Store) LoginFailures(ctx context.Context, key string, window time.Duration) (int, time.Time, error) {
	since := s.now().Add(-window)
	var n int
	var oldest *time.Time
	rows, err := s.r.QueryContext(ctx, `SELECT at FROM login_failures WHERE key = $1 AND at > $2 ORDER BY at`, key, since)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: login failures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return 0, time.Time{}, fmt.Errorf("store: login failures: %w", err)
		}
		if oldest == nil {
			oldest = &at
		}
		n++
	}
	if oldest == nil {
		return 0, time.Time{}, rows.Err()
	}
	return n, oldest.UTC().Add(window), rows.Err()
}

// RecordLoginFailure counts a failed sign-in under each key, and forgets failures older than
// a day.
func (s *Store) RecordLoginFailure(ctx context.Context, keys ...string) error {
	return s.write(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (id, key, at) VALUES ($1, $2, $3)`, NewID(), k, tx.now); err != nil {
				return fmt.Errorf("store: record login failure: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < $1`, tx.now.Add(-24*time.Hour))
		return err
	})
}

// ClearLoginFailures forgets the failures under key (after a successful sign-in).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = $1`, key)
		return err
	})
}
