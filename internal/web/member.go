package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesMembers(mux *http.ServeMux) {
	mux.HandleFunc("GET /account/members", h.membersPage)
	mux.HandleFunc("POST /account/members/invite", h.invite)
	mux.HandleFunc("POST /account/members/{id}", h.updateMember)
	mux.HandleFunc("POST /account/invitations/{id}/revoke", h.revokeInvitation)
	mux.HandleFunc("GET /account/outbox", h.outboxPage)
	mux.HandleFunc("GET /account/outbox/{id}", h.outboxMail)
}

type membersData struct {
	Members     []app.MemberView
	Next        string
	Invitations []domain.Invitation
	Now         time.Time
	CanManage   bool
	Currency    string
	SelfID      string
}

// account returns the signed-in view, or renders the "no account" page.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) (*view, *page, bool) {
	v, pg, ok := h.signedIn(w, r)
	if !ok {
		return nil, nil, false
	}
	if v.act == nil {
		h.fail(w, r, domain.NotFound("account"))
		return nil, nil, false
	}
	return v, pg, true
}

func (h *Handler) membersPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	h.renderMembers(w, r, v, pg, 0)
}

func (h *Handler) renderMembers(w http.ResponseWriter, r *http.Request, v *view, pg *page, status int) {
	ctx := r.Context()
	ms, next, err := h.app.ListMembers(ctx, v.act, store.MemberFilter{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := membersData{Members: ms, Next: next, Now: time.Now(), CanManage: v.act.Can(access.ManageMembers),
		Currency: v.act.Account.Settings.Currency, SelfID: v.act.Member.ID}
	if d.CanManage {
		if d.Invitations, err = h.app.ListInvitations(ctx, v.act); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	pg.Title, pg.Data = "Members", d
	h.render(w, r, status, "members", pg)
}

func (h *Handler) invite(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	inv, _, err := h.app.Invite(r.Context(), v.act, r.PostForm.Get("email"), r.PostForm.Get("level"))
	if err != nil {
		pg.Form = r.PostForm
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.renderMembers(w, r, v, pg, http.StatusUnprocessableEntity)
		return
	}
	h.redirect(w, r, "/account/members", "Invitation sent to "+inv.Email+".")
}

func (h *Handler) updateMember(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	f := r.PostForm
	var c app.MemberChange
	var val domain.Validator
	if f.Has("level") {
		l := f.Get("level")
		c.Level = &l
	}
	c.DefaultBillRate, c.ClearBillRate = parseRate(&val, f, "default_bill_rate")
	c.CostRate, c.ClearCostRate = parseRate(&val, f, "cost_rate")
	if f.Has("active") {
		a := f.Get("active") == "true"
		c.Active = &a
	}
	err := val.Err()
	if err == nil {
		_, err = h.app.UpdateMember(r.Context(), v.act, r.PathValue("id"), c)
	}
	if err != nil {
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		if pg.Error == "" {
			for _, msg := range pg.Errors {
				pg.Error = msg
			}
		}
		h.renderMembers(w, r, v, pg, http.StatusUnprocessableEntity)
		return
	}
	h.redirect(w, r, "/account/members", "Member updated.")
}

// parseRate reads a rate field typed in major units ("120.50"); an empty field clears it.
func parseRate(v *domain.Validator, f map[string][]string, field string) (*int64, bool) {
	vals, present := f[field]
	if !present {
		return nil, false
	}
	s := strings.TrimSpace(vals[0])
	if s == "" {
		return nil, true
	}
	n, err := domain.ParseMinor(s)
	if err != nil {
		v.Add(field, "must be an amount like 120 or 120.50")
		return nil, false
	}
	return &n, false
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.account(w, r)
	if !ok {
		return
	}
	if err := h.app.RevokeInvitation(r.Context(), v.act, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/account/members", "Invitation withdrawn.")
}

type outboxData struct {
	Mails []store.StoredMail
	Next  string
}

func (h *Handler) outboxPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	ms, next, err := h.app.ListOutbox(r.Context(), v.act, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Title, pg.Data = "Outbox", outboxData{ms, next}
	h.render(w, r, 0, "outbox", pg)
}

func (h *Handler) outboxMail(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	m, err := h.app.GetOutboxMail(r.Context(), v.act, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Title, pg.Data = m.Subject, m
	h.render(w, r, 0, "mail", pg)
}
