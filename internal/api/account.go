package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// AccountPath names an account in the path (embedded in inputs, hence exported for huma).
type AccountPath struct {
	Account string `path:"account" maxLength:"64"`
}

type settingsBody struct {
	ProviderSideName         string `json:"provider_side_name" maxLength:"40"`
	ClientSideName           string `json:"client_side_name" maxLength:"40"`
	DefaultPostPrivacy       string `json:"default_post_privacy" enum:"public,private"`
	ExternalFinancialAllowed bool   `json:"external_financial_allowed" doc:"external participants may hold financial project levels"`
	ProviderSideMembersOnly  bool   `json:"provider_side_members_only" doc:"only account members on the provider side"`
	Currency                 string `json:"currency" maxLength:"3"`
	BrandColor               string `json:"brand_color" maxLength:"7"`
}

type accountOut struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Settings  settingsBody `json:"settings"`
	CreatedAt time.Time    `json:"created_at"`
}

func accountOf(a *domain.Account) accountOut {
	s := a.Settings
	return accountOut{a.ID, a.Name, settingsBody{s.ProviderSideName, s.ClientSideName, string(s.DefaultPostPrivacy),
		s.ExternalFinancialAllowed, s.ProviderSideMembersOnly, s.Currency, s.BrandColor}, a.CreatedAt}
}

type updateAccountInput struct {
	AccountPath
	Body struct {
		Name     string       `json:"name" maxLength:"120"`
		Settings settingsBody `json:"settings"`
	}
}

type groupBody struct {
	Name          string   `json:"name" maxLength:"80"`
	Capabilities  []string `json:"capabilities" maxItems:"16" enum:"view_all_projects,view_open_projects,manage_templates,approve_team_time"`
	DefaultLevels []string `json:"default_levels" maxItems:"8"`
}

type groupOut struct {
	ID string `json:"id"`
	groupBody
}

func groupOf(g domain.AccessGroup) groupOut {
	out := groupOut{ID: g.ID, groupBody: groupBody{Name: g.Name, Capabilities: []string{}, DefaultLevels: []string{}}}
	for _, c := range g.Capabilities {
		out.Capabilities = append(out.Capabilities, string(c))
	}
	for _, l := range g.DefaultLevels {
		out.DefaultLevels = append(out.DefaultLevels, string(l))
	}
	return out
}

type groupInput struct {
	AccountPath
	Body groupBody
}

// GroupIDInput names an access group of an account.
type GroupIDInput struct {
	AccountPath
	ID string `path:"id" maxLength:"64"`
}

type updateGroupInput struct {
	GroupIDInput
	Body groupBody
}

type mailOut struct {
	ID        string     `json:"id"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Text      string     `json:"text"`
	Status    string     `json:"status" enum:"queued,sent,outbox,failed"`
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

func mailOf(m store.StoredMail) mailOut {
	return mailOut{m.ID, m.To, m.Subject, m.Text, m.Status, m.LastError, m.CreatedAt, m.SentAt}
}

// PageQuery is a keyset page request.
type PageQuery struct {
	Cursor string `query:"cursor" maxLength:"200"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type outboxInput struct {
	AccountPath
	PageQuery
}

type outboxPage struct {
	Items      []mailOut `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func (h *Handler) registerAccounts(api huma.API) {
	huma.Register(api, op("get-account", http.MethodGet, "/api/v1/accounts/{account}", "An account and its settings", "accounts"),
		func(ctx context.Context, in *AccountPath) (*struct{ Body accountOut }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body accountOut }{accountOf(act.Account)}, nil
		})
	huma.Register(api, op("update-account", http.MethodPatch, "/api/v1/accounts/{account}", "Change the account's name and settings (Account Administrators)", "accounts"),
		func(ctx context.Context, in *updateAccountInput) (*struct{ Body accountOut }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			b := in.Body.Settings
			a, err := h.app.UpdateAccount(ctx, act, in.Body.Name, domain.AccountSettings{
				ProviderSideName: b.ProviderSideName, ClientSideName: b.ClientSideName, DefaultPostPrivacy: domain.PostPrivacy(b.DefaultPostPrivacy),
				ExternalFinancialAllowed: b.ExternalFinancialAllowed, ProviderSideMembersOnly: b.ProviderSideMembersOnly,
				Currency: b.Currency, BrandColor: b.BrandColor})
			if err != nil {
				return nil, h.fail(nestFields(err, "settings.", "name"))
			}
			return &struct{ Body accountOut }{accountOf(a)}, nil
		})
	huma.Register(api, op("list-access-groups", http.MethodGet, "/api/v1/accounts/{account}/access-groups", "The account's access groups", "accounts"),
		func(ctx context.Context, in *AccountPath) (*struct{ Body []groupOut }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			gs, err := h.app.ListAccessGroups(ctx, act)
			if err != nil {
				return nil, h.fail(err)
			}
			out := make([]groupOut, len(gs))
			for i, g := range gs {
				out[i] = groupOf(g)
			}
			return &struct{ Body []groupOut }{out}, nil
		})
	huma.Register(api, created(op("create-access-group", http.MethodPost, "/api/v1/accounts/{account}/access-groups", "Create an access group (Account Administrators)", "accounts")), func(ctx context.Context, in *groupInput) (*struct{ Body groupOut }, error) {
		return h.saveGroup(ctx, in.Account, "", in.Body)
	})
	huma.Register(api, op("update-access-group", http.MethodPut, "/api/v1/accounts/{account}/access-groups/{id}", "Replace an access group (Account Administrators)", "accounts"),
		func(ctx context.Context, in *updateGroupInput) (*struct{ Body groupOut }, error) {
			return h.saveGroup(ctx, in.Account, in.ID, in.Body)
		})
	huma.Register(api, op("delete-access-group", http.MethodDelete, "/api/v1/accounts/{account}/access-groups/{id}", "Delete an access group (Account Administrators)", "accounts"),
		func(ctx context.Context, in *GroupIDInput) (*struct{}, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.DeleteAccessGroup(ctx, act, in.ID))
		})
	huma.Register(api, op("list-outbox", http.MethodGet, "/api/v1/accounts/{account}/outbox", "The account's outgoing mail (Account Administrators)", "accounts"),
		func(ctx context.Context, in *outboxInput) (*struct{ Body outboxPage }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			ms, next, err := h.app.ListOutbox(ctx, act, in.Cursor, in.Limit)
			if err != nil {
				return nil, h.fail(err)
			}
			out := outboxPage{Items: make([]mailOut, len(ms)), NextCursor: next}
			for i, m := range ms {
				out.Items[i] = mailOf(m)
			}
			return &struct{ Body outboxPage }{out}, nil
		})
}

func (h *Handler) saveGroup(ctx context.Context, accountID, id string, b groupBody) (*struct{ Body groupOut }, error) {
	act, err := h.actor(ctx, accountID)
	if err != nil {
		return nil, h.fail(err)
	}
	g := domain.AccessGroup{ID: id, Name: b.Name}
	for _, c := range b.Capabilities {
		g.Capabilities = append(g.Capabilities, domain.Capability(c))
	}
	for _, l := range b.DefaultLevels {
		g.DefaultLevels = append(g.DefaultLevels, domain.AccountLevel(l))
	}
	saved, err := h.app.SaveAccessGroup(ctx, act, g)
	if err != nil {
		return nil, h.fail(err)
	}
	return &struct{ Body groupOut }{groupOf(*saved)}, nil
}
