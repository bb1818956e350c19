package domain

// DefaultPermission is what a member of an account level gets on joining a project on a side.
type DefaultPermission struct {
	Level  ProjectLevel
	Access []Access
}

// PermissionTable holds an account's two permission tables (PRODUCT.md §3): which project
// levels each account level may hold, and the defaults on joining per level and side.
// External participants (not members of the project's account) join with the Collaborator
// (External) row's defaults and are not bound by the allowed-levels table.
type PermissionTable struct {
	Allowed  map[AccountLevel][]ProjectLevel
	Defaults map[AccountLevel]map[Side]DefaultPermission
}

// DefaultPermissionTable is the table of the account-permissions seed, which a new account
// starts with.
func DefaultPermissionTable() PermissionTable {
	all := []ProjectLevel{PLProjectAdmin, PLEditFinancials, PLEditTimeExpenses, PLEditTasks, PLViewFinancials, PLViewTimeExpenses, PLViewTasks}
	editOnly := []ProjectLevel{PLProjectAdmin, PLEditFinancials, PLEditTimeExpenses, PLEditTasks}
	t := PermissionTable{Allowed: map[AccountLevel][]ProjectLevel{}, Defaults: map[AccountLevel]map[Side]DefaultPermission{}}
	t.Allowed[LevelAccountAdmin] = []ProjectLevel{PLProjectAdmin}
	for _, l := range []AccountLevel{LevelReportViewerCost, LevelReportViewer, LevelProjectLead} {
		t.Allowed[l] = all
	}
	for _, l := range []AccountLevel{LevelProjectCreator, LevelCollaborator, LevelCollaboratorExternal, LevelPunchClock} {
		t.Allowed[l] = editOnly
	}
	def := func(p ProjectLevel, pa []Access, c ProjectLevel, ca []Access) map[Side]DefaultPermission {
		return map[Side]DefaultPermission{SideProvider: {p, pa}, SideClient: {c, ca}}
	}
	lead := []Access{AccessPost, AccessTrackTime, AccessTrackExpenses, AccessInvite, AccessScheduleSelf, AccessScheduleTeam}
	t.Defaults[LevelAccountAdmin] = def(PLProjectAdmin, nil, PLProjectAdmin, nil)
	for _, l := range []AccountLevel{LevelReportViewerCost, LevelReportViewer, LevelProjectLead} {
		t.Defaults[l] = def(PLEditFinancials, lead, PLEditFinancials, []Access{AccessPost, AccessInvite})
	}
	t.Defaults[LevelProjectCreator] = def(PLEditTasks, []Access{AccessPost, AccessScheduleSelf}, PLEditTasks, []Access{AccessPost})
	t.Defaults[LevelCollaborator] = def(PLEditTimeExpenses, []Access{AccessPost, AccessTrackTime, AccessTrackExpenses, AccessScheduleSelf}, PLEditTasks, []Access{AccessPost})
	t.Defaults[LevelCollaboratorExternal] = def(PLEditTimeExpenses, []Access{AccessPost, AccessTrackTime, AccessTrackExpenses}, PLEditTasks, []Access{AccessPost})
	t.Defaults[LevelPunchClock] = def(PLEditTimeExpenses, []Access{AccessTrackTime, AccessTrackExpenses}, PLEditTasks, nil)
	return t
}

// RowFor is the account level whose row applies: externals use Collaborator (External).
func RowFor(acctLevel AccountLevel) AccountLevel {
	if acctLevel == "" {
		return LevelCollaboratorExternal
	}
	return acctLevel
}

// Allows reports whether the table lets acctLevel hold level. The table is about account levels:
// external participants ("") are not bound by it (the side and the account's external-financial
// setting still are), which is what lets a client hold View Tasks or View Financials.
func (t PermissionTable) Allows(acctLevel AccountLevel, level ProjectLevel) bool {
	if acctLevel == "" {
		return true
	}
	for _, l := range t.Allowed[acctLevel] {
		if l == level {
			return true
		}
	}
	return false
}

// Default returns what acctLevel ("" for externals) gets on joining on side.
func (t PermissionTable) Default(acctLevel AccountLevel, side Side) DefaultPermission {
	if d, ok := t.Defaults[RowFor(acctLevel)][side]; ok {
		return d
	}
	return DefaultPermission{Level: PLViewTasks}
}

// ParticipantSetting is a participant's side, level and toggles as someone wants them.
type ParticipantSetting struct {
	Side   Side
	Level  ProjectLevel
	Access []Access
	Hidden bool
}

// ValidateParticipant checks a setting against the rules of PRODUCT.md §3 for a person of
// acctLevel in the project's account ("" for external participants). prefix names the input
// ("changes[2]") so that errors point at the right row.
func ValidateParticipant(prefix string, st ParticipantSetting, acctLevel AccountLevel, t PermissionTable, acct AccountSettings) []FieldError {
	var v Validator
	f := func(name string) string { return prefix + name }
	if !st.Side.Valid() {
		v.Add(f("side"), "must be provider or client")
		return v.Fields
	}
	if !st.Level.Valid() {
		v.Add(f("level"), "unknown project level "+quote(string(st.Level)))
		return v.Fields
	}
	client := st.Side == SideClient
	switch {
	case client && st.Level.TimeExpenses():
		v.Add(f("level"), "the client side has no Time and Expenses levels")
	case acctLevel == LevelAccountAdmin && st.Level != PLProjectAdmin:
		v.Add(f("level"), "an Account Administrator is always Project Administrator")
	case !t.Allows(acctLevel, st.Level):
		v.Add(f("level"), st.Level.Name()+" is not allowed for "+RowFor(acctLevel).Name()+" members")
	case acctLevel == "" && !acct.ExternalFinancialAllowed && st.Level.Financial():
		v.Add(f("level"), "this account does not let external participants hold financial levels")
	}
	if !client && acctLevel == "" && acct.ProviderSideMembersOnly {
		v.Add(f("side"), "only account members may be on the provider side")
	}
	seen := map[Access]bool{}
	for _, a := range st.Access {
		switch {
		case !a.Valid():
			v.Add(f("access"), "unknown additional access "+quote(string(a)))
		case seen[a]:
			v.Add(f("access"), a.Name()+" is listed twice")
		case client && a != AccessPost && a != AccessInvite:
			v.Add(f("access"), a.Name()+" is not offered on the client side")
		case (a == AccessTrackTime || a == AccessTrackExpenses) && (st.Level == PLViewTasks || st.Level == PLEditTasks):
			v.Add(f("access"), a.Name()+" is not possible with "+st.Level.Name())
		}
		seen[a] = true
	}
	if client && st.Hidden {
		v.Add(f("hidden"), "only provider-side people can be hidden from clients")
	}
	return v.Fields
}
