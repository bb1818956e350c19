package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/reqctx"
)

// SessionCookie is the name of the session cookie shared by the API and the web pages.
const SessionCookie = "portico_session"

// SessionCookieFor builds the session cookie: HTTP-only, SameSite=Lax, Secure when the site is
// served over HTTPS. An empty token clears it.
func SessionCookieFor(token string, secure bool) http.Cookie {
	c := http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.Expires = time.Now().Add(domain.SessionTTL)
	}
	return c
}

type signInInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" doc:"the login e-mail"`
		Password string `json:"password" maxLength:"256"`
	}
}

type cookieOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      meOut
}

type passwordResetRequest struct {
	Body struct {
		Email string `json:"email" maxLength:"254"`
	}
}

// TokenPath carries a secret link token in the path.
type TokenPath struct {
	Token string `path:"token" maxLength:"100"`
}

type passwordResetInput struct {
	TokenPath
	Body struct {
		Password string `json:"password" maxLength:"256"`
	}
}

type invitationOut struct {
	AccountName string    `json:"account_name"`
	Email       string    `json:"email"`
	Level       string    `json:"level"`
	ExpiresAt   time.Time `json:"expires_at"`
	UserExists  bool      `json:"user_exists" doc:"the address already has a login: accept with its password"`
}

type acceptInput struct {
	TokenPath
	Body struct {
		FirstName string `json:"first_name,omitempty" maxLength:"80"`
		LastName  string `json:"last_name,omitempty" maxLength:"80"`
		Password  string `json:"password" maxLength:"256"`
	}
}

func (h *Handler) registerAuth(api huma.API) {
	huma.Register(api, public(op("sign-in", http.MethodPost, "/api/v1/session", "Sign in with e-mail and password", "session")),
		func(ctx context.Context, in *signInInput) (*cookieOutput, error) {
			token, _, err := h.app.SignIn(ctx, in.Body.Email, in.Body.Password, reqctx.Client(ctx))
			if err != nil {
				return nil, h.fail(err)
			}
			return h.sessionOutput(ctx, token)
		})
	huma.Register(api, op("sign-out", http.MethodDelete, "/api/v1/session", "Sign out (end this session)", "session"),
		func(ctx context.Context, _ *struct{}) (*struct {
			SetCookie http.Cookie `header:"Set-Cookie"`
		}, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			if err := h.app.SignOut(ctx, p); err != nil {
				return nil, h.fail(err)
			}
			return &struct {
				SetCookie http.Cookie `header:"Set-Cookie"`
			}{SessionCookieFor("", h.secure)}, nil
		})
	huma.Register(api, public(op("request-password-reset", http.MethodPost, "/api/v1/password-resets", "E-mail a password reset link", "session")),
		func(ctx context.Context, in *passwordResetRequest) (*struct{}, error) {
			if err := h.app.RequestPasswordReset(ctx, in.Body.Email); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
	huma.Register(api, public(op("reset-password", http.MethodPost, "/api/v1/password-resets/{token}", "Set a new password through a reset link", "session")),
		func(ctx context.Context, in *passwordResetInput) (*cookieOutput, error) {
			token, err := h.app.ResetPassword(ctx, in.Token, in.Body.Password, reqctx.Client(ctx))
			if err != nil {
				return nil, h.fail(err)
			}
			if token == "" {
				return nil, h.fail(domain.Forbidden("your password is changed, but no active account or project lets you sign in"))
			}
			return h.sessionOutput(ctx, token)
		})
	huma.Register(api, public(op("get-invitation", http.MethodGet, "/api/v1/invitations/{token}", "Look up an invitation link", "invitations")),
		func(ctx context.Context, in *TokenPath) (*struct{ Body invitationOut }, error) {
			info, err := h.app.LookupInvitation(ctx, in.Token)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body invitationOut }{invitationOut{AccountName: info.AccountName, Email: info.Email,
				Level: string(info.Level), ExpiresAt: info.ExpiresAt, UserExists: info.UserExists}}, nil
		})
	huma.Register(api, public(op("accept-invitation", http.MethodPost, "/api/v1/invitations/{token}/accept", "Accept an invitation and sign in", "invitations")),
		func(ctx context.Context, in *acceptInput) (*cookieOutput, error) {
			token, err := h.app.AcceptInvitation(ctx, in.Token, app.AcceptInput{FirstName: in.Body.FirstName, LastName: in.Body.LastName, Password: in.Body.Password}, reqctx.Client(ctx))
			if err != nil {
				return nil, h.fail(err)
			}
			return h.sessionOutput(ctx, token)
		})
}

// sessionOutput answers with the session cookie and the signed-in user.
func (h *Handler) sessionOutput(ctx context.Context, token string) (*cookieOutput, error) {
	p, err := h.app.Authenticate(ctx, token)
	if err != nil {
		return nil, h.fail(err)
	}
	me, err := h.me(ctx, p)
	if err != nil {
		return nil, h.fail(err)
	}
	return &cookieOutput{SetCookie: SessionCookieFor(token, h.secure), Body: *me}, nil
}
