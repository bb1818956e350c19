package store

import (
	"context"
	"fmt"

	"github.com/portico-dev/portico/internal/domain"
)

// FindTaskPosts lists the posts linked to a task that the viewer may see, newest first.
func (s *Store) FindTaskPosts(ctx context.Context, accountID, taskID string, v Viewer) ([]domain.Post, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+postColumns+` FROM posts p LEFT JOIN users u ON u.id = p.author_id
		WHERE p.account_id = $1 AND p.task_id = $2 AND `+postVisible(3, 4)+` ORDER BY p.created_at DESC, p.id DESC LIMIT 100`,
		accountID, taskID, v.UserID, v.SeeInternal)
	if err != nil {
		return nil, fmt.Errorf("store: task posts: %w", err)
	}
	defer rows.Close()
	var out []domain.Post
	for rows.Next() {
		var p domain.Post
		if err := scanPost(rows, &p); err != nil {
			return nil, fmt.Errorf("store: task posts: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
