package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/portico-dev/portico/internal/domain"
)

const accountColumns = `a.id, a.name, a.provider_side_name, a.client_side_name, a.default_post_privacy,
	a.external_financial_allowed, a.provider_side_members_only, a.currency, a.brand_color, a.created_at`

func scanAccount(row interface{ Scan(...any) error }, a *domain.Account) error {
	st := &a.Settings
	if err := row.Scan(&a.ID, &a.Name, &st.ProviderSideName, &st.ClientSideName, &st.DefaultPostPrivacy,
		&st.ExternalFinancialAllowed, &st.ProviderSideMembersOnly, &st.Currency, &st.BrandColor, &a.CreatedAt); err != nil {
		return err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return nil
}

// NewAdmin describes the first Account Administrator of a new account. When a user with the
// e-mail exists they become the administrator and their password is left as it is.
type NewAdmin struct {
	Email, FirstName, LastName, PasswordHash string
}

// CreateAccount creates an account with default settings and access groups, and its first
// Account Administrator. Returns the account and the administrator's membership.
func (s *Store) CreateAccount(ctx context.Context, name string, admin NewAdmin) (*domain.Account, *domain.Member, error) {
	a := &domain.Account{ID: NewID(), Name: strings.TrimSpace(name), Settings: domain.DefaultAccountSettings()}
	var m *domain.Member
	err := s.write(ctx, func(tx *Tx) error {
		a.CreatedAt = tx.now
		st := a.Settings
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO accounts (id, name, provider_side_name, client_side_name, default_post_privacy,
				external_financial_allowed, provider_side_members_only, currency, brand_color, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
			a.ID, a.Name, st.ProviderSideName, st.ClientSideName, st.DefaultPostPrivacy,
			st.ExternalFinancialAllowed, st.ProviderSideMembersOnly, st.Currency, st.BrandColor, tx.now); err != nil {
			return fmt.Errorf("store: create account: %w", err)
		}
		if err := tx.createDefaultAccessGroups(ctx, a.ID); err != nil {
			return err
		}
		userID, err := tx.findUserIDByEmail(ctx, admin.Email)
		if err != nil {
			return err
		}
		if userID == "" {
			u := &domain.User{Email: admin.Email, FirstName: admin.FirstName, LastName: admin.LastName}
			if err := tx.createUser(ctx, u, admin.PasswordHash); err != nil {
				return err
			}
			userID = u.ID
		}
		if m, err = tx.createMember(ctx, a.ID, userID, domain.LevelAccountAdmin); err != nil {
			return err
		}
		return tx.audit(ctx, AuditEntry{AccountID: a.ID, Actor: actorFrom(ctx), Action: "account.create", Target: admin.Email,
			Summary: "created the account with " + admin.Email + " as Account Administrator"})
	})
	if err != nil {
		return nil, nil, err
	}
	return a, m, nil
}

// FindAccountByID returns an account. ENOTFOUND if there is none.
func (s *Store) FindAccountByID(ctx context.Context, id string) (*domain.Account, error) {
	var a domain.Account
	if err := scanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1`, id), &a); err != nil {
		return nil, notFound(err, "account")
	}
	return &a, nil
}

// UpdateAccount changes an account's name and settings (validated by the caller).
// ENOTFOUND if the account does not exist.
func (s *Store) UpdateAccount(ctx context.Context, id, name string, st domain.AccountSettings) (*domain.Account, error) {
	var a domain.Account
	err := s.write(ctx, func(tx *Tx) error {
		// SQLite's RETURNING cannot name columns through a table alias ("a.id"), so this
		// one lists them bare.
		err := scanAccount(tx.QueryRowContext(ctx, `
			UPDATE accounts SET name = $2, provider_side_name = $3, client_side_name = $4,
				default_post_privacy = $5, external_financial_allowed = $6, provider_side_members_only = $7,
				currency = $8, brand_color = $9, updated_at = $10
			WHERE id = $1
			RETURNING id, name, provider_side_name, client_side_name, default_post_privacy,
				external_financial_allowed, provider_side_members_only, currency, brand_color, created_at`,
			id, strings.TrimSpace(name), st.ProviderSideName, st.ClientSideName, st.DefaultPostPrivacy,
			st.ExternalFinancialAllowed, st.ProviderSideMembersOnly, st.Currency, st.BrandColor, tx.now), &a)
		if err != nil {
			return notFound(err, "account")
		}
		return tx.audit(ctx, AuditEntry{AccountID: id, Actor: actorFrom(ctx), Action: "settings.account", Summary: "changed the account settings", After: a})
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// FindMemberships lists the accounts a user belongs to, active or not, by account name.
func (s *Store) FindMemberships(ctx context.Context, userID string) ([]domain.Membership, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT m.id, a.id, a.name, m.level, m.active
		FROM members m JOIN accounts a ON a.id = m.account_id
		WHERE m.user_id = $1
		ORDER BY a.name, a.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	defer rows.Close()
	var out []domain.Membership
	for rows.Next() {
		var ms domain.Membership
		if err := rows.Scan(&ms.MemberID, &ms.AccountID, &ms.AccountName, &ms.Level, &ms.Active); err != nil {
			return nil, fmt.Errorf("store: memberships: %w", err)
		}
		out = append(out, ms)
	}
	return out, rows.Err()
}
