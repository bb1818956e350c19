package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// CreateNotifications stores notifications (the fan-out job decided who may see the post).
func (s *Store) CreateNotifications(ctx context.Context, ns []domain.Notification) error {
	return s.write(ctx, func(tx *Tx) error {
		for i := range ns {
			n := &ns[i]
			n.ID, n.CreatedAt = NewID(), tx.now
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO notifications (id, user_id, account_id, project_id, post_id, thread_id, kind, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, n.ID, n.UserID, n.AccountID, n.ProjectID, n.PostID, n.ThreadID, n.Kind, tx.now); err != nil {
				return fmt.Errorf("store: notify: %w", err)
			}
		}
		return nil
	})
}

// notificationVisible keeps only notifications whose post the user may still see: they still
// take part in the project (not through a deactivated membership), and the post passes the feed's
// predicate with internal replies for the provider side.
const notificationFrom = `FROM notifications n
	JOIN posts p ON p.account_id = n.account_id AND p.id = n.post_id
	JOIN projects pr ON pr.account_id = n.account_id AND pr.id = n.project_id
	JOIN participants pt ON pt.account_id = n.account_id AND pt.project_id = n.project_id AND pt.user_id = n.user_id
	LEFT JOIN members m ON m.account_id = n.account_id AND m.user_id = n.user_id
	LEFT JOIN users u ON u.id = p.author_id
	WHERE n.user_id = $1 AND (m.id IS NULL OR m.active) AND p.deleted_at IS NULL
	  AND (NOT p.private OR EXISTS (SELECT 1 FROM thread_recipients r
		WHERE r.account_id = p.account_id AND r.thread_id = p.thread_id AND r.user_id = $1))
	  AND (NOT p.internal OR pt.side = 'provider')`

// FindNotifications lists the user's notifications, newest first, keyset-paginated.
func (s *Store) FindNotifications(ctx context.Context, userID, cur string, limit int, unreadOnly bool) ([]domain.Notification, string, error) {
	c, err := decodeCursor(cur)
	if err != nil {
		return nil, "", err
	}
	if cur == "" {
		c = cursor{At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: "~"}
	}
	limit = clampLimit(limit)
	rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.user_id, n.account_id, n.project_id, pr.name, n.post_id, n.thread_id, n.kind,
			p.body, COALESCE(TRIM(u.first_name || ' ' || u.last_name), 'Portico'), n.created_at, n.read_at `+notificationFrom+`
		  AND (NOT $2 OR n.read_at IS NULL)
		  AND (n.created_at < $3 OR (n.created_at = $3 AND n.id < $4))
		ORDER BY n.created_at DESC, n.id DESC LIMIT $5`, userID, unreadOnly, c.At, c.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: notifications: %w", err)
	}
	defer rows.Close()
	var out []domain.Notification
	for rows.Next() {
		var n domain.Notification
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.UserID, &n.AccountID, &n.ProjectID, &n.ProjectName, &n.PostID, &n.ThreadID, &n.Kind,
			&n.Excerpt, &n.ActorName, &n.CreatedAt, &read); err != nil {
			return nil, "", fmt.Errorf("store: notifications: %w", err)
		}
		n.CreatedAt, n.ReadAt, n.Excerpt = n.CreatedAt.UTC(), nullTime(read), excerpt(n.Excerpt, 140)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: notifications: %w", err)
	}
	out, next := page(out, limit, func(n domain.Notification) cursor { return cursor{n.CreatedAt, n.ID} })
	return out, next, nil
}

// FindUnemailed lists a user's notifications that no e-mail has carried yet, created after
// since and still visible to them, oldest first (for the daily summary).
func (s *Store) FindUnemailed(ctx context.Context, userID string, since time.Time) ([]domain.Notification, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.user_id, n.account_id, n.project_id, pr.name, n.post_id, n.thread_id, n.kind,
			p.body, COALESCE(TRIM(u.first_name || ' ' || u.last_name), 'Portico'), n.created_at `+notificationFrom+`
		  AND n.emailed_at IS NULL AND n.created_at > $2
		ORDER BY n.created_at, n.id LIMIT 500`, userID, since)
	if err != nil {
		return nil, fmt.Errorf("store: unemailed: %w", err)
	}
	defer rows.Close()
	var out []domain.Notification
	for rows.Next() {
		var n domain.Notification
		if err := rows.Scan(&n.ID, &n.UserID, &n.AccountID, &n.ProjectID, &n.ProjectName, &n.PostID, &n.ThreadID, &n.Kind,
			&n.Excerpt, &n.ActorName, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: unemailed: %w", err)
		}
		n.CreatedAt, n.Excerpt = n.CreatedAt.UTC(), excerpt(n.Excerpt, 140)
		out = append(out, n)
	}
	return out, rows.Err()
}

// UsersWithUnemailed lists users who have notifications no e-mail has carried since since.
func (s *Store) UsersWithUnemailed(ctx context.Context, since time.Time) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT user_id FROM notifications WHERE emailed_at IS NULL AND created_at > $1`, since)
	if err != nil {
		return nil, fmt.Errorf("store: digest users: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: digest users: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MarkEmailed records that an e-mail carried these notifications.
func (s *Store) MarkEmailed(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *Tx) error {
		args := []any{tx.now}
		for _, id := range ids {
			args = append(args, id)
		}
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET emailed_at = $1 WHERE id IN (`+placeholders(2, len(ids))+`)`, args...)
		return err
	})
}

// CountUnread counts the user's unread notifications they may still see.
func (s *Store) CountUnread(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) `+notificationFrom+` AND n.read_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unread: %w", err)
	}
	return n, nil
}

// MarkRead marks the user's notifications read: the given ones, or all when ids is empty.
func (s *Store) MarkRead(ctx context.Context, userID string, ids []string) error {
	return s.write(ctx, func(tx *Tx) error {
		if len(ids) == 0 {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, tx.now)
			return err
		}
		args := []any{userID, tx.now}
		for _, id := range ids {
			args = append(args, id)
		}
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND id IN (`+placeholders(3, len(ids))+`)`, args...)
		return err
	})
}

// NotificationPrefs are a user's e-mail preference and mute flag, for one project or (Project
// "") as their default.
type NotificationPrefs struct {
	ProjectID string
	Email     string // instant, daily or off
	Muted     bool
}

// FindNotificationPrefs returns the user's effective preferences for a project: the project's
// own if set, else their default, else instant e-mail.
func (s *Store) FindNotificationPrefs(ctx context.Context, userID, projectID string) (NotificationPrefs, error) {
	out := NotificationPrefs{ProjectID: projectID, Email: domain.EmailInstant}
	rows, err := s.r.QueryContext(ctx, `SELECT project_id, email, muted FROM notification_prefs WHERE user_id = $1 AND project_id IN ('', $2)
		ORDER BY project_id`, userID, projectID)
	if err != nil {
		return out, fmt.Errorf("store: prefs: %w", err)
	}
	defer rows.Close()
	for rows.Next() { // '' sorts first, so a project's own row wins
		var p NotificationPrefs
		if err := rows.Scan(&p.ProjectID, &p.Email, &p.Muted); err != nil {
			return out, fmt.Errorf("store: prefs: %w", err)
		}
		out.Email, out.Muted = p.Email, p.Muted
	}
	return out, rows.Err()
}

// SaveNotificationPrefs sets the user's preferences for a project ("" for their default).
func (s *Store) SaveNotificationPrefs(ctx context.Context, userID string, p NotificationPrefs) error {
	return s.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO notification_prefs (user_id, project_id, email, muted) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, project_id) DO UPDATE SET email = excluded.email, muted = excluded.muted`,
			userID, p.ProjectID, p.Email, p.Muted)
		if err != nil {
			return fmt.Errorf("store: save prefs: %w", err)
		}
		return nil
	})
}

// Secret returns the named server secret, creating a random one on first use.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var v string
	err := s.write(ctx, func(tx *Tx) error {
		b := make([]byte, 32)
		rand.Read(b)
		if _, err := tx.ExecContext(ctx, `INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(b)); err != nil {
			return fmt.Errorf("store: secret: %w", err)
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM server_secrets WHERE name = $1`, name).Scan(&v)
	})
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
