package app

import (
	"context"
	"strings"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// MemberView is a member as one viewer may see them: rates the viewer may not see are nil
// and flagged hidden.
type MemberView struct {
	domain.Member
	BillRateVisible bool
	CostRateVisible bool
}

// viewMember strips what the actor may not see.
func (act *Actor) viewMember(m domain.Member) MemberView {
	v := MemberView{Member: m, BillRateVisible: act.Can(access.SeeBillRates), CostRateVisible: act.Can(access.SeeCostRates)}
	if !v.BillRateVisible {
		v.DefaultBillRate = nil
	}
	if !v.CostRateVisible {
		v.CostRate = nil
	}
	return v
}

// ListMembers returns a page of the account's members as the actor may see them.
// EFORBIDDEN for levels that do not see the member list.
func (a *App) ListMembers(ctx context.Context, act *Actor, f store.MemberFilter) ([]MemberView, string, error) {
	if err := act.require(access.ViewMembers); err != nil {
		return nil, "", err
	}
	f.AccountID = act.Account.ID
	ms, next, err := a.Store.FindMembers(ctx, f)
	if err != nil {
		return nil, "", err
	}
	out := make([]MemberView, len(ms))
	for i, m := range ms {
		out[i] = act.viewMember(m)
	}
	return out, next, nil
}

// GetMember returns one member as the actor may see them.
func (a *App) GetMember(ctx context.Context, act *Actor, id string) (*MemberView, error) {
	if err := act.requireOn(access.ViewMembers, a.findMember(ctx, act, id)); err != nil {
		return nil, err
	}
	m, err := a.Store.FindMemberByID(ctx, act.Account.ID, id)
	if err != nil {
		return nil, err
	}
	v := act.viewMember(*m)
	return &v, nil
}

// findMember returns a lookup of one of the account's members, for requireOn.
func (a *App) findMember(ctx context.Context, act *Actor, id string) func() error {
	return func() error {
		_, err := a.Store.FindMemberByID(ctx, act.Account.ID, id)
		return err
	}
}

// MemberChange is a requested change to a member; nil fields stay.
type MemberChange struct {
	Level           *string
	DefaultBillRate *int64
	ClearBillRate   bool
	CostRate        *int64
	ClearCostRate   bool
	Active          *bool
	AccessGroups    *[]string
}

// UpdateMember applies an Account Administrator's change to a member. ENOTFOUND if the account
// has no such member; EFORBIDDEN for anyone else; EINVALID for an unknown level or a negative
// rate; ECONFLICT when the account would lose its last administrator.
func (a *App) UpdateMember(ctx context.Context, act *Actor, id string, c MemberChange) (*MemberView, error) {
	if err := act.requireOn(access.ManageMembers, a.findMember(ctx, act, id)); err != nil {
		return nil, err
	}
	var upd domain.MemberUpdate
	var v domain.Validator
	if c.Level != nil {
		l, err := domain.ParseAccountLevel("level", *c.Level)
		if err != nil {
			return nil, err
		}
		upd.Level = &l
	}
	upd.DefaultBillRate = rateChange(&v, "default_bill_rate", c.DefaultBillRate, c.ClearBillRate)
	upd.CostRate = rateChange(&v, "cost_rate", c.CostRate, c.ClearCostRate)
	upd.Active = c.Active
	if err := v.Err(); err != nil {
		return nil, err
	}
	m, err := a.Store.UpdateMember(ctx, act.Account.ID, id, upd, c.AccessGroups)
	if err != nil {
		return nil, err
	}
	out := act.viewMember(*m)
	return &out, nil
}

const maxRateMinor = 100_000_000 // a million per hour in major units is surely a typo

func rateChange(v *domain.Validator, field string, rate *int64, clear bool) **int64 {
	switch {
	case clear:
		var none *int64
		return &none
	case rate == nil:
		return nil
	case *rate < 0 || *rate > maxRateMinor:
		v.Add(field, "must be between 0 and 100000000 minor units per hour")
		return nil
	}
	return &rate
}

// Invite invites an e-mail address to the account at a level and queues the e-mail with its
// single-use link. Returns the invitation and the link (shown to the administrator too).
// EFORBIDDEN for non-administrators; EINVALID for a bad address or level; ECONFLICT if the
// address is already a member.
func (a *App) Invite(ctx context.Context, act *Actor, email, level string) (*domain.Invitation, string, error) {
	if err := act.require(access.ManageMembers); err != nil {
		return nil, "", err
	}
	var v domain.Validator
	addr, err := domain.NormalizeEmail("email", email)
	if err != nil {
		v.Fields = append(v.Fields, err.(*domain.Error).Fields...)
	}
	l, err := domain.ParseAccountLevel("level", level)
	if err != nil {
		v.Fields = append(v.Fields, err.(*domain.Error).Fields...)
	}
	if l == domain.LevelPunchClock {
		v.Add("level", "Punch Clock needs a default bill rate: invite at another level, set the rate, then change the level")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	token := auth.NewToken(auth.PrefixInvitation)
	link := a.BaseURL + "/invitations/" + token
	inviter := act.Member.FullName()
	m, err := renderMail(act.Account.ID, addr, inviter+" invited you to "+act.Account.Name+" on Portico", mailContent{
		Greeting:  "Hello,",
		Paragraph: inviter + " invited you to join " + act.Account.Name + " on Portico as " + l.Name() + ". The link works once and expires in 7 days.",
		Action:    "Accept the invitation",
		Link:      link,
		Footer:    "If you did not expect this invitation, you can ignore this e-mail.",
		Brand:     act.Account.Settings.BrandColor,
	})
	if err != nil {
		return nil, "", err
	}
	inv := &domain.Invitation{AccountID: act.Account.ID, Email: addr, Level: l, InvitedBy: act.Member.ID}
	if err := a.Store.CreateInvitation(ctx, inv, auth.HashToken(token), m); err != nil {
		return nil, "", err
	}
	a.Log.Info("invitation created", "account", act.Account.ID, "invitation", inv.ID, "level", l)
	return inv, link, nil
}

// ListInvitations lists the account's invitations for administrators.
func (a *App) ListInvitations(ctx context.Context, act *Actor) ([]domain.Invitation, error) {
	if err := act.require(access.ManageMembers); err != nil {
		return nil, err
	}
	return a.Store.FindInvitations(ctx, act.Account.ID)
}

// RevokeInvitation withdraws a pending invitation. ENOTFOUND if the account has no such
// pending invitation; EFORBIDDEN for non-administrators (for the account's own invitations).
func (a *App) RevokeInvitation(ctx context.Context, act *Actor, id string) error {
	find := func() error { _, err := a.Store.FindInvitationByID(ctx, act.Account.ID, id); return err }
	if err := act.requireOn(access.ManageMembers, find); err != nil {
		return err
	}
	return a.Store.RevokeInvitation(ctx, act.Account.ID, id)
}

// LookupInvitation returns the invitation behind a link for the accept page.
// ENOTFOUND for an unknown link, EGONE for a used, withdrawn or expired one.
func (a *App) LookupInvitation(ctx context.Context, token string) (*store.InvitationInfo, error) {
	if !strings.HasPrefix(token, auth.PrefixInvitation) {
		return nil, domain.NotFound("invitation")
	}
	return a.Store.FindInvitationByToken(ctx, auth.HashToken(token))
}

// AcceptInput is what the invitee types: names and a new password, or, when the address
// already has a login, that login's password.
type AcceptInput struct {
	FirstName, LastName, Password string
}

// AcceptInvitation uses the link once and opens a session in the account. Returns the session
// token. Errors: ENOTFOUND/EGONE for the link, EINVALID for the input.
func (a *App) AcceptInvitation(ctx context.Context, token string, in AcceptInput, c Client) (string, error) {
	info, err := a.LookupInvitation(ctx, token)
	if err != nil {
		return "", err
	}
	acc := store.Acceptance{UserAgent: c.UserAgent, IP: c.IP}
	var v domain.Validator
	if info.UserExists {
		u, hash, err := a.Store.FindUserCredentials(ctx, info.Email)
		if err != nil {
			return "", err
		}
		if auth.CheckPassword(hash, in.Password) != nil {
			return "", domain.Invalid(domain.FieldError{Field: "password", Message: "is not the password of your existing Portico login"})
		}
		acc.UserID = u.ID
	} else {
		domain.ValidateName(&v, "first_name", in.FirstName, true)
		domain.ValidateName(&v, "last_name", in.LastName, true)
		domain.ValidatePassword(&v, "password", in.Password)
		if err := v.Err(); err != nil {
			return "", err
		}
		acc.FirstName, acc.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
		if acc.PasswordHash, err = auth.HashPassword(in.Password); err != nil {
			return "", err
		}
	}
	sessionToken := auth.NewToken(auth.PrefixSession)
	acc.SessionTokenHash = auth.HashToken(sessionToken)
	if _, _, err := a.Store.AcceptInvitation(ctx, auth.HashToken(token), acc); err != nil {
		return "", err
	}
	return sessionToken, nil
}
