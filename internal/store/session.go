package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// Principal is who a request comes from: the user, and the session or token that proved it.
type Principal struct {
	User      domain.User
	SessionID string // "" for API tokens
	TokenID   string // "" for sessions
	AccountID string // the session's current account; "" for tokens and users without one
}

// CreateSession stores a new session for the user, working in accountID ("" for none).
func (s *Store) CreateSession(ctx context.Context, sess *domain.Session, tokenHash string) error {
	return s.write(ctx, func(tx *Tx) error { return tx.createSession(ctx, sess, tokenHash) })
}

func (tx *Tx) createSession(ctx context.Context, sess *domain.Session, tokenHash string) error {
	sess.ID, sess.CreatedAt, sess.LastSeenAt = NewID(), tx.now, tx.now
	sess.ExpiresAt = tx.now.Add(domain.SessionTTL)
	_, err := tx.ExecContext(ctx, `
		INSERT INTO sessions (id, token_hash, user_id, account_id, created_at, last_seen_at, expires_at, user_agent, ip)
		VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)`,
		sess.ID, tokenHash, sess.UserID, nullStr(sess.AccountID), tx.now, sess.ExpiresAt, truncate(sess.UserAgent, 300), sess.IP)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// FindPrincipalBySession loads the user behind a session token, in one indexed query.
// EUNAUTHORIZED if the session does not exist, has expired or has been idle too long.
func (s *Store) FindPrincipalBySession(ctx context.Context, tokenHash string) (*Principal, time.Time, error) {
	var p Principal
	var acct sql.NullString
	var lastSeen time.Time
	now := s.now()
	err := scanUser(s.r.QueryRowContext(ctx, `
		SELECT `+userColumns+`, s.id, s.account_id, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3`,
		tokenHash, now, now.Add(-domain.SessionIdleTTL)), &p.User, &p.SessionID, &acct, &lastSeen)
	if err == sql.ErrNoRows {
		return nil, time.Time{}, domain.Errorf(domain.EUNAUTHORIZED, "your session has ended; sign in again")
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: find session: %w", err)
	}
	p.AccountID = acct.String
	return &p, lastSeen.UTC(), nil
}

// TouchSession records that a session was used. Callers throttle it so that reads stay reads.
func (s *Store) TouchSession(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, id, tx.now)
		return err
	})
}

// SetSessionAccount switches the account a session works in.
func (s *Store) SetSessionAccount(ctx context.Context, sessionID, accountID string) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET account_id = $2 WHERE id = $1`, sessionID, accountID)
		return err
	})
}

// FindSessions lists a user's live sessions, newest first.
func (s *Store) FindSessions(ctx context.Context, userID string) ([]domain.Session, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT id, user_id, COALESCE(account_id, ''), created_at, last_seen_at, expires_at, user_agent, ip
		FROM sessions WHERE user_id = $1 AND expires_at > $2
		ORDER BY last_seen_at DESC, id`, userID, s.now())
	if err != nil {
		return nil, fmt.Errorf("store: find sessions: %w", err)
	}
	defer rows.Close()
	var out []domain.Session
	for rows.Next() {
		var x domain.Session
		if err := rows.Scan(&x.ID, &x.UserID, &x.AccountID, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt, &x.UserAgent, &x.IP); err != nil {
			return nil, fmt.Errorf("store: find sessions: %w", err)
		}
		x.CreatedAt, x.LastSeenAt, x.ExpiresAt = x.CreatedAt.UTC(), x.LastSeenAt.UTC(), x.ExpiresAt.UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}

// DeleteSession ends one of the user's sessions. ENOTFOUND if the user has no such session.
func (s *Store) DeleteSession(ctx context.Context, userID, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id = $2`, userID, id)
		if err != nil {
			return fmt.Errorf("store: delete session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("session")
		}
		return nil
	})
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
