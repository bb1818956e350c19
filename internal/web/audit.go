package web

import (
	"net/http"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesAudit(mux *http.ServeMux) {
	mux.HandleFunc("GET /account/audit", h.auditPage)
	mux.HandleFunc("GET /account/audit.csv", h.auditCSV)
}

type auditData struct {
	Entries []store.AuditEntry
	Next    string
	Query   string // the filter as a query string, for "Load more" and the CSV link
}

// auditFilter reads the page's filter: action prefix, project, and a date range (days, UTC).
func auditFilter(r *http.Request) store.AuditFilter {
	q := r.URL.Query()
	f := store.AuditFilter{Action: q.Get("action"), ProjectID: q.Get("project"), Cursor: q.Get("cursor")}
	if t, err := time.Parse(time.DateOnly, q.Get("since")); err == nil {
		f.Since = &t
	}
	if t, err := time.Parse(time.DateOnly, q.Get("until")); err == nil {
		end := t.Add(24 * time.Hour)
		f.Until = &end
	}
	return f
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	entries, next, err := h.app.ListAudit(r.Context(), v.act, auditFilter(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("cursor")
	pg.Title, pg.Data, pg.Form = "Audit log", auditData{entries, next, q.Encode()}, q
	h.render(w, r, 0, "audit", pg)
}

func (h *Handler) auditCSV(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.account(w, r)
	if !ok {
		return
	}
	f := auditFilter(r)
	f.Cursor = ""
	// Render into memory first so that a refusal still answers with an error page.
	var buf csvBuffer
	if err := h.app.ExportAudit(r.Context(), v.act, f, &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="portico-audit.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.b)
}

type csvBuffer struct{ b []byte }

func (c *csvBuffer) Write(p []byte) (int, error) { c.b = append(c.b, p...); return len(p), nil }
