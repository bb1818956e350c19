// Package app is what the JSON API and the web pages both call: it validates input, asks the
// access layer, and runs each change as one store transaction. Handlers stay thin.
package app

import (
	"context"
	"log/slog"
	"strings"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/events"
	"github.com/portico-dev/portico/internal/store"
)

// App holds what the use cases need.
type App struct {
	Store   *store.Store
	BaseURL string // public base URL for links in e-mails, without a trailing slash
	Log     *slog.Logger
	// Blobs keeps uploaded files' contents; MaxUpload bounds one upload (bytes).
	Blobs     BlobStore
	MaxUpload int64
	// Events carries live updates to open pages (and across nodes on PostgreSQL).
	Events events.Bus
	// Worker is woken after a write that queued a job, so that fan-out starts at once.
	Worker interface{ Wake() }
	// ReplyDomain, when set, gives notification e-mails a signed reply-to address there.
	ReplyDomain string
}

// nopWaker is the Worker until the server wires the real one.
type nopWaker struct{}

func (nopWaker) Wake() {}

// New returns an App.
func New(s *store.Store, baseURL string, log *slog.Logger) *App {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &App{Store: s, BaseURL: strings.TrimRight(baseURL, "/"), Log: log, Worker: nopWaker{}, Events: events.NewLocal(), MaxUpload: DefaultMaxUpload}
}

// Actor is a principal acting inside one account: the user, their membership and the access
// subject built from it.
type Actor struct {
	Principal *store.Principal
	Member    *domain.Member
	Account   *domain.Account
	Subject   access.Subject
}

// Actor loads the principal's membership in the account. ENOTFOUND when the user is not an
// active member, so that another account's ids answer exactly like ids that do not exist.
func (a *App) Actor(ctx context.Context, p *store.Principal, accountID string) (*Actor, error) {
	m, err := a.Store.FindMemberByUser(ctx, accountID, p.User.ID)
	if err != nil {
		return nil, err
	}
	if !m.Active {
		return nil, domain.NotFound("account")
	}
	acct, err := a.Store.FindAccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	caps, err := a.Store.MemberCapabilities(ctx, accountID, m.ID)
	if err != nil {
		return nil, err
	}
	return &Actor{
		Principal: p, Member: m, Account: acct,
		Subject: access.Subject{UserID: p.User.ID, AccountID: accountID, MemberID: m.ID, Level: m.Level, Active: m.Active, Caps: access.Caps(caps...)},
	}, nil
}

// Can reports whether the actor may do an account-wide action.
func (act *Actor) Can(a access.AccountAction) bool { return access.CanAccount(&act.Subject, a) }

// require returns EFORBIDDEN with the deciding rule when the actor may not do a.
func (act *Actor) require(a access.AccountAction) error {
	d := access.DecideAccount(&act.Subject, a)
	if !d.Allowed {
		return domain.Forbidden("not allowed: %s", d.Rule.Text)
	}
	return nil
}

// requireOn is require for an action on one thing of the account, which find looks up. When
// the actor may not act, a thing the account does not hold answers find's ENOTFOUND rather
// than EFORBIDDEN, so that another account's ids answer exactly like ids that do not exist
// (404), and only what is the account's own answers 403. find runs only on refusal.
func (act *Actor) requireOn(a access.AccountAction, find func() error) error {
	err := act.require(a)
	if err == nil {
		return nil
	}
	if ferr := find(); ferr != nil {
		return ferr
	}
	return err
}
