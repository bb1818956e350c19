package store

import (
	"context"
	"fmt"

	"github.com/portico-dev/portico/internal/domain"
)

// FindPermissionTable returns an account's permission tables; an account that never edited
// them has the defaults of PRODUCT.md.
func (s *Store) FindPermissionTable(ctx context.Context, accountID string) (domain.PermissionTable, error) {
	return findPermissionTable(ctx, s.r, accountID)
}

func findPermissionTable(ctx context.Context, q queryer, accountID string) (domain.PermissionTable, error) {
	t := domain.DefaultPermissionTable()
	rows, err := q.QueryContext(ctx, `SELECT account_level, project_level FROM project_level_rules WHERE account_id = $1`, accountID)
	if err != nil {
		return t, fmt.Errorf("store: permission table: %w", err)
	}
	allowed := map[domain.AccountLevel][]domain.ProjectLevel{}
	for rows.Next() {
		var a domain.AccountLevel
		var p domain.ProjectLevel
		if err := rows.Scan(&a, &p); err != nil {
			rows.Close()
			return t, fmt.Errorf("store: permission table: %w", err)
		}
		allowed[a] = append(allowed[a], p)
	}
	rows.Close()
	if len(allowed) > 0 {
		t.Allowed = allowed
	}
	rows, err = q.QueryContext(ctx, `SELECT account_level, side, project_level, access FROM project_defaults WHERE account_id = $1`, accountID)
	if err != nil {
		return t, fmt.Errorf("store: permission defaults: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a domain.AccountLevel
		var side domain.Side
		var p domain.ProjectLevel
		var access string
		if err := rows.Scan(&a, &side, &p, &access); err != nil {
			return t, fmt.Errorf("store: permission defaults: %w", err)
		}
		if t.Defaults[a] == nil {
			t.Defaults[a] = map[domain.Side]domain.DefaultPermission{}
		}
		t.Defaults[a][side] = domain.DefaultPermission{Level: p, Access: accessList(access)}
	}
	return t, rows.Err()
}

// SavePermissionTable replaces an account's permission tables (validated by the caller) and
// records the change.
func (s *Store) SavePermissionTable(ctx context.Context, accountID string, t domain.PermissionTable, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		before, err := findPermissionTable(ctx, tx, accountID)
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM project_level_rules WHERE account_id = $1`, `DELETE FROM project_defaults WHERE account_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, accountID); err != nil {
				return fmt.Errorf("store: save permission table: %w", err)
			}
		}
		for a, levels := range t.Allowed {
			for _, p := range levels {
				if _, err := tx.ExecContext(ctx, `INSERT INTO project_level_rules (account_id, account_level, project_level) VALUES ($1, $2, $3)`,
					accountID, a, p); err != nil {
					return fmt.Errorf("store: save permission table: %w", err)
				}
			}
		}
		for a, sides := range t.Defaults {
			for side, d := range sides {
				if _, err := tx.ExecContext(ctx, `INSERT INTO project_defaults (account_id, account_level, side, project_level, access) VALUES ($1, $2, $3, $4, $5)`,
					accountID, a, side, d.Level, joinList(d.Access)); err != nil {
					return fmt.Errorf("store: save permission defaults: %w", err)
				}
			}
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actor, Action: "settings.permission_table",
			Summary: "changed the project permission tables", Before: before, After: t})
	})
}
