package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// CreatePasswordReset stores a reset token's hash for the user and queues the e-mail carrying
// the link, in one transaction.
func (s *Store) CreatePasswordReset(ctx context.Context, userID, tokenHash string, m OutgoingMail) error {
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, NewID(), userID, tokenHash, tx.now, tx.now.Add(domain.PasswordResetTTL)); err != nil {
			return fmt.Errorf("store: create password reset: %w", err)
		}
		return tx.enqueueMail(ctx, m)
	})
}

// FindPasswordReset returns the user a live reset token belongs to. EGONE for a used or
// expired token, ENOTFOUND for an unknown one.
func (s *Store) FindPasswordReset(ctx context.Context, tokenHash string) (string, error) {
	return findReset(ctx, s.r, tokenHash, s.now())
}

func findReset(ctx context.Context, q queryer, tokenHash string, now time.Time) (string, error) {
	var userID string
	var expires time.Time
	var used sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1`, tokenHash).
		Scan(&userID, &expires, &used)
	if err != nil {
		return "", notFound(err, "password reset link")
	}
	if used.Valid || !now.Before(expires) {
		return "", resetGone()
	}
	return userID, nil
}

// ResetPassword uses a reset token once: it sets the new password and ends every session of
// the user. Errors as FindPasswordReset.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (string, error) {
	var userID string
	err := s.write(ctx, func(tx *Tx) error {
		var err error
		if userID, err = findReset(ctx, tx, tokenHash, tx.now); err != nil {
			return err
		}
		// Spend this link with a conditional write, so that of two requests racing with it
		// only one gets past (on PostgreSQL the loser waits for the winner's commit and then
		// matches no row); then spend the user's other links too.
		res, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL`, tokenHash, tx.now)
		if err != nil {
			return fmt.Errorf("store: use password reset: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return resetGone()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, userID, tx.now); err != nil {
			return fmt.Errorf("store: use password reset: %w", err)
		}
		return tx.setPassword(ctx, userID, passwordHash, "")
	})
	return userID, err
}

func resetGone() error {
	return domain.Errorf(domain.EGONE, "this password reset link has expired or was already used; ask for a new one")
}
