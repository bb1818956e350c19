package server

import (
	"context"
	"fmt"
	"io"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// DemoPassword is the password of every demo login.
const DemoPassword = "portico-demo-2026"

type demoPerson struct {
	first, last, email string
	level              domain.AccountLevel
	billRate, costRate int64
}

// demoProvider is a provider firm with a member at every account level.
var demoProvider = []demoPerson{
	{"Avery", "Admin", "avery@northwind.example", domain.LevelAccountAdmin, 18000, 9000},
	{"Casey", "Cost", "casey@northwind.example", domain.LevelReportViewerCost, 16000, 8000},
	{"Riley", "Reports", "riley@northwind.example", domain.LevelReportViewer, 15000, 7500},
	{"Lee", "Lead", "lee@northwind.example", domain.LevelProjectLead, 14000, 7000},
	{"Parker", "Creator", "parker@northwind.example", domain.LevelProjectCreator, 12000, 6000},
	{"Morgan", "Maker", "morgan@northwind.example", domain.LevelCollaborator, 11000, 5500},
	{"Quinn", "Contractor", "quinn@freelance.example", domain.LevelCollaboratorExternal, 10000, 6500},
	{"Pat", "Punch", "pat@northwind.example", domain.LevelPunchClock, 6000, 3000},
}

// demoClient is the client company's people (they use their own account on this server).
var demoClient = []demoPerson{
	{"Michael", "Lee", "michael@acme.example", domain.LevelAccountAdmin, 0, 0},
	{"Lesley", "Knope", "lesley@acme.example", domain.LevelCollaborator, 0, 0},
	{"Tom", "Haverford", "tom@acme.example", domain.LevelCollaborator, 0, 0},
}

// SeedDemo fills an empty database with the demo and prints who can sign in. When the demo is
// already there it only prints.
func SeedDemo(ctx context.Context, a *app.App, out io.Writer) error {
	if _, _, err := a.Store.FindUserCredentials(ctx, demoProvider[0].email); err == nil {
		printDemo(out, a.BaseURL)
		return nil
	}
	if err := seedAccount(ctx, a, "Northwind Studio", demoProvider); err != nil {
		return err
	}
	if err := seedAccount(ctx, a, "Acme Corp", demoClient); err != nil {
		return err
	}
	if err := seedProjects(ctx, a); err != nil {
		return err
	}
	printDemo(out, a.BaseURL)
	return nil
}

// demoProjects: who takes part on which side at which level. Acme's people are external to
// Northwind: they see only these projects.
var demoProjects = []struct {
	name, client string
	financial    bool
	creator      string
	provider     map[string]domain.ProjectLevel
	clients      map[string]domain.ProjectLevel
}{
	{"Website relaunch", "Acme Corp", true, "lee@northwind.example",
		map[string]domain.ProjectLevel{"avery@northwind.example": domain.PLProjectAdmin, "morgan@northwind.example": domain.PLEditTimeExpenses,
			"quinn@freelance.example": domain.PLEditTimeExpenses, "casey@northwind.example": domain.PLViewFinancials},
		map[string]domain.ProjectLevel{"michael@acme.example": domain.PLEditFinancials, "lesley@acme.example": domain.PLViewTasks, "tom@acme.example": domain.PLEditTasks}},
	{"Brand guidelines", "Acme Corp", false, "parker@northwind.example",
		map[string]domain.ProjectLevel{"morgan@northwind.example": domain.PLEditTasks},
		map[string]domain.ProjectLevel{"lesley@acme.example": domain.PLEditTasks}},
}

func seedProjects(ctx context.Context, a *app.App) error {
	for _, dp := range demoProjects {
		creator, _, err := a.Store.FindUserCredentials(ctx, dp.creator)
		if err != nil {
			return err
		}
		ms, err := a.Store.FindMemberships(ctx, creator.ID)
		if err != nil || len(ms) == 0 {
			return fmt.Errorf("demo: %s has no account", dp.creator)
		}
		act, err := a.Actor(ctx, &store.Principal{User: *creator}, ms[0].AccountID)
		if err != nil {
			return err
		}
		p, err := a.CreateProject(ctx, act, app.ProjectInput{Name: dp.name, ClientCompany: dp.client, Financial: dp.financial,
			Description: "A demo project shared between Northwind Studio and " + dp.client + ".", StartDate: "2026-11-02", DueDate: "2027-03-31"})
		if err != nil {
			return fmt.Errorf("demo: project %s: %w", dp.name, err)
		}
		table, err := a.Store.FindPermissionTable(ctx, p.AccountID)
		if err != nil {
			return err
		}
		add := func(email string, side domain.Side, level domain.ProjectLevel) error {
			u, _, err := a.Store.FindUserCredentials(ctx, email)
			if err != nil {
				return err
			}
			acctLevel := domain.AccountLevel("")
			if m, err := a.Store.FindMemberByUser(ctx, p.AccountID, u.ID); err == nil {
				acctLevel = m.Level
			}
			acc := table.Default(acctLevel, side).Access
			if side == domain.SideClient || level == domain.PLViewTasks || level == domain.PLEditTasks {
				acc = []domain.Access{domain.AccessPost}
			}
			return a.Store.AddParticipant(ctx, &domain.Participant{ProjectID: p.ID, AccountID: p.AccountID, UserID: u.ID, Email: email,
				Side: side, Level: level, Access: acc}, store.AuditActor{UserID: creator.ID, Name: creator.FullName()})
		}
		for email, level := range dp.provider {
			if err := add(email, domain.SideProvider, level); err != nil {
				return fmt.Errorf("demo: %s: %w", email, err)
			}
		}
		for email, level := range dp.clients {
			if err := add(email, domain.SideClient, level); err != nil {
				return fmt.Errorf("demo: %s: %w", email, err)
			}
		}
		if err := seedPosts(ctx, a, act.Principal, p.ID); err != nil {
			return err
		}
		if err := seedTasks(ctx, a, act.Principal, p.ID); err != nil {
			return err
		}
	}
	return nil
}

// seedPosts writes a public thread, and a private provider-only thread with an internal reply,
// so that "view as" a client shows the difference at once.
func seedPosts(ctx context.Context, a *app.App, creator *store.Principal, projectID string) error {
	pa, err := a.ProjectActor(ctx, creator, projectID)
	if err != nil {
		return err
	}
	public, private := false, true
	kick, err := a.CreatePost(ctx, pa, app.PostInput{Body: "Welcome! Kick-off is on Monday at 10:00. Agenda to follow.", Private: &public})
	if err != nil {
		return err
	}
	if _, err := a.CreateReply(ctx, pa, kick.ID, app.ReplyInput{Body: "Budget is tight on this one: keep the workshop to half a day.", Internal: true}); err != nil {
		return err
	}
	people, err := a.MentionCandidates(ctx, pa, "", false)
	if err != nil {
		return err
	}
	var team []string
	for _, p := range people {
		if p.Side == domain.SideProvider {
			team = append(team, p.UserID)
		}
	}
	if len(team) > 0 {
		if _, err := a.CreatePost(ctx, pa, app.PostInput{Body: "Provider team only: our estimate is 20% under what the client expects.", Private: &private, Recipients: team}); err != nil {
			return err
		}
	}
	return nil
}

func seedAccount(ctx context.Context, a *app.App, name string, people []demoPerson) error {
	admin := people[0]
	acct, adminMember, err := a.CreateAccount(ctx, name, admin.email, DemoPassword, admin.first, admin.last)
	if err != nil {
		return fmt.Errorf("demo: %s: %w", name, err)
	}
	actor, err := a.Actor(ctx, &store.Principal{User: domain.User{ID: adminMember.UserID}}, acct.ID)
	if err != nil {
		return err
	}
	for i, p := range people {
		id := adminMember.ID
		if i > 0 {
			m, err := a.Store.AddDemoMember(ctx, acct.ID, p.email, p.first, p.last, DemoPassword)
			if err != nil {
				return fmt.Errorf("demo: %s: %w", p.email, err)
			}
			id = m.ID
		}
		if p.billRate == 0 {
			continue
		}
		lvl := string(p.level)
		bill, cost := p.billRate, p.costRate
		if _, err := a.UpdateMember(ctx, actor, id, app.MemberChange{Level: &lvl, DefaultBillRate: &bill, CostRate: &cost}); err != nil {
			return fmt.Errorf("demo: %s: %w", p.email, err)
		}
	}
	return nil
}

func printDemo(out io.Writer, baseURL string) {
	fmt.Fprintf(out, "\nDemo logins (password for all: %s)\n", DemoPassword)
	fmt.Fprintln(out, "  Northwind Studio (the provider firm):")
	for _, p := range demoProvider {
		fmt.Fprintf(out, "    %-28s %s\n", p.email, p.level.Name())
	}
	fmt.Fprintln(out, "  Acme Corp (the client company):")
	for _, p := range demoClient {
		fmt.Fprintf(out, "    %-28s %s\n", p.email, p.level.Name())
	}
	fmt.Fprintf(out, "Sign in at %s/signin\n\n", baseURL)
}

// seedTasks plans a small piece of work: phases with dates and dependencies, a milestone and a
// deliverable for the client to sign off.
func seedTasks(ctx context.Context, a *app.App, creator *store.Principal, projectID string) error {
	pa, err := a.ProjectActor(ctx, creator, projectID)
	if err != nil {
		return err
	}
	str := func(s string) *string { return &s }
	var prev string
	plan := []struct{ title, kind, start, due string }{
		{"Discovery workshop", "task", "2026-11-02", "2026-11-13"},
		{"Sitemap and wireframes", "task", "2026-11-16", "2026-12-04"},
		{"Wireframes approved", "milestone", "2026-12-04", "2026-12-04"},
		{"Visual design", "deliverable", "2026-12-07", "2027-01-15"},
		{"Build and content entry", "task", "2027-01-18", "2027-03-12"},
		{"Launch", "milestone", "2027-03-31", "2027-03-31"},
	}
	for _, t := range plan {
		in := app.TaskInput{Title: str(t.title), Kind: str(t.kind), StartDate: str(t.start), DueDate: str(t.due)}
		if prev != "" {
			in.DependsOn = &[]string{prev}
		}
		task, err := a.CreateTask(ctx, pa, in)
		if err != nil {
			return fmt.Errorf("demo: task %s: %w", t.title, err)
		}
		prev = task.ID
	}
	return nil
}
