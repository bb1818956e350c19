package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// Viewer is the part of an access decision that post queries filter on: a private thread is
// visible to its recipients; an internal reply to the provider side. The app derives it from
// the access layer (access.PostScope) and the store turns it into SQL, so lists, counts and
// single reads all apply the same predicate in the database.
type Viewer struct {
	UserID      string
	SeeInternal bool
}

// postVisible is the visibility predicate for a posts row aliased p; $V is the viewer's user id
// and $I whether they see internal replies (both bound by the caller at the given positions).
func postVisible(userArg, internalArg int) string {
	return fmt.Sprintf(`p.deleted_at IS NULL
		AND (NOT p.private OR EXISTS (SELECT 1 FROM thread_recipients r
			WHERE r.account_id = p.account_id AND r.thread_id = p.thread_id AND r.user_id = $%d))
		AND (NOT p.internal OR $%d)`, userArg, internalArg)
}

const postColumns = `p.id, p.account_id, p.project_id, p.thread_id, COALESCE(p.author_id, ''),
	COALESCE(TRIM(u.first_name || ' ' || u.last_name), ''), p.kind, p.body, p.private, p.internal, p.pinned,
	COALESCE(p.task_id, ''), p.created_at, p.edited_at`

func scanPost(row interface{ Scan(...any) error }, p *domain.Post, extra ...any) error {
	var edited sql.NullTime
	dest := append([]any{&p.ID, &p.AccountID, &p.ProjectID, &p.ThreadID, &p.AuthorID, &p.AuthorName, &p.Kind, &p.Body,
		&p.Private, &p.Internal, &p.Pinned, &p.TaskID, &p.CreatedAt, &edited}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	p.CreatedAt, p.EditedAt = p.CreatedAt.UTC(), nullTime(edited)
	return nil
}

// JobNotifyPost is the job that fans a new post out into notifications, e-mails and live events.
const JobNotifyPost = "notify.post"

// NotifyPostPayload names the post to fan out.
type NotifyPostPayload struct {
	PostID string `json:"post_id"`
	// Added lists users newly added to a private thread (for "you were added" notifications).
	Added []string `json:"added,omitempty"`
}

// NewPost is a post to store with what comes with it.
type NewPost struct {
	Post       *domain.Post
	Recipients []string // a private root's recipients besides its author
	Files      []domain.File
	Notify     bool // queue the fan-out job (system posts and imports may not)
}

// CreatePost stores a post, a private root's recipients (its author always among them), its
// mentions and files, and queues the fan-out job — one transaction. A reply takes its thread's
// privacy. ENOTFOUND when replying to a thread that does not exist.
func (s *Store) CreatePost(ctx context.Context, np NewPost) error {
	p := np.Post
	return s.write(ctx, func(tx *Tx) error {
		p.ID, p.CreatedAt = NewID(), tx.now
		if p.Kind == domain.PostKindReply {
			var private bool
			if err := tx.QueryRowContext(ctx, `SELECT private FROM posts WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL AND kind <> 'reply'`,
				p.AccountID, p.ThreadID).Scan(&private); err != nil {
				return notFound(err, "post")
			}
			p.Private = private
		} else {
			p.ThreadID = p.ID
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO posts (account_id, id, project_id, thread_id, author_id, kind, body, private, internal, task_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			p.AccountID, p.ID, p.ProjectID, p.ThreadID, nullStr(p.AuthorID), p.Kind, p.Body, p.Private, p.Internal, nullStr(p.TaskID), tx.now); err != nil {
			return fmt.Errorf("store: create post: %w", err)
		}
		if p.IsRoot() && p.Private {
			recipients := append([]string{p.AuthorID}, np.Recipients...)
			if err := tx.addRecipients(ctx, p.AccountID, p.ProjectID, p.ID, p.CreatedAt, recipients); err != nil {
				return err
			}
		}
		for _, u := range p.Mentions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO post_mentions (account_id, post_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				p.AccountID, p.ID, u); err != nil {
				return fmt.Errorf("store: mention: %w", err)
			}
		}
		for i := range np.Files {
			f := &np.Files[i]
			f.AccountID, f.ProjectID, f.PostID, f.ThreadID, f.CreatedAt = p.AccountID, p.ProjectID, p.ID, p.ThreadID, tx.now
			if err := tx.insertFile(ctx, f); err != nil {
				return err
			}
		}
		p.Files = np.Files
		if !np.Notify {
			return nil
		}
		return tx.enqueue(ctx, JobNotifyPost, NotifyPostPayload{PostID: p.ID})
	})
}

func (tx *Tx) addRecipients(ctx context.Context, accountID, projectID, threadID string, threadCreated time.Time, users []string) error {
	for _, u := range users {
		if u == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO thread_recipients (account_id, thread_id, user_id, project_id, thread_created_at, added_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, accountID, threadID, u, projectID, threadCreated, tx.now); err != nil {
			return fmt.Errorf("store: add recipient: %w", err)
		}
	}
	return nil
}

// AddRecipients adds people to a private thread: they see the whole thread from now on. Returns
// those who were not recipients before, and queues their notifications.
func (s *Store) AddRecipients(ctx context.Context, accountID, threadID string, users []string) ([]string, error) {
	var added []string
	err := s.write(ctx, func(tx *Tx) error {
		var projectID string
		var created time.Time
		if err := tx.QueryRowContext(ctx, `SELECT project_id, created_at FROM posts WHERE account_id = $1 AND id = $2 AND private AND deleted_at IS NULL`,
			accountID, threadID).Scan(&projectID, &created); err != nil {
			return notFound(err, "post")
		}
		before, err := tx.recipientSet(ctx, accountID, threadID)
		if err != nil {
			return err
		}
		for _, u := range users {
			if !before[u] {
				added = append(added, u)
				before[u] = true
			}
		}
		if err := tx.addRecipients(ctx, accountID, projectID, threadID, created.UTC(), added); err != nil {
			return err
		}
		if len(added) == 0 {
			return nil
		}
		return tx.enqueue(ctx, JobNotifyPost, NotifyPostPayload{PostID: threadID, Added: added})
	})
	return added, err
}

func (tx *Tx) recipientSet(ctx context.Context, accountID, threadID string) (map[string]bool, error) {
	ids, err := findRecipientIDs(ctx, tx, accountID, threadID)
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	return set, err
}

func findRecipientIDs(ctx context.Context, q queryer, accountID, threadID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM thread_recipients WHERE account_id = $1 AND thread_id = $2 ORDER BY added_at, user_id`, accountID, threadID)
	if err != nil {
		return nil, fmt.Errorf("store: recipients: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: recipients: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// FindRecipients lists a private thread's recipients (its author first).
func (s *Store) FindRecipients(ctx context.Context, accountID, threadID string) ([]string, error) {
	return findRecipientIDs(ctx, s.r, accountID, threadID)
}

// FindPost returns a post the viewer may see, with its files and mentions. ENOTFOUND when it
// does not exist or is hidden from the viewer — alike.
func (s *Store) FindPost(ctx context.Context, id string, v Viewer) (*domain.Post, error) {
	var p domain.Post
	err := scanPost(s.r.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts p LEFT JOIN users u ON u.id = p.author_id
		WHERE p.id = $1 AND `+postVisible(2, 3), id, v.UserID, v.SeeInternal), &p)
	if err != nil {
		return nil, notFound(err, "post")
	}
	posts := []*domain.Post{&p}
	if err := s.attachFiles(ctx, p.AccountID, posts); err != nil {
		return nil, err
	}
	return &p, s.attachMentions(ctx, p.AccountID, posts)
}

// FindPostUnfiltered returns a post whatever its privacy, for background work (the notification
// fan-out) that then decides person by person who may see it. Never use it to answer a request.
func (s *Store) FindPostUnfiltered(ctx context.Context, id string) (*domain.Post, error) {
	var p domain.Post
	err := scanPost(s.r.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts p LEFT JOIN users u ON u.id = p.author_id
		WHERE p.id = $1 AND p.deleted_at IS NULL`, id), &p)
	if err != nil {
		return nil, notFound(err, "post")
	}
	return &p, s.attachMentions(ctx, p.AccountID, []*domain.Post{&p})
}

// Thread is a root post and the replies the viewer may see, oldest first.
type Thread struct {
	Root    domain.Post
	Replies []domain.Post
}

// FeedPage is a page of threads, newest first.
type FeedPage struct {
	Threads []Thread
	Next    string
}

// feedRootsQuery reads a page of roots: the public ones and the viewer's private ones, each
// newest first from its own index, merged. Row-value comparisons let both databases seek the
// index to the cursor, so a deep page costs what the first one does.
const feedRootsQuery = `
		SELECT ` + postColumns + ` FROM (
			SELECT id FROM (
				SELECT p.id FROM posts p
				WHERE p.account_id = $1 AND p.project_id = $2 AND p.kind <> 'reply' AND NOT p.private AND p.deleted_at IS NULL
				  AND (p.created_at, p.id) < ($4, $5)
				ORDER BY p.created_at DESC, p.id DESC LIMIT $6) pub
			UNION ALL
			SELECT thread_id FROM (
				SELECT r.thread_id FROM thread_recipients r
				WHERE r.account_id = $1 AND r.user_id = $3 AND r.project_id = $2
				  AND (r.thread_created_at, r.thread_id) < ($4, $5)
				ORDER BY r.thread_created_at DESC, r.thread_id DESC LIMIT $6) priv
		) page
		JOIN posts p ON p.account_id = $1 AND p.id = page.id
		LEFT JOIN users u ON u.id = p.author_id
		ORDER BY p.created_at DESC, p.id DESC LIMIT $6`

// FindFeed returns a page of a project's threads the viewer may see, newest first, in three
// statements: the roots (the public ones and the viewer's private ones, each read newest first
// from its own index and merged), their visible replies, and the files of all of them.
func (s *Store) FindFeed(ctx context.Context, accountID, projectID string, v Viewer, cur string, limit int) (*FeedPage, error) {
	c, err := decodeCursor(cur)
	if err != nil {
		return nil, err
	}
	if cur == "" {
		c = cursor{At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: "~"}
	}
	limit = clampLimit(limit)
	rows, err := s.r.QueryContext(ctx, feedRootsQuery,
		accountID, projectID, v.UserID, c.At, c.ID, limit+1)
	if err != nil {
		return nil, fmt.Errorf("store: feed: %w", err)
	}
	var roots []domain.Post
	for rows.Next() {
		var p domain.Post
		if err := scanPost(rows, &p); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: feed: %w", err)
		}
		roots = append(roots, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feed: %w", err)
	}
	roots, next := page(roots, limit, func(p domain.Post) cursor { return cursor{p.CreatedAt, p.ID} })
	threads, err := s.threads(ctx, accountID, roots, v)
	if err != nil {
		return nil, err
	}
	return &FeedPage{Threads: threads, Next: next}, nil
}

// threads loads the visible replies of the roots and the files of all their posts.
func (s *Store) threads(ctx context.Context, accountID string, roots []domain.Post, v Viewer) ([]Thread, error) {
	if len(roots) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(roots)+2)
	ids = append(ids, accountID, v.SeeInternal)
	for _, r := range roots {
		ids = append(ids, r.ID)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+postColumns+` FROM posts p LEFT JOIN users u ON u.id = p.author_id
		WHERE p.account_id = $1 AND p.kind = 'reply' AND p.deleted_at IS NULL AND (NOT p.internal OR $2)
		  AND p.thread_id IN (`+placeholders(3, len(roots))+`)
		ORDER BY p.created_at, p.id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("store: replies: %w", err)
	}
	byThread := map[string][]domain.Post{}
	for rows.Next() {
		var p domain.Post
		if err := scanPost(rows, &p); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: replies: %w", err)
		}
		byThread[p.ThreadID] = append(byThread[p.ThreadID], p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: replies: %w", err)
	}
	out := make([]Thread, len(roots))
	var all []*domain.Post
	for i := range roots {
		out[i] = Thread{Root: roots[i], Replies: byThread[roots[i].ID]}
	}
	for i := range out {
		all = append(all, &out[i].Root)
		for j := range out[i].Replies {
			all = append(all, &out[i].Replies[j])
		}
	}
	return out, s.attachFiles(ctx, accountID, all)
}

// FindThread returns a thread the viewer may see: its root and visible replies. ENOTFOUND when
// the root is hidden from the viewer or does not exist.
func (s *Store) FindThread(ctx context.Context, threadID string, v Viewer) (*Thread, error) {
	root, err := s.FindPost(ctx, threadID, v)
	if err != nil {
		return nil, err
	}
	if !root.IsRoot() {
		return nil, domain.NotFound("thread")
	}
	root.Files, root.Mentions = nil, nil // threads and attachMentions load them again with the replies'
	ts, err := s.threads(ctx, root.AccountID, []domain.Post{*root}, v)
	if err != nil {
		return nil, err
	}
	if err := s.attachMentions(ctx, root.AccountID, []*domain.Post{&ts[0].Root}); err != nil {
		return nil, err
	}
	return &ts[0], nil
}

func (s *Store) attachFiles(ctx context.Context, accountID string, posts []*domain.Post) error {
	if len(posts) == 0 {
		return nil
	}
	args := []any{accountID}
	byPost := map[string]*domain.Post{}
	for _, p := range posts {
		args = append(args, p.ID)
		byPost[p.ID] = p
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+fileColumns+` FROM files f
		WHERE f.account_id = $1 AND f.deleted_at IS NULL AND f.post_id IN (`+placeholders(2, len(posts))+`)
		ORDER BY f.created_at, f.id`, args...)
	if err != nil {
		return fmt.Errorf("store: post files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f domain.File
		if err := scanFile(rows, &f); err != nil {
			return fmt.Errorf("store: post files: %w", err)
		}
		p := byPost[f.PostID]
		p.Files = append(p.Files, f)
	}
	return rows.Err()
}

func (s *Store) attachMentions(ctx context.Context, accountID string, posts []*domain.Post) error {
	for _, p := range posts {
		rows, err := s.r.QueryContext(ctx, `SELECT user_id FROM post_mentions WHERE account_id = $1 AND post_id = $2 ORDER BY user_id`, accountID, p.ID)
		if err != nil {
			return fmt.Errorf("store: mentions: %w", err)
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return fmt.Errorf("store: mentions: %w", err)
			}
			p.Mentions = append(p.Mentions, u)
		}
		rows.Close()
	}
	return nil
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(parts, ", ")
}

// UpdatePostBody replaces a post's text.
func (s *Store) UpdatePostBody(ctx context.Context, accountID, id, body string) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET body = $3, edited_at = $4 WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`,
			accountID, id, body, tx.now)
		if err != nil {
			return fmt.Errorf("store: edit post: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("post")
		}
		return nil
	})
}

// SetPinned pins or unpins a root post.
func (s *Store) SetPinned(ctx context.Context, accountID, id string, pinned bool) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET pinned = $3 WHERE account_id = $1 AND id = $2 AND kind <> 'reply' AND deleted_at IS NULL`,
			accountID, id, pinned)
		if err != nil {
			return fmt.Errorf("store: pin: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("post")
		}
		return nil
	})
}

// JobDeleteBlobs deletes the stored contents of deleted files.
const JobDeleteBlobs = "blob.delete"

// DeleteBlobsPayload lists blob keys to delete.
type DeleteBlobsPayload struct {
	Keys []string `json:"keys"`
}

// DeletePost deletes a post; deleting a root deletes its whole thread. Their files go with them
// (the stored contents are removed by a job queued in the same transaction).
func (s *Store) DeletePost(ctx context.Context, accountID, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		var threadID string
		if err := tx.QueryRowContext(ctx, `SELECT thread_id FROM posts WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, accountID, id).Scan(&threadID); err != nil {
			return notFound(err, "post")
		}
		where := `account_id = $1 AND id = $2`
		fileWhere := `account_id = $1 AND post_id = $2`
		if threadID == id {
			where, fileWhere = `account_id = $1 AND thread_id = $2`, `account_id = $1 AND thread_id = $2`
			// A deleted thread has no readers left: its recipient rows go, which also keeps the
			// private half of feed pages free of holes.
			if _, err := tx.ExecContext(ctx, `DELETE FROM thread_recipients WHERE account_id = $1 AND thread_id = $2`, accountID, id); err != nil {
				return fmt.Errorf("store: delete thread: %w", err)
			}
		}
		keys, err := tx.blobKeys(ctx, fileWhere, accountID, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = $3 WHERE `+where+` AND deleted_at IS NULL`, accountID, id, tx.now); err != nil {
			return fmt.Errorf("store: delete post: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE files SET deleted_at = $3 WHERE `+fileWhere+` AND deleted_at IS NULL`, accountID, id, tx.now); err != nil {
			return fmt.Errorf("store: delete post files: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE account_id = $1 AND (post_id = $2 OR thread_id = $2)`, accountID, id); err != nil {
			return fmt.Errorf("store: delete notifications: %w", err)
		}
		if len(keys) == 0 {
			return nil
		}
		return tx.enqueue(ctx, JobDeleteBlobs, DeleteBlobsPayload{Keys: keys})
	})
}

func (tx *Tx) blobKeys(ctx context.Context, where string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT blob_key FROM files WHERE `+where+` AND deleted_at IS NULL`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: blob keys: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: blob keys: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// FindPostProject returns the project a post or file belongs to, so a request naming only the
// post can load the caller's standing in that project. It reveals nothing by itself: callers then
// read the post through the viewer's predicate and answer 404 alike.
func (s *Store) FindPostProject(ctx context.Context, kind, id string) (string, error) {
	table := "posts"
	if kind == "file" {
		table = "files"
	}
	var projectID string
	if err := s.r.QueryRowContext(ctx, `SELECT project_id FROM `+table+` WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&projectID); err != nil {
		return "", notFound(err, kind)
	}
	return projectID, nil
}

// systemPost writes a public system post (no author) to a project's feed in the caller's
// transaction, and queues its fan-out.
func (tx *Tx) systemPost(ctx context.Context, accountID, projectID, body string) error {
	id := NewID()
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO posts (account_id, id, project_id, thread_id, kind, body, private, created_at)
		VALUES ($1, $2, $3, $2, $4, $5, FALSE, $6)`, accountID, id, projectID, domain.PostKindSystem, body, tx.now); err != nil {
		return fmt.Errorf("store: system post: %w", err)
	}
	return tx.enqueue(ctx, JobNotifyPost, NotifyPostPayload{PostID: id})
}
