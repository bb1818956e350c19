package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// Schedule is the Schedule tab: the project's dates, its date proposals and accepted changes.
type Schedule struct {
	Start, Due *domain.Date
	Proposals  []domain.Proposal
	Changes    []store.ScheduleChange
}

// Schedule returns the schedule (every participant sees it).
func (a *App) Schedule(ctx context.Context, pa *ProjectActor) (*Schedule, error) {
	if err := pa.Require(access.ViewSchedule, pa.Facts(), false); err != nil {
		return nil, err
	}
	p := pa.Project()
	props, err := a.Store.FindProposals(ctx, p.AccountID, p.ID, "dates")
	if err != nil {
		return nil, err
	}
	changes, err := a.Store.FindScheduleChanges(ctx, p.AccountID, p.ID)
	if err != nil {
		return nil, err
	}
	return &Schedule{Start: p.StartDate, Due: p.DueDate, Proposals: props, Changes: changes}, nil
}

func parseDates(startS, dueS string) (start, due *domain.Date, err error) {
	var v domain.Validator
	parse := func(field, s string) *domain.Date {
		if s == "" {
			return nil
		}
		d, err := domain.ParseDate(s)
		if err != nil {
			v.Add(field, "must be a date like 2026-03-31")
			return nil
		}
		return &d
	}
	start, due = parse("start_date", startS), parse("due_date", dueS)
	if start != nil && due != nil && due.Before(start.Time) {
		v.Add("due_date", "must not be before the start date")
	}
	if start == nil && due == nil && len(v.Fields) == 0 {
		v.Add("start_date", "give a start date, a due date or both")
	}
	return start, due, v.Err()
}

// SetDates changes the project's dates directly: provider Edit Financials and Project
// Administrators, and only while the project does not require approval of schedule changes.
func (a *App) SetDates(ctx context.Context, pa *ProjectActor, startS, dueS string) error {
	if err := pa.Require(access.EditDatesDirectly, pa.Facts(), true); err != nil {
		return err
	}
	start, due, err := parseDates(startS, dueS)
	if err != nil {
		return err
	}
	return a.Store.SetProjectDates(ctx, pa.Project().AccountID, pa.Project().ID, start, due, pa.UserID)
}

// ProposeDates proposes new project dates (provider Edit levels, every client). It appears in
// the feed; one proposal may be open at a time (ECONFLICT otherwise).
func (a *App) ProposeDates(ctx context.Context, pa *ProjectActor, startS, dueS, comment string) (*domain.Proposal, error) {
	if err := pa.Require(access.ProposeDates, pa.Facts(), true); err != nil {
		return nil, err
	}
	start, due, err := parseDates(startS, dueS)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(comment) > 2000 {
		return nil, domain.Invalid(domain.FieldError{Field: "comment", Message: "must be at most 2000 characters"})
	}
	p := &domain.Proposal{AccountID: pa.Project().AccountID, ProjectID: pa.Project().ID, Kind: "dates", ProposedBy: pa.UserID,
		ByClient: pa.IsClient(), StartDate: start, DueDate: due, Comment: strings.TrimSpace(comment)}
	announce := fmt.Sprintf("%s proposed new dates: %s → %s.", pa.Principal.User.FullName(), dateOrDash(start), dateOrDash(due))
	if p.Comment != "" {
		announce += " “" + p.Comment + "”"
	}
	if err := a.Store.CreateProposal(ctx, p, announce); err != nil {
		return nil, err
	}
	a.Worker.Wake()
	return p, nil
}

func dateOrDash(d *domain.Date) string {
	if d == nil {
		return "unchanged"
	}
	return d.Format("2 Jan 2006")
}

// proposalFacts describes a proposal for the deciding rule (note ³).
func (pa *ProjectActor) proposalFacts(p *domain.Proposal) access.Facts {
	f := pa.Facts()
	f.Own, f.ProposedByClient = p.ProposedBy == pa.UserID, p.ByClient
	return f
}

// ProposalForActor returns a proposal of this project.
func (a *App) ProposalForActor(ctx context.Context, pa *ProjectActor, id string) (*domain.Proposal, error) {
	p, err := a.Store.FindProposal(ctx, id)
	if err != nil || p.ProjectID != pa.Project().ID {
		return nil, domain.NotFound("proposal")
	}
	return p, nil
}

// CanDecide reports whether the actor may decide the proposal.
func (pa *ProjectActor) CanDecide(p *domain.Proposal) bool {
	return p.Status == "open" && pa.ViewAs == nil && pa.Decide(access.DecideDateProposal, pa.proposalFacts(p)).Allowed
}

// DecideProposal approves (applying the dates at once) or declines an open date proposal. The
// side that did not propose decides; a provider proposal falls back to a provider Project
// Administrator while no client can decide (checked now). ECONFLICT if it was decided meanwhile.
func (a *App) DecideProposal(ctx context.Context, pa *ProjectActor, id string, approve bool, comment string) (*domain.Proposal, error) {
	p, err := a.ProposalForActor(ctx, pa, id)
	if err != nil {
		return nil, err
	}
	if p.Status != "open" {
		return nil, domain.Errorf(domain.ECONFLICT, "this proposal has already been %s", p.Status)
	}
	if err := pa.Require(access.DecideDateProposal, pa.proposalFacts(p), true); err != nil {
		return nil, err
	}
	d := store.Decision{Status: "declined", By: pa.UserID, Comment: strings.TrimSpace(comment)}
	d.Announce = fmt.Sprintf("%s declined the proposed dates.", pa.Principal.User.FullName())
	if approve {
		d.Status, d.ApplyDates = "approved", true
		d.Announce = fmt.Sprintf("%s approved the new dates: %s → %s.", pa.Principal.User.FullName(), dateOrDash(p.StartDate), dateOrDash(p.DueDate))
	}
	if err := a.Store.DecideProposal(ctx, p, d); err != nil {
		return nil, err
	}
	a.Worker.Wake()
	return a.ProposalForActor(ctx, pa, id)
}

// WithdrawProposal cancels one's own open proposal.
func (a *App) WithdrawProposal(ctx context.Context, pa *ProjectActor, id string) error {
	p, err := a.ProposalForActor(ctx, pa, id)
	if err != nil {
		return err
	}
	if p.ProposedBy != pa.UserID || pa.ViewAs != nil {
		return domain.Forbidden("only the person who proposed it may withdraw a proposal")
	}
	return a.Store.DecideProposal(ctx, p, store.Decision{Status: "cancelled", By: pa.UserID,
		Announce: pa.Principal.User.FullName() + " withdrew the proposed dates."})
}

// MondayOf returns the Monday of the week of d (YYYY-MM-DD).
func MondayOf(d time.Time) string {
	offset := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -offset).Format(time.DateOnly)
}

// SetAllocation plans a person's hours on the project for a week: their own with Schedule
// Hours for Self, others' with Schedule Hours for Team. Only provider-side people are planned.
func (a *App) SetAllocation(ctx context.Context, pa *ProjectActor, userID, week string, minutes int64) error {
	need := access.AllocateTeamHours
	if userID == pa.UserID {
		need = access.AllocateOwnHours
	}
	if err := pa.Require(need, pa.Facts(), true); err != nil {
		return err
	}
	var v domain.Validator
	d, err := time.Parse(time.DateOnly, week)
	v.Check(err == nil && MondayOf(d) == week, "week", "must be the Monday of a week, like 2026-03-02")
	v.Check(minutes >= 0 && minutes <= 7*24*60, "minutes", "must be between 0 and a week")
	people, err := a.participantSet(ctx, pa)
	if err != nil {
		return err
	}
	p := people[userID]
	v.Check(p != nil && p.Side == domain.SideProvider, "user_id", "must be someone on the provider side of the project")
	if err := v.Err(); err != nil {
		return err
	}
	return a.Store.SetAllocation(ctx, pa.Project().AccountID, pa.Project().ID, userID, week, minutes)
}

// Allocations lists the project's planned hours for the weeks from..to (provider side).
func (a *App) Allocations(ctx context.Context, pa *ProjectActor, from, to string) ([]store.Allocation, error) {
	if err := pa.Require(access.ViewAllocations, pa.Facts(), false); err != nil {
		return nil, err
	}
	return a.Store.FindAllocations(ctx, pa.Project().AccountID, pa.Project().ID, "", from, to)
}

// MyAllocations lists the principal's own planned hours across the account's projects.
func (a *App) MyAllocations(ctx context.Context, act *Actor, from, to string) ([]store.Allocation, error) {
	return a.Store.FindAllocations(ctx, act.Account.ID, "", act.Principal.User.ID, from, to)
}
