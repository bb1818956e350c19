package access

// Action is something done inside one project.
type Action uint8

// The project actions of the access matrix, in its order.
const (
	ViewProject Action = iota
	ViewProjectStatus
	SetProjectStatus
	EditProject // info, settings, archive, milestone weights
	ViewParticipants
	ChangeParticipantLevel
	ManageParticipants // additional access, team lead, remove, move side
	InviteParticipants
	ReadPublicPosts
	ReadPrivateThread
	WritePost
	WriteInternalReply
	ReadInternalReply
	AddRecipients
	EditPost
	DeletePost
	UploadFile
	AttachFile
	ViewFile
	DeleteFile
	PinPost

	ViewTasks
	ViewTaskSchedule
	ViewTaskCustomFields
	ViewTaskTime
	ViewTaskFees
	EditTasks
	EditTaskFees
	DeleteTask
	ChangeTaskTypeToIssue
	PostProgress
	SignOffDeliverable
	ViewSchedule
	EditDatesDirectly
	ProposeDates
	DecideDateProposal
	ViewGantt
	ViewGanttBaselines
	ViewGanttBudgetProgress
	SaveBaseline
	ViewAllocations
	AllocateOwnHours
	AllocateTeamHours

	ViewBudget
	ViewBurn
	SetBudget // directly, or by proposing a change
	DecideBudgetChange
	TrackTime
	TrackExpenses
	ViewAllEntries
	EditOthersEntries
	ApproveEntries
	ClientSignOffTimesheet
	ViewBillRates
	SetBillRates
	ViewInvoices
	ManageInvoices       // draft, edit, submit, void, record manual payments
	ClientInvoiceSignOff // sign off a draft, pay an invoice
	ViewPayments
	ViewCostRates
	ViewApprovalEvents

	ViewAs
	Explain
	NumActions
)

var actionNames = [NumActions]string{
	"view_project", "view_project_status", "set_project_status", "edit_project", "view_participants",
	"change_participant_level", "manage_participants", "invite_participants", "read_public_posts",
	"read_private_thread", "write_post", "write_internal_reply", "read_internal_reply", "add_recipients",
	"edit_post", "delete_post", "upload_file", "attach_file", "view_file", "delete_file", "pin_post",
	"view_tasks", "view_task_schedule", "view_task_custom_fields", "view_task_time", "view_task_fees",
	"edit_tasks", "edit_task_fees", "delete_task", "change_task_type_to_issue", "post_progress", "sign_off_deliverable",
	"view_schedule", "edit_dates_directly", "propose_dates", "decide_date_proposal", "view_gantt",
	"view_gantt_baselines", "view_gantt_budget_progress", "save_baseline", "view_allocations",
	"allocate_own_hours", "allocate_team_hours",
	"view_budget", "view_burn", "set_budget", "decide_budget_change", "track_time", "track_expenses",
	"view_all_entries", "edit_others_entries", "approve_entries", "client_sign_off_timesheet",
	"view_bill_rates", "set_bill_rates", "view_invoices", "manage_invoices", "client_invoice_sign_off",
	"view_payments", "view_cost_rates", "view_approval_events",
	"view_as", "explain",
}

// String is the action's key, as Explain takes it.
func (a Action) String() string {
	if a < NumActions {
		return actionNames[a]
	}
	return "unknown"
}

// ParseAction finds an action by its key.
func ParseAction(s string) (Action, bool) {
	for i, n := range actionNames {
		if n == s {
			return Action(i), true
		}
	}
	return 0, false
}

// financialOnly marks the money actions: on a non-financial project the thing does not exist.
func (a Action) financialOnly() bool { return a >= ViewBudget && a <= ViewApprovalEvents }
