package app

import (
	"context"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// ProjectActor is a principal inside one project: the project, its account, their standing
// and the access subject built from it. Under view-as, Subject is the viewed person's and
// every write is refused.
type ProjectActor struct {
	Principal *store.Principal
	Load      *store.ProjectAccess
	Subject   access.ProjectSubject
	UserID    string // whose view this is: the principal, or the viewed person under view-as
	ViewAs    *ViewAs
	part      access.Participation
}

// ViewAs says whose view a Project Administrator is looking at.
type ViewAs struct {
	UserID     string
	Name       string
	Side       domain.Side
	Level      domain.ProjectLevel
	SideName   string
	RealUserID string
	RealName   string
}

// Project returns the project.
func (pa *ProjectActor) Project() *domain.Project { return &pa.Load.Project }

// Account returns the project's account.
func (pa *ProjectActor) Account() *domain.Account { return &pa.Load.Account }

// Participant returns the viewer's participation, or nil for a guest.
func (pa *ProjectActor) Participant() *domain.Participant { return pa.Load.Participant }

// IsClient reports whether the viewer is on the client side.
func (pa *ProjectActor) IsClient() bool { return pa.Subject.Part != nil && pa.Subject.Part.Client }

// Facts returns the project's facts for a decision; callers add the item's own.
func (pa *ProjectActor) Facts() access.Facts {
	p := pa.Project()
	return access.Facts{Financial: p.Financial, ScheduleApproval: p.Settings.ScheduleApproval, HasClientDecider: pa.Load.HasClientDecider}
}

// Decide asks the access layer about an action with the given facts.
func (pa *ProjectActor) Decide(a access.Action, f access.Facts) access.Decision {
	return access.Decide(&pa.Subject, a, &f)
}

// Can answers an action on the project itself.
func (pa *ProjectActor) Can(a access.Action) bool { return pa.Decide(a, pa.Facts()).Allowed }

// Require refuses an action the viewer may not do: ENOTFOUND when what it acts on is hidden
// from them (a financial area of a non-financial project), EFORBIDDEN otherwise, and
// EFORBIDDEN for every write under view-as.
func (pa *ProjectActor) Require(a access.Action, f access.Facts, write bool) error {
	d := pa.Decide(a, f)
	if !d.Allowed {
		if d.Rule == access.RuleNonFinancial || d.Rule == access.RuleNoParticipation {
			return domain.NotFound("project")
		}
		return domain.Forbidden("not allowed: %s", d.Rule.Text)
	}
	if write && pa.ViewAs != nil {
		return domain.Forbidden("viewing as %s is read-only", pa.ViewAs.Name)
	}
	return nil
}

// Actor returns the principal as an actor of the audit log.
func (pa *ProjectActor) auditActor() store.AuditActor { return auditActorOf(pa.Principal) }

func auditActorOf(p *store.Principal) store.AuditActor {
	return store.AuditActor{UserID: p.User.ID, Name: p.User.FullName()}
}

// ProjectActor loads the principal's standing in a project with one query and builds their
// access subject. ENOTFOUND when the project does not exist or the principal may not see it,
// alike.
func (a *App) ProjectActor(ctx context.Context, p *store.Principal, projectID string) (*ProjectActor, error) {
	load, err := a.Store.LoadProjectAccess(ctx, projectID, p.User.ID)
	if err != nil {
		return nil, err
	}
	pa := &ProjectActor{Principal: p, Load: load, UserID: p.User.ID}
	pa.Subject = subjectOf(load)
	if pa.Subject.Part == nil {
		return nil, domain.NotFound("project")
	}
	return pa, nil
}

// subjectOf builds the access subject from what LoadProjectAccess found. A deactivated member's
// participations in the account's projects are inert; an Account Administrator is always
// Project Administrator; a member without participation may be a guest.
func subjectOf(load *store.ProjectAccess) access.ProjectSubject {
	acct := access.Subject{AccountID: load.Project.AccountID, Level: load.MemberLevel, Active: load.MemberActive,
		Caps: access.Caps(load.Capabilities...)}
	s := access.ProjectSubject{Account: acct}
	member := load.MemberLevel != ""
	if pt := load.Participant; pt != nil && (!member || load.MemberActive) {
		part := &access.Participation{Client: pt.Side == domain.SideClient, Level: access.LevelOf(pt.Level),
			Access: access.AccessOf(pt.Access), External: !member}
		if load.MemberLevel == domain.LevelAccountAdmin {
			part.Level = access.LvlProjectAdmin
		}
		s.Part = part
		return s
	}
	if access.Guest(&acct, load.Project.Privacy).Allowed {
		s.Part = &access.Participation{Level: access.LvlViewTasks, Guest: true}
	}
	return s
}

// ViewAsActor opens the project as participant userID for a principal allowed to view as
// others there (a provider Project Administrator of it, or an Account Administrator of its
// account). With audit set the use is recorded (the API records every request; the web pages
// record the start of a view-as session). ENOTFOUND for a project the principal cannot see or a
// person who does not take part; EFORBIDDEN for a principal who may not view as others.
func (a *App) ViewAsActor(ctx context.Context, p *store.Principal, projectID, userID string, audit bool) (*ProjectActor, error) {
	real, err := a.Store.LoadProjectAccess(ctx, projectID, p.User.ID)
	if err != nil {
		return nil, err
	}
	realSubject := subjectOf(real)
	d := access.Decide(&realSubject, access.ViewAs, &access.Facts{})
	if !d.Allowed {
		if realSubject.Part == nil {
			return nil, domain.NotFound("project")
		}
		return nil, domain.Forbidden("not allowed: %s", d.Rule.Text)
	}
	target, err := a.Store.LoadProjectAccess(ctx, projectID, userID)
	if err != nil {
		return nil, err
	}
	if target.Participant == nil {
		return nil, domain.NotFound("participant")
	}
	u, err := a.Store.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	pt := target.Participant
	pa := &ProjectActor{Principal: p, Load: target, UserID: userID, Subject: subjectOf(target), ViewAs: &ViewAs{
		UserID: userID, Name: u.FullName(), Side: pt.Side, Level: pt.Level, SideName: target.Project.SideName(target.Account.Settings, pt.Side),
		RealUserID: p.User.ID, RealName: p.User.FullName(),
	}}
	if pa.Subject.Part == nil {
		// A deactivated member: they see nothing, and neither does their view.
		return nil, domain.NotFound("participant")
	}
	if !audit {
		return pa, nil
	}
	err = a.Store.Audit(ctx, store.AuditEntry{AccountID: target.Project.AccountID, Actor: auditActorOf(p), Action: "view_as",
		ProjectID: projectID, Target: u.Email, Summary: p.User.FullName() + " viewed " + target.Project.Name + " as " + u.FullName()})
	if err != nil {
		return nil, err
	}
	return pa, nil
}
