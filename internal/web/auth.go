package web

import (
	"net/http"
	"strconv"

	"github.com/portico-dev/portico/internal/api"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/reqctx"
)

func (h *Handler) routesAuth(mux *http.ServeMux) {
	mux.HandleFunc("GET /signin", h.signInPage)
	mux.HandleFunc("POST /signin", h.signIn)
	mux.HandleFunc("POST /signout", h.signOut)
	mux.HandleFunc("GET /forgot", h.forgotPage)
	mux.HandleFunc("POST /forgot", h.forgot)
	mux.HandleFunc("GET /reset/{token}", h.resetPage)
	mux.HandleFunc("POST /reset/{token}", h.reset)
	mux.HandleFunc("GET /invitations/{token}", h.invitationPage)
	mux.HandleFunc("POST /invitations/{token}", h.acceptInvitation)
}

func (h *Handler) setSession(w http.ResponseWriter, token string) {
	c := api.SessionCookieFor(token, h.secure)
	http.SetCookie(w, &c)
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	if reqctx.Principal(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, r, 0, "signin", &page{Title: "Sign in", Form: r.URL.Query()})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	token, _, err := h.app.SignIn(r.Context(), r.PostForm.Get("email"), r.PostForm.Get("password"), client(r))
	if err != nil {
		pg := &page{Title: "Sign in", Form: r.PostForm}
		pg.Form.Del("password")
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		status := http.StatusUnprocessableEntity
		if de, ok := err.(*domain.Error); ok && de.Code == domain.ETOOMANY {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(de.RetryAfter))
		}
		h.render(w, r, status, "signin", pg)
		return
	}
	h.setSession(w, token)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if p := reqctx.Principal(r.Context()); p != nil {
		if err := h.app.SignOut(r.Context(), p); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
	}
	h.setSession(w, "")
	h.redirect(w, r, "/signin", "You are signed out.")
}

func (h *Handler) forgotPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, 0, "forgot", &page{Title: "Reset your password"})
}

func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if err := h.app.RequestPasswordReset(r.Context(), r.PostForm.Get("email")); err != nil {
		pg := &page{Title: "Reset your password", Form: r.PostForm}
		if !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "forgot", pg)
		return
	}
	h.redirect(w, r, "/signin", "If that address has a Portico login, a reset link is on its way. It works for one hour.")
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) {
	if err := h.app.CheckResetToken(r.Context(), r.PathValue("token")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, 0, "reset", &page{Title: "Choose a new password"})
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	token, err := h.app.ResetPassword(r.Context(), r.PathValue("token"), r.PostForm.Get("password"), client(r))
	if err != nil {
		pg := &page{Title: "Choose a new password"}
		if domain.ErrorCode(err) != domain.EINVALID || !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "reset", pg)
		return
	}
	if token == "" {
		h.redirect(w, r, "/signin", "Your password is changed.")
		return
	}
	h.setSession(w, token)
	h.redirect(w, r, "/", "Your password is changed and you are signed in.")
}

func (h *Handler) invitationPage(w http.ResponseWriter, r *http.Request) {
	info, err := h.app.LookupInvitation(r.Context(), r.PathValue("token"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, 0, "invitation", &page{Title: "Join " + info.AccountName, Data: info})
}

func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	tok := r.PathValue("token")
	in := app.AcceptInput{FirstName: r.PostForm.Get("first_name"), LastName: r.PostForm.Get("last_name"), Password: r.PostForm.Get("password")}
	session, err := h.app.AcceptInvitation(r.Context(), tok, in, client(r))
	if err != nil {
		info, lerr := h.app.LookupInvitation(r.Context(), tok)
		pg := &page{Title: "Join", Form: r.PostForm, Data: info}
		pg.Form.Del("password")
		if lerr != nil || domain.ErrorCode(err) != domain.EINVALID || !formErrors(pg, err) {
			h.fail(w, r, err)
			return
		}
		pg.Title = "Join " + info.AccountName
		h.render(w, r, http.StatusUnprocessableEntity, "invitation", pg)
		return
	}
	h.setSession(w, session)
	h.redirect(w, r, "/", "Welcome to Portico!")
}
