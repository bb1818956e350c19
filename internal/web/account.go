package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
)

func (h *Handler) routesAccount(mux *http.ServeMux) {
	mux.HandleFunc("GET /account/settings", h.accountSettingsPage)
	mux.HandleFunc("POST /account/settings", h.saveAccountSettings)
	mux.HandleFunc("POST /account/permissions", h.savePermissionTable)
}

// permCell is one cell of the permission-table editor.
type permCell struct {
	Level   domain.ProjectLevel
	Allowed bool
}

type permRow struct {
	Level    domain.AccountLevel
	Cells    []permCell
	Provider domain.DefaultPermission
	Client   domain.DefaultPermission
}

type accountSettingsData struct {
	Rows        []permRow
	Levels      []domain.ProjectLevel
	ClientLevel []domain.ProjectLevel
}

func (h *Handler) accountSettingsPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	h.renderAccountSettings(w, r, v, pg, 0)
}

func (h *Handler) renderAccountSettings(w http.ResponseWriter, r *http.Request, v *view, pg *page, status int) {
	if !v.act.Can(access.ManageAccountSettings) {
		h.fail(w, r, domain.Forbidden("only Account Administrators change account settings"))
		return
	}
	t, err := h.app.PermissionTable(r.Context(), v.act)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := accountSettingsData{Levels: domain.ProjectLevels}
	for _, l := range domain.ProjectLevels {
		if !l.TimeExpenses() {
			d.ClientLevel = append(d.ClientLevel, l)
		}
	}
	for _, al := range domain.AccountLevels {
		row := permRow{Level: al, Provider: t.Default(al, domain.SideProvider), Client: t.Default(al, domain.SideClient)}
		for _, pl := range domain.ProjectLevels {
			row.Cells = append(row.Cells, permCell{pl, slices.Contains(t.Allowed[al], pl)})
		}
		d.Rows = append(d.Rows, row)
	}
	if len(pg.Form) == 0 {
		st := v.act.Account.Settings
		pg.Form = url.Values{"name": {v.act.Account.Name}, "provider_side_name": {st.ProviderSideName}, "client_side_name": {st.ClientSideName},
			"default_post_privacy": {string(st.DefaultPostPrivacy)}, "currency": {st.Currency}, "brand_color": {st.BrandColor}}
		if st.ExternalFinancialAllowed {
			pg.Form.Set("external_financial_allowed", "on")
		}
		if st.ProviderSideMembersOnly {
			pg.Form.Set("provider_side_members_only", "on")
		}
	}
	pg.Title, pg.Data = "Account settings", d
	h.render(w, r, status, "account_settings", pg)
}

func (h *Handler) saveAccountSettings(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	f := r.PostForm
	st := domain.AccountSettings{ProviderSideName: strings.TrimSpace(f.Get("provider_side_name")), ClientSideName: strings.TrimSpace(f.Get("client_side_name")),
		DefaultPostPrivacy: domain.PostPrivacy(f.Get("default_post_privacy")), ExternalFinancialAllowed: f.Get("external_financial_allowed") == "on",
		ProviderSideMembersOnly: f.Get("provider_side_members_only") == "on", Currency: strings.ToUpper(strings.TrimSpace(f.Get("currency"))),
		BrandColor: strings.TrimSpace(f.Get("brand_color"))}
	if _, err := h.app.UpdateAccount(r.Context(), v.act, f.Get("name"), st); err != nil {
		pg.Form = f
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.renderAccountSettings(w, r, v, pg, http.StatusUnprocessableEntity)
		return
	}
	h.redirect(w, r, "/account/settings", "Account settings saved.")
}

// savePermissionTable reads the editor: allowed.<account level> lists project levels,
// default.<account level>.<side> a level and access.<account level>.<side> the toggles.
func (h *Handler) savePermissionTable(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	f := r.PostForm
	t := domain.PermissionTable{Allowed: map[domain.AccountLevel][]domain.ProjectLevel{}, Defaults: map[domain.AccountLevel]map[domain.Side]domain.DefaultPermission{}}
	for _, al := range domain.AccountLevels {
		for _, pl := range f["allowed."+string(al)] {
			t.Allowed[al] = append(t.Allowed[al], domain.ProjectLevel(pl))
		}
		t.Defaults[al] = map[domain.Side]domain.DefaultPermission{}
		for _, side := range []domain.Side{domain.SideProvider, domain.SideClient} {
			key := string(al) + "." + string(side)
			d := domain.DefaultPermission{Level: domain.ProjectLevel(f.Get("default." + key)), Access: []domain.Access{}}
			for _, a := range f["access."+key] {
				d.Access = append(d.Access, domain.Access(a))
			}
			t.Defaults[al][side] = d
		}
	}
	if err := h.app.SavePermissionTable(r.Context(), v.act, t); err != nil {
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		if de, ok := err.(*domain.Error); ok {
			pg.Error = de.Message
			for _, fe := range de.Fields {
				pg.Error += " — " + fe.Field + ": " + fe.Message
			}
		}
		h.renderAccountSettings(w, r, v, pg, http.StatusUnprocessableEntity)
		return
	}
	h.redirect(w, r, "/account/settings", "Permission tables saved.")
}
