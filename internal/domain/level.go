package domain

// AccountLevel is a member's account permission level (PRODUCT.md §2). Levels are ordered:
// each includes what the lower ones may do unless a rule says otherwise.
type AccountLevel string

// The eight account levels, lowest first.
const (
	LevelPunchClock           AccountLevel = "punch_clock"
	LevelCollaboratorExternal AccountLevel = "collaborator_external"
	LevelCollaborator         AccountLevel = "collaborator"
	LevelProjectCreator       AccountLevel = "project_creator"
	LevelProjectLead          AccountLevel = "project_lead"
	LevelReportViewer         AccountLevel = "report_viewer"
	LevelReportViewerCost     AccountLevel = "report_viewer_cost"
	LevelAccountAdmin         AccountLevel = "account_admin"
)

// AccountLevels lists every account level, lowest first.
var AccountLevels = []AccountLevel{
	LevelPunchClock, LevelCollaboratorExternal, LevelCollaborator, LevelProjectCreator,
	LevelProjectLead, LevelReportViewer, LevelReportViewerCost, LevelAccountAdmin,
}

var accountLevelNames = map[AccountLevel]string{
	LevelPunchClock:           "Punch Clock",
	LevelCollaboratorExternal: "Collaborator (External)",
	LevelCollaborator:         "Collaborator",
	LevelProjectCreator:       "Project Creator",
	LevelProjectLead:          "Project Lead",
	LevelReportViewer:         "Report Viewer",
	LevelReportViewerCost:     "Report Viewer with Cost",
	LevelAccountAdmin:         "Account Administrator",
}

// Rank orders levels: 1 for Punch Clock up to 8 for Account Administrator, 0 if unknown.
func (l AccountLevel) Rank() int {
	for i, x := range AccountLevels {
		if x == l {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether l is one of the eight levels.
func (l AccountLevel) Valid() bool { return l.Rank() > 0 }

// AtLeast reports whether l is o or higher.
func (l AccountLevel) AtLeast(o AccountLevel) bool { return l.Rank() >= o.Rank() && l.Valid() }

// Name is the level's display name.
func (l AccountLevel) Name() string {
	if n, ok := accountLevelNames[l]; ok {
		return n
	}
	return string(l)
}

// ParseAccountLevel accepts a level key ("project_lead") and returns EINVALID for anything else.
func ParseAccountLevel(field, s string) (AccountLevel, error) {
	l := AccountLevel(s)
	if !l.Valid() {
		return "", Invalid(FieldError{field, "unknown account level " + quote(s) + "; one of " + levelKeys()})
	}
	return l, nil
}

func levelKeys() string {
	s := ""
	for i, l := range AccountLevels {
		if i > 0 {
			s += ", "
		}
		s += string(l)
	}
	return s
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + s + "\""
}
