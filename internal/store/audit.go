package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditActor is who made a change.
type AuditActor struct {
	UserID string
	Name   string
}

// AuditEntry is one record of the append-only audit log.
type AuditEntry struct {
	ID        string
	AccountID string
	At        time.Time
	Actor     AuditActor
	Action    string // e.g. "participant.level", "project.update", "view_as"
	ProjectID string
	Target    string // who or what was changed, in words
	Summary   string
	Before    any // encoded as JSON; nil for none
	After     any
	// BeforeJSON and AfterJSON are the stored encodings (set when reading).
	BeforeJSON, AfterJSON string
}

// audit appends an entry in the caller's transaction, so the record exists exactly when the
// change does.
func (tx *Tx) audit(ctx context.Context, e AuditEntry) error {
	enc := func(v any) (string, error) {
		if v == nil {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	before, err := enc(e.Before)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	after, err := enc(e.After)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO audit_log (account_id, id, at, actor_user_id, actor_name, action, project_id, target, summary, before_json, after_json)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.AccountID, NewID(), tx.now, e.Actor.UserID, e.Actor.Name, e.Action, e.ProjectID, e.Target, truncate(e.Summary, 500), before, after)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audit appends an entry on its own (for events that change nothing else, such as view-as).
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return s.write(ctx, func(tx *Tx) error { return tx.audit(ctx, e) })
}

// AuditFilter selects audit entries of one account.
type AuditFilter struct {
	AccountID string
	Action    string // prefix, e.g. "participant." ("" for all)
	ProjectID string
	ActorID   string
	Since     *time.Time
	Until     *time.Time
	Cursor    string
	Limit     int
}

// FindAudit lists audit entries, newest first, keyset-paginated.
func (s *Store) FindAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, string, error) {
	c, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if f.Cursor == "" {
		c.At = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	since := time.Unix(0, 0).UTC()
	if f.Since != nil {
		since = f.Since.UTC()
	}
	until := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if f.Until != nil {
		until = f.Until.UTC()
	}
	limit := clampLimit(f.Limit)
	rows, err := s.r.QueryContext(ctx, `
		SELECT id, account_id, at, actor_user_id, actor_name, action, project_id, target, summary, before_json, after_json
		FROM audit_log
		WHERE account_id = $1 AND ($2 = '' OR action LIKE $2 || '%') AND ($3 = '' OR project_id = $3)
		  AND ($4 = '' OR actor_user_id = $4) AND at >= $5 AND at < $6
		  AND (at < $7 OR (at = $7 AND id < $8))
		ORDER BY at DESC, id DESC LIMIT $9`,
		f.AccountID, f.Action, f.ProjectID, f.ActorID, since, until, c.At, c.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: find audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.AccountID, &e.At, &e.Actor.UserID, &e.Actor.Name, &e.Action, &e.ProjectID, &e.Target, &e.Summary, &e.BeforeJSON, &e.AfterJSON); err != nil {
			return nil, "", fmt.Errorf("store: find audit: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: find audit: %w", err)
	}
	out, next := page(out, limit, func(e AuditEntry) cursor { return cursor{e.At, e.ID} })
	return out, next, nil
}
