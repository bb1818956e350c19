package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// participantOut is a participant in full: for the provider side, and for a client Project
// Administrator about the client side.
type participantOut struct {
	UserID       string   `json:"user_id"`
	Name         string   `json:"name"`
	Email        string   `json:"email"`
	Side         string   `json:"side" enum:"provider,client"`
	Level        string   `json:"level"`
	Access       []string `json:"access"`
	TeamLead     bool     `json:"team_lead"`
	Hidden       bool     `json:"hidden" doc:"hidden from clients"`
	External     bool     `json:"external" doc:"not a member of the project's account"`
	AccountLevel string   `json:"account_level,omitempty"`
}

// personOut is all a client learns about someone: name and side. It has no other fields, so
// nothing else can leak through it.
type personOut struct {
	UserID   string `json:"user_id"`
	Name     string `json:"name"`
	Side     string `json:"side" enum:"provider,client"`
	TeamLead bool   `json:"team_lead"`
}

type participantsOut struct {
	Revision     int64            `json:"revision,omitempty" doc:"send it back with a batch save"`
	Participants []participantOut `json:"participants,omitempty"`
	People       []personOut      `json:"people,omitempty" doc:"people the caller sees by name and side only"`
}

type addParticipantInput struct {
	ProjectPath
	Body struct {
		MemberID string   `json:"member_id,omitempty" maxLength:"64" doc:"add a member of the project's account"`
		Email    string   `json:"email,omitempty" maxLength:"254" doc:"or invite by e-mail"`
		Side     string   `json:"side" enum:"provider,client"`
		Level    string   `json:"level,omitempty" maxLength:"40" doc:"Project Administrators only; default: the account's default for the person"`
		Access   []string `json:"access,omitempty" maxItems:"6"`
	}
}

type addParticipantOut struct {
	Participant  *participantOut `json:"participant,omitempty"`
	InvitationID string          `json:"invitation_id,omitempty"`
	Link         string          `json:"link,omitempty" doc:"the single-use invitation link (also e-mailed); returned to provider Project Administrators only"`
}

// ParticipantChangeBody is one row of a batch save.
type ParticipantChangeBody struct {
	UserID   string    `json:"user_id" maxLength:"64"`
	Level    *string   `json:"level,omitempty" maxLength:"40"`
	Access   *[]string `json:"access,omitempty" maxItems:"6"`
	TeamLead *bool     `json:"team_lead,omitempty"`
	Side     *string   `json:"side,omitempty" enum:"provider,client"`
	Hidden   *bool     `json:"hidden,omitempty"`
	Remove   bool      `json:"remove,omitempty"`
}

type batchSaveInput struct {
	ProjectPath
	Body struct {
		Revision int64                   `json:"revision" doc:"the revision the editor loaded"`
		Changes  []ParticipantChangeBody `json:"changes" maxItems:"500"`
	}
}

type projectInvitationOut struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Side      string    `json:"side"`
	Level     string    `json:"level"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

type projectInvitationIDInput struct {
	ProjectPath
	ID string `path:"id" maxLength:"64"`
}

type projectInvitationInfo struct {
	ProjectName string `json:"project_name"`
	AccountName string `json:"account_name"`
	Email       string `json:"email"`
	Side        string `json:"side"`
	Level       string `json:"level"`
	UserExists  bool   `json:"user_exists"`
}

type acceptProjectOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		ProjectID string `json:"project_id"`
	}
}

func fullParticipant(p domain.Participant) participantOut {
	acc := make([]string, len(p.Access))
	for i, a := range p.Access {
		acc[i] = string(a)
	}
	return participantOut{UserID: p.UserID, Name: p.FullName(), Email: p.Email, Side: string(p.Side), Level: string(p.Level),
		Access: acc, TeamLead: p.TeamLead, Hidden: p.Hidden, External: p.External, AccountLevel: string(p.AccountLevel)}
}

func accessIn(ss []string) []domain.Access {
	out := make([]domain.Access, len(ss))
	for i, s := range ss {
		out[i] = domain.Access(s)
	}
	return out
}

func (h *Handler) registerParticipants(api huma.API) {
	huma.Register(api, op("list-participants", http.MethodGet, "/api/v1/projects/{project}/participants", "The project's people as the caller may see them", "participants"),
		func(ctx context.Context, in *ProjectPath) (*struct{ Body participantsOut }, error) {
			pa, err := h.projectActor(ctx, *in)
			if err != nil {
				return nil, h.fail(err)
			}
			v, err := h.app.ListParticipants(ctx, pa)
			if err != nil {
				return nil, h.fail(err)
			}
			out := participantsOut{}
			for _, p := range v.Full {
				out.Participants = append(out.Participants, fullParticipant(p))
			}
			for _, p := range v.Public {
				out.People = append(out.People, personOut{p.UserID, p.Name, string(p.Side), p.TeamLead})
			}
			if len(v.Full) > 0 {
				out.Revision = pa.Project().Revision
			}
			return &struct{ Body participantsOut }{out}, nil
		})
	huma.Register(api, created(op("add-participant", http.MethodPost, "/api/v1/projects/{project}/participants", "Add an account member, or invite someone by e-mail, to a side", "participants")), func(ctx context.Context, in *addParticipantInput) (*struct{ Body addParticipantOut }, error) {
		pa, err := h.projectActor(ctx, in.ProjectPath)
		if err != nil {
			return nil, h.fail(err)
		}
		b := in.Body
		side, level := domain.Side(b.Side), domain.ProjectLevel(b.Level)
		if (b.MemberID == "") == (b.Email == "") {
			return nil, h.fail(domain.Invalid(domain.FieldError{Field: "member_id", Message: "give either member_id or email"}))
		}
		if b.MemberID != "" {
			p, err := h.app.AddMember(ctx, pa, b.MemberID, side, level, accessIn(b.Access))
			if err != nil {
				return nil, h.fail(err)
			}
			full := fullParticipant(*p)
			return &struct{ Body addParticipantOut }{addParticipantOut{Participant: &full}}, nil
		}
		inv, link, err := h.app.InviteToProject(ctx, pa, b.Email, side, level, accessIn(b.Access))
		if err != nil {
			return nil, h.fail(err)
		}
		out := addParticipantOut{InvitationID: inv.ID}
		// The link is the invitee's credential (whoever uses it first sets the new login's
		// password): only a provider Project Administrator, who manages everyone in the project
		// anyway, gets it back; other inviters rely on the e-mail.
		if pa.Can(access.ManageParticipants) {
			out.Link = link
		}
		return &struct{ Body addParticipantOut }{out}, nil
	})
	huma.Register(api, op("save-participants", http.MethodPatch, "/api/v1/projects/{project}/participants", "Save the permissions page: all changes or none (409 if the revision is stale)", "participants"),
		func(ctx context.Context, in *batchSaveInput) (*struct{ Body participantsOut }, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			changes := make([]store.ParticipantChange, len(in.Body.Changes))
			for i, c := range in.Body.Changes {
				pc := store.ParticipantChange{UserID: c.UserID, TeamLead: c.TeamLead, Hidden: c.Hidden, Remove: c.Remove}
				if c.Level != nil {
					l := domain.ProjectLevel(*c.Level)
					pc.Level = &l
				}
				if c.Access != nil {
					acc := accessIn(*c.Access)
					pc.Access = &acc
				}
				if c.Side != nil {
					s := domain.Side(*c.Side)
					pc.Side = &s
				}
				changes[i] = pc
			}
			if _, err := h.app.SavePermissions(ctx, pa, in.Body.Revision, changes); err != nil {
				return nil, h.fail(err)
			}
			pa, err = h.projectActor(ctx, ProjectPath{Project: in.Project})
			if err != nil {
				return nil, h.fail(err)
			}
			v, err := h.app.ListParticipants(ctx, pa)
			if err != nil {
				return nil, h.fail(err)
			}
			out := participantsOut{Revision: pa.Project().Revision}
			for _, p := range v.Full {
				out.Participants = append(out.Participants, fullParticipant(p))
			}
			for _, p := range v.Public {
				out.People = append(out.People, personOut{p.UserID, p.Name, string(p.Side), p.TeamLead})
			}
			return &struct{ Body participantsOut }{out}, nil
		})
	huma.Register(api, op("list-project-invitations", http.MethodGet, "/api/v1/projects/{project}/invitations", "The project's invitations (Project Administrators)", "participants"),
		func(ctx context.Context, in *ProjectPath) (*struct{ Body []projectInvitationOut }, error) {
			pa, err := h.projectActor(ctx, *in)
			if err != nil {
				return nil, h.fail(err)
			}
			invs, err := h.app.ListProjectInvitations(ctx, pa)
			if err != nil {
				return nil, h.fail(err)
			}
			now := h.app.Store.Now()
			out := make([]projectInvitationOut, len(invs))
			for i, inv := range invs {
				out[i] = projectInvitationOut{inv.ID, inv.Email, string(inv.Side), string(inv.Level), inv.Status(now), inv.CreatedAt, inv.ExpiresAt}
			}
			return &struct{ Body []projectInvitationOut }{out}, nil
		})
	huma.Register(api, op("join-project", http.MethodPost, "/api/v1/projects/{project}/join", "Join a project open to you", "participants"),
		func(ctx context.Context, in *ProjectPath) (*projectBodyOut, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			if _, err := h.app.Join(ctx, p, in.Project); err != nil {
				return nil, h.fail(err)
			}
			return h.projectResponse(ctx, ProjectPath{Project: in.Project})
		})
	huma.Register(api, public(op("get-project-invitation", http.MethodGet, "/api/v1/project-invitations/{token}", "Look up a project invitation link", "participants")),
		func(ctx context.Context, in *TokenPath) (*struct{ Body projectInvitationInfo }, error) {
			inv, err := h.app.LookupProjectInvitation(ctx, in.Token)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body projectInvitationInfo }{projectInvitationInfo{inv.ProjectName, inv.AccountName, inv.Email, string(inv.Side), string(inv.Level), inv.UserExists}}, nil
		})
	huma.Register(api, public(op("accept-project-invitation", http.MethodPost, "/api/v1/project-invitations/{token}/accept", "Accept a project invitation and sign in", "participants")),
		func(ctx context.Context, in *acceptInput) (*acceptProjectOut, error) {
			token, projectID, err := h.app.AcceptProjectInvitation(ctx, in.Token, app.AcceptInput{FirstName: in.Body.FirstName, LastName: in.Body.LastName, Password: in.Body.Password}, clientOf(ctx))
			if err != nil {
				return nil, h.fail(err)
			}
			out := &acceptProjectOut{SetCookie: SessionCookieFor(token, h.secure)}
			out.Body.ProjectID = projectID
			return out, nil
		})
}
