package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesDashboard(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", h.dashboard)
	mux.HandleFunc("POST /account/switch", h.switchAccount)
}

type dashboardData struct {
	Items []store.ActivityItem
	Next  string
}

// dashboard shows recent activity across the user's projects; someone with none sees a
// friendly empty state and nothing else.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	items, next, err := h.app.Store.FindActivity(r.Context(), v.p.User.ID, r.URL.Query().Get("cursor"), 30)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Title, pg.Data = "Dashboard", dashboardData{items, next}
	h.render(w, r, 0, "dashboard", pg)
}

func (h *Handler) switchAccount(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	if err := h.app.SwitchAccount(r.Context(), v.p, r.PostForm.Get("account_id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/", "")
}
