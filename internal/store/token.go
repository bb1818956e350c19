package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// CreateAPIToken stores a token's hash (never the token itself).
func (s *Store) CreateAPIToken(ctx context.Context, t *domain.APIToken, tokenHash string) error {
	return s.write(ctx, func(tx *Tx) error {
		t.ID, t.CreatedAt = NewID(), tx.now
		_, err := tx.ExecContext(ctx, `
			INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, t.UserID, t.Name, t.Prefix, tokenHash, tx.now)
		if err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		return nil
	})
}

// FindAPITokens lists a user's tokens, revoked ones included, newest first.
func (s *Store) FindAPITokens(ctx context.Context, userID string) ([]domain.APIToken, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: find tokens: %w", err)
	}
	defer rows.Close()
	var out []domain.APIToken
	for rows.Next() {
		var t domain.APIToken
		var used, revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &used, &revoked); err != nil {
			return nil, fmt.Errorf("store: find tokens: %w", err)
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = t.CreatedAt.UTC(), nullTime(used), nullTime(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes one of the user's tokens. ENOTFOUND if the user has no such live token.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE api_tokens SET revoked_at = $3 WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL`, userID, id, tx.now)
		if err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("token")
		}
		return nil
	})
}

// FindPrincipalByToken loads the user behind an API token in one indexed query (no password
// hashing on this path), with when the token was last used. EUNAUTHORIZED if the token is
// unknown or revoked.
func (s *Store) FindPrincipalByToken(ctx context.Context, tokenHash string) (*Principal, *time.Time, error) {
	var p Principal
	var used sql.NullTime
	err := scanUser(s.r.QueryRowContext(ctx, `
		SELECT `+userColumns+`, t.id, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, tokenHash), &p.User, &p.TokenID, &used)
	if err == sql.ErrNoRows {
		return nil, nil, domain.Errorf(domain.EUNAUTHORIZED, "the API token is unknown or revoked")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: find token: %w", err)
	}
	return &p, nullTime(used), nil
}

// TouchAPIToken records that a token was used. Callers throttle it so that reads stay reads.
func (s *Store) TouchAPIToken(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, tx.now)
		return err
	})
}
