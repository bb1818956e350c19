package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/portico-dev/portico/internal/domain"
)

const userColumns = `u.id, u.email, u.first_name, u.last_name, u.theme, u.created_at`

func scanUser(row interface{ Scan(...any) error }, u *domain.User, extra ...any) error {
	dest := append([]any{&u.ID, &u.Email, &u.FirstName, &u.LastName, &u.Theme, &u.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return nil
}

// FindUserByID returns a user. ENOTFOUND if there is none.
func (s *Store) FindUserByID(ctx context.Context, id string) (*domain.User, error) {
	var u domain.User
	err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id), &u)
	if err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// FindUserCredentials returns the user with the e-mail and their password hash.
// ENOTFOUND if there is none.
func (s *Store) FindUserCredentials(ctx context.Context, email string) (*domain.User, string, error) {
	var u domain.User
	var hash string
	err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.email = $1`, email), &u, &hash)
	if err != nil {
		return nil, "", notFound(err, "user")
	}
	return &u, hash, nil
}

// UserUpdate changes a user's profile; nil fields stay.
type UserUpdate struct {
	FirstName, LastName, Theme *string
}

// UpdateUser changes a user's profile. ENOTFOUND if the user does not exist.
func (s *Store) UpdateUser(ctx context.Context, id string, upd UserUpdate) (*domain.User, error) {
	var u domain.User
	err := s.write(ctx, func(tx *Tx) error {
		// SQLite's RETURNING cannot name columns through a table alias ("u.id"), so this
		// one lists them bare.
		err := scanUser(tx.QueryRowContext(ctx, `
			UPDATE users SET
				first_name = COALESCE($2, first_name),
				last_name  = COALESCE($3, last_name),
				theme      = COALESCE($4, theme),
				updated_at = $5
			WHERE id = $1
			RETURNING id, email, first_name, last_name, theme, created_at`, id, strArg(upd.FirstName), strArg(upd.LastName), strArg(upd.Theme), tx.now), &u)
		return notFound(err, "user")
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// SetPassword stores a new password hash and ends every session of the user except keepSessionID
// ("" ends all), so that a changed password locks out whoever knew the old one.
func (s *Store) SetPassword(ctx context.Context, userID, hash, keepSessionID string) error {
	return s.write(ctx, func(tx *Tx) error { return tx.setPassword(ctx, userID, hash, keepSessionID) })
}

func (tx *Tx) setPassword(ctx context.Context, userID, hash, keepSessionID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, userID, hash, tx.now)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("user")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keepSessionID); err != nil {
		return fmt.Errorf("store: end sessions: %w", err)
	}
	return nil
}

// createUser inserts a user. ECONFLICT if the e-mail is taken.
func (tx *Tx) createUser(ctx context.Context, u *domain.User, hash string) error {
	u.ID, u.CreatedAt = NewID(), tx.now
	if u.Theme == "" {
		u.Theme = "system"
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO users (id, email, first_name, last_name, password_hash, theme, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
		u.ID, u.Email, u.FirstName, u.LastName, hash, u.Theme, tx.now)
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "a user with this e-mail already exists")
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// findUserIDByEmail returns the id of the user with the e-mail, or "" if none.
func (tx *Tx) findUserIDByEmail(ctx context.Context, email string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: find user: %w", err)
	}
	return id, nil
}

func strArg(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}
