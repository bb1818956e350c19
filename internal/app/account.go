package app

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// CreateAccount creates an account and its first Account Administrator (the CLI's
// "account create"). EINVALID for a bad name, e-mail or password.
func (a *App) CreateAccount(ctx context.Context, name, email, password, first, last string) (*domain.Account, *domain.Member, error) {
	var v domain.Validator
	if err := domain.ValidateAccountName(name); err != nil {
		v.Fields = append(v.Fields, err.(*domain.Error).Fields...)
	}
	addr, err := domain.NormalizeEmail("admin_email", email)
	if err != nil {
		v.Fields = append(v.Fields, err.(*domain.Error).Fields...)
	}
	domain.ValidatePassword(&v, "admin_password", password)
	domain.ValidateName(&v, "first_name", first, false)
	domain.ValidateName(&v, "last_name", last, false)
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, nil, fmt.Errorf("app: hash password: %w", err)
	}
	return a.Store.CreateAccount(ctx, name, store.NewAdmin{Email: addr, FirstName: strings.TrimSpace(first), LastName: strings.TrimSpace(last), PasswordHash: hash})
}

// UpdateAccount changes the account's name and settings. EFORBIDDEN for non-administrators.
func (a *App) UpdateAccount(ctx context.Context, act *Actor, name string, st domain.AccountSettings) (*domain.Account, error) {
	if err := act.require(access.ManageAccountSettings); err != nil {
		return nil, err
	}
	var v domain.Validator
	if err := domain.ValidateAccountName(name); err != nil {
		v.Fields = append(v.Fields, err.(*domain.Error).Fields...)
	}
	if err := st.Validate(); err != nil {
		v.Fields = append(v.Fields, err.(*domain.Error).Fields...)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return a.Store.UpdateAccount(ctx, act.Account.ID, name, st)
}

// ListOutbox lists the account's mail for administrators.
func (a *App) ListOutbox(ctx context.Context, act *Actor, cursor string, limit int) ([]store.StoredMail, string, error) {
	if err := act.require(access.ReadOutbox); err != nil {
		return nil, "", err
	}
	return a.Store.FindAccountMails(ctx, act.Account.ID, cursor, limit)
}

// GetOutboxMail returns one mail of the account's outbox for administrators.
func (a *App) GetOutboxMail(ctx context.Context, act *Actor, id string) (*store.StoredMail, error) {
	find := func() error { _, err := a.Store.FindAccountMail(ctx, act.Account.ID, id); return err }
	if err := act.requireOn(access.ReadOutbox, find); err != nil {
		return nil, err
	}
	return a.Store.FindAccountMail(ctx, act.Account.ID, id)
}

// ListAccessGroups lists the account's access groups (any member may read them).
func (a *App) ListAccessGroups(ctx context.Context, act *Actor) ([]domain.AccessGroup, error) {
	return a.Store.FindAccessGroups(ctx, act.Account.ID)
}

// SaveAccessGroup creates (empty ID) or replaces an access group. EFORBIDDEN for
// non-administrators; EINVALID for bad names, capabilities or levels.
func (a *App) SaveAccessGroup(ctx context.Context, act *Actor, g domain.AccessGroup) (*domain.AccessGroup, error) {
	find := func() error { return nil } // a new group names nothing that exists
	if g.ID != "" {
		find = a.findAccessGroup(ctx, act, g.ID)
	}
	if err := act.requireOn(access.ManageAccountSettings, find); err != nil {
		return nil, err
	}
	var v domain.Validator
	g.Name = strings.TrimSpace(g.Name)
	v.Check(g.Name != "" && utf8.RuneCountInString(g.Name) <= 80, "name", "must be 1 to 80 characters")
	for _, c := range g.Capabilities {
		v.Check(domain.ValidCapability(c), "capabilities", "unknown capability "+string(c))
	}
	for _, l := range g.DefaultLevels {
		v.Check(l.Valid(), "default_levels", "unknown account level "+string(l))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	g.AccountID = act.Account.ID
	var err error
	if g.ID == "" {
		err = a.Store.CreateAccessGroup(ctx, &g)
	} else {
		err = a.Store.UpdateAccessGroup(ctx, &g)
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// DeleteAccessGroup removes an access group. ENOTFOUND if the account has no such group;
// EFORBIDDEN for non-administrators.
func (a *App) DeleteAccessGroup(ctx context.Context, act *Actor, id string) error {
	if err := act.requireOn(access.ManageAccountSettings, a.findAccessGroup(ctx, act, id)); err != nil {
		return err
	}
	return a.Store.DeleteAccessGroup(ctx, act.Account.ID, id)
}

// findAccessGroup returns a lookup of one of the account's access groups, for requireOn.
// An account has a handful of groups, so the list serves.
func (a *App) findAccessGroup(ctx context.Context, act *Actor, id string) func() error {
	return func() error {
		gs, err := a.Store.FindAccessGroups(ctx, act.Account.ID)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if g.ID == id {
				return nil
			}
		}
		return domain.NotFound("access group")
	}
}
