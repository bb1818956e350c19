package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
)

func (h *Handler) routesSettings(mux *http.ServeMux) {
	mux.HandleFunc("GET /settings", h.settingsPage)
	mux.HandleFunc("POST /settings/profile", h.saveProfile)
	mux.HandleFunc("POST /settings/password", h.changePassword)
	mux.HandleFunc("POST /settings/sessions/{id}/revoke", h.revokeSession)
	mux.HandleFunc("POST /settings/tokens", h.createToken)
	mux.HandleFunc("POST /settings/tokens/{id}/revoke", h.revokeToken)
}

type settingsData struct {
	Sessions  []domain.Session
	Tokens    []domain.APIToken
	CurrentID string
	NewToken  string // the secret of a token created just now, shown once
	EmailPref string
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	h.renderSettings(w, r, v, pg, 0, "")
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, v *view, pg *page, status int, newToken string) {
	ctx := r.Context()
	ss, err := h.app.Store.FindSessions(ctx, v.p.User.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ts, err := h.app.Store.FindAPITokens(ctx, v.p.User.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	prefs, err := h.app.Store.FindNotificationPrefs(ctx, v.p.User.ID, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Title, pg.Data = "Your settings", settingsData{ss, ts, v.p.SessionID, newToken, prefs.Email}
	h.render(w, r, status, "settings", pg)
}

func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	first, last, theme := r.PostForm.Get("first_name"), r.PostForm.Get("last_name"), r.PostForm.Get("theme")
	if _, err := h.app.UpdateProfile(r.Context(), v.p, app.ProfileChange{FirstName: &first, LastName: &last, Theme: &theme}); err != nil {
		pg.Form = r.PostForm
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.renderSettings(w, r, v, pg, http.StatusUnprocessableEntity, "")
		return
	}
	h.redirect(w, r, "/settings", "Profile saved.")
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	if err := h.app.ChangePassword(r.Context(), v.p, r.PostForm.Get("current_password"), r.PostForm.Get("new_password")); err != nil {
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.renderSettings(w, r, v, pg, http.StatusUnprocessableEntity, "")
		return
	}
	h.redirect(w, r, "/settings", "Password changed. Your other sessions have been signed out.")
}

func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if err := h.app.Store.DeleteSession(r.Context(), v.p.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/settings", "Session signed out.")
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	_, secret, err := h.app.CreateToken(r.Context(), v.p, r.PostForm.Get("name"))
	if err != nil {
		pg.Form = r.PostForm
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.renderSettings(w, r, v, pg, http.StatusUnprocessableEntity, "")
		return
	}
	// The secret is rendered into this response only; it is never stored or shown again.
	w.Header().Set("Cache-Control", "no-store")
	pg.Flash = &flash{Kind: "success", Text: "Token created. Copy it now: it will not be shown again."}
	h.renderSettings(w, r, v, pg, http.StatusCreated, secret)
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if err := h.app.Store.RevokeAPIToken(r.Context(), v.p.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/settings", "Token revoked.")
}
