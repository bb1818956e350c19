package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesNotifications(mux *http.ServeMux) {
	mux.HandleFunc("GET /notifications", h.notificationsPage)
	mux.HandleFunc("POST /notifications/read", h.markAllRead)
	mux.HandleFunc("GET /notifications/{id}", h.openNotification)
	mux.HandleFunc("POST /settings/notifications", h.saveDefaultPrefs)
}

type notificationsData struct {
	Items []domain.Notification
	Next  string
}

func (h *Handler) notificationsPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	items, next, err := h.app.Notifications(r.Context(), v.p, r.URL.Query().Get("cursor"), 50, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Title, pg.Data = "Notifications", notificationsData{items, next}
	h.render(w, r, 0, "notifications", pg)
}

// openNotification marks it read and goes to its thread.
func (h *Handler) openNotification(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	items, _, err := h.app.Notifications(r.Context(), v.p, "", store.MaxLimit, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, n := range items {
		if n.ID == r.PathValue("id") {
			if err := h.app.MarkRead(r.Context(), v.p, []string{n.ID}); err != nil {
				h.fail(w, r, err)
				return
			}
			http.Redirect(w, r, "/projects/"+n.ProjectID+"/threads/"+n.ThreadID, http.StatusSeeOther)
			return
		}
	}
	h.fail(w, r, domain.NotFound("notification"))
}

func (h *Handler) markAllRead(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if err := h.app.MarkRead(r.Context(), v.p, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/notifications", "All caught up.")
}

func (h *Handler) saveDefaultPrefs(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	if err := h.app.SaveNotificationPrefs(r.Context(), v.p, "", r.PostForm.Get("email"), false); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/settings", "Notification settings saved.")
}
