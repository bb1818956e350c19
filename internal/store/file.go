package store

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

const fileColumns = `f.id, f.account_id, f.project_id, f.post_id, f.thread_id, f.uploader_id, f.name, f.content_type, f.size, f.blob_key, f.created_at`

func scanFile(row interface{ Scan(...any) error }, f *domain.File) error {
	if err := row.Scan(&f.ID, &f.AccountID, &f.ProjectID, &f.PostID, &f.ThreadID, &f.UploaderID, &f.Name, &f.ContentType, &f.Size, &f.BlobKey, &f.CreatedAt); err != nil {
		return err
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return nil
}

func (tx *Tx) insertFile(ctx context.Context, f *domain.File) error {
	if f.ID == "" {
		f.ID = NewID()
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO files (account_id, id, project_id, post_id, thread_id, uploader_id, name, content_type, size, blob_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		f.AccountID, f.ID, f.ProjectID, f.PostID, f.ThreadID, f.UploaderID, f.Name, f.ContentType, f.Size, f.BlobKey, f.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: add file: %w", err)
	}
	return nil
}

// FindFile returns a file whose post the viewer may see. ENOTFOUND otherwise — a file is never
// served to anyone who cannot see its post.
func (s *Store) FindFile(ctx context.Context, id string, v Viewer) (*domain.File, error) {
	var f domain.File
	err := scanFile(s.r.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files f
		JOIN posts p ON p.account_id = f.account_id AND p.id = f.post_id
		WHERE f.id = $1 AND f.deleted_at IS NULL AND `+postVisible(2, 3), id, v.UserID, v.SeeInternal), &f)
	if err != nil {
		return nil, notFound(err, "file")
	}
	return &f, nil
}

// FindFiles lists the project's files whose posts the viewer may see, newest first.
func (s *Store) FindFiles(ctx context.Context, accountID, projectID string, v Viewer, cur string, limit int) ([]domain.File, string, error) {
	c, err := decodeCursor(cur)
	if err != nil {
		return nil, "", err
	}
	if cur == "" {
		c = cursor{At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: "~"}
	}
	limit = clampLimit(limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+fileColumns+` FROM files f
		JOIN posts p ON p.account_id = f.account_id AND p.id = f.post_id
		WHERE f.account_id = $1 AND f.project_id = $2 AND f.deleted_at IS NULL AND `+postVisible(3, 4)+`
		  AND (f.created_at < $5 OR (f.created_at = $5 AND f.id < $6))
		ORDER BY f.created_at DESC, f.id DESC LIMIT $7`, accountID, projectID, v.UserID, v.SeeInternal, c.At, c.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: files: %w", err)
	}
	defer rows.Close()
	var out []domain.File
	for rows.Next() {
		var f domain.File
		if err := scanFile(rows, &f); err != nil {
			return nil, "", fmt.Errorf("store: files: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: files: %w", err)
	}
	out, next := page(out, limit, func(f domain.File) cursor { return cursor{f.CreatedAt, f.ID} })
	return out, next, nil
}

// DeleteFile deletes one file; its stored contents are removed by a job queued in the same
// transaction.
func (s *Store) DeleteFile(ctx context.Context, accountID, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		keys, err := tx.blobKeys(ctx, `account_id = $1 AND id = $2`, accountID, id)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return domain.NotFound("file")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE files SET deleted_at = $3 WHERE account_id = $1 AND id = $2`, accountID, id, tx.now); err != nil {
			return fmt.Errorf("store: delete file: %w", err)
		}
		return tx.enqueue(ctx, JobDeleteBlobs, DeleteBlobsPayload{Keys: keys})
	})
}

// ActivityItem is a post in the dashboard, with its project's name.
type ActivityItem struct {
	domain.Post
	ProjectName string
}

// FindActivity lists the posts (roots and replies) the user may see across every project they
// take part in, newest first, keyset-paginated. Visibility is the same predicate as the feed's,
// with internal replies decided per project by the user's side there.
func (s *Store) FindActivity(ctx context.Context, userID, cur string, limit int) ([]ActivityItem, string, error) {
	c, err := decodeCursor(cur)
	if err != nil {
		return nil, "", err
	}
	if cur == "" {
		c = cursor{At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: "~"}
	}
	limit = clampLimit(limit)
	rows, err := s.r.QueryContext(ctx, `
		SELECT `+postColumns+`, pr.name
		FROM participants pt
		JOIN projects pr ON pr.account_id = pt.account_id AND pr.id = pt.project_id
		LEFT JOIN members m ON m.account_id = pt.account_id AND m.user_id = pt.user_id
		JOIN posts p ON p.account_id = pt.account_id AND p.project_id = pt.project_id
		LEFT JOIN users u ON u.id = p.author_id
		WHERE pt.user_id = $1 AND (m.id IS NULL OR m.active) AND pr.archived_at IS NULL
		  AND p.deleted_at IS NULL
		  AND (NOT p.private OR EXISTS (SELECT 1 FROM thread_recipients r
			WHERE r.account_id = p.account_id AND r.thread_id = p.thread_id AND r.user_id = $1))
		  AND (NOT p.internal OR pt.side = 'provider')
		  AND (p.created_at < $2 OR (p.created_at = $2 AND p.id < $3))
		ORDER BY p.created_at DESC, p.id DESC LIMIT $4`, userID, c.At, c.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: activity: %w", err)
	}
	defer rows.Close()
	var out []ActivityItem
	for rows.Next() {
		var it ActivityItem
		if err := scanPost(rows, &it.Post, &it.ProjectName); err != nil {
			return nil, "", fmt.Errorf("store: activity: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: activity: %w", err)
	}
	out, next := page(out, limit, func(it ActivityItem) cursor { return cursor{it.CreatedAt, it.ID} })
	return out, next, nil
}
