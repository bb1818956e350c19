package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/portico-dev/portico/internal/domain"
)

// defaultAccessGroups are the groups a new account starts with; Account Administrators edit
// them as data afterwards.
var defaultAccessGroups = []domain.AccessGroup{
	{Name: "Open projects", Capabilities: []domain.Capability{domain.CapViewOpenProjects},
		DefaultLevels: []domain.AccountLevel{domain.LevelCollaborator, domain.LevelProjectCreator}},
	{Name: "Project managers", Capabilities: []domain.Capability{domain.CapViewOpenProjects, domain.CapManageTemplates},
		DefaultLevels: []domain.AccountLevel{domain.LevelProjectLead, domain.LevelReportViewer, domain.LevelReportViewerCost}},
	{Name: "Team approvers", Capabilities: []domain.Capability{domain.CapApproveTeamTime},
		DefaultLevels: []domain.AccountLevel{domain.LevelReportViewer, domain.LevelReportViewerCost}},
	{Name: "All projects", Capabilities: []domain.Capability{domain.CapViewAllProjects}},
}

func (tx *Tx) createDefaultAccessGroups(ctx context.Context, accountID string) error {
	for _, g := range defaultAccessGroups {
		g.AccountID = accountID
		if err := tx.insertAccessGroup(ctx, &g); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) insertAccessGroup(ctx context.Context, g *domain.AccessGroup) error {
	g.ID = NewID()
	_, err := tx.ExecContext(ctx, `
		INSERT INTO access_groups (account_id, id, name, capabilities, default_levels)
		VALUES ($1, $2, $3, $4, $5)`, g.AccountID, g.ID, g.Name, joinList(g.Capabilities), joinList(g.DefaultLevels))
	if isUniqueViolation(err) {
		return domain.Invalid(domain.FieldError{Field: "name", Message: "another access group has this name"})
	}
	if err != nil {
		return fmt.Errorf("store: create access group: %w", err)
	}
	return nil
}

// FindAccessGroups lists an account's access groups by name.
func (s *Store) FindAccessGroups(ctx context.Context, accountID string) ([]domain.AccessGroup, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT id, account_id, name, capabilities, default_levels FROM access_groups
		WHERE account_id = $1 ORDER BY name`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: access groups: %w", err)
	}
	defer rows.Close()
	var out []domain.AccessGroup
	for rows.Next() {
		var g domain.AccessGroup
		var caps, levels string
		if err := rows.Scan(&g.ID, &g.AccountID, &g.Name, &caps, &levels); err != nil {
			return nil, fmt.Errorf("store: access groups: %w", err)
		}
		for _, c := range splitList(caps) {
			g.Capabilities = append(g.Capabilities, domain.Capability(c))
		}
		for _, l := range splitList(levels) {
			g.DefaultLevels = append(g.DefaultLevels, domain.AccountLevel(l))
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// CreateAccessGroup adds a group (validated by the caller). EINVALID if the name is taken.
func (s *Store) CreateAccessGroup(ctx context.Context, g *domain.AccessGroup) error {
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.insertAccessGroup(ctx, g); err != nil {
			return err
		}
		return tx.audit(ctx, AuditEntry{AccountID: g.AccountID, Actor: actorFrom(ctx), Action: "settings.access_group", Target: g.Name,
			Summary: "created the access group " + g.Name, After: g})
	})
}

// UpdateAccessGroup replaces a group's name, capabilities and default levels.
// ENOTFOUND if the account has no such group; EINVALID if the name is taken.
func (s *Store) UpdateAccessGroup(ctx context.Context, g *domain.AccessGroup) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE access_groups SET name = $3, capabilities = $4, default_levels = $5
			WHERE account_id = $1 AND id = $2`, g.AccountID, g.ID, g.Name, joinList(g.Capabilities), joinList(g.DefaultLevels))
		if isUniqueViolation(err) {
			return domain.Invalid(domain.FieldError{Field: "name", Message: "another access group has this name"})
		}
		if err != nil {
			return fmt.Errorf("store: update access group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("access group")
		}
		return tx.audit(ctx, AuditEntry{AccountID: g.AccountID, Actor: actorFrom(ctx), Action: "settings.access_group", Target: g.Name,
			Summary: "changed the access group " + g.Name, After: g})
	})
}

// DeleteAccessGroup removes a group and its memberships. ENOTFOUND if there is none.
func (s *Store) DeleteAccessGroup(ctx context.Context, accountID, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM access_group_members WHERE account_id = $1 AND group_id = $2`, accountID, id); err != nil {
			return fmt.Errorf("store: delete access group: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM access_groups WHERE account_id = $1 AND id = $2`, accountID, id)
		if err != nil {
			return fmt.Errorf("store: delete access group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("access group")
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actorFrom(ctx), Action: "settings.access_group", Target: id,
			Summary: "deleted an access group"})
	})
}

// MemberCapabilities returns the union of the capabilities of a member's access groups.
func (s *Store) MemberCapabilities(ctx context.Context, accountID, memberID string) ([]domain.Capability, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT g.capabilities FROM access_group_members gm
		JOIN access_groups g ON g.account_id = gm.account_id AND g.id = gm.group_id
		WHERE gm.account_id = $1 AND gm.member_id = $2`, accountID, memberID)
	if err != nil {
		return nil, fmt.Errorf("store: member capabilities: %w", err)
	}
	defer rows.Close()
	seen := map[domain.Capability]bool{}
	var out []domain.Capability
	for rows.Next() {
		var caps string
		if err := rows.Scan(&caps); err != nil {
			return nil, fmt.Errorf("store: member capabilities: %w", err)
		}
		for _, c := range splitList(caps) {
			if !seen[domain.Capability(c)] {
				seen[domain.Capability(c)] = true
				out = append(out, domain.Capability(c))
			}
		}
	}
	return out, rows.Err()
}

func findMemberGroups(ctx context.Context, q queryer, accountID, memberID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT group_id FROM access_group_members WHERE account_id = $1 AND member_id = $2 ORDER BY group_id`,
		accountID, memberID)
	if err != nil {
		return nil, fmt.Errorf("store: member groups: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: member groups: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// setMemberGroups replaces a member's groups. EINVALID if a group is not the account's.
func (tx *Tx) setMemberGroups(ctx context.Context, accountID, memberID string, groups []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM access_group_members WHERE account_id = $1 AND member_id = $2`, accountID, memberID); err != nil {
		return fmt.Errorf("store: set member groups: %w", err)
	}
	seen := map[string]bool{}
	for _, g := range groups {
		if seen[g] {
			continue // a repeated id is not an unknown group
		}
		seen[g] = true
		res, err := tx.ExecContext(ctx, `
			INSERT INTO access_group_members (account_id, group_id, member_id)
			SELECT account_id, id, $3 FROM access_groups WHERE account_id = $1 AND id = $2
			ON CONFLICT DO NOTHING`, accountID, g, memberID)
		if err != nil {
			return fmt.Errorf("store: set member groups: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Invalid(domain.FieldError{Field: "access_groups", Message: "unknown access group " + g})
		}
	}
	return nil
}

func joinList[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, " ")
}
