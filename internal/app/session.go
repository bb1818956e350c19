package app

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// Sign-in throttling: failures allowed per window, per e-mail and per client address.
const (
	FailureWindow     = 15 * time.Minute
	MaxFailuresEmail  = 5
	MaxFailuresIP     = 20
	sessionTouchEvery = time.Minute
)

// Client describes where a request comes from.
type Client struct {
	IP        string
	UserAgent string
}

// SignIn checks an e-mail and password and opens a session in the user's first active
// account. Returns the session token (for the cookie). EUNAUTHORIZED for a wrong e-mail or
// password (the same answer for both); ETOOMANY when throttled.
func (a *App) SignIn(ctx context.Context, email, password string, c Client) (string, *domain.Session, error) {
	email, err := domain.NormalizeEmail("email", email)
	if err != nil {
		return "", nil, err
	}
	keys := []string{"email:" + email, "ip:" + c.IP}
	if err := a.throttle(ctx, keys); err != nil {
		return "", nil, err
	}
	u, hash, err := a.Store.FindUserCredentials(ctx, email)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		auth.BurnTime(password)
		return "", nil, a.failSignIn(ctx, keys)
	}
	if err != nil {
		return "", nil, err
	}
	if err := auth.CheckPassword(hash, password); err != nil {
		return "", nil, a.failSignIn(ctx, keys)
	}
	accountID, ok, err := a.signInAccount(ctx, u.ID)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, a.failSignIn(ctx, keys)
	}
	if err := a.Store.ClearLoginFailures(ctx, keys[0]); err != nil {
		return "", nil, err
	}
	return a.openSession(ctx, u.ID, accountID, c)
}

func (a *App) openSession(ctx context.Context, userID, accountID string, c Client) (string, *domain.Session, error) {
	token := auth.NewToken(auth.PrefixSession)
	sess := &domain.Session{UserID: userID, AccountID: accountID, UserAgent: c.UserAgent, IP: c.IP}
	if err := a.Store.CreateSession(ctx, sess, auth.HashToken(token)); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// signInAccount picks the account a new session works in: the user's first active membership,
// or none for a client whose only standing is taking part in projects of accounts they do not
// belong to. ok is false when the user may not sign in at all: every membership deactivated
// and no such project.
func (a *App) signInAccount(ctx context.Context, userID string) (accountID string, ok bool, err error) {
	if accountID, err = a.firstActiveAccount(ctx, userID); err != nil || accountID != "" {
		return accountID, err == nil, err
	}
	external, err := a.Store.HasExternalParticipation(ctx, userID)
	return "", external, err
}

func (a *App) firstActiveAccount(ctx context.Context, userID string) (string, error) {
	ms, err := a.Store.FindMemberships(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.Active {
			return m.AccountID, nil
		}
	}
	return "", nil
}

func (a *App) throttle(ctx context.Context, keys []string) error {
	limits := []int{MaxFailuresEmail, MaxFailuresIP}
	for i, k := range keys {
		n, until, err := a.Store.LoginFailures(ctx, k, FailureWindow)
		if err != nil {
			return err
		}
		if n >= limits[i] {
			wait := max(int(time.Until(until).Seconds())+1, 1)
			return &domain.Error{Code: domain.ETOOMANY, Message: "too many failed sign-in attempts; try again later", RetryAfter: wait}
		}
	}
	return nil
}

func (a *App) failSignIn(ctx context.Context, keys []string) error {
	if err := a.Store.RecordLoginFailure(ctx, keys...); err != nil {
		return err
	}
	return domain.Errorf(domain.EUNAUTHORIZED, "the e-mail or password is wrong")
}

// Authenticate resolves a session token. Sessions used more than a minute ago are touched,
// so idle expiry works without a write on every request. EUNAUTHORIZED for a bad token.
func (a *App) Authenticate(ctx context.Context, sessionToken string) (*store.Principal, error) {
	p, lastSeen, err := a.Store.FindPrincipalBySession(ctx, auth.HashToken(sessionToken))
	if err != nil {
		return nil, err
	}
	if time.Since(lastSeen) > sessionTouchEvery {
		if err := a.Store.TouchSession(ctx, p.SessionID); err != nil {
			a.Log.Warn("touch session", "err", err)
		}
	}
	return p, nil
}

// AuthenticateToken resolves a personal API token with one indexed lookup. Its last use is
// recorded at most once a minute, so the token list can show it without a write per request.
func (a *App) AuthenticateToken(ctx context.Context, token string) (*store.Principal, error) {
	p, lastUsed, err := a.Store.FindPrincipalByToken(ctx, auth.HashToken(token))
	if err != nil {
		return nil, err
	}
	if lastUsed == nil || a.Store.Now().Sub(*lastUsed) > sessionTouchEvery {
		if err := a.Store.TouchAPIToken(ctx, p.TokenID); err != nil {
			a.Log.Warn("touch token", "err", err)
		}
	}
	return p, nil
}

// SignOut ends the principal's session.
func (a *App) SignOut(ctx context.Context, p *store.Principal) error {
	if p.SessionID == "" {
		return nil
	}
	return a.Store.DeleteSession(ctx, p.User.ID, p.SessionID)
}

// SwitchAccount moves the principal's session to another account they are an active member of.
// ENOTFOUND otherwise.
func (a *App) SwitchAccount(ctx context.Context, p *store.Principal, accountID string) error {
	if _, err := a.Actor(ctx, p, accountID); err != nil {
		return err
	}
	if p.SessionID == "" {
		return domain.Errorf(domain.EINVALID, "only browser sessions have a current account")
	}
	return a.Store.SetSessionAccount(ctx, p.SessionID, accountID)
}

// ChangePassword checks the current password, sets the new one and ends the user's other
// sessions. EINVALID for a wrong current password or a weak new one.
func (a *App) ChangePassword(ctx context.Context, p *store.Principal, current, next string) error {
	_, hash, err := a.Store.FindUserCredentials(ctx, p.User.Email)
	if err != nil {
		return err
	}
	var v domain.Validator
	if auth.CheckPassword(hash, current) != nil {
		v.Add("current_password", "is not your current password")
	}
	domain.ValidatePassword(&v, "new_password", next)
	if err := v.Err(); err != nil {
		return err
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return fmt.Errorf("app: hash password: %w", err)
	}
	return a.Store.SetPassword(ctx, p.User.ID, newHash, p.SessionID)
}
