package access

import "github.com/portico-dev/portico/internal/domain"

// Level is a project level as a small number, so decisions do not compare strings.
type Level uint8

// Project levels. LvlNone means no participation.
const (
	LvlNone Level = iota
	LvlViewTasks
	LvlViewTimeExpenses
	LvlViewFinancials
	LvlEditTasks
	LvlEditTimeExpenses
	LvlEditFinancials
	LvlProjectAdmin
)

// LevelOf converts a domain level.
func LevelOf(l domain.ProjectLevel) Level {
	switch l {
	case domain.PLViewTasks:
		return LvlViewTasks
	case domain.PLViewTimeExpenses:
		return LvlViewTimeExpenses
	case domain.PLViewFinancials:
		return LvlViewFinancials
	case domain.PLEditTasks:
		return LvlEditTasks
	case domain.PLEditTimeExpenses:
		return LvlEditTimeExpenses
	case domain.PLEditFinancials:
		return LvlEditFinancials
	case domain.PLProjectAdmin:
		return LvlProjectAdmin
	}
	return LvlNone
}

// sight is what a level sees: 0 tasks, 1 + time & expenses, 2 + financials (3 for the
// administrator, who sees everything).
func (l Level) sight() int {
	switch l {
	case LvlViewTimeExpenses, LvlEditTimeExpenses:
		return 1
	case LvlViewFinancials, LvlEditFinancials:
		return 2
	case LvlProjectAdmin:
		return 3
	}
	return 0
}

// edits reports whether the level may use the task tracker and upload files.
func (l Level) edits() bool { return l >= LvlEditTasks }

// financialEditor is Edit Financials or Project Administrator.
func (l Level) financialEditor() bool { return l == LvlEditFinancials || l == LvlProjectAdmin }

// AccessSet holds additional-access toggles as bits.
type AccessSet uint8

// The toggles.
const (
	AccPost AccessSet = 1 << iota
	AccTrackTime
	AccTrackExpenses
	AccInvite
	AccScheduleSelf
	AccScheduleTeam
	AccAll = AccPost | AccTrackTime | AccTrackExpenses | AccInvite | AccScheduleSelf | AccScheduleTeam
)

// AccessOf converts domain toggles.
func AccessOf(as []domain.Access) AccessSet {
	var s AccessSet
	for _, a := range as {
		switch a {
		case domain.AccessPost:
			s |= AccPost
		case domain.AccessTrackTime:
			s |= AccTrackTime
		case domain.AccessTrackExpenses:
			s |= AccTrackExpenses
		case domain.AccessInvite:
			s |= AccInvite
		case domain.AccessScheduleSelf:
			s |= AccScheduleSelf
		case domain.AccessScheduleTeam:
			s |= AccScheduleTeam
		}
	}
	return s
}

// Participation is the subject's place in one project.
type Participation struct {
	Client   bool // on the client side
	Level    Level
	Access   AccessSet
	External bool // not a member of the project's account
	Guest    bool // not a participant: guest access through an access group (View Tasks, provider side)
}

// has reports whether the participation holds a toggle; administrators hold all.
func (p *Participation) has(a AccessSet) bool { return p.Level == LvlProjectAdmin || p.Access&a == a }

// ProjectSubject is who asks about a project: their standing in the project's account (Level
// "" for people outside it) and their participation (nil when they have none).
type ProjectSubject struct {
	Account Subject
	Part    *Participation
}

// Facts are what a decision needs to know about the thing acted on. Zero values are the
// common case (a public item of a non-financial project, not the subject's own).
type Facts struct {
	Financial          bool // the project is financial
	ScheduleApproval   bool // schedule changes need approval
	HasClientDecider   bool // a client participant holds Edit Financials or Project Administrator
	Own                bool // the subject wrote, uploaded, proposed or owns the item
	Private            bool // the item belongs to a private thread
	Recipient          bool // the subject is the thread's author or one of its recipients
	Internal           bool // an internal reply
	ProposedByClient   bool // for proposals: which side proposed
	TargetClient       bool // for participant changes: the side of the person changed (after a move: both sides count)
	TargetSelf         bool // the subject changes their own participation
	TargetCreator      bool // the person changed is the Project Administrator who created the project
	TargetAccountAdmin bool // the person changed is an Account Administrator of the project's account
	PunchClockOwner    bool // a time entry of a Punch Clock member
}
