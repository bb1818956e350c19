package app

import (
	"context"
	"encoding/csv"
	"io"
	"time"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// Explanation is an access decision in words.
type Explanation struct {
	Allowed  bool
	Action   string
	RuleID   string
	Rule     string
	Who      string
	Standing string // "Client, Edit Financials", "not a participant", …
}

// Explain answers whether a participant may do an action in a project and which rule decided,
// for provider Project Administrators of the project and Account Administrators. The person must
// take part in the project or belong to its account.
func (a *App) Explain(ctx context.Context, p *store.Principal, projectID, userID, action string) (*Explanation, error) {
	real, err := a.ProjectActor(ctx, p, projectID)
	if err != nil {
		return nil, err
	}
	if err := real.Require(access.Explain, access.Facts{}, false); err != nil {
		return nil, err
	}
	act, ok := access.ParseAction(action)
	if !ok || act == access.ViewAs || act == access.Explain {
		return nil, domain.Invalid(domain.FieldError{Field: "action", Message: "unknown action " + action})
	}
	load, err := a.Store.LoadProjectAccess(ctx, projectID, userID)
	if err != nil {
		return nil, err
	}
	u, err := a.Store.FindUserByID(ctx, userID)
	if err != nil {
		return nil, domain.NotFound("user")
	}
	if load.Participant == nil && load.MemberLevel == "" {
		return nil, domain.NotFound("participant")
	}
	subject := subjectOf(load)
	f := (&ProjectActor{Load: load}).Facts()
	d := access.Decide(&subject, act, &f)
	return &Explanation{Allowed: d.Allowed, Action: act.String(), RuleID: d.Rule.ID, Rule: d.Rule.Text, Who: u.FullName(),
		Standing: standing(load)}, nil
}

func standing(load *store.ProjectAccess) string {
	pt := load.Participant
	switch {
	case pt == nil:
		return "not a participant"
	case load.MemberLevel != "" && !load.MemberActive:
		return "deactivated member"
	}
	return load.Project.SideName(load.Account.Settings, pt.Side) + ", " + pt.Level.Name()
}

// ListAudit lists the account's audit log for Account Administrators.
func (a *App) ListAudit(ctx context.Context, act *Actor, f store.AuditFilter) ([]store.AuditEntry, string, error) {
	if err := act.require(access.ReadAuditLog); err != nil {
		return nil, "", err
	}
	f.AccountID = act.Account.ID
	return a.Store.FindAudit(ctx, f)
}

// ExportAudit writes the filtered audit log as CSV, page by page, and records the export.
func (a *App) ExportAudit(ctx context.Context, act *Actor, f store.AuditFilter, w io.Writer) error {
	if err := act.require(access.ReadAuditLog); err != nil {
		return err
	}
	f.AccountID, f.Limit, f.Cursor = act.Account.ID, store.MaxLimit, ""
	cw := csv.NewWriter(w)
	cw.Write([]string{"at", "actor", "action", "project_id", "target", "summary", "before", "after"})
	for {
		entries, next, err := a.Store.FindAudit(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range entries {
			cw.Write([]string{e.At.Format(time.RFC3339), e.Actor.Name, e.Action, e.ProjectID, csvSafe(e.Target), csvSafe(e.Summary), e.BeforeJSON, e.AfterJSON})
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return a.Store.Audit(ctx, store.AuditEntry{AccountID: act.Account.ID, Actor: auditActorOf(act.Principal), Action: "audit.export", Summary: "exported the audit log"})
}

// csvSafe defuses spreadsheet formulas in user-written text.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
