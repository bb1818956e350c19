package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/portico-dev/portico/internal/domain"
)

const memberColumns = `m.id, m.account_id, m.user_id, u.email, u.first_name, u.last_name, m.level,
	m.default_bill_rate_minor, m.cost_rate_minor, m.active, m.created_at, m.deactivated_at`

func scanMember(row interface{ Scan(...any) error }, m *domain.Member) error {
	var bill, cost sql.NullInt64
	var deact sql.NullTime
	if err := row.Scan(&m.ID, &m.AccountID, &m.UserID, &m.Email, &m.FirstName, &m.LastName, &m.Level,
		&bill, &cost, &m.Active, &m.CreatedAt, &deact); err != nil {
		return err
	}
	m.DefaultBillRate, m.CostRate, m.DeactivatedAt = nullInt(bill), nullInt(cost), nullTime(deact)
	m.CreatedAt = m.CreatedAt.UTC()
	return nil
}

// MemberFilter selects members of one account, a page at a time.
type MemberFilter struct {
	AccountID string
	Active    *bool
	Cursor    string // from a previous page's next cursor
	Limit     int
}

// FindMembers lists an account's members oldest first, keyset-paginated. Returns the page and
// the cursor of the next one ("" at the end). EINVALID for a malformed cursor.
func (s *Store) FindMembers(ctx context.Context, f MemberFilter) ([]domain.Member, string, error) {
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := clampLimit(f.Limit)
	rows, err := s.r.QueryContext(ctx, `
		SELECT `+memberColumns+`
		FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = $1
		  AND (CAST($2 AS BOOLEAN) IS NULL OR m.active = $2) -- the cast tells PostgreSQL $2's type
		  AND (m.created_at > $3 OR (m.created_at = $3 AND m.id > $4))
		ORDER BY m.created_at, m.id
		LIMIT $5`, f.AccountID, boolArg(f.Active), after.At, after.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: find members: %w", err)
	}
	defer rows.Close()
	var out []domain.Member
	for rows.Next() {
		var m domain.Member
		if err := scanMember(rows, &m); err != nil {
			return nil, "", fmt.Errorf("store: find members: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: find members: %w", err)
	}
	out, next := page(out, limit, func(m domain.Member) cursor { return cursor{m.CreatedAt, m.ID} })
	return out, next, nil
}

// FindMemberByID returns a member of the account. ENOTFOUND if the account has no such member.
func (s *Store) FindMemberByID(ctx context.Context, accountID, id string) (*domain.Member, error) {
	return s.findMember(ctx, s.r, `m.account_id = $1 AND m.id = $2`, accountID, id)
}

// FindMemberByUser returns the user's membership in the account. ENOTFOUND if there is none.
func (s *Store) FindMemberByUser(ctx context.Context, accountID, userID string) (*domain.Member, error) {
	return s.findMember(ctx, s.r, `m.account_id = $1 AND m.user_id = $2`, accountID, userID)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) findMember(ctx context.Context, q queryer, where string, args ...any) (*domain.Member, error) {
	var m domain.Member
	err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumns+`
		FROM members m JOIN users u ON u.id = m.user_id WHERE `+where, args...), &m)
	if err != nil {
		return nil, notFound(err, "member")
	}
	groups, err := findMemberGroups(ctx, q, m.AccountID, m.ID)
	if err != nil {
		return nil, err
	}
	m.AccessGroups = groups
	return &m, nil
}

// createMember adds a user to an account at a level, in the access groups that level joins by
// default. ECONFLICT if the user is already a member.
func (tx *Tx) createMember(ctx context.Context, accountID, userID string, level domain.AccountLevel) (*domain.Member, error) {
	id := NewID()
	_, err := tx.ExecContext(ctx, `
		INSERT INTO members (account_id, id, user_id, level, active, created_at)
		VALUES ($1, $2, $3, $4, TRUE, $5)`, accountID, id, userID, level, tx.now)
	if isUniqueViolation(err) {
		return nil, domain.Errorf(domain.ECONFLICT, "this person is already a member of the account")
	}
	if err != nil {
		return nil, fmt.Errorf("store: create member: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO access_group_members (account_id, group_id, member_id)
		SELECT account_id, id, $2 FROM access_groups
		WHERE account_id = $1 AND (' ' || default_levels || ' ') LIKE $3`,
		accountID, id, "% "+string(level)+" %"); err != nil {
		return nil, fmt.Errorf("store: default access groups: %w", err)
	}
	return tx.s.findMember(ctx, tx, `m.account_id = $1 AND m.id = $2`, accountID, id)
}

// UpdateMember changes a member's level, rates, access groups or active flag. It keeps the
// account's rules: a Punch Clock member needs a default bill rate (EINVALID), and an account
// always keeps one active Account Administrator (ECONFLICT). ENOTFOUND if there is no such
// member in the account.
func (s *Store) UpdateMember(ctx context.Context, accountID, id string, upd domain.MemberUpdate, groups *[]string) (*domain.Member, error) {
	var out *domain.Member
	err := s.write(ctx, func(tx *Tx) error {
		// Changes to one account's members run one at a time: two administrators demoting
		// each other at once must not both pass keepOneAdmin.
		var locked string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = $1`+s.dialect.forNoKeyUpdate(), accountID).Scan(&locked); err != nil {
			return notFound(err, "member")
		}
		m, err := s.findMember(ctx, tx, `m.account_id = $1 AND m.id = $2`, accountID, id)
		if err != nil {
			return err
		}
		wasAdmin := m.Level == domain.LevelAccountAdmin && m.Active
		before := *m
		applyMemberUpdate(m, upd, tx)
		if m.Level == domain.LevelPunchClock && m.DefaultBillRate == nil {
			return domain.Invalid(domain.FieldError{Field: "level", Message: "Punch Clock can only be assigned to a member with a default bill rate"})
		}
		if wasAdmin && !(m.Level == domain.LevelAccountAdmin && m.Active) {
			if err := tx.keepOneAdmin(ctx, accountID, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE members SET level = $3, default_bill_rate_minor = $4, cost_rate_minor = $5,
				active = $6, deactivated_at = $7
			WHERE account_id = $1 AND id = $2`,
			accountID, id, m.Level, intArg(m.DefaultBillRate), intArg(m.CostRate), m.Active, timeArg(m.DeactivatedAt)); err != nil {
			return fmt.Errorf("store: update member: %w", err)
		}
		if !m.Active {
			// A deactivated member's sessions in this account end at once.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND account_id = $2`, m.UserID, accountID); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
		}
		if groups != nil {
			if err := tx.setMemberGroups(ctx, accountID, id, *groups); err != nil {
				return err
			}
		}
		out, err = s.findMember(ctx, tx, `m.account_id = $1 AND m.id = $2`, accountID, id)
		if err != nil {
			return err
		}
		if out.Level == domain.LevelAccountAdmin && out.Active && !wasAdmin {
			// Promotion makes the member Project Administrator in every project of the account
			// they take part in; demotion later leaves those levels alone (PRODUCT.md §2).
			if err := tx.promoteToProjectAdmin(ctx, accountID, out.UserID); err != nil {
				return err
			}
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actorFrom(ctx), Action: "member.update", Target: out.Email,
			Summary: describeMemberChange(before, out), Before: memberState(before), After: memberState(*out)})
	})
	return out, err
}

// promoteToProjectAdmin raises every participation of the user in the account's projects to
// Project Administrator, bumping each project's revision and recording each change.
func (tx *Tx) promoteToProjectAdmin(ctx context.Context, accountID, userID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT project_id FROM participants WHERE account_id = $1 AND user_id = $2 AND level <> $3`,
		accountID, userID, domain.PLProjectAdmin)
	if err != nil {
		return fmt.Errorf("store: promote: %w", err)
	}
	var projects []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: promote: %w", err)
		}
		projects = append(projects, id)
	}
	rows.Close()
	for _, pid := range projects {
		if _, err := tx.ExecContext(ctx, `UPDATE participants SET level = $4 WHERE account_id = $1 AND project_id = $2 AND user_id = $3`,
			accountID, pid, userID, domain.PLProjectAdmin); err != nil {
			return fmt.Errorf("store: promote: %w", err)
		}
		if err := tx.bumpRevision(ctx, accountID, pid, 0); err != nil {
			return err
		}
		if err := tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actorFrom(ctx), Action: "participant.level", ProjectID: pid,
			Target: userID, Summary: "made Project Administrator on promotion to Account Administrator"}); err != nil {
			return err
		}
	}
	return nil
}

func memberState(m domain.Member) map[string]any {
	return map[string]any{"email": m.Email, "level": m.Level, "active": m.Active, "default_bill_rate_minor": m.DefaultBillRate,
		"cost_rate_minor": m.CostRate, "access_groups": m.AccessGroups}
}

func describeMemberChange(before domain.Member, after *domain.Member) string {
	s := after.FullName() + ":"
	if before.Level != after.Level {
		s += " level " + before.Level.Name() + " → " + after.Level.Name() + ";"
	}
	if before.Active != after.Active {
		if after.Active {
			s += " reactivated;"
		} else {
			s += " deactivated;"
		}
	}
	if !equalRate(before.DefaultBillRate, after.DefaultBillRate) || !equalRate(before.CostRate, after.CostRate) {
		s += " rates changed;"
	}
	if strings.Join(before.AccessGroups, " ") != strings.Join(after.AccessGroups, " ") {
		s += " access groups changed;"
	}
	return strings.TrimSuffix(s, ";")
}

func equalRate(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func applyMemberUpdate(m *domain.Member, upd domain.MemberUpdate, tx *Tx) {
	if upd.Level != nil {
		m.Level = *upd.Level
	}
	if upd.DefaultBillRate != nil {
		m.DefaultBillRate = *upd.DefaultBillRate
	}
	if upd.CostRate != nil {
		m.CostRate = *upd.CostRate
	}
	if upd.Active != nil && *upd.Active != m.Active {
		m.Active = *upd.Active
		m.DeactivatedAt = nil
		if !m.Active {
			now := tx.now
			m.DeactivatedAt = &now
		}
	}
}

func (tx *Tx) keepOneAdmin(ctx context.Context, accountID, leavingID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM members
		WHERE account_id = $1 AND level = $2 AND active = TRUE AND id <> $3`,
		accountID, domain.LevelAccountAdmin, leavingID).Scan(&n); err != nil {
		return fmt.Errorf("store: count administrators: %w", err)
	}
	if n == 0 {
		return domain.Errorf(domain.ECONFLICT, "the account must keep at least one active Account Administrator")
	}
	return nil
}

func boolArg(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

func splitList(s string) []string { return strings.Fields(s) }
