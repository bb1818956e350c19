package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/store"
)

// memberOut carries rates only when the viewer may see them: the fields are absent, not null.
type memberOut struct {
	ID              string     `json:"id"`
	UserID          string     `json:"user_id"`
	Email           string     `json:"email"`
	FirstName       string     `json:"first_name"`
	LastName        string     `json:"last_name"`
	Level           string     `json:"level"`
	Active          bool       `json:"active"`
	AccessGroups    []string   `json:"access_groups,omitempty"`
	DefaultBillRate *Money     `json:"default_bill_rate,omitempty" doc:"per hour; only for Project Lead and above"`
	CostRate        *Money     `json:"cost_rate,omitempty" doc:"per hour; only for Report Viewer with Cost and Account Administrators"`
	CreatedAt       time.Time  `json:"created_at"`
	DeactivatedAt   *time.Time `json:"deactivated_at,omitempty"`
}

func memberOf(v app.MemberView, currency string) memberOut {
	return memberOut{ID: v.ID, UserID: v.UserID, Email: v.Email, FirstName: v.FirstName, LastName: v.LastName,
		Level: string(v.Level), Active: v.Active, AccessGroups: v.Member.AccessGroups,
		DefaultBillRate: money(v.DefaultBillRate, currency), CostRate: money(v.CostRate, currency),
		CreatedAt: v.CreatedAt, DeactivatedAt: v.DeactivatedAt}
}

type listMembersInput struct {
	AccountPath
	PageQuery
	Active string `query:"active" enum:"true,false"`
}

type membersPage struct {
	Items      []memberOut `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// MemberPath names a member of an account.
type MemberPath struct {
	AccountPath
	Member string `path:"member" maxLength:"64"`
}

type updateMemberInput struct {
	MemberPath
	Body struct {
		Level                *string   `json:"level,omitempty" maxLength:"40"`
		DefaultBillRateMinor *int64    `json:"default_bill_rate_minor,omitempty" minimum:"0" maximum:"100000000" doc:"per hour, in the account currency's minor units"`
		ClearDefaultBillRate bool      `json:"clear_default_bill_rate,omitempty"`
		CostRateMinor        *int64    `json:"cost_rate_minor,omitempty" minimum:"0" maximum:"100000000" doc:"per hour, in the account currency's minor units"`
		ClearCostRate        bool      `json:"clear_cost_rate,omitempty"`
		Active               *bool     `json:"active,omitempty" doc:"false deactivates the member: they can no longer sign in to this account"`
		AccessGroups         *[]string `json:"access_groups,omitempty" maxItems:"32"`
	}
}

type inviteInput struct {
	AccountPath
	Body struct {
		Email string `json:"email" maxLength:"254"`
		Level string `json:"level" maxLength:"40"`
	}
}

type invitationAdminOut struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Level     string    `json:"level"`
	Status    string    `json:"status" enum:"pending,accepted,revoked,expired"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Link      string    `json:"link,omitempty" doc:"the single-use link: returned once, at creation"`
}

type invitationIDInput struct {
	AccountPath
	ID string `path:"id" maxLength:"64"`
}

func (h *Handler) registerMembers(api huma.API) {
	huma.Register(api, op("list-members", http.MethodGet, "/api/v1/accounts/{account}/members", "The account's members", "members"),
		func(ctx context.Context, in *listMembersInput) (*struct{ Body membersPage }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			f := store.MemberFilter{Cursor: in.Cursor, Limit: in.Limit}
			if in.Active != "" {
				b := in.Active == "true"
				f.Active = &b
			}
			ms, next, err := h.app.ListMembers(ctx, act, f)
			if err != nil {
				return nil, h.fail(err)
			}
			out := membersPage{Items: make([]memberOut, len(ms)), NextCursor: next}
			for i, m := range ms {
				out.Items[i] = memberOf(m, act.Account.Settings.Currency)
			}
			return &struct{ Body membersPage }{out}, nil
		})
	huma.Register(api, op("get-member", http.MethodGet, "/api/v1/accounts/{account}/members/{member}", "One member", "members"),
		func(ctx context.Context, in *MemberPath) (*struct{ Body memberOut }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			m, err := h.app.GetMember(ctx, act, in.Member)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body memberOut }{memberOf(*m, act.Account.Settings.Currency)}, nil
		})
	huma.Register(api, op("update-member", http.MethodPatch, "/api/v1/accounts/{account}/members/{member}", "Change a member's level, rates, access groups or status (Account Administrators)", "members"),
		func(ctx context.Context, in *updateMemberInput) (*struct{ Body memberOut }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			b := in.Body
			m, err := h.app.UpdateMember(ctx, act, in.Member, app.MemberChange{Level: b.Level,
				DefaultBillRate: b.DefaultBillRateMinor, ClearBillRate: b.ClearDefaultBillRate,
				CostRate: b.CostRateMinor, ClearCostRate: b.ClearCostRate, Active: b.Active, AccessGroups: b.AccessGroups})
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body memberOut }{memberOf(*m, act.Account.Settings.Currency)}, nil
		})
	huma.Register(api, created(op("invite-member", http.MethodPost, "/api/v1/accounts/{account}/members", "Invite someone by e-mail at a level (Account Administrators)", "members")), func(ctx context.Context, in *inviteInput) (*struct{ Body invitationAdminOut }, error) {
		act, err := h.actor(ctx, in.Account)
		if err != nil {
			return nil, h.fail(err)
		}
		inv, link, err := h.app.Invite(ctx, act, in.Body.Email, in.Body.Level)
		if err != nil {
			return nil, h.fail(err)
		}
		return &struct{ Body invitationAdminOut }{invitationAdminOut{inv.ID, inv.Email, string(inv.Level), "pending", inv.CreatedAt, inv.ExpiresAt, link}}, nil
	})
	huma.Register(api, op("list-invitations", http.MethodGet, "/api/v1/accounts/{account}/invitations", "The account's invitations (Account Administrators)", "members"),
		func(ctx context.Context, in *AccountPath) (*struct{ Body []invitationAdminOut }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			invs, err := h.app.ListInvitations(ctx, act)
			if err != nil {
				return nil, h.fail(err)
			}
			now := h.app.Store.Now()
			out := make([]invitationAdminOut, len(invs))
			for i, inv := range invs {
				out[i] = invitationAdminOut{inv.ID, inv.Email, string(inv.Level), inv.Status(now), inv.CreatedAt, inv.ExpiresAt, ""}
			}
			return &struct{ Body []invitationAdminOut }{out}, nil
		})
	huma.Register(api, op("revoke-invitation", http.MethodDelete, "/api/v1/accounts/{account}/invitations/{id}", "Withdraw a pending invitation (Account Administrators)", "members"),
		func(ctx context.Context, in *invitationIDInput) (*struct{}, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.RevokeInvitation(ctx, act, in.ID))
		})
}
