package access

import "github.com/portico-dev/portico/internal/domain"

// The rules of the project tables, each in words for Explain.
var (
	RuleNoParticipation   = Rule{"project.not-participant", "only participants of the project see it"}
	RuleNonFinancial      = Rule{"project.non-financial", "budgets, time, expenses, rates and invoices exist only in financial projects"}
	RuleParticipant       = Rule{"project.participant", "every participant sees the project, its tasks, schedule, Gantt chart and public posts"}
	RuleProviderOnly      = Rule{"project.provider-only", "only the provider side sees this (project status, task scheduling, baselines, allocations, internal replies)"}
	RuleStatusSetter      = Rule{"project.status-setter", "provider-side Edit Financials and Project Administrators set the project status"}
	RuleProjectAdmin      = Rule{"project.admin-only", "only a provider-side Project Administrator edits project info and settings"}
	RuleManageSide        = Rule{"project.manage-side", "Project Administrators manage participants; a client-side Project Administrator manages the client side only"}
	RuleOwnLevel          = Rule{"project.own-level", "a Project Administrator cannot change their own level"}
	RuleCreatorLevel      = Rule{"project.creator-level", "the level of the Project Administrator who created the project cannot be changed"}
	RuleAccountAdminLevel = Rule{"project.account-admin-level", "an Account Administrator is always Project Administrator; their level cannot be changed"}
	RuleInvite            = Rule{"project.invite", "inviting needs Invite Members to Project (Project Administrators always may); client-side people invite to the client side only"}
	RuleRecipient         = Rule{"post.recipient", "a private thread is seen only by its author and recipients — administrators included"}
	RulePostAccess        = Rule{"post.post-access", "writing to the activity feed needs Post to Activity Feed (Project Administrators always may)"}
	RuleInternal          = Rule{"post.internal", "internal replies are provider-only, whoever is added to the thread later"}
	RuleOwnPost           = Rule{"post.own", "people edit and delete their own posts (with Post to Activity Feed); provider Project Administrators may delete any"}
	RulePin               = Rule{"post.pin", "Project Administrators (either side) pin and unpin posts"}
	RuleUpload            = Rule{"file.upload", "uploading to the Files tab needs an Edit level"}
	RuleFileAsPost        = Rule{"file.as-post", "a file is visible exactly when its post is"}
	RuleOwnFile           = Rule{"file.own", "people delete their own files; provider Project Administrators delete any"}
	RuleCustomFields      = Rule{"task.custom-fields", "task custom fields are for the provider side at account level Report Viewer and above"}
	RuleTaskTime          = Rule{"task.time", "a task's logged time is for provider-side Time & Expenses levels and above"}
	RuleTaskFees          = Rule{"task.fees", "a task's fees are for provider-side View/Edit Financials and Project Administrators"}
	RuleEditTasks         = Rule{"task.edit", "creating and editing tasks needs an Edit level"}
	RuleDeleteTask        = Rule{"task.delete", "Edit levels delete tasks; on the client side only tasks they created"}
	RuleEditFees          = Rule{"task.edit-fees", "editing a task's fees needs provider-side Edit Financials or Project Administrator"}
	RuleSignOff           = Rule{"task.sign-off", "deliverables are signed off by client-side Edit levels"}
	RuleApprovalRequired  = Rule{"schedule.approval-required", "this project requires approval of schedule changes: propose new dates instead"}
	RuleDirectDates       = Rule{"schedule.direct", "provider-side Edit Financials and Project Administrators change dates directly"}
	RulePropose           = Rule{"schedule.propose", "provider-side Edit levels and every client participant may propose new dates"}
	RuleDecideOwn         = Rule{"proposal.own", "nobody decides their own proposal"}
	RuleDecideClient      = Rule{"proposal.client-decides", "a provider proposal is decided by a client with Edit Financials or Project Administrator"}
	RuleDecideFallback    = Rule{"proposal.provider-fallback", "while no client holds Edit Financials or Project Administrator, a provider Project Administrator decides"}
	RuleDecideProvider    = Rule{"proposal.provider-decides", "a client's proposal is decided by provider-side Edit Financials or Project Administrator"}
	RuleBudgetProgress    = Rule{"gantt.budget-progress", "progress against budget is for provider-side View/Edit Financials and Project Administrators"}
	RuleBaselineSave      = Rule{"gantt.baseline-save", "provider-side Edit Financials and Project Administrators save baselines"}
	RuleScheduleSelf      = Rule{"resource.self", "allocating own hours needs Schedule Hours for Self"}
	RuleScheduleTeam      = Rule{"resource.team", "allocating others' hours needs Schedule Hours for Team"}
	RuleFinancialSight    = Rule{"money.financial-level", "budgets, invoices and payments are for View/Edit Financials and Project Administrators (either side)"}
	RuleProviderFinancial = Rule{"money.provider-financial", "burn, bill rates and approvals are for provider-side View/Edit Financials and Project Administrators"}
	RuleFinancialEditor   = Rule{"money.financial-editor", "this needs provider-side Edit Financials or Project Administrator"}
	RuleTrackTime         = Rule{"money.track-time", "tracking time needs a provider-side Time & Expenses level or above and Track Time"}
	RuleTrackExpenses     = Rule{"money.track-expenses", "tracking expenses needs a provider-side Time & Expenses level or above and Track Expenses"}
	RuleEntriesSight      = Rule{"money.entries", "the project's time and expenses are for provider-side Time & Expenses levels and above, and Project Lead and above"}
	RuleEditEntries       = Rule{"money.edit-entries", "others' entries are edited by provider-side Edit Financials, Project Administrators, and Project Lead and above"}
	RulePunchClock        = Rule{"money.punch-clock", "a Punch Clock member's entries are edited only by Account Administrators"}
	RuleClientFinancial   = Rule{"money.client-sign-off", "client sign-off and payment are for client-side View/Edit Financials and Project Administrators"}
	RuleProjectCostRates  = Rule{"money.cost-rates", "cost rates and margin are for Report Viewer with Cost and Account Administrators of the project's account"}
	RuleApprovalEvents    = Rule{"money.approval-events", "approval events are seen by provider-side financial levels and the submitter"}
	RuleViewAs            = Rule{"meta.view-as", "provider Project Administrators of the project and Account Administrators may view as someone or ask why"}
	RuleUnknownAction     = Rule{"meta.unknown", "everything not listed is denied"}
)

// Decide answers whether the subject may do a in the project described by f, and why.
// It allocates nothing.
func Decide(s *ProjectSubject, a Action, f *Facts) Decision {
	if a == ViewAs || a == Explain {
		return decideMeta(s)
	}
	p := s.Part
	if p == nil || p.Level == LvlNone {
		return deny(RuleNoParticipation)
	}
	if a.financialOnly() && !f.Financial {
		return deny(RuleNonFinancial)
	}
	switch {
	case a <= PinPost:
		return decidePeople(s, p, a, f)
	case a <= AllocateTeamHours:
		return decideWork(s, p, a, f)
	case a < NumActions:
		return decideMoney(s, p, a, f)
	}
	return deny(RuleUnknownAction)
}

// Can is Decide's answer alone.
func Can(s *ProjectSubject, a Action, f *Facts) bool { return Decide(s, a, f).Allowed }

func when(ok bool, r Rule) Decision { return Decision{Allowed: ok, Rule: r} }

func decideMeta(s *ProjectSubject) Decision {
	if s.Account.IsMember() && s.Account.Level == domain.LevelAccountAdmin {
		return allow(RuleViewAs)
	}
	p := s.Part
	return when(p != nil && !p.Client && !p.Guest && p.Level == LvlProjectAdmin, RuleViewAs)
}

func decidePeople(s *ProjectSubject, p *Participation, a Action, f *Facts) Decision {
	provider := !p.Client
	admin := p.Level == LvlProjectAdmin
	switch a {
	case ViewProject, ViewParticipants:
		return allow(RuleParticipant)
	case ReadPublicPosts:
		if f.Internal && !provider {
			return deny(RuleInternal)
		}
		return allow(RuleParticipant)
	case ViewProjectStatus, ReadInternalReply:
		return when(provider, providerRule(a))
	case SetProjectStatus:
		return when(provider && p.Level.financialEditor(), RuleStatusSetter)
	case EditProject:
		return when(provider && admin, RuleProjectAdmin)
	case ChangeParticipantLevel, ManageParticipants:
		if !admin || (p.Client && !f.TargetClient) {
			return deny(RuleManageSide)
		}
		if a == ChangeParticipantLevel {
			switch {
			case f.TargetSelf:
				return deny(RuleOwnLevel)
			case f.TargetCreator:
				return deny(RuleCreatorLevel)
			case f.TargetAccountAdmin:
				return deny(RuleAccountAdminLevel)
			}
		}
		return allow(RuleManageSide)
	case InviteParticipants:
		if p.Client && !f.TargetClient {
			return deny(RuleInvite)
		}
		return when(p.has(AccInvite), RuleInvite)
	case ReadPrivateThread, ViewFile:
		return decideThreadRead(p, a, f)
	case WritePost, AttachFile:
		return when(p.has(AccPost), RulePostAccess)
	case WriteInternalReply:
		if !provider {
			return deny(RuleInternal)
		}
		return when(p.has(AccPost), RulePostAccess)
	case AddRecipients:
		if !f.Recipient {
			return deny(RuleRecipient)
		}
		return when(p.has(AccPost), RulePostAccess)
	case EditPost, DeletePost:
		if a == DeletePost && provider && admin {
			return allow(RuleOwnPost)
		}
		return when(f.Own && p.has(AccPost), RuleOwnPost)
	case UploadFile:
		return when(p.Level.edits(), RuleUpload)
	case DeleteFile:
		return when(f.Own || (provider && admin), RuleOwnFile)
	case PinPost:
		return when(admin, RulePin)
	}
	return deny(RuleUnknownAction)
}

func providerRule(Action) Rule { return RuleProviderOnly }

func decideThreadRead(p *Participation, a Action, f *Facts) Decision {
	if f.Internal && p.Client {
		return deny(RuleInternal)
	}
	if f.Private && !f.Recipient {
		return deny(RuleRecipient)
	}
	if a == ViewFile {
		return allow(RuleFileAsPost)
	}
	return allow(RuleRecipient)
}

func decideWork(s *ProjectSubject, p *Participation, a Action, f *Facts) Decision {
	provider := !p.Client
	switch a {
	case ViewTasks, ViewSchedule, ViewGantt:
		return allow(RuleParticipant)
	case ViewTaskSchedule, ViewGanttBaselines, ViewAllocations:
		return when(provider, RuleProviderOnly)
	case ViewTaskCustomFields:
		return when(provider && s.Account.IsMember() && s.Account.Level.AtLeast(domain.LevelReportViewer), RuleCustomFields)
	case ViewTaskTime:
		return when(provider && p.Level.sight() >= 1, RuleTaskTime)
	case ViewTaskFees:
		return when(provider && p.Level.sight() >= 2, RuleTaskFees)
	case EditTasks, ChangeTaskTypeToIssue, PostProgress:
		return when(p.Level.edits(), RuleEditTasks)
	case EditTaskFees:
		return when(provider && p.Level.financialEditor(), RuleEditFees)
	case DeleteTask:
		return when(p.Level.edits() && (provider || f.Own), RuleDeleteTask)
	case SignOffDeliverable:
		return when(p.Client && p.Level.edits(), RuleSignOff)
	case EditDatesDirectly:
		if !provider || !p.Level.financialEditor() {
			return deny(RuleDirectDates)
		}
		return when(!f.ScheduleApproval, RuleApprovalRequired)
	case ProposeDates:
		return when(p.Client || p.Level.edits(), RulePropose)
	case DecideDateProposal:
		return decideProposal(p, f, true)
	case ViewGanttBudgetProgress:
		return when(provider && p.Level.sight() >= 2, RuleBudgetProgress)
	case SaveBaseline:
		return when(provider && p.Level.financialEditor(), RuleBaselineSave)
	case AllocateOwnHours:
		return when(provider && p.has(AccScheduleSelf), RuleScheduleSelf)
	case AllocateTeamHours:
		return when(provider && p.has(AccScheduleTeam), RuleScheduleTeam)
	}
	return deny(RuleUnknownAction)
}

// decideProposal applies note ³: the side that did not propose decides; a provider proposal
// falls back to a provider Project Administrator while no client can decide. Budget changes are
// proposed by the provider only, and only a Project Administrator decides them on that side.
func decideProposal(p *Participation, f *Facts, dates bool) Decision {
	if f.Own {
		return deny(RuleDecideOwn)
	}
	if f.ProposedByClient {
		return when(!p.Client && dates && p.Level.financialEditor(), RuleDecideProvider)
	}
	if p.Client {
		return when(p.Level.financialEditor(), RuleDecideClient)
	}
	if f.HasClientDecider {
		return deny(RuleDecideClient)
	}
	return when(p.Level == LvlProjectAdmin, RuleDecideFallback)
}

func decideMoney(s *ProjectSubject, p *Participation, a Action, f *Facts) Decision {
	provider := !p.Client
	fin := p.Level.sight() >= 2
	acctLead := provider && s.Account.IsMember() && s.Account.Level.AtLeast(domain.LevelProjectLead)
	switch a {
	case ViewBudget, ViewInvoices, ViewPayments:
		return when(fin, RuleFinancialSight)
	case ViewBurn, ViewBillRates, ApproveEntries:
		return when(provider && fin, RuleProviderFinancial)
	case SetBudget, SetBillRates, ManageInvoices:
		return when(provider && p.Level.financialEditor(), RuleFinancialEditor)
	case DecideBudgetChange:
		return decideProposal(p, f, false)
	case TrackTime:
		return when(provider && p.Level.sight() >= 1 && p.has(AccTrackTime), RuleTrackTime)
	case TrackExpenses:
		return when(provider && p.Level.sight() >= 1 && p.has(AccTrackExpenses), RuleTrackExpenses)
	case ViewAllEntries:
		return when(provider && (p.Level.sight() >= 1 || acctLead), RuleEntriesSight)
	case EditOthersEntries:
		if f.PunchClockOwner {
			return when(s.Account.IsMember() && s.Account.Level == domain.LevelAccountAdmin, RulePunchClock)
		}
		return when(provider && (p.Level.financialEditor() || acctLead), RuleEditEntries)
	case ClientSignOffTimesheet, ClientInvoiceSignOff:
		return when(p.Client && fin, RuleClientFinancial)
	case ViewCostRates:
		return when(s.Account.IsMember() && s.Account.Level.AtLeast(domain.LevelReportViewerCost), RuleProjectCostRates)
	case ViewApprovalEvents:
		return when((provider && fin) || f.Own, RuleApprovalEvents)
	}
	return deny(RuleUnknownAction)
}

// PostScope is what post, file and notification queries filter on for one participation: a
// private thread shows to its recipients (the store checks membership of the thread), and
// internal replies show exactly where ReadInternalReply allows.
func PostScope(s *ProjectSubject) (seeInternal bool) {
	return Decide(s, ReadInternalReply, &Facts{}).Allowed
}
