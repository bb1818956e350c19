package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// PublicParticipant is all a client learns about a person: name, side, team lead.
type PublicParticipant struct {
	UserID   string
	Name     string
	Side     domain.Side
	SideName string
	TeamLead bool
}

// ParticipantsView is the project's people as one viewer may see them. Full rows carry
// e-mail, level and additional access; the viewer sees the others only as PublicParticipant.
type ParticipantsView struct {
	Full   []domain.Participant
	Public []PublicParticipant
}

// ListParticipants returns the project's people for the viewer: the provider side sees
// everyone in full; a client sees names and sides only, never hidden provider people — and a
// client Project Administrator, who manages the client side, sees that side in full.
func (a *App) ListParticipants(ctx context.Context, pa *ProjectActor) (*ParticipantsView, error) {
	if err := pa.Require(access.ViewParticipants, pa.Facts(), false); err != nil {
		return nil, err
	}
	all, err := a.Store.FindParticipants(ctx, pa.Project().AccountID, pa.Project().ID)
	if err != nil {
		return nil, err
	}
	v := &ParticipantsView{}
	clientFacts := pa.Facts()
	clientFacts.TargetClient = true
	managesClients := pa.Decide(access.ManageParticipants, clientFacts).Allowed
	for _, p := range all {
		switch {
		case !pa.IsClient():
			v.Full = append(v.Full, p)
		case p.Side == domain.SideClient && managesClients:
			v.Full = append(v.Full, p)
		case p.Hidden:
			// Hidden provider people do not exist for clients.
		default:
			v.Public = append(v.Public, PublicParticipant{UserID: p.UserID, Name: p.FullName(), Side: p.Side,
				SideName: pa.Project().SideName(pa.Account().Settings, p.Side), TeamLead: p.TeamLead})
		}
	}
	return v, nil
}

// AddMember adds a member of the project's account to the project on a side, at the given level
// and access, or at the account's defaults for their level when level is "". Needs Invite
// Members (Project Administrators always); only Project Administrators choose a level.
func (a *App) AddMember(ctx context.Context, pa *ProjectActor, memberID string, side domain.Side, level domain.ProjectLevel, acc []domain.Access) (*domain.Participant, error) {
	f := pa.Facts()
	f.TargetClient = side == domain.SideClient
	if err := pa.Require(access.InviteParticipants, f, true); err != nil {
		return nil, err
	}
	m, err := a.Store.FindMemberByID(ctx, pa.Project().AccountID, memberID)
	if err != nil || !m.Active {
		return nil, domain.Invalid(domain.FieldError{Field: "member_id", Message: "no active member of this account has this id"})
	}
	st, err := a.settingFor(ctx, pa, m.Level, side, level, acc)
	if err != nil {
		return nil, err
	}
	p := &domain.Participant{ProjectID: pa.Project().ID, AccountID: pa.Project().AccountID, UserID: m.UserID, Email: m.Email,
		FirstName: m.FirstName, LastName: m.LastName, Side: st.Side, Level: st.Level, Access: st.Access, AccountLevel: m.Level}
	if err := a.Store.AddParticipant(ctx, p, pa.auditActor()); err != nil {
		return nil, err
	}
	return p, nil
}

// settingFor picks and validates a newcomer's side, level and access: what a Project
// Administrator asked for, or the account's defaults for the newcomer's account level.
func (a *App) settingFor(ctx context.Context, pa *ProjectActor, acctLevel domain.AccountLevel, side domain.Side, level domain.ProjectLevel, acc []domain.Access) (domain.ParticipantSetting, error) {
	if !side.Valid() {
		return domain.ParticipantSetting{}, domain.Invalid(domain.FieldError{Field: "side", Message: "must be provider or client"})
	}
	table, err := a.Store.FindPermissionTable(ctx, pa.Project().AccountID)
	if err != nil {
		return domain.ParticipantSetting{}, err
	}
	admin := pa.Subject.Part.Level == access.LvlProjectAdmin
	if level == "" || !admin {
		d := table.Default(acctLevel, side)
		level, acc = d.Level, d.Access
	}
	if acctLevel == domain.LevelAccountAdmin {
		level = domain.PLProjectAdmin
	}
	st := domain.ParticipantSetting{Side: side, Level: level, Access: acc}
	if st.Access == nil {
		st.Access = []domain.Access{}
	}
	if fields := domain.ValidateParticipant("", st, acctLevel, table, pa.Account().Settings); len(fields) > 0 {
		return st, domain.Invalid(fields...)
	}
	return st, nil
}

// InviteToProject invites an e-mail address to the project on a side and e-mails the
// single-use link. Needs Invite Members (Project Administrators always); client-side people
// invite to the client side only; only Project Administrators choose the level. Returns the link.
func (a *App) InviteToProject(ctx context.Context, pa *ProjectActor, email string, side domain.Side, level domain.ProjectLevel, acc []domain.Access) (*store.ProjectInvitation, string, error) {
	f := pa.Facts()
	f.TargetClient = side == domain.SideClient
	if err := pa.Require(access.InviteParticipants, f, true); err != nil {
		return nil, "", err
	}
	addr, err := domain.NormalizeEmail("email", email)
	if err != nil {
		return nil, "", err
	}
	acctLevel := domain.AccountLevel("")
	if u, _, err := a.Store.FindUserCredentials(ctx, addr); err == nil {
		if m, err := a.Store.FindMemberByUser(ctx, pa.Project().AccountID, u.ID); err == nil && m.Active {
			acctLevel = m.Level
		}
	}
	st, err := a.settingFor(ctx, pa, acctLevel, side, level, acc)
	if err != nil {
		return nil, "", err
	}
	token := auth.NewToken(auth.PrefixInvitation)
	link := a.BaseURL + "/project-invitations/" + token
	proj, inviter := pa.Project(), pa.Principal.User.FullName()
	m, err := renderMail(proj.AccountID, addr, inviter+" invited you to the project "+proj.Name, mailContent{
		Greeting:  "Hello,",
		Paragraph: fmt.Sprintf("%s invited you to take part in %s (%s) on Portico. The link works once and expires in 7 days.", inviter, proj.Name, pa.Account().Name),
		Action:    "Join the project", Link: link,
		Footer: "If you did not expect this invitation, you can ignore this e-mail.", Brand: pa.Account().Settings.BrandColor,
	})
	if err != nil {
		return nil, "", err
	}
	inv := &store.ProjectInvitation{AccountID: proj.AccountID, ProjectID: proj.ID, Email: addr, Side: st.Side, Level: st.Level,
		Access: st.Access, InvitedBy: pa.Principal.User.ID}
	if err := a.Store.CreateProjectInvitation(ctx, inv, auth.HashToken(token), m, pa.auditActor()); err != nil {
		return nil, "", err
	}
	return inv, link, nil
}

// ListProjectInvitations lists a project's invitations for those who may invite.
func (a *App) ListProjectInvitations(ctx context.Context, pa *ProjectActor) ([]store.ProjectInvitation, error) {
	if !pa.Can(access.ManageParticipants) {
		f := pa.Facts()
		f.TargetClient = true
		if err := pa.Require(access.ManageParticipants, f, false); err != nil {
			return nil, err
		}
	}
	invs, err := a.Store.FindProjectInvitations(ctx, pa.Project().AccountID, pa.Project().ID)
	if err != nil || !pa.IsClient() {
		return invs, err
	}
	// A client Project Administrator sees only the client side's invitations.
	out := invs[:0:0]
	for _, i := range invs {
		if i.Side == domain.SideClient {
			out = append(out, i)
		}
	}
	return out, nil
}

// LookupProjectInvitation returns a project invitation behind a link.
func (a *App) LookupProjectInvitation(ctx context.Context, token string) (*store.ProjectInvitation, error) {
	if !strings.HasPrefix(token, auth.PrefixInvitation) {
		return nil, domain.NotFound("invitation")
	}
	return a.Store.FindProjectInvitationByToken(ctx, auth.HashToken(token))
}

// AcceptProjectInvitation uses a project invitation link: a newcomer sets name and password, an
// existing login confirms its password. Returns the session token and the project id.
func (a *App) AcceptProjectInvitation(ctx context.Context, token string, in AcceptInput, c Client) (string, string, error) {
	inv, err := a.LookupProjectInvitation(ctx, token)
	if err != nil {
		return "", "", err
	}
	acc, err := a.acceptance(ctx, inv.Email, inv.UserExists, in, c)
	if err != nil {
		return "", "", err
	}
	sessionToken := auth.NewToken(auth.PrefixSession)
	acc.SessionTokenHash = auth.HashToken(sessionToken)
	if _, err := a.Store.AcceptProjectInvitation(ctx, auth.HashToken(token), acc); err != nil {
		return "", "", err
	}
	return sessionToken, inv.ProjectID, nil
}

// acceptance checks what an invitee typed: an existing login's password, or a newcomer's
// names and password.
func (a *App) acceptance(ctx context.Context, email string, exists bool, in AcceptInput, c Client) (store.Acceptance, error) {
	acc := store.Acceptance{UserAgent: c.UserAgent, IP: c.IP}
	if exists {
		u, hash, err := a.Store.FindUserCredentials(ctx, email)
		if err != nil {
			return acc, err
		}
		if auth.CheckPassword(hash, in.Password) != nil {
			return acc, domain.Invalid(domain.FieldError{Field: "password", Message: "is not the password of your existing Portico login"})
		}
		acc.UserID = u.ID
		return acc, nil
	}
	var v domain.Validator
	domain.ValidateName(&v, "first_name", in.FirstName, true)
	domain.ValidateName(&v, "last_name", in.LastName, true)
	domain.ValidatePassword(&v, "password", in.Password)
	if err := v.Err(); err != nil {
		return acc, err
	}
	acc.FirstName, acc.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return acc, err
	}
	acc.PasswordHash = hash
	return acc, nil
}

// Join lets a member join a project its privacy opens to them, at their default level.
func (a *App) Join(ctx context.Context, p *store.Principal, projectID string) (*domain.Participant, error) {
	pa, err := a.ProjectActor(ctx, p, projectID)
	if err != nil {
		return nil, err
	}
	if pa.Participant() != nil && !pa.Subject.Part.Guest {
		return nil, domain.Errorf(domain.ECONFLICT, "you already take part in this project")
	}
	if d := access.Join(&pa.Subject.Account, pa.Project().Privacy); !d.Allowed {
		return nil, domain.Forbidden("not allowed: %s", d.Rule.Text)
	}
	table, err := a.Store.FindPermissionTable(ctx, pa.Project().AccountID)
	if err != nil {
		return nil, err
	}
	d := table.Default(pa.Load.MemberLevel, domain.SideProvider)
	if pa.Load.MemberLevel == domain.LevelAccountAdmin {
		d.Level = domain.PLProjectAdmin
	}
	part := &domain.Participant{ProjectID: projectID, AccountID: pa.Project().AccountID, UserID: p.User.ID, Email: p.User.Email,
		FirstName: p.User.FirstName, LastName: p.User.LastName, Side: domain.SideProvider, Level: d.Level, Access: d.Access}
	if part.Access == nil {
		part.Access = []domain.Access{}
	}
	return part, a.Store.AddParticipant(ctx, part, auditActorOf(p))
}

// HiddenFromViewer returns the provider people hidden from clients when the viewer is a
// client (nil otherwise): answers built for the viewer leave them out, ids included.
func (a *App) HiddenFromViewer(ctx context.Context, pa *ProjectActor) (map[string]bool, error) {
	if !pa.IsClient() {
		return nil, nil
	}
	all, err := a.Store.FindParticipants(ctx, pa.Project().AccountID, pa.Project().ID)
	if err != nil {
		return nil, err
	}
	hidden := map[string]bool{}
	for _, p := range all {
		if p.Hidden && p.Side == domain.SideProvider {
			hidden[p.UserID] = true
		}
	}
	return hidden, nil
}
