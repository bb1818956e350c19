package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/store"
)

type userOut struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Theme     string    `json:"theme" enum:"system,light,dark"`
	CreatedAt time.Time `json:"created_at"`
}

type membershipOut struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	MemberID    string `json:"member_id"`
	Level       string `json:"level"`
	Active      bool   `json:"active"`
}

type meOut struct {
	User             userOut         `json:"user"`
	CurrentAccountID string          `json:"current_account_id,omitempty" doc:"the account a browser session works in"`
	Memberships      []membershipOut `json:"memberships"`
}

func (h *Handler) me(ctx context.Context, p *store.Principal) (*meOut, error) {
	ms, err := h.app.Store.FindMemberships(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	out := &meOut{User: userOf(p), CurrentAccountID: p.AccountID, Memberships: make([]membershipOut, 0, len(ms))}
	for _, m := range ms {
		out.Memberships = append(out.Memberships, membershipOut{m.AccountID, m.AccountName, m.MemberID, string(m.Level), m.Active})
	}
	return out, nil
}

func userOf(p *store.Principal) userOut {
	u := p.User
	return userOut{u.ID, u.Email, u.FirstName, u.LastName, u.Theme, u.CreatedAt}
}

type profileInput struct {
	Body struct {
		FirstName *string `json:"first_name,omitempty" maxLength:"80"`
		LastName  *string `json:"last_name,omitempty" maxLength:"80"`
		Theme     *string `json:"theme,omitempty" enum:"system,light,dark"`
	}
}

type passwordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" maxLength:"256"`
		NewPassword     string `json:"new_password" maxLength:"256"`
	}
}

type sessionOut struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
}

type idPath struct {
	ID string `path:"id" maxLength:"64"`
}

type tokenOut struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"the first characters of the secret"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Secret     string     `json:"secret,omitempty" doc:"the token itself: returned once, at creation"`
}

type createTokenInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"80"`
	}
}

func (h *Handler) registerMe(api huma.API) {
	huma.Register(api, op("get-me", http.MethodGet, "/api/v1/me", "The signed-in user and their accounts", "me"),
		func(ctx context.Context, _ *struct{}) (*struct{ Body meOut }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			me, err := h.me(ctx, p)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body meOut }{*me}, nil
		})
	huma.Register(api, op("update-me", http.MethodPatch, "/api/v1/me", "Change own name or theme", "me"),
		func(ctx context.Context, in *profileInput) (*struct{ Body userOut }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			u, err := h.app.UpdateProfile(ctx, p, app.ProfileChange{FirstName: in.Body.FirstName, LastName: in.Body.LastName, Theme: in.Body.Theme})
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body userOut }{userOut{u.ID, u.Email, u.FirstName, u.LastName, u.Theme, u.CreatedAt}}, nil
		})
	huma.Register(api, op("change-password", http.MethodPost, "/api/v1/me/password", "Change own password (ends other sessions)", "me"),
		func(ctx context.Context, in *passwordInput) (*struct{}, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.ChangePassword(ctx, p, in.Body.CurrentPassword, in.Body.NewPassword))
		})
	huma.Register(api, op("list-sessions", http.MethodGet, "/api/v1/me/sessions", "Own signed-in sessions", "me"),
		func(ctx context.Context, _ *struct{}) (*struct{ Body []sessionOut }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			ss, err := h.app.Store.FindSessions(ctx, p.User.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			out := make([]sessionOut, len(ss))
			for i, s := range ss {
				out[i] = sessionOut{s.ID, s.ID == p.SessionID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.IP}
			}
			return &struct{ Body []sessionOut }{out}, nil
		})
	huma.Register(api, op("revoke-session", http.MethodDelete, "/api/v1/me/sessions/{id}", "End one of own sessions", "me"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.Store.DeleteSession(ctx, p.User.ID, in.ID))
		})
	huma.Register(api, created(op("create-token", http.MethodPost, "/api/v1/tokens", "Create a personal API token (the secret is shown once)", "tokens")), func(ctx context.Context, in *createTokenInput) (*struct{ Body tokenOut }, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, h.fail(err)
		}
		t, secret, err := h.app.CreateToken(ctx, p, in.Body.Name)
		if err != nil {
			return nil, h.fail(err)
		}
		return &struct{ Body tokenOut }{tokenOut{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, Secret: secret}}, nil
	})
	huma.Register(api, op("list-tokens", http.MethodGet, "/api/v1/tokens", "Own API tokens (never their secrets)", "tokens"),
		func(ctx context.Context, _ *struct{}) (*struct{ Body []tokenOut }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			ts, err := h.app.Store.FindAPITokens(ctx, p.User.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			out := make([]tokenOut, len(ts))
			for i, t := range ts {
				out[i] = tokenOut{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
			}
			return &struct{ Body []tokenOut }{out}, nil
		})
	huma.Register(api, op("revoke-token", http.MethodDelete, "/api/v1/tokens/{id}", "Revoke one of own API tokens", "tokens"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.Store.RevokeAPIToken(ctx, p.User.ID, in.ID))
		})
}

func (h *Handler) failOrNil(err error) error {
	if err == nil {
		return nil
	}
	return h.fail(err)
}
