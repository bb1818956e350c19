package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
)

type proposalOut struct {
	ID              string     `json:"id"`
	ProposedByID    string     `json:"proposed_by_id"`
	ProposedByName  string     `json:"proposed_by_name"`
	BySide          string     `json:"by_side" enum:"provider,client"`
	StartDate       string     `json:"start_date,omitempty"`
	DueDate         string     `json:"due_date,omitempty"`
	Comment         string     `json:"comment,omitempty"`
	Status          string     `json:"status" enum:"open,approved,declined,cancelled"`
	DecidedByName   string     `json:"decided_by_name,omitempty"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	DecisionComment string     `json:"decision_comment,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	CanDecide       bool       `json:"can_decide" doc:"whether the caller may approve or decline it"`
}

type scheduleChangeOut struct {
	StartDate  string    `json:"start_date,omitempty"`
	DueDate    string    `json:"due_date,omitempty"`
	ByName     string    `json:"by_name"`
	ProposalID string    `json:"proposal_id,omitempty"`
	At         time.Time `json:"at"`
}

type scheduleOutBody struct {
	StartDate        string              `json:"start_date,omitempty"`
	DueDate          string              `json:"due_date,omitempty"`
	ApprovalRequired bool                `json:"approval_required"`
	Proposals        []proposalOut       `json:"proposals"`
	Changes          []scheduleChangeOut `json:"changes"`
}

func proposalView(pa *app.ProjectActor, p domain.Proposal) proposalOut {
	side := "provider"
	if p.ByClient {
		side = "client"
	}
	return proposalOut{p.ID, p.ProposedBy, p.ProposedByName, side, dateStr(p.StartDate), dateStr(p.DueDate), p.Comment, p.Status,
		p.DecidedByName, p.DecidedAt, p.DecisionComment, p.CreatedAt, pa.CanDecide(&p)}
}

type datesBody struct {
	StartDate string `json:"start_date,omitempty" maxLength:"10"`
	DueDate   string `json:"due_date,omitempty" maxLength:"10"`
	Comment   string `json:"comment,omitempty" maxLength:"2000"`
}

// ProposalPath names a date-change proposal.
type ProposalPath struct {
	ID string `path:"id" maxLength:"64"`
}

type decideInput struct {
	ProposalPath
	Body struct {
		Comment string `json:"comment,omitempty" maxLength:"2000"`
	}
}

type allocationOut struct {
	UserID   string `json:"user_id"`
	UserName string `json:"user_name"`
	Week     string `json:"week"`
	Minutes  int64  `json:"minutes"`
}

func (h *Handler) scheduleResponse(ctx context.Context, pa *app.ProjectActor) (*struct{ Body scheduleOutBody }, error) {
	s, err := h.app.Schedule(ctx, pa)
	if err != nil {
		return nil, h.fail(err)
	}
	out := scheduleOutBody{StartDate: dateStr(s.Start), DueDate: dateStr(s.Due), ApprovalRequired: pa.Project().Settings.ScheduleApproval,
		Proposals: []proposalOut{}, Changes: []scheduleChangeOut{}}
	for _, p := range s.Proposals {
		out.Proposals = append(out.Proposals, proposalView(pa, p))
	}
	for _, c := range s.Changes {
		out.Changes = append(out.Changes, scheduleChangeOut{dateStr(c.Start), dateStr(c.Due), c.ByName, c.ProposalID, c.At})
	}
	return &struct{ Body scheduleOutBody }{out}, nil
}

// proposalActor loads the caller in the project of a proposal named by id alone.
func (h *Handler) proposalActor(ctx context.Context, id string) (*app.ProjectActor, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	prop, err := h.app.Store.FindProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.app.ProjectActor(ctx, p, prop.ProjectID)
}

func (h *Handler) registerSchedule(api huma.API) {
	huma.Register(api, op("get-schedule", http.MethodGet, "/api/v1/projects/{project}/schedule", "The project's dates, date-change proposals and accepted changes", "schedule"),
		func(ctx context.Context, in *ProjectPath) (*struct{ Body scheduleOutBody }, error) {
			pa, err := h.projectActor(ctx, *in)
			if err != nil {
				return nil, h.fail(err)
			}
			return h.scheduleResponse(ctx, pa)
		})
	huma.Register(api, op("set-dates", http.MethodPut, "/api/v1/projects/{project}/schedule", "Change the project's dates directly (provider Edit Financials and PA, when approval is not required)", "schedule"),
		func(ctx context.Context, in *struct {
			ProjectPath
			Body datesBody
		}) (*struct{ Body scheduleOutBody }, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			if err := h.app.SetDates(ctx, pa, in.Body.StartDate, in.Body.DueDate); err != nil {
				return nil, h.fail(err)
			}
			pa, _ = h.projectActor(ctx, ProjectPath{Project: in.Project})
			return h.scheduleResponse(ctx, pa)
		})
	huma.Register(api, created(op("propose-dates", http.MethodPost, "/api/v1/projects/{project}/date-changes", "Propose new project dates (one open proposal at a time)", "schedule")), func(ctx context.Context, in *struct {
		ProjectPath
		Body datesBody
	}) (*struct{ Body proposalOut }, error) {
		pa, err := h.projectActor(ctx, in.ProjectPath)
		if err != nil {
			return nil, h.fail(err)
		}
		p, err := h.app.ProposeDates(ctx, pa, in.Body.StartDate, in.Body.DueDate, in.Body.Comment)
		if err != nil {
			return nil, h.fail(err)
		}
		saved, err := h.app.ProposalForActor(ctx, pa, p.ID)
		if err != nil {
			return nil, h.fail(err)
		}
		return &struct{ Body proposalOut }{proposalView(pa, *saved)}, nil
	})
	for _, d := range []struct {
		id, path, summary string
		approve           bool
	}{
		{"approve-date-change", "/api/v1/date-changes/{id}/approve", "Approve a date proposal: the dates apply at once", true},
		{"decline-date-change", "/api/v1/date-changes/{id}/decline", "Decline a date proposal", false},
	} {
		huma.Register(api, op(d.id, http.MethodPost, d.path, d.summary+" (the side that did not propose; 409 if already decided)", "schedule"),
			func(ctx context.Context, in *decideInput) (*struct{ Body proposalOut }, error) {
				pa, err := h.proposalActor(ctx, in.ID)
				if err != nil {
					return nil, h.fail(err)
				}
				p, err := h.app.DecideProposal(ctx, pa, in.ID, d.approve, in.Body.Comment)
				if err != nil {
					return nil, h.fail(err)
				}
				return &struct{ Body proposalOut }{proposalView(pa, *p)}, nil
			})
	}
	huma.Register(api, op("withdraw-date-change", http.MethodPost, "/api/v1/date-changes/{id}/withdraw", "Withdraw your own open proposal", "schedule"),
		func(ctx context.Context, in *ProposalPath) (*struct{}, error) {
			pa, err := h.proposalActor(ctx, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.WithdrawProposal(ctx, pa, in.ID))
		})
	huma.Register(api, op("list-allocations", http.MethodGet, "/api/v1/projects/{project}/allocations", "Planned weekly hours per person (provider side)", "schedule"),
		func(ctx context.Context, in *struct {
			ProjectPath
			From string `query:"from" maxLength:"10" doc:"a Monday; default this week"`
			To   string `query:"to" maxLength:"10" doc:"default 8 weeks on"`
		}) (*struct{ Body []allocationOut }, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			from, to := weekRange(in.From, in.To)
			as, err := h.app.Allocations(ctx, pa, from, to)
			if err != nil {
				return nil, h.fail(err)
			}
			out := []allocationOut{}
			for _, a := range as {
				out = append(out, allocationOut{a.UserID, a.UserName, a.Week, a.Minutes})
			}
			return &struct{ Body []allocationOut }{out}, nil
		})
	huma.Register(api, op("set-allocation", http.MethodPut, "/api/v1/projects/{project}/allocations", "Plan a person's hours for a week (Schedule Hours for Self / for Team)", "schedule"),
		func(ctx context.Context, in *struct {
			ProjectPath
			Body struct {
				UserID  string `json:"user_id" maxLength:"64"`
				Week    string `json:"week" maxLength:"10" doc:"the Monday, YYYY-MM-DD"`
				Minutes int64  `json:"minutes"`
			}
		}) (*struct{}, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.SetAllocation(ctx, pa, in.Body.UserID, in.Body.Week, in.Body.Minutes))
		})
}

// weekRange defaults to this week and the seven after it.
func weekRange(from, to string) (string, string) {
	if from == "" {
		from = app.MondayOf(time.Now().UTC())
	}
	if to == "" {
		if f, err := time.Parse(time.DateOnly, from); err == nil {
			to = f.AddDate(0, 0, 7*7).Format(time.DateOnly)
		}
	}
	return from, to
}
