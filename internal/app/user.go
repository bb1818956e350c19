package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// ProfileChange is a change to one's own profile; nil fields stay.
type ProfileChange struct {
	FirstName, LastName, Theme *string
}

// UpdateProfile changes the principal's own name or theme. EINVALID for bad values.
func (a *App) UpdateProfile(ctx context.Context, p *store.Principal, c ProfileChange) (*domain.User, error) {
	var v domain.Validator
	if c.FirstName != nil {
		domain.ValidateName(&v, "first_name", *c.FirstName, true)
		*c.FirstName = strings.TrimSpace(*c.FirstName)
	}
	if c.LastName != nil {
		domain.ValidateName(&v, "last_name", *c.LastName, true)
		*c.LastName = strings.TrimSpace(*c.LastName)
	}
	if c.Theme != nil {
		v.Check(domain.ValidTheme(*c.Theme), "theme", "must be system, light or dark")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return a.Store.UpdateUser(ctx, p.User.ID, store.UserUpdate{FirstName: c.FirstName, LastName: c.LastName, Theme: c.Theme})
}

// CreateToken makes a personal API token and returns its secret, shown this once.
func (a *App) CreateToken(ctx context.Context, p *store.Principal, name string) (*domain.APIToken, string, error) {
	name = strings.TrimSpace(name)
	var v domain.Validator
	v.Check(name != "", "name", "is required")
	v.Check(len(name) <= domain.MaxTokenNameLen, "name", "must be at most 80 characters")
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	secret := auth.NewToken(auth.PrefixAPIToken)
	t := &domain.APIToken{UserID: p.User.ID, Name: name, Prefix: secret[:len(auth.PrefixAPIToken)+6]}
	if err := a.Store.CreateAPIToken(ctx, t, auth.HashToken(secret)); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// RequestPasswordReset e-mails a reset link when the address has a login. It answers the
// same whether or not it does, so that nobody can probe which addresses exist.
func (a *App) RequestPasswordReset(ctx context.Context, email string) error {
	addr, err := domain.NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	u, _, err := a.Store.FindUserCredentials(ctx, addr)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	token := auth.NewToken(auth.PrefixReset)
	m, err := renderMail("", addr, "Reset your Portico password", mailContent{
		Greeting:  "Hello " + u.FullName() + ",",
		Paragraph: "Someone asked to reset the password of your Portico login. The link works once and expires in an hour.",
		Action:    "Choose a new password",
		Link:      a.BaseURL + "/reset/" + token,
		Footer:    "If this was not you, ignore this e-mail: your password stays as it is.",
	})
	if err != nil {
		return err
	}
	return a.Store.CreatePasswordReset(ctx, u.ID, auth.HashToken(token), m)
}

// CheckResetToken reports whether a reset link can still be used (ENOTFOUND, EGONE otherwise).
func (a *App) CheckResetToken(ctx context.Context, token string) error {
	if !strings.HasPrefix(token, auth.PrefixReset) {
		return domain.NotFound("password reset link")
	}
	_, err := a.Store.FindPasswordReset(ctx, auth.HashToken(token))
	return err
}

// ResetPassword sets a new password through a reset link, ends every session of the user and
// signs them in afresh. Returns the new session token.
func (a *App) ResetPassword(ctx context.Context, token, password string, c Client) (string, error) {
	if err := a.CheckResetToken(ctx, token); err != nil {
		return "", err
	}
	var v domain.Validator
	domain.ValidatePassword(&v, "password", password)
	if err := v.Err(); err != nil {
		return "", err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", fmt.Errorf("app: hash password: %w", err)
	}
	userID, err := a.Store.ResetPassword(ctx, auth.HashToken(token), hash)
	if err != nil {
		return "", err
	}
	accountID, ok, err := a.signInAccount(ctx, userID)
	if err != nil || !ok {
		return "", err // the password is set; a deactivated member still cannot sign in
	}
	tok, _, err := a.openSession(ctx, userID, accountID, c)
	return tok, err
}
