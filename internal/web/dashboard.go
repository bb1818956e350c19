package web

import (
	"net/http"
)

func (h *Handler) routesDashboard(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", h.dashboard)
	mux.HandleFunc("POST /account/switch", h.switchAccount)
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	_, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	pg.Title = "Dashboard"
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
