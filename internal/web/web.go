// Package web serves Portico's HTML pages: server-rendered templates, htmx for partial
// updates, static assets embedded in the binary. It calls the same app layer as the JSON API
// and never decides access itself.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/reqctx"
	"github.com/portico-dev/portico/internal/store"
)

//go:embed templates static
var assets embed.FS

// Handler serves the pages.
type Handler struct {
	app    *app.App
	log    *slog.Logger
	secure bool
	pages  map[string]*template.Template
}

// Register mounts the pages and static assets on mux.
func Register(mux *http.ServeMux, a *app.App, secureCookies bool, log *slog.Logger) {
	h := &Handler{app: a, log: log, secure: secureCookies, pages: parsePages()}
	static, _ := fs.Sub(assets, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	}))
	h.routesAuth(mux)
	h.routesDashboard(mux)
	h.routesMembers(mux)
	h.routesSettings(mux)
	h.routesProjects(mux)
	h.routesPeople(mux)
	h.routesAudit(mux)
	h.routesAccount(mux)
	h.routesFeed(mux)
	h.routesNotifications(mux)
	h.routesTasks(mux)
	h.routesResources(mux)
}

var funcs = template.FuncMap{
	"levelName":  func(l domain.AccountLevel) string { return l.Name() },
	"plevelName": func(l domain.ProjectLevel) string { return l.Name() },
	"accessName": func(a domain.Access) string { return a.Name() },
	"statusName": func(s domain.ProjectStatus) string {
		return map[domain.ProjectStatus]string{domain.StatusOnTrack: "On track", domain.StatusAtRisk: "At risk", domain.StatusOffTrack: "Off track"}[s]
	},
	"levels":   func() []domain.AccountLevel { return domain.AccountLevels },
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"datetime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"money": func(p *int64, currency string) string {
		if p == nil {
			return "—"
		}
		return domain.FormatMoney(*p, currency)
	},
	"major": func(p *int64) string {
		if p == nil {
			return ""
		}
		return domain.FormatMinor(*p)
	},
	"initials": func(name string) string {
		out := ""
		for _, w := range strings.Fields(name) {
			r := []rune(w)
			out += strings.ToUpper(string(r[0]))
			if len(out) >= 2 {
				break
			}
		}
		return out
	},
	"sideArgs": func(side, name string, rows []personRow, f *projectFrame) map[string]any {
		return map[string]any{"Side": side, "Name": name, "Rows": rows, "Frame": f}
	},
	"fileArgs": func(f *projectFrame, files []domain.File) map[string]any {
		return map[string]any{"Frame": f, "Files": files}
	},
	"postArgs": func(f *projectFrame, t threadView, p domain.Post) map[string]any {
		return map[string]any{"Frame": f, "Thread": t, "Post": p}
	},
	"list": func(xs ...string) []string { return xs },
	"hours": func(v any) string {
		var m int64
		switch x := v.(type) {
		case int64:
			m = x
		case *int64:
			if x == nil {
				return ""
			}
			m = *x
		}
		if m == 0 {
			return ""
		}
		if m%60 == 0 {
			return strconv.FormatInt(m/60, 10)
		}
		return strconv.FormatFloat(float64(m)/60, 'f', 2, 64)
	},
	"excerpt": func(s string) string {
		if r := []rune(s); len(r) > 200 {
			return string(r[:200]) + "…"
		}
		return s
	},
	"isImage": func(ct string) bool { return strings.HasPrefix(ct, "image/") && !strings.Contains(ct, "svg") },
	"size": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%d KB", n>>10)
		}
		return fmt.Sprintf("%d B", n)
	},
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
}

// parsePages builds one template set per page: the layout plus the page's "content".
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials/*.html", n))
	}
	return pages
}

// page is what every template receives; Data is the page's own.
type page struct {
	Title    string
	Theme    string
	CSRF     string
	User     *domain.User
	Account  *domain.Account
	Accounts []accountRef
	IsAdmin  bool
	Unread   int // the bell's count
	// InlineStyles lets the page carry <style> elements (the server-drawn Gantt SVG); scripts
	// stay restricted to our own files.
	InlineStyles bool
	Flash        *flash
	Form         url.Values
	Errors       map[string]string
	Error        string
	Data         any
}

type accountRef struct{ ID, Name string }

type flash struct{ Kind, Text string }

// view is a signed-in user working in their current account.
type view struct {
	p   *store.Principal
	act *app.Actor // nil when the user has no active account
}

// render writes a page; status 0 means 200.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	t, ok := h.pages[name]
	if !ok {
		h.log.Error("web: no such page", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if pg.Theme == "" {
		pg.Theme = "system"
		if pg.User != nil {
			pg.Theme = pg.User.Theme
		}
	}
	if pg.Flash == nil {
		pg.Flash = h.takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		h.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	styles := "'self'"
	if pg.InlineStyles {
		styles += " 'unsafe-inline'"
	}
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src "+styles+"; script-src 'self'; frame-ancestors 'none'")
	if status != 0 {
		w.WriteHeader(status)
	}
	w.Write(buf.Bytes())
}

// renderPartial writes one named template of a page without the layout (htmx swaps).
func (h *Handler) renderPartial(w http.ResponseWriter, r *http.Request, pageName, block string, pg *page) {
	t, ok := h.pages[pageName]
	if !ok {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, pg); err != nil {
		h.log.Error("web: render partial", "page", pageName, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// signedIn returns the page frame for a signed-in user, or redirects to sign-in.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (*view, *page, bool) {
	p := reqctx.Principal(r.Context())
	if p == nil {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil, nil, false
	}
	v := &view{p: p}
	pg := &page{User: &p.User, Form: url.Values{}, Errors: map[string]string{}}
	ms, err := h.app.Store.FindMemberships(r.Context(), p.User.ID)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	for _, m := range ms {
		if m.Active {
			pg.Accounts = append(pg.Accounts, accountRef{m.AccountID, m.AccountName})
		}
	}
	if pg.Unread, err = h.app.UnreadCount(r.Context(), p); err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	if p.AccountID != "" {
		act, err := h.app.Actor(r.Context(), p, p.AccountID)
		if err == nil {
			v.act, pg.Account = act, act.Account
			pg.IsAdmin = act.Can(access.ManageMembers)
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			h.fail(w, r, err)
			return nil, nil, false
		}
	}
	return v, pg, true
}

// fail renders an error page for err: the safe message, the mapped status.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCode(err)
	status := map[string]int{
		domain.ENOTFOUND: 404, domain.EFORBIDDEN: 403, domain.EUNAUTHORIZED: 401, domain.EGONE: 410,
		domain.ETOOMANY: 429, domain.EINVALID: 422, domain.ECONFLICT: 409,
	}[code]
	if status == 0 {
		status = http.StatusInternalServerError
		h.log.Error("web: internal error", "path", r.URL.Path, "err", err)
	}
	pg := &page{Title: http.StatusText(status), Error: domain.ErrorMessage(err)}
	if p := reqctx.Principal(r.Context()); p != nil {
		pg.User = &p.User
	}
	h.render(w, r, status, "error", pg)
}

// formErrors copies field errors of an EINVALID error into the page, and reports whether err was one.
func formErrors(pg *page, err error) bool {
	de, ok := err.(*domain.Error)
	if !ok || (de.Code != domain.EINVALID && de.Code != domain.ECONFLICT && de.Code != domain.EUNAUTHORIZED && de.Code != domain.ETOOMANY && de.Code != domain.EGONE) {
		return false
	}
	if pg.Errors == nil {
		pg.Errors = map[string]string{}
	}
	for _, f := range de.Fields {
		pg.Errors[f.Field] = f.Message
	}
	if len(de.Fields) == 0 || len(de.Fields) > 1 {
		pg.Error = de.Message
	}
	return true
}

const flashCookie = "portico_flash"

// redirect sends the browser on with a one-time message for the next page.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, to, message string) {
	if message != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(message), Path: "/", HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode, MaxAge: 60})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// redirectError sends the browser back with a one-time error message.
func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, to, message string) {
	h.redirect(w, r, to, "!"+message)
}

func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure})
	text, err := url.QueryUnescape(c.Value)
	if err != nil {
		return nil
	}
	if msg, isErr := strings.CutPrefix(text, "!"); isErr {
		return &flash{Kind: "error", Text: msg}
	}
	return &flash{Kind: "success", Text: text}
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// client returns the request's client info.
func client(r *http.Request) app.Client { return reqctx.Client(r.Context()) }
